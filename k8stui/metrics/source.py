"""Which Prometheus to ask, and how: the URL (flag, environment, config, demo), credentials and TLS.

The URL comes from, in order: the demo cluster's own Prometheus (``k8stui demo``), ``--prometheus-url``,
``$K8STUI_PROMETHEUS_URL``, then ``prometheus_url`` in config.toml. Credentials and TLS come from the optional
``[prometheus]`` table of config.toml, overridden by ``K8STUI_PROMETHEUS_*`` environment variables::

    [prometheus]
    bearer_token_file = "/var/run/secrets/prom-token"   # or bearer_token = "..."
    username = "sre"                                     # basic auth
    password = "..."
    ca_file = "/etc/ssl/prom-ca.pem"
    insecure = false                                     # skip TLS verification
    timeout = 10                                         # seconds per request
    alertmanager_url = "https://alertmanager.example"    # also read /api/v2/alerts

An in-cluster Prometheus can be reached through the API server's service proxy with the kubeconfig's own
credentials: ``service:monitoring/prometheus:9090`` (or the path ``/api/v1/namespaces/NS/services/NAME:PORT/proxy``,
or that full URL on the API server) becomes ``https://API/api/v1/namespaces/monitoring/services/prometheus:9090/proxy``.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from ..cluster.connection import Connection

ENV_URL = "K8STUI_PROMETHEUS_URL"
ENV_PREFIX = "K8STUI_PROMETHEUS_"
DEFAULT_TIMEOUT = 10.0

_SERVICE_SHORT = re.compile(r"^service:(?://)?([a-z0-9.-]+)/([a-z0-9.-]+)(?::([A-Za-z0-9-]+))?/?$")
_SERVICE_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/services/([^/]+)/proxy/?$")


class SourceError(ValueError):
    """A one-line description of an unusable Prometheus setting."""


@dataclass(frozen=True)
class PrometheusOptions:
    """Credentials and TLS for Prometheus/AlertManager (``[prometheus]`` in config.toml, K8STUI_PROMETHEUS_*)."""

    bearer_token: str = field(default="", repr=False)
    bearer_token_file: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""
    insecure: bool = False
    timeout: float = DEFAULT_TIMEOUT
    alertmanager_url: str = ""

    @classmethod
    def load(cls, table: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
             ) -> PrometheusOptions:
        """Options from a config table and the environment (the environment wins)."""
        values: dict[str, Any] = {}
        known = {f for f in cls.__dataclass_fields__}
        for key, value in (table or {}).items():
            if key not in known:
                raise SourceError(f"[prometheus] unknown key {key!r} (known: {', '.join(sorted(known))})")
            values[key] = value
        env = os.environ if environ is None else environ
        for key in known:
            raw = env.get(ENV_PREFIX + key.upper())
            if raw is not None and raw != "":
                values[key] = raw
        for key in ("bearer_token", "bearer_token_file", "username", "password", "ca_file", "alertmanager_url"):
            if not isinstance(values.get(key, ""), str):
                raise SourceError(f"[prometheus] {key} must be a string")
        insecure = values.get("insecure", False)
        if isinstance(insecure, str):
            insecure = insecure.strip().lower() in ("1", "true", "yes", "on")
        elif not isinstance(insecure, bool):
            raise SourceError("[prometheus] insecure must be true or false")
        values["insecure"] = insecure
        try:
            timeout = float(values.get("timeout", DEFAULT_TIMEOUT))
        except (TypeError, ValueError):
            raise SourceError(f"[prometheus] timeout must be a number of seconds, got {values['timeout']!r}") from None
        if not 0 < timeout <= 300:
            raise SourceError("[prometheus] timeout must be between 0 and 300 seconds")
        values["timeout"] = timeout
        return cls(**values)

    def token(self) -> str:
        """The bearer token (read from ``bearer_token_file`` each time, so rotated tokens are picked up)."""
        if self.bearer_token_file:
            try:
                with open(os.path.expanduser(self.bearer_token_file), encoding="utf-8") as fh:
                    return fh.read().strip()
            except OSError as exc:
                raise SourceError(f"cannot read Prometheus bearer_token_file {self.bearer_token_file}: "
                                  f"{exc.strerror}") from None
        return self.bearer_token


@dataclass(frozen=True)
class PrometheusEndpoint:
    """Everything needed to send one HTTP request to Prometheus (or AlertManager). Never shows credentials."""

    url: str  # base URL without a trailing slash
    display: str  # the URL as shown to the user (no credentials)
    via: str = "direct"  # "direct" or "service proxy"
    verify: bool | str = True  # False (insecure), True (system CAs) or a CA bundle path
    client_cert: tuple[str, str] | None = None
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    header_source: Callable[[], dict[str, str]] | None = field(default=None, repr=False, compare=False)

    def headers(self) -> dict[str, str]:
        """Request headers (the Authorization value is fetched fresh: kubeconfig exec tokens expire)."""
        return dict(self.header_source()) if self.header_source is not None else {}

    def ssl_context(self) -> ssl.SSLContext | bool:
        """The TLS settings as an ``ssl.SSLContext`` (for httpx), or False when verification is off."""
        if self.verify is False:
            return False
        ctx = ssl.create_default_context(cafile=self.verify if isinstance(self.verify, str) else None)
        if self.client_cert:
            ctx.load_cert_chain(*self.client_cert)
        return ctx


def choose_url(cli_url: str | None = None, config_url: str | None = None, demo_url: str | None = None,
               environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(url, where it came from)`` by precedence: the demo, ``--prometheus-url``, the environment, the
    config file; None when no Prometheus is configured (then metrics come from metrics.k8s.io)."""
    env = os.environ if environ is None else environ
    for url, origin in ((demo_url, "demo"), (cli_url, "--prometheus-url"), (env.get(ENV_URL), ENV_URL),
                        (config_url, "config")):
        if url and url.strip():
            return url.strip(), origin
    return None


