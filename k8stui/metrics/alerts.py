"""Firing and pending alerts: Prometheus ``/api/v1/alerts`` and, when configured, AlertManager ``/api/v2/alerts``.

prometheus-api-client has no alerts call, so these are read with httpx (blocking; call from threads). Both
lists are merged by label set: Prometheus knows pending alerts and when an alert became active, AlertManager
knows which firing ones are silenced or inhibited. Each alert says which object it is about (pod, deployment,
namespace) so the view can jump there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from ..cluster.quantity import parse_time
from .errors import MetricsError, PrometheusUnavailable, http_error, one_line
from .source import PrometheusEndpoint

STATE_ORDER = {"firing": 0, "pending": 1, "silenced": 2}
SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2, "info": 3, "none": 4}


@dataclass(frozen=True)
class Related:
    """What an alert points at: ``kind`` (pods/deployments/nodes/namespaces), where, and by which label."""

    kind: str
    namespace: str
    name: str
    label: str  # pod / deployment / app / node / namespace

    @property
    def title(self) -> str:
        what = {"pods": "pod", "deployments": "deployment", "nodes": "node", "namespaces": "namespace"}[self.kind]
        if self.label == "app":
            what = "app"
        return f"{what} {self.namespace + '/' if self.namespace and self.kind != 'namespaces' else ''}{self.name}"


@dataclass(frozen=True)
class Alert:
    """One alert instance (one label set)."""

    name: str
    state: str  # firing / pending / silenced
    labels: tuple[tuple[str, str], ...]
    summary: str = ""
    since: float | None = None  # epoch seconds it became active
    value: str = ""
    source: str = "prometheus"  # prometheus / alertmanager / both

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def severity(self) -> str:
        return self.label_map.get("severity", "")

    @property
    def namespace(self) -> str:
        labels = self.label_map
        return labels.get("namespace") or labels.get("exported_namespace") or ""

    @property
    def identity(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.labels)

    def related(self) -> Related | None:
        """The object this alert is about: its pod, deployment, app (deployments with that ``app`` label), node,
        or just its namespace; None when the labels name none of these."""
        labels = self.label_map
        ns = self.namespace
        if not ns:
            node = labels.get("node") or labels.get("instance_node")
            return Related("nodes", "", node, "node") if node else None
        for label, kind in (("pod", "pods"), ("deployment", "deployments"), ("app", "deployments")):
            if labels.get(label):
                return Related(kind, ns, labels[label], label)
        return Related("namespaces", ns, ns, "namespace")

    def sort_key(self) -> tuple[Any, ...]:
        return (STATE_ORDER.get(self.state, 9), SEVERITY_ORDER.get(self.severity, 5), self.name, self.labels)


@dataclass(frozen=True)
class AlertsResult:
    """The merged alerts, plus one line per source that failed (the others still show)."""

    alerts: tuple[Alert, ...]
    errors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def _labels(raw: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (raw or {}).items()))


def parse_prometheus_alerts(doc: Mapping[str, Any]) -> list[Alert]:
    """``/api/v1/alerts`` → alerts (inactive ones dropped)."""
    out = []
    for item in ((doc.get("data") or {}).get("alerts") or []):
        state = item.get("state", "")
        if state not in ("firing", "pending"):
            continue
        labels = _labels(item.get("labels"))
        annotations = item.get("annotations") or {}
        out.append(Alert(dict(labels).get("alertname", "?"), state, labels,
                         str(annotations.get("summary") or annotations.get("description") or ""),
                         parse_time(item.get("activeAt")), str(item.get("value", "")), "prometheus"))
    return out


def parse_alertmanager_alerts(doc: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """AlertManager ``/api/v2/alerts`` → alerts (``suppressed`` shown as silenced)."""
    out = []
    for item in doc:
        status = (item.get("status") or {}).get("state", "active")
        if status == "unprocessed":
            continue
        labels = _labels(item.get("labels"))
        annotations = item.get("annotations") or {}
        out.append(Alert(dict(labels).get("alertname", "?"), "silenced" if status == "suppressed" else "firing",
                         labels, str(annotations.get("summary") or annotations.get("description") or ""),
                         parse_time(item.get("startsAt")), "", "alertmanager"))
    return out


def merge(prometheus: list[Alert], alertmanager: list[Alert]) -> list[Alert]:
    """One row per label set; AlertManager's silenced state wins, Prometheus's ``activeAt`` and value stay.
    AlertManager adds external labels Prometheus does not show, so match on Prometheus's labels ⊆ AM's."""
    merged = {a.identity: a for a in prometheus}
    for am in alertmanager:
        match = next((key for key in merged if key <= am.identity and merged[key].name == am.name), None)
        if match is None:
            merged[am.identity] = am
            continue
        prom = merged[match]
        merged[match] = replace(prom, state="silenced" if am.state == "silenced" else prom.state, source="both",
                                summary=prom.summary or am.summary)
    return sorted(merged.values(), key=Alert.sort_key)


def _get_json(endpoint: PrometheusEndpoint, path: str) -> Any:
    try:
        with httpx.Client(verify=endpoint.ssl_context(), auth=endpoint.basic_auth, timeout=endpoint.timeout,
                          headers={"Accept": "application/json", **endpoint.headers()}) as client:
            resp = client.get(endpoint.url + path)
    except httpx.TimeoutException:
        raise PrometheusUnavailable(f"unreachable at {endpoint.display}: no answer within {endpoint.timeout:g}s") \
            from None
    except httpx.ConnectError as exc:
        reason = "connection refused" if "refused" in str(exc).lower() else one_line(str(exc) or "cannot connect")
        raise PrometheusUnavailable(f"unreachable at {endpoint.display}: {reason}") from None
    except (httpx.HTTPError, OSError) as exc:
        raise PrometheusUnavailable(f"unreachable at {endpoint.display}: {one_line(str(exc) or type(exc).__name__)}") \
            from None
    except MetricsError:
        raise
    except Exception as exc:  # e.g. a CA file that cannot be loaded
        raise PrometheusUnavailable(f"{endpoint.display}: {one_line(str(exc))}") from None
    if resp.status_code != 200:
        raise http_error(resp.status_code, resp.content, endpoint.display)
    try:
        return resp.json()
    except json.JSONDecodeError:
        raise PrometheusUnavailable(f"{endpoint.display} does not look like a Prometheus/AlertManager API "
                                    "(answer is not JSON)") from None


def fetch_alerts(prometheus: PrometheusEndpoint | None, alertmanager: PrometheusEndpoint | None = None
                 ) -> AlertsResult:
    """Read both sources. Raises PrometheusUnavailable only when every configured source failed."""
    prom_alerts: list[Alert] = []
    am_alerts: list[Alert] = []
    errors: list[str] = []
    sources: list[str] = []
    if prometheus is not None:
        try:
            doc = _get_json(prometheus, "/api/v1/alerts")
            if not isinstance(doc, dict) or doc.get("status") != "success":
                raise PrometheusUnavailable(f"{prometheus.display} does not look like Prometheus (no alerts API)")
            prom_alerts = parse_prometheus_alerts(doc)
            sources.append("prometheus")
        except MetricsError as exc:
            errors.append(f"Prometheus {exc}" if str(exc).startswith("unreachable") else str(exc))
    if alertmanager is not None:
        try:
            doc = _get_json(alertmanager, "/api/v2/alerts")
            if not isinstance(doc, list):
                raise PrometheusUnavailable(f"{alertmanager.display} does not look like AlertManager")
            am_alerts = parse_alertmanager_alerts(doc)
            sources.append("alertmanager")
        except MetricsError as exc:
            errors.append(f"AlertManager {exc}" if str(exc).startswith("unreachable") else str(exc))
    if errors and not sources:
        raise PrometheusUnavailable("; ".join(errors))
    return AlertsResult(tuple(merge(prom_alerts, am_alerts)), tuple(errors), tuple(sources))
