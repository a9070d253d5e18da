"""The scenario's diagnosis material: every health finding and every "why is it stuck?" cause, on purpose.

Loaded with the default scenario (``load``), namespace ``payments`` holds what ``:lint`` should find:
- ``ledger-blue`` (3 replicas, live behind Service ``ledger``) and ``ledger-green`` (1 replica and twice the memory
  limit, behind ``ledger-preview``): a blue/green pair whose colours differ in replicas and config; the
  PodDisruptionBudget ``ledger`` (``minAvailable: 100%``) allows no eviction; all of it is the Helm release
  ``ledger`` (revision 1 superseded, 2 deployed), stored as real Helm 3 release Secrets;
- ``fraud-check``: a ``:latest`` image, both replicas pinned to one node, its HPA at its maximum;
- ``statement-export``: a Secret reference that does not exist (its pod stays in CreateContainerConfigError) and a
  port no Service selects;
- Service ``ledger-admin``, whose selector matches no pod;
- RoleBinding ``default-edit``: the namespace's default ServiceAccount may edit everything in it.
In ``monitoring``, ``kube-state-metrics`` is the Helm release of the same name. The rest is in the base scenario
(``legacy-report``: one replica, no probes, no requests; ``checkout``: a stalled rollout that crash-loops) and in
``scenario_kinds`` (the Pending PVC ``team-a/reports-archive``).

The stuck causes a test needs on demand (``admin_hooks``): ``POST /_demo/scenario/stuck {"cause": C, "namespace": "lab",
"name": ...}`` creates a Deployment (one replica) stuck for cause C — ``insufficient-cpu``, ``insufficient-memory``,
``taint``, ``affinity``, ``pvc-binding``, ``image-pull``, ``crash-loop``, ``oom-killed``, ``probe-failing``,
``config-missing`` or ``rollout-stalled`` — and answers ``{"namespace", "kind", "name", "cause"}``.
``POST /_demo/scenario/findings {"namespace": N}`` loads the ``payments`` material into a new namespace N (for
tests that fix what they find).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import gzip
import json
import time
from collections.abc import Callable
from typing import Any

import yaml

from . import scenario as base
from .controllers.deployment import CHANGE_CAUSE
from .errors import ApiError
from .resources import (
    BY_KEY,
    DEPLOYMENTS,
    HPAS,
    NAMESPACES,
    PDBS,
    SECRETS,
    SERVICEACCOUNTS,
    SERVICES,
)
from .store import Store

Obj = dict[str, Any]

NAMESPACE = "payments"
LAB_NAMESPACE = "lab"
PINNED_NODE = "aks-nodepool1-00001"
HELM_TYPE = "helm.sh/release.v1"
CAUSES = ("insufficient-cpu", "insufficient-memory", "taint", "affinity", "pvc-binding", "image-pull", "crash-loop",
          "oom-killed", "probe-failing", "config-missing", "rollout-stalled")


# -- Helm -----------------------------------------------------------------------------------------------------

def _go_time(ts: float) -> str:
    """A time as Go's encoding/json writes time.Time (RFC 3339 with nanoseconds)."""
    whole = int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((ts - whole) * 1e9):09d}Z"


def helm_manifest(objects: list[tuple[str, Obj]]) -> str:
    """A rendered manifest as Helm stores it: ``---`` and ``# Source:`` before each document."""
    out = []
    for source, obj in objects:
        out.append(f"---\n# Source: {source}\n" + yaml.safe_dump(obj, sort_keys=False, default_flow_style=False))
    return "".join(out)


def helm_release_secret(namespace: str, name: str, revision: int, status: str, chart: Obj, config: Obj,
                        manifest: str, deployed: float, first_deployed: float, description: str,
                        notes: str = "") -> Obj:
    """A release Secret exactly as Helm 3's Secret driver writes it (pkg/storage/driver/secrets.go): the release
    JSON gzipped and base64-encoded (util.go encodeRelease) as ``data.release`` — which the API base64-encodes
    once more, like every Secret value."""
    release = {"name": name, "info": {"first_deployed": _go_time(first_deployed), "last_deployed": _go_time(deployed),
                                      "deleted": "", "description": description, "status": status, "notes": notes},
               "chart": chart, "config": config, "manifest": manifest, "version": revision, "namespace": namespace}
    encoded = base64.b64encode(gzip.compress(json.dumps(release, separators=(",", ":")).encode(), 9, mtime=0))
    return {"metadata": {"name": f"sh.helm.release.v1.{name}.v{revision}", "namespace": namespace,
                         "labels": {"name": name, "owner": "helm", "status": status, "version": str(revision),
                                    "modifiedAt": str(int(deployed))}},
            "type": HELM_TYPE, "data": {"release": base64.b64encode(encoded).decode()}}


