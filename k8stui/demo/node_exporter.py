"""What a ``node-exporter`` pod serves on ``/metrics``: a small, consistent set of its ``node_*`` series.

The numbers come from the node the pod runs on: its capacity (CPUs, memory, disk) and the usage the telemetry
model gives its pods (metrics.k8s.io NodeMetrics). Counters (``node_cpu_seconds_total`` per CPU and mode,
network bytes) grow with the usage integrated between scrapes, so ``rate()`` in Prometheus gives the node's
busy CPUs. Only nodes with a node-exporter pod are ever computed (nothing for benchmark nodes).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from .exposition import Exposition, format_value, label_text
from .resources import NODES

Obj = dict[str, Any]
MODES = ("idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user")


@dataclass
class _NodeCounters:
    last: float
    busy: list[float] = field(default_factory=list)  # per cpu: user+system seconds
    rx: float = 0.0
    tx: float = 0.0


def _quantity(value: Any) -> float:
    from .telemetry import parse_quantity  # noqa: PLC0415

    try:
        return parse_quantity(value)
    except ValueError:
        return 0.0


class NodeExporterMetrics:
    """node_* exposition per node, with counters that persist between scrapes."""

    def __init__(self, store: Any, telemetry: Any) -> None:
        self.store = store
        self.telemetry = telemetry
        self._counters: dict[str, _NodeCounters] = {}

    def render(self, node_name: str) -> bytes:
        node = self.store.get(NODES, None, node_name)
        if node is None:
            return b""
        status = node.get("status") or {}
        capacity = status.get("capacity") or {}
        cpus = max(1, int(_quantity(capacity.get("cpu", 1))))
        mem_total = _quantity(capacity.get("memory", 0))
        disk_total = _quantity(capacity.get("ephemeral-storage", 0)) or 128 * 2**30
        used_cores = used_mem = 0.0
        if self.telemetry is not None:
            for item in self.telemetry.node_metrics(node_name):
                used_cores = _quantity(item["usage"]["cpu"])
                used_mem = _quantity(item["usage"]["memory"])
        now = time.time()
        boot = self._boot_time(node)
        c = self._counters.get(node_name)
        if c is None:
            up = max(1.0, now - boot)
            c = self._counters[node_name] = _NodeCounters(now, [up * 0.08 for _ in range(cpus)])
        dt = max(0.0, now - c.last)
        c.last = now
        for i in range(cpus):
            c.busy[i] += dt * min(1.0, used_cores / cpus * (0.8 + 0.4 * ((i + 1) / cpus)))
        c.rx += dt * (180_000 + used_cores * 2_000_000)
        c.tx += dt * (120_000 + used_cores * 1_500_000)
        out = Exposition()
        seconds = []
        for i in range(cpus):
            total = max(1.0, now - boot)
            busy = min(c.busy[i], total * 0.98)
            split = {"user": busy * 0.62, "system": busy * 0.3, "softirq": busy * 0.03, "irq": 0.0, "nice": 0.0,
                     "steal": busy * 0.01, "iowait": busy * 0.04}
            split["idle"] = total - sum(split.values())
            for mode in MODES:
                seconds.append(f'node_cpu_seconds_total{{cpu="{i}",mode="{mode}"}} {split[mode]:.2f}\n')
        out.family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.", seconds)
        load = used_cores * 1.1
        for name, factor in (("node_load1", 1.0), ("node_load5", 0.95), ("node_load15", 0.9)):
            out.family(name, "gauge", f"{name[5:]}m load average.", [f"{name} {load * factor:.2f}\n"])
        available = max(0.0, mem_total - used_mem - 0.12 * mem_total)
        out.family("node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.",
                   [f"node_memory_MemTotal_bytes {format_value(mem_total)}\n"])
        out.family("node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.",
                   [f"node_memory_MemAvailable_bytes {format_value(available)}\n"])
        fs = label_text([("device", "/dev/root"), ("fstype", "ext4"), ("mountpoint", "/")])
        used_disk = disk_total * (0.31 + (zlib.crc32(node_name.encode()) % 20) / 100)
        out.family("node_filesystem_size_bytes", "gauge", "Filesystem size in bytes.",
                   [f"node_filesystem_size_bytes{{{fs}}} {format_value(disk_total)}\n"])
        out.family("node_filesystem_avail_bytes", "gauge", "Filesystem space available to non-root users in bytes.",
                   [f"node_filesystem_avail_bytes{{{fs}}} {format_value(disk_total - used_disk)}\n"])
        out.family("node_network_receive_bytes_total", "counter", "Network device statistic receive_bytes.",
                   [f'node_network_receive_bytes_total{{device="eth0"}} {c.rx:.0f}\n'])
        out.family("node_network_transmit_bytes_total", "counter", "Network device statistic transmit_bytes.",
                   [f'node_network_transmit_bytes_total{{device="eth0"}} {c.tx:.0f}\n'])
        out.family("node_boot_time_seconds", "gauge", "Node boot time, in unixtime.", [f"node_boot_time_seconds {boot:.0f}\n"])
        info = status.get("nodeInfo") or {}
        uname = label_text([("machine", "x86_64"), ("nodename", node_name), ("release", info.get("kernelVersion", "")),
                            ("sysname", "Linux")])
        out.family("node_uname_info", "gauge", "Labeled system information as provided by the uname system call.",
                   [f"node_uname_info{{{uname}}} 1\n"])
        return out.render()

    @staticmethod
    def _boot_time(node: Obj) -> float:
        from .controllers.util import parse_time  # noqa: PLC0415

        created = parse_time(node["metadata"].get("creationTimestamp")) or time.time()
        return created - 3600 * (2 + zlib.crc32(node["metadata"]["name"].encode()) % 20)
