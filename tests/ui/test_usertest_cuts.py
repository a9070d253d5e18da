"""What a person saw at 80x24 and should not: a status line cut at the pane's edge without an ellipsis."""

from __future__ import annotations

from textual.app import App, ComposeResult

from k8stui.logs.merge import SessionSummary
from k8stui.ui.screens.logs import LogsPanel
from k8stui.ui.widgets.log_view import LogViewStats

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
