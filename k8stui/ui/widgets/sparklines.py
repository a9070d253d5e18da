"""The dashboard's metrics pane: sparklines of the selected workload (CPU, memory, request rate by version,
restarts) with current/min/max, and a line saying where the data comes from.

The widget polls through a ``k8stui.metrics.poller.Poller`` (a background thread) and repaints when a result
arrives (``MetricsUpdated`` messages replace each other in the queue, so a slow screen never falls behind).
It pauses while its screen is not the visible one. ``show_snapshot`` renders given data without polling
(for tests and for screens that poll themselves).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message
from textual.widget import Widget

from ... import clock
from ...metrics.poller import PollResult, PollState
from ...metrics.series import MetricSeries, MetricsSnapshot, Series, format_value
from ...metrics.targets import Target, target_for
from ...text import plain, sanitize

if TYPE_CHECKING:
    from ...metrics.poller import Poller
    from ...metrics.service import MetricsFeed, MetricsService

BLOCKS = "▁▂▃▄▅▆▇█"
LABEL_WIDTH = 12
VALUES_WIDTH = 32
DASHBOARD_METRICS = ("cpu", "memory", "requests", "restarts")
SHORT_TITLES = {"cpu": "CPU", "memory": "Memory", "requests": "req/s", "errors": "5xx %", "restarts": "Restarts"}
NAMED_COLOURS = {"blue": "#4f8ff7", "green": "#3fb950", "canary": "#d29922", "stable": "#8b949e"}
ZOOMED = ("cpu", "memory")  # usage hovers: scale min..max; rates and counts scale from 0
SAMPLE_TOLERANCE = 12.0  # seconds a metrics.k8s.io sample (taken every 5 s) may stand for
THEME_COLOURS = ("primary", "accent", "warning", "secondary", "success", "error")


def sparkline_text(series: Series, start: float, end: float, width: int, floor_zero: bool = True,
                   tolerance: float | None = None) -> str:
    """``series`` drawn with block characters on a time axis of ``width`` columns from ``start`` to ``end``.

    Each column shows the newest sample at or before its time if that sample is at most ``tolerance`` seconds
    old (default: 1.5 columns); otherwise the column stays blank, so gaps and short histories show as such.
    ``floor_zero`` scales from 0 (rates, counts), otherwise from the series' minimum (usage that hovers).
    """
    if width <= 0:
        return ""
    span = max(end - start, 1e-9)
    column = span / max(width - 1, 1)
    tolerance = 1.5 * column if tolerance is None else max(tolerance, column / 2)
    points = sorted(series.points)
    cells: list[float | None] = []
    i = -1
    for c in range(width):
        at = start + c * column
        while i + 1 < len(points) and points[i + 1][0] <= at + column / 2:
            i += 1
        cells.append(points[i][1] if i >= 0 and at - points[i][0] <= tolerance else None)
    present = [v for v in cells if v is not None]
    if not present:
        return " " * width
    low = min(0.0, min(present)) if floor_zero else min(present)
    high = max(present)
    out = []
    for v in cells:
        if v is None:
            out.append(" ")
        elif high - low <= 1e-12:
            out.append(BLOCKS[0] if high == 0 else BLOCKS[3])
        else:
            out.append(BLOCKS[min(len(BLOCKS) - 1, int((v - low) / (high - low) * (len(BLOCKS) - 1) + 0.5))])
    return "".join(out)


def _number(value: float | None, unit: str) -> str:
    text = format_value(value, unit)
    return text.rsplit(" ", 1)[0] if " " in text else text


def values_text(series: Series, unit: str) -> str:
    """``44.3 req/s ↓41.0 ↑52.3``: current with its unit, then min and max."""
    return f"{format_value(series.current, unit)} ↓{_number(series.minimum, unit)} ↑{_number(series.maximum, unit)}"


@dataclass
class MetricsUpdated(Message):
    """A poll finished (posted from the poller's thread); a newer one replaces an unhandled older one."""

    result: PollResult[MetricsSnapshot | None]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MetricsUpdated)


