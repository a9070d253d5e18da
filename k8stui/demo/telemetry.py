"""The demo cluster's telemetry: simulated traffic, container usage, and the metrics views built from them.

Every tick (about a second) the traffic generator sends each Service with a selector its load (``api`` 40-60
req/s on a slow wave, ``frontend`` ~20, ``notes`` ~5, others a few), split over the Service's *ready* pods,
and counts ``http_requests_total{namespace,app,version,code}`` by those pods' labels. Because the split follows
the Service selector, patching ``api`` to ``version=green`` moves the traffic (and the CPU it costs) to green.
Container CPU is a baseline plus a cost per request; memory a baseline plus a little per request.

From that state it renders the Prometheus exposition (cAdvisor and kube-state-metrics series, cached per tick
and per pod so 10k pods stay cheap) and the ``metrics.k8s.io/v1beta1`` PodMetrics / NodeMetrics objects that
``kubectl top`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from .exposition import Exposition, escape_value, format_value, label_text
from .resources import DEPLOYMENTS, NODES, PODS, SERVICES
from .selectors import match_labels
from .sim import SimConfig

Obj = dict[str, Any]

CODES = ("200", "201", "404", "500", "503")
# Share of each code in CODES: the default profile and a slightly worse one for version=green.
CODE_MIX = {
    "": (0.885, 0.06, 0.04, 0.01, 0.005),
    "green": (0.865, 0.06, 0.035, 0.028, 0.012),
}
SERVICE_LOAD = {"api": 50.0, "frontend": 20.0, "notes": 5.0, "api-preview": 2.0, "api-canary": 2.0, "kube-dns": 12.0}
CPU_PER_REQUEST = 0.003  # CPU seconds one request costs the serving container
MEM_PER_RPS = 400 * 1024  # working-set bytes per request/s being served
EMA_SECONDS = 10.0  # PodMetrics usage is averaged over about this long
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")

_QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$")
_SUFFIX = {"": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
           "E": 1e18, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "Pi": 1024**5, "Ei": 1024**6}


def parse_quantity(text: Any) -> float:
    """A Kubernetes resource quantity (``250m``, ``16Gi``, ``4``) as a plain number (cores, bytes, count)."""
    if isinstance(text, int | float):
        return float(text)
    m = _QUANTITY_RE.match(str(text).strip())
    if not m or m.group(2) not in _SUFFIX:
        raise ValueError(f"not a quantity: {text!r}")
    return float(m.group(1)) * _SUFFIX[m.group(2)]


def _h(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode())


def is_ready(pod: Obj) -> bool:
    """Ready condition True and not terminating: the pods a Service sends traffic to."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def app_of(labels: dict[str, str], fallback: str = "") -> str:
    return labels.get("app") or labels.get("app.kubernetes.io/name") or labels.get("k8s-app") or fallback


def version_of(labels: dict[str, str]) -> str:
    return labels.get("version") or labels.get("app.kubernetes.io/version") or ""


@dataclass
class ContainerUsage:
    """What one running container has used: a cAdvisor-style counter and gauges."""

    restart_count: int
    labels: str  # namespace/pod/container/node label text of its cAdvisor series
    base_cpu: float = 0.0  # idle cores
    base_memory: float = 0.0  # idle working set, bytes
    cpu_seconds: float = 0.0
    cpu_cores: float = 0.0  # averaged over about EMA_SECONDS, for PodMetrics
    memory_bytes: float = 0.0


@dataclass(eq=False)
class PodRecord:
    """What telemetry needs from one version of a pod, derived once (stored pods are never mutated)."""

    obj: Obj
    uid: str
    namespace: str
    labels: dict[str, str]
    ready: bool
    running: list[tuple[int, str, int, str]]  # (index, container, restartCount, image) of running containers
    _blocks: tuple[str, ...] | None = None

    @classmethod
    def of(cls, pod: Obj) -> PodRecord:
        meta = pod["metadata"]
        running = [(i, cs.get("name", ""), int(cs.get("restartCount") or 0), cs.get("image", ""))
                   for i, cs in enumerate((pod.get("status") or {}).get("containerStatuses") or ())
                   if (cs.get("state") or {}).get("running") is not None]
        return cls(pod, meta.get("uid", ""), meta.get("namespace", ""), meta.get("labels") or {}, is_ready(pod),
                   running)

    @property
    def blocks(self) -> tuple[str, ...]:
        """This pod's kube-state-metrics lines, one string per POD_FAMILIES entry."""
        if self._blocks is None:
            self._blocks = _pod_blocks(self.obj)
        return self._blocks


