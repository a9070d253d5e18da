"""The one place that decides what of an object may be shown, saved or logged: Secret values never, unless the
user asks for one value.

What an object *is* comes from where it was read (the informer's or the request's resource), never from its
``kind`` field: a real API server omits ``kind``/``apiVersion`` on the items of a LIST, so a check on ``kind``
shows every listed Secret in clear. Describe, YAML, edit, diff, export and the audit log all go through
``masked`` (a copy safe to show) and ``is_secret``; ``reveal`` is the only way to a value, one key at a time.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from .kinds import ResourceKind

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SECRET_FIELDS = ("data", "stringData")


def is_secret(resource: ResourceKind | str) -> bool:
    """Whether ``resource`` (a ResourceKind or its key, e.g. ``"secrets"``) is the core Secret resource."""
    if isinstance(resource, ResourceKind):
        return resource.group == "" and resource.plural == "secrets"
    return resource.strip().lower() in ("secrets", "secret", "v1/secrets")


def masked(obj: dict[str, Any], resource: ResourceKind | str) -> dict[str, Any]:
    """A copy of ``obj`` safe to show or write to a file: managedFields dropped and, for a Secret, every
    ``data``/``stringData`` value replaced by ``<masked: N bytes>`` and the last-applied annotation (which
    embeds them) removed. ``obj`` itself is not changed (it may be the informer's cached dict)."""
    out = copy.deepcopy(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    if not is_secret(resource):
        return out
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        meta["annotations"].pop(LAST_APPLIED, None)
    for field in SECRET_FIELDS:
        values = out.get(field)
        if isinstance(values, dict):
            out[field] = {k: f"<masked: {_size(v, field)} bytes>" for k, v in values.items()}
        elif values is not None:
            out[field] = "<masked>"
    return out


def drop_values(obj: dict[str, Any]) -> dict[str, Any]:
    """A freshly parsed Secret without its values, in place (it is not cached yet): every ``data``/``stringData``
    value becomes "" and the last-applied annotation (which embeds them) goes. What the informers keep: the
    rows, the findings (a key a pod refers to) and the key picker read the keys, never the values; ``reveal``
    reads a Secret fetched whole."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        meta["annotations"].pop(LAST_APPLIED, None)
    for field in SECRET_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            obj[field] = dict.fromkeys(values, "")
        elif values is not None:
            obj[field] = {}
    return obj


def secret_keys(obj: dict[str, Any]) -> list[str]:
    """The keys of a Secret's values (``data`` and ``stringData``), sorted, for a picker; no values."""
    keys: set[str] = set()
    for field in SECRET_FIELDS:
        values = obj.get(field)
        if isinstance(values, dict):
            keys.update(str(k) for k in values)
    return sorted(keys)


def reveal(obj: dict[str, Any], resource: ResourceKind | str, key: str) -> str:
    """One value of a Secret, decoded (the user asked for it); KeyError when there is no such key, ValueError
    when ``resource`` is not a Secret. Binary values come back with undecodable bytes replaced."""
    if not is_secret(resource):
        raise ValueError("only Secret values can be revealed")
    string_data = obj.get("stringData")
    if isinstance(string_data, dict) and key in string_data:
        return str(string_data[key])
    data = obj.get("data")
    if isinstance(data, dict) and key in data:
        raw = data[key]
        try:
            return base64.b64decode(str(raw), validate=False).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return str(raw)
    raise KeyError(key)


def _size(value: Any, field: str) -> int:
    if not isinstance(value, str):
        return 0
    if field == "data":
        try:
            return len(base64.b64decode(value, validate=False))
        except (binascii.Error, ValueError):
            return len(value)
    return len(value.encode())


__all__ = ["LAST_APPLIED", "is_secret", "masked", "reveal", "secret_keys"]
