"""OpenAPI documents: v3 per group-version (``kubectl explain``, field-validation support) and a minimal v2.

The v3 schemas are generated from the type table (schema.py, itself generated from the upstream Go types and
their OpenAPI descriptions), named and shaped as kube-apiserver names them (``io.k8s.api.apps.v1.Deployment``,
``allOf``/``$ref`` for nested structs, ``x-kubernetes-group-version-kind`` on kinds, list types), so kubectl
explains every built-in kind the demo serves. Each document also lists the PATCH operations with the
``fieldValidation`` parameter, which kubectl's query-parameter verifier looks for before it leaves validation
to the server.

kubectl 1.27 and 1.28 load ``/openapi/v2`` (protobuf, gnostic's ``openapi_v2.Document``) before ``apply``/
``create -f`` and give up if it is missing; they only need it to parse, so a valid document without paths or
definitions is served (they then learn field-validation support from v3).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

from . import schema
from .resources import ResourceType

_SPECIAL_SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "Time": ("io.k8s.apimachinery.pkg.apis.meta.v1.Time", {
        "type": "string", "format": "date-time",
        "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON."}),
    "MicroTime": ("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", {
        "type": "string", "format": "date-time", "description": "MicroTime is version of Time with microsecond level "
                                                                "precision."}),
    "Duration": ("io.k8s.apimachinery.pkg.apis.meta.v1.Duration", {"type": "string"}),
    "Quantity": ("io.k8s.apimachinery.pkg.api.resource.Quantity", {
        "type": "string", "description": "Quantity is a fixed-point representation of a number."}),
    "IntOrString": ("io.k8s.apimachinery.pkg.util.intstr.IntOrString", {
        "type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": True,
        "description": "IntOrString is a type that can hold an int32 or a string."}),
    "RawExtension": ("io.k8s.apimachinery.pkg.runtime.RawExtension", {
        "type": "object", "description": "RawExtension is used to hold extensions in external versions."}),
    "FieldsV1": ("io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", {
        "type": "object", "description": "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON "
                                         "format."}),
}
_SCALARS = {"string": {"type": "string"}, "bool": {"type": "boolean"},
            "int32": {"type": "integer", "format": "int32"}, "int64": {"type": "integer", "format": "int64"},
            "double": {"type": "number", "format": "double"}, "bytes": {"type": "string", "format": "byte"}}


def schema_name(struct: str) -> str:
    """``apps/v1.Deployment`` -> ``io.k8s.api.apps.v1.Deployment`` (meta -> io.k8s.apimachinery.pkg.apis...)."""
    package, _, name = struct.partition(".")
    group, version = package.split("/")
    if group == "meta":
        return f"io.k8s.apimachinery.pkg.apis.meta.{version}.{name}"
    return f"io.k8s.api.{group}.{version}.{name}"


def _kind_index() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for key, struct in schema.kinds().items():
        gv, _, kind = key.rpartition("/")
        group, _, version = gv.rpartition("/")
        out.setdefault(struct, []).append({"group": group, "kind": kind, "version": version})
    return out


class _Builder:
    """Collects the component schemas reachable from some roots."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        self.gvks = _kind_index()

    def ref(self, spec: Any) -> dict[str, Any]:
        if isinstance(spec, list):
            if spec[0] == "list":
                return {"type": "array", "items": self.ref(spec[1])}
            return {"type": "object", "additionalProperties": self.ref(spec[1])}
        if spec in _SCALARS:
            return dict(_SCALARS[spec])
        if spec in _SPECIAL_SCHEMAS:
            name, body = _SPECIAL_SCHEMAS[spec]
            self.schemas.setdefault(name, body)
            return {"$ref": f"#/components/schemas/{name}"}
        return {"$ref": f"#/components/schemas/{self.struct(spec)}"}

    def struct(self, struct: str) -> str:
        name = schema_name(struct)
        if name in self.schemas:
            return name
        body: dict[str, Any] = {"type": "object"}
        self.schemas[name] = body
        definition = schema.struct(struct)
        if definition.description:
            body["description"] = definition.description
        properties: dict[str, Any] = {}
        required: list[str] = []
        if struct in self.gvks:
            properties["apiVersion"] = {"type": "string", "description": _API_VERSION_DOC}
            properties["kind"] = {"type": "string", "description": _KIND_DOC}
            body["x-kubernetes-group-version-kind"] = self.gvks[struct]
        for name_, field in definition.json_fields().items():
            prop = self.ref(field.type)
            if "$ref" in prop:  # as kube-openapi v3 does: a described reference wraps it in allOf
                prop = {"allOf": [prop]}
                if not field.pointer and schema.is_struct(field.type):
                    prop["default"] = {}
            if field.description:
                prop["description"] = field.description
            if isinstance(field.type, list) and field.type[0] == "list":
                if field.list_type:
                    prop["x-kubernetes-list-type"] = field.list_type
                if field.list_keys:
                    prop["x-kubernetes-list-map-keys"] = list(field.list_keys)
                if field.patch_merge_key:
                    prop["x-kubernetes-patch-merge-key"] = field.patch_merge_key
                if field.patch_strategy:
                    prop["x-kubernetes-patch-strategy"] = field.patch_strategy
            if field.map_type:
                prop["x-kubernetes-map-type"] = field.map_type
            properties[name_] = prop
            if field.required:
                required.append(name_)
        body["properties"] = dict(sorted(properties.items()))
        if required:
            body["required"] = sorted(required)
        if definition.struct_type == "atomic":
            body["x-kubernetes-map-type"] = "atomic"
        return name


