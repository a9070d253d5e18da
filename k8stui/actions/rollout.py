"""Rollouts of a Deployment (and StatefulSet, DaemonSet for set image): restart (``r``), revision history, rollback (``u``), and watching progress.

Restart and rollback produce exactly what kubectl produces, so the two tools can be used side by side:
- restart = ``kubectl rollout restart``: the pod template gets the annotation
  ``kubectl.kubernetes.io/restartedAt`` (a strategic merge patch), so the controller rolls a new ReplicaSet;
- rollback = ``kubectl rollout undo --to-revision=N``: the chosen ReplicaSet's template (minus its
  ``pod-template-hash`` label) replaces ``spec.template`` and its annotations (change-cause ...) replace the
  Deployment's, in one JSON patch; the controller then re-uses that ReplicaSet under the next revision.
Both carry the Deployment's resourceVersion as precondition (kubectl's do not).

``rollout_state`` reads a Deployment the way ``kubectl rollout status`` does (observedGeneration, updated,
old pending termination, available; ``ProgressDeadlineExceeded`` = stalled) and ``watch_rollout`` polls it
until the rollout completes or stalls, naming the reason (e.g. the new pods' ``CrashLoopBackOff``).
"""

from __future__ import annotations

import asyncio
import copy
import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml

from ..cluster.kinds import PODS, REPLICASETS
from ..cluster.quantity import format_age, parse_time
from .client import ApiFailure, ObjectRef, label_selector_text
from .plan import FollowUp, Plan, PlanError, Session, Write, guarded_patch, meta_rv, pointer
from .scale import deployment_ref, replicas_of

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"
# Annotations `kubectl rollout undo` keeps from the Deployment instead of copying them from the ReplicaSet.
SKIP_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
})
TIMED_OUT = "ProgressDeadlineExceeded"


@dataclass(frozen=True)
class Revision:
    """One entry of a Deployment's history (one ReplicaSet)."""

    revision: int
    replicaset: str
    created: str
    images: tuple[str, ...]
    change_cause: str
    template: dict[str, Any]
    current: bool
    replicas: int

    def age(self, now: float | None = None) -> str:
        created = parse_time(self.created)
        return format_age(None if created is None else (now or time.time()) - created)


def _paused_error(ref: ObjectRef, what: str) -> PlanError:
    return PlanError(f"{ref} is paused: you cannot {what} a paused deployment; resume it first "
                     "(kubectl rollout resume)")


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def restart_write(ref: ObjectRef, template_meta: dict[str, Any], stamp: str) -> tuple[str, Write]:
    """The write of ``kubectl rollout restart`` (the pod template's restartedAt annotation set to ``stamp``)
    and the restartedAt it replaces ("" for never). It guards the restart the user saw (the previous
    restartedAt), on the nearest field that exists."""
    annotations = template_meta.get("annotations")
    previous = (annotations or {}).get(RESTARTED_AT, "")
    key = pointer("spec", "template", "metadata", "annotations", RESTARTED_AT)
    if isinstance(annotations, dict) and RESTARTED_AT in annotations:
        seen, changes = {key: previous}, {key: stamp}
    elif isinstance(annotations, dict):
        seen, changes = {"/spec/template/metadata/annotations": annotations}, {key: stamp}
    else:
        seen = {"/spec/template/metadata": template_meta}
        changes = {"/spec/template/metadata/annotations": {RESTARTED_AT: stamp}}
    return previous, guarded_patch(ref, seen, changes, f"spec.template annotation {RESTARTED_AT}={stamp}")


async def plan_restart(session: Session, namespace: str, name: str, stamp: str | None = None) -> Plan:
    ref = deployment_ref(namespace, name)
    obj = await session.read(ref)
    spec = obj.get("spec") or {}
    if spec.get("paused"):
        raise _paused_error(ref, "restart")
    stamp = stamp or now_rfc3339()
    previous, write = restart_write(ref, (spec.get("template") or {}).get("metadata") or {}, stamp)
    strategy = (spec.get("strategy") or {}).get("type") or "RollingUpdate"
    return session.new_plan(
        "restart", ref, f"restartedAt {previous or 'never'}", f"restartedAt {stamp}", [write], meta_rv(obj),
        details=[f"every pod is replaced through a new ReplicaSet ({strategy}, {replicas_of(obj)} replicas)"],
        follow_up=[FollowUp("rollout", ref, "restart rollout")])


