"""The metrics view (key ``m``): line charts of the selection with a range switch, and a PromQL box (``q``).

Charts are textual-plotext plots fed by a background poller (``k8stui.metrics.poller``): CPU, memory, request
rate and 5xx ratio by version, restarts — each with current/min/max in its title. ``t`` cycles the range
(5m/15m/1h/6h; ``1``-``4`` pick one); the step follows the chart width. ``q`` opens a box for any PromQL: the
instant result as a table, the same query over the range as a graph; a rejected query shows Prometheus's
error in one line. Without Prometheus the charts show metrics.k8s.io history and the box says why it is off.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Input, Static
from textual_plotext import PlotextPlot

from ... import clock
from ...cluster.table_model import Column, TableModel
from ...metrics.poller import PollResult, PollState
from ...metrics.series import (
    DEFAULT_RANGE,
    RANGES,
    MetricSeries,
    MetricsSnapshot,
    Series,
    format_value,
    next_range,
    parse_matrix,
    sample_value,
    time_window,
)
from ...metrics.targets import Target, target_for
from ...metrics.templates import METRIC_BY_KEY, METRICS, MetricSpec
from ...text import plain, sanitize
from ..widgets.resource_view import ResourceView
from ..widgets.sparklines import NAMED_COLOURS, THEME_COLOURS, MetricsUpdated, source_line, values_text
from .base import ClusterScreen

if TYPE_CHECKING:
    from ...metrics.client import InstantResult
    from ...metrics.poller import Poller
    from ...metrics.service import MetricsFeed, MetricsService

CHART_KEYS = tuple(m.key for m in METRICS)
QUERY_SPEC = MetricSpec("query", "Query", "")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


PROMQL_COLUMNS: list[Column[tuple[str, str, str]]] = [  # rows: (order, series, value)
    Column("series", "SERIES", lambda r: r[1], flex=1),
    Column("value", "VALUE", lambda r: r[2], lambda r: _number(r[2])),
]


def open_metrics(screen: ClusterScreen) -> None:
    """``m`` on any cluster screen: the metrics view of the selected row. With nothing selected (an empty view) or
    a row that is no object (a Helm release), say so: the current namespace's graphs, shown instead, looked like
    the selection's."""
    selection = screen.selection()
    target = target_for(*selection) if selection is not None else None
    if target is None:
        table = screen.active_table()
        what = "nothing selected" if table is None or table.current_row() is None else "no metrics for this row"
        screen.notify(f"{what}: move to a pod, workload, node or namespace to see its metrics", severity="warning")
        return
    screen.app.push_screen(MetricsScreen(target))


def _rgb(colour: str) -> tuple[int, int, int] | str:
    try:
        return Color.parse(colour).rgb
    except Exception:  # a colour plotext knows by name
        return colour


