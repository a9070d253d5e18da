"""Node Leases: each kubelet holds ``kube-node-lease/<node>`` and renews it (``kubectl describe node`` shows it).

The Lease is created with the node (owned by it, so it goes with a deleted node) and renewed every 10 s like
the kubelet's, spread over the period. With many benchmark nodes the period grows so that renewals stay
under ``MAX_RENEWALS_PER_SECOND`` (still well inside ``leaseDurationSeconds``), keeping ``--pods 50000`` cheap.
"""

from __future__ import annotations

import time

from ..errors import ApiError
from ..resources import LEASES, NAMESPACES, NODES
from .base import Controller
from .util import Obj

NAMESPACE = "kube-node-lease"
LEASE_SECONDS = 40
RENEW_SECONDS = 10.0
MAX_RENEWALS_PER_SECOND = 20.0


def micro_time(ts: float | None = None) -> str:
    """``metav1.MicroTime`` (RFC 3339 with microseconds)."""
    t = time.time() if ts is None else ts
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


class NodeLeases(Controller):
    name = "node-leases"

    def on_change(self, change) -> None:
        if change.rt is NODES and change.type == "ADDED":
            self.queue.add(change.obj["metadata"]["name"])

    def resync_all(self) -> None:
        for node in self.store.iter_objects(NODES):
            self.queue.add(node["metadata"]["name"])

    def start(self) -> None:
        self._schedule()

    def sync(self, name: str) -> None:
        node = self.store.get(NODES, None, name)
        if node is None or self.store.get(LEASES, NAMESPACE, name) is not None:
            return
        if self.store.get(NAMESPACES, None, NAMESPACE) is None:
            try:
                self.store.create(NAMESPACES, {"metadata": {"name": NAMESPACE}})
            except ApiError:
                pass
        now = micro_time()
        lease: Obj = {"metadata": {"name": name, "namespace": NAMESPACE,
                                   "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name,
                                                        "uid": node["metadata"]["uid"]}]},
                      "spec": {"holderIdentity": name, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": now}}
        try:
            self.store.create(LEASES, lease)
        except ApiError:
            pass

    def _period(self, count: int) -> float:
        return max(RENEW_SECONDS, count / MAX_RENEWALS_PER_SECOND)

    def _schedule(self) -> None:
        names = sorted(n["metadata"]["name"] for n in self.store.iter_objects(NODES))
        period = self._period(len(names))
        step = period / max(1, len(names))
        for i, name in enumerate(names):
            self.ctx.call_later(step * (i + 1), lambda n=name: self._renew(n))
        self.ctx.call_later(period + step / 2, self._schedule)

    def _renew(self, name: str) -> None:
        now = micro_time()

        def renew(lease: Obj) -> None:
            lease["spec"]["renewTime"] = now

        self.store.mutate(LEASES, NAMESPACE, name, renew)
