"""``refresh_hz`` (config.toml) is how often tables and logs repaint: at 2 Hz a table under a storm of
changes is told about them in batches at least half a second apart, and a log view takes in new lines every
half second. (The mean gap over several ticks, not the smallest: a timer that fires late once catches up on its
cadence, so one gap can be short while the rate holds.)"""

from __future__ import annotations

import time

from actions.scenario import create_namespace, delete_namespace

from k8stui.cluster.connection import load_target
from k8stui.cluster.kinds import PODS
from k8stui.config import Settings
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.screens.logs import LogsScreen
from k8stui.ui.widgets.log_view import LogView

from .helpers import SIZE, names, table, wait_until

SLOW = Settings(refresh_hz=2)


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def _mean_gap(times: list[float]) -> float:
    return (times[-1] - times[0]) / (len(times) - 1)


async def test_tables_and_logs_repaint_at_most_refresh_hz_times_a_second(demo, monkeypatch):
    syncs: list[tuple[LogView, float]] = []
    sync = LogView.sync

    def counted(self: LogView) -> None:
        syncs.append((self, time.monotonic()))
        sync(self)

    monkeypatch.setattr(LogView, "sync", counted)
    ns = create_namespace(demo, "hz", web=True)
    try:
        app = K8sTuiApp(load_target(demo.kubeconfig, "demo", ns), SLOW, kubeconfig=demo.kubeconfig)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: len(names(app, "pods")) == 1, 30, "the web pod")
            # Tables: the informers behind them announce a storm of pod updates in batches.
            informer = app.hub.acquire(PODS, ns)
            batches: list[float] = []
            unsubscribe = informer.subscribe(lambda batch: batches.append(time.monotonic()))
            try:
                demo.admin("churn", {"count": 120, "namespace": ns, "rate": 40})  # 3 s of updates
                await wait_until(pilot, lambda: len(batches) >= 4, 30, "several batches of the churn")
            finally:
                unsubscribe()
                app.hub.release(informer)
            assert _mean_gap(batches) >= 0.4, f"batches {_gaps(batches)} s apart at refresh_hz = 2"
            # Logs: the view polls its buffer at the same rate.
            table(app, "workloads").focus()
            await pilot.press("l")
            await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.query(LogView), 10,
                             "the logs view")  # composed, not only pushed
            view = app.screen.query_one(LogView)

            def of_view() -> list[float]:
                return [t for v, t in syncs if v is view]

            await wait_until(pilot, lambda: len(of_view()) >= 5, 20, "the log view polling its buffer")
            assert _mean_gap(of_view()) >= 0.4, f"log syncs {_gaps(of_view())} s apart at refresh_hz = 2"
    finally:
        delete_namespace(demo, ns)
