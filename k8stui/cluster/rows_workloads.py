"""Row projections of the workload kinds beyond Deployments: StatefulSet, DaemonSet, Job, CronJob,
ControllerRevision and PodDisruptionBudget.

Same rules as ``rows``: one frozen dataclass per kind holding exactly what the views show, timestamps as epoch
seconds (ages and durations are formatted at paint time), labels as sorted pairs, nothing from a Secret. Each
row also keeps the little a drill-down needs (a workload's selector, a Job's owner CronJob), so a screen never
has to go back to the raw object to find the pods of a row.

Status words follow kubectl's printers (``pkg/printers/internalversion/printers.go``): a Job is Complete,
Failed, Suspended, Terminating or Running; a CronJob shows SCHEDULE, SUSPEND, ACTIVE, LAST SCHEDULE.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .quantity import format_age, parse_time
from .rows import (
    Labels,
    _age,
    _Aged,
    _labels,
    _owner,
    _selector_parts,
    _selector_text,
    _uid,
    selector_matches,
)

SelectorPairs = tuple[tuple[str, str], ...]
SelectorExprs = tuple[tuple[str, str, tuple[str, ...]], ...]


def _template_containers(template: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return (template.get("spec") or {}).get("containers") or ()


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


class _Selecting:
    """Rows of kinds that select pods by a LabelSelector (``selector_raw`` / ``match_expressions``)."""

    __slots__ = ()
    selector_raw: SelectorPairs
    match_expressions: SelectorExprs

    @property
    def selector_dict(self) -> dict[str, Any]:
        return {"matchLabels": dict(self.selector_raw),
                "matchExpressions": [{"key": k, "operator": op, "values": list(v)}
                                     for k, op, v in self.match_expressions]}

    def selects(self, labels: Mapping[str, str] | Labels) -> bool:
        """Whether this object's selector selects a pod with ``labels`` (an empty selector selects nothing)."""
        if not self.selector_raw and not self.match_expressions:
            return False
        return selector_matches(self.selector_dict, dict(labels))


# -- StatefulSet ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StatefulSetRow(_Selecting, _Aged):
    uid: str
    namespace: str
    name: str
    ready: str                  # "2/3" = readyReplicas/spec.replicas (kubectl's READY)
    ready_replicas: int
    desired: int
    current: int                # status.replicas: pods that exist
    updated: int                # status.updatedReplicas: pods at the update revision
    available: int
    service_name: str           # the governing (headless) Service
    images: tuple[str, ...]
    containers: tuple[str, ...]
    current_revision: str       # ControllerRevision names
    update_revision: str
    partition: int              # rollingUpdate.partition: ordinals below it keep the old revision
    update_strategy: str        # RollingUpdate, OnDelete
    pod_management: str         # OrderedReady, Parallel
    claim_templates: tuple[str, ...]  # volumeClaimTemplates names: PVC = f"{template}-{name}-{ordinal}"
    selector: str
    selector_raw: SelectorPairs
    match_expressions: SelectorExprs
    created: float | None
    labels: Labels
    generation_observed: bool

    @property
    def rolling(self) -> bool:
        """An update is in progress (the pods are not all at the update revision yet)."""
        return bool(self.update_revision) and (self.update_revision != self.current_revision
                                               or self.updated < self.desired)

    @property
    def healthy(self) -> bool:
        return self.ready_replicas >= self.desired and not self.rolling

    def pod_names(self) -> tuple[str, ...]:
        """The pods this StatefulSet wants: ``name-0`` … ``name-(replicas-1)``."""
        return tuple(f"{self.name}-{i}" for i in range(self.desired))

    def claim_names(self) -> tuple[str, ...]:
        """The PVCs its pods use (one per claim template and ordinal), in ordinal order."""
        return tuple(f"{t}-{self.name}-{i}" for i in range(self.desired) for t in self.claim_templates)


