"""Why a pod does not fit a node: the scheduler's filters replayed per node, in plain language.

kube-scheduler reports only counts ("3 Insufficient cpu, 1 node(s) had untolerated taint"). To say *which* node
came closest and what it lacks, this module replays the default filters on the nodes and pods of a snapshot:
NodeUnschedulable (cordoned), TaintToleration (NoSchedule/NoExecute), NodeAffinity (nodeSelector and required
node affinity), NodeResourcesFit (pods, cpu, memory, extended resources against allocatable minus the requests
of the pods already bound there). It also parses the scheduler's FailedScheduling message, which stays the
authority when nodes or other namespaces' pods are not visible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..cluster.quantity import format_memory, parse_cpu, parse_memory, parse_quantity
from ..cluster.rows import pod_resources
from .snapshot import Obj, labels_of, meta_of

# Problem kinds, in the order the scheduler's filters run (the first failing one is what it reports).
CORDONED, TAINT, AFFINITY, PODS, CPU, MEMORY, OTHER = ("cordoned", "taint", "affinity", "pods", "cpu", "memory",
                                                       "other")
RESOURCE_KINDS = frozenset({PODS, CPU, MEMORY, OTHER})


@dataclass(frozen=True, slots=True)
class NodeFit:
    """How one node fails a pod: problem kinds and plain-language lines; ``shortfall`` ranks resource misses
    (0 when only resources fail by nothing, i.e. the pod fits)."""

    node: str
    kinds: tuple[str, ...]
    problems: tuple[str, ...]
    shortfall: float = 0.0
    virtual: bool = False

    @property
    def fits(self) -> bool:
        return not self.kinds

    @property
    def only_resources(self) -> bool:
        return bool(self.kinds) and all(k in RESOURCE_KINDS for k in self.kinds)


def format_cpu(millicores: int) -> str:
    """``1500`` -> ``1.5 CPU``, ``250`` -> ``250m CPU``."""
    if millicores >= 1000 or millicores <= -1000:
        return f"{millicores / 1000:g} CPU"
    return f"{millicores}m CPU"


def tolerates(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    """Whether a toleration list tolerates a taint (v1helper.TolerationsTolerateTaint)."""
    for t in tolerations or ():
        effect = t.get("effect") or ""
        if effect and effect != taint.get("effect"):
            continue
        op = t.get("operator") or "Equal"
        key = t.get("key") or ""
        if op == "Exists":
            if not key or key == taint.get("key"):
                return True
        elif key == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def taint_text(taint: Mapping[str, Any]) -> str:
    value = taint.get("value")
    return f"{taint.get('key', '')}{'=' + value if value else ''}:{taint.get('effect', '')}"


def _match_expression(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    has = key in labels
    val = labels.get(key or "")
    if op == "In":
        return has and val in values
    if op == "NotIn":
        return not has or val not in values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and values:
        try:
            a, b = int(val or ""), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def _expr_text(expr: Mapping[str, Any]) -> str:
    op = expr.get("operator", "")
    values = ",".join(str(v) for v in expr.get("values") or ())
    key = expr.get("key", "")
    return {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": f"{key} exists",
            "DoesNotExist": f"no {key}", "Gt": f"{key} > {values}", "Lt": f"{key} < {values}"}.get(op, key)


def affinity_problems(pod: Mapping[str, Any], node: Mapping[str, Any]) -> list[str]:
    """What a node lacks for the pod's nodeSelector and required node affinity ([] when it matches)."""
    spec = pod.get("spec") or {}
    labels = labels_of(node)
    out: list[str] = []
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            have = f" (it has {k}={labels[k]})" if k in labels else ""
            out.append(f"lacks label {k}={v} (nodeSelector){have}")
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = [t for t in required.get("nodeSelectorTerms") or () if t.get("matchExpressions") or t.get("matchFields")]
    if terms:
        fields = {"metadata.name": meta_of(node).get("name", "")}
        ok = any(all(_match_expression(e, labels) for e in t.get("matchExpressions") or ())
                 and all(_match_expression(e, fields) for e in t.get("matchFields") or ()) for t in terms)
        if not ok:
            failed = [_expr_text(e) for e in (terms[0].get("matchExpressions") or ())
                      if not _match_expression(e, labels)]
            out.append("does not match the required node affinity"
                       + (f" ({'; '.join(failed)})" if failed else ""))
    return out