@dataclass
class _Render:
    key: tuple[int, int]
    body: bytes
    seconds: float


@dataclass
class TickStats:
    """What the last tick did (for logs and tests)."""

    pods: int = 0
    services: int = 0
    requests: int = 0
    seconds: float = 0.0
    per_service: dict[str, float] = field(default_factory=dict)


@dataclass
class _ServiceTargets:
    """A Service's ready pods, grouped by the (namespace, app, version) their requests are counted under."""

    namespace: str
    name: str
    uids: list[str]
    groups: dict[tuple[str, str, str], int]


class Telemetry:
    """Traffic generator + usage model + exposition / metrics.k8s.io views over the store."""

    def __init__(self, store: Any, sim: SimConfig | None = None, tick_seconds: float = 1.0) -> None:
        self.store = store
        self.sim = sim or SimConfig()
        self.tick_seconds = tick_seconds
        self.rng = random.Random(self.sim.seed)
        self.requests: dict[tuple[str, str, str, str], int] = {}
        self.pod_rps: dict[str, float] = {}  # pod uid -> requests/s served in the last tick
        self.usage: dict[tuple[str, str], ContainerUsage] = {}  # (pod uid, container)
        self.tick_no = 0
        self.last_tick_wall = time.time()
        self.stats = TickStats()
        self._last_mono: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._records: dict[str, PodRecord] = {}  # uid -> record of the pod version last seen
        self._targets: dict[str, list[_ServiceTargets]] = {}  # namespace -> its Services' targets
        self._dirty_ns: set[str] | None = None  # None: everything must be recomputed
        self._render: _Render | None = None
        store.subscribe(self._on_change)

    def _on_change(self, change: Any) -> None:
        """Store listener: only note which namespace's Service targets must be recomputed."""
        if change.rt is PODS or change.rt is SERVICES:
            if self._dirty_ns is not None:
                self._dirty_ns.add(change.obj["metadata"].get("namespace", ""))

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start ticking about once a second (call inside a running event loop)."""
        if self._task is None:
            self.tick(0.0)
            self._task = asyncio.get_running_loop().create_task(self._run(), name="demo-telemetry")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            self.tick()

    # -- the model --------------------------------------------------------------------------------------------
    def service_rps(self, namespace: str, name: str, now: float) -> float:
        """Requests per second a Service receives now (a slow wave with a little noise)."""
        base = SERVICE_LOAD.get(name)
        if base is None:
            base = 1.0 + _h(namespace, name) % 8
        phase = (_h(namespace, name) % 1000) / 1000 * 2 * math.pi
        wave = 1.0 + 0.16 * math.sin(2 * math.pi * now / 600.0 + phase)  # a compressed "day": 10 minutes
        return base * wave * (1.0 + self.rng.uniform(-0.04, 0.04))

    def _record(self, pod: Obj) -> PodRecord:
        uid = pod["metadata"].get("uid", "")
        rec = self._records.get(uid)
        if rec is None or rec.obj is not pod:
            rec = self._records[uid] = PodRecord.of(pod)
        return rec

    def _refresh_records(self) -> list[PodRecord]:
        records = [self._record(pod) for pod in self.store.iter_objects(PODS)]
        if len(records) != len(self._records):
            live = {r.uid for r in records}
            for uid in [u for u in self._records if u not in live]:
                del self._records[uid]
        return records

    def _refresh_targets(self, records: list[PodRecord]) -> None:
        dirty = self._dirty_ns
        if dirty is not None and not dirty:
            return
        by_ns: dict[str, list[PodRecord]] = {}
        for rec in records:
            if dirty is None or rec.namespace in dirty:
                by_ns.setdefault(rec.namespace, []).append(rec)
        fresh: dict[str, list[_ServiceTargets]] = {}
        for svc in self.store.iter_objects(SERVICES):
            ns = svc["metadata"].get("namespace", "")
            selector = (svc.get("spec") or {}).get("selector")
            if (dirty is not None and ns not in dirty) or not selector:
                continue
            name = svc["metadata"]["name"]
            uids: list[str] = []
            groups: dict[tuple[str, str, str], int] = {}
            for rec in by_ns.get(ns, ()):
                if rec.ready and match_labels(selector, rec.labels):
                    uids.append(rec.uid)
                    group = (ns, app_of(rec.labels, name), version_of(rec.labels))
                    groups[group] = groups.get(group, 0) + 1
            fresh.setdefault(ns, []).append(_ServiceTargets(ns, name, uids, groups))
        if dirty is None:
            self._targets = fresh
        else:
            for ns in dirty:
                if ns in fresh:
                    self._targets[ns] = fresh[ns]
                else:
                    self._targets.pop(ns, None)
        self._dirty_ns = set()

    def tick(self, dt: float | None = None, now: float | None = None) -> TickStats:
        """Advance the simulation by ``dt`` seconds (default: real time since the last tick)."""
        t0 = time.perf_counter()
        mono = time.monotonic()
        if dt is None:
            dt = 0.0 if self._last_mono is None else min(mono - self._last_mono, 5.0)
        self._last_mono = mono
        now = time.time() if now is None else now
        stats = TickStats()
        records = self._refresh_records()
        self._refresh_targets(records)
        stats.pods = len(records)
        rps: dict[str, float] = {}
        rnd = self.rng.random
        requests = self.requests
        for services in self._targets.values():
            for st in services:
                stats.services += 1
                if not st.uids:
                    continue
                load = self.service_rps(st.namespace, st.name, now)
                stats.per_service[f"{st.namespace}/{st.name}"] = load
                share = load / len(st.uids)
                for uid in st.uids:
                    rps[uid] = rps.get(uid, 0.0) + share
                if dt <= 0:
                    continue
                for group, n_pods in st.groups.items():
                    mix = CODE_MIX.get(group[2], CODE_MIX[""])
                    for code, p in zip(CODES, mix, strict=True):
                        n = int(share * n_pods * dt * p + rnd())  # stochastic rounding keeps the mean exact
                        key = (*group, code)
                        requests[key] = requests.get(key, 0) + n
                        stats.requests += n
        self.pod_rps = rps
        self._advance_usage(records, dt)
        self.tick_no += 1
        self.last_tick_wall = now
        stats.seconds = time.perf_counter() - t0
        self.stats = stats
        return stats

    def _advance_usage(self, records: list[PodRecord], dt: float) -> None:
        alpha = min(1.0, dt / EMA_SECONDS)
        usage = self.usage
        pod_rps = self.pod_rps
        seen = 0
        rnd = self.rng.random
        for rec in records:
            if not rec.running:
                continue
            load = pod_rps.get(rec.uid, 0.0)
            for idx, cname, restarts, image in rec.running:
                key = (rec.uid, cname)
                u = usage.get(key)
                fresh = u is None or u.restart_count != restarts
                if fresh:  # a new container instance: cAdvisor's counters start again
                    meta = rec.obj["metadata"]
                    labels = label_text((("namespace", rec.namespace), ("pod", meta["name"]), ("container", cname),
                                         ("node", (rec.obj.get("spec") or {}).get("nodeName") or "")))
                    u = usage[key] = ContainerUsage(restarts, labels, base_cpu=self._base_cpu(rec.uid, cname),
                                                    base_memory=self._base_memory(rec.uid, cname, image))
                seen += 1
                served = load if idx == 0 else 0.0
                cores = (u.base_cpu + served * CPU_PER_REQUEST) * (0.92 + 0.16 * rnd())
                target = u.base_memory + served * MEM_PER_RPS
                if fresh:
                    u.cpu_cores, u.memory_bytes = cores, target
                else:
                    u.cpu_cores += (cores - u.cpu_cores) * alpha
                    u.memory_bytes += (target - u.memory_bytes) * 0.2 + (rnd() - 0.5) * 0.02 * target
                u.cpu_seconds += cores * dt
        if seen != len(usage):
            live = {(rec.uid, c[1]) for rec in records for c in rec.running}
            for key in [k for k in usage if k not in live]:
                del usage[key]

    @staticmethod
    def _base_cpu(uid: str, container: str) -> float:
        return 0.001 + (_h(uid, container) % 60) / 10000  # 1-7 millicores idle

    @staticmethod
    def _base_memory(uid: str, container: str, image: str) -> float:
        mib = {"api": 72, "frontend": 48, "coredns": 18, "kube-state-metrics": 32, "checkout": 24,
               "notes": 36}.get(image.rsplit("/", 1)[-1].split(":")[0], 20)
        return (mib + _h(uid, container, "mem") % 16) * 1024 * 1024

    # -- Prometheus exposition ---------------------------------------------------------------------------
    def render_metrics(self) -> bytes:
        """The ``/metrics`` body (text format 0.0.4). Cached until the next tick or store change."""
        key = (self.tick_no, int(getattr(self.store, "resource_version", 0)))
        if self._render is not None and self._render.key == key:
            return self._render.body
        t0 = time.perf_counter()
        body = self._build_exposition()
        self._render = _Render(key, body, time.perf_counter() - t0)
        return body

    @property
    def last_render_seconds(self) -> float:
        return self._render.seconds if self._render else 0.0

    def _build_exposition(self) -> bytes:
        out = Exposition()
        names = ("namespace", "app", "version", "code")
        out.family("http_requests_total", "counter", "HTTP requests served, by the serving pods' app and version.",
                   [f"http_requests_total{{{label_text(zip(names, k, strict=True))}}} {v}\n"
                    for k, v in sorted(self.requests.items())])

        records = self._refresh_records()
        usage = self.usage
        cpu_lines: list[str] = []
        mem_lines: list[str] = []
        for rec in records:
            for _, cname, _, _ in rec.running:
                u = usage.get((rec.uid, cname))
                if u is not None:
                    cpu_lines.append(f"container_cpu_usage_seconds_total{{{u.labels}}} {u.cpu_seconds:.6f}\n")
                    mem_lines.append(f"container_memory_working_set_bytes{{{u.labels}}} {int(u.memory_bytes)}\n")
        out.family("container_cpu_usage_seconds_total", "counter",
                   "Cumulative cpu time consumed by the container in core-seconds.", cpu_lines)
        out.family("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes.",
                   mem_lines)
        blocks = [rec.blocks for rec in records]
        for i, (name, mtype, help_text) in enumerate(POD_FAMILIES):
            out.family(name, mtype, help_text, [b[i] for b in blocks])

        deployments = self.store.list(DEPLOYMENTS)
        for name, help_text, getter in DEPLOYMENT_FAMILIES:
            out.family(name, "gauge", help_text, [
                f'{name}{{namespace="{d["metadata"].get("namespace", "")}",deployment="{d["metadata"]["name"]}"}} '
                f"{int(getter(d) or 0)}\n" for d in deployments])

        nodes = self.store.list(NODES)
        out.family("kube_node_info", "gauge", "Information about a cluster node.",
                   [f"kube_node_info{{{label_text(_node_info_labels(n))}}} 1\n" for n in nodes])
        for family, field_name, help_text in (
                ("kube_node_status_capacity", "capacity", "The capacity for different resources of a node."),
                ("kube_node_status_allocatable", "allocatable",
                 "The allocatable for different resources of a node that are available for scheduling.")):
            lines = []
            for n in nodes:
                values = (n.get("status") or {}).get(field_name) or {}
                for resource, unit in (("cpu", "core"), ("memory", "byte"), ("pods", "integer"),
                                       ("ephemeral-storage", "byte")):
                    if resource in values:
                        with contextlib.suppress(ValueError):
                            v = parse_quantity(values[resource])
                            lines.append(f'{family}{{node="{n["metadata"]["name"]}",resource="{resource}",'
                                         f'unit="{unit}"}} {format_value(v)}\n')
            out.family(family, "gauge", help_text, lines)
        out.family("kube_node_status_condition", "gauge", "The condition of a cluster node.", [
            f'kube_node_status_condition{{node="{n["metadata"]["name"]}",condition="{c.get("type", "")}",'
            f'status="{s.lower()}"}} {1 if c.get("status") == s else 0}\n'
            for n in nodes for c in (n.get("status") or {}).get("conditions") or ()
            for s in ("True", "False", "Unknown")])
        return out.render()

    # -- metrics.k8s.io -----------------------------------------------------------------------------------
    def _timestamps(self) -> tuple[str, str]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.last_tick_wall))
        return stamp, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def _container_usage(self, pod: Obj, cs: Obj) -> tuple[float, float]:
        """(cores, bytes) of a running container, estimated from its baseline before its first tick."""
        uid = pod["metadata"].get("uid", "")
        u = self.usage.get((uid, cs.get("name", "")))
        if u is not None:
            return u.cpu_cores, u.memory_bytes
        return self._base_cpu(uid, cs.get("name", "")), self._base_memory(uid, cs.get("name", ""), cs.get("image", ""))

    def pod_metrics(self, namespace: str | None = None, name: str | None = None) -> list[Obj]:
        """``PodMetrics`` objects of pods with running containers, as metrics-server serves them."""
        if name is not None:
            one = self.store.get(PODS, namespace, name)
            pods = [one] if one is not None else []
        else:
            pods = self.store.list(PODS, namespace)
        stamp, created = self._timestamps()
        items = []
        for pod in pods:
            containers = []
            for cs in (pod.get("status") or {}).get("containerStatuses") or ():
                if (cs.get("state") or {}).get("running") is None:
                    continue
                cores, mem = self._container_usage(pod, cs)
                containers.append({"name": cs.get("name", ""),
                                   "usage": {"cpu": f"{int(cores * 1e9)}n", "memory": f"{int(mem) // 1024}Ki"}})
            if not containers:
                continue
            meta = pod["metadata"]
            items.append({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                          "metadata": {"name": meta["name"], "namespace": meta.get("namespace", ""),
                                       "creationTimestamp": created, "labels": dict(meta.get("labels") or {})},
                          "timestamp": stamp, "window": f"{int(EMA_SECONDS)}s", "containers": containers})
        return items

    def node_metrics(self, name: str | None = None) -> list[Obj]:
        """``NodeMetrics``: the node's pods' usage plus the node's own system overhead."""
        nodes = ([n for n in [self.store.get(NODES, None, name)] if n is not None] if name is not None
                 else self.store.list(NODES))
        if not nodes:
            return []
        wanted = {n["metadata"]["name"] for n in nodes}
        cpu = dict.fromkeys(wanted, 0.0)
        mem = dict.fromkeys(wanted, 0.0)
        for pod in self.store.iter_objects(PODS):
            node = (pod.get("spec") or {}).get("nodeName")
            if node not in wanted:
                continue
            for cs in (pod.get("status") or {}).get("containerStatuses") or ():
                if (cs.get("state") or {}).get("running") is not None:
                    c, m = self._container_usage(pod, cs)
                    cpu[node] += c
                    mem[node] += m
        stamp, created = self._timestamps()
        items = []
        for n in nodes:
            nname = n["metadata"]["name"]
            labels = dict(n["metadata"].get("labels") or {})
            if labels.get("type") != "virtual-kubelet":  # kubelet, runtime and system daemons
                cpu[nname] += 0.12 + (_h(nname) % 80) / 1000
                mem[nname] += (700 + _h(nname, "mem") % 400) * 1024 * 1024
            items.append({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                          "metadata": {"name": nname, "creationTimestamp": created, "labels": labels},
                          "timestamp": stamp, "window": f"{int(EMA_SECONDS)}s",
                          "usage": {"cpu": f"{int(cpu[nname] * 1e9)}n", "memory": f"{int(mem[nname]) // 1024}Ki"}})
        return items


