"""The ``/`` filter of a log view: a regular expression (smart case, ``!`` prefix to invert) and the index of
buffer lines that pass it, kept up to date incrementally as lines arrive and old ones are dropped.

Notes the view writes itself (a pod ended, a stream failed) always pass: hiding "pod deleted" behind a filter
would hide the reason logs stopped. They are not counted as matches.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .buffer import LogBuffer

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
    def parse(cls, text: str, invert: bool = False) -> LineFilter | None:
        """``"err|warn"`` → matching lines; ``"!healthz"`` → lines *not* matching; ``""`` → no filter."""
        if text.startswith("!"):
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
    """The absolute numbers of the buffer lines that pass the filter, oldest first.

    ``sync()`` folds in what changed in the buffer since the last call (new lines scanned once, dropped lines
    pruned) and says how many rows went away at the front, so a paused view can keep its place.
    """

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self.filter: LineFilter | None = None
        self._numbers: list[int] = []  # rows -> buffer numbers (only with a filter)
        self._notes: list[int] = []  # buffer numbers of notes among them
        self._first = buffer.first  # oldest buffer number accounted for
        self._scanned = buffer.first  # buffer numbers below this were looked at
        self.generation = buffer.generation

    # -- reading -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        if self.filter is None:
            return self._scanned - self._first
        return len(self._numbers)

    @property
    def matches(self) -> int:
        """Lines shown that are not notes (with a filter: the lines that match it)."""
        return len(self) - len(self._notes)

    def number(self, row: int) -> int:
        """The absolute buffer number of row ``row`` (0 = oldest shown)."""
        if self.filter is None:
            return self._first + row
        return self._numbers[row]

    def row_of(self, number: int) -> int | None:
        """The row showing buffer line ``number``, if it is shown."""
        if self.filter is None:
            return number - self._first if self._first <= number < self._scanned else None
        i = bisect.bisect_left(self._numbers, number)
        return i if i < len(self._numbers) and self._numbers[i] == number else None

    def row_at_or_after(self, number: int) -> int:
        """The first row showing line ``number`` or a later one."""
        if self.filter is None:
            return min(max(0, number - self._first), len(self))
        return bisect.bisect_left(self._numbers, number)

    # -- changing ----------------------------------------------------------------------------------
    def set_filter(self, line_filter: LineFilter | None) -> None:
        """Apply another filter (or none) to every line held."""
        self.filter = line_filter
        self._reset()
        self.sync()

    def _reset(self) -> None:
        self._numbers = []
        self._notes = []
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
            if self.filter is None:
                removed = min(buf.first, self._scanned) - self._first
            else:
                removed = bisect.bisect_left(self._numbers, buf.first)
                del self._numbers[:removed]
            del self._notes[:bisect.bisect_left(self._notes, buf.first)]
            self._first = buf.first
        start = max(self._scanned, buf.first)
        added = 0
        if buf.end > start:
            f = self.filter
            notes = self._notes
            if f is None:
                added = buf.end - start
                for n, line in buf.range(start):
                    if line.note:
                        notes.append(n)
            else:
                numbers = self._numbers
                search, invert = f.regex.search, f.invert
                before = len(numbers)
                for n, line in buf.range(start):
                    if line.note:
                        numbers.append(n)
                        notes.append(n)
                    elif (search(line.plain) is None) is invert:
                        numbers.append(n)
                added = len(numbers) - before
            self._scanned = buf.end
        return removed, added
