"""Regenerate the README screenshots (SVG, and PNG when rsvg-convert is installed) in one command:

    python screenshots/make_screenshots.py

They are taken from the frozen demo cluster of the snapshot tests (tests/ui/fixtures/frozen-cluster.json),
with the app's clock frozen at the capture time, so the pictures only change when the UI does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from svg_png import rsvg, svg_to_png  # noqa: E402  (tests/svg_png.py: librsvg keeps the leading spaces)

from k8stui import clock  # noqa: E402
from k8stui.cluster.connection import load_target  # noqa: E402
from k8stui.config import Settings  # noqa: E402
from k8stui.demo.launcher import DemoProcess  # noqa: E402
from k8stui.ui.app import K8sTuiApp  # noqa: E402

FIXTURE = ROOT / "tests" / "ui" / "fixtures" / "frozen-cluster.json"
SIZE = (160, 48)


async def _settle(app: K8sTuiApp, pilot, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        try:
            if predicate():
                break
        except Exception:
            pass
        await pilot.pause(0.05)
    await pilot.pause(0.5)


async def _shoot(kubeconfig: str, name: str, theme: str,
                 steps: Callable[[K8sTuiApp, object], Awaitable[None]]) -> Path:
    app = K8sTuiApp(load_target(kubeconfig, None, None), Settings(), theme=theme, kubeconfig=kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot, lambda: len(app.screen.query_one("#pods").rows_by_key) == 3
                      and app.screen.header.state.api_health == "synced")
        await steps(app, pilot)
        path = HERE / f"{name}.svg"
        app.save_screenshot(str(path))
    return path


async def _dashboard(app: K8sTuiApp, pilot) -> None:
    return None


async def _nodes(app: K8sTuiApp, pilot) -> None:
    await pilot.press("colon", *"nodes", "enter")
    await _settle(app, pilot, lambda: "pending" in app.screen.summary_plain)
    await pilot.pause(1.2)


async def _describe(app: K8sTuiApp, pilot) -> None:
    await pilot.press("d")


async def _logs(app: K8sTuiApp, pilot) -> None:
    await pilot.press("L")  # the dashboard's bottom pane shows the selection's logs instead of its events
    await pilot.pause(2.5)


async def _help(app: K8sTuiApp, pilot) -> None:
    await pilot.press("question_mark")


SHOTS: list[tuple[str, str, Callable[[K8sTuiApp, object], Awaitable[None]]]] = [
    ("dashboard", "k8stui-dark", _dashboard),
    ("dashboard-light", "k8stui-light", _dashboard),
    ("dashboard-logs", "k8stui-dark", _logs),
    ("nodes", "k8stui-dark", _nodes),
    ("describe", "solarized-dark", _describe),
    ("help", "high-contrast", _help),
]


async def _live_metrics() -> Path | None:
    """The metrics view needs a live Prometheus history, so this one is taken from a running demo cluster (it
    differs a little on every run)."""
    from k8stui.ui.screens.metrics import MetricsScreen
    from k8stui.ui.widgets.sparklines import MetricsSparklines

    if not shutil.which("prometheus"):
        return None
    with DemoProcess(prometheus=True) as demo:
        app = K8sTuiApp(load_target(demo.kubeconfig, None, None), Settings(), theme="k8stui-dark",
                        kubeconfig=demo.kubeconfig, prometheus_url=demo.prometheus_url)
        async with app.run_test(size=SIZE) as pilot:
            def charted(metric: str) -> bool:
                series = app.screen.query_one(MetricsSparklines).series(metric)
                return series is not None and len(series.points) > 5
            await _settle(app, pilot, lambda: charted("cpu") and charted("requests"), timeout=90)
            await pilot.press("m")
            await _settle(app, pilot, lambda: isinstance(app.screen, MetricsScreen), timeout=10)
            await pilot.pause(3)
            path = HERE / "metrics.svg"
            app.save_screenshot(str(path))
    return path


async def main() -> None:
    metrics = await _live_metrics()
    if metrics is not None and rsvg():
        svg_to_png(metrics)
        print(f"wrote {metrics.relative_to(ROOT)}")
    clock.freeze(json.loads(FIXTURE.read_text())["captured_at"] + 30)
    with DemoProcess(prometheus=False, frozen_state=str(FIXTURE)) as demo:
        for name, theme, steps in SHOTS:
            svg = await _shoot(demo.kubeconfig, name, theme, steps)
            if rsvg():
                svg_to_png(svg)
            print(f"wrote {svg.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
