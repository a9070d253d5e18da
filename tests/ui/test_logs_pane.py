"""The logs pane against the live demo cluster, as an on-call engineer uses it: ``l`` on a pod or a workload,
lines arriving by themselves, pods joining on scale-up, ``p`` for the crash-looping pod's previous run, the
``f`` filter with its count, reconnection after dropped streams without a duplicate or a gap, hostile lines
shown inertly, and clear messages for a forbidden or deleted pod."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path
from typing import Any

from rich.style import Style
from textual.app import App, ComposeResult

from k8stui.demo.logs import parse_seq
from k8stui.logs.buffer import LogBuffer
from k8stui.logs.filter import LineFilter
from k8stui.logs.line import parse_line
from k8stui.logs.options import LogTarget
from k8stui.ui.screens.dashboard import DashboardScreen
from k8stui.ui.screens.logs import ContainerPicker, LogsPanel, LogsScreen
from k8stui.ui.themes import load_themes
from k8stui.ui.widgets.log_view import LogView

from .helpers import SIZE, kubectl, make_app, names, row, table, wait_until

HOSTILE = (b"\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
           b" [bold red]x[/] \x1b[31mred\x1b[0m \x1b[8mhidden\x1b[0m bad:\xff\xfe")


# -- helpers ------------------------------------------------------------------------------------------------
def panel_of(app: Any) -> LogsPanel:
    assert isinstance(app.screen, LogsScreen), f"expected the logs view, got {app.screen!r}"
    return app.screen.panel


def real_lines(panel: LogsPanel) -> list[Any]:
    return [line for line in panel.buffer if not line.note]


def seqs_by_source(panel: LogsPanel) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for line in real_lines(panel):
        seq = parse_seq(line.plain)
        if seq is not None:
            out.setdefault(line.source, []).append(seq)
    return out


def screen_text(view: LogView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def open_pod_logs(pilot: Any, app: Any, pod_name: str) -> LogsPanel:
    """``:pods``, select the pod, ``l``."""
    await pilot.press("colon", *"pods", "enter")
    await wait_until(pilot, lambda: pod_name in names(app, "resources"), 10, f"pod {pod_name} listed")
    table(app, "resources").select_key(row(app, "resources", pod_name).uid)
    await pilot.press("l")
    return panel_of(app)


async def open_workload_logs(pilot: Any, app: Any, name: str) -> LogsPanel:
    """Dashboard: select the Deployment, ``l``."""
    await wait_until(pilot, lambda: row(app, "workloads", name) is not None, 10, f"workload {name}")
    workloads = table(app, "workloads")
    workloads.focus()
    workloads.select_key(row(app, "workloads", name).uid)
    await pilot.press("l")
    return panel_of(app)


def pods_json(demo: Any, namespace: str, selector: str) -> list[dict[str, Any]]:
    return json.loads(demo.kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "json").stdout)["items"]


def running_pod(demo: Any, namespace: str, selector: str) -> str:
    for pod in pods_json(demo, namespace, selector):
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        if statuses and all("running" in (cs.get("state") or {}) for cs in statuses):
            return pod["metadata"]["name"]
    raise AssertionError(f"no running pod for {selector} in {namespace}")


async def make_namespace(demo: Any, namespace: str, manifest: str) -> None:
    await kubectl(demo, "delete", "namespace", namespace, "--wait=false", check=False)
    await kubectl(demo, "create", "namespace", namespace, check=False)
    await kubectl(demo, "apply", "-n", namespace, "-f", "-", input=manifest)


def deployment(name: str, replicas: int = 1, containers: tuple[tuple[str, str], ...] = (("api", "ghcr.io/demo/api:1.4.2"),)
               ) -> str:
    items = "\n".join(f"      - {{name: {n}, image: {i}}}" for n, i in containers)
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
{items}
"""


