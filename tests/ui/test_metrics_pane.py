"""Metrics in the panes, against the demo cluster and its real Prometheus: dashboard sparklines, the metrics
view (key ``m``) with a blue→green flip, the PromQL box, ``:alerts``, metrics.k8s.io without Prometheus,
Prometheus going away and coming back, one-line errors, and templates overridden from config.toml."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from textual.app import App, ComposeResult

from k8stui import config
from k8stui.cluster.connection import load_target
from k8stui.config import Settings
from k8stui.metrics.poller import PollState
from k8stui.metrics.series import MetricSeries, MetricsSnapshot, Series
from k8stui.metrics.targets import Target
from k8stui.metrics.templates import METRIC_BY_KEY
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.screens.alerts import AlertsScreen, alert_key
from k8stui.ui.screens.metrics import MetricChart, MetricsScreen
from k8stui.ui.screens.resource import ResourceScreen
from k8stui.ui.widgets.sparklines import MetricsSparklines
from tests.conftest import PROXY_PATH

from .helpers import SIZE, kubectl, make_app, names, row, table, wait_until


def pane(app) -> MetricsSparklines:
    return app.screen.query_one(MetricsSparklines)


def has_points(widget, metric: str, name: str = "") -> bool:
    series = widget.series(metric, name) if isinstance(widget, MetricsSparklines) else \
        widget.charts[metric].metric.named(name)
    return series is not None and len(series.points) > 0


async def test_dashboard_sparklines_show_cpu_memory_and_requests_of_api_blue(demo, prometheus):
    app = make_app(demo, prometheus_url=prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "api-blue") is not None, 10, "api-blue listed")
        table(app, "workloads").select_key(row(app, "workloads", "api-blue").uid)
        await wait_until(pilot, lambda: pane(app).target is not None and pane(app).target.name == "api-blue", 5,
                         "the pane follows the selection")
        await wait_until(pilot, lambda: all(has_points(pane(app), m) for m in ("cpu", "memory"))
                         and has_points(pane(app), "requests", "blue"), 45, "api-blue series")
        spark = pane(app)
        assert spark.series("cpu").current > 0 and spark.series("memory").current > 10  # cores, MiB
        assert spark.series("requests", "blue").current > 5
        assert spark.status_text.startswith(f"from Prometheus ({prometheus})")
        assert "req/s blue" in spark.render().plain and "cores" in spark.render().plain
        await wait_until(pilot, lambda: app.screen.header.state.metrics_source == "prometheus", 2, "header source")
        # Selecting another workload retargets the pane.
        table(app, "workloads").select_key(row(app, "workloads", "frontend").uid)
        await wait_until(pilot, lambda: pane(app).snapshot is not None
                         and pane(app).snapshot.target.name == "frontend", 15, "frontend metrics")


@pytest.mark.timeout(300)
async def test_metrics_view_follows_a_blue_green_flip_within_30_seconds(demo, prometheus):
    app = make_app(demo, prometheus_url=prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "api-blue") is not None, 10, "api-blue listed")
        table(app, "workloads").select_key(row(app, "workloads", "api-blue").uid)
        await wait_until(pilot, lambda: table(app, "workloads").current_key() == row(app, "workloads", "api-blue").uid,
                         10, "the cursor on api-blue")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen), 3, "metrics view")
        screen: MetricsScreen = app.screen
        assert screen.target.title == "deployment shop/api-blue"
        await pilot.press("1")  # 5 minutes: a step of a few seconds
        await wait_until(pilot, lambda: screen.snapshot is not None and screen.snapshot.range_name == "5m"
                         and has_points(screen, "cpu") and has_points(screen, "memory")
                         and has_points(screen, "requests", "blue") and has_points(screen, "requests", "green"),
                         45, "5m charts with blue and green request rates")
        assert screen.snapshot.step <= 5 and "req/s" in screen.charts["requests"].border_title

        def green_now() -> float:
            return screen.charts["requests"].metric.named("green").current

        # Green serves only the preview service's few req/s — unless an earlier test flipped `api` lately.
        await wait_until(pilot, lambda: green_now() < 8, 90, "green back to preview traffic before the flip")
        green_before = green_now()

        def green_rising() -> bool:
            green = screen.charts["requests"].metric.named("green")
            values = green.values
            return green.current > green_before + 8 and values[-1] > values[max(0, len(values) - 4)]

        try:
            await kubectl(demo, "patch", "svc", "api", "-n", "shop", "-p", '{"spec":{"selector":{"version":"green"}}}')
            await wait_until(pilot, green_rising, 30, "green request rate rising after the flip")
            assert screen.snapshot.metric("requests").named("green").current > green_before
        finally:
            await kubectl(demo, "patch", "svc", "api", "-n", "shop", "-p", '{"spec":{"selector":{"version":"blue"}}}')
        # The range switch: t cycles 5m → 15m, and a longer range asks for a coarser step.
        await pilot.press("t")
        await wait_until(pilot, lambda: screen.snapshot.range_name == "15m", 15, "15m range")
        assert screen.snapshot.step > 5 and "range 15m" in screen.status_text


async def test_promql_box_table_graph_and_bad_query(demo, prometheus):
    app = make_app(demo, prometheus_url=prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: names(app, "workloads"), 10, "workloads")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen), 3, "metrics view")
        screen: MetricsScreen = app.screen
        await pilot.press("q", *"sum by (version) (rate(http_requests_total[1m]))", "enter")
        await wait_until(pilot, lambda: screen.query_outcome is not None, 10, "query result")
        outcome = screen.query_outcome
        assert outcome.error == "" and outcome.instant.result_type == "vector"
        assert {'{version="blue"}', '{version="green"}'} <= {label for label, _ in outcome.rows}
        assert {"blue", "green"} <= {s.name for s in outcome.series if s.points}  # the graph over the range
        assert screen.promql_message.startswith("vector: ")
        screen.query_one("#promql-input").value = "sum(rate(http_requests_total[1m]"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.query_outcome.error, 10, "error for bad PromQL")
        message = screen.promql_message
        assert message.startswith("bad PromQL: ") and "parse error" in message and "\n" not in message
        await pilot.press("escape")  # closes the box, stays in the view
        assert isinstance(app.screen, MetricsScreen) and not screen.query_one("#promql-panel").has_class("-open")


async def test_alerts_view_lists_the_crash_loop_alert_and_jumps_to_the_pod(demo, prometheus):
    app = make_app(demo, prometheus_url=prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: names(app, "workloads"), 10, "workloads")
        await pilot.press("colon", *"alerts", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), 3, "alerts view")
        screen: AlertsScreen = app.screen

        def crash_loop():
            return next((a for a in screen.alerts if a.name == "KubePodCrashLooping" and a.state == "firing"), None)

        await wait_until(pilot, crash_loop, 60, "KubePodCrashLooping firing")
        alert = crash_loop()
        assert alert.namespace == "shop" and alert.severity == "warning" and alert.since is not None
        assert "firing" in screen.status_text and "from prometheus" in screen.status_text
        assert screen.table.select_key(alert_key(alert))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 3, "jump to the pod")
        pod = alert.label_map["pod"]
        await wait_until(pilot, lambda: names(app, "resources") == [pod], 10, f"pod {pod} shown")


async def test_without_prometheus_the_pane_shows_metrics_k8s_io(demo):
    app = make_app(demo, prometheus_url=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "api-blue") is not None, 10, "api-blue listed")
        table(app, "workloads").select_key(row(app, "workloads", "api-blue").uid)
        await wait_until(pilot, lambda: has_points(pane(app), "cpu") and has_points(pane(app), "memory"), 20,
                         "metrics.k8s.io samples")
        spark = pane(app)
        assert spark.snapshot.source == "metrics.k8s.io" and spark.snapshot.target.name == "api-blue"
        assert spark.series("cpu").current > 0 and spark.series("memory").current > 10
        assert "metrics.k8s.io" in spark.status_text and "no Prometheus configured" in spark.status_text
        assert "needs Prometheus" in spark.render().plain  # request rate cannot come from metrics.k8s.io
        await wait_until(pilot, lambda: app.screen.header.state.metrics_source == "metrics.k8s.io", 2, "header")
        # History grows client-side.
        await wait_until(pilot, lambda: len(pane(app).series("cpu").points) >= 2, 30, "a second sample")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen) and has_points(app.screen, "cpu"), 15,
                         "metrics view from metrics.k8s.io")
        await pilot.press("q")
        assert app.screen.promql_message.startswith("PromQL needs Prometheus")


class TcpRelay:
    """A loopback TCP relay in front of Prometheus, on a fixed port the test can close and open again."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self.writers):
                writer.close()
            await self.server.wait_closed()
            self.server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


