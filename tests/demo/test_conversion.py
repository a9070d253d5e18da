"""HorizontalPodAutoscaler served as autoscaling/v1 and stored as v2 (conversion.py): what v1 cannot say
travels in annotations and comes back unchanged."""

from __future__ import annotations

from k8stui.demo import conversion

V2 = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
      "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
               "minReplicas": 1, "maxReplicas": 3,
               "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                   "type": "Utilization", "averageUtilization": 50}}},
                   {"type": "Resource", "resource": {"name": "memory", "target": {
                       "type": "Utilization", "averageUtilization": 70}}}],
               "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
      "status": {"currentReplicas": 2, "desiredReplicas": 2,
                 "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                     "averageUtilization": 20}}}],
                 "conditions": [{"type": "AbleToScale", "status": "True"}]}}


def test_v1_shows_the_cpu_target_and_keeps_the_rest_in_annotations() -> None:
    v1 = conversion.hpa_v2_to_v1(V2)
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"] == {"scaleTargetRef": V2["spec"]["scaleTargetRef"], "minReplicas": 1, "maxReplicas": 3,
                          "targetCPUUtilizationPercentage": 50}
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 2, "currentCPUUtilizationPercentage": 20}
    assert set(v1["metadata"]["annotations"]) == {conversion.METRICS, conversion.BEHAVIOR, conversion.CONDITIONS}
    assert conversion.hpa_v1_to_v2(v1) == V2


def test_a_plain_v1_object_converts_to_v2() -> None:
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
          "spec": {"maxReplicas": 3, "targetCPUUtilizationPercentage": 50}}
    v2 = conversion.hpa_v1_to_v2(v1)
    assert v2["spec"] == {"maxReplicas": 3, "metrics": [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}
    assert "annotations" not in v2["metadata"]
