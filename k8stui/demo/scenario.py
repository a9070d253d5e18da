"""The demo cluster's default scenario: a small AKS-like cluster running a shop, a team and monitoring.

``load_default`` writes the starting objects through ``Store.create`` (so admission defaults apply) and leaves
the rest to the controllers, which bring every workload up with real-looking events: three
``Standard_D4s_v3`` nodes plus an ACI ``virtual-node-aci`` (tainted ``virtual-kubelet.io/provider=azure``);
in ``shop`` the ``api-blue``/``api-green`` pair behind the ``api`` (blue), ``api-preview`` (green) and
``api-canary`` (both colours) Services, a ``frontend`` with ANSI-coloured logs, a ``checkout`` whose latest
revision has a broken image (its rollout is stuck in CrashLoopBackOff while revision 1 keeps serving) and a
``legacy-report`` without probes or requests; in ``team-a`` the ``notes`` app; in ``monitoring`` kube-state-metrics and Prometheus;
CoreDNS in ``kube-system``. Some Deployments have an earlier revision, so ``rollout history``/``undo`` have
something to show. Secrets hold real-looking values that the app must never display.

``sim.extra_pods = N`` adds a ``bench`` namespace with a ``bench`` Deployment whose N pods are written
already Running and Ready on ``ceil(N/110)`` dedicated nodes, with statuses the controllers accept as is.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import random
import time
from typing import Any

from . import scenario_findings, scenario_kinds
from .controllers.deployment import (
    CHANGE_CAUSE,
    DESIRED_REPLICAS,
    HASH_LABEL,
    MAX_REPLICAS,
    REVISION,
    compute_hash,
    max_surge,
)
from .controllers.kubelet import running_pod_status
from .controllers.replicaset import NAME_ALPHABET
from .resources import (
    CONFIGMAPS,
    DEPLOYMENTS,
    ENDPOINTS,
    INGRESSES,
    NAMESPACES,
    NODES,
    PODS,
    REPLICASETS,
    SECRETS,
    SERVICEACCOUNTS,
    SERVICES,
)
from .sim import SimConfig
from .store import Store, now_iso

Obj = dict[str, Any]

NAMESPACE_NAMES = ("default", "kube-system", "shop", "team-a", "monitoring")
NODE_NAMES = ("aks-nodepool1-00000", "aks-nodepool1-00001", "aks-nodepool1-00002")
VIRTUAL_NODE = "virtual-node-aci"
REGION = "westeurope"
PODS_PER_NODE = 110
BENCH_NAMESPACE = "bench"
BENCH_TAINT = {"key": "workload", "value": "bench", "effect": "NoSchedule"}
CLUSTER_RG = "MC_demo-rg_demo-aks_westeurope"


# -- nodes -----------------------------------------------------------------------------------------------------
def _node_conditions(now: str) -> list[Obj]:
    def c(ctype: str, status: str, reason: str, message: str) -> Obj:
        return {"type": ctype, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message}

    return [
        c("KernelDeadlock", "False", "KernelHasNoDeadlock", "kernel has no deadlock"),
        c("FrequentContainerdRestart", "False", "NoFrequentContainerdRestart", "containerd is functioning properly"),
        c("FilesystemCorruptionProblem", "False", "FilesystemIsOK", "Filesystem is healthy"),
        c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


def agent_node(name: str, index: int, internal_ip: str, pod_cidr: str, zone: str, pool: str = "nodepool1",
               now: str | None = None) -> Obj:
    """A Standard_D4s_v3 AKS agent node (4 vCPU / 16 GiB; allocatable 3860m / ~12.9 GiB / 110 pods)."""
    now = now or now_iso()
    labels = {
        "agentpool": pool,
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "Standard_D4s_v3",
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": REGION,
        "failure-domain.beta.kubernetes.io/zone": zone,
        "kubernetes.azure.com/agentpool": pool,
        "kubernetes.azure.com/cluster": CLUSTER_RG,
        "kubernetes.azure.com/mode": "system" if pool == "nodepool1" else "user",
        "kubernetes.azure.com/node-image-version": "AKSUbuntu-2204gen2containerd-202407.29.0",
        "kubernetes.azure.com/os-sku": "Ubuntu",
        "kubernetes.azure.com/role": "agent",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/role": "agent",
        "node-role.kubernetes.io/agent": "",
        "node.kubernetes.io/instance-type": "Standard_D4s_v3",
        "topology.disk.csi.azure.com/zone": zone,
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": zone,
    }
    seed = f"{name}-{index}"
    vm_id = str(int(_uuidish(pool).replace("-", "")[:8], 16) % 10**8).zfill(8)
    return {
        "metadata": {
            "name": name, "labels": labels,
            "annotations": {
                "csi.volume.kubernetes.io/nodeid": json.dumps(
                    {"disk.csi.azure.com": name, "file.csi.azure.com": name}, separators=(",", ":")),
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": pod_cidr, "podCIDRs": [pod_cidr],
            "providerID": (f"azure:///subscriptions/5c8e3f0a-1d2b-4e6f-9a7b-3c4d5e6f7a8b/resourceGroups/"
                           f"{CLUSTER_RG.lower()}/providers/Microsoft.Compute/virtualMachineScaleSets/"
                           f"aks-{pool}-{vm_id}-vmss/virtualMachines/{index}"),
        },
        "status": {
            "capacity": {"cpu": "4", "ephemeral-storage": "129886128Ki", "hugepages-1Gi": "0",
                         "hugepages-2Mi": "0", "memory": "16365264Ki", "pods": str(PODS_PER_NODE)},
            "allocatable": {"cpu": "3860m", "ephemeral-storage": "119703055367", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": "13526620Ki", "pods": str(PODS_PER_NODE)},
            "conditions": _node_conditions(now),
            "addresses": [{"type": "InternalIP", "address": internal_ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "bootID": _uuidish(seed + "boot"),
                "containerRuntimeVersion": "containerd://1.7.20-1", "kernelVersion": "5.15.0-1068-azure",
                "kubeProxyVersion": "v1.30.3", "kubeletVersion": "v1.30.3",
                "machineID": _uuidish(seed + "machine").replace("-", ""), "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04.4 LTS", "systemUUID": _uuidish(seed + "system"),
            },
        },
    }


def virtual_node(now: str | None = None) -> Obj:
    """The ACI virtual node (virtual-kubelet): huge allocatable, tainted so only tolerating pods land there."""
    now = now or now_iso()

    def c(ctype: str, status: str, reason: str, message: str) -> Obj:
        return {"type": ctype, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message}

    return {
        "metadata": {
            "name": VIRTUAL_NODE,
            "labels": {
                "alpha.service-controller.kubernetes.io/exclude-balancer": "true",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.azure.com/managed": "false",
                "kubernetes.azure.com/role": "agent",
                "kubernetes.io/hostname": VIRTUAL_NODE,
                "kubernetes.io/os": "linux",
                "kubernetes.io/role": "agent",
                "node-role.kubernetes.io/agent": "",
                "node.kubernetes.io/exclude-from-external-load-balancers": "true",
                "type": "virtual-kubelet",
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"taints": [{"key": "virtual-kubelet.io/provider", "value": "azure", "effect": "NoSchedule"}]},
        "status": {
            "capacity": {"cpu": "10k", "memory": "4Ti", "nvidia.com/gpu": "100", "pods": "5000"},
            "allocatable": {"cpu": "10k", "memory": "4Ti", "nvidia.com/gpu": "100", "pods": "5000"},
            "conditions": [
                c("Ready", "True", "KubeletReady", "kubelet is ready."),
                c("OutOfDisk", "False", "KubeletHasSufficientDisk", "kubelet has sufficient disk space available"),
                c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                c("NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"),
            ],
            "addresses": [{"type": "InternalIP", "address": "10.224.0.35"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"architecture": "amd64", "bootID": "", "containerRuntimeVersion": "", "kernelVersion": "",
                         "kubeProxyVersion": "", "kubeletVersion": "v1.25.0-vk-azure-aci-1.6.2", "machineID": "",
                         "operatingSystem": "linux", "osImage": "", "systemUUID": ""},
        },
    }


def _uuidish(text: str) -> str:
    h = 0
    for ch in text:
        h = (h * 131 + ord(ch)) % (1 << 128)
    x = f"{h:032x}"
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


# -- workloads -------------------------------------------------------------------------------------------------
def _probe(path: str, port: Any, initial_delay: int, period: int = 5) -> Obj:
    return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "initialDelaySeconds": initial_delay,
            "periodSeconds": period, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def _resources(cpu: str | None, memory: str | None, cpu_limit: str | None = None,
               memory_limit: str | None = None) -> Obj:
    out: Obj = {}
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    limits = {k: v for k, v in (("cpu", cpu_limit), ("memory", memory_limit)) if v}
    if limits:
        out["limits"] = limits
    if requests:
        out["requests"] = requests
    return out


def deployment(namespace: str, name: str, labels: dict[str, str], containers: list[Obj], replicas: int,
               change_cause: str, *, template_annotations: dict[str, str] | None = None,
               strategy: Obj | None = None, spec_extra: Obj | None = None, pod_extra: Obj | None = None) -> Obj:
    selector = dict(labels)
    template_meta: Obj = {"labels": dict(labels)}
    if template_annotations:
        template_meta["annotations"] = dict(template_annotations)
    pod_spec: Obj = {"containers": containers}
    pod_spec.update(pod_extra or {})
    spec: Obj = {"replicas": replicas, "selector": {"matchLabels": selector},
                 "template": {"metadata": template_meta, "spec": pod_spec}}
    if strategy:
        spec["strategy"] = strategy
    spec.update(spec_extra or {})
    return {"metadata": {"name": name, "namespace": namespace, "labels": dict(labels),
                         "annotations": {CHANGE_CAUSE: change_cause}},
            "spec": spec}


def service(namespace: str, name: str, selector: dict[str, str], ports: list[Obj], labels: dict[str, str] | None = None,
            **spec_extra: Any) -> Obj:
    spec: Obj = {"selector": selector, "ports": ports}
    spec.update(spec_extra)
    return {"metadata": {"name": name, "namespace": namespace, "labels": dict(labels or selector)}, "spec": spec}


def _old_revision(store: Store, d: Obj, image_by_container: dict[str, str], revision: int, replicas: int,
                  change_cause: str) -> Obj:
    """An earlier ReplicaSet of a stored Deployment (same template but for the images), as a past rollout
    would have left it."""
    template = copy.deepcopy(d["spec"]["template"])
    for c in template["spec"]["containers"]:
        if c["name"] in image_by_container:
            c["image"] = image_by_container[c["name"]]
    pod_hash = compute_hash(template)
    template["metadata"]["labels"] = dict(template["metadata"].get("labels") or {}, **{HASH_LABEL: pod_hash})
    selector = copy.deepcopy(d["spec"]["selector"])
    selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{HASH_LABEL: pod_hash})
    want = int(d["spec"]["replicas"])
    rs = {
        "metadata": {
            "name": f"{d['metadata']['name']}-{pod_hash}", "namespace": d["metadata"]["namespace"],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {REVISION: str(revision), CHANGE_CAUSE: change_cause,
                            DESIRED_REPLICAS: str(want), MAX_REPLICAS: str(want + max_surge(d))},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": d["metadata"]["name"],
                                 "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
    }
    return store.create(REPLICASETS, rs)


def _shop(store: Store) -> None:
    ns = "shop"
    api_env = [
        {"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "DB_HOST"}}},
        {"name": "DB_USER", "valueFrom": {"secretKeyRef": {"name": "api-db-credentials", "key": "username"}}},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "api-db-credentials", "key": "password"}}},
        {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "LOG_LEVEL"}}},
    ]

    def api(version: str, image: str, cause: str) -> Obj:
        container = {
            "name": "api", "image": image,
            "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}],
            "env": [{"name": "APP_VERSION", "value": version}, *api_env],
            "resources": _resources("250m", "256Mi", "500m", "512Mi"),
            "readinessProbe": _probe("/healthz", "http", 1),
            "livenessProbe": _probe("/livez", "http", 10, 10),
        }
        return deployment(ns, f"api-{version}", {"app": "api", "version": version}, [container], 3, cause,
                          template_annotations={"prometheus.io/scrape": "true", "prometheus.io/port": "9090"})

    blue = store.create(DEPLOYMENTS, api("blue", "ghcr.io/demo/api:1.4.2",
                                         "kubectl set image deployment/api-blue api=ghcr.io/demo/api:1.4.2"))
    _old_revision(store, blue, {"api": "ghcr.io/demo/api:1.4.1"}, 1, 0,
                  "kubectl apply --filename=deploy/api-blue.yaml --record=true")
    store.create(DEPLOYMENTS, api("green", "ghcr.io/demo/api:1.5.0",
                                  "kubectl apply --filename=deploy/api-green.yaml --record=true"))
    http = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    store.create(SERVICES, service(ns, "api", {"app": "api", "version": "blue"}, http, labels={"app": "api"}))
    store.create(SERVICES, service(ns, "api-preview", {"app": "api", "version": "green"}, http,
                                   labels={"app": "api"}))
    # Selects both colours: a canary (c) shares its traffic by replica ratio.
    store.create(SERVICES, service(ns, "api-canary", {"app": "api"}, http, labels={"app": "api"}))

    frontend_container = {
        "name": "frontend", "image": "ghcr.io/demo/frontend:2.3.0",
        "ports": [{"name": "http", "containerPort": 3000}],
        "env": [{"name": "API_URL", "value": "http://api.shop.svc.cluster.local"},
                {"name": "FORCE_COLOR", "value": "1"}],
        "resources": _resources("100m", "128Mi", "250m", "256Mi"),
        "readinessProbe": _probe("/", "http", 1),
        "volumeMounts": [{"name": "config", "mountPath": "/etc/frontend", "readOnly": True}],
    }
    frontend = store.create(DEPLOYMENTS, deployment(
        ns, "frontend", {"app": "frontend"}, [frontend_container], 2,
        "kubectl set image deployment/frontend frontend=ghcr.io/demo/frontend:2.3.0",
        pod_extra={"volumes": [{"name": "config", "configMap": {"name": "frontend-config"}}]}))
    _old_revision(store, frontend, {"frontend": "ghcr.io/demo/frontend:2.2.1"}, 1, 0,
                  "kubectl apply --filename=deploy/frontend.yaml --record=true")
    frontend_svc = service(ns, "frontend", {"app": "frontend"},
                           [{"name": "http", "port": 80, "targetPort": 3000, "protocol": "TCP"}],
                           type="LoadBalancer", externalTrafficPolicy="Cluster")
    frontend_svc["status"] = {"loadBalancer": {"ingress": [{"ip": "20.103.45.71", "ipMode": "VIP"}]}}
    store.create(SERVICES, frontend_svc)

    checkout_container = {
        "name": "checkout", "image": "ghcr.io/demo/checkout:v2-broken",
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [{"name": "STRIPE_SECRET_KEY",
                 "valueFrom": {"secretKeyRef": {"name": "stripe-keys", "key": "STRIPE_SECRET_KEY"}}}],
        "resources": _resources("100m", "128Mi", "500m", "256Mi"),
        "readinessProbe": _probe("/healthz", "http", 5),
    }
    checkout = store.create(DEPLOYMENTS, deployment(
        ns, "checkout", {"app": "checkout"}, [checkout_container], 2,
        "kubectl set image deployment/checkout checkout=ghcr.io/demo/checkout:v2-broken",
        spec_extra={"progressDeadlineSeconds": 120}))
    _old_revision(store, checkout, {"checkout": "ghcr.io/demo/checkout:v1.9.0"}, 1, 2,
                  "kubectl apply --filename=deploy/checkout.yaml --record=true")
    store.create(SERVICES, service(ns, "checkout", {"app": "checkout"}, http))

    legacy = {"name": "report", "image": "ghcr.io/demo/legacy-report:0.9.1",
              "env": [{"name": "REPORT_SCHEDULE", "value": "0 */6 * * *"}]}
    store.create(DEPLOYMENTS, deployment(ns, "legacy-report", {"app": "legacy-report"}, [legacy], 1,
                                         "kubectl create deployment legacy-report --image=ghcr.io/demo/legacy-report:0.9.1",
                                         strategy={"type": "Recreate"}))

    store.create(CONFIGMAPS, {"metadata": {"name": "api-config", "namespace": ns, "labels": {"app": "api"}},
                              "data": {"DB_HOST": "shop-db.postgres.database.azure.com", "LOG_LEVEL": "info",
                                       "FEATURE_FLAGS": "new-checkout=false,recommendations=true"}})
    store.create(CONFIGMAPS, {"metadata": {"name": "frontend-config", "namespace": ns, "labels": {"app": "frontend"}},
                              "data": {"config.json": json.dumps({"apiBase": "/api", "theme": "autumn",
                                                                  "analytics": False}, indent=2)}})
    store.create(SECRETS, _secret(ns, "api-db-credentials", {
        "username": "shop_api", "password": "vR7#qL2!mZ9xK4pT"}, labels={"app": "api"}))
    store.create(SECRETS, _secret(ns, "stripe-keys", {
        "STRIPE_SECRET_KEY": "sk_live_51NzQeKJx8T2mWv9aR3cY7bHf0LsD4gPq6UeXo1iZ",
        "STRIPE_WEBHOOK_SECRET": "whsec_8fK2mN5pQ9rT3vX6zB1cD4gH7jL0nP2s"}, labels={"app": "checkout"}))
    store.create(SECRETS, _secret(ns, "ghcr-pull", {".dockerconfigjson": json.dumps(
        {"auths": {"ghcr.io": {"username": "demo-bot", "password": "ghp_R2d4Xz9Lq7Wm3Tn8Vb5Kc1Hs6Jf0Ga",
                               "auth": base64.b64encode(b"demo-bot:ghp_R2d4Xz9Lq7Wm3Tn8Vb5Kc1Hs6Jf0Ga").decode()}}})},
        type_="kubernetes.io/dockerconfigjson"))
    store.create(INGRESSES, {
        "metadata": {"name": "frontend", "namespace": ns,
                     "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}},
        "spec": {"ingressClassName": "webapprouting.kubernetes.azure.com",
                 "tls": [{"hosts": ["shop.demo.example.com"], "secretName": "shop-tls"}],
                 "rules": [{"host": "shop.demo.example.com", "http": {"paths": [
                     {"path": "/api", "pathType": "Prefix",
                      "backend": {"service": {"name": "api", "port": {"number": 80}}}},
                     {"path": "/", "pathType": "Prefix",
                      "backend": {"service": {"name": "frontend", "port": {"number": 80}}}}]}}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "20.103.45.67"}]}},
    })


def _team_a(store: Store) -> None:
    ns = "team-a"
    notes = {
        "name": "notes", "image": "ghcr.io/demo/notes:3.1.0",
        "ports": [{"name": "http", "containerPort": 5000}],
        "envFrom": [{"configMapRef": {"name": "notes-config"}}],
        "env": [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "notes-db", "key": "DATABASE_URL"}}}],
        "resources": _resources("50m", "64Mi", "200m", "128Mi"),
        "readinessProbe": _probe("/health", "http", 1),
    }
    store.create(DEPLOYMENTS, deployment(ns, "notes", {"app": "notes"}, [notes], 2,
                                         "kubectl apply --filename=notes.yaml --record=true"))
    store.create(SERVICES, service(ns, "notes", {"app": "notes"},
                                   [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]))
    store.create(CONFIGMAPS, {"metadata": {"name": "notes-config", "namespace": ns},
                              "data": {"NOTES_PAGE_SIZE": "50", "NOTES_MARKDOWN": "true", "TZ": "Europe/Berlin"}})
    store.create(SECRETS, _secret(ns, "notes-db", {
        "DATABASE_URL": "postgres://notes:Tq8$wE3r!Zp5yU7i@notes-db.team-a.svc.cluster.local:5432/notes"}))


def _monitoring(store: Store) -> None:
    ns = "monitoring"
    ksm_labels = {"app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/version": "2.12.0"}
    ksm = {
        "name": "kube-state-metrics", "image": "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.12.0",
        "ports": [{"name": "http-metrics", "containerPort": 8080}, {"name": "telemetry", "containerPort": 8081}],
        "resources": _resources("10m", "32Mi", None, "128Mi"),
        "readinessProbe": _probe("/readyz", 8081, 1, 10),
        "livenessProbe": _probe("/livez", 8080, 5, 10),
    }
    store.create(DEPLOYMENTS, deployment(ns, "kube-state-metrics", ksm_labels, [ksm], 1,
                                         "helm upgrade --install kube-state-metrics prometheus-community/kube-state-metrics"))
    store.create(SERVICES, service(ns, "kube-state-metrics", {"app.kubernetes.io/name": "kube-state-metrics"},
                                   [{"name": "http-metrics", "port": 8080, "targetPort": "http-metrics",
                                     "protocol": "TCP"},
                                    {"name": "telemetry", "port": 8081, "targetPort": "telemetry", "protocol": "TCP"}],
                                   labels=ksm_labels))
    prom = {
        "name": "prometheus", "image": "quay.io/prometheus/prometheus:v2.42.0",
        "args": ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=2h"],
        "ports": [{"name": "web", "containerPort": 9090}],
        "resources": _resources("100m", "256Mi", None, "1Gi"),
        "readinessProbe": _probe("/-/ready", "web", 1),
    }
    store.create(DEPLOYMENTS, deployment(ns, "prometheus", {"app": "prometheus"}, [prom], 1,
                                         "kubectl apply --filename=prometheus.yaml --record=true"))
    store.create(SERVICES, service(ns, "prometheus", {"app": "prometheus"},
                                   [{"name": "web", "port": 9090, "targetPort": "web", "protocol": "TCP"}]))
    # A typo in an image tag (a letter O for a zero): the registry has no such tag, so the pod never starts
    # (ErrImagePull, then ImagePullBackOff) — unlike shop/checkout, whose image exists and crashes.
    grafana = {
        "name": "grafana", "image": "grafana/grafana:11.3.O",
        "ports": [{"name": "http", "containerPort": 3000}],
        "resources": _resources("50m", "128Mi", None, "256Mi"),
        "readinessProbe": _probe("/api/health", "http", 5),
    }
    store.create(DEPLOYMENTS, deployment(ns, "grafana", {"app": "grafana"}, [grafana], 1,
                                         "kubectl set image deployment/grafana grafana=grafana/grafana:11.3.O"))


def _kube_system(store: Store) -> None:
    ns = "kube-system"
    labels = {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "version": "v20"}
    coredns = {
        "name": "coredns", "image": "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-2",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                  {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}],
        "resources": _resources("100m", "70Mi", None, "500Mi"),
        "readinessProbe": _probe("/ready", 8181, 0, 10),
        "livenessProbe": _probe("/health", 8080, 60, 10),
        "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
    }
    store.create(DEPLOYMENTS, deployment(
        ns, "coredns", {"k8s-app": "kube-dns", "version": "v20"}, [coredns], 2,
        "addon-manager: coredns v1.11.3",
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "10%", "maxUnavailable": 1}},
        pod_extra={
            "priorityClassName": "system-node-critical", "dnsPolicy": "Default",
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.azure.com/mode", "operator": "In", "values": ["system"]},
                                      {"key": "type", "operator": "NotIn", "values": ["virtual-kubelet"]}]}]}}},
            "volumes": [{"name": "config-volume", "configMap": {"name": "coredns",
                                                               "items": [{"key": "Corefile", "path": "Corefile"}]}}],
        }))
    store.create(SERVICES, service(ns, "kube-dns", {"k8s-app": "kube-dns"},
                                   [{"name": "dns", "port": 53, "targetPort": 53, "protocol": "UDP"},
                                    {"name": "dns-tcp", "port": 53, "targetPort": 53, "protocol": "TCP"}],
                                   labels=labels, clusterIP="10.0.0.10"))
    store.create(CONFIGMAPS, {"metadata": {"name": "coredns", "namespace": ns,
                                           "labels": {"addonmanager.kubernetes.io/mode": "Reconcile"}},
                              "data": {"Corefile": (
                                  ".:53 {\n    errors\n    ready\n    health {\n      lameduck 5s\n    }\n"
                                  "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n      pods insecure\n"
                                  "      fallthrough in-addr.arpa ip6.arpa\n      ttl 30\n    }\n"
                                  "    prometheus :9153\n    forward . /etc/resolv.conf\n    cache 30\n"
                                  "    loop\n    reload\n    loadbalance\n    import custom/*.override\n}\n"
                                  "import custom/*.server\n")}})
    store.create(CONFIGMAPS, {"metadata": {"name": "coredns-custom", "namespace": ns,
                                           "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"}}})


def _secret(namespace: str, name: str, values: dict[str, str], labels: dict[str, str] | None = None,
            type_: str = "Opaque") -> Obj:
    meta: Obj = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {"metadata": meta, "type": type_,
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}}


# -- bench -----------------------------------------------------------------------------------------------------
def _bench(store: Store, sim: SimConfig, rng: random.Random) -> None:
    n = sim.extra_pods
    now = now_iso()
    store.create(NAMESPACES, {"metadata": {"name": BENCH_NAMESPACE}})
    store.create(SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": BENCH_NAMESPACE}})
    node_count = math.ceil(n / PODS_PER_NODE)
    nodes = []
    for i in range(node_count):
        name = f"bench-node-{i + 1:03d}"
        cidr_index = 3 + i
        ip = f"10.224.{1 + i // 250}.{4 + i % 250}"
        node = agent_node(name, i, ip, f"10.{244 + cidr_index // 256}.{cidr_index % 256}.0/24",
                          f"{REGION}-{1 + i % 3}", pool="benchpool", now=now)
        node["spec"]["taints"] = [dict(BENCH_TAINT)]
        store.create(NODES, node)
        nodes.append((name, ip, cidr_index))
    labels = {"app": "bench"}
    container = {"name": "bench", "image": "ghcr.io/demo/bench:1.0.0",
                 "ports": [{"name": "http", "containerPort": 8080}],
                 "resources": _resources("10m", "16Mi")}
    d = store.create(DEPLOYMENTS, deployment(
        BENCH_NAMESPACE, "bench", labels, [container], n, f"k8stui demo --pods {n}",
        pod_extra={"tolerations": [{"key": "workload", "operator": "Equal", "value": "bench",
                                    "effect": "NoSchedule"}]}))
    template = copy.deepcopy(d["spec"]["template"])
    pod_hash = compute_hash(template)
    template["metadata"]["labels"] = dict(template["metadata"]["labels"], **{HASH_LABEL: pod_hash})
    rs_name = f"bench-{pod_hash}"
    rs_annotations = {REVISION: "1", CHANGE_CAUSE: d["metadata"]["annotations"][CHANGE_CAUSE],
                      DESIRED_REPLICAS: str(n), MAX_REPLICAS: str(n + max_surge(d))}
    rs = store.create(REPLICASETS, {
        "metadata": {"name": rs_name, "namespace": BENCH_NAMESPACE, "labels": dict(template["metadata"]["labels"]),
                     "annotations": rs_annotations,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "bench",
                                          "uid": d["metadata"]["uid"], "controller": True,
                                          "blockOwnerDeletion": True}]},
        "spec": {"replicas": n, "selector": {"matchLabels": dict(labels, **{HASH_LABEL: pod_hash})},
                 "template": template},
        "status": {"replicas": n, "fullyLabeledReplicas": n, "readyReplicas": n, "availableReplicas": n,
                   "observedGeneration": 1},
    })
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs["metadata"]["uid"],
              "controller": True, "blockOwnerDeletion": True}]
    pod_labels = template["metadata"]["labels"]
    pod_spec = template["spec"]
    used: set[str] = set()
    for i in range(n):
        node_name, host_ip, cidr_index = nodes[i // PODS_PER_NODE]
        while True:
            name = f"{rs_name}-{''.join(rng.choice(NAME_ALPHABET) for _ in range(5))}"
            if name not in used:
                used.add(name)
                break
        pod_ip = f"10.{244 + cidr_index // 256}.{cidr_index % 256}.{2 + i % PODS_PER_NODE}"
        pod: Obj = {"metadata": {"name": name, "generateName": rs_name + "-", "namespace": BENCH_NAMESPACE,
                                 "labels": pod_labels, "ownerReferences": owner},
                    "spec": dict(pod_spec, nodeName=node_name)}
        pod["status"] = running_pod_status(pod, host_ip, pod_ip, now, rng)
        pod["status"]["qosClass"] = "Burstable"
        store.create(PODS, pod)
    progressing = f'ReplicaSet "{rs_name}" has successfully progressed.'

    def settle(obj: Obj) -> None:
        obj["metadata"].setdefault("annotations", {})[REVISION] = "1"
        obj["status"] = {
            "observedGeneration": obj["metadata"].get("generation", 1), "replicas": n, "updatedReplicas": n,
            "readyReplicas": n, "availableReplicas": n,
            "conditions": [
                {"type": "Available", "status": "True", "lastUpdateTime": now, "lastTransitionTime": now,
                 "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                {"type": "Progressing", "status": "True", "lastUpdateTime": now, "lastTransitionTime": now,
                 "reason": "NewReplicaSetAvailable", "message": progressing},
            ]}

    store.mutate(DEPLOYMENTS, BENCH_NAMESPACE, "bench", settle)


# -- entry point -----------------------------------------------------------------------------------------------
def load_default(store: Store, sim: SimConfig) -> None:
    """Write the default scenario into an empty store (deterministic for a given ``sim.seed``)."""
    rng = random.Random(sim.seed)
    now = now_iso()
    for name in NAMESPACE_NAMES:
        store.create(NAMESPACES, {"metadata": {"name": name}})
        store.create(SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": name}})
    zones = [f"{REGION}-{i}" for i in (1, 2, 3)]
    for i, name in enumerate(NODE_NAMES):
        store.create(NODES, agent_node(name, i, f"10.224.0.{4 + i}", f"10.244.{i}.0/24", zones[i], now=now))
    store.create(NODES, virtual_node(now))

    store.create(SERVICES, {"metadata": {"name": "kubernetes", "namespace": "default",
                                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
                            "spec": {"clusterIP": "10.0.0.1", "ports": [
                                {"name": "https", "port": 443, "targetPort": 443, "protocol": "TCP"}]}})
    store.create(ENDPOINTS, {"metadata": {"name": "kubernetes", "namespace": "default",
                                          "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                             "subsets": [{"addresses": [{"ip": "10.224.0.2"}],
                                          "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}]})
    _kube_system(store)
    _shop(store)
    _team_a(store)
    _monitoring(store)
    scenario_kinds.load(store, rng, time.time())
    scenario_findings.load(store)
    if sim.extra_pods > 0:
        _bench(store, sim, rng)
