"""ControllerRevisions: the revision history of StatefulSets and DaemonSets (pkg/controller/history).

Each distinct pod template of a workload is snapshotted as a ControllerRevision named ``<parent>-<hash>``
whose ``data`` is the strategic-merge patch ``{"spec": {"template": {..., "$patch": "replace"}}}`` — exactly
what ``kubectl rollout undo`` sends back to the workload — and whose ``revision`` numbers the history. A
template that returns (an undo) re-uses its old revision object with the next revision number, as the real
controllers do. Revisions beyond ``revisionHistoryLimit`` that no pod uses are deleted.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import orjson

from ..errors import ApiError
from ..resources import CONTROLLERREVISIONS
from .deployment import _semantic, compute_hash
from .util import Obj, controller_ref, owner_ref

if TYPE_CHECKING:
    from ..store import Store
    from .index import ClusterIndex

HASH_LABEL = "controller.kubernetes.io/hash"


def revision_data(parent: Obj) -> Obj:
    """The patch a revision stores for the parent's current pod template."""
    template = copy.deepcopy((parent.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def _same(a: Obj | None, b: Obj | None) -> bool:
    return orjson.dumps(_semantic(a or {}), option=orjson.OPT_SORT_KEYS) == \
        orjson.dumps(_semantic(b or {}), option=orjson.OPT_SORT_KEYS)


def template_of(revision: Obj) -> Obj:
    """The pod template a revision snapshots."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def revisions_of(store: Store, index: ClusterIndex, parent: Obj) -> list[Obj]:
    """The parent's ControllerRevisions, oldest revision first."""
    uid = parent["metadata"]["uid"]
    out = []
    for rt_key, ns, name in list(index.dependents.get(uid, ())):
        if rt_key != CONTROLLERREVISIONS.key:
            continue
        rev = store.get(CONTROLLERREVISIONS, ns, name)
        if rev is not None and (controller_ref(rev) or {}).get("uid") == uid:
            out.append(rev)
    return sorted(out, key=lambda r: (int(r.get("revision") or 0), r["metadata"]["name"]))


def ensure_revision(store: Store, index: ClusterIndex, parent: Obj) -> tuple[Obj, list[Obj]]:
    """The revision of the parent's current template (created, or re-numbered when an older one matches),
    and every revision of the parent after that."""
    revisions = revisions_of(store, index, parent)
    data = revision_data(parent)
    newest = max((int(r.get("revision") or 0) for r in revisions), default=0)
    meta = parent["metadata"]
    for rev in revisions:
        if _same(rev.get("data"), data):
            if int(rev.get("revision") or 0) != newest:
                def bump(obj: Obj, n: int = newest + 1) -> None:
                    obj["revision"] = n
                store.mutate(CONTROLLERREVISIONS, meta["namespace"], rev["metadata"]["name"], bump)
                return ensure_revision(store, index, parent)
            return rev, revisions
    collision = int((parent.get("status") or {}).get("collisionCount") or 0)
    while True:
        digest = compute_hash(data, collision or None)
        name = f"{meta['name']}-{digest}"
        existing = store.get(CONTROLLERREVISIONS, meta["namespace"], name)
        if existing is None:
            break
        collision += 1
    labels = dict(((parent.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {})
    labels[HASH_LABEL] = digest
    rev_obj: Obj = {"metadata": {"name": name, "namespace": meta["namespace"], "labels": labels,
                                 "ownerReferences": [owner_ref(parent)]},
                    "data": data, "revision": newest + 1}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k != "kubectl.kubernetes.io/last-applied-configuration"}
    if annotations:
        rev_obj["metadata"]["annotations"] = annotations
    try:
        created = store.create(CONTROLLERREVISIONS, rev_obj)
    except ApiError:
        created = store.must_get(CONTROLLERREVISIONS, meta["namespace"], name)
    return created, [*revisions, created]


def truncate(store: Store, parent: Obj, revisions: list[Obj], live: set[str]) -> None:
    """Delete the oldest revisions beyond ``revisionHistoryLimit`` that no pod uses (``live`` names)."""
    limit = int((parent.get("spec") or {}).get("revisionHistoryLimit", 10) or 0)
    unused = [r for r in revisions if r["metadata"]["name"] not in live]
    for rev in unused[:max(0, len(unused) - limit)]:
        try:
            store.delete(CONTROLLERREVISIONS, rev["metadata"]["namespace"], rev["metadata"]["name"])
        except ApiError:
            pass
