"""The app under a misbehaving API server: restart, 410 Gone, 429/500 with backoff, and 2 s latency."""

from __future__ import annotations

import os
import re
import signal

from k8stui.cluster.connection import load_target
from k8stui.config import Settings
from k8stui.demo.launcher import DemoProcess
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.widgets.pane import Pane

from .helpers import SIZE, kubectl, make_app, names, row, wait_until


def _health(app) -> str:
    return app.screen.header.state.api_health


async def test_server_restart_shows_reconnecting_then_recovers(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 5, "initial data")
        demo.admin("restart?down=2", {})
        await wait_until(pilot, lambda: _health(app) == "reconnecting", 4, "header says reconnecting")
        await wait_until(pilot, lambda: _health(app) == "synced", 20, "synced again after the restart")
        try:
            await kubectl(demo, "scale", "deploy/legacy-report", "-n", "shop", "--replicas=3")
            await wait_until(pilot, lambda: row(app, "workloads", "legacy-report").desired == 3, 5,
                             "a change after the restart shows")
        finally:
            await kubectl(demo, "scale", "deploy/legacy-report", "-n", "shop", "--replicas=1", check=False)


async def test_injected_410_makes_the_store_relist(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 5, "initial data")
        seq = demo.request_seq()
        demo.set_faults(fail_next=1, fail_status=410, path_contains="/deployments", query_contains="watch")
        try:
            demo.admin("drop-streams", {})

            def relisted() -> bool:
                reqs = [r for r in demo.requests_since(seq) if "/namespaces/shop/deployments" in r["path"]]
                gone = [i for i, r in enumerate(reqs) if r["status"] == 410]
                return bool(gone) and any("watch" not in r["query"] for r in reqs[gone[0] + 1:])

            await wait_until(pilot, relisted, 10, "a LIST of deployments after the 410")
            await wait_until(pilot, lambda: _health(app) == "synced", 10, "synced after relist")
            assert {"api-blue", "api-green"} <= set(names(app, "workloads"))
        finally:
            demo.clear_faults()


async def test_429_500_and_latency_leave_the_ui_responsive(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 5, "initial data")
        # Throttled until the test lifts it: the keys below are certainly pressed while the informers back off.
        demo.set_faults(fail_next=100_000, fail_status=429, retry_after=1, path_contains="/apis/apps")
        try:
            demo.admin("drop-streams", {})
            await wait_until(pilot, lambda: _health(app) == "reconnecting", 5, "reconnecting while throttled")
            # Keys are handled while the informers are still backing off.
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert app.hub.health().state.value != "synced"
            demo.clear_faults()
            await pilot.press("escape")
            await wait_until(pilot, lambda: _health(app) == "synced", 20, "synced after 429s")
            demo.set_faults(fail_next=4, fail_status=500, path_contains="/api/v1/namespaces/shop/pods")
            demo.admin("drop-streams", {})
            await wait_until(pilot, lambda: _health(app) == "synced" and
                             demo.admin("faults")["fail_next"] == 0, 20, "recovered from 500s")
            # Long enough that three keys are handled within it on a loaded machine, shorter than the app's 5 s
            # /readyz probe timeout (a longer wait is a server that does not answer: stale, by design).
            demo.set_faults(latency=3.5)
            demo.admin("drop-streams", {})
            await pilot.press("colon")
            assert app.screen.command_bar.has_class("-open")
            await pilot.press("escape", "question_mark")
            assert isinstance(app.screen, HelpScreen)
            # ... and all of that while every request to the server still waits its 3.5 s.
            assert app.hub.health().state.value != "synced"
            await pilot.press("escape")
            await wait_until(pilot, lambda: _health(app) == "synced", 40, "synced despite the latency")
        finally:
            demo.clear_faults()


async def test_a_frozen_api_server_turns_stale_and_panes_say_how_old_their_data_is():
    """SIGSTOP a demo cluster of this test's own (bookmarks every second): the header says stale within a
    few bookmark intervals, panes show the data's age, and SIGCONT brings everything back to synced."""
    process = DemoProcess(prometheus=False, bookmark_interval=1.0).start()
    try:
        app = K8sTuiApp(load_target(process.kubeconfig, "demo", None), Settings(), kubeconfig=process.kubeconfig)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 30, "initial data")
            await wait_until(pilot, lambda: _health(app) == "synced", 10, "synced")
            pane = app.screen.query_one("#workloads-pane", Pane)
            os.kill(process.pid, signal.SIGSTOP)
            try:
                await wait_until(pilot, lambda: _health(app) == "stale", 30, "header says stale")
                await wait_until(pilot, lambda: re.match(r"stale · data \d+ s old", pane.state_text), 5,
                                 "the pane says how old its data is")
                first = int(re.search(r"data (\d+) s old", pane.state_text).group(1))
                await wait_until(pilot, lambda: int(re.search(r"data (\d+) s old", pane.state_text).group(1))
                                 > first, 5, "the age grows while the server is stopped")
                assert re.search(r"api stale · data \d+ s old", app.screen.header.render().plain)
            finally:
                os.kill(process.pid, signal.SIGCONT)
            await wait_until(pilot, lambda: _health(app) == "synced", 30, "synced after SIGCONT")
            await wait_until(pilot, lambda: pane.state_text == "", 5, "the pane's state line is gone")
    finally:
        process.stop()


async def test_pod_events_show_when_the_replicasets_are_listed_last(demo):
    """The events pane picks a Deployment's events by ownership (pod -> ReplicaSet -> Deployment): when the pods
    and events are listed before the ReplicaSets (here their LIST fails twice), the events of its pods must
    still show once the ReplicaSets arrive — the selection is filtered again, not left with the Deployment's own."""
    demo.set_faults(fail_next=2, fail_status=500, path_contains="/replicasets")
    try:
        app = make_app(demo)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: names(app, "workloads")[:1] == ["api-blue"] and names(app, "pods"), 20,
                             "api-blue selected, its pods listed")
            screen = app.screen
            await wait_until(pilot, lambda: demo.admin("faults")["fail_next"] == 0
                             and screen.ownership.replicasets.synced, 20,
                             "the ReplicaSets listed after two failures")

            def pod_events() -> set[str]:
                return {e["metadata"]["uid"] for e in screen.events_feed.informer.objects()
                        if e["involvedObject"].get("kind") == "Pod"
                        and e["involvedObject"].get("name", "").startswith("api-blue-")}

            def shown() -> set[str]:
                return set(screen.events_model.rows_by_key)

            await wait_until(pilot, lambda: pod_events() and pod_events() <= shown(), 10,
                             "the events of api-blue's pods in the events pane")
    finally:
        demo.clear_faults()
