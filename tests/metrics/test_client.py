"""Prometheus access against the demo's real Prometheus: range queries, the service proxy through the API
server, bearer tokens, basic auth, CA files, and one-line errors for bad PromQL, wrong URLs and 401."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from statistics import median

import pytest
import yaml

from k8stui.cluster.connection import load_target
from k8stui.metrics.client import PromClient
from k8stui.metrics.errors import PrometheusUnavailable, PromQLError
from k8stui.metrics.series import query_metrics
from k8stui.metrics.source import PrometheusOptions, endpoint_for
from k8stui.metrics.targets import Target
from k8stui.metrics.templates import Templates
from tests.conftest import PROXY_PATH, wait_for

API_BLUE = Target("deployment", "api-blue", "shop", app="api", label_selector="app=api,version=blue")


def _admin_token(demo) -> str:
    doc = yaml.safe_load(open(demo.kubeconfig))
    return next(u["user"]["token"] for u in doc["users"] if u["user"].get("token"))


def _wait_for_series(client: PromClient, timeout: float = 120.0):
    """Until api-blue's graphs have data and its requests a minute of points (13 at a 5 s step): at once with the
    demo's backfilled hour; without promtool (no history) after a minute of scrapes, so that the median is not
    only rate()'s first, partial windows."""
    def snapshot():
        snap = query_metrics(client, Templates(), API_BLUE, "5m", 60)
        if not all(m.has_data for m in snap.metrics if m.key in ("cpu", "memory", "requests")):
            return None
        blue = snap.metric("requests").named("blue")
        return snap if blue is not None and len(blue.points) >= 13 else None
    return wait_for(snapshot, timeout=timeout, interval=1, message="api-blue's cpu, memory and requests series")


def test_range_queries_for_api_blue_in_display_units(prometheus):
    client = PromClient(endpoint_for(prometheus))
    try:
        snapshot = _wait_for_series(client)
    finally:
        client.close()
    assert snapshot.source == "prometheus" and snapshot.step == 5  # 5 minutes over 60 columns
    cpu, memory, requests = (snapshot.metric(k) for k in ("cpu", "memory", "requests"))
    # The typical value over the range, not the newest point: a freshly started demo's newest points sit on the
    # seam between the backfilled hour and the live counters, where rate() dips (to 4 req/s for a 50 req/s
    # Service on a loaded machine, whose pods take long to be ready). Units are what this test is about: cores
    # not millicores, MiB not bytes, req/s not a counter or req/min.
    assert cpu.unit == "cores" and 0 < median(cpu.series[0].values) < 4
    assert memory.unit == "MiB" and 50 < median(memory.series[0].values) < 2000  # bytes were converted
    # the demo sends api (selector version=blue) 50 req/s and api-canary 2 req/s over both colours
    assert requests.unit == "req/s" and 5 < median(requests.named("blue").values) < 200
    assert {"blue", "green"} <= {s.name for s in requests.series}
    times = [t for t, _ in cpu.series[0].points]
    assert times == sorted(times) and all(b - a == 5 for a, b in zip(times, times[1:], strict=False))


def test_bad_promql_is_prometheus_error_in_one_line(prometheus):
    client = PromClient(endpoint_for(prometheus))
    with pytest.raises(PromQLError) as err:
        client.query("sum(rate(http_requests_total[1m]")
    assert str(err.value).startswith("bad PromQL: ") and "parse error" in str(err.value)
    assert "\n" not in str(err.value)
    # A broken template makes only its own graph show the error; the others still have data.
    templates = Templates({"deployment.memory": "sum(container_memory_working_set_bytes{"})
    snapshot = query_metrics(client, templates, API_BLUE, "5m", 60)
    assert snapshot.metric("memory").error.startswith("bad PromQL: ") and snapshot.metric("cpu").error == ""


def test_wrong_url_and_not_prometheus_are_one_line(prometheus):
    for url, expected in (("http://127.0.0.1:9", "Prometheus unreachable at http://127.0.0.1:9: connection refused"),
                          (prometheus + "/nope", "(404 Not Found): check the URL")):
        with pytest.raises(PrometheusUnavailable) as err:
            PromClient(endpoint_for(url)).check()
        assert expected in str(err.value) and "\n" not in str(err.value)


def test_service_proxy_through_the_api_server_with_kubeconfig_credentials(demo, prometheus):
    connection = load_target(demo.kubeconfig, "demo", None)
    endpoint = endpoint_for("service:monitoring/prometheus:9090", connection=connection)
    assert endpoint.via == "service proxy" and endpoint.url == demo.url + PROXY_PATH
    client = PromClient(endpoint)
    try:
        assert client.query("up").result_type == "vector"
    finally:
        client.close()
    # The developer context may not read services in `monitoring`: a 403 in one line.
    dev = endpoint_for("service:monitoring/prometheus:9090", connection=load_target(demo.kubeconfig, "demo-dev", None))
    with pytest.raises(PrometheusUnavailable) as err:
        PromClient(dev).check()
    assert "403 Forbidden" in str(err.value) and "\n" not in str(err.value)


def test_bearer_token_and_ca_file_and_401(demo, prometheus):
    # The API server's proxy URL used as a plain https URL: our own bearer token and CA file, no kubeconfig.
    url = demo.url.replace("127.0.0.1", "localhost") + PROXY_PATH
    good = PromClient(endpoint_for(url, PrometheusOptions(bearer_token=_admin_token(demo), ca_file=demo.process.ca_file)))
    assert good.query("1").result_type == "scalar"
    bad = PromClient(endpoint_for(url, PrometheusOptions(bearer_token="wrong", ca_file=demo.process.ca_file)))
    with pytest.raises(PrometheusUnavailable) as err:
        bad.check()
    assert "401 Unauthorized" in str(err.value) and "\n" not in str(err.value)
    untrusted = PromClient(endpoint_for(url, PrometheusOptions(bearer_token=_admin_token(demo))))
    with pytest.raises(PrometheusUnavailable) as err:
        untrusted.check()
    assert "certificate verify failed" in str(err.value)
    insecure = PromClient(endpoint_for(url, PrometheusOptions(bearer_token=_admin_token(demo), insecure=True)))
    assert insecure.query("1").result_type == "scalar"


class _BasicAuthPrometheus(http.server.BaseHTTPRequestHandler):
    """A stand-in HTTP server that answers like Prometheus only with the right basic-auth password."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        expected = "Basic " + base64.b64encode(b"sre:hunter2").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"Unauthorized")
            return
        body = json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "1"]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def basic_auth_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BasicAuthPrometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_basic_auth_from_options_or_url(basic_auth_server):
    host = basic_auth_server.removeprefix("http://")
    assert PromClient(endpoint_for(basic_auth_server, PrometheusOptions(username="sre", password="hunter2"))
                      ).query("1").result == [1.0, "1"]
    assert PromClient(endpoint_for(f"http://sre:hunter2@{host}")).query("1").result_type == "scalar"
    with pytest.raises(PrometheusUnavailable) as err:
        PromClient(endpoint_for(basic_auth_server, PrometheusOptions(username="sre", password="nope"))).check()
    assert str(err.value) == (f"Prometheus at {basic_auth_server} answered 401 Unauthorized: check the bearer "
                              "token or basic auth ([prometheus] in config.toml)")
