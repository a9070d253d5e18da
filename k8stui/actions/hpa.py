"""A HorizontalPodAutoscaler's bounds (``s`` on an HPA): ``spec.minReplicas`` and ``spec.maxReplicas``, guarded
by the values the user saw and undoable. The confirmation says what the autoscaler will do at once when the
workload's replica count is outside the new range.
"""

from __future__ import annotations

from typing import Any

from ..cluster import kinds
from .client import ObjectRef
from .fields import field_change
from .plan import Plan, PlanError, Session

MAX_REPLICAS = 10_000


def hpa_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(kinds.HPAS, namespace, name)


def bounds(obj: dict[str, Any]) -> tuple[int, int]:
    spec = obj.get("spec") or {}
    return int(spec.get("minReplicas") or 1), int(spec.get("maxReplicas") or 1)


def parse_bounds(minimum: str, maximum: str) -> tuple[int, int]:
    """Validated (min, max) from what was typed; ValueError with a one-line reason."""
    values = []
    for label, text in (("min", minimum), ("max", maximum)):
        text = text.strip()
        if not text.isdigit():
            raise ValueError(f"{label} replicas: {text!r} is not a whole number" if text else
                             f"enter the {label} replicas")
        values.append(int(text))
    low, high = values
    if low < 1:
        raise ValueError("min replicas must be at least 1")
    if high < low:
        raise ValueError(f"max replicas ({high}) must not be less than min replicas ({low})")
    if high > MAX_REPLICAS:
        raise ValueError(f"max replicas {high} is more than {MAX_REPLICAS}")
    return low, high


async def plan_hpa_bounds(session: Session, namespace: str, name: str, minimum: int, maximum: int) -> Plan:
    ref = hpa_ref(namespace, name)
    obj = await session.read(ref)
    low, high = bounds(obj)
    if (low, high) == (minimum, maximum):
        raise PlanError(f"{ref} already has min {low}, max {high}: nothing to change")
    changes: dict[str, Any] = {}
    if minimum != low or "minReplicas" not in (obj.get("spec") or {}):
        changes["/spec/minReplicas"] = minimum
    if maximum != high:
        changes["/spec/maxReplicas"] = maximum
    write, undo = field_change(ref, obj, changes, f"minReplicas {low} → {minimum}, maxReplicas {high} → {maximum}")
    current = (obj.get("status") or {}).get("currentReplicas")
    target = ((obj.get("spec") or {}).get("scaleTargetRef") or {})
    warnings = []
    if isinstance(current, int) and not minimum <= current <= maximum:
        to = minimum if current < minimum else maximum
        warnings.append(f"{target.get('kind', 'the target')} {target.get('name', '')} has {current} replicas now: "
                        f"the autoscaler will scale it to {to}")
    return session.new_plan("hpa", ref, f"min {low}, max {high}", f"min {minimum}, max {maximum}", [write],
                            warnings=warnings, undo=undo,
                            details=[f"scales {target.get('kind', '?')} {target.get('name', '?')}; "
                                     f"current replicas: {current if current is not None else '?'}"])


__all__ = ["bounds", "hpa_ref", "parse_bounds", "plan_hpa_bounds"]
