"""ResourceView as a user sees it, on a model fed with synthetic pod objects (no cluster needed): a 10k-row
table scrolls to its last row on screen with end, pagedown and the mouse wheel with the cursor always on
screen; values that grow after the first paint are shown whole; headers mark and change the sort; a value is
never cut without an ellipsis, at any width."""

from __future__ import annotations

import random
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult

from k8stui import clock
from k8stui.cluster.rows import pod_row
from k8stui.cluster.table_model import Cell, TableModel
from k8stui.ui.columns import POD_COLUMNS
from k8stui.ui.widgets.pane import Pane
from k8stui.ui.widgets.resource_view import ELLIPSIS, ResourceView, fit_widths, window

from .helpers import wait_until

NOW = 1_800_000_000.0


def pod(i: int, *, status: str = "Running", created: float = NOW - 30, restarts: int = 0) -> dict[str, Any]:
    """A pod object as the API server lists it (only what the pods table reads)."""
    waiting = {"waiting": {"reason": status}} if status != "Running" else {"running": {"startedAt": "x"}}
    stamp = clock_text(created)
    return {
        "metadata": {"name": f"web-{i:05d}", "namespace": "shop", "uid": f"uid-{i:05d}",
                     "creationTimestamp": stamp},
        "spec": {"nodeName": f"node-{i % 7}", "containers": [{"name": "web", "image": "web:1",
                                                               "resources": {"requests": {"cpu": "100m"}}}]},
        "status": {"phase": "Running", "podIP": f"10.0.{i // 250}.{i % 250}",
                   "containerStatuses": [{"name": "web", "ready": status == "Running", "restartCount": restarts,
                                          "state": waiting}]},
    }