# -- acceptance: live follow, merge, scale, previous, filter ------------------------------------------------
async def test_single_pod_follow_shows_new_lines(demo):
    pod = running_pod(demo, "shop", "app=frontend")
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_pod_logs(pilot, app, pod)
        assert panel.target is not None and panel.target.single_pod and panel.target.name == pod
        assert panel.buffer.capacity == app.settings.log_buffer_lines == 10_000  # the ring's size is a setting
        await wait_until(pilot, lambda: real_lines(panel), 10, "the pod's recent lines")
        first_newest = max(seqs_by_source(panel)[0])
        # No key press: the stream follows and the view keeps the newest line on screen.
        await wait_until(pilot, lambda: max(seqs_by_source(panel)[0]) >= first_newest + 2, 10, "new lines")
        newest = real_lines(panel)[-1]
        await wait_until(pilot, lambda: newest.plain in "\n".join(screen_text(panel.view)), 5,
                         "the newest line painted at the bottom without a key press")
        assert panel.status_text.startswith("● following")
        assert not panel.session.show_tags  # one pod, one container: no tag column
        # A key's effect reaches the status line in the same loop turn (so in the same frame as the lines): no
        # message to wait for, which would paint it a frame later.
        panel.view.action_toggle_timestamps()
        assert "timestamps" in panel.status_text
        panel.view.action_toggle_follow()
        assert panel.status_text.startswith("‖ paused")


async def test_workload_view_merges_pods_with_tags(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_workload_logs(pilot, app, "api-blue")
        assert panel.target.kind == "Deployment"
        pods = {p["metadata"]["name"] for p in pods_json(demo, "shop", "app=api,version=blue")}
        await wait_until(pilot, lambda: len({line.source for line in real_lines(panel)}) == 3, 10,
                         "lines of the three api-blue pods")
        tags = {panel.session.source(i).tag: panel.session.source(i).pod for i in seqs_by_source(panel)}
        assert set(tags.values()) == pods
        assert all(pod.endswith("-" + tag) for tag, pod in tags.items())  # short tags: the pod's suffix
        assert len({panel.session.source(i).colour for i in seqs_by_source(panel)}) == 3
        # Every line on screen starts with its pod's tag; lines are merged in time order.
        await wait_until(pilot, lambda: all(text.startswith(panel.session.source(line.source).tag) for line, text
                                            in zip(panel.view.visible_lines(), screen_text(panel.view), strict=False)),
                         15, "every line on screen starts with its pod's tag")
        for line, text in zip(panel.view.visible_lines(), screen_text(panel.view), strict=False):
            assert text.startswith(panel.session.source(line.source).tag)
        stamps = [line.ts for line in real_lines(panel)[-30:]]
        assert stamps == sorted(stamps)
        assert "3 pods" in panel.status_text


async def test_scaling_the_deployment_adds_the_new_pods_lines_without_a_key_press(demo):
    ns = "logs-scale"
    await make_namespace(demo, ns, deployment("web"))
    try:
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            panel = await open_workload_logs(pilot, app, "web")
            await wait_until(pilot, lambda: len(seqs_by_source(panel)) == 1, 20, "the first pod's lines")
            await kubectl(demo, "scale", "deploy/web", "-n", ns, "--replicas=2")
            await wait_until(pilot, lambda: len(seqs_by_source(panel)) == 2, 20, "the new pod's lines")
            joined = [line.plain for line in panel.buffer if line.note and "joined" in line.plain]
            assert len(joined) == 1
            new_source = panel.session.source(max(seqs_by_source(panel)))
            assert new_source.pod in joined[0]
            # Scale down: the pod that goes away is marked ended, the other keeps streaming.
            await kubectl(demo, "scale", "deploy/web", "-n", ns, "--replicas=1")
            await wait_until(pilot, lambda: any(line.note and "ended" in line.plain for line in panel.buffer), 20,
                             "the removed pod marked ended")
            await wait_until(pilot, lambda: "1 ended" in panel.status_text, 5, "status counts the ended pod")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_previous_logs_of_the_crash_looping_pod(demo):
    def crashed() -> str | None:
        for pod in pods_json(demo, "shop", "app=checkout"):
            for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                if cs.get("restartCount", 0) >= 1 and (cs.get("lastState") or {}).get("terminated"):
                    return pod["metadata"]["name"]
        return None

    deadline = asyncio.get_running_loop().time() + 60
    pod = crashed()
    while pod is None and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.5)
        pod = await asyncio.to_thread(crashed)
    assert pod, "the checkout pod with the broken image never restarted"
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_pod_logs(pilot, app, pod)
        await pilot.press("p")
        await wait_until(pilot, lambda: any("panic: runtime error" in line.plain for line in panel.buffer), 10,
                         "the panic of the previous run")
        assert panel.options.previous and "previous run" in panel.status_text
        assert "previous run" in str(panel.border_subtitle)
        seqs = [parse_seq(line.plain) for line in real_lines(panel)]
        assert seqs == list(range(1, len(seqs) + 1))  # the whole previous run, in order, once
        assert real_lines(panel)[-1].plain.startswith("exit status 2")
        await pilot.press("p")  # back to the current logs
        await wait_until(pilot, lambda: not panel.options.previous, 5, "current logs again")


