"""Conversion between served versions of one stored kind (built-in kinds served in more than one version).

kube-apiserver stores one version and converts on every read and write; the demo does the same for the
built-in kinds listed here, and for custom resources (no converter) only rewrites ``apiVersion`` (a CRD's
``None`` conversion strategy). The one built-in case today is HorizontalPodAutoscaler: stored as
``autoscaling/v2``, also served as ``autoscaling/v1`` (kubectl 1.27 … 1.32 ``autoscale`` creates a v1 object).
As upstream (pkg/apis/autoscaling/v1/conversion.go), what v1 cannot express travels in annotations: metrics
other than the CPU utilization target, behavior, conditions and other current metrics.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .resources import ResourceType

Obj = dict[str, Any]
METRICS = "autoscaling.alpha.kubernetes.io/metrics"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
_HPA_ANNOTATIONS = (METRICS, BEHAVIOR, CONDITIONS, CURRENT_METRICS)


def _is_cpu_utilization(metric: Obj) -> bool:
    resource = metric.get("resource") or {}
    return metric.get("type") == "Resource" and resource.get("name") == "cpu" and \
        (resource.get("target") or {}).get("type") == "Utilization"


def _is_cpu_current(metric: Obj) -> bool:
    resource = metric.get("resource") or {}
    return metric.get("type") == "Resource" and resource.get("name") == "cpu" and \
        (resource.get("current") or {}).get("averageUtilization") is not None


def hpa_v2_to_v1(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    out["apiVersion"] = "autoscaling/v1"
    meta = out.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    spec = out.get("spec")
    if isinstance(spec, dict):
        metrics = spec.pop("metrics", None) or []
        behavior = spec.pop("behavior", None)
        others = []
        for metric in metrics:
            if _is_cpu_utilization(metric) and "targetCPUUtilizationPercentage" not in spec:
                spec["targetCPUUtilizationPercentage"] = metric["resource"]["target"].get("averageUtilization")
            else:
                others.append(metric)
        if others:
            annotations[METRICS] = json.dumps(others, separators=(",", ":"))
        if behavior:
            annotations[BEHAVIOR] = json.dumps(behavior, separators=(",", ":"))
    status = out.get("status")
    if isinstance(status, dict):
        current = status.pop("currentMetrics", None) or []
        conditions = status.pop("conditions", None)
        others = []
        for metric in current:
            if _is_cpu_current(metric) and "currentCPUUtilizationPercentage" not in status:
                status["currentCPUUtilizationPercentage"] = metric["resource"]["current"]["averageUtilization"]
            else:
                others.append(metric)
        if others:
            annotations[CURRENT_METRICS] = json.dumps(others, separators=(",", ":"))
        if conditions:
            annotations[CONDITIONS] = json.dumps(conditions, separators=(",", ":"))
    if annotations:
        meta["annotations"] = annotations
    return out


def _from_annotation(annotations: dict[str, str], key: str) -> Any:
    raw = annotations.pop(key, None)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def hpa_v1_to_v2(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    out["apiVersion"] = "autoscaling/v2"
    meta = out.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    extra_metrics = _from_annotation(annotations, METRICS)
    behavior = _from_annotation(annotations, BEHAVIOR)
    conditions = _from_annotation(annotations, CONDITIONS)
    current_metrics = _from_annotation(annotations, CURRENT_METRICS)
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    spec = out.get("spec")
    if isinstance(spec, dict):
        metrics = []
        target = spec.pop("targetCPUUtilizationPercentage", None)
        if target is not None:
            metrics.append({"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}})
        metrics += [m for m in extra_metrics or () if isinstance(m, dict)]
        if metrics:
            spec["metrics"] = metrics
        if isinstance(behavior, dict):
            spec["behavior"] = behavior
    status = out.get("status")
    if isinstance(status, dict):
        current = status.pop("currentCPUUtilizationPercentage", None)
        metrics = []
        if current is not None:
            metrics.append({"type": "Resource", "resource": {
                "name": "cpu", "current": {"averageUtilization": current}}})
        metrics += [m for m in current_metrics or () if isinstance(m, dict)]
        if metrics:
            status["currentMetrics"] = metrics
        if isinstance(conditions, list):
            status["conditions"] = conditions
    return out


_CONVERTERS: dict[tuple[str, str, str], tuple[Callable[[Obj], Obj], Callable[[Obj], Obj]]] = {
    # (group, kind, served version): (to storage, from storage)
    ("autoscaling", "HorizontalPodAutoscaler", "v1"): (hpa_v1_to_v2, hpa_v2_to_v1),
}


def to_storage(rt: ResourceType, obj: Obj) -> Obj:
    """``obj`` as sent in ``rt``'s version, in the storage version (unchanged when they are the same)."""
    pair = _CONVERTERS.get((rt.group, rt.kind, rt.version)) if rt.storage_version else None
    if pair is None or obj.get("apiVersion") == rt.storage_api_version:
        return obj
    return pair[0](obj)


def from_storage(rt: ResourceType, obj: Obj) -> Obj:
    """A stored object as ``rt``'s version shows it."""
    if not rt.storage_version or obj.get("apiVersion") == rt.api_version:
        return obj
    pair = _CONVERTERS.get((rt.group, rt.kind, rt.version))
    if pair is None:
        return {**obj, "apiVersion": rt.api_version}
    return pair[1](obj)
