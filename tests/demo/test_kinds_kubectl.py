"""The stateful, batch, storage, policy, RBAC and extension kinds through real kubectl: the newest (1.33) and
the oldest (1.27) supported minor list, describe and watch each of them, read aggregated discovery, roll a
StatefulSet back, create a CRD and see its custom resources with their printer columns. Also: the demo-dev
user's rights come from the stored RBAC objects, CronJobs fire through ``/_demo/cronjobs/fire``, and
Prometheus scrapes the node-exporter DaemonSet.

Tests that change something work in their own namespace or put back what they changed; they wait for what
kubectl prints, never for a fixed time.
"""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import Demo, wait_for
from tests.demo.test_kubectl import Stream, rows
from tests.demo.test_sessions_kubectl import NEWEST, OLDEST, env_for, kubectl_minor

MINORS = (NEWEST, OLDEST)

# (kind as typed, namespace or None, an object name, the header kubectl prints, a cell of that object's row)
KINDS = [
    ("sts", "shop", "postgres", ["NAME", "READY", "AGE"], "3/3"),
    ("ds", "monitoring", "node-exporter", ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                                           "NODE SELECTOR", "AGE"], "kubernetes.io/os=linux"),
    ("cj", "team-a", "nightly-report", ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
     "Europe/Berlin"),
    ("jobs", "team-a", None, ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], "Complete"),
    ("pvc", "shop", "data-postgres-0", ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                                        "VOLUMEATTRIBUTESCLASS", "AGE"], "Bound"),
    ("pv", None, None, ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                        "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], "shop/data-postgres-0"),
    ("sc", None, "default", ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION",
                             "AGE"], "default (default)"),
    ("pdb", "shop", "api-blue", ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"], "2"),
    ("sa", "shop", "api", ["NAME", "SECRETS", "AGE"], "api"),
    ("clusterroles", None, "edit", ["NAME", "CREATED AT"], "edit"),
    ("clusterrolebindings", None, "cluster-admin", ["NAME", "ROLE", "AGE"], "ClusterRole/cluster-admin"),
    ("rolebindings", "team-a", "team-a-developers", ["NAME", "ROLE", "AGE"], "ClusterRole/edit"),
    ("roles", "shop", "postgres-leader", ["NAME", "CREATED AT"], "postgres-leader"),
    ("controllerrevisions", "monitoring", None, ["NAME", "CONTROLLER", "REVISION", "AGE"],
     "daemonset.apps/node-exporter"),
    ("endpointslices", "shop", None, ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], "5432"),
    ("leases", "kube-node-lease", "aks-nodepool1-00000", ["NAME", "HOLDER", "AGE"], "aks-nodepool1-00000"),
    ("crd", None, "certificates.demo.k8stui.io", ["NAME", "CREATED AT"], "certificates.demo.k8stui.io"),
    ("certificates", "shop", "api-tls", ["NAME", "READY", "SECRET", "EXPIRES", "AGE"], "False"),
    ("clusterissuers", None, "letsencrypt", ["NAME", "READY", "AGE"], "True"),
    ("priorityclasses", None, "batch-low", ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], "-10"),
    ("netpol", "team-a", "allow-notes-http", ["NAME", "POD-SELECTOR", "AGE"], "app=notes"),
    ("ingressclasses", None, "webapprouting.kubernetes.azure.com", ["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
     "webapprouting.kubernetes.azure.com/nginx"),
]


