"""The incident timeline: events, rollout steps, alerts, k8stui's audit log and restarts, in time order."""

from __future__ import annotations

import re

from k8stui.actions.audit import APPLIED, CONFLICT, AuditRecord
from k8stui.diagnosis.snapshot import Snapshot
from k8stui.diagnosis.timeline import AlertTracker, build_timeline, title_for, to_markdown
from k8stui.metrics.alerts import Alert

from .builders import NOW, deployment, event, pod, replicaset, ts


def audit(seconds_ago, verb, kind, name, before, after, outcome=APPLIED, namespace="shop", context="demo"):
    return AuditRecord(time=ts(seconds_ago), context=context, user="alice", namespace=namespace, kind=kind,
                       name=name, verb=verb, before=before, after=after, dry_run="ok", outcome=outcome)


def alert(name, state="firing", since_ago=200, **labels):
    return Alert(name, state, tuple(sorted({"alertname": name, "namespace": "shop", **labels}.items())),
                 summary=f"{name} summary", since=NOW - since_ago, source="prometheus")


def world():
    """A bad rollout of checkout (revision 2 crashes) and a rollback, plus noise from another workload."""
    d = deployment("checkout", replicas=2)
    old = replicaset(d, 3, "old12", image="ghcr.io/demo/checkout:v1.9.0", seconds_ago=3000)
    new = replicaset(d, 2, "new12", replicas=0, image="ghcr.io/demo/checkout:v2-broken", seconds_ago=900)
    new["metadata"]["annotations"]["kubernetes.io/change-cause"] = "kubectl set image checkout=...:v2-broken"
    broken = pod("checkout-new12-zzzzz", owner=new, ready=False, statuses=[{
        "name": "app", "image": "x", "ready": False, "restartCount": 4,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 2, "reason": "Error", "finishedAt": ts(400)}}}])
    other = deployment("api-checkout-proxy")  # a name that starts like checkout's pods must not leak in
    other_pod = pod("api-checkout-proxy-aaaaa-bbbbb", owner=other, owner_kind="Deployment")
    events = [
        event(d, "Deployment", "ScalingReplicaSet", "Scaled up replica set checkout-new12 to 1", seconds_ago=890),
        event(broken, "Pod", "BackOff", "Back-off restarting failed container", type_="Warning", seconds_ago=420,
              first_ago=800, count=9),
        event(d, "Deployment", "ScalingReplicaSet", "Scaled down replica set checkout-new12 to 0", seconds_ago=300),
        event({"metadata": {"name": "checkout-new12-gone1", "namespace": "shop", "uid": "dead"}}, "Pod", "Killing",
              "Stopping container app", seconds_ago=295),
        event(other_pod, "Pod", "Pulled", "pulled", seconds_ago=100),
    ]
    return Snapshot.of(Deployment=[d, other], ReplicaSet=[old, new], Pod=[broken, other_pod], Event=events)


def test_workload_timeline_merges_every_source_in_time_order():
    tracker = AlertTracker()
    tracker.observe([alert("CheckoutErrors", since_ago=700, deployment="checkout", severity="critical")], NOW - 690)
    tracker.observe([], NOW - 250)
    records = [audit(310, "rollback", "Deployment", "checkout", "revision 2", "revision 3"),
               audit(320, "scale", "Deployment", "checkout", "2", "3", outcome=CONFLICT),
               audit(100, "scale", "Deployment", "api-checkout-proxy", "3", "4"),
               audit(300, "rollback", "Deployment", "checkout", "x", "y", context="prod")]
    entries = build_timeline(world(), namespace="shop", workload=("Deployment", "checkout"),
                             alerts=tracker.transitions, audit=records, context="demo")
    times = [e.time for e in entries]
    assert times == sorted(times)
    texts = [f"{e.source}: {e.text}" for e in entries]
    assert texts == [
        "rollout: revision 3 of checkout created (ghcr.io/demo/checkout:v1.9.0)",
        "rollout: revision 2 of checkout created (ghcr.io/demo/checkout:v2-broken): "
        "kubectl set image checkout=...:v2-broken",
        "rollout: revision 2: Scaled up replica set checkout-new12 to 1",
        "alert: CheckoutErrors firing (critical): CheckoutErrors summary",
        "event: BackOff: Back-off restarting failed container",
        "restart: container app restarted (restart #4; exit 2, Error)",
        "audit: k8stui scale by alice: 2 → 3 [conflict]",
        "audit: k8stui rollback by alice: revision 2 → revision 3",
        "rollout: revision 2: Scaled down replica set checkout-new12 to 0",
        "event: Killing: Stopping container app",
        "alert: CheckoutErrors resolved (critical)",
    ]
    backoff = next(e for e in entries if e.text.startswith("BackOff"))
    assert backoff.count == 9 and backoff.first == NOW - 800 and backoff.severity == "warning"


def test_namespace_timeline_includes_every_workload_and_a_window():
    entries = build_timeline(world(), namespace="shop")
    assert any("api-checkout-proxy" in e.object.name for e in entries)
    recent = build_timeline(world(), namespace="shop", since=NOW - 350, sources=("event", "rollout"))
    assert {e.source for e in recent} <= {"event", "rollout"} and all(e.time >= NOW - 350 for e in recent)
    assert build_timeline(world(), namespace="team-a") == []


def test_alert_tracker_turns_polls_into_transitions():
    tracker = AlertTracker()
    a = alert("HighLatency", state="pending", since_ago=60)
    assert [t.state for t in tracker.observe([a], NOW - 50)] == ["pending"]
    firing = alert("HighLatency", state="firing", since_ago=60)
    assert [t.state for t in tracker.observe([firing], NOW - 20)] == ["firing"]
    assert tracker.observe([firing], NOW - 10) == []
    assert [(t.state, t.time) for t in tracker.observe([], NOW)] == [("resolved", NOW)]


def test_markdown_export_is_a_table_with_inert_text():
    snap = world()
    ev = event({"metadata": {"name": "checkout", "namespace": "shop", "uid": "x"}}, "Deployment", "Evil",
               "`rm -rf` | [x](http://evil) \x1b[31mred", type_="Warning", seconds_ago=1)
    objects = {k: snap.objects(k) for k in snap.kinds}
    objects["Event"].append(ev)
    snap = Snapshot.of(**objects)
    entries = build_timeline(snap, namespace="shop", workload=("Deployment", "checkout"))
    text = to_markdown(entries, title=title_for("shop", ("Deployment", "checkout")), generated=NOW)
    assert text.startswith("## Timeline: Deployment shop/checkout")
    assert "| Time (UTC) | Source | Object | What happened |" in text
    assert "\x1b" not in text and re.search(r"(?<!\\)\]\(", text) is None and "\\`rm -rf\\` \\|" in text
    assert "**warning** Evil:" in text
    assert "(×9, first 2025-12-31 23:46:40Z)" in text
    assert to_markdown([], title="x").endswith("No entries.\n")
