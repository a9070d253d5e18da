"""Regenerate the README screenshots (SVG, and PNG when rsvg-convert is installed) in one command:

    python screenshots/make_screenshots.py

They show the product as an on-call SRE meets it: a running demo cluster with its real Prometheus, whose hour
of history (written at start) fills every graph from the first second, live metrics, and the scenario's
incident — ``checkout``'s new revision crash-looping, marked on its row, the header counting the alerts it
fires. The script waits for each of those (never for a fixed time), then checks every picture before saving
it: no "metrics paused", no value cut at the edge of a pane (a cell ending in "…"). Times and pod names
differ a little on every run.

The picture size is the smallest at which every column of the dashboard's panes is whole.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("K8STUI_HOME", tempfile.mkdtemp(prefix="k8stui-screenshots-"))  # theme choices stay here

from shots import until, write  # noqa: E402

from k8stui.cluster.connection import load_target  # noqa: E402
from k8stui.config import Settings  # noqa: E402
from k8stui.demo.launcher import DemoProcess  # noqa: E402
from k8stui.metrics.series import RANGES  # noqa: E402
from k8stui.ui.app import K8sTuiApp  # noqa: E402

SIZE = (200, 50)
INCIDENT = "checkout"  # the scenario's broken rollout (ghcr.io/demo/checkout:v2-broken crashes)


def problems(app: K8sTuiApp) -> list[str]:
    """What a README picture must not show: paused metrics, or a table whose last column is cut at its pane's
    edge (its header ends in "…": the values under it are cut too). Free text shortened inside its column
    (an event's message) is the table's design, not a cut value."""
    from k8stui.ui.widgets.resource_view import ResourceView

    out = []
    text = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
    if "metrics paused" in text:
        out.append("the metrics pane says 'metrics paused'")
    for view in app.screen.query(ResourceView):
        lines = view.painted_lines()
        if view.display and lines and lines[0].rstrip().endswith("…"):
            out.append(f"#{view.id}: a column is cut at the pane's edge: {lines[0].strip()!r}")
    return out


def save(app: K8sTuiApp, name: str) -> None:
    found = problems(app)
    if found:
        raise SystemExit(f"{name}: " + "; ".join(found))
    write(app, name)


def full_window(app: K8sTuiApp, metric: str, range_name: str = "15m") -> bool:
    """The dashboard's graph of ``metric`` has data from the start of its window (the demo's history)."""
    from k8stui.ui.widgets.sparklines import MetricsSparklines

    snapshot = app.screen.query_one(MetricsSparklines).snapshot
    found = snapshot.metric(metric) if snapshot is not None else None
    if found is None or not found.series:
        return False
    since = time.time() - 0.9 * RANGES[range_name]
    return all(series.points and min(t for t, _ in series.points) <= since for series in found.series)


async def shoot(demo: DemoProcess) -> None:
    from k8stui.ui.screens.dashboard import DashboardScreen
    from k8stui.ui.screens.describe import DescribeScreen
    from k8stui.ui.screens.metrics import MetricsScreen

    app = K8sTuiApp(load_target(demo.kubeconfig, None, "shop"), Settings(), theme="k8stui-dark",
                    kubeconfig=demo.kubeconfig, prometheus_url=demo.prometheus_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        workloads = screen.workloads

        def row(name: str):
            return next((r for r in workloads.model.rows_by_key.values() if r.name == name), None)

        await until(pilot, lambda: "CrashLoopBackOff" in " ".join(row(INCIDENT).issues), 120,
                    f"{INCIDENT} marked with its crash loop")
        await until(pilot, lambda: screen.header.state.alerts_firing, 120, "the header's count of firing alerts")
        await until(pilot, lambda: all(r.findings_level for r in workloads.model.rows_by_key.values()), 60,
                    "the findings counted (LINT)")
        # The hero: the first workload selected, as the app opens, and checkout's row red below it (a row under
        # the cursor shows the cursor's colours).
        workloads.focus()
        workloads.select_key(row("api-blue").uid)
        await until(pilot, lambda: screen.pods.model.total >= 3 and len(screen.events.model) > 0, 30,
                    "api-blue's pods and events")
        await until(pilot, lambda: full_window(app, "cpu") and full_window(app, "memory")
                    and full_window(app, "requests"), 90, "api-blue's graphs over the whole window")
        await pilot.pause(0.3)
        save(app, "dashboard")

        app.theme = "k8stui-light"
        await pilot.pause(0.3)
        save(app, "dashboard-light")
        app.theme = "k8stui-dark"

        workloads.select_key(row(INCIDENT).uid)  # its crash-looping pod's logs, next to its pods
        await until(pilot, lambda: any(r.status == "CrashLoopBackOff" for r in screen.pods.model.rows_by_key.values()),
                    30, f"{INCIDENT}'s pods")
        await pilot.press("L")  # the bottom pane: the selection's logs instead of its events
        from k8stui.ui.screens.logs import LogsPanel

        await until(pilot, lambda: sum(1 for _ in screen.query_one(LogsPanel).buffer) >= 10, 30,
                    f"{INCIDENT}'s logs")
        await pilot.pause(0.3)
        save(app, "dashboard-logs")
        await pilot.press("L")

        workloads.select_key(row("api-blue").uid)
        await until(pilot, lambda: full_window(app, "cpu"), 60, "api-blue's graphs")
        await pilot.press("m")  # blue and green side by side
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen), 10, "the metrics view")
        await until(pilot, lambda: app.screen.snapshot is not None and all(
            m.series and not m.error for m in app.screen.snapshot.metrics), 60, "the metrics view's graphs")
        await pilot.pause(0.3)
        save(app, "metrics")
        await pilot.press("escape")

        await pilot.press("colon", *"nodes", "enter")
        await until(pilot, lambda: "pending" in app.screen.summary_plain, 30, "the nodes' capacity")
        await pilot.pause(1.5)  # pod requests are folded into the bars once a second
        save(app, "nodes")
        await pilot.press("escape")

        workloads.focus()
        workloads.select_key(row(INCIDENT).uid)
        app.theme = "solarized-dark"
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DescribeScreen), 10, "describe")
        await pilot.pause(0.3)
        save(app, "describe")
        await pilot.press("escape")

        app.theme = "high-contrast"
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        save(app, "help")


async def main() -> None:
    with DemoProcess(prometheus=True) as demo:
        if not demo.prometheus_url:
            raise SystemExit("the screenshots need Prometheus (install the prometheus binary)")
        await shoot(demo)


if __name__ == "__main__":
    asyncio.run(main())
