"""Choosing the Prometheus URL and turning settings into an endpoint (credentials, TLS, service proxy)."""

from __future__ import annotations

import pytest

from k8stui.metrics.source import (
    ENV_URL,
    PrometheusOptions,
    SourceError,
    choose_url,
    endpoint_for,
    proxy_path_of,
    service_proxy_path,
)


def test_url_precedence_demo_flag_environment_config():
    env = {ENV_URL: "http://env:9090"}
    assert choose_url("http://flag:9090", "http://cfg:9090", "http://demo:1", env) == ("http://demo:1", "demo")
    assert choose_url("http://flag:9090", "http://cfg:9090", None, env) == ("http://flag:9090", "--prometheus-url")
    assert choose_url(None, "http://cfg:9090", None, env) == ("http://env:9090", ENV_URL)
    assert choose_url(None, "http://cfg:9090", None, {}) == ("http://cfg:9090", "config")
    assert choose_url(None, "", None, {}) is None


def test_direct_url_credentials_are_used_but_never_shown(tmp_path):
    endpoint = endpoint_for("https://sre:hunter2@prom.example:9443/prometheus/")
    assert endpoint.url == "https://prom.example:9443/prometheus"
    assert endpoint.display == endpoint.url and "hunter2" not in repr(endpoint)
    assert endpoint.basic_auth == ("sre", "hunter2")
    token = tmp_path / "token"
    token.write_text("tok-1\n")
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    endpoint = endpoint_for("https://prom.example", PrometheusOptions(bearer_token_file=str(token), ca_file=str(ca)))
    assert endpoint.headers() == {"Authorization": "Bearer tok-1"} and endpoint.verify == str(ca)
    token.write_text("tok-2\n")  # rotated tokens are read again
    assert endpoint.headers() == {"Authorization": "Bearer tok-2"}
    assert endpoint_for("http://p:9090", PrometheusOptions(insecure=True)).verify is False


@pytest.mark.parametrize("url, message", [
    ("localhost:9090", "must start with http:// or https://"),
    ("ftp://x", "must start with http:// or https://"),
    ("service:monitoring/prometheus:9090", "no cluster connection"),
])
def test_unusable_urls_are_one_line_errors(url, message):
    with pytest.raises(SourceError) as err:
        endpoint_for(url)
    assert message in str(err.value)


def test_options_from_config_table_and_environment(tmp_path):
    options = PrometheusOptions.load({"username": "u", "password": "s3cr3t", "timeout": 3, "insecure": False},
                                     {"K8STUI_PROMETHEUS_INSECURE": "true", "K8STUI_PROMETHEUS_TIMEOUT": "4.5"})
    assert (options.username, options.insecure, options.timeout) == ("u", True, 4.5)
    assert "s3cr3t" not in repr(options)
    with pytest.raises(SourceError, match="unknown key 'token'"):
        PrometheusOptions.load({"token": "x"}, {})
    with pytest.raises(SourceError, match="timeout must be"):
        PrometheusOptions.load({"timeout": "soon"}, {})
    with pytest.raises(SourceError, match="ca_file .* does not exist"):
        endpoint_for("https://p", PrometheusOptions(ca_file=str(tmp_path / "missing.pem")))


def test_service_proxy_forms():
    path = "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy"
    assert service_proxy_path("monitoring", "prometheus", "9090") == path
    assert proxy_path_of("service:monitoring/prometheus:9090", None) == path
    assert proxy_path_of("service://monitoring/prometheus:web", None) == path.replace("9090", "web")
    assert proxy_path_of(path + "/", None) == path
    assert proxy_path_of("http://prom:9090", None) is None
