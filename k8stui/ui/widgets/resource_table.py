"""ResourceTable: a DataTable of projected rows that repaints incrementally and at most ``hz`` times a second.

Producers call ``stage()`` with changed rows (or None for a deleted key) as often as they like; the table
collects them and, on its next tick, adds, updates (only the cells that changed) or removes just those rows.
A filter (substring or /regex/) and a sort column are applied on the way in. Cells are plain ``Text`` so
object fields are never parsed as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, Row, RowDoesNotExist, RowKey

from ...text import plain, safe_text

RowT = TypeVar("RowT")
Cell = str | Text


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column: its header, how a row renders in it, and how it sorts."""

    key: str
    label: str
    render: Callable[[Any], Cell]
    sort_key: Callable[[Any], Any] | None = None
    width: int | None = None


def compile_filter(text: str) -> Callable[[str], bool] | None:
    """``abc`` matches a substring (case-insensitive); ``/a.c/`` or any text that is a valid regex with regex
    characters is a regex. An invalid regex falls back to a substring match."""
    text = text.strip()
    if not text:
        return None
    pattern = text[1:-1] if len(text) > 1 and text.startswith("/") and text.endswith("/") else None
    if pattern is not None or any(ch in text for ch in "^$[]()|*+?\\"):
        try:
            rx = re.compile(pattern if pattern is not None else text, re.IGNORECASE)
            return lambda s: rx.search(s) is not None
        except re.error:
            pass
    needle = text.lower()
    return lambda s: needle in s.lower()


