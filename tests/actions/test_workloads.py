"""Restart and rollback of StatefulSets and DaemonSets through the plan path, against the demo's controllers:
the history comes from ControllerRevisions, a rollback shows the template diff and is guarded by the template
the user saw, and kubectl agrees with the result."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from k8stui.actions import workloads
from k8stui.actions.plan import ConflictError, PlanError, run_plan

from .scenario import delete_namespace, get_json, wait_for, yes


def _objects(ns: str) -> list[dict]:
    labels = {"app": "db"}
    template = {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "db", "image": "postgres:16.4",
                                         "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}
    agent = {"metadata": {"labels": {"app": "agent"}},
             "spec": {"containers": [{"name": "agent", "image": "ghcr.io/demo/agent:1.0",
                                      "resources": {"requests": {"cpu": "5m", "memory": "8Mi"}}}]}}
    return [
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": ns},
         "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": labels}, "template": template}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": ns},
         "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": agent}},
    ]


@pytest.fixture(scope="module")
def ns(demo):
    name = f"wl-{uuid.uuid4().hex[:6]}"
    demo.kubectl("create", "namespace", name)
    demo.kubectl("create", "--validate=false", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                         "items": _objects(name)}))
    yield name
    delete_namespace(demo, name)


def _revisions(demo, ns: str, owner: str) -> list[int]:
    items = get_json(demo, "controllerrevisions", "-n", ns)["items"]
    return sorted(int(i["revision"]) for i in items
                  if any(o["name"] == owner for o in i["metadata"].get("ownerReferences") or ()))


@pytest.mark.parametrize("kind_key,name,kubectl_kind", [("statefulsets.apps", "db", "statefulset"),
                                                         ("daemonsets.apps", "agent", "daemonset")])
async def test_restart_then_roll_back_to_the_first_revision(demo, ns, session, kind_key, name, kubectl_kind):
    await asyncio.to_thread(wait_for, lambda: _revisions(demo, ns, name) == [1], 30, f"{name} revision 1")
    outcome = await run_plan(session, lambda: workloads.plan_restart(session, kind_key, ns, name), yes)
    assert outcome.applied, outcome.message
    await asyncio.to_thread(wait_for, lambda: _revisions(demo, ns, name) == [1, 2], 30, f"{name} revision 2")

    history = await workloads.history(session, kind_key, ns, name)
    assert [(r.revision, r.current) for r in history] == [(1, False), (2, True)]
    plan = await workloads.plan_rollback(session, kind_key, ns, name, 1)
    assert plan.writes[0].expect and plan.writes[0].expect[0][0] == "/spec/template"
    assert any(line.startswith("-    kubectl.kubernetes.io/restartedAt") for line in plan.details), plan.details
    assert plan.follow_up and plan.follow_up[0].ref.name == name

    outcome = await run_plan(session, lambda: workloads.plan_rollback(session, kind_key, ns, name, 1), yes)
    assert outcome.applied, outcome.message
    obj = get_json(demo, kubectl_kind, name, "-n", ns)
    assert "kubectl.kubernetes.io/restartedAt" not in (obj["spec"]["template"]["metadata"].get("annotations") or {})
    # kubectl reads the same history: revision 1's template is now the newest revision (3)
    await asyncio.to_thread(wait_for, lambda: _revisions(demo, ns, name) == [2, 3], 30, "revision 1 became 3")
    with pytest.raises(PlanError, match="already matches"):
        await workloads.plan_rollback(session, kind_key, ns, name, 3)


async def test_a_rollback_does_not_overwrite_a_template_changed_meanwhile(demo, ns, session):
    await asyncio.to_thread(wait_for, lambda: len(_revisions(demo, ns, "db")) >= 2, 60, "db has two revisions")
    history = await workloads.history(session, "statefulsets.apps", ns, "db")
    older = next(r for r in history if not r.current)
    plan = await workloads.plan_rollback(session, "statefulsets.apps", ns, "db", older.revision)
    await asyncio.to_thread(demo.kubectl, "set", "image", "statefulset/db", "db=postgres:17.0", "-n", ns)
    with pytest.raises(ConflictError) as err:
        await session.apply(plan)
    assert "spec.template was changed" in err.value.changes
    assert get_json(demo, "statefulset", "db", "-n", ns)["spec"]["template"]["spec"]["containers"][0]["image"] \
        == "postgres:17.0"


async def test_kinds_without_controller_revisions_are_refused(session):
    with pytest.raises(PlanError, match="no ControllerRevision history"):
        await workloads.plan_rollback(session, "deployments.apps", "shop", "api-blue", 1)


async def test_scale_a_statefulset_and_undo_it(demo, ns, session):
    """``s`` on a StatefulSet: its pods by ordinal follow the count, and undo puts the count back."""
    from k8stui.actions import scale, undo

    plan = await scale.plan_scale(session, ns, "db", 3, 10, kind_key="statefulsets.apps")
    assert plan.kind == "StatefulSet" and (plan.before, plan.after) == ("replicas 2", "replicas 3")
    outcome = await run_plan(session, lambda: scale.plan_scale(session, ns, "db", 3, 10,
                                                               kind_key="statefulsets.apps"), yes)
    assert outcome.applied, outcome.message
    pods = lambda: sorted(p["metadata"]["name"] for p in get_json(demo, "pods", "-n", ns, "-l", "app=db")["items"])  # noqa: E731
    await asyncio.to_thread(wait_for, lambda: pods() == ["db-0", "db-1", "db-2"], 30, "db-2 created")
    shrink = await scale.plan_scale(session, ns, "db", 1, 10, kind_key="statefulsets.apps")
    assert any("db-1..db-2 stop" in w for w in shrink.warnings), shrink.warnings
    undone = await run_plan(session, lambda: undo.plan_undo_last(session), yes)
    assert undone.applied, undone.message
    assert get_json(demo, "statefulset", "db", "-n", ns)["spec"]["replicas"] == 2
