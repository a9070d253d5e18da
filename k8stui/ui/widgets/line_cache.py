"""A bounded, least-recently-used cache of a view's painted lines that never makes a reference cycle.

Textual's ``LRUCache`` links its entries in a ring of Python lists. When a view clears it (a new look: the
timestamps shown, the focus moved, the columns resized), the ring and every line in it become a cycle that
only a collection frees, and ``gc_tuning.refreeze`` had frozen most of them alive: following logs with the
timestamps toggled grew RSS for good (``benchmarks/bench_app.py --soak``). An ``OrderedDict`` keeps its order
in C, so what it drops is freed at once by its reference count. ``painted_copy`` and ``fit`` keep the lines
themselves free of cycles: Textual caches results inside the strips it is handed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, KeysView
from typing import Generic, TypeVar

from rich.style import Style
from textual.strip import Strip

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LineCache(Generic[K, V]):
    """At most ``maxsize`` entries; reading or writing an entry makes it the newest; the oldest goes first."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("a line cache holds at least one line")
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        entries = self._entries
        entries[key] = value
        entries.move_to_end(key)
        if len(entries) > self.maxsize:
            entries.popitem(last=False)

    def keys(self) -> KeysView[K]:
        return self._entries.keys()

    def clear(self) -> None:
        self._entries.clear()


def painted_copy(strip: Strip) -> Strip:
    """The strip a widget's ``render_line`` hands to Textual, separate from the one the widget caches.

    Textual's compositor caches a strip's own division into spans in the strip (``divide`` keeps ``[self]``
    when the line is one span): every strip it paints becomes a reference cycle, freed only by a collection.
    A widget's line cache keeps its strips for many frames, so ``refreeze`` froze them alive, and each one the
    cache later dropped stayed as frozen garbage: following logs with timestamps toggled grew RSS ~5.5 MB a
    minute (benchmarks/bench_app.py --soak). A copy shares the segments (a list of ~10 references) and is
    dropped with the frame's own caches instead."""
    return Strip(strip, strip.cell_length)


def fit(strip: Strip, start: int, end: int, style: Style | None) -> Strip:
    """``strip.crop_extend(start, end, style)`` without its cycle: ``crop_extend`` caches its result in the
    strip, and when the strip already spans exactly ``start..end`` the result is the strip itself."""
    return strip.crop(start, end).extend_cell_length(end - start, style)
