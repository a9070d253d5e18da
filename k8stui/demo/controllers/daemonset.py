"""The DaemonSet controller: one pod on every node that should run it (pkg/controller/daemon).

A node should run the daemon pod when it matches the template's nodeSelector/required node affinity and every
NoSchedule/NoExecute taint is tolerated (so none lands on the tainted ``virtual-node-aci`` or the benchmark
nodes unless the template tolerates them). Each pod is pinned to its node with a ``matchFields
metadata.name`` node affinity term and gets the daemon tolerations (not-ready, unreachable, pressure,
unschedulable) before the scheduler binds it. Pods on nodes that should not run one are deleted
(misscheduled); failed pods are replaced. Rolling updates replace at most ``maxUnavailable`` pods at a time
(old pod deleted, new one created once it is gone). Revisions are ControllerRevisions (history.py); pods
carry ``controller-revision-hash`` and ``pod-template-generation``. Status counts as the real controller does.
"""

from __future__ import annotations

import copy
import time

from ..errors import ApiError
from ..events import record_event
from ..resources import DAEMONSETS, NODES, PODS
from .base import Controller
from .deployment import scaled_value
from .history import HASH_LABEL, ensure_revision, template_of, truncate
from .replicaset import NAME_ALPHABET
from .scheduler import matches_node_affinity, tolerates
from .util import Obj, controller_ref, is_available, is_pod_ready, is_terminal, owner_ref

