"""Table columns per resource kind: header, how a row renders (plain text, coloured by status), how it sorts.

The rows come from ``cluster.rows``; this module only decides what the user sees in each column. Every column
that shows a number, a quantity or an age sorts by the typed value (``sort_key``), not by its text. Ages are
``volatile``: the view renders the ones on screen again as time passes, without a watch event. Free-text
columns (images, messages, selectors) are ``flex``: a narrow view may shorten them, with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import now
from ..cluster.quantity import format_age, format_cpu, format_memory
from ..cluster.table_model import Cell, Column, cell, cell_parts
from ..text import sanitize

_BAD = {"CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "Failed", "OOMKilled", "NotReady",
        "Unknown", "CreateContainerConfigError", "InvalidImageName", "Evicted", "Warning", "forbidden"}
_WAIT = {"Pending", "ContainerCreating", "Terminating", "PodInitializing", "Init", "SchedulingDisabled"}
_GOOD = {"Running", "Ready", "Active", "Completed", "Succeeded", "Normal", "Bound"}


def status_text(value: str) -> Cell:
    """A status word in the theme-independent traffic-light colours."""
    clean = sanitize(value)
    head = clean.split(":")[0].split(",")[0]
    if head in _BAD or any(word in clean for word in ("BackOff", "Err")):
        style = "bold red"
    elif head in _WAIT or head.startswith("Init"):
        style = "yellow"
    elif head in _GOOD:
        style = "green"
    else:
        style = ""
    return cell(clean, style)


def age(created: float | None) -> str:
    return format_age(None if created is None else now() - created)


def _age_sort(row: Any) -> float:
    return -(row.created or 0.0)


def ratio_text(ready: int, desired: int, label: str) -> Cell:
    style = "green" if desired and ready >= desired else ("bold red" if desired and ready == 0 else "yellow")
    if desired == 0:
        style = "dim"
    return cell(label, style)


def _col(key: str, label: str, render: Callable[[Any], Any], sort_key: Callable[[Any], Any] | None = None,
         *, flex: int = 0, volatile: bool = False) -> Column:
    return Column(key, label, render, sort_key, flex=flex, volatile=volatile)


NAMESPACE_COLUMN = _col("namespace", "NAMESPACE", lambda r: r.namespace, lambda r: (r.namespace, r.name))


def _by_name(row: Any) -> tuple[str, str]:
    """kubectl's order: namespace, then name."""
    return (getattr(row, "namespace", ""), row.name)

AGE_COLUMN = _col("age", "AGE", lambda r: age(r.created), _age_sort, volatile=True)


def _restarts(row: Any) -> str:
    if not row.restarts:
        return "0"
    if row.last_restart:
        return f"{row.restarts} ({format_age(now() - row.last_restart)} ago)"
    return str(row.restarts)


def _node(row: Any) -> Cell | str:
    if row.is_virtual_node:
        return cell_parts((row.node or "<none>", ""), (" ☁", "cyan"))
    return row.node or "<none>"


POD_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("ready", "READY", lambda r: ratio_text(r.ready_count, r.container_count, r.ready),
         lambda r: (r.ready_count, r.container_count)),
    _col("status", "STATUS", lambda r: status_text(r.status)),
    _col("restarts", "RESTARTS", _restarts, lambda r: r.restarts, volatile=True),
    _col("cpu", "CPU REQ", lambda r: format_cpu(r.cpu_request) if r.cpu_request else "-", lambda r: r.cpu_request),
    _col("mem", "MEM REQ", lambda r: format_memory(r.mem_request) if r.mem_request else "-",
         lambda r: r.mem_request),
    _col("ip", "IP", lambda r: r.ip or "<none>"),
    _col("node", "NODE", _node, lambda r: r.node or ""),
    AGE_COLUMN,
]

DEPLOYMENT_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("ready", "READY", lambda r: ratio_text(r.ready_replicas, r.desired, r.ready),
         lambda r: (r.ready_replicas, r.desired)),
    _col("uptodate", "UP-TO-DATE", lambda r: str(r.up_to_date), lambda r: r.up_to_date),
    _col("available", "AVAILABLE", lambda r: str(r.available), lambda r: r.available),
    _col("version", "VERSION", lambda r: _version_text(r.version)),
    _col("revision", "REV", lambda r: r.revision, lambda r: int(r.revision or 0)),
    _col("images", "IMAGES", lambda r: ",".join(r.images), flex=1),
    AGE_COLUMN,
]


def _version_text(version: str) -> Cell:
    style = {"blue": "bold blue", "green": "bold green"}.get(version, "")
    return cell(version or "-", style)


REPLICASET_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("desired", "DESIRED", lambda r: str(r.desired), lambda r: r.desired),
    _col("current", "CURRENT", lambda r: str(r.current), lambda r: r.current),
    _col("ready", "READY", lambda r: ratio_text(r.ready, r.desired, str(r.ready)), lambda r: r.ready),
    _col("revision", "REV", lambda r: r.revision, lambda r: int(r.revision or 0)),
    _col("images", "IMAGES", lambda r: ",".join(r.images), flex=1),
    AGE_COLUMN,
]

