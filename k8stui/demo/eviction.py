"""``pods/eviction`` (policy/v1 ``Eviction``): a graceful delete that respects PodDisruptionBudgets.

As the API server's eviction REST handler does: a pod that is not running (Pending, Succeeded, Failed) or is
already terminating is deleted without looking at budgets; otherwise the one PDB selecting the pod decides
(more than one is a 500). Its allowance is the budget's ``status.disruptionsAllowed`` when the status is
current, never more than what the pods show right now (``currentHealthy - desiredHealthy``, the disruption
controller's formula), so two quick evictions cannot both spend the last disruption. An allowed eviction
spends one (``disruptionsAllowed - 1`` and the pod in ``disruptedPods``) before the delete; a refused one is
``429 TooManyRequests`` "Cannot evict pod as it would violate the pod's disruption budget." — kubectl drain
shows it and retries. An unready pod may go when the budget is already met (``unhealthyPodEvictionPolicy``
``IfHealthyBudget``, the default) or always (``AlwaysAllow``).
"""

from __future__ import annotations

import math
from typing import Any

from .errors import ApiError, bad_request
from .resources import PDBS, PODS
from .selectors import match_labels
from .store import now_iso

Obj = dict[str, Any]
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


def _ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _scaled(value: Any, total: int) -> int:
    """An IntOrString of a PDB against ``total`` pods; percentages round up, as the controller does."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            return math.ceil(int(value[:-1]) * total / 100)
        except ValueError:
            return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def budget(store: Any, pdb: Obj) -> tuple[int, int, int]:
    """(currentHealthy, desiredHealthy, expectedPods) for ``pdb`` from the pods in the store now."""
    meta, spec = pdb["metadata"], pdb.get("spec") or {}
    pods = [p for p in store.list(PODS, meta.get("namespace"))
            if _selects(pdb, p) and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    expected = len(pods)
    healthy = sum(1 for p in pods if _ready(p) and not p["metadata"].get("deletionTimestamp"))
    if spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected))
    else:
        desired = _scaled(spec.get("minAvailable", 1), expected)
    return healthy, desired, expected


def allowed_now(store: Any, pdb: Obj) -> tuple[int, int, int]:
    """(disruptions allowed, currentHealthy, desiredHealthy)."""
    healthy, desired, _ = budget(store, pdb)
    allowed = max(0, healthy - desired)
    status = pdb.get("status") or {}
    fresh = status.get("observedGeneration", -1) >= pdb["metadata"].get("generation", 1)
    if fresh and isinstance(status.get("disruptionsAllowed"), int):
        allowed = min(allowed, status["disruptionsAllowed"])
    return allowed, healthy, desired


def _selects(pdb: Obj, pod: Obj) -> bool:
    """policy/v1: an empty selector selects every pod of the namespace, a missing one none."""
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return False
    return not selector or match_labels(selector, pod["metadata"].get("labels") or {})


def _covering(store: Any, pod: Obj) -> list[Obj]:
    return [b for b in store.list(PDBS, pod["metadata"].get("namespace")) if _selects(b, pod)]


def _spend(store: Any, pdb: Obj, pod_name: str, allowed: int) -> None:
    def change(obj: Obj) -> None:
        status = obj.setdefault("status", {})
        status["disruptionsAllowed"] = max(0, allowed - 1)
        status.setdefault("disruptedPods", {})[pod_name] = now_iso()
    store.mutate(PDBS, pdb["metadata"].get("namespace"), pdb["metadata"]["name"], change)


def evict(store: Any, namespace: str, name: str, body: Any, dry_run: bool) -> Obj:
    """Check budgets and delete; returns the Status to answer with (201), raises ApiError otherwise."""
    if not isinstance(body, dict):
        raise bad_request("the body of the request was in an unknown format")
    if body.get("kind") not in (None, "Eviction"):
        raise bad_request(f"the object provided is unrecognized (must be of type Eviction): {body.get('kind')}")
    body_name = (body.get("metadata") or {}).get("name")
    if body_name and body_name != name:
        raise bad_request(f"name in URL does not match name in Eviction object: {name} vs {body_name}")
    options = body.get("deleteOptions") or {}
    if "All" in (options.get("dryRun") or []):
        dry_run = True
    pod = store.must_get(PODS, namespace, name)
    pre = options.get("preconditions") or {}
    phase = (pod.get("status") or {}).get("phase")
    if phase not in ("Pending", "Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp"):
        budgets = _covering(store, pod)
        if len(budgets) > 1:
            raise ApiError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
                                                 "eviction subresource does not support.")
        if budgets:
            pdb = budgets[0]
            allowed, healthy, desired = allowed_now(store, pdb)
            policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy", "IfHealthyBudget")
            unready_ok = not _ready(pod) and (policy == "AlwaysAllow" or healthy >= desired)
            if not unready_ok:
                if allowed <= 0:
                    pdb_name = pdb["metadata"]["name"]
                    raise ApiError(429, "TooManyRequests", VIOLATION, {"causes": [{
                        "reason": "DisruptionBudget",
                        "message": f"The disruption budget {pdb_name} needs {desired} healthy pods and has "
                                   f"{healthy} currently"}]})
                if not dry_run:
                    _spend(store, pdb, name, allowed)
    store.delete(PODS, namespace, name, grace_seconds=options.get("gracePeriodSeconds"), dry_run=dry_run,
                 precondition_rv=pre.get("resourceVersion"), precondition_uid=pre.get("uid"))
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
