"""Server-side printing: ``meta.k8s.io/v1`` ``Table`` answers, as the real API server gives kubectl.

kubectl asks for ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` on get/list/watch and prints the
columns the server sends (``-o wide`` shows the priority-1 ones as well). Without these tables kubectl shows
only NAME and AGE. The printers below follow ``pkg/printers/internalversion/printers.go`` of Kubernetes
1.32 column for column and cell for cell, with ``Wide`` on (the server always generates every column; the
client hides the wide ones). Kinds without a printer get the server's default convertor: Name + Created At.

Everything here is a pure function of the object dicts and ``now``; nothing reads the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from . import conversion
from .errors import bad_request
from .resources import ResourceType

Obj = dict[str, Any]
Cell = str | int | bool

TABLE_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
_NODE_ROLE_LABEL = "kubernetes.io/role"
_NODE_UNREACHABLE_REASON = "NodeLost"

# Descriptions as metav1.ObjectMeta{}.SwaggerDoc() gives them.
_NAME_DOC = ("Name must be unique within a namespace. Is required when creating resources, although some resources "
             "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
             "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
             "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
_CREATED_DOC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is "
                "not guaranteed to be set in happens-before order across separate operations. Clients may not set "
                "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. "
                "Null for lists. More info: "
                "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")


@dataclass(frozen=True)
class Column:
    """One ``TableColumnDefinition``."""

    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "format": self.format,
                "description": self.description, "priority": self.priority}


@dataclass(frozen=True)
class Printer:
    """The columns of one kind and the function that makes a row's cells (``cells(obj, now)``)."""

    columns: tuple[Column, ...]
    cells: Callable[[Obj, float], list[Cell]]
    conditions: Callable[[Obj], list[dict[str, str]] | None] | None = None


# --------------------------------------------------------------------------------------------------------------
# time


