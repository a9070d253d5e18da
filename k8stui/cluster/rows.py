"""Projections from raw API JSON to small frozen rows holding exactly what the panes show.

One function per kind (``pod_row``, ``deployment_row`` ...) and ``project(kind, raw)`` to dispatch. Rows
keep timestamps (epoch seconds) rather than age strings, so a pane formats ages at paint time with
``format_age(now - row.created)`` (or ``row.age()``) and a row never goes stale by itself. Secret values are
never copied into a row: ``SecretRow`` carries only the number of keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import kinds
from .hpa import HpaMetric, hpa_metrics, targets_text
from .kinds import ResourceKind
from .podstatus import pod_status
from .quantity import format_age, parse_cpu, parse_memory, parse_time

Labels = tuple[tuple[str, str], ...]
VIRTUAL_NODE_LABEL = ("type", "virtual-kubelet")
VERSION_LABELS = ("version", "app.kubernetes.io/version")


def _age(created: float | None, now: float | None) -> str:
    if created is None:
        return "<unknown>"
    return format_age((now if now is not None else time.time()) - created)


class _Aged:
    """Rows with a ``created`` time: ``age()`` is how long ago, as kubectl prints AGE."""

    __slots__ = ()
    created: float | None

    def age(self, now: float | None = None) -> str:
        return _age(self.created, now)


def _labels(meta: Mapping[str, Any]) -> Labels:
    return tuple(sorted((meta.get("labels") or {}).items()))


def _owner(meta: Mapping[str, Any]) -> tuple[str, str]:
    refs = meta.get("ownerReferences") or ()
    for ref in refs:
        if ref.get("controller"):
            return ref.get("kind", ""), ref.get("name", "")
    if refs:
        return refs[0].get("kind", ""), refs[0].get("name", "")
    return "", ""


def _uid(meta: Mapping[str, Any]) -> str:
    return meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _version_label(labels: Mapping[str, str]) -> str:
    for key in VERSION_LABELS:
        if labels.get(key):
            return labels[key]
    return ""


def label_selector_text(selector: Mapping[str, Any] | None) -> str:
    """A LabelSelector in the query syntax (``app=api,version in (blue,green),!canary``); "" for none."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        op = expr.get("operator", "")
        key = expr.get("key", "")
        values = ",".join(expr.get("values") or ())
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _selector_text(selector: Mapping[str, Any] | None) -> str:
    """A LabelSelector as kubectl prints it: ``app=api,version=blue``, ``<none>`` when empty."""
    return label_selector_text(selector) or "<none>"


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether a LabelSelector (``{"matchLabels":..., "matchExpressions":...}``) selects ``labels``.
    An empty or missing selector selects nothing (as for Deployments and Services without one)."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or ():
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or ()
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def labels_match(match_labels: Mapping[str, str] | Labels, labels: Mapping[str, str] | Labels) -> bool:
    """Equality-based selection (a Service's ``spec.selector``): every pair of ``match_labels`` is in
    ``labels``; an empty selector selects nothing."""
    want = dict(match_labels)
    have = dict(labels)
    return bool(want) and all(have.get(k) == v for k, v in want.items())


