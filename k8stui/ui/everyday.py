"""The everyday operations as flows: delete and kill (``ctrl+d``, ``ctrl+k``), edit (``e``), set image (``i``),
shell / attach / debug (``S``, ``a``, ``D``), port-forward (``F``), cordon / uncordon / drain (``c``, ``u``,
``r`` in the nodes view), trigger and suspend/resume a CronJob (``t``, ``p``) and an HPA's bounds (``s`` on an
HPA).

Each is registered in ``operations.HANDLERS`` and runs like the others: RBAC before asking anything, the
dialog, the plan, the server's dry-run, the confirmation with the exact change, the write with its
precondition, one audit line; ``--read-only`` refuses them before any of this (``operations.run_operation``).
Interactive sessions hand the terminal over with ``App.suspend()`` and come back when they end; the editor
runs the same way, on a private temporary file (mode 600 in a mode 700 directory) removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import SuspendNotSupported

from ..actions import cronjobs, delete, edit, hpa, images, nodes
from ..actions.audit import APPLIED, FAILED
from ..actions.client import ApiFailure, ObjectRef
from ..actions.plan import (
    ApplyError,
    ConflictError,
    FollowUp,
    Outcome,
    Plan,
    PlanError,
    Session,
    Write,
    run_plan,
)
from ..actions.sessions import (
    DEFAULT_IMAGE,
    ExecTarget,
    PortForwardError,
    SessionError,
    attach_mode,
    interactive,
    wait_running,
)
from ..actions.sessions.debug import STRATEGIC, debug_container_spec
from ..cluster import kinds
from ..cluster.kinds import ResourceKind
from ..cluster.secrets import is_secret
from .operations import Operation, Target, report
from .screens.confirm import is_dangerous
from .screens.dialogs import QuestionDialog
from .screens.drain import DrainScreen
from .screens.ops_dialogs import (
    DeleteConfirmScreen,
    HpaDialog,
    ImageDialog,
    PortForwardDialog,
    PortOption,
    SessionDialog,
)

if TYPE_CHECKING:
    from ..actions.sessions import Forward

T = TypeVar("T")
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
EDITOR_FALLBACK = "vi"


# -- targets -------------------------------------------------------------------------------------------------------
def resolve_kind(app: Any, key: str) -> ResourceKind | None:
    """The resource of a kind key (``pods``, ``cronjobs.batch``, ``certificates.demo.k8stui.io``)."""
    for kind in kinds.KINDS:
        if kind.key == key:
            return kind
    plural, _, group = key.partition(".")
    registry = getattr(getattr(app, "discovery", None), "registry", None)
    found = registry.get(group, plural) if registry is not None else None
    if found is None:
        found = next((k for k in kinds.WELL_KNOWN if k.group == group and k.plural == plural), None)
    return found


def ref_of(op: Operation, t: Target) -> ObjectRef:
    kind = resolve_kind(op.app, t.kind_key)
    if kind is None:
        raise PlanError(f"unknown resource {t.kind_key}: the server's API discovery does not list it")
    return ObjectRef(kind, t.namespace if kind.namespaced else "", t.name)


def _is(ref: ObjectRef, group: str, plural: str) -> bool:
    return (ref.kind.group, ref.kind.plural) == (group, plural)


def _target(op: Operation) -> Target:
    assert op.target is not None
    return op.target


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


async def pod_of(op: Operation, verb: str) -> dict[str, Any]:
    """The pod a session is for: the selected pod, or a running (ready first) pod of the selected workload or
    Service."""
    t = _target(op)
    ref = ref_of(op, t)
    if ref.kind == kinds.PODS:
        return await op.session.read(ref)
    spec = t.obj.get("spec") or {}
    selector = spec.get("selector") or {}
    labels = selector.get("matchLabels") if isinstance(selector.get("matchLabels"), dict) else \
        (selector if ref.kind == kinds.SERVICES else None)
    if not labels:
        raise PlanError(f"{verb} works on pods (or a workload/Service with pods): {t.label} has none")
    text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    pods = [p for p in await op.session.read_list(kinds.PODS, t.namespace, text)
            if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    if not pods:
        raise PlanError(f"{t.label} has no running pod to {verb}")
    pods.sort(key=lambda p: (not _ready(p), p["metadata"].get("name", "")))
    return pods[0]


def container_names(pod: dict[str, Any], *, ephemeral: bool = False) -> list[str]:
    spec = pod.get("spec") or {}
    names = [str(c.get("name")) for c in spec.get("containers") or ()]
    if ephemeral:
        names += [str(c.get("name")) for c in spec.get("ephemeralContainers") or ()]
    return names


def default_container(pod: dict[str, Any]) -> str:
    names = container_names(pod)
    wanted = ((pod.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CONTAINER, "")
    return wanted if wanted in names else (names[0] if names else "")


def dangerous(op: Operation) -> bool:
    return is_dangerous(op.session.context, op.settings.dangerous_contexts)


# -- delete / kill -----------------------------------------------------------------------------------------------
async def _delete_flow(op: Operation, kill: bool) -> list[FollowUp]:
    verb = "kill" if kill else "delete"
    refs = [ref_of(op, t) for t in op.targets]
    if kill and any(r.kind != kinds.PODS for r in refs):
        raise PlanError("kill (ctrl+k) works on pods only: delete other objects with ctrl+d")
    for ref in refs:
        if not ref.kind.can("delete"):
            raise PlanError(f"the server does not allow deleting {ref.kind.key}")
    first = refs[0]
    await op.precheck("delete", first, named=len(refs) == 1)
    offer = not kill and any(delete.has_dependents(r.kind) for r in refs)
    propagation = "Background"
    while True:
        outcome, switch = await _delete_round(op, refs, propagation, kill, offer)
        if not switch:
            break
        propagation = switch  # the user chose another policy: plan, dry-run and confirm again
    op.tell(outcome)
    if outcome.applied and outcome.plan is not None:
        gone = [r["gone"] for r in outcome.results if isinstance(r, dict) and "gone" in r]
        if gone:
            report(op.app, f"{verb}: {', '.join(gone)} was gone already")
    return []


async def _delete_round(op: Operation, refs: list[ObjectRef], propagation: str, kill: bool,
                        offer: bool) -> tuple[Outcome, str]:
    """One pass of the plan path; (outcome, "") or (_, the policy the user switched to)."""
    registry = getattr(getattr(op.app, "discovery", None), "registry", None)
    switch = ""

    async def confirm(plan: Plan, notice: str) -> bool:
        nonlocal switch
        answer = await op.ask(DeleteConfirmScreen(plan, notice, dangerous(op), propagation, offer))
        if isinstance(answer, str):
            switch = answer
            return False
        return bool(answer)

    outcome = await run_plan(op.session, lambda: delete.plan_delete(op.session, refs, propagation, kill=kill,
                                                                    registry=registry), confirm)
    return outcome, switch


async def _delete(op: Operation) -> list[FollowUp]:
    return await _delete_flow(op, kill=False)


async def _kill(op: Operation) -> list[FollowUp]:
    return await _delete_flow(op, kill=True)


# -- the terminal: editor and interactive sessions ------------------------------------------------------------------
def suspended(app: Any, fn: Callable[[], T]) -> T:
    """Run ``fn`` with the terminal handed over (``App.suspend``); headless (tests), just run it."""
    try:
        context = app.suspend()
        context.__enter__()
    except SuspendNotSupported:
        return fn()
    try:
        result = fn()
    except BaseException:
        context.__exit__(*sys.exc_info())
        raise
    context.__exit__(None, None, None)
    return result


def editor_argv() -> list[str]:
    """``$KUBE_EDITOR``, then ``$EDITOR``, then vi (as kubectl edit)."""
    raw = os.environ.get("KUBE_EDITOR") or os.environ.get("EDITOR") or EDITOR_FALLBACK
    try:
        argv = shlex.split(raw)
    except ValueError:
        argv = [raw]
    return argv or [EDITOR_FALLBACK]


class EditorFailed(Exception):
    """The editor could not run or failed; nothing is applied."""


async def run_editor(app: Any, text: str) -> str:
    """``text`` edited by the user's editor (the app suspended meanwhile); the file is private and removed."""
    argv = editor_argv()
    if getattr(app, "is_headless", False) and not (os.environ.get("KUBE_EDITOR") or os.environ.get("EDITOR")):
        raise EditorFailed("no terminal to run an editor in (set KUBE_EDITOR or EDITOR)")
    if shutil.which(argv[0]) is None:
        raise EditorFailed(f"editor {argv[0]!r} not found: set KUBE_EDITOR or EDITOR")
    directory = tempfile.mkdtemp(prefix="k8stui-edit-")  # mode 700: the editor's swap/backup files stay private
    path = os.path.join(directory, "object.yaml")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)

        def launch() -> int:
            try:
                return subprocess.run([*argv, path], check=False).returncode
            except OSError as exc:
                raise EditorFailed(f"cannot run the editor {argv[0]}: {exc.strerror or exc}") from None

        if getattr(app, "is_headless", False):
            code = await asyncio.to_thread(launch)
        else:
            code = suspended(app, launch)
        if code != 0:
            raise EditorFailed(f"the editor {argv[0]} exited with code {code}: nothing applied")
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _banner(text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(1, f"\r\n\x1b[1mk8stui:\x1b[0m {text}\r\n".encode())


def _audit_session(op: Operation, verb: str, ref: ObjectRef, subresource: str, before: str, after: str) -> Plan:
    return op.session.new_plan(verb, ref, before, after, [Write("create", ref, subresource=subresource,
                                                                summary=after)])


async def _run_interactive(op: Operation, plan: Plan, banner: str, target: ExecTarget, command: tuple[str, ...],
                           *, attach: bool = False, stdin: bool = True, tty: bool | None = None) -> None:
    if getattr(op.app, "is_headless", False):
        raise PlanError(f"{plan.verb} needs a terminal: the app is running headless")
    connection = op.app.connection

    def session() -> int:
        _banner(banner)
        return interactive(connection, target, command, attach=attach, stdin=stdin, tty=tty)

    op.release_keys()
    try:
        code = suspended(op.app, session)
    except SessionError as exc:
        where = f" (HTTP {exc.status})" if exc.status else ""
        op.session.audit.record(plan, FAILED, message=f"{exc}{where}")
        report(op.app, f"{plan.verb} {target.namespace}/{target.pod}: {exc}", "error")
        return
    op.session.audit.record(plan, APPLIED, message=f"exit code {code}")
    report(op.app, f"{plan.verb} in {target.namespace}/{target.pod} ({target.container}) ended"
                   + (f" with exit code {code}" if code else ""), "warning" if code else "information")


async def _session_dialog(op: Operation, mode: str, pod: dict[str, Any], value: str = "",
                          ephemeral: bool = False) -> Any:
    meta = pod["metadata"]
    names = container_names(pod, ephemeral=ephemeral)
    notes: list[str] = []
    if mode == "attach":
        notes.append("Ctrl-P Ctrl-Q detaches (the container keeps running)")
    if mode == "debug":
        notes.append("adds an ephemeral container to the pod: it cannot be removed (it stays until the pod is "
                     "deleted)")
    return await op.ask(SessionDialog(mode, meta.get("namespace", ""), meta.get("name", ""), names,
                                      default_container(pod), value, tuple(notes), dangerous(op),
                                      op.session.context))


async def _shell(op: Operation) -> list[FollowUp]:
    pod = await pod_of(op, "open a shell in")
    ref = ObjectRef(kinds.PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
    reason = await op.session.may("create", kinds.PODS, ref.namespace, ref.name, "exec")
    if reason:
        raise PlanError(reason)
    choice = await _session_dialog(op, "shell", pod, "/bin/sh")
    if choice is None:
        report(op.app, f"shell {ref}: cancelled")
        return []
    command = " ".join(shlex.quote(c) for c in choice.command)
    plan = _audit_session(op, "exec", ref, "exec", f"container {choice.container}", f"interactive: {command}")
    await _run_interactive(op, plan, f"{command} in {ref.namespace}/{ref.name} ({choice.container}) — exit "
                                     "returns to k8stui", ExecTarget(ref.namespace, ref.name, choice.container),
                           choice.command)
    return []


async def _attach(op: Operation) -> list[FollowUp]:
    pod = await pod_of(op, "attach to")
    ref = ObjectRef(kinds.PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
    reason = await op.session.may("create", kinds.PODS, ref.namespace, ref.name, "attach")
    if reason:
        raise PlanError(reason)
    choice = await _session_dialog(op, "attach", pod, ephemeral=True)
    if choice is None:
        report(op.app, f"attach {ref}: cancelled")
        return []
    stdin, tty = attach_mode(pod, choice.container)
    how = "Ctrl-P Ctrl-Q detaches" if stdin else "output only (the container has no stdin); Ctrl-C detaches"
    plan = _audit_session(op, "attach", ref, "attach", f"container {choice.container}", "attached")
    await _run_interactive(op, plan, f"attached to {ref.namespace}/{ref.name} ({choice.container}) — {how}",
                           ExecTarget(ref.namespace, ref.name, choice.container), (), attach=True, stdin=stdin,
                           tty=tty)
    return []


async def _debug(op: Operation) -> list[FollowUp]:
    pod = await pod_of(op, "debug")
    ref = ObjectRef(kinds.PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
    registry = getattr(getattr(op.app, "discovery", None), "registry", None)
    served = registry.get("", "pods") if registry is not None else None
    if served is not None and served.subresources and "ephemeralcontainers" not in served.subresources:
        raise PlanError("this cluster does not serve pods/ephemeralcontainers, so debug (an ephemeral container) "
                        "is not available; try shell (S)")
    for verb, sub in (("patch", "ephemeralcontainers"), ("create", "attach")):
        reason = await op.session.may(verb, kinds.PODS, ref.namespace, ref.name, sub)
        if reason:
            raise PlanError(reason)
    choice = await _session_dialog(op, "debug", pod, DEFAULT_IMAGE)
    if choice is None:
        report(op.app, f"debug {ref}: cancelled")
        return []
    name = f"debugger-{os.urandom(3).hex()[:5]}"
    spec = debug_container_spec(name, choice.image, choice.container, None)

    async def build() -> Plan:
        await op.session.read(ref)
        write = Write("patch", ref, {"spec": {"ephemeralContainers": [spec]}}, "strategic",
                      subresource="ephemeralcontainers", summary=f"add ephemeral container {name} ({choice.image})")
        return op.session.new_plan("debug", ref, f"containers: {', '.join(container_names(pod, ephemeral=True))}",
                                   f"+ ephemeral container {name} ({choice.image}, sharing {choice.container}'s "
                                   "processes)", [write],
                                   warnings=["an ephemeral container cannot be removed: it stays until the pod is "
                                             "deleted"])

    assert STRATEGIC  # the same patch type kubectl debug sends
    outcome = await op.run(build)
    if not outcome.applied:
        return []
    report(op.app, f"debug container {name} added to {ref}: waiting for it to run")
    try:
        await wait_running(op.app.connection, ref.namespace, ref.name, name)
    except SessionError as exc:
        report(op.app, f"debug {ref}: {exc}", "error")
        return []
    plan = _audit_session(op, "attach", ref, "attach", f"container {name}", "attached (debug)")
    await _run_interactive(op, plan, f"debug container {name} in {ref.namespace}/{ref.name} — Ctrl-P Ctrl-Q "
                                     "detaches, exit ends it", ExecTarget(ref.namespace, ref.name, name), (),
                           attach=True, stdin=True, tty=True)
    return []


# -- edit -------------------------------------------------------------------------------------------------------
async def _edit(op: Operation) -> list[FollowUp]:
    t = _target(op)
    ref = ref_of(op, t)
    if not ref.kind.can("patch"):
        raise PlanError(f"the server does not allow changing {ref.kind.key}")
    await op.precheck("patch", ref)
    reveal = False
    if is_secret(ref.kind):
        reveal = bool(await op.ask(QuestionDialog(
            f"Edit Secret {ref.namespace}/{ref.name}",
            ["Its values are masked in the editor: keep a placeholder to keep the value, type over it to "
             "replace it.", "Show them decoded instead? They are written to a file only you can read, deleted "
             "when the editor closes."], yes="Show decoded", no="Keep masked")))
    obj = await op.session.read(ref)
    given = edit.document(obj, ref, reveal=reveal)
    while True:
        op.release_keys()
        try:
            text = await run_editor(op.app, given)
        except EditorFailed as exc:
            report(op.app, f"edit {ref}: {exc}", "error")
            return []
        if text == given:
            report(op.app, f"edit {ref}: edit cancelled, no changes")
            return []
        body = edit.strip_comments(text)
        try:
            edited = edit.parse(text, obj, ref)
        except edit.EditError as exc:
            given = edit.document(obj, ref, reveal=reveal, error=str(exc), text=body)
            continue
        if edited is None:
            report(op.app, f"edit {ref}: edit cancelled (the file was emptied), no changes")
            return []
        session = edit.EditSession(op.session, ref, obj, edited)
        if not session.changed:
            report(op.app, f"edit {ref}: edit cancelled, no changes")
            return []
        try:
            plan = await session.plan()
            rejected = await op.session.dry_run(plan)
        except ConflictError:
            rejected = ""  # the object changed meanwhile: the plan path rebuilds and asks again
        if rejected:
            given = edit.document(obj, ref, reveal=reveal, error=rejected, text=body)
            continue
        break
    final = edit.EditSession(op.session, ref, obj, edited)
    outcome = await op.run(final.plan)
    return [FollowUp("rollout", ref, "edited")] if outcome.applied and ref.kind == kinds.DEPLOYMENTS and any(
        p.startswith("/spec/template") for p in (o["path"] for o in final.ops)) else []


# -- set image ----------------------------------------------------------------------------------------------------
def _owner_workload(t: Target) -> tuple[str, str] | None:
    """(kind key, name) of the workload a pod belongs to."""
    if t.deployment:
        return kinds.DEPLOYMENTS.key, t.deployment
    owner = next((o for o in (t.obj.get("metadata") or {}).get("ownerReferences") or () if o.get("controller")), None)
    if owner and owner.get("kind") in ("StatefulSet", "DaemonSet"):
        return f"{str(owner['kind']).lower()}s.apps", str(owner.get("name"))
    return None


async def _set_image(op: Operation) -> list[FollowUp]:
    t = _target(op)
    ref = ref_of(op, t)
    if not images.supports(ref.kind):
        owner = _owner_workload(t) if ref.kind in (kinds.PODS, kinds.REPLICASETS) else None
        if owner is None:
            raise PlanError(f"set image works on Deployments, StatefulSets, DaemonSets and CronJobs (or their "
                            f"pods): {t.label} is not one")
        kind = resolve_kind(op.app, owner[0])
        assert kind is not None
        ref = ObjectRef(kind, t.namespace, owner[1])
    await op.precheck("patch", ref)
    obj = await op.session.read(ref)
    found = images.containers(ref.kind, obj)
    if not found:
        raise PlanError(f"{ref} has no containers")
    recent = {c.name: await images.recent_images(op.session, ref.kind, obj, c.name) for c in found}
    choice = await op.ask(ImageDialog(f"{ref.kind.kind.lower()} {ref.namespace}/{ref.name}", found, recent))
    if choice is None:
        report(op.app, f"set image {ref}: cancelled, nothing changed")
        return []
    outcome = await op.run(lambda: images.plan_set_image(op.session, ref, choice.container, choice.image))
    return list(outcome.plan.follow_up) if outcome.applied and outcome.plan else []


# -- nodes -------------------------------------------------------------------------------------------------------
def _node(op: Operation, verb: str) -> str:
    t = _target(op)
    if t.kind_key == "nodes":
        return t.name
    node = (t.obj.get("spec") or {}).get("nodeName") if t.kind_key == "pods" else None
    if node:
        return str(node)
    raise PlanError(f"{verb} works on nodes (or a pod, meaning its node): {t.label} is neither")


async def _cordon(op: Operation, cordon: bool = True) -> list[FollowUp]:
    node = _node(op, "cordon" if cordon else "uncordon")
    await op.precheck("patch", nodes.node_ref(node))
    await op.run(lambda: nodes.plan_cordon(op.session, node, cordon))
    return []


async def _uncordon(op: Operation) -> list[FollowUp]:
    return await _cordon(op, cordon=False)


def show_drain(app: Any, runner: nodes.Drain) -> None:
    """The progress view of a running drain (again, after it was hidden)."""
    screen = DrainScreen(runner.progress, runner.cancel)
    runner.listeners.append(screen.update)
    app.push_screen(screen)


async def _follow_drain(app: Any, plan: Plan, pods: list[nodes.PodDrain], node: str) -> None:
    """The eviction phase, in a worker of its own (with its own session): the operation is over for the
    keyboard, the drain view can be hidden (h) and other operations run meanwhile."""
    session = Session(app.connection)
    runner = nodes.Drain(session, plan, pods)
    app.draining[node] = runner
    try:
        show_drain(app, runner)
        progress = await runner.run()
    finally:
        app.draining.pop(node, None)
        await session.close()
    report(app, progress.message, "warning" if progress.cancelled or "incomplete" in progress.message
           else "information")


async def _drain(op: Operation) -> list[FollowUp]:
    node = _node(op, "drain")
    running = op.app.draining.get(node)
    if running is not None:  # r on a node being drained: its progress again
        op.release_keys()
        show_drain(op.app, running)
        return []
    session = op.session
    await op.precheck("patch", nodes.node_ref(node))
    plan, pods = await nodes.plan_drain(session, node)
    denied = await session.check_access(plan)
    if denied:
        session.audit.record(plan, "denied", message=denied)
        raise PlanError(denied)
    error, notes = await nodes.dry_run_drain(session, plan)
    if error:
        session.audit.record(plan, "dry-run-failed", dry_run=f"failed: {error}", message=error)
        raise PlanError(f"the server rejected the drain (dry-run): {error}")
    shown = replace(plan, warnings=plan.warnings + notes)
    if not await op.confirm(shown, ""):
        report(op.app, f"drain node {node}: cancelled, nothing changed")
        return []
    cordon = [w for w in plan.writes if w.subresource != "eviction"]
    if cordon:
        try:
            await session.apply(replace(plan, writes=cordon))
        except (ConflictError, ApplyError, ApiFailure) as exc:
            session.audit.record(plan, FAILED, dry_run="ok", message=f"cordon failed: {exc}")
            raise PlanError(f"drain node {node}: cordon failed: {exc}") from None
    op.release_keys()
    op.app.run_worker(_follow_drain(op.app, shown, pods, node), group="k8stui-drains", exit_on_error=False,
                      name=f"drain {node}")
    return []


# -- CronJobs and HPAs ----------------------------------------------------------------------------------------------
def _cronjob(op: Operation, verb: str) -> ObjectRef:
    t = _target(op)
    ref = ref_of(op, t)
    if not _is(ref, "batch", "cronjobs"):
        raise PlanError(f"{verb} works on CronJobs: {t.label} is not one")
    return ref


async def _trigger(op: Operation) -> list[FollowUp]:
    ref = _cronjob(op, "trigger")
    await op.precheck("create", ObjectRef(images.JOBS, ref.namespace, ""), named=False)
    outcome = await op.run(lambda: cronjobs.plan_trigger(op.session, ref.namespace, ref.name))
    if outcome.applied and outcome.plan is not None:
        job = outcome.plan.writes[0].ref.name
        report(op.app, f"job {ref.namespace}/{job} created from cronjob {ref.name}")
    return []


async def _suspend(op: Operation) -> list[FollowUp]:
    ref = _cronjob(op, "suspend/resume")
    await op.precheck("patch", ref)
    await op.run(lambda: cronjobs.plan_suspend(op.session, ref.namespace, ref.name))
    return []


async def hpa_bounds(op: Operation, ref: ObjectRef) -> list[FollowUp]:
    """``s`` on an HPA: its min/max replicas."""
    await op.precheck("patch", ref)
    obj = await op.session.read(ref)
    low, high = hpa.bounds(obj)
    target = (obj.get("spec") or {}).get("scaleTargetRef") or {}
    answer = await op.ask(HpaDialog(ref.namespace, ref.name, low, high,
                                    (obj.get("status") or {}).get("currentReplicas"),
                                    f"{target.get('kind', '?')} {target.get('name', '?')}"))
    if answer is None:
        report(op.app, f"hpa {ref}: cancelled, nothing changed")
        return []
    await op.run(lambda: hpa.plan_hpa_bounds(op.session, ref.namespace, ref.name, *answer))
    return []


# -- port-forward ------------------------------------------------------------------------------------------------
def _pod_ports(pod: dict[str, Any]) -> list[PortOption]:
    out = []
    for c in (pod.get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            number = int(p.get("containerPort") or 0)
            if number:
                name = f" {p['name']}" if p.get("name") else ""
                out.append(PortOption(number, f"{number}/{p.get('protocol', 'TCP')}{name} (container "
                                              f"{c.get('name')})", number))
    return out


def _service_ports(svc: dict[str, Any]) -> list[PortOption]:
    out = []
    for p in (svc.get("spec") or {}).get("ports") or ():
        number = int(p.get("port") or 0)
        if number:
            name = f" {p['name']}" if p.get("name") else ""
            out.append(PortOption(number, f"{number} → {p.get('targetPort', number)}/{p.get('protocol', 'TCP')}"
                                          f"{name}", number))
    return out


async def _port_forward(op: Operation) -> list[FollowUp]:
    t = _target(op)
    ref = ref_of(op, t)
    service = ref.kind == kinds.SERVICES
    if service:
        obj = await op.session.read(ref)
        ports, label, pod_name = _service_ports(obj), f"svc/{ref.name}", ""
    else:
        pod = await pod_of(op, "port-forward")
        pod_name = pod["metadata"]["name"]
        ports, label = _pod_ports(pod), f"pod/{pod_name}"
    reason = await op.session.may("create", kinds.PODS, ref.namespace, pod_name, "portforward")
    if reason:
        raise PlanError(reason)
    choice = await op.ask(PortForwardDialog(f"{label} ({ref.namespace})", ports, dangerous(op),
                                            ref.name if service else pod_name, op.session.context))
    if choice is None:
        report(op.app, f"port-forward {label}: cancelled")
        return []
    forwards = op.app.forwards
    connection = op.app.connection
    plan = _audit_session(op, "port-forward", ObjectRef(kinds.PODS, ref.namespace, pod_name or ref.name),
                          "portforward", f"{label}:{choice.remote}", f"localhost:{choice.local or 'any'}")
    plan.kind, plan.name = ("Service", ref.name) if service else ("Pod", pod_name)
    try:
        if service:
            forward: Forward = await forwards.start_service(connection, ref.namespace, ref.name, choice.remote,
                                                            choice.local)
        else:
            forward = await forwards.start(connection, ref.namespace, pod_name, int(choice.remote), choice.local)
    except (PortForwardError, SessionError) as exc:
        op.session.audit.record(plan, FAILED, message=str(exc))
        report(op.app, f"port-forward {label}: {exc}", "error")
        return []
    plan.after = forward.url
    op.session.audit.record(plan, APPLIED, message=f"{forward.url} → {forward.pod}:{forward.remote_port}")
    # A Service's forward names the pod it reached; a pod's is named once.
    via = f" (pod {forward.pod}:{forward.remote_port})" if service else ""
    report(op.app, f"forwarding {forward.url} → {label}:{choice.remote}{via}; :pf lists and stops forwards")
    return []


HANDLERS = {
    "delete": _delete, "kill": _kill, "edit": _edit, "set-image": _set_image, "shell": _shell,
    "attach": _attach, "debug": _debug, "port-forward": _port_forward, "cordon": _cordon,
    "uncordon": _uncordon, "drain": _drain, "trigger": _trigger, "suspend": _suspend,
}
MULTI = frozenset({"delete", "kill"})  # operations on every marked row (the others: the row under the cursor)

__all__ = ["HANDLERS", "MULTI", "editor_argv", "hpa_bounds", "resolve_kind", "run_editor", "suspended"]
