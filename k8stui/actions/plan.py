"""Plans and the one path every mutation takes: RBAC pre-check -> server-side dry-run -> confirm -> apply ->
audit, with 409 Conflict -> re-read, rebuild, ask again.

A ``Plan`` is what will change, said twice: for people (kind/name, namespace, context, before -> after, warnings,
details) and for the API server (``writes``: patches guarded by a precondition, creates, deletes).

Patches of ``spec`` are JSON patches whose ``test`` operations hold the values the user saw (``guarded_patch``:
``spec.replicas`` still 1, the selector still ``version=blue``), not the whole object's resourceVersion: the
controllers bump ``status`` (and the resourceVersion) every few seconds, which made a resourceVersion
precondition fail again and again although nothing the user decided on had changed. When a guarded field
really changed, the write fails (422 from the failed ``test``), the object is re-read, and the user is asked
again with the new value. Builders in ``scale``, ``rollout``, ``bluegreen``, ``burst``, ``canary`` and ``undo`` read
the objects fresh and return a Plan, or raise ``PlanError`` with a one-line reason when the action makes no
sense (nothing selected that can be scaled, no virtual node, ...).

``run_plan`` drives a builder through the path; the UI passes a ``confirm`` callback (the dialog) and nothing
else, so the same path is exercised by tests without widgets. Nothing here overwrites a change made by
someone else: a failed precondition (a 409, or a failed ``test``) re-reads and asks again with the new state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..cluster.access import AccessChecker
from ..cluster.connection import Connection
from ..cluster.kinds import ResourceKind
from .audit import APPLIED, CONFLICT, DENIED, DRY_RUN_FAILED, FAILED, AuditLog, AuditRecord
from .client import ApiFailure, KubeApi, ObjectRef

WAIT_ZERO_TIMEOUT = 120.0
MAX_CONFLICT_ROUNDS = 5


# Verbs as the user reads them where the audit verb is a compound word.
_VERB_WORDS = {"bluegreen": "blue-green switch of", "bluegreen-revert": "blue-green revert of"}

class PlanError(Exception):
    """The action cannot be planned; ``str(err)`` is one line for the user (nothing was sent)."""


@dataclass(frozen=True)
class Write:
    """One API write of a plan: a patch (``patch_type`` merge/strategic/json), a create or a delete.

    Spec patches are guarded by ``expect``: (JSON pointer, value the user saw) pairs, sent as ``test``
    operations of a JSON patch (``guarded_patch``). Other patches may carry ``resource_version`` inside the
    body (409 when the object changed at all). A delete that follows a scale-to-zero has no version yet: with
    ``require_replicas`` set it is re-read just before the delete, checked, and deleted with that fresh version
    as precondition.

    A delete with ``uid`` is guarded like a patch, by what the user saw: just before it is sent the object is
    re-read; another object under the same name (a new uid), or a change to a field in ``expect`` (e.g.
    ``metadata.generation``: someone changed its spec), is a conflict; otherwise it is deleted with
    ``preconditions`` uid + that fresh resourceVersion, so status churn between the confirmation and the
    delete does not make the user confirm again, but nothing the user did not see is deleted. One that is
    gone by then counts as done.
    """

    verb: str  # "patch" | "create" | "delete"
    ref: ObjectRef
    body: Any = None
    patch_type: str = "merge"
    resource_version: str = ""
    summary: str = ""
    wait_scaled_down: bool = False  # after this write, wait until the Deployment has no pods
    require_replicas: int | None = None
    expect: tuple[tuple[str, Any], ...] = ()  # (JSON pointer, value the user saw): the JSON patch's tests
    subresource: str = ""  # "ephemeralcontainers", "scale" ... ("" = the object itself)
    uid: str = ""  # delete: the object the user saw (DeleteOptions.preconditions.uid)
    propagation: str = ""  # delete: Background | Foreground | Orphan ("" = the server's default)
    grace_seconds: int | None = None  # delete: gracePeriodSeconds (0 = at once)

    def describe(self) -> str:
        text = f"{self.verb} {self.ref}" + (f" ({self.subresource})" if self.subresource else "")
        if self.verb == "patch":
            text += f" ({self.patch_type} patch)"
        elif self.verb == "delete":
            options = [f"propagation {self.propagation}"] if self.propagation else []
            if self.grace_seconds is not None:
                options.append(f"grace period {self.grace_seconds}s")
            text += f" ({', '.join(options)})" if options else ""
        return f"{text}: {self.summary}" if self.summary else text

    @property
    def rbac_verb(self) -> str:
        return self.verb

    @property
    def precondition(self) -> str:
        """The precondition in words, for the confirmation (``if spec.replicas is still 1``)."""
        if self.uid and self.verb in ("delete", "create"):
            seen = "".join(f", {field_name(p)} still {_shown(v)}" for p, v in self.expect)
            return f"it is still the object you saw (uid {self.uid[:8]}…{seen})"
        if self.expect:
            return " and ".join(f"{field_name(p)} is still {_shown(v)}" if not isinstance(v, dict | list)
                                else f"{field_name(p)} is unchanged" for p, v in self.expect)
        if self.resource_version:
            return f"resourceVersion = {self.resource_version}"
        if self.require_replicas is not None:
            return f"still scaled to {self.require_replicas}"
        return ""


def pointer(*parts: str) -> str:
    """A JSON pointer (RFC 6901) from path parts: ``pointer("metadata", "annotations", "a/b")``."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def field_name(path: str) -> str:
    """``/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt`` -> a dotted name for people."""
    return ".".join(p.replace("~1", "/").replace("~0", "~") for p in path.strip("/").split("/"))


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as in the YAML the user knows, not Python's True
    return "unset" if value is None else str(value)


