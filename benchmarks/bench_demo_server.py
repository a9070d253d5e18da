"""Demo cluster speed: 10k-pod LIST time (one request and kubectl-style pages) and WATCH event rate.

Prints one JSON object of figures, with ratios against kubectl on the same server. Run:
    python benchmarks/bench_demo_server.py [--pods 10000]
Targets (issue 3): listing all pods < 1 s server side; watch streams >= 5k events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from k8stui.demo.launcher import DemoProcess  # noqa: E402


def _client(demo: DemoProcess) -> httpx.Client:
    config = yaml.safe_load(Path(demo.kubeconfig).read_text())
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "demo-admin")
    return httpx.Client(base_url=demo.url, verify=demo.ca_file, headers={"Authorization": f"Bearer {token}"},
                        timeout=httpx.Timeout(60.0))


def _best_of(n: int, fn) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure_lists(client: httpx.Client, expected: int) -> dict[str, float]:
    def one_request() -> None:
        r = client.get("/api/v1/pods")
        r.raise_for_status()
        assert len(r.json()["items"]) >= expected

    def paged(accept: str = "application/json") -> None:
        token, total = "", 0
        while True:
            params = {"limit": "500"} | ({"continue": token} if token else {})
            r = client.get("/api/v1/pods", params=params, headers={"Accept": accept})
            r.raise_for_status()
            body = r.json()
            total += len(body.get("items") or body.get("rows") or [])
            token = body["metadata"].get("continue", "")
            if not token:
                break
        assert total >= expected

    table_accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    return {
        "list_all_pods_one_request_s": round(_best_of(3, one_request), 3),
        "list_all_pods_paged_500_s": round(_best_of(3, paged), 3),
        "list_all_pods_paged_500_table_s": round(_best_of(3, lambda: paged(table_accept)), 3),
    }


def measure_kubectl(demo: DemoProcess) -> float | None:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return None
    env = dict(os.environ, KUBECONFIG=demo.kubeconfig)

    def run() -> None:
        subprocess.run([kubectl, "get", "pods", "-A", "--no-headers"], env=env, check=True,
                       stdout=subprocess.DEVNULL, timeout=120)

    return round(_best_of(3, run), 3)


def measure_watch(client: httpx.Client, events: int) -> float:
    rv = client.get("/api/v1/namespaces/bench/pods", params={"limit": "1"}).json()["metadata"]["resourceVersion"]
    received = 0
    with client.stream("GET", "/api/v1/namespaces/bench/pods",
                       params={"watch": "1", "resourceVersion": rv}, timeout=None) as stream:
        client.post("/_demo/churn", json={"count": events, "namespace": "bench"})
        t0 = time.perf_counter()
        for line in stream.iter_lines():
            if line:
                received += 1
                if received >= events:
                    break
        elapsed = time.perf_counter() - t0
    return round(events / elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    with DemoProcess(pods=args.pods, prometheus=False) as demo:
        startup = time.perf_counter() - t0
        with _client(demo) as client:
            figures: dict[str, object] = {"pods": args.pods, "demo_startup_s": round(startup, 2)}
            figures |= measure_lists(client, args.pods)
            kubectl_s = measure_kubectl(demo)
            figures["kubectl_get_pods_A_s"] = kubectl_s
            figures["watch_events_per_s"] = measure_watch(client, args.events)
    figures["targets"] = {"list_all_pods_one_request_s": "< 1.0", "watch_events_per_s": ">= 5000"}
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
