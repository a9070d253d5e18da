"""Garbage collection and namespace lifecycle, as kube-controller-manager's garbage collector and namespace
controller do them.

Owners and dependents (``metadata.ownerReferences``):
- Background (the default): the owner goes at once; dependents whose owners are all gone are then deleted
  (a Deployment's ReplicaSets, and through them their pods, which terminate gracefully via their kubelet).
- Foreground (``foregroundDeletion`` finalizer): the owner stays, marked, while its dependents are deleted —
  themselves in the foreground — and goes when none is left.
- Orphan (``orphan`` finalizer): the owner's references are removed from its dependents, then the finalizer,
  so the dependents stay.

Namespaces: a deleted namespace is ``Terminating`` while its content is deleted (its status conditions say
what remains and which finalizers hold it); when nothing is left the ``kubernetes`` finalizer is removed and
the namespace goes. A new namespace gets its ``default`` ServiceAccount.

Pods bound to a deleted node are force-deleted (the pod GC), so their ReplicaSets replace them elsewhere.
"""

from __future__ import annotations

from collections import Counter

from ..errors import ApiError
from ..resources import NAMESPACES, NODES, PODS, SERVICEACCOUNTS, ResourceType
from ..store import FOREGROUND, ORPHAN, now_iso
from .base import Controller
from .util import Obj

NAMESPACE_FINALIZER = "kubernetes"


