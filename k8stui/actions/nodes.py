"""Cordon, uncordon and drain a node — what ``kubectl cordon``/``uncordon``/``drain`` do, through the plan path.

Cordon and uncordon set ``spec.unschedulable`` (guarded, undoable). A drain cordons the node, then evicts its
pods through the Eviction API (``pods/NAME/eviction``), so PodDisruptionBudgets are respected: a 429 from a
budget is shown on the pod's line and retried with backoff until it is allowed — never bypassed with a
delete. DaemonSet pods (their controller would put them back) and mirror pods (the kubelet's static pods)
are skipped, as ``kubectl drain --ignore-daemonsets``; pods no controller will re-create and pods with
``emptyDir`` data are evicted too, after the confirmation says so (kubectl's ``--force`` and
``--delete-emptydir-data``). An evicted pod is followed until it is gone. The drain can be cancelled at any
time: pods not evicted yet stay, the node stays cordoned (undo uncordons it).

``Drain`` is the eviction phase as a state machine per pod (``PodDrain``), reported through a callback the
drain view repaints from; it writes the drain's one audit line when it ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..cluster import kinds
from .audit import APPLIED, FAILED
from .client import ApiFailure, ObjectRef
from .fields import field_change
from .plan import Plan, PlanError, Session, Write

MIRROR = "kubernetes.io/config.mirror"
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 5.0  # kubectl drain retries every 5 s
GONE_POLL = 0.5
CONCURRENCY = 8

# Pod states in a drain
WAITING, EVICTING, BLOCKED, TERMINATING, GONE, FAILED_POD, CANCELLED, SKIPPED = (
    "waiting", "evicting", "blocked", "terminating", "gone", "failed", "cancelled", "skipped")
FINAL = frozenset({GONE, FAILED_POD, CANCELLED, SKIPPED})


def node_ref(name: str) -> ObjectRef:
    return ObjectRef(kinds.NODES, "", name)


def cordoned(node: dict[str, Any]) -> bool:
    return bool((node.get("spec") or {}).get("unschedulable"))


def _cordon_write(ref: ObjectRef, obj: dict[str, Any], cordon: bool) -> tuple[Write, dict[str, Any]]:
    if cordon:
        return field_change(ref, obj, {"/spec/unschedulable": True}, "spec.unschedulable → true")
    return field_change(ref, obj, {}, "spec.unschedulable → unset", remove=("/spec/unschedulable",))


async def plan_cordon(session: Session, node: str, cordon: bool = True) -> Plan:
    """Cordon (``cordon=True``) or uncordon ``node``; PlanError when it already is."""
    ref = node_ref(node)
    obj = await session.read(ref)
    if cordoned(obj) == cordon:
        raise PlanError(f"node {node} is {'already cordoned' if cordon else 'not cordoned'}: nothing to change")
    write, undo = _cordon_write(ref, obj, cordon)
    verb = "cordon" if cordon else "uncordon"
    after = "SchedulingDisabled (no new pods)" if cordon else "schedulable"
    before = "schedulable" if cordon else "SchedulingDisabled"
    details = ["pods running on it stay; drain (r) evicts them"] if cordon else []
    return session.new_plan(verb, ref, before, after, [write], details=details, undo=undo)


# -- drain --------------------------------------------------------------------------------------------------------
@dataclass
class PodDrain:
    """One pod of a drain: what happens to it, and why."""

    namespace: str
    name: str
    uid: str
    owner: str  # "ReplicaSet web-5d8f7", "" = none
    status: str = WAITING
    message: str = ""
    attempts: int = 0
    retry_at: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def done(self) -> bool:
        return self.status in FINAL


def _owner(pod: dict[str, Any]) -> dict[str, Any] | None:
    return next((o for o in (pod.get("metadata") or {}).get("ownerReferences") or () if o.get("controller")), None)


def classify(pods: list[dict[str, Any]]) -> list[PodDrain]:
    """The node's pods as a drain sees them: skipped (DaemonSet, mirror) or to evict (with warnings)."""
    out = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        owner = _owner(pod)
        entry = PodDrain(str(meta.get("namespace", "")), str(meta.get("name", "")), str(meta.get("uid", "")),
                         f"{owner.get('kind')} {owner.get('name')}" if owner else "")
        if MIRROR in (meta.get("annotations") or {}):
            entry.status, entry.message = SKIPPED, "mirror pod (static, managed by the kubelet)"
        elif owner and owner.get("kind") == "DaemonSet":
            entry.status, entry.message = SKIPPED, f"DaemonSet pod ({owner.get('name')})"
        elif meta.get("deletionTimestamp"):
            entry.status, entry.message = TERMINATING, "terminating already"
        else:
            warnings = []
            if not owner:
                warnings.append("not managed by a controller: it will not be re-created anywhere")
            volumes = [v.get("name") for v in (pod.get("spec") or {}).get("volumes") or () if "emptyDir" in v]
            if volumes:
                warnings.append(f"emptyDir data is lost ({', '.join(str(v) for v in volumes)})")
            entry.warnings = tuple(warnings)
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                entry.message = "finished: deleted without a budget check"
        out.append(entry)
    out.sort(key=lambda p: (p.status == SKIPPED, p.namespace, p.name))
    return out


