"""Without Prometheus: CPU and memory from metrics.k8s.io (metrics-server), remembered client-side.

metrics.k8s.io only knows "now" (a value averaged over the last window), so every refresh samples the
selected target's PodMetrics/NodeMetrics through the kubeconfig connection and appends the sum to a history
kept in memory per target; the sparklines draw that history. Request rate, 5xx ratio and restarts need
Prometheus and say so. Blocking (the kubernetes client): call from threads only.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from ..cluster.quantity import parse_quantity
from .errors import MetricsError, one_line
from .series import RANGES, MetricSeries, MetricsSnapshot, Series, time_window
from .targets import Target
from .templates import METRIC_BY_KEY

if TYPE_CHECKING:
    from ..cluster.connection import Connection

SOURCE = "metrics.k8s.io"
GROUP, VERSION = "metrics.k8s.io", "v1beta1"
MAX_TARGETS = 64
MAX_POINTS = 4320  # 6 h at one sample every 5 s
NEEDS_PROMETHEUS = "needs Prometheus"


class MetricsServerUnavailable(MetricsError):
    """metrics.k8s.io could not be read (not installed, forbidden, API server unreachable)."""


class MetricsServerHistory:
    """Samples metrics.k8s.io for one target at a time and keeps each target's recent history."""

    def __init__(self, connection: Connection, max_points: int = MAX_POINTS) -> None:
        self.connection = connection
        self.max_points = max_points
        self._history: OrderedDict[str, deque[tuple[float, float, float]]] = OrderedDict()
        self._lock = threading.Lock()
        self._api: Any = None

    # -- reading metrics.k8s.io ------------------------------------------------------------------------------
    def _custom_objects(self) -> Any:
        if self._api is None:
            from kubernetes.client import CustomObjectsApi

            self._api = CustomObjectsApi(self.connection.api_client())
        return self._api

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from kubernetes.client.exceptions import ApiException

        try:
            return fn(*args, _request_timeout=(5, 15), **kwargs)
        except ApiException as exc:
            if exc.status == 404:
                raise MetricsServerUnavailable(f"metrics.k8s.io has no {what} (is metrics-server installed?)") from None
            if exc.status == 403:
                raise MetricsServerUnavailable(f"forbidden to read {what} from metrics.k8s.io") from None
            if exc.status == 401:
                raise MetricsServerUnavailable("metrics.k8s.io: 401 Unauthorized (kubeconfig credentials)") from None
            raise MetricsServerUnavailable(f"metrics.k8s.io answered HTTP {exc.status} for {what}: "
                                           f"{one_line(str(exc.reason or ''))}") from None
        except Exception as exc:  # urllib3 connection errors and the like
            raise MetricsServerUnavailable(f"cannot read metrics.k8s.io at {self.connection.server}: "
                                           f"{one_line(type(exc).__name__)}") from None

    def read(self, target: Target) -> tuple[float, float]:
        """``(cores, bytes)`` used by ``target`` now, summed over its pods' containers."""
        api = self._custom_objects()
        if target.kind == "node":
            doc = self._call(f"metrics for node {target.name}", api.get_cluster_custom_object, GROUP, VERSION,
                             "nodes", target.name)
            usage = doc.get("usage") or {}
            return parse_quantity(usage.get("cpu")), parse_quantity(usage.get("memory"))
        if target.kind == "pod":
            doc = self._call(f"metrics for pod {target.namespace}/{target.name}",
                             api.get_namespaced_custom_object, GROUP, VERSION, target.namespace, "pods", target.name)
            items = [doc]
        else:
            selector = target.label_selector if target.kind == "deployment" else ""
            if target.kind == "deployment" and not selector:
                raise MetricsServerUnavailable(f"deployment {target.name} has no selector")
            doc = self._call(f"pod metrics in {target.namespace}", api.list_namespaced_custom_object, GROUP,
                             VERSION, target.namespace, "pods", label_selector=selector)
            items = doc.get("items") or []
        cpu = mem = 0.0
        for item in items:
            for container in item.get("containers") or ():
                usage = container.get("usage") or {}
                cpu += parse_quantity(usage.get("cpu"))
                mem += parse_quantity(usage.get("memory"))
        return cpu, mem

    # -- history -------------------------------------------------------------------------------------------------
    def record(self, target: Target, at: float, cores: float, memory: float) -> None:
        with self._lock:
            points = self._history.get(target.key)
            if points is None:
                points = self._history[target.key] = deque(maxlen=self.max_points)
                while len(self._history) > MAX_TARGETS:
                    self._history.popitem(last=False)
            self._history.move_to_end(target.key)
            points.append((at, cores, memory))

    def history(self, target: Target) -> list[tuple[float, float, float]]:
        with self._lock:
            return list(self._history.get(target.key, ()))

    def sample(self, target: Target, now: float | None = None) -> None:
        cores, memory = self.read(target)
        self.record(target, time.time() if now is None else now, cores, memory)

    def snapshot(self, target: Target, range_name: str, width: int, now: float | None = None) -> MetricsSnapshot:
        """The remembered history of ``target`` within the range (one point per step at most)."""
        now = time.time() if now is None else now
        start, end, step = time_window(range_name, width, now)
        start = now - RANGES.get(range_name, RANGES["15m"])
        cpu: dict[int, tuple[float, float]] = {}
        mem: dict[int, tuple[float, float]] = {}
        for at, cores, memory in self.history(target):
            if at < start:
                continue
            bucket = int(at // step)  # the newest sample of each step wins
            cpu[bucket] = (at, cores)
            mem[bucket] = (at, memory / (1024 * 1024))
        metrics = (
            MetricSeries(METRIC_BY_KEY["cpu"], (Series("", tuple(cpu[b] for b in sorted(cpu))),)),
            MetricSeries(METRIC_BY_KEY["memory"], (Series("", tuple(mem[b] for b in sorted(mem))),)),
            MetricSeries(METRIC_BY_KEY["requests"], note=NEEDS_PROMETHEUS),
            MetricSeries(METRIC_BY_KEY["restarts"], note=NEEDS_PROMETHEUS),
        )
        return MetricsSnapshot(target, range_name, step, start, now, SOURCE, metrics, target.note)

    def fetch(self, target: Target, range_name: str, width: int) -> MetricsSnapshot:
        """Sample now, then return the history (what a poller calls)."""
        self.sample(target)
        return self.snapshot(target, range_name, width)

    def close(self) -> None:
        if self._api is not None:
            api_client = getattr(self._api, "api_client", None)
            if api_client is not None:
                api_client.close()
            self._api = None
