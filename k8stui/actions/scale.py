"""Scale a Deployment (``s``): validate the count the user typed, warn when an HPA owns the count, and plan
a JSON patch of ``spec.replicas`` that tests the count the user saw (status churn does not defeat it).

``parse_replicas`` is the one validator for replica counts typed anywhere (scale, burst, the blue/green
preflight): whole numbers 0..maximum, with a one-line reason for ``-1``, ``abc``, ``1e9`` or nothing.
"""

from __future__ import annotations

import re
from typing import Any

from ..cluster.kinds import DEPLOYMENTS, HPAS
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


def deployment_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(DEPLOYMENTS, namespace, name)


def replicas_of(obj: dict[str, Any]) -> int:
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def ready_of(obj: dict[str, Any]) -> int:
    return int((obj.get("status") or {}).get("readyReplicas") or 0)


async def hpa_for(session: Session, namespace: str, name: str) -> str:
    """The name of an HPA scaling this Deployment ("" when none, or when HPAs cannot be listed)."""
    try:
        hpas = await session.api.list(HPAS, namespace)
    except ApiFailure:  # the warning is best effort: a failed lookup must not block scaling
        return ""
    for hpa in hpas:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") == "Deployment" and ref.get("name") == name:
            return str(hpa["metadata"]["name"])
    return ""


def scale_write(ref: ObjectRef, obj: dict[str, Any], replicas: int, **extra: Any) -> Write:
    """``spec.replicas`` -> ``replicas``, if it is still what ``obj`` (the object the user saw) says."""
    spec = obj.get("spec") or {}
    seen = {"/spec/replicas": spec["replicas"]} if "replicas" in spec else {"/spec": spec}
    return guarded_patch(ref, seen, {"/spec/replicas": replicas}, f"spec.replicas {replicas_of(obj)} → {replicas}",
                         **extra)


async def plan_scale(session: Session, namespace: str, name: str, replicas: int, maximum: int | None = None,
                     verb: str = "scale") -> Plan:
    """Scale ``namespace/name`` to ``replicas``; PlanError when it is already there."""
    if maximum is not None:
        parse_replicas(str(replicas), maximum)
    ref = deployment_ref(namespace, name)
    obj = await session.read(ref)
    current = replicas_of(obj)
    if current == replicas:
        raise PlanError(f"{ref} already has {replicas} replicas: nothing to change")
    warnings = []
    hpa = await hpa_for(session, namespace, name)
    if hpa:
        warnings.append(f"HorizontalPodAutoscaler {hpa} manages this Deployment: it will override this count "
                        "at its next evaluation")
    if replicas == 0:
        warnings.append("0 replicas: every pod of this Deployment will be stopped")
    return session.new_plan(
        verb, ref, f"replicas {current}", f"replicas {replicas}", [scale_write(ref, obj, replicas)],
        meta_rv(obj), warnings=warnings,
        details=[f"ready now: {ready_of(obj)}/{current}"],
        follow_up=[FollowUp("rollout", ref, f"waiting for {replicas} ready replicas")],
        undo={"type": "replicas", "items": [{"namespace": namespace, "name": name, "replicas": current,
                                            "expect": replicas}]})


__all__ = ["deployment_ref", "hpa_for", "parse_replicas", "plan_scale", "ready_of", "replicas_of", "scale_write"]
