"""CustomResourceDefinitions: the apiextensions-apiserver part of the demo cluster.

Creating a CRD (``apiextensions.k8s.io/v1``) makes its custom resources servable at once: each served version
becomes a ResourceType in the store's TypeRegistry (so routing, discovery, RBAC, watch and Tables see it), with
the ``status`` subresource when the version declares one and its ``additionalPrinterColumns`` for Tables.
Deleting the CRD deletes every custom resource first (watchers see them go), then the type itself, as the
``customresourcecleanup`` finalizer makes the real server do. Status (NamesAccepted, Established,
acceptedNames, storedVersions) is set by admission on every write, so a CRD is Established when created.

Not simulated: schema validation/pruning/defaulting of custom resources and conversion webhooks (versions
differ only in ``apiVersion``, the ``None`` strategy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .resources import ALL_VERBS, CRDS, PrinterColumn, ResourceType

if TYPE_CHECKING:
    from .store import Change, Store

Obj = dict[str, Any]
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def served_types(crd: Obj) -> list[ResourceType]:
    """The ResourceTypes one CRD defines (one per served version)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group, plural, kind = spec.get("group", ""), names.get("plural", ""), names.get("kind", "")
    if not (group and plural and kind):
        return []
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("name")]
    storage = next((v["name"] for v in versions if v.get("storage")), "")
    multi = len([v for v in versions if v.get("served", True)]) > 1 or \
        any(v.get("served", True) and v["name"] != storage for v in versions)
    out = []
    for v in versions:
        if not v.get("served", True):
            continue
        subs = v.get("subresources") or {}
        subresources = tuple(s for s in ("status", "scale") if s in subs)
        columns = tuple(PrinterColumn(c.get("name", ""), c.get("type", "string"), c.get("jsonPath", ""),
                                      c.get("format", ""), c.get("description", ""), int(c.get("priority") or 0))
                        for c in v.get("additionalPrinterColumns") or [] if isinstance(c, dict))
        out.append(ResourceType(group, v["name"], plural, kind, spec.get("scope") == "Namespaced",
                                short_names=tuple(names.get("shortNames") or ()), verbs=ALL_VERBS,
                                subresources=subresources, categories=tuple(names.get("categories") or ()),
                                has_status="status" in subs, singular=names.get("singular") or kind.lower(),
                                storage_version=storage if multi else "", printer_columns=columns, custom=True))
    return out


class DefinitionServer:
    """Keeps the store's TypeRegistry in step with the stored CRDs (a store listener)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def on_change(self, change: Change) -> None:
        if change.rt.key != CRDS.key:
            return
        crd = change.obj
        spec = crd.get("spec") or {}
        group, plural = spec.get("group", ""), (spec.get("names") or {}).get("plural", "")
        if change.type == "DELETED":
            self._remove(group, plural)
            return
        if change.old is not None:
            old_spec = change.old.get("spec") or {}
            old_group, old_plural = old_spec.get("group", ""), (old_spec.get("names") or {}).get("plural", "")
            if (old_group, old_plural) != (group, plural):
                self._remove(old_group, old_plural)
        types = served_types(crd)
        for rt in types:
            self.store.add_storage(rt)
        self.store.types.set_custom(group, plural, types)

    def _remove(self, group: str, plural: str) -> None:
        types = self.store.types.custom(group, plural)
        if not types:
            return
        rt = types[0]
        for obj in list(self.store.iter_objects(rt)):
            meta = obj["metadata"]
            self.store.remove_now(rt, meta.get("namespace"), meta["name"])
        self.store.types.set_custom(group, plural, [])
        self.store.drop_storage(rt.key)


def serve_definitions(store: Store) -> DefinitionServer:
    """Install the CRD listener on a new store (first, so types exist before controllers hear of objects)."""
    server = DefinitionServer(store)
    store.subscribe(server.on_change)
    return server


def established_status(crd: Obj, now: str, old_status: Obj | None) -> Obj:
    """The status the apiextensions controllers converge to: names accepted, Established, stored versions."""
    spec = crd.get("spec") or {}
    names = dict(spec.get("names") or {})
    names.setdefault("singular", (names.get("kind") or "").lower())
    names.setdefault("listKind", f"{names.get('kind', '')}List")
    old_conds = {c.get("type"): c for c in (old_status or {}).get("conditions") or []}

    def cond(ctype: str, reason: str, message: str) -> Obj:
        prev = old_conds.get(ctype)
        since = prev.get("lastTransitionTime") if prev and prev.get("status") == "True" else now
        return {"type": ctype, "status": "True", "lastTransitionTime": since, "reason": reason, "message": message}

    stored = list((old_status or {}).get("storedVersions") or [])
    for v in spec.get("versions") or []:
        if v.get("storage") and v.get("name") not in stored:
            stored.append(v["name"])
    return {"acceptedNames": names,
            "conditions": [cond("NamesAccepted", "NoConflicts", "no conflicts found"),
                           cond("Established", "InitialNamesAccepted", "the initial names have been accepted")],
            "storedVersions": stored}
