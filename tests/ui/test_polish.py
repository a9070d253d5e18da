"""Small defects a user meets in the first minutes (found by trying the app in tmux): kubectl's scope flags after
any kind on the command line, a footer that shows the keys acting on the view's kind, ``m`` with nothing
selected, and a describe screen that follows the object."""

from __future__ import annotations

from k8stui.ui.screens.generic import TableScreen
from k8stui.ui.screens.resource import ResourceScreen

from .helpers import SIZE, make_app, names, table, wait_until
from .screen_text import screen_lines


def _screen(app) -> str:
    return "\n".join(screen_lines(app))


async def _open(pilot, app, command: str, screen_type: type) -> None:
    before = app.screen
    await pilot.press("colon", *command, "enter")
    await wait_until(pilot, lambda: app.screen is not before and isinstance(app.screen, screen_type)
                     and app.screen.is_mounted, 10, f":{command}")


async def test_scope_flags_work_after_every_kind(demo):
    """``:cj -A``, ``:deploy -n team-a``, ``:certificates -A`` (a CRD: the server's Table) look where the flags
    say, as ``kubectl get KIND -A`` does — the flags are not a text filter."""
    app = make_app(demo)  # namespace shop
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 30, "the dashboard")

        await _open(pilot, app, "cj -A", ResourceScreen)
        await wait_until(pilot, lambda: "nightly-report" in names(app, "resources"), 10, "team-a's CronJob")
        assert not table(app, "resources").filter_text
        assert "CronJobs (all namespaces)" in _screen(app)
        await pilot.press("escape")

        await _open(pilot, app, "deploy -n team-a", ResourceScreen)
        await wait_until(pilot, lambda: names(app, "resources"), 10, "team-a's deployments")
        assert "api-blue" not in names(app, "resources")
        assert "Deployments (team-a)" in _screen(app)
        await pilot.press("escape")

        await _open(pilot, app, "deploy --namespace=shop app=api", ResourceScreen)
        await wait_until(pilot, lambda: sorted(names(app, "resources")) == ["api-blue", "api-green"], 10,
                         "shop's api deployments (flag and selector together)")
        await pilot.press("escape")

        await _open(pilot, app, "certificates -A", TableScreen)
        await wait_until(pilot, lambda: len({r.namespace for r in table(app, "resources").visible_rows()}) > 1,
                         15, "certificates of several namespaces")
        assert not table(app, "resources").filter_text
        await pilot.press("escape")

        # :xray takes -n too; -A is refused (a tree is of one namespace), not taken for a namespace named "-A".
        from k8stui.ui.screens.xray import XrayScreen

        await _open(pilot, app, "xray -n team-a", XrayScreen)
        assert app.screen.namespace == "team-a"
        await pilot.press("escape")
        before = app.screen
        await pilot.press("colon", *"xray -A", "enter")
        await wait_until(pilot, lambda: any("xray shows one namespace" in str(n.message)
                                            for n in app._notifications), 5, "the refusal")
        assert app.screen is before

        # A bad flag is one line, not a view filtered by it.
        before = app.screen
        await pilot.press("colon", *"pods -n", "enter")
        await wait_until(pilot, lambda: any("-n needs a namespace" in str(n.message)
                                            for n in app._notifications), 5, "the error")
        assert app.screen is before


def _toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_metrics_key_with_nothing_to_show_says_so(demo):
    """``m`` on an empty view or on a row that is no object says why there is nothing to graph (it showed the
    current namespace's graphs, which read as the selection's); an empty view says it is empty."""
    from k8stui.ui.screens.helm import HelmScreen
    from k8stui.ui.screens.metrics import MetricsScreen

    app = make_app(demo, namespace="kube-public")  # no DaemonSets there
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.is_mounted and names(app, "workloads") == [], 30, "the dashboard")
        await _open(pilot, app, "ds", ResourceScreen)
        await wait_until(pilot, lambda: "DaemonSets (kube-public)" in _screen(app), 10, "the empty :ds")
        # Once listed, an empty view says so (a blank one read as still loading), indented as cells are.
        await wait_until(pilot, lambda: "│ no DaemonSets in namespace kube-public" in _screen(app), 10,
                         "the empty view's note")
        ds = app.screen
        await pilot.press("m")
        await wait_until(pilot, lambda: any(t.startswith("nothing selected: move to a pod, workload") for t in
                                            _toasts(app)), 5, "the notice")
        assert app.screen is ds
        await pilot.press("escape")

        await _open(pilot, app, "helm all", HelmScreen)
        await wait_until(pilot, lambda: table(app, "helm-table").current_row() is not None, 20, "a release")
        helm = app.screen
        await pilot.press("m")
        await wait_until(pilot, lambda: any(t.startswith("no metrics for this row") for t in _toasts(app)), 5,
                         "the notice")
        assert app.screen is helm and not isinstance(app.screen, MetricsScreen)


