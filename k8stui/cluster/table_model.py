"""TableModel: the rows of one table view — filter, typed sort, column widths, a diff per batch — with no UI.

Every table in k8stui (pods, nodes, events, alerts, audit ...) is this model plus a view that paints it
(``k8stui.ui.widgets.resource_view``). The model holds rows by key (an object's uid), renders each row into
plain-text cells once per change, keeps the rows that pass the filter in sort order, and knows how wide every
column must be for what it holds. Each mutation returns (and announces to listeners) a ``TableDiff`` saying
which rows were added, changed, removed or moved, so a view repaints only those — the k9s split of
model → render → view, in Python.

Costs, for n shown rows and a batch of k changes: ``apply`` renders the k rows only, and moves each changed row
with a binary search and one list insert (O(log n) comparisons); a batch bigger than a sixteenth of the table
(the first LIST pages) is merged in one pass instead. Only a new sort column or direction, a new filter or new
columns sort everything again. Widths are kept as a count of cells per width per column, so a row leaving
costs O(distinct widths), never a rescan: a value is never wider than its column.

Reverse order shows the ascending order backwards (ties included), so flipping the direction is free of
comparisons and a row's display index is still a bisection away.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

from rich.cells import cell_len

from ..text import sanitize

R = TypeVar("R")

SORT_MARKERS = ("▲", "▼")
"""Appended to the sorted column's header: ascending, descending."""

BULK_FRACTION = 16
"""A batch adding more than 1/BULK_FRACTION of the table's rows is merged in one pass instead of bisected."""


# -- cells ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: one line of sanitized plain text in a Rich style name (``"bold red"``), optionally with parts
    in other styles (``spans``: (start, end, style) over ``text``). Never markup: ``[red]`` stays literal."""

    text: str
    style: str = ""
    spans: tuple[tuple[int, int, str], ...] = ()


CellValue = str | Cell
"""What a column renders: a plain string (sanitized by the model) or a styled ``Cell``."""


def _one_line(value: str) -> str:
    """Sanitized, on one line (a cell never wraps: newlines and tabs become spaces)."""
    if value.isprintable():
        return value
    clean = sanitize(value)
    if "\n" in clean or "\t" in clean or "\r" in clean:
        clean = clean.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return clean


@functools.lru_cache(maxsize=8192)
def cell(value: object, style: str = "") -> Cell:
    """A styled cell from an untrusted value (sanitized, one line); shared between cells that show the same
    text in the same style ("Running", "1/1"). Cells are immutable, so sharing is safe."""
    return Cell(_one_line("" if value is None else str(value)), style)


def cell_parts(*parts: tuple[object, str]) -> Cell:
    """A cell made of differently styled parts, e.g. ``("█████", "green"), ("░░░░░", "dim"), (" 52%", "")``."""
    text, spans, start = [], [], 0
    for value, style in parts:
        piece = _one_line("" if value is None else str(value))
        if piece and style:
            spans.append((start, start + len(piece), style))
        text.append(piece)
        start += len(piece)
    return Cell("".join(text), "", tuple(spans))


def cell_text(value: CellValue) -> str:
    return value if isinstance(value, str) else value.text


def cell_width(value: CellValue) -> int:
    """Terminal cells the value takes (wide characters count two)."""
    text = value if isinstance(value, str) else value.text
    return len(text) if text.isascii() else cell_len(text)


def _normalise(value: Any) -> CellValue:
    if isinstance(value, str):
        return _one_line(value)
    if isinstance(value, Cell):
        if value.text.isprintable():
            return value
        return Cell(_one_line(value.text), value.style)  # a control character was removed: spans are off
    if value is None:
        return ""
    plain = getattr(value, "plain", None)  # a rich Text from an older column: keep its text, drop its styles
    return _one_line(plain if isinstance(plain, str) else str(value))


# -- columns and sort keys ------------------------------------------------------------------------------------
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[Any, ...]:
    """Text order with numbers compared as numbers: ``pod-2`` < ``pod-10``, ``10.0.0.9`` < ``10.0.0.10``.
    Case-insensitive, then the text itself (``p0`` < ``p00``). Parts alternate str/int at the same positions,
    so any two keys compare."""
    parts: list[Any] = _DIGITS.split(text.lower())
    parts[1::2] = map(int, parts[1::2])
    return (tuple(parts), text)


def _orderable(value: Any) -> Any:
    """A typed sort value made safe to compare: None last, text (alone or in a tuple) in natural order."""
    if value is None:
        return (True, ())
    kind = type(value)
    if kind is str:
        return (False, natural_key(value))
    if kind is tuple:
        return (False, tuple([natural_key(v) if type(v) is str else v for v in value]))
    return (False, value)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its header, how a row renders in it, and how it sorts.

    ``sort_key`` returns a typed value (seconds, millicores, a count; None sorts last); without one the column
    sorts by its text in natural order. ``flex`` columns hold free text (messages, images, labels) that a
    narrow view may shorten, with an ellipsis (2 shortens before 1; 0 never). ``volatile`` columns change with time alone (ages):
    ``TableModel.rerender`` refreshes them without a new row."""

    key: str
    label: str
    render: Callable[[R], Any]
    sort_key: Callable[[R], Any] | None = None
    flex: int = 0
    volatile: bool = False


