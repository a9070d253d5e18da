"""frame_pacing: a screen's frame after a quiet spell comes on the next tick of its 60 Hz grid, not the one after
(Textual's catch-up skipped one, so a key pressed just after a frame waited up to 33 ms for its own)."""

from __future__ import annotations

import hashlib
import inspect
import time

from textual.app import App, ComposeResult
from textual.screen import UPDATE_PERIOD
from textual.timer import Timer
from textual.widget import Widget

from k8stui.ui import frame_pacing

from .helpers import wait_until

# sha256 of textual 8.2's Timer._run: if Textual changes it (or fixes the catch-up), look at frame_pacing again.
TEXTUAL_RUN_SHA256 = "60c942a84c1a8765932ea4fe897d61a94d0a74dcd249ec0b4a6aad75757ade50"


def test_the_catch_up_waits_for_the_next_grid_point_only():
    interval = 1 / 60
    for behind in (0.3, 1.0, 10.3, 1000.99):  # intervals since the timer started
        now = behind * interval
        count, next_tick = frame_pacing.next_tick(0.0, now, interval)
        assert now < next_tick <= now + interval
        assert abs(next_tick / interval - round(next_tick / interval)) < 1e-6  # on the grid
        assert count == int(behind)


def test_the_replaced_method_is_the_one_it_was_written_against():
    replaced = inspect.getsource(frame_pacing._textual_run)
    assert hashlib.sha256(replaced.encode()).hexdigest() == TEXTUAL_RUN_SHA256
    assert "count = int((now - start) / _interval + 1)" in replaced  # the off-by-one, still there
    assert frame_pacing.install() and Timer._run is frame_pacing._run


class Painted(Widget):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[float] = []
        self.change_after_frame = False

    def render(self) -> str:
        self.frames.append(time.perf_counter())
        if self.change_after_frame:  # a change right after this frame (as a key pressed just after a sync's)
            self.change_after_frame = False
            self.call_later(self.refresh)
        return f"frame {len(self.frames)}"


class PacedApp(App):
    def compose(self) -> ComposeResult:
        yield Painted()


async def test_a_change_right_after_a_frame_is_painted_within_one_frame_interval():
    frame_pacing.install()
    app = PacedApp()
    async with app.run_test(size=(40, 5)) as pilot:
        widget = app.query_one(Painted)
        gaps = []
        for _ in range(6):
            await wait_until(pilot, lambda: time.perf_counter() - widget.frames[-1] > 3 * UPDATE_PERIOD, 5, "quiet")
            painted = len(widget.frames)
            widget.change_after_frame = True
            widget.refresh()  # after a quiet spell: painted at once, and changed right after that frame
            await wait_until(pilot, lambda painted=painted: len(widget.frames) >= painted + 2, 5, "two frames")
            gaps.append(widget.frames[painted + 1] - widget.frames[painted])
        # On the next tick of the grid: within one interval (Textual's own catch-up: never under one, up to two).
        assert min(gaps) < UPDATE_PERIOD, [round(g * 1000, 1) for g in gaps]
