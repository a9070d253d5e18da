"""Informers against the demo cluster: list, watch, relist on 410, backoff on 429/500, reconnects, 403."""

from __future__ import annotations

import asyncio

from k8stui.cluster import store
from k8stui.cluster.connection import load_target
from k8stui.cluster.rows import project
from k8stui.cluster.store import NAMESPACES, NODES, PODS, ChangeBatch, Health, InformerHub

from .helpers import kubectl, pod_manifest, unique, until


def kubectl_pod_names(demo) -> set[str]:
    out = demo.kubectl("get", "pods", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/"
                       "{.metadata.name}{\"\\n\"}{end}").stdout
    return {line for line in out.splitlines() if line}


def informer_pod_names(informer) -> set[str]:
    return {f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in informer.objects()}


def list_requests(records, path: str = "/api/v1/pods") -> list[dict]:
    return [r for r in records if r["path"] == path and r["method"] == "GET" and "watch" not in r["query"]]


def watch_requests(records, path: str = "/api/v1/pods") -> list[dict]:
    return [r for r in records if r["path"] == path and "watch=true" in r["query"]]


async def test_lists_all_pods_like_kubectl(demo, hub):
    informer = hub.acquire(PODS, None)
    assert await informer.wait_synced(10)
    assert informer.health.state is Health.SYNCED
    await until(lambda: informer_pod_names(informer) == kubectl_pod_names(demo), timeout=10,
                message="informer and kubectl agree on pods -A")
    assert {"shop", "team-a"} <= {o["metadata"]["namespace"] for o in informer.objects()}


async def test_status_column_matches_kubectl(demo, hub):
    informer = hub.acquire(PODS, "shop")
    assert await informer.wait_synced(10)
    out = (await kubectl(demo, "get", "pods", "-n", "shop", "--no-headers")).stdout
    theirs = {line.split()[0]: (line.split()[1], line.split()[2]) for line in out.splitlines() if line.strip()}
    ours = {}
    for obj in informer.objects():
        row = project(PODS, obj)
        ours[row.name] = (row.ready, row.status)
    common = set(theirs) & set(ours)
    assert len(common) >= max(1, len(theirs) - 2)  # a pod may come or go between the two reads
    statuses = {theirs[n][1] for n in common}
    mismatched = {n: (theirs[n], ours[n]) for n in common if theirs[n] != ours[n]}
    assert len(mismatched) <= 1, mismatched  # one pod may change state between the two reads
    assert "CrashLoopBackOff" in statuses or "Error" in statuses or "Running" in statuses


async def test_sees_kubectl_create_and_delete_within_a_second(demo, hub):
    ns = unique("inf")
    await kubectl(demo, "create", "namespace", ns)
    try:
        informer = hub.acquire(PODS, None)
        assert await informer.wait_synced(10)
        batches: list[ChangeBatch] = []
        informer.subscribe(batches.append)
        await kubectl(demo, "create", "-f", "-", input=pod_manifest(ns, "watched"))
        await until(lambda: informer.by_name(ns, "watched") is not None, timeout=5, message="pod added")
        uid = informer.by_name(ns, "watched")["metadata"]["uid"]
        await until(lambda: any(uid in b.added for b in batches), timeout=2, message="added batch")

        await kubectl(demo, "delete", "pod", "watched", "-n", ns, "--grace-period=0", "--force")
        await until(lambda: informer.by_name(ns, "watched") is None, timeout=10, message="pod deleted")
        assert uid not in informer
        await until(lambda: any(uid in b.deleted for b in batches), timeout=2, message="deleted batch")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_graceful_delete_shows_terminating(demo, hub):
    ns = unique("term")
    await kubectl(demo, "create", "namespace", ns)
    try:
        informer = hub.acquire(PODS, ns)
        assert await informer.wait_synced(10)
        await kubectl(demo, "create", "-f", "-", input=pod_manifest(ns, "slow"))
        await until(lambda: informer.by_name(ns, "slow") is not None, timeout=5)
        await kubectl(demo, "delete", "pod", "slow", "-n", ns, "--wait=false", "--grace-period=30")
        await until(lambda: (o := informer.by_name(ns, "slow")) is None or project(PODS, o).status == "Terminating",
                    timeout=2, message="Terminating or gone")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_relists_after_injected_410(demo, hub, faults):
    informer = hub.acquire(PODS, None)
    assert await informer.wait_synced(10)
    lists_before = informer.lists
    seq = demo.request_seq()
    demo.set_faults(fail_next=1, fail_status=410, path_contains="/pods", query_contains="watch")
    demo.admin("drop-streams", {})  # the informer must open a new watch, which gets the 410
    await until(lambda: informer.lists > lists_before and informer.health.state is Health.SYNCED, timeout=3,
                message="a relist after the 410")
    records = await asyncio.to_thread(demo.requests_since, seq)
    gone = [r for r in watch_requests(records) if r["status"] == 410]
    assert gone, "the injected 410 never reached the informer"
    relists = [r for r in list_requests(records) if r["seq"] > gone[0]["seq"]]
    assert relists and relists[0]["status"] == 200, "no LIST followed the 410"
    await until(lambda: informer_pod_names(informer) == kubectl_pod_names(demo), timeout=10)


