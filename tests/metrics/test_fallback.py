"""Without Prometheus: metrics.k8s.io sampled into client-side history (against the demo cluster)."""

from __future__ import annotations

import pytest

from k8stui.cluster.connection import load_target
from k8stui.metrics.fallback import NEEDS_PROMETHEUS, MetricsServerHistory, MetricsServerUnavailable
from k8stui.metrics.targets import Target


def test_history_of_a_deployment_node_and_namespace(demo):
    history = MetricsServerHistory(load_target(demo.kubeconfig, "demo", None))
    try:
        deployment = Target("deployment", "api-blue", "shop", app="api", label_selector="app=api,version=blue")
        node = Target("node", "aks-nodepool1-00000")
        namespace = Target("namespace", "shop", "shop")
        for t, at in ((deployment, 1000.0), (deployment, 1005.0), (deployment, 1010.0), (node, 1000.0),
                      (namespace, 1000.0)):
            history.sample(t, now=at)
        snap = history.snapshot(deployment, "5m", 60, now=1012.0)
        cpu, memory = snap.metric("cpu").series[0], snap.metric("memory").series[0]
        assert snap.source == "metrics.k8s.io" and [t for t, _ in cpu.points] == [1000.0, 1005.0, 1010.0]
        assert 0 < cpu.current < 4 and 50 < memory.current < 2000  # cores and MiB
        assert snap.metric("requests").note == NEEDS_PROMETHEUS and not snap.metric("requests").series
        ns_cpu = history.snapshot(namespace, "5m", 60, now=1012.0).metric("cpu").series[0].current
        assert ns_cpu > cpu.current  # the namespace has more than api-blue's pods
        assert history.snapshot(node, "5m", 60, now=1012.0).metric("memory").series[0].current > 100
        # Points older than the range are not shown.
        assert history.snapshot(deployment, "5m", 60, now=1400.0).metric("cpu").series[0].points == ()
    finally:
        history.close()


def test_missing_pod_and_forbidden_namespace_are_one_line(demo):
    history = MetricsServerHistory(load_target(demo.kubeconfig, "demo-dev", None))
    try:
        with pytest.raises(MetricsServerUnavailable) as err:
            history.sample(Target("namespace", "shop", "shop"))
        assert str(err.value) == "forbidden to read pod metrics in shop from metrics.k8s.io"
        with pytest.raises(MetricsServerUnavailable) as err:
            history.sample(Target("pod", "no-such-pod", "team-a"))
        assert "metrics for pod team-a/no-such-pod" in str(err.value) and "\n" not in str(err.value)
    finally:
        history.close()