@pytest.mark.timeout(240)
async def test_prometheus_stopped_mid_session_shows_unreachable_and_recovers(demo, prometheus):
    relay = TcpRelay(prometheus)
    await relay.start()
    app = make_app(demo, prometheus_url=relay.url)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: has_points(pane(app), "cpu"), 45, "data through the relay")
            await relay.stop()
            await wait_until(pilot, lambda: pane(app).status_text.startswith("Prometheus unreachable"), 15,
                             "the pane says Prometheus is unreachable")
            assert f"at {relay.url}: " in pane(app).status_text and "retrying in" in pane(app).status_text
            await wait_until(pilot, lambda: app.screen.header.state.metrics_source == "prometheus unreachable", 2,
                             "header says unreachable")
            assert pane(app).series("cpu") is not None  # the last data stays on screen
            # Every other pane keeps working.
            try:
                await kubectl(demo, "scale", "deploy/legacy-report", "-n", "shop", "--replicas=2")
                await wait_until(pilot, lambda: row(app, "workloads", "legacy-report").desired == 2, 3,
                                 "workloads still live")
            finally:
                await kubectl(demo, "scale", "deploy/legacy-report", "-n", "shop", "--replicas=1")
            failures = pane(app).result.failures
            await relay.start()
            await wait_until(pilot, lambda: pane(app).status_text.startswith("from Prometheus"), 30,
                             "the pane recovers when Prometheus is back")
            assert failures >= 1 and app.metrics_source == "prometheus"
    finally:
        await relay.stop()