async def test_relists_after_410_error_event(demo, hub, faults):
    """A watch from a compacted resourceVersion answers 200 with an ERROR event carrying a 410 Status."""
    informer = hub.acquire(PODS, "shop")
    assert await informer.wait_synced(10)
    lists_before = informer.lists
    seq = demo.request_seq()
    # Hold the informer's next watch request for a moment, write once and compact meanwhile, so that the
    # watch arrives with a resourceVersion older than the compaction.
    demo.set_faults(latency=3)
    demo.admin("drop-streams", {})

    async def held_watches() -> list[dict]:
        return watch_requests(await asyncio.to_thread(demo.requests_since, seq), "/api/v1/namespaces/shop/pods")

    deadline = asyncio.get_running_loop().time() + 10
    while not await held_watches():  # the informer's new watch has arrived and is being held
        assert asyncio.get_running_loop().time() < deadline, "the informer did not watch again"
        await asyncio.sleep(0.05)
    demo.admin("churn", {"count": 1, "namespace": "shop"})
    demo.admin("compact", {})
    demo.clear_faults()
    await until(lambda: informer.lists > lists_before, timeout=15, message="relist after the 410 event")
    await until(lambda: informer.health.state is Health.SYNCED, timeout=10)
    records = await asyncio.to_thread(demo.requests_since, seq)
    watches = watch_requests(records, "/api/v1/namespaces/shop/pods")
    assert watches and watches[0]["status"] == 200  # the 410 came inside the stream, not as the HTTP status
    assert list_requests(records, "/api/v1/namespaces/shop/pods")


async def test_429_honours_retry_after_then_recovers(demo, hub, faults):
    informer = hub.acquire(NAMESPACES, None)
    assert await informer.wait_synced(10)
    states: list[Health] = []
    informer.subscribe_health(lambda h: states.append(h.state))
    seq = demo.request_seq()
    demo.set_faults(fail_next=2, fail_status=429, retry_after=1, path_contains="/api/v1/namespaces",
                    query_contains="watch")
    demo.admin("drop-streams", {})
    await until(lambda: Health.RECONNECTING in states, timeout=5, message="RECONNECTING")
    assert "429" in informer.health.error or Health.RECONNECTING in states
    await until(lambda: informer.health.state is Health.SYNCED and states[-1] is Health.SYNCED, timeout=10,
                message="SYNCED again")
    records = [r for r in watch_requests(await asyncio.to_thread(demo.requests_since, seq), "/api/v1/namespaces")]
    failed = [r for r in records if r["status"] == 429]
    assert len(failed) == 2
    after = [r for r in records if r["seq"] > failed[0]["seq"]]
    assert after[0]["time"] - failed[0]["time"] >= 0.9, "the informer did not wait for Retry-After"
    assert after[1]["time"] - after[0]["time"] >= 0.9


