"""Issue 13's acceptance: what current clients send and expect, with the newest kubectl (1.33) and the oldest we
support (1.27), called by path; the official Python client and lightkube for server-side apply, field
validation and 410. Every test makes its own namespace (or objects) and removes them.

The request log (``/_demo/requests``) shows what each client really sent, so tests assert on it where the
point is the wire format (protobuf bodies from 1.32+, JSON from older minors).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Demo, wait_for

SDK_BIN = Path("/usr/lib/google-cloud-sdk/bin")
NEWEST, OLDEST = "1.33", "1.27"
MINORS = [NEWEST, OLDEST]
PROTOBUF = "application/vnd.kubernetes.protobuf"


def kubectl_minor(minor: str) -> str:
    path = SDK_BIN / f"kubectl.{minor}"
    if not path.exists():
        pytest.skip(f"kubectl {minor} is not installed at {path}")
    return str(path)


def run(demo: Demo, minor: str, *args: str, context: str = "demo", input: str | None = None,
        check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    env["KUBECONFIG"] = demo.kubeconfig
    proc = subprocess.run([kubectl_minor(minor), "--context", context, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL)
    if check and proc.returncode != 0:
        raise AssertionError(f"kubectl {minor} {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def sent(demo: Demo, seq: int, method: str, path_end: str) -> list[dict]:
    return [r for r in demo.requests_since(seq) if r["method"] == method and r["path"].endswith(path_end)]


@pytest.fixture
def ns(demo: Demo, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace named after the test (and its minor)."""
    param = getattr(request.node, "callspec", None)
    suffix = "-" + param.id.replace(".", "-").lower() if param else ""
    name = ("fid-" + request.node.originalname.removeprefix("test_").replace("_", "-")[:40]).strip("-") + suffix
    demo.kubectl("create", "namespace", name)
    try:
        yield name
    finally:
        demo.kubectl("delete", "namespace", name, "--wait=false", check=False)


# -------------------------------------------------------------------------------- 1. protobuf request bodies

