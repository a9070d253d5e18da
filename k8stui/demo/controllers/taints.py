"""NoExecute taint eviction, as kube-controller-manager's taint-eviction controller does it.

When a node carries a ``NoExecute`` taint, every pod bound to it that does not tolerate the taint is deleted
(gracefully: its kubelet stops it), after a ``DisruptionTarget`` condition and a ``TaintManagerEviction``
event; a pod whose toleration has ``tolerationSeconds`` is deleted when the shortest of them runs out (unless
the taint is gone by then). A pod scheduled onto an already tainted node is handled the same way.
"""

from __future__ import annotations

import calendar
import time

from ..errors import ApiError
from ..events import record_event
from ..resources import NODES, PODS
from ..store import now_iso
from .base import Controller
from .util import Obj

COMPONENT = "taint-eviction-controller"


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """Kubernetes' ToleratesTaint: effect (empty: all), key (empty with Exists: all) and value."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    key = toleration.get("key", "")
    if key and key != taint.get("key"):
        return False
    if toleration.get("operator", "Equal") == "Exists":
        return True
    return bool(key) and toleration.get("value", "") == taint.get("value", "")


def eviction_delay(pod: Obj, taint: Obj) -> float | None:
    """For one taint: None if tolerated forever, 0 to evict now, else its tolerationSeconds."""
    matching = [t for t in (pod.get("spec") or {}).get("tolerations") or [] if tolerates(t, taint)]
    if not matching:
        return 0.0
    seconds = [t.get("tolerationSeconds") for t in matching]
    if any(s is None for s in seconds):  # a matching toleration without a limit wins
        return None
    return max(0.0, float(min(seconds)))


class TaintEviction(Controller):
    name = "taint-eviction"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._first_seen: dict[tuple, float] = {}  # taints without timeAdded: when this controller saw them

    def on_change(self, change) -> None:
        obj = change.obj
        if change.rt is NODES and change.type != "DELETED":
            old_taints = _no_execute((change.old or {}).get("spec", {}).get("taints"))
            if _no_execute(obj.get("spec", {}).get("taints")) and (change.type == "ADDED" or old_taints !=
                                                                   _no_execute(obj["spec"].get("taints"))):
                self.queue.add(("node", obj["metadata"]["name"]))
        elif change.rt is PODS and change.type != "DELETED":
            node = (obj.get("spec") or {}).get("nodeName")
            if node and not (change.old or {}).get("spec", {}).get("nodeName"):
                self.queue.add(("pod", obj["metadata"]["namespace"], obj["metadata"]["name"]))

    def resync_all(self) -> None:
        for node in self.store.iter_objects(NODES):
            if _no_execute((node.get("spec") or {}).get("taints")):
                self.queue.add(("node", node["metadata"]["name"]))

    def sync(self, key: tuple) -> None:
        if key[0] == "node":
            for ns, name in list(self.index.pods_by_node.get(key[1], ())):
                self._check(ns, name)
        else:
            self._check(key[1], key[2])

    def _check(self, namespace: str, name: str) -> None:
        pod = self.store.get(PODS, namespace, name)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        node = self.store.get(NODES, None, (pod.get("spec") or {}).get("nodeName") or "")
        taints = _no_execute((node or {}).get("spec", {}).get("taints"))
        if not taints:
            return
        now = time.time()
        due: list[float] = []
        for taint in taints:
            delay = eviction_delay(pod, taint)
            if delay is None:
                continue
            since = _parse_time(taint.get("timeAdded")) or self._first_seen.setdefault(
                (node["metadata"]["name"], taint.get("key"), taint.get("value")), now)
            due.append(since + self.sim.delay(delay) - now)
        if not due:
            return
        wait = min(due)
        if wait > 0:
            self.enqueue_after(("pod", namespace, name), wait + 0.01)
            return
        self._evict(pod)

    def _evict(self, pod: Obj) -> None:
        meta = pod["metadata"]
        now = now_iso()

        def mark(p: Obj) -> None:
            conditions = [c for c in (p.get("status") or {}).get("conditions") or () if c.get("type") != "DisruptionTarget"]
            conditions.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": now, "reason": "DeletionByTaintManager",
                               "message": "Taint manager: deleting due to NoExecute taint"})
            p.setdefault("status", {})["conditions"] = conditions
        self.store.mutate(PODS, meta["namespace"], meta["name"], mark)
        record_event(self.store, pod, "Normal", "TaintManagerEviction",
                     f"Marking for deletion Pod {meta['namespace']}/{meta['name']}", COMPONENT)
        try:
            self.store.delete(PODS, meta["namespace"], meta["name"], precondition_uid=meta.get("uid"))
        except ApiError:
            pass


def _parse_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None


def _no_execute(taints: list[Obj] | None) -> list[Obj]:
    return [t for t in taints or () if t.get("effect") == "NoExecute"]
