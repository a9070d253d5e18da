"""Break the reference cycles inside Textual's painted strips before ``gc_tuning.refreeze`` freezes them.

A ``textual.strip.Strip`` caches what it derives from itself in the strip (``divide`` keeps ``[self]`` when the
line is one span; ``crop_extend`` may keep the strip itself), so every strip Textual paints is a reference cycle,
freed only by a collection. ``refreeze`` freezes what survives a collection, the strips on screen at that moment
included, and a frozen cycle is never collected: following logs (a freeze every second or two) kept ~6 MB a
minute of dead strips (benchmarks/bench_app.py --soak; ``gc.DEBUG_SAVEALL`` after an unfreeze found Strips,
their FIFOCaches, lists and Segments). Emptying the caches of the strips alive before the freeze makes them
acyclic: once Textual drops them, their reference counts free them, frozen or not. The caches are only caches;
Textual fills them again on the next paint.

The one module that reads the strips' private cache slots: ``tests/ui/test_strip_cycles.py`` fails when a
Textual release renames them.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.strip import Strip

# Strip's per-strip caches (FIFOCache each) in Textual 8.2.
CACHE_SLOTS = ("_divide_cache", "_crop_cache", "_style_cache", "_filter_cache", "_line_length_cache",
               "_crop_extend_cache", "_offsets_cache")


def break_strip_cycles(objects: Iterable[object]) -> int:
    """Empty the caches of every Strip among ``objects``; returns how many strips there were."""
    strips = 0
    for obj in objects:
        if isinstance(obj, Strip):
            strips += 1
            for slot in CACHE_SLOTS:
                getattr(obj, slot).clear()
    return strips