# -- pods ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PodRow(_Aged):
    uid: str
    namespace: str
    name: str
    ready: str                  # "1/2"
    ready_count: int
    container_count: int
    status: str                 # as kubectl prints it: Running, CrashLoopBackOff, Init:0/1, Terminating ...
    phase: str                  # status.phase (Pending, Running, Succeeded, Failed, Unknown)
    restarts: int
    last_restart: float | None  # epoch seconds of the newest container termination, when restarts > 0
    created: float | None
    node: str
    ip: str
    owner_kind: str
    owner_name: str
    labels: Labels
    cpu_request: int            # millicores (effective pod request)
    mem_request: int            # bytes
    cpu_limit: int
    mem_limit: int
    images: tuple[str, ...]
    containers: tuple[str, ...]
    is_virtual_node: bool = False  # the UI resolves it from the nodes informer
    deleting: bool = False
    qos: str = ""

    @property
    def restarts_text(self) -> str:
        """kubectl's RESTARTS column: ``3 (2m ago)``."""
        if self.restarts and self.last_restart is not None:
            return f"{self.restarts} ({format_age(time.time() - self.last_restart)} ago)"
        return str(self.restarts)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def terminal(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


def _container_resources(containers: Iterable[Mapping[str, Any]], which: str) -> tuple[int, int]:
    cpu = mem = 0
    for c in containers:
        res = (c.get("resources") or {}).get(which) or {}
        cpu += parse_cpu(res.get("cpu"))
        mem += parse_memory(res.get("memory"))
    return cpu, mem


def pod_resources(spec: Mapping[str, Any], which: str = "requests") -> tuple[int, int]:
    """The pod's effective requests (or limits) as the scheduler counts them: max(sum of app containers
    + sidecars, each init container), plus overhead."""
    containers = spec.get("containers") or ()
    cpu, mem = _container_resources(containers, which)
    sidecar_cpu = sidecar_mem = 0
    for init in spec.get("initContainers") or ():
        icpu, imem = _container_resources((init,), which)
        if init.get("restartPolicy") == "Always":
            sidecar_cpu += icpu
            sidecar_mem += imem
            continue
        cpu = max(cpu, icpu + sidecar_cpu)
        mem = max(mem, imem + sidecar_mem)
    cpu += sidecar_cpu
    mem += sidecar_mem
    overhead = spec.get("overhead") or {}
    return cpu + parse_cpu(overhead.get("cpu")), mem + parse_memory(overhead.get("memory"))


def pod_row(raw: Mapping[str, Any]) -> PodRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    ps = pod_status(raw)  # type: ignore[arg-type]
    owner_kind, owner_name = _owner(meta)
    cpu_req, mem_req = pod_resources(spec, "requests")
    cpu_lim, mem_lim = pod_resources(spec, "limits")
    containers = spec.get("containers") or ()
    return PodRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        ready=ps.ready_text, ready_count=ps.ready, container_count=ps.total, status=ps.reason,
        phase=status.get("phase") or "", restarts=ps.restarts, last_restart=ps.last_restart,
        created=parse_time(meta.get("creationTimestamp")), node=spec.get("nodeName") or "",
        ip=status.get("podIP") or "", owner_kind=owner_kind, owner_name=owner_name, labels=_labels(meta),
        cpu_request=cpu_req, mem_request=mem_req, cpu_limit=cpu_lim, mem_limit=mem_lim,
        images=tuple(c.get("image", "") for c in containers), containers=tuple(c.get("name", "") for c in containers),
        deleting=bool(meta.get("deletionTimestamp")), qos=status.get("qosClass") or "",
    )


@dataclass(frozen=True, slots=True)
class ContainerRow:
    """One container of a pod (drill-down from pods): state as kubectl describe words it."""

    pod_uid: str
    name: str
    image: str
    init: bool
    ready: bool
    state: str         # Running, Waiting, Terminated
    reason: str        # CrashLoopBackOff, ImagePullBackOff, Completed, Error ...
    restarts: int
    started: float | None
    last_termination: str  # "Error (exit 1)" of the previous run, "" if none
    cpu_request: int
    mem_request: int
    cpu_limit: int
    mem_limit: int
    ports: str

    @property
    def status(self) -> str:
        return self.reason or self.state


