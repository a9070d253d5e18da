"""An hour of metrics history for the demo's Prometheus, so its graphs are full from the first second.

The past is simulated with the live telemetry's own model (demo/telemetry.py, a separate ``Telemetry`` over
a view of the store): each Service's load on its slow wave, split over the pods it selects, CPU and memory
following the requests served, the same per-container baselines. Every pod that exists when the demo starts
is taken as Running and ready for the whole hour, on the node it is scheduled to (if it is yet).

``build_blocks`` renders the samples as OpenMetrics and turns them into TSDB blocks with
``promtool tsdb create-blocks-from openmetrics`` (in a thread, while the API server starts: ~1 s of CPU for
the default scenario); they are put in the data directory before Prometheus opens it. The live telemetry then
continues the request counters from where the history left them (no counter reset at the boundary); the
cAdvisor-style container counters start again, as they do for containers started then.
"""

from __future__ import annotations

import copy
import logging
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from .resources import PODS, SERVICES
from .scenario import BENCH_NAMESPACE
from .sim import SimConfig
from .telemetry import Telemetry, label_text

log = logging.getLogger(__name__)

HISTORY_SECONDS = 3600
STEP_SECONDS = 20  # one sample per series every 20 s: 180 points an hour, 3 in every rate(...[1m]) window
MAX_PODS = 500  # the scenario's pods, not a benchmark's thousands
SKIPPED_NAMESPACES = {BENCH_NAMESPACE}
FAMILIES = {  # what the graphs and the alert rules read, with their OpenMetrics types
    "http_requests_total": "counter",
    "container_cpu_usage_seconds_total": "counter",
    "container_memory_working_set_bytes": "gauge",
    "kube_pod_container_status_restarts_total": "gauge",
    "kube_pod_info": "gauge",
}


def find_promtool() -> str | None:
    return shutil.which("promtool")


def _as_running(pod: dict[str, Any]) -> dict[str, Any]:
    """``pod`` as if it had been Running and ready all along (same name, uid, labels, node, images)."""
    out = copy.deepcopy(pod)
    status = out.setdefault("status", {})
    old = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
    status["phase"] = "Running"
    status["conditions"] = [{"type": "Ready", "status": "True"}]
    status["containerStatuses"] = [
        {"name": c.get("name", ""), "image": c.get("image", ""), "ready": True,
         "restartCount": int((old.get(c.get("name")) or {}).get("restartCount") or 0),
         "state": {"running": {"startedAt": ""}}}
        for c in (out.get("spec") or {}).get("containers") or ()]
    return out


class PastStore:
    """A copy of what the history's telemetry reads (the pods there now, all Running and ready, and the
    Services), taken on the event loop so the history can be rendered in a thread. A pod not placed yet serves
    its share of the requests in the history, but has no CPU or memory history: those series carry the node,
    and one without it would be another series than the live one (read twice for 5 minutes)."""

    def __init__(self, store: Any) -> None:
        self.resource_version = 0
        pods = [p for p in store.iter_objects(PODS)
                if not p["metadata"].get("deletionTimestamp")
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
                and p["metadata"].get("namespace") not in SKIPPED_NAMESPACES]
        self.pods = [_as_running(p) for p in pods[:MAX_PODS]]
        self.services = copy.deepcopy(list(store.iter_objects(SERVICES)))

    def iter_objects(self, resource: Any):
        if resource is PODS:
            return iter(self.pods)
        return iter(self.services if resource is SERVICES else ())

    def list(self, resource: Any):
        return list(self.iter_objects(resource))

    def subscribe(self, listener: Any) -> None:
        """Nothing changes in the past."""