async def test_filter_shows_only_matching_lines_and_counts_them(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_workload_logs(pilot, app, "api-blue")
        await wait_until(pilot, lambda: sum("GET" in line.plain for line in real_lines(panel)) > 5, 10, "GET lines")
        await pilot.press("f", *"POST|DELETE", "enter")  # f (or &, as in less) filters; / searches
        view = panel.view
        assert view.line_filter is not None and view.line_filter.pattern == "POST|DELETE"
        await wait_until(pilot, lambda: "filter /POST|DELETE/" in panel.status_text and (shown := [
            line for line in view.shown_lines() if not line.note]) and all(
            "POST" in line.plain or "DELETE" in line.plain for line in shown), 15, "only the filtered lines")
        shown = [line for line in view.shown_lines() if not line.note]
        assert shown and all("POST" in line.plain or "DELETE" in line.plain for line in shown)
        matching = [line for line in real_lines(panel) if "POST" in line.plain or "DELETE" in line.plain]
        assert len(shown) == len(matching) == view.index.matches
        assert f"filter /POST|DELETE/: {len(matching):,} matching" in panel.status_text
        for text in screen_text(view):
            if text.strip():
                assert "POST" in text or "DELETE" in text or "joined" in text or "ended" in text
        # The match is highlighted with the theme's match style.
        strip = view.render_line(0)
        assert any(seg.text in ("POST", "DELETE") and seg.style and seg.style.bgcolor for seg in strip)
        # i inverts; a bad regex is a toast and keeps the filter.
        await pilot.press("i")
        assert all("POST" not in line.plain and "DELETE" not in line.plain
                   for line in view.shown_lines() if not line.note)
        await pilot.press("ampersand", *"(oops", "enter")
        assert view.line_filter is not None and view.line_filter.invert
        await pilot.press("escape")  # closes the filter line
        await pilot.press("escape")  # clears the filter
        assert view.line_filter is None and isinstance(app.screen, LogsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


# -- fault: dropped streams ---------------------------------------------------------------------------------
async def test_dropped_streams_reconnect_without_duplicate_or_missing_lines(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_workload_logs(pilot, app, "frontend")
        await wait_until(pilot, lambda: len(seqs_by_source(panel)) == 2, 10, "both frontend pods")
        for _ in range(3):
            before = {k: max(v) for k, v in seqs_by_source(panel).items()}
            await asyncio.to_thread(demo.admin, "drop-streams", {})
            await wait_until(pilot, lambda before=before: all(max(seqs_by_source(panel)[k]) >= before[k] + 2
                                                              for k in before), 15, "lines after the drop")
        streams = [src.stream for src in panel.session.sources]
        assert all(s is not None and s.reconnects >= 3 and s.requests >= 4 for s in streams)
        assert sum(s.duplicates_dropped for s in streams if s) > 0  # the server did send lines again ...
        for source, seqs in seqs_by_source(panel).items():  # ... and none reached the buffer twice, none is missing
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"source {source}: {seqs}"
        await wait_until(pilot, lambda: panel.problem_text == "", 5, "no problem shown once reconnected")


# -- security: hostile lines ----------------------------------------------------------------------------------
class LogHarness(App):
    """A LogView filled with fixed lines (deterministic snapshot)."""

    CSS = "Screen { background: $background; }"

    def __init__(self, lines: list[bytes], capacity: int = 100) -> None:
        super().__init__()
        for theme in load_themes().values():
            self.register_theme(theme)
        self.theme = "k8stui-dark"
        self.buffer = LogBuffer(capacity)
        for i, raw in enumerate(lines):
            self.buffer.append(parse_line(b"2026-01-02T03:04:%02d.000000000Z " % i + raw, 0))

    def compose(self) -> ComposeResult:
        yield LogView(self.buffer, poll=False, id="log")


HARNESS_LINES = [
    b"plain line seq=1",
    HOSTILE + b" seq=2",
    b"\x1b[32mINFO\x1b[0m coloured seq=3",
    b"[link=http://evil.example]markup link[/link] \xe2\x80\xaereversed seq=4",
    b"tab\tseparated\rcarriage seq=5",
]


def test_hostile_lines_are_shown_inertly_snapshot(snap_compare):
    app = LogHarness(HARNESS_LINES)

    async def run_before(pilot) -> None:
        view = pilot.app.query_one(LogView)
        view.sync()
        view.action_toggle_timestamps()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 8), run_before=run_before)


async def test_hostile_lines_render_as_text_only():
    app = LogHarness(HARNESS_LINES)
    async with app.run_test(size=(120, 10)) as pilot:
        view = app.query_one(LogView)
        view.sync()
        await pilot.pause()
        strips = [view.render_line(y) for y in range(len(HARNESS_LINES))]
        texts = [s.text for s in strips]
        hostile = texts[1]
        assert "\x1b" not in "".join(texts) and "\x07" not in "".join(texts) and "\r" not in "".join(texts)
        assert "pwned" not in hostile and "evil.example" not in hostile and "hidden" in hostile
        assert "click [bold red]x[/] red hidden bad:\ufffd\ufffd seq=2" in hostile  # markup shown literally
        # markup shown literally; the bidi override shown as a visible escape instead of reversing the text
        assert "[link=http://evil.example]markup link[/link] <U+202E>reversed" in texts[3]
        assert "tab separated" in texts[4].replace("  ", " ")
        for strip in strips:
            for seg in strip:
                style = seg.style or Style()
                assert not style.link and not style.conceal and not style.blink and not style.reverse
        red = [seg for seg in strips[1] if seg.text == "red"]
        assert red and red[0].style and red[0].style.color and red[0].style.color.name in ("red", "color(1)")


async def test_hostile_frontend_lines_from_the_cluster_are_inert(demo):
    pod = running_pod(demo, "shop", "app=frontend")
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_pod_logs(pilot, app, pod)
        await pilot.press("0")  # everything: the first hostile line is line 4 of the run
        await wait_until(pilot, lambda: any("[bold red]x[/]" in line.plain for line in panel.buffer), 15,
                         "a hostile line")
        await pilot.press("f", *r"\[bold red\]", "enter")
        await wait_until(pilot, lambda: "[bold red]x[/]" in "\n".join(screen_text(panel.view)), 15,
                         "the filtered hostile line on screen")
        text = "\n".join(screen_text(panel.view))
        assert "[bold red]x[/]" in text and "pwned" not in text and "\x1b" not in text and "\ufffd" in text


# -- problems shown in the pane -----------------------------------------------------------------------------
async def test_forbidden_pod_shows_a_clear_message(demo):
    pod = running_pod(demo, "shop", "app=frontend")
    app = make_app(demo, context="demo-dev")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: names(app, "workloads") == ["notes"], 10, "team-a as demo-dev")
        app.push_screen(LogsScreen(LogTarget("shop", "Pod", pod)))
        panel = panel_of(app)
        await wait_until(pilot, lambda: panel.problem_text.startswith("forbidden"), 10, "forbidden message")
        assert "cannot get resource \"pods/log\"" in panel.problem_text or "pods/log" in panel.problem_text
        assert panel.has_class("-problem") and not real_lines(panel)


