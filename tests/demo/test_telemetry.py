"""Demo cluster telemetry: traffic that follows Service selectors, the /metrics body and metrics.k8s.io objects."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from typing import Any

import pytest

from k8stui.demo.resources import DEPLOYMENTS, NAMESPACES, NODES, PODS, SERVICES
from k8stui.demo.sim import SimConfig
from k8stui.demo.store import Store
from k8stui.demo.telemetry import Telemetry, parse_quantity
from tests.cluster.helpers import until

NODE_NAMES = ["aks-nodepool1-00000", "aks-nodepool1-00001", "aks-nodepool1-00002"]


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def add_node(store: Store, name: str, virtual: bool = False) -> None:
    store.create(NODES, {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                               **({"type": "virtual-kubelet"} if virtual else {})}}})
    quantities = {"cpu": "1k" if virtual else "4", "memory": "4Ti" if virtual else "16393524Ki", "pods": "110"}
    allocatable = dict(quantities, cpu="1k" if virtual else "3860m")

    def fill(n: dict[str, Any]) -> None:
        n["status"] = {"capacity": quantities, "allocatable": allocatable,
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "addresses": [{"type": "InternalIP", "address": "10.224.0.4"}],
                       "nodeInfo": {"kubeletVersion": "v1.29.4", "osImage": "Ubuntu 22.04.4 LTS",
                                    "kernelVersion": "5.15.0-1064-azure",
                                    "containerRuntimeVersion": "containerd://1.7.15-1"}}

    store.mutate(NODES, None, name, fill)


def add_pod(store: Store, ns: str, name: str, labels: dict[str, str], image: str, *, ready: bool = True,
            node: str = NODE_NAMES[0], waiting: str | None = None, restarts: int = 0,
            owner: str | None = None) -> None:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "x",
                                    "controller": True}]
    store.create(PODS, {"metadata": meta, "spec": {"containers": [{"name": "main", "image": image}]}})
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": iso(time.time() - 300)}}

    def fill(p: dict[str, Any]) -> None:
        p["spec"]["nodeName"] = node
        p["status"] = {
            "phase": "Running" if not waiting or restarts else "Pending", "podIP": "10.244.1.7",
            "hostIP": "10.224.0.4", "startTime": iso(time.time() - 300),
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [{"name": "main", "image": image, "ready": ready, "restartCount": restarts,
                                   "state": state, "lastState": {}}]}

    store.mutate(PODS, ns, name, fill)


def add_service(store: Store, ns: str, name: str, selector: dict[str, str]) -> None:
    store.create(SERVICES, {"metadata": {"name": name, "namespace": ns},
                            "spec": {"selector": selector, "ports": [{"port": 80}]}})


def shop_store() -> Store:
    """The shop namespace as the scenario builds it: blue live behind ``api``, green behind ``api-preview``."""
    store = Store()
    for ns in ("shop", "team-a"):
        store.create(NAMESPACES, {"metadata": {"name": ns}})
    for i, node in enumerate(NODE_NAMES):
        add_node(store, node)
        add_pod(store, "shop", f"api-blue-{i}", {"app": "api", "version": "blue"}, "ghcr.io/demo/api:1.4.2",
                node=node, owner="api-blue-5d9c")
        add_pod(store, "shop", f"api-green-{i}", {"app": "api", "version": "green"}, "ghcr.io/demo/api:1.5.0",
                node=node, owner="api-green-7f4b")
    add_node(store, "virtual-node-aci", virtual=True)
    add_pod(store, "shop", "frontend-0", {"app": "frontend"}, "ghcr.io/demo/frontend:2.3.0")
    add_pod(store, "shop", "checkout-0", {"app": "checkout"}, "ghcr.io/demo/checkout:v2-broken", ready=False,
            waiting="CrashLoopBackOff", restarts=4)
    add_pod(store, "team-a", "notes-0", {"app": "notes"}, "ghcr.io/demo/notes:0.9", node="virtual-node-aci")
    add_service(store, "shop", "api", {"app": "api", "version": "blue"})
    add_service(store, "shop", "api-preview", {"app": "api", "version": "green"})
    add_service(store, "shop", "frontend", {"app": "frontend"})
    add_service(store, "shop", "checkout", {"app": "checkout"})
    add_service(store, "team-a", "notes", {"app": "notes"})
    store.create(DEPLOYMENTS, {"metadata": {"name": "api-blue", "namespace": "shop"},
                               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                                        "template": {"metadata": {"labels": {"app": "api"}},
                                                     "spec": {"containers": [{"name": "api", "image": "x:1"}]}}}})
    store.mutate(DEPLOYMENTS, "shop", "api-blue", lambda d: d.__setitem__(
        "status", {"replicas": 3, "availableReplicas": 3, "updatedReplicas": 3, "readyReplicas": 3}))
    return store


def requests_by(tel: Telemetry, **match: str) -> int:
    keys = ("namespace", "app", "version", "code")
    return sum(v for k, v in tel.requests.items()
               if all(dict(zip(keys, k, strict=True))[f] == want for f, want in match.items()))


def parse_exposition(body: bytes) -> dict[str, float]:
    """A strict reading of the text format: families contiguous, TYPE before samples, no duplicate series."""
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? '
                           r'(-?[0-9.eE+-]+|NaN|[+-]Inf)$')
    text = body.decode("utf-8")
    assert text.endswith("\n")
    series: dict[str, float] = {}
    typed: dict[str, str] = {}
    finished: set[str] = set()
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert name not in finished and name not in typed, f"family {name} appears twice"
            if current:
                finished.add(current)
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, mtype = line.split(" ")
            assert name == current and mtype in ("counter", "gauge")
            typed[name] = mtype
            continue
        m = sample_re.match(line)
        assert m, f"bad sample line: {line!r}"
        assert m.group(1) == current, f"{m.group(1)} outside its family block"
        key = m.group(1) + (m.group(2) or "")
        assert key not in series, f"duplicate series {key}"
        series[key] = float(m.group(3))
    return series


def value(series: dict[str, float], name: str, **labels: str) -> list[float]:
    """Values of the series of ``name`` whose labels include ``labels``."""
    out = []
    for key, v in series.items():
        if not key.startswith(name + "{") and key != name:
            continue
        if all(f'{k}="{want}"' in key for k, want in labels.items()):
            out.append(v)
    return out


# -- traffic ----------------------------------------------------------------------------------------------------
def test_traffic_follows_the_service_selector() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1))
    for _ in range(5):
        tel.tick(dt=2.0)
    blue, green = requests_by(tel, app="api", version="blue"), requests_by(tel, app="api", version="green")
    assert 10 * 40 <= blue <= 10 * 60 * 1.1  # api: 40-60 req/s
    assert 0 < green < blue / 5  # only the preview Service reaches green
    assert requests_by(tel, app="frontend") > 10 * 15 and 0 < requests_by(tel, app="notes") < 10 * 8
    assert requests_by(tel, app="checkout") == 0  # not ready: no traffic

    def flip(svc: dict[str, Any]) -> None:
        svc["spec"]["selector"]["version"] = "green"

    store.mutate(SERVICES, "shop", "api", flip)
    for _ in range(5):
        tel.tick(dt=2.0)
    assert requests_by(tel, app="api", version="blue") == blue  # blue's counter stopped
    assert requests_by(tel, app="api", version="green") - green >= 10 * 40
    green_pods = [tel.pod_rps[store.must_get(PODS, "shop", f"api-green-{i}")["metadata"]["uid"]] for i in range(3)]
    assert all(rps > 12 for rps in green_pods)
    assert sum(tel.pod_rps.get(store.must_get(PODS, "shop", f"api-blue-{i}")["metadata"]["uid"], 0.0)
               for i in range(3)) == 0


def test_codes_and_green_errs_more() -> None:
    store = shop_store()
    store.mutate(SERVICES, "shop", "api", lambda s: s["spec"].__setitem__("selector", {"app": "api"}))
    tel = Telemetry(store, SimConfig(seed=3))
    for _ in range(60):  # 5 minutes: ~7,500 requests per version
        tel.tick(dt=5.0)
    codes = {k[3] for k in tel.requests}
    assert codes == {"200", "201", "404", "500", "503"}

    def ratio(version: str) -> float:
        errors = sum(requests_by(tel, app="api", version=version, code=c) for c in ("500", "503"))
        return errors / requests_by(tel, app="api", version=version)

    assert 0.005 < ratio("blue") < ratio("green") < 0.05


def test_unready_and_terminating_pods_get_no_traffic() -> None:
    store = shop_store()
    store.mutate(PODS, "shop", "api-blue-1",
                 lambda p: p["status"]["conditions"][0].__setitem__("status", "False"))
    store.delete(PODS, "shop", "api-blue-2")  # graceful: only marked Terminating
    tel = Telemetry(store, SimConfig(seed=1))
    tel.tick(dt=1.0)
    uid = {name: store.must_get(PODS, "shop", name)["metadata"]["uid"] for name in ("api-blue-0", "api-blue-1",
                                                                                     "api-blue-2")}
    assert tel.pod_rps[uid["api-blue-0"]] > 35
    assert uid["api-blue-1"] not in tel.pod_rps and uid["api-blue-2"] not in tel.pod_rps


def test_cpu_follows_load() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1))
    for _ in range(10):
        tel.tick(dt=1.0)
    series = parse_exposition(tel.render_metrics())
    blue = value(series, "container_cpu_usage_seconds_total", pod="api-blue-0")
    green = value(series, "container_cpu_usage_seconds_total", pod="api-green-0")
    assert blue[0] > 3 * green[0] > 0
    store.mutate(SERVICES, "shop", "api", lambda s: s["spec"]["selector"].__setitem__("version", "green"))
    for _ in range(10):
        tel.tick(dt=1.0)
    later = parse_exposition(tel.render_metrics())
    blue_gain = value(later, "container_cpu_usage_seconds_total", pod="api-blue-0")[0] - blue[0]
    green_gain = value(later, "container_cpu_usage_seconds_total", pod="api-green-0")[0] - green[0]
    assert green_gain > 3 * blue_gain > 0


# -- exposition -------------------------------------------------------------------------------------------------
def test_exposition_parses_and_carries_the_cluster_state() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1))
    tel.tick(dt=1.0)
    tel.tick(dt=1.0)
    body = tel.render_metrics()
    series = parse_exposition(body)
    text = body.decode()
    for name in ("http_requests_total", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                 "kube_pod_info", "kube_pod_status_phase", "kube_pod_container_status_restarts_total",
                 "kube_pod_container_status_waiting_reason", "kube_pod_container_status_ready",
                 "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available",
                 "kube_deployment_status_replicas_updated", "kube_node_status_allocatable",
                 "kube_node_status_capacity", "kube_node_info"):
        assert f"# HELP {name} " in text and f"# TYPE {name} " in text, name
    assert value(series, "kube_pod_container_status_waiting_reason", pod="checkout-0",
                 reason="CrashLoopBackOff") == [1.0]
    assert value(series, "kube_pod_container_status_restarts_total", pod="checkout-0") == [4.0]
    assert value(series, "kube_pod_status_phase", pod="api-blue-0", phase="Running") == [1.0]
    assert value(series, "kube_pod_status_phase", pod="api-blue-0", phase="Pending") == [0.0]
    assert value(series, "kube_pod_info", pod="api-blue-1", node=NODE_NAMES[1], created_by_kind="ReplicaSet",
                 created_by_name="api-blue-5d9c", pod_ip="10.244.1.7") == [1.0]
    assert value(series, "kube_deployment_spec_replicas", deployment="api-blue") == [3.0]
    assert value(series, "kube_node_status_allocatable", node=NODE_NAMES[0], resource="cpu", unit="core") == [3.86]
    assert value(series, "kube_node_status_allocatable", node=NODE_NAMES[0], resource="memory",
                 unit="byte") == [16393524 * 1024]
    assert value(series, "kube_node_status_allocatable", node=NODE_NAMES[0], resource="pods") == [110.0]
    mem = value(series, "container_memory_working_set_bytes", pod="api-blue-0", container="main",
                node=NODE_NAMES[0], namespace="shop")
    assert len(mem) == 1 and 50 * 2**20 < mem[0] < 200 * 2**20
    assert not value(series, "container_cpu_usage_seconds_total", pod="checkout-0")  # not running
    # Cached until something changes; a tick makes a new body.
    assert tel.render_metrics() is body
    tel.tick(dt=1.0)
    assert tel.render_metrics() != body


def test_label_values_are_escaped() -> None:
    store = shop_store()
    add_pod(store, "shop", "odd-0", {"app": 'we"ird\\app', "version": "line\nbreak"}, "busybox:1")
    add_service(store, "shop", "odd", {"app": 'we"ird\\app'})
    tel = Telemetry(store, SimConfig(seed=1))
    tel.tick(dt=5.0)
    body = tel.render_metrics()
    parse_exposition(body)
    assert b'app="we\\"ird\\\\app",version="line\\nbreak"' in body


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Prometheus' own parser) is not installed")
def test_promtool_accepts_the_exposition() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1))
    tel.tick(dt=1.0)
    proc = subprocess.run(["promtool", "check", "metrics"], input=tel.render_metrics(), capture_output=True,
                          timeout=30)
    out = (proc.stdout + proc.stderr).decode()
    assert "parsing error" not in out and "error while linting" not in out, out
    assert proc.returncode == 0, out


# -- metrics.k8s.io -------------------------------------------------------------------------------------------
def test_pod_metrics_shape() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1))
    for _ in range(3):
        tel.tick(dt=1.0)
    items = tel.pod_metrics("shop", None)
    names = {i["metadata"]["name"] for i in items}
    assert "api-blue-0" in names and "checkout-0" not in names  # only pods with running containers
    assert all(i["metadata"]["namespace"] == "shop" for i in items)
    one = tel.pod_metrics("shop", "api-blue-0")
    assert len(one) == 1
    pm = one[0]
    assert pm["kind"] == "PodMetrics" and pm["apiVersion"] == "metrics.k8s.io/v1beta1"
    assert pm["metadata"]["labels"] == {"app": "api", "version": "blue"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", pm["timestamp"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", pm["metadata"]["creationTimestamp"])
    assert re.fullmatch(r"\d+(\.\d+)?s", pm["window"])
    [container] = pm["containers"]
    assert container["name"] == "main"
    assert re.fullmatch(r"\d+n", container["usage"]["cpu"]) and re.fullmatch(r"\d+Ki", container["usage"]["memory"])
    cores = parse_quantity(container["usage"]["cpu"])
    assert 0.02 < cores < 0.2  # ~17 req/s at 3 ms each plus a little idle
    assert tel.pod_metrics("shop", "nope") == []
    assert len(tel.pod_metrics(None, None)) == len(items) + 1  # + notes in team-a


def test_node_metrics_sum_their_pods() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1))
    tel.tick(dt=1.0)
    nodes = {n["metadata"]["name"]: n for n in tel.node_metrics(None)}
    assert set(nodes) == {*NODE_NAMES, "virtual-node-aci"}
    node = nodes[NODE_NAMES[0]]
    assert node["kind"] == "NodeMetrics" and node["metadata"]["labels"]["kubernetes.io/hostname"] == NODE_NAMES[0]
    pods_cpu = sum(parse_quantity(c["usage"]["cpu"]) for p in tel.pod_metrics(None, None)
                   for c in p["containers"] if store.must_get(PODS, p["metadata"]["namespace"],
                                                              p["metadata"]["name"])["spec"]["nodeName"] == NODE_NAMES[0])
    node_cpu = parse_quantity(node["usage"]["cpu"])
    assert pods_cpu < node_cpu < pods_cpu + 0.25
    assert parse_quantity(node["usage"]["memory"]) > 700 * 2**20
    assert tel.node_metrics("virtual-node-aci")[0]["metadata"]["name"] == "virtual-node-aci"
    assert tel.node_metrics("missing") == []


# -- running and scale ----------------------------------------------------------------------------------------
async def test_start_ticks_and_stop_cancels() -> None:
    store = shop_store()
    tel = Telemetry(store, SimConfig(seed=1), tick_seconds=0.2)
    tel.start()
    try:
        await until(lambda: tel.tick_no >= 4, timeout=10, message="four ticks")
        assert requests_by(tel, app="api", version="blue") > 0
    finally:
        await tel.stop()
    ticks = tel.tick_no
    # "No more ticks" over a window ended by a positive signal rather than a fixed time: two ticks of a twin
    # started now with the same period, in which a telemetry that kept running would have ticked too.
    twin = Telemetry(shop_store(), SimConfig(seed=1), tick_seconds=0.2)
    twin.start()
    try:
        await until(lambda: twin.tick_no >= 3, timeout=10, message="two ticks of the twin")
    finally:
        await twin.stop()
    assert tel.tick_no == ticks


def test_ten_thousand_pods_render_fast(monkeypatch) -> None:
    import k8stui.demo.telemetry as telemetry_module
    blocks_made = 0
    pod_blocks = telemetry_module._pod_blocks

    def counted_pod_blocks(pod: Any) -> Any:
        nonlocal blocks_made
        blocks_made += 1
        return pod_blocks(pod)

    monkeypatch.setattr(telemetry_module, "_pod_blocks", counted_pod_blocks)
    store = shop_store()
    store.create(NAMESPACES, {"metadata": {"name": "bench"}})
    t0 = time.perf_counter()
    for i in range(10_000):
        add_pod(store, "bench", f"bench-{i:05d}", {"app": "bench", "version": "v1"}, "nginx:1.27",
                node=NODE_NAMES[i % 3])
    add_service(store, "bench", "bench", {"app": "bench"})
    built = time.perf_counter() - t0
    tel = Telemetry(store, SimConfig(seed=1))
    tick = tel.tick(dt=1.0).seconds
    t0 = time.perf_counter()
    body = tel.render_metrics()
    first = time.perf_counter() - t0
    assert blocks_made > 10_000 and tel.render_metrics() is body  # cached until the next tick
    made, blocks_made = blocks_made, 0
    tel.tick(dt=1.0)
    t0 = time.perf_counter()
    tel.render_metrics()
    steady = time.perf_counter() - t0
    t0 = time.perf_counter()
    pm = tel.pod_metrics(None, None)
    top = time.perf_counter() - t0
    print(f"\n10k pods: store {built:.2f}s, tick {tick * 1000:.0f} ms, first render {first * 1000:.0f} ms, "
          f"next render {steady * 1000:.0f} ms ({len(body) / 1e6:.1f} MB), pod_metrics {top * 1000:.0f} ms")
    assert len(pm) > 10_000 and body.count(b"\n") > 100_000
    # Counted work, not a time: the next tick's render reuses every unchanged pod's lines (the printed times are
    # for a person; figures belong in benchmarks/).
    assert made > 10_000 and blocks_made == 0


def test_the_history_ends_where_the_live_counters_start() -> None:
    """The backfilled history's last request sample is at ``end`` itself, with the counters it returns for the live
    telemetry to go on from: no seconds of requests fall between the two (a rate() would dip after the start)."""
    from k8stui.demo.history import PastStore, render_history

    end = 1_800_000_000.0
    text, counters = render_history(PastStore(shop_store()), SimConfig(seed=1), end, seconds=120)
    samples = [line.rsplit(" ", 2) for line in text.splitlines()
               if line.startswith('http_requests_total{namespace="shop",app="api",version="blue",code="200"')]
    assert [int(t) for _, _, t in samples][-1] == int(end)
    assert int(samples[-1][1]) == counters[("shop", "api", "blue", "200")] > 0
