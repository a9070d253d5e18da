"""An API server that stops answering, and one that answers 410 to everything (issue 10 items 4 and 5).

A frozen server used to look healthy until the watch's 150 s idle timeout; a run of 410s made the informer
relist in a tight loop. Now silence (no event, no bookmark) and an unanswered probe turn informers STALE with
the age of their data, and consecutive relists back off like every other retry.
"""

from __future__ import annotations

import asyncio

from k8stui.cluster.store import CONFIGMAPS, NAMESPACES, PROBE_TIMEOUT, Health

from .helpers import unique, until


async def test_repeated_410s_relist_with_jittered_backoff(demo, hub, faults):
    ns = unique("gone")  # need not exist: its configmaps list is empty, and no other test asks for it
    path = f"/api/v1/namespaces/{ns}/configmaps"
    seq = demo.request_seq()
    demo.set_faults(fail_next=100, fail_status=410, path_contains=path)
    informer = hub.acquire(CONFIGMAPS, ns)

    async def requests() -> list[dict]:
        return [r for r in await asyncio.to_thread(demo.requests_since, seq) if r["path"] == path]

    deadline = asyncio.get_running_loop().time() + 50
    while len(records := await requests()) < 7:  # polled off the loop: each poll is a request to the demo
        assert asyncio.get_running_loop().time() < deadline, f"only {len(records)} relists within 50 s"
        await asyncio.sleep(0.25)
    records = records[:7]
    assert all(r["status"] == 410 for r in records)
    times = [r["time"] for r in records]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # The first relist is immediate; then 0.25 s, 0.5 s, 1 s, 2 s ... each times 0.5-1.0 (jitter): each gap at
    # least half its step (lower bounds only, which a slow machine cannot break), 3.875 s in all for seven
    # requests, where the unfixed loop sent them within ~0.1 s.
    assert all(gap >= 0.125 * 2 ** (k - 1) * 0.98 for k, gap in enumerate(gaps[1:], 1)), \
        f"relists without backoff: gaps {gaps}"
    demo.clear_faults()
    assert await informer.wait_synced(15), "the informer did not recover once the 410s stopped"
    assert informer.health.state is Health.SYNCED


async def test_an_unanswered_probe_makes_synced_informers_stale(demo, hub, faults):
    informer = hub.acquire(NAMESPACES, None)
    assert await informer.wait_synced(10)
    await until(lambda: hub.probes >= 1 and not hub.probe_error, timeout=10, message="a first answered probe")
    # Every new request now waits longer than the probe's timeout; the open watch keeps streaming bookmarks,
    # so only the probe can tell that the server does not answer.
    demo.set_faults(latency=PROBE_TIMEOUT + 3)
    await until(lambda: informer.health.state is Health.STALE, timeout=30, message="stale while not answering")
    assert "did not answer /readyz" in informer.health.error
    assert informer.health.data_age is not None
    health = hub.health()
    assert health.state is Health.STALE and health.data_age is not None
    demo.clear_faults()
    await until(lambda: informer.health.state is Health.SYNCED, timeout=30, message="synced once it answers")
    assert hub.health().data_age is None


async def test_silence_after_a_few_bookmark_intervals_is_stale(demo, hub):
    """The session's demo sends a bookmark every second: the informer learns that and expects them."""
    informer = hub.acquire(NAMESPACES, None)
    assert await informer.wait_synced(10)
    await until(lambda: informer.bookmark_interval is not None, timeout=10, message="two bookmarks seen")
    assert 0.5 <= informer.bookmark_interval <= 3.0
    assert informer.stale_after <= 10
    # Fake a long silence (the clock moves on, nothing arrives): stale, with the silence in the message.
    informer.check_stale(informer.heard + informer.stale_after + 1)
    assert informer.health.state is Health.STALE and "no event or bookmark" in informer.health.error
    await until(lambda: informer.health.state is Health.SYNCED, timeout=5, message="the next bookmark")
