""""Why is it stuck?" for each cause, from statuses, conditions and events shaped like a real cluster's."""

from __future__ import annotations

import pytest

from k8stui.diagnosis.scheduling import CPU, MEMORY, PODS, TAINT, fit_nodes, parse_scheduler_message
from k8stui.diagnosis.snapshot import Snapshot
from k8stui.diagnosis.stuck import explain, pod_causes

from .builders import NOW, container, deployment, event, node, pod, replicaset, ts

VIRTUAL = node("virtual-node-aci", cpu="10k", memory="4Ti", labels={"type": "virtual-kubelet"},
               taints=[{"key": "virtual-kubelet.io/provider", "value": "azure", "effect": "NoSchedule"}])


def pending_pod(name, owner=None, *, cpu="2", memory="128Mi", message, extra_spec=None, seconds_ago=120):
    c = container(resources={"requests": {"cpu": cpu, "memory": memory}})
    p = pod(name, owner=owner, node=None, containers=[c] if owner is None else None, phase="Pending", ready=False,
            statuses=[], conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                      "message": message, "lastTransitionTime": ts(seconds_ago)}])
    if owner is not None:
        p["spec"]["containers"][0]["resources"] = {"requests": {"cpu": cpu, "memory": memory}}
    p["spec"].update(extra_spec or {})
    return p


def busy(node_name, cpu):
    p = pod(f"filler-{node_name}", node=node_name,
            containers=[container(resources={"requests": {"cpu": cpu, "memory": "1Gi"}})], namespace="other")
    return p


def test_scheduler_messages_parse_into_counted_reasons():
    m = parse_scheduler_message("0/4 nodes are available: 1 node(s) had untolerated taint {virtual-kubelet.io/"
                                "provider: azure}, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 "
                                "Preemption is not helpful for scheduling, 3 No preemption victims found for "
                                "incoming pod.")
    assert m.total == 4
    assert [(n, k) for n, k, _ in m.reasons] == [(1, TAINT), (3, CPU)]
    m = parse_scheduler_message("0/3 nodes are available: 1 Insufficient memory, 2 Too many pods.")
    assert m.kinds == (MEMORY, PODS)
    assert parse_scheduler_message("0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims."
                                   ).kinds == ("pvc",)
    assert parse_scheduler_message("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
                                   ).kinds == ("affinity",)


def test_insufficient_cpu_names_the_closest_node_and_offers_the_burst():
    d = deployment("api", replicas=4)
    rs = replicaset(d, 1, "abc12")
    msg = ("0/3 nodes are available: 1 node(s) had untolerated taint {virtual-kubelet.io/provider: azure}, "
           "2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found.")
    stuck_pod = pending_pod("api-abc12-qqqqq", rs, message=msg)
    snap = Snapshot.of(Deployment=[d], ReplicaSet=[rs], Node=[node("n1"), node("n2"), VIRTUAL],
                       Pod=[stuck_pod, busy("n1", "3"), busy("n2", "3500m")],
                       Event=[event(stuck_pod, "Pod", "FailedScheduling", msg, type_="Warning")])
    ex = explain(snap, "Pod", "shop", "api-abc12-qqqqq", now=NOW)
    assert ex.stuck and ex.codes == ("insufficient-cpu",)
    cause = ex.causes[0]
    assert cause.title == "Pending: not enough free CPU on any node"
    assert "Pending for 2m" in cause.details
    closest = next(d for d in cause.details if d.startswith("closest node"))
    assert "n1" in closest and "has 1 CPU free of 4 CPU; the pod requests 2 CPU (short by 1 CPU)" in closest
    assert any("virtual-node-aci: has taint virtual-kubelet.io/provider=azure:NoSchedule" in d for d in cause.details)
    assert [(o.action, o.target.name) for o in ex.offers] == [("burst", "api")]
    # The Deployment's explanation groups its pending pods into the same cause.
    ex = explain(snap, "Deployment", "shop", "api", now=NOW)
    assert "insufficient-cpu" in ex.codes and ex.offers


