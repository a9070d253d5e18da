"""A bounded ring of log lines with absolute line numbers and a count of the lines it had to drop.

Lines are numbered from 0 in arrival order for the life of the buffer; the ring keeps the newest ``capacity``
of them. Readers (the filter index, the widget) hold absolute numbers, so eviction never renumbers what
they know: ``first`` tells them which numbers are gone. Memory is bounded whatever the producer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .line import LogLine

DEFAULT_CAPACITY = 10_000


class LogBuffer:
    """Newest ``capacity`` lines; ``dropped`` counts lines evicted since the last ``clear``."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("log buffer capacity must be at least 1")
        self.capacity = capacity
        self._ring: list[LogLine | None] = [None] * capacity
        self.end = 0  # absolute number the next line gets
        self.first = 0  # oldest absolute number still held
        self._base = 0  # ``first`` right after the last clear (for ``dropped``)
        self.generation = 0  # bumped by ``clear`` so readers know to start over

    def __len__(self) -> int:
        return self.end - self.first

    @property
    def dropped(self) -> int:
        return self.first - self._base

    @property
    def total(self) -> int:
        """Lines appended since the last clear (kept + dropped)."""
        return self.end - self._base

    def append(self, line: LogLine) -> None:
        self._ring[self.end % self.capacity] = line
        self.end += 1
        if self.end - self.first > self.capacity:
            self.first = self.end - self.capacity

    def extend(self, lines: Iterable[LogLine]) -> None:
        ring, cap = self._ring, self.capacity
        end = self.end
        for line in lines:
            ring[end % cap] = line
            end += 1
        self.end = end
        if end - self.first > cap:
            self.first = end - cap

    def get(self, n: int) -> LogLine | None:
        """Line number ``n``, or None if it was dropped or does not exist yet."""
        if n < self.first or n >= self.end:
            return None
        return self._ring[n % self.capacity]

    def range(self, start: int, stop: int | None = None) -> Iterator[tuple[int, LogLine]]:
        """(number, line) for the lines from ``start`` (clamped to ``first``) to ``stop`` (default: the end)."""
        stop = self.end if stop is None else min(stop, self.end)
        ring, cap = self._ring, self.capacity
        for n in range(max(start, self.first), stop):
            line = ring[n % cap]
            if line is not None:
                yield n, line

    def __iter__(self) -> Iterator[LogLine]:
        for _, line in self.range(self.first):
            yield line

    def clear(self) -> None:
        """Forget every line (a new range, or previous logs): numbers keep increasing."""
        self._ring = [None] * self.capacity
        self.first = self._base = self.end
        self.generation += 1
