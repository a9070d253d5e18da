"""Which keys act on which kind: the footer shows the keys that act on the view's kind, ``?`` lists them.

Every resource screen binds every operation key (a key pressed where it does not apply says why, in one line),
but a footer offering scale, rollback and blue/green on ``:nodes`` or ``:cj`` — and not ``t`` trigger there —
sends the user to keys that do nothing. This module is data about actions and kind keys (``pods``,
``deployments.apps``, ``cronjobs.batch``): ``ACTS_ON`` says what works on a kind (the object itself, or what it
stands for: a pod's Deployment is scaled from the pod), ``FOOTER`` which of those the footer offers, most used
first (k9s habits: ``S`` shell on pods, ``t`` trigger on cron jobs, ``c``/``u``/``r`` on nodes).

A view's kind is ``None`` when its rows are of several kinds (``:lint``, ``:xray``): nothing is filtered out
of help there and the footer leaves the operation keys out. ``NO_OBJECTS`` is a view whose rows are not
Kubernetes objects (``:helm``, ``:alerts``, ``:audit``): no key acting on objects is offered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NO_OBJECTS = ""

_OPERATE = re.compile(r"^operate\('([\w-]+)'\)$")
_SCOPED = frozenset({"logs", "metrics", "why_stuck"})  # not operations, but only some kinds have them
_ANY_OBJECT = frozenset({"describe", "events", "xray"})  # every object has them; rows that are none do not

_EVERY_OBJECT = frozenset({"delete", "edit"})
_POD_SESSIONS = frozenset({"shell", "attach", "debug", "port-forward"})  # a pod, or a running pod of a workload
_DEPLOYMENT = frozenset({"scale", "restart", "rollback", "bluegreen", "bluegreen-revert", "burst", "unburst",
                         "canary"})
_WORKLOAD_VIEWS = frozenset({"logs", "metrics", "why_stuck"})

ACTS_ON: dict[str, frozenset[str]] = {
    "deployments.apps": _DEPLOYMENT | _POD_SESSIONS | _WORKLOAD_VIEWS | {"set-image"},
    "replicasets.apps": _DEPLOYMENT | _POD_SESSIONS | _WORKLOAD_VIEWS | {"set-image"},  # its Deployment's
    "statefulsets.apps": _POD_SESSIONS | _WORKLOAD_VIEWS | {"scale", "restart", "rollback", "set-image"},
    "daemonsets.apps": _POD_SESSIONS | _WORKLOAD_VIEWS | {"restart", "rollback", "set-image"},
    "jobs.batch": _POD_SESSIONS | _WORKLOAD_VIEWS,
    "cronjobs.batch": frozenset({"trigger", "suspend", "set-image", "logs", "metrics"}),
    # a pod's own keys, and its workload's (scale, restart, rollback, blue/green ... act on its owner)
    "pods": _POD_SESSIONS | _WORKLOAD_VIEWS | _DEPLOYMENT | {"kill", "set-image"},
    "services": frozenset({"bluegreen", "bluegreen-revert", "logs"}) | _POD_SESSIONS,
    "nodes": frozenset({"cordon", "uncordon", "drain", "metrics"}),
    "namespaces": frozenset({"metrics"}),
    "horizontalpodautoscalers.autoscaling": frozenset({"scale"}),  # its min/max
}

FOOTER: dict[str, tuple[str, ...]] = {
    "deployments.apps": ("scale", "restart", "rollback", "bluegreen", "delete"),
    "statefulsets.apps": ("scale", "restart", "rollback", "delete"),
    "daemonsets.apps": ("restart", "rollback", "delete"),
    "cronjobs.batch": ("trigger", "suspend", "delete"),
    "pods": ("shell", "port-forward", "kill", "delete"),
    "services": ("port-forward", "bluegreen", "delete"),
    "nodes": ("cordon", "uncordon", "drain"),
    "horizontalpodautoscalers.autoscaling": ("scale", "delete"),
    "events.events.k8s.io": (),
    "events": (),
}
_DEFAULT_FOOTER = ("delete",)

LABELS: dict[tuple[str, str], str] = {  # what a key does on this kind, when its usual name says something else
    ("horizontalpodautoscalers.autoscaling", "scale"): "Min/max replicas",
}


def operation_of(action: str) -> str | None:
    """``scale`` for ``operate('scale')``; None for any other action."""
    found = _OPERATE.match(action)
    return found.group(1) if found else None


def scoped(action: str) -> bool:
    """Whether ``action`` acts on the selected object (so only on some kinds)."""
    return action in _SCOPED or action in _ANY_OBJECT or operation_of(action) is not None


def applies(action: str, kind: str | None) -> bool:
    """Whether ``action`` does something on a row of ``kind`` (None: a view of several kinds — it may)."""
    if not scoped(action) or kind is None:
        return True
    if kind == NO_OBJECTS:
        return False
    if action in _ANY_OBJECT:
        return True
    name = operation_of(action) or action
    return name in _EVERY_OBJECT or name in ACTS_ON.get(kind, frozenset())


def applies_to_any(action: str, kinds: Iterable[str | None]) -> bool:
    kinds = list(kinds)
    return not kinds or any(applies(action, kind) for kind in kinds)


def label(action: str, kind: str | None, description: str) -> str:
    """The key's description on ``kind``: ``s`` edits an HPA's min/max, it does not scale it."""
    name = operation_of(action)
    return LABELS.get((kind or "", name or ""), description)


def footer_operations(kind: str | None) -> tuple[str, ...]:
    """The operations the footer offers on ``kind``, in order (none on a view of several kinds or no objects)."""
    if kind is None or kind == NO_OBJECTS:
        return ()
    return FOOTER.get(kind, _DEFAULT_FOOTER)


__all__ = ["ACTS_ON", "FOOTER", "LABELS", "NO_OBJECTS", "applies", "applies_to_any", "footer_operations", "label",
           "operation_of", "scoped"]