def evict_write(pod: PodDrain) -> Write:
    return Write("create", ObjectRef(kinds.PODS, pod.namespace, pod.name), subresource="eviction",
                 summary="evict (respects its PodDisruptionBudget)", uid=pod.uid)


async def plan_drain(session: Session, node: str) -> tuple[Plan, list[PodDrain]]:
    """The drain of ``node``: its cordon (unless cordoned already) and the pods it evicts and skips."""
    ref = node_ref(node)
    obj = await session.read(ref)
    pods = await session.read_list(kinds.PODS, None, field_selector=f"spec.nodeName={node}")
    entries = classify(pods)
    evict = [p for p in entries if p.status != SKIPPED]
    skipped = [p for p in entries if p.status == SKIPPED]
    writes, undo = [], None
    if not cordoned(obj):
        write, undo = _cordon_write(ref, obj, True)
        writes.append(write)
    writes += [evict_write(p) for p in evict]
    details = [f"evicts {len(evict)} pod{'s' if len(evict) != 1 else ''} through the Eviction API "
               "(PodDisruptionBudgets are respected: a refusal is retried, never forced):"]
    details += [f"  {p.key}" + (f" ({p.owner})" if p.owner else "") + (f" — {p.message}" if p.message else "")
                for p in evict]
    if skipped:
        details.append(f"skips {len(skipped)}:")
        details += [f"  {p.key} — {p.message}" for p in skipped]
    warnings = [f"{p.key}: {w}" for p in evict for w in p.warnings]
    before = f"{'cordoned' if cordoned(obj) else 'schedulable'}, {len(evict) + len(skipped)} pods"
    after = f"cordoned, {len(evict)} pods evicted" + (f", {len(skipped)} skipped" if skipped else "")
    plan = session.new_plan("drain", ref, before, after, writes, details=details, warnings=warnings, undo=undo)
    return plan, entries


@dataclass
class DrainProgress:
    """What the drain view shows: the pods and a summary line."""

    node: str
    pods: list[PodDrain]
    started: float = field(default_factory=time.monotonic)
    finished: bool = False
    cancelled: bool = False
    message: str = ""

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.pods:
            out[p.status] = out.get(p.status, 0) + 1
        return out

    def summary(self) -> str:
        c = self.counts()
        todo = [p for p in self.pods if p.status != SKIPPED]
        done = sum(1 for p in todo if p.status == GONE)
        text = f"{done}/{len(todo)} pods evicted"
        if c.get(BLOCKED):
            text += f", {c[BLOCKED]} blocked by a disruption budget (retrying)"
        if c.get(FAILED_POD):
            text += f", {c[FAILED_POD]} failed"
        if c.get(CANCELLED):
            text += f", {c[CANCELLED]} not evicted (cancelled)"
        if c.get(SKIPPED):
            text += f", {c[SKIPPED]} skipped"
        return text


