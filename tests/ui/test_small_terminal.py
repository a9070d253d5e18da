"""At 80x24, the size of a default terminal: what the user types after ``:`` and ``/`` is on screen (with a
cursor and a placeholder) in every theme; every dialog keeps its buttons and inputs on screen (the body
scrolls); the footer shows whole keys. Snapshots come from the frozen cluster of test_snapshots, or from a
cluster-free app for the dialogs."""

from __future__ import annotations

import contextlib

import pytest
from textual.app import App
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input
from textual.widgets._footer import FooterKey

from k8stui.actions.burst import BurstView, HpaLimits
from k8stui.actions.client import ObjectRef
from k8stui.actions.images import Container, RecentImage
from k8stui.actions.plan import Plan, Write
from k8stui.actions.rollout import Revision
from k8stui.cluster import kinds
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.dialogs import BurstDialog, CanaryDialog, QuestionDialog, RevisionPicker, ScaleDialog
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.ops_dialogs import (
    DeleteConfirmScreen,
    HpaDialog,
    ImageDialog,
    PortForwardDialog,
    PortOption,
    SessionDialog,
)
from k8stui.ui.themes import load_themes

from .helpers import make_app, wait_until
from .screen_text import screen_lines
from .test_snapshots import _dashboard_ready, frozen_clock, frozen_demo  # noqa: F401  (fixtures)

SMALL = (80, 24)
THEMES = ["k8stui-dark", "k8stui-light"]


def _bar_row(app) -> str:
    bar = app.screen.query_one("#command-bar", Input)
    assert bar.region.height >= 1, "the command bar has no row on screen"
    return screen_lines(app)[bar.content_region.y]


async def _type_in_bar(pilot, mode_key: str, text: str) -> None:
    await pilot.press(mode_key)
    bar = pilot.app.screen.query_one("#command-bar", Input)
    await wait_until(pilot, lambda: pilot.app.screen.focused is bar, 5, "the command bar focused")
    bar.cursor_blink = False  # a steady cursor: what is painted must not depend on when we look
    await pilot.press(*text)
    await pilot.pause()


async def test_typed_text_cursor_and_placeholder_are_painted_in_every_theme(demo):
    app = make_app(demo)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: any("api-blue" in line for line in screen_lines(app)), 20, "workloads")
        for theme in sorted(load_themes()):
            app.theme = theme
            for mode_key, text, placeholder in (("colon", "deploy", "command:"), ("slash", "api", "filter:")):
                await _type_in_bar(pilot, mode_key, "")
                assert placeholder in _bar_row(app), f"{theme}: no placeholder after {mode_key}"
                await pilot.press(*text)
                await pilot.pause()
                row = _bar_row(app)
                assert row.strip().startswith(text), f"{theme}: {text!r} typed after {mode_key} not shown: {row!r}"
                # The text is readable and the cell after it is drawn in the theme's cursor colours.
                bar = app.screen.query_one("#command-bar", Input)
                segments = [s for s in bar.render_line(0) if s.text]
                assert segments[0].text == text and segments[0].style.color != segments[0].style.bgcolor, \
                    f"{theme}: typed text not readable: {segments[0]!r}"
                cursor = bar.get_component_rich_style("input--cursor")
                # after ":deploy" the grey completion ("ments") follows, the cursor on its first cell
                after = " " if mode_key == "slash" else "m"
                assert segments[1].text == after and segments[1].style.bgcolor == cursor.bgcolor, \
                    f"{theme}: no cursor after the text: {segments[1]!r}"
                await pilot.press("escape")
                await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("mode_key, text", [("colon", "deploy"), ("slash", "api")])
def test_command_bar_snapshot_80x24(snap_compare, frozen_demo, frozen_clock, theme, mode_key, text):  # noqa: F811
    app = make_app(frozen_demo, theme=theme)

    async def run_before(pilot) -> None:
        await _dashboard_ready(pilot)
        await _type_in_bar(pilot, mode_key, text)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


# -- dialogs and footer at 80x24 ------------------------------------------------------------------------------
def _revisions() -> list[Revision]:
    old = {"spec": {"containers": [{"name": "api", "image": "ghcr.io/demo/api:1.4.1"}]}}
    new = {"spec": {"containers": [{"name": "api", "image": "ghcr.io/demo/api:1.4.2"}]}}
    return [Revision(revision=n, replicaset=f"api-blue-{n}", created="", images=(f"ghcr.io/demo/api:1.4.{n}",),
                     change_cause="kubectl set image deployment/api-blue api=ghcr.io/demo/api:1.4.{n}",
                     template=new if n == 6 else old, current=n == 6, replicas=0) for n in range(1, 7)]


def _long_plan() -> Plan:
    ref = ObjectRef(kinds.DEPLOYMENTS, "shop", "api-blue")
    write = Write("patch", ref, [], "json", "4242", "spec.template ← ReplicaSet api-blue-c6db869d (revision 1)")
    diff = ["--- revision 2 (current)", "+++ revision 1", "@@ -4,12 +4,12 @@"] + [
        f"-  - image: ghcr.io/demo/api:1.4.{n}" if n % 2 else f"+  - image: ghcr.io/demo/api:1.4.{n}" for n in range(30)]
    return Plan("rollback", "Deployment", "shop", "api-blue", "prod-westeurope", "sre@example.com",
                "revision 2 (ghcr.io/demo/api:1.4.2)", "revision 1 (ghcr.io/demo/api:1.4.1)", [write], "4242",
                warnings=["HorizontalPodAutoscaler api manages this Deployment"], details=diff)


