"""KeyGate: keys typed quickly reach the widget and screen the user will see, in the order typed.

Why: Textual forwards each key to the widget focused *when the key is taken from the app's queue*, but what a
key does happens later: a key bubbles to the app through every ancestor's message queue before the app's key
bindings run, a new screen mounts in its own task, and ``Widget.focus`` is deferred with ``call_later``. Keys
already queued behind one that changes focus or screen are forwarded in between, to whatever had focus
before: ``esc`` then ``:deploy`` typed quickly ran ``d`` (describe) on the old screen.

So the app dispatches one key at a time. After dispatching a key it *holds* the gate until that key has been
handled all the way up: it came back to the app, whose bindings have run, or (for a key a widget stopped) a
callback that followed it through the queue of its target and of each ancestor reached the app. A screen push, pop or switch holds it until the new screen is mounted and
has handled what was queued for it. While anything holds the gate, key events are buffered; when the last
hold is released the buffer is replayed in order, one key at a time. A single key press is dispatched at
once, so this adds no latency to typing at human speed; only keys queued behind another wait for it.

A hold is released after ``MAX_HOLD`` seconds whatever happens, so a screen that never settles cannot swallow
the keyboard; ``ctrl+c`` is never held.

The Textual internals this depends on (how ``App.on_event`` forwards keys, a screen's ``_mounted_event``) are
used here only; tests/ui/test_key_routing.py covers them.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from textual import events
from textual.dom import DOMNode
from textual.screen import Screen

MAX_HOLD = 3.0
NEVER_HELD = frozenset({"ctrl+c"})


class KeyGate:
    """Buffers key events while an earlier key or a screen change is still being handled."""

    def __init__(self, app: Any, dispatch: Callable[[events.Key], Awaitable[None]]) -> None:
        self._app = app
        self._dispatch = dispatch  # the app's normal key handling (Textual's App.on_event)
        self._holds: dict[int, tuple[str, asyncio.TimerHandle | None]] = {}
        self._ids = itertools.count(1)
        self._buffer: deque[events.Key] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: dict[events.Key, int] = {}  # a dispatched key -> its hold

    @property
    def held(self) -> bool:
        return bool(self._holds)

    # -- holds ------------------------------------------------------------------------------------
    def hold(self, reason: str) -> int:
        """Start holding keys; returns the token for ``release``."""
        token = next(self._ids)
        try:
            timer = asyncio.get_running_loop().call_later(MAX_HOLD, self._expire, token)
        except RuntimeError:  # no loop (app not running): nothing to release later
            timer = None
        self._holds[token] = (reason, timer)
        return token

    def release(self, token: int) -> None:
        entry = self._holds.pop(token, None)
        if entry is None:
            return
        if self._in_flight:
            self._in_flight = {e: t for e, t in self._in_flight.items() if t != token}
        if entry[1] is not None:
            entry[1].cancel()
        if not self._holds and self._buffer and not self._app.call_later(self._replay):
            self._buffer.clear()  # the app is closing: nobody to give the keys to

    def _expire(self, token: int) -> None:
        if token in self._holds:
            self._app.log.warning(f"key gate: {self._holds[token][0]!r} did not settle in {MAX_HOLD}s")
            self.release(token)

    def _release_after(self, nodes: Sequence[DOMNode], token: int) -> None:
        """Release ``token`` once each node in turn has handled everything queued for it so far."""
        for index, node in enumerate(nodes):
            if node.call_later(self._release_after, nodes[index + 1:], token):
                return
        self.release(token)

    def hold_until_settled(self, screen: Screen | None, reason: str) -> None:
        """Hold until ``screen`` (the one now on top) is mounted and has handled its queued messages (its
        ScreenResume sets the focus), then until the app has run its queued callbacks (deferred focus)."""
        token = self.hold(reason)
        if screen is None or screen.is_mounted:
            self._release_after([screen, self._app] if screen is not None else [self._app], token)
            return

        async def after_mount() -> None:
            await screen._mounted_event.wait()  # Textual internals: set after the screen's compose and Mount
            self._release_after([screen, self._app], token)

        task = asyncio.get_running_loop().create_task(after_mount(), name="key gate: screen mounted")
        self._tasks.add(task)  # keep a reference until done
        task.add_done_callback(self._tasks.discard)

    # -- keys -------------------------------------------------------------------------------------
    async def on_key(self, event: events.Key) -> None:
        """Every key event the terminal sends (not yet forwarded to a widget) comes here."""
        if event.key in NEVER_HELD:
            await self._dispatch(event)
        elif self._holds or self._buffer:
            self._buffer.append(event)
        else:
            await self._dispatch_one(event)

    async def _dispatch_one(self, event: events.Key) -> None:
        token = self.hold(f"key {event.key}")
        target = self._app.focused or self._app.screen  # where Textual forwards it
        self._in_flight[event] = token
        try:
            await self._dispatch(event)
        finally:
            self._release_after(list(target.ancestors_with_self), token)

    def bubbled(self, event: events.Key) -> None:
        """``event`` came back up to the app, whose bindings have now run: that key is done."""
        token = self._in_flight.pop(event, None)
        if token is not None:
            self.release(token)

    async def _replay(self) -> None:
        if self._buffer and not self._holds:
            await self._dispatch_one(self._buffer.popleft())
