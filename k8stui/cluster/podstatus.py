"""A pod's STATUS, READY and RESTARTS exactly as ``kubectl get pods`` prints them.

A port of kubectl's ``printPod`` (k8s.io/kubernetes pkg/printers/internalversion/printers.go), including
restartable init containers (sidecars), ``Init:`` reasons, ``Completed`` -> ``Running``/``NotReady`` when a
container still runs, ``Terminating`` and ``Unknown`` (NodeLost) for deleted pods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .quantity import parse_time

NODE_UNREACHABLE_REASON = "NodeLost"
_TERMINAL_PHASES = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class PodStatus:
    """The three kubectl columns plus the time of the last restart (epoch seconds or None)."""

    reason: str
    ready: int
    total: int
    restarts: int
    last_restart: float | None

    @property
    def ready_text(self) -> str:
        return f"{self.ready}/{self.total}"


def _restartable(container: dict[str, Any] | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"


def _later(current: float | None, state: dict[str, Any]) -> float | None:
    terminated = (state.get("lastState") or {}).get("terminated")
    if not terminated:
        return current
    finished = parse_time(terminated.get("finishedAt"))
    if finished is not None and (current is None or finished > current):
        return finished
    return current


def _has_condition(status: dict[str, Any], ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in status.get("conditions") or ())


def pod_status(pod: dict[str, Any]) -> PodStatus:
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    meta = pod.get("metadata") or {}
    containers = spec.get("containers") or ()
    init_specs = spec.get("initContainers") or ()
    total = len(containers)
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: float | None = None
    sidecar_last_restart: float | None = None

    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_by_name = {c.get("name"): c for c in init_specs}
    total += sum(1 for c in init_specs if _restartable(c))

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        restarts += int(cs.get("restartCount") or 0)
        last_restart = _later(last_restart, cs)
        sidecar = _restartable(init_by_name.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += int(cs.get("restartCount") or 0)
            sidecar_last_restart = _later(sidecar_last_restart, cs)
        state = cs.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if terminated is not None and int(terminated.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            if not terminated.get("reason"):
                if terminated.get("signal"):
                    reason = f"Init:Signal:{terminated['signal']}"
                else:
                    reason = f"Init:ExitCode:{int(terminated.get('exitCode') or 0)}"
            else:
                reason = f"Init:{terminated['reason']}"
            initializing = True
        elif waiting is not None and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
            initializing = True
        else:
            reason = f"Init:{i}/{len(init_specs)}"
            initializing = True
        break

    if not initializing or _has_condition(status, "Initialized"):
        restarts = sidecar_restarts
        last_restart = sidecar_last_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            restarts += int(cs.get("restartCount") or 0)
            last_restart = _later(last_restart, cs)
            state = cs.get("state") or {}
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated is not None:
                if terminated.get("signal"):
                    reason = f"Signal:{terminated['signal']}"
                else:
                    reason = f"ExitCode:{int(terminated.get('exitCode') or 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition_type(status, "Ready") else "NotReady"

    if meta.get("deletionTimestamp") and status.get("reason") == NODE_UNREACHABLE_REASON:
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in _TERMINAL_PHASES:
        reason = "Terminating"

    return PodStatus(reason or "Unknown", ready, total, restarts, last_restart if restarts else None)


def _has_condition_type(status: dict[str, Any], ctype: str) -> bool:
    """kubectl's hasPodReadyCondition: the condition is present and True."""
    return _has_condition(status, ctype)
