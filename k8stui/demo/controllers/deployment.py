"""The Deployment controller: one ReplicaSet per pod template, rolled over as the real controller does.

This follows pkg/controller/deployment (sync.go, rolling.go, recreate.go, util/deployment_util.go) closely,
because kubectl reads its results: ``rollout history`` lists the ReplicaSets' ``deployment.kubernetes.io/
revision`` and ``kubernetes.io/change-cause`` annotations, ``rollout undo`` copies an old ReplicaSet's template
back into the Deployment (which must then re-use that ReplicaSet with the next revision), ``rollout status``
waits on ``observedGeneration``, ``updatedReplicas``, ``availableReplicas`` and the ``Progressing`` condition.

Rolling updates honour ``maxSurge`` (rounded up) and ``maxUnavailable`` (rounded down, 1 if both are 0),
Recreate scales old ReplicaSets to zero and waits for their pods to be gone, ``spec.paused`` only scales,
``revisionHistoryLimit`` removes the oldest unused ReplicaSets, and ``progressDeadlineSeconds`` (scaled by the
simulation) turns a stuck rollout into ``ProgressDeadlineExceeded``.
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any

import orjson

from ..errors import ApiError
from ..events import record_event
from ..resources import DEPLOYMENTS, PODS, REPLICASETS
from ..store import now_iso
from .base import Controller
from .util import Obj, controller_ref, owner_ref, parse_time

COMPONENT = "deployment-controller"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"
_SKIP_COPY = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
              DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"}
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_INT32 = 2**31 - 1

# Condition reasons (pkg/controller/deployment/util).
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
RS_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
MIN_AVAILABLE_REASON = "MinimumReplicasAvailable"
MIN_UNAVAILABLE_REASON = "MinimumReplicasUnavailable"


# -- pure helpers ----------------------------------------------------------------------------------------------
def compute_hash(template: Obj, collision_count: int | None = None) -> str:
    """The ``pod-template-hash``: FNV-32a over the template, written with Kubernetes' safe alphabet."""
    data = orjson.dumps(_semantic(template), option=orjson.OPT_SORT_KEYS)
    if collision_count is not None:
        data += str(collision_count).encode()
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return "".join(_HASH_ALPHABET[ord(ch) % len(_HASH_ALPHABET)] for ch in str(h))


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.endswith("%"):
        pct = float(text[:-1] or 0)
        raw = pct * total / 100
        return int(math.ceil(raw)) if round_up else int(math.floor(raw))
    try:
        return int(text)
    except ValueError:
        return 0


def _replicas(obj: Obj) -> int:
    r = (obj.get("spec") or {}).get("replicas")
    return 1 if r is None else int(r)


def _status_int(obj: Obj | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def _is_rolling(d: Obj) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def resolve_fenceposts(d: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) for a RollingUpdate deployment."""
    ru = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = _replicas(d)
    surge = scaled_value(ru.get("maxSurge", "25%"), desired, True)
    unavailable = scaled_value(ru.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    return resolve_fenceposts(d)[0] if _is_rolling(d) else 0


def max_unavailable(d: Obj) -> int:
    if not _is_rolling(d) or _replicas(d) == 0:
        return 0
    return min(resolve_fenceposts(d)[1], _replicas(d))


def _semantic(value: Any) -> Any:
    """Drop what apimachinery's semantic equality ignores: nulls and empty maps or lists (kubectl sends
    ``creationTimestamp: null`` in templates, e.g. with ``rollout undo``)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _semantic(v)
            if v is None or v == {} or v == []:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _strip_hash(template: Obj | None) -> Obj:
    t = _semantic(template or {})
    labels = t.get("metadata", {}).get("labels")
    if labels and HASH_LABEL in labels:
        labels = {k: v for k, v in labels.items() if k != HASH_LABEL}
        if labels:
            t["metadata"]["labels"] = labels
        else:
            del t["metadata"]["labels"]
            if not t["metadata"]:
                del t["metadata"]
    return t


