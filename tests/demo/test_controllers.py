"""The demo cluster's simulated controllers, run in-process against the default scenario.

Each test loads the scenario into a fresh Store, starts a ControllerManager inside the test's event loop with
a small time scale, changes something the way a user would (through ``Store.update``/``delete``, which apply
admission like the API server) and polls the store for what kubectl would then show.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from k8stui.demo.controllers import ControllerManager
from k8stui.demo.controllers.deployment import HASH_LABEL, REVISION, REVISION_HISTORY, resolve_fenceposts
from k8stui.demo.events import record_event
from k8stui.demo.resources import DEPLOYMENTS, ENDPOINTS, EVENTS, NODES, PODS, REPLICASETS
from k8stui.demo.scenario import NODE_NAMES, VIRTUAL_NODE, agent_node, load_default
from k8stui.demo.sim import SimConfig
from k8stui.demo.store import Store

pytestmark = pytest.mark.timeout(60)

Obj = dict[str, Any]


@dataclass
class Cluster:
    store: Store
    sim: SimConfig
    manager: ControllerManager


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


async def start(time_scale: float = 0.1, extra_pods: int = 0) -> Cluster:
    store = Store()
    sim = SimConfig(seed=7, time_scale=time_scale, extra_pods=extra_pods)
    load_default(store, sim)
    manager = ControllerManager(store, sim)
    manager.start()
    return Cluster(store, sim, manager)


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    c = await start()
    try:
        yield c
    finally:
        await c.manager.stop()


# -- helpers that read the store the way kubectl reads the API -----------------------------------------------
def pods_of(store: Store, namespace: str, **labels: str) -> list[Obj]:
    return [p for p in store.list(PODS, namespace)
            if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())]


def is_ready(pod: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


def owned_rs(store: Store, namespace: str, deployment: str) -> list[Obj]:
    d = store.must_get(DEPLOYMENTS, namespace, deployment)
    return [rs for rs in store.list(REPLICASETS, namespace)
            if any(r["uid"] == d["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or ())]


def events_for(store: Store, obj: Obj) -> list[Obj]:
    """What ``kubectl describe`` asks for: involvedObject name, namespace and uid."""
    meta = obj["metadata"]
    return [e for e in store.list(EVENTS, meta.get("namespace") or "default")
            if e["involvedObject"]["name"] == meta["name"] and e["involvedObject"].get("uid") == meta["uid"]]


def rollout_done(store: Store, namespace: str, name: str) -> bool:
    """kubectl rollout status's success test."""
    d = store.get(DEPLOYMENTS, namespace, name)
    if d is None:
        return False
    s = d.get("status") or {}
    want = d["spec"]["replicas"]
    progressing = [c for c in s.get("conditions") or () if c["type"] == "Progressing"]
    return (s.get("observedGeneration", 0) >= d["metadata"]["generation"]
            and s.get("updatedReplicas", 0) == want and s.get("replicas", 0) == want
            and s.get("availableReplicas", 0) == want
            and bool(progressing) and progressing[0]["reason"] == "NewReplicaSetAvailable")


def update_deployment(store: Store, namespace: str, name: str, change: Callable[[Obj], None]) -> Obj:
    d = copy.deepcopy(store.must_get(DEPLOYMENTS, namespace, name))
    change(d)
    return store.update(DEPLOYMENTS, d)


def small_deployment(namespace: str, name: str, replicas: int, image: str, **pod_extra: Any) -> Obj:
    container: Obj = {"name": "app", "image": image, "ports": [{"name": "http", "containerPort": 8080}]}
    container.update(pod_extra.pop("container_extra", {}))
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container], **pod_extra}}}}