def node_ready(node: Mapping[str, Any]) -> bool:
    for c in (node.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return True


def _usage(pods: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int, int, dict[str, float]]]:
    """Per node: (cpu millicores, memory bytes, pod count, other resources) requested by bound pods."""
    out: dict[str, tuple[int, int, int, dict[str, float]]] = {}
    for p in pods:
        node = (p.get("spec") or {}).get("nodeName")
        if not node or (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        cpu, mem = pod_resources(p.get("spec") or {})
        other = _extended_requests(p)
        c0, m0, n0, o0 = out.get(node, (0, 0, 0, {}))
        merged = dict(o0)
        for k, v in other.items():
            merged[k] = merged.get(k, 0.0) + v
        out[node] = (c0 + cpu, m0 + mem, n0 + 1, merged)
    return out


def _extended_requests(pod: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in (pod.get("spec") or {}).get("containers") or ():
        for name, qty in ((c.get("resources") or {}).get("requests") or {}).items():
            if name in ("cpu", "memory", "ephemeral-storage"):
                continue
            out[name] = out.get(name, 0.0) + parse_quantity(qty)
    return out


def fit_nodes(pod: Mapping[str, Any], nodes: Iterable[Obj], bound_pods: Iterable[Mapping[str, Any]]) -> list[NodeFit]:
    """Every node's verdict for ``pod``, closest first (fits, then only-resource misses by shortfall, then nodes
    the pod's nodeSelector/affinity accepts, then by how many filters fail)."""
    spec = pod.get("spec") or {}
    tolerations = spec.get("tolerations") or []
    want_cpu, want_mem = pod_resources(spec)
    want_other = _extended_requests(pod)
    uid = meta_of(pod).get("uid")
    usage = _usage(p for p in bound_pods if meta_of(p).get("uid") != uid)
    out: list[NodeFit] = []
    for node in nodes:
        name = meta_of(node).get("name", "")
        nspec = node.get("spec") or {}
        kinds: list[str] = []
        problems: list[str] = []
        virtual = labels_of(node).get("type") == "virtual-kubelet"
        if nspec.get("unschedulable") and not tolerates(tolerations, {"key": "node.kubernetes.io/unschedulable",
                                                                      "effect": "NoSchedule"}):
            kinds.append(CORDONED)
            problems.append("is cordoned (unschedulable)")
        if not node_ready(node):
            problems.append("is NotReady")
            kinds.append(CORDONED)
        untolerated = [t for t in nspec.get("taints") or () if t.get("effect") in ("NoSchedule", "NoExecute")
                       and not tolerates(tolerations, t)]
        if untolerated:
            kinds.append(TAINT)
            problems.append(f"has taint {', '.join(taint_text(t) for t in untolerated)} that the pod does not "
                            "tolerate")
        aff = affinity_problems(pod, node)
        if aff:
            kinds.append(AFFINITY)
            problems.extend(aff)
        alloc = (node.get("status") or {}).get("allocatable") or {}
        used_cpu, used_mem, used_pods, used_other = usage.get(name, (0, 0, 0, {}))
        shortfall = 0.0
        cap_pods = int(parse_quantity(alloc.get("pods", 110)))
        if used_pods + 1 > cap_pods:
            kinds.append(PODS)
            problems.append(f"already runs {used_pods} pods (its maximum is {cap_pods})")
            shortfall += 1.0
        a_cpu = parse_cpu(alloc.get("cpu", 0))
        free_cpu = a_cpu - used_cpu
        if want_cpu and want_cpu > free_cpu:
            kinds.append(CPU)
            problems.append(f"has {format_cpu(max(free_cpu, 0))} free of {format_cpu(a_cpu)}; the pod requests "
                            f"{format_cpu(want_cpu)} (short by {format_cpu(want_cpu - max(free_cpu, 0))})")
            shortfall += (want_cpu - max(free_cpu, 0)) / max(a_cpu, 1)
        a_mem = parse_memory(alloc.get("memory", 0))
        free_mem = a_mem - used_mem
        if want_mem and want_mem > free_mem:
            kinds.append(MEMORY)
            problems.append(f"has {format_memory(max(free_mem, 0))} memory free of {format_memory(a_mem)}; the pod "
                            f"requests {format_memory(want_mem)} (short by "
                            f"{format_memory(want_mem - max(free_mem, 0))})")
            shortfall += (want_mem - max(free_mem, 0)) / max(a_mem, 1)
        for res, amount in want_other.items():
            have = parse_quantity(alloc.get(res, 0)) - used_other.get(res, 0.0)
            if amount > have:
                kinds.append(OTHER)
                problems.append(f"has {max(have, 0):g} {res} free; the pod requests {amount:g}")
                shortfall += 1.0
        out.append(NodeFit(name, tuple(kinds), tuple(problems), shortfall, virtual))
    # Closest: fits; else only short of resources; else a node the pod selects (its nodeSelector/affinity is the
    # user's explicit choice) with the fewest problems.
    out.sort(key=lambda f: (not f.fits, not f.only_resources, AFFINITY in f.kinds, len(f.kinds), f.shortfall,
                            f.virtual, f.node))
    return out


# -- the scheduler's message --------------------------------------------------------------------------------

_REASON_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (CPU, re.compile(r"Insufficient cpu", re.I)),
    (MEMORY, re.compile(r"Insufficient memory", re.I)),
    (PODS, re.compile(r"Too many pods", re.I)),
    (OTHER, re.compile(r"Insufficient \S+", re.I)),
    ("pvc", re.compile(r"PersistentVolumeClaim|persistentvolumeclaim|volume node affinity|unbound", re.I)),
    (TAINT, re.compile(r"taint", re.I)),
    (AFFINITY, re.compile(r"affinity|selector|topology spread", re.I)),
    (CORDONED, re.compile(r"unschedulable|not-ready|NotReady", re.I)),
)


@dataclass(frozen=True, slots=True)
class SchedulerMessage:
    """A parsed FailedScheduling message: total nodes and (count, kind, text) per reason."""

    total: int | None
    reasons: tuple[tuple[int, str, str], ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for _n, k, _t in self.reasons))


