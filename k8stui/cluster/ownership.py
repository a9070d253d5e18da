"""Which ReplicaSets and Pods belong to which Deployment — by ownerReferences, never by name prefix.

A Deployment ``web`` and a Deployment ``web-worker`` share a name prefix: ``web-worker-5c6d7-x2x4z`` is a pod of
``web-worker`` only. The controller chain says so (Pod → its controlling ReplicaSet → its controlling
Deployment), and this index keeps that chain current from the ReplicaSet and Pod informers, so that the
dashboard can ask "is this event about web?" and "which pods does web run?" in O(1).

Events outlive their objects: an event about a pod that is gone is attributed through the pod's name minus its
random suffix (the ReplicaSet's name), and when that ReplicaSet is gone too, through the ReplicaSet naming rule
``<deployment>-<pod-template-hash>`` with the hash's own alphabet (no vowels, no dashes), which
``web-worker-…`` cannot match for ``web``.

No Textual here: listeners are plain callables, called on the informers' loop after each batch with the uids of
the Deployments whose pods changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .store import ChangeBatch, Informer

# k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: the alphabet of pod-template-hash and pod name suffixes.
SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789"
_SAFE = f"[{SAFE_CHARS}]"

Listener = Callable[[frozenset[str]], None]


def controller_ref(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The controlling ownerReference of an object, or None."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def _owner_uid(obj: Mapping[str, Any], kind: str) -> str:
    ref = controller_ref(obj)
    return str(ref.get("uid") or "") if ref is not None and ref.get("kind") == kind else ""


def replicaset_name_of_pod(pod_name: str) -> str:
    """``web-5c6d7f-x2x4z`` → ``web-5c6d7f`` (a ReplicaSet's pods are its name plus ``-`` and 5 safe chars)."""
    head, sep, tail = pod_name.rpartition("-")
    return head if sep and re.fullmatch(f"{_SAFE}{{5}}", tail) else ""


def named_like_replicaset_of(deployment: str, name: str) -> bool:
    """Whether ``name`` follows the ReplicaSet naming rule of Deployment ``deployment`` (name-hash)."""
    return re.fullmatch(re.escape(deployment) + f"-{_SAFE}{{1,10}}", name) is not None


def named_like_pod_of(deployment: str, name: str) -> bool:
    """Whether ``name`` follows the pod naming rule of Deployment ``deployment`` (name-hash-suffix)."""
    return re.fullmatch(re.escape(deployment) + f"-{_SAFE}{{1,10}}-{_SAFE}{{5}}", name) is not None


class DeploymentOwnership:
    """ReplicaSet → Deployment and Pod → ReplicaSet, by controller ownerReference, from two informers of the
    same scope. ``start()`` subscribes (and indexes what the informers already hold), ``stop()`` unsubscribes."""

    def __init__(self, replicasets: Informer, pods: Informer) -> None:
        self.replicasets = replicasets
        self.pods = pods
        self._rs_deployment: dict[str, str] = {}  # ReplicaSet uid -> Deployment uid ("" when not a Deployment's)
        self._deployment_rs: dict[str, set[str]] = {}  # Deployment uid -> its ReplicaSet uids
        self._rs_pods: dict[str, set[str]] = {}  # ReplicaSet uid -> pod uids it controls
        self._pod_rs: dict[str, str] = {}  # pod uid -> ReplicaSet uid
        self._listeners: list[Listener] = []
        self._unsubscribe: list[Callable[[], None]] = []

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._unsubscribe:
            return
        self._unsubscribe = [self.replicasets.subscribe(self._on_replicasets), self.pods.subscribe(self._on_pods)]
        self._index_replicasets(self.replicasets.uids())
        self._index_pods(self.pods.uids())

    def stop(self) -> None:
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener(deployment uids)`` after a batch changed which pods those Deployments have, or their pods."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- reading ---------------------------------------------------------------------------------------
    def deployment_of_replicaset(self, rs_uid: str) -> str:
        return self._rs_deployment.get(rs_uid, "")

    def deployment_of_pod(self, pod_uid: str) -> str:
        return self._rs_deployment.get(self._pod_rs.get(pod_uid, ""), "")

    def replicasets_of(self, deployment_uid: str) -> set[str]:
        return self._deployment_rs.get(deployment_uid, set())

    def pod_uids_of(self, deployment_uid: str) -> set[str]:
        out: set[str] = set()
        for rs in self.replicasets_of(deployment_uid):
            out |= self._rs_pods.get(rs, set())
        return out

    def pods_of(self, deployment_uid: str) -> list[dict[str, Any]]:
        """The cached pods a Deployment controls (through its ReplicaSets)."""
        get = self.pods.get
        return [pod for uid in self.pod_uids_of(deployment_uid) if (pod := get(uid)) is not None]

    def event_is_about(self, event: Mapping[str, Any], deployment_uid: str, deployment: str,
                       namespace: str) -> bool:
        """Whether an event's involvedObject is the Deployment, one of its ReplicaSets or one of their Pods."""
        io = event.get("involvedObject") or {}
        if namespace and (io.get("namespace") or namespace) != namespace:
            return False
        kind, name, uid = io.get("kind"), str(io.get("name") or ""), str(io.get("uid") or "")
        if kind == "Deployment":
            return uid == deployment_uid if uid and deployment_uid else name == deployment
        if kind == "ReplicaSet":
            owner = self._replicaset_owner(uid, name, namespace)
            return owner == deployment_uid if owner is not None else named_like_replicaset_of(deployment, name)
        if kind == "Pod":
            rs_uid = self._pod_rs.get(uid, "") if uid else ""
            if rs_uid in self._rs_deployment:  # pod and ReplicaSet both indexed
                return self._rs_deployment[rs_uid] == deployment_uid
            rs_name = replicaset_name_of_pod(name)
            owner = self._replicaset_owner("", rs_name, namespace) if rs_name else None
            return owner == deployment_uid if owner is not None else named_like_pod_of(deployment, name)
        return False

    def _replicaset_owner(self, uid: str, name: str, namespace: str) -> str | None:
        """The Deployment uid of a ReplicaSet ("" when it has none), None when the ReplicaSet is not cached."""
        if uid and uid in self._rs_deployment:
            return self._rs_deployment[uid]
        rs = self.replicasets.by_name(namespace or None, name) if name else None
        if rs is None:
            return None
        return _owner_uid(rs, "Deployment")

    # -- indexing --------------------------------------------------------------------------------------
    def _index_replicasets(self, uids: Iterable[str]) -> set[str]:
        touched: set[str] = set()
        for uid in uids:
            rs = self.replicasets.get(uid)
            before = self._rs_deployment.get(uid)
            after = _owner_uid(rs, "Deployment") if rs is not None else None
            if before and before != after:
                rss = self._deployment_rs.get(before)
                if rss is not None:
                    rss.discard(uid)
                    if not rss:
                        del self._deployment_rs[before]
            if rs is None:
                self._rs_deployment.pop(uid, None)
                if before and self._rs_pods.get(uid):
                    touched.add(before)
                continue
            self._rs_deployment[uid] = after or ""
            if after:
                self._deployment_rs.setdefault(after, set()).add(uid)
            if before != after:
                touched.update(d for d in (before, after) if d)
        return touched

    def _index_pods(self, uids: Iterable[str]) -> set[str]:
        touched: set[str] = set()
        for uid in uids:
            pod = self.pods.get(uid)
            before = self._pod_rs.get(uid, "")
            after = _owner_uid(pod, "ReplicaSet") if pod is not None else ""
            if before and before != after:
                self._rs_pods.get(before, set()).discard(uid)
                if not self._rs_pods.get(before):
                    self._rs_pods.pop(before, None)
            if after:
                self._pod_rs[uid] = after
                self._rs_pods.setdefault(after, set()).add(uid)
            else:
                self._pod_rs.pop(uid, None)
            touched.update(d for d in (self._rs_deployment.get(before, ""), self._rs_deployment.get(after, "")) if d)
        return touched

    def _on_replicasets(self, batch: ChangeBatch) -> None:
        self._notify(self._index_replicasets(batch.added | batch.modified | batch.deleted))

    def _on_pods(self, batch: ChangeBatch) -> None:
        self._notify(self._index_pods(batch.added | batch.modified | batch.deleted))

    def _notify(self, touched: set[str]) -> None:
        if not touched:
            return
        frozen = frozenset(touched)
        for listener in list(self._listeners):
            listener(frozen)


__all__ = ["SAFE_CHARS", "DeploymentOwnership", "controller_ref", "named_like_pod_of", "named_like_replicaset_of",
           "replicaset_name_of_pod"]
