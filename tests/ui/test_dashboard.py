"""The dashboard against the live demo cluster: first paint, live updates from kubectl, drill-down, filter,
command mode and namespace switching — as a user at the keyboard sees them."""

from __future__ import annotations

from k8stui.ui.screens.dashboard import DashboardScreen
from k8stui.ui.screens.describe import DescribeScreen
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.resource import ContainersScreen, ResourceScreen
from k8stui.ui.widgets.pane import Pane

from .helpers import SIZE, kubectl, make_app, names, painted, row, rows, table, wait_until


def header_text(app) -> str:
    return app.screen.header.render().plain


SCENARIO = {"api-blue", "api-green", "frontend", "checkout", "legacy-report"}


async def test_dashboard_shows_the_scenario(demo):
    # How fast the first paint comes is a benchmark figure (benchmarks/bench_app.py), not a test's bound: a
    # loaded machine must not fail this test. The waits below are only there so that a broken app fails.
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: SCENARIO <= set(names(app, "workloads")), 30, "the shop deployments listed")
        assert isinstance(app.screen, DashboardScreen)
        # The first workload is selected: its pods and events are shown next to it.
        await wait_until(pilot, lambda: len(rows(app, "pods")) > 0, 30, "pods of the selection")
        await wait_until(pilot, lambda: app.screen.header.state.api_health == "synced", 30, "header synced")


async def test_kubectl_changes_appear_without_a_key_press(demo):
    # How soon is a benchmark figure; the waits are generous so that a loaded machine does not fail this.
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "legacy-report") is not None, 5, "legacy-report row")
        try:
            await kubectl(demo, "scale", "deploy/legacy-report", "-n", "shop", "--replicas=2")
            await wait_until(pilot, lambda: row(app, "workloads", "legacy-report").desired == 2, 10,
                                    "desired replicas 2 after kubectl scale")
            await kubectl(demo, "label", "deploy/legacy-report", "-n", "shop", "version=v9", "--overwrite")
            await kubectl(demo, "patch", "deploy/legacy-report", "-n", "shop", "-p",
                          '{"spec":{"template":{"metadata":{"labels":{"version":"v9"}}}}}')
            await wait_until(pilot, lambda: row(app, "workloads", "legacy-report").version == "v9", 10,
                             "version label v9 after kubectl patch")
            # Show legacy-report's pods, delete one with kubectl: it goes away (or Terminating) by itself.
            workloads = table(app, "workloads")
            workloads.focus()
            workloads.select_key(row(app, "workloads", "legacy-report").uid)
            await wait_until(pilot, lambda: rows(app, "pods") and all(
                r.owner_name.startswith("legacy-report") for r in rows(app, "pods").values()),
                10, "pods of legacy-report")
            # the rollout of the patch is deleting the old pods: the victim is one that is not going already
            await wait_until(pilot, lambda: any(r.status != "Terminating" for r in rows(app, "pods").values()), 30,
                             "a legacy-report pod that is not terminating")
            victim = next(r for r in rows(app, "pods").values() if r.status != "Terminating")
            await kubectl(demo, "delete", "pod", victim.name, "-n", "shop", "--wait=false")
            await wait_until(pilot, lambda: victim.uid not in rows(app, "pods")
                             or rows(app, "pods")[victim.uid].status == "Terminating", 10,
                             "deleted pod gone or Terminating")
        finally:
            await kubectl(demo, "patch", "deploy/legacy-report", "-n", "shop", "--type=json", "-p",
                          '[{"op":"remove","path":"/spec/template/metadata/labels/version"},'
                          '{"op":"remove","path":"/metadata/labels/version"}]', check=False)
            await kubectl(demo, "scale", "deploy/legacy-report", "-n", "shop", "--replicas=1", check=False)


async def test_filter_command_mode_drill_down_and_back(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: SCENARIO <= set(names(app, "workloads")), 5, "scenario")
        # "/" filters the focused table (substring, then regex); esc clears it.
        await pilot.press("slash", *"api-", "enter")
        assert set(names(app, "workloads")) == {"api-blue", "api-green"}
        await pilot.press("slash", *"/^(front|check)/", "enter")
        assert set(names(app, "workloads")) == {"frontend", "checkout"}
        pane = app.screen.query_one("#workloads-pane", Pane)
        assert str(pane.border_subtitle).startswith("2/") and str(pane.border_subtitle).endswith(
            " match /^(front|check)/")
        # an invalid regex says why, and the rows stay as they were
        await pilot.press("slash", *"/[abc(/", "enter")
        assert set(names(app, "workloads")) == {"frontend", "checkout"}
        assert "invalid regex /[abc(/: unterminated character set" in str(pane.border_subtitle)
        await wait_until(pilot, lambda: any("unterminated character set" in str(n.message) for n in app._notifications),
                         5, "the toast saying why")
        await pilot.press("escape")
        assert SCENARIO <= set(names(app, "workloads"))
        # enter drills down: deployment -> its pods -> a pod's containers; esc goes back.
        workloads = table(app, "workloads")
        workloads.select_key(row(app, "workloads", "api-blue").uid)
        await pilot.press("enter")
        assert isinstance(app.screen, ResourceScreen)
        await wait_until(pilot, lambda: len(names(app, "resources")) == 3, 5, "3 api-blue pods")
        assert all(n.startswith("api-blue-") for n in names(app, "resources"))
        await pilot.press("enter")
        assert isinstance(app.screen, ContainersScreen)
        await wait_until(pilot, lambda: names(app, "containers") == ["api"], 3, "the api container")
        await pilot.press("escape")
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        # ":" command mode opens other views; an unknown command is a toast, not a crash.
        await pilot.press("colon", *"svc", "enter")
        assert isinstance(app.screen, ResourceScreen) and app.screen.kind.plural == "services"
        await wait_until(pilot, lambda: {"api", "api-preview"} <= set(names(app, "resources")), 5, "services")
        await pilot.press("colon", *"bogus", "enter")
        assert isinstance(app.screen, ResourceScreen)
        await pilot.press("colon", *"nodes", "enter")
        await wait_until(pilot, lambda: "virtual-node-aci" in names(app, "nodes"), 5, "virtual node listed")