def container_rows(raw: Mapping[str, Any]) -> tuple[ContainerRow, ...]:
    """Init containers first, then app containers, with their statuses."""
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    statuses = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
    init_statuses = {cs.get("name"): cs for cs in status.get("initContainerStatuses") or ()}
    out: list[ContainerRow] = []
    for init, specs, by_name in ((True, spec.get("initContainers") or (), init_statuses),
                                 (False, spec.get("containers") or (), statuses)):
        for c in specs:
            cs = by_name.get(c.get("name")) or {}
            st = cs.get("state") or {}
            if "running" in st:
                state, reason, started = "Running", "", parse_time((st["running"] or {}).get("startedAt"))
            elif "terminated" in st:
                t = st["terminated"] or {}
                state, reason, started = "Terminated", t.get("reason") or f"ExitCode:{t.get('exitCode', 0)}", \
                    parse_time(t.get("startedAt"))
            elif "waiting" in st:
                state, reason, started = "Waiting", (st["waiting"] or {}).get("reason") or "", None
            else:
                state, reason, started = "Waiting", "", None
            last = (cs.get("lastState") or {}).get("terminated")
            last_text = f"{last.get('reason') or 'Terminated'} (exit {last.get('exitCode', 0)})" if last else ""
            req = (c.get("resources") or {}).get("requests") or {}
            lim = (c.get("resources") or {}).get("limits") or {}
            ports = ",".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or ())
            out.append(ContainerRow(
                pod_uid=_uid(meta), name=c.get("name", ""), image=c.get("image", ""), init=init,
                ready=bool(cs.get("ready")), state=state, reason=reason, restarts=int(cs.get("restartCount") or 0),
                started=started, last_termination=last_text, cpu_request=parse_cpu(req.get("cpu")),
                mem_request=parse_memory(req.get("memory")), cpu_limit=parse_cpu(lim.get("cpu")),
                mem_limit=parse_memory(lim.get("memory")), ports=ports))
    return tuple(out)


# -- workloads -----------------------------------------------------------------------------------------

def _conditions_summary(status: Mapping[str, Any]) -> str:
    parts = []
    for c in status.get("conditions") or ():
        text = f"{c.get('type')}={c.get('status')}"
        if c.get("reason"):
            text += f"({c['reason']})"
        parts.append(text)
    return ",".join(parts)


def _strategy(spec: Mapping[str, Any]) -> str:
    strategy = spec.get("strategy") or {}
    stype = strategy.get("type") or "RollingUpdate"
    if stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate") or {}
        return f"RollingUpdate {ru.get('maxSurge', '25%')}/{ru.get('maxUnavailable', '25%')}"
    return stype


@dataclass(frozen=True, slots=True)
class DeploymentRow(_Aged):
    uid: str
    namespace: str
    name: str
    ready: str                # "2/3" = readyReplicas/spec.replicas
    ready_replicas: int
    desired: int
    up_to_date: int
    available: int
    images: tuple[str, ...]
    containers: tuple[str, ...]
    version: str              # pod template's version label (blue/green ...)
    revision: str             # deployment.kubernetes.io/revision
    selector: str             # "app=api,version=blue"
    selector_raw: tuple[tuple[str, str], ...]  # matchLabels pairs
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...]
    created: float | None
    conditions: str           # "Available=True(MinimumReplicasAvailable),Progressing=True(...)"
    strategy: str             # "RollingUpdate 25%/25%" or "Recreate"
    labels: Labels
    template_labels: Labels
    paused: bool
    generation_observed: bool  # status.observedGeneration >= metadata.generation
    # Known to views that read more than the object (the dashboard: its pods, alerts and health findings).
    issues: tuple[str, ...] = ()  # why it needs attention, worst first (cluster.workload_health)
    issue_level: str = ""         # "critical" / "warning" / "" (healthy)
    findings: int = 0             # :lint findings about it (through its ReplicaSets and pods too)
    findings_level: str = ""      # the worst finding's severity ("critical" / "warning" / "info" / "")

    @property
    def selector_dict(self) -> dict[str, Any]:
        return {"matchLabels": dict(self.selector_raw),
                "matchExpressions": [{"key": k, "operator": op, "values": list(v)}
                                     for k, op, v in self.match_expressions]}

    def selects(self, labels: Mapping[str, str] | Labels) -> bool:
        """Whether this deployment's selector selects a pod with ``labels``."""
        return selector_matches(self.selector_dict, dict(labels))

    @property
    def healthy(self) -> bool:
        return self.available >= self.desired and self.ready_replicas >= self.desired


def _selector_parts(selector: Mapping[str, Any] | None) -> tuple[tuple[tuple[str, str], ...],
                                                                   tuple[tuple[str, str, tuple[str, ...]], ...]]:
    selector = selector or {}
    pairs = tuple(sorted((selector.get("matchLabels") or {}).items()))
    exprs = tuple((e.get("key", ""), e.get("operator", ""), tuple(e.get("values") or ()))
                  for e in selector.get("matchExpressions") or ())
    return pairs, exprs


