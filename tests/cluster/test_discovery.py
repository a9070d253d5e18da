"""Discovery against the demo cluster: the registry kubectl sees, the per-context disk cache, failures."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from k8stui.cluster.connection import load_target
from k8stui.cluster.discovery import Discovery, cache_file
from k8stui.cluster.kinds import PODS

from .helpers import kubectl, unique, until


def api_resources(demo, context: str = "demo") -> dict[str, dict[str, str]]:
    """``kubectl api-resources`` as {NAME.GROUP: {column: value}} (columns cut at the header's positions)."""
    lines = demo.kubectl("api-resources", context=context).stdout.splitlines()
    header = lines[0]
    names = header.split()
    starts = [header.index(n) for n in names]
    out = {}
    for line in lines[1:]:
        cols = {n: line[s:e].strip() for n, s, e in zip(names, starts, [*starts[1:], None], strict=True)}
        group = cols["APIVERSION"].rpartition("/")[0]
        out[f"{cols['NAME']}.{group}" if group else cols["NAME"]] = cols
    return out


@pytest.fixture
def connection(demo):
    return load_target(demo.kubeconfig, "demo", None)


@pytest.fixture
def cache_path(tmp_path):
    return tmp_path / "discovery.json"


async def test_registry_is_what_kubectl_api_resources_shows(demo, connection, cache_path):
    discovery = Discovery(connection, cache_path=cache_path, watch_crds=False)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15) and not discovery.error
        theirs = await asyncio.to_thread(api_resources, demo)
        ours = {k.key: k for k in discovery.registry}
        assert set(ours) == set(theirs)
        for key, cols in theirs.items():
            kind = ours[key]
            assert kind.api_version == cols["APIVERSION"], key
            assert kind.kind == cols["KIND"], key
            assert str(kind.namespaced).lower() == cols["NAMESPACED"], key
            assert ",".join(kind.short_names) == cols["SHORTNAMES"], key
        assert discovery.registry.resolve("po") is PODS
        assert [k.key for k in discovery.registry.resolve_all("pods")] == ["pods", "pods.metrics.k8s.io"]
    finally:
        await discovery.close()


async def test_a_warm_start_paints_from_the_disk_cache_before_any_request(demo, connection, cache_path):
    first = Discovery(connection, cache_path=cache_path, watch_crds=False)
    first.start()
    assert await first.wait_fresh(15)
    await first.close()
    assert cache_path.exists()

    second = Discovery(connection, cache_path=cache_path, watch_crds=False)
    published: list[tuple[str, int]] = []
    second.subscribe(lambda registry: published.append((registry.source, second.requests)))
    assert second.registry.source == "builtin"  # usable at once, before anything is read
    try:
        second.start()
        await until(lambda: published, timeout=10, message="a registry from the cache")
        assert published[0] == ("cache", 0)
        assert second.registry == first.registry
        assert await second.wait_fresh(15)
        assert second.registry.source == "discovery" and second.registry == first.registry
        assert published == [("cache", 0)]  # the server said the same: nobody is told twice
    finally:
        await second.close()


async def test_each_context_has_its_own_cache_file(demo):
    admin = load_target(demo.kubeconfig, "demo", None)
    dev = load_target(demo.kubeconfig, "demo-dev", None)
    assert cache_file("demo", admin.server) != cache_file("demo-dev", dev.server)
    assert cache_file("a/b:c", admin.server).name.startswith("a_b_c-")


async def test_a_corrupt_cache_is_ignored_and_replaced(demo, connection, cache_path):
    cache_path.write_bytes(b'{"format": 1, "server": "' + connection.server.encode() + b'", "docs": {"/api": 7}')
    discovery = Discovery(connection, cache_path=cache_path, watch_crds=False)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15)
        assert discovery.registry.source == "discovery" and discovery.registry.resolve("hpa") is not None
    finally:
        await discovery.close()
    again = Discovery(connection, cache_path=cache_path, watch_crds=False)
    seen: list[str] = []
    again.subscribe(lambda registry: seen.append(registry.source))
    try:
        again.start()
        await until(lambda: seen, timeout=10)
        assert seen[0] == "cache"
    finally:
        await again.close()


