"""The incident timeline: "what changed just before it broke?", as one time-ordered list.

``build_timeline`` merges, for a namespace or one workload:
- Kubernetes events (warnings and normal ones), aggregated events shown once with their count;
- rollout steps: each ReplicaSet revision (created, with its image and change-cause) and every
  ``ScalingReplicaSet`` step (scaled up/down, mapped to its revision), plus a rollout that hit its deadline;
- firing and resolved alerts (``AlertTracker`` turns successive ``metrics.alerts`` answers into transitions,
  since the alerts API only lists what fires now);
- k8stui's own audit log (``actions.audit`` records: scale, restart, switch ... and how each ended);
- pod restarts (``lastState.terminated``: when, exit code, reason).

Pure: the caller passes the snapshot, the alert transitions and the audit records (``AuditLog.read()``).
``to_markdown`` renders it for the incident channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..actions.audit import APPLIED, AuditRecord
from ..actions.burst import BURST_SUFFIX
from ..cluster.quantity import parse_time
from ..metrics.alerts import Alert
from . import markdown as md
from .snapshot import (
    CRONJOB,
    DAEMONSET,
    DEPLOYMENT,
    EVENT,
    HPA,
    JOB,
    POD,
    REPLICASET,
    STATEFULSET,
    Obj,
    ObjRef,
    Snapshot,
    controller_of,
    event_count,
    event_first_time,
    event_time,
    meta_of,
    pod_template,
    pods_of,
    ref_of,
)

EVENT_SRC, ALERT_SRC, ROLLOUT_SRC, AUDIT_SRC, RESTART_SRC = "event", "alert", "rollout", "audit", "restart"
SOURCES = (EVENT_SRC, ALERT_SRC, ROLLOUT_SRC, AUDIT_SRC, RESTART_SRC)
INFO, WARNING, CRITICAL = "info", "warning", "critical"
REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
_SOURCE_ORDER = {s: i for i, s in enumerate((AUDIT_SRC, ROLLOUT_SRC, EVENT_SRC, RESTART_SRC, ALERT_SRC))}


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline."""

    time: float
    source: str  # event / alert / rollout / audit / restart
    severity: str  # info / warning / critical
    object: ObjRef
    text: str
    count: int = 1
    first: float | None = None  # first occurrence of an aggregated event

    def sort_key(self) -> tuple[Any, ...]:
        return (self.time, _SOURCE_ORDER.get(self.source, 9), self.object.name, self.text)


# -- alerts ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AlertTransition:
    """An alert that started firing (or pending) or resolved, and when."""

    time: float
    state: str  # firing / pending / resolved
    alert: Alert


@dataclass
class AlertTracker:
    """Remembers which alerts fired, so a later answer without them means they resolved.

    Feed it every fetched alert list (``observe``); ``transitions`` keeps the history (bounded)."""

    limit: int = 2000
    _active: dict[frozenset[tuple[str, str]], Alert] = field(default_factory=dict)
    transitions: list[AlertTransition] = field(default_factory=list)

    def observe(self, alerts: Iterable[Alert], now: float) -> list[AlertTransition]:
        current = {a.identity: a for a in alerts if a.state in ("firing", "pending", "silenced")}
        new: list[AlertTransition] = []
        for key, alert in current.items():
            before = self._active.get(key)
            if before is None or (before.state == "pending" and alert.state == "firing"):
                when = alert.since if before is None and alert.since is not None else now
                new.append(AlertTransition(when, "firing" if alert.state == "silenced" else alert.state, alert))
        for key, alert in self._active.items():
            if key not in current:
                new.append(AlertTransition(now, "resolved", alert))
        self._active = current
        self.transitions.extend(new)
        if len(self.transitions) > self.limit:
            del self.transitions[: len(self.transitions) - self.limit]
        return new


# -- scope -------------------------------------------------------------------------------------------------------

@dataclass
class _Scope:
    """Which objects belong to the timeline: a namespace, or one workload and what it owns."""

    namespace: str | None
    workload: ObjRef | None = None
    names: set[tuple[str, str]] = field(default_factory=set)  # (kind, name) of related objects
    pod_prefixes: tuple[str, ...] = ()
    app_labels: dict[str, str] = field(default_factory=dict)

    def covers(self, kind: str, namespace: str, name: str) -> bool:
        if self.namespace is not None and namespace != self.namespace:
            return False
        if self.workload is None:
            return True
        if (kind, name) in self.names:
            return True
        return kind == POD and any(name.startswith(p) for p in self.pod_prefixes)