def deployment_row(raw: Mapping[str, Any]) -> DeploymentRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    template = spec.get("template") or {}
    tmeta = template.get("metadata") or {}
    containers = (template.get("spec") or {}).get("containers") or ()
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    ready = int(status.get("readyReplicas") or 0)
    tlabels = tmeta.get("labels") or {}
    pairs, exprs = _selector_parts(spec.get("selector"))
    return DeploymentRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        ready=f"{ready}/{desired}", ready_replicas=ready, desired=desired,
        up_to_date=int(status.get("updatedReplicas") or 0), available=int(status.get("availableReplicas") or 0),
        images=tuple(c.get("image", "") for c in containers), containers=tuple(c.get("name", "") for c in containers),
        version=_version_label(tlabels) or _version_label(meta.get("labels") or {}),
        revision=(meta.get("annotations") or {}).get("deployment.kubernetes.io/revision", ""),
        selector=_selector_text(spec.get("selector")), selector_raw=pairs, match_expressions=exprs,
        created=parse_time(meta.get("creationTimestamp")), conditions=_conditions_summary(status),
        strategy=_strategy(spec), labels=_labels(meta), template_labels=tuple(sorted(tlabels.items())),
        paused=bool(spec.get("paused")),
        generation_observed=int(status.get("observedGeneration") or 0) >= int(meta.get("generation") or 0),
    )


@dataclass(frozen=True, slots=True)
class ReplicaSetRow(_Aged):
    uid: str
    namespace: str
    name: str
    desired: int
    current: int
    ready: int
    available: int
    images: tuple[str, ...]
    owner_kind: str
    owner_name: str
    revision: str
    pod_template_hash: str
    version: str
    selector: str
    created: float | None
    labels: Labels


def replicaset_row(raw: Mapping[str, Any]) -> ReplicaSetRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    template = spec.get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or ()
    labels = meta.get("labels") or {}
    owner_kind, owner_name = _owner(meta)
    return ReplicaSetRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        desired=int(spec.get("replicas") or 0), current=int(status.get("replicas") or 0),
        ready=int(status.get("readyReplicas") or 0), available=int(status.get("availableReplicas") or 0),
        images=tuple(c.get("image", "") for c in containers), owner_kind=owner_kind, owner_name=owner_name,
        revision=(meta.get("annotations") or {}).get("deployment.kubernetes.io/revision", ""),
        pod_template_hash=labels.get("pod-template-hash", ""),
        version=_version_label((template.get("metadata") or {}).get("labels") or {}) or _version_label(labels),
        selector=_selector_text(spec.get("selector")), created=parse_time(meta.get("creationTimestamp")),
        labels=_labels(meta),
    )


# -- network -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ServiceRow(_Aged):
    uid: str
    namespace: str
    name: str
    type: str
    cluster_ip: str
    external_ip: str          # "<none>", "<pending>", "1.2.3.4", or the ExternalName
    ports: str                # "80/TCP,443:30443/TCP"
    node_ports: tuple[int, ...]
    selector: tuple[tuple[str, str], ...]
    created: float | None
    labels: Labels

    @property
    def selector_dict(self) -> dict[str, str]:
        return dict(self.selector)

    @property
    def selector_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.selector) or "<none>"

    def selects(self, labels: Mapping[str, str] | Labels) -> bool:
        return labels_match(self.selector, labels)


def _service_external_ip(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    stype = spec.get("type") or "ClusterIP"
    external = list(spec.get("externalIPs") or ())
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if stype == "LoadBalancer":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or ()
        found = [i.get("ip") or i.get("hostname") or "" for i in ingress]
        found = [f for f in found if f] + external
        return ",".join(found) or "<pending>"
    if stype == "ExternalName":
        return spec.get("externalName") or "<none>"
    return "<unknown>"


def _service_ports(ports: Iterable[Mapping[str, Any]]) -> str:
    parts = []
    for p in ports:
        text = str(p.get("port", ""))
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        parts.append(f"{text}/{p.get('protocol') or 'TCP'}")
    return ",".join(parts) or "<none>"


def service_row(raw: Mapping[str, Any]) -> ServiceRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    ports = spec.get("ports") or ()
    stype = spec.get("type") or "ClusterIP"
    return ServiceRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""), type=stype,
        cluster_ip=spec.get("clusterIP") or ("<none>" if stype == "ExternalName" else ""),
        external_ip=_service_external_ip(spec, raw.get("status") or {}), ports=_service_ports(ports),
        node_ports=tuple(int(p["nodePort"]) for p in ports if p.get("nodePort")),
        selector=tuple(sorted((spec.get("selector") or {}).items())),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


