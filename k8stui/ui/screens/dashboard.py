"""The dashboard: workloads on the left with a details pane; pods and events of the selection on the right.

Selecting a Deployment narrows the pods table to its selector and the events table to the Deployment, its
ReplicaSets and its Pods; selecting a pod narrows events to that pod. All three tables are watch-driven.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from ...cluster import kinds
from ...cluster.rows import DeploymentRow, PodRow, selector_matches
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import TableModel
from ...text import sanitize
from ..columns import columns_for
from ..projections import PodProjector
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from ..widgets.sparklines import MetricsSparklines
from .base import ClusterScreen
from .details import deployment_details, pod_details
from .logs import LogsPanel

# The dashboard's panes are narrow: the columns an on-call eye needs first (the full views have them all).
WORKLOAD_KEYS = ("name", "ready", "uptodate", "available", "version", "revision", "age")
POD_KEYS = ("name", "ready", "status", "restarts", "node", "age", "ip")
EVENT_KEYS = ("lastseen", "type", "reason", "message", "object")  # COUNT: in :events


def _owned_by_deployment(name: str) -> Any:
    """Events about the Deployment, its ReplicaSets (name-hash) and its Pods (name-hash-id)."""
    prefix = f"{name}-"

    def predicate(event: dict[str, Any]) -> bool:
        io = event.get("involvedObject") or {}
        io_name = io.get("name", "")
        kind = io.get("kind")
        if kind == "Deployment":
            return io_name == name
        return kind in ("ReplicaSet", "Pod") and io_name.startswith(prefix)

    return predicate


def _about_pod(uid: str, name: str) -> Any:
    def predicate(event: dict[str, Any]) -> bool:
        io = event.get("involvedObject") or {}
        return io.get("kind") == "Pod" and (io.get("uid") == uid or io.get("name") == name)

    return predicate


class DashboardScreen(ClusterScreen):
    """Workloads, pods, events and details of the current namespace."""

    view_name = "dashboard"
    BINDINGS = [
        Binding("enter", "drill", "Drill down"),
        Binding("tab", "complete_or_focus", "Next pane", show=False, priority=True),  # base: completes in ":"
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("L", "toggle_logs", "Logs pane", show=False),
    ]
    DEFAULT_CSS = """
    DashboardScreen #left { width: 45%; }
    DashboardScreen #workloads-pane { height: 3fr; }
    DashboardScreen #details-scroll { height: 2fr; border: round $foreground 30%;
                                      border-title-color: $foreground 80%; }
    DashboardScreen #pods-pane { height: 3fr; }
    DashboardScreen #events-pane { height: 2fr; }
    DashboardScreen #logs-pane { height: 2fr; display: none; }
    DashboardScreen.-logs #logs-pane { display: block; }
    DashboardScreen.-logs #events-pane { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        all_ns = False
        self.workloads_model: TableModel[Any] = TableModel(columns_for(kinds.DEPLOYMENTS.key, only=WORKLOAD_KEYS),
                                                           key_of=lambda r: r.uid)
        self.pods_model: TableModel[Any] = TableModel(columns_for(kinds.PODS.key, only=POD_KEYS),
                                                      key_of=lambda r: r.uid)
        self.events_model: TableModel[Any] = TableModel(columns_for(kinds.EVENTS.key, only=EVENT_KEYS),
                                                        key_of=lambda r: r.uid, sort_column="lastseen")
        self.workloads = ResourceView(self.workloads_model, id="workloads")
        self.pods = ResourceView(self.pods_model, id="pods")
        self.events = ResourceView(self.events_model, id="events")
        self.details = Static(Text("select a workload"), id="details")
        self._all_ns = all_ns
        self.selected_deployment: str = ""
        self.selected_pod: str = ""
        self.details_uid: str = ""
        self.pod_projector: PodProjector | None = None

    def reopen(self) -> DashboardScreen:
        return DashboardScreen()

    def compose_body(self) -> ComposeResult:
        all_ns = self.k8s_app.all_namespaces
        if all_ns:
            self.workloads_model.set_columns(columns_for(kinds.DEPLOYMENTS.key, with_namespace=True,
                                                         only=WORKLOAD_KEYS))
            self.pods_model.set_columns(columns_for(kinds.PODS.key, with_namespace=True, only=POD_KEYS))
        with Horizontal():
            with Vertical(id="left"):
                yield Pane("Workloads", self.workloads, id="workloads-pane")
                scroll = VerticalScroll(self.details, id="details-scroll")
                scroll.border_title = "Details"
                yield scroll
            with Vertical(id="right"):
                yield Pane("Pods", self.pods, id="pods-pane")
                yield MetricsSparklines(id="metrics-pane")
                yield Pane("Events", self.events, id="events-pane")
                yield LogsPanel(id="logs-pane")

    def on_mount(self) -> None:
        ns = self.k8s_app.scope_namespace
        deployments = self.hold(kinds.DEPLOYMENTS, ns)
        pods = self.hold(kinds.PODS, ns)
        events = self.hold(kinds.EVENTS, ns)
        self.pod_projector = PodProjector(self)
        self.workloads_feed = self.add_feed(InformerFeed(
            self.workloads_model, deployments, lambda raw: kinds_project(kinds.DEPLOYMENTS, raw),
            on_health=self.query_one("#workloads-pane", Pane).show_health))
        self.pods_feed = self.add_feed(InformerFeed(
            self.pods_model, pods, self.pod_projector.project, predicate=lambda _obj: False,
            on_health=self.query_one("#pods-pane", Pane).show_health))
        self.events_feed = self.add_feed(InformerFeed(
            self.events_model, events, lambda raw: kinds_project(kinds.EVENTS, raw), predicate=lambda _obj: False,
            on_health=self.query_one("#events-pane", Pane).show_health))
        self.at_unmount(deployments.subscribe(self._details_follow_changes))
        self.at_unmount(pods.subscribe(self._details_follow_changes))
        self.workloads.focus()

    def _details_follow_changes(self, batch: Any) -> None:
        """Keep the details pane true while its object changes (replicas becoming ready, restarts ...)."""
        shown = self.details_uid
        if shown and (shown in batch.modified or shown in batch.added):
            if shown == self.selected_deployment:
                raw = self.workloads_feed.informer.get(shown)
                if raw is not None:
                    self.details.update(deployment_details(kinds_project(kinds.DEPLOYMENTS, raw), raw))
            else:
                raw = self.pods_feed.informer.get(shown)
                if raw is not None:
                    self.details.update(pod_details(self.pod_projector.project(raw), raw))

    # -- selection ---------------------------------------------------------------------------------
    @on(ResourceView.CurrentChanged)
    def _metrics_follow_selection(self, event: ResourceView.CurrentChanged) -> None:
        self.query_one(MetricsSparklines).follow(self.selection())

    @on(ResourceView.CurrentChanged, "#workloads")
    def _workload_highlighted(self, event: ResourceView.CurrentChanged) -> None:
        row = self.workloads.current_row()
        if not isinstance(row, DeploymentRow):
            return
        self.show_deployment(row)

    def show_deployment(self, row: DeploymentRow) -> None:
        raw = self.workloads_feed.informer.get(row.uid) or {}
        selector = (raw.get("spec") or {}).get("selector")
        namespace = row.namespace
        if self.selected_deployment != row.uid:
            self.selected_deployment = row.uid
            self.pods_feed.set_predicate(
                lambda pod: pod["metadata"].get("namespace") == namespace and selector is not None
                and selector_matches(selector, pod["metadata"].get("labels") or {}))
            self.events_feed.set_predicate(_owned_by_deployment(row.name))
            self.query_one("#pods-pane", Pane).set_title(f"Pods of {row.name}")
            self.query_one("#events-pane", Pane).set_title(f"Events of {row.name}")
        self.details_uid = row.uid
        self.details.update(deployment_details(row, raw))

    @on(ResourceView.CurrentChanged, "#pods")
    def _pod_highlighted(self, event: ResourceView.CurrentChanged) -> None:
        if self.focused is not self.pods:
            return
        row = self.pods.current_row()
        if isinstance(row, PodRow):
            raw = self.pods_feed.informer.get(row.uid) or {}
            self.details_uid = row.uid
            self.details.update(pod_details(row, raw))

    def action_toggle_logs(self) -> None:
        """``L``: the bottom pane shows the logs of the selection (following it) instead of its events."""
        shown = not self.has_class("-logs")
        self.set_class(shown, "-logs")
        self.query_one(LogsPanel).follow_selection(self if shown else None)

    @on(ResourceView.RowSelected, "#workloads")
    def _workload_selected(self, event: ResourceView.RowSelected) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        """enter: deployment → its pods (full screen) → a pod's containers."""
        from .resource import ContainersScreen, ResourceScreen

        table = self.active_table()
        row = table.current_row() if table else None
        if isinstance(row, DeploymentRow):
            raw = self.workloads_feed.informer.get(row.uid) or {}
            selector = (raw.get("spec") or {}).get("selector")
            screen = ResourceScreen(kinds.PODS, title=f"Pods of deployment {row.name}",
                                    predicate=lambda pod: pod["metadata"].get("namespace") == row.namespace
                                    and selector_matches(selector, pod["metadata"].get("labels") or {}))
            self.app.push_screen(screen)
        elif isinstance(row, PodRow):
            self.app.push_screen(ContainersScreen(row.uid, row.namespace, row.name))

    @on(ResourceView.RowSelected, "#pods")
    def _pod_selected(self, event: ResourceView.RowSelected) -> None:
        row = self.pods.current_row()
        if isinstance(row, PodRow):
            self.selected_pod = row.uid
            self.events_feed.set_predicate(_about_pod(row.uid, row.name))
            self.query_one("#events-pane", Pane).set_title(f"Events of pod {sanitize(row.name)}")
            self.action_drill()


def kinds_project(kind: kinds.ResourceKind, raw: dict[str, Any]) -> Any:
    from ...cluster.rows import project

    return project(kind, raw)
