"""Burst to virtual nodes (``x``) and back (``X``).

When a Deployment has pods Pending because no real node has room (``PodScheduled=False``, reason
``Unschedulable``), a companion Deployment ``NAME-burst`` runs that many more replicas on the virtual node
(virtual-kubelet, e.g. AKS virtual nodes on ACI). Its pod template is the original's plus:
- the virtual node's ``nodeSelector`` (``type=virtual-kubelet``, the label virtual-kubelet nodes carry) and a
  toleration for each of their ``NoSchedule``/``NoExecute`` taints, both discovered from the nodes;
- the label ``k8stui.io/burst=true`` (also in its selector), so the two Deployments never claim each other's
  pods, while every label the Service selects on stays, so the same Service sends traffic to both.
Un-burst scales the companion to 0, waits for its pods to go, and deletes it (the delete's precondition is
the version read after the scale-down, and it is refused if someone scaled it up meanwhile).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..cluster.kinds import NODES, PODS
from ..cluster.quantity import parse_cpu
from ..cluster.rows import pod_resources
from .client import ApiFailure, ObjectRef, label_selector_text
from .plan import FollowUp, Plan, PlanError, Session, Write, meta_rv
from .scale import deployment_ref, replicas_of, scale_write

VIRTUAL_LABEL_KEY = "type"
VIRTUAL_LABEL_VALUE = "virtual-kubelet"
BURST_SUFFIX = "-burst"
BURST_LABEL = "k8stui.io/burst"
BURST_OF = "k8stui.io/burst-of"
HASH_LABEL = "pod-template-hash"


@dataclass(frozen=True)
class VirtualNodes:
    """The virtual nodes and what a pod needs to land on them."""

    names: tuple[str, ...]
    node_selector: dict[str, str]
    tolerations: tuple[dict[str, Any], ...]


def virtual_placement(nodes: list[dict[str, Any]]) -> VirtualNodes:
    """nodeSelector and tolerations for the nodes labelled ``type=virtual-kubelet``; PlanError when none."""
    virtual = [n for n in nodes
               if (n.get("metadata", {}).get("labels") or {}).get(VIRTUAL_LABEL_KEY) == VIRTUAL_LABEL_VALUE]
    if not virtual:
        raise PlanError(f"no virtual node in this cluster (no node is labelled "
                        f"{VIRTUAL_LABEL_KEY}={VIRTUAL_LABEL_VALUE}): nothing to burst to")
    tolerations: list[dict[str, Any]] = []
    for node in virtual:
        for taint in (node.get("spec") or {}).get("taints") or ():
            if taint.get("effect") not in ("NoSchedule", "NoExecute"):
                continue
            tol: dict[str, Any] = {"key": taint.get("key", ""), "effect": taint["effect"]}
            if taint.get("value"):
                tol.update(operator="Equal", value=taint["value"])
            else:
                tol["operator"] = "Exists"
            if tol not in tolerations:
                tolerations.append(tol)
    return VirtualNodes(tuple(n["metadata"]["name"] for n in virtual),
                        {VIRTUAL_LABEL_KEY: VIRTUAL_LABEL_VALUE}, tuple(tolerations))


def unschedulable(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pods Pending because the scheduler found no node (``PodScheduled=False``, ``Unschedulable``)."""
    out = []
    for pod in pods:
        status = pod.get("status") or {}
        if status.get("phase") != "Pending" or (pod.get("spec") or {}).get("nodeName"):
            continue
        if pod.get("metadata", {}).get("deletionTimestamp"):
            continue
        for cond in status.get("conditions") or ():
            if cond.get("type") == "PodScheduled" and cond.get("status") == "False" \
                    and cond.get("reason") == "Unschedulable":
                out.append(pod)
                break
    return out


def burst_template(template: dict[str, Any], placement: VirtualNodes) -> dict[str, Any]:
    """The original pod template, marked as burst and placed on the virtual node."""
    out = copy.deepcopy(template)
    meta = out.setdefault("metadata", {})
    labels = dict(meta.get("labels") or {})
    labels.pop(HASH_LABEL, None)
    labels[BURST_LABEL] = "true"
    meta["labels"] = labels
    spec = out.setdefault("spec", {})
    spec["nodeSelector"] = dict(spec.get("nodeSelector") or {}, **placement.node_selector)
    tolerations = list(spec.get("tolerations") or [])
    for tol in placement.tolerations:
        if tol not in tolerations:
            tolerations.append(dict(tol))
    spec["tolerations"] = tolerations
    spec.pop("nodeName", None)
    return out


