"""Undo the last action, from the audit log, where undo is defined: scale (and canary, i.e. replica counts),
a blue/green selector switch, a burst, and the field changes of ``actions.fields`` (cordon, CronJob
suspend/resume, set image, HPA min/max, edit).

An applied audit line carries ``undo`` data: what the object was before and what the action left
(``expect``). Undo first re-reads the object and refuses when it is no longer what the action left — someone
(or something: an HPA, another operator) changed it since, and undoing would overwrite their change. The
undo itself goes through the same plan path (RBAC, dry-run, confirmation, precondition, audit) and its line
names the line it undoes, so the same action is never undone twice.
"""

from __future__ import annotations

from typing import Any

from ..cluster.kinds import SERVICES
from .audit import AuditRecord
from .burst import plan_unburst
from .client import ObjectRef
from .fields import plan_undo_fields
from .plan import Plan, PlanError, Session, guarded_patch, meta_rv
from .scale import deployment_ref, replicas_of, scale_write


def _changed(ref: ObjectRef, now: str, left: str, rec: AuditRecord) -> PlanError:
    return PlanError(f"{ref} is now {now}, not {left} as the {rec.verb} at {rec.time} left it: it was changed "
                     "since, so undo is refused (nothing sent)")


async def _undo_replicas(session: Session, rec: AuditRecord, items: list[dict[str, Any]]) -> Plan:
    steps: list[tuple[ObjectRef, dict[str, Any], int]] = []
    before, after = [], []
    for item in items:
        ref = deployment_ref(item["namespace"], item["name"], item.get("kind") or "deployments.apps")
        obj = await session.read(ref)
        now = replicas_of(obj)
        if now != int(item["expect"]):
            raise _changed(ref, f"at {now} replicas", f"{item['expect']}", rec)
        before.append(f"{ref.name} {now}")
        after.append(f"{ref.name} {item['replicas']}")
        steps.append((ref, obj, int(item["replicas"])))
    if not steps:
        raise PlanError(f"the {rec.verb} at {rec.time} recorded nothing to undo")
    first = steps[0]
    # Grow before shrinking (as the canary did), so capacity is never taken away first.
    steps.sort(key=lambda s: 0 if s[2] > replicas_of(s[1]) else 1)
    writes = [scale_write(ref, obj, target) for ref, obj, target in steps if replicas_of(obj) != target]
    return session.new_plan("undo", first[0], ", ".join(before), ", ".join(after), writes, meta_rv(first[1]),
                            details=[f"undoes: {rec.verb} {rec.kind}/{rec.name} at {rec.time} ({rec.before} → "
                                     f"{rec.after})"], undoes=rec.id)


async def _undo_selector(session: Session, rec: AuditRecord, undo: dict[str, Any]) -> Plan:
    ref = ObjectRef(SERVICES, undo["namespace"], undo["name"])
    svc = await session.read(ref)
    selector = dict((svc.get("spec") or {}).get("selector") or {})
    expect, original = dict(undo.get("expect") or {}), dict(undo.get("selector") or {})
    if selector != expect:
        raise _changed(ref, f"selecting {_sel(selector)}", _sel(expect), rec)
    write = guarded_patch(ref, {"/spec/selector": selector}, {"/spec/selector": original},
                          f"spec.selector {_sel(selector)} → {_sel(original)}")
    return session.new_plan("undo", ref, f"selector {_sel(selector)}", f"selector {_sel(original)}", [write],
                            meta_rv(svc), details=[f"undoes: {rec.verb} at {rec.time}"], undoes=rec.id)


async def _undo_burst(session: Session, rec: AuditRecord, undo: dict[str, Any]) -> Plan:
    """Give back what the burst moved: the original and its companion must still be where it left them."""
    expect = undo.get("expect")
    if not isinstance(expect, dict):
        return await _undo_burst_v1(session, rec, undo)
    namespace, name, companion = undo["namespace"], undo["name"], undo["burst"]
    for who, left in ((name, expect["original"]), (companion, expect["burst"])):
        ref = deployment_ref(namespace, who)
        now = replicas_of(await session.read(ref))
        if now != int(left):
            raise _changed(ref, f"at {now} replicas", f"{left}", rec)
    plan = await plan_unburst(session, namespace, name, None if undo.get("created") else int(undo["count"]))
    plan.verb, plan.undoes = "undo", rec.id
    plan.details.insert(0, f"undoes: burst at {rec.time}")
    return plan


async def _undo_burst_v1(session: Session, rec: AuditRecord, undo: dict[str, Any]) -> Plan:
    """Audit lines of bursts that only added a companion (before bursts moved replicas)."""
    ref = deployment_ref(undo["namespace"], undo["name"])
    obj = await session.read(ref)
    now = replicas_of(obj)
    if now != int(undo["expect"]):
        raise _changed(ref, f"at {now} replicas", f"{undo['expect']}", rec)
    if undo.get("created"):
        plan = await plan_unburst(session, undo["namespace"], undo["name"])
        plan.verb, plan.undoes = "undo", rec.id
        plan.details.insert(0, f"undoes: burst at {rec.time}")
        return plan
    write = scale_write(ref, obj, int(undo["replicas"]))
    return session.new_plan("undo", ref, f"replicas {now}", f"replicas {undo['replicas']}", [write], meta_rv(obj),
                            details=[f"undoes: burst at {rec.time}"], undoes=rec.id)


async def plan_undo(session: Session, rec: AuditRecord) -> Plan:
    """The plan reversing ``rec`` (an applied audit line with undo data)."""
    undo = rec.undo or {}
    kind = undo.get("type")
    if kind == "replicas":
        return await _undo_replicas(session, rec, list(undo.get("items") or []))
    if kind == "selector":
        return await _undo_selector(session, rec, undo)
    if kind == "burst":
        return await _undo_burst(session, rec, undo)
    if kind == "fields":
        return await plan_undo_fields(session, rec, undo)
    raise PlanError(f"{rec.verb} cannot be undone automatically")


async def plan_undo_last(session: Session) -> Plan:
    rec = session.audit.last_undoable(session.context)
    if rec is None:
        raise PlanError(f"nothing to undo: no applied scale, canary, blue/green switch, burst, cordon, suspend, "
                        f"set image, HPA or edit in the audit log for context {session.context}")
    return await plan_undo(session, rec)


def _sel(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"


__all__ = ["plan_undo", "plan_undo_last"]