def clock_text(epoch: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod_model(count: int) -> TableModel[Any]:
    model: TableModel[Any] = TableModel(POD_COLUMNS, key_of=lambda r: r.uid)
    model.upsert(pod_row(pod(i)) for i in range(count))
    return model


class TableApp(App):
    def __init__(self, model: TableModel[Any]) -> None:
        super().__init__()
        self.model = model
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield ResourceView(self.model, id="table")

    def on_mount(self) -> None:
        self.query_one(ResourceView).focus()

    def on_resource_view_row_selected(self, message: ResourceView.RowSelected) -> None:
        self.selected.append(message.key)


class PaneApp(App):
    """The view as screens hold it: in a Pane, whose border shows the row count."""

    def __init__(self, model: TableModel[Any]) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield Pane("pods", ResourceView(self.model, id="table"))

    def on_mount(self) -> None:
        self.query_one(ResourceView).focus()


@pytest.fixture
def frozen_now():
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def view_of(app: App) -> ResourceView:
    return app.query_one(ResourceView)


def cursor_on_screen(view: ResourceView) -> bool:
    """The row under the cursor is painted, in the cursor's style, on a line of the viewport."""
    name = view.current_row().name
    cursor_bg = view.get_component_rich_style("resource-view--cursor").bgcolor
    for y, text in enumerate(view.painted_lines()):
        if f" {name} " in text:
            styles = {seg.style.bgcolor for seg in view.render_line(y) if seg.text.strip()}
            return styles == {cursor_bg}
    return False


def last_painted_row(view: ResourceView) -> str:
    rows = [line for line in view.painted_lines()[1:] if line.strip()]
    return rows[-1].split()[0]


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_10k_rows_reach_the_last_row_on_screen_with_end_pagedown_and_the_wheel(frozen_now, size):
    n = 10_000
    app = TableApp(pod_model(n))
    async with app.run_test(size=size) as pilot:
        view = view_of(app)
        await pilot.pause()
        assert view.painted_lines()[1].split()[0] == "web-00000" and cursor_on_screen(view)
        # end: the last row is painted, under the cursor
        await pilot.press("end")
        assert last_painted_row(view) == "web-09999" and cursor_on_screen(view)
        assert view.current_row().name == "web-09999"
        # home, then pagedown: a page at a time, the cursor painted on every page
        await pilot.press("home")
        assert view.painted_lines()[1].split()[0] == "web-00000"
        for _ in range(3):
            before = view.cursor_row
            await pilot.press("pagedown")
            assert view.cursor_row - before == view.scrollable_content_region.height - 1
            assert cursor_on_screen(view)
        # pagedown from near the end reaches the last row on screen
        view.select_key("uid-09950")
        await pilot.pause()
        assert cursor_on_screen(view)
        for _ in range(5):
            await pilot.press("pagedown")
        assert last_painted_row(view) == "web-09999" and cursor_on_screen(view)
        # down past the screen keeps the cursor on screen
        await pilot.press("home", *["down"] * (size[1] + 5))
        assert view.cursor_row == size[1] + 5 and cursor_on_screen(view)
        # the wheel scrolls the rows and drags the cursor along, down to the last row
        await pilot.press("home")
        first = view.painted_lines()[1]
        for _ in range(3):
            view.post_message(events.MouseScrollDown(view, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert view.painted_lines()[1] != first and cursor_on_screen(view)
        view.select_key("uid-09900")
        await pilot.pause()
        for _ in range(60):
            view.post_message(events.MouseScrollDown(view, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert last_painted_row(view) == "web-09999" and cursor_on_screen(view)


async def test_rows_that_come_and_go_below_the_screen_are_reachable_and_counted(frozen_now):
    """The scroll range follows the row count without a screen relayout (``scroll_range``): rows added after
    the first paint are reached with end and the scrollbar, rows removed leave no blank range behind."""
    model = pod_model(100)
    app = PaneApp(model)
    async with app.run_test(size=(100, 14)) as pilot:
        view = view_of(app)
        await pilot.pause()
        model.upsert(pod_row(pod(i)) for i in range(100, 150))
        await pilot.pause()
        assert view.summary == "150" and app.query_one(Pane).border_subtitle == "150"
        assert view.max_scroll_y == 150 + 1 - view.scrollable_content_region.height
        await pilot.press("end")
        assert last_painted_row(view) == "web-00149" and cursor_on_screen(view)
        model.apply((f"uid-{i:05d}", None) for i in range(120, 150))
        await pilot.pause()
        assert view.summary == "120"
        assert view.max_scroll_y == 120 + 1 - view.scrollable_content_region.height
        assert last_painted_row(view) == "web-00119" and cursor_on_screen(view)


async def test_a_value_grown_after_the_first_paint_is_shown_whole(frozen_now):
    model = pod_model(20)
    app = TableApp(model)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        assert "Running" in view_of(app).painted_lines()[1]
        model.apply([("uid-00003", pod_row(pod(3, status="CrashLoopBackOff", restarts=4)))])
        await pilot.pause()
        line = next(line for line in view_of(app).painted_lines() if "web-00003" in line)
        assert " CrashLoopBackOff " in line and ELLIPSIS not in line
        # an age grows from 59s to 2m12s while the table is open: the column widens, the age is whole
        model.apply([("uid-00004", pod_row(pod(4, created=NOW - 59)))])
        await pilot.pause()
        clock.freeze(NOW - 59 + 132)

        def age_line() -> str:
            return next(line for line in view_of(app).painted_lines() if "web-00004" in line)
        # the view renders the ages on screen again every second
        await wait_until(pilot, lambda: age_line().rstrip().endswith(" 2m12s"), 10, "the grown age on screen")
        assert ELLIPSIS not in age_line()


async def test_header_click_sorts_and_marks_the_column(frozen_now):
    model = pod_model(0)
    model.upsert(pod_row(pod(i, restarts=r)) for i, r in ((1, 5), (2, 0), (3, 12)))
    app = TableApp(model)
    async with app.run_test(size=(120, 10)) as pilot:
        view = view_of(app)
        await pilot.pause()
        assert view.painted_lines()[0].split()[:2] == ["NAME", "▲"]
        x = view.painted_lines()[0].index("RESTARTS")
        await pilot.click(view, offset=(x, 0))
        header = view.painted_lines()[0]
        assert "RESTARTS ▲" in header and "NAME ▲" not in header
        assert [line.split()[0] for line in view.painted_lines()[1:4]] == ["web-00002", "web-00001", "web-00003"]
        await pilot.click(view, offset=(x, 0))
        assert "RESTARTS ▼" in view.painted_lines()[0]
        assert [line.split()[0] for line in view.painted_lines()[1:4]] == ["web-00003", "web-00001", "web-00002"]
        # a click on a row moves the cursor there (even on the cursor's row it does nothing more); a double
        # click selects
        await pilot.click(view, offset=(3, 2))
        assert view.current_row().name == "web-00001" and not app.selected
        await pilot.click(view, offset=(3, 2))
        assert not app.selected
        await pilot.double_click(view, offset=(3, 3))
        assert view.current_row().name == "web-00002" and app.selected == ["uid-00002"]


async def test_a_filter_that_hides_every_row_says_so(frozen_now):
    model = pod_model(5)
    app = TableApp(model)
    async with app.run_test(size=(100, 10)) as pilot:
        model.set_filter("nothing-like-this")
        await pilot.pause()
        assert "no row matches \"nothing-like-this\"" in view_of(app).painted_lines()[1]
        assert view_of(app).summary == '0/5 match "nothing-like-this"'


def test_fit_widths_shrinks_flex_columns_widest_first_and_never_below_their_floor():
    assert fit_widths([10, 40, 5], [False, True, False], [4, 7, 5], 80) == [10, 40, 5]
    assert fit_widths([10, 40, 30], [False, True, True], [4, 7, 6], 66) == [10, 25, 25]
    assert fit_widths([10, 40, 5], [False, True, False], [4, 7, 5], 20) == [10, 12, 5]  # then it scrolls
    assert fit_widths([10, 40, 30], [0, 1, 2], [4, 7, 6], 66) == [10, 38, 12]  # level 2 gives up space first


def test_window_cuts_with_an_ellipsis_and_only_when_cut():
    assert window("Running", 16, 0, 16) == [("Running", ""), (" " * 9, "")]
    assert window("CrashLoopBackOff", 10, 0, 10) == [("CrashLoop", ""), (ELLIPSIS, "")]
    assert window("CrashLoopBackOff", 16, 0, 5) == [("Cras", ""), (ELLIPSIS, "")]  # the view's right edge
    assert window("CrashLoopBackOff", 16, 5, 16) == [(ELLIPSIS, ""), ("oopBackOff", "")]  # scrolled sideways
    bar = Cell("██░░ 50% 1/2", "", ((0, 2, "green"), (2, 4, "dim")))
    assert "".join(t for t, _ in window(bar, 12, 0, 12)) == "██░░ 50% 1/2"
    assert window(bar, 6, 0, 6) == [("██", " green"[1:]), ("░░", "dim"), (" ", ""), (ELLIPSIS, "")]
    assert window("名前名前", 5, 0, 5) == [("名前", ""), (ELLIPSIS, "")]


@pytest.mark.parametrize("width", [24, 37, 61, 80])
async def test_no_value_is_painted_cut_without_an_ellipsis(frozen_now, width):
    """At any width, every painted cell is its whole value, or a part of it that ends/starts with '…'."""
    rnd = random.Random(width)
    model = pod_model(0)
    model.upsert(pod_row(pod(i, status=rnd.choice(["Running", "CrashLoopBackOff", "ImagePullBackOff"]),
                             restarts=rnd.randint(0, 30))) for i in range(30))
    app = TableApp(model)
    async with app.run_test(size=(width, 34)) as pilot:
        view = view_of(app)
        for scroll_x in (0, 7, 19):
            view.scroll_to(x=scroll_x, animate=False, force=True)
            await pilot.pause()
            layout = view._layout  # the columns' places, to cut the painted line into cells
            visible = view.scrollable_content_region.width
            for y, line in enumerate(view.painted_lines()[1:], start=0):
                if not line.strip():
                    continue
                key = model.key_at(view._top() + y)
                for value, start, w in zip(model.cells(key), layout.starts, layout.widths, strict=True):
                    lo, hi = max(start, int(view.scroll_x)), min(start + w, int(view.scroll_x) + visible)
                    if hi <= lo:
                        continue
                    shown = line[lo - int(view.scroll_x):hi - int(view.scroll_x)].rstrip()
                    text = value if isinstance(value, str) else value.text
                    if shown and shown != text:
                        assert ELLIPSIS in shown and shown.strip(ELLIPSIS) in text, (shown, text)


async def test_the_cursor_stays_on_its_row_across_updates_sorts_and_filters(frozen_now):
    model = pod_model(200)
    app = TableApp(model)
    async with app.run_test(size=(120, 20)) as pilot:
        view = view_of(app)
        view.select_key("uid-00100")
        await pilot.pause()
        line = next(y for y, text in enumerate(view.painted_lines()) if "web-00100" in text)
        # rows arrive above it: the same pod stays under the cursor, on the same screen line
        model.upsert(pod_row(pod(i)) for i in range(-5, 0))
        await pilot.pause()
        assert view.current_row().name == "web-00100" and "web-00100" in view.painted_lines()[line]
        assert cursor_on_screen(view)
        # sorted by another column and back: still the same pod, on screen
        model.set_sort("ip", reverse=True)
        await pilot.pause()
        assert view.current_row().name == "web-00100" and cursor_on_screen(view)
        # filtered: kept when it matches; when it goes, the cursor takes the row now at its place
        view.set_filter("web-001")
        await pilot.pause()
        assert view.current_row().name == "web-00100" and cursor_on_screen(view)
        model.apply([("uid-00100", None)])
        await pilot.pause()
        assert view.current_row() is not None and view.current_row().name != "web-00100"
        assert cursor_on_screen(view)


async def test_ages_move_on_a_few_rows_a_frame_until_every_row_on_screen_shows_its_new_age(frozen_now):
    # A screen of young pods changes every age each second; rendered at once that was a 20-30 ms frame every
    # second at 50k pods under churn (the key p99). The ages ripple over a few frames instead.
    from k8stui.ui.widgets.resource_view import AGE_ROWS_PER_FRAME

    app = TableApp(pod_model(200))
    async with app.run_test(size=(120, 48)) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: "30s" in " ".join(view.painted_lines()), 5, "the first paint")
        shown = len(list(view.keys_in_view()))
        assert shown > AGE_ROWS_PER_FRAME
        batches: list[int] = []
        rerender = view.model.rerender
        view.model.rerender = lambda keys=None: (batches.append(len(list(keys))), rerender(keys))[1]
        clock.freeze(NOW + 60)
        view._refresh_ages()
        await wait_until(pilot, lambda: all(" 90s " in line or " 1m30s " in line
                                            for line in view.painted_lines()[1:] if line.strip()),
                         5, "every row on screen a minute older")
        assert sum(batches) == shown and max(batches) <= AGE_ROWS_PER_FRAME, batches