def _chart(name: str, version: str, app_version: str, description: str, values: Obj) -> Obj:
    return {"metadata": {"name": name, "version": version, "appVersion": app_version, "description": description,
                         "apiVersion": "v2", "type": "application"},
            "lock": None, "templates": [], "values": values, "schema": None, "files": []}


def _helm_labels(obj: Obj, release: str, chart: str) -> Obj:
    meta = obj["metadata"]
    meta["labels"] = dict(meta.get("labels") or {}, **{"app.kubernetes.io/managed-by": "Helm",
                                                        "app.kubernetes.io/instance": release,
                                                        "helm.sh/chart": chart})
    meta["annotations"] = dict(meta.get("annotations") or {}, **{"meta.helm.sh/release-name": release,
                                                                 "meta.helm.sh/release-namespace": meta["namespace"]})
    return obj


def _as_manifest(kind: str, api_version: str, obj: Obj) -> Obj:
    out = {"apiVersion": api_version, "kind": kind, **copy.deepcopy(obj)}
    out.pop("status", None)
    return out


# -- payments -------------------------------------------------------------------------------------------------

def _ensure_namespace(store: Store, name: str) -> None:
    if store.get(NAMESPACES, None, name) is None:
        store.create(NAMESPACES, {"metadata": {"name": name}})
        store.create(SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": name}})


def _ledger(store: Store, now: float, ns: str) -> None:
    chart_v = "ledger-0.7.3"
    http = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]

    def colour(version: str, replicas: int, memory_limit: str) -> Obj:
        c = {"name": "ledger", "image": "ghcr.io/demo/ledger:2.4.0",
             "ports": [{"name": "http", "containerPort": 8080}],
             "env": [{"name": "LEDGER_COLOUR", "value": version}],
             "resources": base._resources("100m", "128Mi", "500m", memory_limit),
             "readinessProbe": base._probe("/ready", "http", 1),
             "livenessProbe": base._probe("/live", "http", 10, 10)}
        d = base.deployment(ns, f"ledger-{version}", {"app": "ledger", "version": version}, [c], replicas,
                            "helm upgrade --install ledger charts/ledger --version 0.7.3")
        return _helm_labels(d, "ledger", chart_v)

    blue, green = colour("blue", 3, "256Mi"), colour("green", 1, "512Mi")
    live = _helm_labels(base.service(ns, "ledger", {"app": "ledger", "version": "blue"}, http,
                                     labels={"app": "ledger"}), "ledger", chart_v)
    preview = _helm_labels(base.service(ns, "ledger-preview", {"app": "ledger", "version": "green"}, http,
                                        labels={"app": "ledger"}), "ledger", chart_v)
    admin = _helm_labels(base.service(ns, "ledger-admin", {"app": "ledger-admin"}, http,
                                      labels={"app": "ledger"}), "ledger", chart_v)
    pdb = _helm_labels({"metadata": {"name": "ledger", "namespace": ns, "labels": {"app": "ledger"}},
                        "spec": {"minAvailable": "100%", "selector": {"matchLabels": {"app": "ledger",
                                                                                      "version": "blue"}}}},
                       "ledger", chart_v)
    for rt, obj in ((DEPLOYMENTS, blue), (DEPLOYMENTS, green), (SERVICES, live), (SERVICES, preview),
                    (SERVICES, admin), (PDBS, pdb)):
        store.create(rt, obj)
    manifest = helm_manifest([
        ("ledger/templates/pdb.yaml", _as_manifest("PodDisruptionBudget", "policy/v1", pdb)),
        ("ledger/templates/service.yaml", _as_manifest("Service", "v1", live)),
        ("ledger/templates/service-preview.yaml", _as_manifest("Service", "v1", preview)),
        ("ledger/templates/service-admin.yaml", _as_manifest("Service", "v1", admin)),
        ("ledger/templates/deployment-blue.yaml", _as_manifest("Deployment", "apps/v1", blue)),
        ("ledger/templates/deployment-green.yaml", _as_manifest("Deployment", "apps/v1", green)),
    ])
    defaults = {"replicaCount": 1, "image": {"repository": "ghcr.io/demo/ledger", "tag": ""},
                "database": {"host": "", "password": ""}, "bluegreen": {"live": "blue", "idleReplicas": 1},
                "resources": {"limits": {"memory": "256Mi"}}}
    config = {"replicaCount": 3, "image": {"tag": "2.4.0"},
              "database": {"host": "ledger-db.postgres.database.azure.com", "password": "Lg3r!pR0d-9x2KqT"},
              "bluegreen": {"live": "blue", "idleReplicas": 1}}
    first = now - 3 * 86400
    old_config = dict(config, image={"tag": "2.3.0"})
    store.create(SECRETS, helm_release_secret(
        ns, "ledger", 1, "superseded", _chart("ledger", "0.7.2", "2.3.0", "The payments ledger", defaults),
        old_config, manifest.replace("2.4.0", "2.3.0").replace("ledger-0.7.3", "ledger-0.7.2"), first, first,
        "Install complete"))
    store.create(SECRETS, helm_release_secret(
        ns, "ledger", 2, "deployed", _chart("ledger", "0.7.3", "2.4.0", "The payments ledger", defaults),
        config, manifest, now - 6 * 3600, first, "Upgrade complete",
        notes="The ledger is live behind Service ledger; switch colours with k8stui (b)."))


