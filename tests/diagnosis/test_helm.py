"""Helm 3 release Secrets decoded without helm: the storage format of pkg/storage/driver (secrets.go, util.go),
listing, history, values (sensitive, only on request), the manifest and the objects a release owns.

Format check: a Secret written by Helm 3 (``data.release`` starts ``SDRzSUFBQUFBQUFD``) base64-decodes to
``H4sIAAAAAAAC`` and again to ``1f 8b 08 00 00 00 00 00 00 02``: the gzip header at best compression that
``encodeRelease`` writes, under the API's own base64. ``encode_payload`` + base64 reproduces that layout."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from k8stui.diagnosis.helm import (
    HelmDecodeError,
    ReleaseDecoder,
    decode_configmap,
    decode_payload,
    decode_secret,
    encode_payload,
    manifest_objects,
    owned_objects,
)
from k8stui.diagnosis.snapshot import Snapshot

from .builders import meta, service

MANIFEST = """---
# Source: shop-api/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop-api
spec:
  ports: [{port: 80}]
---
# Source: shop-api/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
  namespace: shop
spec: {}
---
# Source: shop-api/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: shop-api-reader
---
# Source: shop-api/templates/extra.yaml
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: shop-api-flags}
---
# Source: shop-api/templates/broken.yaml
this: is: not yaml
"""


def release(revision=1, status="deployed", *, name="shop-api", version="1.2.0", config=None, manifest=MANIFEST):
    return {"name": name, "namespace": "shop", "version": revision,
            "info": {"first_deployed": "2025-12-01T10:00:00.123456789Z",
                     "last_deployed": f"2025-12-0{revision}T10:00:00Z", "deleted": "",
                     "description": "Upgrade complete" if revision > 1 else "Install complete", "status": status,
                     "notes": "Visit http://shop.example.com"},
            "chart": {"metadata": {"name": "shop-api", "version": version, "appVersion": "4.2.0",
                                   "apiVersion": "v2"},
                      "templates": [{"name": "templates/deployment.yaml", "data": "e3t9fQ=="}],
                      "values": {"replicaCount": 1, "image": {"tag": "4.2.0"}, "db": {"host": "db", "password": ""}}},
            "config": config if config is not None else {"replicaCount": 3, "db": {"password": "hunter2-s3cret"}},
            "manifest": manifest,
            "hooks": [{"name": "shop-api-migrate", "kind": "Job", "events": ["pre-upgrade"]}]}


def release_secret(doc, *, payload=None):
    """A release Secret exactly as the API returns it: data.release = base64(encodeRelease(release))."""
    rev, name = doc["version"], doc["name"]
    payload = payload if payload is not None else encode_payload(doc)
    return {"metadata": meta(f"sh.helm.release.v1.{name}.v{rev}", "shop",
                             labels={"name": name, "owner": "helm", "status": doc["info"]["status"],
                                     "version": str(rev), "modifiedAt": "1764583200"}),
            "type": "helm.sh/release.v1", "data": {"release": base64.b64encode(payload.encode()).decode()}}


def test_secret_payload_is_base64_of_helms_base64_gzip_json():
    doc = release()
    secret = release_secret(doc)
    outer = base64.b64decode(secret["data"]["release"])
    assert outer.startswith(b"H4sI")  # base64 of the gzip magic, as in every Helm 3 release Secret
    assert base64.b64decode(outer)[:4] == b"\x1f\x8b\x08\x00"
    assert decode_secret(secret) == doc


def test_releases_stored_before_compression_and_by_the_configmap_driver():
    doc = release()
    plain = base64.b64encode(json.dumps(doc).encode()).decode()
    assert decode_secret(release_secret(doc, payload=plain)) == doc
    cm = {"metadata": meta("sh.helm.release.v1.shop-api.v1", labels={"owner": "helm", "name": "shop-api"}),
          "data": {"release": encode_payload(doc)}}
    assert decode_configmap(cm) == doc


@pytest.mark.parametrize("payload, error", [
    ("%%%not base64", "not valid base64"),
    (base64.b64encode(b"\x1f\x8b\x08garbage").decode(), "not valid gzip"),
    (base64.b64encode(gzip.compress(b"{not json", mtime=0)).decode(), "not JSON"),
    (base64.b64encode(gzip.compress(b"[1, 2]", mtime=0)).decode(), "not a JSON object"),
])
def test_garbage_is_a_one_line_error(payload, error):
    with pytest.raises(HelmDecodeError, match=error):
        decode_payload(payload)


def test_a_gzip_bomb_is_refused():
    bomb = base64.b64encode(gzip.compress(b"{" + b" " * (3 * 1024 * 1024) + b"}")).decode()
    with pytest.raises(HelmDecodeError, match="larger than 2 MiB"):
        decode_payload(bomb, limit=2 * 1024 * 1024)
    assert decode_payload(bomb) == {}


def test_list_shows_the_latest_revision_and_history_every_one():
    secrets = [release_secret(release(1, "superseded", version="1.1.0")), release_secret(release(2)),
               release_secret(release(1, name="cache", status="failed")),
               {"metadata": meta("sh.helm.release.v1.bad.v1", labels={"owner": "helm", "name": "bad"}),
                "type": "helm.sh/release.v1", "data": {"release": base64.b64encode(b"!!").decode()}},
               {"metadata": meta("db-password"), "type": "Opaque", "data": {"password": "aHVudGVy"}}]
    decoder = ReleaseDecoder()
    found = decoder.releases(Snapshot.of(Secret=secrets))
    latest = found.latest()
    assert [(r.name, r.revision, r.status, r.chart_text, r.app_version) for r in latest] == [
        ("cache", 1, "failed", "shop-api-1.2.0", "4.2.0"), ("shop-api", 2, "deployed", "shop-api-1.2.0", "4.2.0")]
    assert latest[1].updated is not None and latest[1].description == "Upgrade complete"
    assert [r.revision for r in found.history("shop", "shop-api")] == [1, 2]
    assert [(e.storage, e.error) for e in found.errors] == [("Secret sh.helm.release.v1.bad.v1",
                                                             "the release payload is not valid base64")]


def test_values_are_hidden_until_asked_for():
    decoder = ReleaseDecoder()
    snap = Snapshot.of(Secret=[release_secret(release(1, "superseded")), release_secret(release(2))])
    detail = decoder.detail(snap, "shop", "shop-api")
    assert detail.release.revision == 2
    assert "hunter2" not in repr(detail) and "hunter2" not in repr(detail.release)
    assert "hunter2" not in str(decoder.releases(snap))
    assert detail.values_yaml() == "db:\n  password: hunter2-s3cret\nreplicaCount: 3\n"
    merged = detail.values_yaml(all_values=True)
    assert "host: db" in merged and "password: hunter2-s3cret" in merged and "replicaCount: 3" in merged
    assert detail.notes == "Visit http://shop.example.com"
    assert detail.hooks == ("Job shop-api-migrate (pre-upgrade)",)
    assert decoder.detail(snap, "shop", "shop-api", revision=1).release.status == "superseded"
    with pytest.raises(HelmDecodeError, match="no revision 7 of release shop-api in namespace shop"):
        decoder.detail(snap, "shop", "shop-api", revision=7)


def test_manifest_objects_and_what_is_live():
    objs = manifest_objects(MANIFEST, "shop")
    assert [(o.kind, o.namespace, o.name) for o in objs] == [
        ("Service", "shop", "shop-api"), ("Deployment", "shop", "shop-api"), ("ClusterRole", "", "shop-api-reader"),
        ("ConfigMap", "shop", "shop-api-flags")]
    assert objs[0].source == "shop-api/templates/service.yaml"
    snap = Snapshot.of(Secret=[release_secret(release())], Service=[service("shop-api", {"app": "x"})],
                       Deployment=[], ConfigMap=[])
    detail = ReleaseDecoder().detail(snap, "shop", "shop-api")
    states = {(o.object.kind, o.object.name): o.state for o in owned_objects(detail, snap)}
    assert states == {("Service", "shop-api"): "live", ("Deployment", "shop-api"): "missing",
                      ("ClusterRole", "shop-api-reader"): "unknown", ("ConfigMap", "shop-api-flags"): "missing"}
    live = next(o for o in owned_objects(detail, snap) if o.state == "live")
    assert live.uid.startswith("uid-shop-api")


def test_decoding_is_cached_per_resource_version():
    decoder = ReleaseDecoder()
    secret = release_secret(release())
    snap = Snapshot.of(Secret=[secret])
    first = decoder.releases(snap).revisions[0]
    secret["data"]["release"] = "garbage that would fail"  # same resourceVersion: not decoded again
    assert decoder.releases(snap).revisions[0] == first
    secret["metadata"]["resourceVersion"] = "2"
    assert decoder.releases(snap).errors