@lru_cache(maxsize=65536)
def parse_time(value: str) -> float | None:
    """RFC 3339 (``metav1.Time``/``MicroTime``) to epoch seconds; None when empty or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """``k8s.io/apimachinery/pkg/util/duration.HumanDuration`` for a duration given in seconds."""
    secs = int(seconds)  # Go: int(d.Seconds()) truncates toward zero
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        s = secs % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def since(value: str | None, now: float) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when unset."""
    t = parse_time(value) if value else None
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def _age(obj: Obj, now: float) -> str:
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def _name(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("name", "")


# --------------------------------------------------------------------------------------------------------------
# formatting helpers shared by several kinds


def format_labels(labels: dict[str, str] | None) -> str:
    """``labels.FormatLabels``: ``k=v`` sorted by key, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def label_selector_string(selector: Obj | None) -> str:
    """``metav1.LabelSelectorAsSelector(sel).String()`` (empty for nil and for the empty selector)."""
    if not selector:
        return ""
    reqs: list[tuple[str, str]] = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = sorted(expr.get("values") or [])
        if op == "In":
            reqs.append((key, f"{key} in ({','.join(values)})"))
        elif op == "NotIn":
            reqs.append((key, f"{key} notin ({','.join(values)})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
        else:
            return "<invalid>"
    reqs.sort(key=lambda r: r[0])
    return ",".join(r[1] for r in reqs)


def format_label_selector(selector: Obj | None) -> str:
    """``metav1.FormatLabelSelector``: like :func:`label_selector_string` but ``<none>`` when empty."""
    out = label_selector_string(selector)
    if out == "<invalid>":
        return "<error>"
    return out or "<none>"


def _template_containers(obj: Obj) -> tuple[str, str]:
    """``layoutContainerCells`` for ``spec.template.spec.containers``: names and images, comma-joined."""
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    return (",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers))


def _sorted_lb_ingress(ingress: list[Obj] | None) -> str:
    seen: set[str] = set()
    for item in ingress or []:
        if item.get("ip"):
            seen.add(item["ip"])
        elif item.get("hostname"):
            seen.add(item["hostname"])
    return ",".join(sorted(seen))  # never clipped: the server always prints wide


def _qty(value: Any) -> str:
    """``resource.Quantity.String()`` for a stored quantity (already canonical in our objects)."""
    if value is None:
        return "<nil>"
    return str(value)


# --------------------------------------------------------------------------------------------------------------
# pods

_POD_SUCCEEDED = [{"type": "Completed", "status": "True", "reason": "Succeeded",
                   "message": "The pod has completed successfully."}]
_POD_FAILED = [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]


def _pod_conditions(pod: Obj) -> list[dict[str, str]] | None:
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return _POD_SUCCEEDED
    if phase == "Failed":
        return _POD_FAILED
    return None


def _later(current: float | None, terminated: Obj | None) -> float | None:
    if terminated is None:
        return current
    t = parse_time(terminated.get("finishedAt") or "")
    if t is not None and (current is None or current < t):
        return t
    return current


def pod_cells(pod: Obj, now: float) -> list[Cell]:
    """``printPod`` with Wide on: NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    containers_spec = spec.get("containers") or []
    init_spec = spec.get("initContainers") or []

    restarts = 0
    sidecar_restarts = 0
    total = len(containers_spec)
    ready = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    restartable: set[str] = set()
    for c in init_spec:
        if c.get("restartPolicy") == "Always":
            restartable.add(c.get("name", ""))
            total += 1

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        state = cs.get("state") or {}
        last_term = (cs.get("lastState") or {}).get("terminated")
        count = int(cs.get("restartCount") or 0)
        restarts += count
        last_restart = _later(last_restart, last_term)
        is_sidecar = cs.get("name") in restartable
        if is_sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, last_term)
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if terminated is not None and int(terminated.get("exitCode") or 0) == 0:
            continue
        if is_sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            if not terminated.get("reason"):
                if terminated.get("signal"):
                    reason = f"Init:Signal:{terminated['signal']}"
                else:
                    reason = f"Init:ExitCode:{int(terminated.get('exitCode') or 0)}"
            else:
                reason = "Init:" + terminated["reason"]
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_spec)}"
        initializing = True
        break

    if not initializing or _condition_true(status, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            state = cs.get("state") or {}
            restarts += int(cs.get("restartCount") or 0)
            last_restart = _later(last_restart, (cs.get("lastState") or {}).get("terminated"))
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated is not None:
                if terminated.get("signal"):
                    reason = f"Signal:{terminated['signal']}"
                else:
                    reason = f"ExitCode:{int(terminated.get('exitCode') or 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if meta.get("deletionTimestamp") and status.get("reason") == _NODE_UNREACHABLE_REASON:
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_cell = f"{restarts} ({human_duration(now - last_restart)} ago)"

    pod_ips = status.get("podIPs") or ()
    pod_ip = (pod_ips[0].get("ip") if pod_ips else status.get("podIP")) or "<none>"
    gates = spec.get("readinessGates") or ()
    gates_cell = "<none>"
    if gates:
        conds = status.get("conditions") or ()
        true_count = 0
        for gate in gates:
            for cond in conds:
                if cond.get("type") == gate.get("conditionType"):
                    if cond.get("status") == "True":
                        true_count += 1
                    break
        gates_cell = f"{true_count}/{len(gates)}"
    return [meta.get("name", ""), f"{ready}/{total}", reason, restarts_cell, since(meta.get("creationTimestamp"), now),
            pod_ip, spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_cell]


def _condition_true(status: Obj, cond_type: str) -> bool:
    for cond in status.get("conditions") or ():
        if cond.get("type") == cond_type and cond.get("status") == "True":
            return True
    return False


# --------------------------------------------------------------------------------------------------------------
# workloads


def deployment_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = spec.get("replicas", 1)
    names, images = _template_containers(obj)
    return [_name(obj), f"{int(status.get('readyReplicas') or 0)}/{int(desired or 0)}",
            int(status.get("updatedReplicas") or 0), int(status.get("availableReplicas") or 0), _age(obj, now),
            names, images, label_selector_string(spec.get("selector"))]


def replicaset_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    names, images = _template_containers(obj)
    return [_name(obj), int(spec.get("replicas", 1) or 0), int(status.get("replicas") or 0),
            int(status.get("readyReplicas") or 0), _age(obj, now), names, images,
            format_label_selector(spec.get("selector"))]


def hpa_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_pods = "<unset>" if spec.get("minReplicas") is None else str(spec["minReplicas"])
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}",
            format_hpa_metrics(spec.get("metrics") or [], status.get("currentMetrics") or []), min_pods,
            int(spec.get("maxReplicas") or 0), int(status.get("currentReplicas") or 0), _age(obj, now)]


