"""Delete any object (any kind the server has, custom resources too), several at once, and kill pods.

The plan says exactly what will go: the objects selected and what the garbage collector deletes with them
(a Deployment's ReplicaSets and their pods, a CronJob's Jobs and their pods, the pods of a StatefulSet,
DaemonSet or Job, a Service's EndpointSlices — found by ``ownerReferences``, from fresh lists), everything in a
namespace (counted per kind), what stays (a StatefulSet's PersistentVolumeClaims under the ``Retain``
policy, dependents under ``Orphan``), and what will hang on finalizers. The propagation policy is the user's
choice (``Background``, ``Foreground``, ``Orphan``; kubectl's default is Background).

Each delete is guarded by the object the user saw: ``preconditions`` carry its uid and the resourceVersion
read just before the delete (``plan.Write``), so a Deployment deleted and re-created under the same name
meanwhile is not deleted by mistake. Kill is a pod delete with ``gracePeriodSeconds: 0`` (``kubectl delete
--force --grace-period=0``): a separate, louder plan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..cluster import kinds
from ..cluster.kinds import WELL_KNOWN, ResourceKind
from ..cluster.registry import KindRegistry
from .client import ApiFailure, ObjectRef
from .plan import Plan, PlanError, Session, Write

PROPAGATIONS = ("Background", "Foreground", "Orphan")
PROPAGATION_HELP = {
    "Background": "delete it now; the garbage collector deletes its dependents right after (kubectl's default)",
    "Foreground": "delete its dependents first; it stays (with a deletionTimestamp) until they are gone",
    "Orphan": "delete only it; its dependents are kept, unmanaged (their ownerReferences are removed)",
}
GC_FINALIZERS = frozenset({"orphan", "foregroundDeletion"})
KNOWN_FINALIZERS = {
    "kubernetes.io/pvc-protection": "until no pod uses it",
    "kubernetes.io/pv-protection": "until no claim is bound to it",
    "kubernetes": "",  # a namespace's own: removed when its content is gone
}
MAX_DETAIL_LINES = 60
LIST_CONCURRENCY = 8


def _well_known(group: str, plural: str) -> ResourceKind:
    return next(k for k in WELL_KNOWN if k.group == group and k.plural == plural)


REPLICASETS, PODS = kinds.REPLICASETS, kinds.PODS
JOBS = _well_known("batch", "jobs")
CONTROLLER_REVISIONS = _well_known("apps", "controllerrevisions")
ENDPOINT_SLICES = _well_known("discovery.k8s.io", "endpointslices")
PVCS = _well_known("", "persistentvolumeclaims")
# Which kinds the garbage collector deletes with an object of a kind (by ownerReferences).
DEPENDENTS: dict[tuple[str, str], tuple[ResourceKind, ...]] = {
    ("apps", "Deployment"): (REPLICASETS,),
    ("apps", "ReplicaSet"): (PODS,),
    ("apps", "StatefulSet"): (PODS, CONTROLLER_REVISIONS),
    ("apps", "DaemonSet"): (PODS, CONTROLLER_REVISIONS),
    ("batch", "CronJob"): (JOBS,),
    ("batch", "Job"): (PODS,),
    ("", "ReplicationController"): (PODS,),
    ("", "Service"): (ENDPOINT_SLICES,),
}
QUIET_DEPENDENTS = frozenset({CONTROLLER_REVISIONS, ENDPOINT_SLICES})  # counted, not listed one by one


@dataclass(frozen=True)
class Victim:
    """One object the user chose to delete, as read just now."""

    kind: ResourceKind
    obj: dict[str, Any]

    @property
    def ref(self) -> ObjectRef:
        meta = self.obj.get("metadata") or {}
        return ObjectRef(self.kind, str(meta.get("namespace") or ""), str(meta.get("name") or ""))

    @property
    def uid(self) -> str:
        return str((self.obj.get("metadata") or {}).get("uid") or "")


@dataclass
class Fallout:
    """What else a delete does: ``lines`` (the tree, for the confirmation), counts by kind of what is deleted
    with it, what is kept, what will hang on finalizers, and what could not be looked at."""

    lines: list[str] = field(default_factory=list)
    counts: dict[ResourceKind, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    hanging: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: ResourceKind, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        return ", ".join(kind_label(kind, n, counted=True) for kind, n in self.counts.items() if n)


def kind_label(kind: ResourceKind, n: int = 1, counted: bool = False) -> str:
    """``pod`` (or ``1 pod`` when ``counted``) / ``3 pods`` / ``certificate``."""
    if n == 1:
        return f"1 {kind.singular_name}" if counted else kind.singular_name
    return f"{n} {kind.plural}"


def finalizer_note(meta: dict[str, Any]) -> str:
    """Why an object with finalizers will not go away at once (""= nothing to say)."""
    notes = []
    for f in meta.get("finalizers") or ():
        if f in GC_FINALIZERS:
            continue
        how = KNOWN_FINALIZERS.get(f)
        if how == "":
            continue
        notes.append(f"finalizer {f} ({how})" if how else
                     f"finalizer {f} (until its controller removes it; if that controller is gone, it hangs)")
    return "; ".join(notes)


def _owned_by(obj: dict[str, Any], uid: str) -> bool:
    return any(o.get("uid") == uid for o in (obj.get("metadata") or {}).get("ownerReferences") or ())


def _controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    return next((o for o in (obj.get("metadata") or {}).get("ownerReferences") or () if o.get("controller")), None)


class _Lister:
    """Lists, each (kind, namespace) once per plan; a list the user may not read becomes a problem line."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[ResourceKind, str | None, str], list[dict[str, Any]] | None] = {}
        self._gate = asyncio.Semaphore(LIST_CONCURRENCY)

    async def list(self, kind: ResourceKind, namespace: str | None, fallout: Fallout,
                   field_selector: str = "") -> list[dict[str, Any]]:
        key = (kind, namespace, field_selector)
        if key not in self._cache:
            async with self._gate:
                try:
                    items: list[dict[str, Any]] | None = await self.session.api.list(
                        kind, namespace if kind.namespaced else None, field_selector=field_selector)
                except ApiFailure as exc:
                    where = f" in {namespace}" if namespace else ""
                    if exc.not_found:  # not served by this server (a built-in list before discovery)
                        items = []
                    else:
                        fallout.problems.append(f"cannot list {kind.key}{where} ({exc.reason or exc.status}): "
                                                "not counted")
                        items = None
            self._cache[key] = items
        return self._cache[key] or []


