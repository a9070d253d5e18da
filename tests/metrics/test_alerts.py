"""Alerts: Prometheus /api/v1/alerts and AlertManager /api/v2/alerts parsed and merged; the demo's rule fires."""

from __future__ import annotations

import pytest

from k8stui.metrics.alerts import (
    Related,
    fetch_alerts,
    merge,
    parse_alertmanager_alerts,
    parse_prometheus_alerts,
)
from k8stui.metrics.errors import PrometheusUnavailable
from k8stui.metrics.source import endpoint_for
from tests.conftest import wait_for

PROM = {"status": "success", "data": {"alerts": [
    {"labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": "checkout-1", "severity": "warning"},
     "annotations": {"summary": "Pod shop/checkout-1 is crash looping."}, "state": "firing",
     "activeAt": "2026-01-01T10:00:00.123456789Z", "value": "1e+00"},
    {"labels": {"alertname": "HighErrorRate", "namespace": "shop", "app": "api", "version": "green",
                "severity": "critical"},
     "annotations": {"description": "5xx ratio is 6%"}, "state": "pending", "activeAt": "2026-01-01T10:01:00Z"},
    {"labels": {"alertname": "Gone"}, "state": "inactive"},
]}}
AM = [
    {"labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": "checkout-1", "severity": "warning",
                "cluster": "prod-1"},
     "annotations": {}, "status": {"state": "suppressed"}, "startsAt": "2026-01-01T10:00:10Z"},
    {"labels": {"alertname": "NodeDown", "node": "aks-nodepool1-00002", "severity": "critical"},
     "annotations": {"summary": "node down"}, "status": {"state": "active"}, "startsAt": "2026-01-01T09:00:00Z"},
]


def test_parse_and_merge_prefers_alertmanager_silences_and_keeps_prometheus_pending():
    prom = parse_prometheus_alerts(PROM)
    assert [(a.name, a.state) for a in prom] == [("KubePodCrashLooping", "firing"), ("HighErrorRate", "pending")]
    assert prom[0].since == pytest.approx(1767261600.123, abs=0.01) and prom[1].summary == "5xx ratio is 6%"
    merged = merge(prom, parse_alertmanager_alerts(AM))
    by_name = {a.name: a for a in merged}
    assert by_name["KubePodCrashLooping"].state == "silenced" and by_name["KubePodCrashLooping"].source == "both"
    assert by_name["HighErrorRate"].state == "pending" and by_name["NodeDown"].source == "alertmanager"
    assert [a.state for a in merged] == ["firing", "pending", "silenced"]  # firing first


def test_related_object_of_an_alert():
    prom = {a.name: a for a in parse_prometheus_alerts(PROM)}
    assert prom["KubePodCrashLooping"].related() == Related("pods", "shop", "checkout-1", "pod")
    assert prom["HighErrorRate"].related() == Related("deployments", "shop", "api", "app")
    node = parse_alertmanager_alerts(AM)[1]
    assert node.related() == Related("nodes", "", "aks-nodepool1-00002", "node")
    assert node.related().title == "node aks-nodepool1-00002"


def test_demo_crash_loop_alert_fires(demo):
    if not demo.prometheus_url:
        pytest.skip("prometheus is not installed")
    endpoint = endpoint_for(demo.prometheus_url)

    def firing():
        result = fetch_alerts(endpoint)
        alerts = [a for a in result.alerts if a.name == "KubePodCrashLooping" and a.state == "firing"]
        return (result, alerts[0]) if alerts else None
    result, alert = wait_for(firing, timeout=90, interval=1, message="KubePodCrashLooping firing")
    assert alert.namespace == "shop" and alert.label_map["pod"].startswith("checkout-")
    assert alert.related().kind == "pods" and alert.since is not None and result.sources == ("prometheus",)


def test_unreachable_sources_are_one_line():
    with pytest.raises(PrometheusUnavailable) as err:
        fetch_alerts(endpoint_for("http://127.0.0.1:9"), endpoint_for("http://127.0.0.1:9"))
    text = str(err.value)
    assert "connection refused" in text and "\n" not in text and "AlertManager" in text
