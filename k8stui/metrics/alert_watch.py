"""The alerts firing right now, for the whole app: the header's count and the dashboard's row marking.

One background poll (``Poller``) of Prometheus (and AlertManager when configured) for the app's lifetime —
not one per screen — whose results are handed to the app's event loop and kept as ``latest``; listeners
(the dashboard) are called there. A failed poll keeps the last good alerts and says so (``error``).
No Textual here: the loop is asyncio's.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the watch starts: the app makes its AlertWatch before its first frame
    from .alerts import Alert, AlertsResult
    from .poller import Poller, PollResult
    from .source import PrometheusEndpoint

INTERVAL = 5.0

Listener = Callable[["AlertWatch"], None]


class AlertWatch:
    """Polls the alert sources in a thread; ``firing`` and ``error`` are read on the loop."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.latest: AlertsResult | None = None
        self.error = ""
        self._poller: Poller[AlertsResult] | None = None
        self._listeners: list[Listener] = []
        self._generation = 0

    @property
    def running(self) -> bool:
        return self._poller is not None

    @property
    def firing(self) -> tuple[Alert, ...]:
        latest = self.latest
        return tuple(a for a in latest.alerts if a.state == "firing") if latest is not None else ()

    def start(self, prometheus: PrometheusEndpoint, alertmanager: PrometheusEndpoint | None,
              loop: asyncio.AbstractEventLoop) -> None:
        """Poll these sources from now on (replacing any earlier ones); results are delivered on ``loop``, in the
        context of the caller (listeners see the context variables of whoever started the watch — for the app,
        its active app, so a listener may start timers and post messages)."""
        from .alerts import fetch_alerts
        from .poller import Poller

        self.stop()
        self._generation += 1
        generation = self._generation
        context = contextvars.copy_context()

        def deliver(result: PollResult[AlertsResult]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed while the app was exiting
                loop.call_soon_threadsafe(self._delivered, generation, result, context=context)

        self._poller = Poller(lambda: fetch_alerts(prometheus, alertmanager), deliver, interval=self.interval,
                              name="k8stui-alert-watch")
        self._poller.start()

    def stop(self) -> None:
        poller, self._poller = self._poller, None
        self._generation += 1
        if poller is not None:
            poller.stop(timeout=0.2)
        if self.latest is not None or self.error:
            self.latest, self.error = None, ""
            self._notify()

    def poke(self) -> None:
        if self._poller is not None:
            self._poller.poke()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _delivered(self, generation: int, result: PollResult[AlertsResult]) -> None:
        from .poller import PollState

        if generation != self._generation:
            return  # a poll of sources that were replaced meanwhile
        if result.state is PollState.OK and result.value is not None:
            changed = self.latest is None or self.latest.alerts != result.value.alerts or self.error
            self.latest, self.error = result.value, ""
        else:
            changed = self.error != result.error
            self.error = result.error
        if changed:
            self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self)


__all__ = ["AlertWatch"]
