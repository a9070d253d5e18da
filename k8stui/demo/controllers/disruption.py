"""The disruption controller: PodDisruptionBudget status, computed live (pkg/controller/disruption).

For each PDB: the pods its selector matches in its namespace; ``expectedPods`` (the pods' controllers' scale —
Deployment through its ReplicaSet, StatefulSet, ReplicaSet — when the budget is a percentage or
``maxUnavailable``, else the number of pods); ``desiredHealthy`` from ``minAvailable`` (rounded up) or
``expectedPods - maxUnavailable``; ``currentHealthy`` = Ready pods not being deleted and not recently evicted
(``disruptedPods``, kept for two minutes as the eviction subresource writes them); ``disruptionsAllowed`` =
``currentHealthy - desiredHealthy`` (never below 0) and the ``DisruptionAllowed`` condition. A pod change
re-syncs only the budgets of its namespace whose selector matches it.
"""

from __future__ import annotations

import math
import time

from ..resources import DEPLOYMENTS, PDBS, PODS, REPLICASETS, STATEFULSETS
from ..selectors import match_labels
from ..store import now_iso
from .base import Controller
from .util import Obj, controller_ref, is_pod_ready, is_terminal, parse_time

DELETION_TIMEOUT = 120.0  # seconds an evicted pod counts as disrupted before it must be gone


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _pod_signature(pod: Obj | None) -> tuple | None:
    if pod is None:
        return None
    return (pod["metadata"].get("labels"), is_pod_ready(pod), pod["metadata"].get("deletionTimestamp"),
            is_terminal(pod))


def _is_percent(value: object) -> bool:
    return isinstance(value, str) and value.strip().endswith("%")


def _scaled(value: object, total: int) -> int:
    if _is_percent(value):
        return int(math.ceil(float(str(value).strip()[:-1] or 0) * total / 100))
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


class DisruptionController(Controller):
    name = "disruption"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.selectors: dict[str, dict[str, Obj | None]] = {}  # namespace -> pdb name -> selector

    def on_change(self, change) -> None:
        obj = change.obj
        if change.rt is PDBS:
            ns, name = _key(obj)
            if change.type == "DELETED":
                self.selectors.get(ns, {}).pop(name, None)
                self.queue.discard((ns, name))
                return
            self.selectors.setdefault(ns, {})[name] = (obj.get("spec") or {}).get("selector")
            old = change.old
            if old is not None and old.get("spec") == obj.get("spec") and \
                    ((old.get("status") or {}).get("disruptedPods") == (obj.get("status") or {}).get("disruptedPods")):
                return
            self.queue.add((ns, name))
        elif change.rt is PODS:
            # {} selects all (policy/v1); a budget without a selector selects nothing
            self.enqueue_selecting(change, self.selectors, _pod_signature,
                                   lambda selector, labels: selector is not None and match_labels(selector, labels))
        elif change.rt in (DEPLOYMENTS, STATEFULSETS, REPLICASETS) and change.type == "MODIFIED":
            if (change.old.get("spec") or {}).get("replicas") != (obj.get("spec") or {}).get("replicas"):
                for name in self.selectors.get(obj["metadata"].get("namespace", ""), {}):
                    self.queue.add((obj["metadata"].get("namespace", ""), name))

    def resync_all(self) -> None:
        for pdb in self.store.iter_objects(PDBS):
            ns, name = _key(pdb)
            self.selectors.setdefault(ns, {})[name] = (pdb.get("spec") or {}).get("selector")
            self.queue.add((ns, name))

    def sync(self, key: tuple[str, str]) -> None:
        pdb = self.store.get(PDBS, *key)
        if pdb is None:
            return
        spec = pdb.get("spec") or {}
        selector = spec.get("selector")
        pods = [p for p in self.index.pods_in(key[0]) if selector is not None and
                match_labels(selector, p["metadata"].get("labels") or {}) and not is_terminal(p)]
        old = pdb.get("status") or {}
        now = time.time()
        disrupted = {}
        by_name = {p["metadata"]["name"]: p for p in pods}
        for name, when in (old.get("disruptedPods") or {}).items():
            pod = by_name.get(name)
            if pod is not None and not pod["metadata"].get("deletionTimestamp") and \
                    parse_time(when) + DELETION_TIMEOUT > now:
                disrupted[name] = when
        healthy = sum(1 for p in pods if is_pod_ready(p) and not p["metadata"].get("deletionTimestamp")
                      and p["metadata"]["name"] not in disrupted)
        min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
        if max_unavailable is not None or _is_percent(min_available):
            expected = self._expected(pods)
        else:
            expected = len(pods)
        if max_unavailable is not None:
            desired = max(0, expected - _scaled(max_unavailable, expected))
        elif min_available is not None:
            desired = _scaled(min_available, expected)
        else:
            desired = expected
        allowed = max(0, healthy - desired)
        prev = {c.get("type"): c for c in old.get("conditions") or []}.get("DisruptionAllowed") or {}
        state = "True" if allowed > 0 else "False"
        reason = "SufficientPods" if allowed > 0 else "InsufficientPods"
        since = prev.get("lastTransitionTime") if prev.get("status") == state else now_iso()
        status: Obj = {"observedGeneration": pdb["metadata"].get("generation", 1), "disruptionsAllowed": allowed,
                       "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
                       "conditions": [{"type": "DisruptionAllowed", "status": state, "reason": reason,
                                       "message": "", "lastTransitionTime": since,
                                       "observedGeneration": pdb["metadata"].get("generation", 1)}]}
        if disrupted:
            status["disruptedPods"] = disrupted
            self.enqueue_after(key, DELETION_TIMEOUT + 0.5)
        if status != old:
            def put(obj: Obj) -> None:
                obj["status"] = status

            self.store.mutate(PDBS, key[0], key[1], put)

    def _expected(self, pods: list[Obj]) -> int:
        """Sum of the scale of the pods' controllers (each counted once); pods without one count as one."""
        seen: dict[str, int] = {}
        loose = 0
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                loose += 1
                continue
            ns = pod["metadata"]["namespace"]
            owner, uid = None, ref.get("uid", "")
            if ref.get("kind") == "ReplicaSet":
                rs = self.store.get(REPLICASETS, ns, ref.get("name", ""))
                dref = controller_ref(rs) if rs is not None else None
                if dref is not None and dref.get("kind") == "Deployment":
                    owner, uid = self.store.get(DEPLOYMENTS, ns, dref.get("name", "")), dref.get("uid", "")
                else:
                    owner = rs
            elif ref.get("kind") == "StatefulSet":
                owner = self.store.get(STATEFULSETS, ns, ref.get("name", ""))
            if owner is None:
                loose += 1
                continue
            seen[uid] = int((owner.get("spec") or {}).get("replicas", 1) or 0)
        return sum(seen.values()) + loose
