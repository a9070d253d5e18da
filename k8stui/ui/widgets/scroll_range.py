"""Change a ScrollView's scroll range without re-laying out the whole screen.

Assigning ``virtual_size`` (a layout reactive) re-lays out and repaints every widget on the screen: ~15-30 ms
of CPU on the event loop for a 10k-row table or a log view, each time a row comes or goes or log lines arrive —
a key pressed then waits for it. Only the range and the scrollbars changed, so the size is set quietly and the
scrollbars are updated; a scrollbar that has to appear or vanish still triggers the layout it needs
(``show_vertical_scrollbar``/``show_horizontal_scrollbar`` are layout reactives).

The one Textual internal this uses (``Widget._scroll_update``, what Textual itself calls after a resize) is
used here only; tests/ui/test_scroll_range.py covers it.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_scroll_range(view: ScrollView, size: Size) -> bool:
    """Give ``view`` the virtual size ``size`` (its scroll range); False if it already had it."""
    if size == view.virtual_size:
        return False
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)
    return True


__all__ = ["set_scroll_range"]
