"""Settings of the simulation shared by the demo cluster's controllers, logs and telemetry.

One dataclass so that a test can make the cluster faster or deterministic in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SimConfig:
    """How the simulated cluster behaves. Delays are real seconds multiplied by ``time_scale``."""

    seed: int = 0
    time_scale: float = 1.0  # < 1 makes every simulated delay shorter
    extra_pods: int = 0  # ``--pods N``: N more Running pods (for benchmarks)
    node_heartbeat_seconds: float = 40.0  # real seconds between node status heartbeats (at least 10)
    # watch history kept (real seconds, like etcd's compaction window); a watch from an older version gets 410
    watch_history_seconds: float = 300.0

    def delay(self, seconds: float) -> float:
        return max(0.0, seconds * self.time_scale)
