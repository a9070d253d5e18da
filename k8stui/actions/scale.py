"""Scale a Deployment or a StatefulSet (``s``): validate the count the user typed, warn when an HPA owns the count, and plan
a JSON patch of ``spec.replicas`` that tests the count the user saw (status churn does not defeat it).

``parse_replicas`` is the one validator for replica counts typed anywhere (scale, burst, the blue/green
preflight): whole numbers 0..maximum, with a one-line reason for ``-1``, ``abc``, ``1e9`` or nothing.
"""

from __future__ import annotations

import re
from typing import Any

from ..cluster.kinds import DEPLOYMENTS, HPAS, WELL_KNOWN, ResourceKind
from .client import ApiFailure, ObjectRef
from .plan import FollowUp, Plan, PlanError, Session, Write, guarded_patch, meta_rv

_INT = re.compile(r"^[+]?\d+$")


def parse_replicas(text: str, maximum: int) -> int:
    """The replica count in ``text``; ValueError with a one-line reason otherwise."""
    value = text.strip()
    if not value:
        raise ValueError(f"enter a replica count: a whole number from 0 to {maximum}")
    if value.startswith("-") and _INT.match(value[1:]):
        raise ValueError(f"{value} is negative: replicas must be 0 or more (0..{maximum})")
    if not _INT.match(value):
        raise ValueError(f"{value!r} is not a whole number: enter 0..{maximum}")
    number = int(value)
    if number > maximum:
        raise ValueError(f"{number} is more than the maximum of {maximum} (scale_max in config.toml)")
    return number


STATEFULSETS = next(k for k in WELL_KNOWN if k.key == "statefulsets.apps")
SCALABLE: dict[str, ResourceKind] = {DEPLOYMENTS.key: DEPLOYMENTS, STATEFULSETS.key: STATEFULSETS}
"""The kinds ``s`` scales through ``spec.replicas`` (a DaemonSet has no count: one pod per node)."""


def deployment_ref(namespace: str, name: str, kind_key: str = DEPLOYMENTS.key) -> ObjectRef:
    """The Deployment (or, with ``kind_key``, the StatefulSet) ``namespace/name``."""
    return ObjectRef(SCALABLE.get(kind_key, DEPLOYMENTS), namespace, name)


def replicas_of(obj: dict[str, Any]) -> int:
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def ready_of(obj: dict[str, Any]) -> int:
    return int((obj.get("status") or {}).get("readyReplicas") or 0)


async def hpa_for(session: Session, namespace: str, name: str, kind: str = "Deployment") -> str:
    """The name of an HPA scaling this Deployment (or ``kind``) ("" when none, or when HPAs cannot be listed)."""
    try:
        hpas = await session.api.list(HPAS, namespace)
    except ApiFailure:  # the warning is best effort: a failed lookup must not block scaling
        return ""
    for hpa in hpas:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") == kind and ref.get("name") == name:
            return str(hpa["metadata"]["name"])
    return ""


def scale_write(ref: ObjectRef, obj: dict[str, Any], replicas: int, **extra: Any) -> Write:
    """``spec.replicas`` -> ``replicas``, if it is still what ``obj`` (the object the user saw) says."""
    spec = obj.get("spec") or {}
    seen = {"/spec/replicas": spec["replicas"]} if "replicas" in spec else {"/spec": spec}
    return guarded_patch(ref, seen, {"/spec/replicas": replicas}, f"spec.replicas {replicas_of(obj)} → {replicas}",
                         **extra)


async def plan_scale(session: Session, namespace: str, name: str, replicas: int, maximum: int | None = None,
                     verb: str = "scale", kind_key: str = DEPLOYMENTS.key) -> Plan:
    """Scale the Deployment (or StatefulSet) ``namespace/name`` to ``replicas``; PlanError when it is already
    there."""
    if maximum is not None:
        parse_replicas(str(replicas), maximum)
    ref = deployment_ref(namespace, name, kind_key)
    kind = ref.kind.kind
    obj = await session.read(ref)
    current = replicas_of(obj)
    if current == replicas:
        raise PlanError(f"{ref} already has {replicas} replicas: nothing to change")
    warnings = []
    hpa = await hpa_for(session, namespace, name, kind)
    if hpa:
        warnings.append(f"HorizontalPodAutoscaler {hpa} manages this {kind}: it will override this count "
                        "at its next evaluation")
    if replicas == 0:
        warnings.append(f"0 replicas: every pod of this {kind} will be stopped")
    if kind == "StatefulSet" and replicas < current:
        warnings.append(f"pods {name}-{replicas}..{name}-{current - 1} stop, highest ordinal first; their "
                        "PersistentVolumeClaims stay (unless the StatefulSet's retention policy deletes them)")
    item = {"namespace": namespace, "name": name, "replicas": current, "expect": replicas}
    if kind_key != DEPLOYMENTS.key:
        item["kind"] = kind_key
    return session.new_plan(
        verb, ref, f"replicas {current}", f"replicas {replicas}", [scale_write(ref, obj, replicas)],
        meta_rv(obj), warnings=warnings,
        details=[f"ready now: {ready_of(obj)}/{current}"],
        follow_up=[FollowUp("rollout", ref, f"waiting for {replicas} ready replicas")],
        undo={"type": "replicas", "items": [item]})


__all__ = ["SCALABLE", "STATEFULSETS", "deployment_ref", "hpa_for", "parse_replicas", "plan_scale", "ready_of", "replicas_of", "scale_write"]