async def test_describe_masks_secret_values_and_help_lists_keys(demo):
    app = make_app(demo, namespace="team-a")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"secrets", "enter")
        await wait_until(pilot, lambda: len(names(app, "resources")) > 0, 5, "secrets listed")
        secret_name = names(app, "resources")[0]
        raw = (await kubectl(demo, "get", "secret", secret_name, "-n", "team-a", "-o",
                             "jsonpath={.data}")).stdout
        await pilot.press("d")
        assert isinstance(app.screen, DescribeScreen)
        assert "<masked:" in app.screen.yaml_text
        for value in __import__("json").loads(raw).values():
            assert value not in app.screen.yaml_text
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = {description for _, description in app.screen.rows}
        assert {"Describe", "Help", "Drill down"} <= keys


async def test_namespace_switch_keeps_the_view(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 5, "shop workloads")
        await pilot.press("colon", *"ns team-a", "enter")
        await wait_until(pilot, lambda: names(app, "workloads") == ["notes"], 5, "team-a workloads")
        assert app.screen.header.state.namespace == "team-a"
        await pilot.press("colon", *"ns all", "enter")
        await wait_until(pilot, lambda: {"notes", "api-blue", "coredns"} <= set(names(app, "workloads")), 5,
                         "all namespaces")
        assert table(app, "workloads").model.columns[0].key == "namespace"


async def test_developer_sees_team_a_and_forbidden_elsewhere(demo):
    app = make_app(demo, context="demo-dev")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: names(app, "workloads") == ["notes"], 5, "team-a workloads as demo-dev")
        await pilot.press("colon", *"nodes", "enter")
        pane = app.screen.query_one("#nodes-pane", Pane)
        await wait_until(pilot, lambda: pane.state_text.startswith("forbidden"), 5, "nodes forbidden")
        assert "cannot list" in pane.state_text
        # The summary does not claim "real: 0 node(s)"; the header says what may and may not be seen.
        await wait_until(pilot, lambda: app.screen.summary_plain.startswith("nodes: forbidden"), 5,
                         "nodes summary says forbidden")
        assert "0 node(s)" not in app.screen.summary_plain
        await wait_until(pilot, lambda: "api synced · nodes forbidden" in header_text(app), 5,
                         "header: synced, but nodes forbidden")
        await pilot.press("escape", "colon", *"ns shop", "enter")
        pane = app.screen.query_one("#workloads-pane", Pane)
        await wait_until(pilot, lambda: pane.state_text.startswith("forbidden"), 5, "shop forbidden for demo-dev")
        assert isinstance(app.screen, DashboardScreen)
        # Nothing in shop is visible: the API answers ("ok"), it is not "synced".
        await wait_until(pilot, lambda: "api ok · " in header_text(app) and "forbidden in shop" in
                         header_text(app), 10, "header: ok, everything forbidden in shop")
        assert "deployments" in header_text(app) and "synced" not in header_text(app)


async def test_context_switch_and_sorting(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 5, "shop workloads")
        # Sorting: by name by default; "o" moves to the next column, "O" reverses it; the header says which.
        assert names(app, "workloads") == sorted(names(app, "workloads"))
        assert painted(app, "workloads")[0].split()[:2] == ["NAME", "▲"]
        await pilot.press("o")
        assert table(app, "workloads").sort_column == "ready"
        assert "READY ▲" in painted(app, "workloads")[0] and "NAME ▲" not in painted(app, "workloads")[0]
        await pilot.press("O")
        assert "READY ▼" in painted(app, "workloads")[0]
        ready = [(r.ready_replicas, r.desired) for r in table(app, "workloads").visible_rows()]
        assert ready == sorted(ready, reverse=True)
        on_screen = [line.split()[0] for line in painted(app, "workloads")[1:] if line.strip()]
        assert on_screen == names(app, "workloads")
        # ":ctx NAME" reconnects as another context without restarting.
        await pilot.press("colon", *"ctx demo-dev", "enter")
        await wait_until(pilot, lambda: names(app, "workloads") == ["notes"], 5, "team-a workloads as demo-dev")
        assert app.screen.header.state.context == "demo-dev"
        await pilot.press("colon", *"ctx nope", "enter")
        assert app.screen.header.state.context == "demo-dev"  # an unknown context is a toast, nothing changes
        await pilot.press("colon", *"ctx", "enter")
        await wait_until(pilot, lambda: {"demo", "demo-dev"} <= set(names(app, "contexts")), 3, "contexts listed")
