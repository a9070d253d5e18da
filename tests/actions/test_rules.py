"""The actions' rules that need no cluster: input validation, canary arithmetic, blue/green pair detection,
rollout status, template diffs, virtual-node placement, and the audit log file."""

from __future__ import annotations

import json

import pytest

from k8stui.actions.audit import APPLIED, CONFLICT, AuditLog, AuditRecord
from k8stui.actions.bluegreen import find_pairs
from k8stui.actions.burst import burst_deployment, unschedulable, virtual_placement
from k8stui.actions.canary import parse_percent, split
from k8stui.actions.plan import PlanError
from k8stui.actions.rollout import rollout_state, same_template, template_diff
from k8stui.actions.scale import parse_replicas


@pytest.mark.parametrize("text, message", [
    ("-1", "-1 is negative"), ("abc", "'abc' is not a whole number"), ("1e9", "'1e9' is not a whole number"),
    ("", "enter a replica count"), ("  ", "enter a replica count"), ("2.5", "not a whole number"),
    ("101", "more than the maximum of 100"), ("0x10", "not a whole number"),
])
def test_bad_replica_counts(text, message):
    with pytest.raises(ValueError, match=message):
        parse_replicas(text, 100)


@pytest.mark.parametrize("text, value", [("0", 0), ("5", 5), (" 7 ", 7), ("100", 100), ("+3", 3)])
def test_good_replica_counts(text, value):
    assert parse_replicas(text, 100) == value


@pytest.mark.parametrize("total, percent, new", [
    (4, 25, 1), (4, 10, 1), (4, 50, 2), (4, 100, 4), (4, 0, 0), (10, 10, 1), (10, 25, 3), (3, 50, 2),
    (1, 10, 1), (2, 90, 1), (6, 100, 6),
])
def test_canary_split_keeps_the_total_and_is_never_all_or_nothing(total, percent, new):
    assert split(total, percent) == new


def test_canary_percent_input():
    assert parse_percent("25%") == 25 and parse_percent(" 10 ") == 10
    for bad in ("", "abc", "-5", "101", "12.5"):
        with pytest.raises(ValueError):
            parse_percent(bad)


def _deploy(name, labels, replicas=3, ready=3, ns="shop"):
    return {"metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": dict(labels, **{"pod-template-hash": "abc"})}}},
            "status": {"readyReplicas": ready}}


def _svc(name, selector, ns="shop"):
    return {"metadata": {"name": name, "namespace": ns}, "spec": {"selector": selector}}


def test_blue_green_pairs_live_preview_and_shared_services():
    deployments = [_deploy("api-blue", {"app": "api", "version": "blue"}),
                   _deploy("api-green", {"app": "api", "version": "green"}, 3, 1),
                   _deploy("frontend", {"app": "frontend"}),
                   _deploy("web-v1", {"app": "web", "version": "v1"}, ns="other")]
    services = [_svc("api", {"app": "api", "version": "blue"}), _svc("api-preview", {"app": "api", "version": "green"}),
                _svc("api-all", {"app": "api"}), _svc("frontend", {"app": "frontend"})]
    pairs = find_pairs(deployments, services)
    assert len(pairs) == 1
    pair = pairs[0]
    assert set(pair.colours) == {"blue", "green"} and pair.base == {"app": "api"}
    assert pair.live == [("api", "blue")] and pair.previews == [("api-preview", "green")]
    assert pair.shared == ["api-all"]
    assert pair.colours["green"].all_ready is False and pair.colours["blue"].all_ready is True


def test_deployments_differing_in_more_than_version_are_not_a_pair():
    deployments = [_deploy("a", {"app": "api", "version": "blue", "tier": "x"}),
                   _deploy("b", {"app": "api", "version": "green", "tier": "y"})]
    assert find_pairs(deployments, []) == []


def _status(generation=2, observed=2, replicas=3, updated=3, available=3, total=3, conditions=()):
    return {"metadata": {"name": "web", "generation": generation}, "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "availableReplicas": available,
                       "replicas": total, "conditions": list(conditions)}}


