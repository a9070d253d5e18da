"""Hostile text through every place the app shows untrusted text (issue 10 item 2).

Log lines, object fields, server messages, kubeconfig names and what the user types reach toasts, border
titles and subtitles, labels, dialogs, the confirmation, help, the command palette and the header. Each place is
driven with text that is markup to Textual/Rich — a stray closing tag (crashes a markup parser), a
``@click`` action (a click would quit the app), a link, and a log line with brackets — and must show it
literally, not crash, and run nothing when clicked. What the screen shows is read from the app's screenshot,
as a person would see it. (The app sets no tooltips from cluster text.)
"""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.text import Text
from textual.screen import Screen

from k8stui.actions.audit import AuditLog, AuditRecord, utc_now
from k8stui.actions.client import ObjectRef
from k8stui.actions.plan import Plan, Write
from k8stui.actions.rollout import Revision
from k8stui.cluster import kinds
from k8stui.cluster.connection import load_target
from k8stui.config import Settings
from k8stui.logs.buffer import LogBuffer
from k8stui.logs.line import parse_line
from k8stui.logs.options import LogTarget
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.operations import report
from k8stui.ui.screens.audit import AuditScreen
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.describe import DescribeScreen, SecretValueScreen
from k8stui.ui.screens.dialogs import CanaryDialog, QuestionDialog, RevisionPicker, ScaleDialog
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.logs import ContainerPicker, LogsScreen
from k8stui.ui.screens.resource import ContainersScreen
from k8stui.ui.widgets.log_view import LogView

from .helpers import SIZE, kubectl, make_app, names, row, table, wait_until

HOSTILE = ("[/x]", "[@click=app.quit]x[/]", "[link=https://evil.example]y[/link]", "GET [/healthz] 200")


# -- what the screen shows -----------------------------------------------------------------------------------
_CELL = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                   r'clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>')
CHAR_WIDTH = 12.2  # Textual's SVG export: one cell is 12.2 units wide