_MISSING = object()


def read_pointer(obj: Any, path: str) -> Any:
    """The value at ``path`` in ``obj``, or None when it is not there."""
    cur = obj
    for raw in path.strip("/").split("/") if path else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            cur = cur.get(part, _MISSING)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            cur = _MISSING
        if cur is _MISSING:
            return None
    return cur


def guarded_patch(ref: ObjectRef, seen: dict[str, Any], changes: dict[str, Any], summary: str,
                  **extra: Any) -> Write:
    """A JSON patch that ``test``s every field in ``seen`` (pointer -> the value the user saw) and sets every
    field in ``changes`` (pointer -> new value; parents must exist). Fields the user did not see — status,
    annotations, the resourceVersion — may change meanwhile without defeating it; a change to one they saw
    makes the server refuse the whole patch. Paths in ``seen`` must exist (RFC 6902: a ``test`` of a missing
    member fails): guard the nearest existing parent instead."""
    ops: list[dict[str, Any]] = [{"op": "test", "path": p, "value": v} for p, v in seen.items()]
    ops += [{"op": "add", "path": p, "value": v} for p, v in changes.items()]  # add = set (RFC 6902 4.1)
    return Write("patch", ref, ops, "json", summary=summary, expect=tuple(seen.items()), **extra)


@dataclass(frozen=True)
class FollowUp:
    """What to watch after the writes: ``rollout`` of a Deployment (until complete or stalled)."""

    kind: str
    ref: ObjectRef
    description: str = ""


@dataclass
class Plan:
    """A change ready to be shown, dry-run, confirmed and applied."""

    verb: str  # scale, restart, rollback, bluegreen, bluegreen-revert, burst, unburst, canary, undo
    kind: str  # the main object's kind ("Deployment", "Service")
    namespace: str
    name: str
    context: str
    user: str
    before: str
    after: str
    writes: list[Write]
    resource_version: str = ""
    warnings: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    follow_up: list[FollowUp] = field(default_factory=list)
    undo: dict[str, Any] | None = None  # stored in the audit line when applied
    undoes: str = ""  # the audit id this plan reverses (undo plans)
    danger: str = ""  # a loud line for the confirmation (kill: "pods are killed at once, no graceful stop")
    confirm_word: str = ""  # what to type in a dangerous context ("" = the name)

    @property
    def typed_confirmation(self) -> str:
        return self.confirm_word or self.name

    @property
    def title(self) -> str:
        """What the user reads (confirmation title, toasts); the audit log keeps the bare ``verb``."""
        verb = _VERB_WORDS.get(self.verb, self.verb)
        return f"{verb} {self.kind.lower()} {self.namespace}/{self.name}" if self.namespace else \
            f"{verb} {self.kind.lower()} {self.name}"

    @property
    def change(self) -> str:
        return f"{self.before} → {self.after}"


@dataclass
class Outcome:
    """How ``run_plan`` ended: ``status`` is applied, cancelled, denied, dry-run-failed, failed or refused."""

    status: str
    message: str
    plan: Plan | None = None
    record: AuditRecord | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    conflicts: int = 0

    @property
    def applied(self) -> bool:
        return self.status == APPLIED


