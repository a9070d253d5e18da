"""Indexes over the store that the controllers share, kept current on every write.

The real controllers use informer indexers for the same questions: "which pods does this ReplicaSet own",
"which pods run on this node and how much do they request", "what depends on this uid". Answering them from
an index updated per write keeps every reconcile proportional to what it touches, so a cluster with 10k pods
never rescans all of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..resources import EVENTS, PODS, REPLICASETS
from .util import Obj, controller_ref, is_terminal, pod_nonzero_requests, pod_requests

if TYPE_CHECKING:
    from ..store import Change, Store

Key = tuple[str, str]


@dataclass
class NodeUsage:
    """What the pods bound to one node request (terminating pods included, finished pods not)."""

    cpu: int = 0
    memory: int = 0
    pods: int = 0
    nz_cpu: int = 0  # with the scheduler's defaults for containers that request nothing
    nz_memory: int = 0
    other: Counter = field(default_factory=Counter)  # extended resources (nvidia.com/gpu ...)
    owners: Counter = field(default_factory=Counter)  # controller uid -> pods on this node (for spreading)

    def apply(self, pod: Obj, sign: int) -> None:
        spec = pod.get("spec") or {}
        req = pod_requests(spec)
        nz_cpu, nz_mem = pod_nonzero_requests(spec)
        self.cpu += sign * req.get("cpu", 0)
        self.memory += sign * req.get("memory", 0)
        self.pods += sign
        self.nz_cpu += sign * nz_cpu
        self.nz_memory += sign * nz_mem
        for k, v in req.items():
            if k not in ("cpu", "memory") and v:
                self.other[k] += sign * v
        ref = controller_ref(pod)
        if ref:
            self.owners[ref.get("uid")] += sign


class ClusterIndex:
    """Secondary indexes over pods, ReplicaSets and owner references."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pods_by_owner: dict[str, set[Key]] = {}
        self.pods_by_node: dict[str, set[Key]] = {}
        self.pods_by_ns: dict[str, set[Key]] = {}
        self.rs_by_owner: dict[str, set[Key]] = {}
        self.dependents: dict[str, set[tuple[str, str, str]]] = {}  # owner uid -> (resource key, ns, name)
        self.node_usage: dict[str, NodeUsage] = {}

    def rebuild(self) -> None:
        for attr in (self.pods_by_owner, self.pods_by_node, self.pods_by_ns, self.rs_by_owner,
                     self.dependents, self.node_usage):
            attr.clear()
        for rt in self.store.types.stored():
            if rt is EVENTS:
                continue
            for obj in self.store.iter_objects(rt):
                self._add(rt.key, obj)

    def apply(self, change: Change) -> None:
        key = change.rt.key
        if key == EVENTS.key:
            return
        if change.type == "MODIFIED" and _indexed_fields(change.old) == _indexed_fields(change.obj):
            return  # status or annotation writes: the indexes hold nothing that changed
        if change.old is not None:
            self._remove(key, change.old)
        if change.type != "DELETED":
            self._add(key, change.obj)

    # -- queries -------------------------------------------------------------------------------------------
    def pods_of(self, owner_uid: str) -> list[Obj]:
        out = []
        for ns, name in self.pods_by_owner.get(owner_uid, ()):
            pod = self.store.get(PODS, ns, name)
            if pod is not None:
                out.append(pod)
        return out

    def replicasets_of(self, owner_uid: str) -> list[Obj]:
        out = []
        for ns, name in self.rs_by_owner.get(owner_uid, ()):
            rs = self.store.get(REPLICASETS, ns, name)
            if rs is not None:
                out.append(rs)
        return out

    def pods_in(self, namespace: str) -> list[Obj]:
        out = []
        for ns, name in self.pods_by_ns.get(namespace, ()):
            pod = self.store.get(PODS, ns, name)
            if pod is not None:
                out.append(pod)
        return out

    def usage(self, node: str) -> NodeUsage:
        u = self.node_usage.get(node)
        if u is None:
            u = self.node_usage[node] = NodeUsage()
        return u

    # -- maintenance ---------------------------------------------------------------------------------------
    def _add(self, rt_key: str, obj: Obj) -> None:
        meta = obj["metadata"]
        k = (meta.get("namespace") or "", meta["name"])
        refs = meta.get("ownerReferences") or ()
        for ref in refs:
            self.dependents.setdefault(ref.get("uid"), set()).add((rt_key, k[0], k[1]))
        if rt_key == PODS.key:
            self.pods_by_ns.setdefault(k[0], set()).add(k)
            ref = controller_ref(obj)
            if ref:
                self.pods_by_owner.setdefault(ref.get("uid"), set()).add(k)
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                self.pods_by_node.setdefault(node, set()).add(k)
                if not is_terminal(obj):
                    self.usage(node).apply(obj, 1)
        elif rt_key == REPLICASETS.key:
            ref = controller_ref(obj)
            if ref:
                self.rs_by_owner.setdefault(ref.get("uid"), set()).add(k)

    def _remove(self, rt_key: str, obj: Obj) -> None:
        meta = obj["metadata"]
        k = (meta.get("namespace") or "", meta["name"])
        for ref in meta.get("ownerReferences") or ():
            _discard(self.dependents, ref.get("uid"), (rt_key, k[0], k[1]))
        if rt_key == PODS.key:
            _discard(self.pods_by_ns, k[0], k)
            ref = controller_ref(obj)
            if ref:
                _discard(self.pods_by_owner, ref.get("uid"), k)
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                _discard(self.pods_by_node, node, k)
                if not is_terminal(obj):
                    self.usage(node).apply(obj, -1)
        elif rt_key == REPLICASETS.key:
            ref = controller_ref(obj)
            if ref:
                _discard(self.rs_by_owner, ref.get("uid"), k)


def _discard(index: dict, key: object, value: object) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.discard(value)
        if not bucket:
            del index[key]


def _indexed_fields(obj: Obj | None) -> tuple | None:
    """What the indexes and the node usage depend on: owners, node, requests, and whether the pod still counts."""
    if obj is None:
        return None
    spec = obj.get("spec") or {}
    return (obj["metadata"].get("ownerReferences"), spec.get("nodeName"), spec.get("containers"),
            spec.get("initContainers"), spec.get("overhead"), is_terminal(obj))
