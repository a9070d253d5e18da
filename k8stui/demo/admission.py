"""Defaulting and validation, the demo cluster's admission chain.

The API server fills in defaults (strategy, clusterIP, pod status) and rejects invalid objects with 422
before anything is stored; both happen here so that HTTP writes, dry-runs and the simulated controllers all
get identical objects and identical errors.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from . import kinds_admission
from .errors import ApiError, invalid
from .selectors import match_labels

if TYPE_CHECKING:
    from .resources import ResourceType
    from .store import Store

Obj = dict[str, Any]
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _name_causes(rt: ResourceType, obj: Obj) -> list[tuple[str, Any, str]]:
    name = obj["metadata"].get("name")
    if not name:
        return [("metadata.name", None, "name or generateName is required")]
    if rt.group == "rbac.authorization.k8s.io":  # path-segment names: "system:basic-user" is valid
        if name in (".", "..") or "/" in name or "%" in name:
            return [("metadata.name", name, 'may not contain "/" or "%" and may not be "." or ".."')]
        return []
    if len(name) > 253 or not _NAME_RE.match(name):
        return [("metadata.name", name,
                 "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                 "or '.', and must start and end with an alphanumeric character")]
    if rt.key in ("namespaces", "services") and (len(name) > 63 or not _LABEL_NAME_RE.match(name)):
        return [("metadata.name", name, "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                                        "characters or '-', and must start and end with an alphanumeric character")]
    return []


def _int_causes(path: str, value: Any, minimum: int = 0) -> list[tuple[str, Any, str]]:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return [(path, value, "must be an integer")]
    if value < minimum:
        return [(path, value, f"must be greater than or equal to {minimum}")]
    return []


def _pod_spec_causes(spec: Obj | None, prefix: str) -> list[tuple[str, Any, str]]:
    causes: list[tuple[str, Any, str]] = []
    if not isinstance(spec, dict):
        return [(prefix, None, "")]
    containers = spec.get("containers")
    if not containers:
        return [(f"{prefix}.containers", None, "")]
    seen = set()
    for i, c in enumerate(containers):
        if not c.get("name"):
            causes.append((f"{prefix}.containers[{i}].name", None, ""))
        elif c["name"] in seen:
            causes.append((f"{prefix}.containers[{i}].name", c["name"], "Duplicate value"))
        seen.add(c.get("name"))
        if not c.get("image"):
            causes.append((f"{prefix}.containers[{i}].image", None, ""))
    return causes


def _workload_causes(obj: Obj) -> list[tuple[str, Any, str]]:
    spec = obj.get("spec") or {}
    causes = _int_causes("spec.replicas", spec.get("replicas"))
    selector = spec.get("selector")
    template = spec.get("template") or {}
    if not selector:
        causes.append(("spec.selector", None, ""))
    elif not match_labels(selector, (template.get("metadata") or {}).get("labels")):
        causes.append(("spec.template.metadata.labels", (template.get("metadata") or {}).get("labels"),
                       "`selector` does not match template `labels`"))
    causes += _pod_spec_causes(template.get("spec"), "spec.template.spec")
    return causes


def _raise(rt: ResourceType, obj: Obj, causes: list[tuple[str, Any, str]]) -> None:
    if causes:
        raise invalid(rt.kind, rt.group, obj["metadata"].get("name", ""), causes)


def validate_create(store: Store, rt: ResourceType, obj: Obj) -> None:
    causes = _name_causes(rt, obj)
    if rt.namespaced and not obj["metadata"].get("namespace"):
        causes.append(("metadata.namespace", None, ""))
    causes += _kind_causes(rt, obj)
    causes += kinds_admission.causes(store, rt, obj, None)
    _raise(rt, obj, causes)


def validate_update(store: Store, rt: ResourceType, new: Obj, old: Obj) -> None:
    causes = _kind_causes(rt, new)
    if rt.key in ("deployments.apps", "replicasets.apps"):
        if (new.get("spec") or {}).get("selector") != (old.get("spec") or {}).get("selector"):
            causes.append(("spec.selector", (new.get("spec") or {}).get("selector"), "field is immutable"))
    if rt.key == "services":
        old_ip = (old.get("spec") or {}).get("clusterIP")
        new_ip = (new.get("spec") or {}).get("clusterIP")
        if new_ip and new_ip != old_ip:
            causes.append(("spec.clusterIP", new_ip, "field is immutable"))
    if rt.key == "pods":
        if (new.get("spec") or {}).get("containers") and old["spec"].get("nodeName") and \
                new["spec"].get("nodeName") not in (None, old["spec"].get("nodeName")):
            causes.append(("spec.nodeName", new["spec"].get("nodeName"), "field is immutable"))
    causes += kinds_admission.causes(store, rt, new, old)
    _raise(rt, new, causes)


def _kind_causes(rt: ResourceType, obj: Obj) -> list[tuple[str, Any, str]]:
    if rt.key in ("deployments.apps", "replicasets.apps"):
        return _workload_causes(obj)
    if rt.key == "pods":
        return _pod_spec_causes(obj.get("spec"), "spec")
    if rt.key == "services":
        causes = []
        for i, p in enumerate((obj.get("spec") or {}).get("ports") or []):
            port = p.get("port")
            if not isinstance(port, int) or not 1 <= port <= 65535:
                causes.append((f"spec.ports[{i}].port", port, "must be between 1 and 65535, inclusive"))
        return causes
    return []


def _default_pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("serviceAccountName", "default")
    for c in spec.get("containers") or []:
        image = c.get("image", "")
        c.setdefault("imagePullPolicy", "Always" if image.endswith(":latest") or ":" not in image
                     else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
        for p in c.get("ports") or []:
            p.setdefault("protocol", "TCP")


def default(store: Store, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    """Fill in server-side defaults (idempotent; runs on create and update)."""
    key = rt.key
    spec = obj.get("spec")
    if key == "namespaces":
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
        if old is None:  # the namespace controller's finalizer, always set on create (as the API server does)
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {"phase": "Active"})
    elif key == "pods":
        _default_pod_spec(spec)
        tolerations = spec.setdefault("tolerations", [])
        for taint_key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
            if not any(t.get("key") == taint_key for t in tolerations):
                tolerations.append({"key": taint_key, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": 300})
        obj.setdefault("status", {"phase": "Pending", "qosClass": _qos_class(spec)})
    elif key in ("deployments.apps", "replicasets.apps"):
        spec.setdefault("replicas", 1)
        if key == "deployments.apps":  # (a ReplicaSet has no revisionHistoryLimit)
            spec.setdefault("revisionHistoryLimit", 10)
            spec.setdefault("progressDeadlineSeconds", 600)
            strategy = spec.setdefault("strategy", {})
            strategy.setdefault("type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                ru = strategy.setdefault("rollingUpdate", {})
                ru.setdefault("maxSurge", "25%")
                ru.setdefault("maxUnavailable", "25%")
        template = spec.setdefault("template", {})
        template.setdefault("metadata", {})
        _default_pod_spec(template.setdefault("spec", {}))
        obj.setdefault("status", {})
    elif key == "services" and spec.get("type") == "ExternalName":
        # a DNS alias: no cluster IP, no IP families (the registry allocates nothing for it)
        spec.setdefault("sessionAffinity", "None")
        for field_ in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            spec.pop(field_, None)
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            if not p.get("targetPort"):
                p["targetPort"] = p.get("port")
        obj.setdefault("status", {"loadBalancer": {}})
    elif key == "services":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec.get("clusterIP") is None and old is not None:
            spec["clusterIP"] = (old.get("spec") or {}).get("clusterIP")
        if not spec.get("clusterIP"):
            spec["clusterIP"] = store.allocate_ip("10.0")
        spec["clusterIPs"] = [spec["clusterIP"]]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        for i, p in enumerate(spec.get("ports") or []):
            p.setdefault("protocol", "TCP")
            if not p.get("targetPort"):  # unset or 0 (a Go client sends the zero IntOrString)
                p["targetPort"] = p.get("port")
            if spec["type"] in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
                p["nodePort"] = 30000 + (hash((obj["metadata"]["name"], i)) % 2767)
        obj.setdefault("status", {"loadBalancer": {}})
    elif key == "secrets":
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None)
        if string_data:  # write-only: folded into data (base64), winning over the same key there
            data = obj["data"] = dict(obj.get("data") or {})
            for k, v in string_data.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
    elif key == "events":
        obj.setdefault("type", "Normal")
    elif key == "horizontalpodautoscalers.autoscaling" and isinstance(spec, dict):
        # autoscaling/v2 SetDefaults_HorizontalPodAutoscaler (behavior is only completed when given)
        if spec.get("minReplicas") is None:
            spec["minReplicas"] = 1
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
        kinds_admission.default(store, rt, obj, old)
    else:
        kinds_admission.default(store, rt, obj, old)


def _qos_class(spec: Obj) -> str:
    resources = [c.get("resources") or {} for c in spec.get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    if all(r.get("limits") and r.get("limits") == r.get("requests", r.get("limits")) for r in resources):
        return "Guaranteed"
    return "Burstable"


def ensure_object(body: Any) -> Obj:
    if not isinstance(body, dict):
        raise ApiError(400, "BadRequest", "the body of the request was in an unknown format")
    return body
