"""Every health-finding rule on objects shaped like a real API server's LIST items (no ``kind`` field): the
finding appears for the object that has the problem, not for the one without it, and says why and how to fix."""

from __future__ import annotations

import copy
import json
import re

import pytest

from k8stui.diagnosis.findings import (
    RULES,
    FindingsEngine,
    Severity,
    count_by_workload,
    evaluate,
    filter_findings,
    role_powers,
    sort_findings,
    to_json,
    to_markdown,
)
from k8stui.diagnosis.snapshot import Snapshot

from .builders import container, deployment, event, meta, node, pod, replicaset, service


def rules_for(findings, name):
    return {f.rule for f in findings if f.object.name == name}


def one(findings, rule, name):
    found = [f for f in findings if f.rule == rule and f.object.name == name]
    assert len(found) == 1, f"{rule} on {name}: {found}"
    return found[0]


def healthy_world():
    """A Deployment with everything right: 3 replicas over 3 nodes/zones, probes, resources, a Service, a PDB."""
    d = deployment("api")
    rs = replicaset(d, 1, "abc12")
    pods = [pod(f"api-abc12-{i}xxxx", owner=rs, node=f"node-{i}") for i in range(3)]
    nodes = [node(f"node-{i}", zone=f"zone-{i}") for i in range(3)]
    pdb = {"metadata": meta("api"), "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}},
           "status": {"expectedPods": 3, "disruptionsAllowed": 1, "desiredHealthy": 2, "currentHealthy": 3}}
    return dict(Deployment=[d], ReplicaSet=[rs], Pod=pods, Node=nodes, Service=[service("api", {"app": "api"})],
                PodDisruptionBudget=[pdb], ConfigMap=[], Secret=[], HorizontalPodAutoscaler=[])


def test_a_healthy_workload_has_no_findings():
    assert evaluate(Snapshot.of(**healthy_world())) == []


def test_every_finding_says_why_and_how_to_fix():
    world = healthy_world()
    world["Deployment"].append(deployment("legacy", replicas=1, containers=[container(probes=False, resources=False,
                                                                                       image="busybox")]))
    for f in evaluate(Snapshot.of(**world)):
        assert f.summary and f.why and f.fix, f
        assert f.rule in RULES


def test_single_replica():
    world = healthy_world()
    world["Deployment"].append(deployment("solo", replicas=1))
    world["Deployment"].append(deployment("zero", replicas=0))
    findings = evaluate(Snapshot.of(**world))
    f = one(findings, "single-replica", "solo")
    assert f.severity is Severity.WARNING and "--replicas=2" in f.command
    assert "single-replica" not in rules_for(findings, "zero")  # scaled to zero on purpose
    assert "single-replica" not in rules_for(findings, "api")


def test_missing_probes_name_the_containers():
    d = deployment("noprobe", containers=[container("web", probes=False), container("sidecar")])
    findings = evaluate(Snapshot.of(Deployment=[d]))
    assert "container web has no readiness probe" in one(findings, "no-readiness-probe", "noprobe").summary
    assert one(findings, "no-liveness-probe", "noprobe").severity is Severity.INFO


def test_pods_of_a_workload_are_judged_through_their_owner_not_one_by_one():
    d = deployment("noprobe", containers=[container(probes=False)])
    rs = replicaset(d, 1, "h4sh1")
    p = pod("noprobe-h4sh1-aaaaa", owner=rs)
    findings = evaluate(Snapshot.of(Deployment=[d], ReplicaSet=[rs], Pod=[p]))
    assert rules_for(findings, "noprobe-h4sh1-aaaaa") == set()
    assert rules_for(findings, "noprobe-h4sh1") == set()
    assert "no-readiness-probe" in rules_for(findings, "noprobe")


def test_a_bare_pod_is_judged_itself():
    bare = pod("debug", containers=[container(probes=False, resources=False, image="nginx")])
    findings = evaluate(Snapshot.of(Pod=[bare]))
    assert {"no-readiness-probe", "no-requests", "no-memory-limit", "latest-image"} <= rules_for(findings, "debug")