def _target_pair(target: Obj, current: Obj | None, prefix: str = "") -> str:
    """Value or average-value targets of Object/External metrics."""
    if target.get("averageValue") is not None:
        cur = "<unknown>"
        if current is not None and current.get("averageValue") is not None:
            cur = _qty(current["averageValue"])
        return f"{prefix}{cur}/{_qty(target['averageValue'])} (avg)"
    cur = "<unknown>" if current is None else _qty(current.get("value"))
    return f"{prefix}{cur}/{_qty(target.get('value'))}"


def _resource_pair(src: Obj, status: Obj | None) -> str:
    name = src.get("name", "")
    target = src.get("target") or {}
    current = (status or {}).get("current") if status is not None else None
    if target.get("averageValue") is not None:
        cur = "<unknown>" if status is None else _qty((current or {}).get("averageValue"))
        return f"{name}: {cur}/{_qty(target['averageValue'])}"
    cur = "<unknown>"
    if status is not None and (current or {}).get("averageUtilization") is not None:
        cur = f"{current['averageUtilization']}%"
    tgt = "<auto>" if target.get("averageUtilization") is None else f"{target['averageUtilization']}%"
    return f"{name}: {cur}/{tgt}"


def format_hpa_metrics(specs: list[Obj], statuses: list[Obj]) -> str:
    """``formatHPAMetrics`` for autoscaling/v2 metric specs and statuses."""
    if not specs:
        return "<none>"
    out: list[str] = []
    for i, spec in enumerate(specs):
        st = statuses[i] if i < len(statuses) else {}
        kind = spec.get("type")
        if kind == "External":
            src = spec.get("external") or {}
            cur = (st["external"].get("current") or {}) if st.get("external") is not None else None
            out.append(_target_pair(src.get("target") or {}, cur))
        elif kind == "Pods":
            src = spec.get("pods") or {}
            cur = "<unknown>"
            if st.get("pods") is not None:
                cur = _qty(((st["pods"].get("current")) or {}).get("averageValue"))
            out.append(f"{cur}/{_qty((src.get('target') or {}).get('averageValue'))}")
        elif kind == "Object":
            src = spec.get("object") or {}
            cur = (st["object"].get("current") or {}) if st.get("object") is not None else None
            out.append(_target_pair(src.get("target") or {}, cur))
        elif kind == "Resource":
            out.append(_resource_pair(spec.get("resource") or {}, st.get("resource")))
        elif kind == "ContainerResource":
            out.append(_resource_pair(spec.get("containerResource") or {}, st.get("containerResource")))
        else:
            out.append("<unknown type>")
    if len(out) > 2:
        return ", ".join(out[:2]) + f" + {len(out) - 2} more..."
    return ", ".join(out)


# --------------------------------------------------------------------------------------------------------------
# networking


def service_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    svc_type = spec.get("type") or ""
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = ",".join(
        f"{p.get('port')}:{p['nodePort']}/{p.get('protocol') or 'TCP'}" if p.get("nodePort")
        else f"{p.get('port')}/{p.get('protocol') or 'TCP'}"
        for p in spec.get("ports") or ())
    return [_name(obj), svc_type, ips[0] if ips else "<none>", service_external_ip(obj), ports or "<none>",
            _age(obj, now), format_labels(spec.get("selector"))]


def service_external_ip(svc: Obj) -> str:
    """``getServiceExternalIP`` (wide: load-balancer addresses are not clipped)."""
    spec = svc.get("spec") or {}
    external = spec.get("externalIPs") or []
    svc_type = spec.get("type")
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        lb = _sorted_lb_ingress(((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"))
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + list(external))
        return lb or "<pending>"
    if svc_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def format_endpoints(obj: Obj) -> str:
    """``formatEndpoints`` with all ports: up to three ``ip:port`` then ``+ N more...``."""
    subsets = obj.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit = 3
    more = False
    count = 0
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for addr in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(addr.get("ip", ""))
            continue
        for port in ports:
            count += len(addresses)
            for addr in addresses:
                if len(shown) == limit:
                    more = True
                    break
                ip = addr.get("ip", "")
                host = f"[{ip}]" if ":" in ip else ip
                shown.append(f"{host}:{port.get('port')}")
    ret = ",".join(shown)
    if more:
        return f"{ret} + {count - limit} more..."
    return ret


def endpoints_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), format_endpoints(obj), _age(obj, now)]


