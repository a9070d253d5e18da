"""InformerFeed against the demo: watch events (and what changed while hidden) are worked off in slices — a key
never waits for a whole batch — and every slice projects the informer's current object, so the table ends at the
last event."""

from __future__ import annotations

import asyncio
from typing import Any

from actions.scenario import create_namespace, delete_namespace

from k8stui.cluster import table_feed
from k8stui.cluster.kinds import PODS
from k8stui.cluster.table_feed import InformerFeed
from k8stui.cluster.table_model import Column, TableModel

CHURN = "demo.k8stui.io/churn"


async def _until(predicate: Any, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


def _churn_row(raw: dict[str, Any]) -> tuple[str, str, str]:
    meta = raw["metadata"]
    return meta["uid"], meta["name"], (meta.get("annotations") or {}).get(CHURN, "")


async def test_watch_events_are_applied_in_slices_and_end_at_the_last_event(demo, hub, monkeypatch):
    monkeypatch.setattr(table_feed, "SLICE_SECONDS", 0.0)  # every slice: SLICE_CHECK rows
    monkeypatch.setattr(table_feed, "SLICE_CHECK", 1)
    ns = create_namespace(demo, "slices", pair=True)  # 4 pods
    informer = hub.acquire(PODS, ns)
    try:
        await _until(lambda: informer.synced and len(informer) == 4, 30, "the 4 pods listed")
        model: TableModel[tuple[str, str, str]] = TableModel(
            [Column("name", "NAME", lambda r: r[1]), Column("churn", "CHURN", lambda r: r[2])], key_of=lambda r: r[0])
        feed = InformerFeed(model, informer, _churn_row)
        feed.start()
        rows_per_apply: list[int] = []
        model.subscribe(lambda diff: rows_per_apply.append(len(diff.changed | diff.added | diff.removed)))
        # 40 updates at once: the watch brings them in one or two batches of the 4 pods
        demo.admin("churn", {"count": 40, "namespace": ns, "rate": 0})
        await _until(lambda: sorted(r[2] for r in model.rows()) == ["36", "37", "38", "39"], 30,
                     "every pod's last churn value in the table")
        assert rows_per_apply and max(rows_per_apply) == 1, rows_per_apply
        assert sorted(model.rows()) == sorted(_churn_row(o) for o in informer.objects())
        # hidden (another screen on top): the changes are noted, then worked off in slices on resume
        feed.pause()
        rows_per_apply.clear()
        demo.admin("churn", {"count": 44, "namespace": ns, "rate": 0})
        await _until(lambda: sorted((o["metadata"].get("annotations") or {}).get(CHURN, "")
                                    for o in informer.objects()) == ["40", "41", "42", "43"], 30, "the informer")
        assert rows_per_apply == [] and sorted(r[2] for r in model.rows()) == ["36", "37", "38", "39"]
        feed.resume()
        await _until(lambda: sorted(r[2] for r in model.rows()) == ["40", "41", "42", "43"], 30,
                     "the table caught up after resume")
        assert max(rows_per_apply) == 1, rows_per_apply
        feed.stop()
    finally:
        hub.release(informer)
        delete_namespace(demo, ns)