# -- tests ---------------------------------------------------------------------------------------------------
async def test_scenario_converges_with_revisions_and_endpoints(cluster: Cluster) -> None:
    store = cluster.store
    await wait_for(lambda: rollout_done(store, "shop", "api-blue"), message="api-blue rolled out")
    pods = pods_of(store, "shop", app="api", version="blue")
    assert len(pods) == 3
    for pod in pods:
        assert pod["status"]["phase"] == "Running" and is_ready(pod)
        cs = pod["status"]["containerStatuses"][0]
        assert cs["ready"] and cs["state"]["running"]["startedAt"].endswith("Z")
        assert pod["status"]["podIP"].startswith("10.244.") and pod["spec"]["nodeName"] in NODE_NAMES
        reasons = [e["reason"] for e in events_for(store, pod)]
        assert {"Scheduled", "Created", "Started"} <= set(reasons) and "Pulled" in reasons
    # replicas spread over the three agent nodes
    assert len({p["spec"]["nodeName"] for p in pods}) == 3

    d = store.must_get(DEPLOYMENTS, "shop", "api-blue")
    assert d["metadata"]["annotations"][REVISION] == "2"
    rss = {rs["metadata"]["annotations"][REVISION]: rs for rs in owned_rs(store, "shop", "api-blue")}
    assert set(rss) == {"1", "2"}
    new = rss["2"]
    assert new["metadata"]["name"] == f"api-blue-{new['metadata']['labels'][HASH_LABEL]}"
    assert new["spec"]["selector"]["matchLabels"][HASH_LABEL] == new["metadata"]["labels"][HASH_LABEL]
    assert new["metadata"]["annotations"]["kubernetes.io/change-cause"].startswith("kubectl set image")
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "3"
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "4"
    assert new["status"]["readyReplicas"] == 3 and new["status"]["availableReplicas"] == 3
    assert rss["1"]["spec"]["replicas"] == 0
    conds = {c["type"]: c for c in d["status"]["conditions"]}
    assert conds["Available"]["reason"] == "MinimumReplicasAvailable"
    assert conds["Progressing"]["message"] == f'ReplicaSet "{new["metadata"]["name"]}" has successfully progressed.'
    scaled = [e["message"] for e in events_for(store, d) if e["reason"] == "ScalingReplicaSet"]
    assert scaled == [f"Scaled up replica set {new['metadata']['name']} to 1"] or \
        scaled[0].startswith(f"Scaled up replica set {new['metadata']['name']} to")

    # The api Service selects version=blue; its Endpoints list those pods on the named target port.
    ep = await wait_for(lambda: (e := store.get(ENDPOINTS, "shop", "api")) and
                        len((e.get("subsets") or [{}])[0].get("addresses") or []) == 3 and e)
    subset = ep["subsets"][0]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert {a["targetRef"]["name"] for a in subset["addresses"]} == {p["metadata"]["name"] for p in pods}
    assert all(a["nodeName"] in NODE_NAMES for a in subset["addresses"])
    # Nothing that does not tolerate the virtual node's taint runs there.
    assert not [p for p in store.list(PODS) if p["spec"].get("nodeName") == VIRTUAL_NODE]


async def test_virtual_node_only_for_pods_that_tolerate_it(cluster: Cluster) -> None:
    store = cluster.store
    toleration = {"key": "virtual-kubelet.io/provider", "operator": "Exists", "effect": "NoSchedule"}
    store.create(DEPLOYMENTS, small_deployment("shop", "aci-burst", 2, "ghcr.io/demo/api:1.4.2",
                                               nodeSelector={"type": "virtual-kubelet"},
                                               tolerations=[toleration]))
    store.create(DEPLOYMENTS, small_deployment("shop", "aci-no-toleration", 1, "ghcr.io/demo/api:1.4.2",
                                               nodeSelector={"type": "virtual-kubelet"}))

    def burst_running() -> bool:
        pods = pods_of(store, "shop", app="aci-burst")
        return len(pods) == 2 and all(p["status"].get("phase") == "Running" and is_ready(p) for p in pods)

    await wait_for(burst_running, message="aci-burst pods running")
    for pod in pods_of(store, "shop", app="aci-burst"):
        assert pod["spec"]["nodeName"] == VIRTUAL_NODE
        assert pod["status"]["podIP"].startswith("10.241.")
        reasons = {e["reason"] for e in events_for(store, pod)}
        assert "ProviderCreateSuccess" in reasons and "Pulling" not in reasons

    pending = await wait_for(lambda: [p for p in pods_of(store, "shop", app="aci-no-toleration")
                                      if any(c.get("reason") == "Unschedulable"
                                             for c in p["status"].get("conditions") or ())])
    pod = pending[0]
    assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName")
    failed = [e for e in events_for(store, pod) if e["reason"] == "FailedScheduling"]
    assert failed and failed[0]["type"] == "Warning"
    assert failed[0]["message"] == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {virtual-kubelet.io/provider: azure}, "
        "3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: "
        "4 Preemption is not helpful for scheduling.")


