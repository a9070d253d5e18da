"""Keys typed faster than the screen changes reach the screen the user will see, in order (ui/keygate.py).

Keys are posted to the app all at once, as a terminal delivers a burst of input (a fast typist, a paste, a
loaded machine): nothing is processed between them.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from k8stui.ui.operations import journal
from k8stui.ui.screens.dashboard import DashboardScreen
from k8stui.ui.screens.describe import DescribeScreen
from k8stui.ui.screens.resource import ResourceScreen

from .helpers import make_app, names, wait_until

CHARACTERS = {"colon": ":", "slash": "/", "enter": "\r", "escape": "\x1b", "space": " "}


def type_burst(app, *keys: str) -> None:
    """Queue every key before the app handles any of them."""
    for key in keys:
        event = events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None))
        event.set_sender(app)
        app.post_message(event)


def kinds_on_stack(app) -> list[str]:
    return [getattr(getattr(s, "kind", None), "plural", type(s).__name__) for s in app.screen_stack[1:]]


async def _loaded(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: len(names(app, "workloads")) >= 5 and len(names(app, "pods")) > 0, 20,
                     "the dashboard loaded")


async def test_escape_then_colon_deploy_typed_at_once_opens_deployments(demo):
    app = make_app(demo)
    seen: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen_change_signal.subscribe(app, lambda screen: seen.append(type(screen).__name__))
        await _loaded(pilot)
        await pilot.press("colon", *"pods", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 5, "the pods view")
        seen.clear()
        type_burst(app, "escape", "colon", *"deploy", "enter")
        await wait_until(pilot, lambda: kinds_on_stack(app) == ["DashboardScreen", "deployments"], 10,
                         f"the deployments view over the dashboard (stack: {kinds_on_stack(app)})")
        # kept: a window after the positive condition above, for a stray binding that would push a screen late
        await pilot.pause(0.2)
        assert "DescribeScreen" not in seen, f"a typed letter ran a key binding: screens shown {seen}"
        assert kinds_on_stack(app) == ["DashboardScreen", "deployments"]
        bar = app.screen.query_one("#command-bar", Input)
        assert not bar.has_class("-open") and bar.value == ""


async def test_keys_after_a_command_go_to_the_new_view(demo):
    """``:deploy`` enter ``/api`` enter typed at once: the filter is typed into the deployments view."""
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot)
        type_burst(app, "colon", *"deploy", "enter", "slash", *"api-g", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 10, "the deployments view")
        await wait_until(pilot, lambda: names(app, "resources") == ["api-green"], 10,
                         "the deployments view filtered to api-green")
        assert isinstance(app.screen_stack[1], DashboardScreen) and len(app.screen_stack) == 3
        assert app.screen.query_one("#command-bar", Input).value == ""


async def test_escape_right_after_describe_closes_it(demo):
    """``d`` then ``esc`` at once: the escape reaches the describe view (and nothing else happens)."""
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot)
        opened: list[str] = []
        app.screen_change_signal.subscribe(app, lambda screen: opened.append(type(screen).__name__))
        type_burst(app, "d", "escape", "colon", *"nodes", "enter")
        await wait_until(pilot, lambda: kinds_on_stack(app) == ["DashboardScreen", "NodesScreen"], 10,
                         f"the nodes view over the dashboard (stack: {kinds_on_stack(app)})")
        assert opened[0] == DescribeScreen.__name__


async def test_keys_typed_before_a_dialog_appears_go_to_the_dialog(demo):
    """``s`` then ``esc`` at once: the escape cancels the scale dialog (it is not lost, nor sent to the
    dashboard), and nothing is changed."""
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot)
        seq = demo.request_seq()
        type_burst(app, "s", "escape")
        await wait_until(pilot, lambda: any("cancelled" in r.message for r in journal(app)), 10,
                         "the scale dialog cancelled by the escape typed with the s")
        assert isinstance(app.screen, DashboardScreen)
        assert not [r for r in demo.requests_since(seq) if r["mutating"]]