@dataclass(frozen=True, slots=True)
class EndpointsRow(_Aged):
    uid: str
    namespace: str
    name: str
    endpoints: str            # "10.0.0.5:8080,10.0.0.6:8080 + 3 more..." like kubectl
    ready_count: int
    not_ready_count: int
    created: float | None


def endpoints_row(raw: Mapping[str, Any]) -> EndpointsRow:
    meta = raw.get("metadata") or {}
    addrs: list[str] = []
    ready = not_ready = 0
    for subset in raw.get("subsets") or ():
        ports = [p.get("port") for p in subset.get("ports") or ()] or [None]
        for a in subset.get("addresses") or ():
            ready += 1
            addrs.extend(f"{a.get('ip')}:{p}" if p else str(a.get("ip")) for p in ports)
        not_ready += len(subset.get("notReadyAddresses") or ())
    text = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return EndpointsRow(uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
                        endpoints=text or "<none>", ready_count=ready, not_ready_count=not_ready,
                        created=parse_time(meta.get("creationTimestamp")))


@dataclass(frozen=True, slots=True)
class IngressRow(_Aged):
    uid: str
    namespace: str
    name: str
    ingress_class: str
    hosts: str                # "shop.example.com,api.example.com" or "*"
    address: str
    ports: str                # "80" or "80, 443"
    backends: tuple[str, ...]  # "host/path -> service:port"
    created: float | None


