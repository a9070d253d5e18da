"""Any kind the server has — CRDs, RBAC, admission webhooks, whatever discovery lists — as the server's own Table.

``TableScreen`` shows a ``cluster.tables.TableInformer``: the columns are the server's (``kubectl get``'s, a CRD's
``additionalPrinterColumns`` included), the rows its cells, kept live by a watch of the same representation;
sorting, ``/`` filters (text, regex, ``-l`` label selectors) and every key work as in the first-class views.
The informer keeps metadata and cells only, so ``d`` (and ``enter``) reads the whole object when asked; a kind the
user may not list shows "forbidden" in its pane. Cluster-scoped kinds list cluster-wide, namespaced ones follow
the current namespace (or all).
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding

from ...cluster.fetch import FetchError, fetch_object
from ...cluster.kinds import ResourceKind
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import TableModel
from ...cluster.tables import TableColumn, TableInformer, TableRow
from ..kind_columns import table_columns
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import KindScreen


def _row_of(entry: dict[str, Any]) -> TableRow:
    return entry["row"]


class TableScreen(KindScreen):
    """One kind through the server's Table representation (see the module docstring)."""

    # A CRD or an RBAC object has no replicas, rollout or colours: the footer shows the keys that act on it
    # (ui.key_scope); the workload keys stay bound and explain themselves when pressed.
    BINDINGS = [Binding("enter", "describe", "Describe"), Binding("E", "events", "Events")]

    def __init__(self, kind: ResourceKind, *, title: str = "", all_namespaces: bool | None = None,
                 namespace: str | None = None) -> None:
        super().__init__(kind, all_namespaces=all_namespaces, namespace=namespace)
        self.title_text = title or kind.key  # kubectl's name for it: "certificates.demo.k8stui.io"
        self.model: TableModel[TableRow] = TableModel((), key_of=lambda r: r.uid, sort_column="name")
        self.table = ResourceView(self.model, id="resources", empty_text="")
        self.informer: TableInformer | None = None
        self._columns: tuple[TableColumn, ...] = ()

    def reopen(self) -> TableScreen:
        return TableScreen(self.kind)

    @property
    def with_namespace(self) -> bool:
        return self.kind.namespaced and self.all_namespaces

    def compose_body(self) -> ComposeResult:
        scope = ("all namespaces" if self.with_namespace else
                 (self.namespace if self.kind.namespaced else "cluster"))
        yield Pane(f"{self.title_text} ({scope})", self.table, id="resources-pane")

    def on_mount(self) -> None:
        namespace = None if self.all_namespaces or not self.kind.namespaced else self.namespace
        informer = self.hold(self.kind, namespace, table=True)
        assert isinstance(informer, TableInformer)
        self.informer = informer
        self.at_unmount(informer.subscribe_columns(self._columns_changed))
        if informer.columns:
            self._columns_changed(informer.columns)
        self.feed = self.add_feed(InformerFeed(self.model, informer, _row_of,
                                               on_health=self.query_one("#resources-pane", Pane).show_health))
        scope = ("" if not self.kind.namespaced else " in any namespace" if self.with_namespace
                 else f" in namespace {self.namespace}")
        self.say_when_empty(self.table, informer, f"no {self.title_text}{scope}")
        if self.initial_filter:
            error = self.table.set_filter(self.initial_filter)
            if error:
                self.notify(error, title="filter not applied", severity="error")
        self.table.focus()

    def _columns_changed(self, columns: tuple[TableColumn, ...]) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        self.model.set_columns(table_columns(columns, with_namespace=self.with_namespace))
        if self.model.sort_column is None and any(c.key == "name" for c in self.model.columns):
            self.model.set_sort("name")

    @on(ResourceView.RowSelected, "#resources")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        self.action_describe()

    # -- describe: the whole object, read now ------------------------------------------------------------
    def action_describe(self) -> None:
        row = self.table.current_row()
        if row is None:
            self.notify("nothing selected", severity="warning")
            return
        self._describe(row.namespace or None, row.name)

    @work(group="describe", exclusive=True, exit_on_error=False)
    async def _describe(self, namespace: str | None, name: str) -> None:
        from .describe import DescribeScreen

        try:
            obj = await fetch_object(self.k8s_app.hub.client, self.kind, namespace, name)
        except FetchError as exc:
            self.notify(str(exc), severity="error")
            return
        if self.is_attached:
            self.app.push_screen(DescribeScreen(self.kind, obj))


__all__ = ["TableScreen"]
