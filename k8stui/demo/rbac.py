"""RBAC for the demo cluster: the API server's bootstrap policy as stored objects, and an authorizer that
evaluates them.

The demo's users are what the stored ClusterRoleBindings and RoleBindings say: ``demo-admin`` is in
``system:masters`` (bound to ``cluster-admin``, and like the real group it bypasses RBAC), and ``dev@team-a``
(group ``developers``) gets the ``edit`` ClusterRole in ``team-a`` through the ``team-a-developers``
RoleBinding. Creating, changing or deleting a binding or role with kubectl changes what a user may do at the
next request, exactly as ``kubectl auth can-i`` then reports. The default ClusterRoles (``cluster-admin``,
``admin``, ``edit``, ``view``, ``system:basic-user``) carry the rules of Kubernetes' aggregated defaults
for the kinds the demo serves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .resources import CLUSTERROLEBINDINGS, CLUSTERROLES, NAMESPACES, ROLEBINDINGS, ROLES

if TYPE_CHECKING:
    from .store import Store

Obj = dict[str, Any]
RBAC_GROUP = "rbac.authorization.k8s.io"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
BOOTSTRAP_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
DEV_NAMESPACE = "team-a"
DEV_BINDING = "team-a-developers"

_WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_READ = ["get", "list", "watch"]


def _rule(groups: list[str], resources: list[str], verbs: list[str]) -> Obj:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


VIEW_RULES = [
    _rule([""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                 "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                 "services/status"], _READ),
    _rule([""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                 "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"], _READ),
    _rule([""], ["namespaces"], _READ),
    _rule(["discovery.k8s.io"], ["endpointslices"], _READ),
    _rule(["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                     "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                     "statefulsets/scale", "statefulsets/status"], _READ),
    _rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], _READ),
    _rule(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], _READ),
    _rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], _READ),
    _rule(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], _READ),
    _rule(["metrics.k8s.io"], ["pods", "nodes"], _READ),
]
EDIT_RULES = [
    _rule([""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], _READ),
    _rule([""], ["serviceaccounts"], ["impersonate"]),
    _rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], _WRITE),
    _rule([""], ["pods/eviction"], ["create"]),
    _rule([""], ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                 "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"], _WRITE),
    _rule([""], ["serviceaccounts/token"], ["create"]),
    _rule(["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                     "replicasets/scale", "statefulsets", "statefulsets/scale"], _WRITE),
    _rule(["autoscaling"], ["horizontalpodautoscalers"], _WRITE),
    _rule(["batch"], ["cronjobs", "jobs"], _WRITE),
    _rule(["policy"], ["poddisruptionbudgets"], _WRITE),
    _rule(["networking.k8s.io"], ["ingresses", "networkpolicies"], _WRITE),
    _rule(["coordination.k8s.io"], ["leases"], _READ + _WRITE),
    *VIEW_RULES,
]
ADMIN_RULES = [
    _rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
    _rule([RBAC_GROUP], ["rolebindings", "roles"], _READ + _WRITE),
    *EDIT_RULES,
]
BASIC_USER_RULES = [
    _rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
    _rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
]


def _cluster_role(name: str, rules: list[Obj], aggregate_label: str | None = None) -> Obj:
    labels = dict(BOOTSTRAP_LABELS)
    if aggregate_label:
        labels[f"rbac.authorization.k8s.io/aggregate-to-{aggregate_label}"] = "true"
    return {"metadata": {"name": name, "labels": labels, "annotations": dict(BOOTSTRAP_ANNOTATIONS)}, "rules": rules}


def _subject(kind: str, name: str, namespace: str | None = None) -> Obj:
    s: Obj = {"kind": kind, "name": name}
    if kind == "ServiceAccount":
        s["namespace"] = namespace
    else:
        s["apiGroup"] = RBAC_GROUP
    return s


def _binding(name: str, role: str, subjects: list[Obj], namespace: str | None = None,
             bootstrap: bool = True) -> Obj:
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if bootstrap:
        meta["labels"] = dict(BOOTSTRAP_LABELS)
        meta["annotations"] = dict(BOOTSTRAP_ANNOTATIONS)
    return {"metadata": meta, "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
            "subjects": subjects}


def bootstrap_objects() -> list[tuple[Any, Obj]]:
    """The default roles and bindings the API server ensures, plus the demo's developer binding."""
    return [
        (CLUSTERROLES, _cluster_role("cluster-admin", [_rule(["*"], ["*"], ["*"]),
                                                      {"nonResourceURLs": ["*"], "verbs": ["*"]}])),
        (CLUSTERROLES, _cluster_role("admin", ADMIN_RULES)),
        (CLUSTERROLES, _cluster_role("edit", EDIT_RULES, "admin")),
        (CLUSTERROLES, _cluster_role("view", VIEW_RULES, "edit")),
        (CLUSTERROLES, _cluster_role("system:basic-user", BASIC_USER_RULES)),
        (CLUSTERROLEBINDINGS, _binding("cluster-admin", "cluster-admin", [_subject("Group", "system:masters")])),
        (CLUSTERROLEBINDINGS, _binding("system:basic-user", "system:basic-user",
                                       [_subject("Group", "system:authenticated")])),
        (ROLEBINDINGS, _binding(DEV_BINDING, "edit", [_subject("User", "dev@team-a")], DEV_NAMESPACE,
                                bootstrap=False)),
    ]


