"""Edit any object as YAML (``e``): what goes into the editor, how the edited text is read back, and the plan.

The document is the object as ``kubectl edit`` shows it, minus what the user cannot or should not change:
``status``, ``managedFields`` and the server-set metadata (uid, resourceVersion, generation, timestamps). A
Secret's values are shown as ``stringData`` — masked (``<unchanged: N bytes>``) unless the user asked to see
them decoded; a value left as its placeholder stays as it is, a new one is encoded for ``data``.

The change is a JSON patch of exactly the fields the user changed, guarded (``test``) by the values they saw
in those fields (and by the object's uid, and the ``name`` of a list element whose fields changed), so a
controller bumping ``status`` meanwhile does not stop it while a concurrent change to one of those fields
does: the plan is rebuilt from the new state and the user asked again (``run_plan``). Added fields cannot be
guarded (a JSON patch cannot test that something is absent).
"""

from __future__ import annotations

import base64
import binascii
import copy
import difflib
import json
from typing import Any

import yaml

from ..cluster.secrets import LAST_APPLIED, is_secret
from .client import ObjectRef
from .fields import undo_data
from .plan import Plan, PlanError, Session, Write, field_name, pointer, read_pointer

SERVER_META = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
               "deletionTimestamp", "deletionGracePeriodSeconds")
IDENTITY = ("apiVersion", "kind")
MASK = "<unchanged: {n} bytes>"
BINARY = "<binary: {n} bytes, unchanged — edit it with kubectl>"
MAX_UNDO_BYTES = 16 * 1024
HEADER = """\
# Edit the object below and save to apply it; an empty file or no change cancels. Lines beginning
# with '#' are ignored. Server-set fields (status, uid, resourceVersion, managedFields, timestamps) are
# not shown. If saving fails, this file is reopened with the reason here.
"""
SECRET_MASKED = """\
# Secret values are masked: leave <unchanged: N bytes> as it is to keep a value, or replace it with the
# new value in plain text (stringData); deleting a key deletes the value.
"""
SECRET_DECODED = """\
# Secret values are shown decoded (plain text, stringData) because you asked; this file is readable by
# you only (mode 600) and deleted when the editor closes.
"""


class EditError(ValueError):
    """The edited text cannot be applied (invalid YAML, another object, ...): shown on top when it reopens."""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and all(ch.isprintable() or ch == "\n" for ch in value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)


def strip_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without status and server-set metadata (a copy)."""
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_META:
            meta.pop(key, None)
    return out


def _decoded(raw: Any) -> str | None:
    """A data value as text, or None when it is not UTF-8 text."""
    try:
        return base64.b64decode(str(raw), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _size(raw: Any) -> int:
    try:
        return len(base64.b64decode(str(raw), validate=False))
    except (binascii.Error, ValueError):
        return len(str(raw))


def editable(obj: dict[str, Any], ref: ObjectRef, *, reveal: bool = False) -> dict[str, Any]:
    """What the editor shows (``kind``/``apiVersion`` first, as listed objects lack them)."""
    doc: dict[str, Any] = {"apiVersion": obj.get("apiVersion") or ref.kind.api_version,
                           "kind": obj.get("kind") or ref.kind.kind}
    doc.update({k: v for k, v in strip_server_fields(obj).items() if k not in IDENTITY})
    if is_secret(ref.kind):
        meta = doc.get("metadata") or {}
        if isinstance(meta.get("annotations"), dict):
            meta["annotations"].pop(LAST_APPLIED, None)  # embeds the values
            if not meta["annotations"]:
                meta.pop("annotations")
        data = doc.pop("data", None) or {}
        doc.pop("stringData", None)
        shown: dict[str, str] = {}
        for key, raw in data.items():
            text = _decoded(raw)
            if text is None:
                shown[key] = BINARY.format(n=_size(raw))
            else:
                shown[key] = text if reveal else MASK.format(n=_size(raw))
        if shown:
            doc["stringData"] = shown
    return doc


def document(obj: dict[str, Any], ref: ObjectRef, *, reveal: bool = False, error: str = "",
             text: str | None = None) -> str:
    """The editor's file: comments (the error first, when reopening) and the YAML (``text`` when reopening)."""
    out = ""
    if error:
        out += "# " + f"{ref} could not be saved:" + "\n"
        out += "".join(f"# * {line}\n" for line in error.splitlines() if line.strip())
        out += "#\n"
    out += HEADER
    if is_secret(ref.kind):
        out += SECRET_DECODED if reveal else SECRET_MASKED
    body = text if text is not None else dump(editable(obj, ref, reveal=reveal))
    return out + "#\n" + strip_comments(body)


def strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")) + "\n"


def parse(text: str, original: dict[str, Any], ref: ObjectRef) -> dict[str, Any] | None:
    """The edited object in the server's shape (a copy of ``original`` with the edits), or None when the
    file was emptied (cancel). ``EditError`` says what is wrong, in a line or two."""
    body = strip_comments(text)
    if not body.strip():
        return None
    try:
        doc = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1} of the YAML)" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EditError(f"invalid YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise EditError("the document must be a YAML mapping (an object), not " + type(doc).__name__)
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        raise EditError("metadata is missing or not a mapping")
    ometa = original.get("metadata") or {}
    for key in ("name", "namespace"):
        if str(meta.get(key) or "") != str(ometa.get(key) or ""):
            raise EditError(f"metadata.{key} cannot be changed ({ometa.get(key)!r} → {meta.get(key)!r}): edit "
                            "another object by selecting it")
    kind = doc.get("kind") or ref.kind.kind
    if kind != (original.get("kind") or ref.kind.kind):
        raise EditError(f"kind cannot be changed ({ref.kind.kind} → {kind})")
    edited = {k: v for k, v in doc.items() if k not in IDENTITY}
    if is_secret(ref.kind):
        edited = _secret_back(edited, original)
    out = {k: v for k, v in copy.deepcopy(original).items() if k in IDENTITY or k == "status"}
    out.update(edited)
    out_meta = out.setdefault("metadata", {})
    for key in SERVER_META:
        if key in ometa:
            out_meta[key] = copy.deepcopy(ometa[key])
    if is_secret(ref.kind) and LAST_APPLIED in (ometa.get("annotations") or {}):
        out_meta.setdefault("annotations", {})[LAST_APPLIED] = ometa["annotations"][LAST_APPLIED]
    return out