class MetricChart(PlotextPlot):
    """One metric as a line chart: a line per series (e.g. per version), time on x (minutes/hours ago)."""

    DEFAULT_CSS = """
    MetricChart { border: round $foreground 30%; border-title-color: $foreground 80%; height: 1fr; }
    """

    def __init__(self, spec: MetricSpec, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.metric: MetricSeries | None = None
        self.start = 0.0
        self.end = 0.0
        self.message = "loading…"
        self.border_title = plain(spec.title)

    def show(self, metric: MetricSeries | None, start: float, end: float, message: str = "") -> None:
        """Plot ``metric`` over ``[start, end]``; ``message`` replaces the data line (errors, notes)."""
        self.metric, self.start, self.end = metric, start, end
        if message:
            self.message = message
        elif metric is None:
            self.message = "no template for this kind"
        elif metric.error or metric.note:
            self.message = metric.error or metric.note
        elif not metric.has_data:
            self.message = "no data in this range"
        else:
            self.message = ""
        self.border_title = plain(f"{self.spec.title} — {self.summary}")
        self._replot()

    @property
    def summary(self) -> str:
        """The title's value part: ``0.14 cores ↓0.09 ↑0.18`` or ``blue 44.3 · green 1.84 req/s``."""
        metric = self.metric
        if self.message or metric is None:
            return self.message
        shown = [s for s in metric.series if s.points]
        if len(shown) == 1 and not shown[0].name:
            return values_text(shown[0], metric.unit)
        return " · ".join(f"{s.name or '∑'} {format_value(s.current, metric.unit)}" for s in shown)

    def _replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        seconds = max(self.end - self.start, 1.0)
        hours = seconds > 3600
        unit = 3600.0 if hours else 60.0
        plt.xlim(-seconds / unit, 0)
        plt.xlabel("hours ago" if hours else "minutes ago")
        metric = self.metric
        if metric is not None and not self.message:
            theme_vars = self.app.theme_variables if self.is_attached else {}
            values = [v for s in metric.series for v in s.values if v == v]  # NaN != NaN
            if values and min(values) >= 0 and max(values) == min(values):
                # a flat line of a count (0 restarts): plotext centres it, with "-0.67 restarts" below; keep
                # the axis at 0..2x the value instead (changing data keeps plotext's own range)
                plt.ylim(0, 2 * max(values) or 1)
            for index, series in enumerate(s for s in metric.series if s.points):
                colour = NAMED_COLOURS.get(series.name.rsplit("/", 1)[-1]) or theme_vars.get(
                    THEME_COLOURS[index % len(THEME_COLOURS)], "white")
                xs = [(ts - self.end) / unit for ts, _ in series.points]
                label = series.name or ("{}" if self.spec is QUERY_SPEC else None)
                plt.plot(xs, series.values, label=label, marker="braille", color=_rgb(colour))
            plt.ylabel(metric.unit)
        self.refresh()


@dataclass(frozen=True)
class QueryOutcome:
    """What the PromQL box shows for one query."""

    query: str
    instant: InstantResult | None = None
    series: tuple[Series, ...] = ()
    error: str = ""
    graph_error: str = ""
    start: float = 0.0
    end: float = 0.0
    rows: tuple[tuple[str, str], ...] = field(default=())


def instant_rows(result: InstantResult) -> list[tuple[str, str]]:
    """Table rows ``(series, value)`` for an instant query's result."""
    if result.result_type in ("scalar", "string"):
        return [(result.result_type, str(result.result[1]))]
    rows = []
    for item in result.result:
        labels = item.get("metric") or {}
        name = labels.get("__name__", "")
        body = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
        label = f"{name}{{{body}}}" if body or not name else name
        if "value" in item:
            value = item["value"][1]
        else:  # a range vector: its newest sample and how many there are
            values = item.get("values") or []
            value = f"{values[-1][1]} ({len(values)} samples)" if values else "(no samples)"
        number = sample_value(value)
        rows.append((label, format_value(number, "") if number is not None else str(value)))
    return rows


class MetricsScreen(ClusterScreen):
    """Charts of one target; ``t`` range, ``q`` PromQL, ``esc`` back."""

    view_name = "metrics"
    AUTO_FOCUS = ""  # the PromQL input is hidden until ``q``; keys go to the screen
    BINDINGS = [
        Binding("t", "next_range", "Range"),
        Binding("1", "range('5m')", "5m", show=False),
        Binding("2", "range('15m')", "15m", show=False),
        Binding("3", "range('1h')", "1h", show=False),
        Binding("4", "range('6h')", "6h", show=False),
        Binding("q", "promql", "PromQL"),
        Binding("ctrl+r", "refresh_now", "Refresh", show=False),
    ]
    DEFAULT_CSS = """
    MetricsScreen #metrics-status { height: 1; padding: 0 1; }
    MetricsScreen #charts { grid-size: 2; grid-gutter: 0 1; height: 1fr; }
    MetricsScreen #queries { border: round $foreground 20%; border-title-color: $foreground 60%; color: $text-muted;
                             padding: 0 1; height: 1fr; }
    MetricsScreen #promql-panel { display: none; height: 18; border: round $primary; border-title-color: $primary; }
    MetricsScreen #promql-panel.-open { display: block; }
    MetricsScreen #promql-input { border: none; height: 1; padding: 0 1; background: $boost; }
    MetricsScreen #promql-message { height: 1; padding: 0 1; }
    MetricsScreen #promql-results { height: 1fr; }
    MetricsScreen #promql-table { width: 1fr; height: 1fr; }
    MetricsScreen #promql-graph { width: 1fr; height: 1fr; border: none; }
    """

    def __init__(self, target: Target, range_name: str = DEFAULT_RANGE) -> None:
        super().__init__()
        self.target = target
        self.range_name = range_name
        self.snapshot: MetricsSnapshot | None = None
        self.result: PollResult[MetricsSnapshot | None] | None = None
        self.service: MetricsService | None = None
        self.feed: MetricsFeed | None = None
        self.poller: Poller[MetricsSnapshot | None] | None = None
        self.query_outcome: QueryOutcome | None = None
        self.charts = {spec.key: MetricChart(spec, id=f"chart-{spec.key}") for spec in METRICS}
        self.status = Static("", id="metrics-status")
        self._status_plain = ""
        self.promql_message = ""  # what the PromQL box's message line says (one line)

    def reopen(self) -> MetricsScreen:
        return MetricsScreen(self.target, self.range_name)

    def compose_body(self) -> ComposeResult:
        yield self.status
        with Grid(id="charts"):
            yield from self.charts.values()
            yield Static("", id="queries")
        with Vertical(id="promql-panel"):
            yield Input(placeholder="PromQL — enter runs it (table + graph over the range), esc closes",
                        id="promql-input")
            yield Static("", id="promql-message")
            with Horizontal(id="promql-results"):
                yield ResourceView(TableModel(PROMQL_COLUMNS, key_of=lambda r: r[0], sort_column=None,
                                              tiebreak_column=None), show_summary=False, id="promql-table")
                yield MetricChart(QUERY_SPEC, id="promql-graph")

    def on_mount(self) -> None:  # ClusterScreen.on_mount runs too (Textual calls every class's handler)
        from ...metrics.poller import Poller
        from ...metrics.service import service_for

        self.query_one("#promql-panel").border_title = "PromQL"
        self.query_one("#queries").border_title = plain("Queries ([promql] in config.toml overrides them)")
        self.service = service_for(self.app)
        templated = set(self.service.templates.metrics_for(self.target.kind)) if self.service.endpoint else set()
        for key, chart in self.charts.items():
            if self.service.endpoint is not None and METRIC_BY_KEY[key] not in templated:
                chart.display = False
        self._show_status()
        if clock.frozen():
            return
        self.feed = self.service.feed(self.target, self.range_name, self.chart_width())
        self.poller = Poller(self.feed.fetch, lambda r: self.post_message(MetricsUpdated(r)), name="k8stui-metrics")
        self.poller.start()

    def on_unmount(self) -> None:
        poller, self.poller = self.poller, None
        if poller is not None:
            poller.stop(timeout=0.5)
        if self.feed is not None:
            self.feed.close()

    def chart_width(self) -> int:
        chart = self.charts["cpu"]
        return max(20, (chart.size.width or self.app.size.width // 2) - 12)

    def on_resize(self) -> None:
        if self.feed is not None:
            self.feed.width = self.chart_width()

    # -- data ----------------------------------------------------------------------------------------------
    def on_metrics_updated(self, message: MetricsUpdated) -> None:
        message.stop()
        result = message.result
        self.result = result
        snapshot = result.value
        if result.state is PollState.OK and snapshot is not None and snapshot.target.key == self.target.key:
            self.snapshot = snapshot
            for key, chart in self.charts.items():
                chart.show(snapshot.metric(key), snapshot.start, snapshot.end)
            self._show_queries(snapshot)
        elif result.state is PollState.UNREACHABLE and self.snapshot is None:
            for chart in self.charts.values():
                chart.show(None, 0, 1, message="no data: " + result.error)
        self._show_status()
        self._set_header_source(result)

    def _show_queries(self, snapshot: MetricsSnapshot) -> None:
        text = Text()
        if not snapshot.queries:
            text.append(f"{snapshot.source}: CPU and memory of the pods, sampled every few seconds by k8stui")
        for key, promql in snapshot.queries.items():
            text.append(f"{self.target.kind}.{key}", style="bold")
            text.append(f"  {promql}\n")
        self.query_one("#queries", Static).update(text)

    def _set_header_source(self, result: PollResult[Any]) -> None:
        from ...metrics.service import UNREACHABLE

        service = self.service
        if service is None:
            return
        if service.endpoint is not None and result.state is PollState.UNREACHABLE:
            self.k8s_app.metrics_source = UNREACHABLE
        elif service.source:
            self.k8s_app.metrics_source = service.source
        self.refresh_header()

    def _show_status(self) -> None:
        text, style = source_line(self.service, self.result, self.snapshot)
        if clock.frozen():
            text, style = "metrics paused: the clock is frozen (replay)", "dim"
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(sanitize(self.target.title), style="bold")
        line.append(f"  range {self.range_name}  ")
        line.append(sanitize(text), style=style)
        if self.target.note and self.target.note not in text:
            line.append(f"  ({sanitize(self.target.note)})", style="dim")
        self._status_plain = line.plain
        self.status.update(line)

    @property
    def status_text(self) -> str:
        return self._status_plain

    # -- keys ----------------------------------------------------------------------------------------------------
    def action_next_range(self) -> None:
        self.action_range(next_range(self.range_name))

    def action_range(self, name: str) -> None:
        if name not in RANGES or name == self.range_name:
            return
        self.range_name = name
        if self.feed is not None and self.poller is not None:
            self.feed.range_name = name
            self.poller.set_fetch(self.feed.fetch)
        self._show_status()
        self.notify(f"range {name}", timeout=1.5)

    def action_refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.poke()

    def action_promql(self) -> None:
        if self.service is None or self.service.endpoint is None:
            reason = self.service.config_error if self.service is not None and self.service.config_error else (
                "no Prometheus configured (set --prometheus-url, K8STUI_PROMETHEUS_URL or prometheus_url)")
            self.promql_message = f"PromQL needs Prometheus: {reason}"
            self.notify(self.promql_message, severity="warning")
            return
        panel = self.query_one("#promql-panel")
        panel.add_class("-open")
        self.query_one("#promql-input", Input).focus()

    def action_escape(self) -> None:
        panel = self.query_one("#promql-panel")
        if panel.has_class("-open"):
            panel.remove_class("-open")
            self.set_focus(None)
            return
        super().action_escape()

    @on(Input.Submitted, "#promql-input")
    def _run_query(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if not query:
            return
        self._set_promql_message("running…", "yellow")
        self._query_worker(query, self.range_name, self.chart_width())

    @work(thread=True, exclusive=True, group="promql")
    def _query_worker(self, query: str, range_name: str, width: int) -> None:
        from ...metrics.errors import MetricsError, PromQLError

        assert self.service is not None
        start, end, step = time_window(range_name, width)
        outcome: QueryOutcome
        client = None
        try:
            client = self.service.prom_client()
            instant = client.query(query)
            rows = tuple(instant_rows(instant))
            series: tuple[Series, ...] = ()
            graph_error = ""
            if instant.result_type != "string":
                try:
                    series = parse_matrix(client.query_range(query, start, end, step), QUERY_SPEC)
                except PromQLError as exc:  # e.g. a range-vector selector cannot be graphed
                    graph_error = str(exc).removeprefix("bad PromQL: ")
            outcome = QueryOutcome(query, instant, series, "", graph_error, start, end, rows)
        except MetricsError as exc:
            outcome = QueryOutcome(query, error=str(exc))
        except Exception as exc:  # never a traceback on screen
            outcome = QueryOutcome(query, error=f"query failed: {type(exc).__name__}: {exc}")
        finally:
            if client is not None:
                client.close()
        self.app.call_from_thread(self._show_query, outcome)

    def _set_promql_message(self, text: str, style: str) -> None:
        self.promql_message = " ".join(sanitize(text).split())
        self.query_one("#promql-message", Static).update(
            Text(self.promql_message, style=style, no_wrap=True, overflow="ellipsis"))

    def _show_query(self, outcome: QueryOutcome) -> None:
        self.query_outcome = outcome
        table = self.query_one("#promql-table", ResourceView)
        graph = self.query_one("#promql-graph", MetricChart)
        table.model.clear()
        if outcome.error:
            self._set_promql_message(outcome.error, "bold red")
            self.notify(self.promql_message, severity="error")
            graph.show(None, 0, 1, message="–")
            return
        kind = outcome.instant.result_type if outcome.instant is not None else "?"
        line = f"{kind}: {len(outcome.rows)} row{'s' if len(outcome.rows) != 1 else ''} at {time.strftime('%H:%M:%S')}"
        if outcome.graph_error:
            line += f" · no graph: {outcome.graph_error}"
        self._set_promql_message(line, "dim")
        table.model.replace((f"{n:06d}", label, value) for n, (label, value) in enumerate(outcome.rows))
        graph.show(MetricSeries(QUERY_SPEC, outcome.series), outcome.start, outcome.end,
                   message="" if outcome.series else (outcome.graph_error or "no series"))
