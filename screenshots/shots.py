"""What the screenshot scripts share: waiting for a condition, selecting a workload on the dashboard, and
writing a picture (SVG, and PNG when rsvg-convert is installed). A script imports it after putting the
repository and ``tests/`` (for ``svg_png``) on ``sys.path``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from svg_png import rsvg, svg_to_png  # tests/svg_png.py: librsvg keeps the leading spaces

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


async def until(pilot, predicate: Callable[[], object], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # not mounted yet
            pass
        if loop.time() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        await pilot.pause(0.1)


async def select_workload(pilot, app, name: str) -> None:
    """Wait for ``name`` in the dashboard's workloads pane, then focus the pane and select its row."""
    workloads = app.screen.query_one("#workloads")
    await until(pilot, lambda: any(r.name == name for r in workloads.visible_rows()), 30, name)
    workloads.focus()
    workloads.select_key(next(r.uid for r in workloads.visible_rows() if r.name == name))
    await pilot.pause(0.2)


def write(app, name: str) -> None:
    """Save the app's screen as ``screenshots/<name>.svg`` (and ``.png``)."""
    svg = HERE / f"{name}.svg"
    app.save_screenshot(str(svg))
    if rsvg():
        svg_to_png(svg)
    print(f"wrote {svg.relative_to(ROOT)}")
