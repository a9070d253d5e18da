"""Exec credential plugins never freeze the screen: a slow plugin runs while the app keeps answering keys —
when its token is refreshed (once, for every request waiting for it) and when ``:ctx`` switches to its
context. The plugin is a script that marks when each run starts and ends and, when slow, waits until the test
releases it: the key's effect is seen while it is certainly still running, however loaded the machine."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from k8stui.cluster.connection import load_target
from k8stui.config import Settings
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.resource import ResourceScreen

from .helpers import SIZE, names, wait_until

PLUGIN = """\
import datetime, json, pathlib, sys, time
marks = pathlib.Path(sys.argv[1])
run = len(list(marks.glob("started-*")))
(marks / f"started-{run}").touch()
if run >= int(sys.argv[3]):
    deadline = time.monotonic() + 60  # bounded: a test that fails early never leaves it running long
    while not (marks / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
lifetime = int(sys.argv[4]) if run == 0 else 3600
expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {"token": sys.argv[2], "expirationTimestamp": expiry.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
sys.stdout.flush()
(marks / f"ended-{run}").touch()
"""


def exec_kubeconfig(demo, tmp_path: Path, *, slow_from_run: int, first_lifetime: int) -> tuple[Path, Path]:
    """The demo's kubeconfig plus context ``exec`` whose user gets the admin token from the plugin."""
    config = yaml.safe_load(Path(demo.kubeconfig).read_text())
    admin = next(u for u in config["users"] if u["name"] == "demo-admin")["user"]["token"]
    marks = tmp_path / "marks"
    marks.mkdir()
    plugin = tmp_path / "plugin.py"
    plugin.write_text(PLUGIN)
    config["users"].append({"name": "exec-user", "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
        "args": [str(plugin), str(marks), admin, str(slow_from_run), str(first_lifetime)],
        "interactiveMode": "Never"}}})
    cluster = config["contexts"][0]["context"]["cluster"]
    config["contexts"].append({"name": "exec", "context": {"cluster": cluster, "user": "exec-user",
                                                           "namespace": "shop"}})
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path, marks


def runs(marks: Path, what: str) -> int:
    return len(list(marks.glob(f"{what}-*")))


async def test_a_token_refresh_runs_off_the_loop_once_for_all_requests(demo, tmp_path):
    # The first token is already due for refresh (the library renews 5 minutes before expiry): the
    # dashboard's first requests — several informers at once — all need the plugin's next token.
    path, marks = exec_kubeconfig(demo, tmp_path, slow_from_run=1, first_lifetime=299)
    app = K8sTuiApp(load_target(str(path), "exec", None), Settings(), kubeconfig=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: runs(marks, "started") == 2, 20, "the plugin run for a refresh")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 30, "help while the plugin runs")
        assert runs(marks, "ended") == 1, "the key was only handled after the plugin had finished"
        (marks / "release").touch()
        await pilot.press("escape")
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 20,
                         "the dashboard loaded with the refreshed token")
        await pilot.press("colon", *"pods", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen) and names(app, "resources"), 20,
                         "pods listed")
        assert runs(marks, "started") == 2, "the requests waiting for the token ran the plugin more than once"


async def test_switching_to_a_context_with_a_slow_plugin_keeps_the_screen_alive(demo, tmp_path):
    path, marks = exec_kubeconfig(demo, tmp_path, slow_from_run=0, first_lifetime=3600)
    app = K8sTuiApp(load_target(str(path), "demo", None), Settings(), kubeconfig=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 20, "the dashboard")
        await pilot.press("colon", *"ctx exec", "enter")
        await wait_until(pilot, lambda: runs(marks, "started") == 1, 10, "the plugin started")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 30, "help while the plugin runs")
        assert runs(marks, "ended") == 0, "the key was only handled after the plugin had finished"
        (marks / "release").touch()
        await wait_until(pilot, lambda: app.connection.target.context == "exec", 10, "switched to exec")
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 20, "the dashboard as exec-user")
