"""Server-side apply and ``metadata.managedFields``, the API server's field manager in small.

Every write over the API records which manager (``?fieldManager=``, or the client's User-Agent) set which
fields: an ``Update`` entry per manager for create/update/patch, an ``Apply`` entry for
``PATCH application/apply-patch+yaml``. Apply creates the object if it does not exist, merges the applied
configuration into the live object (structs field by field, associative lists by their keys, atomic lists as a
whole, sets by value), removes the fields this manager applied before and no longer applies (when no one else
owns them), and refuses with 409 Conflict to change a field another manager owns with a different value —
unless ``force=true``, which takes ownership. List semantics (``+listType``, ``+listMapKey``) come from the
generated type table (schema.py); custom resources and unknown parts are treated as maps with atomic lists.

Field sets are sets of paths, a path a tuple of FieldsV1 elements: ``f:name`` (a field or map key),
``k:{"name":"app"}`` (an associative list item), ``v:"x"`` (a set item), ``.`` (the item itself).
"""

from __future__ import annotations

import json
import time
from typing import Any

from . import schema
from .errors import ApiError
from .resources import ResourceType

Path = tuple[str, ...]
FieldSet = set[Path]
_ALWAYS_IGNORED = {"apiVersion", "kind"}
_META_IGNORED = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp", "generation",
                 "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def manager_for(query: Any, user_agent: str) -> str:
    """``?fieldManager=`` or, as the API server does, the User-Agent's first word (``kubectl``, ``OpenAPI-Generator``)."""
    manager = query.get("fieldManager")
    if manager:
        if len(manager) > 128:
            raise ApiError(422, "Invalid", "fieldManager: Too long: may not be more than 128 bytes")
        return manager
    return (user_agent or "unknown").split("/")[0][:128] or "unknown"


def root_type(rt: ResourceType) -> Any:
    if getattr(rt, "custom", False):
        return None
    return schema.kind_struct(rt.api_version, rt.kind)


# -- field sets ----------------------------------------------------------------------------------------------
def _list_semantics(field: schema.Field | None) -> tuple[str, tuple[str, ...]]:
    if field is None:
        return "atomic", ()
    if field.list_type == "map" and field.list_keys:
        return "map", field.list_keys
    if field.list_type == "set":
        return "set", ()
    if not field.list_type and field.patch_strategy and "merge" in field.patch_strategy and field.patch_merge_key:
        return "map", (field.patch_merge_key,)
    return "atomic", ()


# Defaults of list-map key fields (OpenAPI ``default``), used for items that leave them out, as the API server's
# structured merge does: a container port applied without ``protocol`` is the live ``TCP`` one.
_KEY_DEFAULTS = {"protocol": "TCP"}


def _key_value(item: dict[str, Any], key: str) -> Any:
    return item.get(key, _KEY_DEFAULTS.get(key))


def _item_key(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    values = {k: _key_value(item, k) for k in sorted(keys)}
    return "k:" + json.dumps({k: v for k, v in values.items() if v is not None}, separators=(",", ":"))


def _walk(spec: Any, value: Any, prefix: Path, out: FieldSet, field: schema.Field | None = None) -> None:
    """Add the leaf paths of ``value`` (of type ``spec``; None: untyped) to ``out``."""
    if isinstance(value, dict) and (spec is None or schema.is_struct(spec) or (isinstance(spec, list) and spec[0] == "map")):
        if spec is not None and schema.is_struct(spec) and schema.struct(spec).struct_type == "atomic":
            out.add(prefix)
            return
        if not value:
            out.add(prefix)
            return
        fields = schema.struct(spec).json_fields() if spec is not None and schema.is_struct(spec) else {}
        for k, v in value.items():
            if isinstance(spec, list):
                child_spec, child_field = spec[1], None
            elif spec is None:
                child_spec, child_field = None, None
            else:
                child_field = fields.get(k)
                child_spec = child_field.type if child_field else None
            _walk(child_spec, v, prefix + (f"f:{k}",), out, child_field)
        return
    if isinstance(value, list) and isinstance(spec, list) and spec[0] == "list":
        kind, keys = _list_semantics(field)
        if kind == "map":
            for item in value:
                if isinstance(item, dict):
                    item_path = prefix + (_item_key(item, keys),)
                    out.add(item_path + (".",))
                    _walk(spec[1], item, item_path, out)
            return
        if kind == "set":
            for item in value:
                out.add(prefix + ("v:" + json.dumps(item, separators=(",", ":")),))
            return
    out.add(prefix)


def field_set(rt: ResourceType, obj: dict[str, Any], *, status: bool = False) -> FieldSet:
    """The fields ``obj`` sets, without the ones no manager owns (name, uid, ...) and, unless ``status``, without
    ``.status`` (reset on the main resource); with ``status``, only ``.status``."""
    out: FieldSet = set()
    spec = root_type(rt)
    fields = schema.struct(spec).json_fields() if spec else {}
    for key, value in obj.items():
        if key in _ALWAYS_IGNORED or (key == "status") != status:
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _META_IGNORED}
            if not value:
                continue
        field = fields.get(key)
        _walk(field.type if field else None, value, (f"f:{key}",), out, field)
    return out


