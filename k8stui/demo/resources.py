"""The API resource types the demo cluster serves, as data.

Discovery documents, URL routing, RBAC checks and the object store all read this one table, so adding a
resource kind is one entry here (plus, optionally, a Table printer in ``tables.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One REST resource (``deployments.apps``) and how it is served."""

    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    has_status: bool = True  # the main resource ignores .status on update when True
    singular: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """Store key: ``pods`` for core, ``deployments.apps`` for named groups."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    def qualified(self) -> str:
        """How API errors name the resource, e.g. ``deployments.apps`` or ``pods``."""
        return self.key


def _core(plural: str, kind: str, namespaced: bool = True, **kw) -> ResourceType:
    return ResourceType("", "v1", plural, kind, namespaced, **kw)


RESOURCES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", namespaced=False, short_names=("ns",),
          verbs=("create", "delete", "get", "list", "patch", "update", "watch"), subresources=("status",)),
    _core("nodes", "Node", namespaced=False, short_names=("no",), subresources=("status",)),
    _core("pods", "Pod", short_names=("po",), categories=("all",), subresources=("status", "log", "exec", "attach", "portforward", "eviction", "ephemeralcontainers")),
    _core("services", "Service", short_names=("svc",), categories=("all",), subresources=("status", "proxy")),
    _core("endpoints", "Endpoints", short_names=("ep",), has_status=False),
    _core("events", "Event", short_names=("ev",), has_status=False),
    _core("configmaps", "ConfigMap", short_names=("cm",), has_status=False),
    _core("secrets", "Secret", has_status=False),
    _core("serviceaccounts", "ServiceAccount", short_names=("sa",), has_status=False),
    ResourceType("apps", "v1", "deployments", "Deployment", True, short_names=("deploy",),
                 categories=("all",), subresources=("status", "scale")),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, short_names=("rs",),
                 categories=("all",), subresources=("status", "scale")),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, short_names=("ing",),
                 subresources=("status",)),
    ResourceType("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
                 short_names=("hpa",), categories=("all",), subresources=("status",)),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, short_names=("pdb",),
                 subresources=("status",)),
)

# Virtual resources: served by handlers, never stored.
SELF_SUBJECT_ACCESS_REVIEW = ResourceType(
    "authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
    verbs=("create",), has_status=False)
SELF_SUBJECT_RULES_REVIEW = ResourceType(
    "authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False,
    verbs=("create",), has_status=False)
SELF_SUBJECT_REVIEW = ResourceType(
    "authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=("create",),
    has_status=False)
SELF_SUBJECT_REVIEW_V1BETA1 = ResourceType(  # kubectl 1.27 `auth whoami` asks for v1beta1 only
    "authentication.k8s.io", "v1beta1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=("create",),
    has_status=False)
POD_METRICS = ResourceType("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", True,
                           verbs=("get", "list"), has_status=False)
NODE_METRICS = ResourceType("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", False,
                            verbs=("get", "list"), has_status=False)

VIRTUAL_RESOURCES: tuple[ResourceType, ...] = (
    SELF_SUBJECT_ACCESS_REVIEW, SELF_SUBJECT_RULES_REVIEW, SELF_SUBJECT_REVIEW,
    SELF_SUBJECT_REVIEW_V1BETA1, POD_METRICS, NODE_METRICS)

BY_KEY: dict[str, ResourceType] = {r.key: r for r in RESOURCES}


def group_versions() -> dict[str, list[str]]:
    """Named API groups and their versions, in discovery order."""
    out: dict[str, list[str]] = {}
    for rt in RESOURCES + VIRTUAL_RESOURCES:
        if rt.group:
            versions = out.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
    return out


def lookup(group: str, version: str, plural: str) -> ResourceType | None:
    """The resource served at ``/apis/{group}/{version}/{plural}`` (group "" for ``/api/v1``)."""
    for rt in RESOURCES + VIRTUAL_RESOURCES:
        if rt.group == group and rt.version == version and rt.plural == plural:
            return rt
    return None


def core(plural: str) -> ResourceType:
    return BY_KEY[plural]


DEPLOYMENTS = BY_KEY["deployments.apps"]
REPLICASETS = BY_KEY["replicasets.apps"]
PODS = BY_KEY["pods"]
NODES = BY_KEY["nodes"]
SERVICES = BY_KEY["services"]
ENDPOINTS = BY_KEY["endpoints"]
EVENTS = BY_KEY["events"]
NAMESPACES = BY_KEY["namespaces"]
SECRETS = BY_KEY["secrets"]
CONFIGMAPS = BY_KEY["configmaps"]
HPAS = BY_KEY["horizontalpodautoscalers.autoscaling"]
INGRESSES = BY_KEY["ingresses.networking.k8s.io"]
SERVICEACCOUNTS = BY_KEY["serviceaccounts"]
PDBS = BY_KEY["poddisruptionbudgets.policy"]
