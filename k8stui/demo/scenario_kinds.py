"""The scenario's stateful, batch, storage, policy, RBAC and extension objects (called by scenario.py).

- storage: AKS's StorageClasses (``default`` is the default, WaitForFirstConsumer Azure disks;
  ``azurefile-csi`` binds immediately); in ``team-a`` the PVC ``reports-archive`` asks for a class that does not
  exist and stays Pending.
- ``shop``: the ``postgres`` StatefulSet (3 replicas, OrderedReady, a ``data`` PVC each) behind the headless
  Service ``postgres``; PodDisruptionBudgets ``api-blue`` (minAvailable 2) and ``postgres`` (maxUnavailable 1);
  the ServiceAccounts ``api`` and ``postgres`` (with the Role/RoleBinding ``postgres-leader``).
- ``monitoring``: the ``node-exporter`` DaemonSet (one pod per agent node; none on the tainted virtual node),
  its ServiceAccount and Service, scraped by Prometheus; the RoleBinding ``default-sa-edit`` gives the
  namespace's ``default`` ServiceAccount the ``edit`` role (an RBAC finding for ``:lint``).
- ``team-a``: the ``nightly-report`` CronJob (02:00 Europe/Berlin) with three finished Jobs and one failed one
  from earlier nights (their pods Completed/Error), and ``cache-warmer`` (every two minutes, so Jobs come and
  go while you watch).
- the CRDs ``certificates.demo.k8stui.io`` (namespaced, printer columns Ready/Secret/Issuer/Status/Expires/Age)
  and ``clusterissuers.demo.k8stui.io`` (cluster-scoped), with Certificates ``shop-tls`` (Ready, its Secret
  exists), ``api-tls`` (not Ready: its Secret was never issued) and ``notes-tls``; the ClusterIssuer
  ``letsencrypt`` the Ingress names.
- cluster: PriorityClasses, the IngressClass the Ingress uses, a default-deny NetworkPolicy in ``team-a``.
"""

from __future__ import annotations

import base64
import random
from typing import Any

from .controllers.kubelet import container_id, image_id
from .controllers.replicaset import NAME_ALPHABET
from .controllers.util import owner_ref
from .resources import (
    CONFIGMAPS,
    CRDS,
    CRONJOBS,
    DAEMONSETS,
    INGRESSCLASSES,
    JOBS,
    NAMESPACES,
    NETWORKPOLICIES,
    PDBS,
    PODS,
    PRIORITYCLASSES,
    PVCS,
    ROLEBINDINGS,
    ROLES,
    SECRETS,
    SERVICEACCOUNTS,
    SERVICES,
    STATEFULSETS,
    STORAGECLASSES,
)
from .store import Store, now_iso

Obj = dict[str, Any]
EXTRA_NAMESPACES = ("kube-node-lease", "kube-public")
CRD_GROUP = "demo.k8stui.io"
REPORT_SCHEDULE = "0 2 * * *"
REPORT_TZ = "Europe/Berlin"


def _meta(name: str, namespace: str | None = None, **extra: Any) -> Obj:
    meta: Obj = {"name": name, **extra}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _backdate(store: Store, rt: Any, namespace: str | None, name: str, stamp: str) -> None:
    def put(obj: Obj) -> None:
        obj["metadata"]["creationTimestamp"] = stamp

    store.mutate(rt, namespace, name, put)


