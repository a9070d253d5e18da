"""Regenerate the README screenshots (SVG, and PNG when rsvg-convert is installed) in one command:

    python screenshots/make_screenshots.py

They are taken from the frozen demo cluster of the snapshot tests (tests/ui/fixtures/frozen-cluster.json),
with the app's clock frozen at the capture time, so the pictures only change when the UI does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

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


async def _help(app: K8sTuiApp, pilot) -> None:
    await pilot.press("question_mark")


SHOTS: list[tuple[str, str, Callable[[K8sTuiApp, object], Awaitable[None]]]] = [
    ("dashboard", "k8stui-dark", _dashboard),
    ("dashboard-light", "k8stui-light", _dashboard),
    ("nodes", "k8stui-dark", _nodes),
    ("describe", "solarized-dark", _describe),
    ("help", "high-contrast", _help),
]


async def main() -> None:
    clock.freeze(json.loads(FIXTURE.read_text())["captured_at"] + 30)
    with DemoProcess(prometheus=False, frozen_state=str(FIXTURE)) as demo:
        for name, theme, steps in SHOTS:
            svg = await _shoot(demo.kubeconfig, name, theme, steps)
            if shutil.which("rsvg-convert"):
                subprocess.run(["rsvg-convert", str(svg), "-o", str(svg.with_suffix(".png"))], check=True)
            print(f"wrote {svg.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
