"""The shapes of the built-in Kubernetes types, read from ``data/k8s_types.json.gz``.

That file is generated from the upstream Go types (``tools/gen_k8s_types.py``): per struct, its fields' JSON
names, protobuf numbers, Go pointer-ness and ``omitempty``, list semantics (``+listType``/``+listMapKey``) and
OpenAPI descriptions. Protobuf request bodies, field validation, server-side apply and the OpenAPI documents
all read it through this module, so a new built-in kind needs no code here, only its package in the generator.

A type spec is a scalar name (``string``, ``bool``, ``int32``, ``int64``, ``double``, ``bytes``), a special
name (``Time``, ``MicroTime``, ``Duration``, ``Quantity``, ``IntOrString``, ``RawExtension``, ``FieldsV1``), a
struct name (``core/v1.PodSpec``), ``["list", spec]`` (``["list", spec, "wrapped"]`` for a named Go slice,
which protobuf wraps in a message) or ``["map", spec]`` (string keys).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SCALARS = frozenset({"string", "bool", "int32", "int64", "double", "bytes"})
SPECIALS = frozenset({"Time", "MicroTime", "Duration", "Quantity", "IntOrString", "RawExtension", "FieldsV1"})
TypeSpec = Any  # str | list


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a struct."""

    name: str  # JSON name ("" for an inlined struct)
    type: TypeSpec
    number: int  # protobuf field number (0: not in protobuf)
    pointer: bool  # a Go pointer: an explicit zero value is kept
    omitempty: bool
    inline: bool
    required: bool
    description: str
    list_type: str  # "atomic" | "set" | "map" | "" (granular by default for SSA)
    list_keys: tuple[str, ...]
    patch_merge_key: str
    patch_strategy: str
    map_type: str
    struct_type: str


@dataclass(frozen=True, slots=True)
class Struct:
    name: str
    description: str
    fields: tuple[Field, ...]
    struct_type: str

    def json_fields(self) -> dict[str, Field]:
        """Every JSON key of this struct, inlined structs' keys included."""
        return _by_json(self.name)


@cache
def _document() -> dict[str, Any]:
    raw = resources.files("k8stui.demo").joinpath("data/k8s_types.json.gz").read_bytes()
    return json.loads(gzip.decompress(raw))


@cache
def struct(name: str) -> Struct:
    spec = _document()["types"][name]
    fields = tuple(Field(
        name=f.get("n", ""), type=f["t"], number=f.get("p", 0), pointer=bool(f.get("ptr")),
        omitempty=bool(f.get("o")), inline=bool(f.get("inline")), required=bool(f.get("req")),
        description=f.get("d", ""), list_type=f.get("lt", ""), list_keys=tuple(f.get("lk", ())),
        patch_merge_key=f.get("pk", ""), patch_strategy=f.get("ps", ""), map_type=f.get("mt", ""),
        struct_type=f.get("st", "")) for f in spec["f"])
    return Struct(name, spec.get("d", ""), fields, spec.get("st", ""))


@cache
def _by_json(name: str) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in struct(name).fields:
        if f.inline and is_struct(f.type):
            out.update(_by_json(f.type))
        elif f.name:
            out[f.name] = f
    return out


def has_struct(name: str) -> bool:
    return name in _document()["types"]


def is_struct(spec: TypeSpec) -> bool:
    return isinstance(spec, str) and spec not in SCALARS and spec not in SPECIALS


def all_structs() -> list[str]:
    return list(_document()["types"])


def kind_struct(api_version: str, kind: str) -> str | None:
    """The struct of a kind (``apps/v1``, ``Deployment`` -> ``apps/v1.Deployment``); None if not built in.

    ``DeleteOptions`` (sent by typed clients in every group) is meta.k8s.io's."""
    kinds = _document()["kinds"]
    found = kinds.get(f"{api_version}/{kind}")
    if found is None and kind in ("DeleteOptions", "Status", "PartialObjectMetadata"):
        found = kinds.get(f"meta.k8s.io/v1/{kind}")
    if found is None and "/" in api_version:  # a beta version of a kind whose v1 has the same fields
        group = api_version.split("/")[0]
        found = kinds.get(f"{group}/v1/{kind}")
    return found


def kinds() -> dict[str, str]:
    return dict(_document()["kinds"])