def test_requests_and_memory_limit():
    d = deployment("greedy", containers=[container("a", resources=False),
                                         container("b", resources={"requests": {"cpu": "1"}})])
    findings = evaluate(Snapshot.of(Deployment=[d]))
    req = one(findings, "no-requests", "greedy")
    assert "a (CPU or memory)" in req.summary and "b (memory)" in req.summary
    assert "kubectl -n shop set resources deployment/greedy" in req.command
    assert "containers a, b have no memory limit" in one(findings, "no-memory-limit", "greedy").summary


@pytest.mark.parametrize("image, flagged", [
    ("nginx", True), ("nginx:latest", True), ("registry:5000/team/app", True), ("registry:5000/team/app:latest", True),
    ("nginx:1.27", False), ("registry:5000/team/app:2.0", False), ("nginx@sha256:" + "a" * 64, False),
    ("nginx:latest@sha256:" + "b" * 64, False),
])
def test_latest_or_untagged_images(image, flagged):
    d = deployment("web", containers=[container(image=image)])
    assert ("latest-image" in rules_for(evaluate(Snapshot.of(Deployment=[d])), "web")) is flagged


def test_init_container_images_count_too():
    d = deployment("web", pod_extra={"initContainers": [{"name": "migrate", "image": "flyway/flyway"}]})
    assert "migrate runs untagged flyway/flyway" in one(evaluate(Snapshot.of(Deployment=[d])), "latest-image",
                                                        "web").summary


def hpa(name, *, minimum=2, maximum=5, current=5, desired=5, limited=False):
    conds = [{"type": "ScalingLimited", "status": "True" if limited else "False",
              "reason": "TooManyReplicas" if limited else "DesiredWithinRange"}]
    return {"metadata": meta(name), "spec": {"scaleTargetRef": {"kind": "Deployment", "name": name},
                                             "minReplicas": minimum, "maxReplicas": maximum},
            "status": {"currentReplicas": current, "desiredReplicas": desired, "conditions": conds}}


def test_hpa_at_its_maximum():
    snap = Snapshot.of(HorizontalPodAutoscaler=[hpa("busy", limited=True), hpa("calm", current=3, desired=3),
                                                hpa("fixed", minimum=4, maximum=4, current=4, desired=4)])
    findings = evaluate(snap)
    f = one(findings, "hpa-at-max", "busy")
    assert "5 of at most 5 replicas" in f.summary and "wants more" in f.summary
    assert "maxReplicas" in f.command
    assert "hpa-at-max" not in rules_for(findings, "calm")
    assert "hpa-at-max" not in rules_for(findings, "fixed")  # min == max: a fixed size, not a limit hit


def test_hpa_conditions_written_before_a_spec_change_are_stale():
    raised = hpa("busy", minimum=1, maximum=2, current=2, desired=2, limited=True)
    raised["status"]["observedGeneration"] = 1
    assert "hpa-at-max" in rules_for(evaluate(Snapshot.of(HorizontalPodAutoscaler=[raised])), "busy")
    raised["metadata"]["generation"] = 2  # kubectl patch hpa busy -p '{"spec":{"maxReplicas":6}}'
    raised["spec"]["maxReplicas"] = 6
    assert "hpa-at-max" not in rules_for(evaluate(Snapshot.of(HorizontalPodAutoscaler=[raised])), "busy")


def crashing_pod(name, restarts, reason="Error", code=1, looping=True):
    state = ({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}} if looping
             else {"running": {"startedAt": "2026-01-01T00:00:00Z"}})
    return pod(name, ready=False, statuses=[{
        "name": "app", "image": "x:1", "ready": False, "restartCount": restarts, "state": state,
        "lastState": {"terminated": {"exitCode": code, "reason": reason, "finishedAt": "2025-12-31T23:59:00Z"}}}])


def test_restarts():
    findings = evaluate(Snapshot.of(Pod=[crashing_pod("loop", 7), crashing_pod("oom", 4, "OOMKilled", 137, False),
                                         crashing_pod("fine", 1)]))
    loop = one(findings, "restarts", "loop")
    assert loop.severity is Severity.CRITICAL and "restarted 7 times" in loop.summary
    assert "CrashLoopBackOff" in loop.summary and "last exit 1: Error" in loop.summary
    assert loop.command == "kubectl -n shop logs loop -c app --previous"
    oom = one(findings, "restarts", "oom")
    assert oom.severity is Severity.WARNING and "OOMKilled" in oom.summary and "memory" in oom.fix
    assert "restarts" not in rules_for(findings, "fine")