async def test_an_unreachable_server_keeps_the_cached_kinds(demo, connection, cache_path):
    warm = Discovery(connection, cache_path=cache_path, watch_crds=False)
    warm.start()
    assert await warm.wait_fresh(15)
    known = warm.registry
    await warm.close()
    demo.set_faults(fail_next=1000, fail_status=503, path_contains="/api")
    discovery = Discovery(connection, cache_path=cache_path, watch_crds=False, poll_interval=0.2)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15)
        assert "503" in discovery.error
        assert discovery.registry == known and discovery.registry.source == "cache"
        demo.clear_faults()
        await until(lambda: discovery.registry.source == "discovery", timeout=15, message="recovered")
        assert discovery.error == ""
    finally:
        demo.clear_faults()
        await discovery.close()


async def test_resolving_a_name_waits_for_discovery(demo, connection, cache_path):
    discovery = Discovery(connection, cache_path=cache_path, watch_crds=False)
    try:
        assert discovery.registry.resolve("pods.metrics.k8s.io") is None  # not a stock kind
        discovery.start()
        kind = await discovery.resolve("pods.metrics.k8s.io", timeout=15)
        assert kind is not None and kind.kind == "PodMetrics"
        assert await discovery.resolve("nosuchkind", timeout=5) is None
    finally:
        await discovery.close()


def _is_api(path: str) -> bool:
    """A request of the API's own (not Prometheus scraping /metrics, or node-exporter through the pod proxy)."""
    return (path == "/api" or path.startswith(("/api/", "/apis"))) and "/proxy/" not in path


async def test_an_idle_refresh_costs_two_small_requests(demo, connection, cache_path):
    """Polling for new kinds (when CRDs cannot be watched) must stay cheap: /api and /apis only."""
    discovery = Discovery(connection, cache_path=cache_path, watch_crds=False, poll_interval=3600)
    changes: list[object] = []
    discovery.subscribe(changes.append)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15)
        before = discovery.requests
        seq = demo.request_seq()
        assert await discovery.refresh() is False
        assert discovery.requests - before == 2
        paths = [r["path"] for r in await asyncio.to_thread(demo.requests_since, seq) if _is_api(r["path"])]
        assert sorted(paths) == ["/api", "/apis"]
        assert len(changes) == 1  # the first answer only
    finally:
        await discovery.close()


# kubectl <= 1.31 logs `GET https://...`; 1.32+ logs `"Response" verb="GET" url="https://..."`
KUBECTL_LIST = re.compile(r'(?:GET |verb="GET" url=")https?://[^/\s]+(/[^?\s"]+)\?limit=')


def kubectl_resolves(demo, name: str, cache_dir: str) -> str:
    """The collection URL path real kubectl lists for ``kubectl get NAME -A`` (its verbose log says)."""
    proc = demo.kubectl("get", name, "-A", "-v=6", "--cache-dir", cache_dir, check=False)
    paths = [m.group(1) for m in KUBECTL_LIST.finditer(proc.stderr)]
    return paths[-1] if paths else proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("names", [["po", "pods", "Pod", "nodes", "no", "ev", "events", "svc", "deploy",
                                    "deployment.apps", "deployments.v1.apps", "rs", "hpa", "ing", "sa",
                                    "pods.metrics.k8s.io", "nodes.metrics", "sts", "ds", "cj", "jobs", "pvc", "pv",
                                    "sc", "pdb", "netpol", "crd", "cert", "certificates",
                                    "certificate.demo.k8stui.io", "roles", "leases", "endpointslices"]])
async def test_names_resolve_to_what_kubectl_lists(demo, connection, cache_path, tmp_path, names):
    discovery = Discovery(connection, cache_path=cache_path, watch_crds=False)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15)
        registry = discovery.registry
    finally:
        await discovery.close()
    theirs = await asyncio.gather(*(asyncio.to_thread(kubectl_resolves, demo, n, str(tmp_path / "kube")) for n in names))
    for name, path in zip(names, theirs, strict=True):
        kind = registry.resolve(name)
        assert kind is not None and path == kind.path(), f"{name}: kubectl lists {path}, we resolve {kind}"


