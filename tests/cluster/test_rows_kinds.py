"""Row projections of the first-class kinds beyond the original twelve: what each view shows for a raw object,
in kubectl's words (Job STATUS and COMPLETIONS, CronJob LAST SCHEDULE, PVC ACCESS MODES, HPA TARGETS ...)."""

from __future__ import annotations

from typing import Any

import pytest

from k8stui.cluster import row_kinds, rows
from k8stui.cluster.hpa import hpa_metrics
from k8stui.cluster.quantity import parse_time
from k8stui.cluster.rows import hpa_row
from k8stui.cluster.rows_network import endpointslice_row, networkpolicy_row
from k8stui.cluster.rows_rbac import role_row, rolebinding_row, serviceaccount_row
from k8stui.cluster.rows_storage import pv_row, pvc_row, storageclass_row
from k8stui.cluster.rows_workloads import (
    controllerrevision_row,
    cronjob_row,
    daemonset_row,
    job_row,
    pdb_row,
    pod_ordinal,
    revision_template,
    statefulset_row,
)

T0 = "2024-01-01T00:00:00Z"


def meta(name: str, ns: str = "shop", **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": ns, "uid": f"uid-{name}", "creationTimestamp": T0, **extra}


def template(image: str = "postgres:16.4", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"metadata": {"labels": labels or {"app": "postgres"}},
            "spec": {"containers": [{"name": "main", "image": image}]}}


def test_statefulset_row_ready_revisions_and_claims():
    raw = {"metadata": meta("postgres", generation=2),
           "spec": {"replicas": 3, "serviceName": "postgres", "selector": {"matchLabels": {"app": "postgres"}},
                    "template": template(), "updateStrategy": {"type": "RollingUpdate",
                                                               "rollingUpdate": {"partition": 1}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}}]},
           "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 1, "currentRevision": "postgres-a",
                      "updateRevision": "postgres-b", "observedGeneration": 2}}
    row = statefulset_row(raw)
    assert (row.ready, row.desired, row.current, row.updated, row.partition) == ("2/3", 3, 3, 1, 1)
    assert row.rolling and not row.healthy and row.generation_observed
    assert row.pod_names() == ("postgres-0", "postgres-1", "postgres-2")
    assert row.claim_names() == ("data-postgres-0", "data-postgres-1", "data-postgres-2")
    assert row.selects({"app": "postgres", "x": "y"}) and not row.selects({"app": "api"})
    assert row.service_name == "postgres" and row.images == ("postgres:16.4",)


def test_statefulset_defaults_one_replica():
    row = statefulset_row({"metadata": meta("solo"), "spec": {"template": template()}})
    assert row.ready == "0/1" and row.update_strategy == "RollingUpdate" and row.pod_management == "OrderedReady"
    assert not row.selects({"app": "postgres"})  # no selector selects nothing


@pytest.mark.parametrize("pod,expected", [("postgres-0", 0), ("postgres-12", 12), ("postgres-replica-1", None),
                                          ("other-1", None), ("postgres-", None)])
def test_pod_ordinal(pod, expected):
    assert pod_ordinal(pod, "postgres") == expected


def test_daemonset_row_counts_per_node():
    raw = {"metadata": meta("node-exporter", "monitoring"),
           "spec": {"selector": {"matchLabels": {"app": "ne"}},
                    "template": {"metadata": {"labels": {"app": "ne"}},
                                 "spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                          "tolerations": [{"operator": "Exists"},
                                                          {"key": "k", "value": "v", "effect": "NoSchedule"}],
                                          "containers": [{"name": "ne", "image": "ne:1"}]}}},
           "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                      "updatedNumberScheduled": 1, "numberAvailable": 2, "numberMisscheduled": 0}}
    row = daemonset_row(raw)
    assert (row.desired, row.current, row.ready, row.up_to_date, row.available) == (3, 3, 2, 1, 2)
    assert row.node_selector == "kubernetes.io/os=linux" and row.tolerations == (":Exists", "k=v:NoSchedule")
    assert not row.healthy


def _job(status: dict[str, Any], spec: dict[str, Any] | None = None, **metadata: Any) -> dict[str, Any]:
    return {"metadata": meta("report-1", "team-a", ownerReferences=[
                {"kind": "CronJob", "name": "report", "uid": "cj-uid", "controller": True}], **metadata),
            "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 2, "template": template("busybox"),
                     "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "uid-report-1"}},
                     **(spec or {})},
            "status": status}


def test_job_complete_with_duration():
    row = job_row(_job({"succeeded": 1, "startTime": "2024-01-01T00:00:00Z",
                        "completionTime": "2024-01-01T00:00:41Z",
                        "conditions": [{"type": "Complete", "status": "True"}]}))
    assert (row.status, row.completions, row.duration()) == ("Complete", "1/1", "41s")
    assert row.done and row.owner_kind == "CronJob" and row.owner_name == "report" and row.owner_uid == "cj-uid"


