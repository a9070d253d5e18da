"""ResourceView: paints a TableModel — only the rows on screen, each line cached until its row changes.

The shape of Textual's own ``Log`` widget and toolong's ``LogLines``: a ``ScrollView`` whose ``virtual_size`` is
the whole table (so scrolling reaches the last of 10k+ rows) and whose ``render_line(y)`` builds just the line
asked for, from the model's plain-text cells, into an LRU cache keyed by (row, row version, layout, scroll x,
cursor state). A model diff repaints the changed lines only; rows that moved are found again by key.

Column widths come from the model, so a value that grew after the first paint (Running → CrashLoopBackOff)
widens its column before it is painted. Only when the view is too narrow for every column are free-text
(``flex``) columns shortened, and any value cut — by that, or by the left/right edge while scrolled sideways —
ends in an ellipsis: a value is never shown cut without one. Cell text is sanitized plain text turned into
segments directly: never markup.

The header line is sticky and marks the sorted column (▲/▼); a click on a header sorts by it. The row cursor
is always on screen: keys move it and scroll, the mouse wheel scrolls and drags it along, a click moves it and
a double click selects (a single click never acts: the first row is under the cursor before anyone chose it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...cluster.table_model import CellValue, TableDiff, TableModel, cell
from ...text import plain
from .line_cache import LineCache, painted_copy
from .scroll_range import set_scroll_range

HEADER_HEIGHT = 1
PAD = 1  # blank cells either side of a column's content
FLEX_MIN = 12  # a flex column is not shortened below this (or its header)
ELLIPSIS = "…"
AGE_REFRESH_SECONDS = 1.0
# Rows whose ages are rendered again per frame: a screen of young pods (every age changes each second) rendered at
# once was a 20-30 ms frame every second at 50k pods under churn (benchmarks/loop_stalls.py), the key p99.
AGE_ROWS_PER_FRAME = 12

_Piece = tuple[str, str]  # (text, style name)


# -- layout (pure) ----------------------------------------------------------------------------------------------
def fit_widths(natural: Sequence[int], flex: Sequence[int], headers: Sequence[int], available: int) -> list[int]:
    """Column content widths for ``available`` cells: the natural widths when they fit; otherwise flex columns
    give up space — the highest ``flex`` level first, and within a level the widest first (water-filling) —
    down to FLEX_MIN or their header. If that is still too wide the view scrolls sideways."""
    widths = list(natural)
    excess = sum(widths) + 2 * PAD * len(widths) - available
    for level in sorted({f for f in flex if f}, reverse=True):
        if excess <= 0:
            break
        group = [i for i, f in enumerate(flex) if f == level]
        floors = {i: min(natural[i], max(FLEX_MIN, headers[i])) for i in group}
        spare = sum(natural[i] - floors[i] for i in group)
        if spare <= excess:
            for i in group:
                widths[i] = floors[i]
            excess -= spare
            continue
        lo, hi = 0, max(natural[i] for i in group)  # the largest cap that frees at least ``excess`` cells
        while lo < hi:
            cap = (lo + hi + 1) // 2
            if sum(natural[i] - max(floors[i], min(natural[i], cap)) for i in group) >= excess:
                lo = cap
            else:
                hi = cap - 1
        for i in group:
            widths[i] = max(floors[i], min(natural[i], lo))
        excess = 0
    return widths


@dataclass(frozen=True)
class Layout:
    """Where each column's content starts and how wide it is, in the virtual (scrollable) line."""

    widths: tuple[int, ...]
    starts: tuple[int, ...]
    total: int

    @classmethod
    def of(cls, widths: Sequence[int]) -> Layout:
        starts, x = [], 0
        for width in widths:
            starts.append(x + PAD)
            x += width + 2 * PAD
        return cls(tuple(widths), tuple(starts), x)

    def column_at(self, x: int) -> int | None:
        for i, (start, width) in enumerate(zip(self.starts, self.widths, strict=True)):
            if start - PAD <= x < start + width + PAD:
                return i
        return None


# -- cutting text by terminal cells ------------------------------------------------------------------------------
def _pieces(value: CellValue) -> list[_Piece]:
    if isinstance(value, str):
        return [(value, "")]
    if not value.spans:
        return [(value.text, value.style)]
    out: list[_Piece] = []
    at = 0
    text, base = value.text, value.style
    for start, end, style in value.spans:
        if start > at:
            out.append((text[at:start], base))
        out.append((text[start:end], f"{base} {style}".strip()))
        at = end
    if at < len(text):
        out.append((text[at:], base))
    return out


