"""Kubeconfig loading without a server: merging, context choice and one-line errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from k8stui.cluster.connection import KubeconfigError, list_contexts, load_target


def write(path: Path, contexts: list[tuple[str, str, str, str]], current: str | None = None,
          server: str = "https://127.0.0.1:6443", extra_user: dict | None = None) -> Path:
    """contexts: (name, cluster, user, namespace)."""
    clusters = sorted({c[1] for c in contexts})
    users = sorted({c[2] for c in contexts})
    doc = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": c, "cluster": {"server": server, "insecure-skip-tls-verify": True}} for c in clusters],
        "users": [{"name": u, "user": extra_user or {"token": f"tok-{u}"}} for u in users],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u, **({"namespace": ns} if ns else {})}}
                     for n, c, u, ns in contexts],
    }
    if current is not None:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))
    return path


def test_single_file_current_context(tmp_path):
    cfg = write(tmp_path / "config", [("a", "c1", "u1", "team"), ("b", "c1", "u2", "")], current="a")
    conn = load_target(str(cfg), None, None)
    t = conn.target
    assert (t.context, t.cluster, t.user, t.namespace, t.server) == ("a", "c1", "u1", "team", "https://127.0.0.1:6443")
    assert conn.auth_header() == "Bearer tok-u1"
    assert "tok-u1" not in repr(conn)
    # --context and -n override; a context without namespace means "default".
    assert load_target(str(cfg), "b", None).target.namespace == "default"
    assert load_target(str(cfg), "b", None).auth_header() == "Bearer tok-u2"
    assert load_target(str(cfg), "a", "other").target.namespace == "other"
    assert list_contexts(str(cfg)) == (["a", "b"], "a")


def test_kubeconfig_env_with_two_files(tmp_path, monkeypatch):
    first = write(tmp_path / "one", [("one", "c1", "u1", "ns1")], current="one")
    second = write(tmp_path / "two", [("two", "c2", "u2", "ns2")], current="two", server="https://127.0.0.1:7443")
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    names, current = list_contexts(None)
    assert names == ["one", "two"]
    assert current == "one"  # the first file that sets current-context wins, as in kubectl
    conn = load_target(None, "two", None)
    assert (conn.target.cluster, conn.target.namespace, conn.server) == ("c2", "ns2", "https://127.0.0.1:7443")
    assert conn.auth_header() == "Bearer tok-u2"


def test_client_certificate_and_ca_data(tmp_path):
    from k8stui.demo.certs import mint  # the demo's cert helper, only to mint test PEMs

    files = mint(tmp_path / "pki")
    ca_pem, cert_pem, key_pem = (files.ca_cert.read_bytes(), files.server_cert.read_bytes(),
                                 files.server_key.read_bytes())
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "x",
           "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443",
                                                  "certificate-authority-data": b64(ca_pem)}}],
           "users": [{"name": "u", "user": {"client-certificate-data": b64(cert_pem),
                                            "client-key-data": b64(key_pem)}}],
           "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}
    cfg = tmp_path / "config"
    cfg.write_text(yaml.safe_dump(doc))
    conn = load_target(str(cfg), None, None)
    assert conn.configuration.cert_file and conn.configuration.key_file and conn.configuration.ssl_ca_cert
    assert conn.auth_header() is None
    ctx = conn.ssl_context()
    assert ctx.verify_mode.name == "CERT_REQUIRED"


def one_line_error(*args) -> str:
    with pytest.raises(KubeconfigError) as info:
        load_target(*args)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message and message
    return message


def test_missing_file(tmp_path):
    msg = one_line_error(str(tmp_path / "nope"), None, None)
    assert msg == f"kubeconfig file not found: {tmp_path / 'nope'}"


def test_missing_env_files(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    msg = one_line_error(None, None, None)
    assert "none of the files in KUBECONFIG exist" in msg


def test_malformed_yaml(tmp_path):
    bad = tmp_path / "bad"
    bad.write_text("apiVersion: v1\nclusters: [\n  - name: x\n contexts: {{\n")
    msg = one_line_error(str(bad), None, None)
    assert msg.startswith(f"kubeconfig {bad} is not valid YAML (line ")


def test_not_a_mapping(tmp_path):
    bad = tmp_path / "list"
    bad.write_text("- a\n- b\n")
    assert "is not a kubeconfig" in one_line_error(str(bad), None, None)


def test_unknown_context(tmp_path):
    cfg = write(tmp_path / "config", [("a", "c1", "u1", ""), ("b", "c1", "u1", "")], current="a")
    assert one_line_error(str(cfg), "prod", None) == "context 'prod' not found in kubeconfig (available: a, b)"


def test_no_current_context(tmp_path):
    cfg = write(tmp_path / "config", [("a", "c1", "u1", "")])
    msg = one_line_error(str(cfg), None, None)
    assert msg == "kubeconfig has no current-context; choose one with --context (available: a)"
    with pytest.raises(KubeconfigError):
        list_contexts(str(tmp_path / "nope"))
    assert list_contexts(str(cfg)) == (["a"], "")


def test_dangling_cluster_reference(tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text(yaml.safe_dump({"current-context": "a", "contexts": [
        {"name": "a", "context": {"cluster": "gone", "user": "u"}}], "clusters": [], "users": []}))
    assert "refers to cluster 'gone'" in one_line_error(str(cfg), None, None)


def test_failing_exec_plugin_is_one_line(tmp_path):
    cfg = write(tmp_path / "config", [("a", "c1", "u1", "")], current="a",
                extra_user={"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                                     "command": "/bin/false", "args": []}})
    msg = one_line_error(str(cfg), None, None)
    assert msg.startswith("kubeconfig context 'a'")