# -- filters --------------------------------------------------------------------------------------------------
class FilterError(ValueError):
    """The filter text cannot be used (an invalid regex); ``str()`` is one line for the user."""


class RowFilter(Protocol):
    """A compiled filter: does a row (its object and its cells' text joined by spaces) pass?"""

    def matches(self, row: Any, plain: str) -> bool: ...

    def describe(self) -> str: ...


FilterParser = Callable[[str], "RowFilter | None"]
"""Turns filter text into a RowFilter, or None when the text is not its syntax (the next parser is asked)."""


@dataclass(frozen=True)
class SubstringFilter:
    """Rows whose text contains ``text`` (case-insensitive)."""

    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_needle", self.text.lower())

    def matches(self, row: Any, plain: str) -> bool:
        return self._needle in plain.lower()  # type: ignore[attr-defined]

    def describe(self) -> str:
        return f'"{self.text}"'


@dataclass(frozen=True)
class RegexFilter:
    """Rows whose text matches ``/pattern/`` (case-insensitive)."""

    pattern: str
    regex: re.Pattern[str]

    def matches(self, row: Any, plain: str) -> bool:
        return self.regex.search(plain) is not None

    def describe(self) -> str:
        return f"/{self.pattern}/"


@dataclass(frozen=True)
class InvertedFilter:
    """``!filter``: rows the inner filter rejects."""

    inner: RowFilter

    def matches(self, row: Any, plain: str) -> bool:
        return not self.inner.matches(row, plain)

    def describe(self) -> str:
        return "!" + self.inner.describe()


def parse_regex(text: str) -> RowFilter | None:
    """``/pattern/`` is a regular expression; an invalid one raises FilterError saying why."""
    if len(text) < 2 or not (text.startswith("/") and text.endswith("/")):
        return None
    pattern = text[1:-1]
    try:
        return RegexFilter(pattern, re.compile(pattern, re.IGNORECASE))
    except re.error as exc:
        raise FilterError(f"invalid regex /{pattern}/: {exc}") from None


def parse_substring(text: str) -> RowFilter:
    return SubstringFilter(text)


def parse_selector(text: str) -> RowFilter | None:
    """``-l SELECTOR [text]`` (kubectl's flag, k9s's ``/-l``): rows whose labels match; a selector that does not
    parse raises FilterError saying why."""
    from .selector import LabelSelectorError, selector_filter  # on the first filter, not at the app's start

    try:
        return selector_filter(text)
    except LabelSelectorError as exc:
        raise FilterError(str(exc)) from None


DEFAULT_FILTER_PARSERS: tuple[FilterParser, ...] = (parse_selector, parse_regex, parse_substring)
"""Tried in order: a label selector (``-l app=api``), a ``/regex/``, else a substring."""


