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
import json
from dataclasses import dataclass
from typing import Any

from ..cluster.kinds import HPAS, NODES, PODS
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
BURST_HPA = "k8stui.io/burst-hpa"  # what bursts took off the original's HPA bounds (json), for un-burst
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


# -- the HorizontalPodAutoscaler of the original ----------------------------------------------------------------
@dataclass(frozen=True)
class HpaLimits:
    """An HPA scaling the original Deployment: its bounds, and how a move of replicas shifts them."""

    name: str
    min_replicas: int
    max_replicas: int
    obj: dict[str, Any]

    def lowered(self, count: int) -> tuple[int, int]:
        """(min, max) with ``count`` replicas moved to the burst: the HPA keeps the original at the rest."""
        new_max = self.max_replicas - count
        if new_max < 1:
            raise PlanError(f"HorizontalPodAutoscaler {self.name} allows at most {self.max_replicas} replicas: "
                            f"moving {count} to the virtual node would leave it fewer than 1 — burst fewer")
        return min(max(1, self.min_replicas - count), new_max), new_max

    def text(self, limits: tuple[int, int] | None = None) -> str:
        low, high = limits or (self.min_replicas, self.max_replicas)
        return f"HPA {self.name} min {low}/max {high}"


async def hpa_of(session: Session, namespace: str, name: str) -> HpaLimits | None:
    """The HPA whose scaleTargetRef is Deployment ``name`` (None when there is none, or HPAs cannot be listed)."""
    try:
        hpas = await session.api.list(HPAS, namespace)
    except ApiFailure:
        return None
    for hpa in hpas:
        spec = hpa.get("spec") or {}
        target = spec.get("scaleTargetRef") or {}
        if target.get("kind") == "Deployment" and target.get("name") == name:
            return HpaLimits(str(hpa["metadata"]["name"]), int(spec.get("minReplicas") or 1),
                             int(spec.get("maxReplicas") or 1), hpa)
    return None


def _hpa_write(hpa: HpaLimits, limits: tuple[int, int]) -> Write:
    ref = ObjectRef(HPAS, hpa.obj["metadata"].get("namespace", ""), hpa.name)
    rv = meta_rv(hpa.obj)
    body = {"metadata": {"resourceVersion": rv}, "spec": {"minReplicas": limits[0], "maxReplicas": limits[1]}}
    return Write("patch", ref, body, "merge", rv,
                 f"min/max {hpa.min_replicas}/{hpa.max_replicas} → {limits[0]}/{limits[1]}")


def _hpa_shift(obj: dict[str, Any] | None) -> dict[str, Any]:
    """What earlier bursts took off the HPA's bounds (kept on the companion): {"name", "min", "max"}."""
    text = ((obj or {}).get("metadata", {}).get("annotations") or {}).get(BURST_HPA, "")
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


# -- moves -----------------------------------------------------------------------------------------------------
@dataclass
class Move:
    """The absolute values one burst or un-burst moves each object to, fixed when it is first planned.

    ``run_plan`` rebuilds a plan after a 409, possibly after some of its writes went through; a rebuild with the
    same Move finishes the move (skipping what is already there) instead of moving the replicas twice.
    """

    count: int = 0
    original: tuple[int, int] = (0, 0)  # (before, after) spec.replicas
    burst: tuple[int, int] = (0, 0)  # (before, after); after 0 on un-burst = deleted
    hpa: tuple[tuple[int, int], tuple[int, int]] | None = None  # ((min, max) before, after)

    @property
    def fixed(self) -> bool:
        return self.count > 0


def _step(what: str, now: int, before: int, after: int) -> bool:
    """True when a write is still needed; PlanError when someone else moved the object meanwhile."""
    if now == after:
        return False
    if now == before:
        return True
    raise PlanError(f"{what} is now {now}, neither {before} (before) nor {after} (planned): it was changed by "
                    "someone else meanwhile — look and try again")


