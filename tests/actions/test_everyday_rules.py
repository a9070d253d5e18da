"""The everyday operations' rules that need no cluster: the edit document (server fields gone, Secret values masked
unless asked, read back with placeholders kept), the JSON patch an edit becomes and its guards, image references,
HPA bounds, the Job a CronJob trigger creates, a drain's pod classes, finalizer notes and the delete options."""

from __future__ import annotations

import base64

import pytest

from k8stui.actions.client import ObjectRef, delete_options
from k8stui.actions.cronjobs import INSTANTIATE, job_from_cronjob, manual_job_name
from k8stui.actions.delete import finalizer_note
from k8stui.actions.edit import EditError, diff_ops, document, editable, parse, strip_comments
from k8stui.actions.edit import _guards as guards
from k8stui.actions.hpa import parse_bounds
from k8stui.actions.images import parse_image
from k8stui.actions.nodes import SKIPPED, WAITING, classify
from k8stui.cluster import kinds

DEPLOY = ObjectRef(kinds.DEPLOYMENTS, "shop", "web")
SECRET = ObjectRef(kinds.SECRETS, "shop", "db")


def deployment() -> dict:
    return {"metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "resourceVersion": "42", "generation": 3,
                         "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "web"},
                         "managedFields": [{"manager": "kubectl"}]},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "sidecar", "image": "envoy:1"}, {"name": "web", "image": "web:1", "env": [{"name": "A"}]}]}}},
            "status": {"replicas": 2}}


def secret() -> dict:
    return {"metadata": {"name": "db", "namespace": "shop", "uid": "s-1", "resourceVersion": "7",
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"data":{"pw":"aHVudGVyMg=="}}'}},
            "type": "Opaque", "data": {"pw": base64.b64encode(b"hunter2").decode(), "user": base64.b64encode(b"app").decode(),
                                       "blob": base64.b64encode(b"\xff\xfe\x00").decode()}}


def test_the_editor_sees_no_server_fields_and_kind_first():
    text = document(deployment(), DEPLOY)
    body = strip_comments(text)
    assert body.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n")
    for hidden in ("managedFields", "resourceVersion", "uid", "generation", "creationTimestamp", "status"):
        assert hidden not in body
    assert text.startswith("# Edit the object below")


def test_secret_values_are_masked_unless_asked_and_never_in_the_masked_document():
    masked = document(secret(), SECRET)
    assert "hunter2" not in masked and base64.b64encode(b"hunter2").decode() not in masked
    assert "aHVudGVyMg==" not in masked  # the last-applied annotation embeds the values: dropped
    assert "pw: '<unchanged: 7 bytes>'" in masked or "pw: <unchanged: 7 bytes>" in masked
    shown = editable(secret(), SECRET, reveal=True)
    assert shown["stringData"]["pw"] == "hunter2" and shown["stringData"]["user"] == "app"
    assert shown["stringData"]["blob"].startswith("<binary: 3 bytes")  # never decoded into mojibake


def test_a_masked_secret_read_back_keeps_placeholders_and_encodes_new_values():
    original = secret()
    text = strip_comments(document(original, SECRET)).replace("user: '<unchanged: 3 bytes>'", "user: admin")
    edited = parse(text, original, SECRET)
    assert edited["data"]["pw"] == original["data"]["pw"] and edited["data"]["blob"] == original["data"]["blob"]
    assert base64.b64decode(edited["data"]["user"]) == b"admin"
    assert "stringData" not in edited
    ops = diff_ops(original, edited)
    assert ops == [{"op": "replace", "path": "/data/user", "value": base64.b64encode(b"admin").decode()}]


def test_an_edit_is_the_changed_fields_guarded_by_what_was_seen():
    original = deployment()
    text = document(original, DEPLOY).replace("replicas: 2", "replicas: 5").replace("image: web:1", "image: web:2")
    edited = parse(text, original, DEPLOY)
    ops = diff_ops(original, edited)
    assert ops == [{"op": "replace", "path": "/spec/replicas", "value": 5},
                   {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "web:2"}]
    assert guards(ops, original) == {"/metadata/uid": "u-1", "/spec/replicas": 2,
                                     "/spec/template/spec/containers/1/name": "web",
                                     "/spec/template/spec/containers/1/image": "web:1"}
    # server-set fields come back as they were: they are not part of the change
    assert edited["metadata"]["resourceVersion"] == "42" and edited["status"] == {"replicas": 2}


@pytest.mark.parametrize("text, message", [
    ("spec: [unclosed", r"invalid YAML \(line \d+, column \d+ of the YAML\)"),
    ("- a list\n- of things\n", "must be a YAML mapping"),
    ("apiVersion: apps/v1\nkind: Deployment\nspec: {}\n", "metadata is missing"),
    ("kind: Deployment\nmetadata: {name: other, namespace: shop}\n", "metadata.name cannot be changed"),
    ("kind: Service\nmetadata: {name: web, namespace: shop}\n", "kind cannot be changed"),
])
def test_bad_edits_say_why_in_one_line(text, message):
    with pytest.raises(EditError, match=message) as err:
        parse(text, deployment(), DEPLOY)
    assert "\n" not in str(err.value)


