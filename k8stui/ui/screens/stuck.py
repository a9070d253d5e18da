""""Why is it stuck?" (``h`` on any workload or pod): the plain-language explanation of ``k8stui.diagnosis.stuck``.

The explanation is assembled from status, conditions and events the shared informers already hold, and
recomputed when they change (coalesced). For a crash loop it asks for the last lines of the previous container's
log; they are fetched in a worker (one request per crashed container, again only when the crash is a new one) and
shown inside the explanation. When capacity is the cause, the burst to the virtual node is offered: ``x`` runs the
usual guarded burst (RBAC pre-check, dry-run, confirmation) on the workload. ``M`` writes the explanation as
Markdown; every other key of the resource screens (``l`` logs, ``r`` restart, ``s`` scale ...) acts on the object
explained.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...diagnosis.live import STUCK_KINDS, LiveSnapshot, fetch_logs
from ...diagnosis.snapshot import ObjRef, Snapshot
from ...diagnosis.stuck import CAPACITY_CODES, Explanation, explain
from ...text import plain, sanitize
from .diagnosis_base import DiagnosisScreen

# The kind keys the screens' selections use -> the diagnosis kind names.
EXPLAINABLE = {"pods": "Pod", "deployments.apps": "Deployment", "replicasets.apps": "ReplicaSet",
               "statefulsets.apps": "StatefulSet", "daemonsets.apps": "DaemonSet", "jobs.batch": "Job"}
_CAUSE_STYLE = "bold red"


def open_stuck(screen: Any) -> None:
    """``h`` on a resource screen: explain its selected workload or pod."""
    selection = screen.selection()
    if selection is None:
        screen.notify("why stuck: nothing selected — move to a workload or a pod first", severity="warning")
        return
    kind_key, obj = selection
    kind = EXPLAINABLE.get(kind_key)
    if kind is None:
        screen.notify(f"why stuck: works on pods and workloads, not on {kind_key.split('.')[0]}",
                      severity="warning")
        return
    meta = obj.get("metadata") or {}
    screen.app.push_screen(StuckScreen(kind, str(meta.get("namespace") or ""), str(meta.get("name") or "")))


def render_explanation(ex: Explanation) -> Text:
    """The explanation as styled plain text (every server-supplied string sanitized, no markup)."""
    out = Text()
    out.append(sanitize(ex.headline) + "\n", style="bold red" if ex.stuck else "bold green")
    for line in ex.status:
        out.append(f"  {sanitize(line)}\n", style="dim")
    for cause in ex.causes:
        out.append("\n● ", style=_CAUSE_STYLE)
        out.append(sanitize(cause.title) + "\n", style="bold")
        if cause.pods:
            more = f" … (+{len(cause.pods) - 6})" if len(cause.pods) > 6 else ""
            out.append(f"  pods: {sanitize(', '.join(cause.pods[:6]))}{more}\n")
        for detail in cause.details:
            out.append(f"  {sanitize(detail)}\n")
        if cause.log_lines:
            container = cause.log.container if cause.log else "the container"
            out.append(f"  last lines of the previous run of {sanitize(container)}:\n", style="bold")
            for line in cause.log_lines:
                out.append(f"  │ {sanitize(line)}\n", style="dim")
        elif cause.log:
            out.append(f"  (reading the previous log of {sanitize(cause.log.container)} …)\n", style="dim")
        if cause.fix:
            out.append("  fix: ", style="bold green")
            out.append(sanitize(cause.fix) + "\n")
        for offer in cause.offers:
            out.append("  offer: ", style="bold cyan")
            out.append(sanitize(offer.label) + "\n", style="cyan")
    if not ex.causes and ex.stuck is False:
        out.append("\nNothing holds it up now. ", style="green")
        out.append("The explanation updates by itself if that changes.\n", style="dim")
    out.rstrip()
    return out


class StuckScreen(DiagnosisScreen):
    """The explanation of one workload or pod, kept current."""

    view_name = "why stuck"
    KINDS = tuple(STUCK_KINDS)
    BINDINGS = [Binding("x", "burst", "Burst (when offered)", show=False), Binding("M", "export_md", "Export Markdown")]
    DEFAULT_CSS = """
    StuckScreen #stuck-box { border: round $foreground 30%; border-title-color: $foreground 80%; height: 1fr; }
    StuckScreen #stuck-text { padding: 0 1; }
    """

    def __init__(self, kind: str, namespace: str, name: str) -> None:
        super().__init__(namespace or None)
        self.target = ObjRef(kind, namespace, name)
        self.explanation: Explanation | None = None
        self.logs: dict[tuple[str, str, str], list[str]] = {}
        self._asked: set[Any] = set()

    def reopen(self) -> StuckScreen:
        return StuckScreen(self.target.kind, self.target.namespace, self.target.name)

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="stuck-box") as box:
            box.border_title = plain(f"Why is it stuck? — {self.target.title}")
            yield Static(Text("looking…", style="dim"), id="stuck-text")

    def on_mount(self) -> None:
        self.query_one("#stuck-box").focus()
        self.start_live()

    def prepare(self, live: LiveSnapshot) -> Any:
        if live.syncing():  # an explanation from half the picture would be wrong: wait for every kind
            self.query_one("#stuck-box").border_subtitle = plain(self.coverage_note())
            return None
        return live.snapshot(), dict(self.logs)

    def compute(self, prepared: Any) -> tuple[Explanation, Snapshot]:
        snapshot, logs = prepared
        t = self.target
        return explain(snapshot, t.kind, t.namespace, t.name, now=time.time(), logs=logs), snapshot

    def apply(self, result: tuple[Explanation, Snapshot]) -> None:
        ex, snapshot = result
        self.explanation = ex
        self.query_one("#stuck-text", Static).update(render_explanation(ex))
        keys = ["x burst" if self.burst_offer() else "", "M export", "l logs", "esc back"]
        note = self.coverage_note()
        self.query_one("#stuck-box").border_subtitle = plain(" · ".join(k for k in [note, *keys] if k))
        wanted = [r for r in ex.log_requests if (r, self._restarts(snapshot, r)) not in self._asked]
        if wanted:
            self._asked.update((r, self._restarts(snapshot, r)) for r in wanted)
            self.run_worker(self._fetch_logs(wanted), group="stuck-logs", exit_on_error=False)

    @staticmethod
    def _restarts(snapshot: Snapshot, request: Any) -> int:
        """The container's restart count: a new crash means a new previous log to read."""
        pod = snapshot.by_name("Pod", request.namespace, request.pod) or {}
        for cs in (pod.get("status") or {}).get("containerStatuses") or ():
            if cs.get("name") == request.container:
                return int(cs.get("restartCount") or 0)
        return 0

    async def _fetch_logs(self, requests: list[Any]) -> None:
        async with self.k8s_app.connection.async_client() as client:
            found = await fetch_logs(client, requests)
        self.logs.update(found)
        self.changed()

    def burst_offer(self) -> Any:
        ex = self.explanation
        if ex is None:
            return None
        return next((o for c in ex.causes if c.code in CAPACITY_CODES for o in c.offers if o.action == "burst"), None)

    # -- keys act on the object explained ---------------------------------------------------------------------
    def selection(self) -> tuple[str, dict[str, Any]] | None:
        t = self.target
        resource = self.resource_for(t.kind)
        obj = self.snapshot().by_name(t.kind, t.namespace, t.name)
        return (resource.key, dict(obj)) if resource is not None and obj is not None else None

    def action_burst(self) -> None:
        """``x``: the burst offered for a capacity cause (the guarded burst flow, with its confirmation)."""
        offer = self.burst_offer()
        if offer is None:
            self.notify("no burst offered: capacity is not what holds it up", severity="warning")
            return
        if self.k8s_app.read_only:
            self.notify("read-only mode: burst is disabled", severity="warning")
            return
        from ..operations import run_operation

        resource = self.resource_for("Deployment")
        obj = self.snapshot().by_name("Deployment", offer.target.namespace, offer.target.name)
        if resource is None or obj is None:
            self.notify(f"{offer.target.title} is gone", severity="warning")
            return
        run_operation(self, "burst", (resource.key, dict(obj)))

    def action_export_md(self) -> None:
        if self.explanation is None:
            self.notify("nothing to export yet", severity="warning")
            return
        self.export(f"stuck_{self.target.name}", "md", self.explanation.to_markdown())