def _format_hosts(rules: list[Obj]) -> str:
    shown: list[str] = []
    more = False
    for rule in rules:
        if len(shown) == 3:
            more = True
        if not more and rule.get("host"):
            shown.append(rule["host"])
    if not shown:
        return "*"
    ret = ",".join(shown)
    if more:
        return f"{ret} + {len(rules) - 3} more..."
    return ret


def ingress_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    address = _sorted_lb_ingress(((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress"))
    return [_name(obj), spec.get("ingressClassName") or "<none>", _format_hosts(spec.get("rules") or []),
            address, "80, 443" if spec.get("tls") else "80", _age(obj, now)]


# --------------------------------------------------------------------------------------------------------------
# cluster and config


def node_roles(node: Obj) -> list[str]:
    roles: set[str] = set()
    for k, v in ((node.get("metadata") or {}).get("labels") or {}).items():
        if k.startswith(_NODE_ROLE_PREFIX):
            role = k[len(_NODE_ROLE_PREFIX):]
            if role:
                roles.add(role)
        elif k == _NODE_ROLE_LABEL and v:
            roles.add(v)
    return sorted(roles)


def node_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    states: list[str] = []
    ready = None
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Ready":
            ready = cond  # the last one wins, like the Go map
    if ready is not None:
        states.append("Ready" if ready.get("status") == "True" else "NotReady")
    else:
        states.append("Unknown")
    if spec.get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    internal = external = "<none>"
    for addr in status.get("addresses") or ():
        if addr.get("type") == "InternalIP" and internal == "<none>":
            internal = addr.get("address", "")
        elif addr.get("type") == "ExternalIP" and external == "<none>":
            external = addr.get("address", "")
    return [_name(obj), ",".join(states), ",".join(node_roles(obj)) or "<none>", _age(obj, now),
            info.get("kubeletVersion", ""), internal, external, info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def namespace_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), (obj.get("status") or {}).get("phase", ""), _age(obj, now)]


def _event_source(obj: Obj) -> str:
    src = obj.get("source") or {}
    component = src.get("component") or obj.get("reportingComponent") or ""
    instance = src.get("host") or obj.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def event_cells(obj: Obj, now: float) -> list[Cell]:
    """``printEvent`` with Wide on: LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME."""
    first = obj.get("firstTimestamp")
    first_seen = since(first, now) if first else since(obj.get("eventTime"), now)
    last = obj.get("lastTimestamp")
    last_seen = since(last, now) if last else first_seen
    count = int(obj.get("count") or 0)
    series = obj.get("series")
    if series is not None:
        last_seen = since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    involved = obj.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    return [last_seen, obj.get("type", ""), obj.get("reason", ""), target, involved.get("fieldPath", ""),
            _event_source(obj), (obj.get("message") or "").strip(), first_seen, count, _name(obj)]


def configmap_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj, now)]


def secret_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), obj.get("type", ""), len(obj.get("data") or {}), _age(obj, now)]


def serviceaccount_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


def default_cells(obj: Obj, now: float) -> list[Cell]:
    """The API server's default convertor: the name and the creation time in RFC 3339 UTC."""
    created = (obj.get("metadata") or {}).get("creationTimestamp") or ""
    t = parse_time(created)
    if t is None:
        stamp = "0001-01-01T00:00:00Z"
    else:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    return [_name(obj), stamp]


# --------------------------------------------------------------------------------------------------------------
# column definitions


def _c(name: str, description: str, type_: str = "string", priority: int = 0, fmt: str = "") -> Column:
    return Column(name, type_, fmt, description, priority)


NAME = Column("Name", "string", "name", _NAME_DOC)
AGE = Column("Age", "string", "", _CREATED_DOC)
_CONTAINERS = _c("Containers", "Names of each container in the template.", priority=1)
_IMAGES = _c("Images", "Images referenced by each container in the template.", priority=1)

