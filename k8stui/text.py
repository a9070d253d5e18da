"""Untrusted text made safe to show: terminal control sequences removed, invisible characters made visible,
never parsed as markup.

Object fields and log lines come from the cluster, i.e. from anyone who can create a pod. They are shown as
``rich.text.Text`` built from plain strings (so ``[red]`` stays literal) after removing escape sequences that
could retitle the terminal, clear it, or plant hyperlinks. Characters that change how *other* text looks
without showing themselves — bidirectional overrides and isolates (``exe.live`` + U+202E displays as
``evil.exe``), zero-width spaces and joiners, line/paragraph separators, BOMs, invisible fillers — are shown
as ``<U+202E>`` so the reader sees that they are there.

``sanitize`` is on the hot path (every table cell, every log line): printable text returns at once
(``str.isprintable`` is False for every character that needs work here, so one C-level check suffices).
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
# Invisible characters that reorder, hide or split the text around them: Unicode format characters (Cf: bidi
# controls U+061C U+200E-U+200F U+202A-U+202E U+2066-U+2069, zero-width U+200B-U+200D U+2060-U+2064 U+FEFF, soft
# hyphen, tags ...), line/paragraph separators (Zl/Zp), lone surrogates (would crash the terminal's encoder),
# and the invisible fillers and joiners that are letters or marks (U+034F U+115F U+1160 U+17B4 U+17B5 U+3164
# U+FFA0) used to forge names.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ud800-\udfff\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]")


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def sanitize(value: str) -> str:
    """The printable part of ``value``: escape sequences and control characters removed, invisible format
    characters (bidi overrides, zero-width spaces ...) shown as ``<U+XXXX>``. Tab and newline are kept."""
    if value.isprintable():
        return value
    if "\x1b" in value or "\x9b" in value or "\x9d" in value:
        value = _ESCAPES.sub("", value)
    value = _CONTROLS.sub("", value)
    if value.isascii() or value.isprintable():  # isascii is O(1): tabs and newlines stop here
        return value
    return _INVISIBLE.sub(_visible, value)


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