async def test_pending_with_failed_scheduling_when_nodes_are_full(cluster: Cluster) -> None:
    store = cluster.store
    await wait_for(lambda: rollout_done(store, "shop", "api-blue"))
    store.create(DEPLOYMENTS, small_deployment(
        "team-a", "hog", 4, "ghcr.io/demo/notes:3.1.0",
        container_extra={"resources": {"requests": {"cpu": "2500m", "memory": "1Gi"}}}))

    def one_pending() -> list[Obj]:
        pods = pods_of(store, "team-a", app="hog")
        return [p for p in pods if not p["spec"].get("nodeName") and any(
            c.get("reason") == "Unschedulable" for c in p["status"].get("conditions") or ())] \
            if len(pods) == 4 else []

    pending = await wait_for(one_pending, message="an unschedulable hog pod")
    assert len(pending) == 1
    placed = [p for p in pods_of(store, "team-a", app="hog") if p["spec"].get("nodeName")]
    assert sorted(p["spec"]["nodeName"] for p in placed) == sorted(NODE_NAMES)
    expected = ("0/4 nodes are available: 1 node(s) had untolerated taint {virtual-kubelet.io/provider: azure}, "
                "3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for "
                "scheduling, 3 No preemption victims found for incoming pod.")
    cond = next(c for c in pending[0]["status"]["conditions"] if c["type"] == "PodScheduled")
    assert cond["status"] == "False" and cond["message"] == expected
    assert [e["message"] for e in events_for(store, pending[0]) if e["reason"] == "FailedScheduling"] == [expected]
    d = await wait_for(lambda: (d := store.get(DEPLOYMENTS, "team-a", "hog")) and
                       d["status"].get("availableReplicas") == 3 and d)
    assert d["status"]["unavailableReplicas"] == 1

    # A new node joins: the pending pod is retried and lands there.
    store.create(NODES, agent_node("aks-nodepool1-00003", 3, "10.224.0.7", "10.244.3.0/24", "westeurope-1"))
    name = pending[0]["metadata"]["name"]
    pod = await wait_for(lambda: (p := store.get(PODS, "team-a", name)) and p["spec"].get("nodeName") and p,
                         message="pending pod scheduled on the new node")
    assert pod["spec"]["nodeName"] == "aks-nodepool1-00003"


async def test_crash_loop_back_off_with_growing_restarts() -> None:
    c = await start(time_scale=0.05)
    try:
        store = c.store

        def broken_pod() -> Obj | None:
            for p in pods_of(store, "shop", app="checkout"):
                cs = (p["status"].get("containerStatuses") or [{}])[0]
                if cs.get("image", "").endswith("v2-broken") and cs.get("restartCount", 0) >= 2 and \
                        "waiting" in cs.get("state", {}):
                    return p
            return None

        pod = await wait_for(broken_pod, timeout=15, message="checkout in CrashLoopBackOff")
        cs = pod["status"]["containerStatuses"][0]
        assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        assert re.fullmatch(r"back-off (10|20|40)s restarting failed container=checkout pod="
                            rf"{pod['metadata']['name']}_shop\({pod['metadata']['uid']}\)",
                            cs["state"]["waiting"]["message"])
        last = cs["lastState"]["terminated"]
        assert last["exitCode"] == 2 and last["reason"] == "Error" and last["finishedAt"] >= last["startedAt"]
        assert not cs["ready"] and pod["status"]["phase"] == "Running"
        first = cs["restartCount"]
        name = pod["metadata"]["name"]

        def restarted_more() -> bool:
            p = store.get(PODS, "shop", name)
            return bool(p) and p["status"]["containerStatuses"][0]["restartCount"] > first

        await wait_for(restarted_more, timeout=15, message="restart count to grow")
        backoff = [e for e in events_for(store, store.must_get(PODS, "shop", name)) if e["reason"] == "BackOff"]
        assert len(backoff) == 1 and backoff[0]["type"] == "Warning" and backoff[0]["count"] >= 1
        assert backoff[0]["involvedObject"]["fieldPath"] == "spec.containers{checkout}"
        # Revision 1 keeps serving; the stuck rollout times out (progressDeadlineSeconds 120, scaled).
        d = await wait_for(lambda: (d := store.get(DEPLOYMENTS, "shop", "checkout")) and any(
            x["reason"] == "ProgressDeadlineExceeded" for x in d["status"].get("conditions") or ()) and d,
            timeout=15, message="ProgressDeadlineExceeded")
        assert d["status"]["availableReplicas"] == 2 and d["status"]["updatedReplicas"] == 1
        progressing = next(x for x in d["status"]["conditions"] if x["type"] == "Progressing")
        assert progressing["status"] == "False"
    finally:
        await c.manager.stop()


