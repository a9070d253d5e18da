"""``:audit``: the audit log of changes made from k8stui (newest first), with ``z`` to undo the last action.

Reads the JSON Lines file the actions write (``k8stui.actions.audit``), re-reading it when it changes (every
second, by mtime), so an operation applied from another screen — or another k8stui — shows up by itself.
The highlighted line's writes and message are shown below the table.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ...actions.audit import APPLIED, AuditLog, AuditRecord, mtime
from ...text import plain, sanitize
from .base import ClusterScreen

MAX_ROWS = 2000
_OUTCOME_STYLE = {APPLIED: "green", "conflict": "yellow", "denied": "bold red", "dry-run-failed": "red",
                  "failed": "bold red"}


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
        self._mtime = -1.0

    def reopen(self) -> AuditScreen:
        return AuditScreen(self.audit)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="audit-box") as box:
            box.border_title = plain(f"Audit log — {self.audit.path}")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="audit-table")
            yield Static("", id="audit-detail")

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        table.add_columns("TIME", "CONTEXT", "USER", "NAMESPACE", "OBJECT", "VERB", "OUTCOME", "DRY-RUN", "CHANGE")
        self.load()
        self.set_interval(1.0, self._poll)
        table.focus()

    def _poll(self) -> None:
        if mtime(self.audit.path) != self._mtime:
            self.load()

    def load(self) -> None:
        self._mtime = mtime(self.audit.path)
        self.records = list(reversed(self.audit.read(MAX_ROWS)))
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for n, rec in enumerate(self.records):
            dry = rec.dry_run or "-"
            table.add_row(
                # DataTable parses str cells as markup: every field here may be the cluster's text.
                plain(rec.time.replace("T", " ").rstrip("Z")), plain(rec.context), plain(rec.user),
                plain(rec.namespace), plain(rec.target), plain(rec.verb),
                Text(rec.outcome + (" (undone)" if self._undone(rec) else ""),
                     style=_OUTCOME_STYLE.get(rec.outcome, "")),
                Text(sanitize(dry if len(dry) <= 24 else dry[:23] + "…"),
                     style="red" if dry.startswith("failed") else ""),
                Text(sanitize(f"{rec.before} → {rec.after}")),
                key=f"{n}:{rec.id}")
        box = self.query_one("#audit-box")
        box.border_subtitle = plain(f"{len(self.records)} entries · z undo last · esc back")
        self._show(0)

    def _undone(self, rec: AuditRecord) -> bool:
        return any(r.undoes == rec.id and r.outcome == APPLIED for r in self.records)

    def _show(self, index: int) -> None:
        detail = self.query_one("#audit-detail", Static)
        if not 0 <= index < len(self.records):
            detail.update(Text("no changes recorded yet" if not self.records else ""))
            return
        rec = self.records[index]
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

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def action_reload(self) -> None:
        self.load()

    def action_undo(self) -> None:
        """Undo the last undoable action of this context (scale, canary, blue/green switch, burst)."""
        from ..operations import run_operation

        run_operation(self, "undo")
