"""Server-side Table printing: the cells kubectl would print for hand-built objects.

Expected values follow kubectl 1.32 against a real API server (pkg/printers/internalversion/printers.go).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from k8stui.demo import resources as r
from k8stui.demo.errors import ApiError
from k8stui.demo.resources import ResourceType
from k8stui.demo.tables import human_duration, table_row, to_table, watch_table

NOW_DT = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
NOW = NOW_DT.timestamp()


def ago(**kw: float) -> str:
    """An RFC 3339 timestamp ``kw`` (timedelta arguments) before NOW."""
    return (NOW_DT - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cells(rt: ResourceType, obj: dict) -> list:
    return table_row(rt, obj, now=NOW)["cells"]


def headers(rt: ResourceType, wide: bool = False) -> list[str]:
    cols = to_table(rt, [], now=NOW)["columnDefinitions"]
    return [c["name"].upper() for c in cols if wide or c["priority"] == 0]


# ---------------------------------------------------------------------------------------------- objects


def running_pod() -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-blue-7d9c-x2kfp", "namespace": "shop", "uid": "u-1", "resourceVersion": "41",
                     "creationTimestamp": ago(minutes=5, seconds=12), "labels": {"app": "api"}},
        "spec": {"nodeName": "node-a", "containers": [{"name": "api", "image": "demo/api:1.0"},
                                                      {"name": "proxy", "image": "envoy:1.30"}]},
        "status": {
            "phase": "Running", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}],
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "api", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": ago(minutes=5)}}},
                {"name": "proxy", "ready": True, "restartCount": 0,
                 "state": {"running": {"startedAt": ago(minutes=5)}}},
            ],
        },
    }


def crashloop_pod() -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "checkout-5f6-abcde", "namespace": "shop", "creationTimestamp": ago(hours=2, minutes=3)},
        "spec": {"nodeName": "node-b", "containers": [{"name": "checkout", "image": "demo/checkout:broken"}]},
        "status": {
            "phase": "Running", "podIP": "10.244.2.9", "podIPs": [{"ip": "10.244.2.9"}],
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{
                "name": "checkout", "ready": False, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff",
                                      "message": "back-off 40s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": ago(seconds=50),
                                             "finishedAt": ago(seconds=45)}},
            }],
        },
    }


def pending_pod() -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "big-0", "namespace": "team-a", "creationTimestamp": ago(seconds=7)},
        "spec": {"containers": [{"name": "big", "image": "demo/big:1"}]},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]},
    }


def node(name: str = "node-a") -> dict:
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": ago(days=2, hours=4),
                     "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master",
                                "kubernetes.io/hostname": name}},
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            "addresses": [{"type": "Hostname", "address": name}, {"type": "InternalIP", "address": "192.168.0.11"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Ubuntu 24.04 LTS",
                         "kernelVersion": "6.8.0-31-generic", "containerRuntimeVersion": "containerd://1.7.15"},
        },
    }


def deployment() -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api-blue", "namespace": "shop", "creationTimestamp": ago(days=2, hours=4)},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"version": "blue", "app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api", "version": "blue"}},
                              "spec": {"containers": [{"name": "api", "image": "demo/api:1.0"},
                                                      {"name": "proxy", "image": "envoy:1.30"}]}}},
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2},
    }


# ---------------------------------------------------------------------------------------------- durations


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (5, "5s"), (119.9, "119s"), (120, "2m"), (192, "3m12s"),
    (599, "9m59s"), (600, "10m"), (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (3 * 3600 + 300, "3h5m"),
    (8 * 3600 + 59, "8h"), (47 * 3600, "47h"), (52 * 3600, "2d4h"), (48 * 3600, "2d"), (8 * 86400, "8d"),
    (400 * 86400, "400d"), (730 * 86400, "2y"), (740 * 86400, "2y10d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration_matches_apimachinery(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


# ---------------------------------------------------------------------------------------------- pods


def test_pod_columns_and_priorities() -> None:
    assert headers(r.PODS) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert headers(r.PODS, wide=True) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                          "NOMINATED NODE", "READINESS GATES"]
    cols = to_table(r.PODS, [], now=NOW)["columnDefinitions"]
    assert cols[0]["format"] == "name"
    assert all(set(c) == {"name", "type", "format", "description", "priority"} for c in cols)
    assert [c["type"] for c in cols[:4]] == ["string", "string", "string", "string"]


def test_running_pod() -> None:
    assert cells(r.PODS, running_pod()) == [
        "api-blue-7d9c-x2kfp", "2/2", "Running", "0", "5m12s", "10.244.1.5", "node-a", "<none>", "<none>"]


def test_crashloop_pod_shows_restarts_with_last_restart_age() -> None:
    assert cells(r.PODS, crashloop_pod())[:5] == ["checkout-5f6-abcde", "0/1", "CrashLoopBackOff", "3 (45s ago)",
                                                  "123m"]


def test_terminating_pod() -> None:
    pod = running_pod()
    pod["metadata"]["deletionTimestamp"] = ago(seconds=3)
    assert cells(r.PODS, pod)[2] == "Terminating"


def test_node_lost_pod_is_unknown() -> None:
    pod = running_pod()
    pod["metadata"]["deletionTimestamp"] = ago(seconds=3)
    pod["status"]["reason"] = "NodeLost"
    assert cells(r.PODS, pod)[2] == "Unknown"


def test_pending_pod() -> None:
    assert cells(r.PODS, pending_pod()) == ["big-0", "0/1", "Pending", "0", "7s", "<none>", "<none>", "<none>",
                                            "<none>"]


@pytest.mark.parametrize("reason", ["ContainerCreating", "ImagePullBackOff", "ErrImagePull"])
def test_waiting_reason_becomes_status(reason: str) -> None:
    pod = pending_pod()
    pod["spec"]["nodeName"] = "node-a"
    pod["status"]["containerStatuses"] = [{"name": "big", "ready": False, "restartCount": 0,
                                           "state": {"waiting": {"reason": reason}}}]
    assert cells(r.PODS, pod)[1:4] == ["0/1", reason, "0"]


def test_completed_pod_and_row_condition() -> None:
    pod = running_pod()
    pod["status"]["phase"] = "Succeeded"
    for cs in pod["status"]["containerStatuses"]:
        cs["ready"] = False
        cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": ago(seconds=30)}}
    row = table_row(r.PODS, pod, now=NOW)
    assert row["cells"][1:4] == ["0/2", "Completed", "0"]
    assert row["conditions"] == [{"type": "Completed", "status": "True", "reason": "Succeeded",
                                  "message": "The pod has completed successfully."}]
    assert "conditions" not in table_row(r.PODS, running_pod(), now=NOW)


def test_completed_container_with_one_still_running() -> None:
    pod = running_pod()
    pod["status"]["containerStatuses"][1]["state"] = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    pod["status"]["containerStatuses"][1]["ready"] = False
    assert cells(r.PODS, pod)[1:3] == ["1/2", "Running"]
    pod["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    assert cells(r.PODS, pod)[2] == "NotReady"


def test_exit_code_and_signal_without_reason() -> None:
    pod = running_pod()
    pod["status"]["containerStatuses"] = [{"name": "api", "ready": False, "restartCount": 0,
                                           "state": {"terminated": {"exitCode": 137}}}]
    assert cells(r.PODS, pod)[2] == "ExitCode:137"
    pod["status"]["containerStatuses"][0]["state"]["terminated"]["signal"] = 9
    assert cells(r.PODS, pod)[2] == "Signal:9"


def _init_pod(init_statuses: list[dict]) -> dict:
    pod = pending_pod()
    pod["spec"]["initContainers"] = [{"name": "migrate", "image": "demo/migrate:1"},
                                     {"name": "seed", "image": "demo/seed:1"}]
    pod["status"]["initContainerStatuses"] = init_statuses
    pod["status"]["containerStatuses"] = [{"name": "big", "ready": False, "restartCount": 0,
                                           "state": {"waiting": {"reason": "PodInitializing"}}}]
    return pod


def test_init_container_states() -> None:
    done = {"name": "migrate", "ready": False, "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    running = {"name": "seed", "ready": False, "restartCount": 0, "state": {"running": {}}}
    assert cells(r.PODS, _init_pod([done, running]))[2] == "Init:1/2"
    waiting = {"name": "migrate", "ready": False, "restartCount": 0,
               "state": {"waiting": {"reason": "PodInitializing"}}}
    assert cells(r.PODS, _init_pod([waiting]))[2] == "Init:0/2"
    crash = {"name": "migrate", "ready": False, "restartCount": 4,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(minutes=2)}}}
    assert cells(r.PODS, _init_pod([crash]))[2:4] == ["Init:CrashLoopBackOff", "4 (2m ago)"]
    failed = {"name": "migrate", "ready": False, "restartCount": 0,
              "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}
    assert cells(r.PODS, _init_pod([failed]))[2] == "Init:Error"
    failed["state"]["terminated"] = {"exitCode": 2}
    assert cells(r.PODS, _init_pod([failed]))[2] == "Init:ExitCode:2"


def test_sidecar_init_container_counts_as_a_container() -> None:
    pod = running_pod()
    pod["spec"]["initContainers"] = [{"name": "log-shipper", "image": "fluent-bit:3", "restartPolicy": "Always"}]
    pod["status"]["initContainerStatuses"] = [{"name": "log-shipper", "ready": True, "started": True,
                                               "restartCount": 1, "state": {"running": {}},
                                               "lastState": {"terminated": {"exitCode": 1,
                                                                            "finishedAt": ago(minutes=3)}}}]
    assert cells(r.PODS, pod)[1:4] == ["3/3", "Running", "1 (3m ago)"]


def test_readiness_gates_and_nominated_node() -> None:
    pod = running_pod()
    pod["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]
    pod["status"]["conditions"].append({"type": "example.com/lb", "status": "True"})
    pod["status"]["nominatedNodeName"] = "node-c"
    assert cells(r.PODS, pod)[7:] == ["node-c", "1/2"]


# ---------------------------------------------------------------------------------------------- workloads


def test_deployment() -> None:
    assert headers(r.DEPLOYMENTS) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert headers(r.DEPLOYMENTS, wide=True)[5:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert cells(r.DEPLOYMENTS, deployment()) == [
        "api-blue", "2/3", 3, 2, "2d4h", "api,proxy", "demo/api:1.0,envoy:1.30", "app=api,version=blue"]


def test_deployment_selector_with_expressions() -> None:
    dep = deployment()
    dep["spec"]["selector"] = {"matchLabels": {"app": "api"}, "matchExpressions": [
        {"key": "version", "operator": "In", "values": ["green", "blue"]},
        {"key": "canary", "operator": "DoesNotExist"}, {"key": "tier", "operator": "Exists"}]}
    assert cells(r.DEPLOYMENTS, dep)[7] == "app=api,!canary,tier,version in (blue,green)"


def test_replicaset() -> None:
    rs = deployment()
    rs["kind"] = "ReplicaSet"
    rs["metadata"]["name"] = "api-blue-7d9c"
    rs["status"] = {"replicas": 3, "readyReplicas": 1}
    assert headers(r.REPLICASETS, wide=True) == ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS",
                                                 "IMAGES", "SELECTOR"]
    assert cells(r.REPLICASETS, rs) == ["api-blue-7d9c", 3, 3, 1, "2d4h", "api,proxy", "demo/api:1.0,envoy:1.30",
                                        "app=api,version=blue"]
    rs["spec"]["replicas"] = 0
    rs["status"] = {"replicas": 0}
    assert cells(r.REPLICASETS, rs)[1:4] == [0, 0, 0]


def test_hpa() -> None:
    hpa = {"metadata": {"name": "api", "creationTimestamp": ago(hours=1)},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api-blue", "apiVersion": "apps/v1"},
                    "minReplicas": 2, "maxReplicas": 10,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                        "type": "Utilization", "averageUtilization": 70}}}]},
           "status": {"currentReplicas": 3, "currentMetrics": [
               {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]}}
    assert headers(r.HPAS) == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert cells(r.HPAS, hpa) == ["api", "Deployment/api-blue", "cpu: 45%/70%", "2", 10, 3, "60m"]
    hpa["status"] = {}
    del hpa["spec"]["minReplicas"]
    hpa["spec"]["metrics"] += [
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                       "averageValue": "500Mi"}}},
        {"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"averageValue": "100"}}}]
    assert cells(r.HPAS, hpa)[2:6] == ["cpu: <unknown>/70%, memory: <unknown>/500Mi + 1 more...", "<unset>", 10, 0]
    hpa["spec"]["metrics"] = []
    assert cells(r.HPAS, hpa)[2] == "<none>"


# ---------------------------------------------------------------------------------------------- networking


def test_service_node_port() -> None:
    svc = {"metadata": {"name": "api", "namespace": "shop", "creationTimestamp": ago(days=9)},
           "spec": {"type": "NodePort", "clusterIP": "10.0.0.12", "clusterIPs": ["10.0.0.12"],
                    "selector": {"version": "blue", "app": "api"},
                    "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                              {"port": 53, "protocol": "UDP"}]}}
    assert headers(r.SERVICES, wide=True) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE",
                                              "SELECTOR"]
    assert cells(r.SERVICES, svc) == ["api", "NodePort", "10.0.0.12", "<none>", "80:30080/TCP,53/UDP", "9d",
                                      "app=api,version=blue"]


def test_service_types() -> None:
    svc = {"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIPs": ["10.0.0.5"], "ports": []},
           "status": {"loadBalancer": {}}}
    assert cells(r.SERVICES, svc)[2:5] == ["10.0.0.5", "<pending>", "<none>"]
    svc["status"]["loadBalancer"]["ingress"] = [{"ip": "20.1.2.3"}, {"hostname": "a-very-long-name.example.com"}]
    assert cells(r.SERVICES, svc)[3] == "20.1.2.3,a-very-long-name.example.com"
    svc = {"metadata": {"name": "db"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
    assert cells(r.SERVICES, svc)[1:4] == ["ExternalName", "<none>", "db.example.com"]
    assert cells(r.SERVICES, svc)[4] == "<none>"
    assert cells(r.SERVICES, svc)[5] == "<unknown>"
    assert cells(r.SERVICES, svc)[6] == "<none>"


def test_endpoints() -> None:
    ep = {"metadata": {"name": "api", "creationTimestamp": ago(seconds=90)},
          "subsets": [{"addresses": [{"ip": f"10.244.0.{i}"} for i in range(1, 5)],
                       "ports": [{"port": 8080, "protocol": "TCP"}]}]}
    assert headers(r.ENDPOINTS) == ["NAME", "ENDPOINTS", "AGE"]
    assert cells(r.ENDPOINTS, ep) == ["api", "10.244.0.1:8080,10.244.0.2:8080,10.244.0.3:8080 + 1 more...", "90s"]
    ep["subsets"][0]["addresses"] = ep["subsets"][0]["addresses"][:2]
    assert cells(r.ENDPOINTS, ep)[1] == "10.244.0.1:8080,10.244.0.2:8080"
    ep["subsets"] = []
    assert cells(r.ENDPOINTS, ep)[1] == "<none>"


def test_ingress() -> None:
    ing = {"metadata": {"name": "shop", "creationTimestamp": ago(minutes=3)},
           "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com"}, {"host": "api.example.com"}],
                    "tls": [{"hosts": ["shop.example.com"]}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "20.0.0.9"}]}}}
    assert headers(r.INGRESSES) == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    assert cells(r.INGRESSES, ing) == ["shop", "nginx", "shop.example.com,api.example.com", "20.0.0.9", "80, 443",
                                       "3m"]
    ing["spec"] = {"rules": [{}]}
    ing["status"] = {}
    assert cells(r.INGRESSES, ing)[1:5] == ["<none>", "*", "", "80"]


# ---------------------------------------------------------------------------------------------- cluster


def test_node_roles_and_cordon() -> None:
    assert headers(r.NODES) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert headers(r.NODES, wide=True)[5:] == ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
                                               "CONTAINER-RUNTIME"]
    assert cells(r.NODES, node()) == ["node-a", "Ready,SchedulingDisabled", "control-plane,master", "2d4h",
                                      "v1.32.0", "192.168.0.11", "<none>", "Ubuntu 24.04 LTS", "6.8.0-31-generic",
                                      "containerd://1.7.15"]


def test_node_without_roles_or_conditions() -> None:
    n = node("virtual-node-aci")
    n["metadata"]["labels"] = {"type": "virtual-kubelet"}
    n["spec"] = {}
    n["status"] = {"conditions": [{"type": "Ready", "status": "Unknown"}]}
    assert cells(r.NODES, n) == ["virtual-node-aci", "NotReady", "<none>", "2d4h", "", "<none>", "<none>",
                                 "<unknown>", "<unknown>", "<unknown>"]
    n["status"] = {}
    assert cells(r.NODES, n)[1] == "Unknown"


def test_events_columns_in_server_order() -> None:
    assert headers(r.EVENTS) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert headers(r.EVENTS, wide=True) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE",
                                            "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
    ev = {"metadata": {"name": "checkout-5f6-abcde.17d", "namespace": "shop"},
          "involvedObject": {"kind": "Pod", "name": "checkout-5f6-abcde", "fieldPath": "spec.containers{checkout}"},
          "reason": "BackOff", "message": "Back-off restarting failed container\n", "type": "Warning",
          "source": {"component": "kubelet", "host": "node-b"}, "count": 7,
          "firstTimestamp": ago(minutes=6), "lastTimestamp": ago(seconds=20)}
    assert cells(r.EVENTS, ev) == ["20s", "Warning", "BackOff", "pod/checkout-5f6-abcde", "spec.containers{checkout}",
                                   "kubelet, node-b", "Back-off restarting failed container", "6m", 7,
                                   "checkout-5f6-abcde.17d"]
    ev2 = {"metadata": {"name": "x"}, "involvedObject": {"kind": "Node"}, "type": "Normal", "reason": "Starting",
           "eventTime": "2024-06-01T11:59:50.000000Z", "reportingComponent": "kubelet", "message": "m"}
    assert cells(r.EVENTS, ev2) == ["10s", "Normal", "Starting", "node", "", "kubelet", "m", "10s", 1, "x"]


def test_small_kinds() -> None:
    ns = {"metadata": {"name": "shop", "creationTimestamp": ago(hours=30)}, "status": {"phase": "Active"}}
    assert cells(r.NAMESPACES, ns) == ["shop", "Active", "30h"]
    cm = {"metadata": {"name": "cfg", "creationTimestamp": ago(seconds=1)}, "data": {"a": "1", "b": "2"},
          "binaryData": {"c": "AA=="}}
    assert cells(r.CONFIGMAPS, cm) == ["cfg", 3, "1s"]
    sec = {"metadata": {"name": "db", "creationTimestamp": ago(seconds=1)}, "type": "Opaque", "data": {"p": "eA=="}}
    assert headers(r.SECRETS) == ["NAME", "TYPE", "DATA", "AGE"]
    assert cells(r.SECRETS, sec) == ["db", "Opaque", 1, "1s"]
    sa = {"metadata": {"name": "default", "creationTimestamp": ago(days=1)}}
    assert cells(r.SERVICEACCOUNTS, sa) == ["default", 0, "24h"]
    assert cells(r.NAMESPACES, {"metadata": {"name": "x"}}) == ["x", "", "<unknown>"]


# ---------------------------------------------------------------------------------------------- tables


def test_table_envelope_and_partial_metadata() -> None:
    pod = running_pod()
    table = to_table(r.PODS, [pod], resource_version="77", continue_token="abc", now=NOW)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "77", "continue": "abc"}
    obj = table["rows"][0]["object"]
    assert obj == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": pod["metadata"]}
    assert "continue" not in to_table(r.PODS, [], resource_version="1")["metadata"]
    orjson.dumps(table)  # plain JSON all the way


def test_include_object_variants() -> None:
    pod = running_pod()
    assert to_table(r.PODS, [pod], include_object="Object", now=NOW)["rows"][0]["object"] == pod
    assert to_table(r.PODS, [pod], include_object="None", now=NOW)["rows"][0]["object"] is None
    assert to_table(r.PODS, [pod], include_object="", now=NOW)["rows"][0]["object"]["kind"] == \
        "PartialObjectMetadata"
    with pytest.raises(ApiError) as err:
        to_table(r.PODS, [pod], include_object="Everything")
    assert err.value.code == 400


def test_watch_table_has_one_row_and_columns() -> None:
    pod = running_pod()
    table = watch_table(r.PODS, pod, "Metadata", NOW)
    assert table["kind"] == "Table"
    assert table["metadata"]["resourceVersion"] == "41"
    assert [c["name"] for c in table["columnDefinitions"]][:2] == ["Name", "Ready"]
    assert len(table["rows"]) == 1 and table["rows"][0]["cells"][0] == pod["metadata"]["name"]


def test_default_convertor_for_kinds_without_printer() -> None:
    rt = ResourceType("example.com", "v1", "widgets", "Widget", True)
    obj = {"metadata": {"name": "w1", "creationTimestamp": "2024-06-01T11:00:00Z"}}
    table = to_table(rt, [obj], now=NOW)
    assert [(c["name"], c["type"], c["format"]) for c in table["columnDefinitions"]] == [
        ("Name", "string", "name"), ("Created At", "date", "")]
    assert table["rows"][0]["cells"] == ["w1", "2024-06-01T11:00:00Z"]


def test_ten_thousand_pods_build_fast() -> None:
    base = [running_pod(), crashloop_pod(), pending_pod()]
    pods = []
    for i in range(10_000):
        p = copy.deepcopy(base[i % 3])
        p["metadata"]["name"] = f"load-{i}"
        p["metadata"]["creationTimestamp"] = ago(seconds=i)
        pods.append(p)
    table = to_table(r.PODS, pods, resource_version="9", now=NOW)
    assert len(table["rows"]) == 10_000
    assert table["rows"][1]["cells"][2] == "CrashLoopBackOff"
