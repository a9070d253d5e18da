"""scroll_range.set_scroll_range — the one Textual internal it uses (``Widget._scroll_update``) still does what
the views rely on: the new range is scrollable to its last line, and the vertical scrollbar appears when the
content outgrows the view and goes away when it fits again."""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from k8stui.ui.widgets.scroll_range import set_scroll_range


class Lines(ScrollView):
    """Line ``y`` of the content reads ``line <y>``."""

    def render_line(self, y: int) -> Strip:
        number = int(self.scroll_y) + y
        if number >= self.virtual_size.height:
            return Strip.blank(self.size.width)
        return Strip([Segment(f"line {number}".ljust(self.size.width))], self.size.width)


class LinesApp(App):
    def compose(self) -> ComposeResult:
        yield Lines()


async def test_a_quietly_set_range_scrolls_to_its_end_and_shows_or_hides_the_scrollbar():
    app = LinesApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(Lines)
        assert set_scroll_range(view, Size(20, 5))
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        assert not set_scroll_range(view, Size(20, 5))  # unchanged: nothing to do

        assert set_scroll_range(view, Size(20, 500))
        await pilot.pause()
        assert view.show_vertical_scrollbar
        assert view.max_scroll_y == 490
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        painted = [view.render_line(y).text.strip() for y in range(view.size.height)]
        assert painted[-1] == "line 499"

        assert set_scroll_range(view, Size(20, 3))
        await pilot.pause()
        assert view.scroll_y == 0 and view.max_scroll_y == 0
        assert not view.show_vertical_scrollbar