def parse_filter(text: str, parsers: Sequence[FilterParser] = DEFAULT_FILTER_PARSERS) -> RowFilter | None:
    """Filter text as typed → a RowFilter (None for blank). ``!`` in front inverts any filter."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("!") and len(text) > 1:
        inner = parse_filter(text[1:], parsers)
        return InvertedFilter(inner) if inner is not None else None
    for parser in parsers:
        found = parser(text)
        if found is not None:
            return found
    return parse_substring(text)


# -- diff -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableDiff:
    """What one mutation changed in the shown table (keys), so a view repaints only that.

    ``first_shift``: the smallest display index whose row may be another one now (rows inserted, removed or
    moved); rows above it are where they were. None: no row changed place. ``reordered``: the filter, sort or
    columns changed — anything may differ. ``widths_changed``: a column's width (or a header) changed."""

    added: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    moved: frozenset[str] = frozenset()
    first_shift: int | None = None
    widths_changed: bool = False
    reordered: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.moved or self.widths_changed
                    or self.reordered)


class _DiffBuilder:
    __slots__ = ("added", "changed", "removed", "moved", "first_shift")

    def __init__(self) -> None:
        self.added: set[str] = set()
        self.changed: set[str] = set()
        self.removed: set[str] = set()
        self.moved: set[str] = set()
        self.first_shift: int | None = None

    def shift(self, index: int) -> None:
        if self.first_shift is None or index < self.first_shift:
            self.first_shift = index

    def build(self, widths_changed: bool) -> TableDiff:
        return TableDiff(frozenset(self.added), frozenset(self.changed), frozenset(self.removed),
                         frozenset(self.moved), self.first_shift, widths_changed)


Listener = Callable[[TableDiff], None]
_Entry = tuple[Any, Any, str]  # (sort value, tiebreak value, key): unique, totally ordered


