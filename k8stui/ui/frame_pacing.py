"""A frame after a quiet spell comes within one frame interval of the last one, not two (a Textual off-by-one).

Textual paints a screen from a timer (``screen_update``, 60 a second) that is paused while nothing changes and
resumed by the next change. After a pause, ``Timer._run`` ticks at once, then catches up with
``count = int((now - start) / interval + 1)`` and waits for ``start + (count + 1) * interval``: the grid point
*after* the next one. So the frame that follows any other frame came 16.7-33 ms after it instead of at most
16.7 ms. Following the logs of a 5,000-pod Deployment, a sync paints ten times a second, and a key pressed just
after one waited ~33 ms for its own frame (in a real terminal, half of the presses: 32-40 ms from the previous
frame's start to the key's, though the key's handler had finished within ~15 ms).

``install`` gives Textual's ``Timer`` a ``_run`` that is the same loop with the catch-up on the next grid point,
for the ``screen_update`` timers only (every other timer runs Textual's own). It is the one place this app
replaces a Textual internal; tests/ui/test_frame_pacing.py checks the arithmetic, that the method replaced is the
one this was written against (so a Textual upgrade that changes or fixes it fails loudly), and that frames
come on the grid after a quiet spell.
"""

from __future__ import annotations

from textual import _time
from textual.timer import EventTargetGone, Timer

SCREEN_UPDATE = "screen_update"  # the name Textual gives each screen's frame timer
# The names the ``Timer._run`` this replaces (textual 8.2.x) uses: another one is not replaced (checked at start in
# microseconds; the test compares the whole source).
REPLACED_RUN_NAMES = (
    ("_repeat", "_interval", "_active", "wait", "_time", "get_time", "_skip", "int", "max", "sleep", "_reset",
     "_tick", "EventTargetGone"),
    ("self", "count", "_repeat", "_interval", "start", "next_timer", "now", "wait_time"),
)

_textual_run = Timer._run


def next_tick(start: float, now: float, interval: float) -> tuple[int, float]:
    """(ticks counted, time of the next tick) for a timer started at ``start`` that fell behind: the first grid
    point after ``now`` (Textual waits for the one after it)."""
    count = int((now - start) / interval)
    return count, start + (count + 1) * interval


async def _run(self: Timer) -> None:
    """Textual's ``Timer._run`` (textual 8.2) with the catch-up of ``next_tick``."""
    if self.name != SCREEN_UPDATE:
        await _textual_run(self)
        return
    count = 0
    _repeat = self._repeat
    _interval = self._interval
    await self._active.wait()
    start = _time.get_time()
    while _repeat is None or count <= _repeat:
        next_timer = start + ((count + 1) * _interval)
        now = _time.get_time()
        if self._skip and next_timer < now:
            count, next_timer = next_tick(start, now, _interval)
        await _time.sleep(max(0, next_timer - _time.get_time()))
        count += 1
        await self._active.wait()
        if self._reset:
            start = _time.get_time()
            count = 0
            self._reset = False
            continue
        try:
            await self._tick(next_timer=next_timer, count=count)
        except EventTargetGone:
            break


def install() -> bool:
    """Pace screen frames with ``next_tick``; False (nothing replaced) if Textual's ``Timer._run`` is not the one
    this was written against."""
    if Timer._run is _run:
        return True
    code = _textual_run.__code__
    if (code.co_names, code.co_varnames) != REPLACED_RUN_NAMES:
        return False
    Timer._run = _run  # type: ignore[method-assign]
    return True


__all__ = ["install", "next_tick"]
