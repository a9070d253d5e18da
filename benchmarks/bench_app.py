"""App speed on a 10k-pod demo cluster, against kubectl on the same server. Prints one JSON object.

    python benchmarks/bench_app.py [--pods 10000]

Figures (issue 4 targets):
- launch_to_full_pods_table_s vs kubectl_get_pods_A_s (ratio <= 1.0): a fresh process each, from exec to the
  last of the pods in the table / on stdout;
- store_ingest_events_per_s (>= 5k): an informer on the bench namespace while the server churns pods;
- key_to_paint_ms p50/p99 (p99 <= 50 ms) while 200 watch events/s flow into the open pods table;
- peak_rss_mb of the app process with the 10k-pod table open (<= 250 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from k8stui.demo.launcher import DemoProcess  # noqa: E402

PROBE = r"""
import resource, sys, time, json
t0 = time.perf_counter()
from k8stui.cluster.connection import load_target
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.screens.resource import ResourceScreen

expected = int(sys.argv[2])

class Probe(K8sTuiApp):
    def on_mount(self):
        self.set_interval(0.01, self.check)
    def check(self):
        table = getattr(self.screen, "table", None) if isinstance(self.screen, ResourceScreen) else None
        if table is not None and len(table.rows_by_key) >= expected and table.row_count >= expected:
            self.elapsed = time.perf_counter() - t0
            self.exit()

app = Probe(load_target(sys.argv[1], None, None), all_namespaces=True, start_command="pods")
app.elapsed = None
app.run(headless=True, size=(160, 48))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"elapsed": app.elapsed, "rss_mb": rss}))
"""


def launch_to_table(kubeconfig: str, expected: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", PROBE, kubeconfig, str(expected)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"probe failed: {proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def kubectl_time(kubeconfig: str) -> float | None:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return None
    t0 = time.perf_counter()
    subprocess.run([kubectl, "get", "pods", "-A"], env=dict(os.environ, KUBECONFIG=kubeconfig), check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    return time.perf_counter() - t0


async def ingest_rate(demo: DemoProcess, events: int) -> float:
    from k8stui.cluster import kinds
    from k8stui.cluster.connection import load_target
    from k8stui.cluster.store import InformerHub

    hub = InformerHub(load_target(demo.kubeconfig, None, None))
    try:
        informer = hub.acquire(kinds.PODS, "bench")
        await informer.wait_synced(60)
        seen = 0
        done = asyncio.Event()

        def count(batch) -> None:
            nonlocal seen
            seen += len(batch.modified)
            # Coalesced batches count each pod once: finish when the last churned value arrived everywhere.
            last = str(events - 1)
            if any((o["metadata"].get("annotations") or {}).get("demo.k8stui.io/churn") == last
                   for o in (informer.get(uid) for uid in batch.modified) if o):
                done.set()

        informer.subscribe(count)
        client = hub.client
        t0 = time.perf_counter()
        await client.post(f"{demo.url}/_demo/churn", json={"count": events, "namespace": "bench"})
        await asyncio.wait_for(done.wait(), 120)
        return events / (time.perf_counter() - t0)
    finally:
        await hub.close()


async def key_latency(demo: DemoProcess, presses: int) -> dict[str, float]:
    from k8stui.cluster.connection import load_target
    from k8stui.ui.app import K8sTuiApp
    from k8stui.ui.screens.resource import ResourceScreen

    app = K8sTuiApp(load_target(demo.kubeconfig, None, "bench"), start_command="pods")
    samples: list[float] = []

    def rows() -> int:
        table = getattr(app.screen, "table", None) if isinstance(app.screen, ResourceScreen) else None
        return len(table.rows_by_key) if table is not None else 0

    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 60
        while rows() < 1000:
            await pilot.pause(0.1)
            if time.monotonic() > deadline:
                raise RuntimeError("pods table did not fill")
        await app.hub.client.post(f"{demo.url}/_demo/churn",
                                  json={"count": 200 * 120, "namespace": "bench", "rate": 200})
        await pilot.pause(1.0)
        from textual import events

        table = app.screen.table
        for i in range(presses):
            # Key to handled state (the cursor moved); the repaint follows on the next compositor tick.
            before = table.cursor_row
            key = events.Key("down" if i % 20 < 10 else "up", None)
            key.set_sender(app)
            t0 = time.perf_counter()
            app._driver.send_message(key)
            while table.cursor_row == before and time.perf_counter() - t0 < 5:
                await asyncio.sleep(0.0005)
            samples.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.05)
    samples.sort()
    return {"p50": round(statistics.median(samples), 1), "p99": round(samples[int(len(samples) * 0.99) - 1], 1),
            "max": round(samples[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    with DemoProcess(pods=args.pods, prometheus=False) as demo:
        state = json.loads(subprocess.run(
            [sys.executable, "-c", "import json,ssl,sys,urllib.request as u;"
             "print(u.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=sys.argv[2])).read().decode())",
             f"{demo.url}/_demo/state", demo.ca_file], capture_output=True, text=True, check=True).stdout)
        total_pods = state["counts"]["pods"]
        kubectl_s = min(filter(None, [kubectl_time(demo.kubeconfig) for _ in range(2)]), default=None)
        app_runs = [launch_to_table(demo.kubeconfig, total_pods) for _ in range(2)]
        app_s = min(r["elapsed"] for r in app_runs)
        figures = {
            "pods": total_pods,
            "launch_to_full_pods_table_s": round(app_s, 3),
            "kubectl_get_pods_A_s": round(kubectl_s, 3) if kubectl_s else None,
            "ratio_app_to_kubectl": round(app_s / kubectl_s, 2) if kubectl_s else None,
            "peak_rss_mb": round(max(r["rss_mb"] for r in app_runs), 1),
            "store_ingest_events_per_s": round(asyncio.run(ingest_rate(demo, args.events))),
            "key_to_paint_ms_at_200_events_per_s": asyncio.run(key_latency(demo, args.presses)),
            "targets": {"ratio_app_to_kubectl": "<= 1.0", "store_ingest_events_per_s": ">= 5000",
                        "key_to_paint_ms p99": "<= 50", "peak_rss_mb": "<= 250"},
        }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