@dataclass(frozen=True)
class BurstView:
    """What the burst dialog shows before anything is planned: counts read fresh from the cluster."""

    namespace: str
    name: str
    replicas: int
    pending: int
    burst_replicas: int
    burst_exists: bool
    virtual_nodes: tuple[str, ...]
    hpa: HpaLimits | None

    @property
    def burst_name(self) -> str:
        return self.name + BURST_SUFFIX

    def preview(self, count: int) -> list[str]:
        """Before → after of both Deployments (and the HPA) if ``count`` replicas move."""
        lines = [f"{self.name}: {self.replicas} → {self.replicas - count} replicas"
                 + (f" ({self.pending} Pending now)" if self.pending else ""),
                 f"{self.burst_name}: {self.burst_replicas if self.burst_exists else 'none'} → "
                 f"{self.burst_replicas + count} replicas on {', '.join(self.virtual_nodes)}",
                 f"total: {self.replicas + self.burst_replicas} replicas, unchanged"]
        if self.hpa is not None:
            try:
                lines.append(f"{self.hpa.text()} → min {'/max '.join(map(str, self.hpa.lowered(count)))}")
            except PlanError as exc:
                lines.append(str(exc))
        return lines


async def burst_view(session: Session, namespace: str, name: str) -> BurstView:
    """Counts for the burst dialog; PlanError when there is nothing to burst or nowhere to burst to."""
    if name.endswith(BURST_SUFFIX):
        raise PlanError(f"{name} is a burst companion: select {original_name(name)} to burst it")
    ref = deployment_ref(namespace, name)
    obj = await session.read(ref)
    placement = virtual_placement(await session.read_list(NODES, None))
    own = [p for p in await _pods_of(session, obj)
           if (p.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true"]
    pending = len(unschedulable(own))
    existing = await _maybe_read(session, deployment_ref(namespace, name + BURST_SUFFIX))
    if not pending:
        raise PlanError(f"{ref} has no pods Pending for lack of capacity: nothing to burst")
    return BurstView(namespace, name, replicas_of(obj), pending, replicas_of(existing) if existing else 0,
                     existing is not None, placement.names, await hpa_of(session, namespace, name))


STRATEGY = ("burst moves replicas, it does not add any: {name} is scaled down by what {burst} runs on the "
            "virtual node (its ReplicaSet removes Pending pods first), so the total stays {total}; "
            "un-burst (X) gives them back")


async def plan_burst(session: Session, namespace: str, name: str, count: int | None = None,
                     move: Move | None = None) -> Plan:
    """Move ``count`` replicas of ``name`` (default: as many as are Pending for lack of capacity) to
    ``NAME-burst`` on the virtual node: the companion is created (or grown) by ``count`` and the original
    scaled down by as many, so the total stays what the user asked for; an HPA on the original has its bounds
    lowered by the same count. ``move`` keeps the targets across rebuilds after a conflict."""
    if name.endswith(BURST_SUFFIX):
        raise PlanError(f"{name} is a burst companion: select {original_name(name)} to burst it")
    move = move if move is not None else Move()
    ref = deployment_ref(namespace, name)
    obj = await session.read(ref)
    nodes = await session.read_list(NODES, None)
    placement = virtual_placement(nodes)
    own_pods = [p for p in await _pods_of(session, obj)
                if (p.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true"]
    pending = unschedulable(own_pods)
    burst_ref = deployment_ref(namespace, name + BURST_SUFFIX)
    existing = await _maybe_read(session, burst_ref)
    if existing is not None and (existing.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true":
        raise PlanError(f"{burst_ref} exists but was not made by a burst (no {BURST_LABEL} label): refusing "
                        "to touch it")
    hpa = await hpa_of(session, namespace, name)
    original_now = replicas_of(obj)
    burst_now = replicas_of(existing) if existing is not None else 0
    if not move.fixed:
        wanted = len(pending) if count is None else count
        if wanted <= 0:
            raise PlanError(f"{ref} has no pods Pending for lack of capacity: nothing to burst")
        if wanted > original_now:
            raise PlanError(f"{ref} has {original_now} replicas: at most {original_now} can move to the virtual "
                            "node")
        move.count = wanted
        move.original = (original_now, original_now - wanted)
        move.burst = (burst_now, burst_now + wanted)
        if hpa is not None:
            move.hpa = ((hpa.min_replicas, hpa.max_replicas), hpa.lowered(wanted))
    k = move.count
    writes: list[Write] = []
    shift = _hpa_shift(existing)
    if hpa is not None and move.hpa is not None:
        (min0, max0), (min1, max1) = move.hpa
        if _step(f"{hpa.name} maxReplicas", hpa.max_replicas, max0, max1) or hpa.min_replicas != min1:
            writes.append(_hpa_write(hpa, (min1, max1)))
        shift = {"name": hpa.name, "min": int(shift.get("min") or 0) + (min0 - min1),
                 "max": int(shift.get("max") or 0) + (max0 - max1)}
    if _step(f"{ref} spec.replicas", original_now, *move.original):
        writes.append(scale_write(ref, obj, move.original[1]))
    annotations = {BURST_OF: name, BURST_HPA: json.dumps(shift, sort_keys=True)} if shift else {BURST_OF: name}
    follow = [FollowUp("rollout", burst_ref, f"{burst_ref.name} pods on {', '.join(placement.names)}")]
    if existing is None:
        body = burst_deployment(obj, placement, move.burst[1])
        body["metadata"]["annotations"] = annotations
        writes.append(Write("create", burst_ref, body, summary=f"new Deployment with {move.burst[1]} replicas on "
                                                               "the virtual node"))
    elif _step(f"{burst_ref} spec.replicas", burst_now, *move.burst):
        rv = meta_rv(existing)
        writes.append(Write("patch", burst_ref, {"metadata": {"resourceVersion": rv, "annotations": annotations},
                                                 "spec": {"replicas": move.burst[1]}}, "merge", rv,
                            f"spec.replicas {burst_now} → {move.burst[1]}"))
    if not writes:
        raise PlanError(f"{ref} is already at {move.original[1]} and {burst_ref.name} at {move.burst[1]}: "
                        "nothing left to do")
    try:
        all_pods = await session.api.list(PODS, None)
    except ApiFailure:
        all_pods = own_pods
    total = move.original[0] + move.burst[0]
    details = [STRATEGY.format(name=name, burst=burst_ref.name, total=total)]
    details += capacity_lines(nodes, all_pods, placement)
    details += placement_lines(name, own_pods, placement.names)
    if pending:
        reason = next((c.get("message", "") for c in (pending[0].get("status") or {}).get("conditions") or ()
                       if c.get("type") == "PodScheduled"), "")
        details.append(f"{len(pending)} pods Pending: {reason}" if reason else f"{len(pending)} pods Pending")
    details.append(f"burst pods get nodeSelector {label_selector_text(placement.node_selector)} and tolerations "
                   + ", ".join(f"{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}"
                               for t in placement.tolerations))
    warnings = []
    if hpa is not None and move.hpa is not None:
        warnings.append(f"HorizontalPodAutoscaler {hpa.name} scales {name}: its bounds are lowered by the "
                        f"{k} moved replicas ({hpa.text(move.hpa[0])} → {hpa.text(move.hpa[1])}), and raised "
                        "again by un-burst")
    before = (f"{name} {move.original[0]} ({len(pending)} Pending), "
              + (f"{burst_ref.name} {move.burst[0]}" if move.burst[0] or existing is not None
                 else f"no {burst_ref.name}"))
    after = (f"{name} {move.original[1]}, {burst_ref.name} {move.burst[1]} on {', '.join(placement.names)} "
             f"(total {total})")
    if move.hpa is not None:
        before += f", {hpa.text(move.hpa[0]) if hpa else ''}"
        after += f", {hpa.text(move.hpa[1]) if hpa else ''}"
    return session.new_plan(
        "burst", ref, before, after, writes, meta_rv(obj), details=details, warnings=warnings, follow_up=follow,
        undo={"type": "burst", "namespace": namespace, "name": name, "burst": burst_ref.name, "count": k,
              "created": move.burst[0] == 0,
              "expect": {"original": move.original[1], "burst": move.burst[1]}})


async def plan_unburst(session: Session, namespace: str, name: str, count: int | None = None,
                       move: Move | None = None) -> Plan:
    """Give the replicas of ``NAME-burst`` back to ``NAME`` (``name`` may be either Deployment): the original
    is scaled up by what the companion runs, the HPA's bounds are raised again, then the companion is scaled
    to 0, its pods awaited, and deleted. ``count`` gives back only that many (the companion stays)."""
    base = original_name(name)
    ref = deployment_ref(namespace, base)
    burst_ref = deployment_ref(namespace, base + BURST_SUFFIX)
    move = move if move is not None else Move()
    existing = await _maybe_read(session, burst_ref)
    if existing is None and not move.fixed:
        raise PlanError(f"{ref} has no burst companion ({burst_ref.name}): nothing to un-burst")
    if existing is not None and (existing.get("metadata", {}).get("labels") or {}).get(BURST_LABEL) != "true":
        raise PlanError(f"{burst_ref} was not made by a burst (no {BURST_LABEL} label): refusing to delete it")
    obj = await session.read(ref)
    hpa = await hpa_of(session, namespace, base)
    shift = _hpa_shift(existing)
    original_now = replicas_of(obj)
    burst_now = replicas_of(existing) if existing is not None else 0
    if not move.fixed:
        back = burst_now if count is None else count
        if burst_now and not 1 <= back <= burst_now:
            raise PlanError(f"{burst_ref.name} runs {burst_now} replicas: give back 1 to {burst_now}")
        move.count = back or 1  # (an empty companion is only deleted)
        move.original = (original_now, original_now + back)
        move.burst = (burst_now, burst_now - back)
        if hpa is not None and shift.get("name") == hpa.name:
            share = back / burst_now if burst_now else 1.0
            raise_min = round(int(shift.get("min") or 0) * share)
            raise_max = round(int(shift.get("max") or 0) * share)
            move.hpa = ((hpa.min_replicas, hpa.max_replicas),
                        (hpa.min_replicas + raise_min, hpa.max_replicas + raise_max))
    writes: list[Write] = []
    if hpa is not None and move.hpa is not None:
        (min0, max0), (min1, max1) = move.hpa
        if _step(f"{hpa.name} maxReplicas", hpa.max_replicas, max0, max1) or hpa.min_replicas != min1:
            writes.append(_hpa_write(hpa, (min1, max1)))
    if _step(f"{ref} spec.replicas", original_now, *move.original):
        writes.append(scale_write(ref, obj, move.original[1]))
    deleting = move.burst[1] == 0
    if existing is not None:
        if deleting:
            if burst_now:
                writes.append(scale_write(burst_ref, existing, 0, wait_scaled_down=True))
                writes.append(Write("delete", burst_ref, summary="delete after its pods are gone",
                                    require_replicas=0))
            else:
                writes.append(Write("delete", burst_ref, resource_version=meta_rv(existing), summary="delete"))
        elif _step(f"{burst_ref} spec.replicas", burst_now, *move.burst):
            left = {k: int(shift.get(k) or 0) - (move.hpa[1][i] - move.hpa[0][i] if move.hpa else 0)
                    for i, k in enumerate(("min", "max"))}
            rv = meta_rv(existing)
            annotations = {BURST_HPA: json.dumps(dict(shift, **left), sort_keys=True)} if shift else {}
            writes.append(Write("patch", burst_ref, {"metadata": {"resourceVersion": rv, "annotations": annotations},
                                                     "spec": {"replicas": move.burst[1]}}, "merge", rv,
                                f"spec.replicas {burst_now} → {move.burst[1]}"))
    if not writes:
        raise PlanError(f"{ref} is already at {move.original[1]} and {burst_ref.name} is gone: nothing left to do")
    try:
        virtual = virtual_placement(await session.read_list(NODES, None)).names
    except PlanError:
        virtual = ()
    pods = await _pods_of(session, existing) if existing is not None else []
    total = move.original[0] + move.burst[0]
    before = f"{base} {move.original[0]}, {burst_ref.name} {move.burst[0]}"
    after = f"{base} {move.original[1]}, " + (f"{burst_ref.name} deleted" if deleting
                                              else f"{burst_ref.name} {move.burst[1]}") + f" (total {total})"
    if hpa is not None and move.hpa is not None:
        before += f", {hpa.text(move.hpa[0])}"
        after += f", {hpa.text(move.hpa[1])}"
    details = [f"un-burst gives the replicas back: {base} is scaled up by what {burst_ref.name} gives back "
               f"({move.original[0]} → {move.original[1]}), so the total stays {total}; pods that find no room "
               "on the real nodes are Pending again"]
    details += placement_lines(burst_ref.name, pods, virtual)
    return session.new_plan("unburst", burst_ref, before, after, writes, meta_rv(existing or obj),
                            details=details)


__all__ = ["BURST_LABEL", "BURST_SUFFIX", "BurstView", "HpaLimits", "Move", "VirtualNodes", "burst_deployment",
           "burst_template", "burst_view", "capacity_lines", "hpa_of", "original_name", "placement_lines",
           "plan_burst", "plan_unburst", "unschedulable", "virtual_placement"]