def render_history(past: PastStore, sim: SimConfig, end: float, seconds: int = HISTORY_SECONDS,
                   step: int = STEP_SECONDS, target: tuple[tuple[str, str], ...] = ()
                   ) -> tuple[str, dict[tuple[str, str, str, str], int]]:
    """(OpenMetrics text of ``seconds`` of history ending at ``end``, the request counters at its end).

    ``target``: the labels Prometheus adds to what it scrapes live (``job``, ``instance``). With them the live
    samples continue the history's series; without them each series would have a twin from the history for
    Prometheus' 5-minute lookback after the start (backfilled blocks carry no staleness marker), and every
    ``sum(...)`` of a gauge (memory, restarts) would read double in the first minutes."""
    model = Telemetry(past, sim)
    extra = ("," + label_text(target)) if target else ""
    static: list[str] = []  # series whose value does not change over the hour
    for pod in past.pods:
        meta = pod["metadata"]
        base = label_text((("namespace", meta.get("namespace", "")), ("pod", meta["name"]))) + extra
        info = label_text((("uid", meta.get("uid", "")), ("node", pod["spec"].get("nodeName", ""))))
        if pod["spec"].get("nodeName"):
            static.append(f"kube_pod_info{{{base},{info}}} 1")
        for cs in pod["status"]["containerStatuses"]:
            static.append(f'kube_pod_container_status_restarts_total{{{base},container="{cs["name"]}"}} '
                          f'{cs["restartCount"]}')
    lines: dict[str, list[str]] = {name: [] for name in FAMILIES}
    names = ("namespace", "app", "version", "code")
    start = int(end) - seconds
    model.tick(dt=0.0, now=float(start))  # usage baselines
    # Up to ``end`` itself: the live counters go on from there (a last sample ``step`` earlier left that many
    # seconds of requests uncounted, and every rate() dipped for a minute after the start).
    for t in range(start, int(end) + 1, step):
        model.tick(dt=float(step), now=float(t))
        for key, value in model.requests.items():
            lines["http_requests_total"].append(
                f"http_requests_total{{{label_text(zip(names, key, strict=True))}{extra}}} {value} {t}")
        for u in model.usage.values():
            if 'node=""' in u.labels:
                continue  # not placed when the history was written (see PastStore)
            lines["container_cpu_usage_seconds_total"].append(
                f"container_cpu_usage_seconds_total{{{u.labels}{extra}}} {u.cpu_seconds:.6f} {t}")
            lines["container_memory_working_set_bytes"].append(
                f"container_memory_working_set_bytes{{{u.labels}{extra}}} {int(u.memory_bytes)} {t}")
        for sample in static:
            family = sample.split("{", 1)[0]
            lines[family].append(f"{sample} {t}")
    out: list[str] = []
    for family, mtype in FAMILIES.items():
        out.append(f"# TYPE {family} {mtype}")
        out.extend(_group_by_series(lines[family]))
    out.append("# EOF")
    return "\n".join(out) + "\n", dict(model.requests)


def _group_by_series(samples: list[str]) -> list[str]:
    """OpenMetrics wants each series' samples together, in time order (appended in time order already)."""
    by_series: dict[str, list[str]] = {}
    for sample in samples:
        series = sample.rsplit(" ", 2)[0]
        by_series.setdefault(series, []).append(sample)
    return [s for group in by_series.values() for s in group]


def build_blocks(past: PastStore, sim: SimConfig, out_dir: Path, end: float | None = None,
                 promtool: str | None = None, target: tuple[tuple[str, str], ...] = ()
                 ) -> dict[tuple[str, str, str, str], int] | None:
    """Write an hour of history ending at ``end`` (default: now) as TSDB blocks into ``out_dir`` (run it in a
    thread: about a second of CPU). Returns the request counters at the end of the history, for the live
    telemetry to continue from; None (and no blocks) when promtool is missing or fails."""
    promtool = promtool or find_promtool()
    if promtool is None:
        log.info("no promtool on PATH: Prometheus starts without history")
        return None
    end = time.time() if end is None else end
    text, requests = render_history(past, sim, end, target=target)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir.parent / f"{out_dir.name}.om"
    source.write_text(text)
    try:
        proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(out_dir)],
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("promtool failed: %s; Prometheus starts without history", exc)
        return None
    finally:
        source.unlink(missing_ok=True)
    if proc.returncode != 0:
        log.warning("promtool failed: %s; Prometheus starts without history", (proc.stderr or proc.stdout)[-500:])
        shutil.rmtree(out_dir, ignore_errors=True)
        return None
    return requests