def test_job_failed_names_the_reason_and_ends_at_the_condition():
    row = job_row(_job({"failed": 3, "startTime": "2024-01-01T00:00:00Z",
                        "conditions": [{"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
                                       {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                        "lastTransitionTime": "2024-01-01T00:01:00Z"}]}))
    assert (row.status, row.reason, row.completions, row.duration()) == ("Failed", "BackoffLimitExceeded", "0/1",
                                                                          "60s")


def test_job_running_suspended_terminating_and_work_queue():
    running = job_row(_job({"active": 1, "startTime": "2024-01-01T00:00:00Z"}))
    assert running.status == "Running" and not running.done
    assert running.duration(now=parse_time("2024-01-01T00:03:12Z")) == "3m12s"
    assert job_row(_job({}, {"suspend": True})).status == "Suspended"
    assert job_row(_job({}, deletionTimestamp=T0)).status == "Terminating"
    queue = job_row(_job({"succeeded": 1}, {"completions": None, "parallelism": 3}))
    assert queue.completions == "1/1 of 3" and queue.desired is None
    assert job_row(_job({})).duration() == ""  # not started


def test_cronjob_row():
    raw = {"metadata": meta("nightly-report", "team-a"),
           "spec": {"schedule": "0 2 * * *", "timeZone": "Europe/Berlin", "concurrencyPolicy": "Forbid",
                    "jobTemplate": {"spec": {"template": template("report:1")}}},
           "status": {"lastScheduleTime": "2024-01-01T02:00:00Z", "lastSuccessfulTime": "2024-01-01T01:00:00Z",
                      "active": [{"name": "nightly-report-1"}]}}
    row = cronjob_row(raw)
    assert (row.schedule, row.timezone, row.suspend, row.active, row.active_jobs) == (
        "0 2 * * *", "Europe/Berlin", False, 1, ("nightly-report-1",))
    assert row.images == ("report:1",) and not row.last_failed  # still running
    raw["status"].pop("active")
    assert cronjob_row(raw).last_failed  # scheduled after the last success, not running: that run failed
    assert cronjob_row({"metadata": meta("x"), "spec": {"schedule": "* * * * *"}}).last_schedule_text() == "<none>"


def test_controller_revision_row_and_template():
    raw = {"metadata": meta("postgres-abc", labels={"controller.kubernetes.io/hash": "abc"},
                            annotations={"kubernetes.io/change-cause": "helm upgrade"},
                            ownerReferences=[{"kind": "StatefulSet", "name": "postgres", "uid": "sts",
                                              "controller": True}]),
           "revision": 4, "data": {"spec": {"template": {"$patch": "replace", **template("postgres:17")}}}}
    row = controllerrevision_row(raw)
    assert (row.revision, row.owner_kind, row.owner_uid, row.images, row.change_cause) == (
        4, "StatefulSet", "sts", ("postgres:17",), "helm upgrade")
    assert "$patch" not in revision_template(raw)


def test_pdb_row():
    raw = {"metadata": meta("postgres"), "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "pg"}}},
           "status": {"disruptionsAllowed": 0, "currentHealthy": 2, "desiredHealthy": 2, "expectedPods": 3}}
    row = pdb_row(raw)
    assert (row.min_available, row.max_unavailable, row.allowed_disruptions) == ("N/A", "1", 0)
    assert row.blocking and row.selects({"app": "pg"})


def test_storage_rows():
    pvc = pvc_row({"metadata": meta("data-postgres-0"),
                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}},
                            "storageClassName": "premium", "volumeName": "pv-1"},
                   "status": {"phase": "Bound", "capacity": {"storage": "8Gi"}, "accessModes": ["ReadWriteOnce"]}})
    assert (pvc.status, pvc.volume, pvc.capacity, pvc.capacity_bytes, pvc.access_modes) == (
        "Bound", "pv-1", "8Gi", 8 * 1024 ** 3, "RWO")
    pending = pvc_row({"metadata": meta("archive"), "spec": {"accessModes": ["ReadWriteMany", "ReadOnlyMany"]},
                       "status": {"phase": "Pending"}})
    assert (pending.status, pending.capacity, pending.access_modes) == ("Pending", "", "RWX,ROX")
    pv = pv_row({"metadata": {"name": "pv-1", "uid": "pv"},
                 "spec": {"capacity": {"storage": "8Gi"}, "accessModes": ["ReadWriteOncePod"],
                          "persistentVolumeReclaimPolicy": "Delete", "csi": {"driver": "disk.csi"},
                          "claimRef": {"namespace": "shop", "name": "data-postgres-0"}},
                 "status": {"phase": "Bound"}})
    assert (pv.claim, pv.access_modes, pv.source, pv.namespace) == ("shop/data-postgres-0", "RWOP", "csi disk.csi", "")
    sc = storageclass_row({"metadata": {"name": "default", "annotations": {
        "storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "disk.csi",
        "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True})
    assert sc.display_name == "default (default)" and sc.allow_expansion and sc.reclaim_policy == "Delete"


def test_endpointslice_counts_ready_and_terminating():
    row = endpointslice_row({
        "metadata": meta("api-x", labels={"kubernetes.io/service-name": "api"}), "addressType": "IPv4",
        "ports": [{"port": 8080}],
        "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True}, "targetRef": {"kind": "Pod",
                                                                                              "name": "api-1"}},
                      {"addresses": ["10.0.0.2"], "conditions": {"ready": False}},
                      {"addresses": ["10.0.0.3"], "conditions": {"ready": False, "terminating": True}},
                      {"addresses": ["10.0.0.4"]}]})
    assert (row.service, row.ready, row.not_ready, row.terminating, row.pods) == ("api", 2, 2, 1, ("api-1",))
    assert row.endpoints == "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more..." and row.ports == "8080"


def test_networkpolicy_row():
    deny = networkpolicy_row({"metadata": meta("default-deny"), "spec": {"podSelector": {}}})
    assert (deny.pod_selector, deny.policy_types, deny.ingress, deny.egress) == ("<all pods>", ("Ingress",),
                                                                                  "deny all", "-")
    allow = networkpolicy_row({"metadata": meta("allow"), "spec": {
        "podSelector": {"matchLabels": {"app": "notes"}}, "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"ports": [{"port": 5000}]}], "egress": [{}]}})
    assert (allow.pod_selector, allow.ingress, allow.egress) == ("app=notes", "allow 1 rule", "allow all")


def test_rbac_rows():
    role = role_row({"metadata": meta("leader"), "rules": [
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "update"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["patch"]},
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]})
    assert role.rules == ("get,update leases.coordination.k8s.io; patch deployments.apps/scale; * *; "
                          "get /healthz") and role.rule_count == 4
    cluster_role = role_row({"metadata": {"name": "view"}, "aggregationRule": {"clusterRoleSelectors": []}})
    assert cluster_role.namespace == "" and cluster_role.aggregated
    binding = rolebinding_row({"metadata": meta("devs", "team-a"), "roleRef": {"kind": "ClusterRole",
                                                                                "name": "edit"},
                               "subjects": [{"kind": "User", "name": "dev@team-a"}, {"kind": "Group", "name": "g"},
                                            {"kind": "ServiceAccount", "name": "ci"}]})
    assert binding.role == "ClusterRole/edit" and binding.service_accounts == ("team-a/ci",)
    assert binding.subjects == "User dev@team-a, Group g, ServiceAccount team-a/ci"
    sa = serviceaccount_row({"metadata": meta("api"), "secrets": [{"name": "t"}],
                             "imagePullSecrets": [{"name": "registry"}], "automountServiceAccountToken": False})
    assert (sa.secrets, sa.image_pull_secrets, sa.automount) == (1, ("registry",), "false")


def test_hpa_current_against_target_for_every_metric_type():
    spec = {"metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                      "averageValue": "500Mi"}}},
        {"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue",
                                                                        "averageValue": "100"}}},
        {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}}},
        {"type": "Object", "object": {"metric": {"name": "hits"}, "target": {"type": "Value", "value": "10k"}}}]}
    status = {"currentMetrics": [
        {"type": "Pods", "pods": {"metric": {"name": "rps"}, "current": {"averageValue": "120"}}},  # out of order
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 94,
                                                                     "averageValue": "94m"}}},
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "200Mi"}}},
        {"type": "External", "external": {"metric": {"name": "queue"}, "current": {"value": "12"}}}]}
    metrics = hpa_metrics(spec, status)
    assert [m.text for m in metrics] == ["cpu: 94%/60%", "memory: 200Mi/500Mi", "rps: 120/100", "queue: 12/30",
                                         "hits: <unknown>/10k"]
    assert [m.over for m in metrics] == [True, False, True, False, False]
    row = hpa_row({"metadata": meta("api"), "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "pg"},
                                                     "maxReplicas": 2, **spec},
                   "status": {**status, "currentReplicas": 2, "desiredReplicas": 2,
                              "conditions": [{"type": "ScalingLimited", "status": "True"}]}})
    assert row.over_target and row.limited and row.reference == "StatefulSet/pg" and row.targets.startswith("cpu: 94%")


def test_row_kinds_names_the_projections_of_rows_without_importing_them():
    """row_kinds says where every first-class kind's projection is (so that nothing is imported to ask): what it
    says for the kinds of ``rows`` is ``rows``' own table."""
    for key, projection in rows.PROJECTIONS.items():
        assert row_kinds.PROJECTIONS[key] is projection, key
    assert set(rows.PROJECTIONS) <= set(row_kinds.PROJECTIONS)


def test_every_first_class_kind_projects_an_empty_object():
    """A half-made object (no spec, no status) never crashes a view."""
    for key, projection in row_kinds.PROJECTIONS.items():
        row = projection({"metadata": {"name": "x", "uid": "u"}})
        assert row.name == "x" and row.uid == "u", key
    assert row_kinds.is_first_class("cronjobs.batch") and not row_kinds.is_first_class("certificates.demo.k8stui.io")
    with pytest.raises(KeyError):
        row_kinds.project("certificates.demo.k8stui.io", {})
