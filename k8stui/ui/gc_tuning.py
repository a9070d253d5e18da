"""Garbage-collector settings for a long-running UI: keep full collections out of key latency.

Measured with benchmarks/bench_logs.py and bench_app.py: with the default thresholds a full collection over the
app's ~150k long-lived objects ran about once a second under a busy stream or watch and took ~100 ms.
"""

from __future__ import annotations

import gc
import time

_gc_tuned = False
GC_THRESHOLDS = (2000, 10, 100)
REFREEZE_SECONDS = 10.0
# Reclaiming what closed screens left frozen: only after the user has been idle this long, and at most this often.
RECLAIM_IDLE_SECONDS = 3.0
RECLAIM_MIN_INTERVAL = 60.0


def tune_gc() -> None:
    """Keep garbage-collector pauses out of the key latency; once per process, after the first screen is up.

    Following a fast stream renders the visible rows ten times a second, and the cached rows (Strips and their
    caches) live long enough to reach the oldest generation, so with the default thresholds a full collection
    ran about once a second and, over the app's ~150k long-lived objects (modules, CSS, widgets), took ~100 ms
    on our 2-core machines: the p99 key latency. Freezing what exists now takes those objects out of every
    collection (they live as long as the app anyway), and higher thresholds make full collections rare; the
    young objects are still collected. Measured with benchmarks/bench_logs.py."""
    global _gc_tuned
    if not _gc_tuned:
        _gc_tuned = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)


def refreeze() -> None:
    """Take what survived since the last freeze out of full collections too (every ``REFREEZE_SECONDS``).

    The informer caches grow after the first freeze: 50k pods are ~0.8M tracked containers, and one full
    collection over them took 1.2 s (0.25 s at 10k pods) — the p99/max key latency measured by
    benchmarks/bench_app.py while watch events flow, since the churn keeps allocating. The cache's objects are
    acyclic (parsed JSON): once frozen they are still freed by reference counting when an event replaces
    them. A young collection first reclaims young cyclic garbage instead of freezing it; cyclic garbage that is
    already old when a freeze comes is kept (small: closed screens), the price of pause-free full
    collections."""
    if _gc_tuned:
        gc.collect(1)
        gc.freeze()


class FrozenGarbage:
    """Closed screens become cyclic garbage after ``refreeze`` froze them alive (a screen of 5k pods: ~3 MB and
    ~9k objects each time it is opened and closed, measured), so a session that navigates for hours would grow
    without bound. After screens have closed, once the user has been idle ``RECLAIM_IDLE_SECONDS`` (no key) and
    at most every ``RECLAIM_MIN_INTERVAL``, everything is unfrozen, collected in full and frozen again — the
    one full collection's pause (0.25 s at 10k pods) falls where nobody is typing."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self.closed_screens = 0
        self.last_key = clock()
        self.last_reclaim = clock()
        self.reclaims = 0

    def screen_closed(self) -> None:
        self.closed_screens += 1

    def key_pressed(self) -> None:
        self.last_key = self._clock()

    def due(self) -> bool:
        now = self._clock()
        return (_gc_tuned and self.closed_screens > 0 and now - self.last_key >= RECLAIM_IDLE_SECONDS
                and now - self.last_reclaim >= RECLAIM_MIN_INTERVAL)

    def reclaim_if_due(self) -> int:
        """Unfreeze, collect, refreeze when due; returns the objects collected (0 when not due)."""
        if not self.due():
            return 0
        self.closed_screens = 0
        self.last_reclaim = self._clock()
        self.reclaims += 1
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        return collected
