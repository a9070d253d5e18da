"""Node heartbeats: each kubelet refreshes its node's condition ``lastHeartbeatTime`` now and then.

Real kubelets post status when something changes and otherwise every few minutes (the Lease does the
10-second liveness); here every node is refreshed every ``SimConfig.node_heartbeat_seconds`` (real seconds,
at least 10), spread over that period so a cluster with many benchmark nodes writes a few nodes at a time.
"""

from __future__ import annotations

from ..resources import NODES
from ..store import now_iso
from .base import Controller
from .util import Obj

MIN_HEARTBEAT = 10.0


class NodeHeartbeats(Controller):
    name = "node-heartbeats"

    def start(self) -> None:
        self._schedule()

    def _period(self) -> float:
        return max(MIN_HEARTBEAT, float(getattr(self.sim, "node_heartbeat_seconds", 40.0)))

    def _schedule(self) -> None:
        names = sorted(n["metadata"]["name"] for n in self.store.iter_objects(NODES))
        period = self._period()
        step = period / max(1, len(names))
        for i, name in enumerate(names):
            self.ctx.call_later(step * (i + 1), lambda n=name: self._beat(n))
        self.ctx.call_later(period + step / 2, self._schedule)

    def _beat(self, name: str) -> None:
        now = now_iso()

        def touch(node: Obj) -> None:
            for c in (node.get("status") or {}).get("conditions") or ():
                c["lastHeartbeatTime"] = now

        self.store.mutate(NODES, None, name, touch)
