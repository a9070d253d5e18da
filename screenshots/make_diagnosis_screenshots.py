"""Regenerate the README screenshots of the diagnosis views (SVG, and PNG when rsvg-convert is installed):

    python screenshots/make_diagnosis_screenshots.py

``:lint payments``, "why is it stuck?" (``h``) on the crash-looping ``shop/checkout`` rollout and
``:timeline deploy/checkout``. They need the scenario's failures to have happened (crashes, back-offs, events), so
they are taken from a running demo cluster, waiting for each condition; times and pod names differ a little on
every run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
# A home of its own: the timeline shows k8stui's audit log, and yours does not belong in the README.
os.environ["K8STUI_HOME"] = tempfile.mkdtemp(prefix="k8stui-screenshots-")
sys.path.insert(0, str(ROOT / "tests"))

from shots import select_workload, until  # noqa: E402
from shots import write as save  # noqa: E402

from k8stui.cluster.connection import load_target  # noqa: E402
from k8stui.config import Settings  # noqa: E402
from k8stui.demo.launcher import DemoProcess  # noqa: E402
from k8stui.ui.app import K8sTuiApp  # noqa: E402

SIZE = (160, 44)


async def lint(kubeconfig: str) -> None:
    from k8stui.ui.screens.lint import LintScreen

    app = K8sTuiApp(load_target(kubeconfig, None, "payments"), Settings(), kubeconfig=kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"lint payments", "enter")
        await until(pilot, lambda: isinstance(app.screen, LintScreen) and len(app.screen.findings) >= 12
                    and not app.screen.live.syncing(), 60, ":lint payments")
        await pilot.press("down", "down")
        await pilot.pause(1.0)
        save(app, "lint")


async def stuck_and_timeline(kubeconfig: str) -> None:
    from k8stui.ui.screens.stuck import StuckScreen
    from k8stui.ui.screens.timeline import TimelineScreen

    app = K8sTuiApp(load_target(kubeconfig, None, "shop"), Settings(), kubeconfig=kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await select_workload(pilot, app, "checkout")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, StuckScreen), 5, "the stuck screen")
        screen = app.screen
        await until(pilot, lambda: any(c.log_lines for c in screen.explanation.causes), 120,
                    "checkout's crash loop with its previous log")
        await pilot.pause(0.5)
        save(app, "stuck")
        await pilot.press("escape")
        await pilot.press("colon", *"timeline deploy/checkout", "enter")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen) and len(app.screen.entries) > 10, 30,
                    "the timeline")
        await pilot.pause(1.0)
        save(app, "timeline")


async def main() -> None:
    with DemoProcess(prometheus=False) as demo:
        await lint(demo.kubeconfig)
        await stuck_and_timeline(demo.kubeconfig)


if __name__ == "__main__":
    asyncio.run(main())
