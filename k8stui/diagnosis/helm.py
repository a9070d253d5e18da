"""Helm 3 releases, read from the cluster without the helm binary (read-only).

Helm's Secret storage driver (``pkg/storage/driver/secrets.go``) keeps each revision of a release in a Secret
named ``sh.helm.release.v1.NAME.vREVISION`` of type ``helm.sh/release.v1``, labelled ``owner=helm``,
``name``, ``status`` and ``version``. Its ``data.release`` is ``encodeRelease`` (``pkg/storage/driver/util.go``):
the release JSON, gzipped, base64-encoded — and then base64-encoded once more by the API, as every Secret value
is. Releases written before compression have no gzip header (util.go's ``magicGzip`` check); the ConfigMap
driver (``HELM_DRIVER=configmap``) stores the same string without the API's extra base64. Both are read here.

A release's ``config`` (the user-supplied values) and its chart's default values can hold passwords: they are
kept out of ``HelmRelease`` (the list row) and out of ``repr``; ``ReleaseDetail.values_yaml()`` renders them
only when the user asks, like a Secret's value. Pure functions: no I/O, no Textual.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from ..cluster.quantity import parse_time
from .snapshot import CLUSTER_SCOPED, CONFIGMAP, SECRET, Obj, Snapshot, labels_of, meta_of

RELEASE_TYPE = "helm.sh/release.v1"
OWNER_LABEL = ("owner", "helm")
NAME_PREFIX = "sh.helm.release.v1."
GZIP_MAGIC = b"\x1f\x8b\x08"
MAX_DECODED = 64 * 1024 * 1024  # a hostile Secret must not inflate to gigabytes


class HelmDecodeError(ValueError):
    """A release Secret/ConfigMap whose payload is not a Helm release (one line, for the UI)."""


def _b64(data: str | bytes, what: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise HelmDecodeError(f"{what} is not valid base64") from None


def decode_payload(encoded: str | bytes, limit: int = MAX_DECODED) -> dict[str, Any]:
    """Helm's ``decodeRelease``: base64 -> (gzip when the magic header is there) -> JSON object, refusing to
    inflate past ``limit`` bytes."""
    raw = _b64(encoded.strip(), "the release payload")
    if raw[:3] == GZIP_MAGIC:
        try:
            d = zlib.decompressobj(wbits=31)
            raw = d.decompress(raw, limit)
            if d.unconsumed_tail:
                raise HelmDecodeError(f"the release is larger than {limit // 1024 // 1024} MiB decompressed")
        except (zlib.error, EOFError, gzip.BadGzipFile):
            raise HelmDecodeError("the release payload is not valid gzip") from None
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise HelmDecodeError("the release payload is not JSON") from None
    if not isinstance(doc, dict):
        raise HelmDecodeError("the release payload is not a JSON object")
    return doc


def encode_payload(release: Mapping[str, Any]) -> str:
    """Helm's ``encodeRelease`` (JSON, gzip at best compression, base64): what ``data.release`` holds before the
    API's own base64 of Secret values. Used by the demo and the tests."""
    return base64.b64encode(gzip.compress(json.dumps(release, separators=(",", ":")).encode(), 9, mtime=0)).decode()