def run(demo: Demo, minor: str, *args: str, context: str = "demo", input: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([kubectl_minor(minor), "--context", context, *args], capture_output=True, text=True,
                          timeout=timeout, env=env_for(demo), input=input,
                          stdin=None if input is not None else subprocess.DEVNULL)


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"{proc.args[1:]} failed: {proc.stderr.strip()}"
    return proc.stdout


def header(text: str) -> list[str]:
    """The column names of kubectl's header line (split on runs of two or more spaces)."""
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def ns_args(namespace: str | None) -> list[str]:
    return ["-n", namespace] if namespace else []


@pytest.fixture(scope="module")
def converged(demo: Demo) -> Demo:
    """The stateful scenario is up: postgres 3/3, node-exporter on 3 nodes."""
    wait_for(lambda: "3/3" in demo.kubectl("get", "sts", "postgres", "-n", "shop", check=False).stdout,
             timeout=60, message="postgres 3/3")
    wait_for(lambda: json.loads(demo.kubectl("get", "ds", "node-exporter", "-n", "monitoring", "-o", "json").stdout)
             ["status"].get("numberReady") == 3, timeout=60, message="node-exporter on 3 nodes")
    return demo


# -- discovery ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("minor", MINORS)
def test_api_resources_shows_every_new_kind(converged: Demo, minor: str) -> None:
    out = rows(ok(run(converged, minor, "api-resources")))
    expected = [
        ("statefulsets", "sts", "apps/v1", "true", "StatefulSet"),
        ("daemonsets", "ds", "apps/v1", "true", "DaemonSet"),
        ("controllerrevisions", None, "apps/v1", "true", "ControllerRevision"),
        ("jobs", None, "batch/v1", "true", "Job"),
        ("cronjobs", "cj", "batch/v1", "true", "CronJob"),
        ("persistentvolumeclaims", "pvc", "v1", "true", "PersistentVolumeClaim"),
        ("persistentvolumes", "pv", "v1", "false", "PersistentVolume"),
        ("storageclasses", "sc", "storage.k8s.io/v1", "false", "StorageClass"),
        ("poddisruptionbudgets", "pdb", "policy/v1", "true", "PodDisruptionBudget"),
        ("roles", None, "rbac.authorization.k8s.io/v1", "true", "Role"),
        ("clusterrolebindings", None, "rbac.authorization.k8s.io/v1", "false", "ClusterRoleBinding"),
        ("customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", "false", "CustomResourceDefinition"),
        ("endpointslices", None, "discovery.k8s.io/v1", "true", "EndpointSlice"),
        ("leases", None, "coordination.k8s.io/v1", "true", "Lease"),
        ("certificates", "cert,certs", "demo.k8stui.io/v1", "true", "Certificate"),
        ("clusterissuers", None, "demo.k8stui.io/v1", "false", "ClusterIssuer"),
    ]
    for name, short, version, namespaced, kind in expected:
        row = next((r for r in out[1:] if r[0] == name and version in r), None)
        assert row is not None, f"{name} missing from kubectl {minor} api-resources"
        assert row[-2:] == [namespaced, kind] and (short is None or short in row), row
    wide = ok(run(converged, minor, "api-resources", "-o", "wide", "--api-group=apps"))
    assert re.search(r"statefulsets\s+sts\s+apps/v1\s+true\s+StatefulSet\s+create,delete,deletecollection,get,"
                     r"list,patch,update,watch\s+all", wide), wide


def _token(demo: Demo, context: str = "demo") -> str:
    config = yaml.safe_load(Path(demo.kubeconfig).read_text())
    user = next(c["context"]["user"] for c in config["contexts"] if c["name"] == context)
    return next(u["user"]["token"] for u in config["users"] if u["name"] == user)


def _get(demo: Demo, path: str, accept: str, etag: str | None = None) -> tuple[int, dict[str, str], bytes]:
    ctx = ssl.create_default_context(cafile=demo.process.ca_file)
    headers = {"Accept": accept, "Authorization": f"Bearer {_token(demo)}"}
    if etag:
        headers["If-None-Match"] = etag
    req = urllib.request.Request(demo.url + path, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.parametrize("version", ["v2", "v2beta1"])
def test_aggregated_discovery_shape_and_etag(demo: Demo, version: str) -> None:
    accept = f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList,application/json"
    status, headers, body = _get(demo, "/apis", accept)
    assert status == 200
    assert headers["Content-Type"] == f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
    doc = json.loads(body)
    assert (doc["kind"], doc["apiVersion"]) == ("APIGroupDiscoveryList", f"apidiscovery.k8s.io/{version}")
    groups = {g["metadata"]["name"]: g for g in doc["items"]}
    assert {"apps", "batch", "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "apiextensions.k8s.io",
            "discovery.k8s.io", "coordination.k8s.io", "demo.k8stui.io"} <= set(groups)
    apps = groups["apps"]["versions"][0]
    assert apps["version"] == "v1" and apps["freshness"] == "Current"
    sts = next(r for r in apps["resources"] if r["resource"] == "statefulsets")
    assert sts == {"resource": "statefulsets", "responseKind": {"group": "apps", "version": "v1", "kind": "StatefulSet"},
                   "scope": "Namespaced", "singularResource": "statefulset",
                   "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                   "shortNames": ["sts"], "categories": ["all"],
                   "subresources": [{"subresource": "status", "responseKind": {"group": "apps", "version": "v1",
                                                                               "kind": "StatefulSet"},
                                     "verbs": ["get", "patch", "update"]},
                                    {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1",
                                                                              "kind": "Scale"},
                                     "verbs": ["get", "patch", "update"]}]}
    certs = next(r for r in groups["demo.k8stui.io"]["versions"][0]["resources"] if r["resource"] == "certificates")
    assert certs["shortNames"] == ["cert", "certs"] and certs["scope"] == "Namespaced"
    assert _get(demo, "/apis", accept, etag=headers["ETag"])[0] == 304
    status, headers, body = _get(demo, "/api", accept)
    core = json.loads(body)["items"]
    assert len(core) == 1 and "name" not in core[0]["metadata"]
    pvc = next(r for r in core[0]["versions"][0]["resources"] if r["resource"] == "persistentvolumeclaims")
    assert pvc["responseKind"] == {"group": "", "version": "v1", "kind": "PersistentVolumeClaim"}
    # the legacy documents stay as they were
    legacy = json.loads(_get(demo, "/apis", "application/json")[2])
    assert legacy["kind"] == "APIGroupList" and "batch" in {g["name"] for g in legacy["groups"]}


# -- list, describe, watch ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("minor", MINORS)
def test_get_and_describe_each_kind(converged: Demo, minor: str) -> None:
    for kind, namespace, name, columns, cell in KINDS:
        out = ok(run(converged, minor, "get", kind, *ns_args(namespace)))
        if columns is not None:
            assert header(out) == columns, (minor, kind, out)
            assert any(cell in row for row in rows(out)[1:]) or cell in out, (minor, kind, out)
        target = [name] if name else []
        described = run(converged, minor, "describe", kind, *target, *ns_args(namespace))
        assert described.returncode == 0 and not described.stderr.strip(), (minor, kind, described.stderr)
        if name:
            assert re.search(rf"^Name:\s+{re.escape(name)}$", described.stdout, re.M), (minor, kind, described.stdout)


def test_describe_shows_what_real_clusters_show(converged: Demo) -> None:
    node = ok(run(converged, NEWEST, "describe", "node", "aks-nodepool1-00000"))
    assert re.search(r"^Lease:\n\s+HolderIdentity:\s+aks-nodepool1-00000\n", node, re.M), node
    svc = ok(run(converged, NEWEST, "describe", "svc", "postgres", "-n", "shop"))
    assert re.search(r"^Endpoints:\s+(\d+\.\d+\.\d+\.\d+:5432,?){3}$", svc, re.M), svc
    sts = ok(run(converged, NEWEST, "describe", "sts", "postgres", "-n", "shop"))
    assert "Volume Claims:" in sts and "create Pod postgres-2 in StatefulSet postgres successful" in sts
    pvc = ok(run(converged, OLDEST, "describe", "pvc", "reports-archive", "-n", "team-a"))
    assert re.search(r"^Status:\s+Pending$", pvc, re.M)
    assert 'storageclass.storage.k8s.io "fast-ssd" not found' in pvc
    pdb = ok(run(converged, OLDEST, "describe", "pdb", "api-blue", "-n", "shop"))
    assert re.search(r"Allowed disruptions:\s+1", pdb), pdb


@pytest.fixture
def watches(demo: Demo) -> Iterator[list[Stream]]:
    streams: list[Stream] = []
    yield streams
    for s in streams:
        s.stop()


WATCHED = [("sts", "shop", "postgres"), ("ds", "monitoring", "node-exporter"), ("cj", "team-a", "nightly-report"),
           ("pvc", "shop", "data-postgres-1"), ("sc", None, "managed-csi"), ("pdb", "shop", "postgres"),
           ("sa", "shop", "postgres"), ("clusterroles", None, "view"), ("rolebindings", "team-a", "team-a-developers"),
           ("leases", "kube-node-lease", "aks-nodepool1-00001"), ("certificates", "shop", "shop-tls"),
           ("crd", None, "clusterissuers.demo.k8stui.io")]


@pytest.mark.parametrize("minor", MINORS)
def test_watch_each_kind(converged: Demo, minor: str, watches: list[Stream]) -> None:
    """``kubectl get KIND -w`` prints the row, then a new row when the object changes."""
    from tests.demo import test_kubectl

    binary = kubectl_minor(minor)
    saved = test_kubectl.KUBECTL
    test_kubectl.KUBECTL = binary  # Stream runs the module's kubectl
    try:
        for kind, namespace, name in WATCHED:
            watches.append(Stream(converged, "get", kind, name, *ns_args(namespace), "-w"))
    finally:
        test_kubectl.KUBECTL = saved
    for (kind, _, name), stream in zip(WATCHED, watches, strict=True):
        stream.wait_for(lambda lines, name=name: any(line.split()[:1] == [name] for line in lines[1:]), 20,
                        f"{kind}/{name} listed by kubectl {minor} -w")
    for kind, namespace, name in WATCHED:
        if kind != "leases":  # a lease is renewed by its kubelet anyway
            ok(run(converged, NEWEST, "annotate", kind, name, *ns_args(namespace), f"demo.k8stui.io/watched={minor}",
                   "--overwrite"))
    for (kind, _, name), stream in zip(WATCHED, watches, strict=True):
        stream.wait_for(lambda lines, name=name: sum(line.split()[:1] == [name] for line in lines) >= 2, 30,
                        f"{kind}/{name} change seen by kubectl {minor} -w")


# -- rollouts ----------------------------------------------------------------------------------------------------
STS_YAML = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache, namespace: kinds-rollout}
spec:
  replicas: 2
  serviceName: cache
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: redis, image: "redis:7.2", ports: [{containerPort: 6379, name: redis}]}]
"""


def test_rollout_history_and_undo_statefulset(converged: Demo) -> None:
    demo = converged
    ok(run(demo, OLDEST, "create", "namespace", "kinds-rollout"))  # 1.32+ create sends protobuf (demoapi)
    try:
        ok(run(demo, NEWEST, "apply", "-f", "-", input=STS_YAML))
        ok(run(demo, NEWEST, "rollout", "status", "sts/cache", "-n", "kinds-rollout", "--timeout=60s"))
        ok(run(demo, NEWEST, "set", "image", "sts/cache", "redis=redis:7.4", "-n", "kinds-rollout"))
        ok(run(demo, NEWEST, "rollout", "status", "sts/cache", "-n", "kinds-rollout", "--timeout=60s"))
        history = rows(ok(run(demo, OLDEST, "rollout", "history", "sts/cache", "-n", "kinds-rollout")))
        assert [r[0] for r in history[2:]] == ["1", "2"], history
        one = ok(run(demo, NEWEST, "rollout", "history", "sts/cache", "-n", "kinds-rollout", "--revision=1"))
        assert "redis:7.2" in one
        ok(run(demo, OLDEST, "rollout", "undo", "sts/cache", "-n", "kinds-rollout"))
        ok(run(demo, NEWEST, "rollout", "status", "sts/cache", "-n", "kinds-rollout", "--timeout=60s"))
        images = ok(run(demo, NEWEST, "get", "pods", "-n", "kinds-rollout", "-l", "app=cache", "-o",
                        "jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image} {end}")).split()
        assert sorted(images) == ["cache-0=redis:7.2", "cache-1=redis:7.2"]
        history = rows(ok(run(demo, NEWEST, "rollout", "history", "sts/cache", "-n", "kinds-rollout")))
        assert [r[0] for r in history[2:]] == ["2", "3"], history
    finally:
        demo.kubectl("delete", "namespace", "kinds-rollout", "--wait=false", check=False)


# -- CRDs --------------------------------------------------------------------------------------------------------
CRD_YAML = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: rollouts.argoproj.example}
spec:
  group: argoproj.example
  scope: Namespaced
  names: {plural: rollouts, singular: rollout, kind: Rollout, shortNames: [ro]}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
    - {name: Desired, type: integer, jsonPath: .spec.replicas}
    - {name: Phase, type: string, jsonPath: .status.phase}
    - {name: Paused, type: boolean, jsonPath: .spec.paused, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"""
