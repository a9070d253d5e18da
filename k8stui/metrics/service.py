"""One place that knows, for the running app, where metrics come from: Prometheus (with its credentials and
the user's templates) or metrics.k8s.io history — and hands panes a ``MetricsFeed`` to poll.

The UI asks ``MetricsService.build(connection, prometheus_url, settings)`` once per connection; a bad setting
(URL, ``[prometheus]``, ``[promql]``) is kept as ``config_error`` (one line) and shown in the panes instead of
failing the app. A feed owns its own Prometheus client (a ``requests`` session is not shared across threads).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import PrometheusUnavailable
from .fallback import SOURCE as FALLBACK_SOURCE
from .fallback import MetricsServerHistory
from .series import DEFAULT_RANGE, MetricsSnapshot, query_metrics
from .source import (
    PrometheusEndpoint,
    PrometheusOptions,
    SourceError,
    alertmanager_endpoint,
    endpoint_for,
    options_from_settings,
)
from .targets import Target
from .templates import TemplateError, Templates

if TYPE_CHECKING:
    from ..cluster.connection import Connection
    from .client import PromClient

PROMETHEUS = "prometheus"
UNREACHABLE = "prometheus unreachable"


@dataclass
class MetricsService:
    """The app's metrics configuration, resolved once."""

    connection: Connection
    templates: Templates
    endpoint: PrometheusEndpoint | None = None
    alertmanager: PrometheusEndpoint | None = None
    history: MetricsServerHistory | None = None
    config_error: str = ""
    options: PrometheusOptions = field(default_factory=PrometheusOptions)
    url: str | None = None  # the configured Prometheus URL as given

    @classmethod
    def build(cls, connection: Connection, prometheus_url: str | None, settings: Any = None) -> MetricsService:
        errors: list[str] = []
        try:
            templates = Templates(getattr(settings, "promql", None) or {})
        except TemplateError as exc:
            errors.append(str(exc))
            templates = Templates()
        try:
            options = options_from_settings(settings)
        except SourceError as exc:
            errors.append(str(exc))
            options = PrometheusOptions()
        endpoint = alertmanager = None
        if prometheus_url:
            try:
                endpoint = endpoint_for(prometheus_url, options, connection)
                alertmanager = alertmanager_endpoint(options, connection)
            except SourceError as exc:
                errors.append(str(exc))
        service = cls(connection, templates, endpoint, alertmanager, config_error="; ".join(errors), options=options,
                      url=prometheus_url)
        if endpoint is None and not prometheus_url:
            service.history = MetricsServerHistory(connection)
        return service

    @property
    def source(self) -> str:
        """Where graphs come from: ``prometheus``, ``metrics.k8s.io``, or "" (Prometheus set but unusable)."""
        if self.endpoint is not None:
            return PROMETHEUS
        return FALLBACK_SOURCE if self.history is not None else ""

    def feed(self, target: Target | None = None, range_name: str = DEFAULT_RANGE, width: int = 60,
             only: tuple[str, ...] | None = None) -> MetricsFeed:
        return MetricsFeed(self, target, range_name, width, only)

    def prom_client(self) -> PromClient:
        """A new client for the configured Prometheus (raises PrometheusUnavailable when there is none)."""
        from .client import PromClient

        if self.endpoint is None:
            raise PrometheusUnavailable(self.config_error or "no Prometheus configured (use --prometheus-url, "
                                        "K8STUI_PROMETHEUS_URL or prometheus_url in config.toml)")
        return PromClient(self.endpoint)

    def close(self) -> None:
        if self.history is not None:
            self.history.close()


class MetricsFeed:
    """What one pane polls: a target, a range and a width; ``fetch()`` runs in the poller's thread."""

    def __init__(self, service: MetricsService, target: Target | None, range_name: str, width: int,
                 only: tuple[str, ...] | None = None) -> None:
        self.service = service
        self.target = target
        self.range_name = range_name
        self.width = width
        self.only = only
        self._client: PromClient | None = None
        self._lock = threading.Lock()

    def fetch(self) -> MetricsSnapshot | None:
        target, range_name, width = self.target, self.range_name, self.width
        service = self.service
        if service.endpoint is not None:
            with self._lock:
                if self._client is None:
                    self._client = service.prom_client()
                client = self._client
            if target is None:  # nothing selected yet: still say whether Prometheus answers
                client.check()
                return None
            return query_metrics(client, service.templates, target, range_name, width, only=self.only)
        if target is None:
            return None
        if service.history is not None:
            return service.history.fetch(target, range_name, width)
        raise PrometheusUnavailable(service.config_error or "no metrics source")

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_ATTR = "_k8stui_metrics_service"


def service_for(app: Any) -> MetricsService:
    """The app's MetricsService (built on first use; rebuilt after a context switch or a URL change).

    ``app`` is anything with ``connection``, ``prometheus_url`` and ``settings`` (the K8sTuiApp)."""
    service: MetricsService | None = getattr(app, _ATTR, None)
    url = getattr(app, "prometheus_url", None) or None
    if service is None or service.connection is not app.connection or service.url != url:
        if service is not None:
            service.close()
        service = MetricsService.build(app.connection, url, getattr(app, "settings", None))
        setattr(app, _ATTR, service)
    return service