def _fraud_check(store: Store, ns: str) -> None:
    c = {"name": "fraud-check", "image": "ghcr.io/demo/fraud-check:latest",
         "ports": [{"name": "http", "containerPort": 8080}],
         "resources": base._resources("100m", "128Mi", None, "256Mi"),
         "readinessProbe": base._probe("/healthz", "http", 1)}
    store.create(DEPLOYMENTS, base.deployment(
        ns, "fraud-check", {"app": "fraud-check"}, [c], 2, "kubectl apply --filename=fraud-check.yaml",
        pod_extra={"nodeSelector": {"kubernetes.io/hostname": PINNED_NODE}}))
    store.create(SERVICES, base.service(ns, "fraud-check", {"app": "fraud-check"},
                                        [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]))
    store.create(HPAS, {
        "metadata": {"name": "fraud-check", "namespace": ns},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fraud-check"},
                 "minReplicas": 1, "maxReplicas": 2,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                     "type": "Utilization", "averageUtilization": 60}}}]},
        "status": {"observedGeneration": 1, "currentReplicas": 2, "desiredReplicas": 2,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                       "averageUtilization": 94, "averageValue": "94m"}}}],
                   "conditions": [
                       {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                        "message": "recommended size matches current size"},
                       {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                        "message": "the HPA was able to successfully calculate a replica count from cpu resource "
                                   "utilization (percentage of request)"},
                       {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
                        "message": "the desired replica count is more than the maximum replica count"}]},
    })


def _statement_export(store: Store, ns: str) -> None:
    c = {"name": "exporter", "image": "ghcr.io/demo/statement-export:2.0.1",
         "ports": [{"name": "http", "containerPort": 8080}],
         "env": [{"name": "SFTP_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "sftp-credentials",
                                                                          "key": "password"}}}],
         "resources": base._resources("50m", "64Mi", None, "128Mi"),
         "readinessProbe": base._probe("/ready", "http", 1)}
    store.create(DEPLOYMENTS, base.deployment(
        ns, "statement-export", {"app": "statement-export"}, [c], 1,
        "kubectl apply --filename=statement-export.yaml"))


