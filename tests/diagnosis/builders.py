"""Objects shaped like a real API server's LIST items (no ``kind`` field), for the diagnosis unit tests."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
_uids = itertools.count(1)


def ts(seconds_ago: float = 0.0) -> str:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, namespace: str | None = "shop", **extra: Any) -> Obj:
    m: Obj = {"name": name, "uid": f"uid-{name}-{next(_uids)}", "resourceVersion": "1",
              "creationTimestamp": ts(3600)}
    if namespace is not None:
        m["namespace"] = namespace
    m.update(extra)
    return m


def container(name: str = "app", image: str = "ghcr.io/demo/app:1.0.0", *, probes: bool = True,
              resources: bool | Obj = True, ports: tuple[int, ...] = (8080,), **extra: Any) -> Obj:
    c: Obj = {"name": name, "image": image}
    if ports:
        c["ports"] = [{"containerPort": p} for p in ports]
    if isinstance(resources, dict):
        c["resources"] = resources
    elif resources:
        c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    if probes:
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5}
        c["livenessProbe"] = {"httpGet": {"path": "/live", "port": 8080}}
    c.update(extra)
    return c


def deployment(name: str, *, namespace: str = "shop", replicas: int = 3, labels: dict[str, str] | None = None,
               containers: list[Obj] | None = None, pod_extra: Obj | None = None, status: Obj | None = None,
               meta_extra: Obj | None = None) -> Obj:
    labels = labels or {"app": name}
    spec: Obj = {"containers": containers or [container()]}
    spec.update(pod_extra or {})
    return {"metadata": meta(name, namespace, labels=dict(labels), **(meta_extra or {})),
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": spec}},
            "status": status or {"replicas": replicas, "readyReplicas": replicas, "updatedReplicas": replicas,
                                 "availableReplicas": replicas}}


def replicaset(deploy: Obj, revision: int, pod_hash: str, *, replicas: int | None = None,
               image: str | None = None, seconds_ago: float = 3000) -> Obj:
    template = copy.deepcopy(deploy["spec"]["template"])
    template["metadata"]["labels"]["pod-template-hash"] = pod_hash
    if image:
        template["spec"]["containers"][0]["image"] = image
    n = deploy["spec"]["replicas"] if replicas is None else replicas
    name = f"{deploy['metadata']['name']}-{pod_hash}"
    return {"metadata": meta(name, deploy["metadata"]["namespace"], labels=dict(template["metadata"]["labels"]),
                             creationTimestamp=ts(seconds_ago),
                             annotations={"deployment.kubernetes.io/revision": str(revision)},
                             ownerReferences=[{"apiVersion": "apps/v1", "kind": "Deployment",
                                               "name": deploy["metadata"]["name"], "uid": deploy["metadata"]["uid"],
                                               "controller": True}]),
            "spec": {"replicas": n, "selector": {"matchLabels": dict(template["metadata"]["labels"])},
                     "template": template},
            "status": {"replicas": n, "readyReplicas": n}}


def pod(name: str, *, owner: Obj | None = None, owner_kind: str = "ReplicaSet", node: str | None = "node-1",
        labels: dict[str, str] | None = None, namespace: str = "shop", containers: list[Obj] | None = None,
        phase: str = "Running", ready: bool = True, statuses: list[Obj] | None = None,
        conditions: list[Obj] | None = None, **meta_extra: Any) -> Obj:
    if owner is not None:
        labels = labels if labels is not None else dict(owner["spec"]["template"]["metadata"]["labels"])
        containers = containers or copy.deepcopy(owner["spec"]["template"]["spec"]["containers"])
        meta_extra.setdefault("ownerReferences", [{"apiVersion": "apps/v1", "kind": owner_kind,
                                                   "name": owner["metadata"]["name"],
                                                   "uid": owner["metadata"]["uid"], "controller": True}])
    spec: Obj = {"containers": containers or [container()]}
    if node:
        spec["nodeName"] = node
    conds = conditions if conditions is not None else [
        {"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "True" if ready else "False"}]
    if statuses is None:
        statuses = [{"name": c["name"], "image": c["image"], "ready": ready, "restartCount": 0,
                     "state": {"running": {"startedAt": ts(600)}}} for c in spec["containers"]]
    return {"metadata": meta(name, namespace, labels=labels or {}, **meta_extra), "spec": spec,
            "status": {"phase": phase, "conditions": conds, "containerStatuses": statuses, "startTime": ts(900)}}


def node(name: str, *, zone: str = "zone-1", cpu: str = "4", memory: str = "16Gi", taints: list[Obj] | None = None,
         labels: dict[str, str] | None = None, unschedulable: bool = False) -> Obj:
    all_labels = {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone, **(labels or {})}
    spec: Obj = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {"metadata": meta(name, None, labels=all_labels), "spec": spec,
            "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def service(name: str, selector: dict[str, str], namespace: str = "shop") -> Obj:
    return {"metadata": meta(name, namespace), "spec": {"selector": selector, "ports": [{"port": 80}]}}


def event(obj: Obj, kind: str, reason: str, message: str, *, type_: str = "Normal", seconds_ago: float = 10,
          count: int = 1, first_ago: float | None = None, field_path: str | None = None) -> Obj:
    m = obj["metadata"]
    inv: Obj = {"kind": kind, "name": m["name"], "uid": m.get("uid", "")}
    if m.get("namespace"):
        inv["namespace"] = m["namespace"]
    if field_path:
        inv["fieldPath"] = field_path
    return {"metadata": meta(f"{m['name']}.{next(_uids):x}", m.get("namespace") or "default"),
            "involvedObject": inv, "reason": reason, "message": message, "type": type_, "count": count,
            "firstTimestamp": ts(first_ago if first_ago is not None else seconds_ago),
            "lastTimestamp": ts(seconds_ago)}
