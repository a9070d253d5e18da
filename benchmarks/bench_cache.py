"""What the informer cache costs per pod, counted with tracemalloc (not timed: a loaded machine does not change it).

    python3 benchmarks/bench_cache.py --pods 10000        # ~1 min on 2 cores

Starts a demo cluster with ``--pods`` extra pods (no Prometheus), then for each mode LISTs every pod through a
real ``Informer`` (pages of 500, as the app does) and reports the bytes Python still holds for it once the list
is complete and garbage is collected, divided by the number of pods:

- ``lean``: the informer as the app runs it (``cluster.lean``: managedFields and last-applied dropped, equal
  parts shared, short strings interned);
- ``full``: the whole objects, only managedFields dropped (the cache before ``cluster.lean``).

Also printed: the JSON size of an average pod as served, the peak traced memory during the list (the pages in
flight count too) and the shared-values table's size. Prints one JSON object; every process started here is
stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from k8stui.cluster import kinds  # noqa: E402
from k8stui.cluster.connection import load_target  # noqa: E402
from k8stui.cluster.lean import drop_unread  # noqa: E402
from k8stui.cluster.store import Informer  # noqa: E402
from k8stui.demo.launcher import DemoProcess  # noqa: E402


class FullInformer(Informer):
    """The cache before ``cluster.lean``: whole objects, only managedFields dropped."""

    def _slim(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj.get("metadata") or {}
        meta.pop("managedFields", None)
        return obj


async def measure(kubeconfig: str, factory: type[Informer]) -> dict[str, Any]:
    connection = load_target(kubeconfig)
    client = connection.async_client()
    try:
        await client.get("/version")  # the TLS connection is made before counting
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        informer = factory(kinds.PODS, None, client)
        informer.start()
        if not await informer.wait_synced(timeout=600):
            raise SystemExit("the pods were not listed within 10 minutes")
        wall = time.perf_counter() - started
        await informer.stop()
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        pods = len(informer)
        per_pod = (held - before) / pods
        result = {"pods": pods, "bytes_per_pod": round(per_pod), "kb_per_pod": round(per_pod / 1024, 2),
                  "cache_mb": round((held - before) / 2**20, 1), "peak_traced_mb": round((peak - before) / 2**20, 1),
                  "list_s_under_tracemalloc": round(wall, 2), "shared_values": len(informer.shared)}
        del informer
        return result
    finally:
        await client.aclose()


async def json_size(kubeconfig: str) -> int:
    connection = load_target(kubeconfig)
    client = connection.async_client()
    try:
        resp = await client.get("/api/v1/pods", params={"limit": "500"})
        items = resp.json().get("items") or []
        return round(sum(len(json.dumps(drop_unread(o), separators=(",", ":"))) for o in items) / max(1, len(items)))
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pods", type=int, default=10000, help="extra demo pods (default 10000)")
    parser.add_argument("--modes", default="lean,full", help="which caches to measure, in order (lean,full)")
    args = parser.parse_args()
    modes = {"lean": Informer, "full": FullInformer}
    out: dict[str, Any] = {"pods_requested": args.pods}
    with DemoProcess(pods=args.pods, prometheus=False) as demo:
        out["pod_json_bytes"] = asyncio.run(json_size(demo.kubeconfig))
        for mode in args.modes.split(","):
            out[mode] = asyncio.run(measure(demo.kubeconfig, modes[mode]))
            gc.collect()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
