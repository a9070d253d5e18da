"""A read-only view of what the informers hold, by kind, for the diagnosis rules.

The informers keep raw API dicts keyed by uid (``cluster.store``). A real API server's LIST items carry no
``kind``, so the kind is the key this snapshot files them under, never a field read from the object.
A kind that is absent from the snapshot is *unknown* (not watched, or forbidden), which is not the same as
*empty*: a rule that needs Secrets says nothing about missing Secrets when it cannot see them.

``scope`` says whether a kind was listed in all namespaces (``None``) or in one; e.g. free node capacity is
exact only when every namespace's pods are visible.

Also here: the small helpers the rules share (pod templates, containers, owners, images, events about an
object). Nothing here does I/O or imports Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..cluster.quantity import parse_time
from ..cluster.rows import selector_matches

Obj = dict[str, Any]

POD = "Pod"
DEPLOYMENT = "Deployment"
REPLICASET = "ReplicaSet"
STATEFULSET = "StatefulSet"
DAEMONSET = "DaemonSet"
JOB = "Job"
CRONJOB = "CronJob"
SERVICE = "Service"
EVENT = "Event"
NODE = "Node"
NAMESPACE = "Namespace"
CONFIGMAP = "ConfigMap"
SECRET = "Secret"
SERVICEACCOUNT = "ServiceAccount"
HPA = "HorizontalPodAutoscaler"
PDB = "PodDisruptionBudget"
PVC = "PersistentVolumeClaim"
STORAGECLASS = "StorageClass"
ROLE = "Role"
CLUSTERROLE = "ClusterRole"
ROLEBINDING = "RoleBinding"
CLUSTERROLEBINDING = "ClusterRoleBinding"

# Kinds whose pods the rules look at through a pod template, and the path to it.
WORKLOAD_KINDS = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, JOB, CRONJOB)
CLUSTER_SCOPED = frozenset({NODE, NAMESPACE, STORAGECLASS, CLUSTERROLE, CLUSTERROLEBINDING,
                            "PersistentVolume", "PriorityClass"})
HASH_LABEL = "pod-template-hash"


@dataclass(frozen=True, slots=True, order=True)
class ObjRef:
    """Which object: kind, namespace ("" for cluster-scoped), name and uid (may be "")."""

    kind: str
    namespace: str
    name: str
    uid: str = ""

    @property
    def title(self) -> str:
        """``Deployment shop/api-blue`` / ``Node aks-1``."""
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name, "uid": self.uid}


def ref_of(kind: str, obj: Mapping[str, Any]) -> ObjRef:
    meta = obj.get("metadata") or {}
    return ObjRef(kind, meta.get("namespace") or "", meta.get("name") or "", meta.get("uid") or "")


def uid_of(obj: Mapping[str, Any]) -> str:
    """The store's key for an object (its uid, or namespace/name for the rare object without one)."""
    meta = obj.get("metadata") or {}
    return meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}"