def _secret_back(edited: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """``stringData`` as shown (placeholders for unchanged values) back to ``data`` as the server keeps it."""
    old = dict(original.get("data") or {})
    shown = edited.pop("stringData", None)
    if shown is not None and not isinstance(shown, dict):
        raise EditError("stringData must be a mapping of key: value")
    data = edited.pop("data", None)
    if data is not None and not isinstance(data, dict):
        raise EditError("data must be a mapping of key: base64 value")
    new: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if _decoded(value) is None and not _is_base64(value):
            raise EditError(f"data.{key} is not valid base64 (put plain text under stringData)")
        new[str(key)] = value
    for key, value in (shown or {}).items():
        key = str(key)
        if key in old and value in (MASK.format(n=_size(old[key])), BINARY.format(n=_size(old[key]))):
            new[key] = old[key]
        else:
            text = value if isinstance(value, str) else json.dumps(value) if value is not None else ""
            new[key] = base64.b64encode(text.encode()).decode()
    if new or old:
        edited["data"] = new
    return edited


def _is_base64(value: Any) -> bool:
    try:
        base64.b64decode(str(value), validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


# -- the change ---------------------------------------------------------------------------------------------------
def diff_ops(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """A JSON patch (add / replace / remove, no tests) turning ``old`` into ``new``; lists of the same length
    are compared element by element, others replaced whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = []
        for key in old:
            if key not in new:
                ops.append({"op": "remove", "path": path + pointer(str(key))})
        for key, value in new.items():
            child = path + pointer(str(key))
            if key not in old:
                ops.append({"op": "add", "path": child, "value": value})
            else:
                ops += diff_ops(old[key], value, child)
        return ops
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [op for n, (a, b) in enumerate(zip(old, new, strict=True)) for op in diff_ops(a, b, f"{path}/{n}")]
    if old == new and type(old) is type(new):
        return []
    return [{"op": "replace", "path": path, "value": new}]


def _guards(ops: list[dict[str, Any]], seen: dict[str, Any]) -> dict[str, Any]:
    """The ``test``s for ``ops``: the object's uid, the value seen at each replaced/removed path, and the
    ``name`` of every list element on the way (so a reordered list is not patched at the wrong element)."""
    tests: dict[str, Any] = {}
    uid = read_pointer(seen, "/metadata/uid")
    if uid:
        tests["/metadata/uid"] = uid
    for op in ops:
        parts = op["path"].split("/")[1:]
        for n in range(1, len(parts)):
            if parts[n].isdigit():
                element = "/" + "/".join(parts[: n + 1])
                name = read_pointer(seen, element + "/name")
                if isinstance(name, str):
                    tests[element + "/name"] = name
        if op["op"] in ("replace", "remove"):
            tests[op["path"]] = read_pointer(seen, op["path"])
    return tests


def _apply_ops(obj: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """``obj`` with ``ops`` applied (for showing the result; the server applies the real patch)."""
    out = copy.deepcopy(obj)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent: Any = out
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent.setdefault(part, {})
        last = parts[-1]
        if isinstance(parent, list):
            if op["op"] == "remove":
                parent.pop(int(last))
            else:
                parent[int(last)] = copy.deepcopy(op["value"])
        elif op["op"] == "remove":
            parent.pop(last, None)
        else:
            parent[last] = copy.deepcopy(op["value"])
    return out


def _masked_secret_view(obj: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """A Secret for the diff: each value as its size, marked when it differs from ``other``'s."""
    view = strip_server_fields(obj)
    data, other_data = view.get("data") or {}, other.get("data") or {}
    if isinstance(data, dict):
        view["data"] = {k: (f"<{_size(v)} bytes>" if other_data.get(k) == v else f"<changed: {_size(v)} bytes>")
                        for k, v in data.items()}
    ann = (view.get("metadata") or {}).get("annotations")
    if isinstance(ann, dict) and LAST_APPLIED in ann:
        ann[LAST_APPLIED] = "<masked>"
    return view


def change_diff(before: dict[str, Any], after: dict[str, Any], ref: ObjectRef) -> list[str]:
    """A unified YAML diff of the editable parts (Secret values never appear, only their sizes)."""
    if is_secret(ref.kind):
        a, b = _masked_secret_view(before, after), _masked_secret_view(after, before)
    else:
        a, b = strip_server_fields(before), strip_server_fields(after)
    return list(difflib.unified_diff(dump(a).splitlines(), dump(b).splitlines(), "live", "edited", n=2,
                                     lineterm=""))


def changed_paths(ops: list[dict[str, Any]]) -> list[str]:
    return [field_name(op["path"]) for op in ops]


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:39] + "…"


class EditSession:
    """One edit: the object as the user saw it and the change they made; ``plan`` builds the plan (again after
    a conflict: then from the new state, so the confirmation shows it)."""

    def __init__(self, session: Session, ref: ObjectRef, seen: dict[str, Any], edited: dict[str, Any]) -> None:
        self.session = session
        self.ref = ref
        self.seen = seen
        self.ops = diff_ops(strip_server_fields(seen), strip_server_fields(edited))
        self.rounds = 0

    @property
    def changed(self) -> bool:
        return bool(self.ops)

    async def plan(self) -> Plan:
        if not self.ops:
            raise PlanError("edit cancelled, no changes")
        base = self.seen if self.rounds == 0 else await self.session.read(self.ref)
        self.rounds += 1
        for op in self.ops:  # a removed parent makes the edit meaningless: say so instead of a patch error
            parent = op["path"].rsplit("/", 1)[0]
            if parent and read_pointer(base, parent) is None:
                raise PlanError(f"{field_name(parent)} is gone from {self.ref} (changed by someone else): edit "
                                "it again")
        tests = _guards(self.ops, base)
        body = [{"op": "test", "path": p, "value": v} for p, v in tests.items()] + self.ops
        secret = is_secret(self.ref.kind)
        paths = changed_paths(self.ops)
        summary = ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
        write = Write("patch", self.ref, body, "json", summary=summary, expect=tuple(tests.items()))
        after_obj = _apply_ops(base, self.ops)
        if len(self.ops) == 1 and not secret:
            op = self.ops[0]
            before = f"{paths[0]} {_brief(read_pointer(base, op['path'])) if op['op'] != 'add' else 'unset'}"
            after = f"{paths[0]} {_brief(op['value']) if op['op'] != 'remove' else 'unset'}"
        else:
            before = f"{len(paths)} field{'s' if len(paths) != 1 else ''} as you saw them"
            after = f"edited: {summary}"
        undo = None
        if not secret:
            items = [{"path": op["path"], "had": op["op"] != "add", "before": read_pointer(base, op["path"]),
                      "after": op.get("value"), "removed": op["op"] == "remove"}
                     for op in self.ops]
            data = undo_data(self.ref, items)
            if len(json.dumps(data, default=str)) <= MAX_UNDO_BYTES:
                undo = data
        return self.session.new_plan("edit", self.ref, before, after, [write],
                                     details=change_diff(base, after_obj, self.ref), undo=undo)


__all__ = ["EditError", "EditSession", "change_diff", "diff_ops", "document", "dump", "editable", "parse",
           "strip_comments", "strip_server_fields"]
