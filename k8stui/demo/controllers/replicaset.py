"""The ReplicaSet controller: keeps ``spec.replicas`` pods from the template and reports them in status.

Follows pkg/controller/replicaset: pods are created with ``generateName: <rs>-`` and a controller
ownerReference, too many pods are deleted in the order of ``controller.ActivePodsWithRanks`` (unscheduled,
then pending, then not ready, then crowded nodes, recently ready, most restarts, newest), and status counts
active pods (``replicas``), those matching the template labels (``fullyLabeledReplicas``), ready and available
ones. Events: ``SuccessfulCreate`` / ``SuccessfulDelete``.
"""

from __future__ import annotations

import copy
import time

from ..errors import ApiError
from ..events import record_event
from ..resources import PODS, REPLICASETS
from .base import Controller
from .util import Obj, condition, controller_ref, is_active, is_available, is_pod_ready, parse_time

COMPONENT = "replicaset-controller"
BURST = 500  # pods created or deleted per sync at most (kube-controller-manager's burstReplicas)
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand


class ReplicaSetController(Controller):
    name = "replicaset"

    def on_change(self, change) -> None:
        if change.rt is REPLICASETS:
            self.enqueue_own_change(change)
        elif change.rt is PODS:
            # an annotation alone changes nothing a ReplicaSet counts (keeps 10k-pod churn cheap)
            self.enqueue_pod_owner(change, "ReplicaSet", _status_signature)

    def resync_all(self) -> None:
        for rs in self.store.iter_objects(REPLICASETS):
            self.queue.add(_key(rs))

    def sync(self, key: tuple[str, str]) -> None:
        ns, name = key
        rs = self.store.get(REPLICASETS, ns, name)
        if rs is None:
            return
        uid = rs["metadata"]["uid"]
        pods = [p for p in self.index.pods_of(uid) if (controller_ref(p) or {}).get("uid") == uid]
        active = [p for p in pods if is_active(p)]
        want = int((rs.get("spec") or {}).get("replicas", 1) or 0)
        if not rs["metadata"].get("deletionTimestamp"):
            diff = len(active) - want
            if diff < 0:
                self._create_pods(rs, min(-diff, BURST))
            elif diff > 0:
                self._delete_pods(rs, active, min(diff, BURST))
            if abs(diff) > BURST:
                self.queue.add(key)
            if diff:
                pods = [p for p in self.index.pods_of(uid) if (controller_ref(p) or {}).get("uid") == uid]
                active = [p for p in pods if is_active(p)]
        self._update_status(rs, active)

    # -- scaling -------------------------------------------------------------------------------------------
    def _create_pods(self, rs: Obj, count: int) -> None:
        meta = rs["metadata"]
        template = (rs.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        for _ in range(count):
            name = self._pod_name(meta["namespace"], meta["name"])
            pod_meta: Obj = {"name": name, "generateName": meta["name"] + "-", "namespace": meta["namespace"],
                             "labels": dict(tmeta.get("labels") or {}),
                             "ownerReferences": [_owner(rs)]}
            if tmeta.get("annotations"):
                pod_meta["annotations"] = dict(tmeta["annotations"])
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta,
                   "spec": copy.deepcopy(template.get("spec") or {})}
            try:
                self.store.create(PODS, pod)
            except ApiError as exc:
                record_event(self.store, rs, "Warning", "FailedCreate", f"Error creating: {exc.message}",
                             COMPONENT)
                self.enqueue_after(_key(rs), self.sim.delay(1.0))
                return
            record_event(self.store, rs, "Normal", "SuccessfulCreate", f"Created pod: {name}", COMPONENT)

    def _pod_name(self, namespace: str, base: str) -> str:
        rng = self.ctx.rng
        while True:
            name = f"{base}-{''.join(rng.choice(NAME_ALPHABET) for _ in range(5))}"
            if self.store.get(PODS, namespace, name) is None:
                return name

    def _delete_pods(self, rs: Obj, active: list[Obj], count: int) -> None:
        victims = sorted(active, key=self._rank_key(active))[:count]
        for pod in victims:
            meta = pod["metadata"]
            try:
                self.store.delete(PODS, meta["namespace"], meta["name"])
            except ApiError:
                continue
            record_event(self.store, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}", COMPONENT)

    @staticmethod
    def _rank_key(active: list[Obj]):
        """Sort key: pods to delete first come first (controller.ActivePodsWithRanks)."""
        per_node: dict[str, int] = {}
        for p in active:
            node = (p.get("spec") or {}).get("nodeName") or ""
            per_node[node] = per_node.get(node, 0) + 1
        phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}

        def key(p: Obj):
            node = (p.get("spec") or {}).get("nodeName") or ""
            ready = is_pod_ready(p)
            ready_since = parse_time((condition(p, "Ready") or {}).get("lastTransitionTime")) if ready else 0.0
            restarts = sum(int(cs.get("restartCount") or 0)
                           for cs in (p.get("status") or {}).get("containerStatuses") or ())
            cost = _deletion_cost(p)
            return (1 if node else 0,
                    phase_rank.get((p.get("status") or {}).get("phase", "Pending"), 2),
                    1 if ready else 0,
                    cost,
                    -per_node.get(node, 0) if node else 0,
                    -ready_since,
                    -restarts,
                    -parse_time(p["metadata"].get("creationTimestamp")))  # newer first
        return key

    # -- status --------------------------------------------------------------------------------------------
    def _update_status(self, rs: Obj, active: list[Obj]) -> None:
        spec = rs.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        tlabels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        now = time.time()
        ready = available = labeled = 0
        next_check: float | None = None
        for p in active:
            plabels = p["metadata"].get("labels") or {}
            if all(plabels.get(k) == v for k, v in tlabels.items()):
                labeled += 1
            if is_pod_ready(p):
                ready += 1
                if is_available(p, min_ready, now):
                    available += 1
                else:
                    since = parse_time((condition(p, "Ready") or {}).get("lastTransitionTime"))
                    wait = since + min_ready - now
                    next_check = wait if next_check is None else min(next_check, wait)
        if next_check is not None:
            self.enqueue_after(_key(rs), max(0.05, next_check + 0.05))
        status: Obj = {"replicas": len(active)}
        if labeled:
            status["fullyLabeledReplicas"] = labeled
        if ready:
            status["readyReplicas"] = ready
        if available:
            status["availableReplicas"] = available
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        old = rs.get("status") or {}
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            meta = rs["metadata"]

            def put(obj: Obj) -> None:
                obj["status"] = status

            self.store.mutate(REPLICASETS, meta["namespace"], meta["name"], put)


def _status_signature(pod: Obj | None) -> tuple | None:
    """What a ReplicaSet's reconcile and status depend on in one of its pods."""
    if pod is None:
        return None
    meta, status = pod["metadata"], pod.get("status") or {}
    ready = next(((c.get("status"), c.get("lastTransitionTime")) for c in status.get("conditions") or []
                  if c.get("type") == "Ready"), None)
    return (meta.get("labels"), meta.get("ownerReferences"), meta.get("deletionTimestamp"), status.get("phase"),
            ready, (pod.get("spec") or {}).get("nodeName"))


def _deletion_cost(pod: Obj) -> int:
    text = (pod["metadata"].get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost")
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _owner(rs: Obj) -> Obj:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"],
            "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
