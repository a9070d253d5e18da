"""``:lint [NAMESPACE]``: the health findings of a namespace (or all), worst first, kept current.

Findings come from ``k8stui.diagnosis.findings`` run over the informers the app shares (``LiveFindings``): object
rules re-run for the objects a change batch names, cluster rules (Services vs pods, PDBs, blue/green pairs, RBAC)
at most once a second — no request of its own beyond the informers' watches. The table filters (``/``) and sorts
(``o``/``O``, or a click on a header) like every other; the highlighted finding's why, fix and command are shown
below it. ``M`` writes the findings shown as Markdown, ``J`` as JSON, and says where. ``d``, ``l`` and ``h`` act on
the finding's object.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ...cluster.table_model import Column, TableModel, cell
from ...diagnosis.findings import (
    Finding,
    FindingsEngine,
    Severity,
    count_by_severity,
    filter_findings,
    to_json,
    to_markdown,
)
from ...diagnosis.live import FINDINGS_KINDS, LiveSnapshot
from ...diagnosis.snapshot import ObjRef
from ...text import plain, sanitize
from ..widgets.resource_view import ResourceView
from .diagnosis_base import DiagnosisScreen

SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_key(f: Finding) -> str:
    return "\x1f".join(f.key)


FINDING_COLUMNS: list[Column[Finding]] = [
    Column("severity", "SEVERITY", lambda f: cell(f.severity.value, SEVERITY_STYLE[f.severity]),
           lambda f: (f.severity.rank, f.namespace, f.object.kind, f.object.name, f.rule)),
    Column("namespace", "NAMESPACE", lambda f: f.namespace),
    Column("object", "OBJECT", lambda f: f"{f.object.kind}/{f.object.name}"),
    # What is wrong shortens last (flex 1); why and fix are in full below the table for the highlighted row.
    Column("finding", "FINDING", lambda f: f.summary, flex=1),
    Column("why", "WHY IT MATTERS", lambda f: cell(f.why, "dim"), flex=2),
    Column("fix", "FIX", lambda f: f.fix, flex=2),
]


class LintScreen(DiagnosisScreen):
    """Health findings as a live table."""

    view_name = "lint"
    KINDS = tuple(FINDINGS_KINDS)
    BINDINGS = [Binding("M", "export('md')", "Export Markdown"), Binding("J", "export('json')", "Export JSON")]
    DEFAULT_CSS = """
    LintScreen #lint-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    LintScreen #lint-table { height: 1fr; }
    LintScreen #lint-detail { height: auto; max-height: 7; border-top: solid $foreground 30%; padding: 0 1; }
    """

    def __init__(self, namespace: str | None) -> None:
        super().__init__(namespace)
        columns = [c for c in FINDING_COLUMNS if namespace is None or c.key != "namespace"]
        self.model: TableModel[Finding] = TableModel(columns, key_of=finding_key, sort_column="severity",
                                                     tiebreak_column="object")
        # Object rules for the uids a change batch names, cluster rules at most once a second (the engine of
        # ``diagnosis.live.LiveFindings``, driven here so that it runs in the compute thread).
        self.engine = FindingsEngine()
        self._known: frozenset[str] = frozenset()
        self.findings: list[Finding] = []

    def reopen(self) -> LintScreen:
        app = self.k8s_app
        return LintScreen(app.scope_namespace)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="lint-box") as box:
            box.border_title = plain(f"Health findings — {self.scope_text}")
            yield ResourceView(self.model, show_summary=False, empty_text="looking…", id="lint-table")
            yield Static("", id="lint-detail")

    def on_mount(self) -> None:
        self.query_one("#lint-table", ResourceView).focus()
        self._subtitle()
        self.start_live()

    def prepare(self, live: LiveSnapshot) -> Any:
        snapshot = live.snapshot()
        changes = live.take_changes()
        known = frozenset(snapshot.kinds)
        if known != self._known:  # a kind became usable (synced) or unusable: evaluate everything again
            changes, self._known = None, known
        return snapshot, changes, not live.syncing()

    def compute(self, prepared: Any) -> tuple[list[Finding], bool]:
        snapshot, changes, synced = prepared
        runs, started = self.engine.cluster_runs, time.monotonic()
        findings = self.engine.update(snapshot, changes, started)
        if self.engine.cluster_runs != runs:
            # Under constant churn the cluster rules would run back to back on a big cluster (0.5 s at 10k pods):
            # keep them to a third of the time at most, and at most once a second.
            self.engine.cluster_interval = max(1.0, 3 * (time.monotonic() - started))
        if self.namespace:
            findings = filter_findings(findings, namespace=self.namespace)
        return findings, synced

    def apply(self, result: tuple[list[Finding], bool]) -> None:
        findings, synced = result
        self.findings = findings
        self.model.replace(findings)
        table = self.query_one("#lint-table", ResourceView)
        empty = "no findings: nothing here will hurt in the next incident" if synced else "looking…"
        if table.empty_text != empty:
            table.empty_text = empty
            table.refresh()
        self._subtitle()
        self._show_current()
        if self.engine.pending:  # cluster rules are rate-limited: run them when they are due
            self.set_timer(self.engine.cluster_interval, self.changed)

    def _subtitle(self) -> None:
        counts = count_by_severity(self.findings)
        text = f"{len(self.findings)} findings: " + ", ".join(f"{n} {s.value}" for s, n in counts.items())
        note = self.coverage_note()
        box = self.query_one("#lint-box")
        box.border_subtitle = plain(" · ".join(p for p in (text, note, "M/J export · h why stuck · esc back") if p))

    def _show_current(self) -> None:
        detail = self.query_one("#lint-detail", Static)
        row = self.query_one("#lint-table", ResourceView).current_row()
        if row is None:
            detail.update(Text(""))
            return
        f: Finding = row
        out = Text()
        out.append(f"{sanitize(f.object.title)}: ", style="bold")
        out.append(sanitize(f.summary) + f"  ({f.rule})\n")
        out.append("why: ", style="bold")
        out.append(sanitize(f.why) + "\n")
        out.append("fix: ", style="bold")
        out.append(sanitize(f.fix))
        if f.command:
            out.append("\n$ ", style="dim")
            out.append(sanitize(f.command), style="green")
        detail.update(out)

    @on(ResourceView.CurrentChanged, "#lint-table")
    def _highlighted(self, event: ResourceView.CurrentChanged) -> None:
        self._show_current()

    def row_ref(self, row: object) -> ObjRef | None:
        return row.object if isinstance(row, Finding) else None

    def shown(self) -> list[Finding]:
        """The findings the table shows now (its filter and sort applied): what an export writes."""
        return list(self.query_one("#lint-table", ResourceView).visible_rows())

    def action_export(self, fmt: str) -> None:
        rows = self.shown()
        table = self.query_one("#lint-table", ResourceView)
        scope = self.scope_text + (f" (filter: {table.filter_text})" if table.filter_text else "")
        if fmt == "json":
            self.export("lint", "json", to_json(rows, scope=scope, generated=time.time()))
        else:
            self.export("lint", "md", to_markdown(rows, scope=scope, generated=time.time()))
