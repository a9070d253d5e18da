"""``:pf``: the active port-forwards (local address → pod or Service port) with live traffic counts; ``enter``
or ``ctrl+d`` stops the highlighted one. Every forward stops when the app quits.

The forwards live in the app's registry (``app.forwards``, ``actions.sessions.Forwards``); this view reads
their counters once a second.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ...actions.sessions import Forward
from ...cluster.quantity import format_age
from ...text import plain, sanitize
from .base import ClusterScreen

COLUMNS = ("LOCAL", "TARGET", "NAMESPACE", "POD:PORT", "CONNECTIONS", "RECEIVED", "SENT", "ERRORS", "AGE")


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def forward_cells(f: Forward, now: float | None = None) -> tuple[Text, ...]:
    s = f.stats
    errors = f"{s.errors}" + (f" ({s.last_error})" if s.last_error else "")
    return (Text(f.url.removeprefix("http://")), Text(sanitize(f.label)), Text(sanitize(f.namespace)),
            Text(sanitize(f"{f.pod}:{f.remote_port}")), Text(f"{s.connections_open} open / {s.connections_total}"),
            Text(human_bytes(s.bytes_in)), Text(human_bytes(s.bytes_out)),
            Text(sanitize(errors), style="red" if s.errors else ""),
            Text(format_age((now or time.time()) - s.started_at)))


class ForwardsScreen(ClusterScreen):
    """The app's port-forwards."""

    view_name = "port-forwards"
    BINDINGS = [Binding("enter", "stop", "Stop forward"), Binding("ctrl+d", "stop", "Stop forward", show=False)]
    DEFAULT_CSS = """
    ForwardsScreen #pf-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    ForwardsScreen #pf-table { height: 1fr; }
    ForwardsScreen #pf-empty { padding: 1 2; color: $text-muted; }
    """

    def reopen(self) -> ForwardsScreen:
        return ForwardsScreen()

    def compose_body(self) -> ComposeResult:
        with Vertical(id="pf-box") as box:
            box.border_title = plain("Port-forwards")
            yield DataTable(cursor_type="row", id="pf-table")
            yield Static(Text("no port-forwards: select a pod or Service and press F"), id="pf-empty")

    def on_mount(self) -> None:
        table = self.query_one("#pf-table", DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label)
        self.refresh_forwards()
        self.set_interval(1.0, self.refresh_forwards)
        table.focus()

    @property
    def forwards(self) -> list[Forward]:
        registry = getattr(self.app, "forwards", None)
        return list(registry) if registry is not None else []

    def refresh_forwards(self) -> None:
        table = self.query_one("#pf-table", DataTable)
        forwards = self.forwards
        keys = {str(f.id) for f in forwards}
        for row_key in list(table.rows):
            if row_key.value not in keys:
                table.remove_row(row_key)
        now = time.time()
        for f in forwards:
            cells = forward_cells(f, now)
            if str(f.id) in {k.value for k in table.rows}:
                for label, cell in zip(COLUMNS, cells, strict=True):
                    table.update_cell(str(f.id), label, cell)
            else:
                table.add_row(*cells, key=str(f.id))
        self.query_one("#pf-empty", Static).display = not forwards

    @on(DataTable.RowSelected, "#pf-table")
    def _selected(self) -> None:  # enter on the table
        self.action_stop()

    def action_stop(self) -> None:
        table = self.query_one("#pf-table", DataTable)
        if not table.row_count:
            self.notify("no port-forward to stop", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        forward = next((f for f in self.forwards if str(f.id) == key), None)
        if forward is None:
            return
        self.run_worker(self._stop(forward), exit_on_error=False)

    async def _stop(self, forward: Forward) -> None:
        await self.app.forwards.stop(forward.id)  # type: ignore[attr-defined]
        self.refresh_forwards()
        self.notify(f"port-forward {forward.url} → {forward.label} stopped", timeout=3)


__all__ = ["ForwardsScreen", "forward_cells", "human_bytes"]