@pytest.mark.parametrize("minor", MINORS)
def test_create_sends_protobuf_from_1_32_and_json_before(demo: Demo, ns: str, minor: str) -> None:
    seq = demo.request_seq()
    run(demo, minor, "create", "configmap", "settings", "--from-literal=mode=fast", "-n", ns)
    run(demo, minor, "create", "secret", "generic", "creds", "--from-literal=password=s3cret", "-n", ns)
    run(demo, minor, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80", "-n", ns)
    run(demo, minor, "create", "service", "clusterip", "web", "--tcp=80:8080", "-n", ns)
    run(demo, minor, "create", "service", "externalname", "db", "--external-name=db.example.com", "-n", ns)
    posts = sent(demo, seq, "POST", "")
    assert [p["status"] for p in posts] == [201, 201, 201, 201, 201]
    expected = PROTOBUF if minor >= "1.32" else "application/json"
    assert {p["content_type"] for p in posts} == {expected}

    cm = json.loads(demo.kubectl("get", "configmap", "settings", "-n", ns, "-o", "json").stdout)
    assert cm["data"] == {"mode": "fast"}
    secret = json.loads(demo.kubectl("get", "secret", "creds", "-n", ns, "-o", "json").stdout)
    assert secret["data"] == {"password": "czNjcmV0"} and secret["type"] == "Opaque"
    deploy = json.loads(demo.kubectl("get", "deployment", "web", "-n", ns, "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 2
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["ports"]) == ("nginx:1.27", [{"containerPort": 80, "protocol": "TCP"}])
    svc = json.loads(demo.kubectl("get", "service", "web", "-n", ns, "-o", "json").stdout)
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(80, 8080)]
    alias = run(demo, minor, "get", "service", "db", "-n", ns, "--no-headers").stdout.split()
    assert alias[:4] == ["db", "ExternalName", "<none>", "db.example.com"]  # a DNS alias has no cluster IP
    out = run(demo, minor, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90).stdout
    assert "successfully rolled out" in out


@pytest.mark.parametrize("minor", MINORS)
def test_create_namespace_and_a_bad_object(demo: Demo, minor: str) -> None:
    name = f"fid-create-ns-{minor.replace('.', '-')}"
    try:
        assert run(demo, minor, "create", "namespace", name).stdout.strip() == f"namespace/{name} created"
        bad = run(demo, minor, "create", "deployment", "Bad_Name", "--image=nginx", "-n", name, check=False)
        assert bad.returncode == 1
        assert 'is invalid: metadata.name: Invalid value: "Bad_Name"' in bad.stderr
    finally:
        demo.kubectl("delete", "namespace", name, "--wait=false", check=False)


# -------------------------------------------------------------------------------- 5. can-i, whoami, --as

@pytest.mark.parametrize("minor", MINORS)
def test_auth_can_i_whoami_and_impersonation(demo: Demo, minor: str) -> None:
    seq = demo.request_seq()
    assert run(demo, minor, "auth", "can-i", "create", "deployments", "-n", "shop").stdout.strip() == "yes"
    reviews = sent(demo, seq, "POST", "/selfsubjectaccessreviews")
    assert reviews and reviews[-1]["status"] == 201
    assert reviews[-1]["content_type"] == (PROTOBUF if minor >= "1.32" else "application/json")

    as_dev = ("--as=dev@team-a",)
    assert run(demo, minor, "auth", "can-i", "create", "pods", "-n", "team-a", *as_dev).stdout.strip() == "yes"
    denied = run(demo, minor, "auth", "can-i", "create", "pods", "-n", "shop", *as_dev, check=False)
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
    forbidden = run(demo, minor, "get", "pods", "-n", "shop", *as_dev, check=False)
    assert forbidden.stderr.strip() == ('Error from server (Forbidden): pods is forbidden: User "dev@team-a" cannot '
                                        'list resource "pods" in API group "" in the namespace "shop"')

    who = run(demo, minor, "auth", "whoami", "-o", "json").stdout
    assert json.loads(who)["status"]["userInfo"]["username"] == "demo-admin"
    who_dev = json.loads(run(demo, minor, "auth", "whoami", "-o", "json", *as_dev).stdout)
    assert who_dev["status"]["userInfo"] == {"username": "dev@team-a", "groups": ["system:authenticated"]}

    # Only the admin may impersonate.
    refused = run(demo, minor, "get", "pods", "-n", "team-a", "--as=demo-admin", context="demo-dev", check=False)
    assert refused.returncode == 1
    assert ('users "demo-admin" is forbidden: User "dev@team-a" cannot impersonate resource "users" in API group ""'
            ' at the cluster scope') in refused.stderr
    masters = run(demo, minor, "auth", "can-i", "delete", "nodes", "--as=someone", "--as-group=system:masters")
    assert masters.stdout.strip() == "yes"


@pytest.mark.parametrize("minor", MINORS)
def test_create_token_authenticates_as_the_service_account(demo: Demo, ns: str, minor: str) -> None:
    """``kubectl create token`` (TokenRequest, protobuf from 1.32): the token is the service account, its rights
    are its RBAC bindings', and it stops working when the account is deleted."""
    seq = demo.request_seq()
    run(demo, minor, "create", "serviceaccount", "bot", "-n", ns)
    token = run(demo, minor, "create", "token", "bot", "-n", ns, "--duration=20m").stdout.strip()
    minted = sent(demo, seq, "POST", "/serviceaccounts/bot/token")
    assert [r["content_type"] for r in minted] == [PROTOBUF if minor >= "1.32" else "application/json"]
    as_bot = (f"--token={token}",)
    who = json.loads(run(demo, minor, "auth", "whoami", "-o", "json", *as_bot).stdout)["status"]["userInfo"]
    assert who["username"] == f"system:serviceaccount:{ns}:bot"
    assert who["groups"] == ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]
    uid = run(demo, minor, "get", "sa", "bot", "-n", ns, "-o", "jsonpath={.metadata.uid}").stdout
    assert who["uid"] == uid
    denied = run(demo, minor, "get", "pods", "-n", ns, *as_bot, check=False)
    assert f'User "system:serviceaccount:{ns}:bot" cannot list resource "pods"' in denied.stderr
    run(demo, minor, "create", "rolebinding", "bot-view", "--clusterrole=view", f"--serviceaccount={ns}:bot", "-n", ns)
    assert run(demo, minor, "get", "pods", "-n", ns, *as_bot).returncode == 0
    short = run(demo, minor, "create", "token", "bot", "-n", ns, "--duration=1m", check=False)
    assert "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes" in short.stderr
    missing = run(demo, minor, "create", "token", "nobody", "-n", ns, check=False)
    assert 'serviceaccounts "nobody" not found' in missing.stderr
    run(demo, minor, "delete", "serviceaccount", "bot", "-n", ns)
    gone = run(demo, minor, "get", "pods", "-n", ns, *as_bot, check=False)
    assert gone.returncode == 1 and "Unauthorized" in gone.stderr


