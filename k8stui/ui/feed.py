"""TableFeed: keeps one ResourceTable in step with one informer (project, filter, stage — nothing more).

The informer tells which uids changed; the feed projects just those objects into rows, keeps the ones its
predicate accepts (e.g. "pods of the selected Deployment"), and stages them on the table, which repaints
them on its next tick. Health changes (forbidden, reconnecting) are passed to a callback for the pane.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..cluster.store import ChangeBatch, HealthState, Informer
from .widgets.resource_table import ResourceTable

Predicate = Callable[[dict[str, Any]], bool]


class TableFeed:
    """Informer → rows → table, incrementally."""

    def __init__(self, table: ResourceTable, informer: Informer, project: Callable[[dict[str, Any]], Any],
                 predicate: Predicate | None = None,
                 on_health: Callable[[HealthState], None] | None = None) -> None:
        self.table = table
        self.informer = informer
        self.project = project
        self.predicate = predicate
        self.on_health = on_health
        self._unsubscribe: list[Callable[[], None]] = []
        self._change_unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._change_unsubscribe = self.informer.subscribe(self._on_change)
        self._unsubscribe.append(self.informer.subscribe_health(self._on_health))
        self.refill()
        self._on_health(self.informer.health)

    def pause(self) -> None:
        """Stop following changes (the screen is hidden); ``resume`` catches up with one refill."""
        if self._change_unsubscribe is not None:
            self._change_unsubscribe()
            self._change_unsubscribe = None

    def resume(self) -> None:
        if self._change_unsubscribe is None and self._unsubscribe:
            self._change_unsubscribe = self.informer.subscribe(self._on_change)
            self.refill()

    def stop(self) -> None:
        self.pause()
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe.clear()

    def set_predicate(self, predicate: Predicate | None) -> None:
        self.predicate = predicate
        self.refill()

    def refill(self) -> None:
        """Rebuild the table from the informer's cache (start, new selection)."""
        rows = [self.project(obj) for obj in self.informer.objects() if self._accepts(obj)]
        self.table.replace_all(rows)

    @property
    def paused(self) -> bool:
        return self._change_unsubscribe is None

    def reproject_all(self) -> None:
        """Re-render every row (ages move on even when objects do not change)."""
        if self.paused:
            return  # a hidden screen: resume() refills anyway
        self.table.stage((uid, self.project(obj) if self._accepts(obj) else None)
                         for uid, obj in self.informer.items())

    def reproject_in_view(self) -> None:
        """Re-render the rows on screen only: big tables keep their ages fresh without a full pass."""
        if self.paused:
            return
        changes = []
        for uid in self.table.keys_in_view():
            obj = self.informer.get(uid)
            if obj is not None and self._accepts(obj):
                changes.append((uid, self.project(obj)))
        self.table.stage(changes)

    def _accepts(self, obj: dict[str, Any]) -> bool:
        return self.predicate is None or self.predicate(obj)

    def _on_change(self, batch: ChangeBatch) -> None:
        changes: list[tuple[str, Any]] = [(uid, None) for uid in batch.deleted]
        for uid in batch.added | batch.modified:
            obj = self.informer.get(uid)
            changes.append((uid, self.project(obj) if obj is not None and self._accepts(obj) else None))
        self.table.stage(changes)

    def _on_health(self, state: HealthState) -> None:
        if self.on_health is not None:
            self.on_health(state)
