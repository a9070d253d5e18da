"""The official `kubernetes` Python client against the demo cluster, unmodified: lists, watches, logs with
follow, dry-run and real scale, optimistic concurrency — and Prometheus scraping the demo for real."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from conftest import wait_for
from kubernetes import client, config, watch
from prometheus_api_client import PrometheusConnect


@pytest.fixture(scope="module")
def api(demo) -> Iterator[client.ApiClient]:
    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        yield api_client


def test_list_pods_across_namespaces(api, demo) -> None:
    pods = client.CoreV1Api(api).list_pod_for_all_namespaces()
    namespaces = {p.metadata.namespace for p in pods.items}
    assert {"shop", "team-a", "kube-system", "monitoring"} <= namespaces
    kubectl_names = set(demo.kubectl("get", "pods", "-A", "-o", "name").stdout.split())
    assert {f"pod/{p.metadata.name}" for p in pods.items} == kubectl_names


def test_paged_list_follows_continue(api) -> None:
    core = client.CoreV1Api(api)
    names, token = [], None
    while True:
        page = core.list_pod_for_all_namespaces(limit=4, _continue=token)
        assert len(page.items) <= 4
        names += [p.metadata.name for p in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert sorted(names) == sorted(p.metadata.name for p in core.list_pod_for_all_namespaces().items)


def test_watch_receives_added_modified_deleted(api) -> None:
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map("team-a").metadata.resource_version
    seen: list[tuple[str, str]] = []

    def make_changes() -> None:  # the watch starts from rv: changes made before it connects still arrive
        core.create_namespaced_config_map("team-a", {"metadata": {"name": "watch-me"}, "data": {"a": "1"}})
        core.patch_namespaced_config_map("watch-me", "team-a", {"data": {"a": "2"}})
        core.delete_namespaced_config_map("watch-me", "team-a")

    worker = threading.Thread(target=make_changes)
    worker.start()
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_config_map, "team-a", resource_version=rv, timeout_seconds=10):
        if event["object"].metadata.name == "watch-me":
            seen.append((event["type"], event["object"].data["a"]))
        if len(seen) == 3:
            stream.stop()
    worker.join()
    assert seen == [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")]


def test_too_old_watch_gets_410(api, demo) -> None:
    core = client.CoreV1Api(api)
    old_rv = core.list_namespaced_pod("shop").metadata.resource_version
    demo.kubectl("annotate", "cm", "--all", "-n", "team-a", f"touched={time.time()}", "--overwrite")
    demo.admin("compact", {})
    with pytest.raises(client.ApiException) as err:
        for _ in watch.Watch().stream(core.list_namespaced_pod, "shop", resource_version=str(int(old_rv) - 1),
                                      timeout_seconds=5):
            pass
    assert err.value.status == 410


def test_read_pod_log_follow_streams_new_lines(api) -> None:
    core = client.CoreV1Api(api)
    pod = next(p for p in core.list_namespaced_pod("shop", label_selector="app=api,version=blue").items
               if p.status.phase == "Running")
    response = core.read_namespaced_pod_log(pod.metadata.name, "shop", follow=True, tail_lines=1,
                                            _preload_content=False, _request_timeout=(5, 30))
    started = time.monotonic()
    lines: list[str] = []
    try:
        for chunk in response.stream(1024):
            lines += [line for line in chunk.decode(errors="replace").splitlines() if line]
            if len(lines) >= 4 or time.monotonic() - started > 20:
                break
    finally:
        response.release_conn()
    assert len(lines) >= 4, lines
    seqs = [int(line.rsplit("seq=", 1)[1].split()[0]) for line in lines if "seq=" in line]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_scale_dry_run_changes_nothing_then_scale_converges(api, demo) -> None:
    apps = client.AppsV1Api(api)
    before = apps.read_namespaced_deployment("legacy-report", "shop")
    seq = demo.request_seq()
    dry = apps.patch_namespaced_deployment_scale("legacy-report", "shop", {"spec": {"replicas": 3}}, dry_run="All")
    assert dry.spec.replicas == 3
    after = apps.read_namespaced_deployment("legacy-report", "shop")
    assert after.spec.replicas == before.spec.replicas == 1
    assert after.metadata.resource_version == before.metadata.resource_version
    assert not any(r["mutating"] for r in demo.requests_since(seq))
    try:
        apps.patch_namespaced_deployment_scale("legacy-report", "shop", {"spec": {"replicas": 3}})
        wait_for(lambda: (apps.read_namespaced_deployment("legacy-report", "shop").status.ready_replicas or 0) == 3,
                 timeout=30, message="3 ready replicas")
    finally:
        apps.patch_namespaced_deployment_scale("legacy-report", "shop", {"spec": {"replicas": 1}})


def test_stale_update_is_a_409(api) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map("team-a", {"metadata": {"name": "cas"}, "data": {"v": "0"}})
    try:
        stale = core.read_namespaced_config_map("cas", "team-a")
        core.patch_namespaced_config_map("cas", "team-a", {"data": {"v": "1"}})
        stale.data = {"v": "clobber"}
        with pytest.raises(client.ApiException) as err:
            core.replace_namespaced_config_map("cas", "team-a", stale)
        assert err.value.status == 409
        assert core.read_namespaced_config_map("cas", "team-a").data == {"v": "1"}
    finally:
        core.delete_namespaced_config_map("cas", "team-a")


def test_prometheus_scrapes_the_demo_request_rate_by_version(demo) -> None:
    if not demo.prometheus_url:
        pytest.skip("no prometheus binary on PATH (CI installs the Debian package)")
    prom = PrometheusConnect(url=demo.prometheus_url, disable_ssl=True)
    query = 'sum by (version) (rate(http_requests_total{namespace="shop",app="api"}[30s]))'

    def blue_rate() -> float:
        for series in prom.custom_query(query):
            if series["metric"].get("version") == "blue":
                return float(series["value"][1])
        return 0.0

    assert wait_for(blue_rate, timeout=60, interval=1.0, message="a blue request rate in Prometheus") > 0
