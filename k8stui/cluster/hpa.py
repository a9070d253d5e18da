"""A HorizontalPodAutoscaler's metrics, current against target, for every ``autoscaling/v2`` metric type.

``hpa_metrics(spec, status)`` pairs each ``spec.metrics`` entry with its ``status.currentMetrics`` entry (by type
and metric name, falling back to the position, as kubectl's printer does) and says whether the current value is
above the target — what makes the HPA scale out, and what the view colours. ``targets_text`` is kubectl's
TARGETS column (``cpu: 94%/60%, requests_per_second: 120/100``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .quantity import parse_quantity

UNKNOWN = "<unknown>"


@dataclass(frozen=True, slots=True)
class HpaMetric:
    """One metric: ``current`` and ``target`` as printed (``94%``, ``120``, ``500m``), their numbers for
    comparison (None when unknown), and ``over`` when the current value exceeds the target."""

    type: str           # Resource, ContainerResource, Pods, Object, External
    name: str           # cpu, memory, requests_per_second ...
    current: str
    target: str
    current_value: float | None
    target_value: float | None

    @property
    def over(self) -> bool:
        return self.current_value is not None and self.target_value is not None and \
            self.current_value > self.target_value

    @property
    def text(self) -> str:
        return f"{self.name}: {self.current}/{self.target}"


_SOURCE_KEY = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
               "Object": "object", "External": "external"}


def _metric_name(mtype: str, source: Mapping[str, Any]) -> str:
    if mtype in ("Resource", "ContainerResource"):
        name = str(source.get("name") or "")
        if mtype == "ContainerResource" and source.get("container"):
            name = f"{name} ({source['container']})"
        return name
    return str((source.get("metric") or {}).get("name") or "")


def _value(target: Mapping[str, Any]) -> tuple[str, float | None, str]:
    """(printed, number, kind) of a MetricTarget / MetricValueStatus: utilization in %, else a quantity."""
    if target.get("averageUtilization") is not None and target.get("type", "Utilization") == "Utilization":
        return f"{target['averageUtilization']}%", float(target["averageUtilization"]), "utilization"
    for key in ("averageValue", "value"):
        if target.get(key) is not None:
            return str(target[key]), parse_quantity(target[key]), key
    if target.get("averageUtilization") is not None:
        return f"{target['averageUtilization']}%", float(target["averageUtilization"]), "utilization"
    return UNKNOWN, None, ""


def _current_for(mtype: str, name: str, index: int, statuses: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    key = _SOURCE_KEY.get(mtype, "")
    for status in statuses:
        if status.get("type") == mtype and _metric_name(mtype, status.get(key) or {}) == name:
            return (status.get(key) or {}).get("current") or {}
    if index < len(statuses) and statuses[index].get("type") == mtype:
        return (statuses[index].get(key) or {}).get("current") or {}
    return {}


def hpa_metrics(spec: Mapping[str, Any], status: Mapping[str, Any]) -> tuple[HpaMetric, ...]:
    statuses = [s for s in status.get("currentMetrics") or () if isinstance(s, Mapping)]
    out: list[HpaMetric] = []
    for index, metric in enumerate(spec.get("metrics") or ()):
        if not isinstance(metric, Mapping):
            continue
        mtype = str(metric.get("type") or "")
        source = metric.get(_SOURCE_KEY.get(mtype, "")) or {}
        name = _metric_name(mtype, source) or mtype.lower() or "?"
        target_text, target_value, kind = _value(source.get("target") or {})
        current = _current_for(mtype, name, index, statuses)
        if kind == "utilization" and current.get("averageUtilization") is not None:
            current_text, current_value = f"{current['averageUtilization']}%", float(current["averageUtilization"])
        elif current:
            picked = {k: v for k, v in current.items() if k != "averageUtilization" and (not kind or k == kind)}
            current_text, current_value, _ = _value(picked or current)
        else:
            current_text, current_value = UNKNOWN, None
        out.append(HpaMetric(mtype, name, current_text, target_text, current_value, target_value))
    return tuple(out)


def targets_text(metrics: Sequence[HpaMetric]) -> str:
    """kubectl's TARGETS: ``cpu: 94%/60%``; ``<none>`` without metrics."""
    return ", ".join(m.text for m in metrics) or "<none>"


__all__ = ["HpaMetric", "hpa_metrics", "targets_text"]
