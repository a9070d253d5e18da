"""At 80x24, the size of a default terminal: what the user types after ``:`` and ``/`` is on screen (with a
cursor and a placeholder) in every theme. Snapshots come from the frozen cluster of test_snapshots."""

from __future__ import annotations

import pytest
from textual.widgets import Input

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
                assert segments[1].text == " " and segments[1].style.bgcolor == cursor.bgcolor, \
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
