"""What a selected row is, as the metrics code sees it: a pod, a deployment, a node or a namespace.

The UI hands over ``(kind_key, raw_object)`` from ``ClusterScreen.selection()``; this module turns it into a
small frozen ``Target`` carrying the names PromQL templates and metrics.k8s.io queries need (namespace, name,
the workload's ``app`` label, its label selector). Kinds without templates fall back to their namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..cluster.kinds import kind_for
from ..cluster.rows import label_selector_text

KINDS = ("pod", "deployment", "node", "namespace")

_KIND_OF_KEY = {"pods": "pod", "deployments.apps": "deployment", "nodes": "node", "namespaces": "namespace"}
# Workloads whose pods are shown merged, like a Deployment's (the "deployment" templates, their own pod names).
WORKLOADS = {"statefulsets.apps": "statefulset", "daemonsets.apps": "daemonset", "jobs.batch": "job",
             "replicasets.apps": "replicaset", "cronjobs.batch": "cronjob"}


@dataclass(frozen=True)
class Target:
    """One object whose metrics are shown."""

    kind: str  # one of KINDS
    name: str
    namespace: str = ""
    app: str = ""  # the app label its request counters carry ("" when unknown)
    selector: tuple[tuple[str, str], ...] = ()  # matchLabels of a deployment (for metrics.k8s.io)
    label_selector: str = ""  # the same, as a labelSelector query string (matchExpressions included)
    note: str = field(default="", compare=False)  # why this target was chosen, when not the row itself
    workload: str = ""  # a kind="deployment" target standing for a statefulset, daemonset, job or replicaset

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def title(self) -> str:
        if self.kind in ("node", "namespace"):
            return f"{self.kind} {self.name}"
        return f"{self.workload or self.kind} {self.namespace}/{self.name}"


def _app_label(labels: Mapping[str, str], fallback: str = "") -> str:
    return labels.get("app") or labels.get("app.kubernetes.io/name") or labels.get("k8s-app") or fallback


def target_for(kind_key: str, obj: Mapping[str, Any]) -> Target | None:
    """The metrics target of a selected row; None when the object has no name."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    namespace = str(meta.get("namespace") or "")
    if not name:
        return None
    labels = meta.get("labels") or {}
    kind = _KIND_OF_KEY.get(kind_key) or ("deployment" if kind_key in WORKLOADS else None)
    if kind == "pod":
        return Target("pod", name, namespace, app=_app_label(labels), label_selector="")
    if kind == "deployment":
        spec = obj.get("spec") or {}
        if kind_key == "cronjobs.batch":  # the pods of its Jobs: labelled like the job template's pods
            spec = (spec.get("jobTemplate") or {}).get("spec") or {}
            labels_of_pods = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            spec = {**spec, "selector": {"matchLabels": labels_of_pods}} if labels_of_pods else spec
        selector = spec.get("selector") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        return Target("deployment", name, namespace,
                      app=_app_label(template_labels, _app_label(labels, name)),
                      selector=tuple(sorted((selector.get("matchLabels") or {}).items())),
                      label_selector=label_selector_text(selector), workload=WORKLOADS.get(kind_key, ""))
    if kind == "node":
        return Target("node", name)
    if kind == "namespace":
        return Target("namespace", name, name)
    if namespace:  # services, replicasets, events ...: the namespace they live in
        resource = kind_for(kind_key)  # listed items carry no "kind": the resource they came from says
        what = resource.kind if resource is not None else kind_key
        return Target("namespace", namespace, namespace, note=f"no metrics for a {what}: showing its namespace")
    return None
