"""What a log view shows of its buffer: the lines passing its filter (a regular expression, smart case, ``!``
prefix to invert) and its level filter (at least warn, ...), and among them the matches of its search (``/``,
which highlights and jumps but hides nothing). The index is kept up to date incrementally as lines arrive and
old ones are dropped: each new line is looked at once.

Notes the view writes itself (a pod ended, a stream failed) always pass: hiding "pod deleted" behind a filter
would hide the reason logs stopped. They are not counted as matches and never match a search. A line whose
level is unknown (a stack trace, a plain line without a level word) passes the level filter.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from .buffer import LogBuffer
from .line import LogLine

LevelOf = Callable[[LogLine], "int | None"]

MAX_SPANS = 64


class FilterError(ValueError):
    """The filter text is not a valid regular expression; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class LineFilter:
    """A compiled filter. Case-insensitive unless the pattern has an upper-case letter (smart case)."""

    pattern: str
    invert: bool
    regex: re.Pattern[str]

    @classmethod
    def parse(cls, text: str, invert: bool = False, *, allow_invert: bool = True) -> LineFilter | None:
        """``"err|warn"`` → matching lines; ``"!healthz"`` → lines *not* matching; ``""`` → no filter.
        A search (``allow_invert=False``) takes a leading ``!`` literally."""
        if allow_invert and text.startswith("!"):
            text, invert = text[1:], not invert
        if not text:
            return None
        flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
        try:
            regex = re.compile(text, flags)
        except re.error as exc:
            raise FilterError(f"bad filter {text!r}: {exc}") from None
        return cls(text, invert, regex)

    def matches(self, plain: str) -> bool:
        return (self.regex.search(plain) is None) is self.invert

    def spans(self, plain: str) -> list[tuple[int, int]]:
        """Where the pattern matches (for highlighting); none for an inverted filter."""
        if self.invert:
            return []
        out: list[tuple[int, int]] = []
        for m in self.regex.finditer(plain):
            if m.end() > m.start():
                out.append((m.start(), m.end()))
                if len(out) >= MAX_SPANS:
                    break
        return out

    def describe(self) -> str:
        return f"{'!' if self.invert else ''}/{self.pattern}/"

    def with_invert(self, invert: bool) -> LineFilter:
        return LineFilter(self.pattern, invert, self.regex)


