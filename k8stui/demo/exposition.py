"""Prometheus text exposition format 0.0.4, written by hand: label escaping, sample lines, metric families.

Kept apart from the telemetry model so the format rules (escaping, one contiguous block per family with its
``# HELP`` and ``# TYPE`` first) live in one place and the model only produces label/value pairs.
"""

from __future__ import annotations

from collections.abc import Iterable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def escape_value(value: object) -> str:
    """A label value with ``\\``, ``"`` and newlines escaped."""
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or '"' in text or "\n" in text:
        return text.translate(_ESCAPES)
    return text


def label_text(pairs: Iterable[tuple[str, object]]) -> str:
    """``name="value",...`` without braces (so callers can append more labels)."""
    return ",".join(f'{k}="{escape_value(v)}"' for k, v in pairs)


def format_value(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return "NaN"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


class Exposition:
    """Builds one scrape body, family by family."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def family(self, name: str, mtype: str, help_text: str, samples: Iterable[str]) -> None:
        """Add a family. ``samples`` are complete sample lines (``name{labels} value\\n``), possibly joined."""
        self._parts.append(f"# HELP {name} {_escape_help(help_text)}\n# TYPE {name} {mtype}\n")
        self._parts.extend(samples)

    def render(self) -> bytes:
        return "".join(self._parts).encode("utf-8")