def test_no_burst_offer_without_a_virtual_node_or_for_other_causes():
    msg = "0/1 nodes are available: 1 Insufficient cpu."
    p = pending_pod("bare", message=msg)
    snap = Snapshot.of(Node=[node("n1", cpu="1")], Pod=[p])
    ex = explain(snap, "Pod", "shop", "bare", now=NOW)
    assert ex.codes == ("insufficient-cpu",) and ex.offers == ()


def test_taints():
    msg = "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}."
    p = pending_pod("p", message=msg, cpu="100m")
    snap = Snapshot.of(Node=[node("gpu-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])],
                       Pod=[p])
    ex = explain(snap, "Pod", "shop", "p", now=NOW)
    assert ex.codes == ("taint",)
    assert any("has taint dedicated=gpu:NoSchedule that the pod does not tolerate" in d for d in ex.causes[0].details)
    # Tolerating it lets the replay fit (the scheduler has not retried yet).
    p["spec"]["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
    assert fit_nodes(p, snap.objects("Node"), snap.objects("Pod"))[0].fits


def test_node_selector_and_affinity():
    msg = "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
    p = pending_pod("p", message=msg, cpu="100m", extra_spec={"nodeSelector": {"disktype": "ssd"}})
    snap = Snapshot.of(Node=[node("n1"), node("n2", labels={"disktype": "hdd"})], Pod=[p])
    ex = explain(snap, "Pod", "shop", "p", now=NOW)
    assert ex.codes == ("affinity",)
    text = "\n".join(ex.causes[0].details)
    assert "lacks label disktype=ssd (nodeSelector)" in text and "(it has disktype=hdd)" in text
    p["spec"] = {**p["spec"], "nodeSelector": {}, "affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-9"]}]}]}}}}
    text = "\n".join(explain(snap, "Pod", "shop", "p", now=NOW).causes[0].details)
    assert "does not match the required node affinity (topology.kubernetes.io/zone in (zone-9))" in text