async def history(session: Session, namespace: str, name: str,
                  deployment: dict[str, Any] | None = None) -> list[Revision]:
    """The Deployment's revisions (oldest first), from the ReplicaSets it controls."""
    ref = deployment_ref(namespace, name)
    obj = deployment or await session.read(ref)
    uid = obj["metadata"].get("uid")
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    items = await session.read_list(REPLICASETS, namespace, label_selector_text(match) if match else "")
    current_rev = (obj["metadata"].get("annotations") or {}).get(REVISION, "")
    out = []
    for rs in items:
        meta = rs.get("metadata") or {}
        owners = meta.get("ownerReferences") or ()
        if not any(o.get("controller") and o.get("uid") == uid for o in owners):
            continue
        ann = meta.get("annotations") or {}
        try:
            revision = int(ann.get(REVISION, "0"))
        except ValueError:
            continue
        template = (rs.get("spec") or {}).get("template") or {}
        images = tuple(c.get("image", "") for c in (template.get("spec") or {}).get("containers") or ())
        out.append(Revision(revision, meta.get("name", ""), meta.get("creationTimestamp", ""), images,
                            ann.get(CHANGE_CAUSE, ""), template, str(revision) == current_rev,
                            int((rs.get("spec") or {}).get("replicas") or 0)))
    out.sort(key=lambda r: r.revision)
    return out