class Snapshot:
    """Objects by kind (``"Pod"``, ``"Deployment"`` ...), each a mapping uid -> raw dict. Do not mutate them.

    Indexes (by namespace, by name, events by involved object) are built on first use and kept, so build a new
    snapshot when the store changed rather than mutating one.
    """

    def __init__(self, objects: Mapping[str, Mapping[str, Obj]] | None = None, *,
                 scopes: Mapping[str, str | None] | None = None) -> None:
        self._objects: dict[str, Mapping[str, Obj]] = dict(objects or {})
        self._scopes: dict[str, str | None] = dict(scopes or {})
        self._by_ns: dict[str, dict[str, list[Obj]]] = {}
        self._by_name: dict[str, dict[tuple[str, str], Obj]] = {}
        self._events: dict[tuple[str, str, str], list[Obj]] | None = None
        self._events_by_uid: dict[str, list[Obj]] | None = None

    @classmethod
    def of(cls, **by_kind: Iterable[Obj]) -> Snapshot:
        """A snapshot from plain lists (tests): ``Snapshot.of(Pod=[...], Deployment=[...])``."""
        return cls({kind: {uid_of(o): o for o in objs} for kind, objs in by_kind.items()})

    @classmethod
    def from_informers(cls, informers: Mapping[str, Any]) -> Snapshot:
        """A snapshot of running informers (``cluster.store.Informer``), by kind name. Only synced informers are
        included: one still listing (or forbidden) is unknown, not empty."""
        objects: dict[str, Mapping[str, Obj]] = {}
        scopes: dict[str, str | None] = {}
        for kind, informer in informers.items():
            if informer is None or not informer.synced:
                continue
            objects[kind] = dict(informer.items())
            scopes[kind] = informer.namespace
        return cls(objects, scopes=scopes)

    # -- reading -------------------------------------------------------------------------------------------
    def has(self, kind: str) -> bool:
        """Whether ``kind`` is known (listed) at all."""
        return kind in self._objects

    def sees(self, kind: str, namespace: str) -> bool:
        """Whether ``kind`` is known in ``namespace`` (listed there or in every namespace)."""
        if kind not in self._objects:
            return False
        scope = self._scopes.get(kind)
        return scope is None or scope == namespace

    def all_namespaces(self, kind: str) -> bool:
        return kind in self._objects and self._scopes.get(kind) is None

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._objects)

    def items(self, kind: str) -> Iterator[tuple[str, Obj]]:
        return iter((self._objects.get(kind) or {}).items())

    def get(self, kind: str, uid: str) -> Obj | None:
        return (self._objects.get(kind) or {}).get(uid)

    def objects(self, kind: str, namespace: str | None = None) -> list[Obj]:
        """Every object of ``kind`` (in ``namespace`` when given)."""
        if namespace is None:
            return list((self._objects.get(kind) or {}).values())
        index = self._by_ns.get(kind)
        if index is None:
            index = {}
            for obj in (self._objects.get(kind) or {}).values():
                index.setdefault((obj.get("metadata") or {}).get("namespace") or "", []).append(obj)
            self._by_ns[kind] = index
        return list(index.get(namespace, ()))

    def by_name(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        index = self._by_name.get(kind)
        if index is None:
            index = {}
            for obj in (self._objects.get(kind) or {}).values():
                meta = obj.get("metadata") or {}
                index[(meta.get("namespace") or "", meta.get("name") or "")] = obj
            self._by_name[kind] = index
        return index.get((namespace or "", name))

    def namespaces(self) -> list[str]:
        """Every namespace some object lives in (plus the Namespace objects), sorted."""
        names: set[str] = set()
        for kind, objs in self._objects.items():
            if kind == NAMESPACE:
                names.update((o.get("metadata") or {}).get("name") or "" for o in objs.values())
            elif kind not in CLUSTER_SCOPED:
                names.update((o.get("metadata") or {}).get("namespace") or "" for o in objs.values())
        names.discard("")
        return sorted(names)

    # -- events ----------------------------------------------------------------------------------------------
    def _index_events(self) -> None:
        by_key: dict[tuple[str, str, str], list[Obj]] = {}
        by_uid: dict[str, list[Obj]] = {}
        for ev in (self._objects.get(EVENT) or {}).values():
            inv = ev.get("involvedObject") or ev.get("regarding") or {}
            ns = inv.get("namespace") or (ev.get("metadata") or {}).get("namespace") or ""
            by_key.setdefault((inv.get("kind") or "", ns, inv.get("name") or ""), []).append(ev)
            if inv.get("uid"):
                by_uid.setdefault(inv["uid"], []).append(ev)
        for lst in (*by_key.values(), *by_uid.values()):
            lst.sort(key=event_time)
        self._events, self._events_by_uid = by_key, by_uid

    def events_for(self, ref: ObjRef) -> list[Obj]:
        """Events about one object, oldest first (by uid when both sides know it, so a pod recreated under the
        same name does not inherit its predecessor's events)."""
        if self._events is None:
            self._index_events()
        assert self._events is not None and self._events_by_uid is not None
        found = self._events.get((ref.kind, ref.namespace, ref.name), [])
        if not ref.uid:
            return list(found)
        return [ev for ev in found if (ev.get("involvedObject") or ev.get("regarding") or {}).get("uid")
                in (None, "", ref.uid)]


# -- helpers the rules share -----------------------------------------------------------------------------------

def meta_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(meta_of(obj).get("labels") or {})


def event_time(ev: Mapping[str, Any]) -> float:
    """When an event last happened (``lastTimestamp``, ``series.lastObservedTime``, ``eventTime`` ...)."""
    series = ev.get("series") or {}
    for value in (ev.get("lastTimestamp"), series.get("lastObservedTime"), ev.get("eventTime"),
                  ev.get("firstTimestamp"), meta_of(ev).get("creationTimestamp")):
        t = parse_time(value) if isinstance(value, str) else None
        if t is not None:
            return t
    return 0.0


def event_first_time(ev: Mapping[str, Any]) -> float:
    for value in (ev.get("firstTimestamp"), ev.get("eventTime"), meta_of(ev).get("creationTimestamp"),
                  ev.get("lastTimestamp")):
        t = parse_time(value) if isinstance(value, str) else None
        if t is not None:
            return t
    return 0.0


def event_count(ev: Mapping[str, Any]) -> int:
    series = ev.get("series") or {}
    return int(series.get("count") or ev.get("count") or 1)


def pod_template(kind: str, obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template of a workload (a Pod is its own template); None for other kinds."""
    spec = obj.get("spec") or {}
    if kind == POD:
        return {"metadata": meta_of(obj), "spec": spec}
    if kind == CRONJOB:
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    if kind in WORKLOAD_KINDS:
        return spec.get("template")
    return None


def pod_spec(kind: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
    template = pod_template(kind, obj) or {}
    return template.get("spec") or {}


def containers(spec: Mapping[str, Any], *, init: bool = False) -> list[Mapping[str, Any]]:
    """App containers (and, with ``init``, init containers first)."""
    out = list(spec.get("initContainers") or ()) if init else []
    return out + list(spec.get("containers") or ())


def controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The controlling ownerReference (or None)."""
    for ref in meta_of(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def is_standalone(kind: str, obj: Mapping[str, Any]) -> bool:
    """Whether an object is managed by nobody (a bare Pod, a ReplicaSet or Job without an owner) — the rules
    look at those directly and at managed ones through their owner."""
    if kind in (DEPLOYMENT, STATEFULSET, DAEMONSET, CRONJOB):
        return True
    return controller_of(obj) is None


def workload_of(snapshot: Snapshot, kind: str, obj: Mapping[str, Any]) -> ObjRef:
    """The top workload an object belongs to: a Pod -> its ReplicaSet -> its Deployment, a Job's pod -> its
    CronJob. Without the owner in the snapshot, a ReplicaSet's Deployment is read from the name minus the
    ``pod-template-hash``. An object owned by nobody is its own workload."""
    current_kind, current = kind, obj
    ref = ref_of(kind, obj)
    for _ in range(4):
        owner = controller_of(current)
        if owner is None:
            return ref
        owner_kind = owner.get("kind") or ""
        ns = ref.namespace
        parent = snapshot.get(owner_kind, owner.get("uid") or "") or snapshot.by_name(owner_kind, ns, owner.get("name", ""))
        if parent is None:
            name = owner.get("name") or ""
            if owner_kind == REPLICASET:
                rs_hash = labels_of(current).get(HASH_LABEL, "")
                if rs_hash and name.endswith("-" + rs_hash):
                    return ObjRef(DEPLOYMENT, ns, name[: -len(rs_hash) - 1])
            return ObjRef(owner_kind, ns, name, owner.get("uid") or "")
        current_kind, current = owner_kind, parent
        ref = ref_of(current_kind, current)
    return ref


def pods_of(snapshot: Snapshot, kind: str, obj: Mapping[str, Any]) -> list[Obj]:
    """The live pods of a workload (by ownership: Deployment -> ReplicaSets -> Pods), or the pod itself."""
    if kind == POD:
        return [dict(obj)]
    meta = meta_of(obj)
    ns = meta.get("namespace") or ""
    owners = {meta.get("uid")}
    if kind == DEPLOYMENT:
        owners = {meta_of(rs).get("uid") for rs in snapshot.objects(REPLICASET, ns)
                  if (controller_of(rs) or {}).get("uid") == meta.get("uid")}
        if not snapshot.has(REPLICASET):
            # No ReplicaSets visible: fall back to the selector (may include a burst companion's pods).
            selector = (obj.get("spec") or {}).get("selector")
            return [p for p in snapshot.objects(POD, ns) if selector_matches(selector, labels_of(p))]
    elif kind == CRONJOB:
        owners = {meta_of(j).get("uid") for j in snapshot.objects(JOB, ns)
                  if (controller_of(j) or {}).get("uid") == meta.get("uid")}
    owners.discard(None)
    return [p for p in snapshot.objects(POD, ns) if (controller_of(p) or {}).get("uid") in owners]


def split_image(image: str) -> tuple[str, str, str]:
    """(repository, tag, digest) of an image reference; tag "" when none is written."""
    ref, _, digest = image.partition("@")
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:], digest
    return ref, "", digest


def replicas_of(obj: Mapping[str, Any]) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def creation_time(obj: Mapping[str, Any]) -> float | None:
    return parse_time(meta_of(obj).get("creationTimestamp"))


__all__ = ["CLUSTERROLE", "CLUSTERROLEBINDING", "CONFIGMAP", "CRONJOB", "DAEMONSET", "DEPLOYMENT", "EVENT",
           "HPA", "JOB", "NAMESPACE", "NODE", "PDB", "POD", "PVC", "REPLICASET", "ROLE", "ROLEBINDING", "SECRET",
           "SERVICE", "SERVICEACCOUNT", "STATEFULSET", "STORAGECLASS", "WORKLOAD_KINDS", "ObjRef", "Snapshot",
           "containers", "controller_of", "creation_time", "event_count", "event_time", "is_standalone",
           "labels_of", "meta_of", "pod_spec", "pod_template", "pods_of", "ref_of", "replicas_of", "split_image",
           "uid_of", "workload_of"]
