"""Which pods a multi-pod log view follows when its workload has more pods than it may stream at once.

Following every pod of a 5,000-pod Deployment opens 5,000 streams (memory, sockets and the event loop all grow
with the pod count). Like stern's ``--max-log-requests`` a session follows at most ``limit`` pods; unlike
stern it does not refuse: it follows the most relevant ones — crashing first, then not ready, then the newest —
and keeps that set at the limit as pods come and go. The user may instead choose the pods (``choose``); then
exactly the chosen pods that still exist are followed and new pods do not join.

The set moves only when it must: a pod that went away frees its place for the best pod not followed, and a
pod not followed replaces the least relevant followed pod only when it ranks strictly better. A followed pod
whose rank drops is not evicted for that alone, so a pod flapping between ready and not ready does not make
streams open and close.

Pure bookkeeping, no I/O: the session feeds ``update`` and applies what ``plan`` returns.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..cluster.podstatus import pod_status
from ..cluster.quantity import parse_time

DEFAULT_MAX_PODS = 50

CRASHING, NOT_READY, READY, NOT_STARTED = range(4)
RELEVANCE_NAMES = ("crashing", "not ready", "ready", "not started")

_CRASH_REASONS = frozenset({"CrashLoopBackOff", "Error", "OOMKilled", "RunContainerError", "CreateContainerError",
                            "CreateContainerConfigError", "ContainerStatusUnknown", "StartError", "Unknown",
                            "Failed", "Evicted"})
_NOT_STARTED_REASONS = frozenset({"Pending", "ContainerCreating", "PodInitializing", "ImagePullBackOff",
                                  "ErrImagePull", "InvalidImageName", "SchedulingGated"})

Rank = tuple[int, float, str]  # (relevance class, -creation time, name): smaller is more relevant


@dataclass(frozen=True, slots=True)
class PodChoice:
    """One matching pod as the pod picker lists it."""

    uid: str
    name: str
    status: str  # kubectl's STATUS
    ready: str  # "1/2"
    restarts: int
    created: float | None  # epoch seconds
    node: str
    relevance: int  # CRASHING .. NOT_STARTED
    followed: bool


def relevance(reason: str, phase: str, ready: int, total: int) -> int:
    """The relevance class of a pod from kubectl's STATUS (``reason``) and its READY counts."""
    if phase == "Failed" or reason in _CRASH_REASONS or reason.startswith(("ExitCode:", "Signal:")):
        return CRASHING
    if reason.startswith("Init:"):
        detail = reason[5:]
        if detail in _CRASH_REASONS or detail.startswith(("ExitCode:", "Signal:")):
            return CRASHING
        return NOT_STARTED
    if reason in _NOT_STARTED_REASONS or (phase == "Pending" and ready == 0):
        return NOT_STARTED
    if phase == "Running" and ready < total:
        return NOT_READY
    return READY


def pod_rank(pod: Mapping[str, Any]) -> Rank:
    """How relevant a pod's logs are: crashing, then not ready, then ready, then not started; newest first."""
    meta = pod.get("metadata") or {}
    status = pod_status(pod)  # type: ignore[arg-type]
    phase = (pod.get("status") or {}).get("phase") or ""
    cls = relevance(status.reason, phase, status.ready, status.total)
    created = parse_time(meta.get("creationTimestamp")) or 0.0
    return (cls, -created, meta.get("name", ""))


def pod_choice(pod: Mapping[str, Any], followed: bool) -> PodChoice:
    meta = pod.get("metadata") or {}
    status = pod_status(pod)  # type: ignore[arg-type]
    phase = (pod.get("status") or {}).get("phase") or ""
    return PodChoice(meta.get("uid", ""), meta.get("name", ""), status.reason, status.ready_text, status.restarts,
                     parse_time(meta.get("creationTimestamp")), (pod.get("spec") or {}).get("nodeName") or "",
                     relevance(status.reason, phase, status.ready, status.total), followed)


class FanOut:
    """The matching pods (by uid, with their rank) and which of them are followed."""

    def __init__(self, limit: int = DEFAULT_MAX_PODS) -> None:
        self.limit = max(1, int(limit))
        self.ranks: dict[str, Rank] = {}
        self.followed: set[str] = set()
        self.chosen: frozenset[str] | None = None  # the user's choice (None: automatic)

    @property
    def capped(self) -> bool:
        """Whether some matching pods are not followed (the pane says so)."""
        return len(self.followed) < len(self.ranks)

    def update(self, uid: str, rank: Rank | None) -> None:
        """A pod matches with this rank, or (None) no longer matches / is gone: it stops being followed."""
        if rank is None:
            self.ranks.pop(uid, None)
            self.followed.discard(uid)
        else:
            self.ranks[uid] = rank

    def replace_all(self, ranks: Mapping[str, Rank]) -> list[str]:
        """Every matching pod at once (a full list); returns the followed uids that are gone."""
        gone = [uid for uid in self.followed if uid not in ranks]
        self.ranks = dict(ranks)
        self.followed.difference_update(gone)
        return gone

    def choose(self, uids: Iterable[str] | None) -> None:
        """Follow exactly these pods (at most ``limit``, the most relevant of them), or None: automatic."""
        if uids is None:
            self.chosen = None
            return
        wanted = sorted((u for u in set(uids) if u in self.ranks), key=self.ranks.__getitem__)
        self.chosen = frozenset(wanted[: self.limit])

    def reset(self) -> None:
        """Nothing is followed (the session starts over); the matching pods and the choice stay."""
        self.followed = set()

    def plan(self, changed: Iterable[str] | None = None) -> tuple[list[str], list[str]]:
        """(pods to start following, pods to stop following), applied to ``followed`` already.

        ``changed``: the pods whose rank or presence just changed (a watch batch); None looks at every pod."""
        ranks, followed = self.ranks, self.followed
        start: list[str] = []
        stop: list[str] = []
        if self.chosen is not None:
            start = [u for u in self.chosen if u in ranks and u not in followed]
            stop = [u for u in followed if u not in self.chosen]
        elif len(ranks) <= self.limit:
            start = [u for u in ranks if u not in followed]
        else:
            free = self.limit - len(followed)
            if free < 0:  # more followed than allowed (cannot happen unless the limit changed): drop the worst
                stop = heapq.nlargest(-free, followed, key=ranks.__getitem__)
                followed.difference_update(stop)
                free = 0
            if free:
                start = heapq.nsmallest(free, (u for u in ranks if u not in followed), key=ranks.__getitem__)
                followed.update(start)
            pool = ranks.keys() if changed is None else (u for u in set(changed) if u in ranks)
            candidates = sorted((u for u in pool if u not in followed), key=ranks.__getitem__)
            if candidates:
                worst = sorted(followed, key=ranks.__getitem__, reverse=True)
                for cand, out in zip(candidates, worst, strict=False):
                    if ranks[cand] >= ranks[out]:
                        break
                    followed.discard(out)
                    followed.add(cand)
                    if out in start:
                        start.remove(out)
                    else:
                        stop.append(out)
                    start.append(cand)
            return start, stop
        followed.difference_update(stop)
        followed.update(start)
        return start, stop