# -- the model ------------------------------------------------------------------------------------------------
class TableModel(Generic[R]):
    """Rows by key, the columns, a filter and a sort; the shown rows in order and the width of each column."""

    def __init__(self, columns: Sequence[Column[R]], *, key_of: Callable[[R], str],
                 sort_column: str | None = "name", reverse: bool = False, tiebreak_column: str | None = "name",
                 filter_parsers: Sequence[FilterParser] = DEFAULT_FILTER_PARSERS) -> None:
        self.key_of = key_of
        self.filter_parsers = tuple(filter_parsers)
        self._rows: dict[str, R] = {}
        self._cells: dict[str, tuple[CellValue, ...]] = {}
        self._versions: dict[str, int] = {}
        self._clock = 0
        self._entry: dict[str, _Entry] = {}  # shown rows only
        self._order: list[_Entry] = []  # shown rows, ascending
        self._filter: RowFilter | None = None
        self.filter_text = ""
        self.filter_error = ""
        self._listeners: list[Listener] = []
        self._sort_name = sort_column
        self._reverse = reverse
        self._tiebreak_name = tiebreak_column
        self._set_columns(columns)

    # -- columns ------------------------------------------------------------------------------------------------
    def _set_columns(self, columns: Sequence[Column[R]]) -> None:
        self.columns: tuple[Column[R], ...] = tuple(columns)
        keys = [c.key for c in self.columns]
        self._sort_index = keys.index(self._sort_name) if self._sort_name in keys else None
        if self._sort_index is None:
            self._sort_name = None
        if self._tiebreak_name is None:  # ties (or everything, without a sort column) in key order
            self._tiebreak_index = None
        else:
            self._tiebreak_index = (keys.index(self._tiebreak_name) if self._tiebreak_name in keys
                                    else (0 if self.columns else None))
        self._volatile = tuple(i for i, c in enumerate(self.columns) if c.volatile)
        self._width_counts: list[dict[int, int]] = [{} for _ in self.columns]
        self._max: list[int] = [0] * len(self.columns)

    def set_columns(self, columns: Sequence[Column[R]]) -> TableDiff:
        """Other columns (e.g. NAMESPACE added for all namespaces): every row is rendered again."""
        self._set_columns(columns)
        rows = list(self._rows.values())
        self._rows.clear()
        self._cells.clear()
        self._entry.clear()
        self._order.clear()
        return self._publish(self._replace(rows, reordered=True))

    def header(self, index: int) -> str:
        """A column's header as shown: its label, and ▲/▼ on the sorted column."""
        label = self.columns[index].label
        if index == self._sort_index:
            return f"{label} {SORT_MARKERS[self._reverse]}"
        return label

    @property
    def widths(self) -> list[int]:
        """Each column's width: its widest shown value or its header, whichever is wider."""
        return [max(cell_len(self.header(i)), self._max[i]) for i in range(len(self.columns))]

    # -- reading ------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Rows shown (passing the filter)."""
        return len(self._order)

    @property
    def total(self) -> int:
        """All rows, shown or filtered out."""
        return len(self._rows)

    @property
    def rows_by_key(self) -> Mapping[str, R]:
        """Every row (filtered out ones too), by key; read-only."""
        return MappingProxyType(self._rows)

    def get(self, key: str) -> R | None:
        return self._rows.get(key)

    def is_shown(self, key: str) -> bool:
        return key in self._entry

    def key_at(self, index: int) -> str:
        """The key of the row at display index ``index`` (0 = top)."""
        if self._reverse:
            index = len(self._order) - 1 - index
        return self._order[index][2]

    def row_at(self, index: int) -> R:
        return self._rows[self.key_at(index)]

    def index_of(self, key: str) -> int | None:
        """Display index of a shown row (O(log n)); None if it is not shown."""
        entry = self._entry.get(key)
        if entry is None:
            return None
        index = bisect.bisect_left(self._order, entry)
        return len(self._order) - 1 - index if self._reverse else index

    def keys(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Keys of the shown rows from display index ``start`` to ``stop`` (a screenful: cheap)."""
        n = len(self._order)
        stop = n if stop is None else min(stop, n)
        start = max(0, start)
        if start >= stop:
            return []
        if self._reverse:
            return [e[2] for e in reversed(self._order[n - stop:n - start])]
        return [e[2] for e in self._order[start:stop]]

    def rows(self) -> Iterator[R]:
        """The shown rows in display order."""
        order = reversed(self._order) if self._reverse else iter(self._order)
        rows = self._rows
        return (rows[e[2]] for e in order)

    def cells(self, key: str) -> tuple[CellValue, ...]:
        """A row's rendered cells (one per column)."""
        return self._cells[key]

    def version(self, key: str) -> int:
        """Changes whenever the row's cells change (a view's line cache key)."""
        return self._versions.get(key, 0)

    def plain(self, key: str) -> str:
        """The row's text as the filter sees it: the cells joined by spaces."""
        return " ".join(cell_text(c) for c in self._cells[key])

    # -- sort and filter ----------------------------------------------------------------------------------------
    @property
    def sort_column(self) -> str | None:
        return self._sort_name

    @property
    def sort_reverse(self) -> bool:
        return self._reverse

    def set_sort(self, column: str | None, reverse: bool = False) -> TableDiff:
        """Sort by a column (None: by key); the one full sort this model does outside a new filter."""
        keys = [c.key for c in self.columns]
        if column is not None and column not in keys:
            raise KeyError(f"no column {column!r}")
        if column == self._sort_name and reverse == self._reverse:
            return TableDiff()
        if column == self._sort_name:  # only the direction: the same ascending order, read backwards
            self._reverse = reverse
            return self._publish(TableDiff(first_shift=0, widths_changed=True, reordered=True))
        self._sort_name, self._reverse = column, reverse
        self._sort_index = keys.index(column) if column is not None else None
        self._resort()
        return self._publish(TableDiff(first_shift=0, widths_changed=True, reordered=True))

    def sort_by(self, column: str) -> TableDiff:
        """Sort by ``column``; choosing the sorted column again flips the direction."""
        if column == self._sort_name:
            return self.set_sort(column, not self._reverse)
        return self.set_sort(column, False)

    def _resort(self) -> None:
        self._entry = {key: self._make_entry(key, self._rows[key], self._cells[key]) for key in self._entry}
        try:
            self._order = sorted(self._entry.values())
        except TypeError:  # a sort_key returned values that do not compare (a column bug): sort by text
            index = self._sort_index
            self._entry = {key: (natural_key(cell_text(self._cells[key][index])) if index is not None else (),
                                 entry[1], key) for key, entry in self._entry.items()}
            self._order = sorted(self._entry.values())

    @property
    def filter(self) -> RowFilter | None:
        return self._filter

    def set_filter(self, text: str) -> TableDiff:
        """Filter by ``text`` (substring, ``/regex/``, ``!`` inverts; see DEFAULT_FILTER_PARSERS). Text that is
        not a valid filter leaves the current one in place and sets ``filter_error`` for the view to show."""
        text = text.strip()
        try:
            parsed = parse_filter(text, self.filter_parsers)
        except FilterError as exc:
            self.filter_error = str(exc)
            return self._publish(TableDiff())
        self.filter_error = ""
        self.filter_text = text if parsed is not None else ""
        self._filter = parsed
        return self._publish(self._refilter())

    def _refilter(self) -> TableDiff:
        old = set(self._entry)
        self._entry.clear()
        for counts in self._width_counts:
            counts.clear()
        self._max = [0] * len(self.columns)
        flt = self._filter
        for key, row in self._rows.items():
            cells = self._cells[key]
            if flt is None or flt.matches(row, " ".join(cell_text(c) for c in cells)):
                self._entry[key] = self._make_entry(key, row, cells)
                self._count_widths(cells, +1)
        self._order = sorted(self._entry.values())
        new = set(self._entry)
        return TableDiff(frozenset(new - old), frozenset(), frozenset(old - new), frozenset(), 0, True, True)

    def summary(self) -> str:
        """``8``, or ``3/8 match /x/`` while filtering; a filter error is appended."""
        text = str(self.total)
        if self._filter is not None:
            text = f"{len(self._order)}/{self.total} match {self._filter.describe()}"
        if self.filter_error:
            text += f" · {self.filter_error}"
        return text

    # -- listeners ----------------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(diff)`` after every mutation; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _publish(self, diff: TableDiff) -> TableDiff:
        for listener in list(self._listeners):
            listener(diff)
        return diff

    # -- writing ------------------------------------------------------------------------------------------------
    def apply(self, changes: Iterable[tuple[str, R | None]]) -> TableDiff:
        """Fold in a batch of changed rows by key (None: the row is gone); returns what changed on screen."""
        return self._publish(self._apply(changes))

    def upsert(self, rows: Iterable[R]) -> TableDiff:
        key_of = self.key_of
        return self.apply((key_of(r), r) for r in rows)

    def replace(self, rows: Iterable[R]) -> TableDiff:
        """Make the table hold exactly ``rows`` (a new selection): rows that did not change are not touched."""
        return self._publish(self._replace(rows))

    def clear(self) -> TableDiff:
        return self.replace(())

    def rerender(self, keys: Iterable[str] | None = None) -> TableDiff:
        """Render the volatile columns (ages) of ``keys`` (default: every row) again; time moved on."""
        if not self._volatile:
            return TableDiff()
        keys = list(self._rows) if keys is None else keys
        return self._publish(self._apply(((k, self._rows[k]) for k in keys if k in self._rows),
                                         only_volatile=True))

    def _replace(self, rows: Iterable[R], reordered: bool = False) -> TableDiff:
        key_of = self.key_of
        fresh = {key_of(r): r for r in rows}
        gone = [(k, None) for k in self._rows if k not in fresh]
        diff = self._apply([*gone, *fresh.items()])
        if reordered:
            return TableDiff(diff.added, diff.changed, diff.removed, diff.moved, 0, True, True)
        return diff

    def _render(self, row: R) -> tuple[CellValue, ...]:
        return tuple(_normalise(c.render(row)) for c in self.columns)

    def _rerender_volatile(self, row: R, cells: tuple[CellValue, ...]) -> tuple[CellValue, ...]:
        out = list(cells)
        for i in self._volatile:
            out[i] = _normalise(self.columns[i].render(row))
        return tuple(out)

    def _make_entry(self, key: str, row: R, cells: tuple[CellValue, ...]) -> _Entry:
        return (self._value(self._sort_index, row, cells), self._tiebreak(row, cells), key)

    def _tiebreak(self, row: R, cells: tuple[CellValue, ...]) -> Any:
        if self._tiebreak_index is None or self._tiebreak_index == self._sort_index:
            return ()
        return self._value(self._tiebreak_index, row, cells)

    def _value(self, index: int | None, row: R, cells: tuple[CellValue, ...]) -> Any:
        if index is None:
            return ()
        column = self.columns[index]
        if column.sort_key is None:
            return natural_key(cell_text(cells[index]))
        return _orderable(column.sort_key(row))

    def _count_widths(self, cells: tuple[CellValue, ...], sign: int) -> None:
        """Count each cell's width in its column (sign +1: the row is shown now, -1: no longer)."""
        all_counts, maxima = self._width_counts, self._max
        for i, value in enumerate(cells):
            text = value if type(value) is str else value.text  # type: ignore[union-attr]
            width = len(text) if text.isascii() else cell_len(text)
            counts = all_counts[i]
            if sign > 0:
                counts[width] = counts.get(width, 0) + 1
                if width > maxima[i]:
                    maxima[i] = width
            else:
                left = counts[width] - 1
                if left > 0:
                    counts[width] = left
                else:
                    del counts[width]
                    if width == maxima[i]:
                        maxima[i] = max(counts) if counts else 0

    def _display_index(self, list_index: int, size: int) -> int:
        return size - 1 - list_index if self._reverse else list_index

    def _remove_entry(self, entry: _Entry, diff: _DiffBuilder) -> None:
        order = self._order
        index = bisect.bisect_left(order, entry)
        diff.shift(self._display_index(index, len(order)))
        del order[index]

    def _insert_entry(self, entry: _Entry, diff: _DiffBuilder) -> None:
        order = self._order
        index = bisect.bisect_left(order, entry)
        order.insert(index, entry)
        diff.shift(self._display_index(index, len(order)))

    def _apply(self, changes: Iterable[tuple[str, R | None]], only_volatile: bool = False) -> TableDiff:
        widths_before = list(self._max)
        diff = _DiffBuilder()
        pending: list[_Entry] = []  # new shown rows, merged in one pass at the end (a big batch)
        bulk = False
        flt = self._filter
        batch = dict(changes)  # one change per key: the last one wins
        if len(batch) > max(64, len(self._order) // BULK_FRACTION):
            bulk = True
        for key, row in batch.items():
            old_cells = self._cells.get(key)
            old_entry = self._entry.get(key)
            if row is None:
                if old_cells is None:
                    continue
                del self._rows[key], self._cells[key]
                self._versions.pop(key, None)
                if old_entry is not None:
                    self._remove_entry(old_entry, diff)
                    del self._entry[key]
                    self._count_widths(old_cells, -1)
                    diff.removed.add(key)
                continue
            if only_volatile and old_cells is not None:
                cells = self._rerender_volatile(row, old_cells)
            else:
                cells = self._render(row)
            self._rows[key] = row
            if cells != old_cells:
                self._cells[key] = cells
                self._clock += 1
                self._versions[key] = self._clock
            shown = flt is None or flt.matches(row, " ".join(cell_text(c) for c in cells))
            if not shown:
                if old_entry is not None:
                    self._remove_entry(old_entry, diff)
                    del self._entry[key]
                    self._count_widths(old_cells, -1)  # type: ignore[arg-type]
                    diff.removed.add(key)
                continue
            entry = self._make_entry(key, row, cells)
            if old_entry is None:
                self._entry[key] = entry
                self._count_widths(cells, +1)
                diff.added.add(key)
                if bulk:
                    pending.append(entry)
                else:
                    self._insert_entry(entry, diff)
                continue
            if cells != old_cells:
                self._count_widths(old_cells, -1)  # type: ignore[arg-type]
                self._count_widths(cells, +1)
                diff.changed.add(key)
            if entry != old_entry:
                self._entry[key] = entry
                self._remove_entry(old_entry, diff)
                self._insert_entry(entry, diff)
                diff.moved.add(key)
        if pending:
            self._merge(pending, diff)
        return diff.build(widths_changed=self._max != widths_before)

    def _merge(self, pending: list[_Entry], diff: _DiffBuilder) -> None:
        """Add many entries at once: sort the batch, then one linear merge (timsort finds the two runs)."""
        pending.sort()
        order = self._order
        order.extend(pending)
        order.sort()
        n = len(order)
        first = bisect.bisect_left(order, pending[0])
        last = bisect.bisect_left(order, pending[-1])
        diff.shift(self._display_index(last if self._reverse else first, n))