def crd_manifest(group: str, kind: str, short: str) -> str:
    plural = kind.lower() + "s"
    return json.dumps({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "scope": "Namespaced",
                 "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "shortNames": [short]},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}},
                               "additionalPrinterColumns": [{"name": "Size", "type": "integer",
                                                             "jsonPath": ".spec.size"}]}]}})


async def test_a_warm_start_revalidates_aggregated_discovery_with_etags(demo, connection, cache_path):
    first = Discovery(connection, cache_path=cache_path, watch_crds=False)
    first.start()
    assert await first.wait_fresh(15)
    await first.close()
    assert first.mode == "aggregated"  # one document each for /api and /apis
    seq = demo.request_seq()
    second = Discovery(connection, cache_path=cache_path, watch_crds=False)
    try:
        second.start()
        assert await second.wait_fresh(15)
    finally:
        await second.close()
    records = [(r["path"], r["status"]) for r in await asyncio.to_thread(demo.requests_since, seq)
               if _is_api(r["path"])]
    assert sorted(records) == [("/api", 304), ("/apis", 304)]
    assert second.registry == first.registry and second.not_modified == 2


async def test_a_crd_created_with_kubectl_appears_within_seconds(demo, connection, cache_path):
    group = f"{unique('g')}.example.io"
    kind = "Gizmo" + unique("x")[-6:].capitalize()
    # The admin may list CRDs: they are watched. Polling is off, so only the watch can bring the new kind.
    discovery = Discovery(connection, cache_path=cache_path, poll_interval=3600, poll_interval_watched=3600)
    changes: list[object] = []
    discovery.subscribe(changes.append)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15)
        await until(lambda: discovery.crd_watch_active, timeout=10, message="the CRD watch")
        await kubectl(demo, "apply", "-f", "-", input=crd_manifest(group, kind, "gzm" + group[2:6]))
        await until(lambda: discovery.registry.get(group, kind.lower() + "s") is not None, timeout=10,
                    message="the new CRD in the registry")
        gizmo = discovery.registry.get(group, kind.lower() + "s")
        assert discovery.registry.resolve(kind) == gizmo and discovery.registry.resolve(f"{gizmo.plural}.{group}")
        assert gizmo.kind == kind and gizmo.namespaced and gizmo.listable
        assert any(c.kind == gizmo for c in discovery.registry.complete(kind.lower()[:5]))
        await kubectl(demo, "delete", "crd", f"{gizmo.plural}.{group}")
        await until(lambda: discovery.registry.get(group, gizmo.plural) is None, timeout=10,
                    message="the deleted CRD gone from the registry")
        assert len(changes) >= 3  # the first answer, the new kind, its removal
    finally:
        await kubectl(demo, "delete", "crd", f"{kind.lower()}s.{group}", "--ignore-not-found", check=False)
        await discovery.close()


async def test_without_the_right_to_list_crds_discovery_polls(demo, cache_path):
    dev = load_target(demo.kubeconfig, "demo-dev", None)
    group = f"{unique('p')}.example.io"
    discovery = Discovery(dev, cache_path=cache_path, poll_interval=0.3)
    try:
        discovery.start()
        assert await discovery.wait_fresh(15)
        await until(lambda: not discovery.watch_crds, timeout=10, message="the forbidden CRD watch given up")
        assert not discovery.crd_watch_active
        await kubectl(demo, "apply", "-f", "-", input=crd_manifest(group, "Poller", "pll" + group[2:6]))
        await until(lambda: discovery.registry.get(group, "pollers") is not None, timeout=10,
                    message="the new CRD found by polling")
    finally:
        await kubectl(demo, "delete", "crd", f"pollers.{group}", "--ignore-not-found", check=False)
        await discovery.close()
