"""``:ctx``: the kubeconfig's contexts; enter switches to one without restarting."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from ...cluster.table_model import Column, TableModel, cell
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen


@dataclass(frozen=True)
class ContextRow:
    """One kubeconfig context."""

    uid: str
    name: str
    current: bool


CONTEXT_COLUMNS = [
    Column("current", " ", lambda r: cell("●", "bold green") if r.current else ""),
    Column("name", "CONTEXT", lambda r: r.name),
]


class ContextsScreen(ClusterScreen):
    """Pick a context."""

    view_name = "contexts"
    BINDINGS = [Binding("enter", "choose", "Switch")]

    def __init__(self) -> None:
        super().__init__()
        self.model: TableModel[ContextRow] = TableModel(CONTEXT_COLUMNS, key_of=lambda r: r.uid)
        self.table = ResourceView(self.model, id="contexts")

    def compose_body(self) -> ComposeResult:
        yield Pane("Contexts", self.table, id="contexts-pane")

    def on_mount(self) -> None:
        names, _ = self.k8s_app.context_names()
        active = self.k8s_app.connection.target.context
        self.model.replace(ContextRow(n, n, n == active) for n in names)
        self.table.focus()

    @on(ResourceView.RowSelected, "#contexts")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        row = self.table.current_row()
        if row is not None:
            self.k8s_app.switch_context(row.name)
