"""Table informers: the server's columns and rows for any kind, live; forbidden kinds; server-side selectors."""

from __future__ import annotations

import json

import orjson
import pytest

from k8stui.cluster.connection import load_target
from k8stui.cluster.kinds import CONFIGMAPS, PODS, ResourceKind
from k8stui.cluster.selector import LabelSelector
from k8stui.cluster.store import Health, InformerHub
from k8stui.cluster.tables import DATE, INTEGER, STRING, TableColumn, TableInformer, cell_text, sort_key

from .helpers import kubectl, unique, until


@pytest.fixture
async def dev_hub(demo):
    hub = InformerHub(load_target(demo.kubeconfig, "demo-dev", None), linger=0)
    yield hub
    await hub.close()


def cells(informer: TableInformer, name: str) -> dict[str, str]:
    row = informer.row_by_name(informer.namespace, name)
    assert row is not None, name
    return {c.header: cell_text(c, v) for c, v in zip(informer.columns, row.cells, strict=True)}


async def test_configmaps_as_kubectl_prints_them_live(demo, hub):
    ns = unique("tbl")
    await kubectl(demo, "create", "namespace", ns)
    try:
        informer = hub.acquire(CONFIGMAPS, ns, table=True)
        assert isinstance(informer, TableInformer)
        assert await informer.wait_synced(10)
        await kubectl(demo, "create", "configmap", "settings", "-n", ns, "--from-literal=a=1")
        await until(lambda: informer.row_by_name(ns, "settings") is not None, timeout=5, message="row added")
        header = (await kubectl(demo, "get", "configmaps", "-n", ns)).stdout.split("\n")[0].split()
        assert [c.header for c in informer.columns if not c.wide] == header == ["NAME", "DATA", "AGE"]
        assert cells(informer, "settings")["DATA"] == "1"
        # kube-apiserver declares DATA a string column but sends a number: it stays one, to sort as one
        assert isinstance(informer.row_by_name(ns, "settings").cells[1], int)
        await kubectl(demo, "patch", "configmap", "settings", "-n", ns, "--type=merge", "-p",
                      json.dumps({"data": {"b": "2", "c": "3"}}))
        await until(lambda: cells(informer, "settings")["DATA"] == "3", timeout=5, message="DATA 3 after patch")
        row = informer.row_by_name(ns, "settings")
        assert row.namespace == ns and row.created is not None and row.uid
        assert cells(informer, "settings")["AGE"].endswith("s")
        await kubectl(demo, "delete", "configmap", "settings", "-n", ns)
        await until(lambda: informer.row_by_name(ns, "settings") is None, timeout=5, message="row deleted")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def test_pods_table_has_wide_columns_and_agrees_with_the_object_informer(demo, hub):
    table = hub.acquire(PODS, "shop", table=True)
    objects = hub.acquire(PODS, "shop")
    assert table is not objects  # same kind, another representation: not shared
    assert await table.wait_synced(10) and await objects.wait_synced(10)
    assert [c.header for c in table.columns if not c.wide][:3] == ["NAME", "READY", "STATUS"]
    assert {"IP", "NODE"} <= {c.header for c in table.columns if c.wide}
    await until(lambda: {r.name for r in table.rows()} == {o["metadata"]["name"] for o in objects.objects()},
                timeout=10, message="the table and the objects list the same pods")
    hub.release(table)
    assert hub.peek(PODS, "shop", table=True) is None and hub.peek(PODS, "shop") is objects


async def test_forbidden_for_the_developer_outside_their_namespace(demo, dev_hub):
    outside = dev_hub.acquire(CONFIGMAPS, "shop", table=True)
    inside = dev_hub.acquire(CONFIGMAPS, "team-a", table=True)
    await until(lambda: outside.health.state is Health.FORBIDDEN, timeout=10, message="forbidden in shop")
    assert "forbidden" in outside.health.error and len(outside) == 0
    assert await inside.wait_synced(10) and inside.health.state is Health.SYNCED
    assert "configmaps in shop" in dev_hub.health().forbidden


async def test_server_side_selector_agrees_with_the_local_matcher(demo, hub):
    text = "app=api,version!=green"
    selector = LabelSelector.parse(text)
    filtered = hub.acquire(PODS, "shop", table=True, label_selector=str(selector))
    everything = hub.acquire(PODS, "shop", table=True)
    assert filtered is not everything
    assert await filtered.wait_synced(10) and await everything.wait_synced(10)

    def agree() -> bool:
        local = {r.name for r in everything.rows() if selector.matches(r.labels)}
        return bool(local) and local == {r.name for r in filtered.rows()}

    await until(agree, timeout=10, message="server and local selector select the same pods")
    assert all(r.labels.get("version") != "green" for r in filtered.rows())
    kubectl_names = set((await kubectl(demo, "get", "pods", "-n", "shop", "-l", text, "-o", "name")).stdout.split())
    await until(lambda: {f"pod/{r.name}" for r in filtered.rows()} == kubectl_names, timeout=10,
                message="kubectl -l and the informer agree")


def _event(etype: str, table: dict) -> bytes:
    return orjson.dumps({"type": etype, "object": table})


