"""Full-screen resource views (``:pods``, ``:deploy``, ``:svc`` ...) and a pod's containers.

``enter`` drills down: a Deployment, ReplicaSet or Service to its pods, a node to the pods on it, a pod to
its containers, a namespace to the dashboard of that namespace, a context to that context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from ...cluster import kinds
from ...cluster.kinds import ResourceKind
from ...cluster.rows import container_rows, project, selector_matches
from ...cluster.store import ChangeBatch
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import TableModel
from ..columns import CONTAINER_COLUMNS, columns_for
from ..projections import PodProjector
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen

Predicate = Callable[[dict[str, Any]], bool]


class ResourceScreen(ClusterScreen):
    """One kind, in the current namespace (or all), optionally narrowed by a predicate (drill-down)."""

    BINDINGS = [Binding("enter", "drill", "Drill down")]

    def __init__(self, kind: ResourceKind, *, title: str | None = None, predicate: Predicate | None = None,
                 all_namespaces: bool | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.predicate = predicate
        self.title_text = title or kind.kind + "s"
        self.view_name = kind.plural
        self._force_all = all_namespaces
        self.initial_filter = ""
        self.model: TableModel[Any] | None = None
        self.table: ResourceView | None = None
        self.feed: InformerFeed[Any] | None = None

    def reopen(self) -> ResourceScreen:
        return ResourceScreen(self.kind)

    @property
    def all_namespaces(self) -> bool:
        return self._force_all if self._force_all is not None else self.k8s_app.all_namespaces

    def compose_body(self) -> ComposeResult:
        with_ns = self.kind.namespaced and self.all_namespaces
        self.model = TableModel(columns_for(self.kind.key, with_namespace=with_ns), key_of=lambda r: r.uid,
                                sort_column="lastseen" if self.kind is kinds.EVENTS else "name")
        self.table = ResourceView(self.model, id="resources")
        scope = "all namespaces" if with_ns else (self.k8s_app.namespace if self.kind.namespaced else "cluster")
        yield Pane(f"{self.title_text} ({scope})", self.table, id="resources-pane")

    def on_mount(self) -> None:
        assert self.table is not None and self.model is not None
        namespace = None if self.all_namespaces else self.k8s_app.namespace
        informer = self.hold(self.kind, namespace if self.kind.namespaced else None)
        project_fn: Callable[[dict[str, Any]], Any]
        if self.kind is kinds.PODS:
            project_fn = PodProjector(self).project
        else:
            project_fn = lambda raw: project(self.kind, raw)  # noqa: E731
        self.feed = self.add_feed(InformerFeed(self.model, informer, project_fn, predicate=self.predicate,
                                               on_health=self.query_one("#resources-pane", Pane).show_health))
        if self.initial_filter:
            self.table.set_filter(self.initial_filter)
        self.table.focus()

    @on(ResourceView.RowSelected, "#resources")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        assert self.table is not None and self.feed is not None
        row = self.table.current_row()
        if row is None:
            return
        raw = self.feed.informer.get(row.uid) or {}
        meta = raw.get("metadata") or {}
        namespace, name = meta.get("namespace"), meta.get("name", "")
        key = self.kind.key
        if key in ("deployments.apps", "replicasets.apps"):
            selector = (raw.get("spec") or {}).get("selector")
            self._push_pods(f"Pods of {self.kind.kind.lower()} {name}",
                            lambda pod: pod["metadata"].get("namespace") == namespace
                            and selector_matches(selector, pod["metadata"].get("labels") or {}))
        elif key == "services":
            selector = (raw.get("spec") or {}).get("selector") or {}
            if not selector:
                self.notify(f"service {name} has no selector", severity="warning")
                return
            self._push_pods(f"Pods behind service {name}",
                            lambda pod: pod["metadata"].get("namespace") == namespace
                            and all((pod["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items()))
        elif key == "nodes":
            self.app.push_screen(ResourceScreen(kinds.PODS, title=f"Pods on node {name}", all_namespaces=True,
                                                predicate=lambda pod: (pod.get("spec") or {}).get("nodeName") == name))
        elif key == "pods":
            self.app.push_screen(ContainersScreen(row.uid, namespace or "", name))
        elif key == "namespaces":
            self.k8s_app.switch_namespace(name)

    def _push_pods(self, title: str, predicate: Predicate) -> None:
        self.app.push_screen(ResourceScreen(kinds.PODS, title=title, predicate=predicate))


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
        yield Pane(f"Containers of pod {self.namespace}/{self.pod_name}", self.table, id="containers-pane")

    def on_mount(self) -> None:
        self.informer = self.hold(kinds.PODS, self.namespace)
        self.at_unmount(self.informer.subscribe(self._on_change))
        self._refill()
        self.table.focus()

    def _on_change(self, batch: ChangeBatch) -> None:
        if self.pod_uid in batch.added or self.pod_uid in batch.modified or self.pod_uid in batch.deleted:
            self._refill()

    def _refill(self) -> None:
        raw = self.informer.get(self.pod_uid)
        if raw is None:
            self.query_one("#containers-pane", Pane).set_title(f"Pod {self.pod_name} is gone")
            self.model.clear()
            return
        self.model.replace(container_rows(raw))

    def raw_object(self, table: ResourceView, row: Any) -> dict[str, Any] | None:
        return self.informer.get(self.pod_uid)

    def resource_of(self, table: ResourceView) -> ResourceKind | None:
        return kinds.PODS
