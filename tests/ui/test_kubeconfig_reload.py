"""The kubeconfig changing on disk (issue 10 item 8): a server restarted with a new token (or CA) is retried
forever with the old one; the app notices the new file, says so, and reconnects on ``K``, keeping the view."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import yaml

from k8stui.cluster.connection import load_target
from k8stui.config import Settings
from k8stui.ui.app import K8sTuiApp

from .helpers import SIZE, names, wait_until


def _with_token(demo, token: str) -> str:
    config = yaml.safe_load(Path(demo.kubeconfig).read_text())
    for user in config["users"]:
        if user["name"] == "demo-admin":
            user["user"]["token"] = token
    return yaml.safe_dump(config)


def header(app) -> str:
    return app.screen.header.render().plain


async def test_a_new_kubeconfig_on_disk_is_offered_and_reloaded_with_k(demo, tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(_with_token(demo, "an-old-token-the-server-no-longer-takes"))
    app = K8sTuiApp(load_target(str(path), "demo", None), Settings(), kubeconfig=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.header.state.api_health == "error", 15, "401 with the old token")
        assert "Unauthorized" in header(app)
        # The same bytes again (a touch): not a change.
        polls = app.kubeconfig_watch.polls
        os.utime(path)
        await wait_until(pilot, lambda: app.kubeconfig_watch.polls >= polls + 2, 15, "two polls after the touch")
        assert not app.kubeconfig_changed and "kubeconfig changed" not in header(app)
        # The file is rewritten with the token the server takes now (as after `get-credentials`).
        await asyncio.to_thread(path.write_text, Path(demo.kubeconfig).read_text())
        await wait_until(pilot, lambda: "kubeconfig changed: K reconnects" in header(app), 15,
                         "the header offers the reload")
        assert app.screen.header.state.api_health == "error"  # nothing reloaded behind the user's back
        await pilot.press("colon", *"ns team-a", "enter")
        await wait_until(pilot, lambda: app.namespace == "team-a", 5, "namespace team-a")
        await pilot.press("K")
        await wait_until(pilot, lambda: names(app, "workloads") == ["notes"], 15,
                         "team-a workloads with the new token")
        # The workloads list is in; the other panes' informers finish their lists (not an error any more).
        await wait_until(pilot, lambda: app.screen.header.state.api_health == "synced", 15, "api synced")
        assert "kubeconfig changed" not in header(app) and app.screen.header.state.namespace == "team-a"
        # :ctx still switches by hand.
        app.switch_context("demo-dev")
        await wait_until(pilot, lambda: app.screen.header.state.context == "demo-dev", 5, "switched to demo-dev")


async def test_a_broken_kubeconfig_is_a_one_line_error_and_keeps_the_connection(demo, tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(Path(demo.kubeconfig).read_text())
    app = K8sTuiApp(load_target(str(path), "demo", None), Settings(), kubeconfig=str(path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 15, "shop workloads")
        await asyncio.to_thread(path.write_text, "contexts: [this is not a kubeconfig")
        await wait_until(pilot, lambda: app.kubeconfig_changed, 15, "the change noticed")
        connection = app.connection
        await pilot.press("K")
        await wait_until(pilot, lambda: any("kubeconfig not reloaded" in n.message for n in app._notifications),
                         10, "a one-line error")
        assert app.connection is connection and app.screen.header.state.api_health == "synced"
