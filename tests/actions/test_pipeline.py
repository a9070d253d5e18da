"""The plan path against the demo cluster, without the UI: every patch guarded by what the user saw (a change to it
refuses the write, nothing clobbered; status churn does not), the re-read-and-ask-again loop, RBAC refusal before any write, undo (and its refusal when the
object moved on), burst/un-burst, and a rollout that stalls with its reason."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from k8stui.actions import bluegreen, burst, rollout, scale, undo
from k8stui.actions.audit import AuditLog
from k8stui.actions.plan import ConflictError, Plan, PlanError, Session, Write, run_plan
from k8stui.actions.scale import deployment_ref
from k8stui.cluster.connection import load_target

from .scenario import all_ready, create_namespace, delete_namespace, get_json, kubectl, wait_for, yes


@pytest.fixture
def ns(demo):
    name = create_namespace(demo, "act", web=True, pair=True, pair_replicas=(1, 1))
    yield name
    delete_namespace(demo, name)


PLANS = {
    "scale": lambda s, ns: scale.plan_scale(s, ns, "web", 2),
    "restart": lambda s, ns: rollout.plan_restart(s, ns, "web"),
    "switch (a Service's selector)": lambda s, ns: bluegreen.plan_switch(s, ns, "api", "green"),
}
# What someone else does to the field the user saw, per plan.
OTHERS = {
    "scale": ("scale", "deployment/web", "--replicas=4"),
    "restart": ("rollout", "restart", "deployment/web"),
    "switch (a Service's selector)": ("patch", "service", "api", "-p", '{"spec":{"selector":{"version":"purple"}}}'),
}


async def churn(demo, ns: str, kind: str, name: str, n: int = 1) -> None:
    """What controllers do all the time: a status write (and someone's annotation) — a new resourceVersion
    without touching anything the user saw."""
    await kubectl(demo, "annotate", kind, name, "-n", ns, f"churn=n{n}", "--overwrite")
    if kind == "deployment":
        await kubectl(demo, "patch", kind, name, "-n", ns, "--subresource=status", "--type=merge",
                      "-p", json.dumps({"status": {"observedGeneration": 1000 + n}}))


@pytest.mark.parametrize("which", list(PLANS))
async def test_a_change_to_what_the_user_saw_refuses_the_write(demo, ns, session, which):
    await asyncio.to_thread(wait_for, lambda: all_ready(demo, ns, "api-blue", "api-green"), 60, "pair ready")
    plan = await PLANS[which](session, ns)
    write = plan.writes[0]
    assert write.patch_type == "json" and write.expect and not write.resource_version
    ref = write.ref
    kind = "service" if ref.kind.kind == "Service" else "deployment"
    await kubectl(demo, *OTHERS[which], "-n", ns)
    before = get_json(demo, kind, ref.name, "-n", ns)
    with pytest.raises(ConflictError) as err:
        await session.apply(plan)
    assert " is now " in err.value.changes or " was changed" in err.value.changes
    after = get_json(demo, kind, ref.name, "-n", ns)
    assert after["spec"] == before["spec"]  # the other change stands, nothing of ours was written


@pytest.mark.parametrize("which", list(PLANS))
async def test_status_churn_does_not_defeat_a_guarded_write(demo, ns, session, which):
    await asyncio.to_thread(wait_for, lambda: all_ready(demo, ns, "api-blue", "api-green"), 60, "pair ready")
    plan = await PLANS[which](session, ns)
    ref = plan.writes[0].ref
    kind = "service" if ref.kind.kind == "Service" else "deployment"
    await churn(demo, ns, kind, ref.name)
    assert await session.dry_run(plan) == ""
    await churn(demo, ns, kind, ref.name, 2)
    await session.apply(plan)
    spec = get_json(demo, kind, ref.name, "-n", ns)["spec"]
    if which == "scale":
        assert spec["replicas"] == 2
    elif which == "restart":
        assert spec["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    else:
        assert spec["selector"]["version"] == "green"


async def test_rollback_is_guarded_by_the_template_it_was_diffed_against(demo, ns, session):
    await kubectl(demo, "set", "image", "deployment/web", "web=ghcr.io/demo/legacy-report:0.9.2", "-n", ns)
    await asyncio.to_thread(wait_for, lambda: len(get_json(demo, "rs", "-n", ns, "-l", "app=web")["items"]) == 2,
                            20, "two ReplicaSets")
    plan = await rollout.plan_rollback(session, ns, "web", 1)
    assert plan.writes[0].patch_type == "json"
    await churn(demo, ns, "deployment", "web")  # not what the user saw: no conflict ...
    assert await session.dry_run(plan) == ""
    await kubectl(demo, "set", "image", "deployment/web", "web=ghcr.io/demo/legacy-report:0.9.3", "-n", ns)
    with pytest.raises(ConflictError, match="spec.template was changed"):  # ... but another rollout is
        await session.apply(plan)
    image = get_json(demo, "deployment", "web", "-n", ns)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.endswith(":0.9.3")
    with pytest.raises(PlanError, match="unable to find revision 7"):
        await rollout.plan_rollback(session, ns, "web", 7)


async def test_a_conflict_rereads_and_asks_again_with_the_new_state(demo, ns, session):
    asked: list[tuple[str, str]] = []

    async def confirm(plan: Plan, notice: str) -> bool:
        asked.append((plan.before, notice))
        if len(asked) == 1:
            await kubectl(demo, "scale", "deployment/web", "-n", ns, "--replicas=4")
        return True

    outcome = await run_plan(session, lambda: scale.plan_scale(session, ns, "web", 3), confirm)
    assert outcome.applied and outcome.conflicts == 1
    assert asked[0] == ("replicas 1", "")
    assert asked[1][0] == "replicas 4" and "changed by someone else" in asked[1][1]
    assert "spec.replicas is now 4 (you saw 1)" in asked[1][1]
    assert get_json(demo, "deployment", "web", "-n", ns)["spec"]["replicas"] == 3
    assert [r.outcome for r in session.audit.read()] == ["conflict", "applied"]


async def test_a_conflict_then_status_churn_still_ends_applied(demo, ns, session):
    """The issue's run: scale, someone scales with kubectl before the confirmation, confirm -> conflict ->
    re-read; the controller bumps the status between the re-read and the dry-run, and again before the
    apply. The resourceVersion precondition ended in "dry-run failed"; the guarded patch applies."""
    asked: list[tuple[str, str]] = []
    builds = [0]

    async def build() -> Plan:
        plan = await scale.plan_scale(session, ns, "web", 3)
        builds[0] += 1
        await churn(demo, ns, "deployment", "web", 10 + builds[0])  # after our read, before the dry-run
        return plan

    async def confirm(plan: Plan, notice: str) -> bool:
        asked.append((plan.before, notice))
        if len(asked) == 1:
            await kubectl(demo, "scale", "deployment/web", "-n", ns, "--replicas=4")
        await churn(demo, ns, "deployment", "web", 20 + len(asked))  # before the apply
        return True

    outcome = await run_plan(session, build, confirm)
    assert outcome.status == "applied", outcome.message
    assert outcome.conflicts == 1
    assert asked[1][0] == "replicas 4" and "spec.replicas is now 4 (you saw 1)" in asked[1][1]
    assert get_json(demo, "deployment", "web", "-n", ns)["spec"]["replicas"] == 3
    assert [r.outcome for r in session.audit.read()] == ["conflict", "applied"]


async def test_rbac_refusal_comes_before_any_write_and_is_audited(demo, ns, tmp_path):
    seq = demo.request_seq()
    dev = Session(load_target(demo.kubeconfig, "demo-dev", None), AuditLog(tmp_path / "dev.jsonl"))
    try:
        obj = get_json(demo, "deployment", "web", "-n", ns)

        async def build() -> Plan:  # a plan as it would be built from a view of the object
            return dev.new_plan("scale", deployment_ref(ns, "web"), "replicas 1", "replicas 2",
                                [scale.scale_write(deployment_ref(ns, "web"), obj, 2)])

        outcome = await run_plan(dev, build, yes)
    finally:
        await dev.close()
    assert outcome.status == "denied"
    assert outcome.message == f"RBAC: user 'dev@team-a' may not patch deployments.apps in namespace {ns}"
    assert [r["method"] for r in demo.requests_since(seq) if r["mutating"]] == []
    assert [(r.outcome, r.user) for r in AuditLog(tmp_path / "dev.jsonl").read()] == [("denied", "dev@team-a")]


async def test_undo_a_selector_switch_and_refuse_an_undo_after_someone_else_changed_it(demo, ns, session):
    await asyncio.to_thread(wait_for, lambda: all_ready(demo, ns, "api-blue", "api-green"), 60, "pair ready")
    flipped = await run_plan(session, lambda: bluegreen.plan_switch(session, ns, "api", "green"), yes)
    assert flipped.applied
    assert get_json(demo, "service", "api", "-n", ns)["spec"]["selector"]["version"] == "green"
    undone = await run_plan(session, lambda: undo.plan_undo_last(session), yes)
    assert undone.applied and undone.plan.undoes == flipped.record.id
    assert get_json(demo, "service", "api", "-n", ns)["spec"]["selector"] == {"app": "api", "version": "blue"}
    with pytest.raises(PlanError, match="nothing to undo"):
        await undo.plan_undo_last(session)

    scaled = await run_plan(session, lambda: scale.plan_scale(session, ns, "web", 2), yes)
    assert scaled.applied
    await kubectl(demo, "scale", "deployment/web", "-n", ns, "--replicas=3")
    outcome = await run_plan(session, lambda: undo.plan_undo_last(session), yes)
    assert outcome.status == "refused" and "was changed since, so undo is refused" in outcome.message
    assert get_json(demo, "deployment", "web", "-n", ns)["spec"]["replicas"] == 3


def _replicas(demo, ns: str) -> dict[str, int]:
    """spec.replicas of every Deployment in ``ns``, as kubectl reads them."""
    return {d["metadata"]["name"]: d["spec"]["replicas"] for d in get_json(demo, "deployments", "-n", ns)["items"]}


def _pending(demo, ns: str, name: str) -> int:
    """Pods of ``name`` the scheduler has refused: no node, and its verdict PodScheduled=False in the status."""
    pods = get_json(demo, "pods", "-n", ns, "-l", f"app={name},k8stui.io/burst!=true")["items"]
    return len([p for p in pods if not p["spec"].get("nodeName") and not p["metadata"].get("deletionTimestamp")
                and any(c.get("type") == "PodScheduled" and c.get("status") == "False"
                        for c in (p.get("status") or {}).get("conditions") or ())])


async def _big_pending(demo, ns: str, count: int) -> None:
    await asyncio.to_thread(wait_for, lambda: _pending(demo, ns, "big") == count, 60,
                            f"{count} big pods Pending with the scheduler's verdict")


async def test_burst_moves_the_pending_share_and_unburst_gives_it_back(demo, session):
    """The total of both Deployments is always the user's 2: burst scales big down by what big-burst runs."""
    ns = create_namespace(demo, "act", big=True)
    try:
        with pytest.raises(PlanError, match="select big to burst it"):
            await burst.plan_burst(session, ns, "big-burst")
        await _big_pending(demo, ns, 2)
        view = await burst.burst_view(session, ns, "big")
        assert (view.replicas, view.pending, view.burst_exists) == (2, 2, False)
        assert view.preview(1)[:2] == ["big: 2 → 1 replicas (2 Pending now)",
                                       "big-burst: none → 1 replicas on virtual-node-aci"]
        outcome = await run_plan(session, lambda: burst.plan_burst(session, ns, "big", 1), yes)
        assert outcome.applied, outcome.message
        assert [w.verb for w in outcome.plan.writes] == ["patch", "create"]
        assert outcome.plan.after == "big 1, big-burst 1 on virtual-node-aci (total 2)"
        assert _replicas(demo, ns) == {"big": 1, "big-burst": 1}
        state = await rollout.watch_rollout(session, deployment_ref(ns, "big-burst"), timeout=60)
        assert state.done, state
        nodes = {p["spec"]["nodeName"] for p in get_json(demo, "pods", "-n", ns, "-l", "k8stui.io/burst")["items"]}
        assert nodes == {"virtual-node-aci"}
        await _big_pending(demo, ns, 1)
        # The default is what is Pending now: the last one moves, the companion grows.
        outcome = await run_plan(session, lambda: burst.plan_burst(session, ns, "big"), yes)
        assert outcome.applied and [w.verb for w in outcome.plan.writes] == ["patch", "patch"]
        assert _replicas(demo, ns) == {"big": 0, "big-burst": 2}
        # Undo of that burst gives back its one replica; un-burst gives back the rest and deletes the companion.
        outcome = await run_plan(session, lambda: undo.plan_undo_last(session), yes)
        assert outcome.applied, outcome.message
        assert _replicas(demo, ns) == {"big": 1, "big-burst": 1}
        outcome = await run_plan(session, lambda: burst.plan_unburst(session, ns, "big-burst"), yes)
        assert outcome.applied and [w.verb for w in outcome.plan.writes] == ["patch", "patch", "delete"]
        assert _replicas(demo, ns) == {"big": 2}
        with pytest.raises(PlanError, match="no burst companion"):
            await burst.plan_unburst(session, ns, "big")
    finally:
        delete_namespace(demo, ns)


async def test_burst_lowers_the_hpa_bounds_and_unburst_restores_them(demo, session):
    ns = create_namespace(demo, "act", big=True)
    try:
        hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "big", "namespace": ns},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "big"},
                        "minReplicas": 2, "maxReplicas": 5}}
        await kubectl(demo, "create", "--validate=false", "-f", "-", input=json.dumps(hpa))
        await _big_pending(demo, ns, 2)
        view = await burst.burst_view(session, ns, "big")
        assert view.hpa is not None and view.preview(2)[-1] == "HPA big min 2/max 5 → min 1/max 3"
        outcome = await run_plan(session, lambda: burst.plan_burst(session, ns, "big"), yes)
        assert outcome.applied, outcome.message
        assert any("HorizontalPodAutoscaler big" in w for w in outcome.plan.warnings)

        def bounds() -> tuple[int, int]:
            spec = get_json(demo, "hpa", "big", "-n", ns)["spec"]
            return spec["minReplicas"], spec["maxReplicas"]

        assert bounds() == (1, 3) and _replicas(demo, ns) == {"big": 0, "big-burst": 2}
        outcome = await run_plan(session, lambda: burst.plan_unburst(session, ns, "big"), yes)
        assert outcome.applied, outcome.message
        assert bounds() == (2, 5) and _replicas(demo, ns) == {"big": 2}
        # An HPA that cannot lose that many replicas: refused with the reason, nothing sent.
        await kubectl(demo, "patch", "hpa", "big", "-n", ns, "-p", '{"spec":{"maxReplicas":2}}')
        outcome = await run_plan(session, lambda: burst.plan_burst(session, ns, "big", 2), yes)
        assert outcome.status == "refused" and "allows at most 2 replicas" in outcome.message
        assert bounds() == (2, 2) and _replicas(demo, ns) == {"big": 2}
    finally:
        delete_namespace(demo, ns)