_API_VERSION_DOC = ("APIVersion defines the versioned schema of this representation of an object. Servers should "
                    "convert recognized schemas to the latest internal value, and may reject unrecognized values. "
                    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
                    "api-conventions.md#resources")
_KIND_DOC = ("Kind is a string value representing the REST resource this object represents. Servers may infer "
             "this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: "
             "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")


def v3_root(group_versions: Iterable[tuple[str, str]], version_hash: str) -> dict[str, Any]:
    """``/openapi/v3``: one document per group-version."""
    paths = {}
    for group, version in group_versions:
        rel = f"api/{version}" if not group else f"apis/{group}/{version}"
        paths[rel] = {"serverRelativeURL": f"/openapi/v3/{rel}?hash={version_hash}"}
    return {"paths": paths}


def custom_schema_name(group: str, version: str, kind: str) -> str:
    """A custom resource's schema name as kube-apiserver builds it (``demo.k8stui.io`` -> ``io.k8stui.demo``)."""
    return ".".join(reversed(group.split("."))) + f".{version}.{kind}"


@lru_cache(maxsize=128)
def _v3_document(key: tuple[tuple[str, str, str, str, bool, tuple[str, ...], str], ...],
                 title_version: str) -> dict:
    builder = _Builder()
    paths: dict[str, Any] = {}
    params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
    for group, version, plural, kind, namespaced, verbs, custom in key:
        api_version = f"{group}/{version}" if group else version
        struct = schema.kind_struct(api_version, kind) if not custom else None
        name = builder.struct(struct) if struct else None
        if custom:  # the CRD's openAPIV3Schema, with the metadata every object has
            name = custom_schema_name(group, version, kind)
            body = json.loads(custom) if custom != "{}" else {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}
            properties = dict(body.get("properties") or {})
            properties["apiVersion"] = {"type": "string", "description": _API_VERSION_DOC}
            properties["kind"] = {"type": "string", "description": _KIND_DOC}
            properties["metadata"] = {"allOf": [builder.ref("meta/v1.ObjectMeta")], "description": "Standard "
                                      "object's metadata. More info: https://git.k8s.io/community/contributors/"
                                      "devel/sig-architecture/api-conventions.md#metadata"}
            builder.schemas[name] = {**body, "properties": properties,
                                     "x-kubernetes-group-version-kind": [{"group": group, "kind": kind,
                                                                          "version": version}]}
        if "patch" not in verbs:
            continue
        prefix = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        item = f"{prefix}/namespaces/{{namespace}}/{plural}/{{name}}" if namespaced else f"{prefix}/{plural}/{{name}}"
        ok = {"description": "OK"}
        if name:
            ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        paths[item] = {"patch": {"operationId": f"patch{'Namespaced' if namespaced else ''}{kind}",
                                 "x-kubernetes-action": "patch",
                                 "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": kind},
                                 "parameters": params, "responses": {"200": ok}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": title_version}, "paths": paths,
            "components": {"schemas": dict(sorted(builder.schemas.items()))}}


def v3_group(group: str, version: str, served: Iterable[ResourceType], title_version: str,
             custom_schema: Callable[[ResourceType], dict[str, Any] | None] | None = None) -> dict[str, Any] | None:
    """The v3 document of one group-version, or None if nothing is served there. ``custom_schema`` gives a
    custom resource's ``openAPIV3Schema`` (from its CRD)."""
    rts = [rt for rt in served if rt.group == group and rt.version == version]
    if not rts:
        return None
    key = tuple((rt.group, rt.version, rt.plural, rt.kind, rt.namespaced, tuple(rt.verbs),
                 json.dumps((custom_schema(rt) if custom_schema else None) or {}, sort_keys=True)
                 if getattr(rt, "custom", False) else "") for rt in rts)
    return _v3_document(key, title_version)


# -- v2 ------------------------------------------------------------------------------------------------------
def v2_json(title_version: str) -> dict[str, Any]:
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": title_version}, "paths": {},
            "definitions": {}}


@cache
def v2_protobuf(title_version: str) -> bytes:
    """The same document as gnostic's ``openapi_v2.Document`` (swagger=1, info=2, paths=8, definitions=9)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="k8stui_openapiv2.proto", package="openapi.v2", syntax="proto3")
    string = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
    message = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    info = fdp.message_type.add(name="Info")
    info.field.add(name="title", number=1, type=string, label=optional)
    info.field.add(name="version", number=2, type=string, label=optional)
    fdp.message_type.add(name="Paths")
    fdp.message_type.add(name="Definitions")
    doc = fdp.message_type.add(name="Document")
    doc.field.add(name="swagger", number=1, type=string, label=optional)
    for fname, number, type_name in (("info", 2, "Info"), ("paths", 8, "Paths"), ("definitions", 9, "Definitions")):
        doc.field.add(name=fname, number=number, type=message, type_name=f".openapi.v2.{type_name}", label=optional)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    document = message_factory.GetMessageClass(pool.FindMessageTypeByName("openapi.v2.Document"))()
    document.swagger = "2.0"
    document.info.title = "Kubernetes"
    document.info.version = title_version
    document.paths.SetInParent()
    document.definitions.SetInParent()
    return document.SerializeToString()