def to_fields_v1(paths: FieldSet) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for element in path:
            node = node.setdefault(element, {})
    return root


def from_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> FieldSet:
    out: FieldSet = set()
    for key, child in (tree or {}).items():
        path = prefix + (key,)
        if key == "." or not child:
            out.add(path)
        else:
            out |= from_fields_v1(child, path)
    return out


def _covered(path: Path, owned: FieldSet) -> bool:
    """Whether ``path`` (or a parent of it, a whole atomic value) is in ``owned``."""
    return any(path[:i] in owned for i in range(1, len(path) + 1))


# -- values at paths -----------------------------------------------------------------------------------------
_MISSING = object()


def value_at(obj: Any, path: Path) -> Any:
    cur = obj
    for element in path:
        if element == ".":
            continue
        kind, _, rest = element.partition(":")
        if kind == "f":
            if not isinstance(cur, dict) or rest not in cur:
                return _MISSING
            cur = cur[rest]
        elif kind == "k":
            want = json.loads(rest)
            if not isinstance(cur, list):
                return _MISSING
            cur = next((i for i in cur if isinstance(i, dict) and all(_key_value(i, k) == v for k, v in want.items())),
                       _MISSING)
            if cur is _MISSING:
                return cur
        elif kind == "v":
            want = json.loads(rest)
            if not isinstance(cur, list) or want not in cur:
                return _MISSING
            cur = want
        else:
            return _MISSING
    return cur


def remove_path(obj: Any, path: Path) -> None:
    """Delete the value at ``path`` (a field, an associative list item, a set item) if present."""
    if path and path[-1] == ".":
        path = path[:-1]
    if not path:
        return
    parent = value_at(obj, path[:-1])
    kind, _, rest = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(rest, None)
    elif kind in ("k", "v") and isinstance(parent, list):
        want = json.loads(rest)
        for i, item in enumerate(parent):
            if (kind == "v" and item == want) or (kind == "k" and isinstance(item, dict)
                                                 and all(_key_value(item, k) == v for k, v in want.items())):
                del parent[i]
                break


def display(path: Path) -> str:
    """A path as the API server prints it in a conflict: ``.spec.containers[name="app"].image``."""
    out = ""
    for element in path:
        kind, _, rest = element.partition(":")
        if kind == "f":
            out += "." + rest
        elif kind == "k":
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(rest).items()) + "]"
        elif kind == "v":
            out += f"[={rest}]"
    return out


# -- merge ---------------------------------------------------------------------------------------------------
def merge(spec: Any, live: Any, applied: Any, field: schema.Field | None = None) -> Any:
    """The applied configuration merged into the live value (see module docstring)."""
    if isinstance(applied, dict) and isinstance(live, dict) and not (
            spec is not None and schema.is_struct(spec) and schema.struct(spec).struct_type == "atomic"):
        fields = schema.struct(spec).json_fields() if spec is not None and schema.is_struct(spec) else {}
        out = dict(live)
        for k, v in applied.items():
            if isinstance(spec, list) and spec[0] == "map":
                out[k] = merge(spec[1], live.get(k), v)
            else:
                child = fields.get(k)
                out[k] = merge(child.type if child else None, live.get(k), v, child)
        return out
    if isinstance(applied, list) and isinstance(live, list) and isinstance(spec, list) and spec[0] == "list":
        kind, keys = _list_semantics(field)
        if kind == "map":
            out_list = list(live)
            for item in applied:
                if not isinstance(item, dict):
                    continue
                key = _item_key(item, keys)
                idx = next((i for i, cur in enumerate(out_list) if isinstance(cur, dict) and _item_key(cur, keys) == key),
                           None)
                if idx is None:
                    out_list.append(item)
                else:
                    out_list[idx] = merge(spec[1], out_list[idx], item)
            return out_list
        if kind == "set":
            return list(live) + [v for v in applied if v not in live]
    return applied


# -- managed fields ------------------------------------------------------------------------------------------
def _entries(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(e) for e in (obj.get("metadata") or {}).get("managedFields") or ()]


def _owned(entry: dict[str, Any]) -> FieldSet:
    return from_fields_v1(entry.get("fieldsV1") or {})


def _set_entries(obj: dict[str, Any], entries: list[tuple[dict[str, Any], FieldSet]]) -> None:
    kept = []
    for entry, owned in entries:
        if owned:
            entry["fieldsType"] = "FieldsV1"
            entry["fieldsV1"] = to_fields_v1(owned)
            kept.append(entry)
    meta = obj.setdefault("metadata", {})
    if kept:
        meta["managedFields"] = kept
    else:
        meta.pop("managedFields", None)


