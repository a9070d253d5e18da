"""Refresh on an interval in a background thread; back off while the source is down or slow.

A ``Poller`` runs ``fetch()`` (blocking: Prometheus or metrics.k8s.io queries) in its own daemon thread,
hands each outcome to ``deliver`` as a ``PollResult`` (state OK or UNREACHABLE, the value or a one-line error,
when it will try again), and sleeps ``interval`` seconds after a success or an exponentially growing,
jittered delay after failures. ``poke()`` refreshes now (new selection, new range); ``set_fetch`` swaps
what is fetched and drops a result still in flight for the old one. Nothing here knows about Textual:
``deliver`` is expected to be thread-safe (e.g. ``widget.post_message``).
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..backoff import jittered_backoff
from .errors import MetricsError, one_line

T = TypeVar("T")

DEFAULT_INTERVAL = 5.0
BACKOFF_BASE = 1.0
BACKOFF_MAX = 30.0


class PollState(enum.Enum):
    CONNECTING = "connecting"
    OK = "ok"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class PollResult(Generic[T]):
    """The outcome of one refresh."""

    state: PollState
    value: T | None = None
    error: str = ""
    failures: int = 0  # consecutive failures so far
    retry_in: float = 0.0  # seconds until the next attempt
    took: float = 0.0  # seconds the fetch took
    at: float = 0.0  # wall clock time of the result


def backoff_delay(failures: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX,
                  rng: random.Random | None = None) -> float:
    """``base * 2^(failures-1)`` capped at ``cap``, minus up to 20 % jitter (so many clients spread out)."""
    return jittered_backoff(failures - 1, base, cap, jitter=0.2, rng=rng)


class Poller(Generic[T]):
    """One background refresh loop."""

    def __init__(self, fetch: Callable[[], T], deliver: Callable[[PollResult[T]], object], *,
                 interval: float = DEFAULT_INTERVAL, backoff_base: float = BACKOFF_BASE,
                 backoff_max: float = BACKOFF_MAX, name: str = "k8stui-metrics") -> None:
        self._fetch = fetch
        self._deliver = deliver
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.name = name
        self.failures = 0
        self.polls = 0
        self._generation = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._paused = False
        self._thread: threading.Thread | None = None
        self._rng = random.Random()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the loop; waits up to ``timeout`` for a fetch in flight (it is abandoned after that)."""
        self._stopped.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def poke(self) -> None:
        """Refresh now (also ends a back-off wait early)."""
        self._wake.set()

    def pause(self) -> None:
        """Stop fetching until ``resume`` (e.g. while the screen is hidden)."""
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._wake.set()

    def set_fetch(self, fetch: Callable[[], T]) -> None:
        """Fetch something else from now on, starting immediately."""
        with self._lock:
            self._fetch = fetch
            self._generation += 1
            self.failures = 0
        self._wake.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            if self._paused:
                self._wake.wait()
                self._wake.clear()
                continue
            self._wake.clear()
            with self._lock:
                fetch, generation = self._fetch, self._generation
            started = time.monotonic()
            try:
                value = fetch()
            except Exception as exc:  # every failure is one line on screen, never a traceback
                message = str(exc) if isinstance(exc, MetricsError) else one_line(f"internal error: {exc!r}")
                with self._lock:
                    if generation != self._generation:
                        continue
                    self.failures += 1
                    failures = self.failures
                delay = backoff_delay(failures, self.backoff_base, self.backoff_max, self._rng)
                result: PollResult[T] = PollResult(PollState.UNREACHABLE, None, message, failures, delay,
                                                   time.monotonic() - started, time.time())
            else:
                with self._lock:
                    if generation != self._generation:
                        continue
                    self.failures = 0
                delay = self.interval
                result = PollResult(PollState.OK, value, "", 0, delay, time.monotonic() - started, time.time())
            if self._stopped.is_set():
                break
            self.polls += 1
            try:
                self._deliver(result)
            except RuntimeError:  # the app's loop is gone (shutting down)
                break
            self._wake.wait(delay)
