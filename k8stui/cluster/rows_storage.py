"""Row projections of storage: PersistentVolumeClaim, PersistentVolume, StorageClass.

Capacities are kept in bytes (sorting) next to the quantity as the server wrote it (display: ``8Gi``); access
modes in kubectl's short form (RWO, ROX, RWX, RWOP). A claim knows the volume it is bound to and a volume the
claim it serves, so a view can go from one to the other without another request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .quantity import parse_memory, parse_time
from .rows import Labels, _Aged, _labels, _uid

ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                "ReadWriteOncePod": "RWOP"}
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")


def access_modes_text(modes: Iterable[str] | None) -> str:
    """``["ReadWriteOnce", "ReadOnlyMany"]`` -> ``RWO,ROX`` (kubectl's ACCESS MODES)."""
    return ",".join(ACCESS_MODES.get(m, m) for m in modes or ())


@dataclass(frozen=True, slots=True)
class PvcRow(_Aged):
    uid: str
    namespace: str
    name: str
    status: str                 # Pending, Bound, Lost (Terminating while being deleted)
    volume: str                 # the PV it is bound to ("" while Pending)
    capacity: str               # what it got ("8Gi"; "" while Pending)
    capacity_bytes: int
    requested: str              # what it asked for
    requested_bytes: int
    access_modes: str           # "RWO"
    storage_class: str
    volume_mode: str
    created: float | None
    labels: Labels


def pvc_row(raw: Mapping[str, Any]) -> PvcRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    capacity = str((status.get("capacity") or {}).get("storage") or "")
    requested = str(((spec.get("resources") or {}).get("requests") or {}).get("storage") or "")
    phase = "Terminating" if meta.get("deletionTimestamp") else (status.get("phase") or "Pending")
    return PvcRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""), status=phase,
        volume=spec.get("volumeName") or "", capacity=capacity, capacity_bytes=parse_memory(capacity),
        requested=requested, requested_bytes=parse_memory(requested),
        access_modes=access_modes_text(status.get("accessModes") or spec.get("accessModes")),
        storage_class=spec.get("storageClassName") or "", volume_mode=spec.get("volumeMode") or "Filesystem",
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


@dataclass(frozen=True, slots=True)
class PvRow(_Aged):
    uid: str
    name: str
    capacity: str
    capacity_bytes: int
    access_modes: str
    reclaim_policy: str         # Delete, Retain, Recycle
    status: str                 # Available, Bound, Released, Failed, Pending
    claim: str                  # "shop/data-postgres-0" ("" when unclaimed)
    storage_class: str
    reason: str
    source: str                 # "csi disk.csi.azure.com", "hostPath", "nfs" ...
    created: float | None
    labels: Labels

    namespace: str = ""         # cluster-scoped; here so every row has one


_PV_SOURCES = ("csi", "hostPath", "nfs", "local", "awsElasticBlockStore", "gcePersistentDisk", "azureDisk",
               "azureFile", "iscsi", "fc", "cephfs", "rbd")


def _pv_source(spec: Mapping[str, Any]) -> str:
    for source in _PV_SOURCES:
        if source in spec:
            if source == "csi":
                return f"csi {(spec.get('csi') or {}).get('driver') or ''}".strip()
            return source
    return ""


def pv_row(raw: Mapping[str, Any]) -> PvRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    capacity = str((spec.get("capacity") or {}).get("storage") or "")
    claim = spec.get("claimRef") or {}
    phase = "Terminating" if meta.get("deletionTimestamp") else (status.get("phase") or "Pending")
    return PvRow(
        uid=_uid(meta), name=meta.get("name", ""), capacity=capacity, capacity_bytes=parse_memory(capacity),
        access_modes=access_modes_text(spec.get("accessModes")),
        reclaim_policy=spec.get("persistentVolumeReclaimPolicy") or "Retain", status=phase,
        claim=f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim.get("name") else "",
        storage_class=spec.get("storageClassName") or "", reason=status.get("reason") or "",
        source=_pv_source(spec), created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


@dataclass(frozen=True, slots=True)
class StorageClassRow(_Aged):
    uid: str
    name: str
    default: bool
    provisioner: str
    reclaim_policy: str
    binding_mode: str           # Immediate, WaitForFirstConsumer
    allow_expansion: bool
    parameters: tuple[tuple[str, str], ...]
    created: float | None
    labels: Labels

    namespace: str = ""

    @property
    def display_name(self) -> str:
        """kubectl's NAME: ``default (default)`` for the default class."""
        return f"{self.name} (default)" if self.default else self.name


def storageclass_row(raw: Mapping[str, Any]) -> StorageClassRow:
    meta = raw.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return StorageClassRow(
        uid=_uid(meta), name=meta.get("name", ""),
        default=any(str(annotations.get(a, "")).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS),
        provisioner=str(raw.get("provisioner") or ""), reclaim_policy=str(raw.get("reclaimPolicy") or "Delete"),
        binding_mode=str(raw.get("volumeBindingMode") or "Immediate"),
        allow_expansion=bool(raw.get("allowVolumeExpansion")),
        parameters=tuple(sorted((str(k), str(v)) for k, v in (raw.get("parameters") or {}).items())),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


__all__ = ["ACCESS_MODES", "PvRow", "PvcRow", "StorageClassRow", "access_modes_text", "pv_row", "pvc_row",
           "storageclass_row"]
