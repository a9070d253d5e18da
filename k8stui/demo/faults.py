"""Fault injection and the request log: how tests make the demo cluster misbehave and see what was sent.

Served under ``/_demo/`` (loopback only, no auth) by the server; see README "Demo cluster admin API".
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class FaultPlan:
    """What the next requests suffer. ``fail_next`` requests whose path contains ``path_contains`` (and,
    if set, whose query contains ``query_contains``) get ``fail_status``; every request waits ``latency``."""

    latency: float = 0.0
    fail_next: int = 0
    fail_status: int = 500
    retry_after: int = 1
    path_contains: str = ""
    query_contains: str = ""

    def take_failure(self, path: str, query: str) -> int | None:
        if self.fail_next <= 0 or self.path_contains not in path or self.query_contains not in query:
            return None
        self.fail_next -= 1
        return self.fail_status


@dataclass
class RequestRecord:
    """One request as the server saw it."""

    seq: int
    time: float
    method: str
    path: str
    query: str
    user: str
    status: int = 0
    dry_run: bool = False
    content_type: str = ""
    accept: str = ""

    @property
    def mutating(self) -> bool:
        """A write that reached (or would reach) the store: not a dry-run, not an access review."""
        return (self.method in MUTATING_METHODS and not self.dry_run
                and "selfsubject" not in self.path and not self.path.startswith("/_demo/"))


@dataclass
class RequestLog:
    """The last ``size`` requests, numbered from 1."""

    size: int = 50_000
    records: deque[RequestRecord] = field(default_factory=deque)
    seq: int = 0

    def add(self, method: str, path: str, query: str, user: str, content_type: str = "",
            accept: str = "") -> RequestRecord:
        self.seq += 1
        rec = RequestRecord(self.seq, time.time(), method, path, query, user,
                            dry_run="dryRun=All" in query, content_type=content_type, accept=accept)
        self.records.append(rec)
        if len(self.records) > self.size:
            self.records.popleft()
        return rec

    def since(self, seq: int) -> list[dict[str, Any]]:
        return [asdict(r) | {"mutating": r.mutating} for r in self.records if r.seq > seq]
