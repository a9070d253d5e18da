"""The scheduler: binds pending pods to nodes, or leaves them Pending with the real scheduler's explanation.

Filters run in the default profile's order and a node fails on the first filter that rejects it, as in
kube-scheduler: NodeUnschedulable (cordoned), TaintToleration (NoSchedule/NoExecute), NodeAffinity
(nodeSelector and required node affinity), NodeResourcesFit (pods, cpu, memory, extended resources against
allocatable). Feasible nodes are scored by least-allocated resources (with the scheduler's default requests
for containers that state none) plus spreading of one owner's pods, so replicas spread over nodes.

A pod that fits nowhere gets ``PodScheduled=False/Unschedulable`` and a ``FailedScheduling`` warning worded
like kube-scheduler's ("0/4 nodes are available: ... preemption: ..."). It is tried again only when the
cluster changes in a way that could help (a node added or changed, a pod removed or finished), at most once a
(scaled) second, never by rescanning all pods.
"""

from __future__ import annotations

from ..errors import ApiError
from ..events import record_event
from ..resources import NODES, PODS, PVCS, PVS, STORAGECLASSES
from ..store import now_iso
from .base import Controller
from .util import (
    Obj,
    controller_ref,
    is_terminal,
    mem_bytes,
    milli_cpu,
    parse_quantity,
    pod_nonzero_requests,
    pod_requests,
)

COMPONENT = "default-scheduler"
UNRESOLVABLE, RESOLVABLE = "unresolvable", "resolvable"
_NODE_FIELDS = ("labels", "unschedulable", "taints", "allocatable", "ready")


def tolerates(tolerations: list[Obj], taint: Obj) -> bool:
    """v1helper.TolerationsTolerateTaint."""
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


