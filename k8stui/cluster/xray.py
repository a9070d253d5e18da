"""Xray: a workload and everything around it, as a tree — a pure function of the informers' snapshots.

Ingress → Service → Deployment / StatefulSet / DaemonSet → ReplicaSet → Pod → container, CronJob → Job → Pod,
plus the ConfigMaps, Secrets, PersistentVolumeClaims and ServiceAccount a pod template uses; every node carries
its own status word and a health (``ok``, ``warn``, ``bad``, or "" when there is nothing to judge) for the
view's colours. ``namespace_tree`` lays out a whole namespace in the direction traffic flows (Ingresses first,
then Services no Ingress routes to, then workloads no Service selects, then lone pods); ``object_tree`` roots
the tree at one object and lists what points at it (the Ingresses routing to a Service, the Services selecting
a workload) as its first children, marked ``upstream``.

Input is a ``Snapshot``: kind key -> the raw objects of one namespace, or None when that kind is not known
(the user may not list it, or it is still loading) — then references to it say "?" instead of "missing".
Each call builds its indexes once (by name, by owner uid) and walks every object at most a few times, so a
namespace of a few thousand objects takes milliseconds; the view recomputes it, coalesced, when an informer
changes, and reconciles its widget by node ``key`` (a path, stable across recomputations).

No Textual here. Secret values are never read: a Secret node says its type and how many keys it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .podstatus import pod_status
from .rows import label_selector_text, labels_match
from .rows_workloads import JOB_COMPLETE, JOB_FAILED, job_row

Obj = Mapping[str, Any]
Snapshot = Mapping[str, Sequence[Obj] | None]

OK, WARN, BAD = "ok", "warn", "bad"

INGRESSES = "ingresses.networking.k8s.io"
SERVICES = "services"
DEPLOYMENTS = "deployments.apps"
REPLICASETS = "replicasets.apps"
STATEFULSETS = "statefulsets.apps"
DAEMONSETS = "daemonsets.apps"
JOBS = "jobs.batch"
CRONJOBS = "cronjobs.batch"
PODS = "pods"
CONFIGMAPS = "configmaps"
SECRETS = "secrets"
PVCS = "persistentvolumeclaims"
SERVICEACCOUNTS = "serviceaccounts"
CONTAINER = "container"  # not a resource: a container of the parent pod

XRAY_KINDS: tuple[str, ...] = (INGRESSES, SERVICES, DEPLOYMENTS, REPLICASETS, STATEFULSETS, DAEMONSETS, JOBS,
                               CRONJOBS, PODS, CONFIGMAPS, SECRETS, PVCS, SERVICEACCOUNTS)
"""The kinds an xray reads (kind keys, as ``ResourceKind.key``)."""

KIND_NAMES = {INGRESSES: "Ingress", SERVICES: "Service", DEPLOYMENTS: "Deployment", REPLICASETS: "ReplicaSet",
              STATEFULSETS: "StatefulSet", DAEMONSETS: "DaemonSet", JOBS: "Job", CRONJOBS: "CronJob", PODS: "Pod",
              CONFIGMAPS: "ConfigMap", SECRETS: "Secret", PVCS: "PersistentVolumeClaim",
              SERVICEACCOUNTS: "ServiceAccount", CONTAINER: "Container"}
_KEY_OF_KIND = {v: k for k, v in KIND_NAMES.items()}

_BAD_WORDS = ("BackOff", "Err", "Error", "Failed", "OOMKilled", "Unknown", "Evicted", "Invalid", "Lost",
              "NotReady", "missing")
_WAIT_WORDS = ("Pending", "ContainerCreating", "Terminating", "PodInitializing", "Init:", "Waiting", "Suspended")


@dataclass(frozen=True, slots=True)
class XrayNode:
    """One node: what it is (``resource`` kind key, "container" for a container), where (namespace, name, uid),
    its status word and health, a detail (image, node, address), its children, and ``key``: its path from the
    root, unique in the tree and stable across recomputations."""

    resource: str
    namespace: str
    name: str
    status: str
    health: str = ""
    detail: str = ""
    uid: str = ""
    key: str = ""
    upstream: bool = False      # points at the root (an Ingress routing to it, a Service selecting it)
    exists: bool = True         # False: referenced, but not found (or not known)
    pod: str = ""               # a container's pod
    children: tuple[XrayNode, ...] = field(default=(), compare=False)

    @property
    def kind(self) -> str:
        return KIND_NAMES.get(self.resource, self.resource)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    def walk(self) -> Iterable[XrayNode]:
        """This node and every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, resource: str, name: str) -> XrayNode | None:
        return next((n for n in self.walk() if n.resource == resource and n.name == name), None)


