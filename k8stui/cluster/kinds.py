"""The resource kinds the app lists and watches, as data: API path, scope and the names users type.

``ResourceKind`` is one REST resource (``deployments`` in ``apps/v1``) with what discovery says about it
(singular, short names, verbs, categories, subresources). Two tables live here:

- ``KINDS``: the 12 first-class kinds the app has its own row projections and screens for (``rows``,
  ``ui/columns``); ``kind_for`` resolves names among them only, so its callers always get a kind they can
  project.
- ``WELL_KNOWN``: every resource a stock Kubernetes 1.30 API server serves, in the server's group order. It is
  the registry ``cluster.registry`` starts from before discovery has answered (first paint, cold cache), so
  ``:sts`` works at once; discovery then replaces it with what the server really serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """One listable REST resource, e.g. ``deployments`` in ``apps/v1``.

    Equality and hashing use the identity (plural, kind, group, version, scope) only, so a kind discovered
    from the server equals the built-in constant for the same resource.
    """

    plural: str
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    aliases: tuple[str, ...] = field(default=(), compare=False)  # extra names users type ("dp"), not from discovery
    singular: str = field(default="", compare=False)  # "" = kind.lower()
    short_names: tuple[str, ...] = field(default=(), compare=False)
    verbs: tuple[str, ...] = field(default=STANDARD_VERBS, compare=False)
    categories: tuple[str, ...] = field(default=(), compare=False)
    subresources: tuple[str, ...] = field(default=(), compare=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """``pods`` for core, ``deployments.apps`` for named groups (what kubectl calls the resource)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def names(self) -> tuple[str, ...]:
        """Every unqualified name that may mean this kind (lower case): plural, singular, kind, short names,
        aliases."""
        out: list[str] = []
        for name in (self.plural, self.singular_name, self.kind.lower(), *self.short_names, *self.aliases):
            name = name.lower()
            if name and name not in out:
                out.append(name)
        return tuple(out)

    @property
    def listable(self) -> bool:
        return "list" in self.verbs

    @property
    def watchable(self) -> bool:
        return "watch" in self.verbs

    def can(self, verb: str) -> bool:
        """Whether the server offers ``verb`` on this resource at all (RBAC is a separate question)."""
        return verb in self.verbs

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


_ALL = ("all",)
_POD_SUBRESOURCES = ("attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy",
                     "status")

PODS = ResourceKind("pods", "Pod", "", "v1", True, short_names=("po",), categories=_ALL,
                    subresources=_POD_SUBRESOURCES)
DEPLOYMENTS = ResourceKind("deployments", "Deployment", "apps", "v1", True, aliases=("dp",),
                           short_names=("deploy",), categories=_ALL, subresources=("scale", "status"))
REPLICASETS = ResourceKind("replicasets", "ReplicaSet", "apps", "v1", True, short_names=("rs",),
                           categories=_ALL, subresources=("scale", "status"))
SERVICES = ResourceKind("services", "Service", "", "v1", True, short_names=("svc",), categories=_ALL,
                        subresources=("proxy", "status"))
ENDPOINTS = ResourceKind("endpoints", "Endpoints", "", "v1", True, short_names=("ep",))
EVENTS = ResourceKind("events", "Event", "", "v1", True, short_names=("ev",))
NODES = ResourceKind("nodes", "Node", "", "v1", False, short_names=("no",), subresources=("proxy", "status"))
NAMESPACES = ResourceKind("namespaces", "Namespace", "", "v1", False, short_names=("ns",),
                          subresources=("finalize", "status"),
                          verbs=("create", "delete", "get", "list", "patch", "update", "watch"))
INGRESSES = ResourceKind("ingresses", "Ingress", "networking.k8s.io", "v1", True, short_names=("ing",),
                         subresources=("status",))
CONFIGMAPS = ResourceKind("configmaps", "ConfigMap", "", "v1", True, short_names=("cm",))
SECRETS = ResourceKind("secrets", "Secret", "", "v1", True)
HPAS = ResourceKind("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling", "v2", True,
                    short_names=("hpa",), categories=_ALL, subresources=("status",))

KINDS: tuple[ResourceKind, ...] = (PODS, DEPLOYMENTS, REPLICASETS, SERVICES, ENDPOINTS, EVENTS, NODES,
                                   NAMESPACES, INGRESSES, CONFIGMAPS, SECRETS, HPAS)

_CREATE = ("create",)


def _k(plural: str, kind: str, group: str, version: str, namespaced: bool, short: tuple[str, ...] = (),
       verbs: tuple[str, ...] = STANDARD_VERBS, categories: tuple[str, ...] = (),
       subresources: tuple[str, ...] = ()) -> ResourceKind:
    return ResourceKind(plural, kind, group, version, namespaced, short_names=short, verbs=verbs,
                        categories=categories, subresources=subresources)


_SCALE_STATUS = ("scale", "status")
_STATUS = ("status",)

