"""Is this workload in trouble, and why — in a few words for its dashboard row.

``checkout`` shows a green ``2/2`` while its new pod crash-loops: the Deployment's own counters only say that the
old ReplicaSet still serves. An on-call eye needs the row itself to say "1 CrashLoopBackOff". The reasons come
from what is already cached: the Deployment's conditions (a rollout past its progress deadline), its pods (by
ownerReferences: waiting/failed containers, Pending, not ready, recent restarts) and the alerts firing about it
(by their ``pod``, ``deployment`` or ``app``/``version`` labels).

Pure functions of API objects and alerts; no Textual, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .podstatus import pod_status

CRITICAL = "critical"
WARNING = "warning"

RESTART_WINDOW = 15 * 60.0
"""A restart counts as trouble for this long after it happened (older restarts are history, not an incident)."""

# Pod reasons that mean the pod cannot serve and will not recover by itself.
FAILING_REASONS = {"CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Failed",
                   "CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "RunContainerError",
                   "Evicted", "Unknown", "ContainerStatusUnknown"}
_CRITICAL_ALERT_SEVERITIES = {"critical", "error", "page"}


class AlertLike(Protocol):
    """What is read of an alert (``k8stui.metrics.alerts.Alert`` fits)."""

    name: str
    state: str

    @property
    def label_map(self) -> dict[str, str]: ...

    @property
    def severity(self) -> str: ...

    @property
    def namespace(self) -> str: ...


@dataclass(frozen=True, slots=True)
class WorkloadHealth:
    """Why a workload needs attention (``reasons``, worst first; empty when it does not) and how badly."""

    reasons: tuple[str, ...] = ()  # e.g. ("rollout stalled", "1 CrashLoopBackOff", "1 alert")
    level: str = ""  # CRITICAL, WARNING or "" (healthy)
    alerts: int = 0  # firing alerts about it

    @property
    def text(self) -> str:
        return ", ".join(self.reasons)

    def __bool__(self) -> bool:
        return bool(self.reasons)


HEALTHY = WorkloadHealth()


def _condition(obj: Mapping[str, Any], ctype: str) -> Mapping[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == ctype:
            return cond
    return None


def rollout_stalled(deployment: Mapping[str, Any]) -> bool:
    """The Deployment controller gave up waiting for the rollout (``progressDeadlineSeconds`` passed)."""
    cond = _condition(deployment, "Progressing")
    return cond is not None and cond.get("status") == "False" and cond.get("reason") == "ProgressDeadlineExceeded"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def alerts_about(alerts: Iterable[AlertLike], deployment: Mapping[str, Any], pod_names: Iterable[str]) -> list[AlertLike]:
    """The firing alerts about a Deployment: labelled with one of its pods, its name (``deployment``), or its pod
    template's ``app`` (and ``version``, when the alert has one)."""
    meta = deployment.get("metadata") or {}
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    template_labels = ((((deployment.get("spec") or {}).get("template") or {}).get("metadata") or {})
                       .get("labels") or {})
    app = template_labels.get("app") or template_labels.get("app.kubernetes.io/name") or ""
    pods = set(pod_names)
    out = []
    for alert in alerts:
        if alert.state != "firing" or alert.namespace != namespace:
            continue
        labels = alert.label_map
        if labels.get("pod"):
            about = labels["pod"] in pods
        elif labels.get("deployment"):
            about = labels["deployment"] == name
        elif labels.get("app"):
            about = bool(app) and labels["app"] == app and (
                "version" not in labels or labels["version"] == template_labels.get("version"))
        else:
            about = False
        if about:
            out.append(alert)
    return out


@dataclass(frozen=True, slots=True)
class PodTrouble:
    """What one pod adds to its workload's reasons (computed once per pod version: ``PodTroubleCache``)."""

    failing: str = ""  # a FAILING_REASONS reason, or ""
    pending: bool = False
    not_ready: bool = False
    restarts: int = 0
    last_restart: float | None = None
    terminating: bool = False