def source_line(service: MetricsService | None, result: PollResult[Any] | None, snapshot: MetricsSnapshot | None
                ) -> tuple[str, str]:
    """What the pane says about its data: ``(text, style)``."""
    if service is not None and service.config_error and service.endpoint is None and service.history is None:
        return f"metrics unavailable: {service.config_error}", "bold red"
    if result is not None and result.state is PollState.UNREACHABLE:
        retry = f" — retrying in {math.ceil(result.retry_in)}s" if result.retry_in > 0 else ""
        if service is not None and service.endpoint is None:
            return f"metrics.k8s.io unavailable: {result.error}{retry}", "bold red"
        text = result.error if result.error.lower().startswith(("prometheus", "no prometheus")) else (
            f"Prometheus unreachable: {result.error}")
        return f"{text}{retry}", "bold red"
    if snapshot is None:
        if service is not None and service.endpoint is not None:
            return f"from Prometheus ({service.endpoint.display}) — loading…", "yellow"
        if service is not None and service.history is not None:
            return "from metrics.k8s.io (no Prometheus configured) — loading…", "yellow"
        return "select a workload", "dim"
    if snapshot.source == "prometheus":
        where = service.endpoint.display if service is not None and service.endpoint is not None else "Prometheus"
        text = f"from Prometheus ({where}) · {snapshot.range_name}"
    else:
        text = f"from metrics.k8s.io, sampled by k8stui (no Prometheus configured) · {snapshot.range_name}"
    if snapshot.note:
        text += f" · {snapshot.note}"
    if service is not None and service.config_error:  # e.g. a bad [promql] entry: defaults are used meanwhile
        return f"{text} · {service.config_error}", "yellow"
    return text, "dim"


def series_colour(name: str, index: int, theme_variables: dict[str, str]) -> str:
    if name in NAMED_COLOURS:
        return NAMED_COLOURS[name]
    for part in reversed(name.split("/")):
        if part in NAMED_COLOURS:
            return NAMED_COLOURS[part]
    return theme_variables.get(THEME_COLOURS[index % len(THEME_COLOURS)], "") or "white"


def metric_rows(metric: MetricSeries) -> list[tuple[str, Series | None, str]]:
    """The rows one metric takes: ``(label, series or None, message)``."""
    short = SHORT_TITLES.get(metric.key, metric.title)
    if metric.error:
        return [(short, None, metric.error)]
    if metric.note:
        return [(short, None, metric.note)]
    if not metric.series or not metric.has_data:
        return [(short, None, "no data")]
    return [((f"{short} {s.name}" if s.name else short), s, "") for s in metric.series]


