"""The keys that change the cluster — ``s`` scale, ``r`` restart, ``u`` rollback, ``b``/``B`` blue-green switch
and revert, ``x``/``X`` burst and un-burst, ``c`` canary, and undo (``z`` in ``:audit``) — as one flow each
(the everyday ones — delete, edit, set image, shell, port-forward, drain, ... — are in ``everyday``):

    what is selected -> RBAC pre-check -> the action's own dialog (count, revision, share, preflight)
    -> plan -> dry-run -> confirmation (the exact change) -> apply -> audit -> progress until done or stalled

The planning and API work is ``k8stui.actions``; this module only picks the target from the selection, asks
through modal dialogs (``push_screen_wait`` in a worker, so the UI never blocks) and reports each step as a
toast. Every message is also kept in ``journal(app)`` — what the user was told, in order. Read-only mode is
refused here as well as by the screen, so no path can send a mutating request when it is on.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..actions import bluegreen, burst, canary, rollout, scale, undo
from ..actions.client import ApiFailure, ObjectRef
from ..actions.plan import FollowUp, Outcome, Plan, PlanError, Session, run_plan
from ..cluster.kinds import DEPLOYMENTS, HPAS, SERVICES
from ..text import sanitize
from . import workload_ops
from .screens.confirm import ConfirmScreen, is_dangerous
from .screens.dialogs import BurstDialog, CanaryDialog, QuestionDialog, RevisionPicker, ScaleDialog

if TYPE_CHECKING:
    from textual.app import App

OPERATIONS = ("scale", "restart", "rollback", "bluegreen", "bluegreen-revert", "burst", "unburst", "canary", "undo",
              "delete", "kill", "edit", "set-image", "shell", "attach", "debug", "port-forward", "cordon",
              "uncordon", "drain", "trigger", "suspend")
PROGRESS_INTERVAL = 2.0  # at most one progress toast this often


@dataclass(frozen=True)
class Report:
    """One message shown to the user (``severity``: information, warning, error)."""

    message: str
    severity: str = "information"


_journals: weakref.WeakKeyDictionary[Any, list[Report]] = weakref.WeakKeyDictionary()
_busy: weakref.WeakSet[Any] = weakref.WeakSet()


def journal(app: App) -> list[Report]:
    """Every operation message shown in ``app`` so far (oldest first)."""
    return _journals.setdefault(app, [])


def busy(app: App) -> bool:
    """Whether an operation is asking for input or applying in ``app`` (progress watching does not count)."""
    return app in _busy


def report(app: App, message: str, severity: str = "information", timeout: float | None = None) -> None:
    journal(app).append(Report(message, severity))
    app.notify(sanitize(message), severity=severity,  # type: ignore[arg-type]
               timeout=timeout if timeout is not None else (8.0 if severity == "error" else 5.0), markup=False)


def read_only_reason(app: Any) -> str:
    reason = getattr(app, "read_only_reason", "") or "read-only mode"
    return f"{reason}: changes to the cluster are disabled"


# -- the target ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """What the operation acts on: the selected object and the Deployment it means (if any)."""

    kind_key: str
    obj: dict[str, Any]
    namespace: str
    name: str
    deployment: str  # the Deployment the selection stands for ("" when none)

    @property
    def label(self) -> str:
        return f"{self.kind_key.split('.')[0].rstrip('s')} {self.namespace}/{self.name}"


def _owner_deployment(kind_key: str, obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    if kind_key.startswith("deployments"):
        return str(meta.get("name", ""))
    owners = [o for o in meta.get("ownerReferences") or () if o.get("controller")]
    if kind_key.startswith("replicasets"):
        return next((str(o.get("name")) for o in owners if o.get("kind") == "Deployment"), "")
    if kind_key == "pods":
        rs = next((str(o.get("name")) for o in owners if o.get("kind") == "ReplicaSet"), "")
        hash_label = (meta.get("labels") or {}).get("pod-template-hash", "")
        if rs and hash_label and rs.endswith("-" + hash_label):
            return rs[: -len(hash_label) - 1]
    return ""


def target_of(selection: tuple[str, dict[str, Any]]) -> Target:
    kind_key, obj = selection
    meta = obj.get("metadata") or {}
    return Target(kind_key, obj, str(meta.get("namespace", "")), str(meta.get("name", "")),
                  _owner_deployment(kind_key, obj))


# -- entry point -----------------------------------------------------------------------------------------------
def run_operation(screen: Any, name: str, selection: tuple[str, dict[str, Any]] | None = None) -> None:
    """Start operation ``name`` on ``selection`` (default: the screen's focused row). Returns at once; the
    dialogs and API calls run in a worker."""
    app = screen.app
    if getattr(app, "read_only", False):
        report(app, f"{name} refused — {read_only_reason(app)}", "warning")
        return
    if name not in OPERATIONS:
        report(app, f"unknown operation {name!r}", "error")
        return
    targets: list[Target] = []
    if name != "undo":
        marked = screen.marked_selections() if selection is None and name in _multi() and \
            hasattr(screen, "marked_selections") else []
        selection = selection if selection is not None else screen.selection()
        if selection is None and not marked:
            report(app, f"{name}: nothing selected — move to {'a Deployment' if name in OPERATIONS[:9] else 'an object'}"
                        " first", "warning")
            return
        targets = [target_of(s) for s in marked] or [target_of(selection)]  # type: ignore[arg-type]
    if busy(app):
        report(app, "another operation is waiting for you: finish or cancel it first", "warning")
        return
    _busy.add(app)
    # Keys typed before the operation's first dialog shows are meant for that dialog (keygate.py).
    gate = getattr(app, "key_gate", None)
    hold = gate.hold(f"operation {name}") if gate is not None else None
    app.run_worker(_operate(app, name, targets, hold), group="k8stui-operations", exit_on_error=False,
                   name=f"operation {name}")


def _multi() -> frozenset[str]:
    from .everyday import MULTI

    return MULTI


async def _operate(app: Any, name: str, targets: list[Target], hold: int | None = None) -> None:
    follow: list[FollowUp] = []
    session = Session(app.connection)
    try:
        op = Operation(app, session, targets, hold)
        try:
            follow = await HANDLERS[name](op)
        except PlanError as exc:
            report(app, f"{name} refused: {exc}", "error")
        except ApiFailure as exc:
            report(app, f"{name} failed: {exc}", "error")
        finally:
            op.release_keys()
            _busy.discard(app)
        for fu in follow:
            await op.watch(fu)
    finally:
        await session.close()


class Operation:
    """One run of an operation: the session, the target, and the ways to ask and tell the user."""

    def __init__(self, app: Any, session: Session, targets: list[Target] | Target | None,
                 hold: int | None = None) -> None:
        self.app = app
        self.session = session
        self.targets = targets if isinstance(targets, list) else [targets] if targets is not None else []
        self.target = self.targets[0] if self.targets else None
        self.settings = app.settings
        self._hold = hold

    def release_keys(self) -> None:
        """Stop holding the keys typed since the operation started: a dialog is up, the terminal is about to be
        handed to an editor or a shell, or the operation ended."""
        hold, self._hold = self._hold, None
        if hold is not None:
            self.app.key_gate.release(hold)

    # -- targets ---------------------------------------------------------------------------------
    def deployment(self, verb: str) -> ObjectRef:
        t = self.target
        assert t is not None
        if not t.deployment:
            raise PlanError(f"{verb} works on Deployments{' and StatefulSets' if verb == 'scale' else ''}: "
                            f"{t.label} is not one (select one, or one of its pods)")
        return ObjectRef(DEPLOYMENTS, t.namespace, t.deployment)

    async def precheck(self, verb: str, ref: ObjectRef, *, named: bool = True) -> None:
        """RBAC before asking anything: PlanError with the reason when the user may not."""
        reason = await self.session.may(verb, ref.kind, ref.namespace, ref.name if named else "")
        if reason:
            raise PlanError(reason)

    # -- asking ----------------------------------------------------------------------------------
    async def ask(self, screen: Any) -> Any:
        dismissed = self.app.push_screen(screen, wait_for_dismiss=True)  # the push holds keys until it is up
        self.release_keys()
        return await dismissed

    async def confirm(self, plan: Plan, notice: str) -> bool:
        dangerous = is_dangerous(plan.context, self.settings.dangerous_contexts)
        return bool(await self.ask(ConfirmScreen(plan, notice, dangerous)))

    async def run(self, build: Callable[[], Awaitable[Plan]]) -> Outcome:
        outcome = await run_plan(self.session, build, self.confirm)
        self.tell(outcome)
        return outcome

    def tell(self, outcome: Outcome) -> None:
        """Report how a plan ended (one toast, kept in the journal)."""
        severity = {"applied": "information", "cancelled": "information"}.get(outcome.status, "error")
        prefix = {"denied": "refused: ", "refused": "refused: ", "failed": "failed: ", "conflict": "conflict: ",
                  "dry-run-failed": ""}.get(outcome.status, "")
        report(self.app, prefix + outcome.message, severity)

    # -- progress --------------------------------------------------------------------------------
    async def watch(self, fu: FollowUp) -> rollout.RolloutState:
        last = [0.0]

        def progress(state: rollout.RolloutState) -> None:
            now = time.monotonic()
            if state.done or state.stalled or now - last[0] < PROGRESS_INTERVAL:
                return
            last[0] = now
            report(self.app, f"{fu.ref.name}: {state.message}", timeout=PROGRESS_INTERVAL + 1)

        state = await rollout.watch_rollout(self.session, fu.ref, progress)
        if state.done:
            report(self.app, f"{fu.ref.name}: {state.message}" + (f" ({fu.description})" if fu.description else ""))
        elif state.stalled:
            report(self.app, f"{fu.ref.name}: rollout stalled — {state.reason or state.message}", "error")
        else:
            report(self.app, f"{fu.ref.name}: {state.message}", "warning")
        return state


# -- the operations ---------------------------------------------------------------------------------------------
def _follow(outcome: Outcome) -> list[FollowUp]:
    return list(outcome.plan.follow_up) if outcome.applied and outcome.plan else []


async def _scale(op: Operation) -> list[FollowUp]:
    if op.target is not None and op.target.kind_key.startswith("horizontalpodautoscalers"):
        from .everyday import hpa_bounds

        return await hpa_bounds(op, ObjectRef(HPAS, op.target.namespace, op.target.name))
    workload = workload_ops.workload_of(op.target)  # a StatefulSet (or one of its pods) scales too
    if workload is not None and workload[0] == scale.STATEFULSETS.key:
        assert op.target is not None
        ref = scale.deployment_ref(op.target.namespace, workload[1], workload[0])
    else:
        ref = op.deployment("scale")
    await op.precheck("patch", ref)
    obj = await op.session.read(ref)
    hpa = await scale.hpa_for(op.session, ref.namespace, ref.name, ref.kind.kind)
    maximum = op.settings.scale_max
    replicas = await op.ask(ScaleDialog(ref.namespace, ref.name, scale.replicas_of(obj), scale.ready_of(obj),
                                        maximum, hpa, kind=ref.kind.kind))
    if replicas is None:
        report(op.app, f"scale {ref}: cancelled, nothing changed")
        return []
    return _follow(await op.run(lambda: scale.plan_scale(op.session, ref.namespace, ref.name, replicas, maximum,
                                                         kind_key=ref.kind.key)))


async def _restart(op: Operation) -> list[FollowUp]:
    workload = workload_ops.workload_of(op.target)  # a StatefulSet or DaemonSet (or one of its pods)
    if workload is not None:
        return await workload_ops.restart(op, *workload)
    ref = op.deployment("restart")
    await op.precheck("patch", ref)
    return _follow(await op.run(lambda: rollout.plan_restart(op.session, ref.namespace, ref.name)))


async def _rollback(op: Operation) -> list[FollowUp]:
    workload = workload_ops.workload_of(op.target)  # a StatefulSet or DaemonSet (or one of its pods)
    if workload is not None:
        return await workload_ops.rollback(op, *workload)
    ref = op.deployment("rollback")
    await op.precheck("patch", ref)
    obj = await op.session.read(ref)
    revisions = await rollout.history(op.session, ref.namespace, ref.name, obj)
    if len(revisions) < 2:
        raise PlanError(f"{ref} has no earlier revision to roll back to")
    template = (obj.get("spec") or {}).get("template") or {}
    revision = await op.ask(RevisionPicker(ref.namespace, ref.name, revisions, template))
    if revision is None:
        report(op.app, f"rollback {ref}: cancelled, nothing changed")
        return []
    return _follow(await op.run(lambda: rollout.plan_rollback(op.session, ref.namespace, ref.name, revision)))


async def _switch(op: Operation, revert: bool) -> list[FollowUp]:
    t = op.target
    assert t is not None
    verb = "bluegreen-revert" if revert else "bluegreen"
    if t.kind_key == "services":
        kind_key, obj = t.kind_key, t.obj
    elif t.deployment:
        kind_key, obj = DEPLOYMENTS.key, {"metadata": {"name": t.deployment, "namespace": t.namespace}}
    else:
        raise PlanError(f"blue/green works on a Deployment of a pair or its Service: {t.label} is neither")
    await op.precheck("patch", ObjectRef(SERVICES, t.namespace, ""), named=False)
    resolve = bluegreen.resolve_revert if revert else bluegreen.resolve_switch
    switch = await resolve(op.session, kind_key, obj)
    service = ObjectRef(SERVICES, switch.pair.namespace, switch.service)
    await op.precheck("patch", service)
    pre = bluegreen.preflight(switch)
    colour = switch.target_colour
    if not pre.ok:
        target_ref = scale.deployment_ref(switch.pair.namespace, colour.name)
        if colour.replicas < pre.scale_to:
            question = f"Scale {colour.name} to {pre.scale_to} replicas, wait until all are ready, then switch?"
        else:
            question = f"Wait until {colour.name} has all {colour.replicas} replicas ready, then switch?"
        if not await op.ask(QuestionDialog(f"Blue/green preflight: Service {switch.service}",
                                           [pre.message, question], yes="Go on", no="Stop")):
            report(op.app, f"not switched: {colour.name} is not ready to take the traffic of {switch.service}",
                   "warning")
            return []
        if colour.replicas < pre.scale_to:
            await op.precheck("patch", target_ref)
            outcome = await op.run(lambda: scale.plan_scale(op.session, target_ref.namespace, target_ref.name,
                                                            pre.scale_to))
            if not outcome.applied:
                return []
        state = await op.watch(FollowUp("rollout", target_ref, f"{pre.scale_to} ready"))
        if not state.done:
            report(op.app, f"not switched: {colour.name} did not become ready", "error")
            return []
    outcome = await op.run(lambda: bluegreen.plan_switch(op.session, switch.pair.namespace, switch.service,
                                                         switch.target, verb))
    if outcome.applied:
        report(op.app, f"Service {switch.service} now sends traffic to {colour.name} (version={switch.target}); "
                       f"press m on {switch.service} or {colour.name} to watch the request rate by version")
    return []


async def _bluegreen(op: Operation) -> list[FollowUp]:
    return await _switch(op, revert=False)


async def _bluegreen_revert(op: Operation) -> list[FollowUp]:
    return await _switch(op, revert=True)


async def _burst(op: Operation) -> list[FollowUp]:
    ref = op.deployment("burst")
    await op.precheck("create", ObjectRef(DEPLOYMENTS, ref.namespace, ""), named=False)
    await op.precheck("patch", ref)
    view = await burst.burst_view(op.session, ref.namespace, ref.name)
    count = await op.ask(BurstDialog(view))
    if count is None:
        report(op.app, f"burst {ref}: cancelled, nothing changed")
        return []
    move = burst.Move()  # the same targets if a conflict makes run() rebuild the plan
    return _follow(await op.run(lambda: burst.plan_burst(op.session, ref.namespace, ref.name, count, move)))


async def _unburst(op: Operation) -> list[FollowUp]:
    ref = op.deployment("un-burst")
    original = ObjectRef(DEPLOYMENTS, ref.namespace, burst.original_name(ref.name))
    companion = ObjectRef(DEPLOYMENTS, ref.namespace, original.name + burst.BURST_SUFFIX)
    await op.precheck("delete", companion)
    await op.precheck("patch", original)
    move = burst.Move()
    return _follow(await op.run(lambda: burst.plan_unburst(op.session, ref.namespace, ref.name, move=move)))


async def _canary(op: Operation) -> list[FollowUp]:
    ref = op.deployment("canary")
    await op.precheck("patch", ref)
    pair = canary.canary_pair(await bluegreen.discover(op.session, ref.namespace), ref.name)  # before asking
    mine, total = canary.current_share(pair, ref.name)
    colour = pair.colour_of(ref.name)
    others = pair.others(colour.version) if colour else []
    percent = await op.ask(CanaryDialog(ref.namespace, ref.name, mine, total, others[0].name if others else ""))
    if percent is None:
        report(op.app, f"canary {ref}: cancelled, nothing changed")
        return []
    return _follow(await op.run(lambda: canary.plan_canary(op.session, ref.namespace, ref.name, percent)))


async def _undo(op: Operation) -> list[FollowUp]:
    return _follow(await op.run(lambda: undo.plan_undo_last(op.session)))


HANDLERS: dict[str, Callable[[Operation], Awaitable[list[FollowUp]]]] = {
    "scale": _scale, "restart": _restart, "rollback": _rollback, "bluegreen": _bluegreen,
    "bluegreen-revert": _bluegreen_revert, "burst": _burst, "unburst": _unburst, "canary": _canary, "undo": _undo,
}

from .everyday import HANDLERS as _EVERYDAY  # noqa: E402 - it builds on Operation above

HANDLERS.update(_EVERYDAY)

__all__ = ["OPERATIONS", "Report", "busy", "journal", "read_only_reason", "run_operation", "target_of"]
