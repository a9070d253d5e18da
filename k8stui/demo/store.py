"""The demo cluster's object store: etcd and the API server's registry in one small class.

Objects are plain JSON dicts keyed by (resource, namespace, name). Every write bumps one global
resourceVersion, is recorded in a bounded watch history (so WATCH can resume from a version, and a too-old
version gets 410 Gone), is pushed to open watches, and is handed synchronously to the simulated
controllers. Stored dicts are never mutated in place: writers pass new dicts, readers may keep references.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import admission
from .errors import ApiError, already_exists, conflict, gone, not_found
from .resources import BY_KEY, ResourceType, TypeRegistry
from .selectors import Predicate

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace or "", name)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"


def now_iso(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if ts is None else ts))


def _as_version(rt: ResourceType, obj: Obj) -> Obj:
    """``obj`` as the client asked for it: a custom resource stored in another version gets this apiVersion."""
    if rt.storage_version and obj.get("apiVersion") != rt.api_version:
        return {**obj, "apiVersion": rt.api_version}
    return obj


def deep_copy(obj: Obj) -> Obj:
    """A private copy of a JSON object (an orjson round trip is ~5x faster than copy.deepcopy)."""
    return orjson.loads(orjson.dumps(obj))


@dataclass(slots=True)
class Change:
    """One committed write, as controllers and watches see it."""

    rv: int
    type: str  # ADDED / MODIFIED / DELETED
    rt: ResourceType
    obj: Obj
    old: Obj | None


@dataclass(eq=False)
class Watcher:
    """An open WATCH: the events that match it are queued for the HTTP handler to stream."""

    rt: ResourceType
    namespace: str | None
    labels: Predicate | None
    fields: Predicate | None
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False
    max_backlog: int = 200_000

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        if self.namespace and obj["metadata"].get("namespace") != self.namespace:
            return False
        if self.labels and not self.labels(obj):
            return False
        return not (self.fields and not self.fields(obj))

    def offer(self, change: Change) -> None:
        """Queue the event this change means for this watch (a selector change becomes ADDED/DELETED)."""
        if self.closed:
            return
        new_ok = change.type != DELETED and self.matches(change.obj)
        old_ok = self.matches(change.old) if change.type != ADDED else False
        if change.type == DELETED:
            etype = DELETED if self.matches(change.obj) else None
        elif new_ok and old_ok:
            etype = MODIFIED
        elif new_ok:
            etype = ADDED
        elif old_ok:
            etype = DELETED
        else:
            etype = None
        if etype is None:
            return
        if self.queue.qsize() >= self.max_backlog:
            self.close()  # a consumer this slow is dropped, as the real API server does
            return
        obj = change.obj
        if self.rt.storage_version and obj.get("apiVersion") != self.rt.api_version:
            obj = {**obj, "apiVersion": self.rt.api_version}  # a custom resource watched in another version
        self.queue.put_nowait((etype, obj))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


class Store:
    """All objects of the demo cluster, with versioned history for WATCH."""

    def __init__(self, history_size: int = 200_000) -> None:
        self._rv = itertools.count(1)
        self.resource_version = 0
        self._objects: dict[str, dict[Key, Obj]] = {rt.key: {} for rt in BY_KEY.values()}
        self.history: deque[Change] = deque(maxlen=history_size)
        self.compacted_rv = 0  # watches from a version <= this get 410 Gone
        self._watchers: dict[str, list[Watcher]] = {rt.key: [] for rt in BY_KEY.values()}
        self._listeners: list[Callable[[Change], None]] = []
        self._ip_counter = itertools.count(10)
        self.types = TypeRegistry()  # built-in kinds plus those CRDs define (see crds.py)
        from . import crds  # noqa: PLC0415 - crds imports this module
        crds.serve_definitions(self)

    # -- resource types ------------------------------------------------------------------------------
    def add_storage(self, rt: ResourceType) -> None:
        """Make room for a resource type defined at run time (a CRD's custom resources)."""
        self._objects.setdefault(rt.key, {})
        self._watchers.setdefault(rt.key, [])

    def drop_storage(self, key: str) -> None:
        """Forget a resource type's objects (its CRD is gone) and end its watches."""
        self._objects.pop(key, None)
        for w in self._watchers.pop(key, []):
            w.close()

    # -- reads ---------------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        obj = self._objects[rt.key].get((namespace or "", name))
        if rt.storage_version and obj is not None and obj.get("apiVersion") != rt.api_version:
            return {**obj, "apiVersion": rt.api_version}  # a custom resource read in another served version
        return obj

    def must_get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        obj = self.get(rt, namespace, name)
        if obj is None:
            raise not_found(rt.qualified(), name)
        return obj

    def list(self, rt: ResourceType, namespace: str | None = None, labels: Predicate | None = None,
             fields: Predicate | None = None) -> list[Obj]:
        """Matching objects sorted by (namespace, name), as the API server returns them."""
        items = self._objects[rt.key]
        keys = sorted(k for k in items if not namespace or k[0] == namespace)
        out = []
        for k in keys:
            obj = items[k]
            if labels and not labels(obj):
                continue
            if fields and not fields(obj):
                continue
            out.append(obj)
        if rt.storage_version:
            out = [o if o.get("apiVersion") == rt.api_version else {**o, "apiVersion": rt.api_version} for o in out]
        return out

    def iter_objects(self, rt: ResourceType) -> Iterable[Obj]:
        return self._objects[rt.key].values()

    def count(self, rt: ResourceType) -> int:
        return len(self._objects[rt.key])

    # -- writes --------------------------------------------------------------------------------
    def _next_rv(self) -> int:
        self.resource_version = next(self._rv)
        return self.resource_version

    def _commit(self, rt: ResourceType, etype: str, obj: Obj, old: Obj | None) -> Obj:
        rv = self._next_rv()
        meta = obj["metadata"]
        meta["resourceVersion"] = str(rv)
        key = (meta.get("namespace", "") or "", meta["name"])
        if etype == DELETED:
            self._objects[rt.key].pop(key, None)
        else:
            self._objects[rt.key][key] = obj
        change = Change(rv, etype, rt, obj, old)
        self.history.append(change)
        for w in self._watchers[rt.key]:
            w.offer(change)
        for listener in self._listeners:
            listener(change)
        return obj

    def create(self, rt: ResourceType, obj: Obj, *, dry_run: bool = False) -> Obj:
        obj = deep_copy(obj)
        obj["apiVersion"], obj["kind"] = rt.storage_api_version, rt.kind
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        if not rt.namespaced:
            meta.pop("namespace", None)
        admission.validate_create(self, rt, obj)
        ns = meta.get("namespace") or ""
        if (ns, meta["name"]) in self._objects[rt.key]:
            raise already_exists(rt.qualified(), meta["name"])
        if rt.namespaced and rt.key != "events" and ns and self.get(BY_KEY["namespaces"], None, ns) is None:
            raise ApiError(404, "NotFound", f'namespaces "{ns}" not found',
                           {"name": ns, "kind": "namespaces"})
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        meta.pop("resourceVersion", None)
        meta.pop("deletionTimestamp", None)
        if "spec" in obj or rt.has_status:
            meta["generation"] = 1
        admission.default(self, rt, obj, None)
        if dry_run:
            meta["resourceVersion"] = ""
            return _as_version(rt, obj)
        return _as_version(rt, self._commit(rt, ADDED, obj, None))

    def restore(self, rt: ResourceType, obj: Obj) -> Obj:
        """Load a saved object as it was (uid, timestamps, status kept): frozen scenarios and snapshots."""
        obj = deep_copy(obj)
        obj["apiVersion"], obj["kind"] = rt.storage_api_version, rt.kind
        return self._commit(rt, ADDED, obj, None)

    def update(self, rt: ResourceType, obj: Obj, *, subresource: str = "", dry_run: bool = False,
               check_rv: bool = True) -> Obj:
        """Replace an object. A set ``metadata.resourceVersion`` is a precondition (409 when stale).

        With ``subresource="status"`` only ``.status`` is taken from ``obj``; on the main resource of a kind
        with a status subresource, ``.status`` is kept from the stored object, as the API server does.
        """
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace") if rt.namespaced else None
        old = self.must_get(rt, ns, meta.get("name", ""))
        want_rv = meta.get("resourceVersion")
        if check_rv and want_rv and want_rv != old["metadata"]["resourceVersion"]:
            raise conflict(rt.qualified(), old["metadata"]["name"])
        if subresource == "status":
            new = deep_copy(old)
            new["apiVersion"] = rt.storage_api_version
            new["status"] = deep_copy(obj.get("status") or {})
        else:
            new = deep_copy(obj)
            new["apiVersion"], new["kind"] = rt.storage_api_version, rt.kind
            nmeta = new.setdefault("metadata", {})
            for k in ("uid", "creationTimestamp", "namespace", "generation", "deletionTimestamp",
                      "deletionGracePeriodSeconds"):
                if k in old["metadata"]:
                    nmeta[k] = old["metadata"][k]
                else:
                    nmeta.pop(k, None)
            if not rt.namespaced:
                nmeta.pop("namespace", None)
            if rt.has_status and "status" in old:
                new["status"] = deep_copy(old["status"])
            if "spec" in new and new.get("spec") != old.get("spec"):
                nmeta["generation"] = int(old["metadata"].get("generation", 1)) + 1
        admission.validate_update(self, rt, new, old)
        admission.default(self, rt, new, old)
        if dry_run:
            return _as_version(rt, new)
        return _as_version(rt, self._commit(rt, MODIFIED, new, old))

    def replace_internal(self, rt: ResourceType, obj: Obj) -> Obj:
        """Controllers' write: no preconditions, status and spec both taken as given."""
        meta = obj["metadata"]
        old = self.get(rt, meta.get("namespace"), meta["name"])
        if old is None:
            raise not_found(rt.qualified(), meta["name"])
        return self._commit(rt, MODIFIED, obj, old)

    def mutate(self, rt: ResourceType, namespace: str | None, name: str,
               fn: Callable[[Obj], Any]) -> Obj | None:
        """Copy the stored object, let ``fn`` change the copy, commit it if it differs. None if gone."""
        old = self.get(rt, namespace, name)
        if old is None:
            return None
        new = deep_copy(old)
        fn(new)
        if new == old:
            return old
        return self._commit(rt, MODIFIED, new, old)

    def delete(self, rt: ResourceType, namespace: str | None, name: str, *, grace_seconds: int | None = None,
               dry_run: bool = False, precondition_rv: str | None = None,
               precondition_uid: str | None = None) -> Obj:
        """Delete; a pod with a grace period is only marked (Terminating) and its kubelet removes it."""
        old = self.must_get(rt, namespace, name)
        if precondition_rv and precondition_rv != old["metadata"]["resourceVersion"]:
            raise conflict(rt.qualified(), name)
        if precondition_uid and precondition_uid != old["metadata"]["uid"]:
            raise conflict(rt.qualified(), name)
        if rt.key == "pods" and grace_seconds != 0 and old["spec"].get("nodeName"):
            if old["metadata"].get("deletionTimestamp"):
                return old
            new = deep_copy(old)
            grace = 30 if grace_seconds is None else grace_seconds
            new["metadata"]["deletionTimestamp"] = now_iso()
            new["metadata"]["deletionGracePeriodSeconds"] = grace
            if dry_run:
                return new
            return self._commit(rt, MODIFIED, new, old)
        if dry_run:
            return old
        final = deep_copy(old)
        return self._commit(rt, DELETED, final, old)

    def remove_now(self, rt: ResourceType, namespace: str | None, name: str) -> None:
        """Controllers' hard delete (kubelet finished terminating, garbage collection)."""
        old = self.get(rt, namespace, name)
        if old is not None:
            self._commit(rt, DELETED, deep_copy(old), old)

    # -- watch ---------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def open_watch(self, rt: ResourceType, namespace: str | None, labels: Predicate | None,
                   fields: Predicate | None, since_rv: str | None) -> Watcher:
        """Register a watch. Events after ``since_rv`` are queued first; with no version (or "0") every
        current object arrives as ADDED, as the API server does. Raises 410 for a compacted version."""
        w = Watcher(rt, namespace, labels, fields)
        if since_rv in (None, "", "0"):
            for obj in self.list(rt, namespace, labels, fields):
                w.queue.put_nowait((ADDED, obj))
        else:
            try:
                rv = int(since_rv)
            except ValueError as exc:
                raise ApiError(400, "BadRequest", f"invalid resource version: {since_rv}") from exc
            oldest = self.history[0].rv if self.history else self.resource_version + 1
            if rv < self.compacted_rv or (rv < oldest - 1 and rv < self.resource_version):
                raise gone(f"too old resource version: {rv} ({max(oldest - 1, self.compacted_rv)})")
            for change in self.history:
                if change.rv > rv and change.rt.key == rt.key:
                    w.offer(change)
        self._watchers[rt.key].append(w)
        return w

    def close_watch(self, w: Watcher) -> None:
        w.closed = True
        try:
            self._watchers[w.rt.key].remove(w)
        except ValueError:
            pass

    def drop_all_watches(self) -> int:
        n = 0
        for watchers in self._watchers.values():
            for w in list(watchers):
                w.close()
                n += 1
            watchers.clear()
        return n

    def compact(self) -> int:
        """Forget all history: any watch from an older version now gets 410 Gone."""
        self.compacted_rv = self.resource_version
        self.history.clear()
        return self.compacted_rv

    # -- helpers for controllers ---------------------------------------------------------------
    def allocate_ip(self, prefix: str = "10.244") -> str:
        n = next(self._ip_counter)
        return f"{prefix}.{(n // 250) % 250}.{n % 250 + 2}"
