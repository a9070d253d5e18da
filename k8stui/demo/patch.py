"""PATCH bodies as the API server applies them: JSON merge patch, strategic merge patch, JSON patch.

kubectl sends strategic merge patches for ``set image``, ``rollout restart``, ``patch`` and ``label``, JSON
patches for ``rollout undo``, and merge patches for ``scale``; the strategic flavour needs the merge keys of
the lists it touches (containers by name, ports by port, ...), which are listed here for the common kinds.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# Field name -> merge key for lists that strategic merge patch merges instead of replacing.
_MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
}
# "ports" merges by containerPort inside containers and by port inside a Service spec.
_PORTS_KEYS = ("containerPort", "port")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _list_merge_key(field: str, items: list[Any]) -> str | None:
    if field == "ports":
        for candidate in _PORTS_KEYS:
            if items and all(isinstance(i, dict) and candidate in i for i in items):
                return candidate
        return None
    return _MERGE_KEYS.get(field)


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Strategic merge patch for the common cases: keyed list merge, ``$patch`` directives,
    ``$setElementOrder``/``$retainKeys`` (accepted), ``$deleteFromPrimitiveList``."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(field: str, current: Any, patch_items: list[Any]) -> list[Any]:
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch_items):
        return [copy.deepcopy(i) for i in patch_items if not (isinstance(i, dict) and "$patch" in i)]
    key = _list_merge_key(field, patch_items)
    if key is None or not isinstance(current, list):
        return [copy.deepcopy(i) for i in patch_items if not (isinstance(i, dict) and i.get("$patch"))]
    out = copy.deepcopy(current)
    for item in patch_items:
        if not isinstance(item, dict):
            continue
        idx = next((n for n, cur in enumerate(out) if isinstance(cur, dict) and cur.get(key) == item.get(key)),
                   None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(strategic_merge_patch({}, item))
        else:
            out[idx] = strategic_merge_patch(out[idx], item)
    return out


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(422, "Invalid", f"the JSON pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve(doc: Any, parts: list[str]) -> Any:
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        elif isinstance(cur, dict):
            cur = cur[p]
        else:
            raise KeyError(p)
    return cur


def json_patch(target: Any, ops: Any) -> Any:
    """RFC 6902 JSON patch: add, remove, replace, move, copy, test."""
    if not isinstance(ops, list):
        raise ApiError(400, "BadRequest", "the JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in ops:
        try:
            kind, parts = op["op"], _pointer(op["path"])
            if kind == "test":
                if _resolve(doc, parts) != op.get("value"):
                    raise ApiError(422, "Invalid", f"the test operation on {op['path']} failed")
                continue
            if kind in ("move", "copy"):
                src_parts = _pointer(op["from"])
                value = copy.deepcopy(_resolve(doc, src_parts))
                if kind == "move":
                    doc = _apply(doc, src_parts, "remove", None)
                doc = _apply(doc, parts, "add", value)
                continue
            doc = _apply(doc, parts, kind, copy.deepcopy(op.get("value")))
        except ApiError:
            raise
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ApiError(422, "Invalid", f"the JSON patch operation {op!r} failed: {exc}") from exc
    return doc


def _apply(doc: Any, parts: list[str], kind: str, value: Any) -> Any:
    if not parts:
        if kind in ("add", "replace"):
            return value
        raise ValueError("cannot remove the whole document")
    parent = _resolve(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        if kind == "add":
            parent.insert(len(parent) if last == "-" else int(last), value)
        elif kind == "remove":
            parent.pop(int(last))
        elif kind == "replace":
            parent[int(last)] = value
        else:
            raise ValueError(f"unknown op {kind}")
    elif isinstance(parent, dict):
        if kind == "add":
            parent[last] = value
        elif kind == "remove":
            del parent[last]
        elif kind == "replace":
            if last not in parent:
                raise KeyError(last)
            parent[last] = value
        else:
            raise ValueError(f"unknown op {kind}")
    else:
        raise KeyError(last)
    return doc


def apply_patch(content_type: str, target: dict[str, Any], body: Any) -> dict[str, Any]:
    """Apply a PATCH body of the given Content-Type to ``target`` and return the new object."""
    ctype = content_type.split(";")[0].strip()
    if ctype == MERGE_PATCH:
        result = merge_patch(target, body)
    elif ctype == STRATEGIC_PATCH:
        result = strategic_merge_patch(target, body)
    elif ctype == JSON_PATCH:
        result = json_patch(target, body)
    else:
        raise ApiError(415, "UnsupportedMediaType",
                       f"the body of the request was in an unknown format - accepted media types include: "
                       f"{JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_PATCH}")
    if not isinstance(result, dict):
        raise ApiError(422, "Invalid", "the patched object is not a JSON object")
    return result
