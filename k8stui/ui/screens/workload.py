"""A StatefulSet's drill-down: its pods in ordinal order above its PersistentVolumeClaims, both live.

The pods are the ones the StatefulSet controls (owner uid), so a pod another controller made with the same labels
is not shown; the claims are those of its ``volumeClaimTemplates`` (``TEMPLATE-NAME-ORDINAL``), including the
ones of ordinals scaled away (the controller keeps them unless ``persistentVolumeClaimRetentionPolicy`` says
otherwise) — which is what an SRE looks for when a replica will not come back. ``tab`` moves between the panes;
every key (``l`` logs, ``d`` describe, ``enter`` containers) acts on the focused one.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from ...cluster import kinds
from ...cluster.rows_storage import pvc_row
from ...cluster.rows_workloads import owned_by, pod_ordinal
from ...cluster.table_feed import InformerFeed
from ...cluster.table_model import TableModel
from ..kind_columns import columns_for
from ..projections import PodProjector
from ..widgets.pane import Pane
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen
from .resource import PVCS, drill_down

STATEFULSETS = next(k for k in kinds.WELL_KNOWN if k.key == "statefulsets.apps")


class StatefulSetScreen(ClusterScreen):
    """Pods and claims of one StatefulSet."""

    BINDINGS = [Binding("enter", "drill", "Drill down")]
    DEFAULT_CSS = """
    StatefulSetScreen #sts-pvcs-pane { height: 2fr; max-height: 14; }
    StatefulSetScreen #sts-pods-pane { height: 3fr; }
    """
    view_name = "statefulset"

    def __init__(self, namespace: str, name: str, uid: str) -> None:
        super().__init__()
        self.namespace = namespace
        self.sts_name = name
        self.uid = uid
        self.pod_model: TableModel[Any] = TableModel(columns_for(kinds.PODS.key), key_of=lambda r: r.uid)
        self.pvc_model: TableModel[Any] = TableModel(columns_for(PVCS.key), key_of=lambda r: r.uid)
        self.pods = ResourceView(self.pod_model, id="sts-pods")
        self.pvcs = ResourceView(self.pvc_model, id="sts-pvcs")
        self._templates: tuple[str, ...] = ()

    def compose_body(self) -> ComposeResult:
        yield Pane(f"Pods of statefulset {self.namespace}/{self.sts_name}", self.pods, id="sts-pods-pane")
        yield Pane(f"PersistentVolumeClaims of statefulset {self.sts_name}", self.pvcs, id="sts-pvcs-pane")

    def on_mount(self) -> None:
        self.statefulsets = self.hold(STATEFULSETS, self.namespace)
        self.at_unmount(self.statefulsets.subscribe(lambda _batch: self._templates_changed()))
        self._templates = self._claim_templates()
        pods = self.hold(kinds.PODS, self.namespace)
        self.add_feed(InformerFeed(self.pod_model, pods, PodProjector(self).project,
                                   predicate=lambda pod: owned_by(pod, self.uid),
                                   on_health=self.query_one("#sts-pods-pane", Pane).show_health))
        claims = self.hold(PVCS, self.namespace)
        self.pvc_feed = self.add_feed(InformerFeed(self.pvc_model, claims, pvc_row, predicate=self._is_claim,
                                                   on_health=self.query_one("#sts-pvcs-pane", Pane).show_health))
        self.pods.focus()

    def _claim_templates(self) -> tuple[str, ...]:
        sts = self.statefulsets.get(self.uid) or {}
        return tuple(((t.get("metadata") or {}).get("name") or "")
                     for t in (sts.get("spec") or {}).get("volumeClaimTemplates") or ())

    def _templates_changed(self) -> None:
        templates = self._claim_templates()
        if templates != self._templates:
            self._templates = templates
            self.pvc_feed.refill()

    def _is_claim(self, pvc: dict[str, Any]) -> bool:
        name = (pvc.get("metadata") or {}).get("name") or ""
        for template in self._templates:
            if name.startswith(f"{template}-") and pod_ordinal(name[len(template) + 1:], self.sts_name) is not None:
                return True
        return False

    def reopen(self) -> StatefulSetScreen:
        return StatefulSetScreen(self.namespace, self.sts_name, self.uid)

    @on(ResourceView.RowSelected)
    def _selected(self, event: ResourceView.RowSelected) -> None:
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        table = self.active_table()
        row = table.current_row() if table is not None else None
        found = self.selected_object(table, row) if table is not None and row is not None else None
        if found is not None:
            drill_down(self, found[0].key, found[1], row.uid)


__all__ = ["StatefulSetScreen"]
