"""What ``ui.gc_tuning.refreeze`` costs under churn: its collecting pauses and the garbage it freezes alive.

    python3 benchmarks/bench_gc.py --pods 50000 --seconds 60
    python3 benchmarks/bench_gc.py --pods 50000 --collect-at 20000 --freeze-at 10000 --every 1.0   # another setting

Starts a demo with ``--pods``, opens the pods table of all namespaces in Pilot (160x48, headless), lets the demo
update pods at 500 events/s for ``--seconds`` while a cursor key is pressed every 0.5 s, and prints the thread CPU
of every collecting refreeze (median, p90, max, total) and the frozen garbage at the end: everything is unfrozen
and collected with ``gc.DEBUG_SAVEALL``, so what it finds is what the freezes kept alive that has died since.
Why: the refreeze thresholds trade the pause a key may wait for (smaller, more often) against that garbage
(each freeze keeps the painted lines on screen at that moment). Thread CPU, not wall time: comparable on a
shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "ui")]

import httpx  # noqa: E402
import yaml  # noqa: E402

from k8stui.demo.launcher import DemoProcess  # noqa: E402
from k8stui.ui import gc_tuning  # noqa: E402

PAUSES_MS: list[float] = []


def timed_refreeze(refreeze=gc_tuning.refreeze):  # type: ignore[no-untyped-def]
    start = time.thread_time()
    collected = refreeze()
    if collected:
        PAUSES_MS.append((time.thread_time() - start) * 1000)
    return collected


def rss_mb() -> int:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) // 1024


async def measure(demo: DemoProcess, args: argparse.Namespace) -> None:
    from helpers import make_app  # tests/ui/helpers.py: the app on the demo's kubeconfig

    config = yaml.safe_load(Path(demo.kubeconfig).read_text())
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "demo-admin")
    admin = httpx.Client(base_url=demo.url, verify=demo.ca_file, timeout=120,
                         headers={"Authorization": f"Bearer {token}"})
    app = make_app(demo, start_command="pods", all_namespaces=True)
    async with app.run_test(size=(160, 48)) as pilot:
        start = time.monotonic()
        while True:
            await pilot.pause(0.2)
            view = app.screen.query("#resources").first() if app.screen.query("#resources") else None
            if view is not None and view.model.total >= args.pods:
                break
            if time.monotonic() - start > 180:
                raise SystemExit("the table did not fill within 180 s")
        await pilot.pause(3)
        PAUSES_MS.clear()
        admin.post("/_demo/churn", json={"count": int(500 * (args.seconds + 30)), "namespace": "bench",
                                         "rate": 500}).raise_for_status()
        frozen_before, rss_before, start, presses = gc.get_freeze_count(), rss_mb(), time.monotonic(), 0
        while time.monotonic() - start < args.seconds:
            await pilot.pause(0.5)
            presses += 1
            await pilot.press("down" if (presses // 10) % 2 == 0 else "up")
        frozen_after, rss_after = gc.get_freeze_count(), rss_mb()
        gc.unfreeze()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        gc.set_debug(0)
        garbage_mb = sum(sys.getsizeof(o) for o in gc.garbage) / 1e6
        kinds = collections.Counter(type(o).__qualname__ for o in gc.garbage).most_common(6)
        count = len(gc.garbage)
        gc.garbage.clear()
        ordered = sorted(PAUSES_MS) or [0.0]
        print(f"refreeze: collect at {gc_tuning.COLLECT_AT_OBJECTS}, freeze at {gc_tuning.FREEZE_AT_OBJECTS}, "
              f"every {gc_tuning.REFREEZE_SECONDS} s; {args.pods} pods, {args.seconds:.0f} s at 500 events/s")
        print(f"collecting pauses (thread CPU ms): n={len(PAUSES_MS)} median={statistics.median(ordered):.1f} "
              f"p90={ordered[int(0.9 * len(ordered))]:.1f} max={ordered[-1]:.1f} total={sum(ordered):.0f}")
        print(f"frozen objects {frozen_before} -> {frozen_after}; RSS {rss_before} -> {rss_after} MB")
        print(f"frozen garbage: {count} objects, {garbage_mb:.2f} MB ({kinds})")
        await pilot.press("q")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--collect-at", type=int, default=gc_tuning.COLLECT_AT_OBJECTS)
    parser.add_argument("--freeze-at", type=int, default=gc_tuning.FREEZE_AT_OBJECTS)
    parser.add_argument("--every", type=float, default=gc_tuning.REFREEZE_SECONDS)
    args = parser.parse_args()
    gc_tuning.COLLECT_AT_OBJECTS, gc_tuning.FREEZE_AT_OBJECTS = args.collect_at, args.freeze_at
    gc_tuning.REFREEZE_SECONDS = args.every
    gc_tuning.refreeze = timed_refreeze
    import k8stui.ui.app as app_module  # it imported refreeze and the period by name
    app_module.refreeze, app_module.REFREEZE_SECONDS = timed_refreeze, args.every
    with DemoProcess(pods=args.pods, prometheus=False) as demo:
        asyncio.run(measure(demo, args))


if __name__ == "__main__":
    main()