def _scope(snapshot: Snapshot, namespace: str | None, workload: tuple[str, str] | None) -> _Scope:
    if workload is None:
        return _Scope(namespace)
    kind, name = workload
    ns = namespace or ""
    scope = _Scope(ns, ObjRef(kind, ns, name))
    scope.names.add((kind, name))
    obj = snapshot.by_name(kind, ns, name)
    prefixes: list[str] = []
    if kind == DEPLOYMENT:
        for burst in (name, name + BURST_SUFFIX):
            scope.names.add((DEPLOYMENT, burst))
            d = snapshot.by_name(DEPLOYMENT, ns, burst)
            uid = meta_of(d).get("uid") if d else None
            for rs in snapshot.objects(REPLICASET, ns):
                owner = controller_of(rs) or {}
                if (uid and owner.get("uid") == uid) or (not uid and owner.get("name") == burst):
                    rs_name = meta_of(rs).get("name", "")
                    scope.names.add((REPLICASET, rs_name))
                    prefixes.append(rs_name + "-")
        # ReplicaSets already gone still named their pods DEPLOYMENT-HASH-xxxxx.
        prefixes.append(name + "-")
    elif kind in (STATEFULSET, DAEMONSET, JOB, CRONJOB, REPLICASET):
        prefixes.append(name + "-")
        if kind == CRONJOB:
            for job in snapshot.objects(JOB, ns):
                if (controller_of(job) or {}).get("name") == name:
                    scope.names.add((JOB, meta_of(job).get("name", "")))
    elif kind == POD:
        pass
    if obj is not None:
        for pod in pods_of(snapshot, kind, obj):
            scope.names.add((POD, meta_of(pod).get("name", "")))
        labels = ((pod_template(kind, obj) or {}).get("metadata") or {}).get("labels") or {}
        scope.app_labels = {k: v for k, v in labels.items() if k in ("app", "app.kubernetes.io/name")}
    for hpa in snapshot.objects(HPA, ns):
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") == kind and target.get("name") == name:
            scope.names.add((HPA, meta_of(hpa).get("name", "")))
    if kind == DEPLOYMENT:
        # Only DEPLOYMENT-<hash>-<suffix> pods: avoid api-blue-... matching a workload called "api".
        scope.pod_prefixes = tuple(p for p in prefixes if p != name + "-") or (name + "-",)
        scope.pod_prefixes = tuple(dict.fromkeys(scope.pod_prefixes))
        scope.names.update((POD, n) for n in _dead_pod_names(snapshot, ns, name))
    else:
        scope.pod_prefixes = tuple(prefixes)
    return scope


def _dead_pod_names(snapshot: Snapshot, namespace: str, deployment: str) -> set[str]:
    """Names of pods that are gone but have events, whose name is DEPLOYMENT-<hash>-<5 chars>."""
    out: set[str] = set()
    for ev in snapshot.objects(EVENT, namespace):
        inv = ev.get("involvedObject") or {}
        name = inv.get("name") or ""
        if inv.get("kind") != POD or not name.startswith(deployment + "-"):
            continue
        rest = name[len(deployment) + 1:].split("-")
        if len(rest) == 2 and 5 <= len(rest[0]) <= 10 and len(rest[1]) == 5:
            out.add(name)
    return out


# -- sources -----------------------------------------------------------------------------------------------------

def _rs_revisions(snapshot: Snapshot, namespace: str | None) -> dict[tuple[str, str], tuple[int, Obj]]:
    out: dict[tuple[str, str], tuple[int, Obj]] = {}
    for rs in snapshot.objects(REPLICASET, namespace) if namespace is not None else snapshot.objects(REPLICASET):
        meta = meta_of(rs)
        try:
            rev = int((meta.get("annotations") or {}).get(REVISION) or 0)
        except ValueError:
            rev = 0
        out[(meta.get("namespace") or "", meta.get("name") or "")] = (rev, rs)
    return out


def _images(rs: Mapping[str, Any]) -> str:
    spec = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
    return ", ".join(c.get("image", "") for c in spec.get("containers") or ())


