"""Connections to the demo cluster: the demo's kubeconfig, merged KUBECONFIG, contexts, exec plugins."""

from __future__ import annotations

import socket
import stat
import sys

import pytest
import yaml

from k8stui.cluster.connection import ClusterUnreachableError, list_contexts, load_target, probe
from k8stui.cluster.store import NAMESPACES, PODS, Health, InformerHub


async def test_demo_kubeconfig(demo):
    conn = load_target(demo.kubeconfig, None, None)
    t = conn.target
    assert (t.context, t.namespace, t.server) == ("demo", "shop", demo.url)
    version = probe(conn)
    assert version.get("major") == "1"
    async with conn.async_client() as client:
        resp = await client.get("/api/v1/namespaces", timeout=10)
    assert resp.status_code == 200
    assert "shop" in {i["metadata"]["name"] for i in resp.json()["items"]}


async def test_context_demo_dev(demo):
    conn = load_target(demo.kubeconfig, "demo-dev", None)
    assert (conn.target.context, conn.target.namespace, conn.target.user) == ("demo-dev", "team-a", "dev@team-a")
    async with conn.async_client() as client:
        ok = await client.get("/api/v1/namespaces/team-a/pods", timeout=10)
        denied = await client.get("/api/v1/namespaces/shop/pods", timeout=10)
    assert (ok.status_code, denied.status_code) == (200, 403)


async def test_kubeconfig_env_two_files(demo, tmp_path, monkeypatch):
    extra = tmp_path / "extra"
    extra.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "elsewhere",
        "clusters": [{"name": "far", "cluster": {"server": "https://127.0.0.1:9"}}],
        "users": [{"name": "someone", "user": {"token": "nope"}}],
        "contexts": [{"name": "elsewhere", "context": {"cluster": "far", "user": "someone"}}]}))
    monkeypatch.setenv("KUBECONFIG", f"{demo.kubeconfig}:{extra}")
    names, current = list_contexts(None)
    assert names == ["demo", "demo-dev", "elsewhere"] and current == "demo"
    conn = load_target(None, "demo-dev", None)
    assert probe(conn)
    other = load_target(None, "elsewhere", None)
    assert other.server == "https://127.0.0.1:9"


async def test_exec_plugin_credentials(demo, tmp_path):
    """A kubeconfig user with an exec plugin (like cloud CLIs): the plugin's token reaches the server."""
    config = yaml.safe_load(open(demo.kubeconfig))
    token = next(u for u in config["users"] if u["name"] == "demo-admin")["user"]["token"]
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        f"#!{sys.executable}\nimport json\nprint(json.dumps({{'apiVersion': 'client.authentication.k8s.io/v1beta1',"
        f" 'kind': 'ExecCredential', 'status': {{'token': {token!r}}}}}))\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    for user in config["users"]:
        if user["name"] == "demo-admin":
            user["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(plugin),
                                     "interactiveMode": "Never"}}
    cfg = tmp_path / "kubeconfig"
    cfg.write_text(yaml.safe_dump(config))
    conn = load_target(str(cfg), "demo", None)
    hub = InformerHub(conn, linger=0)
    try:
        informer = hub.acquire(NAMESPACES)
        assert await informer.wait_synced(10)
        assert informer.health.state is Health.SYNCED and informer.by_name(None, "shop") is not None
    finally:
        await hub.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_unreachable_server_is_one_line(tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text(yaml.safe_dump({
        "current-context": "x", "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{free_port()}"}}],
        "users": [{"name": "u", "user": {"token": "secret-token-value"}}]}))
    conn = load_target(str(cfg), None, None)
    with pytest.raises(ClusterUnreachableError) as info:
        probe(conn, timeout=2)
    message = str(info.value)
    assert message.startswith("cannot reach the API server at https://127.0.0.1:") and "\n" not in message
    assert "secret-token-value" not in message


async def test_the_probe_takes_the_proxy_the_clients_take(demo, monkeypatch):
    """The probe goes the way httpx (every other request) goes: with HTTPS_PROXY set (here a closed port) it
    fails at the proxy rather than reaching the server directly, as ``http.client`` alone would."""
    for name in ("NO_PROXY", "no_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{free_port()}")
    conn = load_target(demo.kubeconfig, None, None)
    with pytest.raises(ClusterUnreachableError) as info:
        probe(conn, timeout=2)
    assert str(info.value).startswith(f"cannot reach the API server at {demo.url}: ")


async def test_unreachable_informer_reports_reconnecting(tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text(yaml.safe_dump({
        "current-context": "x", "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{free_port()}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}]}))
    hub = InformerHub(load_target(str(cfg), None, None), linger=0)
    try:
        informer = hub.acquire(PODS, "default")
        assert not await informer.wait_synced(1.0)
        assert informer.health.state is Health.RECONNECTING
        assert informer.health.error.startswith("connection lost")
        assert hub.health().state is Health.RECONNECTING
    finally:
        await hub.close()