async def test_a_burst_interrupted_by_a_conflict_finishes_the_same_move(demo, session):
    """A 409 on the companion after the original was scaled down: the rebuilt plan only grows the companion."""
    ns = create_namespace(demo, "act", big=True)
    try:
        await _big_pending(demo, ns, 2)
        assert (await run_plan(session, lambda: burst.plan_burst(session, ns, "big", 1), yes)).applied
        await _big_pending(demo, ns, 1)
        notices: list[str] = []

        async def meddle_once(plan: Plan, notice: str) -> bool:
            notices.append(notice)
            if len(notices) == 1:  # someone touches the companion between the plan and its writes
                await kubectl(demo, "annotate", "deployment", "big-burst", "-n", ns, "someone=else")
            return True

        move = burst.Move()
        outcome = await run_plan(session, lambda: burst.plan_burst(session, ns, "big", 1, move), meddle_once)
        assert outcome.applied and outcome.conflicts == 1, outcome.message
        assert [w.verb for w in outcome.plan.writes] == ["patch"] and outcome.plan.writes[0].ref.name == "big-burst"
        assert _replicas(demo, ns) == {"big": 0, "big-burst": 2}
    finally:
        delete_namespace(demo, ns)


async def test_a_stalled_rollout_reports_the_deadline_and_the_pods_reason(demo, ns, session):
    await kubectl(demo, "patch", "deployment", "web", "-n", ns, "-p", json.dumps({"spec": {
        "progressDeadlineSeconds": 3,
        "template": {"spec": {"containers": [{
            "name": "web", "image": "ghcr.io/demo/legacy-report:v2-broken",
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 30}}]}}}}))
    seen: list[str] = []
    state = await rollout.watch_rollout(session, deployment_ref(ns, "web"), lambda s: seen.append(s.message),
                                        timeout=60)
    assert state.stalled and not state.done
    assert state.reason.startswith("ProgressDeadlineExceeded"), state
    # ... and what the new pod is doing (by then: still being created on a slow machine, not ready yet,
    # restarting, or CrashLoopBackOff).
    assert re.search(r"\(\d+ pods? (Pending|ContainerCreating|CrashLoopBackOff|restarting \(last exit: Error\)|"
                     r"running but not ready)\)$",
                     state.reason), state
    assert seen and seen[-1] == 'deployment "web" exceeded its progress deadline'


