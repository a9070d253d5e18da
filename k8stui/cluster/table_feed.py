"""InformerFeed: keeps one TableModel in step with one Informer — project what changed, apply it, nothing more.

Each informer batch names the uids that were added, modified or deleted; the feed projects just those objects
into rows, keeps the ones its predicate accepts (e.g. "pods of the selected Deployment") and applies them to
the model as one batch, whose diff the view paints. While the screen is hidden the feed only notes which uids
changed and catches up with those on resume. Health changes (forbidden, reconnecting) go to a callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .store import ChangeBatch, HealthState, Informer
from .table_model import TableDiff, TableModel

R = TypeVar("R")
Predicate = Callable[[dict[str, Any]], bool]


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

    def pause(self) -> None:
        """The screen is hidden: remember which rows changed instead of projecting them."""
        self._paused = True

    def resume(self) -> None:
        """Catch up with what changed while hidden (those rows only)."""
        if not self._paused:
            return
        self._paused = False
        missed, self._missed = self._missed, set()
        if missed:
            self.model.apply(self._changes(missed))

    @property
    def paused(self) -> bool:
        return self._paused

    def set_predicate(self, predicate: Predicate | None) -> TableDiff:
        self.predicate = predicate
        return self.refill()

    def refill(self) -> TableDiff:
        """Make the model hold exactly the accepted objects of the informer's cache (start, new selection)."""
        self._missed.clear()
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
        changes: list[tuple[str, R | None]] = [(uid, None) for uid in batch.deleted]
        changes += self._changes(batch.added | batch.modified)
        self.model.apply(changes)

    def _on_health(self, state: HealthState) -> None:
        if self.on_health is not None:
            self.on_health(state)
