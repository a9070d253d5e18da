"""PersistentVolumeClaims and PersistentVolumes: the PV controller and a CSI external provisioner.

A claim binds to an Available volume that fits it (class, access modes, size), or is provisioned by its
StorageClass: ``Immediate`` classes provision at once, ``WaitForFirstConsumer`` ones once the scheduler has
picked a node for a pod using the claim (``volume.kubernetes.io/selected-node``); after a short (scaled) delay
a volume ``pvc-<claim uid>`` appears, with the class's reclaim policy and the node's zone as node affinity,
and both sides become ``Bound``. A claim whose StorageClass does not exist stays ``Pending`` with a
``ProvisioningFailed`` warning, one without a class and without a matching volume with ``FailedBinding``.
Deleting a bound claim releases its volume; ``Delete`` volumes are then removed. Events are worded like the
persistentvolume-controller's and the Azure Disk CSI provisioner's.
"""

from __future__ import annotations

import hashlib

from ..errors import ApiError
from ..events import record_event
from ..resources import NODES, PVCS, PVS, STORAGECLASSES
from ..store import now_iso
from .base import Controller
from .util import Obj, parse_quantity

COMPONENT = "persistentvolume-controller"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
PROVISIONER_ANNOTATIONS = ("volume.kubernetes.io/storage-provisioner", "volume.beta.kubernetes.io/storage-provisioner")
PROVISION_SECONDS = 1.2
ZONE_LABEL = "topology.kubernetes.io/zone"


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def claim_class(pvc: Obj) -> str:
    beta = (pvc["metadata"].get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
    return beta if beta is not None else (pvc.get("spec") or {}).get("storageClassName") or ""


def _request(pvc: Obj) -> str:
    return str((((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "0"))


class VolumeController(Controller):
    name = "volumes"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.provisioning: set[str] = set()  # claim uids with a provision in flight

    def on_change(self, change) -> None:
        obj = change.obj
        if change.rt is PVCS:
            if change.type == "DELETED":
                self.queue.add(("released", obj["metadata"].get("uid", ""), obj["metadata"].get("namespace", ""),
                                obj["metadata"]["name"]))
                return
            self.queue.add(("claim", *_key(obj)))
        elif change.rt is PVS:
            if change.type == "DELETED":
                return
            if change.type == "ADDED" or (change.old or {}).get("spec") != obj.get("spec"):
                self.queue.add(("volume", obj["metadata"]["name"]))
                ref = (obj.get("spec") or {}).get("claimRef")
                if ref:
                    self.queue.add(("claim", ref.get("namespace", ""), ref.get("name", "")))
                else:
                    self._pending_claims()
        elif change.rt is STORAGECLASSES and change.type == "ADDED":
            self._pending_claims()

    def _pending_claims(self) -> None:
        for pvc in self.store.iter_objects(PVCS):
            if not (pvc.get("spec") or {}).get("volumeName"):
                self.queue.add(("claim", *_key(pvc)))

    def resync_all(self) -> None:
        for pv in self.store.iter_objects(PVS):
            self.queue.add(("volume", pv["metadata"]["name"]))
        for pvc in self.store.iter_objects(PVCS):
            self.queue.add(("claim", *_key(pvc)))

    def sync(self, key: tuple) -> None:
        if key[0] == "released":
            self._released(key[1], key[2], key[3])
            return
        if key[0] == "volume":
            self._volume(key[1])
            return
        pvc = self.store.get(PVCS, key[1], key[2])
        if pvc is None or pvc["metadata"].get("deletionTimestamp"):
            return
        spec = pvc.get("spec") or {}
        if spec.get("volumeName"):
            pv = self.store.get(PVS, None, spec["volumeName"])
            if pv is not None:
                self._bind(pvc, pv)
            return
        pv = self._find_volume(pvc)
        if pv is not None:
            self._bind(pvc, pv)
            return
        cls = claim_class(pvc)
        if not cls:
            self._event_once(pvc, "Normal", "FailedBinding",
                             "no persistent volumes available for this claim and no storage class is set")
            return
        sc = self.store.get(STORAGECLASSES, None, cls)
        if sc is None:
            self._event_once(pvc, "Warning", "ProvisioningFailed", f'storageclass.storage.k8s.io "{cls}" not found')
            return
        annotations = pvc["metadata"].get("annotations") or {}
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not annotations.get(SELECTED_NODE):
            self._event_once(pvc, "Normal", "WaitForFirstConsumer",
                             "waiting for first consumer to be created before binding")
            return
        self._provision(pvc, sc)

    # -- binding ---------------------------------------------------------------------------------------------------
    def _find_volume(self, pvc: Obj) -> Obj | None:
        spec = pvc.get("spec") or {}
        want = parse_quantity(_request(pvc))
        modes = set(spec.get("accessModes") or [])
        best = None
        for pv in self.store.iter_objects(PVS):
            pspec = pv.get("spec") or {}
            if (pv.get("status") or {}).get("phase") != "Available" or pspec.get("claimRef"):
                continue
            if (pspec.get("storageClassName") or "") != claim_class(pvc) or not modes <= set(pspec.get("accessModes")
                                                                                              or []):
                continue
            size = parse_quantity((pspec.get("capacity") or {}).get("storage"))
            if size >= want and (best is None or size < parse_quantity(best["spec"]["capacity"]["storage"])):
                best = pv
        return best

    def _bind(self, pvc: Obj, pv: Obj) -> None:
        meta = pvc["metadata"]
        ref = {"kind": "PersistentVolumeClaim", "namespace": meta["namespace"], "name": meta["name"],
               "uid": meta["uid"], "apiVersion": "v1", "resourceVersion": meta.get("resourceVersion", "")}
        pv_ref = (pv.get("spec") or {}).get("claimRef") or {}
        if pv_ref and pv_ref.get("uid") not in (None, "", meta["uid"]):
            return  # bound to another claim
        now = now_iso()

        def bind_pv(obj: Obj) -> None:
            if not (obj["spec"].get("claimRef") or {}).get("uid"):
                obj["spec"]["claimRef"] = ref
                obj["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
            if (obj.get("status") or {}).get("phase") != "Bound":
                obj["status"] = {"phase": "Bound", "lastPhaseTransitionTime": now}

        self.store.mutate(PVS, None, pv["metadata"]["name"], bind_pv)
        capacity = dict((pv.get("spec") or {}).get("capacity") or {})
        modes = list((pv.get("spec") or {}).get("accessModes") or [])

        def bind_pvc(obj: Obj) -> None:
            obj["spec"]["volumeName"] = pv["metadata"]["name"]
            ann = obj["metadata"].setdefault("annotations", {})
            ann["pv.kubernetes.io/bind-completed"] = "yes"
            if (pv["metadata"].get("annotations") or {}).get("pv.kubernetes.io/provisioned-by") is None:
                ann["pv.kubernetes.io/bound-by-controller"] = "yes"
            obj["status"] = {"phase": "Bound", "accessModes": modes, "capacity": capacity}

        self.store.mutate(PVCS, meta["namespace"], meta["name"], bind_pvc)

    # -- provisioning ----------------------------------------------------------------------------------------------
    def _provision(self, pvc: Obj, sc: Obj) -> None:
        meta = pvc["metadata"]
        uid = meta["uid"]
        if uid in self.provisioning:
            return
        provisioner = sc.get("provisioner", "")
        annotations = meta.get("annotations") or {}
        if not all(annotations.get(a) == provisioner for a in PROVISIONER_ANNOTATIONS):
            def mark(obj: Obj) -> None:
                ann = obj["metadata"].setdefault("annotations", {})
                for a in PROVISIONER_ANNOTATIONS:
                    ann[a] = provisioner

            self.store.mutate(PVCS, meta["namespace"], meta["name"], mark)
        record_event(self.store, pvc, "Normal", "ExternalProvisioning",
                     f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or "
                     "manually by the system administrator. If volume creation is delayed, please verify that the "
                     "provisioner is running and correctly registered.", COMPONENT)
        source = self._provisioner_identity(provisioner, annotations.get(SELECTED_NODE))
        record_event(self.store, pvc, "Normal", "Provisioning",
                     f'External provisioner is provisioning volume for claim "{meta["namespace"]}/{meta["name"]}"',
                     source)
        self.provisioning.add(uid)
        ns, name = meta["namespace"], meta["name"]
        self.ctx.call_later(self.sim.delay(PROVISION_SECONDS * self.ctx.rng.uniform(0.8, 1.2)),
                            lambda: self._provisioned(ns, name, uid))

    @staticmethod
    def _provisioner_identity(provisioner: str, node: str | None) -> str:
        digest = hashlib.sha256(provisioner.encode()).hexdigest()
        return f"{provisioner}_{node or 'csi-azuredisk-controller'}_{digest[:8]}-{digest[8:12]}-{digest[12:16]}"

    def _provisioned(self, namespace: str, name: str, uid: str) -> None:
        self.provisioning.discard(uid)
        pvc = self.store.get(PVCS, namespace, name)
        if pvc is None or pvc["metadata"].get("uid") != uid or (pvc.get("spec") or {}).get("volumeName"):
            return
        sc = self.store.get(STORAGECLASSES, None, claim_class(pvc))
        if sc is None:
            self.queue.add(("claim", namespace, name))
            self.ctx.wake()
            return
        provisioner = sc.get("provisioner", "")
        node_name = (pvc["metadata"].get("annotations") or {}).get(SELECTED_NODE)
        pv_name = f"pvc-{uid}"
        request = _request(pvc)
        spec: Obj = {"accessModes": list((pvc.get("spec") or {}).get("accessModes") or []),
                     "capacity": {"storage": request},
                     "claimRef": {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name, "uid": uid,
                                  "apiVersion": "v1", "resourceVersion": pvc["metadata"].get("resourceVersion", "")},
                     "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                     "storageClassName": sc["metadata"]["name"],
                     "volumeMode": (pvc.get("spec") or {}).get("volumeMode", "Filesystem")}
        if "disk.csi" in provisioner:
            spec["csi"] = {"driver": provisioner, "fsType": (sc.get("parameters") or {}).get("fsType", "ext4"),
                           "volumeHandle": f"/subscriptions/5c8e3f0a-1d2b-4e6f-9a7b-3c4d5e6f7a8b/resourceGroups/"
                                           f"mc_demo-rg_demo-aks_westeurope/providers/Microsoft.Compute/disks/{pv_name}",
                           "volumeAttributes": {"csi.storage.k8s.io/pv/name": pv_name,
                                                "csi.storage.k8s.io/pvc/name": name,
                                                "csi.storage.k8s.io/pvc/namespace": namespace,
                                                "requestedsizegib": str(max(1, round(parse_quantity(request) / 2**30))),
                                                "skuname": (sc.get("parameters") or {}).get("skuname",
                                                                                            "StandardSSD_LRS")}}
            node = self.store.get(NODES, None, node_name) if node_name else None
            zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
            if zone:
                spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "topology.disk.csi.azure.com/zone", "operator": "In", "values": [zone]}]}]}}
        else:
            spec["csi"] = {"driver": provisioner, "volumeHandle": f"{pv_name}#{namespace}#{name}"}
        if sc.get("mountOptions"):
            spec["mountOptions"] = list(sc["mountOptions"])
        pv = {"metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": provisioner,
                                                            "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                                                            "volume.kubernetes.io/provisioner-deletion-secret-namespace":
                                                                ""}},
              "spec": spec}
        try:
            created = self.store.create(PVS, pv)
        except ApiError as exc:
            record_event(self.store, pvc, "Warning", "ProvisioningFailed", f"failed to provision volume: {exc.message}",
                         self._provisioner_identity(provisioner, node_name))
            return
        record_event(self.store, pvc, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {pv_name}",
                     self._provisioner_identity(provisioner, node_name))
        self._bind(self.store.must_get(PVCS, namespace, name), created)

    def _released(self, uid: str, namespace: str, name: str) -> None:
        for pv in list(self.store.iter_objects(PVS)):
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            if ref.get("uid") != uid:
                continue
            pv_name = pv["metadata"]["name"]
            if (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
                try:
                    self.store.delete(PVS, None, pv_name)
                except ApiError:
                    pass
            else:
                def release(obj: Obj) -> None:
                    obj["status"] = {"phase": "Released", "lastPhaseTransitionTime": now_iso()}

                self.store.mutate(PVS, None, pv_name, release)

    def _volume(self, name: str) -> None:
        """A new volume without a claim becomes Available."""
        pv = self.store.get(PVS, None, name)
        if pv is None or (pv.get("spec") or {}).get("claimRef") or (pv.get("status") or {}).get("phase") != "Pending":
            return

        def available(obj: Obj) -> None:
            obj["status"] = {"phase": "Available", "lastPhaseTransitionTime": now_iso()}

        self.store.mutate(PVS, None, name, available)

    def _event_once(self, pvc: Obj, type_: str, reason: str, message: str) -> None:
        """Record (or count up, through the event correlator) the claim's pending reason."""
        record_event(self.store, pvc, type_, reason, message, COMPONENT)
