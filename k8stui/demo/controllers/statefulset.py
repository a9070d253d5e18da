"""The StatefulSet controller: ordinal pods with stable names and their own PersistentVolumeClaims.

Follows pkg/controller/statefulset: pods are named ``<set>-<ordinal>`` with ``hostname``/``subdomain`` for the
governing Service, each claim template becomes a PVC ``<template>-<set>-<ordinal>`` created before its pod
(kept after the pod and the set unless ``persistentVolumeClaimRetentionPolicy`` says Delete). With
``OrderedReady`` a pod is created only when every lower ordinal is Running and Ready, and scale-down removes the
highest ordinal first, one at a time; ``Parallel`` does both at once. Rolling updates replace pods from the
highest ordinal down to ``partition``, one at a time, each waiting for the previous to be Ready; ``OnDelete``
only uses the new template for pods the user deletes. Revisions are ControllerRevisions (history.py), so
``kubectl rollout history|undo|status sts`` work. Status fields are the real controller's.
"""

from __future__ import annotations

import copy
import re
import time

from ..errors import ApiError
from ..events import record_event
from ..resources import PODS, PVCS, STATEFULSETS
from .base import Controller
from .history import ensure_revision, template_of, truncate
from .util import (
    Obj,
    condition,
    controller_ref,
    is_available,
    is_pod_ready,
    is_terminal,
    owner_ref,
    parse_time,
)

