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
    current namespace's graphs, which read as the selection's)."""
    from k8stui.ui.screens.helm import HelmScreen
    from k8stui.ui.screens.metrics import MetricsScreen

    app = make_app(demo, namespace="kube-public")  # no DaemonSets there
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.is_mounted and names(app, "workloads") == [], 30, "the dashboard")
        await _open(pilot, app, "ds", ResourceScreen)
        await wait_until(pilot, lambda: "DaemonSets (kube-public)" in _screen(app), 10, "the empty :ds")
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