def _event_entries(snapshot: Snapshot, scope: _Scope, revisions: Mapping[tuple[str, str], tuple[int, Obj]]
                   ) -> list[Entry]:
    out: list[Entry] = []
    events = snapshot.objects(EVENT, scope.namespace) if scope.namespace is not None else snapshot.objects(EVENT)
    for ev in events:
        inv = ev.get("involvedObject") or ev.get("regarding") or {}
        kind, name = inv.get("kind") or "", inv.get("name") or ""
        ns = inv.get("namespace") or meta_of(ev).get("namespace") or ""
        if not scope.covers(kind, ns, name):
            continue
        reason = ev.get("reason") or ""
        message = " ".join(str(ev.get("message") or ev.get("note") or "").split())
        warning = ev.get("type") == "Warning"
        count = event_count(ev)
        first = event_first_time(ev)
        ref = ObjRef(kind, ns, name, inv.get("uid") or "")
        if reason == "ScalingReplicaSet":
            rs_name = message.split("replica set ", 1)[-1].split(" ", 1)[0] if "replica set " in message else ""
            rev = revisions.get((ns, rs_name), (0, {}))[0]
            text = (f"revision {rev}: " if rev else "") + message
            out.append(Entry(event_time(ev), ROLLOUT_SRC, INFO, ref, text, count, first if count > 1 else None))
            continue
        severity = WARNING if warning else INFO
        if reason in ("OOMKilling", "Evicted", "NodeNotReady", "FailedCreate", "ProgressDeadlineExceeded"):
            severity = CRITICAL if warning else WARNING
        out.append(Entry(event_time(ev), EVENT_SRC, severity, ref, f"{reason}: {message}", count,
                         first if count > 1 else None))
    return out


def _rollout_entries(snapshot: Snapshot, scope: _Scope, revisions: Mapping[tuple[str, str], tuple[int, Obj]]
                     ) -> list[Entry]:
    out: list[Entry] = []
    for (ns, name), (rev, rs) in revisions.items():
        owner = controller_of(rs) or {}
        if owner.get("kind") != DEPLOYMENT or not scope.covers(REPLICASET, ns, name):
            continue
        created = parse_time(meta_of(rs).get("creationTimestamp"))
        if created is None:
            continue
        cause = (meta_of(rs).get("annotations") or {}).get(CHANGE_CAUSE) or ""
        text = f"revision {rev} of {owner.get('name', '')} created ({_images(rs)})" + (f": {cause}" if cause else "")
        out.append(Entry(created, ROLLOUT_SRC, INFO, ref_of(REPLICASET, rs), text))
    deployments = snapshot.objects(DEPLOYMENT, scope.namespace) if scope.namespace is not None \
        else snapshot.objects(DEPLOYMENT)
    for d in deployments:
        ref = ref_of(DEPLOYMENT, d)
        if not scope.covers(DEPLOYMENT, ref.namespace, ref.name):
            continue
        for c in (d.get("status") or {}).get("conditions") or ():
            if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
                t = parse_time(c.get("lastTransitionTime"))
                if t is not None:
                    out.append(Entry(t, ROLLOUT_SRC, CRITICAL, ref, f"rollout stalled: {c.get('message', '')}"))
    return out


def _restart_entries(snapshot: Snapshot, scope: _Scope) -> list[Entry]:
    out: list[Entry] = []
    pods = snapshot.objects(POD, scope.namespace) if scope.namespace is not None else snapshot.objects(POD)
    for pod in pods:
        ref = ref_of(POD, pod)
        if not scope.covers(POD, ref.namespace, ref.name):
            continue
        status = pod.get("status") or {}
        for cs in [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]:
            term = (cs.get("lastState") or {}).get("terminated") or {}
            finished = parse_time(term.get("finishedAt"))
            if finished is None:
                continue
            reason = term.get("reason") or ""
            code = term.get("exitCode")
            text = (f"container {cs.get('name', '?')} restarted (restart #{int(cs.get('restartCount') or 0)}; "
                    f"exit {code}{', ' + reason if reason else ''})")
            out.append(Entry(finished, RESTART_SRC, CRITICAL if reason == "OOMKilled" else WARNING, ref, text))
    return out


def _alert_matches(alert: Alert, scope: _Scope) -> bool:
    if scope.namespace is not None and alert.namespace != scope.namespace:
        return False
    if scope.workload is None:
        return True
    labels = alert.label_map
    wl = scope.workload
    if labels.get("deployment") == wl.name or labels.get(wl.kind.lower()) == wl.name:
        return True
    if labels.get("pod") and scope.covers(POD, alert.namespace, labels["pod"]):
        return True
    return any(labels.get(k) == v for k, v in scope.app_labels.items())


def _alert_entries(transitions: Iterable[AlertTransition], scope: _Scope) -> list[Entry]:
    out: list[Entry] = []
    for tr in transitions:
        alert = tr.alert
        if not _alert_matches(alert, scope):
            continue
        related = alert.related()
        if related is not None:
            kind = {"pods": POD, "deployments": DEPLOYMENT, "nodes": "Node", "namespaces": "Namespace"}[related.kind]
            ref = ObjRef(kind, related.namespace, related.name)
        else:
            ref = ObjRef("Alert", alert.namespace, alert.name)
        sev = alert.severity
        severity = INFO if tr.state == "resolved" else CRITICAL if sev == "critical" else WARNING
        text = f"{alert.name} {tr.state}" + (f" ({sev})" if sev else "") + (f": {alert.summary}" if alert.summary
                                                                              and tr.state != "resolved" else "")
        out.append(Entry(tr.time, ALERT_SRC, severity, ref, text))
    return out


