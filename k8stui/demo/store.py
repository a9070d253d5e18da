"""The demo cluster's object store: etcd and the API server's registry in one small class.

Objects are plain JSON dicts keyed by (resource, namespace, name). Every write bumps one global
resourceVersion, is recorded in a watch history (so WATCH can resume from a version, and a too-old
version gets 410 Gone), is pushed to open watches, and is handed synchronously to the simulated
controllers. Stored dicts are never mutated in place: writers pass new dicts, readers may keep references.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import admission, conversion
from .errors import ApiError, already_exists, bad_request, conflict, gone, not_found
from .resources import BY_KEY, ResourceType, TypeRegistry
from .selectors import Predicate

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace or "", name)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
INITIAL_END = "INITIAL_END"  # queued after a sendInitialEvents watch's initial ADDED events
ORPHAN, FOREGROUND = "orphan", "foregroundDeletion"  # the garbage collector's finalizers


def _finalized(rt: ResourceType, obj: Obj) -> bool:
    """An object marked for deletion whose finalizers are all gone (and, for a namespace, its content) and
    whose grace period is over: the API server removes it with the write that got it there."""
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp") or meta.get("finalizers") or meta.get("deletionGracePeriodSeconds"):
        return False
    return not (rt.key == "namespaces" and (obj.get("spec") or {}).get("finalizers"))


def _finish_grace(obj: Obj) -> None:
    obj["metadata"]["deletionGracePeriodSeconds"] = 0


def now_iso(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if ts is None else ts))


def _as_version(rt: ResourceType, obj: Obj) -> Obj:
    """``obj`` as the client asked for it: converted when stored in another version (conversion.py)."""
    if rt.storage_version and obj.get("apiVersion") != rt.api_version:
        return conversion.from_storage(rt, obj)
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
            obj = conversion.from_storage(self.rt, obj)  # watched in another version than the stored one
        self.queue.put_nowait((etype, obj))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


class Store:
    """All objects of the demo cluster, with versioned history for WATCH."""

    def __init__(self, history_size: int = 200_000, history_seconds: float = 300.0) -> None:
        self._rv = itertools.count(1)
        self.resource_version = 0
        self._objects: dict[str, dict[Key, Obj]] = {rt.key: {} for rt in BY_KEY.values()}
        self._sorted: dict[str, list[Key]] = {}  # per resource, built on the first list, kept up by _commit
        self.history: deque[Change] = deque(maxlen=history_size)
        # Like etcd's periodic compaction: versions older than this many seconds are forgotten, so a client that
        # was away longer gets 410 Gone and must list again (0: keep what history_size holds).
        self.history_seconds = history_seconds
        self._history_times: deque[float] = deque()
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
        self._sorted.pop(key, None)
        for w in self._watchers.pop(key, []):
            w.close()

    # -- reads ---------------------------------------------------------------------------------
    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        obj = self._objects[rt.key].get((namespace or "", name))
        if rt.storage_version and obj is not None and obj.get("apiVersion") != rt.api_version:
            return conversion.from_storage(rt, obj)  # read in another served version than the stored one
        return obj

    def must_get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        obj = self.get(rt, namespace, name)
        if obj is None:
            raise not_found(rt.qualified(), name)
        return obj

    def list(self, rt: ResourceType, namespace: str | None = None, labels: Predicate | None = None,
             fields: Predicate | None = None) -> list[Obj]:
        """Matching objects sorted by (namespace, name), as the API server returns them."""
        return self.list_page(rt, namespace, labels, fields)[0]

    def list_page(self, rt: ResourceType, namespace: str | None = None, labels: Predicate | None = None,
                  fields: Predicate | None = None, *, after: Key | None = None, limit: int = 0
                  ) -> tuple[list[Obj], int]:
        """One page of ``list``: at most ``limit`` (0: all) matching objects whose key sorts after ``after``,
        and how many more match after them. A page costs its own size, not the store's (a sorted key index per
        resource is kept up by every write): paging through 50k pods is linear, not quadratic."""
        items = self._objects[rt.key]
        keys = self._sorted.get(rt.key)
        if keys is None:
            keys = self._sorted[rt.key] = sorted(items)
        lo, hi = 0, len(keys)
        if namespace:
            lo, hi = bisect.bisect_left(keys, (namespace,)), bisect.bisect_left(keys, (namespace + "\0",))
        if after is not None:
            lo = max(lo, bisect.bisect_right(keys, after))
        out: list[Obj] = []
        i = lo
        while i < hi and (not limit or len(out) < limit):
            obj = items[keys[i]]
            i += 1
            if (labels and not labels(obj)) or (fields and not fields(obj)):
                continue
            out.append(obj)
        if not labels and not fields:
            remaining = hi - i
        else:
            remaining = sum(1 for k in keys[i:hi] if (not labels or labels(items[k])) and (not fields or fields(items[k])))
        if rt.storage_version:
            out = [o if o.get("apiVersion") == rt.api_version else conversion.from_storage(rt, o) for o in out]
        return out, remaining

    def iter_objects(self, rt: ResourceType) -> Iterable[Obj]:
        return self._objects[rt.key].values()

    def count(self, rt: ResourceType) -> int:
        return len(self._objects[rt.key])

    # -- writes --------------------------------------------------------------------------------
    def _next_rv(self) -> int:
        self.resource_version = next(self._rv)
        return self.resource_version

    def _commit(self, rt: ResourceType, etype: str, obj: Obj, old: Obj | None) -> Obj:
        meta = obj["metadata"]
        if etype == MODIFIED and _finalized(rt, obj):
            etype = DELETED  # the last finalizer of an object being deleted is gone: it goes now
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        key = (meta.get("namespace", "") or "", meta["name"])
        objects, keys = self._objects[rt.key], self._sorted.get(rt.key)
        if etype == DELETED:
            if objects.pop(key, None) is not None and keys is not None:
                del keys[bisect.bisect_left(keys, key)]
        else:
            if keys is not None and key not in objects:
                bisect.insort(keys, key)
            objects[key] = obj
        change = Change(rv, etype, rt, obj, old)
        if len(self.history) == self.history.maxlen:
            self.compacted_rv = max(self.compacted_rv, self.history[0].rv)
            self._history_times.popleft()
        self.history.append(change)
        self._history_times.append(time.monotonic())
        if self.history_seconds and self._history_times[0] < time.monotonic() - self.history_seconds:
            self._compact_window()
        for w in self._watchers[rt.key]:
            w.offer(change)
        for listener in self._listeners:
            listener(change)
        return obj

    def create(self, rt: ResourceType, obj: Obj, *, dry_run: bool = False,
               before_commit: Callable[[Obj | None, Obj], None] | None = None) -> Obj:
        obj = deep_copy(conversion.to_storage(rt, obj) if rt.storage_version else obj)
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
        if rt.namespaced and rt.key != "events" and ns:
            namespace = self.get(BY_KEY["namespaces"], None, ns)
            if namespace is None:
                raise ApiError(404, "NotFound", f'namespaces "{ns}" not found', {"name": ns, "kind": "namespaces"})
            if namespace["metadata"].get("deletionTimestamp"):
                message = f"unable to create new content in namespace {ns} because it is being terminated"
                raise ApiError(403, "Forbidden", f'{rt.qualified()} "{meta["name"]}" is forbidden: {message}',
                               {"name": meta["name"], "group": rt.group, "kind": rt.plural, "causes": [{
                                   "reason": "NamespaceTerminating", "message": message,
                                   "field": "metadata.namespace"}]})
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        meta.pop("resourceVersion", None)
        meta.pop("deletionTimestamp", None)
        if "spec" in obj or rt.has_status:
            meta["generation"] = 1
        admission.default(self, rt, obj, None)
        if before_commit is not None:
            before_commit(None, obj)
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
               check_rv: bool = True, before_commit: Callable[[Obj | None, Obj], None] | None = None) -> Obj:
        """Replace an object. A set ``metadata.resourceVersion`` is a precondition (409 when stale).

        With ``subresource="status"`` only ``.status`` is taken from ``obj``; on the main resource of a kind
        with a status subresource, ``.status`` is kept from the stored object, as the API server does.
        """
        if rt.storage_version:
            obj = conversion.to_storage(rt, obj)
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace") if rt.namespaced else None
        old = self.must_get(rt, ns, meta.get("name", ""))
        if rt.storage_version:  # compare with and keep from the stored version, not the one served
            old = self._objects[rt.key][(ns or "", meta.get("name", ""))]
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
            if "managedFields" not in nmeta and "managedFields" in old["metadata"]:
                nmeta["managedFields"] = deep_copy(old["metadata"])["managedFields"]  # unset: kept
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
        if before_commit is not None:
            before_commit(old, new)
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
               precondition_uid: str | None = None, propagation: str | None = None) -> Obj:
        """Delete as the API server's generic registry does, and return the object as it now is.

        An object is only marked (``deletionTimestamp`` set, kept in the store) while something must happen
        first: a pod bound to a node gets its grace period (its kubelet removes it), a namespace its content
        deleted (``Terminating``), and any object with ``metadata.finalizers`` waits until they are removed —
        ``propagation`` ``Orphan`` or ``Foreground`` adds the garbage collector's ``orphan`` or
        ``foregroundDeletion`` finalizer. Otherwise it is removed at once. ``is_pending`` tells which.
        """
        old = self.must_get(rt, namespace, name)
        ometa = old["metadata"]
        if precondition_rv and precondition_rv != ometa["resourceVersion"]:
            raise conflict(rt.qualified(), name)
        if precondition_uid and precondition_uid != ometa["uid"]:
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rt.qualified()} "{name}": '
                           f"Precondition failed: UID in precondition: {precondition_uid}, UID in object meta: "
                           f"{ometa['uid']}", {"name": name, "kind": rt.plural})
        if propagation not in (None, "Orphan", "Background", "Foreground"):
            raise bad_request(f'Unsupported value: "{propagation}": supported values: "Foreground", '
                              '"Background", "Orphan"')
        finalizers = list(ometa.get("finalizers") or [])
        if propagation == "Orphan" and ORPHAN not in finalizers:
            finalizers = [f for f in finalizers if f != FOREGROUND] + [ORPHAN]
        elif propagation == "Foreground" and FOREGROUND not in finalizers:
            finalizers = [f for f in finalizers if f != ORPHAN] + [FOREGROUND]
        elif propagation == "Background":
            finalizers = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
        grace = self._grace(rt, old, grace_seconds)
        if ometa.get("deletionTimestamp"):  # already being deleted: a shorter grace period or new policy only
            current = ometa.get("deletionGracePeriodSeconds")
            shorter = grace is not None and current is not None and grace < current
            if not shorter and finalizers == list(ometa.get("finalizers") or []):
                return old
            new = deep_copy(old)
            if shorter:
                new["metadata"]["deletionGracePeriodSeconds"] = grace
                new["metadata"]["deletionTimestamp"] = now_iso(time.time() + grace)
            new["metadata"]["finalizers"] = finalizers
            if not finalizers:
                new["metadata"].pop("finalizers")
            return new if dry_run else self._commit(rt, MODIFIED, new, old)
        pending = bool(finalizers) or bool(grace) or rt.key == "namespaces"
        if not pending:
            if dry_run:
                return old
            return self._commit(rt, DELETED, deep_copy(old), old)
        new = deep_copy(old)
        meta = new["metadata"]
        meta["deletionTimestamp"] = now_iso(time.time() + (grace or 0))
        meta["deletionGracePeriodSeconds"] = grace or 0
        if finalizers:
            meta["finalizers"] = finalizers
        if rt.key == "namespaces":
            new.setdefault("status", {})["phase"] = "Terminating"
        return new if dry_run else self._commit(rt, MODIFIED, new, old)

    @staticmethod
    def _grace(rt: ResourceType, obj: Obj, requested: int | None) -> int | None:
        """Pods bound to a node and still running get a grace period (their spec's unless one is asked for);
        unscheduled and finished pods, and every other kind, are deleted without one."""
        if rt.key != "pods":
            return None
        spec, phase = obj.get("spec") or {}, (obj.get("status") or {}).get("phase")
        if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return max(0, int(requested))
        default = spec.get("terminationGracePeriodSeconds")
        return 30 if default is None else int(default)

    def is_pending(self, rt: ResourceType, obj: Obj) -> bool:
        """Whether a deleted object is still stored (Terminating, waiting for finalizers or its grace period)."""
        meta = obj["metadata"]
        current = self.get(rt, meta.get("namespace"), meta["name"])
        return current is not None and current["metadata"].get("uid") == meta.get("uid") and bool(
            current["metadata"].get("deletionTimestamp"))

    def remove_now(self, rt: ResourceType, namespace: str | None, name: str) -> None:
        """Controllers' final delete (a kubelet finished terminating a pod, garbage collection): the object goes
        unless finalizers hold it, which then keep it with a zero grace period until they are removed."""
        old = self.get(rt, namespace, name)
        if old is None:
            return
        if old["metadata"].get("finalizers"):
            self.mutate(rt, namespace, name, _finish_grace)
            return
        self._commit(rt, DELETED, deep_copy(old), old)

    # -- watch ---------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def open_watch(self, rt: ResourceType, namespace: str | None, labels: Predicate | None,
                   fields: Predicate | None, since_rv: str | None, *, initial_events: bool | None = None,
                   initial_end_marker: bool = False) -> Watcher:
        """Register a watch. Events after ``since_rv`` are queued first; with no version (or "0") every
        current object arrives as ADDED, as the API server does (``initial_events`` says so explicitly:
        ``sendInitialEvents``; then ``initial_end_marker`` queues ``(INITIAL_END, rv)`` after them).
        Raises 410 for a compacted version."""
        w = Watcher(rt, namespace, labels, fields)
        fresh = since_rv in (None, "", "0")
        if initial_events is None:
            initial_events = fresh
        if self.history_seconds and self._history_times and \
                self._history_times[0] < time.monotonic() - self.history_seconds:
            self._compact_window()
        if initial_events:
            for obj in self.list(rt, namespace, labels, fields):
                w.queue.put_nowait((ADDED, obj))
            if initial_end_marker:
                w.queue.put_nowait((INITIAL_END, self.resource_version))
        elif not fresh:
            try:
                rv = int(since_rv or "")
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
        self._history_times.clear()
        return self.compacted_rv

    def _compact_window(self) -> None:
        """Drop the changes older than ``history_seconds`` (the rolling compaction)."""
        horizon = time.monotonic() - self.history_seconds
        while self._history_times and self._history_times[0] < horizon:
            self._history_times.popleft()
            self.compacted_rv = max(self.compacted_rv, self.history.popleft().rv)

    # -- helpers for controllers ---------------------------------------------------------------
    def allocate_ip(self, prefix: str = "10.244") -> str:
        n = next(self._ip_counter)
        return f"{prefix}.{(n // 250) % 250}.{n % 250 + 2}"
