"""The demo cluster's simulated control plane: controller manager, scheduler and kubelets in one loop.

``ControllerManager`` subscribes to the store. Each write is handed to the shared index and to every
controller's ``on_change``, which only marks keys dirty (listeners run inside the write); one asyncio task
then drains the controllers' queues in a fixed order (garbage collector, the workload controllers, volumes,
scheduler, kubelets, endpoints and slices, disruption budgets, node leases), a batch at a time, yielding to the event loop between batches. Timed work (image pulls,
readiness, crash back-off, termination, progress deadlines) runs on loop timers that ``stop`` cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..events import expire_events
from ..resources import EVENTS
from ..sim import SimConfig
from ..store import Change, Store
from .base import Context, Controller
from .cronjob import CronJobController
from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .endpointslices import EndpointSliceController
from .gc import GarbageCollector
from .index import ClusterIndex
from .job import JobController
from .kubelet import Kubelet
from .leases import NodeLeases
from .nodes import NodeHeartbeats
from .replicaset import ReplicaSetController
from .scheduler import Scheduler
from .statefulset import StatefulSetController
from .taints import TaintEviction
from .volumes import VolumeController

__all__ = ["ControllerManager"]

log = logging.getLogger("k8stui.demo.controllers")
EVENT_EXPIRY_PERIOD = 60.0


class ControllerManager:
    """Runs every simulated controller against one Store."""

    def __init__(self, store: Store, sim: SimConfig) -> None:
        self.store = store
        self.sim = sim
        self.index = ClusterIndex(store)
        self._wake_event: asyncio.Event | None = None
        self._build()
        self._task: asyncio.Task | None = None
        self._active = False
        self._subscribed = False
        self._stopped = False

    def _build(self) -> None:
        """Fresh controllers (and their runtime state) over the shared index."""
        self.ctx = Context(self.store, self.sim, self.index, self._wake)
        self.gc = GarbageCollector(self.ctx)
        self.deployments = DeploymentController(self.ctx)
        self.replicasets = ReplicaSetController(self.ctx)
        self.scheduler = Scheduler(self.ctx)
        self.kubelet = Kubelet(self.ctx)
        self.endpoints = EndpointsController(self.ctx)
        self.heartbeats = NodeHeartbeats(self.ctx)
        self.statefulsets = StatefulSetController(self.ctx)
        self.daemonsets = DaemonSetController(self.ctx)
        self.jobs = JobController(self.ctx)
        self.cronjobs = CronJobController(self.ctx)
        self.volumes = VolumeController(self.ctx)
        self.disruption = DisruptionController(self.ctx)
        self.endpointslices = EndpointSliceController(self.ctx)
        self.leases = NodeLeases(self.ctx)
        self.taints = TaintEviction(self.ctx)
        self.controllers: list[Controller] = [self.gc, self.deployments, self.replicasets, self.statefulsets,
                                              self.daemonsets, self.cronjobs, self.jobs, self.volumes,
                                              self.scheduler, self.kubelet, self.endpoints, self.endpointslices,
                                              self.disruption, self.leases, self.taints]

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Begin reconciling. Must be called from inside the running event loop. After ``stop`` it starts
        again from what the store holds (like a restarted kube-controller-manager and kubelets)."""
        if self._active:
            return
        loop = asyncio.get_running_loop()
        if self._stopped:
            self._build()
            self._stopped = False
        self._wake_event = asyncio.Event()
        self.index.rebuild()
        if not self._subscribed:
            self.store.subscribe(self._on_change)
            self._subscribed = True
        self._active = True
        self._task = loop.create_task(self._run(), name="k8stui-demo-controllers")
        self.heartbeats.start()
        self.leases.start()
        self.ctx.call_later(EVENT_EXPIRY_PERIOD, self._expire_events)

    async def stop(self) -> None:
        """Stop every loop and timer this manager started."""
        self._active = False
        self._stopped = True
        self.kubelet.stop()
        self.ctx.cancel_all()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def idle(self) -> bool:
        """True when no controller has queued work (timed work may still be pending)."""
        return not any(len(c.queue) for c in self.controllers)

    # -- plumbing ------------------------------------------------------------------------------------------
    def _wake(self) -> None:
        if self._wake_event is not None:
            self._wake_event.set()

    def _on_change(self, change: Change) -> None:
        if not self._active or change.rt is EVENTS:
            return
        try:
            self.index.apply(change)
            for c in self.controllers:
                c.on_change(change)
        except Exception:  # a listener must never fail the write that called it
            log.exception("controllers: handling %s %s failed", change.type, change.rt.key)
        self._wake()

    async def _run(self) -> None:
        # The initial list, as informers do at start; done inside the task so start() returns at once.
        for c in self.controllers:
            c.resync_all()
        assert self._wake_event is not None
        self._wake_event.set()
        while self._active:
            await self._wake_event.wait()
            self._wake_event.clear()
            while self._active:
                busy = False
                for c in self.controllers:
                    if len(c.queue):
                        busy = True
                        try:
                            c.process()
                        except Exception:
                            log.exception("controllers: %s failed", c.name)
                if not busy:
                    break
                await asyncio.sleep(0)

    def _expire_events(self) -> None:
        try:
            expire_events(self.store)
        finally:
            self.ctx.call_later(EVENT_EXPIRY_PERIOD, self._expire_events)