DIALOGS = {
    "confirm": lambda: ConfirmScreen(_long_plan(), "deployment shop/api-blue was changed by someone else after "
                                     "the plan was made; the plan was rebuilt from the new state."),
    "confirm-dangerous": lambda: ConfirmScreen(_long_plan(), dangerous=True),
    "scale": lambda: ScaleDialog("shop", "api-blue", 3, 3, 100, "api"),
    "burst": lambda: BurstDialog(BurstView("shop", "api-green", 60, 21, 0, False, ("virtual-node-aci",),
                                           HpaLimits("api-green", 10, 80, {}))),
    "rollback": lambda: RevisionPicker("shop", "api-blue", _revisions(), _revisions()[-1].template),
    "canary": lambda: CanaryDialog("shop", "api-green", 1, 4, "api-blue"),
    "question": lambda: QuestionDialog("Blue/green preflight: Service api",
                                       ["api-green has 0 of 3 replicas ready"] * 30 +
                                       ["Scale api-green to 3 replicas, wait until all are ready, then switch?"],
                                       yes="Go on", no="Stop"),
}


# The everyday operations' dialogs, at their tallest (several containers, many recent images and ports, a
# dangerous context): checked on screen, not pictured.
_CONTAINERS = [Container(f"c{n}", f"ghcr.io/demo/c{n}:1.0", f"/spec/template/spec/containers/{n}") for n in range(6)]
_RECENT = {c.name: [RecentImage(f"ghcr.io/demo/{c.name}:0.{n}", f"revision {n}") for n in range(10)]
           for c in _CONTAINERS}
_PORTS = [PortOption(8000 + n, f"{8000 + n}/TCP http-{n}", 8000 + n) for n in range(10)]
EVERYDAY_DIALOGS = {
    "delete": lambda: DeleteConfirmScreen(_long_plan(), dangerous=True, propagation="Background", offer=True),
    "image": lambda: ImageDialog("shop/api-blue", _CONTAINERS, _RECENT),
    "shell": lambda: SessionDialog("shell", "shop", "api-blue-1", [c.name for c in _CONTAINERS],
                                   notes=("a note about the pod",) * 6, dangerous=True, context="prod"),
    "debug": lambda: SessionDialog("debug", "shop", "api-blue-1", [c.name for c in _CONTAINERS], dangerous=True,
                                   context="prod"),
    "port-forward": lambda: PortForwardDialog("pod shop/api-blue-1", _PORTS, dangerous=True, name="api-blue-1",
                                              context="prod"),
    "hpa": lambda: HpaDialog("shop", "api", 2, 10, 3, "Deployment api-blue"),
}


class _DialogApp(App):
    """One dialog over an empty screen (no cluster): the picture cannot change between runs."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def on_mount(self) -> None:
        self.push_screen(self.make())


async def _dialog_shown(pilot) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ModalScreen) and pilot.app.screen.query(Button),
                     5, "the dialog")
    await pilot.pause()


@pytest.mark.parametrize("name", list(DIALOGS) + list(EVERYDAY_DIALOGS))
async def test_dialog_buttons_and_inputs_stay_on_an_80x24_screen(name):
    app = _DialogApp({**DIALOGS, **EVERYDAY_DIALOGS}[name])
    async with app.run_test(size=SMALL) as pilot:
        await _dialog_shown(pilot)
        lines = screen_lines(app)
        screen = app.screen.region
        controls = list(app.screen.query(Button)) + list(app.screen.query(Input))
        assert any(isinstance(c, Button) for c in controls)
        for control in controls:
            assert screen.contains_region(control.region) and control.region.height >= 1, \
                f"{name}: {control} is off the screen ({control.region})"
            if isinstance(control, Button):
                label = str(control.label)
                assert any(label in line for line in lines), f"{name}: button {label!r} not painted"


@pytest.mark.parametrize("name", DIALOGS)
def test_dialog_snapshot_80x24(snap_compare, name):
    assert snap_compare(_DialogApp(DIALOGS[name]), terminal_size=SMALL, run_before=_dialog_shown)


async def test_footer_shows_whole_keys_at_80_columns(demo):
    app = make_app(demo)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: any("api-blue" in line for line in screen_lines(app)), 20, "workloads")
        for command in ("", "pods", "nodes"):
            if command:
                await pilot.press("colon", *command, "enter")
                await wait_until(pilot, lambda: len(app.screen_stack) == 3, 5, f":{command}")

            def footer_problems() -> list[str]:
                footer = app.screen.query_one(Footer)
                row = screen_lines(app)[footer.region.y]
                keys = [k for k in footer.query(FooterKey) if k.display]
                problems = [f"only {len(keys)} keys in the footer"] if len(keys) < 6 else []
                problems += [f"{k.description!r} cut: {row!r}" for k in keys if not footer.region.contains_region(k.region)]
                problems += [f"{k.description!r} not whole: {row!r}" for k in keys
                             if f"{k.key_display} {k.description}" not in row]
                return problems

            # the new screen's footer is composed and laid out over a few refreshes
            with contextlib.suppress(AssertionError):
                await wait_until(pilot, lambda: not footer_problems(), 10, "the footer's keys whole")
            assert not footer_problems(), f"{command or 'dashboard'}: {footer_problems()}"
            if command:
                await pilot.press("escape")
                await wait_until(pilot, lambda: len(app.screen_stack) == 2, 5, "back to the dashboard")
        # ? fits too: its box (keys, then the ':' commands) within 80 columns.
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help")
        await pilot.pause()
        box = app.screen.query_one(VerticalScroll)
        assert app.screen.region.contains_region(box.region), f"help box {box.region} is cut at 80x24"


@pytest.mark.parametrize("theme", THEMES)
def test_dashboard_snapshot_80x24(snap_compare, frozen_demo, frozen_clock, theme):  # noqa: F811
    assert snap_compare(make_app(frozen_demo, theme=theme), terminal_size=SMALL, run_before=_dashboard_ready)
