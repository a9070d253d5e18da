"""Field changes that can be undone: cordon, CronJob suspend, set image, HPA min/max and edit all change a few
fields of one object, and their undo is the same thing: put those fields back, if they still hold what the
action left.

``field_change`` builds the guarded JSON patch (``test`` of what the user saw in each field, or of the
object's uid where the field is absent) and the ``undo`` data the audit line keeps: the resource (so undo
needs no discovery), and per field its pointer, whether it existed and its value before, and its value after.
``plan_undo_fields`` re-reads the object, refuses when a field no longer holds what the action left, and
otherwise builds the reverse change through the same path.
"""

from __future__ import annotations

from typing import Any

from ..cluster.kinds import ResourceKind
from .audit import AuditRecord
from .client import ObjectRef
from .plan import Plan, PlanError, Session, Write, field_name, read_pointer

_ABSENT = object()


def _at(obj: Any, path: str) -> Any:
    """The value at ``path``, or ``_ABSENT`` (unlike ``read_pointer``, a null value is not absence)."""
    cur = obj
    for raw in path.strip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return _ABSENT
    return cur


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "unset" if value is _ABSENT or value is None else str(value)


def field_change(ref: ObjectRef, obj: dict[str, Any], changes: dict[str, Any], summary: str, *,
                 remove: tuple[str, ...] = (), guard: dict[str, Any] | None = None,
                 **extra: Any) -> tuple[Write, dict[str, Any]]:
    """The write setting each ``changes`` pointer (parents must exist) and removing each ``remove`` pointer,
    guarded by the values in ``obj`` (the object the user saw) — plus ``guard`` (more pointer -> value tests);
    and the undo data for the audit line."""
    tests: dict[str, Any] = {"/metadata/uid": (obj.get("metadata") or {}).get("uid")}
    tests.update(guard or {})
    items = []
    ops: list[dict[str, Any]] = []
    for path, value in changes.items():
        before = _at(obj, path)
        if before is not _ABSENT:
            tests[path] = before
        ops.append({"op": "add", "path": path, "value": value})  # add = set (RFC 6902 4.1)
        items.append({"path": path, "had": before is not _ABSENT, "before": None if before is _ABSENT else before,
                      "after": value, "removed": False})
    for path in remove:
        before = _at(obj, path)
        if before is _ABSENT:
            continue
        tests[path] = before
        ops.append({"op": "remove", "path": path})
        items.append({"path": path, "had": True, "before": before, "after": None, "removed": True})
    body = [{"op": "test", "path": p, "value": v} for p, v in tests.items()] + ops
    write = Write("patch", ref, body, "json", summary=summary, expect=tuple(tests.items()), **extra)
    return write, undo_data(ref, items)


def undo_data(ref: ObjectRef, items: list[dict[str, Any]]) -> dict[str, Any]:
    kind = ref.kind
    return {"type": "fields", "group": kind.group, "version": kind.version, "plural": kind.plural,
            "kind": kind.kind, "namespaced": kind.namespaced, "namespace": ref.namespace, "name": ref.name,
            "items": items}


def _kind(data: dict[str, Any]) -> ResourceKind:
    if "plural" not in data or "kind" not in data:
        raise PlanError("the audit line does not say which resource it changed: cannot undo it")
    return ResourceKind(str(data["plural"]), str(data["kind"]), str(data.get("group") or ""),
                        str(data.get("version") or "v1"), bool(data.get("namespaced", True)))


async def plan_undo_fields(session: Session, rec: AuditRecord, data: dict[str, Any]) -> Plan:
    """Put back the fields ``rec`` changed, if they still hold what it left (else PlanError, nothing sent)."""
    ref = ObjectRef(_kind(data), str(data.get("namespace") or ""), str(data.get("name") or ""))
    obj = await session.read(ref)
    items = list(data.get("items") or [])
    if not items:
        raise PlanError(f"the {rec.verb} at {rec.time} recorded nothing to undo")
    tests: dict[str, Any] = {"/metadata/uid": (obj.get("metadata") or {}).get("uid")}
    ops: list[dict[str, Any]] = []
    before, after = [], []
    for item in items:
        path = item["path"]
        now = _at(obj, path)
        left = _ABSENT if item.get("removed") else item.get("after")
        if now != left and not (now is _ABSENT and left is _ABSENT):
            raise PlanError(f"{ref}: {field_name(path)} is now {shown(now)}, not {shown(left)} as the {rec.verb} at "
                            f"{rec.time} left it: it was changed since, so undo is refused (nothing sent)")
        if now is not _ABSENT:
            tests[path] = now
        if item.get("had"):
            ops.append({"op": "add", "path": path, "value": item.get("before")})
        elif now is not _ABSENT:
            ops.append({"op": "remove", "path": path})
        before.append(f"{field_name(path)} {shown(now)}")
        after.append(f"{field_name(path)} {shown(item.get('before') if item.get('had') else _ABSENT)}")
    body = [{"op": "test", "path": p, "value": v} for p, v in tests.items()] + ops
    write = Write("patch", ref, body, "json", summary="; ".join(after), expect=tuple(tests.items()))
    return session.new_plan("undo", ref, ", ".join(before), ", ".join(after), [write],
                            details=[f"undoes: {rec.verb} {rec.kind}/{rec.name} at {rec.time} ({rec.before} → "
                                     f"{rec.after})"], undoes=rec.id)


__all__ = ["field_change", "plan_undo_fields", "read_pointer", "shown", "undo_data"]