COMPONENT = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
DAEMON_TOLERATIONS = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def pinned_node(pod: Obj) -> str | None:
    """The node a daemon pod is pinned to (its nodeName, or its matchFields metadata.name term)."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or [])
    for term in terms:
        for f in term.get("matchFields") or []:
            if f.get("key") == "metadata.name" and f.get("operator") == "In" and f.get("values"):
                return f["values"][0]
    return None


def should_run(template: Obj, node: Obj) -> bool:
    """nodeShouldRunDaemonPod: node selector and affinity match, and every NoSchedule/NoExecute taint is
    tolerated (cordoning does not matter: daemon pods tolerate ``unschedulable``)."""
    probe = {"metadata": {}, "spec": template.get("spec") or {}}
    if not matches_node_affinity(probe, node):
        return False
    tolerations = list((template.get("spec") or {}).get("tolerations") or []) + list(DAEMON_TOLERATIONS)
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return False
    return True


def _pod_signature(pod: Obj | None) -> tuple | None:
    if pod is None:
        return None
    status = pod.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    return (status.get("phase"), ready, pod["metadata"].get("deletionTimestamp"), (pod.get("spec") or {}).get(
        "nodeName"))


def _node_signature(node: Obj | None) -> tuple | None:
    if node is None:
        return None
    return (node["metadata"].get("labels"), (node.get("spec") or {}).get("taints"))


class DaemonSetController(Controller):
    name = "daemonset"

    def on_change(self, change) -> None:
        if change.rt is DAEMONSETS:
            self.enqueue_own_change(change)
        elif change.rt is PODS:
            self.enqueue_pod_owner(change, "DaemonSet", _pod_signature)
        elif change.rt is NODES:
            if change.type == "MODIFIED" and _node_signature(change.old) == _node_signature(change.obj):
                return
            self.resync_all()

    def resync_all(self) -> None:
        for ds in self.store.iter_objects(DAEMONSETS):
            self.queue.add(_key(ds))

    def sync(self, key: tuple[str, str]) -> None:
        ds = self.store.get(DAEMONSETS, *key)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        update_rev, revisions = ensure_revision(self.store, self.index, ds)
        digest = (update_rev["metadata"].get("labels") or {}).get(HASH_LABEL, "")
        template = template_of(update_rev)
        nodes = sorted(self.store.iter_objects(NODES), key=lambda n: n["metadata"]["name"])
        uid = ds["metadata"]["uid"]
        by_node: dict[str, list[Obj]] = {}
        for pod in self.index.pods_of(uid):
            if (controller_ref(pod) or {}).get("uid") != uid:
                continue
            by_node.setdefault(pinned_node(pod) or "", []).append(pod)
        wanted = {n["metadata"]["name"] for n in nodes if should_run(template, n)}
        for node in nodes:
            name = node["metadata"]["name"]
            pods = [p for p in by_node.get(name, []) if not p["metadata"].get("deletionTimestamp")]
            if name not in wanted:
                for pod in pods:
                    self._delete(ds, pod)
                continue
            failed = [p for p in pods if (p.get("status") or {}).get("phase") == "Failed"]
            for pod in failed:
                self._delete(ds, pod)
            pods = [p for p in pods if p not in failed]
            terminating = [p for p in by_node.get(name, []) if p["metadata"].get("deletionTimestamp")]
            if not pods and not terminating:
                self._create(ds, template, digest, name)
            for extra in sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp", ""))[1:]:
                self._delete(ds, extra)
        for name, pods in by_node.items():
            if name not in {n["metadata"]["name"] for n in nodes}:
                for pod in pods:
                    if not pod["metadata"].get("deletionTimestamp"):
                        self._delete(ds, pod)
        self._rolling_update(ds, digest, by_node, wanted)
        self._update_status(ds, digest, wanted)
        live = {update_rev["metadata"]["name"]}
        live |= {f"{ds['metadata']['name']}-{(p['metadata'].get('labels') or {}).get(REVISION_LABEL, '')}"
                 for pods in by_node.values() for p in pods}
        truncate(self.store, ds, revisions, live)

    def _rolling_update(self, ds: Obj, digest: str, by_node: dict[str, list[Obj]], wanted: set[str]) -> None:
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        max_unavailable = max(1, scaled_value((strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1),
                                              len(wanted), True))
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        unavailable = 0
        old_available: list[Obj] = []
        now = time.time()
        for name in sorted(wanted):
            pods = [p for p in by_node.get(name, []) if not is_terminal(p)]
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            if not live or not any(is_available(p, min_ready, now) for p in live):
                unavailable += 1
                continue
            for p in live:
                if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) != digest:
                    old_available.append(p)
        for pod in old_available:
            if unavailable >= max_unavailable:
                break
            self._delete(ds, pod)
            unavailable += 1

    def _create(self, ds: Obj, template: Obj, digest: str, node: str) -> None:
        meta = ds["metadata"]
        tmeta = template.get("metadata") or {}
        spec = copy.deepcopy(template.get("spec") or {})
        affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}
        tolerations = list(spec.get("tolerations") or [])
        for t in DAEMON_TOLERATIONS:
            if not any(x.get("key") == t["key"] and x.get("effect") == t["effect"] for x in tolerations):
                tolerations.append(dict(t))
        spec["tolerations"] = tolerations
        labels = dict(tmeta.get("labels") or {})
        labels[REVISION_LABEL] = digest
        labels[GENERATION_LABEL] = str(meta.get("generation", 1))
        rng = self.ctx.rng
        while True:
            name = f"{meta['name']}-{''.join(rng.choice(NAME_ALPHABET) for _ in range(5))}"
            if self.store.get(PODS, meta["namespace"], name) is None:
                break
        pod_meta: Obj = {"name": name, "generateName": meta["name"] + "-", "namespace": meta["namespace"],
                         "labels": labels, "ownerReferences": [owner_ref(ds)]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        try:
            self.store.create(PODS, {"metadata": pod_meta, "spec": spec})
        except ApiError as exc:
            record_event(self.store, ds, "Warning", "FailedCreate", f"Error creating: {exc.message}", COMPONENT)
            self.enqueue_after(_key(ds), self.sim.delay(1.0))
            return
        record_event(self.store, ds, "Normal", "SuccessfulCreate", f"Created pod: {name}", COMPONENT)

    def _delete(self, ds: Obj, pod: Obj) -> None:
        meta = pod["metadata"]
        try:
            self.store.delete(PODS, meta["namespace"], meta["name"])
        except ApiError:
            return
        record_event(self.store, ds, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}", COMPONENT)

    def _update_status(self, ds: Obj, digest: str, wanted: set[str]) -> None:
        uid = ds["metadata"]["uid"]
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        now = time.time()
        scheduled: set[str] = set()
        misscheduled: set[str] = set()
        ready = available = updated = 0
        for pod in self.index.pods_of(uid):
            if (controller_ref(pod) or {}).get("uid") != uid or pod["metadata"].get("deletionTimestamp") or \
                    is_terminal(pod):
                continue
            node = (pod.get("spec") or {}).get("nodeName")
            if not node:
                continue
            if node not in wanted:
                misscheduled.add(node)
                continue
            scheduled.add(node)
            if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) == digest:
                updated += 1
            if is_pod_ready(pod):
                ready += 1
                if is_available(pod, min_ready, now):
                    available += 1
        status: Obj = {"currentNumberScheduled": len(scheduled), "desiredNumberScheduled": len(wanted),
                       "numberMisscheduled": len(misscheduled), "numberReady": ready,
                       "observedGeneration": ds["metadata"].get("generation", 1)}
        if updated:
            status["updatedNumberScheduled"] = updated
        if available:
            status["numberAvailable"] = available
        if len(wanted) - available:
            status["numberUnavailable"] = len(wanted) - available
        old = ds.get("status") or {}
        if status != old:
            def put(obj: Obj) -> None:
                obj["status"] = status

            self.store.mutate(DAEMONSETS, ds["metadata"]["namespace"], ds["metadata"]["name"], put)