async def test_deleted_pod_shows_a_clear_message(demo):
    ns = "logs-deleted"
    await make_namespace(demo, ns, deployment("gone"))
    try:
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("colon", *"pods", "enter")
            await wait_until(pilot, lambda: len(names(app, "resources")) == 1, 20, "the pod")
            pod = names(app, "resources")[0]
            await wait_until(pilot, lambda: row(app, "resources", pod).status == "Running", 20, "pod running")
            table(app, "resources").select_key(row(app, "resources", pod).uid)
            await pilot.press("l")
            panel = panel_of(app)
            await wait_until(pilot, lambda: real_lines(panel), 10, "lines")
            await kubectl(demo, "delete", "pod", pod, "-n", ns, "--wait=false")
            await wait_until(pilot, lambda: "was deleted" in panel.problem_text, 15, "deleted message")
            assert any(line.note and "ended" in line.plain for line in panel.buffer)
            # A pod that no longer exists at all: the message says so.
            await pilot.press("escape")
            app.push_screen(LogsScreen(LogTarget(ns, "Pod", pod + "-nope")))
            panel = panel_of(app)
            await wait_until(pilot, lambda: "not found" in panel.problem_text, 10, "not found message")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


# -- containers, save, copy, ranges ---------------------------------------------------------------------------
async def test_container_picker_save_copy_and_range(demo):
    ns = "logs-duo"
    await make_namespace(demo, ns, deployment("duo", containers=(("api", "ghcr.io/demo/api:1.4.2"),
                                                                 ("sidecar", "ghcr.io/demo/notes:1.0"))))
    try:
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("colon", *"pods", "enter")
            await wait_until(pilot, lambda: len(names(app, "resources")) == 1
                             and row(app, "resources", names(app, "resources")[0]).status == "Running", 20, "pod")
            pod = names(app, "resources")[0]
            table(app, "resources").select_key(row(app, "resources", pod).uid)
            await pilot.press("l")
            assert isinstance(app.screen, ContainerPicker)
            await pilot.press("enter")  # "all containers"
            panel = panel_of(app)
            await wait_until(pilot, lambda: len(seqs_by_source(panel)) == 2, 10, "both containers")
            assert {s.tag for s in panel.session.sources} == {"api", "sidecar"}
            assert panel.session.show_tags
            # y copies the cursor line (up puts the cursor on the bottom line and pauses).
            await pilot.press("up")
            assert not panel.view.following
            line = panel.view.cursor_line()
            await pilot.press("y")
            assert app.clipboard.endswith(line.plain) and app.clipboard.startswith(panel.session.source(line.source).tag)
            # Paused: lines keep arriving and the status says how many wait.
            await wait_until(pilot, lambda: "waiting (space)" in panel.status_text, 10, "new lines waiting")
            await pilot.press("space")
            assert panel.view.following and panel.status_text.startswith("● following")
            # w saves what is shown, as plain text, readable by the user only.
            await pilot.press("w")
            await wait_until(pilot, lambda: panel.last_saved is not None, 5, "saved")
            path, count = panel.last_saved
            saved = Path(path).read_text().splitlines()
            assert len(saved) == count >= 2 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
            assert all(" [api] " in s or " [sidecar] " in s for s in saved if "#" not in s)
            assert str(path).startswith(os.environ["K8STUI_HOME"])
            # Range keys read again: "2" = the last 1000 lines.
            await pilot.press("2")
            await wait_until(pilot, lambda: panel.options.range.tail_lines == 1000 and real_lines(panel), 10,
                             "re-read with another range")
            assert "last 1000 lines" in str(panel.border_subtitle)
        # Opening a single container from the picker: no tags.
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("colon", *"pods", "enter")
            await wait_until(pilot, lambda: pod in names(app, "resources"), 10, "pod")
            table(app, "resources").select_key(row(app, "resources", pod).uid)
            await pilot.press("l", "down", "down", "enter")  # all, api, sidecar
            panel = panel_of(app)
            assert panel.target.containers == ("sidecar",)
            await wait_until(pilot, lambda: real_lines(panel), 10, "sidecar lines")
            assert all('"logger"' in line.plain for line in real_lines(panel))
            assert not panel.session.show_tags
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_a_100k_line_burst_does_not_freeze_the_view():
    """A burst far larger than the ring: the buffer keeps the newest 10k, counts the rest as dropped, and the
    view renders only the rows on screen."""
    app = LogHarness([], capacity=10_000)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(LogView)
        burst = [parse_line(b"2026-01-02T03:04:05.%09dZ burst line seq=%d" % (i, i + 1), 0) for i in range(100_000)]
        app.buffer.extend(burst)
        view.sync()
        await pilot.pause()
        assert len(app.buffer) == 10_000 and app.buffer.dropped == 90_000
        assert view.stats.dropped == 90_000 and view.following
        await pilot.press("up")  # keys still work at once
        assert not view.following
        assert len(view._cache) <= view.scrollable_content_region.height + 2
        assert view.visible_lines()[-1].plain.endswith("seq=100000")