def test_pvc_binding():
    msg = "0/3 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims."
    p = pending_pod("db-0", message=msg, cpu="100m",
                    extra_spec={"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]})
    claim = {"metadata": {"name": "data-db-0", "namespace": "shop", "uid": "pvc-1"},
             "spec": {"storageClassName": "premium-typo"}, "status": {"phase": "Pending"}}
    ev = event(claim, "PersistentVolumeClaim", "ProvisioningFailed", 'storageclass.storage.k8s.io "premium-typo" '
               "not found", type_="Warning")
    snap = Snapshot.of(Node=[node("n1")], Pod=[p], PersistentVolumeClaim=[claim], StorageClass=[], Event=[ev])
    ex = explain(snap, "Pod", "shop", "db-0", now=NOW)
    assert ex.codes == ("pvc-binding",)
    text = "\n".join(ex.causes[0].details)
    assert "PersistentVolumeClaim data-db-0 is Pending: its StorageClass premium-typo does not exist" in text
    assert "ProvisioningFailed" in text


def test_image_pull_backoff_says_why_and_for_how_long():
    p = pod("web", ready=False, phase="Pending", statuses=[{
        "name": "app", "image": "ghcr.io/demo/web:9.9", "ready": False, "restartCount": 0,
        "state": {"waiting": {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "ghcr.io/demo/web:9.9"'}}}])
    path = "spec.containers{app}"
    events = [event(p, "Pod", "Pulling", 'Pulling image "ghcr.io/demo/web:9.9"', seconds_ago=20, first_ago=300,
                    count=4, field_path=path),
              event(p, "Pod", "Failed", 'Failed to pull image "ghcr.io/demo/web:9.9": rpc error: code = NotFound '
                    'desc = failed to pull and unpack image: not found', type_="Warning", field_path=path)]
    ex = explain(Snapshot.of(Pod=[p], Event=events), "Pod", "shop", "web", now=NOW)
    assert ex.codes == ("image-pull",)
    c = ex.causes[0]
    assert c.title == "ImagePullBackOff: container app cannot pull its image"
    text = "\n".join(c.details)
    assert "image ghcr.io/demo/web:9.9: the image or tag does not exist in the registry" in text
    assert "trying to pull for 5m (4 attempts)" in text


@pytest.mark.parametrize("message, expected", [
    ("unauthorized: authentication required", "credentials"),
    ("dial tcp: lookup ghcr.io: no such host", "cannot reach the registry"),
    ("toomanyrequests: You have reached your pull rate limit", "rate-limits"),
])
def test_image_pull_reasons(message, expected):
    p = pod("web", ready=False, statuses=[{"name": "app", "image": "x:1", "ready": False, "restartCount": 0,
                                           "state": {"waiting": {"reason": "ErrImagePull", "message": message}}}])
    assert expected in explain(Snapshot.of(Pod=[p]), "Pod", "shop", "web", now=NOW).causes[0].details[0]


def crash_status(code=2, reason="Error", restarts=5, looping=True):
    return [{"name": "app", "image": "x:2", "ready": False, "restartCount": restarts,
             "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s restarting failed"}}
             if looping else {"running": {"startedAt": ts(5)}},
             "lastState": {"terminated": {"exitCode": code, "reason": reason, "startedAt": ts(64),
                                          "finishedAt": ts(62)}}}]


def test_crash_loop_asks_for_the_previous_log_and_shows_it():
    p = pod("api-x", ready=False, statuses=crash_status())
    snap = Snapshot.of(Pod=[p])
    ex = explain(snap, "Pod", "shop", "api-x", now=NOW)
    assert ex.codes == ("crash-loop",)
    c = ex.causes[0]
    assert c.title == "CrashLoopBackOff: container app keeps crashing (exit code 2)"
    assert any("last run ended after running 2s with exit code 2 (Error): the program crashed" in d
               for d in c.details)
    assert [(r.pod, r.container, r.previous, r.tail) for r in ex.log_requests] == [("api-x", "app", True, 20)]
    assert c.log_lines == ()
    logs = {("shop", "api-x", "app"): ["starting", "panic: runtime error: nil pointer dereference"]}
    ex = explain(snap, "Pod", "shop", "api-x", now=NOW, logs=logs)
    assert ex.causes[0].log_lines[-1].startswith("panic:")
    assert "panic: runtime error" in "\n".join(ex.lines())
    assert "panic: runtime error" in ex.to_markdown()


def test_oom_killed_is_flagged_with_the_limit():
    p = pod("mem", ready=False, statuses=crash_status(137, "OOMKilled"),
            containers=[container(resources={"limits": {"memory": "64Mi"}})])
    ex = explain(Snapshot.of(Pod=[p]), "Pod", "shop", "mem", now=NOW)
    assert ex.codes == ("oom-killed",)
    assert "OOMKilled: yes (memory limit 64Mi)" in ex.causes[0].details
    assert "memory limit" in ex.causes[0].fix


def test_failing_probes_from_recent_events_only():
    p = pod("web", ready=False)
    path = "spec.containers{app}"
    recent = event(p, "Pod", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503",
                   type_="Warning", count=12, seconds_ago=3, first_ago=120, field_path=path)
    old = event(p, "Pod", "Unhealthy", "Liveness probe failed: timeout", type_="Warning", seconds_ago=5000,
                field_path=path)
    ex = explain(Snapshot.of(Pod=[p], Event=[recent, old]), "Pod", "shop", "web", now=NOW)
    assert ex.codes == ("probe-failing",)
    c = ex.causes[0]
    assert c.title == "Probes failing: readiness probe"
    assert "Readiness probe failed 12 times (app), last 3s ago: HTTP probe failed with statuscode: 503" in c.details
    assert any("GET :8080/ready every 5s" in d for d in c.details)
    # Ready again: old failures are history.
    ready = pod("web2")
    assert pod_causes(Snapshot.of(Pod=[ready], Event=[recent]), ready, now=NOW) == []


def test_missing_config_and_mounts():
    p = pod("cfg", ready=False, statuses=[{"name": "app", "image": "x:1", "ready": False, "restartCount": 0, "state": {
        "waiting": {"reason": "CreateContainerConfigError", "message": 'secret "sftp-credentials" not found'}}}])
    ex = explain(Snapshot.of(Pod=[p]), "Pod", "shop", "cfg", now=NOW)
    assert ex.codes == ("config-missing",) and 'secret "sftp-credentials" not found' in ex.causes[0].details
    m = pod("mnt", ready=False, phase="Pending", statuses=[{"name": "app", "image": "x:1", "ready": False,
                                                            "restartCount": 0,
                                                            "state": {"waiting": {"reason": "ContainerCreating"}}}])
    ev = event(m, "Pod", "FailedMount", 'MountVolume.SetUp failed for volume "cfg" : configmap "app-cfg" not found',
               type_="Warning", count=6)
    ex = explain(Snapshot.of(Pod=[m], Event=[ev]), "Pod", "shop", "mnt", now=NOW)
    assert ex.codes == ("mount-failed",) and 'configmap "app-cfg" not found' in ex.causes[0].details[0]


def test_stuck_terminating():
    p = pod("old", deletionTimestamp=ts(600), deletionGracePeriodSeconds=30, finalizers=["example.com/cleanup"])
    ex = explain(Snapshot.of(Pod=[p]), "Pod", "shop", "old", now=NOW)
    assert ex.codes == ("terminating",) and "finalizers: example.com/cleanup" in ex.causes[0].details


def stalled_rollout():
    d = deployment("checkout", replicas=2, status={
        "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                        "message": 'ReplicaSet "checkout-new12" has timed out progressing.',
                        "lastTransitionTime": ts(180)}]})
    old = replicaset(d, 1, "old12", image="ghcr.io/demo/checkout:v1.9.0")
    new = replicaset(d, 2, "new12", replicas=1, image="ghcr.io/demo/checkout:v2-broken", seconds_ago=600)
    new["status"] = {"replicas": 1, "readyReplicas": 0}
    serving = [pod(f"checkout-old12-{c}aaaa", owner=old) for c in "ab"]
    broken = pod("checkout-new12-zzzzz", owner=new, ready=False, statuses=crash_status())
    return Snapshot.of(Deployment=[d], ReplicaSet=[old, new], Pod=[*serving, broken])


def test_a_stalled_rollout_names_the_revision_the_pods_and_why_they_fail():
    ex = explain(stalled_rollout(), "Deployment", "shop", "checkout", now=NOW)
    assert ex.stuck and ex.headline == "checkout: the rollout is stuck"
    assert ex.codes == ("rollout-stalled", "crash-loop")
    rollout = ex.causes[0]
    assert rollout.title == "Rollout to revision 2 stalled: progress deadline exceeded 3m ago"
    assert rollout.pods == ("checkout-new12-zzzzz",)
    assert "revision 2 (ghcr.io/demo/checkout:v2-broken): 0 of 2 new pods ready" in rollout.details
    assert "revision 1 (ghcr.io/demo/checkout:v1.9.0) keeps serving 2 ready pods" in rollout.details
    assert "rollout undo deployment/checkout" in rollout.fix
    assert ex.log_requests[0].pod == "checkout-new12-zzzzz"


def test_a_healthy_deployment_is_not_stuck():
    d = deployment("api")
    rs = replicaset(d, 3, "abc12")
    snap = Snapshot.of(Deployment=[d], ReplicaSet=[rs], Pod=[pod(f"api-abc12-{i}aaaa", owner=rs) for i in range(3)])
    ex = explain(snap, "Deployment", "shop", "api", now=NOW)
    assert not ex.stuck and ex.causes == ()
    assert ex.headline == "api: nothing is stuck — 3/3 ready, revision 3 rolled out"
    assert explain(snap, "Deployment", "shop", "gone", now=NOW).headline.endswith("not in the cluster (deleted?)")


def test_markdown_of_an_explanation_keeps_hostile_text_inert():
    p = pod("x", ready=False, statuses=crash_status())
    ex = explain(Snapshot.of(Pod=[p]), "Pod", "shop", "x", now=NOW,
                 logs={("shop", "x", "app"): ["\x1b]0;pwned\x07 [link](http://evil) ```", "<script>"]})
    text = ex.to_markdown()
    assert "\x1b" not in text and "\x07" not in text
    assert "````" in text  # the fence outgrows the backticks inside