def _slice(text: str, start: int, end: int) -> str:
    """The cells [start, end) of ``text``; a wide character cut in half becomes a space."""
    if text.isascii():
        return text[start:end]
    out, x = [], 0
    for ch in text:
        w = get_character_cell_size(ch)
        if x >= end:
            break
        if x >= start and x + w <= end:
            out.append(ch)
        elif x < end and x + w > start:
            out.append(" " * (min(end, x + w) - max(start, x)))
        x += w
    return "".join(out)


def _take(pieces: list[_Piece], start: int, end: int) -> list[_Piece]:
    """The cells [start, end) of a run of pieces."""
    out, x = [], 0
    for text, style in pieces:
        w = len(text) if text.isascii() else cell_len(text)
        if x + w > start and x < end:
            part = _slice(text, max(0, start - x), min(w, end - x))
            if part:
                out.append((part, style))
        x += w
        if x >= end:
            break
    return out


def _style_at(pieces: list[_Piece], position: int) -> str:
    x = 0
    for text, style in pieces:
        x += len(text) if text.isascii() else cell_len(text)
        if position < x:
            return style
    return pieces[-1][1] if pieces else ""


def window(value: CellValue, width: int, start: int, end: int) -> list[_Piece]:
    """Cells [start, end) of ``value`` laid out in a column ``width`` wide, padded with spaces, with an
    ellipsis wherever the value's text is cut (by the column or by the window)."""
    pieces = _pieces(value)
    text_width = sum(len(t) if t.isascii() else cell_len(t) for t, _ in pieces)
    if text_width > width:  # the column is narrower than the value
        pieces = [*_take(pieces, 0, width - 1), (ELLIPSIS, _style_at(pieces, width - 1))]
        text_width = width
    out: list[_Piece] = []
    if start < text_width:
        stop = min(end, text_width)
        cut_left, cut_right = start > 0, stop < text_width
        inner = _take(pieces, start + cut_left, stop - cut_right) if stop - start > cut_left + cut_right else []
        if cut_left:
            out.append((ELLIPSIS, _style_at(pieces, start)))
        out.extend(inner)
        if cut_right and (not cut_left or stop - start > 1):
            out.append((ELLIPSIS, _style_at(pieces, stop - 1)))
    if end > text_width:
        out.append((" " * (end - max(start, text_width)), ""))
    return out


