"""core/v1 Events for the demo cluster, recorded the way client-go's event recorder does.

Controllers and the simulated kubelet report what they do (``Scheduled``, ``Pulled``, ``BackOff`` ...) through
``record_event``. A repeat of the same report about the same object (same reason, message, type and source)
does not create a new Event: the existing one gets ``count + 1`` and a new ``lastTimestamp``, as the real
EventCorrelator does, so a crash-looping pod shows one ``BackOff`` event with a growing count. Events expire
after an hour (the API server's default event TTL) through ``expire_events``.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from typing import Any

from .resources import EVENTS
from .store import Store, now_iso

Obj = dict[str, Any]

EVENT_TTL_SECONDS = 3600.0
_CACHE_SIZE = 4096  # client-go keeps an LRU of this size for aggregation

# Per store: aggregation key -> (namespace, event name).
_recent: weakref.WeakKeyDictionary[Store, OrderedDict[tuple, tuple[str, str]]] = weakref.WeakKeyDictionary()


def involved_ref(obj: Obj, field_path: str | None = None) -> Obj:
    """The ``involvedObject`` reference for an object (kind, namespace, name, uid, apiVersion, resourceVersion)."""
    meta = obj.get("metadata") or {}
    ref: Obj = {"kind": obj.get("kind", ""), "name": meta.get("name", "")}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    if obj.get("apiVersion"):
        ref["apiVersion"] = obj["apiVersion"]
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


def record_event(store: Store, involved: Obj, type_: str, reason: str, message: str, component: str,
                 host: str | None = None, *, field_path: str | None = None) -> Obj:
    """Record (or aggregate into) an Event about ``involved`` (a stored object, or a ready-made
    ``involvedObject`` reference with ``kind``/``name``/``namespace``/``uid``). Returns the stored Event."""
    ref = involved_ref(involved, field_path) if "metadata" in involved else dict(involved)
    if field_path and "metadata" not in involved:
        ref["fieldPath"] = field_path
    namespace = ref.get("namespace") or "default"
    key = (ref.get("kind"), namespace, ref.get("name"), ref.get("uid"), ref.get("apiVersion"),
           ref.get("fieldPath"), type_, reason, message, component, host)
    cache = _recent.setdefault(store, OrderedDict())
    now = now_iso()
    known = cache.get(key)
    if known is not None:
        cache.move_to_end(key)

        def bump(ev: Obj) -> None:
            ev["count"] = int(ev.get("count") or 1) + 1
            ev["lastTimestamp"] = now

        updated = store.mutate(EVENTS, known[0], known[1], bump)
        if updated is not None:
            return updated
        del cache[key]
    name = f"{ref.get('name', 'unknown')}.{time.time_ns():x}"
    while store.get(EVENTS, namespace, name) is not None:
        name = f"{ref.get('name', 'unknown')}.{time.time_ns() + 1:x}"
    source: Obj = {"component": component}
    if host:
        source["host"] = host
    event: Obj = {
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": ref,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host or "",
    }
    stored = store.create(EVENTS, event)
    cache[key] = (namespace, name)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return stored


def expire_events(store: Store, ttl_seconds: float = EVENT_TTL_SECONDS, now: float | None = None) -> int:
    """Remove events whose last occurrence is older than ``ttl_seconds``; returns how many went."""
    cutoff = now_iso((time.time() if now is None else now) - ttl_seconds)
    old = [ev["metadata"] for ev in store.iter_objects(EVENTS)
           if (ev.get("lastTimestamp") or ev["metadata"].get("creationTimestamp") or "") < cutoff]
    for meta in old:
        store.remove_now(EVENTS, meta.get("namespace"), meta["name"])
    return len(old)