async def test_rolling_update_respects_surge_and_unavailable_then_undo_reuses_revision_1(cluster: Cluster) -> None:
    store = cluster.store
    spec = small_deployment("team-a", "web", 4, "ghcr.io/demo/notes:3.1.0",
                            container_extra={"readinessProbe": {"httpGet": {"path": "/", "port": 8080},
                                                                "initialDelaySeconds": 2}})
    spec["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}
    spec["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    store.create(DEPLOYMENTS, spec)
    await wait_for(lambda: rollout_done(store, "team-a", "web"), message="web rolled out")
    rs1 = owned_rs(store, "team-a", "web")[0]

    samples: list[tuple[int, int, int]] = []
    sampling = True

    def sample(change: Any) -> None:  # after every write to a pod or ReplicaSet of team-a: no state is missed
        if not sampling or change.rt not in (PODS, REPLICASETS) or change.obj["metadata"].get("namespace") != "team-a":
            return
        live = [p for p in pods_of(store, "team-a", app="web") if not p["metadata"].get("deletionTimestamp")]
        spec_total = sum(rs["spec"]["replicas"] for rs in owned_rs(store, "team-a", "web"))
        samples.append((len(live), sum(1 for p in live if is_ready(p)), spec_total))

    store.subscribe(sample)

    def new_image(d: Obj) -> None:
        d["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/demo/notes:3.2.0"
        d["metadata"]["annotations"]["kubernetes.io/change-cause"] = "second"

    update_deployment(store, "team-a", "web", new_image)
    await wait_for(lambda: rollout_done(store, "team-a", "web") and
                   store.must_get(DEPLOYMENTS, "team-a", "web")["metadata"]["annotations"][REVISION] == "2",
                   message="second rollout")
    sampling = False
    assert len(samples) > 20
    # maxSurge 1 → never more than 5 pods; maxUnavailable 25% of 4 → never fewer than 3 ready.
    assert max(s[0] for s in samples) <= 5 and max(s[2] for s in samples) <= 5
    assert min(s[1] for s in samples) >= 3
    assert max(s[0] for s in samples) == 5  # the surge was used
    pods = pods_of(store, "team-a", app="web")
    await wait_for(lambda: len(pods_of(store, "team-a", app="web")) == 4, message="old pods gone")
    pods = pods_of(store, "team-a", app="web")
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"ghcr.io/demo/notes:3.2.0"}
    rss = {rs["metadata"]["name"]: rs for rs in owned_rs(store, "team-a", "web")}
    assert len(rss) == 2 and rss[rs1["metadata"]["name"]]["spec"]["replicas"] == 0
    rs2 = next(rs for n, rs in rss.items() if n != rs1["metadata"]["name"])
    assert rs2["metadata"]["annotations"]["kubernetes.io/change-cause"] == "second"
    d = store.must_get(DEPLOYMENTS, "team-a", "web")
    scaled = [e["message"] for e in events_for(store, d) if e["reason"] == "ScalingReplicaSet"]
    # The real controller's sequence: create the new RS at the surge, take the unavailable budget from the
    # old one, then alternate as pods become available.
    n1, n2 = rs1["metadata"]["name"], rs2["metadata"]["name"]
    assert scaled[:3] == [f"Scaled up replica set {n1} to 4", f"Scaled up replica set {n2} to 1",
                          f"Scaled down replica set {n1} to 3 from 4"]
    assert scaled[-1] == f"Scaled down replica set {n1} to 0 from 1" or \
        scaled[-1] == f"Scaled up replica set {n2} to 4 from 3"

    # kubectl rollout undo: copy revision 1's template (without the hash label) back into the deployment.
    def undo(dep: Obj) -> None:
        template = copy.deepcopy(rs1["spec"]["template"])
        del template["metadata"]["labels"][HASH_LABEL]
        template["metadata"]["creationTimestamp"] = None  # as kubectl's JSON patch carries it
        dep["spec"]["template"] = template
        dep["metadata"]["annotations"]["kubernetes.io/change-cause"] = "first"

    update_deployment(store, "team-a", "web", undo)
    await wait_for(lambda: rollout_done(store, "team-a", "web") and
                   store.must_get(DEPLOYMENTS, "team-a", "web")["metadata"]["annotations"][REVISION] == "3",
                   message="undo rolled out")
    rss = {rs["metadata"]["name"]: rs for rs in owned_rs(store, "team-a", "web")}
    assert len(rss) == 2, "undo must re-use revision 1's ReplicaSet, not create a new one"
    reused = rss[rs1["metadata"]["name"]]
    assert reused["metadata"]["uid"] == rs1["metadata"]["uid"]
    assert reused["metadata"]["annotations"][REVISION] == "3"
    assert reused["metadata"]["annotations"][REVISION_HISTORY] == "1"
    assert reused["spec"]["replicas"] == 4


def test_fenceposts_round_like_kubernetes() -> None:
    def d(replicas: int, surge: Any, unavailable: Any) -> Obj:
        return {"spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate", "rollingUpdate": {
            "maxSurge": surge, "maxUnavailable": unavailable}}}}

    assert resolve_fenceposts(d(3, "25%", "25%")) == (1, 0)  # surge rounds up, unavailable down
    assert resolve_fenceposts(d(10, "25%", "25%")) == (3, 2)
    assert resolve_fenceposts(d(5, "50%", "50%")) == (3, 2)
    assert resolve_fenceposts(d(4, 0, 0)) == (0, 1)  # both zero: one may be unavailable
    assert resolve_fenceposts(d(4, 2, "0%")) == (2, 0)


