"""The lean informer cache (cluster.lean): what is dropped, what is shared, and that nothing shared changes."""

from __future__ import annotations

import copy

import orjson

from k8stui.cluster import kinds
from k8stui.cluster.lean import SharedValues
from k8stui.cluster.secrets import LAST_APPLIED
from k8stui.cluster.store import Informer


def pod(name: str, node: str = "node-1", *, template: str = "abc") -> dict:
    """A pod as parsed from the API (a fresh dict each call, as orjson gives)."""
    return orjson.loads(orjson.dumps({
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}",
                     "labels": {"app": "api", "pod-template-hash": template},
                     "annotations": {LAST_APPLIED: '{"kind":"Pod"}' * 50, "note": "kept"},
                     "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
                     "ownerReferences": [{"kind": "ReplicaSet", "name": f"api-{template}", "controller": True}]},
        "spec": {"nodeName": node,
                 "containers": [{"name": "api", "image": "ghcr.io/demo/api:1.0",
                                 "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                 "resources": {"requests": {"cpu": "50m"}}}],
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "podIP": f"10.0.0.{len(name)}",
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "api", "ready": True, "restartCount": 0}]},
    }))


def test_unread_parts_are_dropped_and_the_rest_kept():
    shared = SharedValues()
    original = pod("a")
    lean = shared.slim(pod("a"))
    assert "managedFields" not in lean["metadata"]
    assert LAST_APPLIED not in lean["metadata"]["annotations"]
    assert lean["metadata"]["annotations"] == {"note": "kept"}
    # everything else is exactly what the server sent
    del original["metadata"]["managedFields"], original["metadata"]["annotations"][LAST_APPLIED]
    assert orjson.dumps(lean) == orjson.dumps(original)


def test_equal_parts_of_two_objects_are_one_object():
    shared = SharedValues()
    a, b = shared.slim(pod("a", "node-1")), shared.slim(pod("b", "node-2"))
    assert a["spec"]["containers"] is b["spec"]["containers"]
    assert a["spec"]["tolerations"] is b["spec"]["tolerations"]
    assert a["metadata"]["labels"] is b["metadata"]["labels"]
    assert a["metadata"]["ownerReferences"] is b["metadata"]["ownerReferences"]
    assert a["status"]["conditions"] is b["status"]["conditions"]
    # each object's own top stays its own
    assert a["metadata"] is not b["metadata"] and a["spec"] is not b["spec"] and a["status"] is not b["status"]
    assert (a["spec"]["nodeName"], b["spec"]["nodeName"]) == ("node-1", "node-2")
    # short strings are interned: the same namespace string in both
    assert a["metadata"]["namespace"] is b["metadata"]["namespace"]
    # a pod of another template shares only what is equal
    c = shared.slim(pod("c", template="xyz"))
    assert c["metadata"]["labels"] is not a["metadata"]["labels"] and c["metadata"]["labels"]["pod-template-hash"] == "xyz"
    assert c["spec"]["containers"] is a["spec"]["containers"]


def test_true_is_not_one_and_one_is_not_one_point_zero():
    shared = SharedValues()
    values = [{"spec": {"x": {"v": True}}}, {"spec": {"x": {"v": 1}}}, {"spec": {"x": {"v": 1.0}}}]
    slimmed = [shared.slim(copy.deepcopy(v)) for v in values]
    assert [type(s["spec"]["x"]["v"]) for s in slimmed] == [bool, int, float]
    assert len({id(s["spec"]["x"]) for s in slimmed}) == 3


def test_shared_values_are_never_changed_by_sharing_and_verify_finds_an_in_place_change():
    shared = SharedValues()
    a = shared.slim(pod("a"))
    before = orjson.dumps(a["spec"]["containers"])
    shared.slim(pod("b"))
    shared.slim(pod("c", template="xyz"))
    assert orjson.dumps(a["spec"]["containers"]) == before
    assert shared.verify() == []
    a["spec"]["containers"][0]["image"] = "evil:latest"  # what no reader may do: it shows in every pod
    assert shared.verify() and "evil:latest" in " ".join(shared.verify())


def test_sweep_forgets_what_one_object_holds_and_keeps_what_two_do():
    shared = SharedValues()
    a, b = shared.slim(pod("a")), shared.slim(pod("b"))
    lone = shared.slim({"metadata": {"name": "x"}, "spec": {"only": {"mine": "yes"}}})
    held = len(shared)
    assert shared.sweep() > 0 and len(shared) < held
    # still shared afterwards: a third pod gets the same containers
    c = shared.slim(pod("c"))
    assert c["spec"]["containers"] is a["spec"]["containers"] is b["spec"]["containers"]
    # the lone value was forgotten by the table, not taken from its object
    assert lone["spec"]["only"] == {"mine": "yes"}
    del a, b, c
    shared.sweep()
    shared.sweep()  # the parents first, then what only they held
    assert len(shared) < 5


def test_odd_shapes_do_not_break_it():
    shared = SharedValues()
    for obj in ({}, {"metadata": None}, {"metadata": {"annotations": None}}, {"items": [[], {}, [1, [2, [3]]]]},
                {"spec": {"deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}}}):
        expected = orjson.dumps(obj)
        assert orjson.dumps(shared.slim(copy.deepcopy(obj))) == expected
    assert shared.verify() == []


def test_an_informer_keeps_lean_objects_shared_across_its_hub():
    shared = SharedValues()
    informers = [Informer(kinds.PODS, ns, client=None, shared=shared) for ns in ("shop", None)]  # type: ignore[arg-type]
    for informer in informers:  # watch lines fed directly, as the server sends them
        informer._apply_lines([orjson.dumps({"type": "ADDED", "object": pod(name)}) for name in ("a", "b")])
    (shop_a, shop_b), (all_a, _all_b) = ([i.by_name("shop", n) for n in ("a", "b")] for i in informers)
    assert "managedFields" not in shop_a["metadata"] and LAST_APPLIED not in shop_a["metadata"]["annotations"]
    assert shop_a["spec"]["containers"] is shop_b["spec"]["containers"] is all_a["spec"]["containers"]
    assert shared.verify() == []