async def test_real_server_watch_shapes():
    """kube-apiserver sends columnDefinitions only in a watch's first event and turns bookmarks into Tables;
    CRD date columns arrive as "5m". The informer keeps its columns and types the cells."""
    kind = ResourceKind("widgets", "Widget", "example.io", "v1", True)
    informer = TableInformer(kind, "ns", client=None)  # type: ignore[arg-type]  # lines are fed directly
    columns = [{"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0},
               {"name": "Replicas", "type": "integer", "format": "", "description": "", "priority": 0},
               {"name": "Last Sync", "type": "date", "format": "", "description": "", "priority": 1},
               {"name": "Age", "type": "date", "format": "", "description": "", "priority": 0}]

    def row(name: str, uid: str, rv: str, replicas, last_sync):
        meta = {"name": name, "namespace": "ns", "uid": uid, "resourceVersion": rv,
                "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": name},
                "managedFields": [{"manager": "kubectl"}]}
        return {"cells": [name, replicas, last_sync, "300d"],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}}

    first = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "10"},
             "columnDefinitions": columns, "rows": [row("a", "u1", "10", 3, "5m")]}
    later = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "11"},
             "columnDefinitions": None, "rows": [row("b", "u2", "11", None, None)]}
    bookmark = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "12"},
                "columnDefinitions": None, "rows": [{"cells": ["", None, None, "<unknown>"], "object": {
                    "kind": "PartialObjectMetadata", "metadata": {"resourceVersion": "12"}}}]}
    deleted = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "13"},
               "rows": [row("a", "u1", "13", 3, "5m")]}
    informer._apply_lines([_event("ADDED", first), _event("ADDED", later), _event("BOOKMARK", bookmark)])
    assert [c.name for c in informer.columns] == ["Name", "Replicas", "Last Sync", "Age"]
    assert informer.resource_version == "12" and len(informer) == 2
    a, b = informer.row("u1"), informer.row("u2")
    assert a.cells[1] == 3 and b.cells[1] is None and a.labels == {"app": "a"}
    assert "managedFields" not in informer.get("u1")["metadata"]
    replicas, last_sync, age = informer.columns[1], informer.columns[2], informer.columns[3]
    assert cell_text(last_sync, a.cells[2], now=a.cells[2] + 360) == "6m"   # "5m" when received, moving on
    assert cell_text(age, a.cells[3], now=a.created + 90) == "90s"          # the age column: from metadata
    assert cell_text(replicas, b.cells[1]) == ""
    assert sort_key(replicas, a.cells[1]) < sort_key(replicas, b.cells[1])  # empty cells sort last
    informer._apply_lines([_event("DELETED", deleted)])
    assert informer.row("u1") is None and informer.resource_version == "13"


def test_cells_render_and_sort_by_type():
    integer, text, date = TableColumn("Restarts", INTEGER), TableColumn("Status", STRING), TableColumn("At", DATE)
    assert sorted([10, 9, None, 100], key=lambda v: sort_key(integer, v)) == [9, 10, 100, None]
    assert cell_text(text, "line one\nline two") == "line one..."
    assert cell_text(text, "\x1b]0;pwned\x07ok") == "ok"  # no terminal control sequences from the server
    assert cell_text(TableColumn("Ready", "boolean"), True) == "true"
    assert cell_text(TableColumn("Ratio", "number"), 0.5) == "0.5"
    assert cell_text(TableColumn("Ratio", "number"), 2.0) == "2"
    assert sorted([100.0, 300.0, 200.0], key=lambda v: sort_key(date, v)) == [300.0, 200.0, 100.0]  # youngest first
    assert cell_text(date, "<unknown>") == "<unknown>"


async def test_a_server_without_tables_gets_kubectl_default_columns(demo, hub):
    """Aggregated APIs such as metrics.k8s.io answer a plain list: NAME and AGE, as kubectl shows them; they
    cannot be watched, so the informer lists them again now and then."""
    metrics = ResourceKind("pods", "PodMetrics", "metrics.k8s.io", "v1beta1", True, verbs=("get", "list"))
    informer = hub.acquire(metrics, "shop", table=True)
    informer.POLL_INTERVAL = 0.2
    await until(lambda: len(informer) > 0, timeout=10, message="pod metrics listed")
    assert [c.header for c in informer.columns] == ["NAME", "AGE"]
    row = informer.rows()[0]
    assert row.cells[0] == row.name
    await until(lambda: informer.lists >= 3, timeout=10, message="listed again")
    assert informer.health.state is Health.SYNCED and informer.watches == 0


async def test_custom_resources_with_their_printer_columns(demo, hub):
    """A CRD's additionalPrinterColumns come through the server's Table, live, as kubectl prints them."""
    certificates = ResourceKind("certificates", "Certificate", "demo.k8stui.io", "v1", True)
    ns = unique("crt")
    await kubectl(demo, "create", "namespace", ns)
    try:
        informer = hub.acquire(certificates, ns, table=True)
        assert await informer.wait_synced(10)
        manifest = {"apiVersion": "demo.k8stui.io/v1", "kind": "Certificate",
                    "metadata": {"name": "web-tls", "namespace": ns},
                    "spec": {"secretName": "web-tls", "dnsNames": ["web.example.com"],
                             "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}}}
        await kubectl(demo, "apply", "-f", "-", input=json.dumps(manifest))
        await until(lambda: informer.row_by_name(ns, "web-tls") is not None, timeout=10, message="the certificate")
        out = (await kubectl(demo, "get", "certificates", "-n", ns, "-o", "wide")).stdout.splitlines()
        assert [c.header for c in informer.columns] == out[0].split()
        assert {c.header for c in informer.columns if c.wide} == {"ISSUER", "STATUS"}
        assert cells(informer, "web-tls")["SECRET"] == "web-tls"
        assert cells(informer, "web-tls")["ISSUER"] == "letsencrypt"
        assert cells(informer, "web-tls")["AGE"].endswith("s")
        await kubectl(demo, "patch", "certificate", "web-tls", "-n", ns, "--type=merge", "-p",
                      json.dumps({"spec": {"secretName": "web-tls-2"}}))
        await until(lambda: cells(informer, "web-tls")["SECRET"] == "web-tls-2", timeout=10,
                    message="the printer column follows the object")
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)