async def test_recreate_stops_old_pods_before_starting_new(cluster: Cluster) -> None:
    store = cluster.store
    await wait_for(lambda: rollout_done(store, "shop", "legacy-report"), timeout=15)
    image_sets: list[set[str]] = []

    def images() -> set[str]:
        return {p["spec"]["containers"][0]["image"] for p in pods_of(store, "shop", app="legacy-report")}

    def sample(change: Any) -> None:  # after every pod write in shop: a moment with both images is never missed
        if change.rt is PODS and change.obj["metadata"].get("namespace") == "shop":
            image_sets.append(images())

    store.subscribe(sample)
    update_deployment(store, "shop", "legacy-report", lambda d: d["spec"]["template"]["spec"]["containers"][0]
                      .__setitem__("image", "ghcr.io/demo/legacy-report:0.9.2"))
    await wait_for(lambda: rollout_done(store, "shop", "legacy-report")
                   and images() == {"ghcr.io/demo/legacy-report:0.9.2"}, timeout=15, message="legacy-report rolled out")
    assert image_sets and not [s for s in image_sets if len(s) > 1]


async def test_deleting_a_deployment_collects_its_replicasets_and_pods(cluster: Cluster) -> None:
    store = cluster.store
    await wait_for(lambda: rollout_done(store, "shop", "api-green"))
    rs_names = [rs["metadata"]["name"] for rs in owned_rs(store, "shop", "api-green")]
    pod = pods_of(store, "shop", app="api", version="green")[0]
    store.delete(DEPLOYMENTS, "shop", "api-green")
    await wait_for(lambda: not any(store.get(REPLICASETS, "shop", n) for n in rs_names), message="RS collected")
    terminating = await wait_for(lambda: (p := store.get(PODS, "shop", pod["metadata"]["name"])) is None or
                                 p["metadata"].get("deletionTimestamp"), message="pod terminating")
    assert terminating
    await wait_for(lambda: not pods_of(store, "shop", app="api", version="green"), message="pods removed")
    ep = await wait_for(lambda: (e := store.get(ENDPOINTS, "shop", "api-preview")) and not e.get("subsets") and e)
    assert "subsets" not in ep
    killing = [e for e in store.list(EVENTS, "shop")
               if e["reason"] == "Killing" and e["involvedObject"]["name"] == pod["metadata"]["name"]]
    assert killing and killing[0]["message"] == "Stopping container api"


