"""What a person saw at 80x24 and should not: a status line cut at the pane's edge without an ellipsis, a header
whose read-only badge and kubeconfig notice fell off its right end."""

from __future__ import annotations

from textual.app import App, ComposeResult

from k8stui.logs.merge import SessionSummary
from k8stui.ui.screens.logs import LogsPanel
from k8stui.ui.widgets.log_view import LogViewStats
from k8stui.ui.widgets.status_header import HeaderState, StatusHeader

from .helpers import make_app, wait_until
from .screen_text import screen_lines


class _PanelHarness(App):
    def compose(self) -> ComposeResult:
        yield LogsPanel(capacity=100)


async def test_a_long_logs_status_line_ends_with_an_ellipsis_at_80_columns():
    app = _PanelHarness()
    async with app.run_test(size=(80, 12)) as pilot:
        panel = app.query_one(LogsPanel)
        panel._stats = LogViewStats(held=214, following=False, waiting=30, search="/panic/", search_pos=1,
                                    search_total=1)
        panel._summary = SessionSummary(pods=3, sources=3, waiting=1)
        panel._render_status()
        await pilot.pause()
        assert panel.status_text.endswith("3 pods · 1 waiting") and len(panel.status_text) > 78
        row = next(line for line in screen_lines(app) if "paused" in line)
        assert row.rstrip(" │").endswith("…"), f"the status line is cut without an ellipsis: {row!r}"



async def test_read_only_is_on_the_header_at_80_columns(demo):
    app = make_app(demo, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: any("api-blue" in line for line in screen_lines(app)), 20, "workloads")
        await wait_until(pilot, lambda: "metrics" in app.screen.header.render().plain, 20, "the header filled")
        top = screen_lines(app)[0]
        assert "READ-ONLY" in top, f"the read-only badge is off screen: {top!r}"
        assert top.rstrip().endswith("…"), f"the header is cut without an ellipsis: {top!r}"


class _HeaderHarness(App):
    def compose(self) -> ComposeResult:
        yield StatusHeader()


async def test_a_changed_kubeconfig_is_on_the_header_at_80_columns():
    app = _HeaderHarness()
    async with app.run_test(size=(80, 3)) as pilot:
        app.query_one(StatusHeader).state = HeaderState(
            context="arn:aws:eks:eu-west-1:123456789012:cluster/shop", namespace="shop", api_health="synced",
            metrics_source="prometheus", view="dashboard", notice="kubeconfig changed: K reconnects")
        await pilot.pause()
        top = screen_lines(app)[0]
        assert "K reconnects" in top, f"the kubeconfig notice is off screen: {top!r}"
