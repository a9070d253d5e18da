"""Garbage-collector settings for a long-running UI: keep full collections out of key latency.

Measured with benchmarks/bench_logs.py and bench_app.py: with the default thresholds a full collection over the
app's ~150k long-lived objects ran about once a second under a busy stream or watch and took ~100 ms.
"""

from __future__ import annotations

import gc
import time

_gc_tuned = False
GC_THRESHOLDS = (2000, 10, 100)
REFREEZE_SECONDS = 0.5     # how often ``refreeze`` looks at what is not frozen
COLLECT_AT_OBJECTS = 8_000  # ... and collects it once it holds this many objects (a pause of ~4-12 ms)
FREEZE_AT_OBJECTS = 4_000   # ... and freezes what survived only when that is this many (long-lived data)
# Reclaiming what closed screens left frozen: only after the user has been idle this long, and at most this often.
RECLAIM_IDLE_SECONDS = 3.0
RECLAIM_MIN_INTERVAL = 60.0
# ... and, with no screen closed, every this often: whatever else a freeze kept alive in a cycle (painted
# strips are made acyclic first: ``strip_cycles``).
RECLAIM_PERIOD_SECONDS = 600.0


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


def refreeze() -> bool:
    """Keep what the informers add out of full collections too: called every ``REFREEZE_SECONDS``; returns
    whether it collected.

    The informer caches grow after the first freeze: 50k pods are ~0.35M tracked containers (lean), and one
    full collection over them took 1.2 s before the lean cache (0.25 s at 10k pods) — the p99/max key latency
    measured by benchmarks/bench_app.py while watch events flow, since the churn keeps allocating. The cache's
    objects are acyclic (parsed JSON): once frozen they are still freed by reference counting when an event
    replaces them.

    Once ``COLLECT_AT_OBJECTS`` are not frozen, everything not frozen is collected: that walks only what came
    since the last freeze, so the pause is bounded by the threshold (a fixed 10-s period walked whatever came in
    10 s: 34-65 ms under churn, 185 ms right after a 50k-pod LIST). Small and often: at 50k pods under 500
    events/s, collecting at 20k objects checked every second paused median 13 / max 23 ms (thread CPU, 1 min);
    at 8k checked every 0.5 s, 7 / 12 ms for ~0.13 s more CPU a minute (benchmarks/bench_gc.py). What survives
    is frozen only when it is ``FREEZE_AT_OBJECTS`` or more: new informer data (a LIST, churn, log lines). A
    full collection rather than a young one: under a busy stream an object is in the oldest generation after a
    fraction of a second, so a young collection froze the painted lines already dead (~10-20 MB a minute while
    following logs). Textual's painted lines alive at a freeze are cycles too (``strip_cycles``): their caches
    are emptied first, so reference counting frees them once dropped (frozen dead strips while following logs:
    8.6 MB in 90 s at these thresholds without that, 0.4 MB with it). What else is alive when frozen and dies
    later in a cycle (a closed screen) is kept until ``FrozenGarbage`` reclaims it."""
    if not _gc_tuned or len(gc.get_objects()) < COLLECT_AT_OBJECTS:
        return False
    gc.collect(2)
    survivors = gc.get_objects()
    if len(survivors) >= FREEZE_AT_OBJECTS:
        from .strip_cycles import break_strip_cycles  # Textual is loaded by now (not at the CLI's start)

        break_strip_cycles(survivors)  # the painted lines alive now: freed by reference counting once dropped
        del survivors
        gc.freeze()
    return True


class FrozenGarbage:
    """Closed screens become cyclic garbage after ``refreeze`` froze them alive (a screen of 5k pods: ~3 MB and
    ~9k objects each time it is opened and closed, measured), so a session that navigates for hours would grow
    without bound. After screens have closed, once the user has been idle ``RECLAIM_IDLE_SECONDS`` (no key) and
    at most every ``RECLAIM_MIN_INTERVAL``, everything is unfrozen, collected in full and frozen again — the
    one full collection's pause (0.25 s at 10k pods) falls where nobody is typing. The painted lines frozen by
    ``refreeze`` are reclaimed the same way every ``RECLAIM_PERIOD_SECONDS``, screens closed or not."""

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
        if not _gc_tuned or now - self.last_key < RECLAIM_IDLE_SECONDS:
            return False
        since = now - self.last_reclaim
        return since >= RECLAIM_PERIOD_SECONDS or (self.closed_screens > 0 and since >= RECLAIM_MIN_INTERVAL)

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