def decode_secret(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The release JSON of a Helm release Secret as the API returns it (``data.release`` base64 once more)."""
    data = (secret.get("data") or {}).get("release")
    if not data:
        raise HelmDecodeError("the Secret has no data.release")
    return decode_payload(_b64(data, "data.release"))


def decode_configmap(cm: Mapping[str, Any]) -> dict[str, Any]:
    data = (cm.get("data") or {}).get("release")
    if not data:
        raise HelmDecodeError("the ConfigMap has no data.release")
    return decode_payload(data)


def is_release_secret(secret: Mapping[str, Any]) -> bool:
    return secret.get("type") == RELEASE_TYPE or (labels_of(secret).get(OWNER_LABEL[0]) == OWNER_LABEL[1]
                                                  and (meta_of(secret).get("name") or "").startswith(NAME_PREFIX))


def is_release_configmap(cm: Mapping[str, Any]) -> bool:
    return labels_of(cm).get(OWNER_LABEL[0]) == OWNER_LABEL[1] and \
        (meta_of(cm).get("name") or "").startswith(NAME_PREFIX)


# -- releases ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HelmRelease:
    """One revision of a release, as ``helm list`` / ``helm history`` show it (no values here)."""

    name: str
    namespace: str
    revision: int
    status: str  # deployed / superseded / failed / pending-upgrade / uninstalled ...
    chart: str  # chart name
    chart_version: str
    app_version: str
    updated: float | None  # info.last_deployed
    description: str
    storage: str  # "Secret NAME" / "ConfigMap NAME"
    storage_uid: str = ""

    @property
    def chart_text(self) -> str:
        """``api-1.4.2`` as ``helm list`` prints the CHART column."""
        return f"{self.chart}-{self.chart_version}" if self.chart_version else self.chart


@dataclass(frozen=True)
class ReleaseDetail:
    """A decoded revision: its row, rendered manifest, notes, hooks, and (hidden from repr) its values."""

    release: HelmRelease
    manifest: str
    notes: str
    hooks: tuple[str, ...]
    user_values: Mapping[str, Any] = field(repr=False, default_factory=dict)
    chart_values: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def values_yaml(self, *, all_values: bool = False) -> str:
        """The user-supplied values (``helm get values``), or merged over the chart's defaults (``--all``).
        Sensitive: call only when the user asked to see them."""
        values: Mapping[str, Any] = _merge(self.chart_values, self.user_values) if all_values else self.user_values
        if not values:
            return "{}\n"
        return yaml.safe_dump(dict(values), sort_keys=True, default_flow_style=False, allow_unicode=True)

    def objects(self) -> list[ManifestObject]:
        return manifest_objects(self.manifest, self.release.namespace)


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def release_row(doc: Mapping[str, Any], storage: str = "", storage_uid: str = "",
                labels: Mapping[str, str] | None = None) -> HelmRelease:
    info = doc.get("info") if isinstance(doc.get("info"), Mapping) else {}
    chart = doc.get("chart") if isinstance(doc.get("chart"), Mapping) else {}
    meta = chart.get("metadata") if isinstance(chart.get("metadata"), Mapping) else {}
    labels = labels or {}
    try:
        revision = int(doc.get("version") or labels.get("version") or 0)
    except (TypeError, ValueError):
        revision = 0
    return HelmRelease(
        name=_text(doc.get("name") or labels.get("name")), namespace=_text(doc.get("namespace")),
        revision=revision, status=_text(info.get("status") or labels.get("status") or "unknown"),
        chart=_text(meta.get("name")), chart_version=_text(meta.get("version")),
        app_version=_text(meta.get("appVersion")),
        updated=parse_time(info.get("last_deployed")) if isinstance(info.get("last_deployed"), str) else None,
        description=_text(info.get("description") or info.get("Description")), storage=storage,
        storage_uid=storage_uid)


def release_detail(doc: Mapping[str, Any], storage: str = "", storage_uid: str = "") -> ReleaseDetail:
    chart = doc.get("chart") if isinstance(doc.get("chart"), Mapping) else {}
    info = doc.get("info") if isinstance(doc.get("info"), Mapping) else {}
    hooks = []
    for h in doc.get("hooks") or ():
        if isinstance(h, Mapping):
            hooks.append(f"{h.get('kind', '')} {h.get('name', '')} ({', '.join(map(str, h.get('events') or ()))})")
    config = doc.get("config") if isinstance(doc.get("config"), Mapping) else {}
    defaults = chart.get("values") if isinstance(chart.get("values"), Mapping) else {}
    return ReleaseDetail(release_row(doc, storage, storage_uid), _text(doc.get("manifest")), _text(info.get("notes")),
                         tuple(hooks), dict(config), dict(defaults))


@dataclass(frozen=True, slots=True)
class ReleaseError:
    """A release Secret that could not be decoded (shown as a row with the reason)."""

    namespace: str
    storage: str
    error: str


@dataclass(frozen=True)
class ReleaseList:
    """Every revision found, the latest per release (``helm list -a``), and the undecodable ones."""

    revisions: tuple[HelmRelease, ...]
    errors: tuple[ReleaseError, ...] = ()

    def latest(self, *, include_uninstalled: bool = True) -> list[HelmRelease]:
        """One row per release: its highest revision (``helm list`` hides superseded revisions)."""
        best: dict[tuple[str, str], HelmRelease] = {}
        for r in self.revisions:
            key = (r.namespace, r.name)
            if key not in best or r.revision > best[key].revision:
                best[key] = r
        rows = [r for r in best.values() if include_uninstalled or r.status != "uninstalled"]
        return sorted(rows, key=lambda r: (r.namespace, r.name))

    def history(self, namespace: str, name: str) -> list[HelmRelease]:
        return sorted((r for r in self.revisions if r.namespace == namespace and r.name == name),
                      key=lambda r: r.revision)


class ReleaseDecoder:
    """Decodes release Secrets/ConfigMaps once per resourceVersion (a release payload is a few hundred KB of
    gzip; the store refreshes Secrets often)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], dict[str, Any] | HelmDecodeError] = {}

    def decode(self, kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        meta = meta_of(obj)
        key = (meta.get("uid") or f"{meta.get('namespace')}/{meta.get('name')}", meta.get("resourceVersion") or "")
        cached = self._cache.get(key)
        if cached is None:
            try:
                cached = decode_secret(obj) if kind == SECRET else decode_configmap(obj)
            except HelmDecodeError as exc:
                cached = exc
            self._cache[key] = cached
        if isinstance(cached, HelmDecodeError):
            raise cached
        return cached

    def prune(self, live: Iterable[tuple[str, str]]) -> None:
        keep = set(live)
        for key in list(self._cache):
            if key not in keep:
                del self._cache[key]

    def releases(self, snapshot: Snapshot, namespace: str | None = None) -> ReleaseList:
        """Every release revision stored in the snapshot's Secrets (and ConfigMaps), in ``namespace`` or all."""
        revisions: list[HelmRelease] = []
        errors: list[ReleaseError] = []
        live: list[tuple[str, str]] = []
        for kind, test in ((SECRET, is_release_secret), (CONFIGMAP, is_release_configmap)):
            for obj in snapshot.objects(kind, namespace) if namespace is not None else snapshot.objects(kind):
                if not test(obj):
                    continue
                meta = meta_of(obj)
                storage = f"{kind} {meta.get('name', '')}"
                live.append((meta.get("uid") or f"{meta.get('namespace')}/{meta.get('name')}",
                             meta.get("resourceVersion") or ""))
                try:
                    doc = self.decode(kind, obj)
                except HelmDecodeError as exc:
                    errors.append(ReleaseError(meta.get("namespace") or "", storage, str(exc)))
                    continue
                row = release_row(doc, storage, meta.get("uid") or "", labels_of(obj))
                if not row.namespace:
                    row = _with_namespace(row, meta.get("namespace") or "")
                revisions.append(row)
        self.prune(live)
        return ReleaseList(tuple(revisions), tuple(errors))

    def detail(self, snapshot: Snapshot, namespace: str, name: str, revision: int | None = None) -> ReleaseDetail:
        """One revision (the latest when None) of a release; HelmDecodeError when it is not there."""
        found: list[tuple[int, str, Obj]] = []
        for kind, test in ((SECRET, is_release_secret), (CONFIGMAP, is_release_configmap)):
            for obj in snapshot.objects(kind, namespace):
                if not test(obj):
                    continue
                labels = labels_of(obj)
                obj_name = meta_of(obj).get("name") or ""
                if labels.get("name", "") != name and not obj_name.startswith(f"{NAME_PREFIX}{name}.v"):
                    continue
                try:
                    rev = int(labels.get("version") or obj_name.rsplit(".v", 1)[-1])
                except ValueError:
                    rev = 0
                found.append((rev, kind, obj))
        if revision is not None:
            found = [f for f in found if f[0] == revision]
        if not found:
            which = f"revision {revision} of " if revision is not None else ""
            raise HelmDecodeError(f"no {which}release {name} in namespace {namespace}")
        rev, kind, obj = max(found, key=lambda f: f[0])
        doc = self.decode(kind, obj)
        detail = release_detail(doc, f"{kind} {meta_of(obj).get('name', '')}", meta_of(obj).get("uid") or "")
        if not detail.release.namespace:
            detail = ReleaseDetail(_with_namespace(detail.release, namespace), detail.manifest, detail.notes,
                                   detail.hooks, detail.user_values, detail.chart_values)
        return detail


def _with_namespace(row: HelmRelease, namespace: str) -> HelmRelease:
    return replace(row, namespace=namespace)


# -- manifest ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, order=True)
class ManifestObject:
    """An object a release's manifest declares (``# Source: chart/templates/x.yaml`` kept for context)."""

    kind: str
    namespace: str
    name: str
    api_version: str = ""
    source: str = ""


def manifest_objects(manifest: str, default_namespace: str) -> list[ManifestObject]:
    """The objects of a rendered manifest (multi-document YAML). Unparseable documents are skipped."""
    out: list[ManifestObject] = []
    for chunk in _documents(manifest):
        source = ""
        for line in chunk.splitlines():
            if line.startswith("# Source:"):
                source = line[len("# Source:"):].strip()
                break
        try:
            doc = yaml.safe_load(chunk)
        except yaml.YAMLError:
            continue
        if not isinstance(doc, dict) or not doc.get("kind"):
            continue
        items = doc.get("items") if str(doc.get("kind", "")).endswith("List") else [doc]
        for item in items or ():
            if not isinstance(item, dict):
                continue
            meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
            kind = str(item.get("kind") or "")
            ns = "" if kind in CLUSTER_SCOPED or kind in _MORE_CLUSTER_SCOPED else str(
                meta.get("namespace") or default_namespace)
            out.append(ManifestObject(kind, ns, str(meta.get("name") or ""), str(item.get("apiVersion") or ""),
                                      source))
    return out


_MORE_CLUSTER_SCOPED = frozenset({"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                                  "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "IngressClass",
                                  "APIService", "CSIDriver", "RuntimeClass"})


def _documents(manifest: str) -> list[str]:
    docs: list[str] = []
    current: list[str] = []
    for line in manifest.splitlines():
        if line.rstrip() == "---" or line.startswith("--- "):
            if current:
                docs.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        docs.append("\n".join(current))
    return [d for d in docs if d.strip()]


@dataclass(frozen=True, slots=True)
class OwnedObject:
    """A manifest object and whether it is live (with its uid when found in the snapshot)."""

    object: ManifestObject
    state: str  # "live", "missing" or "unknown" (its kind is not watched)
    uid: str = ""


def owned_objects(detail: ReleaseDetail, snapshot: Snapshot) -> list[OwnedObject]:
    """The objects a release owns, each matched to the live cluster."""
    out: list[OwnedObject] = []
    for mo in detail.objects():
        if not snapshot.has(mo.kind):
            out.append(OwnedObject(mo, "unknown"))
            continue
        live = snapshot.by_name(mo.kind, mo.namespace or None, mo.name)
        out.append(OwnedObject(mo, "live" if live is not None else "missing",
                               (meta_of(live).get("uid") or "") if live is not None else ""))
    return out


__all__ = ["RELEASE_TYPE", "HelmDecodeError", "HelmRelease", "ManifestObject", "OwnedObject", "ReleaseDecoder",
           "ReleaseDetail", "ReleaseError", "ReleaseList", "decode_configmap", "decode_payload", "decode_secret",
           "encode_payload", "is_release_configmap", "is_release_secret", "manifest_objects", "owned_objects",
           "release_detail", "release_row"]