# -------------------------------------------------------------------------------- 2. server-side apply

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa, namespace: %s, labels: {team: payments}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        ports: [{containerPort: 80}]
"""


@pytest.mark.parametrize("minor", MINORS)
def test_apply_server_side_conflicts_and_force(demo: Demo, ns: str, minor: str) -> None:
    manifest = DEPLOYMENT % ns
    assert run(demo, minor, "apply", "--server-side", "-f", "-", input=manifest).stdout.strip() == \
        "deployment.apps/ssa serverside-applied"
    run(demo, minor, "apply", "--server-side", "-f", "-", input=manifest)  # idempotent
    deploy = json.loads(run(demo, minor, "get", "deploy", "ssa", "-n", ns, "-o", "json",
                            "--show-managed-fields").stdout)
    [entry] = deploy["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["fieldsType"]) == ("kubectl", "Apply", "FieldsV1")
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert 'k:{"containerPort":80,"protocol":"TCP"}' in containers['k:{"name":"app"}']["f:ports"]
    assert len(deploy["spec"]["template"]["spec"]["containers"][0]["ports"]) == 1

    run(demo, minor, "scale", "deploy/ssa", "-n", ns, "--replicas=4")
    conflict = run(demo, minor, "apply", "--server-side", "-f", "-", input=manifest, check=False)
    assert conflict.returncode == 1
    assert "Apply failed with 1 conflict: conflict with" in conflict.stderr
    assert 'with subresource "scale" using apps/v1: .spec.replicas' in conflict.stderr
    assert "--force-conflicts" in conflict.stderr
    run(demo, minor, "apply", "--server-side", "--force-conflicts", "-f", "-", input=manifest)
    assert run(demo, minor, "get", "deploy", "ssa", "-n", ns, "-o", "jsonpath={.spec.replicas}").stdout == "2"

    # A field this manager no longer applies is removed.
    run(demo, minor, "apply", "--server-side", "-f", "-", input=manifest.replace(", labels: {team: payments}", ""))
    assert "team" not in json.loads(run(demo, minor, "get", "deploy", "ssa", "-n", ns, "-o",
                                        "jsonpath={.metadata.labels}").stdout or "{}")


# -------------------------------------------------------------------------------- 3. field validation

CONFIGMAP_WITH_TYPO = """apiVersion: v1
kind: ConfigMap
metadata: {name: typo, namespace: %s}
data: {mode: fast}
dat: {mode: slow}
"""


@pytest.mark.parametrize("minor", MINORS)
def test_validate_strict_warn_and_ignore(demo: Demo, ns: str, minor: str) -> None:
    manifest = CONFIGMAP_WITH_TYPO % ns
    strict = run(demo, minor, "create", "--validate=strict", "-f", "-", input=manifest, check=False)
    assert strict.returncode == 1
    assert ('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
            'unknown field "dat"') in strict.stderr
    warned = run(demo, minor, "create", "--validate=warn", "-f", "-", input=manifest)
    assert 'Warning: unknown field "dat"' in warned.stderr
    assert json.loads(run(demo, minor, "get", "cm", "typo", "-n", ns, "-o", "json").stdout)["data"] == \
        {"mode": "fast"}
    ignored = run(demo, minor, "apply", "--server-side", "--validate=false", "-f", "-",
                  input=manifest.replace("name: typo", "name: typo2"))
    assert "Warning" not in ignored.stderr
    # kubectl sends a manifest's bytes as they are with --raw: the server finds the duplicate field.
    duplicate = run(demo, minor, "create", "--raw", f"/api/v1/namespaces/{ns}/configmaps?fieldValidation=Strict",
                    "-f", "-", check=False,
                    input='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},'
                          '"data":{"a":"2"}}')
    assert 'cannot be handled as a ConfigMap: strict decoding error: duplicate field "data"' in duplicate.stderr


@pytest.mark.parametrize("minor", MINORS)
def test_unsupported_field_selector_label(demo: Demo, minor: str) -> None:
    bad = run(demo, minor, "get", "pods", "-n", "shop", "--field-selector=spec.bogus=x", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip() == ('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match '
                                  'label selector "", field selector "spec.bogus=x": field label not supported: '
                                  'spec.bogus')
    bad = run(demo, minor, "get", "--raw", "/apis/apps/v1/deployments?fieldSelector=status.phase%3DRunning",
              check=False)
    assert bad.stderr.strip() == "Error from server (BadRequest): field label not supported: status.phase"
    ok = run(demo, minor, "get", "pods", "-A", "--field-selector=status.phase=Running,spec.nodeName!=", "-o", "name")
    assert ok.stdout.strip()


def test_python_client_apply_field_validation_and_delete_answers(demo: Demo, ns: str) -> None:
    from kubernetes import client, config
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import BadRequestError, ConflictError

    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        dyn = DynamicClient(api_client)
        cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py", "namespace": ns},
                "data": {"a": "1"}, "extra": True}
        with pytest.raises(BadRequestError) as strict:
            cms.create(body=body, namespace=ns, query_params=[("fieldValidation", "Strict")])
        assert strict.value.status == 400 and 'unknown field \\"extra\\"' in strict.value.body
        created = dyn.create(cms, body=body, namespace=ns, serialize=False)  # Warn, the default
        assert created.status == 201
        assert created.headers["Warning"] == '299 - "unknown field \\"extra\\""'
        assert "extra" not in json.loads(demo.kubectl("get", "cm", "py", "-n", ns, "-o", "json").stdout)

        # Server-side apply: a conflict with the creator, then forced.
        applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py", "namespace": ns},
                   "data": {"a": "2"}}
        with pytest.raises(ConflictError) as conflict:
            dyn.server_side_apply(cms, body=applied, namespace=ns, field_manager="py-apply")
        assert json.loads(conflict.value.body)["message"] == \
            'Apply failed with 1 conflict: conflict with "OpenAPI-Generator" using v1: .data.a'
        forced = dyn.server_side_apply(cms, body=applied, namespace=ns, field_manager="py-apply",
                                       force_conflicts=True)
        assert forced.data.a == "2"
        assert {m.manager for m in forced.metadata.managedFields} == {"py-apply"}

        core = client.CoreV1Api(api_client)
        secret = core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "stringData": {"user": "ann"},
                                                    "data": {"user": "Ym9i", "k": "dg=="}})
        assert secret.data == {"user": "YW5u", "k": "dg=="} and secret.string_data is None

        # Pods, Services, ServiceAccounts answer a DELETE with the object; most kinds with a Status.
        svc = core.create_namespaced_service(ns, {"metadata": {"name": "web"}, "spec": {
            "selector": {"app": "web"}, "ports": [{"port": 80}]}})
        deleted = core.delete_namespaced_service("web", ns)
        assert isinstance(deleted, client.V1Service) and deleted.metadata.uid == svc.metadata.uid
        sa = core.create_namespaced_service_account(ns, {"metadata": {"name": "robot"}})
        assert core.delete_namespaced_service_account("robot", ns).metadata.uid == sa.metadata.uid
        status = core.delete_namespaced_config_map("py", ns)
        assert status["kind"] == "Status" and status["details"]["name"] == "py"


def test_lightkube_apply_and_field_pruning(demo: Demo, ns: str) -> None:
    from lightkube import Client, KubeConfig
    from lightkube.core.exceptions import ApiError
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import ConfigMap
    from lightkube.types import PatchType

    client = Client(KubeConfig.from_file(demo.kubeconfig).get(context_name="demo"), field_manager="lk")
    cm = ConfigMap(metadata=ObjectMeta(name="lk", namespace=ns), data={"a": "1"})
    created = client.apply(cm)
    assert created.data == {"a": "1"} and created.metadata.managedFields[0].manager == "lk"
    client.patch(ConfigMap, "lk", {"data": {"a": "2"}}, namespace=ns, field_manager="other")
    with pytest.raises(ApiError) as conflict:
        client.apply(cm)
    assert conflict.value.status.code == 409
    assert conflict.value.status.message == ('Apply failed with 1 conflict: conflict with "other" using v1: '
                                             '.data.a')
    assert client.apply(cm, force=True).data == {"a": "1"}
    pruned = client.patch(ConfigMap, "lk", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "lk"},
                                            "data": {"b": "3"}, "bogus": 1}, namespace=ns,
                          patch_type=PatchType.APPLY, field_manager="lk2")
    assert pruned.data == {"a": "1", "b": "3"}
    assert "bogus" not in json.loads(demo.kubectl("get", "cm", "lk", "-n", ns, "-o", "json").stdout)


# -------------------------------------------------------------------------------- 6. watch history and 410

def test_watch_from_a_compacted_version_is_410_for_both_clients(demo: Demo, ns: str) -> None:
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException
    from lightkube import Client, KubeConfig
    from lightkube.core.exceptions import ApiError
    from lightkube.resources.core_v1 import ConfigMap

    demo.kubectl("create", "configmap", "before", "-n", ns)
    old_rv = demo.kubectl("get", "cm", "before", "-n", ns, "-o", "jsonpath={.metadata.resourceVersion}").stdout
    demo.kubectl("create", "configmap", "after", "-n", ns)
    demo.admin("compact", {})
    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        core = client.CoreV1Api(api_client)
        with pytest.raises(ApiException) as gone:
            for _ in watch.Watch().stream(core.list_namespaced_config_map, ns, resource_version=old_rv,
                                          timeout_seconds=5):
                pass
        assert gone.value.status == 410
    lk = Client(KubeConfig.from_file(demo.kubeconfig).get(context_name="demo"))
    with pytest.raises(ApiError) as expired:
        for _ in lk.watch(ConfigMap, namespace=ns, resource_version=old_rv, server_timeout=5):
            pass
    assert expired.value.status.code == 410 and expired.value.status.reason == "Expired"


def test_watch_history_rolls_over_with_time(tmp_path: Path) -> None:
    """A cluster keeping 1 s of history: a client away for longer gets 410 without anyone compacting."""
    from k8stui.demo.launcher import DemoProcess

    with DemoProcess(prometheus=False, extra_args=("--watch-history", "1")) as process:
        mini = Demo(process)
        rv = json.loads(mini.kubectl("get", "ns", "default", "-o", "json").stdout)["metadata"]["resourceVersion"]
        mini.kubectl("create", "namespace", "later")

        def expired() -> bool:
            mini.kubectl("annotate", "ns", "later", "--overwrite", f"tick={os.urandom(4).hex()}")
            out = mini.kubectl("get", "--raw", f"/api/v1/namespaces?watch=true&resourceVersion={rv}"
                                              "&timeoutSeconds=1").stdout
            return '"code":410' in out
        wait_for(expired, timeout=30, message="the watch history to roll past the old version")


def test_send_initial_events_and_partial_object_metadata(demo: Demo) -> None:
    raw = demo.kubectl("get", "--raw", "/api/v1/namespaces/shop/configmaps?watch=true&sendInitialEvents=true"
                       "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1").stdout
    events = [json.loads(line) for line in raw.splitlines()]
    names = sorted(e["object"]["metadata"]["name"] for e in events if e["type"] == "ADDED")
    listed = demo.kubectl("get", "cm", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
    assert names == sorted(listed)
    end = next(i for i, e in enumerate(events) if e["type"] == "BOOKMARK")
    assert end == len(names)
    assert events[end]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    invalid = demo.kubectl("get", "--raw", "/api/v1/pods?watch=true&sendInitialEvents=true", check=False)
    assert ('The ListOptions "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting '
            "resourceVersionMatch to NotOlderThan") in invalid.stderr

    from kubernetes import config
    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
        request = api_client.param_serialize("GET", "/api/v1/namespaces/{namespace}/configmaps",
                                             path_params={"namespace": "shop"}, header_params={"Accept": accept},
                                             auth_settings=["BearerToken"])
        response = api_client.call_api(*request)
        response.read()
        body = json.loads(response.data)
    assert response.status == 200 and body["kind"] == "PartialObjectMetadataList"
    assert {i["kind"] for i in body["items"]} == {"PartialObjectMetadata"}
    assert all("data" not in i for i in body["items"]) and len(body["items"]) == len(listed)


TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _raw_watch(demo: Demo, path: str, rv: str, accept: str) -> list[dict]:
    """The events of a watch from ``rv`` that the server ends after a second, read with the official client."""
    from kubernetes import config
    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        request = api_client.param_serialize("GET", path, query_params=[
            ("watch", "true"), ("resourceVersion", rv), ("allowWatchBookmarks", "true"), ("timeoutSeconds", "1")],
            header_params={"Accept": accept}, auth_settings=["BearerToken"])
        response = api_client.call_api(*request)
        response.read()
        assert response.status == 200
        return [json.loads(line) for line in response.data.decode().splitlines()]


@pytest.mark.parametrize("minor", MINORS)
def test_table_watch_carries_columns_only_in_its_first_event(demo: Demo, ns: str, minor: str) -> None:
    """kube-apiserver encodes every watch event after the first with NoHeaders (``columnDefinitions: null``,
    handlers/response.go): kubectl -w prints each event with the columns it remembered."""
    from tests.demo.test_kubectl import Stream

    rv = json.loads(demo.kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/configmaps").stdout)["metadata"][
        "resourceVersion"]
    for name in ("one", "two", "three"):
        demo.kubectl("create", "configmap", name, f"--from-literal=k={name}", "-n", ns)
    events = _raw_watch(demo, f"/api/v1/namespaces/{ns}/configmaps", rv, TABLE)
    added = [e for e in events if e["type"] == "ADDED"]
    assert [e["object"]["rows"][0]["cells"][:2] for e in added] == [["one", 1], ["two", 1], ["three", 1]]
    assert [c["name"] for c in events[0]["object"]["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert all(e["object"]["kind"] == "Table" and e["object"]["columnDefinitions"] is None for e in events[1:])
    # Bookmarks are converted too (a Table whose row is the bookmark's object); PartialObjectMetadata alike.
    partial = _raw_watch(demo, f"/api/v1/namespaces/{ns}/configmaps", rv,
                         "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json")
    assert {e["object"]["kind"] for e in partial} == {"PartialObjectMetadata"} and len(partial) >= 3

    seq = demo.request_seq()
    stream = Stream(demo, "get", "pods", "-n", ns, "-w", "-o", "wide", kubectl=kubectl_minor(minor))
    try:
        wait_for(lambda: [r for r in sent(demo, seq, "GET", f"/namespaces/{ns}/pods") if "watch=true" in r["query"]],
                 message="kubectl's watch request")
        run(demo, minor, "run", "watched", "--image=nginx:1.27", "-n", ns)
        lines = stream.wait_for(lambda ls: any(line.startswith("watched ") and " Running " in line for line in ls),
                                30, "the pod Running in kubectl's watch")
        assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
                                    "READINESS", "GATES"]
        assert sum(line.startswith("NAME ") for line in lines) == 1
        watched = [line.split() for line in lines if line.startswith("watched ")]
        assert len(watched) >= 2 and all(len(cells) == 9 for cells in watched), watched
        assert watched[0][2] == "Pending"  # a pod created through the API starts Pending, whatever status was sent
    finally:
        stream.stop()


BUILT_IN_GROUP_ORDER = ["apps", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch",
                        "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
                        "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"]


def test_api_groups_are_listed_by_priority_with_crd_groups_after_the_built_in_ones(demo: Demo) -> None:
    """kube-aggregator orders groups by their APIService's groupPriorityMinimum: the built-in groups' fixed
    priorities, 1000 for each CRD group, 100 for metrics-server's metrics.k8s.io (a RESTMapper prefers the
    earlier group when two serve the same resource name)."""
    from kubernetes import client, config
    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        listed = client.ApisApi(api_client).get_api_versions().groups
        accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        request = api_client.param_serialize("GET", "/apis", header_params={"Accept": accept},
                                             auth_settings=["BearerToken"])
        response = api_client.call_api(*request)
        response.read()
        aggregated = [item["metadata"]["name"] for item in json.loads(response.data)["items"]]
    preferred = {g.name: g.preferred_version.version for g in listed}
    crd_groups = sorted({g for g in preferred if g not in BUILT_IN_GROUP_ORDER and g != "metrics.k8s.io"},
                        key=lambda g: f"{preferred[g]}.{g}")
    assert "demo.k8stui.io" in crd_groups
    expected = BUILT_IN_GROUP_ORDER + crd_groups + ["metrics.k8s.io"]
    assert [g.name for g in listed] == expected
    assert aggregated == expected


# -------------------------------------------------------------------------------- 7. explain

@pytest.mark.parametrize("minor", MINORS)
def test_explain(demo: Demo, minor: str) -> None:
    out = run(demo, minor, "explain", "deployment.spec.replicas").stdout
    assert "KIND:       Deployment" in out and "FIELD: replicas <integer>" in out
    assert "Number of desired pods." in out
    ports = run(demo, minor, "explain", "pod.spec.containers.ports").stdout
    assert "containerPort\t<integer> -required-" in ports
    assert "ContainerPort represents a network port in a single container." in ports
    assert "selector\t<LabelSelector>" in run(demo, minor, "explain", "pdb.spec").stdout
    custom = run(demo, minor, "explain", "certificates.spec").stdout  # from the CRD's openAPIV3Schema
    assert "GROUP:      demo.k8stui.io" in custom and "secretName\t<string>" in custom


# -------------------------------------------------------------------------------- 8. deletion semantics

def owned(demo: Demo, ns: str) -> tuple[list[str], list[str]]:
    rs = demo.kubectl("get", "rs", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
    pods = demo.kubectl("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
    return rs, pods


@pytest.mark.parametrize("minor", MINORS)
def test_delete_cascade_orphan_and_foreground(demo: Demo, ns: str, minor: str) -> None:
    run(demo, minor, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "-n", ns)
    run(demo, minor, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
    rs_before, pods_before = owned(demo, ns)
    assert len(rs_before) == 1 and len(pods_before) == 2

    run(demo, minor, "delete", "deployment", "web", "-n", ns, "--cascade=orphan")
    assert owned(demo, ns) == (rs_before, pods_before)  # the ReplicaSet and its pods stay
    rs = json.loads(demo.kubectl("get", "rs", rs_before[0], "-n", ns, "-o", "json").stdout)
    assert "ownerReferences" not in rs["metadata"]

    # Foreground: the ReplicaSet is marked and waits for its pods (Terminating for their grace period).
    seq = demo.request_seq()
    run(demo, minor, "delete", "rs", rs_before[0], "-n", ns, "--cascade=foreground", "--wait=false")
    marked = json.loads(demo.kubectl("get", "rs", rs_before[0], "-n", ns, "-o", "json", check=False).stdout or "{}")
    if marked:  # (it may already be gone on a fast machine)
        assert marked["metadata"]["deletionTimestamp"]
        assert "foregroundDeletion" in marked["metadata"]["finalizers"]
    [delete] = sent(demo, seq, "DELETE", f"/replicasets/{rs_before[0]}")
    assert delete["status"] == 200
    wait_for(lambda: owned(demo, ns) == ([], []), timeout=60, message="the ReplicaSet and its pods to go")


@pytest.mark.parametrize("minor", MINORS)
def test_finalizer_holds_an_object_and_namespace_terminates(demo: Demo, minor: str) -> None:
    ns = f"fid-terminating-{minor.replace('.', '-')}"
    run(demo, minor, "create", "namespace", ns)
    run(demo, minor, "create", "configmap", "held", "-n", ns)
    run(demo, minor, "patch", "configmap", "held", "-n", ns, "--type=merge",
        "-p", '{"metadata":{"finalizers":["example.com/hold"]}}')
    run(demo, minor, "delete", "configmap", "held", "-n", ns, "--wait=false")
    cm = json.loads(run(demo, minor, "get", "configmap", "held", "-n", ns, "-o", "json").stdout)
    assert cm["metadata"]["deletionTimestamp"] and cm["metadata"]["finalizers"] == ["example.com/hold"]

    run(demo, minor, "delete", "namespace", ns, "--wait=false")
    status = json.loads(run(demo, minor, "get", "namespace", ns, "-o", "json").stdout)["status"]
    assert status["phase"] == "Terminating"

    def remaining() -> dict | None:
        conds = {c["type"]: c for c in json.loads(run(demo, minor, "get", "namespace", ns, "-o", "json").stdout)
                 ["status"].get("conditions", [])}
        return conds if conds.get("NamespaceFinalizersRemaining", {}).get("status") == "True" else None
    conds = wait_for(remaining, timeout=30, message="the namespace to report the held configmap")
    assert conds["NamespaceFinalizersRemaining"]["message"] == ("Some content in the namespace has finalizers "
                                                               "remaining: example.com/hold in 1 resource instances")
    refused = run(demo, minor, "create", "configmap", "late", "-n", ns, check=False)
    assert "unable to create new content in namespace " + ns + " because it is being terminated" in refused.stderr

    run(demo, minor, "patch", "configmap", "held", "-n", ns, "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    wait_for(lambda: run(demo, minor, "get", "namespace", ns, check=False).returncode == 1, timeout=30,
             message="the namespace to go once its content is gone")


def test_pod_grace_period_and_deletecollection(demo: Demo, ns: str) -> None:
    from kubernetes import client, config

    for name in ("sleeper-1", "sleeper-2", "web"):
        command = '["sleep", "3600"]' if name.startswith("sleeper") else "[]"
        demo.kubectl("apply", "-f", "-", input=f"""apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name.split('-')[0]}}}}}
