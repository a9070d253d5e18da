"""The dashboard: workloads on the left with a details pane; pods and events of the selection on the right.

Selecting a Deployment narrows the pods table to its selector and the events table to the Deployment, its
ReplicaSets and its Pods — by ownerReferences (``cluster.ownership``), so ``web`` never shows the events of
``web-worker``; selecting a pod narrows events to that pod. All three tables are watch-driven.

A workload in trouble says so on its row: its name in red or yellow and an ISSUES column in a few words (a
stalled rollout, crash-looping or Pending or unready pods, recent restarts, alerts firing about it:
``cluster.workload_health``), and LINT counts its health findings (``diagnosis``, as ``:lint`` lists them).
Rows are re-projected when their pods, the firing alerts or the findings change, not only their Deployment.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ... import clock
from ...cluster import kinds
from ...cluster.ownership import DeploymentOwnership
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import Column, TableModel, cell
from ...cluster.workload_health import CRITICAL, WARNING, PodTroubleCache, alerts_about, deployment_health
from ...text import sanitize
from ..columns import columns_for
from ..projections import PodProjector
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen
from .details import deployment_details, pod_details

if TYPE_CHECKING:  # the rows load with the first one, after the app's first frame (row_kinds.py)
    from ...cluster.rows import DeploymentRow

# The dashboard's panes are narrow: the columns an on-call eye needs first (the full views have them all).
# ISSUES comes right after READY so that the reason a row is red is on screen in the narrow pane; UP-TO-DATE
# and AVAILABLE are in the Details pane (and :deploy) — READY and ISSUES say what they would.
WORKLOAD_KEYS = ("name", "ready", "issues", "lint", "version", "revision", "age")
POD_KEYS = ("name", "ready", "status", "restarts", "node", "age", "ip")
EVENT_KEYS = ("lastseen", "type", "reason", "message", "object")  # COUNT: in :events
DETAILS_AGE_SECONDS = 1.0  # how often the Details pane is re-rendered from its object (the Age line)

_LEVEL_STYLE = {CRITICAL: "bold red", WARNING: "bold yellow"}
_FINDING_STYLE = {"critical": "bold red", "warning": "yellow", "info": "dim"}
FINDINGS_SECONDS = 1.0  # how often the findings are brought up to date (when something changed)
REPROJECT_SECONDS = 0.25  # rows whose pods changed are projected again at most this often (coalesced)


def _name_cell(row: DeploymentRow) -> Any:
    return cell(row.name, _LEVEL_STYLE.get(row.issue_level, ""))


def _issues_cell(row: DeploymentRow) -> Any:
    return cell(", ".join(row.issues), _LEVEL_STYLE.get(row.issue_level, ""))


def _lint_cell(row: DeploymentRow) -> Any:
    if not row.findings_level:
        return ""  # not known yet
    return cell(str(row.findings), _FINDING_STYLE.get(row.findings_level, "green"))


def _issue_rank(row: DeploymentRow) -> tuple[int, int]:
    return ({CRITICAL: 0, WARNING: 1}.get(row.issue_level, 2), -len(row.issues))


def event_columns() -> list[Column[Any]]:
    """The events of the selection: OBJECT (``pod/checkout-7c6f9b786f-42bzt``: which of its pods) and MESSAGE give
    way together when the pane is narrow (the wider first), so a wide pane shows the pod's name whole."""
    return [replace(c, flex=1) if c.key == "object" else c for c in columns_for(kinds.EVENTS.key, only=EVENT_KEYS)]


