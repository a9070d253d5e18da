"""Painted strips frozen by ``gc_tuning.refreeze`` are freed once Textual drops them (``ui/strip_cycles.py``).

Textual's strips cache what they derive from themselves in themselves (``divide`` keeps ``[self]``): each is a
reference cycle, and a frozen cycle is never collected. Following logs froze the strips on screen at every
refreeze and RSS grew ~6 MB a minute (benchmarks/bench_app.py --soak)."""

from __future__ import annotations

import subprocess
import sys

from rich.segment import Segment
from textual.cache import FIFOCache
from textual.strip import Strip

from k8stui.ui.strip_cycles import CACHE_SLOTS


def test_the_cache_slots_are_textuals_own():
    # A Textual release that renames or adds a strip cache fails here, not silently in a soak.
    strip = Strip([Segment("x")], 1)
    assert set(CACHE_SLOTS) <= set(Strip.__slots__)
    assert all(isinstance(getattr(strip, slot), FIFOCache) for slot in CACHE_SLOTS)
    assert {s for s in Strip.__slots__ if isinstance(getattr(strip, s, None), FIFOCache)} == set(CACHE_SLOTS)


def test_a_painted_strip_frozen_alive_is_freed_when_dropped() -> None:
    code = """
import gc, weakref
from rich.segment import Segment
from textual.strip import Strip
from k8stui.ui import gc_tuning

class Painted(Strip):  # a strip that can be watched
    __slots__ = ("__weakref__",)

gc_tuning.tune_gc()
line = Painted([Segment("web-1  Running")], 14)
assert line.divide([14]) == [line]  # as Textual's compositor does: now a cycle
gone = weakref.ref(line)
pods = [{"metadata": {"name": f"pod-{i}"}} for i in range(gc_tuning.COLLECT_AT_OBJECTS)]  # new data: frozen
assert gc_tuning.refreeze() is True
assert gc.get_freeze_count() >= len(pods)
gc.disable()  # no collection from here: only reference counting may free it
del line
assert gone() is None, "the strip frozen alive stayed as garbage"
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["ok"], out.stderr