class FilteredIndex:
    """The absolute numbers of the buffer lines that are shown (filter and level filter), oldest first, and of
    the shown lines that match the search.

    ``sync()`` folds in what changed in the buffer since the last call (new lines scanned once, dropped lines
    pruned) and says how many rows went away at the front, so a paused view can keep its place.
    """

    def __init__(self, buffer: LogBuffer, level_of: LevelOf | None = None) -> None:
        self.buffer = buffer
        self.filter: LineFilter | None = None
        self.min_level: int | None = None  # show lines of at least this level (None: every line)
        self.level_of: LevelOf = level_of or (lambda line: None)
        self.search: LineFilter | None = None
        self._numbers: list[int] = []  # rows -> buffer numbers (only when selective)
        self._notes: list[int] = []  # buffer numbers of notes among them
        self._hits: list[int] = []  # buffer numbers of shown lines matching the search
        self._first = buffer.first  # oldest buffer number accounted for
        self._scanned = buffer.first  # buffer numbers below this were looked at
        self.generation = buffer.generation

    @property
    def selective(self) -> bool:
        """Whether some lines are hidden (a filter or a level filter): rows then need a list of numbers."""
        return self.filter is not None or self.min_level is not None

    # -- reading -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        if not self.selective:
            return self._scanned - self._first
        return len(self._numbers)

    @property
    def matches(self) -> int:
        """Lines shown that are not notes (with a filter: the lines that match it)."""
        return len(self) - len(self._notes)

    def number(self, row: int) -> int:
        """The absolute buffer number of row ``row`` (0 = oldest shown)."""
        if not self.selective:
            return self._first + row
        return self._numbers[row]

    def row_of(self, number: int) -> int | None:
        """The row showing buffer line ``number``, if it is shown."""
        if not self.selective:
            return number - self._first if self._first <= number < self._scanned else None
        i = bisect.bisect_left(self._numbers, number)
        return i if i < len(self._numbers) and self._numbers[i] == number else None

    def row_at_or_after(self, number: int) -> int:
        """The first row showing line ``number`` or a later one."""
        if not self.selective:
            return min(max(0, number - self._first), len(self))
        return bisect.bisect_left(self._numbers, number)

    # -- the search --------------------------------------------------------------------------------
    @property
    def hits(self) -> list[int]:
        """Buffer numbers of the shown lines matching the search, oldest first (do not modify)."""
        return self._hits

    def hit_index(self, number: int) -> int | None:
        """The position of line ``number`` among the hits, if it is one."""
        i = bisect.bisect_left(self._hits, number)
        return i if i < len(self._hits) and self._hits[i] == number else None

    def next_hit(self, number: int, forward: bool = True) -> int | None:
        """The first hit after line ``number`` (or the last one before it); None if there is none."""
        hits = self._hits
        if forward:
            i = bisect.bisect_right(hits, number)
            return hits[i] if i < len(hits) else None
        i = bisect.bisect_left(hits, number)
        return hits[i - 1] if i > 0 else None

    # -- changing ----------------------------------------------------------------------------------
    def set_filter(self, line_filter: LineFilter | None) -> None:
        """Apply another filter (or none) to every line held."""
        self.filter = line_filter
        self._reset()
        self.sync()

    def set_level(self, min_level: int | None) -> None:
        """Show lines of at least this level (and lines of unknown level); None: every level."""
        self.min_level = min_level
        self._reset()
        self.sync()

    def set_search(self, search: LineFilter | None) -> None:
        """Search the shown lines for another pattern (or none): nothing is hidden, only the hits change."""
        self.search = search
        self._hits = []
        if search is None:
            return
        found = search.regex.search
        buf = self.buffer
        hits = self._hits
        if not self.selective:
            for n, line in buf.range(self._first, self._scanned):
                if not line.note and found(line.plain) is not None:
                    hits.append(n)
        else:
            for n in self._numbers:
                line = buf.get(n)
                if line is not None and not line.note and found(line.plain) is not None:
                    hits.append(n)

    def _reset(self) -> None:
        self._numbers = []
        self._notes = []
        self._hits = []
        self._first = self._scanned = self.buffer.first
        self.generation = self.buffer.generation

    def sync(self) -> tuple[int, int]:
        """Catch up with the buffer: (rows removed at the front, rows added at the end)."""
        buf = self.buffer
        removed = 0
        if buf.generation != self.generation:  # cleared: everything shown is gone
            removed = len(self)
            self._reset()
        elif buf.first > self._first:
            if not self.selective:
                removed = min(buf.first, self._scanned) - self._first
            else:
                removed = bisect.bisect_left(self._numbers, buf.first)
                del self._numbers[:removed]
            del self._notes[:bisect.bisect_left(self._notes, buf.first)]
            if self._hits:
                del self._hits[:bisect.bisect_left(self._hits, buf.first)]
            self._first = buf.first
        start = max(self._scanned, buf.first)
        added = 0
        if buf.end > start:
            f = self.filter
            notes = self._notes
            hits = self._hits
            found = self.search.regex.search if self.search is not None else None
            if not self.selective:
                added = buf.end - start
                if found is None:
                    for n, line in buf.range(start):
                        if line.note:
                            notes.append(n)
                else:
                    for n, line in buf.range(start):
                        if line.note:
                            notes.append(n)
                        elif found(line.plain) is not None:
                            hits.append(n)
            else:
                numbers = self._numbers
                search = f.regex.search if f is not None else None
                invert = f.invert if f is not None else False
                min_level, level_of = self.min_level, self.level_of
                before = len(numbers)
                for n, line in buf.range(start):
                    if line.note:
                        numbers.append(n)
                        notes.append(n)
                        continue
                    if search is not None and (search(line.plain) is None) is not invert:
                        continue
                    if min_level is not None:
                        level = level_of(line)
                        if level is not None and level < min_level:
                            continue
                    numbers.append(n)
                    if found is not None and found(line.plain) is not None:
                        hits.append(n)
                added = len(numbers) - before
            self._scanned = buf.end
        return removed, added
