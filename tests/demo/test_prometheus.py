"""The real Prometheus process: it scrapes a TLS + bearer-token /metrics endpoint and evaluates our alert rules."""

from __future__ import annotations

import asyncio
import datetime
import json
import shutil
import ssl
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from k8stui.demo.prometheus import PrometheusProcess, find_prometheus
from k8stui.demo.resources import NAMESPACES, PODS, SERVICES
from k8stui.demo.sim import SimConfig
from k8stui.demo.store import Store
from k8stui.demo.telemetry import Telemetry
from tests.conftest import wait_for

pytestmark = pytest.mark.skipif(find_prometheus() is None,
                                reason="the prometheus binary is not on PATH (Debian package 'prometheus')")

TOKEN = "test-token-0123456789"


def mint_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1, as the demo cluster mints its own."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(hours=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    ca_file, cert_file, key_file = directory / "ca.crt", directory / "server.crt", directory / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_file, cert_file, key_file


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def populated_store() -> Store:
    """shop: three ready api-blue pods behind Service ``api``, and a crash-looping checkout pod."""
    store = Store()
    store.create(NAMESPACES, {"metadata": {"name": "shop"}})

    def add(name: str, labels: dict[str, str], image: str, waiting: str | None = None) -> None:
        store.create(PODS, {"metadata": {"name": name, "namespace": "shop", "labels": labels},
                            "spec": {"containers": [{"name": "main", "image": image}]}})
        state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": iso(time.time() - 60)}}

        def fill(p: dict[str, Any]) -> None:
            p["spec"]["nodeName"] = "aks-nodepool1-00000"
            p["status"] = {"phase": "Running", "podIP": "10.244.0.9", "hostIP": "10.224.0.4",
                           "conditions": [{"type": "Ready", "status": "False" if waiting else "True"}],
                           "containerStatuses": [{"name": "main", "image": image, "ready": not waiting,
                                                  "restartCount": 5 if waiting else 0, "state": state}]}

        store.mutate(PODS, "shop", name, fill)

    for i in range(3):
        add(f"api-blue-{i}", {"app": "api", "version": "blue"}, "ghcr.io/demo/api:1.4.2")
    add("checkout-0", {"app": "checkout"}, "ghcr.io/demo/checkout:v2-broken", waiting="CrashLoopBackOff")
    store.create(SERVICES, {"metadata": {"name": "api", "namespace": "shop"},
                            "spec": {"selector": {"app": "api", "version": "blue"}, "ports": [{"port": 80}]}})
    return store


def http_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