def workload_columns(with_namespace: bool = False) -> list[Column[Any]]:
    """The dashboard's Deployment columns: the stock ones, the name coloured by trouble, ISSUES and LINT."""
    base = {c.key: c for c in columns_for(kinds.DEPLOYMENTS.key, with_namespace=with_namespace)}
    extra = {
        "name": Column("name", "NAME", _name_cell, base["name"].sort_key),
        "issues": Column("issues", "ISSUES", _issues_cell, _issue_rank),
        "lint": Column("lint", "LINT", _lint_cell, lambda r: -r.findings),
    }
    keys = (("namespace",) if with_namespace else ()) + WORKLOAD_KEYS
    return [extra.get(k) or base[k] for k in keys]


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

    def __init__(self, *, deferred: bool = False) -> None:
        super().__init__()
        # Made under the view a start command (``-c pods``) opened: its panes and informers wait until the user
        # first comes back to it, so that they do not delay that view's first paint (see ``on_screen_resume``).
        self.deferred = deferred
        all_ns = False
        self.workloads_model: TableModel[Any] = TableModel(workload_columns(), key_of=lambda r: r.uid)
        self.pods_model: TableModel[Any] = TableModel(columns_for(kinds.PODS.key, only=POD_KEYS),
                                                      key_of=lambda r: r.uid)
        self.events_model: TableModel[Any] = TableModel(event_columns(), key_of=lambda r: r.uid,
                                                        sort_column="lastseen")
        self.workloads = ResourceView(self.workloads_model, id="workloads")
        self.pods = ResourceView(self.pods_model, id="pods")
        self.events = ResourceView(self.events_model, id="events")
        self.details = Static(Text("select a workload"), id="details")
        self._all_ns = all_ns
        self.selected_deployment: str = ""
        self.selected_pod: str = ""
        self.details_uid: str = ""
        self.pod_projector: PodProjector | None = None
        self.ownership: DeploymentOwnership | None = None
        self.pod_troubles = PodTroubleCache()
        self._stale_workloads: set[str] | None = set()  # rows to project again (None: all)
        self._reproject_due = False
        self.findings: list[Any] = []  # the health findings (diagnosis.findings), once the workloads are listed
        # (kind, namespace, name) -> (count, worst severity) of the findings about each workload
        self.findings_by_workload: dict[tuple[str, str, str], tuple[int, str]] = {}

    def reopen(self) -> DashboardScreen:
        return DashboardScreen()

    def compose(self) -> ComposeResult:
        if self.deferred:  # nothing until first shown: its header, footer and command bar cost the first view's
            return         # frame ~20 ms (mounted and styled under it)
        yield from super().compose()

    def compose_body(self) -> ComposeResult:
        all_ns = self.k8s_app.all_namespaces
        if all_ns:
            self.workloads_model.set_columns(workload_columns(with_namespace=True))
            self.pods_model.set_columns(columns_for(kinds.PODS.key, with_namespace=True, only=POD_KEYS))
        yield Horizontal(*([] if self.deferred else self._panes()), id="dashboard-body")

    def _panes(self) -> list[Widget]:
        # Imported here: under a start command's view (deferred) the metrics code loads when the dashboard is first
        # shown, not before that view's first frame. The logs pane is made when ``L`` first shows it.
        from ..widgets.sparklines import MetricsSparklines

        scroll = VerticalScroll(self.details, id="details-scroll")
        scroll.border_title = "Details"
        left = Vertical(Pane("Workloads", self.workloads, id="workloads-pane"), scroll, id="left")
        right = Vertical(Pane("Pods", self.pods, id="pods-pane"), MetricsSparklines(id="metrics-pane"),
                         Pane("Events", self.events, id="events-pane"), id="right")
        return [left, right]

    def on_mount(self) -> None:
        if not self.deferred:
            self._start()

    async def on_screen_resume(self) -> None:
        """Shown for the first time after a start command's view: make the panes and start the informers now."""
        if self.deferred and self.app.screen is self:  # (is_current also means "just under the top screen")
            self.deferred = False
            await self.mount_all(list(self.compose()))
            self._start()

    def _start(self) -> None:
        ns = self.k8s_app.scope_namespace
        deployments = self.hold(kinds.DEPLOYMENTS, ns)
        pods = self.hold(kinds.PODS, ns)
        events = self.hold(kinds.EVENTS, ns)
        replicasets = self.hold(kinds.REPLICASETS, ns)
        self.ownership = DeploymentOwnership(replicasets, pods)
        self.ownership.start()
        self.at_unmount(self.ownership.stop)
        self.pod_projector = PodProjector(self)
        self.workloads_feed = self.add_feed(InformerFeed(
            self.workloads_model, deployments, self.project_workload,
            on_health=self.query_one("#workloads-pane", Pane).show_health))
        self.at_unmount(pods.subscribe(lambda batch: self.pod_troubles.forget(batch.deleted)))
        self.at_unmount(self.ownership.subscribe(self._reproject_workloads))
        self.at_unmount(self.k8s_app.alert_watch.subscribe(lambda _watch: self._reproject_workloads(None)))
        self.set_interval(REPROJECT_SECONDS, self._reproject_now)
        self.run_worker(self._start_findings(deployments), group="findings", exit_on_error=False)
        self.pods_feed = self.add_feed(InformerFeed(
            self.pods_model, pods, self.pod_projector.project, predicate=lambda _obj: False,
            on_health=self.query_one("#pods-pane", Pane).show_health))
        self.events_feed = self.add_feed(InformerFeed(
            self.events_model, events, lambda raw: kinds_project(kinds.EVENTS, raw), predicate=lambda _obj: False,
            on_health=self.query_one("#events-pane", Pane).show_health))
        self.at_unmount(deployments.subscribe(self._details_follow_changes))
        self.at_unmount(pods.subscribe(self._details_follow_changes))
        self.set_interval(DETAILS_AGE_SECONDS, self._refresh_details)  # its Age moves on while nothing changes
        self.workloads.focus()

    # -- incident marking -------------------------------------------------------------------------------
    def project_workload(self, raw: dict[str, Any]) -> DeploymentRow:
        """A Deployment's row with its trouble (pods by ownership, alerts about it) and its findings count."""
        from ...cluster.rows import deployment_row

        row = deployment_row(raw)
        ownership = self.ownership
        if ownership is None:
            return row
        pods = ownership.pods_of(row.uid)
        alerts = alerts_about(self.k8s_app.alert_watch.firing, raw,
                              ((p.get("metadata") or {}).get("name", "") for p in pods))
        troubles = self.pod_troubles
        health = deployment_health(raw, [troubles.get(p) for p in pods], alerts, now=clock.now())
        count, worst = (self.findings_by_workload.get(("Deployment", row.namespace, row.name), (0, "none"))
                        if self._findings_ready else (0, ""))
        return replace(row, issues=health.reasons, issue_level=health.level, findings=count, findings_level=worst)

    _findings_ready = False  # the findings were computed once (until then LINT is blank, not "0")

    def _reproject_workloads(self, deployment_uids: Any) -> None:
        """Pods, alerts or findings changed: project these rows again (None: every row), coalesced — a
        Deployment of 10k pods is summed up a few times a second at most, not once per pod event."""
        if deployment_uids is None:
            self._stale_workloads = None
        elif self._stale_workloads is not None:
            self._stale_workloads |= deployment_uids
        self._reproject_due = True  # informer callbacks run outside Textual's context: a timer picks it up

    def _reproject_now(self) -> None:
        if not self._reproject_due:
            return
        self._reproject_due = False
        stale, self._stale_workloads = self._stale_workloads, set()
        feed = getattr(self, "workloads_feed", None)
        if feed is None:
            return
        if self.selected_deployment and (stale is None or self.selected_deployment in stale):
            # which events are about the selection depends on ownership (pod -> ReplicaSet -> Deployment), which
            # just changed: e.g. the ReplicaSets were listed after the events
            self.events_feed.refill()
        if stale is None:
            feed.reproject_all()
        elif stale:
            feed.reproject(stale)

    async def _start_findings(self, deployments: Any) -> None:
        """Count the health findings per workload once the workloads are on screen (the rules read many kinds:
        their informers start after the first paint), then keep the counts current. The rules run in a thread on
        a snapshot taken on the loop (at 10k pods the cluster rules take ~50-200 ms: never on the UI loop), and
        the cluster rules at most once a second and a third of the time, as in ``:lint``."""
        from ...diagnosis.findings import FindingsEngine, count_by_workload
        from ...diagnosis.live import LiveSnapshot

        await deployments.wait_synced()
        app = self.k8s_app
        registry = getattr(getattr(app, "discovery", None), "registry", None)
        live = LiveSnapshot(app.hub, app.scope_namespace, registry=registry, background=True)
        live.start()
        self.at_unmount(lambda: self.app.run_worker(live.close(), exit_on_error=False))
        await live.wait_synced(timeout=10)
        engine = FindingsEngine()
        known: frozenset[str] = frozenset()

        def compute(snapshot: Any, changes: Any) -> tuple[list[Any], dict[tuple[str, str, str], tuple[int, str]]]:
            started = time.monotonic()
            runs = engine.cluster_runs
            findings = engine.update(snapshot, changes, started)
            if engine.cluster_runs != runs:
                engine.cluster_interval = max(1.0, 3 * (time.monotonic() - started))
            by_workload: dict[tuple[str, str, str], tuple[int, str]] = {}
            for key, by_severity in count_by_workload(findings, snapshot).items():
                worst = next((sev.value for sev, n in by_severity.items() if n), "none")
                by_workload[key] = (sum(by_severity.values()), worst)
            return findings, by_workload

        while True:
            # Hidden under another screen (``:pods`` of 10k pods): nobody sees the LINT column, and the rules
            # would hold the GIL against the UI loop every second; the counts catch up once the dashboard shows.
            if not self.suspended and (not self._findings_ready or live.dirty or engine.pending):
                snapshot = live.snapshot()  # on the loop: the informers' dicts are copied here, read in the thread
                changes = live.take_changes()
                if frozenset(snapshot.kinds) != known:  # a kind became usable (synced) or not: evaluate all again
                    changes, known = None, frozenset(snapshot.kinds)
                self.findings, by_workload = await asyncio.to_thread(compute, snapshot, changes)
                changed = by_workload != self.findings_by_workload or not self._findings_ready
                self.findings_by_workload = by_workload
                self._findings_ready = True
                if changed:
                    self._reproject_workloads(None)
            await asyncio.sleep(FINDINGS_SECONDS)

    def _details_follow_changes(self, batch: Any) -> None:
        """Keep the details pane true while its object changes (replicas becoming ready, a rollback's revision,
        image and conditions, restarts ...), without the cursor moving."""
        shown = self.details_uid
        if shown and (shown in batch.modified or shown in batch.added):
            self._refresh_details()
        elif shown and shown in batch.deleted:
            self.details_uid = ""
            self.details.update(Text("deleted: select another object", style="dim"))

    def _refresh_details(self) -> None:
        """Render the details of the shown object from the informer's current copy."""
        shown = self.details_uid
        if not shown:
            return
        if shown == self.selected_deployment:
            raw = self.workloads_feed.informer.get(shown)
            if raw is not None:
                row = self.workloads_model.get(shown)  # with its ISSUES (projected with its pods and alerts)
                self.details.update(deployment_details(row if row is not None else self.project_workload(raw), raw))
        else:
            raw = self.pods_feed.informer.get(shown)
            if raw is not None and self.pod_projector is not None:
                self.details.update(pod_details(self.pod_projector.project(raw), raw))

    # -- selection ---------------------------------------------------------------------------------
    @on(ResourceView.CurrentChanged)
    def _metrics_follow_selection(self, event: ResourceView.CurrentChanged) -> None:
        self.query_one("#metrics-pane").follow(self.selection())  # type: ignore[attr-defined]

    @on(ResourceView.CurrentChanged, "#workloads")
    def _workload_highlighted(self, event: ResourceView.CurrentChanged) -> None:
        from ...cluster.rows import DeploymentRow

        row = self.workloads.current_row()
        if not isinstance(row, DeploymentRow):
            return
        self.show_deployment(row)

    def show_deployment(self, row: DeploymentRow) -> None:
        from ...cluster.rows import selector_matches

        raw = self.workloads_feed.informer.get(row.uid) or {}
        selector = (raw.get("spec") or {}).get("selector")
        namespace = row.namespace
        if self.selected_deployment != row.uid:
            self.selected_deployment = row.uid
            self.pods_feed.set_predicate(
                lambda pod: pod["metadata"].get("namespace") == namespace and selector is not None
                and selector_matches(selector, pod["metadata"].get("labels") or {}))
            ownership = self.ownership
            uid, name = row.uid, row.name
            self.events_feed.set_predicate(
                lambda event: ownership is not None and ownership.event_is_about(event, uid, name, namespace))
            self.query_one("#pods-pane", Pane).set_title(f"Pods of {row.name}")
            self.query_one("#events-pane", Pane).set_title(f"Events of {row.name}")
        self.details_uid = row.uid
        self.details.update(deployment_details(row, raw))

    @on(ResourceView.CurrentChanged, "#pods")
    def _pod_highlighted(self, event: ResourceView.CurrentChanged) -> None:
        if self.focused is not self.pods:
            return
        from ...cluster.rows import PodRow

        row = self.pods.current_row()
        if isinstance(row, PodRow):
            raw = self.pods_feed.informer.get(row.uid) or {}
            self.details_uid = row.uid
            self.details.update(pod_details(row, raw))

    async def action_toggle_logs(self) -> None:
        """``L``: the bottom pane shows the logs of the selection (following it) instead of its events. The pane
        is made the first time (most starts never open it: its widgets and CSS are not on the first frame)."""
        shown = not self.has_class("-logs")
        panels = self.query("#logs-pane")
        if panels:
            panel = panels.first()
        elif shown:
            from .logs import LogsPanel

            panel = LogsPanel(id="logs-pane")
            await self.query_one("#right").mount(panel)
        else:
            return
        self.set_class(shown, "-logs")
        panel.follow_selection(self if shown else None)  # type: ignore[attr-defined]

    @on(ResourceView.RowSelected, "#workloads")
    def _workload_selected(self, event: ResourceView.RowSelected) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        """enter: deployment → its pods (full screen) → a pod's containers."""
        from ...cluster.rows import DeploymentRow, PodRow, selector_matches
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
        from ...cluster.rows import PodRow

        row = self.pods.current_row()
        if isinstance(row, PodRow):
            self.selected_pod = row.uid
            self.events_feed.set_predicate(_about_pod(row.uid, row.name))
            self.query_one("#events-pane", Pane).set_title(f"Events of pod {sanitize(row.name)}")
            self.action_drill()


def kinds_project(kind: kinds.ResourceKind, raw: dict[str, Any]) -> Any:
    from ...cluster.rows import project

    return project(kind, raw)
