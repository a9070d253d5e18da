"""The audit log: one JSON line per attempted change, in the XDG state dir (``audit.jsonl``).

A line says who (context, user) did what (verb on kind namespace/name, before -> after, the writes), what the
server's dry-run said, and how it ended (``applied``, ``conflict``, ``failed``, ``dry-run-failed``,
``denied``). Applied lines carry the data ``undo`` needs (``undo`` field), and an undo line names the line it
undoes (``undoes``), so "undo the last action" is answered from this file alone, across restarts.

Each record is written with one ``write`` on a file opened for appending, so concurrent k8stui processes
never interleave inside a line. A damaged line (a crash mid-write) is skipped when reading.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import locations
from ..cluster.secrets import is_secret

if TYPE_CHECKING:
    from .plan import Plan

APPLIED = "applied"
CONFLICT = "conflict"
FAILED = "failed"
DRY_RUN_FAILED = "dry-run-failed"
DENIED = "denied"
OUTCOMES = (APPLIED, CONFLICT, FAILED, DRY_RUN_FAILED, DENIED)
MASKED = "<masked>"


@dataclass
class AuditRecord:
    """One line of the audit log."""

    time: str
    context: str
    user: str
    namespace: str
    kind: str
    name: str
    verb: str
    before: str
    after: str
    dry_run: str  # "ok", "failed: <message>" or "" (not reached)
    outcome: str  # one of OUTCOMES
    message: str = ""
    writes: list[str] = field(default_factory=list)
    id: str = ""
    undo: dict[str, Any] | None = None  # how to reverse an applied action (see actions.undo)
    undoes: str = ""  # the id of the record this action undid

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def target(self) -> str:
        return f"{self.kind}/{self.name}"


def _masked_write(write: Any) -> str:
    text = f"{write.verb} {write.ref}"
    return f"{text} ({write.patch_type} patch)" if write.verb == "patch" else text


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AuditLog:
    """Append and read audit records (default file: ``locations.audit_log_file()``)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or locations.audit_log_file()

    def record(self, plan: Plan, outcome: str, *, dry_run: str = "", message: str = "",
               undoes: str = "") -> AuditRecord:
        """Write the line for ``plan`` ending in ``outcome``; applied lines keep the plan's undo data.

        A plan that writes a Secret (by the resource it targets, not a ``kind`` field) is logged without its
        before/after and write summaries, which could carry values: the file outlives the session."""
        sensitive = any(is_secret(w.ref.kind) for w in plan.writes)
        rec = AuditRecord(
            time=utc_now(), context=plan.context, user=plan.user, namespace=plan.namespace, kind=plan.kind,
            name=plan.name, verb=plan.verb, before=MASKED if sensitive else plan.before,
            after=MASKED if sensitive else plan.after, dry_run=dry_run,
            outcome=outcome, message=" ".join(message.split()),
            writes=[_masked_write(w) if sensitive else w.describe() for w in plan.writes],
            id=uuid.uuid4().hex[:12],
            undo=plan.undo if outcome == APPLIED else None, undoes=undoes or plan.undoes)
        self.append(rec)
        return rec

    def append(self, rec: AuditRecord) -> None:
        line = json.dumps(asdict(rec), separators=(",", ":"), ensure_ascii=False) + "\n"
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def read(self, limit: int | None = None) -> list[AuditRecord]:
        """Records oldest first (the last ``limit`` when given); unreadable lines are skipped."""
        try:
            with self.path.open(encoding="utf-8", errors="replace") as fh:
                lines = fh.readlines()
        except FileNotFoundError:
            return []
        except OSError:
            return []
        if limit is not None:
            lines = lines[-limit:]
        out: list[AuditRecord] = []
        for line in lines:
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                try:
                    out.append(AuditRecord.from_json(data))
                except TypeError:
                    continue
        return out

    def last_undoable(self, context: str) -> AuditRecord | None:
        """The newest applied action in ``context`` that can be undone and has not been undone yet."""
        records = [r for r in self.read() if r.context == context]
        undone = {r.undoes for r in records if r.undoes and r.outcome == APPLIED}
        for rec in reversed(records):
            if rec.outcome != APPLIED:
                continue
            if rec.undoes:
                continue  # an undo itself is not undone by "undo"; the user can redo the action
            if rec.undo and rec.id not in undone:
                return rec
        return None


def mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


__all__ = ["APPLIED", "CONFLICT", "DENIED", "DRY_RUN_FAILED", "FAILED", "AuditLog", "AuditRecord", "utc_now"]
