"""Field validation of request bodies (``?fieldValidation=Strict|Warn|Ignore``), as the API server decodes them.

A built-in kind is a Go struct on a real server, so fields it does not know are always dropped; what
``fieldValidation`` chooses is what the client hears about them (and about duplicate fields): ``Strict`` is a
400 listing them all, ``Warn`` (the default) answers with one ``Warning`` header each (kubectl prints them),
``Ignore`` says nothing. The known fields come from the generated type table (schema.py), so new built-in kinds
are validated without code here; custom resources are left as sent.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from . import schema
from .errors import bad_request
from .resources import ResourceType

MODES = ("Strict", "Warn", "Ignore")


def mode(query: Any) -> str:
    value = query.get("fieldValidation") or "Warn"
    if value not in MODES:
        raise bad_request(f'fieldValidation must be one of "Ignore", "Warn", or "Strict", got "{value}"')
    return value


def prune_unknown(rt: ResourceType, obj: Any) -> list[str]:
    """Remove the fields ``rt``'s type does not have from ``obj`` (in place); their paths, in order."""
    struct = schema.kind_struct(rt.api_version, rt.kind) if not getattr(rt, "custom", False) else None
    unknown: list[str] = []
    if struct is None or not isinstance(obj, dict):
        return unknown
    for key in list(obj):
        if key in ("apiVersion", "kind"):
            continue
        _walk_field(schema.struct(struct).json_fields(), obj, key, "", unknown)
    return unknown


def _walk_field(fields: dict[str, schema.Field], parent: dict, key: str, path: str, unknown: list[str]) -> None:
    where = f"{path}.{key}" if path else key
    field = fields.get(key)
    if field is None:
        unknown.append(where)
        del parent[key]
        return
    _walk(field.type, parent[key], where, unknown)


def _walk(spec: Any, value: Any, path: str, unknown: list[str]) -> None:
    if isinstance(spec, list):
        if spec[0] == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                _walk(spec[1], item, f"{path}[{i}]", unknown)
        elif spec[0] == "map" and isinstance(value, dict):
            for k, item in value.items():
                _walk(spec[1], item, f"{path}[{k}]", unknown)
        return
    if schema.is_struct(spec) and isinstance(value, dict):
        fields = schema.struct(spec).json_fields()
        for key in list(value):
            _walk_field(fields, value, key, path, unknown)


class _DuplicateFinder:
    """Collects the keys that appear twice in one JSON object or YAML mapping."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for k, v in pairs:
            if k in seen and k not in self.found:
                self.found.append(k)
            seen[k] = v
        return seen


class _DupLoader(yaml.SafeLoader):
    finder: _DuplicateFinder


def _construct_mapping(loader: _DupLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    pairs = [(loader.construct_object(k, deep=deep), loader.construct_object(v, deep=deep)) for k, v in node.value]
    return loader.finder.pairs(pairs)


_DupLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def duplicate_fields(raw: bytes, content_type: str) -> list[str]:
    """Keys given twice in one object of a JSON or YAML body (protobuf cannot have them)."""
    finder = _DuplicateFinder()
    try:
        if "yaml" in content_type:
            loader = _DupLoader(raw)
            loader.finder = finder
            try:
                loader.get_single_data()
            finally:
                loader.dispose()
        elif "protobuf" not in content_type:
            json.loads(raw, object_pairs_hook=finder.pairs)
    except (ValueError, yaml.YAMLError):
        return []  # the body's own decoding reports it
    return finder.found


def check(rt: ResourceType, obj: Any, raw: bytes, content_type: str, how: str) -> list[str]:
    """Prune ``obj`` and apply ``how``: raises the Strict 400, or returns the warnings to send (Warn)."""
    problems = [f'duplicate field "{k}"' for k in duplicate_fields(raw, content_type)] if how != "Ignore" else []
    problems += [f'unknown field "{path}"' for path in prune_unknown(rt, obj)]
    if not problems or how == "Ignore":
        return []
    if how == "Strict":
        version = rt.version
        raise bad_request(f'{rt.kind} in version "{version}" cannot be handled as a {rt.kind}: strict decoding '
                          f"error: {', '.join(problems)}")
    return problems
