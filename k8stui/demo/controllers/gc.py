"""Garbage collection and namespace housekeeping.

The garbage collector deletes objects whose owners (``metadata.ownerReferences``) are all gone, so deleting a
Deployment removes its ReplicaSets and, through them, their pods (pods terminate gracefully through their
kubelet). Dependents whose owner reference was removed first (``--cascade=orphan``) are left alone.

Pods bound to a deleted node are force-deleted (the pod GC), so their ReplicaSets replace them elsewhere.
The namespace side does what kube-controller-manager's namespace and service-account controllers do: a new
namespace gets its ``default`` ServiceAccount, and a deleted namespace takes all its objects with it.
"""

from __future__ import annotations

from ..errors import ApiError
from ..resources import NAMESPACES, NODES, PODS, SERVICEACCOUNTS
from .base import Controller
from .util import Obj


class GarbageCollector(Controller):
    name = "garbage-collector"

    def on_change(self, change) -> None:
        if change.type == "DELETED":
            uid = change.obj["metadata"].get("uid")
            if uid and uid in self.index.dependents:
                self.queue.add(("owner", uid))
            if change.rt is NAMESPACES:
                self.queue.add(("namespace", change.obj["metadata"]["name"]))
            elif change.rt is NODES:
                self.queue.add(("node", change.obj["metadata"]["name"]))
        elif change.type == "ADDED" and change.rt is NAMESPACES:
            self.queue.add(("sa", change.obj["metadata"]["name"]))

    def resync_all(self) -> None:
        for ns in self.store.iter_objects(NAMESPACES):
            self.queue.add(("sa", ns["metadata"]["name"]))

    def sync(self, key: tuple[str, str]) -> None:
        kind, value = key
        if kind == "owner":
            self._collect(value)
        elif kind == "namespace":
            self._purge_namespace(value)
        elif kind == "sa":
            self._ensure_service_account(value)
        elif kind == "node":
            self._orphaned_pods(value)

    def _collect(self, owner_uid: str) -> None:
        for rt_key, ns, name in list(self.index.dependents.get(owner_uid, ())):
            rt = self.store.types.by_key(rt_key)
            if rt is None:
                continue
            obj = self.store.get(rt, ns or None, name)
            if obj is None:
                continue
            refs = obj["metadata"].get("ownerReferences") or ()
            if not any(r.get("uid") == owner_uid for r in refs):
                continue  # orphaned meanwhile
            if any(r.get("uid") != owner_uid and self._exists(r, ns) for r in refs):
                continue  # another owner still holds it
            try:
                self.store.delete(rt, ns or None, name)
            except ApiError:
                pass

    def _exists(self, ref: Obj, namespace: str) -> bool:
        for rt in self.store.types.stored():
            if rt.kind == ref.get("kind"):
                obj = self.store.get(rt, namespace if rt.namespaced else None, ref.get("name", ""))
                return obj is not None and obj["metadata"].get("uid") == ref.get("uid")
        return False

    def _purge_namespace(self, namespace: str) -> None:
        for rt in self.store.types.stored():
            if not rt.namespaced:
                continue
            if rt is PODS:
                keys = list(self.index.pods_by_ns.get(namespace, ()))
            else:
                keys = [(namespace, o["metadata"]["name"]) for o in self.store.list(rt, namespace)]
            for ns, name in keys:
                try:
                    self.store.delete(rt, ns, name)
                except ApiError:
                    pass

    def _orphaned_pods(self, node: str) -> None:
        """The pod GC: pods bound to a node that no longer exists are force-deleted."""
        if self.store.get(NODES, None, node) is not None:
            return
        for ns, name in list(self.index.pods_by_node.get(node, ())):
            try:
                self.store.delete(PODS, ns, name, grace_seconds=0)
            except ApiError:
                pass

    def _ensure_service_account(self, namespace: str) -> None:
        ns = self.store.get(NAMESPACES, None, namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        if self.store.get(SERVICEACCOUNTS, namespace, "default") is None:
            try:
                self.store.create(SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": namespace}})
            except ApiError:
                pass