CR_YAML = """
apiVersion: argoproj.example/v1alpha1
kind: Rollout
metadata: {name: checkout, namespace: team-a}
spec: {replicas: 4, paused: true}
"""


def test_crd_created_with_kubectl_serves_custom_resources_with_printer_columns(converged: Demo) -> None:
    demo = converged
    ok(run(demo, NEWEST, "apply", "-f", "-", input=CRD_YAML))
    try:
        # 1.27 validates against /openapi/v2, which the demo does not serve yet (demoapi's openapi.py)
        ok(run(demo, OLDEST, "apply", "--validate=false", "-f", "-", input=CR_YAML))
        for minor in MINORS:
            out = ok(run(demo, minor, "get", "ro", "-n", "team-a"))
            assert header(out) == ["NAME", "DESIRED", "PHASE", "AGE"] and rows(out)[1][:2] == ["checkout", "4"]
            wide = ok(run(demo, minor, "get", "rollouts.argoproj.example", "-n", "team-a", "-o", "wide"))
            assert header(wide) == ["NAME", "DESIRED", "PHASE", "PAUSED", "AGE"] and "true" in rows(wide)[1]
        patch = '{"status": {"phase": "Healthy"}}'
        ok(run(demo, NEWEST, "patch", "ro", "checkout", "-n", "team-a", "--subresource=status", "--type=merge",
               "-p", patch))
        assert rows(ok(run(demo, OLDEST, "get", "ro", "-n", "team-a")))[1][2] == "Healthy"
        described = ok(run(demo, OLDEST, "describe", "rollout", "checkout", "-n", "team-a"))
        assert re.search(r"^Kind:\s+Rollout$", described, re.M)
    finally:
        ok(run(demo, NEWEST, "delete", "crd", "rollouts.argoproj.example"))
    gone = run(demo, NEWEST, "get", "rollouts.argoproj.example", "-n", "team-a")
    assert gone.returncode != 0
    assert "rollouts" not in ok(run(demo, NEWEST, "api-resources", "--api-group=argoproj.example"))