async def _walk(lister: _Lister, obj: dict[str, Any], kind: ResourceKind, fallout: Fallout, depth: int,
                propagation: str) -> None:
    """The dependents of ``obj`` (recursively), as indented lines."""
    meta = obj.get("metadata") or {}
    uid, ns = meta.get("uid", ""), meta.get("namespace")
    indent = "  " * depth
    for dep_kind in DEPENDENTS.get((kind.group, kind.kind), ()):
        deps = [d for d in await lister.list(dep_kind, ns, fallout) if _owned_by(d, uid)]
        if not deps:
            continue
        fallout.count(dep_kind, len(deps))
        if dep_kind in QUIET_DEPENDENTS:
            fallout.lines.append(f"{indent}{kind_label(dep_kind, len(deps))}")
            continue
        for dep in sorted(deps, key=lambda d: d["metadata"].get("name", "")):
            dmeta = dep["metadata"]
            inner = DEPENDENTS.get((dep_kind.group, dep_kind.kind), ())
            children = ""
            if inner and inner[0] is PODS:
                n = sum(1 for p in await lister.list(PODS, ns, fallout) if _owned_by(p, dmeta.get("uid", "")))
                children = f" ({kind_label(PODS, n)})"
            hang = finalizer_note(dmeta)
            if hang and propagation != "Orphan":
                fallout.hanging.append(f"{dep_kind.kind} {ns}/{dmeta.get('name')}: {hang}")
            fallout.lines.append(f"{indent}{dep_kind.kind} {dmeta.get('name')}{children}"
                                 + (" — terminating already" if dmeta.get("deletionTimestamp") else ""))
            if propagation != "Orphan":  # orphaned dependents keep theirs
                await _walk(lister, dep, dep_kind, fallout, depth + 1, propagation)


