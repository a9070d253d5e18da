"""The API resource types the demo cluster serves, as data.

Discovery documents, URL routing, RBAC checks and the object store all read this one table, so adding a
resource kind is one entry here (plus, optionally, a Table printer in ``tables.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list", "watch")


@dataclass(frozen=True)
class PrinterColumn:
    """One ``additionalPrinterColumns`` entry of a CRD version (the Table column and the JSONPath of its cells)."""

    name: str
    type: str
    json_path: str
    format: str = ""
    description: str = ""
    priority: int = 0


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
    storage_version: str = ""  # custom resources served in several versions: the version objects are stored in
    printer_columns: tuple[PrinterColumn, ...] | None = None  # custom resources: additionalPrinterColumns
    custom: bool = False  # defined by a CustomResourceDefinition

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage_api_version(self) -> str:
        """The apiVersion objects of this resource are stored with (the request's unless a CRD says otherwise)."""
        version = self.storage_version or self.version
        return f"{self.group}/{version}" if self.group else version

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


def _apps(plural: str, kind: str, **kw) -> ResourceType:
    return ResourceType("apps", "v1", plural, kind, True, **kw)


def _rbac(plural: str, kind: str, namespaced: bool) -> ResourceType:
    return ResourceType("rbac.authorization.k8s.io", "v1", plural, kind, namespaced, has_status=False)


RESOURCES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", namespaced=False, short_names=("ns",),
          verbs=("create", "delete", "get", "list", "patch", "update", "watch"), subresources=("status",)),
    _core("nodes", "Node", namespaced=False, short_names=("no",), subresources=("status",)),
    _core("pods", "Pod", short_names=("po",), categories=("all",), subresources=("status", "log", "exec", "attach", "portforward", "eviction", "ephemeralcontainers", "proxy")),
    _core("services", "Service", short_names=("svc",), categories=("all",), subresources=("status", "proxy")),
    _core("endpoints", "Endpoints", short_names=("ep",), has_status=False),
    _core("events", "Event", short_names=("ev",), has_status=False),
    _core("configmaps", "ConfigMap", short_names=("cm",), has_status=False),
    _core("secrets", "Secret", has_status=False),
    _core("serviceaccounts", "ServiceAccount", short_names=("sa",), has_status=False, subresources=("token",)),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", short_names=("pvc",), subresources=("status",)),
    _core("persistentvolumes", "PersistentVolume", namespaced=False, short_names=("pv",), subresources=("status",)),
    _core("resourcequotas", "ResourceQuota", short_names=("quota",), subresources=("status",)),
    _core("limitranges", "LimitRange", short_names=("limits",), has_status=False),
    _apps("deployments", "Deployment", short_names=("deploy",), categories=("all",), subresources=("status", "scale")),
    _apps("replicasets", "ReplicaSet", short_names=("rs",), categories=("all",), subresources=("status", "scale")),
    _apps("statefulsets", "StatefulSet", short_names=("sts",), categories=("all",),
          subresources=("status", "scale")),
    _apps("daemonsets", "DaemonSet", short_names=("ds",), categories=("all",), subresources=("status",)),
    _apps("controllerrevisions", "ControllerRevision", has_status=False),
    ResourceType("batch", "v1", "jobs", "Job", True, categories=("all",), subresources=("status",)),
    ResourceType("batch", "v1", "cronjobs", "CronJob", True, short_names=("cj",), categories=("all",),
                 subresources=("status",)),
    ResourceType("networking.k8s.io", "v1", "ingresses", "Ingress", True, short_names=("ing",),
                 subresources=("status",)),
    ResourceType("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False, has_status=False),
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, short_names=("netpol",),
                 has_status=False),
    ResourceType("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
                 short_names=("hpa",), categories=("all",), subresources=("status",)),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, short_names=("pdb",),
                 subresources=("status",)),
    _rbac("clusterrolebindings", "ClusterRoleBinding", False),
    _rbac("clusterroles", "ClusterRole", False),
    _rbac("rolebindings", "RoleBinding", True),
    _rbac("roles", "Role", True),
    ResourceType("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, short_names=("sc",),
                 has_status=False),
    ResourceType("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False,
                 short_names=("crd", "crds"), categories=("api-extensions",), subresources=("status",)),
    ResourceType("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, short_names=("pc",),
                 has_status=False),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True, has_status=False),
    ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True, has_status=False),
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

# Built-in kinds also served in an older version than the one stored (conversion.py converts).
OTHER_VERSIONS: tuple[ResourceType, ...] = (
    ResourceType("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True,
                 short_names=("hpa",), categories=("all",), subresources=("status",), storage_version="v2"),
)

VIRTUAL_RESOURCES: tuple[ResourceType, ...] = (
    SELF_SUBJECT_ACCESS_REVIEW, SELF_SUBJECT_RULES_REVIEW, SELF_SUBJECT_REVIEW,
    SELF_SUBJECT_REVIEW_V1BETA1, POD_METRICS, NODE_METRICS)