def _kube_state_metrics_release(store: Store, now: float) -> None:
    """kube-state-metrics (created by the base scenario) as the Helm release its change-cause names."""
    ns = "monitoring"
    deploy = store.get(DEPLOYMENTS, ns, "kube-state-metrics")
    svc = store.get(SERVICES, ns, "kube-state-metrics")
    if deploy is None or svc is None:
        return
    keep = ("apiVersion", "kind", "spec")
    objs = []
    for source, obj in (("kube-state-metrics/templates/service.yaml", svc),
                        ("kube-state-metrics/templates/deployment.yaml", deploy)):
        doc = {k: copy.deepcopy(obj[k]) for k in keep if k in obj}
        doc["metadata"] = {"name": obj["metadata"]["name"], "namespace": ns,
                           "labels": dict(obj["metadata"].get("labels") or {})}
        doc["spec"].pop("clusterIP", None)
        doc["spec"].pop("clusterIPs", None)
        objs.append((source, {"apiVersion": doc.pop("apiVersion", ""), "kind": doc.pop("kind", ""), **doc}))
    defaults = {"replicas": 1, "image": {"registry": "registry.k8s.io",
                                         "repository": "kube-state-metrics/kube-state-metrics", "tag": ""},
                "prometheus": {"monitor": {"enabled": False}}, "collectors": ["deployments", "pods", "nodes"]}
    config = {"prometheus": {"monitor": {"enabled": False}}, "resources": {"requests": {"cpu": "10m",
                                                                                          "memory": "32Mi"}}}
    store.create(SECRETS, helm_release_secret(
        ns, "kube-state-metrics", 1, "deployed",
        _chart("kube-state-metrics", "5.15.2", "2.12.0", "Install kube-state-metrics to generate and expose "
               "cluster-level metrics", defaults),
        config, helm_manifest(objs), now - 20 * 86400, now - 20 * 86400, "Install complete"))


def _default_sa_binding(store: Store, ns: str) -> None:
    """The shortcut someone took so a pod could call the API: the namespace's default ServiceAccount gets
    ``edit``, and with it every pod that names no ServiceAccount."""
    rolebindings = BY_KEY.get("rolebindings.rbac.authorization.k8s.io")
    if rolebindings is None:
        return
    store.create(rolebindings, {
        "metadata": {"name": "default-edit", "namespace": ns,
                     "annotations": {"kubernetes.io/change-cause": "quick fix for statement-export API access"}},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]})


def load_findings(store: Store, namespace: str, now: float | None = None) -> None:
    """The ``payments`` material (one instance of each finding the base scenario lacks) in ``namespace``."""
    now = time.time() if now is None else now
    _ensure_namespace(store, namespace)
    _ledger(store, now, namespace)
    _fraud_check(store, namespace)
    _statement_export(store, namespace)
    _default_sa_binding(store, namespace)


def load(store: Store, now: float | None = None) -> None:
    """Add the diagnosis material to a freshly loaded default scenario."""
    now = time.time() if now is None else now
    load_findings(store, NAMESPACE, now)
    _kube_state_metrics_release(store, now)


# -- stuck causes on demand -----------------------------------------------------------------------------------

def _small(image: str, name: str, **extra: Any) -> Obj:
    c: Obj = {"name": name, "image": image, "ports": [{"name": "http", "containerPort": 8080}],
              "resources": base._resources("50m", "64Mi", None, "128Mi"),
              "readinessProbe": base._probe("/ready", "http", 1)}
    c.update(extra)
    return c