# -- controllers seen through kubectl ------------------------------------------------------------------------------
def test_cronjob_fires_on_demand_and_its_job_completes(converged: Demo) -> None:
    demo = converged
    job = demo.admin("cronjobs/fire", {"namespace": "team-a", "name": "cache-warmer"})
    name = job["metadata"]["name"]
    assert re.fullmatch(r"cache-warmer-\d+", name)
    wait_for(lambda: "Complete" in demo.kubectl("get", "job", name, "-n", "team-a", check=False).stdout,
             timeout=60, message=f"{name} Complete")
    out = rows(ok(run(demo, OLDEST, "get", "job", name, "-n", "team-a")))
    assert out[1][1:3] == ["Complete", "1/1"]
    pods = ok(run(demo, NEWEST, "get", "pods", "-n", "team-a", "-l", f"job-name={name}"))
    assert "Completed" in pods
    cj = json.loads(ok(run(demo, NEWEST, "get", "cj", "cache-warmer", "-n", "team-a", "-o", "json")))
    assert cj["status"]["lastScheduleTime"] and cj["status"].get("lastSuccessfulTime")


def test_demo_dev_rights_come_from_the_stored_rbac_objects(converged: Demo) -> None:
    """``kubectl auth can-i`` (1.27 sends JSON reviews) and real requests follow RoleBindings made with kubectl."""
    demo = converged

    def can(*args: str) -> str:
        return run(demo, OLDEST, "auth", "can-i", *args, context="demo-dev").stdout.strip()

    assert can("create", "deployments", "-n", "team-a") == "yes"
    assert can("list", "roles", "-n", "team-a") == "no"  # edit does not grant RBAC
    assert can("list", "pods", "-n", "shop") == "no"
    assert run(demo, NEWEST, "get", "pods", "-n", "shop", context="demo-dev").returncode != 0
    ok(run(demo, OLDEST, "create", "rolebinding", "dev-view", "--clusterrole=view", "--user=dev@team-a",
           "-n", "shop"))
    try:
        assert can("list", "pods", "-n", "shop") == "yes"
        assert can("delete", "pods", "-n", "shop") == "no"
        assert "postgres-0" in ok(run(demo, NEWEST, "get", "pods", "-n", "shop", context="demo-dev"))
    finally:
        ok(run(demo, NEWEST, "delete", "rolebinding", "dev-view", "-n", "shop"))
    assert can("list", "pods", "-n", "shop") == "no"
    forbidden = run(demo, NEWEST, "get", "pods", "-n", "shop", context="demo-dev")
    assert 'User "dev@team-a" cannot list resource "pods"' in forbidden.stderr


def test_prometheus_scrapes_node_exporter(converged: Demo) -> None:
    if not converged.prometheus_url:
        pytest.skip("prometheus is not installed")

    def up() -> dict[str, str]:
        url = f"{converged.prometheus_url}/api/v1/query?query=" + urllib.request.quote('up{job="node-exporter"}')
        with urllib.request.urlopen(url, timeout=5) as resp:
            result = json.loads(resp.read())["data"]["result"]
        return {r["metric"].get("node", ""): r["value"][1] for r in result}

    wait_for(lambda: up() == {"aks-nodepool1-00000": "1", "aks-nodepool1-00001": "1", "aks-nodepool1-00002": "1"},
             timeout=60, message="three node-exporter targets up")
    pod = json.loads(converged.kubectl("get", "pods", "-n", "monitoring", "-l", "app.kubernetes.io/name=node-exporter",
                                       "-o", "json").stdout)["items"][0]["metadata"]["name"]
    raw = ok(run(converged, NEWEST, "get", "--raw",
                 f"/api/v1/namespaces/monitoring/pods/{pod}:9100/proxy/metrics"))
    assert 'node_cpu_seconds_total{cpu="0",mode="idle"}' in raw and "node_memory_MemAvailable_bytes" in raw