async def test_nothing_to_do_is_a_refusal_not_a_write(demo, ns, session):
    seq = demo.request_seq()
    with pytest.raises(PlanError, match="already has 1 replicas"):
        await scale.plan_scale(session, ns, "web", 1)
    with pytest.raises(PlanError, match="already selects version=blue"):
        await bluegreen.plan_switch(session, ns, "api", "blue")
    with pytest.raises(PlanError, match="not found"):
        await scale.plan_scale(session, ns, "nope", 1)
    assert [r for r in demo.requests_since(seq) if r["mutating"]] == []


async def test_write_describes_itself():
    w = Write("patch", deployment_ref("ns", "web"), {}, "merge", "7", "spec.replicas 1 → 2")
    assert w.describe() == "patch deployment ns/web (merge patch): spec.replicas 1 → 2"


async def test_what_b_and_shift_b_mean_for_each_selection(demo, ns, session):
    await asyncio.to_thread(wait_for, lambda: all_ready(demo, ns, "api-blue", "api-green"), 60, "pair ready")

    def meta(name):
        return {"metadata": {"name": name, "namespace": ns}}

    for kind_key, name in (("deployments.apps", "api-green"), ("deployments.apps", "api-blue"), ("services", "api")):
        switch = await bluegreen.resolve_switch(session, kind_key, meta(name))
        assert (switch.service, switch.live, switch.target) == ("api", "blue", "green"), (kind_key, name)
    preview = await bluegreen.resolve_switch(session, "services", meta("api-preview"))
    assert (preview.service, preview.live, preview.target) == ("api-preview", "green", "blue")
    with pytest.raises(PlanError, match="not part of a blue/green pair"):
        await bluegreen.resolve_switch(session, "deployments.apps", meta("web"))
    # After a switch, B goes back to the colour before it.
    assert (await run_plan(session, lambda: bluegreen.plan_switch(session, ns, "api", "green"), yes)).applied
    revert = await bluegreen.resolve_revert(session, "services", meta("api"))
    assert (revert.live, revert.target) == ("green", "blue")