def parse_scheduler_message(message: str) -> SchedulerMessage:
    """``0/4 nodes are available: 1 node(s) had untolerated taint {...}, 3 Insufficient cpu. preemption: ...``
    -> total 4, reasons [(1, taint, ...), (3, cpu, ...)]. Messages without counts give one reason of count 0."""
    text = message.split(" preemption:", 1)[0].strip().rstrip(".")
    m = re.match(r"0/(\d+) nodes are available:\s*(.*)", text, re.S)
    total = int(m.group(1)) if m else None
    body = m.group(2) if m else text
    reasons: list[tuple[int, str, str]] = []
    # Split on ", <count> " keeping braces ({key: value, ...}) together.
    parts = re.split(r",\s+(?=\d+ )", body)
    for part in parts:
        part = part.strip()
        if not part:
            continue
        cm = re.match(r"(\d+)\s+(.*)", part, re.S)
        count, what = (int(cm.group(1)), cm.group(2)) if cm else (0, part)
        kind = next((k for k, pattern in _REASON_PATTERNS if pattern.search(what)), "other-reason")
        reasons.append((count, kind, what.strip()))
    return SchedulerMessage(total, tuple(reasons))


__all__ = ["AFFINITY", "CORDONED", "CPU", "MEMORY", "OTHER", "PODS", "TAINT", "NodeFit", "SchedulerMessage",
           "affinity_problems", "fit_nodes", "format_cpu", "node_ready", "parse_scheduler_message", "taint_text",
           "tolerates"]
