"""Row projections of identity and RBAC: ServiceAccount, Role/ClusterRole, RoleBinding/ClusterRoleBinding.

Roles and bindings of both scopes share a row type (a ClusterRole is a Role with no namespace). A role's rules
are summarised as ``verbs resources`` phrases (``get,list,watch pods; * deployments.apps``), a binding's
subjects as ``User dev@team-a, ServiceAccount shop/api`` — what a developer asks "who may do what here" for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .quantity import parse_time
from .rows import Labels, _Aged, _labels, _uid

AGGREGATE_LABEL_PREFIX = "rbac.authorization.k8s.io/aggregate-to-"


@dataclass(frozen=True, slots=True)
class ServiceAccountRow(_Aged):
    uid: str
    namespace: str
    name: str
    secrets: int                # legacy token Secrets listed in .secrets
    image_pull_secrets: tuple[str, ...]
    automount: str              # "true", "false", "" (default: true)
    created: float | None
    labels: Labels


def serviceaccount_row(raw: Mapping[str, Any]) -> ServiceAccountRow:
    meta = raw.get("metadata") or {}
    automount = raw.get("automountServiceAccountToken")
    return ServiceAccountRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        secrets=len(raw.get("secrets") or ()),
        image_pull_secrets=tuple(str(s.get("name") or "") for s in raw.get("imagePullSecrets") or ()),
        automount="" if automount is None else str(bool(automount)).lower(),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


@dataclass(frozen=True, slots=True)
class RoleRow(_Aged):
    """A Role (``namespace`` set) or a ClusterRole (``namespace`` "")."""

    uid: str
    namespace: str
    name: str
    rule_count: int
    rules: str                  # "get,list,watch pods,services; * deployments.apps"
    aggregated: bool            # a ClusterRole built from others by an aggregationRule
    created: float | None
    labels: Labels


def _resource_names(rule: Mapping[str, Any]) -> str:
    groups = [g for g in rule.get("apiGroups") or () if isinstance(g, str)]
    resources = [r for r in rule.get("resources") or () if isinstance(r, str)]
    urls = [u for u in rule.get("nonResourceURLs") or () if isinstance(u, str)]
    names: list[str] = []
    for resource in resources:
        for group in groups or [""]:
            if not group or (group == "*" and resource == "*"):
                qualified = resource
            else:
                base, slash, sub = resource.partition("/")  # deployments/scale -> deployments.apps/scale
                qualified = f"{base}.{group}{slash}{sub}"
            if qualified not in names:
                names.append(qualified)
    names += urls
    if rule.get("resourceNames"):
        names = [f"{n}/{','.join(str(x) for x in rule['resourceNames'])}" for n in names]
    return ",".join(names) or "-"


def rules_summary(rules: Iterable[Mapping[str, Any]]) -> str:
    """One phrase per rule: ``VERBS RESOURCES``, joined by "; "."""
    parts = []
    for rule in rules:
        if not isinstance(rule, Mapping):
            continue
        verbs = ",".join(str(v) for v in rule.get("verbs") or ()) or "-"
        parts.append(f"{verbs} {_resource_names(rule)}")
    return "; ".join(parts)


def role_row(raw: Mapping[str, Any]) -> RoleRow:
    meta = raw.get("metadata") or {}
    rules = [r for r in raw.get("rules") or () if isinstance(r, Mapping)]
    return RoleRow(
        uid=_uid(meta), namespace=meta.get("namespace", "") or "", name=meta.get("name", ""),
        rule_count=len(rules), rules=rules_summary(rules), aggregated=bool(raw.get("aggregationRule")),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


@dataclass(frozen=True, slots=True)
class RoleBindingRow(_Aged):
    """A RoleBinding (``namespace`` set) or a ClusterRoleBinding (``namespace`` "")."""

    uid: str
    namespace: str
    name: str
    role: str                   # "ClusterRole/edit", "Role/postgres-leader"
    role_kind: str
    role_name: str
    subjects: str               # "User dev@team-a, ServiceAccount shop/api"
    users: tuple[str, ...]
    groups: tuple[str, ...]
    service_accounts: tuple[str, ...]  # "namespace/name"
    created: float | None
    labels: Labels


def rolebinding_row(raw: Mapping[str, Any]) -> RoleBindingRow:
    meta = raw.get("metadata") or {}
    ref = raw.get("roleRef") or {}
    namespace = meta.get("namespace", "") or ""
    users: list[str] = []
    groups: list[str] = []
    accounts: list[str] = []
    words: list[str] = []
    for subject in raw.get("subjects") or ():
        if not isinstance(subject, Mapping):
            continue
        kind, name = str(subject.get("kind") or ""), str(subject.get("name") or "")
        if kind == "ServiceAccount":
            qualified = f"{subject.get('namespace') or namespace}/{name}"
            accounts.append(qualified)
            words.append(f"ServiceAccount {qualified}")
        elif kind == "Group":
            groups.append(name)
            words.append(f"Group {name}")
        else:
            users.append(name)
            words.append(f"{kind or 'User'} {name}")
    role_kind, role_name = str(ref.get("kind") or ""), str(ref.get("name") or "")
    return RoleBindingRow(
        uid=_uid(meta), namespace=namespace, name=meta.get("name", ""), role=f"{role_kind}/{role_name}",
        role_kind=role_kind, role_name=role_name, subjects=", ".join(words) or "<none>", users=tuple(users),
        groups=tuple(groups), service_accounts=tuple(accounts), created=parse_time(meta.get("creationTimestamp")),
        labels=_labels(meta),
    )


__all__ = ["RoleBindingRow", "RoleRow", "ServiceAccountRow", "role_row", "rolebinding_row", "rules_summary",
           "serviceaccount_row"]