async def test_dashboard_logs_pane_follows_the_selection(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: row(app, "workloads", "frontend") is not None, 10, "workloads")
        workloads = table(app, "workloads")
        workloads.focus()
        workloads.select_key(row(app, "workloads", "api-green").uid)
        await pilot.press("L")
        panel = app.screen.query_one("#logs-pane", LogsPanel)
        assert panel.display and not app.screen.query_one("#events-pane").display
        await wait_until(pilot, lambda: panel.target is not None and panel.target.name == "api-green"
                         and len(seqs_by_source(panel)) == 3, 10, "api-green logs in the bottom pane")
        assert "Logs of deployment shop/api-green" in str(panel.border_title)
        workloads.select_key(row(app, "workloads", "frontend").uid)
        await wait_until(pilot, lambda: panel.target.name == "frontend" and len(seqs_by_source(panel)) == 2, 10,
                         "the pane follows the selection")
        assert all(panel.session.source(line.source).pod.startswith("frontend-") for line in real_lines(panel))
        await pilot.press("L")
        assert app.screen.query_one("#events-pane").display and not panel.display
        await wait_until(pilot, lambda: panel.session is None, 5, "hidden pane stops streaming")


async def test_wrap_timestamps_top_bottom_and_the_waiting_count():
    long = b"x" * 150 + b" end-of-long-line"
    app = LogHarness([b"first seq=1", long, b"short seq=3"], capacity=1000)
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.sync()
        await pilot.pause()
        assert view.following and view.virtual_size.height == 3
        view.focus()
        await pilot.press("W")  # wrap: the long line takes three rows, continuation rows are indented
        assert view.wrap and view.virtual_size.height == 5
        rows = [view.render_line(y).text.rstrip() for y in range(5)]
        assert rows[0] == "first seq=1" and rows[4] == "short seq=3"
        assert "".join(rows[1:4]) == long.decode()  # cut at the width, nothing lost
        await pilot.press("t")  # timestamps: a dim prefix, and the wrapped rows are indented past it
        rows = [view.render_line(y).text.rstrip() for y in range(view.virtual_size.height)]
        assert rows[0].startswith("2026-01-02T03:04:00.000Z first")
        assert rows[2].startswith(" " * 25 + "x")
        await pilot.press("g")  # top: paused, cursor on the first line
        assert not view.following and view.cursor_line().plain == "first seq=1"
        cursor_bg = view.get_component_rich_style("log-view--cursor").bgcolor
        assert all(seg.style.bgcolor == cursor_bg for seg in view.render_line(0))  # the cursor row is marked
        assert all(seg.style.bgcolor != cursor_bg for seg in view.render_line(1))
        app.buffer.extend([parse_line(b"2026-01-02T03:05:00.000000000Z new %d" % i, 0) for i in range(7)])
        view.sync()
        assert view.stats.waiting == 7 and round(view.scroll_y) == 0  # paused: the view stays where it was
        await pilot.press("G")  # bottom: following again, nothing waits
        assert view.following and view.stats.waiting == 0
        assert view.visible_lines()[-1].plain == "new 6"


