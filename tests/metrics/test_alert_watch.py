"""The app-wide AlertWatch polls in a thread and calls its listeners on the loop, in the context of whoever
started it: a listener of the app must see Textual's active app (or a timer it starts never fires)."""

from __future__ import annotations

import asyncio
import contextvars

from k8stui.metrics.alert_watch import AlertWatch
from k8stui.metrics.source import PrometheusEndpoint

STARTER: contextvars.ContextVar[str] = contextvars.ContextVar("starter", default="none")


async def test_listeners_run_on_the_loop_in_the_starters_context():
    watch = AlertWatch(interval=30)
    seen: asyncio.Future[tuple[str, str, bool]] = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()

    def listener(w: AlertWatch) -> None:
        if not seen.done():
            seen.set_result((STARTER.get(), w.error, asyncio.get_running_loop() is loop))

    watch.subscribe(listener)
    STARTER.set("the app")
    watch.start(PrometheusEndpoint("http://127.0.0.1:9", "http://127.0.0.1:9", timeout=2), None, loop)
    try:
        starter, error, on_loop = await asyncio.wait_for(seen, 30)  # port 9 refuses: the first poll fails
    finally:
        watch.stop()
    assert starter == "the app" and on_loop
    assert "connection refused" in error and "\n" not in error
