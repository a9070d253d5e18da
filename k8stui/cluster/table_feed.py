"""InformerFeed: keeps one TableModel in step with one Informer — project what changed, apply it, nothing more.

Each informer batch names the uids that were added, modified or deleted; the feed projects just those objects
into rows, keeps the ones its predicate accepts (e.g. "pods of the selected Deployment") and applies them to
the model as one batch, whose diff the view paints. While the screen is hidden the feed only notes which uids
changed and catches up with those on resume. Health changes (forbidden, reconnecting) go to a callback.

Watch events are projected on the UI's event loop, so a batch is worked off in slices of at most
``SLICE_SECONDS``: a key pressed while 500 events/s flow waits for one slice, not for the whole batch (the rest
follows on the next loop turns, projected from the informer's current objects, so a pod changed twice is
projected once). The first LIST and relists are applied whole, as one sorted merge (the full table comes fastest).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from .store import ChangeBatch, HealthState, Informer
from .table_model import TableDiff, TableModel

R = TypeVar("R")
Predicate = Callable[[dict[str, Any]], bool]
SLICE_SECONDS = 0.005  # the longest loop turn spent projecting watch events (a key waits behind at most this)
SLICE_CHECK = 8  # rows projected between looks at the clock


class InformerFeed(Generic[R]):
    """One informer → one model, through a projection (raw object → row) and an optional predicate."""

    def __init__(self, model: TableModel[R], informer: Informer, project: Callable[[dict[str, Any]], R], *,
                 predicate: Predicate | None = None,
                 on_health: Callable[[HealthState], None] | None = None) -> None:
        self.model = model
        self.informer = informer
        self.project = project
        self.predicate = predicate
        self.on_health = on_health
        self._unsubscribe_health: Callable[[], None] | None = None
        self._unsubscribe_changes: Callable[[], None] | None = None
        self._paused = False
        self._missed: set[str] = set()  # uids that changed while paused
        self._backlog: deque[str] = deque()  # uids still to project, worked off in slices (watch events)
        self._queued: set[str] = set()  # the uids in the backlog
        self._drain_handle: asyncio.Handle | None = None

    def start(self) -> None:
        self._unsubscribe_changes = self.informer.subscribe(self._on_change)
        self._unsubscribe_health = self.informer.subscribe_health(self._on_health)
        self.refill()
        self._on_health(self.informer.health)

    def stop(self) -> None:
        for undo in (self._unsubscribe_changes, self._unsubscribe_health):
            if undo is not None:
                undo()
        self._unsubscribe_changes = self._unsubscribe_health = None
        self._clear_backlog()

    def pause(self) -> None:
        """The screen is hidden: remember which rows changed instead of projecting them."""
        self._paused = True
        self._missed |= self._queued
        self._clear_backlog()

    def resume(self) -> None:
        """Catch up with what changed while hidden (those rows only)."""
        if not self._paused:
            return
        self._paused = False
        missed, self._missed = self._missed, set()
        if not missed:
            return
        if self._no_loop():
            self.model.apply(self._changes(missed))
            return
        self._enqueue(missed)  # back from describe with 10k pods changed meanwhile: in slices too
        if self._drain_handle is None:
            self._drain()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_predicate(self, predicate: Predicate | None) -> TableDiff:
        self.predicate = predicate
        return self.refill()

    def refill(self) -> TableDiff:
        """Make the model hold exactly the accepted objects of the informer's cache (start, new selection)."""
        self._missed.clear()
        self._clear_backlog()
        return self.model.replace(self.project(obj) for obj in self.informer.objects() if self._accepts(obj))

    def reproject(self, uids: Any) -> TableDiff | None:
        """Project these rows again (something the projection reads besides their object changed)."""
        if self._paused:
            self._missed.update(uids)
            return None
        return self.model.apply(self._changes([u for u in uids if u in self.informer]))

    def reproject_all(self) -> TableDiff | None:
        """Project every row again (something the projection reads besides the object changed)."""
        if self._paused:
            self._missed.update(self.informer.uids())
            return None
        return self.model.apply(self._changes(self.informer.uids()))

    def _accepts(self, obj: dict[str, Any]) -> bool:
        return self.predicate is None or self.predicate(obj)

    def _changes(self, uids: Any) -> list[tuple[str, R | None]]:
        out: list[tuple[str, R | None]] = []
        get = self.informer.get
        for uid in uids:
            obj = get(uid)
            out.append((uid, self.project(obj) if obj is not None and self._accepts(obj) else None))
        return out

    def _on_change(self, batch: ChangeBatch) -> None:
        if self._paused:
            self._missed |= batch.added | batch.modified | batch.deleted
            return
        if batch.relisted or not self.informer.synced or self._no_loop():
            changes: list[tuple[str, R | None]] = [(uid, None) for uid in batch.deleted]
            changes += self._changes(batch.added | batch.modified)
            self.model.apply(changes)
            return
        self._enqueue(batch.deleted)
        self._enqueue(batch.added | batch.modified)
        if self._drain_handle is None:  # else the next slice is due on the next loop turn anyway
            self._drain()

    # -- watch events in slices ---------------------------------------------------------------------------
    @staticmethod
    def _no_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return True
        return False

    def _enqueue(self, uids: Iterable[str]) -> None:
        queued, backlog = self._queued, self._backlog
        for uid in uids:
            if uid not in queued:
                queued.add(uid)
                backlog.append(uid)

    def _clear_backlog(self) -> None:
        self._backlog.clear()
        self._queued.clear()
        if self._drain_handle is not None:
            self._drain_handle.cancel()
            self._drain_handle = None

    def _drain(self) -> None:
        """Project and apply the backlog for up to SLICE_SECONDS; the rest on the next loop turn."""
        self._drain_handle = None
        backlog, queued = self._backlog, self._queued
        if not backlog or self._paused:
            return
        deadline = time.perf_counter() + SLICE_SECONDS
        get, project, accepts = self.informer.get, self.project, self._accepts
        changes: list[tuple[str, R | None]] = []
        while backlog:
            uid = backlog.popleft()
            queued.discard(uid)
            obj = get(uid)
            changes.append((uid, project(obj) if obj is not None and accepts(obj) else None))
            if len(changes) % SLICE_CHECK == 0 and time.perf_counter() > deadline:
                break
        self.model.apply(changes)
        if backlog and self._drain_handle is None and not self._paused:
            self._drain_handle = asyncio.get_running_loop().call_soon(self._drain)

    def _on_health(self, state: HealthState) -> None:
        if self.on_health is not None:
            self.on_health(state)
