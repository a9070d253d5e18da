"""Restart and rollback of StatefulSets and DaemonSets, as plans through the one safe path (``plan.run_plan``).

They do what kubectl does, so the two tools can be used side by side:
- restart = ``kubectl rollout restart``: the pod template gets ``kubectl.kubernetes.io/restartedAt``; the
  controller replaces the pods (a StatefulSet one ordinal at a time, highest first).
- history = ``kubectl rollout history``: the ControllerRevisions the object controls (by owner uid), each with the
  pod template it recorded (``data.spec.template``).
- rollback = ``kubectl rollout undo --to-revision=N``: the revision's template replaces ``spec.template``. kubectl
  sends the revision's data as a strategic merge patch; we send a JSON patch that also ``test``s the template
  the diff was made against, so a rollout someone started meanwhile is not overwritten (the plan is rebuilt and
  the user asked again).

Deployments keep their own module (``rollout``: ReplicaSets are their history). Progress after the write is
followed by ``rollout.watch_rollout``, which reads StatefulSets and DaemonSets the way ``kubectl rollout
status`` does.
"""

from __future__ import annotations

from typing import Any

from ..cluster.kinds import WELL_KNOWN, ResourceKind
from ..cluster.rows_workloads import revision_template
from .client import ObjectRef
from .plan import FollowUp, Plan, PlanError, Session, guarded_patch, meta_rv
from .rollout import (
    CHANGE_CAUSE,
    Revision,
    now_rfc3339,
    restart_write,
    same_template,
    template_diff,
)

STATEFULSETS = next(k for k in WELL_KNOWN if k.key == "statefulsets.apps")
DAEMONSETS = next(k for k in WELL_KNOWN if k.key == "daemonsets.apps")
CONTROLLER_REVISIONS = next(k for k in WELL_KNOWN if k.key == "controllerrevisions.apps")
REVISION_KINDS = {STATEFULSETS.key: STATEFULSETS, DAEMONSETS.key: DAEMONSETS}
"""Kinds whose history is kept in ControllerRevisions."""


def workload_kind(kind_key: str) -> ResourceKind:
    """The ResourceKind of a StatefulSet or DaemonSet key; PlanError for anything else."""
    kind = REVISION_KINDS.get(kind_key)
    if kind is None:
        raise PlanError(f"{kind_key} has no ControllerRevision history (StatefulSets and DaemonSets have)")
    return kind


def workload_ref(kind_key: str, namespace: str, name: str) -> ObjectRef:
    return ObjectRef(workload_kind(kind_key), namespace, name)


def _template(obj: dict[str, Any]) -> dict[str, Any]:
    return (obj.get("spec") or {}).get("template") or {}


def _images(template: dict[str, Any]) -> str:
    return ", ".join(c.get("image", "") for c in (template.get("spec") or {}).get("containers") or ()) or "-"


def _pods_word(obj: dict[str, Any], kind: ResourceKind) -> str:
    if kind is DAEMONSETS or kind.key == DAEMONSETS.key:
        nodes = int((obj.get("status") or {}).get("desiredNumberScheduled") or 0)
        return f"its pod on each of {nodes} node{'s' if nodes != 1 else ''}"
    replicas = (obj.get("spec") or {}).get("replicas")
    replicas = 1 if replicas is None else int(replicas)
    return f"its {replicas} pod{'s' if replicas != 1 else ''}, one ordinal at a time from the highest"


def _on_delete(obj: dict[str, Any]) -> bool:
    return ((obj.get("spec") or {}).get("updateStrategy") or {}).get("type") == "OnDelete"


async def plan_restart(session: Session, kind_key: str, namespace: str, name: str, stamp: str | None = None) -> Plan:
    """``kubectl rollout restart`` of a StatefulSet or DaemonSet."""
    ref = workload_ref(kind_key, namespace, name)
    obj = await session.read(ref)
    stamp = stamp or now_rfc3339()
    previous, write = restart_write(ref, _template(obj).get("metadata") or {}, stamp)
    warnings = []
    if _on_delete(obj):
        warnings.append("updateStrategy is OnDelete: the controller replaces a pod only when you delete it")
    return session.new_plan(
        "restart", ref, f"restartedAt {previous or 'never'}", f"restartedAt {stamp}", [write], meta_rv(obj),
        warnings=warnings, details=[f"replaces {_pods_word(obj, ref.kind)}"],
        follow_up=[] if _on_delete(obj) else [FollowUp("rollout", ref, "restart rollout")])