def test_rollout_state_follows_kubectl_rollout_status():
    assert rollout_state(_status(generation=3)).message == "waiting for the deployment spec update to be observed"
    assert rollout_state(_status(updated=1)).message == "1 of 3 new replicas have been updated"
    assert rollout_state(_status(total=4)).message == "1 old replicas are pending termination"
    assert rollout_state(_status(available=2)).message == "2 of 3 updated replicas are available"
    done = rollout_state(_status())
    assert done.done and not done.stalled
    stalled = rollout_state(_status(updated=1, conditions=[{
        "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "web-abc" has timed out progressing.'}]))
    assert stalled.stalled and not stalled.done
    assert stalled.reason.startswith("ProgressDeadlineExceeded: ReplicaSet")


def test_template_diff_ignores_the_hash_label():
    a = {"metadata": {"labels": {"app": "web", "pod-template-hash": "x"}},
         "spec": {"containers": [{"name": "web", "image": "web:1"}]}}
    b = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:2"}]}}
    assert same_template(a, {"metadata": {"labels": {"app": "web"}}, "spec": a["spec"]})
    diff = template_diff(a, b, "current", "target")
    assert "-  - image: web:1" in diff and "+  - image: web:2" in diff
    assert not any("pod-template-hash" in line for line in diff)


def test_virtual_placement_from_node_labels_and_taints():
    nodes = [{"metadata": {"name": "aks-1", "labels": {}}},
             {"metadata": {"name": "virtual-node-aci", "labels": {"type": "virtual-kubelet"}},
              "spec": {"taints": [{"key": "virtual-kubelet.io/provider", "value": "azure", "effect": "NoSchedule"},
                                  {"key": "soft", "effect": "PreferNoSchedule"}]}}]
    placement = virtual_placement(nodes)
    assert placement.names == ("virtual-node-aci",)
    assert placement.node_selector == {"type": "virtual-kubelet"}
    assert placement.tolerations == ({"key": "virtual-kubelet.io/provider", "operator": "Equal", "value": "azure",
                                      "effect": "NoSchedule"},)
    original = _deploy("big", {"app": "big"})
    original["spec"]["template"]["spec"] = {"containers": [{"name": "big", "image": "x"}],
                                            "tolerations": [{"key": "other", "operator": "Exists"}]}
    body = burst_deployment(original, placement, 2)
    assert body["metadata"]["name"] == "big-burst" and body["spec"]["replicas"] == 2
    assert body["spec"]["selector"]["matchLabels"] == {"app": "big", "k8stui.io/burst": "true"}
    template = body["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "big", "k8stui.io/burst": "true"}  # no pod-template-hash
    assert template["spec"]["nodeSelector"] == {"type": "virtual-kubelet"}
    assert len(template["spec"]["tolerations"]) == 2
    assert original["spec"]["template"]["spec"]["tolerations"] == [{"key": "other", "operator": "Exists"}]


def test_no_virtual_node_is_a_clear_refusal():
    with pytest.raises(PlanError, match="no virtual node in this cluster"):
        virtual_placement([{"metadata": {"name": "aks-1", "labels": {"type": "agent"}}}])


def test_only_unschedulable_pending_pods_count_for_a_burst():
    def pod(phase, reason=None, node=None):
        conds = [{"type": "PodScheduled", "status": "False", "reason": reason}] if reason else []
        return {"metadata": {"name": "p"}, "spec": {"nodeName": node} if node else {},
                "status": {"phase": phase, "conditions": conds}}

    pods = [pod("Pending", "Unschedulable"), pod("Pending", None, "aks-1"), pod("Running", None, "aks-1"),
            pod("Pending", "SchedulingGated")]
    assert len(unschedulable(pods)) == 1


def test_audit_log_lines_and_last_undoable(tmp_path):
    log = AuditLog(tmp_path / "state" / "audit.jsonl")
    base = dict(time="2026-01-01T00:00:00Z", context="demo", user="u", namespace="ns", kind="Deployment",
                name="web", verb="scale", before="replicas 1", after="replicas 2", dry_run="ok")
    log.append(AuditRecord(**base, outcome=APPLIED, id="a1", undo={"type": "replicas", "items": []}))
    log.append(AuditRecord(**base, outcome=CONFLICT, id="a2"))
    log.append(AuditRecord(**dict(base, context="prod"), outcome=APPLIED, id="a3", undo={"type": "replicas"}))
    with (tmp_path / "state" / "audit.jsonl").open("a") as fh:
        fh.write('{"broken json\n')
    records = log.read()
    assert [r.id for r in records] == ["a1", "a2", "a3"]  # the damaged line is skipped
    assert log.last_undoable("demo").id == "a1"
    log.append(AuditRecord(**dict(base, verb="undo"), outcome=APPLIED, id="a4", undoes="a1"))
    assert log.last_undoable("demo") is None  # undone already; an undo is not undone by undo
    line = json.loads((tmp_path / "state" / "audit.jsonl").read_text().splitlines()[0])
    assert {"time", "context", "user", "namespace", "kind", "name", "verb", "before", "after", "dry_run",
            "outcome"} <= set(line)