def equal_ignore_hash(t1: Obj | None, t2: Obj | None) -> bool:
    return _strip_hash(t1) == _strip_hash(t2)


def revision_of(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _by_creation(rs: Obj) -> tuple[float, str]:
    return (parse_time(rs["metadata"].get("creationTimestamp")), rs["metadata"]["name"])


def _active(rss: list[Obj]) -> list[Obj]:
    return [rs for rs in rss if rs is not None and _replicas(rs) > 0]


def find_new_rs(d: Obj, rs_list: list[Obj]) -> Obj | None:
    """The oldest ReplicaSet whose template equals the deployment's (ignoring the hash label)."""
    template = d["spec"].get("template")
    for rs in sorted(rs_list, key=_by_creation):
        if equal_ignore_hash(rs["spec"].get("template"), template):
            return rs
    return None


def get_condition(status: Obj, ctype: str) -> Obj | None:
    for c in status.get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def new_condition(ctype: str, status: str, reason: str, message: str) -> Obj:
    now = now_iso()
    return {"type": ctype, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def set_condition(status: Obj, cond: Obj) -> None:
    """util.SetDeploymentCondition: same status and reason → no change; same status keeps the transition time."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = dict(cond, lastTransitionTime=current.get("lastTransitionTime"))
    status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != cond["type"]] + [cond]


def remove_condition(status: Obj, ctype: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != ctype]


def has_progress_deadline(d: Obj) -> bool:
    pds = d["spec"].get("progressDeadlineSeconds")
    return pds is not None and int(pds) != MAX_INT32


def deployment_complete(d: Obj, status: Obj) -> bool:
    want = _replicas(d)
    return (int(status.get("updatedReplicas") or 0) == want and int(status.get("replicas") or 0) == want
            and int(status.get("availableReplicas") or 0) == want
            and int(status.get("observedGeneration") or 0) >= int(d["metadata"].get("generation") or 1))


def deployment_progressing(d: Obj, new: Obj) -> bool:
    old = d.get("status") or {}

    def g(s: Obj, f: str) -> int:
        return int(s.get(f) or 0)

    old_old = g(old, "replicas") - g(old, "updatedReplicas")
    new_old = g(new, "replicas") - g(new, "updatedReplicas")
    return (g(new, "updatedReplicas") > g(old, "updatedReplicas") or new_old < old_old
            or g(new, "readyReplicas") > g(old, "readyReplicas")
            or g(new, "availableReplicas") > g(old, "availableReplicas"))


class DeploymentController(Controller):
    name = "deployment"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._deadline_timers: dict[tuple[str, str], Any] = {}

    # -- triggers ------------------------------------------------------------------------------------------
    def on_change(self, change) -> None:
        obj, old = change.obj, change.old
        if change.rt is DEPLOYMENTS:
            key = _key(obj)
            if change.type == "DELETED":
                self.queue.discard(key)
                self.ctx.cancel(self._deadline_timers.pop(key, None))
                return
            if old is not None and old.get("spec") == obj.get("spec") and \
                    old["metadata"].get("annotations") == obj["metadata"].get("annotations") and \
                    old["metadata"].get("deletionTimestamp") == obj["metadata"].get("deletionTimestamp"):
                return  # a status write (most often our own)
            self.queue.add(key)
        elif change.rt is REPLICASETS:
            for rs in (old, obj):
                ref = controller_ref(rs) if rs is not None else None
                if ref and ref.get("kind") == "Deployment":
                    self.queue.add((rs["metadata"].get("namespace", ""), ref.get("name")))
        elif change.rt is PODS and change.type == "DELETED":
            # Recreate waits for old pods to be gone; their removal changes no ReplicaSet status.
            ref = controller_ref(obj)
            if ref and ref.get("kind") == "ReplicaSet":
                ns = obj["metadata"].get("namespace", "")
                rs = self.store.get(REPLICASETS, ns, ref.get("name"))
                dref = controller_ref(rs) if rs is not None else None
                if dref and dref.get("kind") == "Deployment":
                    self.queue.add((ns, dref.get("name")))

    def resync_all(self) -> None:
        for d in self.store.iter_objects(DEPLOYMENTS):
            self.queue.add(_key(d))

    # -- sync ----------------------------------------------------------------------------------------------
    def sync(self, key: tuple[str, str]) -> None:
        stored = self.store.get(DEPLOYMENTS, *key)
        if stored is None:
            return
        d = copy.deepcopy(stored)
        d["spec"].setdefault("template", {})
        uid = d["metadata"]["uid"]
        rs_list = [rs for rs in self.index.replicasets_of(uid) if (controller_ref(rs) or {}).get("uid") == uid]
        if d["metadata"].get("deletionTimestamp"):
            new_rs, olds = self._get_all(d, rs_list, False)
            self._sync_status_only(d, olds + ([new_rs] if new_rs else []), new_rs)
        else:
            self._check_paused_conditions(d)
            if d["spec"].get("paused"):
                self._sync(d, rs_list)
            elif self._is_scaling_event(d, rs_list):
                self._sync(d, self._fresh_list(rs_list, d))
            elif _is_rolling(d):
                self._rollout_rolling(d, self._fresh_list(rs_list, d))
            else:
                self._rollout_recreate(d, self._fresh_list(rs_list, d))
        self._write(stored, d)

    def _fresh_list(self, rs_list: list[Obj], d: Obj) -> list[Obj]:
        uid = d["metadata"]["uid"]
        return [rs for rs in self.index.replicasets_of(uid) if (controller_ref(rs) or {}).get("uid") == uid]

    def _fresh(self, rs: Obj | None) -> Obj | None:
        if rs is None:
            return None
        return self.store.get(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"]) or rs

    def _write(self, stored: Obj, d: Obj) -> None:
        if d["metadata"].get("annotations") == stored["metadata"].get("annotations") and \
                d.get("status") == stored.get("status"):
            return
        annotations, status = d["metadata"].get("annotations"), d.get("status")

        def put(obj: Obj) -> None:
            if annotations is None:
                obj["metadata"].pop("annotations", None)
            else:
                obj["metadata"]["annotations"] = annotations
            obj["status"] = status

        self.store.mutate(DEPLOYMENTS, stored["metadata"]["namespace"], stored["metadata"]["name"], put)

    def _check_paused_conditions(self, d: Obj) -> None:
        if not has_progress_deadline(d):
            return
        status = d.setdefault("status", {})
        cond = get_condition(status, "Progressing")
        if cond is not None and cond.get("reason") == TIMED_OUT_REASON:
            return
        paused_cond = cond is not None and cond.get("reason") == PAUSED_REASON
        if d["spec"].get("paused") and not paused_cond:
            set_condition(status, new_condition("Progressing", "Unknown", PAUSED_REASON, "Deployment is paused"))
        elif not d["spec"].get("paused") and paused_cond:
            set_condition(status, new_condition("Progressing", "Unknown", RESUMED_REASON, "Deployment is resumed"))

    # -- ReplicaSets for the current template --------------------------------------------------------------
    def _get_all(self, d: Obj, rs_list: list[Obj], create: bool) -> tuple[Obj | None, list[Obj]]:
        existing = find_new_rs(d, rs_list)
        olds = [rs for rs in rs_list if existing is None or rs["metadata"]["name"] != existing["metadata"]["name"]]
        new_rs = self._get_new_rs(d, existing, olds, create)
        return new_rs, olds

    def _get_new_rs(self, d: Obj, existing: Obj | None, olds: list[Obj], create: bool) -> Obj | None:
        new_revision = max((revision_of(rs) for rs in olds), default=0) + 1
        status = d.setdefault("status", {})
        if existing is not None:
            rs = copy.deepcopy(existing)
            changed = self._set_new_rs_annotations(d, rs, new_revision, exists=True)
            min_ready = d["spec"].get("minReadySeconds") or 0
            if (rs["spec"].get("minReadySeconds") or 0) != min_ready:
                changed = True
                if min_ready:
                    rs["spec"]["minReadySeconds"] = min_ready
                else:
                    rs["spec"].pop("minReadySeconds", None)
            if changed:
                existing = self.store.update(REPLICASETS, rs, check_rv=False)
            self._set_revision(d, (existing["metadata"].get("annotations") or {}).get(REVISION, ""))
            if has_progress_deadline(d) and get_condition(status, "Progressing") is None:
                set_condition(status, new_condition("Progressing", "True", FOUND_NEW_RS_REASON,
                                                    f'Found new replica set "{existing["metadata"]["name"]}"'))
            return existing
        if not create:
            return None
        template = copy.deepcopy(d["spec"]["template"])
        pod_hash = compute_hash(template, status.get("collisionCount"))
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = dict(tmeta.get("labels") or {}, **{HASH_LABEL: pod_hash})
        selector = copy.deepcopy(d["spec"].get("selector") or {})
        selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{HASH_LABEL: pod_hash})
        name = f"{d['metadata']['name']}-{pod_hash}"
        rs: Obj = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": d["metadata"]["namespace"], "labels": dict(tmeta["labels"]),
                         "ownerReferences": [owner_ref(d)]},
            "spec": {"replicas": 0, "selector": selector, "template": template},
        }
        if d["spec"].get("minReadySeconds"):
            rs["spec"]["minReadySeconds"] = d["spec"]["minReadySeconds"]
        rs["spec"]["replicas"] = self._new_rs_new_replicas(d, olds + [rs], rs)
        self._set_new_rs_annotations(d, rs, new_revision, exists=False)
        already = False
        try:
            created = self.store.create(REPLICASETS, rs)
        except ApiError as exc:
            if exc.code != 409:
                record_event(self.store, d, "Warning", "FailedCreate",
                             f"Failed to create new replica set {name!r}: {exc.message}", COMPONENT)
                self.enqueue_after(_key(d), self.sim.delay(5.0))
                return None
            other = self.store.get(REPLICASETS, d["metadata"]["namespace"], name)
            ref = controller_ref(other) if other else None
            if other is not None and ref and ref.get("uid") == d["metadata"]["uid"] and \
                    equal_ignore_hash(d["spec"]["template"], other["spec"].get("template")):
                created, already = other, True
            else:  # a hash collision: count it and try again with a different hash
                status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
                self.queue.add(_key(d))
                return None
        if not already and _replicas(created) > 0:
            record_event(self.store, d, "Normal", "ScalingReplicaSet",
                         f"Scaled up replica set {name} to {_replicas(created)}", COMPONENT)
        self._set_revision(d, str(new_revision))
        if not already and has_progress_deadline(d):
            set_condition(status, new_condition("Progressing", "True", NEW_RS_REASON,
                                                f'Created new replica set "{name}"'))
        return created

    @staticmethod
    def _set_revision(d: Obj, revision: str) -> bool:
        ann = d["metadata"].setdefault("annotations", {})
        if ann.get(REVISION) == revision:
            return False
        ann[REVISION] = revision
        return True

    @staticmethod
    def _set_new_rs_annotations(d: Obj, rs: Obj, new_revision: int, exists: bool) -> bool:
        ann = rs["metadata"].setdefault("annotations", {})
        changed = False
        for k, v in (d["metadata"].get("annotations") or {}).items():
            if k in _SKIP_COPY or ann.get(k) == v:
                continue
            ann[k] = v
            changed = True
        old_rev_text = ann.get(REVISION)
        try:
            old_rev = int(old_rev_text) if old_rev_text else 0
        except ValueError:
            old_rev = 0
        if old_rev < new_revision:
            ann[REVISION] = str(new_revision)
            changed = True
            if old_rev_text:
                history = ann.get(REVISION_HISTORY, "")
                ann[REVISION_HISTORY] = f"{history},{old_rev_text}" if history else old_rev_text
        if not exists:
            want = _replicas(d)
            if ann.get(DESIRED_REPLICAS) != str(want) or ann.get(MAX_REPLICAS) != str(want + max_surge(d)):
                ann[DESIRED_REPLICAS] = str(want)
                ann[MAX_REPLICAS] = str(want + max_surge(d))
                changed = True
        return changed

    @staticmethod
    def _new_rs_new_replicas(d: Obj, all_rs: list[Obj], new_rs: Obj) -> int:
        if not _is_rolling(d):
            return _replicas(d)
        ru = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
        surge = scaled_value(ru.get("maxSurge", "25%"), _replicas(d), True)
        current = sum(_replicas(rs) for rs in all_rs)
        max_total = _replicas(d) + surge
        if current >= max_total:
            return _replicas(new_rs)
        up = min(max_total - current, _replicas(d) - _replicas(new_rs))
        return _replicas(new_rs) + up

    # -- scaling -------------------------------------------------------------------------------------------
    def _scale_rs(self, rs: Obj, new_scale: int, d: Obj) -> tuple[bool, Obj]:
        """scaleReplicaSet: set replicas and the desired/max annotations; event when the size changed."""
        size_changed = _replicas(rs) != new_scale
        want, most = _replicas(d), _replicas(d) + max_surge(d)
        ann = rs["metadata"].get("annotations") or {}
        ann_changed = ann.get(DESIRED_REPLICAS) != str(want) or ann.get(MAX_REPLICAS) != str(most)
        if not (size_changed or ann_changed):
            return False, rs
        old_scale = _replicas(rs)
        new = copy.deepcopy(rs)
        new["spec"]["replicas"] = new_scale
        new_ann = new["metadata"].setdefault("annotations", {})
        new_ann[DESIRED_REPLICAS] = str(want)
        new_ann[MAX_REPLICAS] = str(most)
        stored = self.store.update(REPLICASETS, new, check_rv=False)
        if size_changed:
            direction = "up" if old_scale < new_scale else "down"
            record_event(self.store, d, "Normal", "ScalingReplicaSet",
                         f"Scaled {direction} replica set {rs['metadata']['name']} to {new_scale} from {old_scale}",
                         COMPONENT)
        return size_changed, stored

    def _is_scaling_event(self, d: Obj, rs_list: list[Obj]) -> bool:
        new_rs, olds = self._get_all(d, rs_list, False)
        for rs in _active(olds + ([new_rs] if new_rs else [])):
            desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
            if desired is None:
                continue
            try:
                if int(desired) != _replicas(d):
                    return True
            except ValueError:
                continue
        return False

    def _sync(self, d: Obj, rs_list: list[Obj]) -> None:
        """A scaling event or a paused deployment: resize without rolling."""
        new_rs, olds = self._get_all(d, rs_list, False)
        self._scale(d, new_rs, olds)
        new_rs, olds = self._fresh(new_rs), [self._fresh(rs) for rs in olds]
        if d["spec"].get("paused"):
            self._cleanup(olds, d)
            olds = [rs for rs in (self._fresh(rs) for rs in olds) if rs is not None]
        all_rs = olds + ([new_rs] if new_rs else [])
        self._sync_status_only(d, all_rs, new_rs)

    def _scale(self, d: Obj, new_rs: Obj | None, olds: list[Obj]) -> None:
        want = _replicas(d)
        active_or_latest = _find_active_or_latest(new_rs, olds)
        if active_or_latest is not None:
            if _replicas(active_or_latest) != want:
                self._scale_rs(active_or_latest, want, d)
            return
        if _is_saturated(d, new_rs):
            for rs in _active(olds):
                self._scale_rs(rs, 0, d)
            return
        if not _is_rolling(d):
            return
        all_rs = _active(olds + ([new_rs] if new_rs else []))
        total = sum(_replicas(rs) for rs in all_rs)
        allowed = want + max_surge(d) if want > 0 else 0
        to_add = allowed - total
        if to_add > 0:
            all_rs.sort(key=lambda rs: (-_replicas(rs), -_by_creation(rs)[0]))  # larger, then newer first
        elif to_add < 0:
            all_rs.sort(key=lambda rs: (-_replicas(rs), _by_creation(rs)))  # larger, then older first
        added = 0
        sizes: dict[str, int] = {}
        for rs in all_rs:
            if to_add != 0:
                proportion = self._proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = _replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = _replicas(rs)
        for i, rs in enumerate(all_rs):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(0, sizes[name] + to_add - added)
            self._scale_rs(rs, sizes[name], d)

    @staticmethod
    def _proportion(rs: Obj, d: Obj, to_add: int, added: int) -> int:
        if _replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        if _replicas(d) == 0:
            fraction = -_replicas(rs)
        else:
            dmax = _replicas(d) + max_surge(d)
            try:
                before = int((rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS) or 0)
            except ValueError:
                before = 0
            if before == 0:
                before = int((d.get("status") or {}).get("replicas") or 0) or _replicas(rs)
            fraction = int(math.floor(_replicas(rs) * dmax / before + 0.5)) - _replicas(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -- rolling update ------------------------------------------------------------------------------------
    def _rollout_rolling(self, d: Obj, rs_list: list[Obj]) -> None:
        new_rs, olds = self._get_all(d, rs_list, True)
        if new_rs is None:
            self._sync_rollout_status(d, olds, None)
            return
        scaled_up, new_rs = self._reconcile_new_rs(d, olds + [new_rs], new_rs)
        if scaled_up:
            self._sync_rollout_status(d, [self._fresh(rs) for rs in olds] + [new_rs], new_rs)
            return
        olds = [self._fresh(rs) for rs in olds]
        if self._reconcile_old_rss(d, olds + [new_rs], _active(olds), new_rs):
            self._sync_rollout_status(d, [self._fresh(rs) for rs in olds] + [self._fresh(new_rs)], new_rs)
            return
        if deployment_complete(d, d.get("status") or {}):
            self._cleanup(olds, d)
            olds = [rs for rs in (self._fresh(rs) for rs in olds) if rs is not None]
        self._sync_rollout_status(d, olds + [new_rs], new_rs)

    def _reconcile_new_rs(self, d: Obj, all_rs: list[Obj], new_rs: Obj) -> tuple[bool, Obj]:
        want = _replicas(d)
        if _replicas(new_rs) == want:
            return False, new_rs
        if _replicas(new_rs) > want:
            return self._scale_rs(new_rs, want, d)
        return self._scale_rs(new_rs, self._new_rs_new_replicas(d, all_rs, new_rs), d)

    def _reconcile_old_rss(self, d: Obj, all_rs: list[Obj], old_active: list[Obj], new_rs: Obj) -> bool:
        if sum(_replicas(rs) for rs in old_active) == 0:
            return False
        all_pods = sum(_replicas(rs) for rs in all_rs)
        min_available = _replicas(d) - max_unavailable(d)
        new_unavailable = _replicas(new_rs) - _status_int(new_rs, "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        cleaned, old_active = self._cleanup_unhealthy(d, old_active, max_scaled_down)
        scaled = self._scale_down_old_for_rolling(d, old_active + [new_rs], old_active)
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, d: Obj, olds: list[Obj], max_cleanup: int) -> tuple[int, list[Obj]]:
        total = 0
        out = []
        for rs in sorted(olds, key=_by_creation):
            if total < max_cleanup and _replicas(rs) != 0 and _replicas(rs) != _status_int(rs, "availableReplicas"):
                n = min(max_cleanup - total, _replicas(rs) - _status_int(rs, "availableReplicas"))
                _, rs = self._scale_rs(rs, _replicas(rs) - n, d)
                total += n
            out.append(rs)
        return total, out

    def _scale_down_old_for_rolling(self, d: Obj, all_rs: list[Obj], olds: list[Obj]) -> int:
        min_available = _replicas(d) - max_unavailable(d)
        available = sum(_status_int(rs, "availableReplicas") for rs in all_rs)
        if available <= min_available:
            return 0
        to_scale = available - min_available
        total = 0
        for rs in sorted(olds, key=_by_creation):
            if total >= to_scale:
                break
            if _replicas(rs) == 0:
                continue
            n = min(_replicas(rs), to_scale - total)
            self._scale_rs(rs, _replicas(rs) - n, d)
            total += n
        return total

    # -- recreate ------------------------------------------------------------------------------------------
    def _rollout_recreate(self, d: Obj, rs_list: list[Obj]) -> None:
        new_rs, olds = self._get_all(d, rs_list, False)
        scaled_down = False
        for rs in _active(olds):
            scaled, _ = self._scale_rs(rs, 0, d)
            scaled_down = scaled_down or scaled
        olds = [self._fresh(rs) for rs in olds]
        all_rs = olds + ([new_rs] if new_rs else [])
        if scaled_down or self._old_pods_running(new_rs, olds):
            self._sync_rollout_status(d, all_rs, new_rs)
            return
        if new_rs is None:
            new_rs, olds = self._get_all(d, self._fresh_list(rs_list, d), True)
            if new_rs is None:
                self._sync_rollout_status(d, olds, None)
                return
        self._scale_rs(new_rs, _replicas(d), d)
        new_rs = self._fresh(new_rs)
        if deployment_complete(d, d.get("status") or {}):
            self._cleanup(olds, d)
            olds = [rs for rs in (self._fresh(rs) for rs in olds) if rs is not None]
        self._sync_rollout_status(d, olds + [new_rs], new_rs)

    def _old_pods_running(self, new_rs: Obj | None, olds: list[Obj]) -> bool:
        if sum(_status_int(rs, "replicas") for rs in olds) > 0:
            return True
        for rs in olds:
            for pod in self.index.pods_of(rs["metadata"]["uid"]):
                if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                    return True
        return False

    # -- history -------------------------------------------------------------------------------------------
    def _cleanup(self, olds: list[Obj], d: Obj) -> None:
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        cleanable = [rs for rs in olds if rs is not None and not rs["metadata"].get("deletionTimestamp")]
        diff = len(cleanable) - int(limit)
        if diff <= 0:
            return
        cleanable.sort(key=lambda rs: (revision_of(rs), _by_creation(rs)))
        for rs in cleanable[:diff]:
            if _status_int(rs, "replicas") != 0 or _replicas(rs) != 0 or \
                    int(rs["metadata"].get("generation") or 1) > _status_int(rs, "observedGeneration"):
                continue
            try:
                self.store.delete(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
            except ApiError:
                pass

    # -- status --------------------------------------------------------------------------------------------
    def _calculate_status(self, d: Obj, all_rs: list[Obj], new_rs: Obj | None) -> Obj:
        available = sum(_status_int(rs, "availableReplicas") for rs in all_rs)
        total = sum(_replicas(rs) for rs in all_rs)
        fields = {
            "observedGeneration": int(d["metadata"].get("generation") or 1),
            "replicas": sum(_status_int(rs, "replicas") for rs in all_rs),
            "updatedReplicas": _status_int(new_rs, "replicas"),
            "readyReplicas": sum(_status_int(rs, "readyReplicas") for rs in all_rs),
            "availableReplicas": available,
            "unavailableReplicas": max(0, total - available),
        }
        status: Obj = {k: v for k, v in fields.items() if v}
        old = d.get("status") or {}
        status["conditions"] = [dict(c) for c in old.get("conditions") or ()]
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if available >= _replicas(d) - max_unavailable(d):
            set_condition(status, new_condition("Available", "True", MIN_AVAILABLE_REASON,
                                                "Deployment has minimum availability."))
        else:
            set_condition(status, new_condition("Available", "False", MIN_UNAVAILABLE_REASON,
                                                "Deployment does not have minimum availability."))
        return status

    def _sync_status_only(self, d: Obj, all_rs: list[Obj], new_rs: Obj | None) -> None:
        all_rs = [rs for rs in all_rs if rs is not None]
        new_status = self._calculate_status(d, all_rs, new_rs)
        if new_status != d.get("status"):
            d["status"] = new_status

    def _sync_rollout_status(self, d: Obj, all_rs: list[Obj], new_rs: Obj | None) -> None:
        all_rs = [rs for rs in all_rs if rs is not None]
        new_status = self._calculate_status(d, all_rs, new_rs)
        current = get_condition(d.get("status") or {}, "Progressing")
        complete = (int(new_status.get("replicas") or 0) == int(new_status.get("updatedReplicas") or 0)
                    and current is not None and current.get("reason") == NEW_RS_AVAILABLE_REASON)
        if has_progress_deadline(d) and not complete:
            rs_name = new_rs["metadata"]["name"] if new_rs else None
            if deployment_complete(d, new_status):
                msg = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" has successfully progressed.')
                set_condition(new_status, new_condition("Progressing", "True", NEW_RS_AVAILABLE_REASON, msg))
            elif deployment_progressing(d, new_status):
                msg = (f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" is progressing.')
                cond = new_condition("Progressing", "True", RS_UPDATED_REASON, msg)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    remove_condition(new_status, "Progressing")
                set_condition(new_status, cond)
            elif self._timed_out(d, new_status):
                msg = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
                set_condition(new_status, new_condition("Progressing", "False", TIMED_OUT_REASON, msg))
        if new_status != d.get("status"):
            d["status"] = new_status
        self._requeue_stuck(d, new_status)

    def _deadline(self, d: Obj) -> float:
        return self.sim.delay(float(d["spec"].get("progressDeadlineSeconds") or 600))

    def _timed_out(self, d: Obj, status: Obj) -> bool:
        if not has_progress_deadline(d):
            return False
        cond = get_condition(status, "Progressing")
        if cond is None or cond.get("reason") == NEW_RS_AVAILABLE_REASON:
            return False
        if cond.get("reason") == TIMED_OUT_REASON:
            return True
        return parse_time(cond.get("lastUpdateTime")) + self._deadline(d) < time.time()

    def _requeue_stuck(self, d: Obj, status: Obj) -> None:
        key = _key(d)
        self.ctx.cancel(self._deadline_timers.pop(key, None))
        cond = get_condition(status, "Progressing")
        if not has_progress_deadline(d) or cond is None:
            return
        if deployment_complete(d, status) or cond.get("reason") in (TIMED_OUT_REASON, PAUSED_REASON):
            return
        after = parse_time(cond.get("lastUpdateTime")) + self._deadline(d) - time.time()

        def fire() -> None:
            self._deadline_timers.pop(key, None)
            self.queue.add(key)
            self.ctx.wake()

        handle = self.ctx.call_later(max(0.05, after + min(1.0, max(0.05, self._deadline(d) * 0.05))), fire)
        if handle is not None:
            self._deadline_timers[key] = handle


def _find_active_or_latest(new_rs: Obj | None, olds: list[Obj]) -> Obj | None:
    if new_rs is None and not olds:
        return None
    olds_sorted = sorted(olds, key=_by_creation, reverse=True)
    all_active = _active(olds_sorted + ([new_rs] if new_rs else []))
    if not all_active:
        return new_rs if new_rs is not None else olds_sorted[0]
    if len(all_active) == 1:
        return all_active[0]
    return None


def _is_saturated(d: Obj, rs: Obj | None) -> bool:
    if rs is None:
        return False
    desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
    return (_replicas(rs) == _replicas(d) and desired == str(_replicas(d))
            and _status_int(rs, "availableReplicas") == _replicas(d))


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