def strip_hash(template: dict[str, Any]) -> dict[str, Any]:
    """The template without the ``pod-template-hash`` label (what the Deployment's template looks like)."""
    out = copy.deepcopy(template)
    labels = (out.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return out


def _normal(template: dict[str, Any]) -> Any:
    """Semantic form for comparing templates: empty maps/lists and nulls dropped."""
    if isinstance(template, dict):
        out = {k: _normal(v) for k, v in template.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(template, list):
        return [_normal(v) for v in template]
    return template


def same_template(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _normal(strip_hash(a)) == _normal(strip_hash(b))


def template_diff(current: dict[str, Any], target: dict[str, Any], current_label: str = "current",
                  target_label: str = "target") -> list[str]:
    """A unified diff (YAML) of two pod templates, hash labels removed; [] when they are the same."""
    def dump(t: dict[str, Any]) -> list[str]:
        return yaml.safe_dump(_normal(strip_hash(t)), sort_keys=True, default_flow_style=False).splitlines()

    return list(difflib.unified_diff(dump(current), dump(target), current_label, target_label, n=2,
                                     lineterm=""))


def _images(template: dict[str, Any]) -> str:
    return ", ".join(c.get("image", "") for c in (template.get("spec") or {}).get("containers") or ()) or "-"


async def plan_rollback(session: Session, namespace: str, name: str, to_revision: int) -> Plan:
    """Roll ``namespace/name`` back to ``to_revision`` exactly as ``kubectl rollout undo --to-revision``."""
    ref = deployment_ref(namespace, name)
    obj = await session.read(ref)
    if (obj.get("spec") or {}).get("paused"):
        raise _paused_error(ref, "roll back")
    revisions = await history(session, namespace, name, obj)
    chosen = next((r for r in revisions if r.revision == to_revision), None)
    if chosen is None:
        known = ", ".join(str(r.revision) for r in revisions) or "none"
        raise PlanError(f"unable to find revision {to_revision} in the history of {ref} (revisions: {known})")
    current_template = (obj.get("spec") or {}).get("template") or {}
    if same_template(chosen.template, current_template):
        raise PlanError(f"skipped rollback: the current template of {ref} already matches revision {to_revision}")
    template = strip_hash(chosen.template)
    deploy_ann = obj["metadata"].get("annotations") or {}
    rs = await session.read(ObjectRef(REPLICASETS, namespace, chosen.replicaset))
    annotations = {k: v for k, v in deploy_ann.items() if k in SKIP_ANNOTATIONS}
    annotations.update({k: v for k, v in ((rs.get("metadata") or {}).get("annotations") or {}).items()
                        if k not in SKIP_ANNOTATIONS})
    current = deploy_ann.get(REVISION, "?")
    diff = template_diff(current_template, chosen.template, f"revision {current} (current)",
                         f"revision {to_revision}")
    # Guarded by the template the diff was made against: another rollout meanwhile refuses it.
    write = guarded_patch(ref, {"/spec/template": current_template},
                          {"/spec/template": template, "/metadata/annotations": annotations},
                          f"spec.template ← ReplicaSet {chosen.replicaset} (revision {to_revision})")
    details = [f"change-cause of revision {to_revision}: {chosen.change_cause or '<none>'}", *diff]
    return session.new_plan(
        "rollback", ref, f"revision {current} ({_images(current_template)})",
        f"revision {to_revision} ({_images(chosen.template)})", [write], meta_rv(obj), details=details,
        follow_up=[FollowUp("rollout", ref, f"rollback to revision {to_revision}")])


# -- progress --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RolloutState:
    """Where a rollout is: ``done``, ``stalled`` (with ``reason``) or in progress (``message``)."""

    done: bool
    stalled: bool
    message: str
    reason: str = ""
    updated: int = 0
    available: int = 0
    desired: int = 0


def _statefulset_state(obj: dict[str, Any]) -> RolloutState:
    """``kubectl rollout status`` of a StatefulSet (RollingUpdate; OnDelete cannot be followed)."""
    name = obj["metadata"]["name"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    counts = {"updated": updated, "available": ready, "desired": desired}
    if (spec.get("updateStrategy") or {}).get("type") == "OnDelete":
        return RolloutState(True, False, f"statefulset {name} updates its pods only when they are deleted "
                                         "(updateStrategy OnDelete)", **counts)
    if int(obj["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return RolloutState(False, False, "waiting for the statefulset spec update to be observed", **counts)
    if ready < desired:
        return RolloutState(False, False, f"waiting for {desired - ready} pods to be ready", **counts)
    partition = int(((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition") or 0)
    if partition and updated < desired - partition:
        return RolloutState(False, False, f"waiting for partitioned roll out to finish: {updated} out of "
                                          f"{desired - partition} new pods have been updated", **counts)
    if status.get("updateRevision") and status.get("currentRevision") != status.get("updateRevision") \
            and not partition:
        return RolloutState(False, False, f"{updated} of {desired} pods have been updated to the new revision",
                            **counts)
    return RolloutState(True, False, f"statefulset rolling update of {name} complete: {ready} pods at the new "
                                     "revision", **counts)


def _daemonset_state(obj: dict[str, Any]) -> RolloutState:
    """``kubectl rollout status`` of a DaemonSet."""
    name = obj["metadata"]["name"]
    status = obj.get("status") or {}
    desired = int(status.get("desiredNumberScheduled") or 0)
    updated = int(status.get("updatedNumberScheduled") or 0)
    available = int(status.get("numberAvailable") or 0)
    counts = {"updated": updated, "available": available, "desired": desired}
    if int(obj["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return RolloutState(False, False, "waiting for the daemon set spec update to be observed", **counts)
    if updated < desired:
        return RolloutState(False, False, f"{updated} out of {desired} new pods have been updated", **counts)
    if available < desired:
        return RolloutState(False, False, f"{available} of {updated} updated pods are available", **counts)
    return RolloutState(True, False, f'daemon set "{name}" successfully rolled out', **counts)


def rollout_state(obj: dict[str, Any], kind: str = "Deployment") -> RolloutState:
    """``kubectl rollout status`` for one Deployment (or StatefulSet, DaemonSet) object."""
    if kind == "StatefulSet":
        return _statefulset_state(obj)
    if kind == "DaemonSet":
        return _daemonset_state(obj)
    name = obj["metadata"]["name"]
    status = obj.get("status") or {}
    desired = replicas_of(obj)
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    counts = {"updated": updated, "available": available, "desired": desired}
    if int(obj["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return RolloutState(False, False, "waiting for the deployment spec update to be observed", **counts)
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Progressing" and cond.get("reason") == TIMED_OUT:
            return RolloutState(False, True, f'deployment "{name}" exceeded its progress deadline',
                                f"{TIMED_OUT}: {cond.get('message', '')}".strip(), **counts)
    if updated < desired:
        return RolloutState(False, False, f"{updated} of {desired} new replicas have been updated", **counts)
    if total > updated:
        return RolloutState(False, False, f"{total - updated} old replicas are pending termination", **counts)
    if available < updated:
        return RolloutState(False, False, f"{available} of {updated} updated replicas are available", **counts)
    return RolloutState(True, False, f'deployment "{name}" successfully rolled out', **counts)


async def pod_problems(session: Session, obj: dict[str, Any]) -> str:
    """Why the Deployment's pods are not ready, in a few words (``2 pods CrashLoopBackOff``), or ""."""
    ns = obj["metadata"].get("namespace", "")
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    if not match:
        return ""
    try:
        pods = await session.api.list(PODS, ns, label_selector_text(match))
    except ApiFailure:
        return ""
    reasons: dict[str, int] = {}
    for pod in pods:
        status = pod.get("status") or {}
        found = ""
        for cs in status.get("containerStatuses") or ():
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason"):  # ContainerCreating too: a pull that outlasts the deadline is news
                found = waiting["reason"]
                break
            terminated = (cs.get("lastState") or {}).get("terminated") or {}
            if cs.get("restartCount") and terminated and not cs.get("ready"):
                found = f"restarting (last exit: {terminated.get('reason') or terminated.get('exitCode', '?')})"
                break
        if not found and status.get("phase") == "Running" and not _pod_ready(status):
            found = "running but not ready"
        if not found and status.get("phase") == "Pending":
            for cond in status.get("conditions") or ():
                if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
                    found = cond.get("reason") or "Unschedulable"
            found = found or "Pending"
        if found:
            reasons[found] = reasons.get(found, 0) + 1
    return ", ".join(f"{n} pod{'s' if n != 1 else ''} {r}" for r, n in sorted(reasons.items()))


def _pod_ready(status: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())


async def watch_rollout(session: Session, ref: ObjectRef, on_progress: Callable[[RolloutState], None] | None = None,
                        timeout: float = 600.0, interval: float = 0.5) -> RolloutState:
    """Poll until the rollout completes or stalls (or ``timeout``); ``on_progress`` gets each new state."""
    deadline = time.monotonic() + timeout
    last = ""
    state = RolloutState(False, False, "starting")
    while time.monotonic() < deadline:
        try:
            obj = await session.api.get(ref.kind, ref.namespace, ref.name)
        except ApiFailure as exc:
            return RolloutState(False, True, f"cannot follow {ref}: {exc}", str(exc))
        state = rollout_state(obj, ref.kind.kind)
        if state.stalled:
            problems = await pod_problems(session, obj)
            if problems:
                state = RolloutState(False, True, state.message, f"{state.reason} ({problems})", state.updated,
                                     state.available, state.desired)
        if state.message != last and on_progress is not None:
            on_progress(state)
        last = state.message
        if state.done or state.stalled:
            return state
        await asyncio.sleep(interval)
    return RolloutState(False, False, f"{state.message} (stopped watching after {timeout:g}s)", "",
                        state.updated, state.available, state.desired)


__all__ = ["CHANGE_CAUSE", "HASH_LABEL", "RESTARTED_AT", "REVISION", "Revision", "RolloutState", "history",
           "plan_restart", "plan_rollback", "pod_problems", "rollout_state", "same_template", "strip_hash",
           "template_diff", "watch_rollout"]
