"""``:timeline [NAMESPACE|KIND/NAME|NAME]``: "what changed just before it broke?", newest first.

One time-ordered table merging Kubernetes events, rollout steps (ReplicaSet revisions and their scaling), pod
restarts, firing and resolved alerts and k8stui's own audit log (``k8stui.diagnosis.timeline``), for a namespace,
all namespaces or one workload. It follows the shared informers (coalesced recompute), the audit file (by mtime)
and the alerts (the app's one poll of Prometheus/AlertManager, ``app.alert_watch``: an alert that stops firing is
shown resolved from then on — the alerts API only lists what fires now; followed from the first ``:timeline``). ``M`` writes it as Markdown for the
incident channel (oldest first, as a channel reads it).

The argument: nothing -> the current namespace; ``all`` -> every namespace; ``deploy/checkout`` (any kubectl
short name of a workload kind) -> that workload in the current namespace; a bare name -> that namespace if it
exists, else the workload of that name in the current namespace.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ...actions.audit import AuditLog, mtime
from ...cluster.kinds import NAMESPACES
from ...cluster.table_model import Column, TableModel, cell
from ...diagnosis.live import TIMELINE_KINDS, LiveSnapshot
from ...diagnosis.snapshot import ObjRef
from ...diagnosis.timeline import (
    CRITICAL,
    WARNING,
    AlertTracker,
    Entry,
    build_timeline,
    title_for,
    to_markdown,
)
from ...text import plain, sanitize
from ..widgets.resource_view import ResourceView
from .diagnosis_base import DiagnosisScreen

AUDIT_POLL_SECONDS = 2.0
AUDIT_LIMIT = 2000
WORKLOAD_KINDS = {"deploy": "Deployment", "deployment": "Deployment", "deployments": "Deployment",
                  "dp": "Deployment", "sts": "StatefulSet", "statefulset": "StatefulSet",
                  "statefulsets": "StatefulSet", "ds": "DaemonSet", "daemonset": "DaemonSet",
                  "daemonsets": "DaemonSet", "job": "Job", "jobs": "Job", "cj": "CronJob", "cronjob": "CronJob",
                  "cronjobs": "CronJob", "rs": "ReplicaSet", "replicaset": "ReplicaSet", "replicasets": "ReplicaSet",
                  "po": "Pod", "pod": "Pod", "pods": "Pod"}
# The kinds a bare name is looked up in, in order.
_BARE_NAME_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")
SEVERITY_STYLE = {CRITICAL: "bold red", WARNING: "yellow"}
SOURCE_STYLE = {"alert": "magenta", "rollout": "cyan", "audit": "green", "restart": "red", "event": ""}

class AppAlerts:
    """Alert transitions of one app, from its ``AlertWatch`` (the one poll of the alert sources the header uses):
    followed from the first ``:timeline`` on, for the rest of the app's life, so an alert that fired and resolved
    while another view was shown is still on the timeline. A context switch starts a new history."""

    def __init__(self, app: Any) -> None:
        self.app = weakref.ref(app)
        self.context = ""
        self.tracker = AlertTracker()
        self._listeners: list[Any] = []
        app.alert_watch.subscribe(self._polled)
        self._polled(app.alert_watch)

    def _polled(self, watch: Any) -> None:
        app = self.app()
        if app is None or watch.latest is None:
            return
        context = app.connection.target.context
        if context != self.context:
            self.context, self.tracker = context, AlertTracker()
        if self.tracker.observe(watch.latest.alerts, time.time()):
            for listener in list(self._listeners):
                listener()

    def subscribe(self, listener: Any) -> Any:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @property
    def transitions(self) -> list[Any]:
        return list(self.tracker.transitions)


_alerts: weakref.WeakKeyDictionary[Any, AppAlerts] = weakref.WeakKeyDictionary()


def alerts_for(app: Any) -> AppAlerts:
    found = _alerts.get(app)
    if found is None:
        found = _alerts[app] = AppAlerts(app)
    return found


def entry_key(e: Entry) -> str:
    return "\x1f".join((f"{e.time:.3f}", e.source, e.object.kind, e.object.namespace, e.object.name, e.text))


def _clock(t: float) -> str:
    """``11:42:07`` today, ``11-27 23:59:01`` before (local time)."""
    same_day = time.localtime(t)[:3] == time.localtime()[:3]
    return time.strftime("%H:%M:%S" if same_day else "%m-%d %H:%M:%S", time.localtime(t))


def _what(e: Entry) -> Any:
    text = e.text + (f" (×{e.count})" if e.count > 1 else "")
    return cell(text, SEVERITY_STYLE.get(e.severity, ""))


TIMELINE_COLUMNS: list[Column[Entry]] = [
    Column("time", "TIME", lambda e: _clock(e.time), lambda e: (e.time, e.source, e.object.name)),
    Column("source", "SOURCE", lambda e: cell(e.source, SOURCE_STYLE.get(e.source, ""))),
    Column("object", "OBJECT", lambda e: f"{e.object.kind}/{e.object.name}"),
    Column("what", "WHAT HAPPENED", _what, flex=1),
]


class TimelineScreen(DiagnosisScreen):
    """The incident timeline of a namespace, all namespaces or one workload."""

    view_name = "timeline"
    KINDS = tuple(TIMELINE_KINDS)
    BINDINGS = [Binding("M", "export_md", "Export Markdown")]
    DEFAULT_CSS = """
    TimelineScreen #timeline-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    TimelineScreen #timeline-table { height: 1fr; }
    TimelineScreen #timeline-detail { height: auto; max-height: 4; border-top: solid $foreground 30%;
                                      padding: 0 1; }
    """

    def __init__(self, namespace: str | None, workload: tuple[str, str] | None = None, *, bare_name: str = "") -> None:
        super().__init__(namespace)
        self.workload = workload
        self.bare_name = bare_name  # a name to resolve (namespace or workload) once the view runs
        self.entries: list[Entry] = []
        self.model: TableModel[Entry] = TableModel(TIMELINE_COLUMNS, key_of=entry_key, sort_column="time",
                                                   reverse=True, tiebreak_column=None)
        self.audit = AuditLog()
        self.audit_records: list[Any] = []
        self._audit_mtime = -1.0

    @classmethod
    def for_argument(cls, app: Any, arg: str) -> TimelineScreen:
        ns = app.scope_namespace
        if not arg:
            return cls(ns)
        if arg in ("all", "-A", "*"):
            return cls(None)
        if "/" in arg:
            kind_text, _, name = arg.partition("/")
            kind = WORKLOAD_KINDS.get(kind_text.lower())
            if kind is None or not name:
                app.notify(f":timeline {arg}: not a workload (try deploy/NAME, sts/NAME, ds/NAME, job/NAME)",
                           severity="error")
            else:
                return cls(app.namespace, (kind, name))
            return cls(ns)
        return cls(app.namespace, bare_name=arg)

    @property
    def scope_title(self) -> str:
        if self.bare_name:
            return self.bare_name
        return title_for(self.namespace, self.workload)

    def reopen(self) -> TimelineScreen:
        return TimelineScreen(self.namespace, self.workload)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="timeline-box") as box:
            box.border_title = plain(f"Timeline — {self.scope_title}")
            yield ResourceView(self.model, show_summary=False, empty_text="looking…", id="timeline-table")
            yield Static("", id="timeline-detail")

    def on_mount(self) -> None:
        self.query_one("#timeline-table", ResourceView).focus()
        if self.bare_name:
            self.run_worker(self._resolve_then_start, group="timeline-resolve", exclusive=True,
                            exit_on_error=False)
        else:
            self.start_live()
        self._read_audit()
        self.set_interval(AUDIT_POLL_SECONDS, self._poll_audit)
        # The alert watch delivers from its poller's thread through the loop, outside the app's context: hop
        # back into it through the message queue (a timer made there would never fire).
        self.at_unmount(alerts_for(self.app).subscribe(lambda: self.call_later(self.changed)))

    async def _resolve_then_start(self) -> None:
        """A bare name: a namespace if the server has one of that name, else a workload here."""
        name = self.bare_name
        is_namespace = False
        try:
            async with self.k8s_app.connection.async_client() as client:
                resp = await client.get(NAMESPACES.path(None, name), timeout=5.0)
            is_namespace = resp.status_code == 200
        except Exception:  # unreachable: the live view reports the API's state; assume a workload here
            is_namespace = False
        if is_namespace:
            self.namespace = name
        else:
            self.workload = ("?", name)  # the kind is found in the snapshot (``recompute``)
        self.bare_name = ""
        self.query_one("#timeline-box").border_title = plain(f"Timeline — {self.scope_title}")
        await self._start_live()

    # -- sources that are not informers ------------------------------------------------------------------------
    def _poll_audit(self) -> None:
        if mtime(self.audit.path) != self._audit_mtime:
            self._read_audit()

    def _read_audit(self) -> None:
        self._audit_mtime = mtime(self.audit.path)
        self.audit_records = self.audit.read(AUDIT_LIMIT)
        self.changed()

    # -- the table -------------------------------------------------------------------------------------------
    def _workload(self, live: LiveSnapshot) -> tuple[str, str] | None:
        if self.workload is None or self.workload[0] != "?":
            return self.workload
        snapshot = live.snapshot()
        name = self.workload[1]
        for kind in _BARE_NAME_KINDS:
            if snapshot.by_name(kind, self.namespace, name) is not None:
                self.workload = (kind, name)
                self.query_one("#timeline-box").border_title = plain(f"Timeline — {self.scope_title}")
                return self.workload
        return ("Deployment", name)  # not (or no longer) there: its events and gone pods may still be

    def prepare(self, live: LiveSnapshot) -> Any:
        if live.syncing():
            self._subtitle()
            return None
        context = self.k8s_app.connection.target.context
        return (live.snapshot(), self._workload(live), alerts_for(self.app).transitions,
                list(self.audit_records), context)

    def compute(self, prepared: Any) -> list[Entry]:
        snapshot, workload, alerts, audit, context = prepared
        return build_timeline(snapshot, namespace=self.namespace, workload=workload, alerts=alerts, audit=audit,
                              context=context)

    def apply(self, result: list[Entry]) -> None:
        self.entries = result
        self.model.replace(self.entries)
        table = self.query_one("#timeline-table", ResourceView)
        if table.empty_text != "nothing happened here yet":
            table.empty_text = "nothing happened here yet"
            table.refresh()
        self._subtitle()
        self._show_current()

    def _subtitle(self) -> None:
        counts: dict[str, int] = {}
        for e in self.entries:
            counts[e.source] = counts.get(e.source, 0) + 1
        text = f"{len(self.entries)} entries" + (": " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                                                 if counts else "")
        parts = [text, self.coverage_note(), "M export · h why stuck · esc back"]
        self.query_one("#timeline-box").border_subtitle = plain(" · ".join(p for p in parts if p))

    def _show_current(self) -> None:
        detail = self.query_one("#timeline-detail", Static)
        row = self.query_one("#timeline-table", ResourceView).current_row()
        if row is None:
            detail.update(Text(""))
            return
        e: Entry = row
        out = Text()
        out.append(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.time)) + "  ", style="dim")
        out.append(f"{sanitize(e.object.title)}\n", style="bold")
        out.append(sanitize(e.text), style=SEVERITY_STYLE.get(e.severity, ""))
        if e.count > 1:
            first = time.strftime("%H:%M:%S", time.localtime(e.first)) if e.first else "?"
            out.append(f"  ×{e.count}, first at {first}", style="dim")
        detail.update(out)

    @on(ResourceView.CurrentChanged, "#timeline-table")
    def _highlighted(self, event: ResourceView.CurrentChanged) -> None:
        self._show_current()

    def row_ref(self, row: object) -> ObjRef | None:
        return row.object if isinstance(row, Entry) and row.source != "alert" else None

    def action_export_md(self) -> None:
        shown = sorted(self.query_one("#timeline-table", ResourceView).visible_rows(), key=Entry.sort_key)
        self.export("timeline", "md", to_markdown(shown, title=title_for(self.namespace, self.workload),
                                                  generated=time.time()))