def _strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def service_proxy_path(namespace: str, name: str, port: str = "") -> str:
    """The API server path that proxies to a Service (port name or number optional)."""
    return f"/api/v1/namespaces/{namespace}/services/{name}{':' + port if port else ''}/proxy"


def proxy_path_of(url: str, connection: Connection | None) -> str | None:
    """The service-proxy path if ``url`` names one (``service:NS/NAME[:PORT]``, the bare path, or that path on
    the API server's own address); None for an ordinary URL."""
    m = _SERVICE_SHORT.match(url)
    if m:
        return service_proxy_path(m.group(1), m.group(2), m.group(3) or "")
    if _SERVICE_PATH.match(url):
        return url.rstrip("/")
    if connection is not None:
        server = connection.server.rstrip("/")
        if url.startswith(server + "/"):
            path = url[len(server):]
            if _SERVICE_PATH.match(path):
                return path.rstrip("/")
    return None


def endpoint_for(url: str, options: PrometheusOptions | None = None,
                 connection: Connection | None = None) -> PrometheusEndpoint:
    """The endpoint for ``url``. Service-proxy URLs use the kubeconfig's server, CA, client certificate and
    token; ordinary URLs use ``options``. Raises SourceError (one line) for an unusable URL."""
    options = options or PrometheusOptions()
    url = url.strip()
    path = proxy_path_of(url, connection)
    if path is not None:
        if connection is None:
            raise SourceError(f"Prometheus URL {url!r} goes through the API server, but there is no cluster "
                              "connection")
        cfg = connection.configuration
        base = connection.server.rstrip("/") + path
        verify: bool | str = (cfg.ssl_ca_cert or True) if cfg.verify_ssl else False
        cert = (cfg.cert_file, cfg.key_file) if cfg.cert_file and cfg.key_file else None

        def kube_headers() -> dict[str, str]:
            value = connection.auth_header()
            return {"Authorization": value} if value else {}

        m = _SERVICE_PATH.match(path)
        shown = f"service {m.group(1)}/{m.group(2)} via the API server" if m else path
        return PrometheusEndpoint(base, shown, via="service proxy",
                                  verify=verify, client_cert=cert, timeout=options.timeout,
                                  header_source=kube_headers)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"Prometheus URL {url!r} must start with http:// or https:// (or be "
                          "service:NAMESPACE/NAME:PORT for the API server's service proxy)")
    basic: tuple[str, str] | None = None
    if options.username:
        basic = (options.username, options.password)
    elif parts.username:
        basic = (parts.username, parts.password or "")
    clean = _strip_credentials(url).rstrip("/")
    verify = False if options.insecure else (os.path.expanduser(options.ca_file) if options.ca_file else True)
    if isinstance(verify, str) and not os.path.isfile(verify):
        raise SourceError(f"Prometheus ca_file {options.ca_file} does not exist")

    def token_headers() -> dict[str, str]:
        token = options.token()
        return {"Authorization": f"Bearer {token}"} if token else {}

    return PrometheusEndpoint(clean, clean, verify=verify, basic_auth=basic, timeout=options.timeout,
                              header_source=token_headers)


def alertmanager_endpoint(options: PrometheusOptions, connection: Connection | None = None
                          ) -> PrometheusEndpoint | None:
    """AlertManager, when ``alertmanager_url`` is set (same credentials and TLS options as Prometheus)."""
    if not options.alertmanager_url:
        return None
    return endpoint_for(options.alertmanager_url, options, connection)


def options_from_settings(settings: Any) -> PrometheusOptions:
    """The options of a ``k8stui.config.Settings`` (its optional ``prometheus`` table) plus the environment."""
    return PrometheusOptions.load(getattr(settings, "prometheus", None) or {})