def burst_deployment(original: dict[str, Any], placement: VirtualNodes, replicas: int) -> dict[str, Any]:
    meta = original["metadata"]
    spec = original.get("spec") or {}
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{BURST_LABEL: "true"})
    labels = dict(meta.get("labels") or {}, **{BURST_LABEL: "true"})
    body: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": meta["name"] + BURST_SUFFIX, "namespace": meta.get("namespace", ""),
                     "labels": labels, "annotations": {BURST_OF: meta["name"]}},
        "spec": {"replicas": replicas, "selector": selector,
                 "template": burst_template(spec.get("template") or {}, placement)},
    }
    for key in ("strategy", "minReadySeconds", "progressDeadlineSeconds", "revisionHistoryLimit"):
        if key in spec:
            body["spec"][key] = copy.deepcopy(spec[key])
    return body


def capacity_lines(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], placement: VirtualNodes) -> list[str]:
    """Real vs virtual capacity: CPU requested / allocatable and pod counts per kind of node."""
    used_cpu: dict[str, int] = {}
    used_pods: dict[str, int] = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        used_cpu[node] = used_cpu.get(node, 0) + pod_resources(pod.get("spec") or {})[0]
        used_pods[node] = used_pods.get(node, 0) + 1
    real = [n for n in nodes if n["metadata"]["name"] not in placement.names]
    lines = []
    for label, group in (("real", real), ("virtual", [n for n in nodes if n["metadata"]["name"] in placement.names])):
        if not group:
            lines.append(f"{label} nodes: none")
            continue
        alloc = sum(parse_cpu(((n.get("status") or {}).get("allocatable") or {}).get("cpu")) for n in group)
        cap_pods = sum(int(float(((n.get("status") or {}).get("allocatable") or {}).get("pods") or 0)) for n in group)
        cpu = sum(used_cpu.get(n["metadata"]["name"], 0) for n in group)
        count = sum(used_pods.get(n["metadata"]["name"], 0) for n in group)
        names = ", ".join(n["metadata"]["name"] for n in group)
        lines.append(f"{label} nodes ({len(group)}: {names}): CPU requested {cpu / 1000:g}/{alloc / 1000:g} cores, "
                     f"pods {count}/{cap_pods}")
    return lines


def placement_lines(name: str, pods: list[dict[str, Any]], virtual: tuple[str, ...]) -> list[str]:
    """Where a Deployment's pods run: ``api: 3 on real nodes (aks-...), 2 Pending``."""
    by_node: dict[str, int] = {}
    pending = 0
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            by_node[node] = by_node.get(node, 0) + 1
        elif (pod.get("status") or {}).get("phase") == "Pending":
            pending += 1
    on_real = {n: c for n, c in by_node.items() if n not in virtual}
    on_virtual = {n: c for n, c in by_node.items() if n in virtual}
    parts = []
    if on_real:
        parts.append(f"{sum(on_real.values())} on real nodes ({', '.join(sorted(on_real))})")
    if on_virtual:
        parts.append(f"{sum(on_virtual.values())} on virtual nodes ({', '.join(sorted(on_virtual))})")
    if pending:
        parts.append(f"{pending} Pending")
    return [f"pods of {name}: {', '.join(parts) or 'none'}"]


async def _pods_of(session: Session, obj: dict[str, Any]) -> list[dict[str, Any]]:
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    if not match:
        return []
    return await session.read_list(PODS, obj["metadata"].get("namespace", ""), label_selector_text(match))


async def _maybe_read(session: Session, ref: ObjectRef) -> dict[str, Any] | None:
    try:
        return await session.api.get(ref.kind, ref.namespace, ref.name)
    except ApiFailure as exc:
        if exc.not_found:
            return None
        raise PlanError(f"cannot read {ref}: {exc}") from None


def original_name(name: str) -> str:
    return name[: -len(BURST_SUFFIX)] if name.endswith(BURST_SUFFIX) else name