def ingress_row(raw: Mapping[str, Any]) -> IngressRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    rules = spec.get("rules") or ()
    hosts = [r.get("host") for r in rules if r.get("host")]
    ingress = ((raw.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    backends: list[str] = []
    for r in rules:
        for p in ((r.get("http") or {}).get("paths") or ()):
            svc = ((p.get("backend") or {}).get("service") or {})
            port = (svc.get("port") or {})
            backends.append(f"{r.get('host') or '*'}{p.get('path') or '/'} -> {svc.get('name', '')}:"
                            f"{port.get('number') or port.get('name') or ''}")
    klass = spec.get("ingressClassName") or (meta.get("annotations") or {}).get("kubernetes.io/ingress.class", "")
    return IngressRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        ingress_class=klass or "<none>", hosts=",".join(hosts) or "*",
        address=",".join(i.get("ip") or i.get("hostname") or "" for i in ingress),
        ports="80, 443" if spec.get("tls") else "80", backends=tuple(backends),
        created=parse_time(meta.get("creationTimestamp")),
    )


# -- cluster -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NodeRow(_Aged):
    uid: str
    name: str
    status: str               # Ready, NotReady, Unknown, "Ready,SchedulingDisabled"
    ready: bool
    roles: str                # "control-plane", "<none>"
    virtual: bool             # label type=virtual-kubelet
    taints: tuple[str, ...]   # "key=value:Effect"
    cpu_allocatable: int      # millicores
    mem_allocatable: int      # bytes
    pods_allocatable: int
    cpu_capacity: int
    mem_capacity: int
    version: str
    internal_ip: str
    os_image: str
    created: float | None
    labels: Labels
    unschedulable: bool


def node_row(raw: Mapping[str, Any]) -> NodeRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    labels = meta.get("labels") or {}
    ready_cond = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    if ready_cond is None:
        state, ready = "Unknown", False
    elif ready_cond.get("status") == "True":
        state, ready = "Ready", True
    else:
        state, ready = "NotReady", False
    if spec.get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted({k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k}
                   | ({labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set()))
    taints = tuple(f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
                   for t in spec.get("taints") or ())
    alloc = status.get("allocatable") or {}
    cap = status.get("capacity") or {}
    info = status.get("nodeInfo") or {}
    ip = next((a.get("address", "") for a in status.get("addresses") or () if a.get("type") == "InternalIP"), "")
    return NodeRow(
        uid=_uid(meta), name=meta.get("name", ""), status=state, ready=ready,
        roles=",".join(r for r in roles if r) or "<none>",
        virtual=labels.get(VIRTUAL_NODE_LABEL[0]) == VIRTUAL_NODE_LABEL[1], taints=taints,
        cpu_allocatable=parse_cpu(alloc.get("cpu")), mem_allocatable=parse_memory(alloc.get("memory")),
        pods_allocatable=int(parse_memory(alloc.get("pods"))), cpu_capacity=parse_cpu(cap.get("cpu")),
        mem_capacity=parse_memory(cap.get("memory")), version=info.get("kubeletVersion", ""),
        internal_ip=ip, os_image=info.get("osImage", ""), created=parse_time(meta.get("creationTimestamp")),
        labels=_labels(meta), unschedulable=bool(spec.get("unschedulable")),
    )


@dataclass(frozen=True, slots=True)
class NodeUsage:
    """What the scheduler has placed on a node: summed requests of its non-terminal pods."""

    cpu_requested: int = 0
    mem_requested: int = 0
    pods: int = 0


def requests_by_node(pods: Iterable[PodRow]) -> dict[str, NodeUsage]:
    """Requested CPU/memory and pod count per node name (pods without a node are skipped)."""
    acc: dict[str, list[int]] = {}
    for p in pods:
        if not p.node or p.terminal:
            continue
        slot = acc.setdefault(p.node, [0, 0, 0])
        slot[0] += p.cpu_request
        slot[1] += p.mem_request
        slot[2] += 1
    return {node: NodeUsage(*v) for node, v in acc.items()}


@dataclass(frozen=True, slots=True)
class NamespaceRow(_Aged):
    uid: str
    name: str
    status: str               # Active, Terminating
    created: float | None
    labels: Labels


def namespace_row(raw: Mapping[str, Any]) -> NamespaceRow:
    meta = raw.get("metadata") or {}
    return NamespaceRow(uid=_uid(meta), name=meta.get("name", ""),
                        status=(raw.get("status") or {}).get("phase") or "Active",
                        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta))


@dataclass(frozen=True, slots=True)
class EventRow:
    uid: str
    namespace: str
    name: str
    last_seen: float | None   # epoch seconds
    first_seen: float | None
    type: str                 # Normal, Warning
    reason: str
    object: str               # "pod/api-blue-7d9c-xk2p"
    object_kind: str
    object_name: str
    object_uid: str
    message: str
    count: int
    source: str

    def age(self, now: float | None = None) -> str:
        """LAST SEEN as kubectl prints it."""
        return _age(self.last_seen, now)

    @property
    def warning(self) -> bool:
        return self.type == "Warning"


def event_row(raw: Mapping[str, Any]) -> EventRow:
    meta = raw.get("metadata") or {}
    inv = raw.get("involvedObject") or raw.get("regarding") or {}
    series = raw.get("series") or {}
    last = (parse_time(series.get("lastObservedTime")) or parse_time(raw.get("lastTimestamp"))
            or parse_time(raw.get("eventTime")) or parse_time(raw.get("firstTimestamp"))
            or parse_time(meta.get("creationTimestamp")))
    first = parse_time(raw.get("firstTimestamp")) or parse_time(raw.get("eventTime")) or last
    count = int(series.get("count") or raw.get("count") or 1)
    source = raw.get("source") or {}
    kind = inv.get("kind", "")
    return EventRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""), last_seen=last,
        first_seen=first, type=raw.get("type") or "Normal", reason=raw.get("reason") or "",
        object=f"{kind.lower()}/{inv.get('name', '')}", object_kind=kind, object_name=inv.get("name", ""),
        object_uid=inv.get("uid", ""), message=" ".join(str(raw.get("message") or raw.get("note") or "").split()),
        count=count, source=source.get("component") or raw.get("reportingController") or "",
    )


# -- config --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ConfigMapRow(_Aged):
    uid: str
    namespace: str
    name: str
    data_count: int
    keys: tuple[str, ...]
    created: float | None