async def test_scale_down_removes_pods(cluster: Cluster) -> None:
    store = cluster.store
    await wait_for(lambda: rollout_done(store, "shop", "api-blue"))
    update_deployment(store, "shop", "api-blue", lambda d: d["spec"].__setitem__("replicas", 1))
    await wait_for(lambda: len(pods_of(store, "shop", app="api", version="blue")) == 1 and
                   rollout_done(store, "shop", "api-blue"), message="scaled to 1")
    d = store.must_get(DEPLOYMENTS, "shop", "api-blue")
    assert d["status"]["replicas"] == 1 and d["status"]["availableReplicas"] == 1
    rs = next(rs for rs in owned_rs(store, "shop", "api-blue") if rs["spec"]["replicas"] > 0)
    assert rs["status"]["replicas"] == 1
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"
    assert len([e for e in events_for(store, rs) if e["reason"] == "SuccessfulDelete"]) == 2
    assert any(e["message"] == f"Scaled down replica set {rs['metadata']['name']} to 1 from 3"
               for e in events_for(store, d))
    ep = await wait_for(lambda: (e := store.get(ENDPOINTS, "shop", "api")) and
                        len(e["subsets"][0]["addresses"]) == 1 and e)
    assert ep["subsets"][0]["addresses"][0]["targetRef"]["name"] == \
        pods_of(store, "shop", app="api", version="blue")[0]["metadata"]["name"]


async def test_extra_pods_load_fast_and_do_not_churn() -> None:
    store = Store()
    sim = SimConfig(seed=3, time_scale=0.1, extra_pods=2000)
    load_default(store, sim)
    bench = store.list(PODS, "bench")
    assert len(bench) == 2000 and all(p["status"]["phase"] == "Running" and is_ready(p) for p in bench)
    assert len([n for n in store.list(NODES) if n["metadata"]["name"].startswith("bench-node-")]) == 19
    versions = {p["metadata"]["name"]: p["metadata"]["resourceVersion"] for p in bench}
    manager = ControllerManager(store, sim)
    manager.start()
    try:
        await wait_for(lambda: rollout_done(store, "shop", "api-blue"), message="scenario converged")
        # The positive signal: every controller's queue is empty, so the start's full pass over all pods (the one
        # that would rewrite the bench pods) and what it set off are done. Then a bounded "nothing happens"
        # window for timed work (no positive signal for "no timer touches them").
        await wait_for(lambda: manager.idle, message="controllers idle")
        await asyncio.sleep(0.3)
        assert {p["metadata"]["name"]: p["metadata"]["resourceVersion"] for p in store.list(PODS, "bench")} == versions
        assert rollout_done(store, "bench", "bench")
        assert len(owned_rs(store, "bench", "bench")) == 1
        assert not [p for p in store.list(PODS) if p["metadata"]["namespace"] != "bench"
                    and p["spec"].get("nodeName", "").startswith("bench-node-")]
    finally:
        await manager.stop()


def test_repeated_events_are_aggregated() -> None:
    store = Store()
    load_default(store, SimConfig())
    d = store.must_get(DEPLOYMENTS, "shop", "api-blue")
    first = record_event(store, d, "Normal", "ScalingReplicaSet", "Scaled up replica set x to 1", "deployment-controller")
    again = record_event(store, d, "Normal", "ScalingReplicaSet", "Scaled up replica set x to 1", "deployment-controller")
    other = record_event(store, d, "Normal", "ScalingReplicaSet", "Scaled up replica set x to 2", "deployment-controller")
    assert again["metadata"]["name"] == first["metadata"]["name"] and again["count"] == 2
    assert other["metadata"]["name"] != first["metadata"]["name"] and other["count"] == 1
    ref = first["involvedObject"]
    assert (ref["kind"], ref["namespace"], ref["name"], ref["uid"], ref["apiVersion"]) == \
        ("Deployment", "shop", "api-blue", d["metadata"]["uid"], "apps/v1")
    assert first["source"] == {"component": "deployment-controller"} and first["firstTimestamp"]