spec: {{containers: [{{name: c, image: busybox:1.36, command: {command}}}]}}
""")
    wait_for(lambda: demo.kubectl("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].status.phase}").stdout
             == "Running Running Running", message="three running pods")
    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        core = client.CoreV1Api(api_client)
        # One pod deleted with a grace period: the answer is the pod, marked; it stays Terminating (its
        # `sleep` ignores SIGTERM) until the kubelet kills it at the end of the period.
        answer = core.delete_namespaced_pod("sleeper-1", ns, grace_period_seconds=45)
        assert isinstance(answer, client.V1Pod)
        assert answer.metadata.deletion_grace_period_seconds == 45 and answer.metadata.deletion_timestamp
        # deletecollection with the same options marks each selected pod and answers with the list.
        raw = core.delete_collection_namespaced_pod(ns, label_selector="app=sleeper", grace_period_seconds=30,
                                                    _preload_content=False)
        assert raw.status == 200 and json.loads(raw.data)["kind"] == "PodList"
        pods = {p.metadata.name: p for p in core.list_namespaced_pod(ns).items}
        assert sorted(pods) == ["sleeper-1", "sleeper-2", "web"]
        assert pods["sleeper-1"].metadata.deletion_grace_period_seconds == 30  # a shorter period shortens it
        assert pods["sleeper-2"].metadata.deletion_grace_period_seconds == 30
        assert pods["web"].metadata.deletion_timestamp is None
        # A longer one does not extend it; a pod that handles SIGTERM goes at once.
        assert core.delete_namespaced_pod("sleeper-2", ns, grace_period_seconds=60).metadata. \
            deletion_grace_period_seconds == 30
        core.delete_namespaced_pod("sleeper-1", ns, grace_period_seconds=1)
        core.delete_namespaced_pod("web", ns)
    wait_for(lambda: demo.kubectl("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}").stdout
             == "sleeper-2", timeout=20, message="sleeper-1 and web gone, sleeper-2 still terminating")


# -------------------------------------------------------------------------------- 9. simulation fidelity

def container_status(demo: Demo, ns: str, selector: str) -> dict | None:
    pods = json.loads(demo.kubectl("get", "pods", "-n", ns, "-l", selector, "-o", "json").stdout)["items"]
    statuses = [cs for p in pods for cs in p.get("status", {}).get("containerStatuses") or ()]
    return statuses[0] if statuses else None


def test_wrong_image_tag_is_an_image_pull_failure(demo: Demo, ns: str) -> None:
    waiting = container_status(demo, "monitoring", "app=grafana")["state"].get("waiting", {})
    assert waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff")  # the scenario's typo

    demo.kubectl("create", "deployment", "typo", "--image=nginx:1.277", "-n", ns)

    def backing_off() -> dict | None:
        cs = container_status(demo, ns, "app=typo")
        return cs if cs and cs["state"].get("waiting", {}).get("reason") == "ImagePullBackOff" else None
    cs = wait_for(backing_off, timeout=30, message="ImagePullBackOff")
    assert cs["restartCount"] == 0 and not cs["ready"] and cs["image"] == "nginx:1.277"
    events = demo.kubectl("get", "events", "-n", ns, "--field-selector=reason=Failed", "-o",
                          "jsonpath={.items[*].message}").stdout
    assert ('Failed to pull image "nginx:1.277": rpc error: code = NotFound desc = failed to pull and unpack image '
            '"docker.io/library/nginx:1.277"') in events
    assert "Error: ErrImagePull" in events


def test_crash_loop_exit_code_matches_the_last_log_line(demo: Demo) -> None:
    def crashed() -> tuple[str, dict] | None:
        for p in json.loads(demo.kubectl("get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "json").stdout)[
                "items"]:
            for cs in p["status"].get("containerStatuses") or ():
                if cs.get("lastState", {}).get("terminated") and cs["image"].endswith("v2-broken"):
                    return p["metadata"]["name"], cs
        return None
    pod, cs = wait_for(crashed, timeout=60, message="a crashed checkout container")
    code = cs["lastState"]["terminated"]["exitCode"]
    last_line = demo.kubectl("logs", "--previous", pod, "-n", "shop").stdout.strip().splitlines()[-1]
    assert last_line.startswith(f"exit status {code}") and code == 2


NODE_POD = """apiVersion: v1
kind: Pod
metadata: {name: %(name)s, namespace: %(ns)s}
spec:
  nodeName: %(node)s
  terminationGracePeriodSeconds: 5
  tolerations: %(tolerations)s
  containers: [{name: c, image: busybox:1.36, command: [sleep, "3600"]}]