def health_of(word: str) -> str:
    """OK / WARN / BAD for a status word (Running, CrashLoopBackOff, Pending, Bound ...)."""
    if not word:
        return ""
    if any(w in word for w in _BAD_WORDS):
        return BAD
    if any(word.startswith(w) or w in word for w in _WAIT_WORDS):
        return WARN
    return OK


def ratio_health(ready: int, desired: int) -> str:
    if desired == 0:
        return ""
    if ready >= desired:
        return OK
    return BAD if ready == 0 else WARN


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _name(obj: Obj) -> str:
    return str(_meta(obj).get("name") or "")


def _uid(obj: Obj) -> str:
    return str(_meta(obj).get("uid") or "")


def _labels(obj: Obj) -> Mapping[str, str]:
    return _meta(obj).get("labels") or {}


def _controller_uid(obj: Obj) -> str:
    for ref in _meta(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("uid") or "")
    return ""


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _template(obj: Obj) -> Mapping[str, Any]:
    spec = obj.get("spec") or {}
    if "jobTemplate" in spec:
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return spec.get("template") or {}


def _ordinal_key(name: str) -> tuple[str, int]:
    base, _, tail = name.rpartition("-")
    return (base, int(tail)) if tail.isdigit() else (name, -1)


# -- what a pod spec uses ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Uses:
    """The objects a pod spec refers to, in first-use order."""

    configmaps: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    pvcs: tuple[str, ...] = ()
    service_account: str = ""


def uses_of(pod_spec: Mapping[str, Any]) -> Uses:
    """ConfigMaps, Secrets (volumes, projected volumes, env, envFrom, imagePullSecrets), PVCs and the
    ServiceAccount of a pod spec (or a pod template's spec)."""
    cms: list[str] = []
    secrets: list[str] = []
    pvcs: list[str] = []

    def add(names: list[str], name: Any) -> None:
        if name and str(name) not in names:
            names.append(str(name))

    for volume in pod_spec.get("volumes") or ():
        add(cms, (volume.get("configMap") or {}).get("name"))
        add(secrets, (volume.get("secret") or {}).get("secretName"))
        add(pvcs, (volume.get("persistentVolumeClaim") or {}).get("claimName"))
        for source in (volume.get("projected") or {}).get("sources") or ():
            add(cms, (source.get("configMap") or {}).get("name"))
            add(secrets, (source.get("secret") or {}).get("name"))
    for container in (*(pod_spec.get("initContainers") or ()), *(pod_spec.get("containers") or ())):
        for env in container.get("env") or ():
            ref = env.get("valueFrom") or {}
            add(cms, (ref.get("configMapKeyRef") or {}).get("name"))
            add(secrets, (ref.get("secretKeyRef") or {}).get("name"))
        for env_from in container.get("envFrom") or ():
            add(cms, (env_from.get("configMapRef") or {}).get("name"))
            add(secrets, (env_from.get("secretRef") or {}).get("name"))
    for pull in pod_spec.get("imagePullSecrets") or ():
        add(secrets, pull.get("name"))
    account = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or "default"
    return Uses(tuple(cms), tuple(secrets), tuple(pvcs), str(account))


# -- the index ----------------------------------------------------------------------------------------------------
class _Index:
    """The snapshot with lookups by name and by controller uid, built once per tree."""

    def __init__(self, snapshot: Snapshot, namespace: str) -> None:
        self.namespace = namespace
        self.known = {key: snapshot.get(key) is not None for key in XRAY_KINDS}
        self.objects: dict[str, list[Obj]] = {}
        for key in XRAY_KINDS:
            objs = [o for o in snapshot.get(key) or () if (_meta(o).get("namespace") or namespace) == namespace]
            objs.sort(key=lambda o: _name(o))
            self.objects[key] = objs
        self.by_name = {key: {_name(o): o for o in objs} for key, objs in self.objects.items()}
        self.owned: dict[str, list[tuple[str, Obj]]] = {}
        for key in (REPLICASETS, PODS, JOBS):
            for obj in self.objects[key]:
                owner = _controller_uid(obj)
                if owner:
                    self.owned.setdefault(owner, []).append((key, obj))

    def get(self, key: str, name: str) -> Obj | None:
        return self.by_name.get(key, {}).get(name)

    def children(self, owner: Obj, key: str) -> list[Obj]:
        return [o for k, o in self.owned.get(_uid(owner), ()) if k == key]


