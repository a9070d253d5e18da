"""Authentication (bearer tokens) and authorization (a tiny RBAC) for the demo cluster.

Two users: the admin (context ``demo``) may do everything; the developer (context ``demo-dev``) has an
``edit``-like Role in namespace ``team-a`` only, like a developer on a shared cluster. The same rules answer
real requests (403) and SelfSubjectAccessReview / SelfSubjectRulesReview, so ``kubectl auth can-i`` and
k8stui's RBAC pre-checks agree with what the server then enforces.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    """An authenticated identity and the rules that bind it."""

    name: str
    groups: tuple[str, ...]
    admin: bool = False
    namespaces: frozenset[str] = field(default_factory=frozenset)  # where a non-admin may act

    def allowed(self, verb: str, group: str, resource: str, namespace: str | None, subresource: str = "") -> bool:
        if self.admin:
            return True
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

    def __init__(self, admin_token: str | None = None, dev_token: str | None = None) -> None:
        self.admin_token = admin_token or secrets.token_urlsafe(24)
        self.dev_token = dev_token or secrets.token_urlsafe(24)
        self._users = {
            self.admin_token: User(ADMIN_USER, ("system:masters", "system:authenticated"), admin=True),
            self.dev_token: User(DEV_USER, ("developers", "system:authenticated"),
                                 namespaces=frozenset({"team-a"})),
        }

    def impersonate(self, requester: User, name: str, groups: tuple[str, ...]) -> User:
        """The user a request runs as when ``requester`` (already allowed to) sends ``Impersonate-User``.

        As the API server does, the impersonated user has exactly the groups asked for, plus
        ``system:authenticated``; its rights are those the rules give that name and those groups."""
        groups = tuple(dict.fromkeys((*groups, "system:authenticated")))
        known = {u.name: u for u in self._users.values()}.get(name)
        return User(name, groups, admin="system:masters" in groups,
                    namespaces=known.namespaces if known is not None else frozenset())

    def user_for(self, authorization: str | None) -> User | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        return self._users.get(authorization[7:].strip())