def ensure_bootstrap(store: Store) -> None:
    """Create the bootstrap policy objects that do not exist yet (the API server's post-start hook)."""
    for rt, obj in bootstrap_objects():
        ns = obj["metadata"].get("namespace")
        if ns and store.get(NAMESPACES, None, ns) is None:
            continue
        if store.get(rt, ns, obj["metadata"]["name"]) is None:
            try:
                store.create(rt, obj)
            except ApiError:
                pass


# -- evaluation ---------------------------------------------------------------------------------------------------
def _matches_subject(subject: Obj, user: str, groups: Iterable[str], binding_ns: str | None) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return name == user
    if kind == "Group":
        return name in groups
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_ns or ""
        return user == f"system:serviceaccount:{ns}:{name}"
    return False


def rule_allows(rule: Obj, verb: str, group: str, resource: str, subresource: str, name: str | None) -> bool:
    """rbac.RuleAllows for a resource request."""
    verbs = rule.get("verbs") or []
    if "*" not in verbs and verb not in verbs:
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and group not in groups:
        return False
    combined = f"{resource}/{subresource}" if subresource else resource
    resources = rule.get("resources") or []
    if not any(r == "*" or r == combined or (subresource and r == f"*/{subresource}") for r in resources):
        return False
    names = rule.get("resourceNames") or []
    return not names or (name is not None and name in names)


class RbacAuthorizer:
    """Answers "may USER do VERB on RESOURCE in NAMESPACE" from the stored roles and bindings."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _role_rules(self, ref: Obj, namespace: str | None) -> list[Obj]:
        if ref.get("kind") == "ClusterRole":
            role = self.store.get(CLUSTERROLES, None, ref.get("name", ""))
        else:
            role = self.store.get(ROLES, namespace, ref.get("name", "")) if namespace else None
        return list((role or {}).get("rules") or [])

    def rules_for(self, user: str, groups: Iterable[str], namespace: str | None) -> list[Obj]:
        """Every rule that applies to the user in ``namespace`` (cluster-wide ones included)."""
        groups = tuple(groups)
        rules: list[Obj] = []
        for crb in self.store.iter_objects(CLUSTERROLEBINDINGS):
            if any(_matches_subject(s, user, groups, None) for s in crb.get("subjects") or []):
                rules += self._role_rules(crb.get("roleRef") or {}, None)
        if namespace:
            for rb in self.store.list(ROLEBINDINGS, namespace):
                if any(_matches_subject(s, user, groups, namespace) for s in rb.get("subjects") or []):
                    rules += self._role_rules(rb.get("roleRef") or {}, namespace)
        return rules

    def allowed(self, user: str, groups: Iterable[str], verb: str, group: str, resource: str,
                namespace: str | None, subresource: str = "", name: str | None = None) -> bool:
        return any(rule_allows(r, verb, group, resource, subresource, name)
                   for r in self.rules_for(user, groups, namespace) if r.get("resources"))

    def resource_rules(self, user: str, groups: Iterable[str], namespace: str) -> list[Obj]:
        """SelfSubjectRulesReview's ``resourceRules`` (each rule as stored, without non-resource URLs)."""
        out = []
        for r in self.rules_for(user, groups, namespace):
            if not r.get("resources"):
                continue
            entry = {"verbs": list(r.get("verbs") or []), "apiGroups": list(r.get("apiGroups") or []),
                     "resources": list(r.get("resources") or [])}
            if r.get("resourceNames"):
                entry["resourceNames"] = list(r["resourceNames"])
            out.append(entry)
        return out