def _audit_entries(records: Iterable[AuditRecord], scope: _Scope, context: str) -> list[Entry]:
    out: list[Entry] = []
    for rec in records:
        if context and rec.context != context:
            continue
        t = parse_time(rec.time)
        if t is None:
            continue
        if scope.namespace is not None and rec.namespace != scope.namespace:
            continue
        if scope.workload is not None and not scope.covers(rec.kind, rec.namespace, rec.name) \
                and not (rec.kind == "Service" and rec.verb in ("bluegreen", "revert")):
            continue
        ref = ObjRef(rec.kind, rec.namespace, rec.name)
        change = f"{rec.before} → {rec.after}" if rec.before or rec.after else ""
        text = f"k8stui {rec.verb} by {rec.user or '?'}" + (f": {change}" if change else "") + (
            f" [{rec.outcome}{': ' + rec.message if rec.message else ''}]" if rec.outcome != APPLIED else "")
        out.append(Entry(t, AUDIT_SRC, INFO if rec.outcome == APPLIED else WARNING, ref, text))
    return out


# -- the timeline ------------------------------------------------------------------------------------------------

def build_timeline(snapshot: Snapshot, *, namespace: str | None = None, workload: tuple[str, str] | None = None,
                   alerts: Iterable[AlertTransition] = (), audit: Iterable[AuditRecord] = (), context: str = "",
                   since: float | None = None, until: float | None = None,
                   sources: Sequence[str] = SOURCES) -> list[Entry]:
    """The merged, time-ordered timeline of a namespace (``namespace``, None = all) or of one workload
    (``workload=(kind, name)`` in ``namespace``), between ``since`` and ``until`` when given."""
    scope = _scope(snapshot, namespace, workload)
    revisions = _rs_revisions(snapshot, scope.namespace)
    entries: list[Entry] = []
    if EVENT_SRC in sources or ROLLOUT_SRC in sources:
        entries += [e for e in _event_entries(snapshot, scope, revisions) if e.source in sources]
    if ROLLOUT_SRC in sources:
        entries += _rollout_entries(snapshot, scope, revisions)
    if RESTART_SRC in sources:
        entries += _restart_entries(snapshot, scope)
    if ALERT_SRC in sources:
        entries += _alert_entries(alerts, scope)
    if AUDIT_SRC in sources:
        entries += _audit_entries(audit, scope, context)
    if since is not None:
        entries = [e for e in entries if e.time >= since]
    if until is not None:
        entries = [e for e in entries if e.time <= until]
    entries.sort(key=Entry.sort_key)
    return entries


def title_for(namespace: str | None, workload: tuple[str, str] | None) -> str:
    if workload is not None:
        return f"{workload[0]} {namespace + '/' if namespace else ''}{workload[1]}"
    return f"namespace {namespace}" if namespace else "all namespaces"


def to_markdown(entries: Sequence[Entry], *, title: str, generated: float | None = None) -> str:
    """The timeline as a Markdown table (UTC times), ready to paste into the incident channel."""
    lines = [f"## Timeline: {md.escape(title)}", ""]
    if entries:
        lines.append(f"{len(entries)} entries from {md.utc(entries[0].time)} to {md.utc(entries[-1].time)}"
                     + (f", generated {md.utc(generated)} by k8stui." if generated is not None else "."))
    else:
        lines.append("No entries.")
        return "\n".join(lines) + "\n"
    lines.append("")
    rows = []
    for e in entries:
        what = md.escape(e.text) + (f" (×{e.count}" + (f", first {md.utc(e.first)}" if e.first else "") + ")"
                                    if e.count > 1 else "")
        if e.severity != INFO:
            what = f"**{e.severity}** {what}"
        rows.append([md.utc(e.time), e.source, md.escape(e.object.title), what])
    lines.append(md.table(["Time (UTC)", "Source", "Object", "What happened"], rows))
    return "\n".join(lines) + "\n"


__all__ = ["ALERT_SRC", "AUDIT_SRC", "EVENT_SRC", "RESTART_SRC", "ROLLOUT_SRC", "SOURCES", "AlertTracker",
           "AlertTransition", "Entry", "build_timeline", "title_for", "to_markdown"]