async def wait_until(fn: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(fn)
        if last:
            return last
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


async def test_prometheus_scrapes_the_metrics_endpoint_and_loads_alerts(tmp_path: Path) -> None:
    from prometheus_api_client import PrometheusConnect

    ca_file, cert_file, key_file = mint_tls(tmp_path / "pki")
    store = populated_store()
    telemetry = Telemetry(store, SimConfig(seed=1), tick_seconds=0.5)
    scrapes = {"ok": 0, "denied": 0}

    async def metrics(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            scrapes["denied"] += 1
            return web.Response(status=401, text="Unauthorized")
        scrapes["ok"] += 1
        return web.Response(body=telemetry.render_metrics(),
                            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ssl_ctx.load_cert_chain(cert_file, key_file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    workdir = tmp_path / "prom"
    prom = PrometheusProcess(f"https://127.0.0.1:{port}", str(ca_file), TOKEN, workdir, scrape_interval="1s")
    telemetry.start()
    try:
        url = await prom.astart(timeout=30)
        assert url.startswith("http://127.0.0.1:")
        assert prom.data_dir is not None and prom.data_dir.parent == workdir
        client = PrometheusConnect(url=url, disable_ssl=True)
        query = 'sum by (version) (rate(http_requests_total{namespace="shop",app="api"}[30s]))'

        def blue() -> list[dict[str, Any]]:
            return [r for r in client.custom_query(query) if r["metric"].get("version") == "blue"]

        result = await wait_until(blue, 30, "a blue request-rate series")
        assert float(result[0]["value"][1]) > 0
        # Once a few scrapes are in, the rate is the generator's 40-60 req/s for the api Service.
        short = 'sum by (version) (rate(http_requests_total{namespace="shop",app="api"}[5s]))'
        await wait_until(lambda: [r for r in client.custom_query(short)
                                  if r["metric"].get("version") == "blue" and 35 <= float(r["value"][1]) <= 70],
                         30, "a blue rate of 40-60 req/s")
        assert scrapes["ok"] >= 2 and scrapes["denied"] == 0

        targets = await asyncio.to_thread(http_json, f"{url}/api/v1/targets")
        [target] = targets["data"]["activeTargets"]
        assert target["health"] == "up" and target["scrapeUrl"] == f"https://127.0.0.1:{port}/metrics"

        rules = await asyncio.to_thread(http_json, f"{url}/api/v1/rules")
        loaded = {r["name"]: r for g in rules["data"]["groups"] for r in g["rules"]}
        assert {"KubePodCrashLooping", "HighErrorRate"} <= loaded.keys()
        assert all(r["health"] in ("ok", "unknown") for r in loaded.values())

        def crash_alert() -> list[dict[str, Any]]:
            alerts = http_json(f"{url}/api/v1/alerts")["data"]["alerts"]
            return [a for a in alerts if a["labels"]["alertname"] == "KubePodCrashLooping"]

        [alert] = await wait_until(crash_alert, 20, "the KubePodCrashLooping alert")
        assert alert["labels"]["pod"] == "checkout-0" and alert["labels"]["severity"] == "warning"
        assert alert["state"] in ("pending", "firing")
        assert "shop/checkout-0" in alert["annotations"]["summary"]
    finally:
        await prom.astop()
        await telemetry.stop()
        await runner.cleanup()
    assert prom.proc is None and prom.data_dir is None
    assert not any(p.name.startswith("tsdb-") for p in workdir.iterdir())
    assert (workdir / "prometheus.log").exists()


def test_start_fails_clearly_on_a_bad_config(tmp_path: Path) -> None:
    prom = PrometheusProcess("https://127.0.0.1:1", str(tmp_path / "ca.crt"), TOKEN, tmp_path / "prom",
                             scrape_interval="not-a-duration")
    with pytest.raises(RuntimeError, match="prometheus did not start"):
        prom.start(timeout=20)
    assert prom.proc is None and prom.url is None


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_written_config_and_rules_pass_promtool(tmp_path: Path) -> None:
    ca_file, _, _ = mint_tls(tmp_path / "pki")
    prom = PrometheusProcess("https://127.0.0.1:6443", str(ca_file), TOKEN, tmp_path / "prom")
    prom.write_config()
    rules = subprocess.run(["promtool", "check", "rules", str(prom.rules_file)], capture_output=True, text=True,
                           timeout=30)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "3 rules found" in rules.stdout
    config = subprocess.run(["promtool", "check", "config", str(prom.config_file)], capture_output=True, text=True,
                            timeout=30)
    assert config.returncode == 0, config.stdout + config.stderr
    assert TOKEN in prom.config_file.read_text() and prom.config_file.stat().st_mode & 0o077 == 0


def _query_range(url: str, query: str, start: float, end: float, step: int) -> list[tuple[float, float]]:
    params = urllib.parse.urlencode({"query": query, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{params}", timeout=30) as resp:
        result = json.load(resp)["data"]["result"]
    return [(float(t), float(v)) for t, v in result[0]["values"]] if result else []


@pytest.mark.parametrize("query", [
    'sum(rate(http_requests_total{namespace="shop",app="api"}[1m]))',
    'sum(rate(container_cpu_usage_seconds_total{namespace="shop",pod=~"api-blue-[a-z0-9]+-[a-z0-9]+",'
    'container!=""}[1m]))',
    'sum(container_memory_working_set_bytes{namespace="shop",container!=""})',
])
def test_an_hour_of_history_is_there_from_the_start(demo, query):
    """The demo puts an hour of history into Prometheus before it starts (demo/history.py): the graphs of the
    last hour are full at once, and the history runs on at the level of the live series after it."""
    now = time.time()
    points = _query_range(demo.prometheus_url, query, now - 3600, now, 60)
    assert points, query
    assert now - points[0][0] >= 3300, f"the oldest point is {now - points[0][0]:.0f}s old: no history"
    assert max(b[0] - a[0] for a, b in zip(points, points[1:], strict=False)) <= 120, "a hole in the hour"
    past = sorted(v for t, v in points if now - t > 900)
    level = past[len(past) // 2]
    assert level > 0
    # The live level, once it is there: just after the start a rate's window still spans the seam between the
    # history and the first live samples, where it dips (for longer on a loaded machine, whose pods take longer
    # to be ready); a history at the wrong level never comes within the bounds.
    lives: list[float] = []

    def live_near_history() -> bool:
        lives.append(live_value(demo.prometheus_url, query))
        return 0.4 < lives[-1] / level < 2.5

    try:
        wait_for(live_near_history, timeout=120, interval=1, message="the live value near the history's")
    except AssertionError:
        raise AssertionError(f"history at {level:g}, live at {lives[-5:]} (the last five)") from None


def live_value(url: str, query: str) -> float:
    """The instant value of ``query`` now (0 when there is none)."""
    params = urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(f"{url}/api/v1/query?{params}", timeout=30) as resp:
        result = json.load(resp)["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def wait_for_value(url: str, query: str, timeout: float = 30.0) -> float:
    return wait_for(lambda: live_value(url, query), timeout=timeout, interval=0.5,
                    message=f"a live value of {query}")


def test_request_counters_run_on_from_the_history_without_a_reset(demo):
    wait_for_value(demo.prometheus_url, 'sum(rate(http_requests_total{namespace="shop",app="api"}[1m]))')
    params = urllib.parse.urlencode({"query": 'max(resets(http_requests_total{namespace="shop"}[2h]))'})
    with urllib.request.urlopen(f"{demo.prometheus_url}/api/v1/query?{params}", timeout=30) as resp:
        result = json.load(resp)["data"]["result"]
    assert result and float(result[0]["value"][1]) == 0


def _instant(url: str, query: str, at: float | None = None) -> list[dict]:
    params = {"query": query} | ({"time": f"{at:.3f}"} if at is not None else {})
    with urllib.request.urlopen(f"{url}/api/v1/query?{urllib.parse.urlencode(params)}", timeout=30) as resp:
        return json.load(resp)["data"]["result"]


def test_the_live_series_continue_the_history(demo):
    """The history's series are the live scrape's (same job and instance): a pod's memory or restarts are one
    series, not a history twin that Prometheus' lookback adds to every sum for 5 minutes after the start. Looked
    at just after the first live scrapes (pods recreated later by other tests are other series, rightly)."""
    url = demo.prometheus_url
    # The history alone answers every query at once: wait for the live scrapes themselves (the first one, and
    # one after the moment looked at, so that the check below is not vacuous).
    first = wait_for(lambda: _instant(url, 'min_over_time(timestamp(up{job="k8stui-demo"})[3h:2s])'), timeout=60,
                     interval=0.5, message="the first live scrape")
    at = float(first[0]["value"][1]) + 10
    wait_for(lambda: (r := _instant(url, 'timestamp(up{job="k8stui-demo"})')) and float(r[0]["value"][1]) > at,
             timeout=60, interval=0.5, message="a live scrape 10 s after the first")
    for family in ("container_memory_working_set_bytes", "kube_pod_container_status_restarts_total"):
        twins = f'count by (namespace, pod, container) ({family}{{namespace="shop"}}) > 1'
        result = _instant(demo.prometheus_url, twins, at)
        assert result == [], f"{family}: history and live series differ for {[r['metric'] for r in result][:3]}"