def _current_revision_name(obj: dict[str, Any], revisions: list[tuple[int, str, dict[str, Any]]]) -> str:
    """The revision the object's template is at: a StatefulSet says (``status.updateRevision``); otherwise the
    newest revision whose template matches."""
    update = str((obj.get("status") or {}).get("updateRevision") or "")
    if update and any(name == update for _, name, _ in revisions):
        return update
    template = _template(obj)
    for _, name, recorded in sorted(revisions, key=lambda r: -r[0]):
        if same_template(recorded, template):
            return name
    return max(revisions)[1] if revisions else ""


async def history(session: Session, kind_key: str, namespace: str, name: str,
                  obj: dict[str, Any] | None = None) -> list[Revision]:
    """The object's revisions, oldest first (``Revision.replicaset`` holds the ControllerRevision's name)."""
    ref = workload_ref(kind_key, namespace, name)
    obj = obj or await session.read(ref)
    uid = (obj.get("metadata") or {}).get("uid")
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
    items = await session.read_list(CONTROLLER_REVISIONS, namespace, selector)
    recorded: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    for item in items:
        meta = item.get("metadata") or {}
        if not any(o.get("controller") and o.get("uid") == uid for o in meta.get("ownerReferences") or ()):
            continue
        try:
            number = int(item.get("revision") or 0)
        except (TypeError, ValueError):
            continue
        recorded.append((number, str(meta.get("name") or ""), revision_template(item), item))
    current = _current_revision_name(obj, [(n, cr, t) for n, cr, t, _ in recorded])
    out = []
    for number, cr_name, template, item in recorded:
        meta = item.get("metadata") or {}
        images = tuple(c.get("image", "") for c in (template.get("spec") or {}).get("containers") or ())
        out.append(Revision(number, cr_name, str(meta.get("creationTimestamp") or ""), images,
                            str((meta.get("annotations") or {}).get(CHANGE_CAUSE) or ""), template,
                            cr_name == current, 0))
    out.sort(key=lambda r: r.revision)
    return out


async def plan_rollback(session: Session, kind_key: str, namespace: str, name: str, to_revision: int) -> Plan:
    """``kubectl rollout undo --to-revision`` of a StatefulSet or DaemonSet, guarded by the current template."""
    ref = workload_ref(kind_key, namespace, name)
    obj = await session.read(ref)
    revisions = await history(session, kind_key, namespace, name, obj)
    chosen = next((r for r in revisions if r.revision == to_revision), None)
    if chosen is None:
        known = ", ".join(str(r.revision) for r in revisions) or "none"
        raise PlanError(f"unable to find revision {to_revision} in the history of {ref} (revisions: {known})")
    current_template = _template(obj)
    if same_template(chosen.template, current_template):
        raise PlanError(f"skipped rollback: the current template of {ref} already matches revision {to_revision}")
    current = next((r for r in revisions if r.current), None)
    current_label = f"revision {current.revision}" if current is not None else "the current template"
    diff = template_diff(current_template, chosen.template, f"{current_label} (current)", f"revision {to_revision}")
    write = guarded_patch(ref, {"/spec/template": current_template}, {"/spec/template": chosen.template},
                          f"spec.template ← ControllerRevision {chosen.replicaset} (revision {to_revision})")
    warnings = []
    if _on_delete(obj):
        warnings.append("updateStrategy is OnDelete: pods keep the old template until you delete them")
    details = [f"change-cause of revision {to_revision}: {chosen.change_cause or '<none>'}",
               f"replaces {_pods_word(obj, ref.kind)}", *diff]
    return session.new_plan(
        "rollback", ref, f"{current_label} ({_images(current_template)})",
        f"revision {to_revision} ({_images(chosen.template)})", [write], meta_rv(obj), warnings=warnings,
        details=details,
        follow_up=[] if _on_delete(obj) else [FollowUp("rollout", ref, f"rollback to revision {to_revision}")])


__all__ = ["CONTROLLER_REVISIONS", "DAEMONSETS", "REVISION_KINDS", "STATEFULSETS", "history", "plan_restart",
           "plan_rollback", "workload_kind", "workload_ref"]
