"""Small pure helpers the simulated controllers share: quantities, pod predicates, owner references, time.

They read the standard Kubernetes fields of plain JSON dicts, so every controller agrees on what "ready",
"active" or "requests" mean, as the real controllers do through their shared ``controller`` utils.
"""

from __future__ import annotations

import calendar
import functools
import re
import time
from typing import Any

Obj = dict[str, Any]

# Requests the scheduler assumes for a container that states none (pkg/scheduler/util/pod_resources.go).
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

_BIN = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DEC = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_QTY_RE = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")


def parse_quantity(value: Any) -> float:
    """A resource quantity (``250m``, ``1.5``, ``128Mi``, ``4Ti``) as a number in base units (0 if unparsable)."""
    if value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    return _parse_quantity_text(str(value))


@functools.lru_cache(maxsize=4096)
def _parse_quantity_text(text: str) -> float:
    """Quantities repeat across thousands of pods: parse each spelling once."""
    m = _QTY_RE.match(text.strip())
    if not m:
        return 0.0
    number, suffix = m.groups()
    try:
        base = float(number)
    except ValueError:
        return 0.0
    if suffix in _BIN:
        return base * _BIN[suffix]
    if suffix in _DEC:
        return base * _DEC[suffix]
    return 0.0


def milli_cpu(value: Any) -> int:
    return int(round(parse_quantity(value) * 1000))


def mem_bytes(value: Any) -> int:
    return int(parse_quantity(value))


def pod_requests(spec: Obj) -> dict[str, int]:
    """The pod's effective requests (``cpu`` in millicores, ``memory`` in bytes, other resources as given):
    the sum over containers, or the largest init container if that is bigger. Limits stand in for missing
    requests, as the API server's defaulting does."""

    def one(c: Obj) -> dict[str, int]:
        res = c.get("resources") or {}
        req = dict(res.get("limits") or {})
        req.update(res.get("requests") or {})
        out: dict[str, int] = {}
        for name, q in req.items():
            out[name] = milli_cpu(q) if name == "cpu" else int(parse_quantity(q))
        return out

    total: dict[str, int] = {}
    for c in spec.get("containers") or ():
        for k, v in one(c).items():
            total[k] = total.get(k, 0) + v
    for c in spec.get("initContainers") or ():
        for k, v in one(c).items():
            if v > total.get(k, 0):
                total[k] = v
    return total


def pod_nonzero_requests(spec: Obj) -> tuple[int, int]:
    """(milli CPU, memory) with the scheduler's defaults for containers that request nothing (for scoring)."""
    cpu = mem = 0
    for c in spec.get("containers") or ():
        req = (c.get("resources") or {}).get("requests") or {}
        lim = (c.get("resources") or {}).get("limits") or {}
        c_cpu = req.get("cpu", lim.get("cpu"))
        c_mem = req.get("memory", lim.get("memory"))
        cpu += milli_cpu(c_cpu) if c_cpu is not None else DEFAULT_MILLI_CPU_REQUEST
        mem += mem_bytes(c_mem) if c_mem is not None else DEFAULT_MEMORY_REQUEST
    return cpu, mem


# -- pods --------------------------------------------------------------------------------------------------
def condition(obj: Obj, ctype: str) -> Obj | None:
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def is_pod_ready(pod: Obj) -> bool:
    c = condition(pod, "Ready")
    return bool(c and c.get("status") == "True")


def is_terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_active(pod: Obj) -> bool:
    """Counts toward a ReplicaSet: neither finished nor being deleted (controller.FilterActivePods)."""
    return not is_terminal(pod) and not pod["metadata"].get("deletionTimestamp")


def is_available(pod: Obj, min_ready_seconds: int, now: float | None = None) -> bool:
    c = condition(pod, "Ready")
    if not c or c.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = parse_time(c.get("lastTransitionTime"))
    return since + min_ready_seconds <= (time.time() if now is None else now)


# -- owners ------------------------------------------------------------------------------------------------
def controller_ref(obj: Obj) -> Obj | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def owner_ref(owner: Obj) -> Obj:
    """The controller ownerReference a controller puts on what it creates (metav1.NewControllerRef)."""
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


# -- time --------------------------------------------------------------------------------------------------
def parse_time(ts: str | None) -> float:
    """An RFC3339 timestamp (``2024-05-01T10:00:00Z``, fractions allowed) as epoch seconds; 0 if absent."""
    if not ts:
        return 0.0
    try:
        main, _, frac = ts.rstrip("Z").partition(".")
        base = calendar.timegm(time.strptime(main[:19], "%Y-%m-%dT%H:%M:%S"))
        return base + (float("0." + frac) if frac.isdigit() else 0.0)
    except ValueError:
        return 0.0


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` for whole and fractional seconds: ``10s``, ``1m20s``, ``5m0s``,
    ``1.234s``, ``312ms``."""
    if seconds < 1:
        ms = int(seconds * 1000)
        return f"{ms}ms" if ms else "0s"
    if seconds < 60:
        text = f"{seconds:.3f}".rstrip("0").rstrip(".")
        return f"{text}s"
    whole = int(seconds)
    m, s = divmod(whole, 60)
    h, m = divmod(m, 60)
    return (f"{h}h" if h else "") + f"{m}m{s}s"
