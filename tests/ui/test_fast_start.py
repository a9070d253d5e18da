"""Fast start (issue 12 design 3): what the first frame costs is kept small by construction, not by a timed test.

How long the start takes is a benchmark figure (benchmarks/bench_app.py, first_frame_s and first_paint_s); these
tests guard the causes: which modules the start imports, and that a start command's view does not wait for the
dashboard under it.
"""

from __future__ import annotations

from k8stui.ui.screens.dashboard import DashboardScreen
from k8stui.ui.screens.resource import ResourceScreen

from .helpers import SIZE, make_app, names, wait_until


async def test_a_start_command_view_comes_first_and_escape_shows_the_dashboard(demo):
    """``-c pods``: the pods view is the first thing made; the dashboard under it makes its panes and starts its
    informers when the user goes back to it, and then works as usual."""
    app = make_app(demo, namespace="shop", start_command="pods")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen) and names(app, "resources"), 30,
                         "the pods view with its rows")
        dashboard = app.screen_stack[1]
        assert isinstance(dashboard, DashboardScreen)
        assert not dashboard.workloads.is_mounted, "the dashboard made its panes under the pods view"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is dashboard and "api-blue" in names(app, "workloads"), 30,
                         "the dashboard's workloads after escape")
        await wait_until(pilot, lambda: names(app, "pods"), 30, "the pods of the selected workload")
        assert app.focused is dashboard.workloads
