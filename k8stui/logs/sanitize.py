"""Log lines are untrusted: make them inert before anything displays them.

Anyone who can run a pod can write bytes that a terminal would obey: set the window title (OSC 0), clear the
screen (CSI 2J), move the cursor, plant hyperlinks (OSC 8), or hide text. ``clean`` removes every escape
sequence and control character with ``k8stui.text.sanitize`` — except SGR colour sequences (``ESC [ ... m``),
which are kept apart so ``styled`` can turn them into colours with ``rich.text.Text.from_ansi`` *after*
everything else is gone, and then keeps only harmless attributes (colour, bold, dim, italic, underline; no
conceal, blink, reverse or links). Rich markup in a line (``[red]``, ``[link=...]``) is never parsed: lines
are always built as plain ``Text``. Bidirectional overrides, zero-width and other invisible characters are
shown as ``<U+202E>`` (by ``sanitize``), so a line cannot disguise what it says.
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

from ..text import sanitize

_SGR = re.compile(r"(\x1b\[[0-9;:]*m)")
TAB_SIZE = 4


def clean(text: str) -> tuple[str, str]:
    """(display, plain) for one decoded line: ``display`` may keep SGR colour sequences, ``plain`` has no
    escape or control character at all. Both are the same object when the line was already printable."""
    if text.isprintable():
        return text, text
    if "\t" in text:
        text = text.expandtabs(TAB_SIZE)
    if "\x1b" in text:
        parts = _SGR.split(text)
        pieces = [sanitize(p) for p in parts[0::2]]
        plain = "".join(pieces)
        if len(parts) > 1:
            out = [pieces[0]]
            for sgr, piece in zip(parts[1::2], pieces[1:], strict=True):
                out.append(sgr)
                out.append(piece)
            display = "".join(out)
        else:
            display = plain
    else:
        plain = display = sanitize(text)
    return display, plain


def _safe_style(style: Style) -> Style:
    return Style(color=style.color, bold=style.bold, dim=style.dim, italic=style.italic,
                 underline=style.underline)


def styled(display: str, plain: str) -> Text:
    """The Text to show for a cleaned line: SGR colours applied (harmless attributes only), no markup."""
    if display is plain or "\x1b" not in display:
        return Text(plain, end="")
    decoded = Text.from_ansi(display, end="")
    if decoded.plain != plain:  # cannot happen for cleaned input; never show something else than plain
        return Text(plain, end="")
    text = Text(plain, end="")
    for span in decoded.spans:
        if not isinstance(span.style, Style):
            continue
        safe = _safe_style(span.style)
        if safe:
            text.stylize(safe, span.start, span.end)
    return text