class GarbageCollector(Controller):
    name = "garbage-collector"

    def _stored_types(self) -> list[ResourceType]:
        return self.store.types.stored()  # built-in kinds and those CRDs define

    def _type(self, key: str) -> ResourceType | None:
        return self.store.types.by_key(key)

    def on_change(self, change) -> None:
        meta = change.obj["metadata"]
        uid = meta.get("uid")
        if change.type == "DELETED":
            if uid and uid in self.index.dependents:
                self.queue.add(("owner", uid))
            for ref in meta.get("ownerReferences") or ():  # an owner in foreground deletion may now go
                self.queue.add(("foreground", ref.get("kind", ""), meta.get("namespace") or "", ref.get("name", ""),
                                ref.get("uid", "")))
            if change.rt.namespaced and meta.get("namespace"):
                ns = self.store.get(NAMESPACES, None, meta["namespace"])
                if ns is not None and ns["metadata"].get("deletionTimestamp"):
                    self.queue.add(("namespace", meta["namespace"]))
            if change.rt is NODES:
                self.queue.add(("node", meta["name"]))
            return
        if change.type == "ADDED" and change.rt is NAMESPACES:
            self.queue.add(("sa", meta["name"]))
        if meta.get("deletionTimestamp"):
            finalizers = meta.get("finalizers") or ()
            if ORPHAN in finalizers:
                self.queue.add(("orphan", change.rt.key, meta.get("namespace") or "", meta["name"]))
            if FOREGROUND in finalizers:
                self.queue.add(("foreground", change.rt.kind, meta.get("namespace") or "", meta["name"], uid))
            if change.rt is NAMESPACES:
                self.queue.add(("namespace", meta["name"]))

    def resync_all(self) -> None:
        for ns in self.store.iter_objects(NAMESPACES):
            self.queue.add(("sa", ns["metadata"]["name"]))
            if ns["metadata"].get("deletionTimestamp"):
                self.queue.add(("namespace", ns["metadata"]["name"]))

    def sync(self, key: tuple) -> None:
        kind = key[0]
        if kind == "owner":
            self._collect(key[1])
        elif kind == "orphan":
            self._orphan(*key[1:])
        elif kind == "foreground":
            self._foreground(*key[1:])
        elif kind == "namespace":
            self._finalize_namespace(key[1])
        elif kind == "sa":
            self._ensure_service_account(key[1])
        elif kind == "node":
            self._orphaned_pods(key[1])

    # -- owners and dependents ---------------------------------------------------------------------------------
    def _dependents(self, owner_uid: str) -> list[tuple[ResourceType, Obj]]:
        out = []
        for rt_key, ns, name in list(self.index.dependents.get(owner_uid, ())):
            rt = self._type(rt_key)
            obj = self.store.get(rt, ns or None, name) if rt is not None else None
            if obj is not None and any(r.get("uid") == owner_uid for r in obj["metadata"].get("ownerReferences") or ()):
                out.append((rt, obj))
        return out

    def _collect(self, owner_uid: str) -> None:
        """Background: dependents whose owners are all gone are deleted."""
        for rt, obj in self._dependents(owner_uid):
            meta = obj["metadata"]
            ns = meta.get("namespace") or ""
            if any(r.get("uid") != owner_uid and self._exists(r, ns) for r in meta.get("ownerReferences") or ()):
                continue  # another owner still holds it
            self._delete(rt, obj, None)

    def _orphan(self, rt_key: str, namespace: str, name: str) -> None:
        rt = self._type(rt_key)
        owner = self.store.get(rt, namespace or None, name) if rt is not None else None
        if owner is None or ORPHAN not in (owner["metadata"].get("finalizers") or ()):
            return
        uid = owner["metadata"]["uid"]
        for dep_rt, dep in self._dependents(uid):
            def drop_ref(obj: Obj, uid: str = uid) -> None:
                refs = [r for r in obj["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
                if refs:
                    obj["metadata"]["ownerReferences"] = refs
                else:
                    obj["metadata"].pop("ownerReferences", None)
            self.store.mutate(dep_rt, dep["metadata"].get("namespace"), dep["metadata"]["name"], drop_ref)
        self._remove_finalizer(rt, owner, ORPHAN)

    def _foreground(self, kind: str, namespace: str, name: str, uid: str) -> None:
        """Foreground: delete the dependents (in the foreground too); the owner goes once none is left."""
        rt, owner = self._find(kind, namespace, name, uid)
        if owner is None or FOREGROUND not in (owner["metadata"].get("finalizers") or ()):
            return
        remaining = self._dependents(uid)
        for dep_rt, dep in remaining:
            if not dep["metadata"].get("deletionTimestamp"):
                self._delete(dep_rt, dep, "Foreground")
        if not remaining:
            self._remove_finalizer(rt, owner, FOREGROUND)

    def _find(self, kind: str, namespace: str, name: str, uid: str) -> tuple[ResourceType | None, Obj | None]:
        for rt in self._stored_types():
            if rt.kind == kind:
                obj = self.store.get(rt, namespace if rt.namespaced else None, name)
                if obj is not None and obj["metadata"].get("uid") == uid:
                    return rt, obj
        return None, None

    def _exists(self, ref: Obj, namespace: str) -> bool:
        return self._find(ref.get("kind", ""), namespace, ref.get("name", ""), ref.get("uid", ""))[1] is not None

    def _remove_finalizer(self, rt: ResourceType, obj: Obj, finalizer: str) -> None:
        def drop(o: Obj) -> None:
            rest = [f for f in o["metadata"].get("finalizers") or () if f != finalizer]
            if rest:
                o["metadata"]["finalizers"] = rest
            else:
                o["metadata"].pop("finalizers", None)
        self.store.mutate(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"], drop)

    def _delete(self, rt: ResourceType, obj: Obj, propagation: str | None) -> None:
        try:
            self.store.delete(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"],
                              precondition_uid=obj["metadata"].get("uid"), propagation=propagation)
        except ApiError:
            pass  # gone or replaced meanwhile

    # -- namespaces --------------------------------------------------------------------------------------------
    def _finalize_namespace(self, namespace: str) -> None:
        ns = self.store.get(NAMESPACES, None, namespace)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        remaining: Counter[str] = Counter()
        held: Counter[str] = Counter()
        for rt in self._stored_types():
            if not rt.namespaced:
                continue
            if rt is PODS:
                objs = [p for p in (self.store.get(PODS, n, m) for n, m in list(self.index.pods_by_ns.get(namespace, ())))
                        if p is not None]
            else:
                objs = self.store.list(rt, namespace)
            for obj in objs:
                remaining[rt.key] += 1
                for f in obj["metadata"].get("finalizers") or ():
                    held[f] += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    self._delete(rt, obj, None)
        if remaining:
            self._namespace_conditions(ns, remaining, held)
            return

        def finalize(o: Obj) -> None:
            spec = o.setdefault("spec", {})
            spec["finalizers"] = [f for f in spec.get("finalizers") or () if f != NAMESPACE_FINALIZER]
            if not spec["finalizers"]:
                spec.pop("finalizers")
        self.store.mutate(NAMESPACES, None, namespace, finalize)

    def _namespace_conditions(self, ns: Obj, remaining: Counter[str], held: Counter[str]) -> None:
        """What the namespace controller reports while content is left (kubectl describe ns shows it)."""
        now = now_iso()
        resources = ", ".join(f"{key if '.' in key else key + '.'} has {n} resource instances"
                              for key, n in sorted(remaining.items()))
        conditions = [
            ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
            ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
             "All legacy kube types successfully parsed"),
            ("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be "
                                                                           "waiting on finalization"),
            ("NamespaceContentRemaining", "True", "SomeResourcesRemain", f"Some resources are remaining: {resources}"),
            ("NamespaceFinalizersRemaining", "True" if held else "False",
             "SomeFinalizersRemain" if held else "ContentHasNoFinalizers",
             ("Some content in the namespace has finalizers remaining: "
              + ", ".join(f"{f} in {n} resource instances" for f, n in sorted(held.items())))
             if held else "All content-preserving finalizers finished"),
        ]

        def put(o: Obj) -> None:
            old = {c["type"]: c for c in (o.get("status") or {}).get("conditions") or ()}
            out = []
            for ctype, status, reason, message in conditions:
                prev = old.get(ctype)
                since = prev["lastTransitionTime"] if prev and prev.get("status") == status else now
                out.append({"type": ctype, "status": status, "lastTransitionTime": since, "reason": reason,
                            "message": message})
            o.setdefault("status", {})["conditions"] = out
        self.store.mutate(NAMESPACES, None, ns["metadata"]["name"], put)

    # -- nodes and service accounts ----------------------------------------------------------------------------
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