# -- the widget -------------------------------------------------------------------------------------------------
class ResourceView(ScrollView, can_focus=True):
    """A table view of a TableModel: sticky header, row cursor, only visible lines rendered."""

    @dataclass
    class CurrentChanged(Message):
        """The row under the cursor is another one (the cursor moved, or rows arrived, left or were re-sorted)."""

        view: ResourceView
        key: str | None

        @property
        def control(self) -> ResourceView:
            return self.view

    @dataclass
    class RowSelected(Message):
        """``enter`` on a row, or a double click on it."""

        view: ResourceView
        key: str

        @property
        def control(self) -> ResourceView:
            return self.view

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-view--header", "resource-view--cursor", "resource-view--empty", "resource-view--marked",
    }
    DEFAULT_CSS = """
    ResourceView {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus { background-tint: $foreground 5%; }
        & > .resource-view--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .resource-view--header { background: ansi_bright_blue; color: ansi_default; }
        & > .resource-view--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .resource-view--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .resource-view--empty { color: $text-muted; text-style: italic; }
        & > .resource-view--marked { background: $accent 35%; text-style: bold; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
        Binding("left", "column_left", "Column left", show=False),
        Binding("right", "column_right", "Column right", show=False),
        Binding("enter", "select", "Select", show=False),
        Binding("space", "toggle_mark", "Mark row (delete several)", show=False),
    ]

    def __init__(self, model: TableModel[Any], *, show_summary: bool = True, empty_text: str = "",
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.model = model
        self.show_summary = show_summary
        self.empty_text = empty_text
        self.cursor_row = 0
        self._cursor_key: str | None = None
        self._notified_key: str | None = None
        self._notified_once = False
        self._pinned_top = True  # until the user moves: the cursor stays on the first row as rows arrive
        self._layout = Layout.of(())
        self._layout_id = 0
        self._line_cache: LineCache[tuple[Any, ...], Strip] = LineCache(1024)
        self._cell_styles: dict[tuple[str, int], Style] = {}
        self._unsubscribe: Any = None
        self._following = False  # mounted and subscribed to the model
        self._syncing = False  # following a model change: scrolling is not the user's
        self._ages_due = False
        self._summary: Text | None = None  # the summary last shown (setting a border subtitle repaints it all)
        self.marked: set[str] = set()  # keys of rows marked with space (operations on several rows)

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._unsubscribe = self.model.subscribe(self._model_changed)
        self._following = True
        self._summary = None  # (re)mounted: its parent shows no summary yet
        self.set_interval(AGE_REFRESH_SECONDS, self._refresh_ages)
        self._model_changed(TableDiff(reordered=True, widths_changed=True, first_shift=0))

    def on_unmount(self) -> None:
        self._following = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self._scroll_to_cursor()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()
        self._cell_styles.clear()

    def on_focus(self, event: events.Focus) -> None:
        self._line_cache.clear()  # the cursor's colours depend on focus
        self._cell_styles.clear()
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._line_cache.clear()
        self._cell_styles.clear()
        self.refresh()

    # -- public API -----------------------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.model)

    @property
    def rows_by_key(self) -> Mapping[str, Any]:
        """Every row of the model by key, filtered-out ones too (read-only)."""
        return self.model.rows_by_key

    @property
    def filter_text(self) -> str:
        return self.model.filter_text

    @property
    def sort_column(self) -> str | None:
        return self.model.sort_column

    def set_filter(self, text: str) -> str:
        """Filter the rows; returns the error ("" if none) — an invalid filter leaves the rows as they were."""
        self.model.set_filter(text)
        return self.model.filter_error

    def sort_by(self, column: str) -> None:
        """Sort by ``column``; the sorted column again flips the direction."""
        self.model.sort_by(column)

    def current_key(self) -> str | None:
        return self._cursor_key

    def current_row(self) -> Any:
        key = self._cursor_key
        return self.model.get(key) if key is not None else None

    def select_key(self, key: str) -> bool:
        """Put the cursor on a row (scrolling to it); False if that row is not shown."""
        index = self.model.index_of(key)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    def marked_keys(self) -> list[str]:
        """The marked rows that are still there, in display order (filtered-out ones last)."""
        model = self.model

        def place(key: str) -> tuple[int, int, str]:
            index = model.index_of(key)
            return (1, 0, key) if index is None else (0, index, key)
        return sorted((k for k in self.marked if k in model.rows_by_key), key=place)

    def clear_marks(self) -> bool:
        """Unmark every row; False if none was marked."""
        if not self.marked:
            return False
        self.marked.clear()
        self._line_cache.clear()
        self.refresh()
        return True

    def visible_rows(self) -> list[Any]:
        """Every shown row in display order (what scrolling would show)."""
        return list(self.model.rows())

    def keys_in_view(self) -> list[str]:
        top = self._top()
        return self.model.keys(top, top + self._body_height())

    def painted_lines(self) -> list[str]:
        """The text of every line of the viewport, exactly as ``render_line`` paints it (tests read this)."""
        height = self.scrollable_content_region.height
        return [self.render_line(y).text for y in range(height)]

    def move_cursor(self, index: int, *, user: bool = True) -> None:
        """Move the cursor to a display index (clamped) and scroll it into view."""
        n = len(self.model)
        if user:
            self._pinned_top = False
        old = self.cursor_row
        self.cursor_row = max(0, min(index, n - 1)) if n else 0
        self._cursor_key = self.model.key_at(self.cursor_row) if n else None
        if old != self.cursor_row:
            self._refresh_row(old)
            self._refresh_row(self.cursor_row)
        self._scroll_to_cursor()
        self._notify_current()

    # -- actions ------------------------------------------------------------------------------------------------
    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._body_height())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._body_height())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.model) - 1)

    def action_column_left(self) -> None:
        x = int(self.scroll_x)
        starts = [s - PAD for s in self._layout.starts if s - PAD < x]
        self.scroll_to(x=starts[-1] if starts else 0, animate=False, force=True)

    def action_column_right(self) -> None:
        x = int(self.scroll_x)
        starts = [s - PAD for s in self._layout.starts if s - PAD > x]
        if starts:
            self.scroll_to(x=min(starts[0], self.max_scroll_x), animate=False, force=True)

    def action_toggle_mark(self) -> None:
        """``space``: mark the row under the cursor (or unmark it) and go to the next one, as in k9s."""
        key = self._cursor_key
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self._refresh_row(self.cursor_row)
        self.move_cursor(self.cursor_row + 1)

    def action_select(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y < HEADER_HEIGHT:
            column = self._layout.column_at(offset.x + int(self.scroll_x))
            if column is not None:
                self.sort_by(self.model.columns[column].key)
            return
        index = self._top() + offset.y - HEADER_HEIGHT
        if index >= len(self.model):
            return
        self.move_cursor(index)
        if event.chain >= 2 and self._cursor_key is not None:  # a double click is enter; one click only points
            self.post_message(self.RowSelected(self, self._cursor_key))

    # -- following the model ------------------------------------------------------------------------------------
    def _model_changed(self, diff: TableDiff) -> None:
        if not self._following:
            return
        if self.marked:  # rows that left are unmarked
            self.marked.intersection_update(self.model.rows_by_key)
        self._syncing = True
        try:
            self._follow(diff)
        finally:
            self._syncing = False
        self._notify_current()
        self._show_summary()

    def _follow(self, diff: TableDiff) -> None:
        model = self.model
        n = len(model)
        top, body = self._top(), self._body_height()
        old_row, key = self.cursor_row, self._cursor_key
        was_visible = top <= old_row < top + body
        if self._pinned_top or key is None:
            new_row = 0
        else:
            index = model.index_of(key)
            new_row = index if index is not None else min(old_row, n - 1)
        relaid = self._relayout()
        set_scroll_range(self, Size(self._layout.total, n + HEADER_HEIGHT))  # a row more: no screen relayout
        if (was_visible and new_row != old_row and key is not None and model.is_shown(key) and not diff.reordered
                and self.size.height):
            # rows came or went above the cursor: keep its row on the same screen line
            self.scroll_to(y=max(0, top + new_row - old_row), animate=False, force=True)
        self.cursor_row = max(0, min(new_row, n - 1)) if n else 0
        self._cursor_key = model.key_at(self.cursor_row) if n else None
        self._scroll_to_cursor()
        new_top = self._top()
        if relaid or diff.reordered or new_top != top or (diff.first_shift is not None
                                                          and diff.first_shift < new_top + body):
            self.refresh()
            return
        if diff.changed:  # the rows on screen are a slice: one look at it, not a search per changed row
            changed = diff.changed
            for offset, shown in enumerate(model.keys(new_top, new_top + body)):
                if shown in changed:
                    self.refresh_line(new_top + offset + HEADER_HEIGHT)
        if old_row != self.cursor_row:
            self._refresh_row(old_row)
            self._refresh_row(self.cursor_row)

    def _show_summary(self) -> None:
        if not self.show_summary:
            return
        summary = plain(self.model.summary())  # holds the filter the user typed: never markup
        if summary == self._summary:  # most batches change no count: a subtitle set repaints view and pane
            return
        self._summary = summary
        # Shown by the parent (the Pane's border). Not on the view too: it has no border to show it in, and a
        # subtitle set repaints every line of the widget — the whole table, each time a row comes or goes.
        if self.parent is not None:
            self.parent.border_subtitle = summary

    @property
    def summary(self) -> str:
        """What the parent's border subtitle shows: ``8``, ``3/8 match /x/`` (tests read it)."""
        return self._summary.plain if self._summary is not None else ""

    def _notify_current(self) -> None:
        key = self._cursor_key
        if key != self._notified_key or not self._notified_once:
            self._notified_key = key
            self._notified_once = True
            self.post_message(self.CurrentChanged(self, key))

    def _refresh_ages(self) -> None:
        """Ages move on without events: render the volatile cells of the rows on screen again."""
        self._ages_due = False
        if not self.model.total or not self._following or self.app.screen is not self.screen:
            return
        self._rerender_ages(list(self.keys_in_view()))

    def _rerender_ages(self, keys: list[str]) -> None:
        """The ages of ``keys``, ``AGE_ROWS_PER_FRAME`` rows a frame: the screen's ages ripple over a few frames
        (~50 ms) instead of one long frame a key could wait behind."""
        if not keys or self.app.screen is not self.screen:
            return
        self.model.rerender(keys[:AGE_ROWS_PER_FRAME])
        if len(keys) > AGE_ROWS_PER_FRAME:
            self.call_after_refresh(self._rerender_ages, keys[AGE_ROWS_PER_FRAME:])

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._syncing or round(old_value) == round(new_value) or not len(self.model):
            return
        top, body = self._top(), self._body_height()
        if self.cursor_row < top:  # the wheel (or the scrollbar) moved the rows: the cursor comes along
            self.move_cursor(top)
        elif self.cursor_row >= top + body:
            self.move_cursor(top + body - 1)
        if not self._ages_due:  # rows scrolled into view show their current age (once per refresh)
            self._ages_due = True
            self.call_after_refresh(self._refresh_ages)

    # -- geometry -------------------------------------------------------------------------------------------------
    def _top(self) -> int:
        return int(round(self.scroll_y))

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_HEIGHT)

    def _available_width(self) -> int:
        width = self.size.width
        if len(self.model) + HEADER_HEIGHT > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        return max(0, width)

    def _relayout(self) -> bool:
        """Fit the model's widths into the view; True if the layout changed."""
        model = self.model
        headers = [cell_len(model.header(i)) for i in range(len(model.columns))]
        widths = fit_widths(model.widths, [int(c.flex) for c in model.columns], headers, self._available_width())
        if tuple(widths) == self._layout.widths:
            return False
        self._layout = Layout.of(widths)
        self._layout_id += 1
        return True

    def _scroll_to_cursor(self) -> None:
        if not self.size.height or not len(self.model):
            return
        top, body = self._top(), self._body_height()
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, force=True)
        elif row >= top + body:
            self.scroll_to(y=row - body + 1, animate=False, force=True)

    def _refresh_row(self, index: int | None) -> None:
        if index is None:
            return
        top = self._top()
        if top <= index < top + self._body_height():
            self.refresh_line(index + HEADER_HEIGHT)

    # -- painting -------------------------------------------------------------------------------------------------
    def _style(self, name: str, state: int) -> Style:
        """A cell style over the row's base (0: plain row, 1: cursor row, 2: header, 3: empty note, 4: marked
        row)."""
        cached = self._cell_styles.get((name, state))
        if cached is None:
            base = self.rich_style
            if state == 1:
                base += self.get_component_rich_style("resource-view--cursor")
            elif state == 2:
                base += self.get_component_rich_style("resource-view--header")
            elif state == 3:
                base += self.get_component_rich_style("resource-view--empty")
            elif state == 4:
                base += self.get_component_rich_style("resource-view--marked")
            if name and state != 1:
                base += Style.parse(name)
            elif name:  # the cursor's colours win, the cell's own emphasis (bold) stays
                own = Style.parse(name)
                base = base + Style(bold=own.bold, italic=own.italic) if (own.bold or own.italic) else base
            cached = self._cell_styles[(name, state)] = base
        return cached

    def _line(self, values: Sequence[CellValue], state: int, scroll_x: int, width: int, visible: int) -> Strip:
        """One line ``width`` cells long; cells past ``visible`` are under the scrollbar (blank, and a value
        cut there gets its ellipsis before it)."""
        layout = self._layout
        segments: list[Segment] = []
        end = scroll_x + min(width, visible)
        x = scroll_x  # next cell to paint
        pad = self._style("", state)
        for value, start, w in zip(values, layout.starts, layout.widths, strict=False):
            if start + w + PAD <= scroll_x:
                continue
            if start - PAD >= end:
                break
            lo, hi = max(start, scroll_x), min(start + w, end)
            if lo > x:
                segments.append(Segment(" " * (lo - x), pad))
            if hi > lo:
                for text, style in window(value, w, lo - start, hi - start):
                    segments.append(Segment(text, self._style(style, state)))
                x = hi
            else:
                x = lo
        if scroll_x + width > x:
            segments.append(Segment(" " * (scroll_x + width - x), pad))
        return Strip(segments, width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        visible = self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        model = self.model
        if y < HEADER_HEIGHT:
            headers = [model.header(i) for i in range(len(model.columns))]
            return self._line(headers, 2, scroll_x, width, visible)
        index = self._top() + y - HEADER_HEIGHT
        if index >= len(model):
            if index == 0:
                note = (f"no row matches {model.filter.describe()} — esc clears the filter"
                        if model.total and model.filter is not None else self.empty_text)
                if note:  # indented as the cells are (" NAME")
                    return Strip([Segment(p, self._style(s, 3)) for p, s in window(cell(f" {note}"), visible, 0,
                                                                                    width)], width)
            return Strip.blank(width, self.rich_style)
        key = model.key_at(index)
        state = 1 if index == self.cursor_row else 4 if key in self.marked else 0
        cache_key = (key, model.version(key), self._layout_id, scroll_x, width, visible, state)
        strip = self._line_cache.get(cache_key)
        if strip is None:
            strip = self._line_cache[cache_key] = self._line(model.cells(key), state, scroll_x, width, visible)
        return painted_copy(strip)