async def test_restarted_controllers_continue_from_the_store() -> None:
    c = await start(time_scale=0.05)
    try:
        store = c.store

        def crash_restarts() -> int:
            return max((p["status"].get("containerStatuses") or [{}])[0].get("restartCount", 0)
                       for p in pods_of(store, "shop", app="checkout"))

        await wait_for(lambda: rollout_done(store, "shop", "api-blue") and crash_restarts() >= 1)
        await c.manager.stop()
        healthy = {p["metadata"]["name"]: p["metadata"]["resourceVersion"]
                   for p in pods_of(store, "shop", app="api", version="blue")}
        before = crash_restarts()
        c.manager.start()
        await wait_for(lambda: crash_restarts() > before, timeout=15, message="crash loop to continue")
        assert {p["metadata"]["name"]: p["metadata"]["resourceVersion"]
                for p in pods_of(store, "shop", app="api", version="blue")} == healthy
        # and new work is still done: scale api-blue up
        update_deployment(store, "shop", "api-blue", lambda d: d["spec"].__setitem__("replicas", 4))
        await wait_for(lambda: rollout_done(store, "shop", "api-blue") and
                       len(pods_of(store, "shop", app="api", version="blue")) == 4)
    finally:
        await c.manager.stop()


async def test_revision_history_limit_removes_oldest_unused_replicasets(cluster: Cluster) -> None:
    store = cluster.store
    spec = small_deployment("team-a", "hist", 1, "ghcr.io/demo/notes:1.0.0")
    spec["spec"]["revisionHistoryLimit"] = 1
    store.create(DEPLOYMENTS, spec)
    for i in range(1, 4):
        await wait_for(lambda: rollout_done(store, "team-a", "hist"), message=f"revision {i}")
        update_deployment(store, "team-a", "hist", lambda d, i=i: d["spec"]["template"]["spec"]["containers"][0]
                          .__setitem__("image", f"ghcr.io/demo/notes:1.0.{i}"))
    await wait_for(lambda: rollout_done(store, "team-a", "hist") and len(owned_rs(store, "team-a", "hist")) == 2,
                   message="history trimmed to one old ReplicaSet")
    revisions = sorted(int(rs["metadata"]["annotations"][REVISION]) for rs in owned_rs(store, "team-a", "hist"))
    assert revisions == [3, 4]


async def test_required_node_affinity_and_cordoned_nodes(cluster: Cluster) -> None:
    store = cluster.store
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["westeurope-2"]}]}]}}}
    store.create(DEPLOYMENTS, small_deployment("team-a", "zonal", 2, "ghcr.io/demo/notes:3.1.0", affinity=affinity))
    await wait_for(lambda: rollout_done(store, "team-a", "zonal"), message="zonal rolled out")
    assert {p["spec"]["nodeName"] for p in pods_of(store, "team-a", app="zonal")} == {"aks-nodepool1-00001"}

    store.mutate(NODES, None, "aks-nodepool1-00001", lambda n: n["spec"].__setitem__("unschedulable", True))
    update_deployment(store, "team-a", "zonal", lambda d: d["spec"].__setitem__("replicas", 3))
    pending = await wait_for(lambda: [p for p in pods_of(store, "team-a", app="zonal") if not p["spec"].get("nodeName")
                                      and any(c.get("reason") == "Unschedulable"
                                              for c in p["status"].get("conditions") or ())])
    message = next(c["message"] for c in pending[0]["status"]["conditions"] if c["type"] == "PodScheduled")
    assert message == ("0/4 nodes are available: 1 node(s) had untolerated taint {virtual-kubelet.io/provider: azure}, "
                       "1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. "
                       "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    store.mutate(NODES, None, "aks-nodepool1-00001", lambda n: n["spec"].pop("unschedulable"))
    await wait_for(lambda: rollout_done(store, "team-a", "zonal"), message="scheduled after uncordon")
