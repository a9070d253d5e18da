"""Row projections that need more than one object: pods marked as running on a virtual node."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..cluster import kinds

if TYPE_CHECKING:
    from ..cluster.rows import PodRow
    from .screens.base import ClusterScreen


class PodProjector:
    """Projects pods, setting ``is_virtual_node`` from the nodes informer (when the user may list nodes)."""

    def __init__(self, screen: ClusterScreen) -> None:
        self.nodes = screen.hold(kinds.NODES, None)
        self._virtual: set[str] = set()
        self._pod_row: Callable[[dict[str, Any]], PodRow] | None = None
        screen.at_unmount(self.nodes.subscribe(lambda _batch: self._refresh()))
        self._refresh()

    def _refresh(self) -> None:
        self._virtual = {o["metadata"]["name"] for o in self.nodes.objects()
                         if (o["metadata"].get("labels") or {}).get("type") == "virtual-kubelet"}

    def virtual_nodes(self) -> set[str]:
        return self._virtual

    def project(self, raw: dict[str, Any]) -> PodRow:
        pod_row = self._pod_row
        if pod_row is None:  # the first pod: after the app's first frame (``cluster.rows`` costs ~20 ms to import)
            from ..cluster.rows import pod_row

            self._pod_row = pod_row
        row = pod_row(raw)
        if row.node and row.node in self._virtual:
            return dataclasses.replace(row, is_virtual_node=True)
        return row
