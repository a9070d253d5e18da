"""Time series as the panes show them: range queries sized to the widget, values in display units.

A graph ``width`` columns wide over a range (5m/15m/1h/6h) needs about one point per column, so the step is the
range divided by the width, rounded up to a "nice" step and the window aligned to it (repeated refreshes then
ask Prometheus for the same timestamps). Each series keeps its points and reports current/min/max.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .targets import Target
from .templates import METRIC_BY_KEY, MetricSpec, Templates

if TYPE_CHECKING:
    from .client import PromClient

RANGES: dict[str, int] = {"5m": 300, "15m": 900, "1h": 3600, "6h": 21600}
DEFAULT_RANGE = "15m"
NICE_STEPS = (1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600)

Point = tuple[float, float]


def next_range(current: str) -> str:
    names = list(RANGES)
    return names[(names.index(current) + 1) % len(names)] if current in RANGES else DEFAULT_RANGE


def step_for(range_seconds: int, width: int) -> int:
    """Seconds between points so that about ``width`` points cover the range."""
    raw = range_seconds / max(int(width), 8)
    return next((s for s in NICE_STEPS if s >= raw), NICE_STEPS[-1])


def time_window(range_name: str, width: int, now: float | None = None) -> tuple[float, float, int]:
    """``(start, end, step)`` for a range query, aligned to the step."""
    seconds = RANGES.get(range_name, RANGES[DEFAULT_RANGE])
    step = step_for(seconds, width)
    now = time.time() if now is None else now
    end = math.floor(now / step) * step
    return end - seconds, end, step


@dataclass(frozen=True)
class Series:
    """One line of a graph: its name (e.g. the ``version``) and its points in display units."""

    name: str
    points: tuple[Point, ...]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points]

    @property
    def current(self) -> float | None:
        return self.points[-1][1] if self.points else None

    @property
    def minimum(self) -> float | None:
        return min(self.values) if self.points else None

    @property
    def maximum(self) -> float | None:
        return max(self.values) if self.points else None


@dataclass(frozen=True)
class MetricSeries:
    """One graph: the metric, its series, and an error or note instead of data when there is none."""

    spec: MetricSpec
    series: tuple[Series, ...] = ()
    error: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def unit(self) -> str:
        return self.spec.unit

    def named(self, name: str) -> Series | None:
        return next((s for s in self.series if s.name == name), None)

    @property
    def has_data(self) -> bool:
        return any(s.points for s in self.series)


@dataclass(frozen=True)
class MetricsSnapshot:
    """Everything one refresh produced for one target."""

    target: Target
    range_name: str
    step: int
    start: float
    end: float
    source: str  # "prometheus" or "metrics.k8s.io"
    metrics: tuple[MetricSeries, ...] = ()
    note: str = ""
    queries: dict[str, str] = field(default_factory=dict, compare=False)

    def metric(self, key: str) -> MetricSeries | None:
        return next((m for m in self.metrics if m.key == key), None)


def format_value(value: float | None, unit: str) -> str:
    """A value with its unit, precise enough to read at a glance (``0.097 cores``, ``84.2 MiB``, ``2.7 %``)."""
    if value is None:
        return "–"
    if unit == "restarts":
        return f"{value:.0f}"
    magnitude = abs(value)
    if magnitude == 0:
        text = "0"
    elif magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}" if unit else text


def sample_value(text: Any) -> float | None:
    """A sample value string (``"1.5"``, ``"NaN"``, ``"+Inf"``) as a finite float, else None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def series_name(labels: dict[str, Any]) -> str:
    """A series' name from its labels (``__name__`` aside): values joined by ``/``, or "" for one total."""
    values = [str(v) for k, v in sorted(labels.items()) if k != "__name__"]
    if set(labels) >= {"app", "version"}:  # app first, version second, whatever the sort order
        values = [str(labels["app"]), str(labels["version"])] + [
            str(v) for k, v in sorted(labels.items()) if k not in ("app", "version", "__name__")]
    return "/".join(values)


def parse_matrix(result: Iterable[dict[str, Any]], spec: MetricSpec) -> tuple[Series, ...]:
    """A range-query result as Series in display units (NaN/Inf samples dropped), sorted by name."""
    out: list[Series] = []
    for item in result:
        points: list[Point] = []
        for ts, raw in item.get("values") or ():
            value = sample_value(raw)
            if value is not None:
                points.append((float(ts), value * spec.scale))
        out.append(Series(series_name(item.get("metric") or {}), tuple(points)))
    return tuple(sorted(out, key=lambda s: s.name))


def query_metrics(client: PromClient, templates: Templates, target: Target, range_name: str, width: int,
                  now: float | None = None, only: Sequence[str] | None = None) -> MetricsSnapshot:
    """Range-query every templated metric of ``target``. Raises PrometheusUnavailable when Prometheus cannot
    answer; a rejected query (PromQLError) becomes that graph's one-line error."""
    from .errors import PromQLError

    start, end, step = time_window(range_name, width, now)
    metrics: list[MetricSeries] = []
    queries: dict[str, str] = {}
    for spec in templates.metrics_for(target.kind):
        if only is not None and spec.key not in only:
            continue
        promql = templates.render(target, spec.key, step)
        queries[spec.key] = promql
        try:
            result = client.query_range(promql, start, end, step)
        except PromQLError as exc:
            metrics.append(MetricSeries(spec, error=str(exc)))
            continue
        metrics.append(MetricSeries(spec, parse_matrix(result, spec)))
    return MetricsSnapshot(target, range_name, step, start, end, "prometheus", tuple(metrics), target.note, queries)


def spec_for(key: str) -> MetricSpec:
    return METRIC_BY_KEY[key]