BY_KEY: dict[str, ResourceType] = {r.key: r for r in RESOURCES}


_STATIC_INDEX: dict[tuple[str, str, str], ResourceType] = {
    (rt.group, rt.version, rt.plural): rt for rt in RESOURCES + OTHER_VERSIONS + VIRTUAL_RESOURCES}


def _group_versions(rts: tuple[ResourceType, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rt in rts:
        if rt.group:
            versions = out.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
    return out


def group_versions() -> dict[str, list[str]]:
    """Named built-in API groups and their versions, in discovery order."""
    return _group_versions(RESOURCES + OTHER_VERSIONS + VIRTUAL_RESOURCES)


def lookup(group: str, version: str, plural: str) -> ResourceType | None:
    """The built-in resource served at ``/apis/{group}/{version}/{plural}`` (group "" for ``/api/v1``)."""
    return _STATIC_INDEX.get((group, version, plural))


class TypeRegistry:
    """The resource types one cluster serves: the built-in ones and those its CRDs define at run time.

    Each CRD contributes one ResourceType per served version (all with the same store key); ``generation``
    changes whenever the set changes, so discovery documents (and their ETags) can be cached per generation.
    """

    def __init__(self) -> None:
        self._dynamic: dict[tuple[str, str, str], ResourceType] = {}
        self.generation = 0

    def served(self) -> tuple[ResourceType, ...]:
        """Every servable type, virtual ones included, built-in first."""
        return RESOURCES + OTHER_VERSIONS + VIRTUAL_RESOURCES + tuple(self._dynamic.values())

    def stored(self) -> list[ResourceType]:
        """One type per store key (the storage version of custom resources)."""
        return list(RESOURCES) + [rt for rt in self._dynamic.values() if rt.version == (rt.storage_version or
                                                                                      rt.version)]

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        key = (group, version, plural)
        return _STATIC_INDEX.get(key) or self._dynamic.get(key)

    def by_key(self, key: str) -> ResourceType | None:
        """The (storage-version) type stored under ``key`` (``pods``, ``certificates.demo.k8stui.io``)."""
        rt = BY_KEY.get(key)
        if rt is not None:
            return rt
        for rt in self._dynamic.values():
            if rt.key == key and rt.version == (rt.storage_version or rt.version):
                return rt
        return None

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        for rt in self.served():
            if rt.api_version == api_version and rt.kind == kind:
                return rt
        return None

    def group_versions(self) -> dict[str, list[str]]:
        return _group_versions(self.served())

    def custom(self, group: str, plural: str) -> list[ResourceType]:
        return [rt for rt in self._dynamic.values() if rt.group == group and rt.plural == plural]

    def set_custom(self, group: str, plural: str, versions: list[ResourceType]) -> None:
        """Replace the types one CRD defines (an empty list removes them)."""
        old = self.custom(group, plural)
        if old == versions:
            return
        for rt in old:
            self._dynamic.pop((rt.group, rt.version, rt.plural), None)
        for rt in versions:
            self._dynamic[(rt.group, rt.version, rt.plural)] = rt
        self.generation += 1


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
STATEFULSETS = BY_KEY["statefulsets.apps"]
DAEMONSETS = BY_KEY["daemonsets.apps"]
CONTROLLERREVISIONS = BY_KEY["controllerrevisions.apps"]
JOBS = BY_KEY["jobs.batch"]
CRONJOBS = BY_KEY["cronjobs.batch"]
PVCS = BY_KEY["persistentvolumeclaims"]
PVS = BY_KEY["persistentvolumes"]
STORAGECLASSES = BY_KEY["storageclasses.storage.k8s.io"]
PDBS = BY_KEY["poddisruptionbudgets.policy"]
ROLES = BY_KEY["roles.rbac.authorization.k8s.io"]
ROLEBINDINGS = BY_KEY["rolebindings.rbac.authorization.k8s.io"]
CLUSTERROLES = BY_KEY["clusterroles.rbac.authorization.k8s.io"]
CLUSTERROLEBINDINGS = BY_KEY["clusterrolebindings.rbac.authorization.k8s.io"]
CRDS = BY_KEY["customresourcedefinitions.apiextensions.k8s.io"]
LEASES = BY_KEY["leases.coordination.k8s.io"]
ENDPOINTSLICES = BY_KEY["endpointslices.discovery.k8s.io"]
PRIORITYCLASSES = BY_KEY["priorityclasses.scheduling.k8s.io"]
INGRESSCLASSES = BY_KEY["ingressclasses.networking.k8s.io"]
NETWORKPOLICIES = BY_KEY["networkpolicies.networking.k8s.io"]
INGRESSES = BY_KEY["ingresses.networking.k8s.io"]
SERVICEACCOUNTS = BY_KEY["serviceaccounts"]