def screen_rows(app: Any) -> list[str]:
    """The text of each row of the screen as painted (from the SVG screenshot)."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, content in _CELL.findall(app.export_screenshot()):
        col, y = round(float(x) / CHAR_WIDTH), int(line)
        for i, ch in enumerate(html.unescape(content).replace("\xa0", " ")):
            if y < height and col + i < width:
                rows[y][col + i] = ch
    return ["".join(r) for r in rows]


def where(app: Any, text: str) -> tuple[int, int] | None:
    for y, line in enumerate(screen_rows(app)):
        x = line.find(text)
        if x >= 0:
            return x, y
    return None


class ActionSpy:
    """Records actions that markup could trigger: app.quit (``@click``) and opening a URL (``link``)."""

    def __init__(self, app: Any) -> None:
        self.ran: list[str] = []
        app.action_quit = lambda: self.ran.append("quit")
        app.open_url = lambda url, **_: self.ran.append(f"open {url}")
        # Toasts stay up long enough to be looked at on a loaded machine (the text still goes through the
        # app's own notify; only the timeout changes).
        notify = app.notify
        app.notify = lambda message, **kw: notify(message, **{**kw, "timeout": 60})


async def assert_inert(app: Any, pilot: Any, text: str, spy: ActionSpy) -> None:
    """``text`` is on screen literally; no cell of it carries an action or a link; clicking it runs nothing."""
    try:  # a toast or a pushed screen may need a few refreshes
        await wait_until(pilot, lambda: where(app, text) is not None, 15, f"{text!r} shown literally")
    except AssertionError:
        raise AssertionError(f"{text!r} not shown literally; the screen:\n" + "\n".join(screen_rows(app))) from None
    found = where(app, text)
    assert found is not None
    x, y = found
    for i in range(len(text)):
        style = app.screen.get_style_at(x + i, y)
        assert "@click" not in style.meta and not style.link, f"{text!r} is live markup at column {i}"
    await pilot.click(offset=(x + len(text) // 2, y))
    await pilot.pause()
    assert spy.ran == [], f"clicking {text!r} ran {spy.ran}"
    assert app.is_running


# -- the places ----------------------------------------------------------------------------------------------
class LogLineScreen(Screen):
    """A log view holding one line (the copy toast's source)."""

    def __init__(self, line: str) -> None:
        super().__init__()
        self.buffer = LogBuffer(10)
        self.buffer.append(parse_line(b"2026-01-02T03:04:05.000000000Z " + line.encode(), 0))

    def compose(self):
        yield LogView(self.buffer, poll=False, id="log")


async def toast_copied_log_line(app, pilot, h, tmp):
    app.push_screen(LogLineScreen(h))
    await pilot.pause()
    view = app.screen.query_one(LogView)
    view.sync()
    view.focus()
    await pilot.press("up", "y")
    return f"copied: {h}"


async def toast_operation_message(app, pilot, h, tmp):
    report(app, f"scale failed: {h}", "error")
    return h


async def toast_switch_to_an_unknown_context(app, pilot, h, tmp):
    app.switch_context(h + "-missing")
    return h


async def toast_widget_notify(app, pilot, h, tmp):
    app.screen.notify(f"note {h}")  # Widget.notify passes markup=True: the app must still show it plainly
    return h


async def title_pane_of_a_gone_pod(app, pilot, h, tmp):
    app.push_screen(ContainersScreen("no-such-uid", "shop", h))
    return f"Pod {h} is gone"


async def title_and_yaml_of_describe(app, pilot, h, tmp):
    app.push_screen(DescribeScreen(kinds.CONFIGMAPS, {"metadata": {"name": h, "namespace": "shop"},
                                                      "data": {"note": h}}))
    return f"ConfigMap shop/{h}"


async def secret_value_shown_on_request(app, pilot, h, tmp):
    app.push_screen(SecretValueScreen("Secret shop/db", "key", h))
    return h


async def title_of_the_logs_view(app, pilot, h, tmp):
    app.push_screen(LogsScreen(LogTarget("shop", "Pod", h)))
    return f"Logs of pod shop/{h}"


async def container_picker(app, pilot, h, tmp):
    app.push_screen(ContainerPicker({"metadata": {"name": h},
                                     "spec": {"containers": [{"name": h}, {"name": "sidecar"}]}}))
    return [f"Logs of pod {h}", f"{h}   "]


async def confirm_screen(app, pilot, h, tmp):
    ref = ObjectRef(kinds.DEPLOYMENTS, "shop", "web")
    plan = Plan("scale", "Deployment", "shop", h, "demo", "admin", f"replicas {h}", "replicas 2",
                [Write("patch", ref, {}, summary=h)], warnings=[f"warn {h}"], details=[f"+ {h}"])
    app.push_screen(ConfirmScreen(plan, notice=f"notice {h}", dangerous=True))
    return [f"Confirm: scale deployment shop/{h}", f"warn {h}", f"notice {h}"]


async def scale_dialog(app, pilot, h, tmp):
    app.push_screen(ScaleDialog("shop", h, 1, 1, 10, hpa=h))
    return [f"Scale deployment shop/{h}", f"HorizontalPodAutoscaler {h}"]


async def revision_picker_change_cause(app, pilot, h, tmp):
    revisions = [Revision(2, "web-2", "2026-01-01T00:00:00Z", ("img:2",), "current", {}, True, 1),
                 Revision(1, "web-1", "2026-01-01T00:00:00Z", ("img:1",), h, {"metadata": {"x": h}}, False, 0)]
    app.push_screen(RevisionPicker("shop", "web", revisions, {}))
    return h


async def canary_dialog(app, pilot, h, tmp):
    app.push_screen(CanaryDialog("shop", h, 1, 4, other="api-blue"))
    return [f"Canary: share of shop/{h}", f"{h} has 1 of 4"]


async def question_dialog(app, pilot, h, tmp):
    app.push_screen(QuestionDialog(f"Q {h}", [f"line {h}"]))
    return f"line {h}"


async def help_title(app, pilot, h, tmp):
    app.push_screen(HelpScreen(h, []))
    return h


async def audit_table_and_detail(app, pilot, h, tmp):
    log = AuditLog(tmp / f"audit-{uuid.uuid4().hex[:6]}.jsonl")
    log.append(AuditRecord(time=utc_now(), context=h, user="u", namespace="shop", kind="Deployment", name="web",
                           verb="scale", before="1", after="2", dry_run="ok", outcome="applied", message=h,
                           writes=[f"write {h}"]))
    app.push_screen(AuditScreen(log))
    return f"write {h}"


async def typed_filter_in_the_table_subtitle(app, pilot, h, tmp):
    await pilot.press("colon", *"svc", "enter")
    await wait_until(pilot, lambda: len(table(app, "resources").rows_by_key) > 0, 10, "services listed")
    table(app, "resources").set_filter(h)
    return f'"{h}"'  # the subtitle: 0/N match "<typed text>"


PLACES = [toast_copied_log_line, toast_operation_message, toast_switch_to_an_unknown_context, toast_widget_notify,
          title_pane_of_a_gone_pod, title_and_yaml_of_describe, secret_value_shown_on_request,
          title_of_the_logs_view, container_picker, confirm_screen, scale_dialog, revision_picker_change_cause,
          canary_dialog, question_dialog, help_title, audit_table_and_detail, typed_filter_in_the_table_subtitle]


@pytest.mark.parametrize("place", PLACES, ids=[p.__name__ for p in PLACES])
async def test_hostile_text_is_shown_literally_and_runs_nothing(demo, tmp_path, place):
    app = make_app(demo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        spy = ActionSpy(app)
        base = len(app.screen_stack)
        for h in HOSTILE:
            shown = await place(app, pilot, h, tmp_path)
            for text in [shown] if isinstance(shown, str) else shown:
                await assert_inert(app, pilot, text, spy)
            while len(app.screen_stack) > base:
                app.pop_screen()
            app.clear_notifications()
            await pilot.pause()


# -- names from the kubeconfig: header, palette, contexts view -----------------------------------------------
def hostile_kubeconfig(demo: Any, path: Path) -> Path:
    """The demo's kubeconfig with one context (and cluster) per hostile name."""
    config = yaml.safe_load(Path(demo.kubeconfig).read_text())
    demo_ctx = next(c for c in config["contexts"] if c["name"] == "demo")
    demo_cluster = next(c for c in config["clusters"] if c["name"] == demo_ctx["context"]["cluster"])
    for h in HOSTILE:
        config["clusters"].append({"name": f"cl {h}", "cluster": demo_cluster["cluster"]})
        config["contexts"].append({"name": h, "context": dict(demo_ctx["context"], cluster=f"cl {h}")})
    path.write_text(yaml.safe_dump(config))
    return path


async def test_kubeconfig_names_in_header_palette_and_contexts_view(demo, tmp_path):
    path = hostile_kubeconfig(demo, tmp_path / "kubeconfig")
    app = K8sTuiApp(load_target(str(path), HOSTILE[0], None), Settings(), kubeconfig=str(path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        spy = ActionSpy(app)
        for h in HOSTILE:
            app.switch_context(h)  # also a toast: "context: <name>"
            await assert_inert(app, pilot, f"context: {h}", spy)
            await wait_until(pilot, lambda h=h: app.screen.header.state.context == h, 5, "switched")
            await assert_inert(app, pilot, f"ctx {h} (cl {h})", spy)
            app.clear_notifications()
        await pilot.press("colon", *"ctx", "enter")
        for h in HOSTILE:
            await assert_inert(app, pilot, h, spy)
        await pilot.press("escape", "ctrl+p")
        await pilot.press(*"context")
        await wait_until(pilot, lambda: where(app, f"context: {HOSTILE[1]}") is not None, 5, "palette entries")
        for h in HOSTILE:
            found = where(app, f"context: {h}")
            assert found is not None
            for i in range(len(h)):
                style = app.screen.get_style_at(found[0] + 9 + i, found[1])
                assert "@click" not in style.meta and not style.link
        assert spy.ran == []


# -- object fields from the cluster --------------------------------------------------------------------------
async def test_annotations_from_the_cluster_in_the_details_pane(demo):
    ns = f"hostile-{uuid.uuid4().hex[:6]}"
    await kubectl(demo, "create", "namespace", ns)
    try:
        for n, h in enumerate(HOSTILE):
            await kubectl(demo, "create", "deployment", f"web{n}", "-n", ns, "--image=ghcr.io/demo/api:1.4.2",
                          "--replicas=0")
            await kubectl(demo, "annotate", "deployment", f"web{n}", "-n", ns, f"kubernetes.io/change-cause={h}")
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            spy = ActionSpy(app)
            await wait_until(pilot, lambda: len(names(app, "workloads")) == len(HOSTILE), 10, "deployments")
            workloads = table(app, "workloads")
            workloads.focus()
            for n, h in enumerate(HOSTILE):
                workloads.select_key(row(app, "workloads", f"web{n}").uid)
                await wait_until(pilot, lambda h=h: where(app, h) is not None, 5, f"change-cause {h!r}")
                await assert_inert(app, pilot, h, spy)
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


def test_plain_text_helper_never_parses_markup():
    from k8stui.text import plain

    for h in HOSTILE:
        assert plain(h).plain == h and isinstance(plain(h), Text) and not plain(h).spans


# -- invisible characters (issue 10 item 3) ------------------------------------------------------------------
INVISIBLE = {"\u202e": "<U+202E>", "\u202a": "<U+202A>", "\u202c": "<U+202C>", "\u2066": "<U+2066>",
             "\u2069": "<U+2069>", "\u200b": "<U+200B>", "\u200f": "<U+200F>", "\u2028": "<U+2028>",
             "\u2029": "<U+2029>", "\ufeff": "<U+FEFF>", "\u061c": "<U+061C>", "\u00ad": "<U+00AD>"}


def test_sanitize_shows_bidi_and_zero_width_characters_as_escapes():
    from k8stui.text import safe_text, sanitize

    for char, escape in INVISIBLE.items():
        assert sanitize(f"exe.live{char}x") == f"exe.live{escape}x"
        assert safe_text(f"a{char}b").plain == f"a{escape}b"
    assert sanitize("tab\tand\nnewline") == "tab\tand\nnewline"
    assert sanitize("né 日本 🙂\u00a0nbsp") == "né 日本 🙂\u00a0nbsp"  # visible text untouched
    assert sanitize("\x1b]0;title\x07hi\u202e") == "hi<U+202E>"


async def test_bidi_override_in_an_annotation_and_a_log_line_is_visible(demo):
    ns = f"bidi-{uuid.uuid4().hex[:6]}"
    await kubectl(demo, "create", "namespace", ns)
    try:
        await kubectl(demo, "create", "deployment", "web", "-n", ns, "--image=ghcr.io/demo/api:1.4.2",
                      "--replicas=0")
        await kubectl(demo, "annotate", "deployment", "web", "-n", ns,
                      "kubernetes.io/change-cause=run evil\u202egnp.exe now\u200b")
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: where(app, "run evil<U+202E>gnp.exe now<U+200B>") is not None, 10,
                             "the annotation with its bidi override shown as an escape")
            assert not any("\u202e" in line or "\u200b" in line for line in screen_rows(app))
            app.push_screen(LogLineScreen("user \u2066admin\u2069 logged in\ufeff"))
            await pilot.pause()
            app.screen.query_one(LogView).sync()
            await wait_until(pilot, lambda: where(app, "user <U+2066>admin<U+2069> logged in<U+FEFF>")
                             is not None, 5, "the log line with its isolates shown as escapes")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)
