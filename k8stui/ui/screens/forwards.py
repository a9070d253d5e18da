"""``:pf``: the active port-forwards (local address → pod or Service port) with live traffic counts; ``enter``
or ``ctrl+d`` stops the highlighted one. Every forward stops when the app quits.

The forwards live in the app's registry (``app.forwards``, ``actions.sessions.Forwards``); this view reads
their counters once a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from ...actions.sessions import Forward
from ...cluster.quantity import format_age
from ...cluster.table_model import Column, TableModel, cell
from ...text import plain
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


@dataclass(frozen=True)
class ForwardRow:
    """One forward's figures at one moment (the view re-reads them every second)."""

    key: str
    local: str
    target: str
    namespace: str
    pod_port: str
    connections: str
    received: int
    sent: int
    errors: int
    last_error: str
    age_s: float


def forward_row(f: Forward, now: float | None = None) -> ForwardRow:
    s = f.stats
    return ForwardRow(str(f.id), f.url.removeprefix("http://"), f.label, f.namespace, f"{f.pod}:{f.remote_port}",
                      f"{s.connections_open} open / {s.connections_total}", s.bytes_in, s.bytes_out, s.errors,
                      s.last_error, (now or time.time()) - s.started_at)


def _errors(r: ForwardRow) -> object:
    return cell(f"{r.errors}" + (f" ({r.last_error})" if r.last_error else ""), "red" if r.errors else "")


FORWARD_COLUMNS: list[Column[ForwardRow]] = [
    Column("local", "LOCAL", lambda r: r.local),
    Column("target", "TARGET", lambda r: r.target, flex=1),
    Column("namespace", "NAMESPACE", lambda r: r.namespace),
    Column("pod", "POD:PORT", lambda r: r.pod_port, flex=2),
    Column("connections", "CONNECTIONS", lambda r: r.connections),
    Column("received", "RECEIVED", lambda r: human_bytes(r.received), lambda r: r.received),
    Column("sent", "SENT", lambda r: human_bytes(r.sent), lambda r: r.sent),
    Column("errors", "ERRORS", _errors, lambda r: r.errors, flex=1),
    Column("age", "AGE", lambda r: format_age(r.age_s), lambda r: r.age_s),
]


class ForwardsScreen(ClusterScreen):
    """The app's port-forwards."""

    view_name = "port-forwards"
    BINDINGS = [Binding("enter", "stop", "Stop forward"), Binding("ctrl+d", "stop", "Stop forward", show=False)]
    DEFAULT_CSS = """
    ForwardsScreen #pf-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    ForwardsScreen #pf-table { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.model: TableModel[ForwardRow] = TableModel(FORWARD_COLUMNS, key_of=lambda r: r.key)

    def reopen(self) -> ForwardsScreen:
        return ForwardsScreen()

    def compose_body(self) -> ComposeResult:
        with Vertical(id="pf-box") as box:
            box.border_title = plain("Port-forwards")
            yield ResourceView(self.model, show_summary=False, id="pf-table",
                               empty_text="no port-forwards: select a pod or Service and press F")

    def on_mount(self) -> None:
        self.refresh_forwards()
        self.set_interval(1.0, self.refresh_forwards)
        self.query_one("#pf-table", ResourceView).focus()

    @property
    def forwards(self) -> list[Forward]:
        registry = getattr(self.app, "forwards", None)
        return list(registry) if registry is not None else []

    def refresh_forwards(self) -> None:
        now = time.time()
        self.model.replace(forward_row(f, now) for f in self.forwards)

    @on(ResourceView.RowSelected, "#pf-table")
    def _selected(self) -> None:  # enter on the table
        self.action_stop()

    def action_stop(self) -> None:
        row = self.query_one("#pf-table", ResourceView).current_row()
        if row is None:
            self.notify("no port-forward to stop", severity="warning")
            return
        forward = next((f for f in self.forwards if str(f.id) == row.key), None)
        if forward is None:
            return
        self.run_worker(self._stop(forward), exit_on_error=False)

    async def _stop(self, forward: Forward) -> None:
        await self.app.forwards.stop(forward.id)  # type: ignore[attr-defined]
        self.refresh_forwards()
        self.notify(f"port-forward {forward.url} → {forward.label} stopped", timeout=3)


__all__ = ["FORWARD_COLUMNS", "ForwardRow", "ForwardsScreen", "forward_row", "human_bytes"]
