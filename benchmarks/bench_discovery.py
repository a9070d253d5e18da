"""First paint with and without 300 CRDs on the demo cluster (issue 14 item 6). Prints one JSON object.

    python benchmarks/bench_discovery.py [--crds 300] [--runs 7]

What the user waits for, measured as they see it: each run starts ``k8stui`` in a fresh tmux session (a real
terminal, 120x40) and polls the pane until

- ``paint_s``: the dashboard's frame is on the screen (the "Workloads" pane), and
- ``data_s``: the namespace's workloads and the first deployment's pods are listed (``legacy-report`` and an
  ``api-blue-`` pod),

counted from the moment the process is started. Each figure is the median of ``--runs`` runs with min and max
(the spread), never the best run. Two cache states: ``cold`` (a new XDG home each run: no discovery cache)
and ``warm`` (the cache the previous run left). Then the same with ``--crds`` CustomResourceDefinitions
installed through the API (spread over groups of five kinds, two versions each, a printer column and a
schema of realistic size), after discovery serves all of them. For comparison, ``kubectl get deploy -n shop``
with an empty and a warm discovery cache (``--cache-dir``) on the same server.

The benchmark starts its own demo cluster and tmux sessions and stops them all. Run it on a quiet machine:
figures from a loaded one are meaningless.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from k8stui.demo.launcher import DemoProcess  # noqa: E402

PAINT_MARKER = "Workloads"
DATA_MARKERS = ("legacy-report", "api-blue-")
SIZE = (120, 40)
RUN_TIMEOUT = 60.0
POLL = 0.01


def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True,
                          check=False).stdout


def first_paint(kubeconfig: str, home: str, fill_cache: bool = False) -> dict[str, float]:
    """One run: seconds from process start to the painted frame and to the first data, in tmux. With
    ``fill_cache`` the app runs on until its background discovery has written the cache."""
    session = f"bench-disc-{uuid.uuid4().hex[:8]}"
    # A running tmux server starts the session with its own environment: the variables go on the command.
    settings = {"K8STUI_HOME": home, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    command = " ".join(["exec", "env", "-u", "KUBECONFIG", *(shlex.quote(f"{k}={v}") for k, v in settings.items()),
                        shlex.quote(sys.executable), "-m", "k8stui", "--kubeconfig", shlex.quote(kubeconfig),
                        "--context", "demo", "-n", "shop"])
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]), command],
                   check=True)
    paint = data = None
    try:
        while time.perf_counter() - t0 < RUN_TIMEOUT:
            screen = _pane(session)
            now = time.perf_counter() - t0
            if paint is None and PAINT_MARKER in screen:
                paint = now
            if paint is not None and all(m in screen for m in DATA_MARKERS):
                data = now
                break
            time.sleep(POLL)
        while fill_cache and not list(Path(home).glob("cache/k8stui/discovery/*.json")) and \
                time.perf_counter() - t0 < RUN_TIMEOUT:
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
    if paint is None or data is None:
        raise RuntimeError(f"the app did not paint within {RUN_TIMEOUT}s (paint={paint}, data={data})")
    return {"paint_s": paint, "data_s": data}


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "runs": len(values)}


def measure(kubeconfig: str, runs: int, scratch: str) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    cold = [first_paint(kubeconfig, tempfile.mkdtemp(dir=scratch)) for _ in range(runs)]
    warm_home = tempfile.mkdtemp(dir=scratch)
    first_paint(kubeconfig, warm_home, fill_cache=True)
    if not list(Path(warm_home).glob("cache/k8stui/discovery/*.json")):
        raise RuntimeError("the app wrote no discovery cache")
    warm = [first_paint(kubeconfig, warm_home) for _ in range(runs)]
    for label, samples in (("cold_cache", cold), ("warm_cache", warm)):
        out[label] = {key: summary([s[key] for s in samples]) for key in ("paint_s", "data_s")}
    return out


def kubectl_times(kubeconfig: str, runs: int, scratch: str) -> dict[str, dict[str, float]] | None:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return None
    env = dict(os.environ, KUBECONFIG=kubeconfig)

    def once(cache_dir: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([kubectl, "--context", "demo", "--cache-dir", cache_dir, "get", "deploy", "-n", "shop"],
                       env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
        return time.perf_counter() - t0

    cold = [once(tempfile.mkdtemp(dir=scratch)) for _ in range(runs)]
    warm_dir = tempfile.mkdtemp(dir=scratch)
    once(warm_dir)
    warm = [once(warm_dir) for _ in range(runs)]
    return {"cold_cache_s": summary(cold), "warm_cache_s": summary(warm)}


def crd_manifest(i: int) -> dict:
    """A CRD of realistic shape: two served versions, a status subresource, printer columns, a schema."""
    group = f"g{i // 5:03d}.bench.k8stui.io"
    kind = f"Widget{i:03d}"
    plural = kind.lower() + "s"
    props = {f"field{j}": {"type": "string", "description": "a setting of the widget " * 4} for j in range(40)}
    schema = {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": props},
        "status": {"type": "object", "properties": {"phase": {"type": "string"}, "ready": {"type": "integer"}}}}}}
    columns = [{"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
               {"name": "Ready", "type": "integer", "jsonPath": ".status.ready"},
               {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    versions = [{"name": v, "served": True, "storage": v == "v1", "schema": schema,
                 "subresources": {"status": {}}, "additionalPrinterColumns": columns} for v in ("v1", "v1beta1")]
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}"},
            "spec": {"group": group, "scope": "Namespaced", "versions": versions,
                     "names": {"plural": plural, "singular": kind.lower(), "kind": kind,
                               "shortNames": [f"w{i:03d}"], "categories": ["bench"]}}}


async def install_crds(kubeconfig: str, count: int) -> float:
    """Create ``count`` CRDs through the API (16 at a time); returns the seconds until discovery serves all."""
    from k8stui.cluster.connection import load_target
    from k8stui.cluster.discovery import Discovery

    connection = load_target(kubeconfig, "demo", None)
    limit = asyncio.Semaphore(16)
    async with connection.async_client() as client:
        async def create(i: int) -> None:
            async with limit:
                resp = await client.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                                         json=crd_manifest(i), timeout=60)
                if resp.status_code not in (201, 409):
                    raise RuntimeError(f"creating CRD {i}: HTTP {resp.status_code} {resp.text[:300]}")

        t0 = time.perf_counter()
        await asyncio.gather(*(create(i) for i in range(count)))
    discovery = Discovery(connection, use_cache=False, watch_crds=False)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            await discovery.refresh(full=True)
            served = [k for k in discovery.registry if k.group.endswith(".bench.k8stui.io")]
            if len(served) >= count:
                return time.perf_counter() - t0
            await asyncio.sleep(0.5)
        raise RuntimeError(f"discovery serves only {len(served)} of {count} CRDs after 120 s")
    finally:
        await discovery.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not shutil.which("tmux"):
        print("tmux is needed to measure what a terminal shows", file=sys.stderr)
        return 2
    figures: dict[str, object] = {"crds": args.crds, "runs": args.runs, "terminal": f"tmux {SIZE[0]}x{SIZE[1]}"}
    with DemoProcess(prometheus=False) as demo, tempfile.TemporaryDirectory(prefix="bench-disc-") as scratch:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(5)"], check=True)  # scenario settles
        figures["without_crds"] = {"app": measure(demo.kubeconfig, args.runs, scratch),
                                   "kubectl_get_deploy": kubectl_times(demo.kubeconfig, args.runs, scratch)}
        if args.crds:
            figures["crds_served_after_s"] = round(asyncio.run(install_crds(demo.kubeconfig, args.crds)), 2)
            figures["with_crds"] = {"app": measure(demo.kubeconfig, args.runs, scratch),
                                    "kubectl_get_deploy": kubectl_times(demo.kubeconfig, args.runs, scratch)}
    if args.crds:
        without, with_ = figures["without_crds"]["app"], figures["with_crds"]["app"]  # type: ignore[index]
        figures["ratio_with_to_without"] = {
            cache: {key: round(with_[cache][key]["median"] / without[cache][key]["median"], 2)
                    for key in ("paint_s", "data_s")} for cache in ("cold_cache", "warm_cache")}
    figures["target"] = "first paint unchanged (within noise) with the CRDs installed"
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
