"""Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``), decoded into JSON objects.

Since client-go 1.32, typed clients of built-in kinds send protobuf: kubectl 1.32+ ``create``, ``auth can-i``,
``auth whoami``, ``drain`` (Eviction, DeleteOptions), ``debug node``... A body is the 4-byte magic ``k8s\\0`` and
a ``runtime.Unknown`` message (TypeMeta, the typed object's protobuf bytes, encoding). There is no maintained
PyPI package of the generated Kubernetes message classes, so the message descriptors are built at run time
from the generated type table (``schema.py``) and the ``protobuf`` package parses the wire format; this module
only turns the parsed message into the JSON a Go client would have sent for the same struct (``omitempty``,
pointers keep explicit zeros, inlined structs, Time/Quantity/IntOrString encodings).

The server never answers in protobuf: every client that sends it also accepts ``application/json``.
"""

from __future__ import annotations

import base64
import re
import time
from functools import cache
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

from . import schema

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
_PKG = "k8s"
_FDP = descriptor_pb2.FieldDescriptorProto
_SCALAR_TYPES = {"string": _FDP.TYPE_STRING, "bool": _FDP.TYPE_BOOL, "int32": _FDP.TYPE_INT32,
                 "int64": _FDP.TYPE_INT64, "double": _FDP.TYPE_DOUBLE, "bytes": _FDP.TYPE_BYTES}
# apimachinery types with hand-written protobuf encodings (their generated.proto messages)
_SPECIAL_FIELDS: dict[str, list[tuple[str, int, str]]] = {
    "Time": [("seconds", 1, "int64"), ("nanos", 2, "int32")],
    "MicroTime": [("seconds", 1, "int64"), ("nanos", 2, "int32")],
    "Duration": [("duration", 1, "int64")],
    "FieldsV1": [("Raw", 1, "bytes")],
    "Quantity": [("string", 1, "string")],
    "IntOrString": [("type", 1, "int64"), ("intVal", 2, "int32"), ("strVal", 3, "string")],
    "RawExtension": [("raw", 1, "bytes")],
    "TypeMeta": [("apiVersion", 1, "string"), ("kind", 2, "string")],
}


class ProtobufError(ValueError):
    """A body that is not a Kubernetes protobuf object this server knows."""


def _msg_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name)


def _spec_key(spec: Any) -> str:
    if isinstance(spec, list):
        return "_".join(_spec_key(s) for s in spec)
    return _msg_name(spec)


class _Builder:
    """Builds one proto2 file with a message per generated struct (plus wrappers and map entries)."""

    def __init__(self) -> None:
        self.file = descriptor_pb2.FileDescriptorProto(name="k8stui_k8s_types.proto", package=_PKG,
                                                       syntax="proto2")
        self.done: set[str] = set()

    def message(self, name: str, fields: list[tuple[str, int, Any]]) -> None:
        msg = self.file.message_type.add(name=name)
        for fname, number, spec in fields:
            self.field(msg, fname, number, spec)

    def field(self, msg: descriptor_pb2.DescriptorProto, fname: str, number: int, spec: Any) -> None:
        fd = msg.field.add(name=fname, number=number, label=_FDP.LABEL_OPTIONAL)
        if isinstance(spec, list) and spec[0] == "map":
            entry = msg.nested_type.add(name=f"{fname.capitalize()}Entry")
            entry.options.map_entry = True
            self.field(entry, "key", 1, "string")
            self.field(entry, "value", 2, spec[1])
            fd.label, fd.type, fd.type_name = _FDP.LABEL_REPEATED, _FDP.TYPE_MESSAGE, f".{_PKG}.{msg.name}.{entry.name}"
            return
        if isinstance(spec, list) and spec[0] == "list" and len(spec) == 2:
            fd.label = _FDP.LABEL_REPEATED
            spec = spec[1]
        if isinstance(spec, str) and spec in _SCALAR_TYPES:
            fd.type = _SCALAR_TYPES[spec]
            return
        fd.type, fd.type_name = _FDP.TYPE_MESSAGE, f".{_PKG}.{self.ensure(spec)}"

    def ensure(self, spec: Any) -> str:
        """The message name of a struct, special or wrapped-list spec, defining it on first use."""
        name = _spec_key(spec)
        if name in self.done:
            return name
        self.done.add(name)
        if isinstance(spec, list):  # ["list", elem, "wrapped"]
            self.message(name, [("items", 1, ["list", spec[1]])])
        elif spec in _SPECIAL_FIELDS:
            self.message(name, [(f, n, t) for f, n, t in _SPECIAL_FIELDS[spec]])
        else:
            self.message(name, [(f"f{f.number}", f.number, f.type) for f in schema.struct(spec).fields if f.number])
        return name


