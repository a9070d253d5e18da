"""Row projections: what each pane shows for a raw API object, column by column like kubectl."""

from __future__ import annotations

from typing import Any

import pytest

from k8stui.cluster import kinds
from k8stui.cluster.rows import (
    DeploymentRow,
    PodRow,
    SecretRow,
    container_rows,
    project,
    requests_by_node,
    selector_matches,
)

T0 = "2024-01-01T00:00:00Z"


def pod(*, phase: str = "Running", containers: list[dict[str, Any]] | None = None,
        statuses: list[dict[str, Any]] | None = None, init: list[dict[str, Any]] | None = None,
        init_statuses: list[dict[str, Any]] | None = None, conditions: list[dict[str, Any]] | None = None,
        deleting: bool = False, reason: str = "", **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "p", "namespace": "ns", "uid": "u1", "creationTimestamp": T0,
                            "labels": {"app": "api", "version": "blue"},
                            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-rs", "controller": True}]}
    if deleting:
        meta["deletionTimestamp"] = T0
    status: dict[str, Any] = {"phase": phase, "podIP": "10.1.0.5", "conditions": conditions or []}
    if reason:
        status["reason"] = reason
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    body: dict[str, Any] = {"containers": containers or [{"name": "app", "image": "api:1"}], "nodeName": "node-1",
                            **spec}
    if init is not None:
        body["initContainers"] = init
    return {"metadata": meta, "spec": body, "status": status}


def running(name: str = "app", ready: bool = True, restarts: int = 0, last_finished: str | None = None):
    cs: dict[str, Any] = {"name": name, "ready": ready, "restartCount": restarts,
                          "state": {"running": {"startedAt": T0}}}
    if last_finished:
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": last_finished}}
    return cs


def waiting(reason: str, name: str = "app", restarts: int = 0):
    return {"name": name, "ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}}


def terminated(reason: str = "", exit_code: int = 0, name: str = "app", signal: int = 0):
    term: dict[str, Any] = {"exitCode": exit_code}
    if reason:
        term["reason"] = reason
    if signal:
        term["signal"] = signal
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": term}}


def status_of(raw: dict[str, Any]) -> tuple[str, str]:
    row = project(kinds.PODS, raw)
    assert isinstance(row, PodRow)
    return row.status, row.ready


@pytest.mark.parametrize(("raw", "expected"), [
    (pod(statuses=[running()]), ("Running", "1/1")),
    (pod(phase="Pending", statuses=None), ("Pending", "0/1")),
    (pod(phase="Pending", statuses=[waiting("ContainerCreating")]), ("ContainerCreating", "0/1")),
    (pod(statuses=[waiting("CrashLoopBackOff", restarts=4)]), ("CrashLoopBackOff", "0/1")),
    (pod(phase="Pending", statuses=[waiting("ImagePullBackOff")]), ("ImagePullBackOff", "0/1")),
    (pod(phase="Pending", statuses=[waiting("ErrImagePull")]), ("ErrImagePull", "0/1")),
    (pod(phase="Succeeded", statuses=[terminated("Completed")]), ("Completed", "0/1")),
    (pod(phase="Failed", statuses=[terminated("Error", 1)]), ("Error", "0/1")),
    (pod(phase="Failed", statuses=[terminated("", 137)]), ("ExitCode:137", "0/1")),
    (pod(phase="Failed", statuses=[terminated("", 0, signal=9)]), ("Signal:9", "0/1")),
    (pod(statuses=[running()], deleting=True), ("Terminating", "1/1")),
    (pod(phase="Succeeded", statuses=[terminated("Completed")], deleting=True), ("Completed", "0/1")),
    (pod(statuses=[running()], deleting=True, reason="NodeLost"), ("Unknown", "1/1")),
    (pod(phase="Failed", reason="Evicted", statuses=[]), ("Evicted", "0/1")),
    (pod(statuses=[running(ready=False)]), ("Running", "0/1")),
    (pod(phase="Pending", conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
     ("SchedulingGated", "0/1")),
])
def test_pod_status_like_kubectl(raw, expected):
    assert status_of(raw) == expected


def test_two_containers_one_completed_one_running_is_running_or_notready():
    containers = [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]
    ready_cond = [{"type": "Ready", "status": "True"}]
    both = [terminated("Completed", name="a"), running("b")]
    # kubectl walks statuses from the last to the first, so the first container's reason wins.
    assert status_of(pod(containers=containers, statuses=both, conditions=ready_cond)) == ("Running", "1/2")
    assert status_of(pod(containers=containers, statuses=both)) == ("NotReady", "1/2")


def test_init_containers():
    init = [{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}]
    # First init container done, second running: Init:1/2.
    raw = pod(phase="Pending", init=init, init_statuses=[terminated("Completed", name="i1"), running("i2", ready=False)],
              statuses=[waiting("PodInitializing")])
    assert status_of(raw) == ("Init:1/2", "0/1")
    raw = pod(phase="Pending", init=init, init_statuses=[waiting("CrashLoopBackOff", name="i1"), waiting("", name="i2")])
    assert status_of(raw) == ("Init:CrashLoopBackOff", "0/1")
    raw = pod(phase="Pending", init=init, init_statuses=[terminated("", 2, name="i1")])
    assert status_of(raw) == ("Init:ExitCode:2", "0/1")
    raw = pod(phase="Pending", init=init, init_statuses=[terminated("OOMKilled", 137, name="i1")])
    assert status_of(raw) == ("Init:OOMKilled", "0/1")


def test_sidecar_init_container_counts_as_a_container():
    init = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    sidecar = running("proxy", restarts=2, last_finished="2024-01-01T00:05:00Z") | {"started": True}
    raw = pod(init=init, init_statuses=[sidecar], statuses=[running()],
              conditions=[{"type": "Initialized", "status": "True"}])
    row = project("pods", raw)
    assert (row.status, row.ready, row.restarts) == ("Running", "2/2", 2)


def test_restarts_and_last_restart():
    raw = pod(statuses=[running(restarts=3, last_finished="2024-01-01T01:00:00Z")])
    row = project("po", raw)
    assert row.restarts == 3
    assert row.last_restart == 1704070800.0
    assert row.restarts_text.startswith("3 (") and row.restarts_text.endswith(" ago)")
    assert project("po", pod(statuses=[running()])).restarts_text == "0"


def test_pod_row_fields():
    raw = pod(statuses=[running()], containers=[
        {"name": "app", "image": "api:1", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"},
                                                       "limits": {"cpu": "1", "memory": "256Mi"}}},
        {"name": "side", "image": "log:2", "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}}},
    ], initContainers=[{"name": "init", "image": "i", "resources": {"requests": {"cpu": "2", "memory": "1Mi"}}}])
    row = project(kinds.PODS, raw)
    assert (row.namespace, row.name, row.node, row.ip) == ("ns", "p", "node-1", "10.1.0.5")
    assert (row.owner_kind, row.owner_name) == ("ReplicaSet", "api-rs")
    assert row.cpu_request == 2000  # the init container's request dominates, as for the scheduler
    assert row.mem_request == 160 * 1024 ** 2
    assert row.cpu_limit == 1000
    assert row.images == ("api:1", "log:2") and row.containers == ("app", "side")
    assert dict(row.labels) == {"app": "api", "version": "blue"}
    assert row.created == 1704067200.0
    assert row.age(now=1704067200.0 + 192) == "3m12s"
    assert row.is_virtual_node is False


def test_container_rows():
    raw = pod(containers=[{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
              statuses=[running("a", restarts=1, last_finished=T0), waiting("CrashLoopBackOff", name="b")])
    rows = container_rows(raw)
    assert [(c.name, c.state, c.status, c.ready) for c in rows] == [
        ("a", "Running", "Running", True), ("b", "Waiting", "CrashLoopBackOff", False)]
    assert rows[0].last_termination == "Error (exit 1)"


def deployment(**status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "api-blue", "namespace": "shop", "uid": "d1", "creationTimestamp": T0, "generation": 2,
                     "annotations": {"deployment.kubernetes.io/revision": "3"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api", "version": "blue"}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                 "template": {"metadata": {"labels": {"app": "api", "version": "blue"}},
                              "spec": {"containers": [{"name": "api", "image": "shop/api:1.4"}]}}},
        "status": {"observedGeneration": 2, "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}], **status},
    }


def test_deployment_row():
    row = project("deploy", deployment(readyReplicas=2, updatedReplicas=3, availableReplicas=2, replicas=3))
    assert isinstance(row, DeploymentRow)
    assert (row.ready, row.desired, row.up_to_date, row.available) == ("2/3", 3, 3, 2)
    assert row.images == ("shop/api:1.4",)
    assert (row.version, row.revision) == ("blue", "3")
    assert row.selector == "app=api,version=blue"
    assert row.strategy == "RollingUpdate 1/0"
    assert row.conditions == "Available=True(MinimumReplicasAvailable)"
    assert row.selects({"app": "api", "version": "blue", "pod-template-hash": "abc"})
    assert not row.selects({"app": "api", "version": "green"})
    assert not row.healthy
    assert project("deployments.apps", deployment()).ready == "0/3"


def test_selector_matching():
    sel = {"matchLabels": {"app": "api"}, "matchExpressions": [
        {"key": "version", "operator": "In", "values": ["blue", "green"]},
        {"key": "canary", "operator": "DoesNotExist"}]}
    assert selector_matches(sel, {"app": "api", "version": "green"})
    assert not selector_matches(sel, {"app": "api", "version": "red"})
    assert not selector_matches(sel, {"app": "api", "version": "blue", "canary": "1"})
    assert not selector_matches({}, {"app": "api"})


def test_service_row():
    raw = {"metadata": {"name": "api", "namespace": "shop", "uid": "s1", "creationTimestamp": T0},
           "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "selector": {"app": "api", "version": "blue"},
                    "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "nodePort": 30443, "protocol": "TCP"}]}}
    row = project("svc", raw)
    assert (row.type, row.cluster_ip, row.external_ip) == ("NodePort", "10.96.0.10", "<none>")
    assert row.ports == "80/TCP,443:30443/TCP"
    assert row.node_ports == (30443,)
    assert row.selector_dict == {"app": "api", "version": "blue"}
    assert row.selector_text == "app=api,version=blue"
    assert row.selects({"app": "api", "version": "blue", "x": "y"}) and not row.selects({"app": "api"})
    lb = dict(raw, spec=dict(raw["spec"], type="LoadBalancer"))
    assert project("svc", lb).external_ip == "<pending>"
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "20.1.2.3"}]}}
    assert project("svc", lb).external_ip == "20.1.2.3"


def node(name: str, *, ready: str = "True", labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "uid": f"n-{name}", "creationTimestamp": T0, "labels": labels or {}},
            "spec": spec,
            "status": {"conditions": [{"type": "Ready", "status": ready}],
                       "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
                       "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                       "nodeInfo": {"kubeletVersion": "v1.32.0"},
                       "addresses": [{"type": "InternalIP", "address": "10.0.0.4"}]}}


def test_node_rows():
    row = project("nodes", node("n1", labels={"node-role.kubernetes.io/control-plane": ""}))
    assert (row.status, row.roles, row.virtual) == ("Ready", "control-plane", False)
    assert (row.cpu_allocatable, row.mem_allocatable, row.pods_allocatable) == (3800, 15 * 1024 ** 3, 110)
    assert (row.version, row.internal_ip) == ("v1.32.0", "10.0.0.4")
    virtual = project("no", node("virtual-node-aci", labels={"type": "virtual-kubelet"}, taints=[
        {"key": "virtual-kubelet.io/provider", "value": "azure", "effect": "NoSchedule"}]))
    assert virtual.virtual and virtual.roles == "<none>"
    assert virtual.taints == ("virtual-kubelet.io/provider=azure:NoSchedule",)
    assert project("no", node("n2", ready="False")).status == "NotReady"
    assert project("no", node("n3", unschedulable=True)).status == "Ready,SchedulingDisabled"
    assert project("no", node("n4", ready="Unknown")).status == "NotReady"


def test_requests_by_node_skips_finished_and_unscheduled():
    res = {"resources": {"requests": {"cpu": "100m", "memory": "1Mi"}}}
    pods = [project("po", pod(statuses=[running()], containers=[{"name": "a", "image": "x", **res}])),
            project("po", pod(statuses=[running()], containers=[{"name": "a", "image": "x", **res}])),
            project("po", pod(phase="Succeeded", containers=[{"name": "a", "image": "x", **res}])),
            project("po", pod(phase="Pending", nodeName="", containers=[{"name": "a", "image": "x", **res}]))]
    usage = requests_by_node(pods)
    assert list(usage) == ["node-1"]
    assert (usage["node-1"].cpu_requested, usage["node-1"].mem_requested, usage["node-1"].pods) == (200, 2 * 1024 ** 2, 2)


def test_event_row():
    raw = {"metadata": {"name": "e1", "namespace": "shop", "uid": "e1", "creationTimestamp": T0},
           "involvedObject": {"kind": "Pod", "name": "api-blue-x", "uid": "p1"}, "type": "Warning",
           "reason": "BackOff", "message": "Back-off restarting\nfailed container", "count": 7,
           "firstTimestamp": T0, "lastTimestamp": "2024-01-01T00:10:00Z", "source": {"component": "kubelet"}}
    row = project("events", raw)
    assert (row.object, row.type, row.reason, row.count, row.source) == ("pod/api-blue-x", "Warning", "BackOff", 7,
                                                                        "kubelet")
    assert row.message == "Back-off restarting failed container"
    assert row.last_seen == 1704067800.0 and row.warning


def test_secret_row_never_holds_values():
    raw = {"metadata": {"name": "db", "namespace": "shop", "uid": "s"}, "type": "Opaque",
           "data": {"password": "c2VjcmV0", "user": "YWRtaW4="}}
    row = project("secrets", raw)
    assert isinstance(row, SecretRow)
    assert (row.type, row.data_count) == ("Opaque", 2)
    assert "c2VjcmV0" not in repr(row) and "password" not in repr(row)


def test_other_rows():
    cm = project("cm", {"metadata": {"name": "c", "namespace": "n", "uid": "c"}, "data": {"a": "1", "b": "2"}})
    assert cm.data_count == 2
    ns = project("ns", {"metadata": {"name": "shop", "uid": "n"}, "status": {"phase": "Active"}})
    assert ns.status == "Active"
    ing = project("ing", {"metadata": {"name": "web", "namespace": "shop", "uid": "i"},
                          "spec": {"ingressClassName": "nginx", "tls": [{}], "rules": [
                              {"host": "shop.local", "http": {"paths": [{"path": "/", "backend": {"service": {
                                  "name": "frontend", "port": {"number": 80}}}}]}}]}})
    assert (ing.ingress_class, ing.hosts, ing.ports) == ("nginx", "shop.local", "80, 443")
    assert ing.backends == ("shop.local/ -> frontend:80",)
    hpa = project("hpa", {"metadata": {"name": "api", "namespace": "shop", "uid": "h"},
                          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api-blue"}, "minReplicas": 2,
                                   "maxReplicas": 6, "metrics": [{"type": "Resource", "resource": {
                                       "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]},
                          "status": {"currentReplicas": 3, "currentMetrics": [{"type": "Resource", "resource": {
                              "name": "cpu", "current": {"averageUtilization": 42}}}]}})
    assert (hpa.reference, hpa.targets, hpa.min_pods, hpa.max_pods, hpa.replicas) == (
        "Deployment/api-blue", "cpu: 42%/80%", 2, 6, 3)
    rs = project("rs", {"metadata": {"name": "api-blue-abc", "namespace": "shop", "uid": "r",
                                     "labels": {"pod-template-hash": "abc"},
                                     "ownerReferences": [{"kind": "Deployment", "name": "api-blue",
                                                          "controller": True}]},
                        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"version": "blue"}}}},
                        "status": {"replicas": 3, "readyReplicas": 2}})
    assert (rs.desired, rs.current, rs.ready, rs.owner_name, rs.pod_template_hash, rs.version) == (
        3, 3, 2, "api-blue", "abc", "blue")
    ep = project("ep", {"metadata": {"name": "api", "namespace": "shop", "uid": "e"}, "subsets": [
        {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 8080}]}]})
    assert ep.endpoints == "10.0.0.1:8080,10.0.0.2:8080" and ep.ready_count == 2


def test_project_unknown_kind():
    with pytest.raises(KeyError):
        project("widgets", {})