def pod_trouble(pod: Mapping[str, Any]) -> PodTrouble:
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return PodTrouble(terminating=True)  # going away: its successor is what matters
    status = pod_status(dict(pod))
    phase = (pod.get("status") or {}).get("phase") or ""
    reason = status.reason
    failing = pending = not_ready = False
    if reason in FAILING_REASONS or reason.startswith(("Init:CrashLoop", "Init:Error", "Init:ImagePull",
                                                        "Init:ErrImage", "Init:OOMKilled")):
        failing = True
    elif phase == "Pending" or reason in ("Pending", "ContainerCreating", "PodInitializing") \
            or reason.startswith("Init:"):
        pending = True
    elif phase == "Running" and status.ready < status.total:
        not_ready = True
    return PodTrouble(reason if failing else "", pending, not_ready, status.restarts, status.last_restart)


class PodTroubleCache:
    """``pod_trouble`` per pod uid, recomputed only when the pod's resourceVersion changes."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, PodTrouble]] = {}

    def get(self, pod: Mapping[str, Any]) -> PodTrouble:
        meta = pod.get("metadata") or {}
        uid, version = meta.get("uid") or "", meta.get("resourceVersion") or ""
        hit = self._cache.get(uid)
        if hit is not None and version and hit[0] == version:
            return hit[1]
        trouble = pod_trouble(pod)
        if uid:
            self._cache[uid] = (version, trouble)
        return trouble

    def forget(self, uids: Iterable[str]) -> None:
        for uid in uids:
            self._cache.pop(uid, None)


def deployment_health(deployment: Mapping[str, Any], pods: Iterable[PodTrouble | Mapping[str, Any]],
                      alerts: Iterable[AlertLike] = (), *, now: float) -> WorkloadHealth:
    """The trouble of one Deployment, from its object, the pods it controls (objects, or their ``PodTrouble``)
    and the alerts about it."""
    reasons: list[str] = []
    critical = False
    if rollout_stalled(deployment):
        reasons.append("rollout stalled")
        critical = True
    failing: Counter[str] = Counter()
    pending = not_ready = restarts = 0
    for pod in pods:
        trouble = pod if isinstance(pod, PodTrouble) else pod_trouble(pod)
        if trouble.terminating:
            continue
        if trouble.failing:
            failing[trouble.failing] += 1
        elif trouble.pending:
            pending += 1
        elif trouble.not_ready:
            not_ready += 1
        if trouble.restarts and not trouble.failing and trouble.last_restart is not None \
                and now - trouble.last_restart <= RESTART_WINDOW:
            restarts += trouble.restarts
    for reason, count in sorted(failing.items(), key=lambda kv: (-kv[1], kv[0])):
        reasons.append(f"{count} {reason}")
        critical = True
    if pending:
        reasons.append(f"{pending} Pending")
    if not_ready:
        reasons.append(f"{not_ready} not ready")
    if restarts:
        reasons.append(_plural(restarts, "restart"))
    cond = _condition(deployment, "ReplicaFailure")
    if cond is not None and cond.get("status") == "True":
        reasons.append("replica failure")
        critical = True
    firing = list(alerts)
    if firing:
        # An alert alone is named; beside other reasons it is counted (the row stays readable in a narrow
        # pane, and ``!`` lists the alerts by name).
        names = sorted({a.name for a in firing})
        if not reasons and len(names) == 1:
            reasons.append(f"alert {names[0]}")
        else:
            reasons.append(_plural(len(firing), "alert"))
        if any(a.severity.lower() in _CRITICAL_ALERT_SEVERITIES for a in firing):
            critical = True
    if not reasons:
        return HEALTHY
    return WorkloadHealth(tuple(reasons), CRITICAL if critical else WARNING, len(firing))


__all__ = ["CRITICAL", "FAILING_REASONS", "HEALTHY", "RESTART_WINDOW", "WARNING", "PodTrouble", "PodTroubleCache",
           "WorkloadHealth", "alerts_about", "deployment_health", "pod_trouble", "rollout_stalled"]
