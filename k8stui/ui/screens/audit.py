"""``:audit``: the audit log of changes made from k8stui (newest first), with ``z`` to undo the last action.

Reads the JSON Lines file the actions write (``k8stui.actions.audit``), re-reading it when it changes (every
second, by mtime), so an operation applied from another screen — or another k8stui — shows up by itself.
The highlighted line's writes and message are shown below the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ...actions.audit import APPLIED, AuditLog, AuditRecord, mtime
from ...cluster.table_model import Column, TableModel, cell
from ...text import plain, sanitize
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen

MAX_ROWS = 2000
_OUTCOME_STYLE = {APPLIED: "green", "conflict": "yellow", "denied": "bold red", "dry-run-failed": "red",
                  "failed": "bold red"}


@dataclass(frozen=True)
class AuditRow:
    """One audit record as a table row: its place in the file (newest = highest) and whether it was undone."""

    key: str
    number: int
    record: AuditRecord
    undone: bool


def _outcome(row: AuditRow) -> object:
    rec = row.record
    return cell(rec.outcome + (" (undone)" if row.undone else ""), _OUTCOME_STYLE.get(rec.outcome, ""))


AUDIT_COLUMNS: list[Column[AuditRow]] = [
    Column("time", "TIME", lambda r: r.record.time.replace("T", " ").rstrip("Z"), lambda r: r.number),
    Column("context", "CONTEXT", lambda r: r.record.context),
    Column("user", "USER", lambda r: r.record.user),
    Column("namespace", "NAMESPACE", lambda r: r.record.namespace),
    Column("object", "OBJECT", lambda r: r.record.target),
    Column("verb", "VERB", lambda r: r.record.verb),
    Column("outcome", "OUTCOME", _outcome),
    Column("dryrun", "DRY-RUN", lambda r: cell(r.record.dry_run or "-",
                                               "red" if r.record.dry_run.startswith("failed") else ""), flex=1),
    Column("change", "CHANGE", lambda r: f"{r.record.before} → {r.record.after}", flex=1),
]


class AuditScreen(ClusterScreen):
    """The audit log as a table."""

    view_name = "audit"
    BINDINGS = [Binding("z", "undo", "Undo last"), Binding("R", "reload", "Reload", show=False)]
    DEFAULT_CSS = """
    AuditScreen #audit-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    AuditScreen #audit-table { height: 1fr; }
    AuditScreen #audit-detail { height: auto; max-height: 8; border-top: solid $foreground 30%; padding: 0 1; }
    """

    def __init__(self, audit: AuditLog | None = None) -> None:
        super().__init__()
        self.audit = audit or AuditLog()
        self.records: list[AuditRecord] = []
        self.model: TableModel[AuditRow] = TableModel(AUDIT_COLUMNS, key_of=lambda r: r.key, sort_column="time",
                                                      reverse=True)
        self._mtime = -1.0

    def reopen(self) -> AuditScreen:
        return AuditScreen(self.audit)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="audit-box") as box:
            box.border_title = plain(f"Audit log — {self.audit.path}")
            yield ResourceView(self.model, show_summary=False, empty_text="no changes recorded yet",
                               id="audit-table")
            yield Static("", id="audit-detail")

    def on_mount(self) -> None:
        self.load()
        self.set_interval(1.0, self._poll)
        self.query_one("#audit-table", ResourceView).focus()

    def _poll(self) -> None:
        if mtime(self.audit.path) != self._mtime:
            self.load()

    def load(self) -> None:
        self._mtime = mtime(self.audit.path)
        self.records = list(reversed(self.audit.read(MAX_ROWS)))
        count = len(self.records)
        self.model.replace(AuditRow(rec.id or f"#{count - n}", count - n, rec, self._undone(rec))
                           for n, rec in enumerate(self.records))
        box = self.query_one("#audit-box")
        box.border_subtitle = plain(f"{len(self.records)} entries · z undo last · esc back")
        self._show_current()

    def _undone(self, rec: AuditRecord) -> bool:
        return any(r.undoes == rec.id and r.outcome == APPLIED for r in self.records)

    def _show_current(self) -> None:
        detail = self.query_one("#audit-detail", Static)
        row = self.query_one("#audit-table", ResourceView).current_row()
        if row is None:
            detail.update(Text("no changes recorded yet" if not self.records else ""))
            return
        rec = row.record
        out = Text()
        if rec.dry_run.startswith("failed"):
            out.append(f"dry-run {sanitize(rec.dry_run)}\n", style="red")
        for w in rec.writes:
            out.append(sanitize(w) + "\n")
        if rec.message:
            out.append(sanitize(rec.message) + "\n", style="yellow")
        if rec.undoes:
            out.append(f"undoes entry {rec.undoes}\n", style="dim")
        out.rstrip()
        detail.update(out)

    @on(ResourceView.CurrentChanged, "#audit-table")
    def _highlighted(self, event: ResourceView.CurrentChanged) -> None:
        self._show_current()

    def action_reload(self) -> None:
        self.load()

    def action_undo(self) -> None:
        """Undo the last undoable action of this context (scale, canary, blue/green switch, burst)."""
        from ..operations import run_operation

        run_operation(self, "undo")
