"""LogView: a scrolling view of a ``LogBuffer`` that renders only the rows on screen.

Like toolong's ``LogLines`` it is a ``ScrollView`` whose ``render_line`` builds the visible rows on demand with
an LRU cache of rendered ``Strip``s, so 10k lines (or a 100k-line burst through the ring) cost what the screen
shows. Unlike it, reading and buffering live elsewhere (``k8stui.logs``): this widget polls the buffer about
ten times a second (``sync``), folds new lines through the filter index, keeps its place when old lines are
dropped, and follows the end unless paused.

Structured lines (JSON, logfmt; the format of each source comes from a ``FormatDetector``) are shown as
columns (level, message, chosen fields) or one field per row ("pretty"), with the level coloured; plain lines
are shown as they are. Lines are parsed only when rendered or when the level filter asks their level.

Keys: ``space`` follow/pause (paused: buffering continues and the status says how many new lines wait),
``up/down/pgup/pgdn`` move the cursor line, ``g``/``G`` (``home``/``end``) top/bottom, ``t`` timestamps,
``W`` wrap, ``y`` copy the cursor line, ``i`` invert the filter, ``n``/``N`` next/previous search match,
``v`` level filter, ``J`` structured view (columns, pretty, raw). Session-level keys (``/`` search, ``f``/``&``
filter, ``F`` fields, ``p`` previous, ``P`` pods, ``0-4`` range, ``w`` save) belong to the panel around it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...logs.buffer import LogBuffer
from ...logs.filter import FilteredIndex, LineFilter
from ...logs.line import LogLine
from ...logs.sanitize import styled
from ...logs.structured import (
    LEVEL_NAMES,
    PLAIN,
    FormatDetector,
    LogFormat,
    Piece,
    Record,
    columns,
    line_level,
    parse_record,
    plain_level,
    pretty,
    quoted,
)
from .line_cache import LineCache, fit, painted_copy
from .scroll_range import set_scroll_range

TagLookup = Callable[[int], "tuple[str, str] | None"]  # source index -> (tag, colour)
POLL_SECONDS = 0.1
TS_WIDTH = 24  # "2026-11-24T11:01:55.240Z"
CACHE_LINES = 400  # rendered lines kept: a few screens (each holds Strips, Segments and their caches)
COLUMNS, PRETTY, RAW = "columns", "pretty", "raw"  # how structured lines are shown (``J`` cycles)
STRUCTURED_MODES = (COLUMNS, PRETTY, RAW)
LEVEL_STEPS: tuple[int | None, ...] = (None, 1, 2, 3)  # ``v``: every line, info+, warn+, error
FIELD_WIDTH_MAX = 40  # a chosen field's column grows to its widest value up to this


@dataclass(frozen=True)
class LogViewStats:
    """What the status line shows about the view."""

    held: int = 0  # lines in the buffer
    shown: int = 0  # rows passing the filter
    matches: int = 0  # of them, real log lines (not the view's notes)
    dropped: int = 0  # lines the ring buffer let go
    following: bool = True
    waiting: int = 0  # new rows that arrived while paused
    filter: str = ""  # "/err/" or "!/err/"
    wrap: bool = False
    timestamps: bool = False
    search: str = ""  # "/timeout/"
    search_pos: int = 0  # 1-based position of the cursor line among the matches (0: not on a match)
    search_total: int = 0  # shown lines matching the search
    level: str = ""  # "warn" when only warn and error lines (and lines of unknown level) are shown
    structured: str = ""  # "columns", "pretty" or "raw" when some source writes JSON/logfmt, else ""


class _WrapRows:
    """Virtual rows of the shown lines when wrapping: cumulative row counts, dropped at the front cheaply."""

    def __init__(self) -> None:
        self.cum: list[int] = []  # cum[i]: virtual rows of lines 0..i, offset by ``base``
        self.base = 0

    def clear(self) -> None:
        self.cum, self.base = [], 0

    @property
    def total(self) -> int:
        return (self.cum[-1] - self.base) if self.cum else 0

    def append(self, height: int) -> None:
        self.cum.append((self.cum[-1] if self.cum else self.base) + height)

    def drop_front(self, count: int) -> int:
        """Forget the first ``count`` lines; returns how many virtual rows went with them."""
        if count <= 0 or not self.cum:
            return 0
        count = min(count, len(self.cum))
        new_base = self.cum[count - 1]
        gone = new_base - self.base
        self.base = new_base
        del self.cum[:count]
        return gone

    def locate(self, y: int) -> tuple[int, int] | None:
        """(line row, row within the line) of virtual row ``y``."""
        if y < 0 or y >= self.total:
            return None
        absolute = y + self.base
        row = bisect.bisect_right(self.cum, absolute)
        start = self.cum[row - 1] if row else self.base
        return row, absolute - start

    def first_row_of(self, row: int) -> int:
        return (self.cum[row - 1] if row else self.base) - self.base


class LogView(ScrollView, can_focus=True):
    """The lines of a log buffer, filtered, tagged, optionally wrapped and timestamped."""

    BINDINGS = [
        Binding("space", "toggle_follow", "Follow/pause"),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("end,G", "bottom", "Bottom", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("t", "toggle_timestamps", "Timestamps"),
        Binding("W", "toggle_wrap", "Wrap"),
        Binding("y", "copy_line", "Copy line", show=False),
        Binding("i", "invert_filter", "Invert filter", show=False),
        Binding("n", "search_next", "Next match", show=False),
        Binding("N", "search_previous", "Previous match", show=False),
        Binding("v", "cycle_level", "Level"),
        Binding("J", "cycle_structured", "JSON view"),
    ]
    COMPONENT_CLASSES = {"log-view--match", "log-view--search", "log-view--cursor", "log-view--note",
                         "log-view--timestamp", "log-view--level-error", "log-view--level-warn",
                         "log-view--level-info", "log-view--level-debug", "log-view--level-none",
                         "log-view--key", "log-view--rest"}
    DEFAULT_CSS = """
    LogView { background: $surface; scrollbar-gutter: stable; }
    LogView > .log-view--match { background: $warning 70%; color: $background; text-style: bold; }
    LogView > .log-view--search { background: $accent; color: $background; text-style: bold; }
    LogView > .log-view--cursor { background: $primary 35%; }
    LogView > .log-view--note { color: $foreground 60%; text-style: italic; }
    LogView > .log-view--timestamp { color: $foreground 55%; }
    LogView > .log-view--level-error { color: $error; text-style: bold; }
    LogView > .log-view--level-warn { color: $warning; text-style: bold; }
    LogView > .log-view--level-info { color: $success; }
    LogView > .log-view--level-debug { color: $foreground 50%; }
    LogView > .log-view--level-none { color: $foreground 50%; }
    LogView > .log-view--key { color: $secondary; }
    LogView > .log-view--rest { color: $foreground 55%; }
    """

    @dataclass
    class StatsChanged(Message):
        """The figures of the status line changed (only the latest matters)."""

        view: LogView
        stats: LogViewStats

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.StatsChanged) and message.view is self.view

    def __init__(self, buffer: LogBuffer, *, tags: TagLookup | None = None,
                 show_tags: Callable[[], bool] | None = None, before_sync: Callable[[], None] | None = None,
                 on_stats: Callable[[LogViewStats], None] | None = None,
                 formats: FormatDetector | None = None, poll: bool = True, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.buffer = buffer
        self.formats = formats
        self.index = FilteredIndex(buffer, level_of=self._level_of)
        self.structured_mode = COLUMNS
        self.fields: tuple[str, ...] = ()  # chosen fields shown as columns after level and message
        self._widths: dict[str, int] = {}  # column widths of structured lines ("" = the message)
        self._formats_version = formats.version if formats is not None else 0
        self.tags = tags
        self._show_tags = show_tags
        self.before_sync = before_sync
        # Who shows the figures, called at once: the status line then changes in the same frame as the lines
        # (a StatsChanged message arrives a loop turn or two later, after the frame: a second frame, and a key's
        # effect on the status line painted one frame late). Without it, StatsChanged is posted.
        self.on_stats = on_stats
        self.poll = poll
        self.following = True
        self.show_timestamps = False
        self.wrap = False
        self.cursor: int | None = None  # buffer number of the cursor line (None while following)
        self.waiting = 0
        self._wrap_rows = _WrapRows()
        self._multirow = False
        self._wrap_width = 0
        self._cache: LineCache[tuple[int, int, int, int], list[Strip]] = LineCache(CACHE_LINES)
        self._render_key = 0  # bumped when the look of every line changes
        # The bodies of lines (what follows the tag and timestamp), rendered through Rich once: toggling the
        # timestamps, a new tag width or a horizontal scroll re-render only the prefix and join the two.
        self._bodies: LineCache[tuple[int, int], list[Strip]] = LineCache(CACHE_LINES)
        self._body_key = 0  # bumped when the look of every line's body changes
        self._tag_width = 0
        self._max_width = 0
        self._styles: dict[str, Style] = {}
        self._last_stats: LogViewStats | None = None
        self._frame_geometry: tuple[int, int, int] | None = None  # (scroll x, scroll y, width) while painting
        self._measured_to: int | None = None  # lines before this buffer number are measured in ``_max_width``

    # -- lifecycle ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.poll:  # as often as the user's refresh_hz allows (config.toml), 10 a second by default
            settings = getattr(self.app, "settings", None)
            self.set_interval(getattr(settings, "repaint_interval", POLL_SECONDS), self.sync)
        self.sync()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._invalidate()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name, partial=False)
        return style

    def _invalidate(self, body: bool = True) -> None:
        """Every line looks different: its prefix only (``body=False``: timestamps, tag width) or all of it."""
        self._render_key += 1
        self._cache.clear()
        self._measured_to = None
        if body:
            self._body_key += 1
            self._bodies.clear()
        self.refresh()

    # -- reading the buffer ------------------------------------------------------------------------
    @property
    def show_tags(self) -> bool:
        return self._show_tags() if self._show_tags is not None else self.tags is not None

    @property
    def line_filter(self) -> LineFilter | None:
        return self.index.filter

    @property
    def search(self) -> LineFilter | None:
        return self.index.search

    @property
    def has_structured(self) -> bool:
        """Whether some source writes JSON or logfmt lines."""
        return self.formats is not None and self.formats.structured

    @property
    def multirow(self) -> bool:
        """Whether a line may take several rows (wrapping, or structured lines one field per row); decided when
        the rows are rebuilt, so a format decided between two syncs cannot change it under a frame."""
        return self._multirow

    def _format_of(self, line: LogLine) -> LogFormat:
        return self.formats.format_of(line.source) if self.formats is not None and line.source >= 0 else PLAIN

    def _level_of(self, line: LogLine) -> int | None:
        if self.formats is None:
            return None if line.note else plain_level(line.plain)
        return line_level(line, self._format_of(line))

    def _record(self, line: LogLine) -> Record | None:
        """The parsed structured line, if shown structured (not in raw mode, not a note, a structured source)."""
        if line.note or self.structured_mode == RAW:
            return None
        fmt = self._format_of(line)
        return None if fmt is PLAIN else parse_record(line.plain, fmt)

    def sync(self) -> None:
        """Take in what changed in the buffer (called ~10 times a second)."""
        if self.before_sync is not None:
            self.before_sync()
        if self.formats is not None and self.formats.version != self._formats_version:
            self._formats_changed()
        cleared = self.index.generation != self.buffer.generation
        removed, added = self.index.sync()
        if cleared:
            self._rebuild_rows()
            self._cache.clear()
            self._bodies.clear()
            self._measured_to = None
            self._widths = {}
            self.cursor = None
            self.waiting = 0
        elif removed or added:
            self._update_tag_width(added)
            gone_rows = removed
            if self.multirow:
                gone_rows = self._wrap_rows.drop_front(removed)
                self._append_wrap_rows()
            if not self.following:
                self.waiting += added
                if gone_rows:
                    self.scroll_to(y=max(0, self.scroll_y - gone_rows), animate=False, immediate=True, force=True)
            if self.cursor is not None and self.cursor < self.buffer.first:
                self.cursor = self.index.number(0) if len(self.index) else None
        if cleared or removed or added:
            self._update_virtual_size()
            if self.following:
                self._scroll_to_end()
            self.refresh()
        self._post_stats()

    def _formats_changed(self) -> None:
        """A source's format was decided: its lines look different (and have other levels)."""
        assert self.formats is not None
        self._formats_version = self.formats.version
        if self.index.min_level is not None:
            self.index.set_level(self.index.min_level)
        self._relayout()

    def _update_tag_width(self, added: int) -> None:
        if not self.show_tags or self.tags is None:
            return
        width = self._tag_width
        start = max(0, len(self.index) - added)
        seen: set[int] = set()
        for row in range(start, len(self.index)):
            line = self.buffer.get(self.index.number(row))
            if line is None or line.source in seen or line.source < 0:
                continue
            seen.add(line.source)
            found = self.tags(line.source)
            if found is not None:
                width = max(width, len(found[0]))
        if width != self._tag_width:
            self._tag_width = min(width, 40)
            self._invalidate(body=False)
            if self.multirow:
                self._rebuild_rows()

    def _prefix_width(self) -> int:
        width = self._tag_width + 1 if self.show_tags and self._tag_width else 0
        if self.show_timestamps:
            width += TS_WIDTH + 1
        return width

    def _body_width(self) -> int:
        return max(8, self.scrollable_content_region.width - self._prefix_width())

    def _line_height(self, line: LogLine | None, avail: int) -> int:
        """Rows a line takes: one per ``avail`` cells when wrapping, one per field when pretty."""
        if line is None:
            return 1
        record = self._record(line) if self.multirow else None
        if record is None:
            if not self.wrap:
                return 1
            width = len(line.plain) if line.plain.isascii() else cell_len(line.plain)
            return max(1, -(-width // avail))
        rows = self._layout(record)
        if not self.wrap:
            return len(rows)
        return sum(max(1, -(-sum(cell_len(p.text) for p in row) // avail)) for row in rows)

    def _layout(self, record: Record) -> list[list[Piece]]:
        """The rows of a structured line. Columns are padded to aligned widths unless wrapping (then a line's
        height must not change when a wider value shows up elsewhere)."""
        if self.structured_mode == PRETTY:
            return pretty(record)
        if self.wrap:
            return [columns(record, self.fields)]
        self._grow_widths(record)
        return [columns(record, self.fields, self._widths)]

    def _rebuild_rows(self) -> None:
        self._wrap_rows.clear()
        self._multirow = self.wrap or (self.structured_mode == PRETTY and self.has_structured)
        if self._multirow:
            self._wrap_width = self._body_width()
            self._append_wrap_rows()

    def _append_wrap_rows(self) -> None:
        avail = self._wrap_width or self._body_width()
        rows = self._wrap_rows
        for row in range(len(rows.cum), len(self.index)):
            rows.append(self._line_height(self.buffer.get(self.index.number(row)), avail))

    def _total_rows(self) -> int:
        return self._wrap_rows.total if self.multirow else len(self.index)

    def _update_virtual_size(self) -> None:
        if not self.wrap:
            widest = self._prefix_width() + self._widest_recent()
            self._max_width = max(self._max_width, widest)
        width = self.scrollable_content_region.width if self.wrap else self._max_width
        size = Size(width, self._total_rows())
        if size == self.virtual_size:
            return
        # Assigning ``virtual_size`` re-lays out the whole screen (~30 ms here), ten times a second while lines
        # arrive: set the scroll range quietly instead (see ``scroll_range``).
        set_scroll_range(self, size)
        self.refresh()

    def _widest_recent(self) -> int:
        """Widest of the last lines as shown (a full scan of 10k lines each tick would cost more than it is
        worth; structured lines are measured as laid out, their parse is cached for the render). Lines already
        measured in this look are not measured again: ``_max_width`` holds them."""
        widest = 0
        n = len(self.index)
        structured = self.has_structured and self.structured_mode != RAW
        start = max(0, n - 200)
        if self._measured_to is not None:
            start = max(start, self.index.row_at_or_after(self._measured_to))
        self._measured_to = self.index.number(n - 1) + 1 if n else None
        for row in range(start, n):
            line = self.buffer.get(self.index.number(row))
            if line is None:
                continue
            record = self._record(line) if structured else None
            if record is None:
                widest = max(widest, len(line.plain))
            elif self.structured_mode == PRETTY:
                widest = max(widest, *(sum(len(p.text) for p in r) for r in pretty(record)))
            else:
                widest = max(widest, sum(len(p.text) for p in columns(record, self.fields, self._widths)))
        return widest

    def _scroll_to_end(self) -> None:
        self.scroll_to(y=max(0, self._total_rows() - self.scrollable_content_region.height), animate=False, force=True,
                       immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        if self.wrap and self._body_width() != self._wrap_width:
            self._rebuild_rows()
            self._cache.clear()
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()

    def _post_stats(self) -> None:
        f = self.index.filter
        search = self.index.search
        position = 0
        if search is not None and self.cursor is not None:
            found = self.index.hit_index(self.cursor)
            position = found + 1 if found is not None else 0
        level = self.index.min_level
        stats = LogViewStats(held=len(self.buffer), shown=len(self.index), matches=self.index.matches,
                             dropped=self.buffer.dropped, following=self.following, waiting=self.waiting,
                             filter=f.describe() if f else "", wrap=self.wrap, timestamps=self.show_timestamps,
                             search=search.describe() if search else "", search_pos=position,
                             search_total=len(self.index.hits) if search else 0,
                             level=LEVEL_NAMES[level] if level is not None else "",
                             structured=self.structured_mode if self.has_structured else "")
        if stats != self._last_stats:
            self._last_stats = stats
            if self.on_stats is not None:
                self.on_stats(stats)
            else:
                self.post_message(self.StatsChanged(self, stats))

    @property
    def stats(self) -> LogViewStats:
        return self._last_stats or LogViewStats()

    # -- what is on screen -------------------------------------------------------------------------
    def row_for_y(self, y: int) -> tuple[int, int] | None:
        """(shown row, row within the line) at virtual row ``y``."""
        if self.multirow:
            return self._wrap_rows.locate(y)
        return (y, 0) if 0 <= y < len(self.index) else None

    def _virtual_y_of_row(self, row: int) -> int:
        return self._wrap_rows.first_row_of(row) if self.multirow else row

    def visible_lines(self) -> list[LogLine]:
        """The lines on screen, top to bottom (tests and copy use it)."""
        out: list[LogLine] = []
        seen: set[int] = set()
        top = round(self.scroll_y)
        for y in range(top, top + self.scrollable_content_region.height):
            found = self.row_for_y(y)
            if found is None or found[0] in seen:
                continue
            seen.add(found[0])
            line = self.buffer.get(self.index.number(found[0]))
            if line is not None:
                out.append(line)
        return out

    def shown_lines(self) -> list[LogLine]:
        """Every line passing the filter, oldest first."""
        out = []
        for row in range(len(self.index)):
            line = self.buffer.get(self.index.number(row))
            if line is not None:
                out.append(line)
        return out

    def render_lines(self, crop: Region) -> list[Strip]:
        # The scroll offset and width, read once a frame rather than once a line: ``scrollable_content_region``
        # is computed anew at each read, and was a quarter of the CPU of a line taken from the cache.
        self._frame_geometry = (*self.scroll_offset, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._frame_geometry = None

    def render_line(self, y: int) -> Strip:
        geometry = self._frame_geometry
        if geometry is None:
            scroll_x, scroll_y = self.scroll_offset
            width = self.scrollable_content_region.width
        else:
            scroll_x, scroll_y, width = geometry
        found = self.row_for_y(scroll_y + y)
        if found is None:
            return Strip.blank(width, self._base())
        row, sub = found
        number = self.index.number(row)
        strips = self._line_strips(number, scroll_x, width)
        if sub >= len(strips):
            return Strip.blank(width, self._base())
        strip = strips[sub]
        if number == self.cursor:
            return self._cursor_strip(strip)
        return painted_copy(strip)

    def _cursor_strip(self, strip: Strip) -> Strip:
        """The cursor row: the theme's cursor background laid *over* the row (its text keeps its colours, and a
        highlighted match keeps its own background, so the current search match shows where it is)."""
        cursor = self._styles.get("cursor-bg")
        if cursor is None:
            cursor = self._styles["cursor-bg"] = Style(bgcolor=self._style("log-view--cursor").bgcolor)
        plain_bg = self._base().bgcolor
        segments = []
        for seg in strip:
            style = seg.style
            if style is not None and style.bgcolor is not None and style.bgcolor != plain_bg:
                segments.append(seg)
            else:
                segments.append(Segment(seg.text, (style + cursor) if style is not None else cursor, seg.control))
        return Strip(segments, strip.cell_length)

    def _base(self) -> Style:
        """The widget's own style (computing ``rich_style`` walks the DOM: once per look, not per row)."""
        base = self._styles.get("")
        if base is None:
            base = self._styles[""] = self.rich_style
        return base

    def _line_strips(self, number: int, scroll_x: int, width: int) -> list[Strip]:
        """The rows of line ``number`` as shown now (cropped to the window, or wrapped), cached: a frame
        while following re-renders only the lines that just arrived."""
        key = (number, self._render_key, width, 0 if self.wrap else scroll_x)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        line = self.buffer.get(number)
        base = self._base()
        if line is None:
            strips = [Strip.blank(width, base)]
        elif self.wrap:
            strips = [strip.extend_cell_length(width, base) for strip in self._build(number, line)]
        else:
            strips = [fit(strip, scroll_x, scroll_x + width, base) for strip in self._build(number, line)]
        self._cache[key] = strips
        return strips

    def line_text(self, line: LogLine) -> Text:
        """The Text a line is shown as (prefix, colours, highlights), before cropping or wrapping; the rows of a
        pretty structured line are joined by newlines."""
        prefix, rows = self._prefix_and_rows(line)
        prefix.append_text(Text("\n").join(rows))
        return prefix

    def _tag_style(self, colour: str) -> Style:
        key = f"tag:{colour}"
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = Style.parse(f"bold {colour}")
        return style

    def _prefix_and_rows(self, line: LogLine) -> tuple[Text, list[Text]]:
        return self._prefix(line), self._rows(line)

    def _prefix(self, line: LogLine) -> Text:
        """The tag and timestamp shown before a line (empty when neither is shown)."""
        prefix = Text(end="", no_wrap=True)
        if self.show_tags and self._tag_width:
            found = self.tags(line.source) if self.tags is not None and line.source >= 0 else None
            if found is not None:
                tag, colour = found
                prefix.append(tag[: self._tag_width].ljust(self._tag_width), style=self._tag_style(colour))
            else:
                prefix.append(" " * self._tag_width)
            prefix.append(" ")
        if self.show_timestamps:
            ts = line.ts
            shown = f"{ts[:23]}Z" if len(ts) >= 23 else ts
            prefix.append(shown.ljust(TS_WIDTH), style=self._style("log-view--timestamp"))
            prefix.append(" ")
        return prefix

    def _rows(self, line: LogLine) -> list[Text]:
        """The body of a line as shown, highlights included: one row (or, pretty, one per field)."""
        record = self._record(line)
        if record is not None:
            rows = self._structured_rows(record)
        else:
            body = styled(line.text, line.plain)
            if line.note:
                body.stylize(self._style("log-view--note"))
            rows = [body]
        if not line.note:
            self._highlight(rows)
        return rows

    def _highlight(self, rows: list[Text]) -> None:
        """Filter matches and search matches, on the text as shown."""
        f, search = self.index.filter, self.index.search
        if f is not None and not f.invert:
            style = self._style("log-view--match")
            for row in rows:
                for start, end in f.spans(row.plain):
                    row.stylize(style, start, end)
        if search is not None:
            style = self._style("log-view--search")
            for row in rows:
                for start, end in search.spans(row.plain):
                    row.stylize(style, start, end)

    def _piece_style(self, role: str) -> Style | None:
        if role in ("", "msg", "value"):
            return None
        if role.startswith("level:"):
            return self._style(f"log-view--level-{role[6:]}")
        return self._style(f"log-view--{role}")

    def _structured_rows(self, record: Record) -> list[Text]:
        out = []
        for pieces in self._layout(record):
            row = Text(end="", no_wrap=True)
            for piece in pieces:
                row.append(piece.text, style=self._piece_style(piece.role))
            out.append(row)
        return out

    def _grow_widths(self, record: Record) -> None:
        """Columns are as wide as the widest value rendered so far (capped): growing re-renders the screen."""
        widths = self._widths
        grew = False
        cap = max(20, min(60, self._body_width() // 2))
        msg = min(cap, cell_len(record.msg))
        if msg > widths.get("", 0):
            widths[""] = msg
            grew = True
        for key in self.fields:
            value = record.get(key)
            if value is not None:
                width = min(FIELD_WIDTH_MAX, cell_len(quoted(value)))
                if width > widths.get(key, 0):
                    widths[key] = width
                    grew = True
        if grew:
            self._invalidate()

    def _build(self, number: int, line: LogLine) -> list[Strip]:
        """The uncropped rows of a line: one (or, pretty, one per field); wrapped, one per ``avail`` cells."""
        base = self._base()
        prefix_strip = self._prefix_strip(line)
        # Copies of the cached bodies: what Textual's crop and divide cache in a strip must not be kept alive by
        # the body cache (nor be found there by test_painted_lines).
        bodies = [Strip(body, body.cell_length) for body in self._body_strips(number, line)]
        avail = (self._wrap_width or self._body_width()) if self.wrap else 0
        if len(bodies) == 1 and (not self.wrap or bodies[0].cell_length <= avail):
            return [Strip.join([prefix_strip, bodies[0]]) if prefix_strip is not None else bodies[0]]
        indent = None
        if prefix_strip is not None:
            indent = Strip([Segment(" " * prefix_strip.cell_length, base)], prefix_strip.cell_length)
        out: list[Strip] = []
        for body_strip in bodies:
            length = body_strip.cell_length
            if self.wrap and length > avail:
                pieces = body_strip.divide([*range(avail, length, avail), length])  # divide wants the end too
            else:
                pieces = [body_strip]
            for piece in pieces:
                out.append(Strip.join([prefix_strip if not out else indent, piece]))
        return out

    def _prefix_strip(self, line: LogLine) -> Strip | None:
        """``_prefix`` painted: the same segments Rich renders from it with the widget's style beneath, built
        directly (rendering the prefix through Rich cost as much as the line's body)."""
        show_tags = self.show_tags and self._tag_width
        if not show_tags and not self.show_timestamps:
            return None
        base = self._base()
        segments: list[Segment] = []
        if show_tags:
            width = self._tag_width
            found = self.tags(line.source) if self.tags is not None and line.source >= 0 else None
            if found is not None:
                tag, colour = found
                segments.append(Segment(tag[:width].ljust(width), base + self._tag_style(colour)))
                segments.append(Segment(" ", base))
            else:
                segments.append(Segment(" " * (width + 1), base))
        if self.show_timestamps:
            ts = line.ts
            shown = f"{ts[:23]}Z" if len(ts) >= 23 else ts
            segments.append(Segment(shown.ljust(TS_WIDTH), base + self._style("log-view--timestamp")))
            segments.append(Segment(" ", base))
        return Strip(segments)

    def _body_strips(self, number: int, line: LogLine) -> list[Strip]:
        """The rows of a line's body rendered through Rich (unwrapped, uncropped), cached apart from the prefix."""
        key = (number, self._body_key)
        cached = self._bodies.get(key)
        if cached is not None:
            return cached
        console = self.app.console
        base = self._base()
        strips = []
        for body in self._rows(line):
            body.stylize_before(base)
            strips.append(Strip(list(body.render(console)), body.cell_len))
        self._bodies[key] = strips
        return strips

    # -- changing how it looks ---------------------------------------------------------------------
    def set_filter(self, line_filter: LineFilter | None) -> None:
        """Show only lines passing ``line_filter`` (None: every line)."""
        self._reindex(lambda: self.index.set_filter(line_filter))

    def set_level(self, min_level: int | None) -> None:
        """Show only lines of at least ``min_level`` (and lines of unknown level); None: every line."""
        self._reindex(lambda: self.index.set_level(min_level))

    def action_cycle_level(self) -> None:
        """``v``: every line → info and up → warn and up → error → every line."""
        current = LEVEL_STEPS.index(self.index.min_level) if self.index.min_level in LEVEL_STEPS else 0
        level = LEVEL_STEPS[(current + 1) % len(LEVEL_STEPS)]
        self.set_level(level)
        self.notify(f"levels: {LEVEL_NAMES[level]} and up" if level is not None else "levels: every line",
                    timeout=2)

    def _reindex(self, change: Callable[[], None]) -> None:
        cursor = self.cursor
        change()
        self._rebuild_rows()
        self._invalidate()
        self._update_virtual_size()
        if cursor is not None and self.index.row_of(cursor) is None:
            self.cursor = None
        if self.following or self.cursor is None:
            self._scroll_to_end()
        else:
            self._scroll_to_row(self.index.row_of(self.cursor) or 0)
        self._post_stats()

    def action_toggle_timestamps(self) -> None:
        self.show_timestamps = not self.show_timestamps
        self._relayout(body=False)  # the bodies are cached apart from the timestamps: only prefixes re-render

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self.scroll_to(x=0, animate=False, immediate=True, force=True)
        self._relayout()

    def _relayout(self, body: bool = True) -> None:
        self._max_width = 0
        self._rebuild_rows()
        self._invalidate(body)
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        elif self.cursor is not None:
            row = self.index.row_of(self.cursor)
            if row is not None:
                self._scroll_to_row(row)
        self._post_stats()

    def set_structured(self, mode: str) -> None:
        """Show structured lines as ``columns``, ``pretty`` (one field per row) or ``raw`` (as written)."""
        if mode not in STRUCTURED_MODES:
            raise ValueError(f"unknown structured view {mode!r}")
        self.structured_mode = mode
        self._widths = {}
        self._relayout()

    def action_cycle_structured(self) -> None:
        """``J``: columns → pretty → raw → columns (only when some source writes JSON or logfmt)."""
        if not self.has_structured:
            self.notify("no JSON or logfmt lines here: lines are shown as written", timeout=2)
            return
        mode = STRUCTURED_MODES[(STRUCTURED_MODES.index(self.structured_mode) + 1) % len(STRUCTURED_MODES)]
        self.set_structured(mode)
        self.notify({COLUMNS: "structured lines: level, message and fields (F picks the fields)",
                     PRETTY: "structured lines: one field per row", RAW: "structured lines: as written"}[mode],
                    timeout=2)

    def set_fields(self, fields: tuple[str, ...] | list[str]) -> None:
        """The fields shown as columns after level and message (empty: the other fields follow dimmed)."""
        self.fields = tuple(fields)
        self._widths = {}
        if self.structured_mode == RAW:
            self.structured_mode = COLUMNS
        self._relayout()

    def structured_records(self, limit: int = 1000) -> list[Record]:
        """The records of the newest shown structured lines (the field picker counts their fields)."""
        out: list[Record] = []
        for row in range(len(self.index) - 1, -1, -1):
            line = self.buffer.get(self.index.number(row))
            if line is None or line.note:
                continue
            fmt = self._format_of(line)
            record = parse_record(line.plain, fmt) if fmt is not PLAIN else None
            if record is not None:
                out.append(record)
                if len(out) >= limit:
                    break
        return out

    # -- search ------------------------------------------------------------------------------------
    def set_search(self, search: LineFilter | None) -> None:
        """Highlight ``search`` in the shown lines and put the cursor on a match: the first one at or after the
        cursor, or the newest while following. None clears the search. Nothing is hidden."""
        self.index.set_search(search)
        self._invalidate()
        if search is not None and self.index.hits:
            hits = self.index.hits
            if self.cursor is None:
                target = hits[-1]
            else:
                target = self.cursor if self.index.hit_index(self.cursor) is not None else \
                    self.index.next_hit(self.cursor) or hits[0]
            self._go_to(target)
        self._post_stats()

    def action_search_next(self) -> None:
        self._search_step(forward=True)

    def action_search_previous(self) -> None:
        self._search_step(forward=False)

    def _search_step(self, forward: bool) -> None:
        """``n``/``N``: the next match below / above the cursor line, wrapping around at the ends."""
        search = self.index.search
        if search is None:
            self.notify("no search: press / to search", severity="warning", timeout=2)
            return
        hits = self.index.hits
        if not hits:
            self.notify(f"no match for {search.describe()}", severity="warning", timeout=2)
            return
        if self.cursor is None:
            target = hits[-1]
        else:
            target = self.index.next_hit(self.cursor, forward)
            if target is None:
                target = hits[0] if forward else hits[-1]
                self.notify("search wrapped to the " + ("top" if forward else "bottom"), timeout=1.5)
        self._go_to(target)

    def _go_to(self, number: int) -> None:
        """Put the cursor on line ``number`` (pausing), scrolled to the middle of the view if it was off screen."""
        row = self.index.row_of(number)
        if row is None:
            return
        self.cursor = number
        if self.following:
            self.following = False
            self.waiting = 0
        y = self._virtual_y_of_row(row)
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        if not top <= y < top + height:
            self.scroll_to(y=max(0, y - height // 2), animate=False, immediate=True, force=True)
        self.refresh()
        self._post_stats()

    def action_invert_filter(self) -> None:
        f = self.index.filter
        if f is None:
            self.notify("no filter to invert (press f to set one)", severity="warning", timeout=2)
            return
        self.set_filter(f.with_invert(not f.invert))

    # -- follow, cursor, scrolling -----------------------------------------------------------------
    def set_following(self, following: bool) -> None:
        self.following = following
        if following:
            self.waiting = 0
            self.cursor = None
            self._scroll_to_end()
            self.refresh()
        self._post_stats()

    def action_toggle_follow(self) -> None:
        self.set_following(not self.following)

    def action_top(self) -> None:
        self.set_following(False)
        self.cursor = self.index.number(0) if len(self.index) else None
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self.refresh()

    def action_bottom(self) -> None:
        self.set_following(True)

    def _cursor_row(self) -> int | None:
        if self.cursor is None:
            return None
        row = self.index.row_of(self.cursor)
        return row if row is not None else self.index.row_at_or_after(self.cursor)

    def _bottom_visible_row(self) -> int:
        y = round(self.scroll_y) + self.scrollable_content_region.height - 1
        found = self.row_for_y(min(y, self._total_rows() - 1))
        return found[0] if found else max(0, len(self.index) - 1)

    def _move_cursor(self, delta: int) -> None:
        count = len(self.index)
        if not count:
            return
        row = self._cursor_row()
        if row is None:
            row = self._bottom_visible_row()
            delta = min(delta, 0)  # the first press marks the bottom line
        row = max(0, min(count - 1, row + delta))
        self.cursor = self.index.number(row)
        if self.following:
            self.following = False
            self.waiting = 0
        self._scroll_to_row(row)
        self.refresh()
        self._post_stats()

    def _scroll_to_row(self, row: int) -> None:
        y = self._virtual_y_of_row(row)
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        if y < top:
            self.scroll_to(y=y, animate=False, immediate=True, force=True)
        elif y >= top + height:
            self.scroll_to(y=y - height + 1, animate=False, immediate=True, force=True)

    def action_cursor_up(self) -> None:
        self._move_cursor(-1)

    def action_cursor_down(self) -> None:
        self._move_cursor(1)

    def action_page_up(self) -> None:
        self._move_cursor(-max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self._move_cursor(max(1, self.scrollable_content_region.height - 1))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.following:
            self.following = False
            self._post_stats()

    def on_click(self, event: events.Click) -> None:
        found = self.row_for_y(round(self.scroll_y) + event.y)
        if found is None:
            return
        self.cursor = self.index.number(found[0])
        if self.following:
            self.following = False
        self.refresh()
        self._post_stats()

    def cursor_line(self) -> LogLine | None:
        """The cursor line, or the newest shown line when there is no cursor."""
        if self.cursor is not None:
            line = self.buffer.get(self.cursor)
            if line is not None:
                return line
        if len(self.index):
            return self.buffer.get(self.index.number(len(self.index) - 1))
        return None

    def action_copy_line(self) -> None:
        line = self.cursor_line()
        if line is None:
            self.notify("no line to copy", severity="warning", timeout=2)
            return
        text = line.plain
        if self.show_tags and self.tags is not None and line.source >= 0 and (found := self.tags(line.source)):
            text = f"{found[0]} {text}"
        if self.show_timestamps and line.ts:
            text = f"{line.ts} {text}"
        self.app.copy_to_clipboard(text)
        self.notify(f"copied: {text[:60]}{'…' if len(text) > 60 else ''}", timeout=2, markup=False)