# -- kube-state-metrics projections ---------------------------------------------------------------------------
POD_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("kube_pod_info", "gauge", "Information about pod."),
    ("kube_pod_status_phase", "gauge", "The pods current phase."),
    ("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded."),
    ("kube_pod_container_status_restarts_total", "counter", "The number of container restarts per container."),
    ("kube_pod_container_status_waiting_reason", "gauge",
     "Describes the reason the container is currently in waiting state."),
    ("kube_pod_container_status_last_terminated_reason", "gauge",
     "Describes the last reason the container was in terminated state."),
)


def _owner(meta: Obj) -> tuple[str, str]:
    for ref in meta.get("ownerReferences") or ():
        if ref.get("controller", True):
            return ref.get("kind", "<none>"), ref.get("name", "<none>")
    return "<none>", "<none>"


def _pod_blocks(pod: Obj) -> tuple[str, ...]:
    """One string per POD_FAMILIES entry with this pod's sample lines (only kube_pod_info carries the uid,
    to keep a 10k-pod scrape small)."""
    meta = pod["metadata"]
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    base = label_text((("namespace", meta.get("namespace", "")), ("pod", meta["name"])))
    kind, owner = _owner(meta)
    info = label_text((("uid", meta.get("uid", "")), ("host_ip", status.get("hostIP", "")),
                       ("pod_ip", status.get("podIP", "")), ("node", spec.get("nodeName", "")),
                       ("created_by_kind", kind), ("created_by_name", owner),
                       ("priority_class", spec.get("priorityClassName", ""))))
    phase = status.get("phase", "Pending")
    phase_lines = "".join(f'kube_pod_status_phase{{{base},phase="{p}"}} {1 if p == phase else 0}\n' for p in PHASES)
    c_ready, c_restarts, c_waiting, c_last = [], [], [], []
    for cs in status.get("containerStatuses") or ():
        cl = f'{base},container="{escape_value(cs.get("name", ""))}"'
        state = cs.get("state") or {}
        c_ready.append(f"kube_pod_container_status_ready{{{cl}}} {1 if cs.get('ready') else 0}\n")
        c_restarts.append(f"kube_pod_container_status_restarts_total{{{cl}}} {int(cs.get('restartCount') or 0)}\n")
        waiting = state.get("waiting")
        if waiting is not None:
            reason = waiting.get("reason") or "ContainerCreating"
            c_waiting.append(f'kube_pod_container_status_waiting_reason{{{cl},reason="{escape_value(reason)}"}} 1\n')
        last = (cs.get("lastState") or {}).get("terminated")
        if last:
            c_last.append(f'kube_pod_container_status_last_terminated_reason{{{cl},'
                          f'reason="{escape_value(last.get("reason") or "Error")}"}} 1\n')
    return (f"kube_pod_info{{{base},{info}}} 1\n", phase_lines, "".join(c_ready), "".join(c_restarts),
            "".join(c_waiting), "".join(c_last))