async def plan_burst(session: Session, namespace: str, name: str, replicas: int | None = None) -> Plan:
    """Create ``NAME-burst`` (or add to it) with ``replicas`` more pods on the virtual node (default: as many
    as are Pending for lack of capacity)."""
    if name.endswith(BURST_SUFFIX):
        raise PlanError(f"{name} is a burst companion: select {original_name(name)} to burst it")
    ref = deployment_ref(namespace, name)
    obj = await session.read(ref)
    nodes = await session.read_list(NODES, None)
    placement = virtual_placement(nodes)
    own_pods = [p for p in await _pods_of(session, obj)
                if (p.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true"]
    pending = unschedulable(own_pods)
    if replicas is None:
        replicas = len(pending)
    burst_ref = deployment_ref(namespace, name + BURST_SUFFIX)
    existing = await _maybe_read(session, burst_ref)
    if replicas <= 0:
        raise PlanError(f"{ref} has no pods Pending for lack of capacity: nothing to burst")
    try:
        all_pods = await session.api.list(PODS, None)
    except ApiFailure:
        all_pods = own_pods
    details = capacity_lines(nodes, all_pods, placement)
    details += placement_lines(name, own_pods, placement.names)
    if pending:
        reason = next((c.get("message", "") for c in (pending[0].get("status") or {}).get("conditions") or ()
                       if c.get("type") == "PodScheduled"), "")
        details.append(f"{len(pending)} pods Pending: {reason}" if reason else f"{len(pending)} pods Pending")
    details.append(f"burst pods get nodeSelector {label_selector_text(placement.node_selector)} and tolerations "
                   + ", ".join(f"{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}"
                               for t in placement.tolerations))
    follow = [FollowUp("rollout", burst_ref, f"{burst_ref.name} pods on {', '.join(placement.names)}")]
    if existing is None:
        body = burst_deployment(obj, placement, replicas)
        write = Write("create", burst_ref, body, summary=f"new Deployment with {replicas} replicas on the "
                                                           f"virtual node")
        return session.new_plan(
            "burst", ref, f"{len(pending)} Pending, no {burst_ref.name}",
            f"{burst_ref.name}: {replicas} replicas on {', '.join(placement.names)}", [write], meta_rv(obj),
            details=details, follow_up=follow,
            undo={"type": "burst", "namespace": namespace, "name": burst_ref.name, "created": True,
                  "replicas": 0, "expect": replicas})
    if (existing.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true":
        raise PlanError(f"{burst_ref} exists but was not made by a burst (no {BURST_LABEL} label): refusing "
                        "to touch it")
    current = replicas_of(existing)
    target = current + replicas
    details += placement_lines(burst_ref.name, await _pods_of(session, existing), placement.names)
    return session.new_plan(
        "burst", ref, f"{len(pending)} Pending, {burst_ref.name} {current} replicas",
        f"{burst_ref.name}: {target} replicas on {', '.join(placement.names)}",
        [scale_write(burst_ref, existing, target)], meta_rv(obj), details=details, follow_up=follow,
        undo={"type": "burst", "namespace": namespace, "name": burst_ref.name, "created": False,
              "replicas": current, "expect": target})


async def plan_unburst(session: Session, namespace: str, name: str) -> Plan:
    """Scale ``NAME-burst`` to 0, wait for its pods to go, delete it (``name`` may be either Deployment)."""
    base = original_name(name)
    burst_ref = deployment_ref(namespace, base + BURST_SUFFIX)
    existing = await _maybe_read(session, burst_ref)
    if existing is None:
        raise PlanError(f"{deployment_ref(namespace, base)} has no burst companion ({burst_ref.name}): nothing "
                        "to un-burst")
    if (existing.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true":
        raise PlanError(f"{burst_ref} was not made by a burst (no {BURST_LABEL} label): refusing to delete it")
    current = replicas_of(existing)
    writes = []
    if current:
        writes.append(scale_write(burst_ref, existing, 0, wait_scaled_down=True))
        writes.append(Write("delete", burst_ref, summary="delete after its pods are gone", require_replicas=0))
    else:
        writes.append(Write("delete", burst_ref, resource_version=meta_rv(existing), summary="delete"))
    pods = await _pods_of(session, existing)
    try:
        nodes = await session.read_list(NODES, None)
        virtual = virtual_placement(nodes).names
    except PlanError:
        virtual = ()
    return session.new_plan(
        "unburst", burst_ref, f"{burst_ref.name}: {current} replicas", f"{burst_ref.name} deleted", writes,
        meta_rv(existing), details=placement_lines(burst_ref.name, pods, virtual)
        + [f"the pods of {base} on real nodes are not touched"])


__all__ = ["BURST_LABEL", "BURST_SUFFIX", "VirtualNodes", "burst_deployment", "burst_template",
           "capacity_lines", "original_name", "placement_lines", "plan_burst", "plan_unburst",
           "unschedulable", "virtual_placement"]
