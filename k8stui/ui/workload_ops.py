"""``r`` restart and ``u`` rollback of StatefulSets and DaemonSets (selected, or the owner of a selected pod), on
the same path as a Deployment's: RBAC pre-check → revision picker with the template diff → plan → dry-run →
confirmation → write guarded by what the user saw → audit → progress until the rollout completes or stalls.

``operations`` asks ``workload_of(target)`` first and hands over here when the selection is one of these kinds;
the plans are ``actions.workloads``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..actions import workloads
from ..actions.plan import FollowUp, PlanError
from .screens.dialogs import RevisionPicker

if TYPE_CHECKING:
    from .operations import Operation, Target

_OWNER_KINDS = {"StatefulSet": workloads.STATEFULSETS.key, "DaemonSet": workloads.DAEMONSETS.key}


def workload_of(target: Target | None) -> tuple[str, str] | None:
    """(kind key, name) of the StatefulSet or DaemonSet a target stands for — itself, or a pod's controller."""
    if target is None:
        return None
    if target.kind_key in workloads.REVISION_KINDS:
        return target.kind_key, target.name
    if target.kind_key == "pods":
        for ref in (target.obj.get("metadata") or {}).get("ownerReferences") or ():
            if ref.get("controller") and ref.get("kind") in _OWNER_KINDS:
                return _OWNER_KINDS[ref["kind"]], str(ref.get("name") or "")
    return None


def _follow(outcome: Any) -> list[FollowUp]:
    return list(outcome.plan.follow_up) if outcome.applied and outcome.plan else []


async def restart(op: Operation, kind_key: str, name: str) -> list[FollowUp]:
    assert op.target is not None
    ref = workloads.workload_ref(kind_key, op.target.namespace, name)
    await op.precheck("patch", ref)
    return _follow(await op.run(lambda: workloads.plan_restart(op.session, kind_key, ref.namespace, name)))


async def rollback(op: Operation, kind_key: str, name: str) -> list[FollowUp]:
    from .operations import report

    assert op.target is not None
    ref = workloads.workload_ref(kind_key, op.target.namespace, name)
    await op.precheck("patch", ref)
    obj = await op.session.read(ref)
    revisions = await workloads.history(op.session, kind_key, ref.namespace, name, obj)
    if len(revisions) < 2:
        raise PlanError(f"{ref} has no earlier revision to roll back to (ControllerRevisions: {len(revisions)})")
    template = (obj.get("spec") or {}).get("template") or {}
    revision = await op.ask(RevisionPicker(ref.namespace, name, revisions, template, kind=ref.kind.kind.lower()))
    if revision is None:
        report(op.app, f"rollback {ref}: cancelled, nothing changed")
        return []
    return _follow(await op.run(lambda: workloads.plan_rollback(op.session, kind_key, ref.namespace, name,
                                                                revision)))


__all__ = ["restart", "rollback", "workload_of"]