def track_update(rt: ResourceType, old: dict[str, Any] | None, new: dict[str, Any], manager: str,
                 subresource: str = "") -> None:
    """Record a create/update/patch by ``manager`` in ``new``'s managedFields: the fields it changed become its
    own (taken from any other manager); fields that disappeared are no one's."""
    status = subresource == "status"
    before = field_set(rt, old, status=status) if old is not None else set()
    after = field_set(rt, new, status=status)
    changed = {p for p in after if old is None or value_at(old, p) != value_at(new, p)}
    gone = before - after
    entries = []
    mine = None
    for entry in _entries(old if old is not None else new):
        owned = _owned(entry) - gone - changed
        if (entry.get("manager"), entry.get("operation"), entry.get("subresource", "")) == (manager, "Update",
                                                                                           subresource):
            mine = (entry, owned)
            continue
        entries.append((entry, owned))
    if changed or mine is not None:
        entry, owned = mine if mine is not None else ({}, set())
        entry.update({"manager": manager, "operation": "Update", "apiVersion": rt.api_version, "time": _now()})
        if subresource:
            entry["subresource"] = subresource
        entries.append((entry, owned | changed))
    _set_entries(new, entries)


def apply(rt: ResourceType, live: dict[str, Any] | None, applied: dict[str, Any], manager: str,
          force: bool, subresource: str = "") -> dict[str, Any]:
    """The object after ``manager`` applies ``applied`` to ``live`` (None: it does not exist yet)."""
    status = subresource == "status"
    spec = root_type(rt)
    applied_set = field_set(rt, applied, status=status)
    if live is None:
        obj = {k: v for k, v in applied.items()}
        obj.setdefault("metadata", {}).pop("managedFields", None)
        entry = {"manager": manager, "operation": "Apply", "apiVersion": rt.api_version, "time": _now()}
        _set_entries(obj, [(entry, applied_set)])
        return obj
    entries = [(e, _owned(e)) for e in _entries(live)]
    conflicts: list[tuple[str, str, Path]] = []
    for entry, owned in entries:
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            continue
        for path in sorted(applied_set):
            if path[-1:] == (".",) or not _covered(path, owned):
                continue
            if value_at(live, path) != value_at(applied, path):
                conflicts.append((_who(entry), entry.get("apiVersion", ""), path))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    previous: FieldSet = set()
    for entry, owned in entries:
        if entry.get("manager") == manager and entry.get("operation") == "Apply" and \
                entry.get("subresource", "") == subresource:
            previous = owned
    merged = json.loads(json.dumps(live))  # a private copy: stored objects are never changed in place
    for key, value in applied.items():
        if key in _ALWAYS_IGNORED:
            continue
        if key == "metadata":
            value = {k: v for k, v in value.items() if k not in _META_IGNORED}
        fields = schema.struct(spec).json_fields() if spec else {}
        field = fields.get(key)
        merged[key] = merge(field.type if field else None, live.get(key), value, field)
    others = set().union(*(o for e, o in entries if not (e.get("manager") == manager and e.get("operation") == "Apply")))
    for path in sorted(previous - applied_set, key=len, reverse=True):
        if not _covered(path, others):
            remove_path(merged, path)
    new_entries = []
    for entry, owned in entries:
        if entry.get("manager") == manager and entry.get("operation") == "Apply" and \
                entry.get("subresource", "") == subresource:
            continue
        if force:
            owned = {p for p in owned if not _covered(p, applied_set) and p not in applied_set}
        new_entries.append((entry, owned))
    mine = {"manager": manager, "operation": "Apply", "apiVersion": rt.api_version, "time": _now()}
    if subresource:
        mine["subresource"] = subresource
    new_entries.append((mine, applied_set))
    _set_entries(merged, new_entries)
    return merged


def _who(entry: dict[str, Any]) -> str:
    sub = entry.get("subresource")
    return f'"{entry.get("manager", "")}"' + (f' with subresource "{sub}"' if sub else "")


def _conflict_error(conflicts: list[tuple[str, str, Path]]) -> ApiError:
    """409 as the API server words it (kubectl adds its advice about --force-conflicts around it)."""
    by_manager: dict[tuple[str, str], list[Path]] = {}
    for manager, api_version, path in conflicts:
        by_manager.setdefault((manager, api_version), []).append(path)
    n = len(conflicts)
    if n == 1:
        (manager, api_version), paths = next(iter(by_manager.items()))
        message = f"Apply failed with 1 conflict: conflict with {manager} using {api_version}: {display(paths[0])}"
    else:
        parts = []
        for (manager, api_version), paths in by_manager.items():
            listed = "".join(f"\n- {display(p)}" for p in paths)
            parts.append(f"conflicts with {manager} using {api_version}:{listed}")
        message = f"Apply failed with {n} conflicts: " + "\n".join(parts)
    causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {m} using {v}", "field": display(p)}
              for m, v, p in conflicts]
    return ApiError(409, "Conflict", message, {"causes": causes})

