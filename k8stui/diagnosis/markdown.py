"""Markdown for the incident channel, built from untrusted text (object names, event messages, log lines).

Every cell goes through ``escape``: control sequences removed, line breaks folded, and the characters that
would turn text into formatting, links or HTML (``* _ ` [ ] < > | #`` ...) backslash-escaped, so a pasted report
shows what the cluster said and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from ..text import sanitize

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def escape(value: object) -> str:
    """One line of plain text, safe inside Markdown (also inside a table cell)."""
    text = sanitize("" if value is None else str(value)).replace("\t", " ")
    text = " ".join(text.splitlines())
    return _SPECIAL.sub(r"\\\1", text)


def code(value: object, *, in_table: bool = True) -> str:
    """Inline code: a span fenced with more backticks than the text holds. Inside a table cell GitHub still
    splits on ``|``, so it is written ``\\|`` there (which GFM shows as ``|`` inside the code)."""
    text = " ".join(sanitize("" if value is None else str(value)).splitlines())
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(lines: Iterable[str], lang: str = "") -> str:
    """A fenced block whose fence is longer than any backtick run in the lines."""
    body = [sanitize(line) for line in lines]
    longest = max((len(m) for line in body for m in re.findall(r"`{3,}", line)), default=2)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence + lang, *body, fence])


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub-flavoured table; cells must already be escaped (or built with ``code``)."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def utc(ts: float | None) -> str:
    """``2024-05-01 10:00:03Z`` (or "" for an unknown time)."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def iso(ts: float | None) -> str:
    """RFC 3339 in UTC (``2024-05-01T10:00:03Z``), for JSON."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["code", "code_block", "escape", "iso", "table", "utc"]
