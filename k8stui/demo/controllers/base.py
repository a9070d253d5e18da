"""The pieces every simulated controller is built from: a de-duplicating work queue and a base class.

Store listeners run inside the write that triggered them, so a controller's ``on_change`` only marks keys
dirty; the ControllerManager's loop later calls ``process`` to do the work, like client-go's informer →
workqueue → worker split. A key marked many times before it is processed is processed once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sim import SimConfig
    from ..store import Change, Store
    from .index import ClusterIndex

from .util import controller_ref

log = logging.getLogger("k8stui.demo.controllers")


class WorkQueue:
    """An insertion-ordered set of keys."""

    def __init__(self) -> None:
        self._items: dict[Hashable, None] = {}

    def add(self, key: Hashable) -> None:
        self._items[key] = None

    def discard(self, key: Hashable) -> None:
        self._items.pop(key, None)

    def pop_batch(self, limit: int) -> list[Any]:
        out: list[Any] = []
        for key in self._items:
            out.append(key)
            if len(out) >= limit:
                break
        for key in out:
            del self._items[key]
        return out

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


class Context:
    """What the manager hands to each controller: the store, the simulation settings, the shared index,
    a seeded random source and a way to ask for work later."""

    def __init__(self, store: Store, sim: SimConfig, index: ClusterIndex, wake: Callable[[], None]) -> None:
        self.store = store
        self.sim = sim
        self.index = index
        self.rng = random.Random(sim.seed)
        self._wake = wake
        self.timers: set[asyncio.TimerHandle] = set()
        self.stopped = False

    def wake(self) -> None:
        self._wake()

    def call_later(self, delay: float, fn: Callable[[], None]) -> asyncio.TimerHandle | None:
        """Run ``fn`` after ``delay`` real seconds (already scaled by the caller); tracked so that ``stop``
        can cancel it."""
        if self.stopped:
            return None
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def run() -> None:
            if handle is not None:
                self.timers.discard(handle)
            if not self.stopped:
                fn()

        handle = loop.call_later(max(0.0, delay), run)
        self.timers.add(handle)
        return handle

    def cancel(self, handle: asyncio.TimerHandle | None) -> None:
        if handle is not None:
            handle.cancel()
            self.timers.discard(handle)

    def cancel_all(self) -> None:
        self.stopped = True
        for h in list(self.timers):
            h.cancel()
        self.timers.clear()


class Controller:
    """One control loop. Subclasses fill ``on_change`` (mark work), ``sync(key)`` and ``resync_all``."""

    name = "controller"
    batch = 200  # keys per turn before the manager yields to the event loop

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.sim = ctx.sim
        self.index = ctx.index
        self.queue = WorkQueue()

    def on_change(self, change: Change) -> None:  # pragma: no cover - overridden
        pass

    def resync_all(self) -> None:
        """Queue everything this controller owns (at start, like an informer's initial list)."""

    def enqueue(self, key: Hashable) -> None:
        self.queue.add(key)

    def enqueue_own_change(self, change: Change) -> None:
        """A change to an object this controller owns: forget it when deleted, queue it unless neither its
        spec nor its deletionTimestamp moved (a status or label write, most often our own)."""
        obj = change.obj
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if change.type == "DELETED":
            self.queue.discard(key)
            return
        old = change.old
        if old is not None and old.get("spec") == obj.get("spec") and \
                old["metadata"].get("deletionTimestamp") == obj["metadata"].get("deletionTimestamp"):
            return
        self.queue.add(key)

    def enqueue_pod_owner(self, change: Change, kind: str, signature: Callable[[Any], Any]) -> None:
        """A pod changed: queue the ``kind`` controlling it (before and after), unless ``signature`` — what
        the owner counts — is the same on both sides of a MODIFIED."""
        if change.type == "MODIFIED" and signature(change.old) == signature(change.obj):
            return
        for pod in (change.old, change.obj):
            ref = controller_ref(pod) if pod is not None else None
            if ref and ref.get("kind") == kind:
                self.queue.add((pod["metadata"].get("namespace", ""), ref.get("name")))

    def enqueue_selecting(self, change: Change, selectors: dict[str, dict[str, Any]], signature: Callable[[Any], Any],
                          matches: Callable[[Any, dict[str, str]], bool] | None = None) -> None:
        """A pod changed: queue every ``(namespace, name)`` in ``selectors[namespace]`` whose selector picks
        the pod before or after the change (``matches(selector, labels)``; by default an equality map),
        unless ``signature`` — what the selecting objects count — is the same on both sides of a MODIFIED."""
        obj = change.obj
        ns = obj["metadata"].get("namespace", "")
        selecting = selectors.get(ns)
        if not selecting:
            return
        new = obj if change.type != "DELETED" else None
        if change.type == "MODIFIED" and signature(change.old) == signature(new):
            return
        if matches is None:
            matches = _matches_map
        for pod in (change.old, new):
            if pod is None:
                continue
            labels = pod["metadata"].get("labels") or {}
            for name, selector in selecting.items():
                if matches(selector, labels):
                    self.queue.add((ns, name))

    def enqueue_after(self, key: Hashable, delay: float) -> None:
        def fire() -> None:
            self.queue.add(key)
            self.ctx.wake()

        self.ctx.call_later(delay, fire)

    def process(self) -> None:
        for key in self.queue.pop_batch(self.batch):
            try:
                self.sync(key)
            except Exception:  # one bad object must not stop the cluster; retry it a little later
                log.exception("%s: sync of %r failed", self.name, key)
                self.enqueue_after(key, 1.0)

    def sync(self, key: Any) -> None:  # pragma: no cover - overridden
        pass


def _matches_map(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())
