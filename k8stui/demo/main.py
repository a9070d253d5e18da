"""``k8stui demo --serve-only``: run the demo cluster in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from .cluster import DemoCluster, write_ready_file
from .sim import SimConfig


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    """Started by a program that may die without stopping us (SIGKILL, a closed terminal): follow it."""
    while not stop.is_set():
        if os.getppid() != parent:
            stop.set()
            return
        await asyncio.sleep(1.0)


async def _serve(port: int, sim: SimConfig, state_dir: Path | None, prometheus: bool, ready_file: Path | None,
                 bookmark_interval: float, frozen_state: Path | None, exit_with_parent: bool = False) -> None:
    cluster = DemoCluster(port=port, sim=sim, state_dir=state_dir, prometheus=prometheus,
                          bookmark_interval=bookmark_interval, frozen_state=frozen_state)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    if exit_with_parent:
        watchdog = asyncio.ensure_future(_watch_parent(os.getppid(), stop))
    try:
        info = await cluster.start()
        print(f"k8stui demo cluster is up at {info.url}", flush=True)
        print(f"export KUBECONFIG={info.kubeconfig}", flush=True)
        print("contexts: demo (admin), demo-dev (namespace team-a only)", flush=True)
        if info.prometheus_url:
            print(f"prometheus: {info.prometheus_url}", flush=True)
        elif not prometheus:
            print("prometheus: not started (--no-prometheus); metrics.k8s.io only", flush=True)
        else:
            print("prometheus: not started (no `prometheus` binary on PATH); metrics.k8s.io only", flush=True)
        print("press Ctrl-C to stop", flush=True)
        if ready_file:
            write_ready_file(ready_file, info)
        await stop.wait()
    finally:
        if exit_with_parent:
            watchdog.cancel()
        await cluster.stop()


def serve(port: int = 0, pods: int = 0, seed: int = 0, state_dir: Path | None = None, prometheus: bool = True,
          ready_file: Path | None = None, time_scale: float = 1.0, bookmark_interval: float = 5.0,
          frozen_state: Path | None = None, exit_with_parent: bool = False,
          watch_history: float = 300.0) -> int:
    logging.basicConfig(level=logging.WARNING, format="k8stui demo: %(message)s")
    sim = SimConfig(seed=seed, time_scale=time_scale, extra_pods=pods, watch_history_seconds=watch_history)
    try:
        asyncio.run(_serve(port, sim, state_dir, prometheus, ready_file, bookmark_interval, frozen_state,
                           exit_with_parent))
    except OSError as exc:
        print(f"k8stui demo: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