PRINTERS: dict[str, Printer] = {
    "pods": Printer((
        NAME,
        _c("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        _c("Status", "The aggregate status of the containers in this pod."),
        _c("Restarts", "The number of times the containers in this pod have been restarted and when the last "
                       "container in this pod has restarted."),
        AGE,
        _c("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
                 "allocated.", priority=1),
        _c("Node", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate "
                   "for scheduling by the scheduler defined in schedulerName.", priority=1),
        _c("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but "
                             "it cannot be scheduled right away as preemption victims receive their graceful "
                             "termination periods.", priority=1),
        _c("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.",
           priority=1),
    ), pod_cells, _pod_conditions),
    "deployments.apps": Printer((
        NAME,
        _c("Ready", "Number of the pod with ready state"),
        _c("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired "
                         "template spec."),
        _c("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this "
                        "deployment."),
        AGE, _CONTAINERS, _IMAGES,
        _c("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
                       "the ones affected by this deployment.", priority=1),
    ), deployment_cells),
    "replicasets.apps": Printer((
        NAME,
        _c("Desired", "Replicas is the number of desired replicas.", "integer"),
        _c("Current", "Replicas is the most recently observed number of replicas.", "integer"),
        _c("Ready", "The number of ready replicas for this replica set.", "integer"),
        AGE, _CONTAINERS, _IMAGES,
        _c("Selector", "Selector is a label query over pods that should match the replica count.", priority=1),
    ), replicaset_cells),
    "services": Printer((
        NAME,
        _c("Type", "type determines how the Service is exposed. Defaults to ClusterIP."),
        _c("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
        _c("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also "
                          "accept traffic for this service."),
        _c("Port(s)", "The list of ports that are exposed by this service."),
        AGE,
        _c("Selector", "Route service traffic to pods with label keys and values matching this selector.",
           priority=1),
    ), service_cells),
    "endpoints": Printer((
        NAME,
        _c("Endpoints", "The set of all endpoints is the union of all subsets."),
        AGE,
    ), endpoints_cells),
    "nodes": Printer((
        NAME,
        _c("Status", "The status of the node"),
        _c("Roles", "The roles of the node"),
        AGE,
        _c("Version", "Kubelet Version reported by the node."),
        _c("Internal-IP", "List of addresses reachable to the node.", priority=1),
        _c("External-IP", "List of addresses reachable to the node.", priority=1),
        _c("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
           priority=1),
        _c("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
           priority=1),
        _c("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
                                "containerd://1.4.2).", priority=1),
    ), node_cells),
    "namespaces": Printer((
        NAME,
        _c("Status", "The status of the namespace"),
        AGE,
    ), namespace_cells),
    "events": Printer((
        _c("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        _c("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        _c("Reason", "This should be a short, machine understandable string that gives the reason for the "
                     "transition into the object's current status."),
        _c("Object", "The object that this event is about."),
        _c("Subobject", "If referring to a piece of an object instead of an entire object, this string should "
                        "contain a valid JSON/Go field access statement, such as "
                        "desiredState.manifest.containers[2].", priority=1),
        _c("Source", "The component reporting this event. Should be a short machine understandable string.",
           priority=1),
        _c("Message", "A human-readable description of the status of this operation."),
        _c("First Seen", "The time at which the event was first recorded. (Time of server receipt is in "
                         "TypeMeta.)", priority=1),
        _c("Count", "The number of times this event has occurred.", priority=1),
        Column("Name", "string", "name", _NAME_DOC, 1),
    ), event_cells),
    "configmaps": Printer((
        NAME,
        _c("Data", "Data contains the configuration data."),
        AGE,
    ), configmap_cells),
    "secrets": Printer((
        NAME,
        _c("Type", "Used to facilitate programmatic handling of secret data."),
        _c("Data", "Data contains the secret data."),
        AGE,
    ), secret_cells),
    "serviceaccounts": Printer((
        NAME,
        _c("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this "
                      "ServiceAccount are allowed to use."),
        AGE,
    ), serviceaccount_cells),
    "ingresses.networking.k8s.io": Printer((
        NAME,
        _c("Class", "The name of the IngressClass resource that should be used for additional configuration"),
        _c("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        _c("Address", "Address is a list containing ingress points for the load-balancer"),
        _c("Ports", "Ports of TLS configurations that open"),
        AGE,
    ), ingress_cells),
    "horizontalpodautoscalers.autoscaling": Printer((
        NAME,
        _c("Reference", "scaleTargetRef points to the target resource to scale."),
        _c("Targets", "metrics contains the specifications for which to use to calculate the desired replica "
                      "count."),
        _c("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can "
                      "scale down."),
        _c("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can "
                      "scale up."),
        _c("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler."),
        AGE,
    ), hpa_cells),
}

DEFAULT_PRINTER = Printer((NAME, Column("Created At", "date", "", _CREATED_DOC)), default_cells)


def printer_for(rt: ResourceType) -> Printer:
    """The printer of a resource type; the default Name + Created At one when it has none; a custom
    resource's from its CRD's printer columns."""
    if rt.custom:
        from .tables_kinds import printer_for_custom  # noqa: PLC0415

        return printer_for_custom(rt)
    return PRINTERS.get(rt.key, DEFAULT_PRINTER)


def column_definitions(rt: ResourceType) -> list[dict[str, Any]]:
    return [c.as_dict() for c in printer_for(rt).columns]


# --------------------------------------------------------------------------------------------------------------
# tables


def _check_include(include_object: str) -> str:
    if include_object in ("", None):
        return "Metadata"
    if include_object not in INCLUDE_OBJECT_VALUES:
        raise bad_request(f'includeObject: Unsupported value: "{include_object}": supported values: '
                          '"Metadata", "None", "Object"')
    return include_object


def _row_object(obj: Obj, include_object: str) -> Obj | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION, "metadata": obj.get("metadata") or {}}


def _row(printer: Printer, obj: Obj, include_object: str, now: float, rt: ResourceType | None = None) -> dict[str, Any]:
    shown = conversion.to_storage(rt, obj) if rt is not None and rt.storage_version else obj  # printers read it
    row: dict[str, Any] = {"cells": printer.cells(shown, now), "object": _row_object(obj, include_object)}
    if printer.conditions is not None:
        conds = printer.conditions(shown)
        if conds:
            row["conditions"] = conds
    return row


def table_row(rt: ResourceType, obj: Obj, include_object: str = "Metadata", now: float | None = None) -> dict:
    """One ``TableRow`` (cells, object, conditions) for ``obj``."""
    return _row(printer_for(rt), obj, _check_include(include_object), time.time() if now is None else now, rt)


def to_table(rt: ResourceType, objs: Iterable[Obj], *, include_object: str = "Metadata",
             resource_version: str = "", continue_token: str = "", now: float | None = None,
             remaining_item_count: int | None = None) -> dict:
    """A ``meta.k8s.io/v1`` ``Table`` of ``objs`` with every column (kubectl hides priority 1 without -o wide).

    ``include_object`` is the request's ``includeObject``: ``Metadata`` (the default: each row's object is a
    ``PartialObjectMetadata``), ``Object`` (the whole object) or ``None``. An unknown value raises a 400.
    """
    printer = printer_for(rt)
    include = _check_include(include_object)
    at = time.time() if now is None else now
    meta: dict[str, Any] = {}
    if resource_version:
        meta["resourceVersion"] = resource_version
    if continue_token:
        meta["continue"] = continue_token
    if remaining_item_count is not None:
        meta["remainingItemCount"] = remaining_item_count
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": meta,
        "columnDefinitions": [c.as_dict() for c in printer.columns],
        "rows": [_row(printer, obj, include, at, rt) for obj in objs],
    }


def watch_table(rt: ResourceType, obj: Obj, include_object: str = "Metadata", now: float | None = None,
                headers: bool = True) -> dict:
    """The object of one watch event when the client watches with the Table Accept: a Table with one row.

    The table carries the object's resourceVersion. As in kube-apiserver (handlers/response.go,
    ``watchEmbeddedEncoder``), only the first event of a watch carries the column definitions: later events are
    encoded with ``NoHeaders`` and their ``columnDefinitions`` is ``null``. Bookmarks go through the same
    conversion (a Table whose one row is the bookmark's nearly empty object).
    """
    rv = (obj.get("metadata") or {}).get("resourceVersion", "")
    table = to_table(rt, [obj], include_object=include_object, resource_version=rv, now=now)
    if not headers:
        table["columnDefinitions"] = None
    return table


def _merge_kind_printers() -> None:
    """The printers of the workload/batch/storage/policy/RBAC kinds live in tables_kinds.py."""
    from .tables_kinds import PRINTERS as KIND_PRINTERS  # noqa: PLC0415 - it imports this module's helpers

    PRINTERS.update(KIND_PRINTERS)


_merge_kind_printers()
