"""The background poller: interval refresh, back-off while the source is down, recovery, retargeting."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from k8stui.metrics.errors import PrometheusUnavailable
from k8stui.metrics.poller import Poller, PollResult, PollState, backoff_delay
from tests.conftest import wait_for


def _collect(poller_factory):
    results: queue.Queue[PollResult] = queue.Queue()
    poller = poller_factory(results.put)
    poller.start()
    return poller, results


def _next(results: queue.Queue, timeout: float = 5.0) -> PollResult:
    return results.get(timeout=timeout)


def test_backoff_grows_and_is_capped():
    delays = [backoff_delay(n, base=1.0, cap=8.0) for n in range(1, 7)]
    assert 0.8 <= delays[0] <= 1.0 and 1.6 <= delays[1] <= 2.0 and 3.2 <= delays[2] <= 4.0
    assert all(6.4 <= d <= 8.0 for d in delays[3:])


def test_down_then_up_reports_unreachable_with_backoff_then_ok():
    state = {"down": True, "calls": 0}

    def fetch() -> str:
        state["calls"] += 1
        if state["down"]:
            raise PrometheusUnavailable("Prometheus unreachable at http://x: connection refused")
        return "data"

    poller, results = _collect(lambda deliver: Poller(fetch, deliver, interval=0.2, backoff_base=0.05,
                                                      backoff_max=0.2))
    try:
        first, second, third = _next(results), _next(results), _next(results)
        assert [r.state for r in (first, second, third)] == [PollState.UNREACHABLE] * 3
        assert (first.failures, second.failures, third.failures) == (1, 2, 3)
        assert first.error == "Prometheus unreachable at http://x: connection refused"
        assert third.retry_in > first.retry_in
        state["down"] = False
        deadline = time.monotonic() + 5
        while (result := _next(results)).state is not PollState.OK:
            assert time.monotonic() < deadline
        assert result.value == "data" and result.failures == 0 and result.retry_in == 0.2
    finally:
        poller.stop()
    assert not poller.running


def test_unexpected_exceptions_become_one_line_not_a_crash():
    def fetch() -> str:
        raise KeyError("boom\nsecond line")

    poller, results = _collect(lambda deliver: Poller(fetch, deliver, backoff_base=0.05))
    try:
        result = _next(results)
        assert result.state is PollState.UNREACHABLE and result.error.startswith("internal error: KeyError")
        assert "\n" not in result.error
    finally:
        poller.stop()


def test_set_fetch_drops_the_result_in_flight_and_poke_refreshes_now():
    started, release = threading.Event(), threading.Event()

    def slow_old() -> str:
        started.set()
        release.wait(5)
        return "old"

    poller, results = _collect(lambda deliver: Poller(slow_old, deliver, interval=60))
    try:
        assert started.wait(5), "the first fetch did not start"
        poller.set_fetch(lambda: "new")
        release.set()
        first = _next(results)
        assert first.value == "new" and first.retry_in == 60
        # A bounded "nothing happens" check (the positive signal before it is the result above, which planned the
        # next fetch in 60 s): a poller that ignored its interval would deliver again within these 0.3 s.
        with pytest.raises(queue.Empty):
            results.get(timeout=0.3)
        poller.poke()
        assert _next(results).value == "new"
    finally:
        poller.stop()


def test_pause_stops_fetching_until_resumed():
    calls: list[int] = []
    ticks: list[int] = []
    poller, results = _collect(lambda deliver: Poller(lambda: calls.append(1) or len(calls), deliver, interval=0.05))
    clock = Poller(lambda: ticks.append(1), lambda _: None, interval=0.05)  # an unpaused twin, as a clock
    try:
        _next(results)
        poller.pause()
        count = len(calls)
        # "Nothing happens" while paused, over a window ended by a positive signal rather than a fixed time: the
        # unpaused twin's six fetches, in which this one would have fetched about six times too (on a slow
        # machine as much as on a fast one). Only a fetch in flight when pause() was called may still complete.
        clock.start()
        wait_for(lambda: len(ticks) >= 6, timeout=10, message="six fetches of the unpaused twin")
        paused = len(calls)
        assert paused <= count + 1
        poller.resume()
        wait_for(lambda: len(calls) > paused, timeout=5, message="a fetch after resume()")
    finally:
        clock.stop()
        poller.stop()