# -- storage ----------------------------------------------------------------------------------------------------
def _storage(store: Store) -> None:
    labels = {"addonmanager.kubernetes.io/mode": "EnsureExists", "kubernetes.io/cluster-service": "true"}
    for name, sku, default in (("default", "StandardSSD_LRS", True), ("managed-csi", "StandardSSD_LRS", False),
                               ("managed-csi-premium", "Premium_LRS", False)):
        meta = _meta(name, labels=dict(labels))
        if default:
            meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
        store.create(STORAGECLASSES, {"metadata": meta, "provisioner": "disk.csi.azure.com",
                                      "parameters": {"skuname": sku}, "reclaimPolicy": "Delete",
                                      "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True})
    store.create(STORAGECLASSES, {"metadata": _meta("azurefile-csi", labels=dict(labels)),
                                  "provisioner": "file.csi.azure.com", "parameters": {"skuName": "Standard_LRS"},
                                  "mountOptions": ["mfsymlinks", "actimeo=30", "nosharesock"],
                                  "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
                                  "allowVolumeExpansion": True})
    store.create(PVCS, {"metadata": _meta("reports-archive", "team-a", labels={"app": "nightly-report"}),
                        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd",
                                 "resources": {"requests": {"storage": "20Gi"}}}})


# -- cluster-wide -----------------------------------------------------------------------------------------------
def _cluster(store: Store) -> None:
    store.create(PRIORITYCLASSES, {"metadata": _meta("system-node-critical"), "value": 2000001000,
                                   "description": "Used for system critical pods that must not be moved from their "
                                                  "current node."})
    store.create(PRIORITYCLASSES, {"metadata": _meta("system-cluster-critical"), "value": 2000000000,
                                   "description": "Used for system critical pods that must run in the cluster, but "
                                                  "can be moved to another node if necessary."})
    store.create(PRIORITYCLASSES, {"metadata": _meta("batch-low"), "value": -10, "preemptionPolicy": "Never",
                                   "description": "Reports and other batch work: never preempts anything."})
    store.create(INGRESSCLASSES, {"metadata": _meta("webapprouting.kubernetes.azure.com", labels={
        "app.kubernetes.io/managed-by": "aks-app-routing-operator"}),
        "spec": {"controller": "webapprouting.kubernetes.azure.com/nginx"}})


# -- shop: postgres, budgets ------------------------------------------------------------------------------------
def _shop(store: Store) -> None:
    ns = "shop"
    labels = {"app": "postgres", "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database"}
    store.create(SERVICEACCOUNTS, {"metadata": _meta("api", ns, labels={"app": "api"})})
    store.create(SERVICEACCOUNTS, {"metadata": _meta("postgres", ns, labels={"app": "postgres"})})
    store.create(SECRETS, {"metadata": _meta("postgres-credentials", ns, labels={"app": "postgres"}), "type": "Opaque",
                           "data": {"POSTGRES_USER": base64.b64encode(b"shop").decode(),
                                    "POSTGRES_PASSWORD": base64.b64encode(b"pG7!vX2#qLm9Rt4w").decode()}})
    store.create(CONFIGMAPS, {"metadata": _meta("postgres-config", ns, labels={"app": "postgres"}),
                              "data": {"postgresql.conf": "max_connections = 200\nshared_buffers = 512MB\n"
                                                          "wal_level = replica\nhot_standby = on\n"}})
    store.create(SERVICES, {"metadata": _meta("postgres", ns, labels={"app": "postgres"}),
                            "spec": {"clusterIP": "None", "selector": {"app": "postgres"},
                                     "ports": [{"name": "postgres", "port": 5432, "targetPort": "postgres",
                                                "protocol": "TCP"}]}})
    container = {
        "name": "postgres", "image": "postgres:16.4",
        "ports": [{"name": "postgres", "containerPort": 5432}],
        "envFrom": [{"secretRef": {"name": "postgres-credentials"}}],
        "env": [{"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "shop"]}, "initialDelaySeconds": 2,
                           "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"},
                         {"name": "config", "mountPath": "/etc/postgresql", "readOnly": True}],
    }
    store.create(STATEFULSETS, {
        "metadata": _meta("postgres", ns, labels=dict(labels),
                          annotations={"kubernetes.io/change-cause": "helm upgrade --install postgres ./charts/postgres"}),
        "spec": {"replicas": 3, "serviceName": "postgres", "selector": {"matchLabels": {"app": "postgres"}},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"serviceAccountName": "postgres", "terminationGracePeriodSeconds": 10,
                                       "containers": [container],
                                       "volumes": [{"name": "config", "configMap": {"name": "postgres-config"}}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "data", "labels": {"app": "postgres"}},
                                           "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "storageClassName": "managed-csi-premium",
                                                    "resources": {"requests": {"storage": "8Gi"}}}}]}})
    store.create(ROLES, {"metadata": _meta("postgres-leader", ns, labels={"app": "postgres"}),
                         "rules": [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                                    "verbs": ["get", "list", "watch", "create", "update", "patch"]},
                                   {"apiGroups": [""], "resources": ["endpoints", "configmaps"],
                                    "verbs": ["get", "list", "watch", "patch", "update"]}]})
    store.create(ROLEBINDINGS, {"metadata": _meta("postgres-leader", ns, labels={"app": "postgres"}),
                                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                            "name": "postgres-leader"},
                                "subjects": [{"kind": "ServiceAccount", "name": "postgres", "namespace": ns}]})
    store.create(PDBS, {"metadata": _meta("api-blue", ns, labels={"app": "api"}),
                        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "api", "version": "blue"}}}})
    store.create(PDBS, {"metadata": _meta("postgres", ns, labels={"app": "postgres"}),
                        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "postgres"}}}})
    store.create(SECRETS, {"metadata": _meta("shop-tls", ns, labels={"controller.cert-manager.io/fao": "true"},
                                             annotations={"cert-manager.io/certificate-name": "shop-tls",
                                                          "cert-manager.io/issuer-name": "letsencrypt",
                                                          "cert-manager.io/issuer-kind": "ClusterIssuer"}),
                           "type": "kubernetes.io/tls",
                           "data": {"tls.crt": base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIDdemo\n"
                                                                b"-----END CERTIFICATE-----\n").decode(),
                                    "tls.key": base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nMIIEdemo\n"
                                                                b"-----END PRIVATE KEY-----\n").decode()}})