async def test_500_backs_off_then_recovers(demo, hub, faults):
    informer = hub.acquire(NAMESPACES, None)
    assert await informer.wait_synced(10)
    seq = demo.request_seq()
    demo.set_faults(fail_next=4, fail_status=500, path_contains="/api/v1/namespaces", query_contains="watch")
    demo.admin("drop-streams", {})
    await until(lambda: informer.health.state is Health.RECONNECTING, timeout=5)
    assert "500" in informer.health.error
    await until(lambda: informer.health.state is Health.SYNCED, timeout=15, message="SYNCED after 500s")
    records = watch_requests(await asyncio.to_thread(demo.requests_since, seq), "/api/v1/namespaces")
    assert [r["status"] for r in records[:4]] == [500, 500, 500, 500]
    assert len(records) >= 5 and records[4]["status"] in (0, 200)  # 0: the watch stream is still open
    gaps = [b["time"] - a["time"] for a, b in zip(records, records[1:5], strict=False)]
    assert gaps[-1] > gaps[0], f"no exponential backoff: {gaps}"


async def test_reconnects_after_dropped_streams(demo, hub):
    ns = unique("drop")
    await kubectl(demo, "create", "namespace", ns)
    try:
        informer = hub.acquire(PODS, ns)
        assert await informer.wait_synced(10)
        watches = informer.watches
        demo.admin("drop-streams", {})
        await until(lambda: informer.watches > watches, timeout=5, message="a new watch")
        await kubectl(demo, "create", "-f", "-", input=pod_manifest(ns, "after-drop"))
        await until(lambda: informer.by_name(ns, "after-drop") is not None, timeout=5)
        assert informer.health.state is Health.SYNCED
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_server_restart_reconnecting_then_synced(demo, hub):
    informer = hub.acquire(PODS, None)
    nodes = hub.acquire(NODES, None)
    assert await informer.wait_synced(10) and await nodes.wait_synced(10)
    states: list[Health] = []
    hub.subscribe_health(lambda h: states.append(h.state))
    demo.admin("restart?down=2", {})
    await until(lambda: Health.RECONNECTING in states, timeout=5, message="RECONNECTING")
    assert hub.health().state is Health.RECONNECTING and hub.health().error
    await until(lambda: hub.health().state is Health.SYNCED, timeout=8, message="SYNCED after restart")
    await until(lambda: informer_pod_names(informer) == kubectl_pod_names(demo), timeout=3,
                message="same pods as kubectl")


async def test_forbidden_for_demo_dev_outside_team_a(demo):
    hub = InformerHub(load_target(demo.kubeconfig, "demo-dev", None), linger=0)
    try:
        shop = hub.acquire(PODS, "shop")
        mine = hub.acquire(PODS, "team-a")
        nodes = hub.acquire(NODES)
        await until(lambda: shop.health.state is Health.FORBIDDEN and nodes.health.state is Health.FORBIDDEN,
                    timeout=5, message="FORBIDDEN")
        assert "forbidden" in shop.health.error.lower()
        assert await mine.wait_synced(5) and mine.health.state is Health.SYNCED
        assert len(shop) == 0
        health = hub.health()
        assert health.state is Health.SYNCED
        assert set(health.forbidden) == {"pods in shop", "nodes"}
        # Forbidden informers retry slowly: no request storm. A bounded "nothing happens" window, after the positive
        # signal of the 403 above: the retry is 30 s away, the generic backoff would have retried 2-3 times.
        seq = demo.request_seq()
        await asyncio.sleep(1.5)
        records = await asyncio.to_thread(demo.requests_since, seq)
        assert not [r for r in records if r["path"] == "/api/v1/namespaces/shop/pods"]
    finally:
        await hub.close()