class Drain:
    """The eviction phase of a drain: every pod evicted (429 = retry with backoff) and followed until gone.
    ``cancel()`` stops it; every listener (``on_change``, ``listeners``) is called (from the event loop) whenever a
    pod's line changes."""

    def __init__(self, session: Session, plan: Plan, pods: list[PodDrain],
                 on_change: Callable[[DrainProgress], None] | None = None, *,
                 backoff: tuple[float, float] = (BACKOFF_FIRST, BACKOFF_MAX)) -> None:
        self.session = session
        self.plan = plan
        self.progress = DrainProgress(plan.name, pods)
        self.listeners: list[Callable[[DrainProgress], None]] = [on_change] if on_change else []
        self.backoff = backoff
        self._cancel = asyncio.Event()
        self._gate = asyncio.Semaphore(CONCURRENCY)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            try:
                listener(self.progress)
            except Exception:  # noqa: BLE001 - a view that went away must not stop the drain
                self.listeners.remove(listener)

    def _set(self, pod: PodDrain, status: str, message: str = "") -> None:
        pod.status, pod.message = status, message
        self._changed()

    async def _sleep(self, seconds: float) -> bool:
        """Wait; True when cancelled meanwhile."""
        try:
            await asyncio.wait_for(self._cancel.wait(), timeout=seconds)
            return True
        except TimeoutError:
            return False

    async def _evict(self, pod: PodDrain) -> None:
        if pod.status == TERMINATING:
            await self._until_gone(pod)
            return
        delay = self.backoff[0]
        while not self.cancelled:
            pod.attempts += 1
            self._set(pod, EVICTING, f"attempt {pod.attempts}" if pod.attempts > 1 else "")
            try:
                async with self._gate:
                    await self.session.api.evict(pod.namespace, pod.name, uid=pod.uid)
            except ApiFailure as exc:
                if exc.not_found:
                    self._set(pod, GONE, "gone already")
                    return
                if exc.too_many_requests:
                    why = "; ".join(exc.causes) or exc.message
                    pod.retry_at = time.monotonic() + delay
                    self._set(pod, BLOCKED, f"{why} (attempt {pod.attempts})")  # the view counts down to the next
                    if await self._sleep(delay):
                        break
                    delay = min(delay * 2, self.backoff[1])
                    continue
                if exc.conflict:
                    self._set(pod, GONE, "replaced by another pod of the same name (not evicted)")
                    return
                self._set(pod, FAILED_POD, str(exc))
                return
            self._set(pod, TERMINATING, "evicted, terminating")
            await self._until_gone(pod)
            return
        self._set(pod, CANCELLED, "cancelled before it was evicted")

    async def _until_gone(self, pod: PodDrain) -> None:
        while True:
            try:
                obj = await self.session.api.get(kinds.PODS, pod.namespace, pod.name)
            except ApiFailure as exc:
                if exc.not_found:
                    self._set(pod, GONE, "evicted")
                    return
                obj = {}
            if obj and (obj.get("metadata") or {}).get("uid") != pod.uid:
                self._set(pod, GONE, "evicted (a new pod took its name)")
                return
            if await self._sleep(GONE_POLL):
                self._set(pod, GONE if pod.status == TERMINATING else CANCELLED,
                          "evicted, still terminating (no longer followed)")
                return

    async def run(self) -> DrainProgress:
        """Evict every pod; returns when all are gone, failed or the drain was cancelled. Writes the audit
        line."""
        todo = [p for p in self.progress.pods if not p.done]
        self._changed()
        await asyncio.gather(*(self._evict(p) for p in todo))
        progress = self.progress
        progress.finished = True
        progress.cancelled = self.cancelled
        failed = [p for p in progress.pods if p.status == FAILED_POD]
        progress.message = progress.summary()
        if progress.cancelled:
            message = f"drain cancelled: {progress.summary()}"
        elif failed:
            message = f"drain incomplete: {progress.summary()}: " + "; ".join(f"{p.key}: {p.message}" for p in failed)
        else:
            message = f"node {progress.node} drained: {progress.summary()}"
        progress.message = message
        self.session.audit.record(self.plan, FAILED if failed else APPLIED, dry_run="ok", message=message)
        self._changed()
        return progress


async def dry_run_drain(session: Session, plan: Plan) -> tuple[str, list[str]]:
    """The server's verdict on the drain's writes: ("", notes) when acceptable — an eviction a budget refuses
    now is a note (it will be retried), not a failure — or (error, notes)."""
    notes: list[str] = []
    for w in plan.writes:
        try:
            if w.subresource == "eviction":
                await session.api.evict(w.ref.namespace, w.ref.name, uid=w.uid, dry_run=True)
            else:
                await session.api.patch(w.ref.kind, None, w.ref.name, w.body, w.patch_type, dry_run=True)
        except ApiFailure as exc:
            if w.subresource == "eviction" and exc.too_many_requests:
                notes.append(f"{w.ref.namespace}/{w.ref.name}: blocked now — {'; '.join(exc.causes) or exc.message}"
                             " (will be retried until its budget allows it)")
                continue
            if w.subresource == "eviction" and exc.not_found:
                continue
            return f"{w.describe()}: {exc}", notes
    return "", notes


__all__ = ["BLOCKED", "CANCELLED", "Drain", "DrainProgress", "EVICTING", "FAILED_POD", "GONE", "PodDrain",
           "SKIPPED", "TERMINATING", "WAITING", "classify", "cordoned", "dry_run_drain", "node_ref", "plan_cordon",
           "plan_drain"]
