"""What a log view reads: which pods and containers (``LogTarget``) and which part of their logs
(``LogOptions``: since/tail range, previous run), turned into ``/log`` query parameters.

Timestamps are always requested from the server: they order lines from several pods and let a dropped stream
resume with ``sinceTime``. Whether the view *shows* them is a display toggle, not a request option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class LogRange:
    """How far back a view starts: the last N lines per container, the last S seconds, or everything."""

    key: str  # the key that picks it in the view
    label: str
    tail_lines: int | None = None
    since_seconds: int | None = None


RANGES: tuple[LogRange, ...] = (
    LogRange("1", "last 100 lines", tail_lines=100),
    LogRange("2", "last 1000 lines", tail_lines=1000),
    LogRange("3", "last 5 min", since_seconds=300),
    LogRange("4", "last 1 h", since_seconds=3600),
    LogRange("0", "everything", ),
)
DEFAULT_RANGE = RANGES[0]


def range_for_key(key: str) -> LogRange | None:
    return next((r for r in RANGES if r.key == key), None)


@dataclass(frozen=True)
class LogOptions:
    """The part of each container's log a view reads. ``previous`` reads the last terminated run (no follow)."""

    range: LogRange = DEFAULT_RANGE
    previous: bool = False

    @property
    def follow(self) -> bool:
        return not self.previous

    def with_range(self, log_range: LogRange) -> LogOptions:
        return replace(self, range=log_range)

    def with_previous(self, previous: bool) -> LogOptions:
        return replace(self, previous=previous)

    def describe(self) -> str:
        return f"{'previous run, ' if self.previous else ''}{self.range.label}"

    def params(self, container: str | None, since_time: str | None = None) -> dict[str, str]:
        """Query parameters of ``GET .../pods/NAME/log``. ``since_time`` (a resume point) replaces the range."""
        params: dict[str, str] = {"timestamps": "true"}
        if container:
            params["container"] = container
        if self.previous:
            params["previous"] = "true"
        else:
            params["follow"] = "true"
        if since_time:
            params["sinceTime"] = since_time
        elif self.range.tail_lines is not None:
            params["tailLines"] = str(self.range.tail_lines)
        elif self.range.since_seconds is not None:
            params["sinceSeconds"] = str(self.range.since_seconds)
        return params


@dataclass(frozen=True)
class LogTarget:
    """The pods (one, or all matching a label selector) and containers (some, or all) a view follows."""

    namespace: str
    kind: str  # "Pod", "Deployment", "ReplicaSet", "Service" ... (for titles)
    name: str
    pod_uid: str = ""  # a single pod (name is the pod's name)
    selector: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    containers: tuple[str, ...] = ()  # empty: every container

    @property
    def single_pod(self) -> bool:
        return self.kind == "Pod"

    @property
    def title(self) -> str:
        what = f"{self.kind.lower()} {self.namespace}/{self.name}"
        if self.containers:
            what += f" [{', '.join(self.containers)}]"
        return what

    def wants_container(self, name: str) -> bool:
        return not self.containers or name in self.containers


def pod_containers(pod: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """(name, is_init) of every container in a pod's spec, init containers first."""
    spec = pod.get("spec") or {}
    out = [(c.get("name", ""), True) for c in spec.get("initContainers") or ()]
    out += [(c.get("name", ""), False) for c in spec.get("containers") or ()]
    return [(n, init) for n, init in out if n]
