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
