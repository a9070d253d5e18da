"""A bounded, least-recently-used cache of a view's painted lines that never makes a reference cycle.

Textual's ``LRUCache`` links its entries in a ring of Python lists. When a view clears it (a new look: the
timestamps shown, the focus moved, the columns resized), the ring and every line in it become a cycle that
only a collection frees, and ``gc_tuning.refreeze`` had frozen most of them alive: following logs with the
timestamps toggled grew RSS for good (``benchmarks/bench_app.py --soak``). An ``OrderedDict`` keeps its order
in C, so what it drops is freed at once by its reference count."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, KeysView
from typing import Generic, TypeVar

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
