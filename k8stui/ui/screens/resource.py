"""Full-screen resource views (``:pods``, ``:deploy``, ``:sts``, ``:cj``, ``:pvc`` ...) and a pod's containers.

Every first-class kind (``cluster.row_kinds``) is shown here with its own row projection and columns
(``ui.kind_columns``). ``enter`` drills down: a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, Service,
PodDisruptionBudget, NetworkPolicy, EndpointSlice or ServiceAccount to its pods (a StatefulSet's in ordinal order,
with its PersistentVolumeClaims), a CronJob to its Jobs, a node to the pods on it, a pod to its containers, a
PVC to the pods that mount it and its volume, a StorageClass to its claims, a namespace to that namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from ...cluster import kinds, row_kinds
from ...cluster.kinds import ResourceKind
from ...cluster.store import ChangeBatch
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import TableModel
from ..columns import CONTAINER_COLUMNS
from ..kind_columns import columns_for
from ..projections import PodProjector
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen, KindScreen

Predicate = Callable[[dict[str, Any]], bool]

_WELL_KNOWN = {k.key: k for k in kinds.WELL_KNOWN}
JOBS = _WELL_KNOWN["jobs.batch"]
PVCS = _WELL_KNOWN["persistentvolumeclaims"]
PVS = _WELL_KNOWN["persistentvolumes"]
_SORT = {kinds.EVENTS.key: "lastseen"}


def _meta(raw: dict[str, Any]) -> dict[str, Any]:
    return raw.get("metadata") or {}


def in_namespace(namespace: str | None, test: Predicate) -> Predicate:
    """``test`` for objects of ``namespace`` only."""
    return lambda obj: _meta(obj).get("namespace") == namespace and test(obj)


def plural_title(kind: ResourceKind) -> str:
    """``Ingresses``, ``NetworkPolicies``, ``Endpoints``: the kind's name in the case of its plural resource name
    (not the kind with an ``s`` appended, which made ``Ingresss``)."""
    lower = kind.kind.lower()
    common = 0
    while common < min(len(lower), len(kind.plural)) and lower[common] == kind.plural[common]:
        common += 1
    return kind.kind[:common] + kind.plural[common:] if common else kind.plural.capitalize()


class ResourceScreen(KindScreen):
    """One first-class kind, in the current namespace (or all), optionally narrowed by a predicate (drill-down)."""

    BINDINGS = [Binding("enter", "drill", "Drill down")]

    def __init__(self, kind: ResourceKind, *, title: str | None = None, predicate: Predicate | None = None,
                 all_namespaces: bool | None = None, namespace: str | None = None, sort: str = "") -> None:
        super().__init__(kind, all_namespaces=all_namespaces, namespace=namespace)
        self.sort = sort or _SORT.get(kind.key, "name")
        self.predicate = predicate
        self.title_text = title or plural_title(kind)
        self.model: TableModel[Any] | None = None
        self.table: ResourceView | None = None
        self.feed: InformerFeed[Any] | None = None

    def reopen(self) -> ResourceScreen:
        return ResourceScreen(self.kind)

    def compose_body(self) -> ComposeResult:
        with_ns = self.kind.namespaced and self.all_namespaces
        self.model = TableModel(columns_for(self.kind.key, with_namespace=with_ns), key_of=lambda r: r.uid,
                                sort_column=self.sort)
        self.table = ResourceView(self.model, id="resources")
        scope = "all namespaces" if with_ns else (self.namespace if self.kind.namespaced else "cluster")
        yield Pane(f"{self.title_text} ({scope})", self.table, id="resources-pane")

    def on_mount(self) -> None:
        assert self.table is not None and self.model is not None
        namespace = None if self.all_namespaces else self.namespace
        informer = self.hold(self.kind, namespace if self.kind.namespaced else None)
        project_fn: Callable[[dict[str, Any]], Any]
        if self.kind is kinds.PODS or self.kind.key == kinds.PODS.key:
            project_fn = PodProjector(self).project
        else:
            projection = row_kinds.projection_for(self.kind)
            assert projection is not None, f"{self.kind.key} is not first-class"
            project_fn = projection
        self.feed = self.add_feed(InformerFeed(self.model, informer, project_fn, predicate=self.predicate,
                                               on_health=self.query_one("#resources-pane", Pane).show_health))
        self.say_when_empty(self.table, informer, self.empty_text())
        if self.initial_filter:
            error = self.table.set_filter(self.initial_filter)
            if error:
                self.notify(error, title="filter not applied", severity="error")
        self.table.focus()

    def empty_text(self) -> str:
        """What an empty view says once the list is in: ``no CronJobs in namespace shop``."""
        if self.predicate is not None:
            return f"none: {self.title_text}"
        if not self.kind.namespaced:
            return f"no {self.title_text}"
        return f"no {self.title_text} in " + ("any namespace" if self.all_namespaces else f"namespace {self.namespace}")

    @on(ResourceView.RowSelected, "#resources")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        assert self.table is not None and self.feed is not None
        row = self.table.current_row()
        if row is None:
            return
        raw = self.feed.informer.get(row.uid) or {}
        drill_down(self, self.kind.key, raw, row.uid)

    def _push_pods(self, title: str, predicate: Predicate) -> None:
        self.app.push_screen(ResourceScreen(kinds.PODS, title=title, predicate=predicate))


def _selector_pods(raw: dict[str, Any]) -> Predicate | None:
    from ...cluster.rows import selector_matches

    selector = (raw.get("spec") or {}).get("selector")
    if not selector:
        return None
    return lambda pod: selector_matches(selector, _meta(pod).get("labels") or {})


def drill_down(screen: ClusterScreen, key: str, raw: dict[str, Any], uid: str = "") -> None:
    """``enter`` on an object of ``key``: push what is under it (see the module docstring)."""
    from ...cluster.rows import labels_match, selector_matches
    from ...cluster.rows_workloads import owned_by  # both loaded on the first drill-down, not at the start
    from ...cluster.xray import uses_of

    meta = _meta(raw)
    namespace, name = meta.get("namespace"), meta.get("name", "")
    uid = uid or meta.get("uid", "")
    app = screen.app
    kind_word = key.partition(".")[0].rstrip("s")

    def pods(title: str, test: Predicate) -> None:
        app.push_screen(ResourceScreen(kinds.PODS, title=title, predicate=in_namespace(namespace, test),
                                       namespace=namespace))

    if key in ("deployments.apps", "replicasets.apps", "daemonsets.apps", "jobs.batch",
               "poddisruptionbudgets.policy"):
        test = _selector_pods(raw)
        if test is None:
            screen.notify(f"{kind_word} {name} has no selector", severity="warning")
            return
        pods(f"Pods of {kind_word} {name}", test)
    elif key == "statefulsets.apps":
        from .workload import StatefulSetScreen

        app.push_screen(StatefulSetScreen(namespace or "", name, uid))
    elif key == "cronjobs.batch":
        app.push_screen(ResourceScreen(JOBS, title=f"Jobs of cronjob {name}", namespace=namespace, sort="age",
                                       predicate=in_namespace(namespace, lambda job: owned_by(job, uid))))
    elif key == "services":
        selector = (raw.get("spec") or {}).get("selector") or {}
        if not selector:
            screen.notify(f"service {name} has no selector", severity="warning")
            return
        pods(f"Pods behind service {name}", lambda pod: labels_match(selector, _meta(pod).get("labels") or {}))
    elif key == "networkpolicies.networking.k8s.io":
        selector = (raw.get("spec") or {}).get("podSelector") or {}
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            pods(f"Pods of network policy {name} (all pods)", lambda pod: True)
        else:
            pods(f"Pods of network policy {name}", lambda pod: selector_matches(selector, _meta(pod).get("labels")
                                                                                or {}))
    elif key == "endpointslices.discovery.k8s.io":
        targets = {(ep.get("targetRef") or {}).get("name") for ep in raw.get("endpoints") or ()}
        pods(f"Pods of endpoint slice {name}", lambda pod: _meta(pod).get("name") in targets)
    elif key == "serviceaccounts":
        pods(f"Pods running as service account {name}",
             lambda pod: uses_of(pod.get("spec") or {}).service_account == name)
    elif key == "persistentvolumeclaims":
        pods(f"Pods mounting claim {name}", lambda pod: name in uses_of(pod.get("spec") or {}).pvcs)
    elif key == "persistentvolumes":
        claim = (raw.get("spec") or {}).get("claimRef") or {}
        if not claim.get("name"):
            screen.notify(f"volume {name} is not bound to a claim", severity="warning")
            return
        claim_ns, claim_name = claim.get("namespace"), claim.get("name")
        app.push_screen(ResourceScreen(PVCS, title=f"Claim of volume {name}", namespace=claim_ns,
                                       predicate=lambda pvc: _meta(pvc).get("name") == claim_name))
    elif key == "storageclasses.storage.k8s.io":
        app.push_screen(ResourceScreen(PVCS, title=f"Claims of storage class {name}", all_namespaces=True,
                                       predicate=lambda pvc: (pvc.get("spec") or {}).get("storageClassName")
                                       == name))
    elif key == "nodes":
        app.push_screen(ResourceScreen(kinds.PODS, title=f"Pods on node {name}", all_namespaces=True,
                                       predicate=lambda pod: (pod.get("spec") or {}).get("nodeName") == name))
    elif key == "pods":
        app.push_screen(ContainersScreen(uid, namespace or "", name))
    elif key == "namespaces":
        screen.k8s_app.switch_namespace(name)
    else:
        screen.action_describe()


class ContainersScreen(ClusterScreen):
    """The containers of one pod (init containers included), following the pod's watch events."""

    view_name = "containers"

    def __init__(self, pod_uid: str, namespace: str, pod_name: str) -> None:
        super().__init__()
        self.pod_uid = pod_uid
        self.namespace = namespace
        self.pod_name = pod_name
        self.model: TableModel[Any] = TableModel(CONTAINER_COLUMNS, key_of=lambda r: r.name)
        self.table = ResourceView(self.model, id="containers")

    def compose_body(self) -> ComposeResult:
        yield Pane(self._title(), self.table, id="containers-pane")

    def _title(self) -> str:
        return f"Containers of pod {self.namespace}/{self.pod_name}"

    def on_mount(self) -> None:
        self.informer = self.hold(kinds.PODS, self.namespace)
        self.at_unmount(self.informer.subscribe(self._on_change))
        self._refill()
        self.table.focus()

    def _on_change(self, batch: ChangeBatch) -> None:
        uid = self.pod_uid
        if uid in batch.added or uid in batch.modified or uid in batch.deleted or batch.relisted \
                or not self.model.total:  # nothing shown yet: the LIST may have ended without it
            self._refill()

    def _refill(self) -> None:
        raw = self.informer.get(self.pod_uid)
        pane = self.query_one("#containers-pane", Pane)
        if raw is None:
            if self.informer.synced:  # else the namespace's pods are still being listed (drilled from -A)
                pane.set_title(f"Pod {self.pod_name} is gone")
                self.model.clear()
            return
        from ...cluster.rows import container_rows

        pane.set_title(self._title())
        self.model.replace(container_rows(raw))

    def raw_object(self, table: ResourceView, row: Any) -> dict[str, Any] | None:
        return self.informer.get(self.pod_uid)

    def resource_of(self, table: ResourceView) -> ResourceKind | None:
        return kinds.PODS