async def _statefulset_claims(lister: _Lister, obj: dict[str, Any], fallout: Fallout) -> None:
    spec = obj.get("spec") or {}
    meta = obj.get("metadata") or {}
    templates = [t.get("metadata", {}).get("name", "") for t in spec.get("volumeClaimTemplates") or ()]
    if not templates:
        return
    policy = (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted", "Retain")
    prefixes = tuple(f"{t}-{meta.get('name')}-" for t in templates)
    claims = sorted(c["metadata"]["name"] for c in await lister.list(PVCS, meta.get("namespace"), fallout)
                    if c["metadata"].get("name", "").startswith(prefixes))
    if not claims:
        return
    if policy == "Delete":
        fallout.count(PVCS, len(claims))
        fallout.lines.append(f"  {kind_label(PVCS, len(claims))} (retention policy Delete): {', '.join(claims)}")
    else:
        fallout.kept.append(f"{kind_label(PVCS, len(claims))} {', '.join(claims)} (retention policy "
                            f"{policy}: their data stays)")


async def _namespace_content(lister: _Lister, namespace: str, registry: KindRegistry, fallout: Fallout) -> None:
    wanted = [k for k in registry if k.namespaced and k.listable and k.can("delete")
              and k.plural not in ("events", "bindings", "localsubjectaccessreviews")]
    seen: set[tuple[str, str]] = set()  # one version per group/resource
    unique = []
    for k in wanted:
        if (k.group, k.plural) not in seen:
            seen.add((k.group, k.plural))
            unique.append(k)
    lists = await asyncio.gather(*(lister.list(k, namespace, fallout) for k in unique))
    for kind, items in zip(unique, lists, strict=True):
        if not items:
            continue
        fallout.count(kind, len(items))
        names = sorted(i["metadata"].get("name", "") for i in items)
        shown = ", ".join(names[:4]) + (f", … {len(names) - 4} more" if len(names) > 4 else "")
        fallout.lines.append(f"  {kind_label(kind, len(items))}: {shown}")
        for item in items:
            hang = finalizer_note(item.get("metadata") or {})
            if hang:
                fallout.hanging.append(f"{kind.kind} {namespace}/{item['metadata'].get('name')}: {hang}")


async def _custom_resources(lister: _Lister, crd: dict[str, Any], registry: KindRegistry, fallout: Fallout) -> None:
    spec = crd.get("spec") or {}
    kind = registry.get(spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
    if kind is None:
        return
    items = await lister.list(kind, None, fallout)
    if items:
        fallout.count(kind, len(items))
        fallout.lines.append(f"  every {kind.kind} in the cluster: {len(items)}")


async def fallout_of(session: Session, victims: list[Victim], propagation: str,
                     registry: KindRegistry | None = None) -> Fallout:
    """What deleting ``victims`` with ``propagation`` does besides removing them."""
    registry = registry or KindRegistry.builtin()
    lister = _Lister(session)
    fallout = Fallout()
    for victim in victims:
        kind, obj, ref = victim.kind, victim.obj, victim.ref
        meta = obj.get("metadata") or {}
        fallout.lines.append(f"{kind.kind} {ref.namespace + '/' if ref.namespace else ''}{ref.name}"
                             + (" — terminating already" if meta.get("deletionTimestamp") else ""))
        hang = finalizer_note(meta)
        if hang:
            fallout.hanging.append(f"{kind.kind} {ref.name}: {hang}")
        if (kind.group, kind.plural) == ("", "namespaces"):
            await _namespace_content(lister, ref.name, registry, fallout)
            continue
        if (kind.group, kind.plural) == ("apiextensions.k8s.io", "customresourcedefinitions"):
            await _custom_resources(lister, obj, registry, fallout)
            continue
        if (kind.group, kind.plural) == ("", "nodes"):
            pods = await lister.list(PODS, None, fallout, field_selector=f"spec.nodeName={ref.name}")
            if pods:
                fallout.notes.append(f"{kind_label(PODS, len(pods))} run on node {ref.name}: deleting the Node does "
                                     "not stop them gracefully (drain it first)")
            continue
        if propagation == "Orphan":
            orphans = Fallout()
            await _walk(lister, obj, kind, orphans, 1, "Background")  # counted, not deleted
            fallout.problems += orphans.problems
            if orphans.total:
                fallout.kept.append(f"{orphans.summary()} of {kind.kind} {ref.name} (orphaned: they stay, no longer "
                                    f"owned by the {kind.kind})")
        else:
            await _walk(lister, obj, kind, fallout, 1, propagation)
        if (kind.group, kind.plural) == ("apps", "statefulsets"):
            await _statefulset_claims(lister, obj, fallout)
        owner = _controller_of(obj)
        if owner:
            fallout.notes.append(f"{kind.kind} {ref.name} is controlled by {owner.get('kind')} {owner.get('name')}: "
                                 "it will probably be replaced")
    return fallout


async def read_victims(session: Session, refs: Iterable[ObjectRef]) -> list[Victim]:
    """The objects now (concurrently); a missing one is a PlanError naming it."""
    gate = asyncio.Semaphore(LIST_CONCURRENCY)

    async def one(ref: ObjectRef) -> Victim:
        async with gate:
            return Victim(ref.kind, await session.read(ref))

    return list(await asyncio.gather(*(one(r) for r in refs)))


def _common(values: Iterable[str]) -> str:
    unique = set(values)
    return unique.pop() if len(unique) == 1 else ""


def delete_write(victim: Victim, propagation: str, grace_seconds: int | None = None) -> Write:
    meta = victim.obj.get("metadata") or {}
    expect = (("/metadata/generation", meta["generation"]),) if meta.get("generation") is not None else ()
    return Write("delete", victim.ref, uid=victim.uid, propagation=propagation, grace_seconds=grace_seconds,
                 expect=expect)


async def plan_delete(session: Session, refs: list[ObjectRef], propagation: str = "Background", *,
                      kill: bool = False, registry: KindRegistry | None = None) -> Plan:
    """Delete ``refs`` (one or more objects, of any kinds) with ``propagation``; with ``kill`` (pods only)
    at once, without a grace period."""
    if not refs:
        raise PlanError("nothing selected to delete")
    if propagation not in PROPAGATIONS:
        raise PlanError(f"unknown propagation policy {propagation!r}: one of {', '.join(PROPAGATIONS)}")
    not_deletable = sorted({r.kind.key for r in refs if not r.kind.can("delete")})
    if not_deletable:
        raise PlanError(f"the server does not allow deleting {', '.join(not_deletable)}")
    if kill and any(r.kind != PODS for r in refs):
        raise PlanError("kill works on pods only (other objects: delete with ctrl+d)")
    victims = await read_victims(session, refs)
    fallout = await fallout_of(session, victims, "Background" if kill else propagation, registry)
    n = len(victims)
    kind = _common(v.kind.kind for v in victims)
    namespace = _common(v.ref.namespace for v in victims)
    first = victims[0]
    if n == 1:
        name = first.ref.name
        before = f"{first.kind.kind} {name}"
    else:
        plural = first.kind.plural if kind else "objects"
        name = f"{n} {plural}"
        listed = ", ".join(v.ref.name for v in victims[:3]) + (f", … {n - 3} more" if n > 3 else "")
        before = f"{n} {plural}: {listed}"
    what = "killed at once (no graceful shutdown)" if kill else "deleted"
    after = what
    if fallout.total and not kill:
        after += f", with {fallout.summary()}"
    if fallout.kept:
        after += "; some objects are kept (see below)"
    warnings = [f"will hang: {h}" for h in fallout.hanging] + fallout.problems + fallout.notes
    if any((v.kind.group, v.kind.plural) == ("", "namespaces") for v in victims):
        warnings.insert(0, "deleting a namespace deletes everything in it; it stays Terminating until that is done")
    if any((v.kind.group, v.kind.plural) == ("apiextensions.k8s.io", "customresourcedefinitions") for v in victims):
        warnings.insert(0, "deleting a CustomResourceDefinition deletes every custom resource of its kind")
    details: list[str] = []
    details.append("will be killed:" if kill else "will be deleted:")
    lines = fallout.lines
    if len(lines) > MAX_DETAIL_LINES:
        lines = lines[:MAX_DETAIL_LINES] + [f"… {len(fallout.lines) - MAX_DETAIL_LINES} more lines"]
    details += [f"  {line}" for line in lines]
    if fallout.kept:
        details.append("kept:")
        details += [f"  {k}" for k in fallout.kept]
    danger = ""
    if kill:
        danger = (f"KILL {before}: no graceful shutdown — containers are stopped at once, preStop hooks and the "
                  "termination grace period are skipped, and the object is removed before the kubelet confirms "
                  "(kubectl delete --force --grace-period=0)")
    writes = [delete_write(v, "Background" if kill else propagation, 0 if kill else None) for v in victims]
    return Plan(verb="kill" if kill else "delete", kind=kind or "objects", namespace=namespace, name=name,
                context=session.context, user=session.user, before=before, after=after, writes=writes,
                warnings=warnings, details=details, danger=danger,
                confirm_word="" if n == 1 else name)


def has_dependents(kind: ResourceKind) -> bool:
    """Whether a propagation policy changes anything for objects of ``kind`` (so it is worth offering)."""
    return (kind.group, kind.kind) in DEPENDENTS


__all__ = ["DEPENDENTS", "PROPAGATIONS", "PROPAGATION_HELP", "Fallout", "Victim", "delete_write", "fallout_of",
           "finalizer_note", "has_dependents", "kind_label", "plan_delete", "read_victims"]