def configmap_row(raw: Mapping[str, Any]) -> ConfigMapRow:
    meta = raw.get("metadata") or {}
    keys = tuple(sorted({*(raw.get("data") or {}), *(raw.get("binaryData") or {})}))
    return ConfigMapRow(uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
                        data_count=len(keys), keys=keys, created=parse_time(meta.get("creationTimestamp")))


@dataclass(frozen=True, slots=True)
class SecretRow(_Aged):
    """Never holds a value: only the type and how many keys the Secret has."""

    uid: str
    namespace: str
    name: str
    type: str
    data_count: int
    created: float | None


def secret_row(raw: Mapping[str, Any]) -> SecretRow:
    meta = raw.get("metadata") or {}
    count = len({*(raw.get("data") or {}), *(raw.get("stringData") or {})})
    return SecretRow(uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
                     type=raw.get("type") or "Opaque", data_count=count,
                     created=parse_time(meta.get("creationTimestamp")))


@dataclass(frozen=True, slots=True)
class HpaRow(_Aged):
    uid: str
    namespace: str
    name: str
    reference: str            # "Deployment/api-blue"
    targets: str              # "cpu: 42%/80%"
    min_pods: int
    max_pods: int
    replicas: int
    created: float | None
    metrics: tuple[HpaMetric, ...] = ()  # current vs target, one per spec.metrics entry
    desired: int = 0          # status.desiredReplicas
    limited: bool = False     # ScalingLimited: it wants more (or fewer) pods than min/max allow
    target_kind: str = ""
    target_name: str = ""

    @property
    def over_target(self) -> bool:
        """Some metric is above its target (the HPA scales out, or would beyond max)."""
        return any(m.over for m in self.metrics)


def hpa_row(raw: Mapping[str, Any]) -> HpaRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    metrics = hpa_metrics(spec, status)
    limited = any(c.get("type") == "ScalingLimited" and c.get("status") == "True"
                  for c in status.get("conditions") or ())
    return HpaRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        reference=f"{ref.get('kind', '')}/{ref.get('name', '')}", targets=targets_text(metrics),
        min_pods=int(spec.get("minReplicas") or 1), max_pods=int(spec.get("maxReplicas") or 0),
        replicas=int(status.get("currentReplicas") or 0), created=parse_time(meta.get("creationTimestamp")),
        metrics=metrics, desired=int(status.get("desiredReplicas") or 0), limited=limited,
        target_kind=str(ref.get("kind") or ""), target_name=str(ref.get("name") or ""),
    )


Row = (PodRow | DeploymentRow | ReplicaSetRow | ServiceRow | EndpointsRow | IngressRow | NodeRow | NamespaceRow
       | EventRow | ConfigMapRow | SecretRow | HpaRow)

PROJECTIONS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    kinds.PODS.key: pod_row,
    kinds.DEPLOYMENTS.key: deployment_row,
    kinds.REPLICASETS.key: replicaset_row,
    kinds.SERVICES.key: service_row,
    kinds.ENDPOINTS.key: endpoints_row,
    kinds.EVENTS.key: event_row,
    kinds.NODES.key: node_row,
    kinds.NAMESPACES.key: namespace_row,
    kinds.INGRESSES.key: ingress_row,
    kinds.CONFIGMAPS.key: configmap_row,
    kinds.SECRETS.key: secret_row,
    kinds.HPAS.key: hpa_row,
}


def project(kind: ResourceKind | str, raw: Mapping[str, Any]) -> Row:
    """The row for one raw object of ``kind`` (a ResourceKind or any name ``kinds.kind_for`` knows)."""
    rk = kind if isinstance(kind, ResourceKind) else kinds.kind_for(kind)
    if rk is None or rk.key not in PROJECTIONS:
        raise KeyError(f"no row projection for {kind!r}")
    return PROJECTIONS[rk.key](raw)


__all__ = ["ConfigMapRow", "ContainerRow", "DeploymentRow", "EndpointsRow", "EventRow", "HpaRow", "IngressRow",
           "NamespaceRow", "NodeRow", "NodeUsage", "PROJECTIONS", "PodRow", "ReplicaSetRow", "Row", "SecretRow",
           "ServiceRow", "container_rows", "format_age", "label_selector_text", "labels_match", "parse_cpu", "parse_memory", "pod_resources",
           "project", "requests_by_node", "selector_matches"]