async def test_service_and_container_row_targets(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        # A Service: every pod its selector picks (api-preview selects the green pods).
        await pilot.press("colon", *"svc", "enter")
        await wait_until(pilot, lambda: "api-preview" in names(app, "resources"), 10, "services")
        table(app, "resources").select_key(row(app, "resources", "api-preview").uid)
        await pilot.press("l")
        panel = panel_of(app)
        assert panel.target.kind == "Service" and panel.target.selector == {"matchLabels": {"app": "api",
                                                                                           "version": "green"}}
        await wait_until(pilot, lambda: len(seqs_by_source(panel)) == 3, 10, "the three green pods")
        assert all(src.pod.startswith("api-green-") for src in panel.session.sources)
        await pilot.press("escape", "escape")
        # A container row (pod → enter → containers → l).
        pod = running_pod(demo, "shop", "app=frontend")
        await pilot.press("colon", *"pods", "enter")
        await wait_until(pilot, lambda: pod in names(app, "resources"), 10, "pods")
        table(app, "resources").select_key(row(app, "resources", pod).uid)
        await pilot.press("enter")
        await wait_until(pilot, lambda: names(app, "containers") == ["frontend"], 10, "the container row")
        await pilot.press("l")
        panel = panel_of(app)
        assert panel.target.single_pod and panel.target.containers == ("frontend",)
        await wait_until(pilot, lambda: real_lines(panel), 10, "the container's lines")
        await pilot.press("question_mark")
        keys = {description for _, description in app.screen.rows}
        assert {"Follow/pause", "Timestamps", "Wrap", "Copy line", "Previous", "Save", "Search", "Filter",
                "Next match", "Previous match", "Level", "JSON view", "Fields", "Pods"} <= keys


class TaggedLogHarness(LogHarness):
    """Two pods' lines, tagged with their pod names as a workload's logs are."""

    TAGS = {0: ("web-7d9f8-abcde", "cyan"), 1: ("worker-5c6b7-xyz12", "magenta")}

    def compose(self) -> ComposeResult:
        yield LogView(self.buffer, poll=False, tags=self.TAGS.get, id="log")


def painted_cells(view: LogView, y: int) -> list[tuple[str, Any]]:
    """Row ``y`` of the view as painted: one (character, style) per cell."""
    return [(ch, seg.style) for seg in view.render_line(y) for ch in seg.text]


def expected_cells(view: LogView, line: Any) -> list[tuple[str, Any]]:
    """What a one-row line must look like: ``line_text`` (prefix, colours, highlights) rendered by Rich on the
    view's own style, cropped or padded to the view's width (no horizontal scroll)."""
    text = view.line_text(line)
    text.stylize_before(view.rich_style)
    cells = [(ch, seg.style) for seg in text.render(view.app.console) for ch in seg.text]
    width = view.scrollable_content_region.width
    return (cells + [(" ", view.rich_style)] * width)[:width]


async def test_painted_lines_stay_right_as_timestamps_search_new_lines_and_wrap_change():
    """Each look is painted exactly as the line's Text says, whatever was cached for the look before it:
    the bodies of lines are kept apart from their tag and timestamp, so ``t`` re-renders only the prefix."""
    lines = [b"GET /api/orders 200 12ms seq=1", b"\x1b[31mERROR\x1b[0m payment timeout seq=2",
             b"a long line " + b"x" * 120 + b" seq=3", b"GET /healthz 200 1ms seq=4"]
    app = TaggedLogHarness([])
    for i, raw in enumerate(lines):
        app.buffer.append(parse_line(b"2026-01-02T03:04:%02d.123456789Z " % i + raw, i % 2))
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        view.sync()
        view.focus()
        await pilot.pause()

        def check(expect_ts: bool) -> list[str]:
            shown = view.visible_lines()
            assert shown, "no line on screen"
            for y, line in enumerate(shown):
                assert painted_cells(view, y) == expected_cells(view, line), f"row {y} in this look"
            rows = [view.render_line(y).text for y in range(len(shown))]
            assert all(("2026-01-02T03:0" in row) is expect_ts for row in rows)
            return rows

        rows = check(expect_ts=False)
        assert rows[0].startswith("web-7d9f8-abcde    GET /api/orders")  # the tag, padded to the widest
        await pilot.press("t")
        rows = check(expect_ts=True)
        assert rows[1].startswith("worker-5c6b7-xyz12 2026-01-02T03:04:01.123Z ERROR payment timeout")
        assert view.render_line(0).text.rstrip().endswith("seq=1")
        view.set_search(LineFilter.parse("timeout|healthz", allow_invert=False))  # highlighted, timestamps on
        search_bg = view.get_component_rich_style("log-view--search").bgcolor
        await pilot.press("G")
        check(expect_ts=True)
        assert [seg.text for seg in view.render_line(1) if seg.style.bgcolor == search_bg] == ["timeout"]
        await pilot.press("t")  # off again: same bodies, same highlights, no timestamp
        rows = check(expect_ts=False)
        assert [seg.text for seg in view.render_line(1) if seg.style.bgcolor == search_bg] == ["timeout"]
        app.buffer.extend([parse_line(b"2026-01-02T03:05:00.000000000Z GET /healthz 200 2ms seq=5", 1)])
        view.sync()
        await pilot.pause()
        rows = check(expect_ts=False)
        assert rows[-1].startswith("worker-5c6b7-xyz12 GET /healthz 200 2ms seq=5")
        await pilot.press("t")  # on again, with the line that arrived while they were off
        rows = check(expect_ts=True)
        assert rows[-1].startswith("worker-5c6b7-xyz12 2026-01-02T03:05:00.000Z GET /healthz")
        await pilot.press("W")  # wrap: the long line's continuation rows are indented past tag and timestamp
        long_body = lines[2].decode()
        for prefix in (19 + 25, 19):  # tag and timestamp; then, after t, the tag only
            avail = view.scrollable_content_region.width - prefix
            pieces = -(-len(long_body) // avail)
            assert pieces > 1 and view.virtual_size.height == len(view.shown_lines()) - 1 + pieces
            wrapped = [view.render_line(y).text.rstrip() for y in range(2, 2 + pieces)]
            assert wrapped[0].startswith("web-7d9f8-abcde ")
            assert all(row.startswith(" " * prefix) for row in wrapped[1:])
            assert "".join(row[prefix:] for row in wrapped) == long_body  # cut at the width, nothing lost
            await pilot.press("t")  # timestamps off while wrapped: the same line in fewer, wider pieces