@cache
def _classes() -> tuple[dict[str, type[Message]], type[Message]]:
    """Message classes for every generated struct, and the runtime.Unknown envelope."""
    builder = _Builder()
    for name in schema.all_structs():
        builder.ensure(name)
    builder.message("Unknown", [("typeMeta", 1, "TypeMeta"), ("raw", 2, "bytes"),
                                ("contentEncoding", 3, "string"), ("contentType", 4, "string")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(builder.file)
    classes = {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.{_spec_key(name)}"))
               for name in schema.all_structs()}
    unknown = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.Unknown"))
    return classes, unknown


def decode(body: bytes) -> dict[str, Any]:
    """A ``k8s\\0``-framed protobuf object as the JSON object it stands for. Raises ProtobufError."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf magic number")
    classes, unknown = _classes()
    try:
        envelope = unknown.FromString(body[len(MAGIC):])
    except DecodeError as exc:
        raise ProtobufError(f"the protobuf envelope could not be decoded: {exc}") from exc
    api_version, kind = envelope.typeMeta.apiVersion, envelope.typeMeta.kind
    if envelope.contentEncoding:
        raise ProtobufError(f"unsupported content encoding {envelope.contentEncoding!r}")
    struct = schema.kind_struct(api_version, kind)
    if struct is None:
        raise ProtobufError(f"no kind \"{kind}\" is registered for version \"{api_version}\"")
    try:
        msg = classes[struct].FromString(envelope.raw)
    except DecodeError as exc:
        raise ProtobufError(f"the {kind} could not be decoded: {exc}") from exc
    return {"kind": kind, "apiVersion": api_version, **_struct_json(struct, msg)}


def _is_zero(value: Any) -> bool:
    return value in (0, "", b"", False) and not (isinstance(value, float) and value != 0)


def _struct_json(name: str, msg: Message) -> dict[str, Any]:
    """A message as Go's encoding/json writes the struct (omitempty; nil pointers, slices and maps left out)."""
    out: dict[str, Any] = {}
    for f in schema.struct(name).fields:
        if not f.number:
            continue
        attr = f"f{f.number}"
        spec = f.type
        if f.inline:
            out.update(_struct_json(spec, getattr(msg, attr)))
            continue
        if isinstance(spec, list) and len(spec) == 2:  # repeated or map: empty means nil
            container = getattr(msg, attr)
            if not container:
                continue
            if spec[0] == "list":
                out[f.name] = [_value(spec[1], v) for v in container]
            else:
                out[f.name] = {k: _value(spec[1], v) for k, v in container.items()}
            continue
        present = msg.HasField(attr)
        if f.pointer and not present:
            continue
        value = getattr(msg, attr)
        if isinstance(spec, list):  # a wrapped named slice: nil unless items
            if not value.items:
                continue
        elif spec in schema.SCALARS and not f.pointer and f.omitempty and _is_zero(value):
            continue
        out[f.name] = _value(spec, value)
    return out


def _value(spec: Any, value: Any) -> Any:
    if isinstance(spec, list):
        if spec[0] == "list":  # wrapped
            return [_value(spec[1], v) for v in value.items]
        return {k: _value(spec[1], v) for k, v in value.items()}
    if spec == "bytes":
        return base64.b64encode(value).decode()
    if spec in schema.SCALARS:
        return value
    if spec in ("Time", "MicroTime"):
        if not value.seconds and not value.nanos:
            return None
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(value.seconds))
        return f"{stamp}.{value.nanos // 1000:06d}Z" if spec == "MicroTime" else f"{stamp}Z"
    if spec == "Quantity":
        return value.string or "0"
    if spec == "IntOrString":
        return value.strVal if value.type == 1 else value.intVal
    if spec == "Duration":
        return go_duration(value.duration)
    if spec in ("FieldsV1", "RawExtension"):
        raw = value.Raw if spec == "FieldsV1" else value.raw
        return _raw_json(raw)
    return _struct_json(spec, value)


def _raw_json(raw: bytes) -> Any:
    import orjson

    if not raw:
        return {}
    if raw.startswith(MAGIC):
        return decode(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProtobufError("an embedded object is neither JSON nor Kubernetes protobuf") from exc


def go_duration(ns: int) -> str:
    """Go's ``time.Duration.String()``: ``1h2m3s``, ``1.5s``, ``300ms``, ``0s``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim(ns / size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = _trim(rest / 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _trim(x: float) -> str:
    return f"{x:.9f}".rstrip("0").rstrip(".")