SERVICE_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("type", "TYPE", lambda r: r.type),
    _col("clusterip", "CLUSTER-IP", lambda r: r.cluster_ip),
    _col("externalip", "EXTERNAL-IP", lambda r: r.external_ip),
    _col("ports", "PORT(S)", lambda r: r.ports, flex=1),
    _col("selector", "SELECTOR", lambda r: ",".join(f"{k}={v}" for k, v in r.selector) or "<none>", flex=1),
    AGE_COLUMN,
]

ENDPOINTS_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("endpoints", "ENDPOINTS", lambda r: r.endpoints, flex=1),
    AGE_COLUMN,
]

INGRESS_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("class", "CLASS", lambda r: r.ingress_class or "<none>"),
    _col("hosts", "HOSTS", lambda r: r.hosts, flex=1),
    _col("address", "ADDRESS", lambda r: r.address),
    _col("ports", "PORTS", lambda r: r.ports),
    AGE_COLUMN,
]

NODE_COLUMNS = [
    _col("name", "NAME", lambda r: cell_parts((r.name, ""), (" ☁ virtual", "cyan")) if r.virtual else r.name,
         lambda r: r.name),
    _col("status", "STATUS", lambda r: status_text(r.status)),
    _col("roles", "ROLES", lambda r: r.roles),
    _col("version", "VERSION", lambda r: r.version),
    _col("ip", "INTERNAL-IP", lambda r: r.internal_ip or "<none>"),
    _col("cpu", "CPU ALLOC", lambda r: format_cpu(r.cpu_allocatable), lambda r: r.cpu_allocatable),
    _col("mem", "MEM ALLOC", lambda r: format_memory(r.mem_allocatable), lambda r: r.mem_allocatable),
    _col("pods", "PODS", lambda r: str(r.pods_allocatable), lambda r: r.pods_allocatable),
    AGE_COLUMN,
]

NAMESPACE_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("status", "STATUS", lambda r: status_text(r.status)),
    AGE_COLUMN,
]

EVENT_COLUMNS = [
    _col("lastseen", "LAST SEEN", lambda r: age(r.last_seen), lambda r: -(r.last_seen or 0.0), volatile=True),
    _col("type", "TYPE", lambda r: status_text(r.type)),
    _col("reason", "REASON", lambda r: r.reason),
    _col("object", "OBJECT", lambda r: r.object, flex=2),  # the message matters more
    _col("count", "COUNT", lambda r: str(r.count), lambda r: r.count),
    _col("message", "MESSAGE", lambda r: r.message, flex=1),
]

CONFIGMAP_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("data", "DATA", lambda r: str(r.data_count), lambda r: r.data_count),
    AGE_COLUMN,
]

SECRET_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("type", "TYPE", lambda r: r.type),
    _col("data", "DATA", lambda r: str(r.data_count), lambda r: r.data_count),
    AGE_COLUMN,
]

HPA_COLUMNS = [
    _col("name", "NAME", lambda r: r.name, _by_name),
    _col("reference", "REFERENCE", lambda r: r.reference, flex=1),
    _col("targets", "TARGETS", lambda r: r.targets, flex=1),
    _col("min", "MINPODS", lambda r: str(r.min_pods), lambda r: r.min_pods),
    _col("max", "MAXPODS", lambda r: str(r.max_pods), lambda r: r.max_pods),
    _col("replicas", "REPLICAS", lambda r: str(r.replicas), lambda r: r.replicas),
    AGE_COLUMN,
]

CONTAINER_COLUMNS = [
    _col("name", "NAME", lambda r: r.name + (" (init)" if r.init else "")),
    _col("image", "IMAGE", lambda r: r.image, flex=1),
    _col("ready", "READY", lambda r: cell("true", "green") if r.ready else cell("false", "yellow")),
    _col("state", "STATE", lambda r: status_text(r.reason or r.state)),
    _col("restarts", "RESTARTS", lambda r: str(r.restarts), lambda r: r.restarts),
    _col("last", "LAST TERMINATION", lambda r: r.last_termination or "-", flex=1),
    _col("ports", "PORTS", lambda r: r.ports or "-", flex=1),
]

BY_KIND: dict[str, list[Column]] = {
    "pods": POD_COLUMNS, "deployments.apps": DEPLOYMENT_COLUMNS, "replicasets.apps": REPLICASET_COLUMNS,
    "services": SERVICE_COLUMNS, "endpoints": ENDPOINTS_COLUMNS, "ingresses.networking.k8s.io": INGRESS_COLUMNS,
    "nodes": NODE_COLUMNS, "namespaces": NAMESPACE_COLUMNS, "events": EVENT_COLUMNS,
    "configmaps": CONFIGMAP_COLUMNS, "secrets": SECRET_COLUMNS,
    "horizontalpodautoscalers.autoscaling": HPA_COLUMNS,
}


def columns_for(kind_key: str, *, with_namespace: bool = False, only: tuple[str, ...] = ()) -> list[Column]:
    """The columns of a kind (``only``: these keys, in this order); ``with_namespace`` adds NAMESPACE first."""
    cols = list(BY_KIND[kind_key])
    if only:
        by_key = {c.key: c for c in cols}
        cols = [by_key[k] for k in only]
    if with_namespace:
        cols.insert(0, NAMESPACE_COLUMN)
    return cols
