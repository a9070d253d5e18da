"""Canary by replica ratio (``c``): behind a Service that selects every colour of a blue/green pair (only
``app=...``, no ``version``), the share of traffic a colour gets is its share of the ready pods. Setting the
new colour to 10/25/50/100 % re-divides the pair's current total replica count between the colours, scaling
the growing colour first (capacity before it is taken away), each write with its own resourceVersion
precondition.
"""

from __future__ import annotations

from .bluegreen import Pair, discover
from .plan import FollowUp, Plan, PlanError, Session, Write
from .scale import deployment_ref, replicas_of, scale_write

STEPS = (10, 25, 50, 100)


def split(total: int, percent: int) -> int:
    """Replicas of the new colour for ``percent`` of ``total``: rounded, at least 1 when percent > 0 and at
    most total-1 when percent < 100 (so "10 %" is never all or nothing)."""
    if not 0 <= percent <= 100:
        raise ValueError(f"{percent}% is not a share: enter 0..100")
    new = int(total * percent / 100 + 0.5)
    if percent > 0 and new == 0 and total > 0:
        new = 1
    if percent < 100 and new >= total and total > 1:
        new = total - 1
    return min(new, total)


def parse_percent(text: str) -> int:
    value = text.strip().rstrip("%").strip()
    if not value:
        raise ValueError("enter a share from 0 to 100 %")
    if not value.isdigit():
        raise ValueError(f"{text.strip()!r} is not a whole percentage: enter 0..100")
    number = int(value)
    if number > 100:
        raise ValueError(f"{number}% is more than 100%")
    return number


def canary_pair(pairs: list[Pair], deployment: str) -> Pair:
    """The pair ``deployment`` belongs to, if a canary can share its traffic; PlanError saying why not and what
    would make it possible. Asked before the share, so the user is never asked for nothing."""
    for pair in pairs:
        if pair.colour_of(deployment):
            if not pair.shared:
                base = ",".join(f"{k}={v}" for k, v in sorted(pair.base.items()))
                raise PlanError(f"no Service selects both colours of {pair.describe()}, so replicas cannot "
                                f"share its traffic; a Service selecting only {base} (no version) would make a "
                                "canary possible")
            if len(pair.colours) != 2:
                raise PlanError(f"{pair.describe()} has {len(pair.colours)} colours: a canary needs exactly two")
            return pair
    raise PlanError(f"Deployment {deployment} is not part of a blue/green pair (Deployments that differ only in "
                    "their 'version' label)")


async def plan_canary(session: Session, namespace: str, deployment: str, percent: int) -> Plan:
    """Give ``deployment`` (the new colour) ``percent`` of its pair's replicas, keeping the total."""
    pair = canary_pair(await discover(session, namespace), deployment)
    new_colour = pair.colour_of(deployment)
    assert new_colour is not None
    old_colour = pair.others(new_colour.version)[0]
    new_ref, old_ref = deployment_ref(namespace, new_colour.name), deployment_ref(namespace, old_colour.name)
    new_obj, old_obj = await session.read(new_ref), await session.read(old_ref)
    n0, o0 = replicas_of(new_obj), replicas_of(old_obj)
    total = n0 + o0
    if total == 0:
        raise PlanError(f"{pair.describe()} have 0 replicas in total: scale one of them first")
    n1 = split(total, percent)
    o1 = total - n1
    if (n1, o1) == (n0, o0):
        raise PlanError(f"{new_colour.name} already has {n0} of {total} replicas ({_pct(n0, total)}): nothing "
                        "to change")
    writes: list[Write] = []
    grow, shrink = ((new_ref, new_obj, n1), (old_ref, old_obj, o1)) if n1 > n0 else \
        ((old_ref, old_obj, o1), (new_ref, new_obj, n1))
    for ref, obj, count in (grow, shrink):
        if replicas_of(obj) != count:
            writes.append(scale_write(ref, obj, count))
    services = ", ".join(pair.shared)
    details = [f"Service {services} selects both colours: traffic follows the share of ready pods",
               f"total replicas stay {total}"]
    warnings = []
    if o1 == 0:
        warnings.append(f"{old_colour.name} goes to 0 replicas: the canary becomes the whole release")
    return session.new_plan(
        "canary", new_ref, f"{new_colour.name} {n0}/{total} ({_pct(n0, total)}), {old_colour.name} {o0}",
        f"{new_colour.name} {n1}/{total} ({_pct(n1, total)}), {old_colour.name} {o1}", writes,
        str(new_obj["metadata"].get("resourceVersion", "")), details=details, warnings=warnings,
        follow_up=[FollowUp("rollout", new_ref, f"{new_colour.name} to {n1} replicas"),
                   FollowUp("rollout", old_ref, f"{old_colour.name} to {o1} replicas")],
        undo={"type": "replicas", "items": [
            {"namespace": namespace, "name": new_colour.name, "replicas": n0, "expect": n1},
            {"namespace": namespace, "name": old_colour.name, "replicas": o0, "expect": o1}]})


def _pct(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%" if total else "0%"


def current_share(pair: Pair, deployment: str) -> tuple[int, int]:
    """(replicas of ``deployment``, pair total) as the pair was discovered."""
    colour = pair.colour_of(deployment)
    total = sum(c.replicas for c in pair.colours.values())
    return (colour.replicas if colour else 0), total


__all__ = ["STEPS", "canary_pair", "current_share", "parse_percent", "plan_canary", "split"]
