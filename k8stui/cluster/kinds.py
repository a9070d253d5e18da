"""The resource kinds the app lists and watches, as data: API path, scope and the names users type.

One table feeds the store (which URL to LIST/WATCH), the rows (which projection to use) and the UI's
command mode (``:po``, ``:deploy`` ...). Adding a kind is one entry here plus a projection in ``rows``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """One listable REST resource, e.g. ``deployments`` in ``apps/v1``."""

    plural: str
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    aliases: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """``pods`` for core, ``deployments.apps`` for named groups (what kubectl calls the resource)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def base_path(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def path(self, namespace: str | None = None, name: str | None = None, subresource: str = "") -> str:
        """The collection (or object) URL path; ``namespace=None`` means all namespaces / cluster scope."""
        parts = [self.base_path()]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{namespace}")
        parts.append(self.plural)
        if name:
            parts.append(name)
            if subresource:
                parts.append(subresource)
        return "/".join(parts)


PODS = ResourceKind("pods", "Pod", "", "v1", True, ("po", "pod"))
DEPLOYMENTS = ResourceKind("deployments", "Deployment", "apps", "v1", True, ("deploy", "deployment", "dp"))
REPLICASETS = ResourceKind("replicasets", "ReplicaSet", "apps", "v1", True, ("rs", "replicaset"))
SERVICES = ResourceKind("services", "Service", "", "v1", True, ("svc", "service"))
ENDPOINTS = ResourceKind("endpoints", "Endpoints", "", "v1", True, ("ep",))
EVENTS = ResourceKind("events", "Event", "", "v1", True, ("ev", "event"))
NODES = ResourceKind("nodes", "Node", "", "v1", False, ("no", "node"))
NAMESPACES = ResourceKind("namespaces", "Namespace", "", "v1", False, ("ns", "namespace"))
INGRESSES = ResourceKind("ingresses", "Ingress", "networking.k8s.io", "v1", True, ("ing", "ingress"))
CONFIGMAPS = ResourceKind("configmaps", "ConfigMap", "", "v1", True, ("cm", "configmap"))
SECRETS = ResourceKind("secrets", "Secret", "", "v1", True, ("secret",))
HPAS = ResourceKind("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling", "v2", True,
                    ("hpa",))

KINDS: tuple[ResourceKind, ...] = (PODS, DEPLOYMENTS, REPLICASETS, SERVICES, ENDPOINTS, EVENTS, NODES,
                                   NAMESPACES, INGRESSES, CONFIGMAPS, SECRETS, HPAS)

_BY_NAME: dict[str, ResourceKind] = {}
for _k in KINDS:
    for _name in (_k.plural, _k.key, _k.kind.lower(), *_k.aliases):
        _BY_NAME.setdefault(_name, _k)


def kind_for(name: str) -> ResourceKind | None:
    """The kind a user or the code names: ``po``, ``pods``, ``Pod``, ``deploy``, ``deployments.apps`` ..."""
    return _BY_NAME.get(name.strip().lower())
