"""Row projections that need more than one object: pods marked as running on a virtual node."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..cluster import kinds
from ..cluster.rows import PodRow, pod_row

if TYPE_CHECKING:
    from .screens.base import ClusterScreen


class PodProjector:
    """Projects pods, setting ``is_virtual_node`` from the nodes informer (when the user may list nodes)."""

    def __init__(self, screen: ClusterScreen) -> None:
        self.nodes = screen.hold(kinds.NODES, None)
        self._virtual: set[str] = set()
        screen.at_unmount(self.nodes.subscribe(lambda _batch: self._refresh()))
        self._refresh()

    def _refresh(self) -> None:
        self._virtual = {o["metadata"]["name"] for o in self.nodes.objects()
                         if (o["metadata"].get("labels") or {}).get("type") == "virtual-kubelet"}

    def virtual_nodes(self) -> set[str]:
        return self._virtual

    def project(self, raw: dict[str, Any]) -> PodRow:
        row = pod_row(raw)
        if row.node and row.node in self._virtual:
            return dataclasses.replace(row, is_virtual_node=True)
        return row
