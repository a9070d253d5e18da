"""Xray trees from snapshots, without a cluster: what hangs under what, each node's status and health, the
references a pod template makes (missing ones in red, unknown ones as "?"), and keys stable across changes."""

from __future__ import annotations

import copy
from typing import Any

from k8stui.cluster import xray
from k8stui.cluster.xray import BAD, OK, WARN, namespace_tree, object_tree, uses_of

NS = "shop"


def obj(name: str, *, uid: str = "", labels: dict[str, str] | None = None, owner: str = "", owner_kind: str = "",
        **body: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": NS, "uid": uid or f"uid-{name}",
                            "creationTimestamp": "2024-01-01T00:00:00Z", "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner_kind, "name": owner, "uid": f"uid-{owner}", "controller": True}]
    return {"metadata": meta, **body}


def pod_spec(image: str = "api:1", **extra: Any) -> dict[str, Any]:
    return {"containers": [{"name": "main", "image": image, **extra.pop("container", {})}], **extra}


def pod(name: str, labels: dict[str, str], owner: str = "", owner_kind: str = "", *, ready: bool = True,
        waiting: str = "", spec: dict[str, Any] | None = None) -> dict[str, Any]:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": "2024-01-01T00:00:00Z"}}
    return obj(name, labels=labels, owner=owner, owner_kind=owner_kind, spec=spec or pod_spec(),
               status={"phase": "Pending" if waiting else "Running",
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": "main", "ready": ready, "restartCount": 0, "state": state}]})


API_TEMPLATE_SPEC = pod_spec(container={"env": [{"name": "DB", "valueFrom": {"configMapKeyRef": {"name": "api-config",
                                                                                                  "key": "k"}}},
                                                {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db-creds",
                                                                                              "key": "p"}}}],
                                        "envFrom": [{"configMapRef": {"name": "gone-config"}}]},
                             serviceAccountName="api")


def snapshot() -> dict[str, list[dict[str, Any]] | None]:
    api_labels = {"app": "api", "version": "blue"}
    rs_labels = {**api_labels, "pod-template-hash": "abc"}
    return {
        xray.INGRESSES: [obj("shop", spec={"rules": [{"host": "shop.example.com", "http": {"paths": [
            {"path": "/api", "backend": {"service": {"name": "api", "port": {"number": 80}}}},
            {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
            status={"loadBalancer": {"ingress": [{"ip": "20.0.0.1"}]}})],
        xray.SERVICES: [obj("api", spec={"selector": api_labels}),
                        obj("postgres", spec={"selector": {"app": "postgres"}, "clusterIP": "None"}),
                        obj("external", spec={"type": "ExternalName", "externalName": "db.example.com"})],
        xray.DEPLOYMENTS: [obj("api-blue", spec={"replicas": 2, "selector": {"matchLabels": api_labels},
                                                  "template": {"metadata": {"labels": api_labels},
                                                               "spec": API_TEMPLATE_SPEC}},
                               status={"readyReplicas": 1})],
        xray.REPLICASETS: [
            obj("api-blue-abc", labels=rs_labels, owner="api-blue", owner_kind="Deployment",
                spec={"replicas": 2, "template": {"metadata": {"labels": rs_labels}, "spec": API_TEMPLATE_SPEC}},
                status={"replicas": 2, "readyReplicas": 1}),
            obj("api-blue-old", owner="api-blue", owner_kind="Deployment", spec={"replicas": 0}, status={})],
        xray.STATEFULSETS: [obj("postgres", spec={
            "replicas": 3, "selector": {"matchLabels": {"app": "postgres"}},
            "template": {"metadata": {"labels": {"app": "postgres"}}, "spec": pod_spec("postgres:16")},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}, status={"readyReplicas": 2})],
        xray.DAEMONSETS: [],
        xray.CRONJOBS: [obj("report", spec={"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": {
            "metadata": {"labels": {"app": "report"}}, "spec": pod_spec("report:1")}}}}, status={})],
        xray.JOBS: [
            obj("report-1", owner="report", owner_kind="CronJob", spec={"completions": 1, "template": {
                "spec": pod_spec("report:1")}}, status={"succeeded": 1, "conditions": [{"type": "Complete",
                                                                                        "status": "True"}]}),
            obj("report-2", owner="report", owner_kind="CronJob", spec={"completions": 1, "template": {
                "spec": pod_spec("report:1")}}, status={"failed": 2, "conditions": [{"type": "Failed",
                                                                                     "status": "True"}]})],
        xray.PODS: [
            pod("api-blue-abc-1", rs_labels, "api-blue-abc", "ReplicaSet", spec=API_TEMPLATE_SPEC),
            pod("api-blue-abc-2", rs_labels, "api-blue-abc", "ReplicaSet", ready=False, waiting="CrashLoopBackOff",
                spec=API_TEMPLATE_SPEC),
            pod("postgres-1", {"app": "postgres"}, "postgres", "StatefulSet", spec=pod_spec(
                "postgres:16", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-postgres-1"}}])),
            pod("postgres-0", {"app": "postgres"}, "postgres", "StatefulSet", spec=pod_spec(
                "postgres:16", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-postgres-0"}}])),
            pod("report-2-x", {"app": "report"}, "report-2", "Job", ready=False),
            pod("debug", {"run": "debug"}),
        ],
        xray.CONFIGMAPS: [obj("api-config", data={"a": "1", "b": "2"})],
        xray.SECRETS: None,  # the user may not list Secrets
        xray.PVCS: [obj("data-postgres-0", spec={"storageClassName": "premium"},
                        status={"phase": "Bound", "capacity": {"storage": "8Gi"}}),
                    obj("data-postgres-1", spec={}, status={"phase": "Pending"})],
        xray.SERVICEACCOUNTS: [obj("api"), obj("default")],
    }


def shape(node: xray.XrayNode, depth: int = 0) -> list[str]:
    mark = "<- " if node.upstream else ""
    out = [f"{'  ' * depth}{mark}{node.kind} {node.name} [{node.status}]"]
    for child in node.children:
        out += shape(child, depth + 1)
    return out


def test_namespace_tree_in_traffic_order():
    roots = namespace_tree(snapshot(), NS)
    assert [(r.kind, r.name) for r in roots] == [
        ("Ingress", "shop"), ("Service", "external"), ("Service", "postgres"), ("CronJob", "report"),
        ("Pod", "debug")]
    ingress = roots[0]
    assert (ingress.status, ingress.health, ingress.detail) == ("20.0.0.1", OK, "shop.example.com")
    assert shape(ingress)[:14] == [
        "Ingress shop [20.0.0.1]",
        "  Service api [1/2 endpoints ready]",
        "    Deployment api-blue [1/2 ready]",
        "      ConfigMap api-config [2 keys]",
        "      ConfigMap gone-config [missing]",
        "      Secret db-creds [?]",
        "      ServiceAccount api []",
        "      ReplicaSet api-blue-abc [1/2 ready]",  # the old, empty ReplicaSet is left out
        "        Pod api-blue-abc-1 [Running]",
        "          Container main [Running]",
        "        Pod api-blue-abc-2 [CrashLoopBackOff]",
        "          Container main [CrashLoopBackOff]",
        "  Service web [missing]",
    ][:14]


def test_health_and_missing_references():
    roots = namespace_tree(snapshot(), NS)
    api = roots[0].children[0]
    deploy = api.children[0]
    assert (api.health, deploy.health) == (WARN, WARN)
    by_name = {n.name: n for n in deploy.walk()}
    assert by_name["gone-config"].health == BAD and not by_name["gone-config"].exists
    assert by_name["db-creds"].status == "?" and by_name["db-creds"].health == ""  # Secrets not listed
    assert by_name["api-blue-abc-2"].health == BAD
    assert roots[0].children[1].status == "missing" and roots[0].children[1].health == BAD
    assert roots[1].status == "ExternalName" and roots[1].detail == "db.example.com"


def test_statefulset_pods_by_ordinal_with_their_claims():
    sts = namespace_tree(snapshot(), NS)[2].children[0]
    assert shape(sts) == [
        "StatefulSet postgres [2/3 ready]",
        "  ServiceAccount default []",
        "  Pod postgres-0 [Running]",
        "    Container main [Running]",
        "    PersistentVolumeClaim data-postgres-0 [Bound]",
        "  Pod postgres-1 [Running]",
        "    Container main [Running]",
        "    PersistentVolumeClaim data-postgres-1 [Pending]",
        "  PersistentVolumeClaim data-postgres-2 [missing]",  # ordinal 2 has neither pod nor claim
    ]
    assert sts.find(xray.PVCS, "data-postgres-0").detail == "8Gi · premium"


def test_cronjob_jobs_newest_first_and_a_failed_last_run():
    cron = namespace_tree(snapshot(), NS)[3]
    jobs = [c for c in cron.children if c.resource == xray.JOBS]
    assert [(j.name, j.status, j.health) for j in jobs] == [("report-2", "Failed 0/1", BAD),
                                                             ("report-1", "Complete 1/1", OK)]
    assert jobs[0].children[0].name == "report-2-x"
    assert cron.health == BAD and cron.detail == "0 2 * * *"


def test_object_tree_lists_what_points_at_it_first():
    svc = object_tree(snapshot(), NS, "services", "api")
    assert svc is not None and svc.children[0].upstream and svc.children[0].label == "Ingress shop"
    assert svc.children[0].children == ()  # the ingress's other services are not repeated
    deploy = object_tree(snapshot(), NS, "Deployment", "api-blue")
    assert deploy is not None and deploy.children[0].upstream and deploy.children[0].label == "Service api"
    assert object_tree(snapshot(), NS, "services", "nope") is None
    lone = object_tree(snapshot(), NS, "pods", "debug")
    assert lone is not None and [c.kind for c in lone.children] == ["Container", "ServiceAccount"]


def test_keys_are_unique_paths_and_stable_across_changes():
    first = namespace_tree(snapshot(), NS)
    keys = [n.key for root in first for n in root.walk()]
    assert len(keys) == len(set(keys))
    changed = snapshot()
    changed[xray.PODS] = copy.deepcopy(changed[xray.PODS])
    changed[xray.PODS][1]["status"]["containerStatuses"][0]["state"] = {"running": {}}
    second = namespace_tree(changed, NS)
    assert [n.key for root in second for n in root.walk()] == keys
    container = next(n for root in second for n in root.walk() if n.key.endswith("api-blue-abc-2/container:main"))
    assert container.pod == "api-blue-abc-2" and container.resource == xray.CONTAINER


def test_uses_of_a_pod_spec():
    spec = {"volumes": [{"configMap": {"name": "a"}}, {"secret": {"secretName": "s"}},
                        {"projected": {"sources": [{"configMap": {"name": "b"}}, {"secret": {"name": "t"}}]}},
                        {"persistentVolumeClaim": {"claimName": "c"}}],
            "initContainers": [{"envFrom": [{"secretRef": {"name": "s"}}]}],
            "imagePullSecrets": [{"name": "registry"}]}
    used = uses_of(spec)
    assert used == xray.Uses(("a", "b"), ("s", "t", "registry"), ("c",), "default")
