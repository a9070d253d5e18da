"""Static credentials are read without importing ``kubernetes`` (a fast start), exactly as the library reads them."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from k8stui.cluster.connection import StaticConfiguration, load_target


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    from k8stui.demo.certs import mint  # the demo's cert helper, only to mint test PEMs

    return mint(tmp_path_factory.mktemp("pki"))


def kubeconfig(path: Path, cluster: dict, user: dict) -> Path:
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "x",
           "clusters": [{"name": "c", "cluster": cluster}], "users": [{"name": "u", "user": user}],
           "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}
    path.write_text(yaml.safe_dump(doc))
    return path


def library(path: Path):
    from kubernetes.client import Configuration
    from kubernetes.config.kube_config import load_kube_config

    cfg = Configuration()
    load_kube_config(config_file=str(path), client_configuration=cfg, persist_config=False)
    return cfg


def content(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def cases(tmp: Path, pki) -> list[tuple[dict, dict]]:
    ca, cert, key = pki.ca_cert.read_bytes(), pki.server_cert.read_bytes(), pki.server_key.read_bytes()
    (tmp / "certs").mkdir(exist_ok=True)
    for name, data in (("ca.crt", ca), ("client.crt", cert), ("client.key", key)):
        (tmp / "certs" / name).write_bytes(data)
    return [
        ({"server": "https://127.0.0.1:6443/", "insecure-skip-tls-verify": True}, {"token": "tok en"}),
        ({"server": "https://127.0.0.1:6443", "certificate-authority-data": b64(ca)},
         {"client-certificate-data": b64(cert), "client-key-data": b64(key)}),
        ({"server": "https://127.0.0.1:6443", "certificate-authority": "certs/ca.crt",  # relative to the file
          "tls-server-name": "kubernetes.default", "proxy-url": "http://127.0.0.1:3128"},
         {"client-certificate": "certs/client.crt", "client-key": str(tmp / "certs" / "client.key"),
          "token": "abc"}),
        ({"server": "http://127.0.0.1:8080", "certificate-authority-data": b64(ca)}, {}),  # no TLS: no certs
    ]


def test_static_credentials_read_as_the_library_reads_them(tmp_path, pki):
    for i, (cluster, user) in enumerate(cases(tmp_path, pki)):
        path = kubeconfig(tmp_path / f"config{i}", cluster, user)
        conn = load_target(str(path), None, None)
        ours, theirs = conn.configuration, library(path)
        assert isinstance(ours, StaticConfiguration), (cluster, user)
        assert ours.host == theirs.host == conn.server
        assert ours.verify_ssl == theirs.verify_ssl
        assert getattr(ours, "tls_server_name", None) == getattr(theirs, "tls_server_name", None)
        assert ours.proxy == theirs.proxy
        for attr in ("ssl_ca_cert", "cert_file", "key_file"):
            assert content(getattr(ours, attr)) == content(getattr(theirs, attr)), (i, attr)
        assert conn.auth_header() == theirs.get_api_key_with_prefix("BearerToken", alias="authorization")
        assert "tok" not in repr(ours) and "abc" not in repr(ours)
        assert conn.api_client().configuration.host == theirs.host  # the typed client: the library's own


def test_plugins_and_unknown_keys_go_through_the_library(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("from-file")
    path = kubeconfig(tmp_path / "config", {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True},
                      {"tokenFile": str(token_file)})
    conn = load_target(str(path), None, None)
    assert not isinstance(conn.configuration, StaticConfiguration)
    assert conn.auth_header() == "Bearer from-file"


def test_a_static_kubeconfig_does_not_import_kubernetes(tmp_path):
    path = kubeconfig(tmp_path / "config", {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True},
                      {"token": "t"})
    code = ("import sys; from k8stui.cluster.connection import load_target; "
            f"c = load_target({str(path)!r}); print(c.auth_header(), 'kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["Bearer", "t", "False"]