def _match_expression(expr: Obj, labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    has = key in labels
    val = labels.get(key)
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
            a, b = int(val), int(values[0])
        except (TypeError, ValueError):
            return False
        return a > b if op == "Gt" else a < b
    return False


def matches_node_affinity(pod: Obj, node: Obj) -> bool:
    """nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms ORed, expressions ANDed)."""
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if not terms:
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in terms:
        exprs = term.get("matchExpressions") or []
        field_exprs = term.get("matchFields") or []
        if not exprs and not field_exprs:
            continue
        if all(_match_expression(e, labels) for e in exprs) and \
                all(_match_expression(e, fields) for e in field_exprs):
            return True
    return False


def _node_signature(node: Obj) -> tuple:
    spec, status = node.get("spec") or {}, node.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    return (node["metadata"].get("labels"), spec.get("unschedulable"), spec.get("taints"),
            status.get("allocatable"), ready)


class Scheduler(Controller):
    name = "scheduler"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.unschedulable: set[tuple[str, str]] = set()
        self._retry_handle = None
        self._retry_wanted = False
        self.claim_waiters: dict[tuple[str, str], set[tuple[str, str]]] = {}  # (ns, claim) -> pods waiting

    # -- triggers ------------------------------------------------------------------------------------------
    def on_change(self, change) -> None:
        if change.rt is PODS:
            pod, old = change.obj, change.old
            key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
            if change.type == "DELETED":
                self.queue.discard(key)
                self.unschedulable.discard(key)
                if (pod.get("spec") or {}).get("nodeName") and not is_terminal(pod):
                    self._cluster_changed()
                return
            if not self._wants_scheduling(pod):
                self.queue.discard(key)
                self.unschedulable.discard(key)
                if old is not None and not is_terminal(old) and is_terminal(pod) and pod["spec"].get("nodeName"):
                    self._cluster_changed()  # a finished pod frees its requests
                return
            if key in self.unschedulable and old is not None and old.get("spec") == pod.get("spec") and \
                    old["metadata"].get("labels") == pod["metadata"].get("labels"):
                return  # our own status write, or nothing that changes the verdict
            self.unschedulable.discard(key)
            self.queue.add(key)
        elif change.rt is NODES:
            if change.type != "MODIFIED" or _node_signature(change.old) != _node_signature(change.obj):
                self._cluster_changed()
        elif change.rt is PVCS and change.type != "DELETED":
            claim = (change.obj["metadata"].get("namespace", ""), change.obj["metadata"]["name"])
            for key in self.claim_waiters.pop(claim, ()):
                self.unschedulable.discard(key)
                self.queue.add(key)

    @staticmethod
    def _wants_scheduling(pod: Obj) -> bool:
        spec = pod.get("spec") or {}
        return (not spec.get("nodeName") and not pod["metadata"].get("deletionTimestamp")
                and not is_terminal(pod) and spec.get("schedulerName", "default-scheduler") == "default-scheduler")

    def _cluster_changed(self) -> None:
        if not self.unschedulable or self._retry_handle is not None:
            return

        def fire() -> None:
            self._retry_handle = None
            for key in self.unschedulable:
                self.queue.add(key)
            self.unschedulable.clear()
            self.ctx.wake()

        self._retry_handle = self.ctx.call_later(max(0.05, self.sim.delay(1.0)), fire)

    def resync_all(self) -> None:
        for pod in self.store.iter_objects(PODS):
            if self._wants_scheduling(pod):
                self.queue.add((pod["metadata"]["namespace"], pod["metadata"]["name"]))

    # -- scheduling ----------------------------------------------------------------------------------------
    def sync(self, key: tuple[str, str]) -> None:
        pod = self.store.get(PODS, *key)
        if pod is None or not self._wants_scheduling(pod):
            return
        nodes = sorted(self.store.iter_objects(NODES), key=lambda n: n["metadata"]["name"])
        if not nodes:
            self._unschedulable(pod, "no nodes available to schedule pods")
            return
        problem, volumes, waiting = self._claims(pod)
        if problem:
            n = len(nodes)
            self._wait_for_claims(key, waiting)
            self._unschedulable(pod, f"0/{n} nodes are available: {problem}. preemption: 0/{n} nodes are "
                                     f"available: {n} Preemption is not helpful for scheduling.")
            return
        req = pod_requests(pod.get("spec") or {})
        feasible: list[Obj] = []
        reasons: dict[str, int] = {}
        preemption: dict[str, int] = {}
        for node in nodes:
            failed, kind = self._filter(pod, node, req)
            if not failed and any(not matches_node_affinity(
                    {"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                                                            pv_aff}}}}, node) for pv_aff in volumes):
                failed, kind = ["node(s) had volume node affinity conflict"], UNRESOLVABLE
            if not failed:
                feasible.append(node)
                continue
            for r in failed:
                reasons[r] = reasons.get(r, 0) + 1
            p = ("Preemption is not helpful for scheduling" if kind == UNRESOLVABLE
                 else "No preemption victims found for incoming pod")
            preemption[p] = preemption.get(p, 0) + 1
        if not feasible:
            n = len(nodes)
            first = ", ".join(sorted(f"{c} {r}" for r, c in reasons.items()))
            second = ", ".join(sorted(f"{c} {r}" for r, c in preemption.items()))
            self._unschedulable(pod, f"0/{n} nodes are available: {first}. "
                                     f"preemption: 0/{n} nodes are available: {second}.")
            return
        best = self._pick(pod, feasible)
        if waiting:  # WaitForFirstConsumer claims: provision next to the chosen node, bind the pod after
            self._select_node(waiting, best["metadata"]["name"])
            self._wait_for_claims(key, waiting)
            return
        self._bind(pod, best)

    # -- volume binding --------------------------------------------------------------------------------------------
    def _claims(self, pod: Obj) -> tuple[str, list[Obj], list[tuple[str, str]]]:
        """VolumeBinding: (why the pod cannot be scheduled yet or "", the node affinity of its bound volumes,
        the claims it waits for)."""
        ns = pod["metadata"].get("namespace", "")
        affinities: list[Obj] = []
        waiting: list[tuple[str, str]] = []
        for vol in (pod.get("spec") or {}).get("volumes") or ():
            claim_name = (vol.get("persistentVolumeClaim") or {}).get("claimName")
            if not claim_name:
                continue
            pvc = self.store.get(PVCS, ns, claim_name)
            if pvc is None:
                return f'persistentvolumeclaim "{claim_name}" not found', [], [(ns, claim_name)]
            if pvc["metadata"].get("deletionTimestamp"):
                return f'persistentvolumeclaim "{claim_name}" is being deleted', [], [(ns, claim_name)]
            volume = (pvc.get("spec") or {}).get("volumeName")
            if volume and (pvc.get("status") or {}).get("phase") == "Bound":
                pv = self.store.get(PVS, None, volume)
                required = (((pv or {}).get("spec") or {}).get("nodeAffinity") or {}).get("required")
                if required:
                    affinities.append(required)
                continue
            cls = (pvc.get("spec") or {}).get("storageClassName") or ""
            sc = self.store.get(STORAGECLASSES, None, cls) if cls else None
            if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer" or volume:
                return "pod has unbound immediate PersistentVolumeClaims", [], [(ns, claim_name)]
            waiting.append((ns, claim_name))
        return "", affinities, waiting

    def _wait_for_claims(self, pod_key: tuple[str, str], claims: list[tuple[str, str]]) -> None:
        for claim in claims:
            self.claim_waiters.setdefault(claim, set()).add(pod_key)

    def _select_node(self, claims: list[tuple[str, str]], node: str) -> None:
        for ns, name in claims:
            def select(obj: Obj) -> None:
                ann = obj["metadata"].setdefault("annotations", {})
                ann.setdefault("volume.kubernetes.io/selected-node", node)

            self.store.mutate(PVCS, ns, name, select)

    def _filter(self, pod: Obj, node: Obj, req: dict[str, int]) -> tuple[list[str], str]:
        spec = pod.get("spec") or {}
        nspec = node.get("spec") or {}
        tolerations = spec.get("tolerations") or []
        if nspec.get("unschedulable") and not tolerates(
                tolerations, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}):
            return ["node(s) were unschedulable"], UNRESOLVABLE
        for taint in nspec.get("taints") or ():
            if taint.get("effect") not in ("NoSchedule", "NoExecute"):
                continue
            if not tolerates(tolerations, taint):
                return [f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"], \
                    UNRESOLVABLE
        if not matches_node_affinity(pod, node):
            return ["node(s) didn't match Pod's node affinity/selector"], UNRESOLVABLE
        alloc = (node.get("status") or {}).get("allocatable") or {}
        used = self.index.usage(node["metadata"]["name"])
        failed = []
        if used.pods + 1 > int(parse_quantity(alloc.get("pods", 110))):
            failed.append("Too many pods")
        cpu = req.get("cpu", 0)
        if cpu and cpu > milli_cpu(alloc.get("cpu", 0)) - used.cpu:
            failed.append("Insufficient cpu")
        mem = req.get("memory", 0)
        if mem and mem > mem_bytes(alloc.get("memory", 0)) - used.memory:
            failed.append("Insufficient memory")
        for name, amount in req.items():
            if name in ("cpu", "memory") or not amount:
                continue
            have = parse_quantity(alloc.get(name, 0))
            if name == "ephemeral-storage" and not alloc.get(name):
                continue
            if amount > have - used.other.get(name, 0):
                failed.append(f"Insufficient {name}")
        return failed, RESOLVABLE

    def _pick(self, pod: Obj, nodes: list[Obj]) -> Obj:
        nz_cpu, nz_mem = pod_nonzero_requests(pod.get("spec") or {})
        ref = controller_ref(pod)
        owner = ref.get("uid") if ref else None
        counts = {n["metadata"]["name"]: (self.index.usage(n["metadata"]["name"]).owners.get(owner, 0)
                                          if owner else 0) for n in nodes}
        most = max(counts.values()) if counts else 0
        best: list[Obj] = []
        best_score = -1.0
        for node in nodes:
            name = node["metadata"]["name"]
            alloc = (node.get("status") or {}).get("allocatable") or {}
            used = self.index.usage(name)
            a_cpu = max(1, milli_cpu(alloc.get("cpu", 0)))
            a_mem = max(1, mem_bytes(alloc.get("memory", 0)))
            free_cpu = max(0.0, (a_cpu - used.nz_cpu - nz_cpu) / a_cpu)
            free_mem = max(0.0, (a_mem - used.nz_memory - nz_mem) / a_mem)
            least_allocated = 100 * (free_cpu + free_mem) / 2
            balanced = 100 * (1 - abs(free_cpu - free_mem))
            spread = 100 * (1 - counts[name] / (most + 1)) if owner else 100
            score = least_allocated + balanced + 2 * spread
            if score > best_score + 1e-9:
                best, best_score = [node], score
            elif abs(score - best_score) <= 1e-9:
                best.append(node)
        return best[0] if len(best) == 1 else self.ctx.rng.choice(best)

    def _bind(self, pod: Obj, node: Obj) -> None:
        node_name = node["metadata"]["name"]
        meta = pod["metadata"]
        now = now_iso()

        def bind(obj: Obj) -> None:
            obj["spec"]["nodeName"] = node_name
            status = obj.setdefault("status", {})
            conds = [c for c in status.get("conditions") or () if c.get("type") != "PodScheduled"]
            conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                          "lastTransitionTime": now})
            status["conditions"] = conds
            status.setdefault("phase", "Pending")

        try:
            bound = self.store.mutate(PODS, meta["namespace"], meta["name"], bind)
        except ApiError:
            return
        if bound is None:
            return
        record_event(self.store, bound, "Normal", "Scheduled",
                     f"Successfully assigned {meta['namespace']}/{meta['name']} to {node_name}", COMPONENT)

    def _unschedulable(self, pod: Obj, message: str) -> None:
        meta = pod["metadata"]
        key = (meta["namespace"], meta["name"])
        self.unschedulable.add(key)
        now = now_iso()

        def mark(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            conds = list(status.get("conditions") or ())
            for i, c in enumerate(conds):
                if c.get("type") == "PodScheduled":
                    if c.get("status") == "False" and c.get("reason") == "Unschedulable" and \
                            c.get("message") == message:
                        return
                    conds[i] = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                                "lastTransitionTime": c.get("lastTransitionTime") if c.get("status") == "False"
                                else now, "reason": "Unschedulable", "message": message}
                    break
            else:
                conds.append({"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                              "lastTransitionTime": now, "reason": "Unschedulable", "message": message})
            status["conditions"] = conds
            status.setdefault("phase", "Pending")

        updated = self.store.mutate(PODS, meta["namespace"], meta["name"], mark)
        if updated is not None:
            record_event(self.store, updated, "Warning", "FailedScheduling", message, COMPONENT)