COMPONENT = "statefulset-controller"
REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _healthy(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_pod_ready(pod) and \
        not pod["metadata"].get("deletionTimestamp")


def _pod_signature(pod: Obj | None) -> tuple | None:
    if pod is None:
        return None
    status = pod.get("status") or {}
    ready = condition(pod, "Ready") or {}
    return (status.get("phase"), ready.get("status"), pod["metadata"].get("deletionTimestamp"),
            (pod["metadata"].get("labels") or {}).get(REVISION_LABEL))


def claim_name(template: Obj, set_name: str, ordinal: int) -> str:
    return f"{(template.get('metadata') or {}).get('name', '')}-{set_name}-{ordinal}"


class StatefulSetController(Controller):
    name = "statefulset"

    def on_change(self, change) -> None:
        if change.rt is STATEFULSETS:
            self.enqueue_own_change(change)
        elif change.rt is PODS:
            self.enqueue_pod_owner(change, "StatefulSet", _pod_signature)

    def resync_all(self) -> None:
        for sts in self.store.iter_objects(STATEFULSETS):
            self.queue.add(_key(sts))

    # -- reconcile -------------------------------------------------------------------------------------------------
    def sync(self, key: tuple[str, str]) -> None:
        sts = self.store.get(STATEFULSETS, *key)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        update_rev, revisions = ensure_revision(self.store, self.index, sts)
        status = sts.get("status") or {}
        current_name = status.get("currentRevision") or update_rev["metadata"]["name"]
        current_rev = next((r for r in revisions if r["metadata"]["name"] == current_name), update_rev)
        pods = self._pods(sts)
        self._reconcile(sts, pods, current_rev, update_rev)
        pods = self._pods(sts)
        self._update_status(sts, pods, current_rev, update_rev)
        live = {current_rev["metadata"]["name"], update_rev["metadata"]["name"]}
        live |= {(p["metadata"].get("labels") or {}).get(REVISION_LABEL, "") for p in pods.values()}
        truncate(self.store, sts, revisions, live)

    def _pods(self, sts: Obj) -> dict[int, Obj]:
        uid = sts["metadata"]["uid"]
        pattern = re.compile(rf"^{re.escape(sts['metadata']['name'])}-(\d+)$")
        out: dict[int, Obj] = {}
        for pod in self.index.pods_of(uid):
            if (controller_ref(pod) or {}).get("uid") != uid:
                continue
            m = pattern.match(pod["metadata"]["name"])
            if m:
                out[int(m.group(1))] = pod
        return out

    def _reconcile(self, sts: Obj, pods: dict[int, Obj], current_rev: Obj, update_rev: Obj) -> None:
        spec = sts.get("spec") or {}
        replicas = int(spec.get("replicas", 1) or 0)
        ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        strategy = spec.get("updateStrategy") or {}
        partition = int(((strategy.get("rollingUpdate") or {}).get("partition")) or 0)
        for ordinal in range(replicas):
            pod = pods.get(ordinal)
            if pod is None:
                use_current = strategy.get("type", "RollingUpdate") == "RollingUpdate" and ordinal < partition
                self._create_pod(sts, ordinal, current_rev if use_current else update_rev)
                if ordered:
                    return
                continue
            if is_terminal(pod):
                self._delete_pod(sts, pod, "recreate")
                if ordered:
                    return
                continue
            if ordered and not _healthy(pod):
                return
        condemned = sorted((o for o in pods if o >= replicas), reverse=True)
        for ordinal in condemned:
            pod = pods[ordinal]
            if pod["metadata"].get("deletionTimestamp"):
                if ordered:
                    return
                continue
            if ordered and any(not _healthy(pods[o]) for o in pods if o < replicas):
                return
            self._delete_pod(sts, pod, "scale down")
            if ordered:
                return
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        if any(not _healthy(pods[o]) for o in pods if o < replicas) or len(
                [o for o in pods if o < replicas]) < replicas:
            return
        update_name = update_rev["metadata"]["name"]
        for ordinal in range(replicas - 1, partition - 1, -1):
            pod = pods.get(ordinal)
            if pod is None:
                return
            if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != update_name and \
                    not pod["metadata"].get("deletionTimestamp"):
                self._delete_pod(sts, pod, "update")
                return
            if not _healthy(pod):
                return

    # -- pods and claims ---------------------------------------------------------------------------------------------
    def _create_pod(self, sts: Obj, ordinal: int, revision: Obj) -> None:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        ns, set_name = meta["namespace"], meta["name"]
        template = copy.deepcopy(template_of(revision))
        tmeta = template.get("metadata") or {}
        name = f"{set_name}-{ordinal}"
        pod_spec = template.get("spec") or {}
        pod_spec["hostname"] = name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        volumes = [v for v in pod_spec.get("volumes") or []]
        for claim in spec.get("volumeClaimTemplates") or []:
            cname = (claim.get("metadata") or {}).get("name", "")
            if not self._ensure_claim(sts, claim, ordinal):
                return
            volumes = [v for v in volumes if v.get("name") != cname]
            volumes.append({"name": cname, "persistentVolumeClaim": {"claimName": claim_name(claim, set_name,
                                                                                             ordinal)}})
        if volumes:
            pod_spec["volumes"] = volumes
        labels = dict(tmeta.get("labels") or {})
        labels.update({REVISION_LABEL: revision["metadata"]["name"], POD_NAME_LABEL: name,
                       POD_INDEX_LABEL: str(ordinal)})
        pod_meta: Obj = {"name": name, "namespace": ns, "labels": labels, "ownerReferences": [owner_ref(sts)]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        try:
            self.store.create(PODS, {"metadata": pod_meta, "spec": pod_spec})
        except ApiError as exc:
            if exc.code == 409:
                return
            record_event(self.store, sts, "Warning", "FailedCreate",
                         f"create Pod {name} in StatefulSet {set_name} failed error: {exc.message}", COMPONENT)
            self.enqueue_after(_key(sts), self.sim.delay(1.0))
            return
        record_event(self.store, sts, "Normal", "SuccessfulCreate",
                     f"create Pod {name} in StatefulSet {set_name} successful", COMPONENT)

    def _ensure_claim(self, sts: Obj, claim: Obj, ordinal: int) -> bool:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        ns, set_name = meta["namespace"], meta["name"]
        name = claim_name(claim, set_name, ordinal)
        if self.store.get(PVCS, ns, name) is not None:
            return True
        cmeta = claim.get("metadata") or {}
        labels = dict(cmeta.get("labels") or {})
        labels.update(((spec.get("selector") or {}).get("matchLabels")) or {})
        pvc_meta: Obj = {"name": name, "namespace": ns, "labels": labels}
        if cmeta.get("annotations"):
            pvc_meta["annotations"] = dict(cmeta["annotations"])
        policy = spec.get("persistentVolumeClaimRetentionPolicy") or {}
        if policy.get("whenDeleted") == "Delete":
            pvc_meta["ownerReferences"] = [owner_ref(sts)]
        try:
            self.store.create(PVCS, {"metadata": pvc_meta, "spec": copy.deepcopy(claim.get("spec") or {})})
        except ApiError as exc:
            if exc.code == 409:
                return True
            record_event(self.store, sts, "Warning", "FailedCreate",
                         f"create Claim {name} for Pod {set_name}-{ordinal} in StatefulSet {set_name} failed "
                         f"error: {exc.message}", COMPONENT)
            self.enqueue_after(_key(sts), self.sim.delay(1.0))
            return False
        record_event(self.store, sts, "Normal", "SuccessfulCreate",
                     f"create Claim {name} Pod {set_name}-{ordinal} in StatefulSet {set_name} success", COMPONENT)
        return True

    def _delete_pod(self, sts: Obj, pod: Obj, why: str) -> None:
        meta = pod["metadata"]
        try:
            self.store.delete(PODS, meta["namespace"], meta["name"])
        except ApiError:
            return
        record_event(self.store, sts, "Normal", "SuccessfulDelete",
                     f"delete Pod {meta['name']} in StatefulSet {sts['metadata']['name']} successful", COMPONENT)

    # -- status ------------------------------------------------------------------------------------------------------
    def _update_status(self, sts: Obj, pods: dict[int, Obj], current_rev: Obj, update_rev: Obj) -> None:
        spec = sts.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = time.time()
        current_name, update_name = current_rev["metadata"]["name"], update_rev["metadata"]["name"]
        replicas = ready = available = current = updated = 0
        next_check = None
        for pod in pods.values():
            if is_terminal(pod):
                continue
            replicas += 1
            if is_pod_ready(pod) and not pod["metadata"].get("deletionTimestamp"):
                ready += 1
                if is_available(pod, min_ready, now):
                    available += 1
                else:
                    since = parse_time((condition(pod, "Ready") or {}).get("lastTransitionTime"))
                    next_check = since + min_ready - now
            revision = (pod["metadata"].get("labels") or {}).get(REVISION_LABEL)
            if revision == current_name:
                current += 1
            if revision == update_name:
                updated += 1
        if next_check is not None:
            self.enqueue_after(_key(sts), max(0.05, next_check + 0.05))
        old = sts.get("status") or {}
        rolling = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        if rolling and updated == replicas == ready == int(spec.get("replicas", 1) or 0):
            current_name, current = update_name, updated
        status: Obj = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": replicas,
                       "readyReplicas": ready, "currentReplicas": current, "updatedReplicas": updated,
                       "currentRevision": current_name, "updateRevision": update_name,
                       "collisionCount": int(old.get("collisionCount") or 0), "availableReplicas": available}
        for k in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if not status[k]:
                del status[k]
        if status != old:
            def put(obj: Obj) -> None:
                obj["status"] = status

            self.store.mutate(STATEFULSETS, sts["metadata"]["namespace"], sts["metadata"]["name"], put)