def _footer(app) -> str:
    """The footer row as painted."""
    from textual.widgets import Footer

    return screen_lines(app)[app.screen.query_one(Footer).region.y]


async def test_footer_and_help_show_the_keys_that_act_on_the_views_kind(demo):
    """The footer offers the keys that act on the view's kind — not scale/rollback/blue-green on :pods, :nodes or
    :cj, and t trigger / p suspend on :cj — and follows the focused pane of the dashboard; ``?`` lists the keys of
    the view's kinds."""
    from k8stui.ui.screens.help import HelpScreen
    from k8stui.ui.screens.nodes import NodesScreen

    workload_keys = ("s Scale", "r Restart", "u Rollback", "b Blue/green")
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 30, "the dashboard")
        await wait_until(pilot, lambda: "s Scale" in _footer(app), 5, "the dashboard's footer")
        assert all(k in _footer(app) for k in (*workload_keys, "^d Delete", "l Logs", "m Metrics")), _footer(app)

        app.screen.query_one("#pods").focus()  # the dashboard's pods pane: the footer follows the focus
        await wait_until(pilot, lambda: "S Shell" in _footer(app), 5, "the pods pane's footer")
        footer = _footer(app)
        assert "F Port-forward" in footer and "^k Kill pod" in footer and "l Logs" in footer, footer
        assert not any(k in footer for k in workload_keys), footer

        await _open(pilot, app, "pods", ResourceScreen)
        await wait_until(pilot, lambda: "S Shell" in _footer(app), 5, ":pods footer")
        assert not any(k in _footer(app) for k in workload_keys), _footer(app)
        await pilot.press("escape")

        await _open(pilot, app, "cj -A", ResourceScreen)
        await wait_until(pilot, lambda: "t Trigger now" in _footer(app), 5, ":cj footer")
        footer = _footer(app)
        assert "p Suspend/resume" in footer and "^d Delete" in footer, footer
        assert not any(k in footer for k in workload_keys), footer
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help on :cj")
        actions = dict((description, key) for key, description in app.screen.rows)
        assert actions.get("Trigger now") == "t" and actions.get("Suspend/resume") == "p", actions
        assert not {"Scale", "Rollback", "Blue/green", "Canary", "Kill pod"} & set(actions), actions
        await pilot.press("escape")
        await pilot.press("escape")

        await _open(pilot, app, "nodes", NodesScreen)
        await wait_until(pilot, lambda: "c Cordon" in _footer(app), 5, ":nodes footer")
        footer = _footer(app)
        assert "u Uncordon" in footer and "r Drain" in footer and "m Metrics" in footer, footer
        assert not any(k in footer for k in ("s Scale", "b Blue/green", "l Logs", "u Rollback")), footer
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help on :nodes")
        actions = dict((description, key) for key, description in app.screen.rows)
        assert actions.get("Drain") == "r" and actions.get("Cordon") == "c", actions
        assert not {"Scale", "Blue/green", "Trigger now", "Logs"} & set(actions), actions
        await pilot.press("escape")
        await pilot.press("escape")

        # s on an HPA edits its min/max replicas, and says so.
        await _open(pilot, app, "hpa", ResourceScreen)
        await wait_until(pilot, lambda: "s Min/max replicas" in _footer(app), 5, ":hpa footer")
        await pilot.press("escape")

        # :helm lists releases, not objects: no key acting on an object.
        from k8stui.ui.screens.helm import HelmScreen

        await _open(pilot, app, "helm all", HelmScreen)
        await wait_until(pilot, lambda: "? Help" in _footer(app), 5, ":helm footer")
        footer = _footer(app)
        assert not any(k in footer for k in ("d Describe", "l Logs", "m Metrics", "^d Delete", "s Scale")), footer
        await pilot.press("escape")

        # enter, when it is more than a drill-down, is in the footer: "Switch" on :ctx, "Open release" on :helm.
        from k8stui.ui.screens.contexts import ContextsScreen

        await _open(pilot, app, "ctx", ContextsScreen)
        await wait_until(pilot, lambda: "⏎ Switch" in _footer(app), 5, ":ctx footer")
        await pilot.press("escape")
        await _open(pilot, app, "helm all", HelmScreen)
        await wait_until(pilot, lambda: "⏎ Open release" in _footer(app), 5, ":helm footer")
        await pilot.press("escape")

        # xray is a tree, not a table: no / filter or o sort offered.
        from k8stui.ui.screens.xray import XrayScreen

        await _open(pilot, app, "xray", XrayScreen)
        await wait_until(pilot, lambda: "? Help" in _footer(app), 5, ":xray footer")
        assert "/ Filter" not in _footer(app) and "d Describe" in _footer(app), _footer(app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help on :xray")
        actions = {description for _key, description in app.screen.rows}
        assert not {"Filter", "Sort", "Reverse sort"} & actions, actions
        await pilot.press("escape")
        await pilot.press("escape")

        # On the dashboard (deployments, pods, events), help lists their keys and not a CronJob's.
        await wait_until(pilot, lambda: len(app.screen_stack) == 2, 5, "the dashboard")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help on the dashboard")
        actions = dict((description, key) for key, description in app.screen.rows)
        assert {"Scale", "Blue/green", "Kill pod", "Shell"} <= set(actions), actions
        assert not {"Trigger now", "Suspend/resume"} & set(actions), actions


async def test_describe_follows_the_object(demo):
    """``d`` shows the object live: a change made with kubectl appears in place with the time it was seen, and a
    deleted object stays on screen saying it is deleted."""
    from k8stui.ui.screens.describe import DescribeScreen

    from .helpers import kubectl, row

    ns = "polish-describe"
    await kubectl(demo, "create", "namespace", ns)
    try:
        await kubectl(demo, "create", "configmap", "settings", "-n", ns, "--from-literal=colour=blue")
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.screen.is_mounted and len(app.screen_stack) == 2, 30, "the dashboard")
            await _open(pilot, app, "cm", ResourceScreen)
            await wait_until(pilot, lambda: row(app, "resources", "settings") is not None, 10, "the ConfigMap")
            table(app, "resources").select_key(row(app, "resources", "settings").uid)
            await pilot.press("d")
            await wait_until(pilot, lambda: isinstance(app.screen, DescribeScreen), 5, "describe")
            await wait_until(pilot, lambda: "colour: blue" in _screen(app), 5, "the data")

            await kubectl(demo, "patch", "configmap", "settings", "-n", ns, "-p", '{"data":{"colour":"green"}}')
            await wait_until(pilot, lambda: "colour: green" in _screen(app), 10, "the change, shown live")
            assert "colour: blue" not in _screen(app)
            assert "updated " in _screen(app)  # the border says it changed, and when

            await kubectl(demo, "delete", "configmap", "settings", "-n", ns)
            await wait_until(pilot, lambda: "deleted " in _screen(app), 10, "the deletion, said")
            assert "colour: green" in _screen(app) and "this was its last state" in _screen(app)
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_a_flat_count_is_not_drawn_over_a_negative_axis(demo, prometheus):
    """api-blue's restarts are a flat 0: its chart's axis starts at 0 (it read "-0.67" restarts)."""
    from k8stui.ui.screens.metrics import MetricChart, MetricsScreen

    from .helpers import row

    app = make_app(demo, prometheus_url=prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "api-blue") is not None, 30, "api-blue listed")
        table(app, "workloads").select_key(row(app, "workloads", "api-blue").uid)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen), 5, "the metrics view")
        chart = app.screen.query_one("#chart-restarts", MetricChart)
        await wait_until(pilot, lambda: chart.metric is not None and not chart.message
                         and chart.metric.series and set(chart.metric.series[0].values) == {0}, 30,
                         "api-blue's restarts: a flat 0")
        await pilot.pause()
        region = chart.region
        painted = [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]
        ticks = [line.split("┤")[0].strip("│ ") for line in painted if "┤" in line]
        assert ticks and all(not t.startswith("-") for t in ticks), painted