class MetricsSparklines(Widget, can_focus=False):
    """Sparklines for the selection; ``follow(selection)`` retargets it, ``show_snapshot`` draws given data."""

    DEFAULT_CSS = """
    MetricsSparklines { height: 8; border: round $foreground 30%; border-title-color: $foreground 80%;
                        border-subtitle-color: $foreground 60%; padding: 0 1; }
    """

    def __init__(self, *, live: bool = True, metrics: Sequence[str] = DASHBOARD_METRICS, range_name: str = "15m",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Metrics"
        self.live = live
        self.metrics = tuple(metrics)
        self.range_name = range_name
        self.snapshot: MetricsSnapshot | None = None
        self.result: PollResult[MetricsSnapshot | None] | None = None
        self.target: Target | None = None
        self.service: MetricsService | None = None
        self.feed: MetricsFeed | None = None
        self.poller: Poller[MetricsSnapshot | None] | None = None
        self.paused_reason = ""
        self.updates = 0
        self._status = ("", "dim")

    # -- lifecycle -----------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._status = source_line(None, None, None)
        if not self.live:
            return
        from ...metrics.poller import Poller
        from ...metrics.service import service_for

        self.service = service_for(self.app)
        if clock.frozen():  # a replay (snapshot tests): no live series, header left as the app set it
            self.paused_reason = "metrics paused: the clock is frozen (replay)"
            self._status = (self.paused_reason, "dim")
            return
        self._set_header_source(None)
        self.feed = self.service.feed(None, self.range_name, self.spark_width(), only=self.metrics)
        self.poller = Poller(self.feed.fetch, lambda r: self.post_message(MetricsUpdated(r)), name="k8stui-sparklines")
        self.poller.start()
        self.set_interval(1.0, self._follow_visibility)
        self._status = source_line(self.service, None, None)

    def on_unmount(self) -> None:
        poller, self.poller = self.poller, None
        if poller is not None:
            poller.stop(timeout=0.5)
        if self.feed is not None:
            self.feed.close()

    def _follow_visibility(self) -> None:
        if self.poller is None:
            return
        if self.screen.is_current:
            self.poller.resume()
        else:
            self.poller.pause()

    def on_resize(self) -> None:
        if self.feed is not None:
            self.feed.width = self.spark_width()

    def spark_width(self) -> int:
        return max(10, self.size.width - 2 - LABEL_WIDTH - VALUES_WIDTH - 2)

    # -- what to show --------------------------------------------------------------------------------------------
    def follow(self, selection: tuple[str, dict[str, Any]] | None) -> None:
        """Show the metrics of ``selection`` (``ClusterScreen.selection()``); same target: nothing happens."""
        target = target_for(*selection) if selection is not None else None
        if target is None or (self.target is not None and target.key == self.target.key):
            return
        self.target = target
        self.border_title = plain(f"Metrics of {target.title}")
        if self.snapshot is not None and self.snapshot.target.key != target.key:
            self.snapshot = None
        if self.feed is not None and self.poller is not None:
            self.feed.target = target
            self.poller.set_fetch(self.feed.fetch)
        self.refresh()

    def show_snapshot(self, snapshot: MetricsSnapshot | None, status: tuple[str, str] | None = None) -> None:
        """Draw ``snapshot`` (and optionally a given status line) — no polling involved."""
        self.snapshot = snapshot
        if snapshot is not None:
            self.target = snapshot.target
            self.border_title = plain(f"Metrics of {snapshot.target.title}")
        self._status = status or source_line(self.service, self.result, snapshot)
        self.refresh()

    def on_metrics_updated(self, message: MetricsUpdated) -> None:
        message.stop()
        result = message.result
        self.result = result
        self.updates += 1
        if result.state is PollState.OK and result.value is not None:
            if self.target is None or result.value.target.key == self.target.key:
                self.snapshot = result.value
        self._status = source_line(self.service, result, self.snapshot)
        self._set_header_source(result)
        self.refresh()

    def _set_header_source(self, result: PollResult[Any] | None) -> None:
        from ...metrics.service import UNREACHABLE

        service = self.service
        if service is None or not hasattr(self.app, "metrics_source"):
            return
        if service.endpoint is not None and result is not None and result.state is PollState.UNREACHABLE:
            self.app.metrics_source = UNREACHABLE  # type: ignore[attr-defined]
        elif service.source:
            self.app.metrics_source = service.source  # type: ignore[attr-defined]

    # -- reading (tests and other widgets) -------------------------------------------------------------------
    @property
    def status_text(self) -> str:
        return self._status[0]

    def series(self, metric: str, name: str = "") -> Series | None:
        """The series the pane holds for ``metric`` (and ``name``, e.g. a version), or None."""
        if self.snapshot is None:
            return None
        m = self.snapshot.metric(metric)
        return None if m is None else m.named(name)

    # -- drawing ---------------------------------------------------------------------------------------------
    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        text, style = self._status
        out.append(sanitize(text), style=style)
        snapshot = self.snapshot
        if snapshot is None:
            return out
        width = self.spark_width()
        now = snapshot.end
        theme_vars = self.app.theme_variables if self.is_attached else {}
        index = 0
        for metric in snapshot.metrics:
            if metric.key not in self.metrics:
                continue
            for label, series, message in metric_rows(metric):
                out.append("\n")
                out.append(f"{sanitize(label)[:LABEL_WIDTH - 1]:<{LABEL_WIDTH}}", style="bold")
                if series is None:
                    style = "red" if metric.error else "dim"
                    out.append(sanitize(message), style=style)
                    continue
                colour = series_colour(series.name, index, theme_vars) if series.name else ""
                index += 1 if series.name else 0
                out.append(sparkline_text(series, snapshot.start, now, width, floor_zero=metric.key not in ZOOMED,
                                          tolerance=max(1.5 * snapshot.step, SAMPLE_TOLERANCE)), style=colour)
                out.append("  ")
                out.append(values_text(series, metric.unit)[:VALUES_WIDTH])
        return out
