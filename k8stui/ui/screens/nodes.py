"""``:nodes``: nodes with capacity bars (requested vs allocatable), real vs virtual, and pending pods.

Requests per node come from the pods informer (all namespaces); the summary line says how much real and
virtual capacity there is and how many pods wait for a node — the facts behind a burst decision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ...cluster import kinds
from ...cluster.quantity import format_cpu, format_memory
from ...cluster.rows import NodeRow, NodeUsage, node_row, pod_row, requests_by_node
from ...cluster.store import ChangeBatch, Health, HealthState
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import Cell, Column, TableModel, cell_parts
from ...text import sanitize
from ..columns import NODE_COLUMNS
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen

BAR_WIDTH = 10


def capacity_bar(used: int, total: int, label: str) -> Cell:
    """``█████░░░░░  52% 2/3.9`` coloured green / yellow (>70 %) / red (>90 %)."""
    share = used / total if total else 0.0
    filled = min(BAR_WIDTH, round(share * BAR_WIDTH))
    style = "red" if share > 0.9 else ("yellow" if share > 0.7 else "green")
    return cell_parts(("█" * filled, style), ("░" * (BAR_WIDTH - filled), "dim"), (f" {share * 100:3.0f}% {label}", ""))


@dataclass(frozen=True)
class NodeView:
    """A node row and what its pods request."""

    uid: str
    node: NodeRow
    usage: NodeUsage

    @property
    def name(self) -> str:
        return self.node.name


def _cpu_bar(v: NodeView) -> Cell:
    return capacity_bar(v.usage.cpu_requested, v.node.cpu_allocatable,
                        f"{format_cpu(v.usage.cpu_requested)}/{format_cpu(v.node.cpu_allocatable)}")


def _mem_bar(v: NodeView) -> Cell:
    return capacity_bar(v.usage.mem_requested, v.node.mem_allocatable,
                        f"{format_memory(v.usage.mem_requested)}/{format_memory(v.node.mem_allocatable)}")


def _pods_bar(v: NodeView) -> Cell:
    return capacity_bar(v.usage.pods, v.node.pods_allocatable, f"{v.usage.pods}/{v.node.pods_allocatable}")


def _node_column(col: Column) -> Column:
    sort_key = col.sort_key
    return Column(col.key, col.label, lambda v: col.render(v.node),
                  (lambda v: sort_key(v.node)) if sort_key else None, flex=col.flex, volatile=col.volatile)


NODE_VIEW_COLUMNS = [
    *(_node_column(c) for c in NODE_COLUMNS if c.key in ("name", "status", "roles", "version")),
    Column("cpu", "CPU REQUESTED", _cpu_bar, lambda v: v.usage.cpu_requested / max(1, v.node.cpu_allocatable)),
    Column("mem", "MEMORY REQUESTED", _mem_bar, lambda v: v.usage.mem_requested / max(1, v.node.mem_allocatable)),
    Column("pods", "PODS", _pods_bar, lambda v: v.usage.pods),
    *(_node_column(c) for c in NODE_COLUMNS if c.key == "age"),
]


class NodesScreen(ClusterScreen):
    """Nodes and their capacity."""

    view_name = "nodes"
    BINDINGS = [Binding("enter", "drill", "Pods on node"), Binding("c", "operate('cordon')", "Cordon"),
                Binding("u", "operate('uncordon')", "Uncordon"), Binding("r", "operate('drain')", "Drain")]
    DEFAULT_CSS = """
    NodesScreen #capacity-summary { height: auto; padding: 0 1; border: round $foreground 30%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.model: TableModel[NodeView] = TableModel(NODE_VIEW_COLUMNS, key_of=lambda v: v.uid)
        self.table = ResourceView(self.model, id="nodes")
        self.summary = Static("", id="capacity-summary")
        self.usage: dict[str, NodeUsage] = {}
        self.pending_pods = 0
        self.summary_plain = ""
        self._usage_stamp = 0.0

    def reopen(self) -> NodesScreen:
        return NodesScreen()

    def compose_body(self) -> ComposeResult:
        yield self.summary
        yield Pane("Nodes", self.table, id="nodes-pane")

    def on_mount(self) -> None:
        self.nodes = self.hold(kinds.NODES, None)
        self.pods = self.hold(kinds.PODS, None)
        self.feed = self.add_feed(InformerFeed(self.model, self.nodes, self._project, on_health=self._nodes_health))
        self.at_unmount(self.pods.subscribe_health(lambda _state: self._update_summary()))
        self.at_unmount(self.pods.subscribe(self._pods_changed))
        self._recompute_usage()
        self._draining: frozenset[str] = frozenset()
        self.set_interval(0.5, self._check_draining)
        self.table.focus()

    def _project(self, raw: dict[str, Any]) -> NodeView:
        row = node_row(raw)
        if row.name in getattr(self.app, "draining", ()):  # a drain (r) is evicting its pods now
            row = replace(row, status=f"{row.status},Draining")
        return NodeView(row.uid, row, self.usage.get(row.name, NodeUsage()))

    def _check_draining(self) -> None:
        draining = frozenset(getattr(self.app, "draining", ()))
        if draining != self._draining:
            self._draining = draining
            self.feed.reproject_all()

    def _pods_changed(self, batch: ChangeBatch) -> None:
        if time.monotonic() - self._usage_stamp > 1.0:
            self._recompute_usage()
        else:
            self.set_timer(1.0, self._recompute_usage)

    def _recompute_usage(self) -> None:
        self._usage_stamp = time.monotonic()
        rows = [pod_row(o) for o in self.pods.objects()]
        self.usage = requests_by_node(r for r in rows if r.phase not in ("Succeeded", "Failed"))
        self.pending_pods = sum(1 for r in rows if r.phase == "Pending" and not r.node)
        self.feed.reproject_all()
        self._update_summary()

    def _nodes_health(self, state: HealthState) -> None:
        self.query_one("#nodes-pane", Pane).show_health(state)
        if hasattr(self, "feed"):
            self._update_summary()

    def _update_summary(self) -> None:
        out = Text()
        if self.nodes.health.state is Health.FORBIDDEN:
            # Not "real: 0 node(s)": the user may not list nodes, which says nothing about how many there are.
            out.append("nodes: ", style="bold")
            out.append("forbidden", style="bold red")
            out.append(f" — {sanitize(self.nodes.health.error)}" if self.nodes.health.error else "")
            self.summary_plain = out.plain
            self.summary.update(out)
            return
        real = [node_row(o) for o in self.nodes.objects()]
        for label, group in (("real", [n for n in real if not n.virtual]), ("virtual", [n for n in real if n.virtual])):
            cpu_alloc = sum(n.cpu_allocatable for n in group)
            cpu_used = sum(self.usage.get(n.name, NodeUsage()).cpu_requested for n in group)
            pods = sum(self.usage.get(n.name, NodeUsage()).pods for n in group)
            out.append(f"{label}: ", style="bold")
            out.append(f"{len(group)} node(s), cpu {format_cpu(cpu_used)}/{format_cpu(cpu_alloc)} requested, "
                       f"{pods} pod(s)   ")
        out.append("pending: ", style="bold")
        if self.pods.health.state is Health.FORBIDDEN:
            out.append("? (pods forbidden: requests unknown)", style="bold red")
        else:
            out.append(str(self.pending_pods), style="bold red" if self.pending_pods else "green")
        self.summary_plain = out.plain
        self.summary.update(out)

    @on(ResourceView.RowSelected, "#nodes")
    def _node_selected(self, event: ResourceView.RowSelected) -> None:
        """``enter`` (or a double click) on a node: the table takes the key, so its selection drills down."""
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        from .resource import ResourceScreen

        view = self.table.current_row()
        if view is None:
            return
        name = view.node.name
        self.app.push_screen(ResourceScreen(kinds.PODS, title=f"Pods on node {name}", all_namespaces=True,
                                            predicate=lambda pod: (pod.get("spec") or {}).get("nodeName") == name))

    def raw_object(self, table: ResourceView, row: Any) -> dict[str, Any] | None:
        return self.nodes.get(row.uid)
