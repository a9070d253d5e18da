"""Authentication (bearer tokens) and authorization for the demo cluster.

Two users: the admin (context ``demo``, group ``system:masters``) may do everything; the developer (context
``demo-dev``) may do what the stored RBAC objects grant ``dev@team-a`` — by default the ``edit`` ClusterRole
in namespace ``team-a`` through a RoleBinding (rbac.py), like a developer on a shared cluster. The same rules
answer real requests (403) and SelfSubjectAccessReview / SelfSubjectRulesReview, so ``kubectl auth can-i`` and
k8stui's RBAC pre-checks agree with what the server then enforces. Without a store (unit use) the developer
falls back to a fixed edit-like rule set in ``team-a``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class User:
    """An authenticated identity and the rules that bind it."""

    name: str
    groups: tuple[str, ...]
    admin: bool = False
    namespaces: frozenset[str] = field(default_factory=frozenset)  # where a non-admin may act (no store)
    rbac: Any = field(default=None, compare=False, repr=False)  # rbac.RbacAuthorizer over the stored objects
    uid: str = ""  # a service account's uid (SelfSubjectReview's userInfo.uid)
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()  # userInfo.extra (a bound token's credential id)

    def allowed(self, verb: str, group: str, resource: str, namespace: str | None, subresource: str = "",
                name: str | None = None) -> bool:
        if self.admin:
            return True
        if resource == "namespaces" and namespace is None and name:
            namespace = name  # a namespace object is requested "in" itself (apiserver RequestInfo)
        if self.rbac is not None:
            return self.rbac.allowed(self.name, self.groups, verb, group, resource, namespace, subresource, name)
        if group in ("authorization.k8s.io", "authentication.k8s.io") and resource.startswith("selfsubject") \
                and verb == "create":
            return True
        if namespace is None:
            # Cluster scope: only discovery-like reads of the user's own namespaces.
            return False
        if resource == "namespaces":
            return verb == "get" and namespace in self.namespaces
        if namespace not in self.namespaces:
            return False
        if group == "metrics.k8s.io":
            return verb in ("get", "list", "watch")
        if resource == "secrets" and verb in ("get", "list", "watch"):
            return True  # edit role can read secrets; the app must still mask them
        return True

    def rules(self, namespace: str) -> list[dict]:
        """SelfSubjectRulesReview's resourceRules for ``namespace``."""
        base = [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
                 "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}]
        if self.admin:
            return [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}] + base
        if self.rbac is not None:
            return self.rbac.resource_rules(self.name, self.groups, namespace)
        if namespace in self.namespaces:
            return [
                {"verbs": ["*"], "apiGroups": ["", "apps", "autoscaling", "networking.k8s.io", "batch"],
                 "resources": ["*"]},
                {"verbs": ["get", "list"], "apiGroups": ["metrics.k8s.io"], "resources": ["pods"]},
                {"verbs": ["get"], "apiGroups": [""], "resources": ["namespaces"], "resourceNames": [namespace]},
            ] + base
        return base


ADMIN_USER = "demo-admin"
DEV_USER = "dev@team-a"


class Authenticator:
    """Maps bearer tokens to users; tokens are minted per run and written into the kubeconfig."""

    def __init__(self, admin_token: str | None = None, dev_token: str | None = None, store: Any = None) -> None:
        from .tokens import TokenIssuer  # noqa: PLC0415

        self.admin_token = admin_token or secrets.token_urlsafe(24)
        self.dev_token = dev_token or secrets.token_urlsafe(24)
        self.store = store
        self.tokens = TokenIssuer()
        rbac = None
        if store is not None:
            from .rbac import RbacAuthorizer  # noqa: PLC0415

            rbac = RbacAuthorizer(store)
        self._users = {
            self.admin_token: User(ADMIN_USER, ("system:masters", "system:authenticated"), admin=True, rbac=rbac),
            self.dev_token: User(DEV_USER, ("developers", "system:authenticated"),
                                 namespaces=frozenset({"team-a"}), rbac=rbac),
        }
        self._rbac = rbac

    def impersonate(self, requester: User, name: str, groups: tuple[str, ...]) -> User:
        """The user a request runs as when ``requester`` (already allowed to) sends ``Impersonate-User``.

        As the API server does, the impersonated user has exactly the groups asked for, plus
        ``system:authenticated``; its rights are those the rules give that name and those groups."""
        groups = tuple(dict.fromkeys((*groups, "system:authenticated")))
        known = {u.name: u for u in self._users.values()}.get(name)
        return User(name, groups, admin="system:masters" in groups,
                    namespaces=known.namespaces if known is not None else frozenset(), rbac=requester.rbac)

    def user_for(self, authorization: str | None) -> User | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        token = authorization[7:].strip()
        user = self._users.get(token)
        if user is not None:
            return user
        return self._service_account_user(token)

    def _service_account_user(self, token: str) -> User | None:
        """A bound token (tokens.py) of a service account that still exists with the uid it was minted for."""
        bound = self.tokens.lookup(token)
        if bound is None:
            return None
        if self.store is not None:
            from .resources import SERVICEACCOUNTS  # noqa: PLC0415

            account = self.store.get(SERVICEACCOUNTS, bound.namespace, bound.service_account)
            if account is None or account["metadata"].get("uid") != bound.uid:
                return None
        return User(f"system:serviceaccount:{bound.namespace}:{bound.service_account}",
                    ("system:serviceaccounts", f"system:serviceaccounts:{bound.namespace}", "system:authenticated"),
                    rbac=self._rbac, uid=bound.uid,
                    extra=(("authentication.kubernetes.io/credential-id", (f"JTI={bound.jti}",)),))