def statefulset_row(raw: Mapping[str, Any]) -> StatefulSetRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    template = spec.get("template") or {}
    containers = _template_containers(template)
    desired = _int(spec.get("replicas"), 1)
    ready = _int(status.get("readyReplicas"))
    strategy = spec.get("updateStrategy") or {}
    pairs, exprs = _selector_parts(spec.get("selector"))
    return StatefulSetRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        ready=f"{ready}/{desired}", ready_replicas=ready, desired=desired, current=_int(status.get("replicas")),
        updated=_int(status.get("updatedReplicas")), available=_int(status.get("availableReplicas")),
        service_name=spec.get("serviceName") or "",
        images=tuple(c.get("image", "") for c in containers), containers=tuple(c.get("name", "") for c in containers),
        current_revision=status.get("currentRevision") or "", update_revision=status.get("updateRevision") or "",
        partition=_int((strategy.get("rollingUpdate") or {}).get("partition")),
        update_strategy=strategy.get("type") or "RollingUpdate",
        pod_management=spec.get("podManagementPolicy") or "OrderedReady",
        claim_templates=tuple(((t.get("metadata") or {}).get("name") or "")
                              for t in spec.get("volumeClaimTemplates") or ()),
        selector=_selector_text(spec.get("selector")), selector_raw=pairs, match_expressions=exprs,
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
        generation_observed=_int(status.get("observedGeneration")) >= _int(meta.get("generation")),
    )


_ORDINAL_RE = re.compile(r"-(\d+)$")


def pod_ordinal(pod_name: str, statefulset: str) -> int | None:
    """The ordinal of a StatefulSet's pod (``postgres-2`` -> 2), None when the name is not ``statefulset-N``."""
    if not pod_name.startswith(statefulset + "-"):
        return None
    m = _ORDINAL_RE.search(pod_name)
    if m is None or m.start() != len(statefulset):
        return None
    return int(m.group(1))


# -- DaemonSet -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DaemonSetRow(_Selecting, _Aged):
    uid: str
    namespace: str
    name: str
    desired: int                # status.desiredNumberScheduled: nodes that should run a pod
    current: int                # currentNumberScheduled
    ready: int                  # numberReady
    up_to_date: int             # updatedNumberScheduled
    available: int              # numberAvailable
    misscheduled: int           # numberMisscheduled: pods on nodes that should not run one
    node_selector: str          # "kubernetes.io/os=linux" or "<none>"
    tolerations: tuple[str, ...]  # "key=value:Effect", "key:Exists", ":Exists" (everything)
    images: tuple[str, ...]
    containers: tuple[str, ...]
    update_strategy: str
    selector: str
    selector_raw: SelectorPairs
    match_expressions: SelectorExprs
    created: float | None
    labels: Labels
    generation_observed: bool

    @property
    def healthy(self) -> bool:
        return self.ready >= self.desired and self.up_to_date >= self.desired and not self.misscheduled


def _toleration_text(t: Mapping[str, Any]) -> str:
    key = t.get("key") or ""
    effect = t.get("effect") or ""
    if t.get("operator") == "Exists":
        text = f"{key}:Exists" if key else ":Exists"
    else:
        text = f"{key}={t.get('value') or ''}"
    return f"{text}:{effect}" if effect else text


def daemonset_row(raw: Mapping[str, Any]) -> DaemonSetRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    template = spec.get("template") or {}
    pod_spec = template.get("spec") or {}
    containers = _template_containers(template)
    node_selector = pod_spec.get("nodeSelector") or {}
    pairs, exprs = _selector_parts(spec.get("selector"))
    return DaemonSetRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        desired=_int(status.get("desiredNumberScheduled")), current=_int(status.get("currentNumberScheduled")),
        ready=_int(status.get("numberReady")), up_to_date=_int(status.get("updatedNumberScheduled")),
        available=_int(status.get("numberAvailable")), misscheduled=_int(status.get("numberMisscheduled")),
        node_selector=",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>",
        tolerations=tuple(_toleration_text(t) for t in pod_spec.get("tolerations") or ()),
        images=tuple(c.get("image", "") for c in containers), containers=tuple(c.get("name", "") for c in containers),
        update_strategy=(spec.get("updateStrategy") or {}).get("type") or "RollingUpdate",
        selector=_selector_text(spec.get("selector")), selector_raw=pairs, match_expressions=exprs,
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
        generation_observed=_int(status.get("observedGeneration")) >= _int(meta.get("generation")),
    )


# -- Job -----------------------------------------------------------------------------------------------

JOB_COMPLETE, JOB_FAILED, JOB_SUSPENDED, JOB_RUNNING, JOB_TERMINATING = (
    "Complete", "Failed", "Suspended", "Running", "Terminating")