class ResourceTable(DataTable, Generic[RowT]):
    """A table of rows keyed by a string (the object's uid, or namespace/name)."""

    @dataclass
    class CurrentChanged(Message):
        """The row under the cursor is another object now (cursor moved, or rows arrived/left/re-sorted)."""

        table: ResourceTable
        key: str | None

        @property
        def control(self) -> ResourceTable:
            return self.table

    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    """

    def __init__(self, columns: list[Column[RowT]], *, key_of: Callable[[RowT], str],
                 hz: float = 10.0, sort_column: str | None = "name", name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self.specs = columns
        self.key_of = key_of
        self.hz = hz
        self.rows_by_key: dict[str, RowT] = {}
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._pending: dict[str, RowT | None] = {}
        self._matcher: Callable[[str], bool] | None = None
        self.filter_text = ""
        self.sort_column: str | None = sort_column if any(c.key == sort_column for c in columns) else None
        self.sort_reverse = False
        self._flush_scheduled = False
        self._rebuild_needed = False
        self.empty_message = ""
        self._notified_key: str | None = None
        self._bulk = False  # inside a rebuild: cursor notifications wait for the end

    def on_mount(self) -> None:
        for spec in self.specs:
            self.add_column(spec.label, key=spec.key, width=spec.width)

    # -- producer side -----------------------------------------------------------------------------
    def stage(self, changes: Iterable[tuple[str, RowT | None]]) -> None:
        """Record changed rows (None = gone); they are painted on the next tick, coalesced."""
        for key, row in changes:
            self._pending[key] = row
        self._schedule()

    def replace_all(self, rows: Iterable[RowT]) -> None:
        """Swap the whole content (new namespace, new selection)."""
        self._pending.clear()
        self.rows_by_key = {self.key_of(r): r for r in rows}
        self._rebuild_needed = True
        self._schedule()

    def _schedule(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(1.0 / self.hz, self.flush)

    # -- painting ----------------------------------------------------------------------------------
    def _render_cells(self, row: RowT) -> tuple[Cell, ...]:
        return tuple(safe_text(spec.render(row)) for spec in self.specs)

    def _visible(self, cells: tuple[Cell, ...]) -> bool:
        if self._matcher is None:
            return True
        return self._matcher(" ".join(c.plain if isinstance(c, Text) else c for c in cells))

    def flush(self) -> None:
        """Apply staged changes now (tests call this to avoid waiting for the tick)."""
        self._flush_scheduled = False
        if not self._cells and self._pending:
            self._rebuild_needed = True  # first rows: insert them in order, cursor on the first
        if self._rebuild_needed:
            for key, row in self._pending.items():
                if row is None:
                    self.rows_by_key.pop(key, None)
                else:
                    self.rows_by_key[key] = row
            self._pending.clear()
            self._rebuild()
            return
        pending, self._pending = self._pending, {}
        structural = False
        sort_key = self._sort_key_fn() if self.sort_column else None
        appended: list[tuple[str, tuple[Cell, ...]]] = []
        for key, row in pending.items():
            if row is None:
                self.rows_by_key.pop(key, None)
                if key in self._cells:
                    del self._cells[key]
                    self._remove(key)
                continue
            previous = self.rows_by_key.get(key)
            self.rows_by_key[key] = row
            cells = self._render_cells(row)
            old = self._cells.get(key)
            if old == cells:
                continue
            if not self._visible(cells):
                if old is not None:
                    del self._cells[key]
                    self._remove(key)
                continue
            if old is None:
                appended.append((key, cells))
                self._cells[key] = cells
                structural = True
            else:
                for spec, before, after in zip(self.specs, old, cells, strict=True):
                    if before != after:
                        try:
                            self.update_cell(key, spec.key, after)
                        except (CellDoesNotExist, RowDoesNotExist):
                            pass
                self._cells[key] = cells
                if sort_key is not None and (previous is None or sort_key(previous) != sort_key(row)):
                    structural = True  # re-sort only when a sort value moved
        self._append_rows(appended)
        if structural and self.sort_column:
            self._apply_sort()
        self._after_paint()

    def _rebuild(self) -> None:
        self._rebuild_needed = False
        cursor_key = self.current_key()
        self.clear()
        for column in self.columns.values():
            column.content_width = column.label.cell_len  # widths follow what is shown now
        self._cells.clear()
        rendered = []
        for key, row in self.rows_by_key.items():
            cells = self._render_cells(row)
            if self._visible(cells):
                rendered.append((key, cells))
                self._cells[key] = cells
        if self.sort_column:
            sort_key = self._sort_key_fn()
            rendered.sort(key=lambda kc: sort_key(self.rows_by_key[kc[0]]), reverse=self.sort_reverse)
        self._append_rows(rendered)
        if cursor_key is not None and cursor_key in self._cells:
            self.select_key(cursor_key)
        self._after_paint()

    def _notify_current(self) -> None:
        key = self.current_key()
        if key != self._notified_key:
            self._notified_key = key
            self.post_message(self.CurrentChanged(self, key))

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self._bulk:
            self._notify_current()

    def _after_paint(self) -> None:
        self._notify_current()
        summary = plain(self.summary())  # holds the filter the user typed: never markup
        self.border_subtitle = summary
        if self.parent is not None and hasattr(self.parent, "border_subtitle"):
            self.parent.border_subtitle = summary

    def summary(self) -> str:
        shown, total = len(self._cells), len(self.rows_by_key)
        if self._matcher is not None:
            return f"{shown}/{total} match /{self.filter_text}/"
        return f"{total}"

    def _remove(self, key: str) -> None:
        try:
            self.remove_row(key)
        except RowDoesNotExist:
            pass

    def _sort_key_fn(self) -> Callable[[RowT], Any]:
        spec = next((s for s in self.specs if s.key == self.sort_column), None)
        if spec is None:
            return lambda row: 0
        if spec.sort_key is not None:
            return spec.sort_key

        def rendered(row: RowT) -> Any:
            value = spec.render(row)
            return value.plain if isinstance(value, Text) else value

        return rendered

    def _apply_sort(self) -> None:
        """Reorder the displayed rows by the sort column, the way DataTable.sort does, but with typed keys."""
        cursor_key = self.current_key()
        sort_key = self._sort_key_fn()
        ordered = sorted(self.rows.keys(), key=lambda rk: sort_key(self.rows_by_key[rk.value]),
                         reverse=self.sort_reverse)
        self._row_locations = TwoWayDict({rk: index for index, rk in enumerate(ordered)})
        self._update_count += 1
        self.refresh()
        if cursor_key is not None:
            self.select_key(cursor_key)

    def _append_rows(self, items: list[tuple[str, tuple[Cell, ...]]]) -> None:
        """DataTable.add_row for many one-line rows at once: the same bookkeeping, with the cursor check,
        change count and idle check done once per batch instead of once per row (10k rows: ~1 s less)."""
        if not items:
            return
        column_keys = [column.key for column in self.ordered_columns]
        was_empty = self.row_count == 0
        index = self.row_count
        for key, cells in items:
            row_key = RowKey(key)
            self._row_locations[row_key] = index
            index += 1
            self._data[row_key] = dict(zip(column_keys, cells, strict=False))
            self.rows[row_key] = Row(row_key, 1)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self._bulk = True
        try:
            self.cursor_coordinate = self.cursor_coordinate
        finally:
            self._bulk = False
        if was_empty and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _update_dimensions(self, new_rows: Iterable[Any]) -> None:
        """Column widths from our own pre-built cells (``Text.cell_len``) instead of DataTable's Rich measure
        of every cell: 10k new rows cost milliseconds instead of seconds. All rows are one line high."""
        columns = self.ordered_columns
        for row_key in new_rows:
            cells = self._cells.get(row_key.value)
            if cells is None:
                continue
            for column, cell in zip(columns, cells, strict=False):
                width = cell.cell_len
                if width > column.content_width:
                    column.content_width = width

    # -- user actions ------------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self._matcher = compile_filter(self.filter_text)
        self._rebuild_needed = True
        self.flush()

    def sort_by(self, column_key: str) -> None:
        """Sort by a column; choosing the same column again flips the order."""
        if self.sort_column == column_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column_key, False
        self._rebuild_needed = True
        self.flush()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return row_key.value if row_key.value in self._cells else None

    def current_row(self) -> RowT | None:
        key = self.current_key()
        return self.rows_by_key.get(key) if key is not None else None

    def select_key(self, key: str) -> None:
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return
        self.move_cursor(row=index, animate=False)

    def keys_in_view(self) -> list[str]:
        """Keys of the rows inside the viewport (and a screen's worth around it)."""
        height = max(1, self.size.height)
        first = max(0, int(self.scroll_y) - height)
        out = []
        for index in range(first, min(self.row_count, first + 3 * height)):
            row_key = self._row_key_at(index)
            if row_key is not None:
                out.append(row_key)
        return out

    def visible_rows(self) -> list[RowT]:
        """The rows as displayed, in display order (tests and exports read this)."""
        out = []
        for index in range(self.row_count):
            row_key = self._row_key_at(index)
            if row_key is not None and row_key in self._cells:
                out.append(self.rows_by_key[row_key])
        return out

    def _row_key_at(self, index: int) -> str | None:
        try:
            row_key, _ = self.coordinate_to_cell_key((index, 0))  # type: ignore[arg-type]
        except CellDoesNotExist:
            return None
        return row_key.value