# -- monitoring: node-exporter ------------------------------------------------------------------------------------
def _monitoring(store: Store) -> None:
    ns = "monitoring"
    labels = {"app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/version": "1.8.2"}
    store.create(SERVICEACCOUNTS, {"metadata": _meta("node-exporter", ns, labels=dict(labels))})
    store.create(SERVICEACCOUNTS, {"metadata": _meta("prometheus", ns, labels={"app": "prometheus"})})
    # an old shortcut nobody cleaned up: the namespace's default ServiceAccount may edit everything in it
    store.create(ROLEBINDINGS, {"metadata": _meta("default-sa-edit", ns),
                                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                            "name": "edit"},
                                "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]})
    container = {
        "name": "node-exporter", "image": "quay.io/prometheus/node-exporter:v1.8.2",
        "args": ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root",
                 "--web.listen-address=:9100"],
        "ports": [{"name": "metrics", "containerPort": 9100}],
        "resources": {"requests": {"cpu": "10m", "memory": "24Mi"}, "limits": {"memory": "64Mi"}},
        "readinessProbe": {"httpGet": {"path": "/", "port": 9100, "scheme": "HTTP"}, "initialDelaySeconds": 1,
                           "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "volumeMounts": [{"name": "proc", "mountPath": "/host/proc", "readOnly": True},
                         {"name": "sys", "mountPath": "/host/sys", "readOnly": True}],
    }
    store.create(DAEMONSETS, {
        "metadata": _meta("node-exporter", ns, labels=dict(labels)),
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "node-exporter"}},
                 "template": {"metadata": {"labels": dict(labels),
                                           "annotations": {"prometheus.io/scrape": "true",
                                                           "prometheus.io/port": "9100"}},
                              "spec": {"serviceAccountName": "node-exporter", "priorityClassName":
                                       "system-node-critical", "containers": [container],
                                       "nodeSelector": {"kubernetes.io/os": "linux"},
                                       "volumes": [{"name": "proc", "hostPath": {"path": "/proc"}},
                                                   {"name": "sys", "hostPath": {"path": "/sys"}}]}}}})
    store.create(SERVICES, {"metadata": _meta("node-exporter", ns, labels=dict(labels)),
                            "spec": {"clusterIP": "None", "selector": {"app.kubernetes.io/name": "node-exporter"},
                                     "ports": [{"name": "metrics", "port": 9100, "targetPort": "metrics",
                                                "protocol": "TCP"}]}})


