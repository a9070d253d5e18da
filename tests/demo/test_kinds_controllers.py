"""The StatefulSet, DaemonSet, Job, CronJob, volume, disruption and CRD machinery, run in-process.

Like test_controllers.py: the default scenario in a fresh Store, the controllers in the test's event loop with a
small time scale, changes made through ``Store.create``/``update``/``delete`` (admission applies), and the store
polled for what kubectl would then show. Orders are recorded from the store's own change feed.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from k8stui.demo import tables
from k8stui.demo.errors import ApiError
from k8stui.demo.resources import (
    CONTROLLERREVISIONS,
    CRDS,
    CRONJOBS,
    DAEMONSETS,
    JOBS,
    NAMESPACES,
    NODES,
    PDBS,
    PODS,
    PVCS,
    PVS,
    STATEFULSETS,
)
from k8stui.demo.scenario import NODE_NAMES, VIRTUAL_NODE, agent_node
from tests.demo.test_controllers import Cluster, events_for, is_ready, pods_of, start, wait_for

pytestmark = pytest.mark.timeout(60)
Obj = dict[str, Any]


@pytest.fixture
async def cluster():
    c = await start(time_scale=0.05)
    try:
        yield c
    finally:
        await c.manager.stop()


def _ns(store, name: str) -> None:
    store.create(NAMESPACES, {"metadata": {"name": name}})


def small_sts(ns: str, name: str, replicas: int, image: str = "busybox:1.36", **spec: Any) -> Obj:
    return {"metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": image,
                                                           "readinessProbe": {"exec": {"command": ["true"]},
                                                                              "initialDelaySeconds": 1}}]}},
                     **spec}}


def record_pods(store, namespace: str) -> list[tuple[str, str]]:
    """(event, pod) in commit order for pods of ``namespace``: ADDED, READY, DELETED."""
    log: list[tuple[str, str]] = []

    def listen(change) -> None:
        if change.rt is not PODS or change.obj["metadata"].get("namespace") != namespace:
            return
        name = change.obj["metadata"]["name"]
        if change.type == "ADDED":
            log.append(("ADDED", name))
        elif change.type == "DELETED":
            log.append(("DELETED", name))
        elif is_ready(change.obj) and not (change.old and is_ready(change.old)):
            log.append(("READY", name))

    store.subscribe(listen)
    return log


async def test_statefulset_creates_ordered_pods_with_claims_and_scales_down_in_reverse(cluster: Cluster) -> None:
    store = cluster.store
    _ns(store, "db")
    log = record_pods(store, "db")
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "resources": {"requests": {"storage": "1Gi"}}}}
    store.create(STATEFULSETS, small_sts("db", "pg", 3, volumeClaimTemplates=[claim]))
    await wait_for(lambda: (store.get(STATEFULSETS, "db", "pg")["status"].get("readyReplicas") == 3),
                   message="3 ready replicas")
    added = [n for e, n in log if e == "ADDED"]
    assert added == ["pg-0", "pg-1", "pg-2"]
    # each pod is created only once the previous one is Ready (OrderedReady)
    assert log.index(("READY", "pg-0")) < log.index(("ADDED", "pg-1")) < log.index(("READY", "pg-1")) < \
        log.index(("ADDED", "pg-2"))
    for i in range(3):
        pod = store.get(PODS, "db", f"pg-{i}")
        pvc = store.get(PVCS, "db", f"data-pg-{i}")
        assert pvc is not None and pvc["status"]["phase"] == "Bound" and pvc["spec"]["storageClassName"] == "default"
        assert store.get(PVS, None, pvc["spec"]["volumeName"])["spec"]["claimRef"]["name"] == f"data-pg-{i}"
        assert pod["spec"]["hostname"] == f"pg-{i}" and pod["spec"]["subdomain"] == "pg"
        assert {"name": "data", "persistentVolumeClaim": {"claimName": f"data-pg-{i}"}} in pod["spec"]["volumes"]
        assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == str(i)
    sts = store.get(STATEFULSETS, "db", "pg")
    status = sts["status"]
    assert status["currentRevision"] == status["updateRevision"] == pod["metadata"]["labels"]["controller-revision-hash"]
    assert (status["replicas"], status["currentReplicas"], status["updatedReplicas"], status["availableReplicas"]) == \
        (3, 3, 3, 3)
    assert tables.table_row(STATEFULSETS, sts)["cells"][:2] == ["pg", "3/3"]

    log.clear()
    scaled = copy.deepcopy(sts)
    scaled["spec"]["replicas"] = 1
    store.update(STATEFULSETS, scaled)
    await wait_for(lambda: len(pods_of(store, "db", app="pg")) == 1, message="scaled to 1")
    assert [n for e, n in log if e == "DELETED"] == ["pg-2", "pg-1"]
    assert store.get(PVCS, "db", "data-pg-2") is not None  # claims are retained (whenScaled: Retain)


async def test_statefulset_rolling_update_goes_down_the_ordinals_and_undo_reuses_the_revision(cluster: Cluster) -> None:
    store = cluster.store
    _ns(store, "ru")
    store.create(STATEFULSETS, small_sts("ru", "web", 3))
    await wait_for(lambda: store.get(STATEFULSETS, "ru", "web")["status"].get("readyReplicas") == 3, message="ready")
    first = store.get(STATEFULSETS, "ru", "web")["status"]["updateRevision"]
    log = record_pods(store, "ru")
    sts = copy.deepcopy(store.get(STATEFULSETS, "ru", "web"))
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.37"
    store.update(STATEFULSETS, sts)

    def rolled() -> bool:
        s = store.get(STATEFULSETS, "ru", "web")["status"]
        return s["currentRevision"] == s["updateRevision"] != first and s.get("updatedReplicas") == 3 and \
            s.get("readyReplicas") == 3

    await wait_for(rolled, message="rolled to revision 2")
    assert [n for e, n in log if e == "DELETED"] == ["web-2", "web-1", "web-0"]
    revisions = {r["metadata"]["name"]: r["revision"] for r in store.list(CONTROLLERREVISIONS, "ru")}
    assert revisions[first] == 1 and len(revisions) == 2
    # kubectl rollout undo: patch the set with the old revision's data
    from k8stui.demo.patch import apply_patch

    old = store.must_get(CONTROLLERREVISIONS, "ru", first)
    current = store.get(STATEFULSETS, "ru", "web")
    store.update(STATEFULSETS, apply_patch("application/strategic-merge-patch+json", current, old["data"]))
    await wait_for(lambda: store.get(STATEFULSETS, "ru", "web")["status"]["currentRevision"] == first and
                   store.get(STATEFULSETS, "ru", "web")["status"].get("updatedReplicas") == 3, message="undone")
    assert store.must_get(CONTROLLERREVISIONS, "ru", first)["revision"] == 3
    assert len(store.list(CONTROLLERREVISIONS, "ru")) == 2


async def test_daemonset_runs_one_pod_per_real_node_and_follows_nodes(cluster: Cluster) -> None:
    store = cluster.store

    def placement() -> dict[str, int]:
        out: dict[str, int] = {}
        for p in pods_of(store, "monitoring", **{"app.kubernetes.io/name": "node-exporter"}):
            if is_ready(p):
                out[p["spec"]["nodeName"]] = out.get(p["spec"]["nodeName"], 0) + 1
        return out

    await wait_for(lambda: placement() == dict.fromkeys(NODE_NAMES, 1), message="one pod per agent node")
    ds = store.get(DAEMONSETS, "monitoring", "node-exporter")
    await wait_for(lambda: store.get(DAEMONSETS, "monitoring", "node-exporter")["status"].get("numberAvailable") == 3,
                   message="status")
    status = store.get(DAEMONSETS, "monitoring", "node-exporter")["status"]
    assert (status["desiredNumberScheduled"], status["currentNumberScheduled"], status["numberReady"],
            status["updatedNumberScheduled"], status["numberMisscheduled"]) == (3, 3, 3, 3, 0)
    assert VIRTUAL_NODE not in placement()
    store.create(NODES, agent_node("aks-nodepool1-00003", 3, "10.224.0.9", "10.244.9.0/24", "westeurope-1"))
    await wait_for(lambda: placement().get("aks-nodepool1-00003") == 1, message="a pod on the new node")
    # tolerating the virtual node's taint puts a pod there too (a template change: a rolling update)
    ds = copy.deepcopy(store.get(DAEMONSETS, "monitoring", "node-exporter"))
    ds["spec"]["template"]["spec"]["tolerations"] = [{"key": "virtual-kubelet.io/provider", "operator": "Exists"}]
    store.update(DAEMONSETS, ds)
    await wait_for(lambda: placement().get(VIRTUAL_NODE) == 1 and
                   store.get(DAEMONSETS, "monitoring", "node-exporter")["status"].get("updatedNumberScheduled") == 5,
                   timeout=20, message="rolled out to 5 nodes")
    store.delete(NODES, None, "aks-nodepool1-00003")
    await wait_for(lambda: "aks-nodepool1-00003" not in placement(), message="pod gone with its node")


async def test_job_runs_to_completion_and_a_failing_job_stops_at_its_backoff_limit(cluster: Cluster) -> None:
    store = cluster.store
    _ns(store, "batch")
    template = {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "work", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 2"]}]}}
    store.create(JOBS, {"metadata": {"name": "ok", "namespace": "batch"},
                        "spec": {"completions": 3, "parallelism": 2, "template": copy.deepcopy(template)}})
    failing = copy.deepcopy(template)
    failing["spec"]["containers"][0]["command"] = ["sh", "-c", "sleep 1; exit 3"]
    store.create(JOBS, {"metadata": {"name": "bad", "namespace": "batch"},
                        "spec": {"backoffLimit": 1, "template": failing}})

    def condition(name: str) -> str | None:
        for c in (store.get(JOBS, "batch", name).get("status") or {}).get("conditions") or []:
            if c["type"] in ("Complete", "Failed") and c["status"] == "True":
                return c["type"]
        return None

    await wait_for(lambda: condition("ok") == "Complete", timeout=30, message="job ok completes")
    ok = store.get(JOBS, "batch", "ok")
    assert ok["status"]["succeeded"] == 3 and ok["status"].get("active", 0) == 0
    assert ok["status"]["startTime"] <= ok["status"]["completionTime"]
    uid = ok["metadata"]["uid"]
    pods = pods_of(store, "batch", **{"batch.kubernetes.io/controller-uid": uid})
    assert len(pods) == 3 and {p["status"]["phase"] for p in pods} == {"Succeeded"}
    assert {p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] for p in pods} == {0}
    cells = tables.table_row(JOBS, ok)["cells"]
    assert cells[:3] == ["ok", "Complete", "3/3"]

    await wait_for(lambda: condition("bad") == "Failed", timeout=30, message="job bad fails")
    bad = store.get(JOBS, "batch", "bad")
    assert bad["status"]["failed"] == 2 and "completionTime" not in bad["status"]
    failed = [c for c in bad["status"]["conditions"] if c["type"] == "Failed"][0]
    assert failed["reason"] == "BackoffLimitExceeded"
    codes = {p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"]
             for p in pods_of(store, "batch", **{"job-name": "bad"})}
    assert codes == {3}
    assert "BackoffLimitExceeded" in [e["reason"] for e in events_for(store, bad)]
    # deleting a Job takes its pods with it
    store.delete(JOBS, "batch", "ok")
    await wait_for(lambda: not pods_of(store, "batch", **{"job-name": "ok"}), message="pods collected")


async def test_cronjob_fires_jobs_and_keeps_its_history_limits(cluster: Cluster) -> None:
    store = cluster.store
    cronjobs = cluster.manager.cronjobs
    template = {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "w", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 1"]}]}}}}
    store.create(CRONJOBS, {"metadata": {"name": "yearly", "namespace": "team-a"},
                            "spec": {"schedule": "0 0 1 1 *", "successfulJobsHistoryLimit": 2,
                                     "jobTemplate": template}})

    def jobs(outcome: str | None = None) -> list[str]:
        out = []
        for j in store.list(JOBS, "team-a"):
            if j["metadata"]["name"].startswith("yearly-"):
                done = [c["type"] for c in (j.get("status") or {}).get("conditions") or []
                        if c["type"] in ("Complete", "Failed")]
                if outcome is None or outcome in done:
                    out.append(j["metadata"]["name"])
        return out

    fired = []
    for _ in range(3):
        job = cronjobs.fire("team-a", "yearly")
        fired.append(job["metadata"]["name"])
        assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
        cj = store.get(CRONJOBS, "team-a", "yearly")
        assert job["metadata"]["name"] in [r["name"] for r in cj["status"]["active"]]
        await wait_for(lambda name=job["metadata"]["name"]: name in jobs("Complete"), timeout=20,
                       message="job completes")
    assert len(set(fired)) == 3
    await wait_for(lambda: sorted(jobs()) == sorted(fired[1:]), message="history limit 2 keeps the newest two")
    cj = store.get(CRONJOBS, "team-a", "yearly")
    assert "active" not in cj["status"] and cj["status"]["lastSuccessfulTime"]
    assert cj["status"]["lastScheduleTime"] == store.get(JOBS, "team-a", fired[-1])["metadata"]["annotations"][
        "batch.kubernetes.io/cronjob-scheduled-timestamp"]
    reasons = [e["reason"] for e in events_for(store, cj)]
    assert {"SuccessfulCreate", "SawCompletedJob", "SuccessfulDelete"} <= set(reasons)
    # the scenario's nightly-report keeps three good runs and one failed from earlier nights
    assert [tables.table_row(JOBS, store.get(JOBS, "team-a", n))["cells"][1]
            for n in sorted(j["metadata"]["name"] for j in store.list(JOBS, "team-a")
                            if j["metadata"]["name"].startswith("nightly-report-"))] == \
        ["Failed", "Complete", "Complete", "Complete"]


async def test_claims_wait_for_a_consumer_pend_without_a_class_and_release_their_volume(cluster: Cluster) -> None:
    store = cluster.store
    _ns(store, "vol")
    store.create(PVCS, {"metadata": {"name": "later", "namespace": "vol"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}})
    store.create(PVCS, {"metadata": {"name": "files", "namespace": "vol"},
                        "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "azurefile-csi",
                                 "resources": {"requests": {"storage": "5Gi"}}}})
    await wait_for(lambda: store.get(PVCS, "vol", "files")["status"]["phase"] == "Bound", message="immediate binds")
    later = store.get(PVCS, "vol", "later")
    assert later["status"]["phase"] == "Pending" and later["spec"]["storageClassName"] == "default"
    assert "WaitForFirstConsumer" in [e["reason"] for e in events_for(store, later)]
    pending = store.get(PVCS, "team-a", "reports-archive")
    assert pending["status"]["phase"] == "Pending"
    await wait_for(lambda: "ProvisioningFailed" in [e["reason"] for e in events_for(store, pending)],
                   message="missing class reported")
    # a pod using the claim gets it provisioned, then is scheduled into the volume's zone
    store.create(PODS, {"metadata": {"name": "user", "namespace": "vol"},
                        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}],
                                 "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "later"}}]}})
    await wait_for(lambda: store.get(PVCS, "vol", "later")["status"]["phase"] == "Bound" and
                   store.get(PODS, "vol", "user")["spec"].get("nodeName"), message="bound and scheduled")
    pv_name = store.get(PVCS, "vol", "later")["spec"]["volumeName"]
    node = store.get(NODES, None, store.get(PODS, "vol", "user")["spec"]["nodeName"])
    zone = store.get(PVS, None, pv_name)["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"][0]
    assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] == zone
    # a pod whose claim does not exist stays Pending with the scheduler's reason
    store.create(PODS, {"metadata": {"name": "orphan", "namespace": "vol"},
                        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}],
                                 "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "nope"}}]}})
    await wait_for(lambda: any(c.get("reason") == "Unschedulable" and 'persistentvolumeclaim "nope" not found' in
                               c.get("message", "") for c in
                               store.get(PODS, "vol", "orphan")["status"].get("conditions") or []),
                   message="unschedulable: claim not found")
    store.delete(PODS, "vol", "user", grace_seconds=0)
    store.delete(PVCS, "vol", "later")
    await wait_for(lambda: store.get(PVS, None, pv_name) is None, message="Delete reclaim policy removes the volume")


async def test_disruption_budget_status_follows_ready_pods(cluster: Cluster) -> None:
    store = cluster.store

    def status() -> Obj:
        return store.get(PDBS, "shop", "api-blue").get("status") or {}

    await wait_for(lambda: status().get("currentHealthy") == 3, message="3 healthy")
    s = status()
    assert (s["expectedPods"], s["desiredHealthy"], s["disruptionsAllowed"]) == (3, 2, 1)
    assert s["conditions"][0]["type"] == "DisruptionAllowed" and s["conditions"][0]["status"] == "True"
    victim = pods_of(store, "shop", app="api", version="blue")[0]
    store.delete(PODS, "shop", victim["metadata"]["name"])
    await wait_for(lambda: status().get("disruptionsAllowed") == 0, message="no disruption while one is down")
    assert status()["conditions"][0]["reason"] == "InsufficientPods"
    await wait_for(lambda: status().get("disruptionsAllowed") == 1 and status().get("currentHealthy") == 3,
                   timeout=20, message="replacement ready")
    await wait_for(lambda: (store.get(PDBS, "shop", "postgres").get("status") or {}).get("expectedPods") == 3,
                   timeout=20, message="postgres budget counts the StatefulSet's scale")


async def test_crd_serves_its_kind_until_deleted(cluster: Cluster) -> None:
    store = cluster.store
    crd = store.get(CRDS, None, "certificates.demo.k8stui.io")
    assert [c["type"] for c in crd["status"]["conditions"]] == ["NamesAccepted", "Established"]
    certs = store.types.lookup("demo.k8stui.io", "v1", "certificates")
    table = tables.to_table(certs, store.list(certs, "shop"))
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Ready", "Secret", "Issuer", "Status",
                                                               "Expires", "Age"]
    assert {r["cells"][0]: r["cells"][1] for r in table["rows"]} == {"api-tls": "False", "shop-tls": "True"}
    with pytest.raises(ApiError) as err:
        store.create(CRDS, {"metadata": {"name": "wrong.example.com"},
                            "spec": {"group": "example.com", "scope": "Namespaced",
                                     "names": {"plural": "things", "kind": "Thing"},
                                     "versions": [{"name": "v1", "served": True, "storage": True}]}})
    assert err.value.code == 422
    store.delete(CRDS, None, "certificates.demo.k8stui.io")
    assert store.types.lookup("demo.k8stui.io", "v1", "certificates") is None
    assert "certificates.demo.k8stui.io" not in {rt.key for rt in store.types.stored()}


def test_a_crd_with_two_versions_stores_one_and_serves_both() -> None:
    from k8stui.demo.store import Store

    store = Store()
    store.create(NAMESPACES, {"metadata": {"name": "x"}})
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    store.create(CRDS, {"metadata": {"name": "gizmos.example.io"},
                        "spec": {"group": "example.io", "scope": "Namespaced",
                                 "names": {"plural": "gizmos", "kind": "Gizmo"},
                                 "versions": [{"name": "v1beta1", "served": True, "storage": False, "schema": schema},
                                              {"name": "v1", "served": True, "storage": True, "schema": schema}]}})
    beta = store.types.lookup("example.io", "v1beta1", "gizmos")
    ga = store.types.lookup("example.io", "v1", "gizmos")
    assert beta is not None and ga is not None and beta.key == ga.key
    assert store.create(beta, {"metadata": {"name": "g", "namespace": "x"}, "spec": {"size": 1}})["apiVersion"] == \
        "example.io/v1beta1"
    assert store.get(ga, "x", "g")["apiVersion"] == "example.io/v1"
    assert [o["apiVersion"] for o in store.list(beta, "x")] == ["example.io/v1beta1"]
    assert [rt.version for rt in store.types.stored() if rt.custom] == ["v1"]  # stored once, as v1
    assert store.get(CRDS, None, "gizmos.example.io")["status"]["storedVersions"] == ["v1"]