async def test_wrong_url_and_401_are_one_line_in_the_pane(demo, prometheus):
    app = make_app(demo, prometheus_url="http://127.0.0.1:9")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: pane(app).result.state is PollState.UNREACHABLE, 15, "first attempt")
        text = pane(app).status_text
        assert text.startswith("Prometheus unreachable at http://127.0.0.1:9: connection refused") and "\n" not in text
        assert len(pane(app).render().plain.splitlines()[0]) == len(text)  # one line on screen
    url = demo.url.replace("127.0.0.1", "localhost") + PROXY_PATH
    settings = Settings(prometheus={"bearer_token": "wrong-token", "ca_file": demo.process.ca_file})
    app = K8sTuiApp(load_target(demo.kubeconfig, "demo", None), settings, kubeconfig=demo.kubeconfig,
                    prometheus_url=url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: pane(app).result.state is PollState.UNREACHABLE, 15, "first attempt")
        text = pane(app).status_text
        assert "answered 401 Unauthorized: check the bearer token or basic auth" in text and "\n" not in text
        assert "wrong-token" not in text


async def test_templates_overridden_in_config_toml_drive_the_graphs(demo, prometheus, tmp_path, monkeypatch):
    monkeypatch.setenv("K8STUI_HOME", str(tmp_path))
    path = config.locations.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[promql]\n"deployment.requests" = \'sum by (code) '
                    '(rate(http_requests_total{namespace="$namespace",app="$app"}[$window]))\'\n')
    settings = config.load_settings()
    app = K8sTuiApp(load_target(demo.kubeconfig, "demo", None), settings, kubeconfig=demo.kubeconfig,
                    prometheus_url=prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "api-blue") is not None, 10, "api-blue listed")
        table(app, "workloads").select_key(row(app, "workloads", "api-blue").uid)
        await wait_until(pilot, lambda: has_points(pane(app), "requests", "200")
                         and has_points(pane(app), "requests", "500"), 45, "request rate split by code")
        assert pane(app).series("requests", "blue") is None  # the default (by version) is not used
        assert "req/s 200" in pane(app).render().plain


# -- a deterministic picture of the widgets, from series built here ---------------------------------------------
START = 1_800_000_000.0


def _series(name: str, values: list[float]) -> Series:
    return Series(name, tuple((START + 10 * i, v) for i, v in enumerate(values)))


def fixed_snapshot() -> MetricsSnapshot:
    n = 30
    blue = [50 - (40 * i / n if i > 18 else 0) for i in range(n)]
    green = [2 + (40 * (i - 18) / n if i > 18 else 0) for i in range(n)]
    metrics = (
        MetricSeries(METRIC_BY_KEY["cpu"], (_series("", [0.10 + 0.002 * (i % 7) for i in range(n)]),)),
        MetricSeries(METRIC_BY_KEY["memory"], (_series("", [250 + (i % 5) for i in range(n)]),)),
        MetricSeries(METRIC_BY_KEY["requests"], (_series("blue", blue), _series("green", green))),
        MetricSeries(METRIC_BY_KEY["errors"], error="bad PromQL: 1:15: parse error: unclosed left parenthesis"),
        MetricSeries(METRIC_BY_KEY["restarts"], (_series("", [0] * 20 + [1] * 10),)),
    )
    target = Target("deployment", "api-blue", "shop", app="api")
    return MetricsSnapshot(target, "5m", 10, START, START + 10 * (n - 1), "prometheus", metrics)


class WidgetsApp(App):
    CSS = "MetricChart { height: 14; } MetricsSparklines { height: auto; }"

    def compose(self) -> ComposeResult:
        yield MetricsSparklines(live=False, metrics=("cpu", "memory", "requests", "errors", "restarts"))
        yield MetricChart(METRIC_BY_KEY["requests"], id="requests-chart")

    def on_mount(self) -> None:
        snapshot = fixed_snapshot()
        self.query_one(MetricsSparklines).show_snapshot(snapshot, ("from Prometheus (fixed data) · 5m", "dim"))
        self.query_one(MetricChart).show(snapshot.metric("requests"), snapshot.start, snapshot.end)


def test_snapshot_of_sparklines_and_chart_from_fixed_series(snap_compare):
    assert snap_compare(WidgetsApp(), terminal_size=(100, 26))


async def test_widgets_hold_the_fixed_series():
    app = WidgetsApp()
    async with app.run_test(size=(100, 26)) as pilot:
        await pilot.pause()
        spark = app.query_one(MetricsSparklines)
        lines = spark.render().plain.splitlines()
        assert lines[0] == "from Prometheus (fixed data) · 5m"
        assert [line.split()[0] for line in lines[1:]] == ["CPU", "Memory", "req/s", "req/s", "5xx", "Restarts"]
        assert "11.3 req/s ↓11.3 ↑50.0" in lines[3] and "bad PromQL" in lines[5]
        chart = app.query_one(MetricChart)
        assert chart.summary == "blue 11.3 req/s · green 16.7 req/s"
        assert chart.metric.named("green").current == pytest.approx(2 + 40 * 11 / 30)