# -- team-a: CronJobs and their history ---------------------------------------------------------------------------
def _report_template() -> Obj:
    return {"metadata": {"labels": {"app": "nightly-report"}},
            "spec": {"backoffLimit": 2, "ttlSecondsAfterFinished": None, "template": {
                "metadata": {"labels": {"app": "nightly-report"}},
                "spec": {"restartPolicy": "Never", "priorityClassName": "batch-low", "containers": [{
                    "name": "report", "image": "ghcr.io/demo/report-runner:1.4.0",
                    "command": ["sh", "-c", "python -m report --since 24h --out /reports && sleep 4"],
                    "envFrom": [{"configMapRef": {"name": "notes-config"}}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                  "limits": {"cpu": "500m", "memory": "256Mi"}}}]}}}}


def _team_a(store: Store, rng: random.Random, now: float) -> None:
    from .controllers.cronjob import SCHEDULED_ANNOTATION  # noqa: PLC0415
    from .controllers.cronjob import _iter as cron_iter  # noqa: PLC0415

    ns = "team-a"
    template = _report_template()
    template["spec"].pop("ttlSecondsAfterFinished")
    cj = store.create(CRONJOBS, {"metadata": _meta("nightly-report", ns, labels={"app": "nightly-report"}),
                                 "spec": {"schedule": REPORT_SCHEDULE, "timeZone": REPORT_TZ,
                                          "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3,
                                          "failedJobsHistoryLimit": 1, "jobTemplate": template}})
    it = cron_iter(cj, now)
    from datetime import datetime  # noqa: PLC0415

    runs = sorted(it.get_prev(datetime).timestamp() for _ in range(4))
    _backdate(store, CRONJOBS, ns, "nightly-report", now_iso(runs[0] - 86400 * 6))
    last_success = ""
    for i, scheduled in enumerate(runs):
        ok = i != 0  # the oldest of the four nights failed
        job = _finished_job(store, cj, scheduled, ok, rng, SCHEDULED_ANNOTATION)
        if ok:
            last_success = job["status"]["completionTime"]

    def status(obj: Obj) -> None:
        obj["status"] = {"lastScheduleTime": now_iso(runs[-1]), "lastSuccessfulTime": last_success}

    store.mutate(CRONJOBS, ns, "nightly-report", status)
    warmer = {"metadata": {"labels": {"app": "cache-warmer"}},
              "spec": {"backoffLimit": 1, "activeDeadlineSeconds": 120, "template": {
                  "metadata": {"labels": {"app": "cache-warmer"}},
                  "spec": {"restartPolicy": "OnFailure", "containers": [{
                      "name": "warm", "image": "busybox:1.36",
                      "command": ["sh", "-c", "wget -qO- http://notes.team-a.svc/api/popular >/dev/null && sleep 3"],
                      "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}
    store.create(CRONJOBS, {"metadata": _meta("cache-warmer", ns, labels={"app": "cache-warmer"}),
                            "spec": {"schedule": "*/2 * * * *", "concurrencyPolicy": "Forbid",
                                     "successfulJobsHistoryLimit": 2, "failedJobsHistoryLimit": 1,
                                     "jobTemplate": warmer}})
    store.create(NETWORKPOLICIES, {"metadata": _meta("default-deny-ingress", ns),
                                   "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    store.create(NETWORKPOLICIES, {"metadata": _meta("allow-notes-http", ns),
                                   "spec": {"podSelector": {"matchLabels": {"app": "notes"}},
                                            "ingress": [{"ports": [{"port": 5000, "protocol": "TCP"}]}]}})


def _finished_job(store: Store, cj: Obj, scheduled: float, ok: bool, rng: random.Random, annotation: str) -> Obj:
    """A Job of an earlier night, finished, with its pods (Completed, or Error for each try of a failed one)."""
    ns, cj_name = cj["metadata"]["namespace"], cj["metadata"]["name"]
    name = f"{cj_name}-{int(scheduled // 60)}"
    spec = cj["spec"]["jobTemplate"]["spec"]
    job = store.create(JOBS, {"metadata": _meta(name, ns, labels={"app": "nightly-report"},
                                                annotations={annotation: now_iso(scheduled)},
                                                ownerReferences=[owner_ref(cj)]),
                              "spec": dict(spec)})
    tries = 1 if ok else int(spec.get("backoffLimit", 6)) + 1
    start = scheduled + 1
    t = start
    template = job["spec"]["template"]
    for n in range(tries):
        pod_name = f"{name}-{''.join(rng.choice(NAME_ALPHABET) for _ in range(5))}"
        run = 38.0 + rng.uniform(0, 20) if ok else 6.0 + rng.uniform(0, 3)
        node = f"aks-nodepool1-0000{rng.randrange(3)}"
        code = 0 if ok else 1
        c = template["spec"]["containers"][0]
        finished_at = t + 2 + run
        pod = {"metadata": {"name": pod_name, "generateName": f"{name}-", "namespace": ns,
                            "labels": dict(template["metadata"].get("labels") or {}),
                            "ownerReferences": [owner_ref(job)]},
               "spec": {**template["spec"], "nodeName": node},
               "status": {"phase": "Succeeded" if ok else "Failed", "hostIP": "10.224.0.4",
                          "podIP": f"10.244.{rng.randrange(3)}.{rng.randrange(150, 250)}",
                          "startTime": now_iso(t),
                          "conditions": [
                              {"type": "Initialized", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": now_iso(t)},
                              {"type": "Ready", "status": "False", "lastProbeTime": None,
                               "lastTransitionTime": now_iso(finished_at),
                               "reason": "PodCompleted" if ok else "PodFailed"},
                              {"type": "ContainersReady", "status": "False", "lastProbeTime": None,
                               "lastTransitionTime": now_iso(finished_at),
                               "reason": "PodCompleted" if ok else "PodFailed"},
                              {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": now_iso(t)}],
                          "containerStatuses": [{
                              "name": c["name"], "image": c["image"], "imageID": image_id(c["image"]),
                              "containerID": container_id(rng), "ready": False, "restartCount": 0, "started": False,
                              "lastState": {},
                              "state": {"terminated": {"exitCode": code, "reason": "Completed" if ok else "Error",
                                                       "startedAt": now_iso(t + 2),
                                                       "finishedAt": now_iso(finished_at)}}}],
                          "qosClass": "Burstable"}}
        store.create(PODS, pod)
        _backdate(store, PODS, ns, pod_name, now_iso(t))
        t = finished_at + 10 * 2 ** n
    end = now_iso(t - 10 * 2 ** (tries - 1))

    def settle(obj: Obj) -> None:
        reason, message = (("CompletionsReached", "Reached expected number of succeeded pods") if ok else
                           ("BackoffLimitExceeded", "Job has reached the specified backoff limit"))
        first = "SuccessCriteriaMet" if ok else "FailureTarget"
        conds = [{"type": first, "status": "True", "lastProbeTime": end, "lastTransitionTime": end,
                  "reason": reason, "message": message},
                 {"type": "Complete" if ok else "Failed", "status": "True", "lastProbeTime": end,
                  "lastTransitionTime": end, "reason": reason, "message": message}]
        status: Obj = {"startTime": now_iso(start), "conditions": conds, "uncountedTerminatedPods": {},
                       "ready": 0, "terminating": 0}
        if ok:
            status["succeeded"] = 1
            status["completionTime"] = end
        else:
            status["failed"] = tries
        obj["status"] = status
        obj["metadata"]["creationTimestamp"] = now_iso(scheduled)

    return store.mutate(JOBS, ns, name, settle) or job


# -- CRDs and custom resources ------------------------------------------------------------------------------------
def _schema(properties: Obj) -> Obj:
    return {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": properties},
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}


def certificate_crd() -> Obj:
    ready = '.status.conditions[?(@.type=="Ready")]'
    return {"metadata": _meta(f"certificates.{CRD_GROUP}", labels={"app.kubernetes.io/name": "demo-cert-manager"}),
            "spec": {"group": CRD_GROUP, "scope": "Namespaced",
                     "names": {"plural": "certificates", "singular": "certificate", "kind": "Certificate",
                               "listKind": "CertificateList", "shortNames": ["cert", "certs"],
                               "categories": ["demo-cert-manager"]},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "subresources": {"status": {}},
                                   "schema": _schema({"secretName": {"type": "string"},
                                                      "dnsNames": {"type": "array", "items": {"type": "string"}},
                                                      "issuerRef": {"type": "object",
                                                                    "x-kubernetes-preserve-unknown-fields": True}}),
                                   "additionalPrinterColumns": [
                                       {"name": "Ready", "type": "string", "jsonPath": f"{ready}.status"},
                                       {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
                                       {"name": "Issuer", "type": "string", "jsonPath": ".spec.issuerRef.name",
                                        "priority": 1},
                                       {"name": "Status", "type": "string", "jsonPath": f"{ready}.message",
                                        "priority": 1},
                                       {"name": "Expires", "type": "string", "jsonPath": ".status.notAfter"},
                                       {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}}


def clusterissuer_crd() -> Obj:
    return {"metadata": _meta(f"clusterissuers.{CRD_GROUP}", labels={"app.kubernetes.io/name": "demo-cert-manager"}),
            "spec": {"group": CRD_GROUP, "scope": "Cluster",
                     "names": {"plural": "clusterissuers", "singular": "clusterissuer", "kind": "ClusterIssuer",
                               "listKind": "ClusterIssuerList", "categories": ["demo-cert-manager"]},
                     "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                   "schema": _schema({"acme": {"type": "object",
                                                               "x-kubernetes-preserve-unknown-fields": True}}),
                                   "additionalPrinterColumns": [
                                       {"name": "Ready", "type": "string",
                                        "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                                       {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}}


def _custom(store: Store, now: float) -> None:
    store.create(CRDS, certificate_crd())
    store.create(CRDS, clusterissuer_crd())
    issuers = store.types.lookup(CRD_GROUP, "v1", "clusterissuers")
    certs = store.types.lookup(CRD_GROUP, "v1", "certificates")
    assert issuers is not None and certs is not None
    stamp = now_iso()
    store.create(issuers, {"metadata": _meta("letsencrypt"),
                           "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory",
                                             "email": "platform@demo.example.com",
                                             "privateKeySecretRef": {"name": "letsencrypt-account"}}},
                           "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ACMEAccountRegistered",
                                                      "message": "The ACME account was registered with the ACME server",
                                                      "lastTransitionTime": stamp}]}})

    def cert(ns: str, name: str, dns: list[str], ready: bool, reason: str, message: str, days_left: int) -> None:
        status: Obj = {"conditions": [{"type": "Ready", "status": "True" if ready else "False", "reason": reason,
                                       "message": message, "lastTransitionTime": stamp, "observedGeneration": 1}]}
        if ready:
            status["notAfter"] = now_iso(now + days_left * 86400)
            status["notBefore"] = now_iso(now - (90 - days_left) * 86400)
            status["renewalTime"] = now_iso(now + (days_left - 30) * 86400)
        store.create(certs, {"metadata": _meta(name, ns),
                             "spec": {"secretName": name, "dnsNames": dns,
                                      "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer",
                                                    "group": CRD_GROUP}},
                             "status": status})

    cert("shop", "shop-tls", ["shop.demo.example.com"], True, "Ready",
         "Certificate is up to date and has not expired", 61)
    cert("shop", "api-tls", ["api.demo.example.com"], False, "DoesNotExist",
         "Issuing certificate as Secret does not exist", 0)
    cert("team-a", "notes-tls", ["notes.team-a.demo.example.com"], True, "Ready",
         "Certificate is up to date and has not expired", 12)


def load(store: Store, rng: random.Random, now: float) -> None:
    """Write this module's part of the default scenario (after scenario.py's namespaces and nodes)."""
    for name in EXTRA_NAMESPACES:
        store.create(NAMESPACES, {"metadata": {"name": name}})
        store.create(SERVICEACCOUNTS, {"metadata": {"name": "default", "namespace": name}})
    _cluster(store)
    _storage(store)
    _shop(store)
    _monitoring(store)
    _team_a(store, rng, now)
    _custom(store, now)
