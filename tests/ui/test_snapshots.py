"""Snapshots of the main views in two themes, from a frozen cluster (fixtures/frozen-cluster.json) served by the
demo server with no controllers, and the app's clock frozen at the capture time: same picture every run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Demo

from k8stui import clock
from k8stui.demo.launcher import DemoProcess
from k8stui.ui.screens.help import HelpScreen

from .helpers import SIZE, make_app, names, painted, row, table, wait_until

FIXTURE = Path(__file__).parent / "fixtures" / "frozen-cluster.json"
THEMES = ["k8stui-dark", "k8stui-light"]


@pytest.fixture(scope="module")
def frozen_demo() -> Iterator[Demo]:
    with DemoProcess(prometheus=False, frozen_state=str(FIXTURE)) as process:
        yield Demo(process)


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    clock.freeze(json.loads(FIXTURE.read_text())["captured_at"] + 30)
    yield
    clock.freeze(None)


def _expected_counts() -> tuple[int, int]:
    """Pods and events the dashboard shows for api-blue (the first workload) in the frozen cluster."""
    objects = json.loads(FIXTURE.read_text())["objects"]
    pods = [o for o in objects if o["kind"] == "Pod" and o["metadata"].get("namespace") == "shop"
            and (o["metadata"].get("labels") or {}).get("version") == "blue"]
    events = [o for o in objects if o["kind"] == "Event" and o["metadata"].get("namespace") == "shop"
              and (o["involvedObject"]["name"] == "api-blue" and o["involvedObject"]["kind"] == "Deployment"
                   or o["involvedObject"]["kind"] in ("ReplicaSet", "Pod")
                   and o["involvedObject"]["name"].startswith("api-blue-"))]
    return len(pods), len(events)


async def _dashboard_ready(pilot) -> None:
    app = pilot.app
    pods, events = _expected_counts()
    await wait_until(pilot, lambda: len(names(app, "workloads")) == 5, 20, "workloads")
    try:
        await wait_until(pilot, lambda: len(names(app, "pods")) == pods and len(names(app, "events")) == events, 20,
                         "pods and events of api-blue")
    except AssertionError as error:  # say what was there instead
        current = table(app, "workloads").current_row()
        raise AssertionError(
            f"{error}: want {pods} pods and {events} events, have {len(names(app, 'pods'))} pods and "
            f"{len(names(app, 'events'))} events; selected {getattr(current, 'name', None)}; health "
            f"{[repr(i) for _hub, i in app.screen._held]}") from None
    await wait_until(pilot, lambda: app.screen.header.state.api_health == "synced", 20, "synced")
    await wait_until(pilot, lambda: all(r.findings_level for r in table(app, "workloads").model.rows_by_key.values()),
                     20, "findings counted (LINT)")
    await wait_until(pilot, lambda: "api-blue" in str(app.screen.details.render()), 10, "details of api-blue")
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_dashboard(snap_compare, frozen_demo, frozen_clock, theme):
    app = make_app(frozen_demo, theme=theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=_dashboard_ready)


@pytest.mark.parametrize("theme", THEMES)
def test_nodes_view(snap_compare, frozen_demo, frozen_clock, theme):
    app = make_app(frozen_demo, theme=theme)

    async def run_before(pilot) -> None:
        await _dashboard_ready(pilot)
        await pilot.press("colon", *"nodes", "enter")
        await wait_until(pilot, lambda: len(names(app, "nodes")) == 4, 10, "4 nodes")
        await wait_until(pilot, lambda: "pending" in app.screen.summary_plain, 10, "capacity summary")
        model = table(app, "nodes").model
        await wait_until(pilot, lambda: any("860m/3860m" in model.plain(k) for k in model.keys()), 10,
                         "pod requests folded into the bars (at most once a second)")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_nodes_view_shows_numbers_whole(frozen_demo, frozen_clock, size):
    """Capacity labels are never cut (860m/3860m, 0/5000), at any size: whole, or cut with an ellipsis."""
    app = make_app(frozen_demo)
    async with app.run_test(size=size) as pilot:
        await _dashboard_ready(pilot)
        await pilot.press("colon", *"nodes", "enter")
        await wait_until(pilot, lambda: len(names(app, "nodes")) == 4, 10, "4 nodes")
        model = table(app, "nodes").model
        await wait_until(pilot, lambda: any("860m/3860m" in model.plain(k) for k in model.keys()), 10,
                         "pod requests folded into the bars")
        seen = []
        for _ in range(8):  # at 80 columns, the right-hand columns are a few `right` presses away
            seen += painted(app, "nodes")
            await pilot.press("right")
        screen = "\n".join(seen)
        assert "860m/3860m" in screen and "0/5000 " in screen and "1.0Gi/13Gi" in screen and " 46s " in screen
        for line in seen:
            assert not re.search(r"\d+m/\d{1,3}(\s|$)", line), line  # never "860m/386"


@pytest.mark.parametrize("theme", THEMES)
def test_describe_view(snap_compare, frozen_demo, frozen_clock, theme):
    app = make_app(frozen_demo, theme=theme)

    async def run_before(pilot) -> None:
        await _dashboard_ready(pilot)
        table(app, "workloads").select_key(row(app, "workloads", "frontend").uid)
        await pilot.press("d")
        await wait_until(pilot, lambda: "name: frontend" in app.screen.yaml_text, 10, "describe of frontend")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_help(snap_compare, frozen_demo, frozen_clock, theme):
    app = make_app(frozen_demo, theme=theme)

    async def run_before(pilot) -> None:
        await _dashboard_ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 10, "help")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