DEPLOYMENT_FAMILIES = (
    ("kube_deployment_spec_replicas", "Number of desired pods for a deployment.",
     lambda d: (d.get("spec") or {}).get("replicas", 1)),
    ("kube_deployment_status_replicas", "The number of replicas per deployment.",
     lambda d: (d.get("status") or {}).get("replicas")),
    ("kube_deployment_status_replicas_available", "The number of available replicas per deployment.",
     lambda d: (d.get("status") or {}).get("availableReplicas")),
    ("kube_deployment_status_replicas_ready", "The number of ready replicas per deployment.",
     lambda d: (d.get("status") or {}).get("readyReplicas")),
    ("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment.",
     lambda d: (d.get("status") or {}).get("updatedReplicas")),
    ("kube_deployment_status_replicas_unavailable", "The number of unavailable replicas per deployment.",
     lambda d: (d.get("status") or {}).get("unavailableReplicas")),
)


def _node_info_labels(node: Obj) -> list[tuple[str, str]]:
    info = (node.get("status") or {}).get("nodeInfo") or {}
    addresses = {a.get("type"): a.get("address", "") for a in (node.get("status") or {}).get("addresses") or ()}
    return [("node", node["metadata"]["name"]), ("kernel_version", info.get("kernelVersion", "")),
            ("os_image", info.get("osImage", "")),
            ("container_runtime_version", info.get("containerRuntimeVersion", "")),
            ("kubelet_version", info.get("kubeletVersion", "")), ("internal_ip", addresses.get("InternalIP", "")),
            ("provider_id", (node.get("spec") or {}).get("providerID", ""))]