class ConflictError(Exception):
    """A write's precondition failed: the object changed (or appeared) since the plan was built.
    ``changes`` says what changed in the fields the user saw ("spec.replicas is now 4 (you saw 1)"), when
    known."""

    def __init__(self, write: Write, failure: ApiFailure | None, applied: int, message: str = "",
                 changes: str = "") -> None:
        super().__init__(message or changes or (str(failure) if failure else "conflict"))
        self.write = write
        self.failure = failure
        self.applied = applied
        self.changes = changes


class ApplyError(Exception):
    """A write failed for another reason than a conflict; ``applied`` writes before it went through."""

    def __init__(self, write: Write, failure: ApiFailure, applied: int) -> None:
        super().__init__(str(failure))
        self.write = write
        self.failure = failure
        self.applied = applied


class Session:
    """What an action needs: the API, RBAC answers, the audit log, and who is acting (context, user)."""

    def __init__(self, connection: Connection, audit: AuditLog | None = None) -> None:
        self.connection = connection
        self.api = KubeApi(connection)
        self.access = AccessChecker(connection, client=self.api.client)
        self.audit = audit or AuditLog()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.api.close()

    @property
    def context(self) -> str:
        return self.connection.target.context

    @property
    def user(self) -> str:
        return self.connection.target.user

    def new_plan(self, verb: str, ref: ObjectRef, before: str, after: str, writes: list[Write],
                 resource_version: str = "", **extra: Any) -> Plan:
        return Plan(verb=verb, kind=ref.kind.kind, namespace=ref.namespace, name=ref.name, context=self.context,
                    user=self.user, before=before, after=after, writes=writes,
                    resource_version=resource_version, **extra)

    # -- reads ---------------------------------------------------------------------------------------
    async def read(self, ref: ObjectRef) -> dict[str, Any]:
        """The object now; a missing or forbidden object is a PlanError with the server's reason."""
        try:
            return await self.api.get(ref.kind, ref.namespace or None, ref.name)
        except ApiFailure as exc:
            raise PlanError(read_error(ref, exc)) from None

    async def read_list(self, kind: ResourceKind, namespace: str | None, label_selector: str = "",
                        field_selector: str = "") -> list[dict[str, Any]]:
        try:
            return await self.api.list(kind, namespace, label_selector, field_selector)
        except ApiFailure as exc:
            where = f" in namespace {namespace}" if namespace else ""
            if exc.forbidden:
                raise PlanError(f"RBAC: user {self.user!r} may not list {kind.key}{where}") from None
            raise PlanError(f"cannot list {kind.key}{where}: {exc}") from None

    # -- the path ------------------------------------------------------------------------------------
    async def may(self, verb: str, kind: ResourceKind, namespace: str, name: str = "", subresource: str = "") -> str:
        """"" when RBAC allows ``verb`` on the object (SelfSubjectAccessReview), else the reason."""
        decision = await self.access.check(verb, kind.plural, kind.group, namespace or None,
                                           name or None, subresource)
        if decision.allowed:
            return ""
        where = f" in namespace {namespace}" if namespace else " at cluster scope"
        resource = f"{kind.key}/{subresource}" if subresource else kind.key
        if decision.error:
            return f"cannot check permissions ({decision.error}); refusing to {verb} {resource}{where}"
        why = f" ({decision.reason})" if decision.reason else ""
        return f"RBAC: user {self.user!r} may not {verb} {resource}{where}{why}"

    async def check_access(self, plan: Plan) -> str:
        """"" when every write is allowed, else the first refusal. Writes of one verb on many objects of a
        kind and namespace (deleting 50 pods) ask once for the whole namespace, and by name only when that is
        refused (a Role may allow some names only)."""
        groups: dict[tuple[str, ResourceKind, str, str], list[str]] = {}
        for w in plan.writes:
            names = groups.setdefault((w.rbac_verb, w.ref.kind, w.ref.namespace, w.subresource), [])
            name = "" if w.verb == "create" else w.ref.name
            if name not in names:
                names.append(name)
        for (verb, kind, namespace, subresource), names in groups.items():
            if len(names) > 1 and not await self.may(verb, kind, namespace, "", subresource):
                continue
            for name in names:
                reason = await self.may(verb, kind, namespace, name, subresource)
                if reason:
                    return reason
        return ""

    async def dry_run(self, plan: Plan) -> str:
        """"" when the server accepts every write with ``dryRun=All``, else its message. Raises ConflictError
        when a precondition already fails (the object changed between the read and the dry-run)."""
        for w in plan.writes:
            try:
                await self._send(w, dry_run=True)
            except ApiFailure as exc:
                await self._raise_if_conflict(w, exc, 0)
                return f"{w.describe()}: {exc}"
        return ""

    async def _raise_if_conflict(self, w: Write, exc: ApiFailure, index: int) -> None:
        """ConflictError when ``exc`` says a precondition failed: a 409, or a guarded patch refused (a failed
        ``test`` is a 422 on a real API server) while the object shows a guarded field really changed."""
        if exc.conflict:
            raise ConflictError(w, exc, index)
        if w.expect and exc.status == 422:
            changes = await self.changed_fields(w)
            if changes:
                raise ConflictError(w, exc, index, changes=changes)

    async def changed_fields(self, w: Write) -> str:
        """What changed in the fields ``w`` guards, read now ("" when nothing did, or the read fails)."""
        try:
            obj = await self.api.get(w.ref.kind, w.ref.namespace or None, w.ref.name)
        except ApiFailure:
            return ""
        changed = []
        for path, seen in w.expect:
            now = read_pointer(obj, path)
            if now != seen:
                if isinstance(now, dict | list) or isinstance(seen, dict | list):
                    changed.append(f"{field_name(path)} was changed")
                else:
                    changed.append(f"{field_name(path)} is now {_shown(now)} (you saw {_shown(seen)})")
        return "; ".join(changed)

    async def apply(self, plan: Plan) -> list[dict[str, Any]]:
        """Send the writes in order; raises ConflictError (409 or a changed object) or ApplyError."""
        results: list[dict[str, Any]] = []
        for index, w in enumerate(plan.writes):
            if w.require_replicas is not None and not w.resource_version:
                w = await self._refreshed(w, index)
            elif w.verb == "delete" and w.uid and not w.resource_version:
                fresh = await self._fresh_delete(w, index)
                if fresh is None:
                    results.append({"gone": str(w.ref)})  # deleted by someone (something) else meanwhile
                    continue
                w = fresh
            try:
                results.append(await self._send(w))
            except ApiFailure as exc:
                if w.verb == "delete" and exc.not_found:
                    results.append({"gone": str(w.ref)})
                    continue
                await self._raise_if_conflict(w, exc, index)
                raise ApplyError(w, exc, index) from None
            if w.wait_scaled_down:
                await self.wait_scaled_down(w.ref)
        return results

    async def _refreshed(self, w: Write, index: int) -> Write:
        try:
            obj = await self.api.get(w.ref.kind, w.ref.namespace, w.ref.name)
        except ApiFailure as exc:
            if exc.not_found:
                raise ConflictError(w, exc, index, f"{w.ref} is gone already") from None
            raise ApplyError(w, exc, index) from None
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        if replicas != w.require_replicas:
            raise ConflictError(w, None, index, f"{w.ref} was scaled to {replicas} by someone else")
        return replace(w, resource_version=obj["metadata"]["resourceVersion"], require_replicas=None)

    async def _fresh_delete(self, w: Write, index: int) -> Write | None:
        """``w`` with the object's resourceVersion now, if it is still the object the user saw; None when it
        is gone."""
        try:
            obj = await self.api.get(w.ref.kind, w.ref.namespace or None, w.ref.name)
        except ApiFailure as exc:
            if exc.not_found:
                return None
            raise ApplyError(w, exc, index) from None
        meta = obj.get("metadata") or {}
        if meta.get("uid") != w.uid:
            raise ConflictError(w, None, index, changes=f"{w.ref} is another object now (it was deleted and "
                                                        "created again under the same name)")
        changed = [f"{field_name(p)} is now {_shown(read_pointer(obj, p))} (you saw {_shown(v)})"
                   for p, v in w.expect if read_pointer(obj, p) != v]
        if changed:
            raise ConflictError(w, None, index, changes="; ".join(changed))
        return replace(w, resource_version=str(meta.get("resourceVersion") or ""))

    async def _send(self, w: Write, dry_run: bool = False) -> dict[str, Any]:
        ns = w.ref.namespace or None
        if w.verb == "patch":
            return await self.api.patch(w.ref.kind, ns, w.ref.name, w.body, w.patch_type, dry_run=dry_run,
                                        subresource=w.subresource)
        if w.verb == "create" and w.subresource == "eviction":
            return await self.api.evict(w.ref.namespace, w.ref.name, uid=w.uid, dry_run=dry_run)
        if w.verb == "create":
            return await self.api.create(w.ref.kind, ns, w.body, dry_run=dry_run)
        if w.verb == "delete":
            rv = w.resource_version
            if dry_run and not rv:
                rv = ""  # the version is only known after the preceding writes; dry-run without it
            return await self.api.delete(w.ref.kind, ns, w.ref.name, rv, dry_run=dry_run, uid=w.uid,
                                         propagation=w.propagation or "Background", grace_seconds=w.grace_seconds)
        raise ValueError(f"unknown write verb {w.verb!r}")

    async def wait_scaled_down(self, ref: ObjectRef, timeout: float = WAIT_ZERO_TIMEOUT) -> None:
        """Until the Deployment reports no pods (status.replicas 0)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                obj = await self.api.get(ref.kind, ref.namespace, ref.name)
            except ApiFailure as exc:
                if exc.not_found:
                    return
                raise
            if not (obj.get("status") or {}).get("replicas"):
                return
            await asyncio.sleep(0.3)


def read_error(ref: ObjectRef, exc: ApiFailure) -> str:
    if exc.forbidden:
        return f"RBAC: forbidden to read {ref}: {exc.message}"
    if exc.not_found:
        return f"{ref} not found (deleted?)"
    return f"cannot read {ref}: {exc}"


ConfirmFn = Callable[[Plan, str], Awaitable[bool]]
Builder = Callable[[], Awaitable[Plan]]


async def run_plan(session: Session, build: Builder, confirm: ConfirmFn) -> Outcome:
    """Build -> access -> dry-run -> confirm(plan, notice) -> apply -> audit; a 409 re-reads (rebuilds the
    plan from the new state) and asks again with a notice saying what changed. Never raises for API or
    planning errors: the Outcome says what happened, in one line."""
    notice = ""
    conflicts = 0
    while True:
        try:
            plan = await build()
        except PlanError as exc:
            if conflicts:
                return Outcome("cancelled", f"after a concurrent change: {exc}", conflicts=conflicts)
            return Outcome("refused", str(exc))
        denied = await session.check_access(plan)
        if denied:
            rec = session.audit.record(plan, DENIED, message=denied)
            return Outcome("denied", denied, plan, rec, conflicts=conflicts)
        confirmed = False
        try:
            dry = await session.dry_run(plan)
            if dry:
                rec = session.audit.record(plan, DRY_RUN_FAILED, dry_run=f"failed: {dry}", message=dry)
                return Outcome(DRY_RUN_FAILED, f"the server rejected the change (dry-run): {dry}", plan, rec,
                               conflicts=conflicts)
            if not await confirm(plan, notice):
                return Outcome("cancelled", f"{plan.title}: cancelled, nothing changed", plan,
                               conflicts=conflicts)
            confirmed = True
            results = await session.apply(plan)
        except ConflictError as exc:
            conflicts += 1
            partial = f" ({exc.applied} of {len(plan.writes)} writes were applied first)" if exc.applied else ""
            message = f"{exc.write.ref} changed since the plan was made{partial}: {exc}"
            session.audit.record(plan, CONFLICT, dry_run="ok" if confirmed else "conflict", message=message)
            if conflicts >= MAX_CONFLICT_ROUNDS:
                return Outcome(CONFLICT, f"{message}; giving up after {conflicts} conflicts", plan,
                               conflicts=conflicts)
            what = f": {exc.changes}" if exc.changes else " after the plan was made"
            notice = (f"{exc.write.ref} was changed by someone else{what}; nothing of yours overwrote "
                      f"it{partial}. The plan was rebuilt from the new state — check it and confirm again.")
            continue
        except ApplyError as exc:
            partial = f" after {exc.applied} of {len(plan.writes)} writes" if exc.applied else ""
            message = f"{exc.write.describe()} failed{partial}: {exc.failure}"
            rec = session.audit.record(plan, FAILED, dry_run="ok", message=message)
            return Outcome(FAILED, message, plan, rec, conflicts=conflicts)
        except ApiFailure as exc:
            rec = session.audit.record(plan, FAILED, dry_run="ok", message=str(exc))
            return Outcome(FAILED, str(exc), plan, rec, conflicts=conflicts)
        rec = session.audit.record(plan, APPLIED, dry_run="ok")
        return Outcome(APPLIED, f"{plan.title}: {plan.change}", plan, rec, results, conflicts)


def meta_rv(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


__all__ = ["ApplyError", "Builder", "ConfirmFn", "ConflictError", "FollowUp", "Outcome", "Plan", "PlanError",
           "Session", "Write", "field_name", "guarded_patch", "meta_rv", "pointer", "read_error", "read_pointer",
           "run_plan"]