# -- node builders ------------------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, index: _Index) -> None:
        self.ix = index
        self.ns = index.namespace

    def node(self, resource: str, obj: Obj | None, name: str, status: str, health: str, parent: str, *,
             detail: str = "", children: Iterable[XrayNode] = (), upstream: bool = False, pod: str = "") -> XrayNode:
        key = f"{parent}/{resource}:{name}" if parent else f"{resource}:{name}"
        return XrayNode(resource, self.ns, name, status, health, detail, _uid(obj) if obj else "", key, upstream,
                        obj is not None or resource == CONTAINER, pod, tuple(children))

    def missing(self, resource: str, name: str, parent: str) -> XrayNode:
        if self.ix.known.get(resource, False):
            return self.node(resource, None, name, "missing", BAD, parent)
        return self.node(resource, None, name, "?", "", parent, detail="not listed")

    # ingress -> services
    def ingress(self, ing: Obj, parent: str = "", *, only_service: str = "") -> XrayNode:
        spec = ing.get("spec") or {}
        addresses = [i.get("ip") or i.get("hostname") or "" for i in
                     ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()]
        address = ",".join(a for a in addresses if a)
        hosts = ",".join(r.get("host") for r in spec.get("rules") or () if r.get("host")) or "*"
        key = f"{parent}/{INGRESSES}:{_name(ing)}" if parent else f"{INGRESSES}:{_name(ing)}"
        children = [] if only_service else [self.service_ref(name, key) for name in ingress_services(ing)]
        return self.node(INGRESSES, ing, _name(ing), address or "<pending>", OK if address else WARN, parent,
                         detail=hosts, children=children, upstream=bool(only_service))

    def service_ref(self, name: str, parent: str) -> XrayNode:
        svc = self.ix.get(SERVICES, name)
        return self.service(svc, parent) if svc is not None else self.missing(SERVICES, name, parent)

    # service -> workloads -> ...
    def service(self, svc: Obj, parent: str = "", *, with_upstream: bool = False) -> XrayNode:
        spec = svc.get("spec") or {}
        key = f"{parent}/{SERVICES}:{_name(svc)}" if parent else f"{SERVICES}:{_name(svc)}"
        children: list[XrayNode] = []
        if with_upstream:
            children += [self.ingress(i, key, only_service=_name(svc)) for i in self.ix.objects[INGRESSES]
                         if _name(svc) in ingress_services(i)]
        if spec.get("type") == "ExternalName":
            return self.node(SERVICES, svc, _name(svc), "ExternalName", "", parent,
                             detail=str(spec.get("externalName") or ""), children=children)
        selector = spec.get("selector") or {}
        if not selector:
            return self.node(SERVICES, svc, _name(svc), "no selector", "", parent, children=children)
        pods = [p for p in self.ix.objects[PODS] if labels_match(selector, _labels(p))]
        ready = sum(1 for p in pods if _pod_ready(p))
        workloads, lone = self.selected_workloads(selector, pods)
        children += [self.workload(key_, obj, key) for key_, obj in workloads]
        children += [self.pod(p, key, with_uses=True) for p in lone]
        status = f"{ready}/{len(pods)} endpoints ready" if pods else "no endpoints"
        health = (OK if ready == len(pods) else WARN) if ready else (BAD if self.ix.known[PODS] else "")
        return self.node(SERVICES, svc, _name(svc), status, health, parent, detail=label_selector_text(
            {"matchLabels": selector}), children=children)

    def selected_workloads(self, selector: Mapping[str, str], pods: Sequence[Obj]) -> tuple[list[tuple[str, Obj]],
                                                                                            list[Obj]]:
        """The workloads whose pod template a Service's selector selects (scaled to zero too), and the selected
        pods none of them owns."""
        found: list[tuple[str, Obj]] = []
        for key in (DEPLOYMENTS, STATEFULSETS, DAEMONSETS):
            for obj in self.ix.objects[key]:
                if labels_match(selector, (_template(obj).get("metadata") or {}).get("labels") or {}):
                    found.append((key, obj))
        covered = {_uid(o) for _, o in found}
        rs_of_deploy = {_uid(rs) for _, d in found for rs in self.ix.children(d, REPLICASETS)}
        lone = [p for p in pods if _controller_uid(p) not in covered and _controller_uid(p) not in rs_of_deploy]
        return found, lone

    def workload(self, key: str, obj: Obj, parent: str = "", *, with_upstream: bool = False) -> XrayNode:
        builder = {DEPLOYMENTS: self.deployment, STATEFULSETS: self.statefulset, DAEMONSETS: self.daemonset,
                   REPLICASETS: self.replicaset, JOBS: self.job, CRONJOBS: self.cronjob, PODS: self.pod_root}[key]
        node = builder(obj, parent)
        if not with_upstream:
            return node
        labels = (_template(obj).get("metadata") or {}).get("labels") or (_labels(obj) if key == PODS else {})
        upstream = [self.node(SERVICES, s, _name(s), "selects it", "", node.key, upstream=True,
                              detail=label_selector_text({"matchLabels": (s.get("spec") or {}).get("selector")}))
                    for s in self.ix.objects[SERVICES]
                    if labels_match((s.get("spec") or {}).get("selector") or {}, labels)]
        return _with_children(node, (*upstream, *node.children))

    def uses(self, spec: Mapping[str, Any], parent: str, *, skip: Uses | None = None) -> list[XrayNode]:
        used = uses_of(spec)
        out: list[XrayNode] = []
        for name in used.configmaps:
            if skip is None or name not in skip.configmaps:
                out.append(self.configmap(name, parent))
        for name in used.secrets:
            if skip is None or name not in skip.secrets:
                out.append(self.secret(name, parent))
        for name in used.pvcs:
            if skip is None or name not in skip.pvcs:
                out.append(self.pvc(name, parent))
        if skip is None or used.service_account != skip.service_account:
            out.append(self.service_account(used.service_account, parent))
        return out

    def _template_uses(self, obj: Obj, key: str) -> tuple[list[XrayNode], Uses]:
        spec = _template(obj).get("spec") or {}
        return self.uses(spec, key), uses_of(spec)

    def deployment(self, obj: Obj, parent: str = "") -> XrayNode:
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        desired = _int(spec.get("replicas"), 1)
        ready = _int(status.get("readyReplicas"))
        key = f"{parent}/{DEPLOYMENTS}:{_name(obj)}" if parent else f"{DEPLOYMENTS}:{_name(obj)}"
        uses, template_uses = self._template_uses(obj, key)
        sets = [rs for rs in self.ix.children(obj, REPLICASETS)
                if _int((rs.get("spec") or {}).get("replicas")) or _int((rs.get("status") or {}).get("replicas"))]
        sets.sort(key=lambda rs: -_int((_meta(rs).get("annotations") or {}).get("deployment.kubernetes.io/revision")))
        children = [self.replicaset(rs, key, skip=template_uses) for rs in sets]
        revision = (_meta(obj).get("annotations") or {}).get("deployment.kubernetes.io/revision", "")
        return self.node(DEPLOYMENTS, obj, _name(obj), f"{ready}/{desired} ready", ratio_health(ready, desired),
                         parent, detail=_images(obj) + (f" · rev {revision}" if revision else ""),
                         children=[*uses, *children])

    def replicaset(self, obj: Obj, parent: str = "", *, skip: Uses | None = None) -> XrayNode:
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        desired = _int(spec.get("replicas"), 1)
        ready = _int(status.get("readyReplicas"))
        key = f"{parent}/{REPLICASETS}:{_name(obj)}" if parent else f"{REPLICASETS}:{_name(obj)}"
        template_spec = _template(obj).get("spec") or {}
        uses = [] if skip is not None else self.uses(template_spec, key)
        pods = [self.pod(p, key, skip=skip or uses_of(template_spec)) for p in self.ix.children(obj, PODS)]
        revision = (_meta(obj).get("annotations") or {}).get("deployment.kubernetes.io/revision", "")
        return self.node(REPLICASETS, obj, _name(obj), f"{ready}/{desired} ready", ratio_health(ready, desired),
                         parent, detail=f"rev {revision}" if revision else "", children=[*uses, *pods])

    def statefulset(self, obj: Obj, parent: str = "") -> XrayNode:
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        desired = _int(spec.get("replicas"), 1)
        ready = _int(status.get("readyReplicas"))
        key = f"{parent}/{STATEFULSETS}:{_name(obj)}" if parent else f"{STATEFULSETS}:{_name(obj)}"
        uses, template_uses = self._template_uses(obj, key)
        pods = sorted(self.ix.children(obj, PODS), key=lambda p: _ordinal_key(_name(p)))
        children = [self.pod(p, key, skip=template_uses) for p in pods]
        # Claims of ordinals that have no pod (yet, or any more): still part of the StatefulSet's storage.
        claimed = {c for p in pods for c in uses_of(p.get("spec") or {}).pvcs}
        name = _name(obj)
        for template in spec.get("volumeClaimTemplates") or ():
            base = (template.get("metadata") or {}).get("name") or ""
            for ordinal in range(desired):
                claim = f"{base}-{name}-{ordinal}"
                if claim not in claimed:
                    children.append(self.pvc(claim, key))
        detail = _images(obj)
        if status.get("updateRevision") and status.get("updateRevision") != status.get("currentRevision"):
            detail += " · updating"
        return self.node(STATEFULSETS, obj, name, f"{ready}/{desired} ready", ratio_health(ready, desired), parent,
                         detail=detail, children=[*uses, *children])

    def daemonset(self, obj: Obj, parent: str = "") -> XrayNode:
        status = obj.get("status") or {}
        desired = _int(status.get("desiredNumberScheduled"))
        ready = _int(status.get("numberReady"))
        key = f"{parent}/{DAEMONSETS}:{_name(obj)}" if parent else f"{DAEMONSETS}:{_name(obj)}"
        uses, template_uses = self._template_uses(obj, key)
        pods = sorted(self.ix.children(obj, PODS), key=lambda p: str((p.get("spec") or {}).get("nodeName") or ""))
        children = [self.pod(p, key, skip=template_uses, show_node=True) for p in pods]
        return self.node(DAEMONSETS, obj, _name(obj), f"{ready}/{desired} ready", ratio_health(ready, desired),
                         parent, detail=_images(obj), children=[*uses, *children])

    def cronjob(self, obj: Obj, parent: str = "") -> XrayNode:
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        key = f"{parent}/{CRONJOBS}:{_name(obj)}" if parent else f"{CRONJOBS}:{_name(obj)}"
        uses, template_uses = self._template_uses(obj, key)
        jobs = sorted(self.ix.children(obj, JOBS), reverse=True,  # newest first (names end in the scheduled minute)
                      key=lambda j: (str(_meta(j).get("creationTimestamp") or ""), _name(j)))
        children = [self.job(j, key, skip=template_uses) for j in jobs]
        active = len(status.get("active") or ())
        if spec.get("suspend"):
            word, health = "suspended", WARN
        elif active:
            word, health = f"{active} active", OK
        else:
            word, health = "idle", OK
        if children and children[0].health == BAD and not active:
            health = BAD  # the newest run failed
        return self.node(CRONJOBS, obj, _name(obj), word, health, parent,
                         detail=str(spec.get("schedule") or ""), children=[*uses, *children])

    def job(self, obj: Obj, parent: str = "", *, skip: Uses | None = None) -> XrayNode:
        row = job_row(obj)
        key = f"{parent}/{JOBS}:{_name(obj)}" if parent else f"{JOBS}:{_name(obj)}"
        template_spec = _template(obj).get("spec") or {}
        uses = [] if skip is not None else self.uses(template_spec, key)
        pods = [self.pod(p, key, skip=skip or uses_of(template_spec)) for p in self.ix.children(obj, PODS)]
        health = {JOB_COMPLETE: OK, JOB_FAILED: BAD}.get(row.status, WARN)
        return self.node(JOBS, obj, _name(obj), f"{row.status} {row.completions}", health, parent,
                         detail=row.reason, children=[*uses, *pods])

    def pod_root(self, obj: Obj, parent: str = "") -> XrayNode:
        return self.pod(obj, parent, with_uses=True, show_node=True)

    def pod(self, obj: Obj, parent: str, *, skip: Uses | None = None, with_uses: bool = False,
            show_node: bool = False) -> XrayNode:
        ps = pod_status(obj)  # type: ignore[arg-type]
        key = f"{parent}/{PODS}:{_name(obj)}" if parent else f"{PODS}:{_name(obj)}"
        spec = obj.get("spec") or {}
        containers = [self.container(obj, c, init, key) for init, c in _containers(spec)]
        uses = self.uses(spec, key, skip=skip) if (with_uses or skip is not None) else []
        word = ps.reason
        health = health_of(word)
        if word == "Running" and ps.ready < ps.total:
            health = WARN
        elif word == "Completed":
            health = OK
        detail = f"{ps.ready}/{ps.total}"
        if ps.restarts:
            detail += f" · {ps.restarts} restarts"
        node_name = spec.get("nodeName") or ""
        if show_node and node_name:
            detail += f" · {node_name}"
        return self.node(PODS, obj, _name(obj), word, health, parent, detail=detail,
                         children=[*containers, *uses])

    def container(self, pod: Obj, spec: Mapping[str, Any], init: bool, parent: str) -> XrayNode:
        status = pod.get("status") or {}
        statuses = status.get("initContainerStatuses" if init else "containerStatuses") or ()
        cs = next((s for s in statuses if s.get("name") == spec.get("name")), {})
        state = cs.get("state") or {}
        if "running" in state:
            word = "Running" if cs.get("ready") or init else "Running, not ready"
            health = OK if cs.get("ready") or init else WARN
        elif "terminated" in state:
            term = state["terminated"] or {}
            word = str(term.get("reason") or f"exit {term.get('exitCode', 0)}")
            health = OK if term.get("exitCode", 0) == 0 else BAD
        elif "waiting" in state:
            word = str((state["waiting"] or {}).get("reason") or "Waiting")
            health = health_of(word) or WARN
        else:
            word, health = "Waiting", WARN
        restarts = _int(cs.get("restartCount"))
        detail = str(spec.get("image") or "") + (f" · {restarts} restarts" if restarts else "")
        name = str(spec.get("name") or "")
        return self.node(CONTAINER, None, name + (" (init)" if init else ""), word, health, parent, detail=detail,
                         pod=_name(pod))

    def configmap(self, name: str, parent: str) -> XrayNode:
        obj = self.ix.get(CONFIGMAPS, name)
        if obj is None:
            return self.missing(CONFIGMAPS, name, parent)
        count = len({*(obj.get("data") or {}), *(obj.get("binaryData") or {})})
        row = obj.get("row")  # a TableInformer's entry: the server's DATA column
        if row is not None and not count:
            count = _int(next((c for c in getattr(row, "cells", ())[1:2]), 0))
        return self.node(CONFIGMAPS, obj, name, _keys(count), "", parent)

    def secret(self, name: str, parent: str) -> XrayNode:
        obj = self.ix.get(SECRETS, name)
        if obj is None:
            return self.missing(SECRETS, name, parent)
        count = len({*(obj.get("data") or {}), *(obj.get("stringData") or {})})
        stype = str(obj.get("type") or "")
        row = obj.get("row")
        if row is not None:
            cells = getattr(row, "cells", ())
            stype = stype or (str(cells[1]) if len(cells) > 1 else "")
            count = count or (_int(cells[2]) if len(cells) > 2 else 0)
        return self.node(SECRETS, obj, name, _keys(count), "", parent, detail=stype)

    def pvc(self, name: str, parent: str) -> XrayNode:
        obj = self.ix.get(PVCS, name)
        if obj is None:
            return self.missing(PVCS, name, parent)
        status = obj.get("status") or {}
        phase = "Terminating" if _meta(obj).get("deletionTimestamp") else str(status.get("phase") or "Pending")
        capacity = (status.get("capacity") or {}).get("storage") or \
            (((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage") or ""
        health = {"Bound": OK, "Pending": WARN, "Lost": BAD}.get(phase, WARN)
        detail = " · ".join(x for x in (str(capacity), str((obj.get("spec") or {}).get("storageClassName") or ""))
                            if x)
        return self.node(PVCS, obj, name, phase, health, parent, detail=detail)

    def service_account(self, name: str, parent: str) -> XrayNode:
        obj = self.ix.get(SERVICEACCOUNTS, name)
        if obj is None:
            return self.missing(SERVICEACCOUNTS, name, parent)
        return self.node(SERVICEACCOUNTS, obj, name, "", "", parent)


def _with_children(node: XrayNode, children: Iterable[XrayNode]) -> XrayNode:
    return XrayNode(node.resource, node.namespace, node.name, node.status, node.health, node.detail, node.uid,
                    node.key, node.upstream, node.exists, node.pod, tuple(children))


def _keys(count: int) -> str:
    return f"{count} key" + ("" if count == 1 else "s")


def _pod_ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def _containers(spec: Mapping[str, Any]) -> list[tuple[bool, Mapping[str, Any]]]:
    return [(True, c) for c in spec.get("initContainers") or ()] + [(False, c) for c in spec.get("containers") or ()]


def _images(obj: Obj) -> str:
    return ",".join(str(c.get("image") or "") for c in (_template(obj).get("spec") or {}).get("containers") or ())


def ingress_services(ing: Obj) -> list[str]:
    """The Services an Ingress routes to (rules and default backend), in order, once each."""
    spec = ing.get("spec") or {}
    names: list[str] = []
    backends = [spec.get("defaultBackend") or {}]
    for rule in spec.get("rules") or ():
        backends += [p.get("backend") or {} for p in (rule.get("http") or {}).get("paths") or ()]
    for backend in backends:
        name = (backend.get("service") or {}).get("name")
        if name and name not in names:
            names.append(str(name))
    return names


# -- the trees ------------------------------------------------------------------------------------------------------
def namespace_tree(snapshot: Snapshot, namespace: str) -> tuple[XrayNode, ...]:
    """Every workload of ``namespace`` with what is around it, as roots in traffic order (see the module
    docstring). A Service routed to by two Ingresses appears under both."""
    ix = _Index(snapshot, namespace)
    b = _Builder(ix)
    roots: list[XrayNode] = [b.ingress(i) for i in ix.objects[INGRESSES]]
    routed = {name for i in ix.objects[INGRESSES] for name in ingress_services(i)}
    roots += [b.service(s) for s in ix.objects[SERVICES] if _name(s) not in routed]
    seen = {n.uid for root in roots for n in root.walk() if n.uid}
    # Owners shown as workloads: what they own is shown under them, the rest (a pod of an operator's custom
    # resource, a Job of a controller we do not know) stands on its own.
    owners = {_uid(o) for key in (DEPLOYMENTS, STATEFULSETS, DAEMONSETS, CRONJOBS, JOBS, REPLICASETS)
              for o in ix.objects[key]}
    for key in (DEPLOYMENTS, STATEFULSETS, DAEMONSETS, CRONJOBS, JOBS, REPLICASETS):
        for obj in ix.objects[key]:
            if _uid(obj) in seen or (key in (JOBS, REPLICASETS) and _controller_uid(obj) in owners):
                continue
            node = b.workload(key, obj)
            roots.append(node)
            seen |= {n.uid for n in node.walk() if n.uid}
    roots += [b.pod_root(p) for p in ix.objects[PODS] if _uid(p) not in seen and _controller_uid(p) not in owners]
    return tuple(roots)


def object_tree(snapshot: Snapshot, namespace: str, resource: str, name: str) -> XrayNode | None:
    """The tree of one object (``resource`` is a kind key or a kind name: ``services`` or ``Service``), with
    what points at it first (``upstream``); None when it is not in the snapshot."""
    resource = _KEY_OF_KIND.get(resource, resource)
    ix = _Index(snapshot, namespace)
    obj = ix.get(resource, name)
    if obj is None:
        return None
    b = _Builder(ix)
    if resource == INGRESSES:
        return b.ingress(obj)
    if resource == SERVICES:
        return b.service(obj, with_upstream=True)
    if resource in (DEPLOYMENTS, STATEFULSETS, DAEMONSETS, CRONJOBS, JOBS, REPLICASETS, PODS):
        return b.workload(resource, obj, with_upstream=True)
    if resource == PVCS:
        return b.pvc(name, "")
    if resource == CONFIGMAPS:
        return b.configmap(name, "")
    if resource == SECRETS:
        return b.secret(name, "")
    if resource == SERVICEACCOUNTS:
        return b.service_account(name, "")
    return None


def supports(resource: str) -> bool:
    """Whether ``object_tree`` can root a tree at an object of this kind key."""
    return resource in XRAY_KINDS


__all__ = ["BAD", "CONTAINER", "KIND_NAMES", "OK", "Snapshot", "Uses", "WARN", "XRAY_KINDS", "XrayNode",
           "health_of", "ingress_services", "namespace_tree", "object_tree", "ratio_health", "supports", "uses_of"]
