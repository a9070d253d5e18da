"""Units of the protobuf body decoder: bodies made with the same message classes, then decoded as a request
(kubectl's real bodies are covered in test_fidelity.py)."""

from __future__ import annotations

import pytest

from k8stui.demo import protobuf


def envelope(api_version: str, kind: str, struct: str, fill) -> bytes:
    classes, unknown = protobuf._classes()
    msg = classes[struct]()
    fill(msg)
    env = unknown()
    env.typeMeta.apiVersion, env.typeMeta.kind = api_version, kind
    env.raw = msg.SerializeToString()
    return protobuf.MAGIC + env.SerializeToString()


def test_eviction_with_delete_options() -> None:
    def fill(msg) -> None:
        msg.f1.f1 = "web-1"      # metadata.name
        msg.f1.f3 = "shop"       # metadata.namespace
        msg.f2.f1 = 0            # deleteOptions.gracePeriodSeconds = 0 (a pointer: kept)
        msg.f2.f4 = "Foreground"  # propagationPolicy
    body = envelope("policy/v1", "Eviction", "policy/v1.Eviction", fill)
    assert protobuf.decode(body) == {"kind": "Eviction", "apiVersion": "policy/v1",
                                     "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": None},
                                     "deleteOptions": {"gracePeriodSeconds": 0, "propagationPolicy": "Foreground"}}


def test_go_json_rules_and_special_types() -> None:
    def fill(msg) -> None:
        msg.f1.f1 = "web"
        msg.f2.f1 = 0  # spec.replicas: 0 is an explicit scale to zero
        spec = msg.f2.f3.f2  # template.spec
        container = spec.f2.add()
        container.f1, container.f2 = "app", "nginx"
        port = container.f6.add()
        port.f3 = 80
        container.f8.f1["cpu"].string = "100m"  # resources.limits
        spec.f4 = 30  # terminationGracePeriodSeconds
        msg.f2.f4.f2.f1.type, msg.f2.f4.f2.f1.strVal = 1, "25%"  # strategy.rollingUpdate.maxUnavailable
    obj = protobuf.decode(envelope("apps/v1", "Deployment", "apps/v1.Deployment", fill))
    spec = obj["spec"]
    assert spec["replicas"] == 0
    assert spec["strategy"] == {"rollingUpdate": {"maxUnavailable": "25%"}}
    container = spec["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 80}]
    assert container["resources"] == {"limits": {"cpu": "100m"}}
    assert spec["template"]["metadata"] == {"creationTimestamp": None}
    assert "paused" not in spec and "minReadySeconds" not in spec  # omitempty zero values


@pytest.mark.parametrize("body, message", [
    (b'{"kind":"Pod"}', "magic"),
    (protobuf.MAGIC + b"\xff\xff", "could not be decoded"),
])
def test_bad_bodies(body: bytes, message: str) -> None:
    with pytest.raises(protobuf.ProtobufError, match=message):
        protobuf.decode(body)


def test_unknown_kind() -> None:
    _, unknown = protobuf._classes()
    env = unknown()
    env.typeMeta.apiVersion, env.typeMeta.kind = "example.com/v1", "Widget"
    with pytest.raises(protobuf.ProtobufError, match='no kind "Widget" is registered'):
        protobuf.decode(protobuf.MAGIC + env.SerializeToString())


def test_go_duration() -> None:
    assert [protobuf.go_duration(n) for n in (0, 1_500_000_000, 90 * 10**9, 3600 * 10**9, 300_000_000)] == \
        ["0s", "1.5s", "1m30s", "1h0m0s", "300ms"]