def test_an_emptied_file_cancels_and_the_error_goes_on_top_as_comments():
    assert parse("# only comments\n\n", deployment(), DEPLOY) is None
    again = document(deployment(), DEPLOY, error="spec.replicas: Invalid value: -1\nsecond line", text="spec: {}\n")
    assert again.startswith("# deployment shop/web could not be saved:\n# * spec.replicas: Invalid value: -1\n"
                            "# * second line\n")
    assert strip_comments(again) == "spec: {}\n"


@pytest.mark.parametrize("text", ["nginx", "nginx:1.27", "ghcr.io/demo/api:1.4.2", "localhost:5000/a/b:c",
                                  "registry.k8s.io/pause@sha256:" + "a" * 64])
def test_good_images(text):
    assert parse_image(f"  {text} ") == text


@pytest.mark.parametrize("text, message", [("", "enter an image"), ("nginx latest", "contains spaces"),
                                           ("Nginx:1", "not a valid image reference"), ("a:b:c", "not a valid")])
def test_bad_images(text, message):
    with pytest.raises(ValueError, match=message):
        parse_image(text)


@pytest.mark.parametrize("low, high, message", [("0", "3", "at least 1"), ("4", "3", "must not be less"),
                                                ("x", "3", "not a whole number"), ("1", "", "enter the max")])
def test_bad_hpa_bounds(low, high, message):
    with pytest.raises(ValueError, match=message):
        parse_bounds(low, high)


def test_a_triggered_job_is_what_kubectl_create_job_from_cronjob_makes():
    cj = {"metadata": {"name": "nightly-report", "namespace": "team-a", "uid": "cj-1"},
          "spec": {"schedule": "0 2 * * *", "jobTemplate": {"metadata": {"labels": {"app": "report"},
                                                                          "annotations": {"team": "a"}},
                                                             "spec": {"backoffLimit": 1, "template": {"spec": {}}}}}}
    job = job_from_cronjob(cj, "nightly-report-manual-abcde")
    assert job["metadata"]["annotations"] == {INSTANTIATE: "manual", "team": "a"}
    assert job["metadata"]["labels"] == {"app": "report"}
    assert job["metadata"]["ownerReferences"] == [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-report",
                                                   "uid": "cj-1", "controller": True}]
    assert job["spec"] == {"backoffLimit": 1, "template": {"spec": {}}}
    assert manual_job_name("x" * 80, "abcde") == "x" * 50 + "-manual-abcde"


def test_a_drain_skips_daemonset_and_mirror_pods_and_warns_about_the_rest():
    def pod(name, owner=None, **extra):
        meta = {"name": name, "namespace": "ns", "uid": name}
        if owner:
            meta["ownerReferences"] = [{"kind": owner, "name": "o", "controller": True}]
        meta.update(extra.pop("meta", {}))
        return {"metadata": meta, "spec": extra.get("spec", {}), "status": {"phase": "Running"}}

    pods = classify([pod("a", "ReplicaSet"), pod("b", "DaemonSet"), pod("c"),
                     pod("d", meta={"annotations": {"kubernetes.io/config.mirror": "x"}}),
                     pod("e", "ReplicaSet", spec={"volumes": [{"name": "cache", "emptyDir": {}}]})])
    by = {p.name: p for p in pods}
    assert [p.name for p in pods] == ["a", "c", "e", "b", "d"]
    assert by["b"].status == SKIPPED and "DaemonSet" in by["b"].message
    assert by["d"].status == SKIPPED and "mirror" in by["d"].message
    assert by["a"].status == WAITING and by["a"].warnings == ()
    assert by["c"].warnings == ("not managed by a controller: it will not be re-created anywhere",)
    assert by["e"].warnings == ("emptyDir data is lost (cache)",)


def test_finalizer_notes_and_delete_options():
    assert finalizer_note({"finalizers": ["foregroundDeletion", "kubernetes"]}) == ""
    assert finalizer_note({"finalizers": ["kubernetes.io/pvc-protection"]}) == \
        "finalizer kubernetes.io/pvc-protection (until no pod uses it)"
    assert "if that controller is gone, it hangs" in finalizer_note({"finalizers": ["demo.k8stui.io/cleanup"]})
    assert delete_options("9", "u-1", "Foreground", 0, True) == {
        "kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground",
        "preconditions": {"uid": "u-1", "resourceVersion": "9"}, "gracePeriodSeconds": 0, "dryRun": ["All"]}