def test_pdb_that_allows_no_disruption():
    blocking = {"metadata": meta("strict"), "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "x"}}},
                "status": {"expectedPods": 3, "desiredHealthy": 3, "currentHealthy": 3, "disruptionsAllowed": 0}}
    zero = {"metadata": meta("zero"), "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "y"}}}}
    unhealthy = {"metadata": meta("sick"), "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "z"}}},
                 "status": {"expectedPods": 3, "desiredHealthy": 2, "currentHealthy": 1, "disruptionsAllowed": 0}}
    ok = {"metadata": meta("ok"), "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "w"}}},
          "status": {"expectedPods": 3, "desiredHealthy": 2, "currentHealthy": 3, "disruptionsAllowed": 1}}
    findings = evaluate(Snapshot.of(PodDisruptionBudget=[blocking, zero, unhealthy, ok]))
    assert "needs 3 healthy of the 3 pods" in one(findings, "pdb-blocks-evictions", "strict").summary
    assert "maxUnavailable is 0" in one(findings, "pdb-blocks-evictions", "zero").summary
    assert "only 1 of 3 pods are healthy" in one(findings, "pdb-blocks-evictions", "sick").summary
    assert "pdb-blocks-evictions" not in rules_for(findings, "ok")


def test_no_pdb_only_when_pdbs_are_visible():
    world = healthy_world()
    world["PodDisruptionBudget"] = []
    f = one(evaluate(Snapshot.of(**world)), "no-pdb", "api")
    assert "kubectl -n shop create pdb api --selector=app=api --max-unavailable=1" == f.command
    del world["PodDisruptionBudget"]  # not watched (or forbidden): unknown, not missing
    assert "no-pdb" not in rules_for(evaluate(Snapshot.of(**world)), "api")


def test_all_replicas_on_one_node_or_one_zone():
    world = healthy_world()
    for p in world["Pod"]:
        p["spec"]["nodeName"] = "node-1"
    f = one(evaluate(Snapshot.of(**world)), "colocated", "api")
    assert "all 3 running pods are on node node-1" in f.summary and f.severity is Severity.WARNING
    world = healthy_world()
    world["Node"] = [node("node-0", zone="zone-a"), node("node-1", zone="zone-a"), node("node-2", zone="zone-a"),
                     node("node-3", zone="zone-b")]
    f = one(evaluate(Snapshot.of(**world)), "colocated", "api")
    assert "zone zone-a" in f.summary and f.severity is Severity.INFO


def test_service_that_selects_no_pods_says_what_the_pods_have():
    world = healthy_world()
    world["Pod"][0]["metadata"]["labels"] = {"app": "api", "version": "blue"}
    world["Service"].append(service("api-purple", {"app": "api", "version": "purple"}))
    world["Service"].append(service("ghost", {"app": "ghost"}))
    findings = evaluate(Snapshot.of(**world))
    purple = one(findings, "service-no-pods", "api-purple")
    assert "pods with app=api have version=<unset>/blue" in purple.summary
    assert "matches no running pod" in one(findings, "service-no-pods", "ghost").summary
    assert "service-no-pods" not in rules_for(findings, "api")


def test_pods_without_a_service():
    world = healthy_world()
    world["Deployment"].append(deployment("lonely"))
    world["Deployment"].append(deployment("worker", containers=[container(ports=())]))
    findings = evaluate(Snapshot.of(**world))
    assert one(findings, "no-service", "lonely").command == "kubectl -n shop expose deployment/lonely --port=8080"
    assert "no-service" not in rules_for(findings, "worker")  # no ports: nothing to route to


def bluegreen(green_replicas=3, green_memory="256Mi", green_env="green"):
    def colour(version, replicas, memory):
        c = container("api", image=f"ghcr.io/demo/api:{'1.4' if version == 'blue' else '1.5'}",
                      env=[{"name": "APP_VERSION", "value": version if version == "blue" else green_env}],
                      resources={"requests": {"cpu": "250m", "memory": "128Mi"}, "limits": {"memory": memory}})
        return deployment(f"api-{version}", replicas=replicas, labels={"app": "api", "version": version},
                          containers=[c])
    return dict(Deployment=[colour("blue", 3, "256Mi"), colour("green", green_replicas, green_memory)],
                Service=[service("api", {"app": "api", "version": "blue"}),
                         service("api-preview", {"app": "api", "version": "green"})])


def test_bluegreen_pair_that_matches_has_no_finding():
    findings = evaluate(Snapshot.of(**bluegreen()))
    assert not [f for f in findings if f.rule.startswith("bluegreen")]


def test_bluegreen_colours_differing_in_replicas():
    f = one(evaluate(Snapshot.of(**bluegreen(green_replicas=1))), "bluegreen-replicas", "api-green")
    assert "runs 1 replica, api-blue (live) runs 3" in f.summary
    assert "switching Service api to green" in f.why and f.severity is Severity.WARNING
    cold = one(evaluate(Snapshot.of(**bluegreen(green_replicas=0))), "bluegreen-replicas", "api-green")
    assert cold.severity is Severity.INFO  # a cold standby: the switch preflight scales it first


def test_bluegreen_colours_differing_in_config():
    f = one(evaluate(Snapshot.of(**bluegreen(green_memory="1Gi"))), "bluegreen-config", "api-green")
    assert "container api: resources" in f.summary
    f = one(evaluate(Snapshot.of(**bluegreen(green_env="debug"))), "bluegreen-config", "api-green")
    assert "container api: env" in f.summary


def pvc(name, cls="managed-csi", phase="Pending", volume=None):
    spec = {"storageClassName": cls, "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}}}
    if volume:
        spec["volumeName"] = volume
    return {"metadata": meta(name), "spec": spec, "status": {"phase": phase}}


def test_pending_pvcs():
    sc = [{"metadata": meta("managed-csi", None), "provisioner": "disk.csi.azure.com",
           "volumeBindingMode": "Immediate"},
          {"metadata": meta("lazy", None), "provisioner": "disk.csi.azure.com",
           "volumeBindingMode": "WaitForFirstConsumer"}]
    claims = [pvc("typo", cls="fast-ssd"), pvc("stuck"), pvc("waiting", cls="lazy"), pvc("bound", phase="Bound")]
    user = pod("db-0", containers=[container()])
    user["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "stuck"}}]
    ev = event(claims[1], "PersistentVolumeClaim", "ProvisioningFailed", "quota exceeded for disks", type_="Warning")
    findings = evaluate(Snapshot.of(PersistentVolumeClaim=claims, StorageClass=sc, Pod=[user], Event=[ev]))
    assert "StorageClass fast-ssd does not exist" in one(findings, "pvc-pending", "typo").summary
    stuck = one(findings, "pvc-pending", "stuck")
    assert "quota exceeded for disks" in stuck.summary and "db-0" in stuck.why
    assert one(findings, "pvc-pending", "waiting").severity is Severity.INFO
    assert "pvc-pending" not in rules_for(findings, "bound")


def test_missing_secrets_and_configmaps():
    c = container(env=[{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                       {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "maybe", "key": "x", "optional": True}}},
                       {"name": "LVL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "LEVEL"}}}],
                  envFrom=[{"configMapRef": {"name": "extra"}}])
    d = deployment("app", containers=[c], pod_extra={"volumes": [{"name": "tls", "secret": {"secretName": "tls"}}]})
    cm = {"metadata": meta("cfg"), "data": {"OTHER": "1"}}
    tls = {"metadata": meta("tls"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}}
    f = one(evaluate(Snapshot.of(Deployment=[d], ConfigMap=[cm], Secret=[tls])), "missing-reference", "app")
    assert f.severity is Severity.CRITICAL
    assert "Secret db (env PW of container app) does not exist" in f.summary
    assert "ConfigMap cfg has no key LEVEL" in f.summary
    assert "ConfigMap extra (envFrom of container app) does not exist" in f.summary
    assert "maybe" not in f.summary and "tls" not in f.summary
    # Without the right to list Secrets, a missing Secret is unknown, not missing.
    f = one(evaluate(Snapshot.of(Deployment=[d], ConfigMap=[cm])), "missing-reference", "app")
    assert "Secret" not in f.summary


def test_missing_pull_secret_is_a_warning():
    d = deployment("app", pod_extra={"imagePullSecrets": [{"name": "regcred"}]})
    f = one(evaluate(Snapshot.of(Deployment=[d], Secret=[])), "missing-reference", "app")
    assert f.severity is Severity.WARNING and "ErrImagePull" in f.why


def binding(kind, name, role_kind, role, subjects, namespace="shop"):
    return {"metadata": meta(name, namespace if kind == "RoleBinding" else None),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
            "subjects": subjects}


def test_rbac_that_lets_the_default_service_account_do_too_much():
    sa = [{"kind": "ServiceAccount", "name": "default", "namespace": "shop"}]
    bindings = [
        binding("RoleBinding", "default-edit", "ClusterRole", "edit", sa),
        binding("ClusterRoleBinding", "oops-admin", "ClusterRole", "cluster-admin", sa),
        binding("RoleBinding", "reader", "Role", "pod-reader", sa),
        binding("RoleBinding", "api-admin", "ClusterRole", "admin",
                [{"kind": "ServiceAccount", "name": "api", "namespace": "shop"}]),
        binding("RoleBinding", "all-sa-secrets", "Role", "secret-reader",
                [{"kind": "Group", "name": "system:serviceaccounts:shop"}]),
    ]
    roles = [{"metadata": meta("pod-reader"), "rules": [{"apiGroups": [""], "resources": ["pods"],
                                                         "verbs": ["get", "list"]}]},
             {"metadata": meta("secret-reader"), "rules": [{"apiGroups": [""], "resources": ["secrets"],
                                                            "verbs": ["get"]}]}]
    findings = evaluate(Snapshot.of(RoleBinding=[b for b in bindings if b["metadata"].get("namespace")],
                                    ClusterRoleBinding=[b for b in bindings if not b["metadata"].get("namespace")],
                                    Role=roles))
    edit = one(findings, "default-sa-rbac", "default-edit")
    assert edit.severity is Severity.WARNING and "read Secrets" in edit.summary
    admin = one(findings, "default-sa-rbac", "oops-admin")
    assert admin.severity is Severity.CRITICAL and admin.affects == "shop" and admin.namespace == "shop"
    assert "secret" in one(findings, "default-sa-rbac", "all-sa-secrets").summary.lower()
    assert "default-sa-rbac" not in rules_for(findings, "reader")  # reading pods is fine
    assert "default-sa-rbac" not in rules_for(findings, "api-admin")  # a dedicated ServiceAccount


def test_role_powers():
    assert role_powers([{"resources": ["*"], "verbs": ["*"]}])[0] is Severity.CRITICAL
    assert role_powers([{"resources": ["rolebindings"], "verbs": ["create"]}])[0] is Severity.CRITICAL
    assert role_powers([{"resources": ["pods/exec"], "verbs": ["create"]}])[0] is Severity.WARNING
    assert role_powers([{"resources": ["configmaps"], "verbs": ["get"]}]) == (None, [])
    assert role_powers([{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]) == (None, [])


def test_counts_roll_pod_findings_up_to_their_deployment():
    d = deployment("api")
    rs = replicaset(d, 1, "abc12")
    p = crashing_pod("api-abc12-zzzzz", 5)
    p["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": rs["metadata"]["name"],
                                         "uid": rs["metadata"]["uid"], "controller": True}]
    p["metadata"]["labels"] = {"app": "api", "pod-template-hash": "abc12"}
    snap = Snapshot.of(Deployment=[d], ReplicaSet=[rs], Pod=[p])
    counts = count_by_workload(evaluate(snap), snap)
    assert counts[("Deployment", "shop", "api")][Severity.CRITICAL] == 1
    # Without the ReplicaSet in the snapshot the Deployment is read from the pod-template-hash.
    snap = Snapshot.of(Deployment=[d], Pod=[p])
    assert count_by_workload(evaluate(snap), snap)[("Deployment", "shop", "api")][Severity.CRITICAL] == 1


def test_filter_and_sort():
    world = healthy_world()
    world["Deployment"].append(deployment("solo", replicas=1, namespace="team-a", containers=[container(probes=False)]))
    world["Pod"].append(crashing_pod("loop", 9))
    findings = evaluate(Snapshot.of(**world))
    assert findings[0].severity is Severity.CRITICAL  # worst first
    assert {f.object.namespace for f in filter_findings(findings, namespace="team-a")} == {"team-a"}
    assert all(f.severity is not Severity.INFO for f in filter_findings(findings, min_severity=Severity.WARNING))
    assert [f.rule for f in filter_findings(findings, rules=["restarts"])] == ["restarts"]
    assert {f.object.name for f in filter_findings(findings, text="SOLO")} == {"solo"}
    by_object = sort_findings(findings, by="object")
    assert [f.namespace for f in by_object] == sorted(f.namespace for f in by_object)
    assert Severity.parse("crit") is Severity.CRITICAL and Severity.parse("WARN") is Severity.WARNING
    with pytest.raises(ValueError):
        Severity.parse("bad")


def test_json_and_markdown_exports_keep_hostile_text_inert():
    d = deployment("web", replicas=1)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "evil/x|y*[click](http://evil)\x1b]0;pwn\x07:latest"
    findings = evaluate(Snapshot.of(Deployment=[d]))
    doc = json.loads(to_json(findings, scope="shop", generated=1_767_225_600))
    assert doc["scope"] == "shop" and doc["count"] == len(findings) == len(doc["findings"])
    assert doc["generated"] == "2026-01-01T00:00:00Z"
    assert {"rule", "severity", "kind", "namespace", "name", "uid", "summary", "why", "fix", "command"} <= set(
        doc["findings"][0])
    text = to_markdown(findings, scope="shop")
    assert "\x1b" not in text and "\x07" not in text
    assert re.search(r"(?<!\\)\]\(", text) is None  # no live link
    assert "\\[click\\]" in text and "x\\|y" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == 4 for line in table_rows if "\\|" not in line)
    assert "No findings." in to_markdown([], scope="x")


def test_engine_re_evaluates_only_changed_objects_and_cluster_rules_at_most_once_a_second():
    world = healthy_world()
    world["Deployment"].append(deployment("solo", replicas=1))
    snap = Snapshot.of(**world)
    engine = FindingsEngine(cluster_interval=1.0)
    first = engine.update(snap, None, now=100.0)
    assert first == evaluate(snap)
    base_evals, base_runs = engine.evaluations, engine.cluster_runs
    assert base_runs == 1

    # scale solo to 2 replicas: one object re-evaluated, its finding goes
    solo = next(d for d in world["Deployment"] if d["metadata"]["name"] == "solo")
    scaled = copy.deepcopy(solo)
    scaled["spec"]["replicas"] = 2
    world["Deployment"] = [d if d is not solo else scaled for d in world["Deployment"]]
    snap = Snapshot.of(**world)
    result = engine.update(snap, {"Deployment": [scaled["metadata"]["uid"]]}, now=100.2)
    assert engine.evaluations == base_evals + 1
    assert "single-replica" not in rules_for(result, "solo")
    assert engine.cluster_runs == base_runs  # throttled: cluster rules wait
    assert engine.pending
    result = engine.update(snap, {}, now=101.3)
    assert engine.cluster_runs == base_runs + 1 and not engine.pending
    assert result == evaluate(snap)

    # a deleted object's findings go with it
    world["Deployment"] = [d for d in world["Deployment"] if d is not scaled]
    snap = Snapshot.of(**world)
    result = engine.update(snap, {"Deployment": [scaled["metadata"]["uid"]]}, now=103.0)
    assert not rules_for(result, "solo")
    assert result == evaluate(snap)


def test_objects_without_kind_field_and_events_do_not_confuse_rules():
    world = healthy_world()
    world["Event"] = [event(world["Pod"][0], "Pod", "Pulled", "ok")]
    for objs in world.values():
        for o in objs:
            assert "kind" not in o
    assert evaluate(Snapshot.of(**world)) == []