@dataclass(frozen=True, slots=True)
class JobRow(_Selecting, _Aged):
    uid: str
    namespace: str
    name: str
    status: str                 # Complete, Failed, Suspended, Running, Terminating (kubectl's STATUS)
    reason: str                 # the condition's reason when it failed (BackoffLimitExceeded, DeadlineExceeded)
    completions: str            # "1/1", "2/3", "0/1 of 2" (kubectl's COMPLETIONS)
    succeeded: int
    failed: int
    active: int
    desired: int | None         # spec.completions (None: a work queue, done when one pod succeeds)
    parallelism: int
    backoff_limit: int
    started: float | None       # status.startTime
    finished: float | None      # completionTime, or the Failed/Complete condition's time
    images: tuple[str, ...]
    containers: tuple[str, ...]
    owner_kind: str             # "CronJob" for a scheduled run
    owner_name: str
    owner_uid: str
    selector: str
    selector_raw: SelectorPairs
    match_expressions: SelectorExprs
    created: float | None
    labels: Labels

    def duration_seconds(self, now: float | None = None) -> float | None:
        """How long it ran (still running: so far); None before it started."""
        if self.started is None:
            return None
        end = self.finished if self.finished is not None else (now if now is not None else time.time())
        return max(0.0, end - self.started)

    def duration(self, now: float | None = None) -> str:
        """kubectl's DURATION: ``41s``, ``3m12s``; empty before the Job started."""
        seconds = self.duration_seconds(now)
        return "" if seconds is None else format_age(seconds)

    @property
    def done(self) -> bool:
        return self.status in (JOB_COMPLETE, JOB_FAILED)


def _condition(status: Mapping[str, Any], ctype: str) -> Mapping[str, Any] | None:
    for c in status.get("conditions") or ():
        if c.get("type") == ctype and c.get("status") == "True":
            return c
    return None


def _completions_text(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    succeeded = _int(status.get("succeeded"))
    completions = spec.get("completions")
    if completions is not None:
        return f"{succeeded}/{_int(completions)}"
    parallelism = _int(spec.get("parallelism"), 1)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def job_row(raw: Mapping[str, Any]) -> JobRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    containers = _template_containers(spec.get("template") or {})
    complete = _condition(status, "Complete")
    failed = _condition(status, "Failed")
    reason = ""
    if meta.get("deletionTimestamp"):
        state = JOB_TERMINATING
    elif complete is not None:
        state = JOB_COMPLETE
    elif failed is not None:
        state, reason = JOB_FAILED, str(failed.get("reason") or "")
    elif _condition(status, "Suspended") is not None or spec.get("suspend"):
        state = JOB_SUSPENDED
    else:
        state = JOB_RUNNING
        target = _condition(status, "FailureTarget")
        if target is not None:
            reason = str(target.get("reason") or "")
    finished = parse_time(status.get("completionTime"))
    if finished is None and failed is not None:
        finished = parse_time(failed.get("lastTransitionTime"))
    owner_kind, owner_name = _owner(meta)
    owner_uid = next((str(o.get("uid") or "") for o in meta.get("ownerReferences") or () if o.get("controller")), "")
    pairs, exprs = _selector_parts(spec.get("selector"))
    return JobRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""), status=state,
        reason=reason, completions=_completions_text(spec, status), succeeded=_int(status.get("succeeded")),
        failed=_int(status.get("failed")), active=_int(status.get("active")),
        desired=_int(spec["completions"]) if spec.get("completions") is not None else None,
        parallelism=_int(spec.get("parallelism"), 1), backoff_limit=_int(spec.get("backoffLimit"), 6),
        started=parse_time(status.get("startTime")), finished=finished,
        images=tuple(c.get("image", "") for c in containers), containers=tuple(c.get("name", "") for c in containers),
        owner_kind=owner_kind, owner_name=owner_name, owner_uid=owner_uid,
        selector=_selector_text(spec.get("selector")), selector_raw=pairs, match_expressions=exprs,
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


# -- CronJob -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CronJobRow(_Aged):
    uid: str
    namespace: str
    name: str
    schedule: str
    timezone: str               # "" = the controller's time zone
    suspend: bool
    active: int
    active_jobs: tuple[str, ...]  # names of the running Jobs
    last_schedule: float | None
    last_successful: float | None
    concurrency_policy: str     # Allow, Forbid, Replace
    images: tuple[str, ...]
    containers: tuple[str, ...]
    created: float | None
    labels: Labels

    def last_schedule_text(self, now: float | None = None) -> str:
        """kubectl's LAST SCHEDULE: an age, or ``<none>``."""
        return "<none>" if self.last_schedule is None else _age(self.last_schedule, now)

    @property
    def last_failed(self) -> bool:
        """The newest run did not succeed (it was scheduled after the last success and is not running)."""
        if self.last_schedule is None or self.active:
            return False
        return self.last_successful is None or self.last_successful < self.last_schedule