"""


def test_no_execute_taint_evicts_pods_that_do_not_tolerate_it(demo: Demo, ns: str) -> None:
    node = json.loads(demo.kubectl("get", "node", "aks-nodepool1-00000", "-o", "json").stdout)
    node["metadata"] = {"name": f"{ns}-node", "labels": {"kubernetes.io/hostname": f"{ns}-node"}}
    node["spec"] = {"taints": [{"key": "fidelity", "value": "yes", "effect": "NoSchedule"}]}
    demo.kubectl("create", "-f", "-", input=json.dumps(node))
    try:
        for name, tolerations in (("plain", "[]"),
                                  ("tolerant", "[{key: maintenance, operator: Exists, effect: NoExecute}]"),
                                  ("patient", "[{key: maintenance, operator: Exists, effect: NoExecute, "
                                              "tolerationSeconds: 3}]")):
            demo.kubectl("apply", "-f", "-", input=NODE_POD % {"name": name, "ns": ns, "node": node["metadata"]["name"],
                                                               "tolerations": tolerations})
        wait_for(lambda: demo.kubectl("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].status.phase}").stdout
                 == "Running Running Running", message="three running pods")
        demo.kubectl("taint", "node", node["metadata"]["name"], "maintenance=now:NoExecute")

        def names() -> list[str]:
            return demo.kubectl("get", "pods", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
        wait_for(lambda: "plain" not in names(), timeout=20, message="the untolerating pod evicted")
        patient = json.loads(demo.kubectl("get", "pod", "patient", "-n", ns, "-o", "json", check=False).stdout or "{}")
        if patient:  # still inside its tolerationSeconds, or Terminating (sleep ignores SIGTERM)
            assert not patient["metadata"].get("deletionTimestamp") or patient["metadata"][
                "deletionGracePeriodSeconds"] == 5
        wait_for(lambda: names() == ["tolerant"], timeout=30, message="the patient pod evicted after 3 s")
        events = demo.kubectl("get", "events", "-n", ns, "--field-selector=reason=TaintManagerEviction", "-o",
                              "jsonpath={.items[*].message}").stdout
        assert f"Marking for deletion Pod {ns}/plain" in events and f"Marking for deletion Pod {ns}/patient" in events
    finally:
        demo.kubectl("delete", "node", node["metadata"]["name"], "--wait=false", check=False)


# -------------------------------------------------------------------------------- 10. every supported minor

ALL_MINORS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"]


@pytest.mark.parametrize("minor", ALL_MINORS)
def test_core_verbs_with_every_minor(demo: Demo, ns: str, minor: str) -> None:
    """A quick pass over the everyday verbs with each kubectl minor we support (1.27 is the oldest)."""
    assert "api-blue" in run(demo, minor, "get", "deploy", "-n", "shop").stdout
    run(demo, minor, "create", "deployment", "web", "--image=nginx:1.27", "-n", ns)
    run(demo, minor, "apply", "-f", "-", input=f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: {ns}}}\n"
                                                "data: {a: b}\n")
    run(demo, minor, "scale", "deployment/web", "--replicas=2", "-n", ns)
    # kubectl up to 1.32 creates an autoscaling/v1 HPA, 1.33 a v2 one: both are one stored object
    assert run(demo, minor, "autoscale", "deployment/web", "--max=3", "--cpu-percent=50", "-n", ns).stdout.strip() \
        == "horizontalpodautoscaler.autoscaling/web autoscaled"
    hpa = run(demo, minor, "get", "hpa", "web", "-n", ns, "--no-headers").stdout.split()
    assert hpa[:5] == ["web", "Deployment/web", "cpu:", "<unknown>/50%", "1"] or hpa[:4] == [
        "web", "Deployment/web", "<unknown>/50%", "1"], hpa  # (kubectl < 1.30 prints no "cpu:")
    v1 = json.loads(run(demo, minor, "get", "--raw", f"/apis/autoscaling/v1/namespaces/{ns}/horizontalpodautoscalers/web"
                        ).stdout)
    assert (v1["apiVersion"], v1["spec"]["targetCPUUtilizationPercentage"], v1["spec"]["minReplicas"]) == (
        "autoscaling/v1", 50, 1)
    run(demo, minor, "set", "image", "deployment/web", "nginx=nginx:1.26", "-n", ns)
    run(demo, minor, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
    assert run(demo, minor, "logs", "deployment/web", "-n", ns, "--tail=1").stdout.strip()
    assert run(demo, minor, "auth", "can-i", "delete", "pods", "-n", ns).stdout.strip() == "yes"
    run(demo, minor, "delete", "deployment", "web", "-n", ns)
    assert "c" in run(demo, minor, "get", "cm", "-n", ns, "-o", "name").stdout
