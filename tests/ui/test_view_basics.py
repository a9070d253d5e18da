"""What a new user meets in the first minutes (issue 11 item 8): ``enter`` on a node lists its pods, ``?`` lists
every key once and every ``:`` command the command bar knows, and view titles are proper plurals."""

from __future__ import annotations

from k8stui.ui.commands import VIEW_ALIASES
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.resource import ResourceScreen

from .helpers import SIZE, kubectl, make_app, names, table, wait_until
from .screen_text import screen_lines


def _help_text(app) -> str:
    return "\n".join(f"{key}  {description}" for key, description in app.screen.rows + app.screen.command_rows)


async def test_nodes_enter_help_and_titles(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "api-blue" in names(app, "workloads"), 20, "the dashboard")

        # ? on the dashboard: each key once, every command of the command table.
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help")
        keys = [token for key, _ in app.screen.rows for token in key.split(" / ")]
        assert len(keys) == len(set(keys)), f"keys listed twice: {sorted(k for k in keys if keys.count(k) > 1)}"
        assert "enter" in keys and "tab" in keys
        text = _help_text(app)
        for alias in VIEW_ALIASES:
            assert f":{alias}" in text, f":{alias} missing from help"
        for command in (":cm", ":secrets", ":hpa", ":alerts", ":audit"):
            assert command in text
        await pilot.press("escape")

        # A kind whose plural is not kind + "s".
        await pilot.press("colon", *"ing", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 5, ":ing")
        await pilot.pause()
        assert any("Ingresses (shop)" in line for line in screen_lines(app)), "\n".join(screen_lines(app)[:4])
        assert not any("Ingresss" in line for line in screen_lines(app))
        await pilot.press("escape")

        # :nodes, enter: the pods on the node under the cursor, in every namespace.
        await pilot.press("colon", *"nodes", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NodesScreen) and names(app, "nodes"), 10, "nodes")
        node = table(app, "nodes").current_row().name
        expected = (await kubectl(demo, "get", "pods", "-A", "--field-selector", f"spec.nodeName={node}", "-o",
                                  "jsonpath={.items[*].metadata.name}")).stdout.split()
        assert expected, f"the demo runs no pods on {node}"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 5, "enter on a node")
        await wait_until(pilot, lambda: sorted(names(app, "resources")) == sorted(expected), 10,
                         f"the pods on {node}")
        assert any(f"Pods on node {node}" in line for line in screen_lines(app))