# A stock kube-apiserver 1.30, in its discovery order (core first, then /apis by group priority).
WELL_KNOWN: tuple[ResourceKind, ...] = (
    _k("bindings", "Binding", "", "v1", True, verbs=_CREATE),
    _k("componentstatuses", "ComponentStatus", "", "v1", False, ("cs",), ("get", "list")),
    CONFIGMAPS, ENDPOINTS, EVENTS,
    _k("limitranges", "LimitRange", "", "v1", True, ("limits",)),
    NAMESPACES, NODES,
    _k("persistentvolumeclaims", "PersistentVolumeClaim", "", "v1", True, ("pvc",), subresources=_STATUS),
    _k("persistentvolumes", "PersistentVolume", "", "v1", False, ("pv",), subresources=_STATUS),
    PODS,
    _k("podtemplates", "PodTemplate", "", "v1", True),
    _k("replicationcontrollers", "ReplicationController", "", "v1", True, ("rc",), categories=_ALL,
       subresources=_SCALE_STATUS),
    _k("resourcequotas", "ResourceQuota", "", "v1", True, ("quota",), subresources=_STATUS),
    SECRETS,
    _k("serviceaccounts", "ServiceAccount", "", "v1", True, ("sa",), subresources=("token",)),
    SERVICES,
    _k("apiservices", "APIService", "apiregistration.k8s.io", "v1", False, subresources=_STATUS),
    _k("controllerrevisions", "ControllerRevision", "apps", "v1", True),
    _k("daemonsets", "DaemonSet", "apps", "v1", True, ("ds",), categories=_ALL, subresources=_STATUS),
    DEPLOYMENTS, REPLICASETS,
    _k("statefulsets", "StatefulSet", "apps", "v1", True, ("sts",), categories=_ALL, subresources=_SCALE_STATUS),
    _k("events", "Event", "events.k8s.io", "v1", True, ("ev",)),
    _k("selfsubjectreviews", "SelfSubjectReview", "authentication.k8s.io", "v1", False, verbs=_CREATE),
    _k("tokenreviews", "TokenReview", "authentication.k8s.io", "v1", False, verbs=_CREATE),
    _k("localsubjectaccessreviews", "LocalSubjectAccessReview", "authorization.k8s.io", "v1", True, verbs=_CREATE),
    _k("selfsubjectaccessreviews", "SelfSubjectAccessReview", "authorization.k8s.io", "v1", False, verbs=_CREATE),
    _k("selfsubjectrulesreviews", "SelfSubjectRulesReview", "authorization.k8s.io", "v1", False, verbs=_CREATE),
    _k("subjectaccessreviews", "SubjectAccessReview", "authorization.k8s.io", "v1", False, verbs=_CREATE),
    HPAS,
    _k("cronjobs", "CronJob", "batch", "v1", True, ("cj",), categories=_ALL, subresources=_STATUS),
    _k("jobs", "Job", "batch", "v1", True, categories=_ALL, subresources=_STATUS),
    _k("certificatesigningrequests", "CertificateSigningRequest", "certificates.k8s.io", "v1", False, ("csr",),
       subresources=("approval", "status")),
    _k("ingressclasses", "IngressClass", "networking.k8s.io", "v1", False),
    INGRESSES,
    _k("networkpolicies", "NetworkPolicy", "networking.k8s.io", "v1", True, ("netpol",)),
    _k("poddisruptionbudgets", "PodDisruptionBudget", "policy", "v1", True, ("pdb",), subresources=_STATUS),
    _k("clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", False),
    _k("clusterroles", "ClusterRole", "rbac.authorization.k8s.io", "v1", False),
    _k("rolebindings", "RoleBinding", "rbac.authorization.k8s.io", "v1", True),
    _k("roles", "Role", "rbac.authorization.k8s.io", "v1", True),
    _k("csidrivers", "CSIDriver", "storage.k8s.io", "v1", False),
    _k("csinodes", "CSINode", "storage.k8s.io", "v1", False),
    _k("csistoragecapacities", "CSIStorageCapacity", "storage.k8s.io", "v1", True),
    _k("storageclasses", "StorageClass", "storage.k8s.io", "v1", False, ("sc",)),
    _k("volumeattachments", "VolumeAttachment", "storage.k8s.io", "v1", False, subresources=_STATUS),
    _k("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", "admissionregistration.k8s.io", "v1",
       False, categories=("api-extensions",)),
    _k("validatingadmissionpolicies", "ValidatingAdmissionPolicy", "admissionregistration.k8s.io", "v1", False,
       categories=("api-extensions",), subresources=_STATUS),
    _k("validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", "admissionregistration.k8s.io",
       "v1", False, categories=("api-extensions",)),
    _k("validatingwebhookconfigurations", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "v1",
       False, categories=("api-extensions",)),
    _k("customresourcedefinitions", "CustomResourceDefinition", "apiextensions.k8s.io", "v1", False,
       ("crd", "crds"), categories=("api-extensions",), subresources=_STATUS),
    _k("priorityclasses", "PriorityClass", "scheduling.k8s.io", "v1", False, ("pc",)),
    _k("leases", "Lease", "coordination.k8s.io", "v1", True),
    _k("runtimeclasses", "RuntimeClass", "node.k8s.io", "v1", False),
    _k("endpointslices", "EndpointSlice", "discovery.k8s.io", "v1", True),
    _k("flowschemas", "FlowSchema", "flowcontrol.apiserver.k8s.io", "v1", False, subresources=_STATUS),
    _k("prioritylevelconfigurations", "PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io", "v1", False,
       subresources=_STATUS),
)

CUSTOM_RESOURCE_DEFINITIONS = next(k for k in WELL_KNOWN if k.plural == "customresourcedefinitions")

_BY_NAME: dict[str, ResourceKind] = {}
for _k_ in KINDS:
    for _name in (_k_.key, *_k_.names):
        _BY_NAME.setdefault(_name, _k_)


def kind_for(name: str) -> ResourceKind | None:
    """One of the 12 first-class kinds by any name: ``po``, ``pods``, ``Pod``, ``deploy``, ``deployments.apps``.

    For every kind the server serves (CRDs included) use ``cluster.registry.KindRegistry.resolve``."""
    return _BY_NAME.get(name.strip().lower())
