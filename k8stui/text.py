"""Untrusted text made safe to show: terminal control sequences removed, never parsed as markup.

Object fields and log lines come from the cluster, i.e. from anyone who can create a pod. They are shown as
``rich.text.Text`` built from plain strings (so ``[red]`` stays literal) after removing escape sequences that
could retitle the terminal, clear it, or plant hyperlinks.
"""

from __future__ import annotations

import functools
import re

from rich.text import Text

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ ... ST),
# and two-character escapes; then the 8-bit C1 forms; then remaining C0/C1 controls except tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*(?:\x07|\x9c)?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(value: str) -> str:
    """The printable part of ``value``: escape sequences and control characters removed."""
    if value.isprintable():
        return value
    if "\x1b" in value or "\x9b" in value or "\x9d" in value:
        value = _ESCAPES.sub("", value)
    return _CONTROLS.sub("", value)


class _CleanText(Text):
    """A Text made from an already-sanitized string: skips Rich's second control-code pass, which is most of
    the cost of building 100k table cells. Same slots, same behaviour otherwise."""

    __slots__ = ()

    def __init__(self, clean: str, style: str = "") -> None:  # noqa: D107 - mirrors Text.__init__
        self._text = [clean]
        self.style = style
        self.justify = None
        self.overflow = None
        self.no_wrap = True
        self.end = "\n"
        self.tab_size = None
        self._spans = []
        self._length = len(clean)


@functools.lru_cache(maxsize=8192)
def _shared(clean: str, style: str) -> Text:
    """Table cells repeat ("Running", "1/1", node names): one Text per (text, style), shared by every cell
    that shows it. Cells are never modified after they are built, so sharing is safe; 10k pods use ~15 MB
    less."""
    return _CleanText(clean, style)


def styled(value: object, style: str = "") -> Text:
    """Untrusted text as a one-line Text in ``style`` (sanitized, never markup). Do not modify the result."""
    return _shared(sanitize("" if value is None else str(value)), style)


def safe_text(value: object) -> Text:
    """A Text for a table cell or label: ``Text`` passes through (we built it), anything else is sanitized
    plain text. Do not modify the result: it may be shared."""
    if isinstance(value, Text):
        return value
    return _shared(sanitize("" if value is None else str(value)), "")


def plain(value: object, style: str = "") -> Text:
    """A new Text of untrusted ``value`` for a title, toast or label: sanitized, never parsed as markup (a str
    given to a border title, ``Static`` or ``notify`` is markup: ``[@click=app.quit]`` would become an
    action)."""
    return Text(sanitize("" if value is None else str(value)), style=style)