async def test_hub_shares_and_releases(demo, hub):
    a = hub.acquire(PODS, "shop")
    b = hub.acquire("po", "shop")
    assert a is b
    assert hub.acquire(NODES, "ignored-for-cluster-scope") is hub.acquire(NODES)
    assert await a.wait_synced(10)
    hub.release(PODS, "shop")
    assert a.running
    hub.release(b)
    await until(lambda: not a.running, timeout=2, message="stopped when unused")
    assert hub.peek(PODS, "shop") is None
    c = hub.acquire(PODS, "shop")
    assert c is not a and await c.wait_synced(10)


async def test_held_requests_wait_for_release(demo):
    """The app holds its hub's requests until its first frame is painted: an informer acquired meanwhile sends
    nothing (neither its LIST nor the hub's /readyz probe) until ``release_requests``, then lists as usual."""
    connection = load_target(demo.kubeconfig, "demo", None)
    sent: list[str] = []

    async def note(request) -> None:
        sent.append(request.url.path)

    client = connection.async_client()
    client.event_hooks["request"].append(note)
    hub = InformerHub(connection, linger=0, client=client)
    try:
        hub.hold_requests()
        informer = hub.acquire(NAMESPACES)
        for _ in range(20):  # loop turns: unheld, the LIST request would have started on the first of them
            await asyncio.sleep(0)
        assert sent == [] and not informer.synced
        hub.release_requests()
        assert await informer.wait_synced(10)
        assert "/api/v1/namespaces" in sent
    finally:
        await hub.close()
        await client.aclose()


async def test_a_paged_first_list_shows_its_first_page_and_its_end_at_once(demo, monkeypatch):
    """The first LIST is told to the views page by page, but not more often than the flush interval — except its
    first page (the first rows) and its end (every row): neither waits for the interval."""
    monkeypatch.setattr(store, "PAGE_SIZE", 10)  # the demo's ~100 pods in ~10 pages
    hub = InformerHub(load_target(demo.kubeconfig, "demo", None), linger=0, flush_interval=600)
    batches: list[ChangeBatch] = []
    try:
        informer = hub.acquire(PODS, None)
        informer.subscribe(batches.append)
        assert await informer.wait_synced(10)

        def all_told() -> bool:
            return set().union(*(b.added for b in batches)) == set(informer.uids())

        await until(all_told, timeout=10, message="every listed pod told to the listener")
        assert len(informer) > 10 and len(batches[0].added) == 10  # the first page, at once
    finally:
        await hub.close()


async def test_release_lingers(demo):
    hub = InformerHub(load_target(demo.kubeconfig, "demo", None), linger=0.3)
    try:
        inf = hub.acquire(NAMESPACES)
        assert await inf.wait_synced(10)
        hub.release(NAMESPACES)
        assert hub.acquire(NAMESPACES) is inf  # re-acquired within the linger time: same informer
        hub.release(NAMESPACES)
        await until(lambda: not inf.running, timeout=3)
    finally:
        await hub.close()


async def test_a_storm_of_watch_events_is_coalesced_and_the_last_write_wins(demo, hub):
    """20k watch events reach the cache in coalesced batches and the cache holds the last write (the ingest rate
    and loop stalls are figures of benchmarks/, not bounds of a test)."""
    ns = unique("churn")
    await kubectl(demo, "create", "namespace", ns)
    try:
        items = ",".join(pod_manifest(ns, f"c{i}") for i in range(5))
        await kubectl(demo, "create", "--validate=false", "-f", "-",
                      input=f'{{"apiVersion": "v1", "kind": "List", "items": [{items}]}}')
        informer = hub.acquire(PODS, ns)
        assert await informer.wait_synced(10)
        await until(lambda: len(informer) == 5, timeout=5)
        batches: list[ChangeBatch] = []
        informer.subscribe(batches.append)
        count = 20_000
        before = informer.events
        demo.admin("churn", {"count": count, "namespace": ns})
        await until(lambda: informer.events - before >= count, timeout=90, interval=0.05,
                    message=f"{count} churn events")
        assert len(batches) < count / 10  # notifications are coalesced
        annotations = {o["metadata"].get("annotations", {}).get("demo.k8stui.io/churn") for o in informer.objects()}
        assert str(count - 1) in annotations  # the last write is what the cache holds
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)
