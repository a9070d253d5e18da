"""The GC tuning keeps what the informers hold out of full collections (their pauses were the key p99)."""

from __future__ import annotations

import subprocess
import sys


def test_refreeze_moves_survivors_out_of_full_collections() -> None:
    # In a subprocess: freezing is process-wide.
    code = """
import gc
from k8stui.ui import gc_tuning
gc_tuning.refreeze()
assert gc.get_freeze_count() == 0, "nothing is frozen before the app has tuned the collector"
gc_tuning.tune_gc()
before = gc.get_freeze_count()
cache = [{"metadata": {"name": f"pod-{i}", "labels": {"app": "x"}}} for i in range(20000)]
gc_tuning.refreeze()
assert gc.get_freeze_count() >= before + 20000, (before, gc.get_freeze_count())
del cache[:10000]  # acyclic frozen objects are still freed when an event replaces them
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["ok"], out.stderr


def test_garbage_frozen_alive_is_reclaimed_once_the_user_is_idle_after_a_screen_closed() -> None:
    code = """
import gc
from k8stui.ui import gc_tuning
now = [0.0]
garbage = gc_tuning.FrozenGarbage(clock=lambda: now[0])
gc_tuning.tune_gc()

class Screen:  # a closed screen: a cycle (parent <-> child), frozen while it was alive
    def __init__(self):
        self.child = {"parent": self, "rows": [object() for _ in range(1000)]}

screen = Screen()
gc.freeze()  # a refreeze froze it while it was open
del screen
now[0] = gc_tuning.RECLAIM_MIN_INTERVAL + 40.0  # past the interval, before the period
assert garbage.reclaim_if_due() == 0, "no screen closed: nothing to do"
garbage.screen_closed()
garbage.key_pressed()
now[0] += gc_tuning.RECLAIM_IDLE_SECONDS / 2
assert garbage.reclaim_if_due() == 0, "the user is typing: no pause now"
now[0] += gc_tuning.RECLAIM_IDLE_SECONDS
assert garbage.reclaim_if_due() >= 2, "the frozen cycle is collected"
garbage.screen_closed()
now[0] += gc_tuning.RECLAIM_IDLE_SECONDS
assert garbage.reclaim_if_due() == 0, "at most once a RECLAIM_MIN_INTERVAL"
assert gc.get_freeze_count() > 0, "frozen again after the collection"
# No screen closed, but painted lines frozen alive by refreeze pile up: reclaimed every RECLAIM_PERIOD_SECONDS.
garbage = gc_tuning.FrozenGarbage(clock=lambda: now[0])
screen = Screen()
gc.freeze()  # a refreeze froze it while it was open
del screen
now[0] += gc_tuning.RECLAIM_PERIOD_SECONDS - 1
assert garbage.reclaim_if_due() == 0, "not yet a RECLAIM_PERIOD_SECONDS since the last reclaim"
now[0] += 1
garbage.key_pressed()
assert garbage.reclaim_if_due() == 0, "the user is typing: no pause now"
now[0] += gc_tuning.RECLAIM_IDLE_SECONDS
assert garbage.reclaim_if_due() >= 2, "the periodic reclaim collects the frozen cycle"
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["ok"], out.stderr


def test_refreeze_collects_the_cycles_that_died_since_the_last_freeze_and_freezes_only_new_data() -> None:
    # Textual's painted lines are cycles; under a busy stream they outlive a young collection (so they sit in the
    # oldest generation) and die soon after: freezing them kept them for good (RSS grew while following logs,
    # benchmarks/bench_app.py --soak). A freeze is for what the informers add (a LIST, churn).
    code = """
import gc, weakref
from k8stui.ui import gc_tuning
gc_tuning.tune_gc()
frozen = gc.get_freeze_count()
assert gc_tuning.refreeze() is False, "nothing new: no collection at all (its pause would be for nothing)"

class Line:  # a painted line: it refers to itself through its own cache
    def __init__(self):
        self.cache = {"whole": [self]}

line = Line()
gone = weakref.ref(line)
gc.collect(1)  # it lived through a young collection: now in the oldest generation
del line
painted = [Line() for _ in range(gc_tuning.COLLECT_AT_OBJECTS)]  # frames of a log stream: garbage soon
del painted
assert gc_tuning.refreeze() is True
assert gone() is None, "the dead cycle was frozen instead of collected"
assert gc.get_freeze_count() == frozen, "garbage alone is collected, not frozen"

pods = [{"metadata": {"name": f"pod-{i}"}, "spec": {"containers": [{"name": "web"}]}}  # a LIST's objects
        for i in range(gc_tuning.COLLECT_AT_OBJECTS)]
assert gc_tuning.refreeze() is True
assert gc.get_freeze_count() >= frozen + len(pods), "new long-lived data is frozen"
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["ok"], out.stderr