def cronjob_row(raw: Mapping[str, Any]) -> CronJobRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    containers = _template_containers(job_spec.get("template") or {})
    active = tuple(str(ref.get("name") or "") for ref in status.get("active") or ())
    return CronJobRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        schedule=str(spec.get("schedule") or ""), timezone=str(spec.get("timeZone") or ""),
        suspend=bool(spec.get("suspend")), active=len(active), active_jobs=active,
        last_schedule=parse_time(status.get("lastScheduleTime")),
        last_successful=parse_time(status.get("lastSuccessfulTime")),
        concurrency_policy=spec.get("concurrencyPolicy") or "Allow",
        images=tuple(c.get("image", "") for c in containers), containers=tuple(c.get("name", "") for c in containers),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


def owned_by(raw: Mapping[str, Any], uid: str) -> bool:
    """Whether ``raw``'s controller (ownerReference with controller=true) is the object with ``uid``."""
    return any(o.get("controller") and o.get("uid") == uid
               for o in (raw.get("metadata") or {}).get("ownerReferences") or ())


# -- ControllerRevision --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ControllerRevisionRow(_Aged):
    """One revision of a StatefulSet's or DaemonSet's pod template (what ``rollout history`` lists)."""

    uid: str
    namespace: str
    name: str
    revision: int
    owner_kind: str
    owner_name: str
    owner_uid: str
    images: tuple[str, ...]
    change_cause: str
    created: float | None
    labels: Labels


def revision_template(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The pod template a ControllerRevision records (its ``data.spec.template``, without the strategic merge
    directive ``$patch: replace`` the controllers put in it)."""
    template = ((raw.get("data") or {}).get("spec") or {}).get("template") or {}
    return {k: v for k, v in template.items() if k != "$patch"} if isinstance(template, Mapping) else {}


def controllerrevision_row(raw: Mapping[str, Any]) -> ControllerRevisionRow:
    meta = raw.get("metadata") or {}
    owner_kind, owner_name = _owner(meta)
    owner_uid = next((str(o.get("uid") or "") for o in meta.get("ownerReferences") or () if o.get("controller")), "")
    containers = _template_containers(revision_template(raw))
    return ControllerRevisionRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        revision=_int(raw.get("revision")), owner_kind=owner_kind, owner_name=owner_name, owner_uid=owner_uid,
        images=tuple(c.get("image", "") for c in containers),
        change_cause=str((meta.get("annotations") or {}).get("kubernetes.io/change-cause") or ""),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


# -- PodDisruptionBudget -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PdbRow(_Selecting, _Aged):
    uid: str
    namespace: str
    name: str
    min_available: str          # "2", "50%", "N/A"
    max_unavailable: str
    allowed_disruptions: int
    current_healthy: int
    desired_healthy: int
    expected_pods: int
    selector: str
    selector_raw: SelectorPairs
    match_expressions: SelectorExprs
    created: float | None
    labels: Labels

    @property
    def blocking(self) -> bool:
        """No voluntary disruption is allowed now (a drain or an eviction of its pods would wait)."""
        return self.allowed_disruptions <= 0 and self.expected_pods > 0


def pdb_row(raw: Mapping[str, Any]) -> PdbRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    pairs, exprs = _selector_parts(spec.get("selector"))

    def text(value: Any) -> str:
        return "N/A" if value is None else str(value)

    return PdbRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        min_available=text(spec.get("minAvailable")), max_unavailable=text(spec.get("maxUnavailable")),
        allowed_disruptions=_int(status.get("disruptionsAllowed")),
        current_healthy=_int(status.get("currentHealthy")), desired_healthy=_int(status.get("desiredHealthy")),
        expected_pods=_int(status.get("expectedPods")),
        selector=_selector_text(spec.get("selector")), selector_raw=pairs, match_expressions=exprs,
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


__all__ = ["ControllerRevisionRow", "CronJobRow", "DaemonSetRow", "JobRow", "PdbRow", "StatefulSetRow",
           "controllerrevision_row", "cronjob_row", "daemonset_row", "job_row", "owned_by", "pdb_row",
           "pod_ordinal", "revision_template", "statefulset_row"]