def stuck_deployment(store: Store, cause: str, namespace: str, name: str) -> Obj:
    """Create a Deployment that gets stuck for ``cause`` (see the module docstring); returns it."""
    if cause not in CAUSES:
        raise ApiError(400, "BadRequest", f"unknown cause {cause!r}; one of: {', '.join(CAUSES)}")
    _ensure_namespace(store, namespace)
    app = {"app": name}
    pod_extra: Obj = {}
    spec_extra: Obj = {}
    container = _small("ghcr.io/demo/worker:1.6.0", "worker")
    if cause == "insufficient-cpu":
        container["resources"] = base._resources("6", "256Mi", None, "512Mi")
    elif cause == "insufficient-memory":
        container["resources"] = base._resources("100m", "24Gi", None, "24Gi")
    elif cause == "taint":
        pod_extra["nodeSelector"] = {"type": "virtual-kubelet"}  # the virtual node, without its toleration
    elif cause == "affinity":
        pod_extra["nodeSelector"] = {"disktype": "ssd"}
    elif cause == "pvc-binding":
        pvcs = BY_KEY.get("persistentvolumeclaims")
        if pvcs is None:
            raise ApiError(501, "NotImplemented", "this demo build has no PersistentVolumeClaims")
        claim = f"{name}-data"
        if store.get(pvcs, namespace, claim) is None:
            store.create(pvcs, {"metadata": {"name": claim, "namespace": namespace},
                                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "premium-ssd",
                                         "resources": {"requests": {"storage": "10Gi"}}}})
        pod_extra["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
        container["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    elif cause == "image-pull":
        container["image"] = "ghcr.io/demo/worker:1.6.1-missing"
    elif cause == "crash-loop":
        container["image"] = "ghcr.io/demo/worker:1.7.0-broken"
    elif cause == "oom-killed":
        container["image"] = "ghcr.io/demo/worker:1.7.0-oom"
    elif cause == "probe-failing":
        container["image"] = "ghcr.io/demo/worker:1.7.0-unready"
    elif cause == "config-missing":
        container["env"] = [{"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": f"{name}-token",
                                                                                 "key": "token"}}}]
    elif cause == "rollout-stalled":
        spec_extra["progressDeadlineSeconds"] = 15
        # Never ready before it crashes (a crash after a moment of readiness would count as progress).
        container["readinessProbe"] = base._probe("/ready", "http", 5)
    replicas = 2 if cause == "rollout-stalled" else 1
    d = store.create(DEPLOYMENTS, base.deployment(namespace, name, app, [container], replicas,
                                                  f"k8stui demo: stuck because of {cause}", pod_extra=pod_extra,
                                                  spec_extra=spec_extra))
    if cause == "rollout-stalled":
        # Once revision 1 serves, roll out a broken revision 2, as `kubectl set image` would.
        task = asyncio.get_running_loop().create_task(
            _set_image_when_available(store, namespace, name, "worker", "ghcr.io/demo/worker:1.7.0-broken"))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
    return d


_TASKS: set[asyncio.Task[None]] = set()


async def _set_image_when_available(store: Store, namespace: str, name: str, container: str, image: str,
                                     timeout: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        d = store.get(DEPLOYMENTS, namespace, name)
        if d is None:
            return
        want = int(d["spec"].get("replicas") or 0)
        status = d.get("status") or {}
        if int(status.get("availableReplicas") or 0) >= want and int(status.get("updatedReplicas") or 0) >= want:
            break
        await asyncio.sleep(0.2)

    def set_image(obj: Obj) -> None:
        for c in obj["spec"]["template"]["spec"]["containers"]:
            if c["name"] == container:
                c["image"] = image
        obj["metadata"]["generation"] = int(obj["metadata"].get("generation") or 1) + 1
        obj["metadata"].setdefault("annotations", {})[CHANGE_CAUSE] = (
            f"kubectl set image deployment/{name} {container}={image}")

    store.mutate(DEPLOYMENTS, namespace, name, set_image)


def admin_hooks(store: Store) -> dict[str, Callable[[Obj], Obj]]:
    """The ``POST /_demo/scenario/...`` operations (registered on the API server's ``admin_hooks``); errors are
    ``ApiError``s (400 for an unknown cause, 409 for a namespace that exists)."""

    def stuck(body: Obj) -> Obj:
        cause = str(body.get("cause", ""))
        namespace = str(body.get("namespace") or LAB_NAMESPACE)
        d = stuck_deployment(store, cause, namespace, str(body.get("name") or f"stuck-{cause}"))
        return {"namespace": namespace, "kind": "Deployment", "name": d["metadata"]["name"], "cause": cause}

    def findings(body: Obj) -> Obj:
        namespace = str(body.get("namespace") or "")
        if not namespace:
            raise ApiError(400, "BadRequest", "name a namespace for the findings material")
        if store.get(NAMESPACES, None, namespace) is not None:
            raise ApiError(409, "AlreadyExists", f"namespace {namespace} exists already")
        load_findings(store, namespace)
        return {"namespace": namespace}

    return {"scenario/stuck": stuck, "scenario/findings": findings,
            "scenario/causes": lambda _body: {"causes": list(CAUSES)}}


__all__ = ["CAUSES", "admin_hooks", "helm_release_secret", "load", "load_findings", "stuck_deployment"]
