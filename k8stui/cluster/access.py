"""What the current user may do: SelfSubjectAccessReview per question, SelfSubjectRulesReview per namespace.

Answers are cached for a short time so that panes and key bindings can ask freely (e.g. to grey out
"scale" before the user presses it). The server still enforces RBAC; a failed review (network) answers
``False`` and is not cached.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from .connection import REQUEST_TIMEOUT, Connection

SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
SSRR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
DEFAULT_TTL = 30.0

AccessKey = tuple[str, str, str, str, str, str]  # verb, group, resource, subresource, namespace, name


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """One review's answer. ``error`` is set when the review itself failed (then ``allowed`` is False)."""

    allowed: bool
    reason: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class ResourceRule:
    """One rule of SelfSubjectRulesReview (``"*"`` entries mean everything)."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    resource_names: tuple[str, ...] = ()

    def allows(self, verb: str, resource: str, group: str = "", name: str | None = None) -> bool:
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        if "*" not in self.api_groups and group not in self.api_groups:
            return False
        if "*" not in self.resources and resource not in self.resources:
            return False
        return not self.resource_names or (name is not None and name in self.resource_names)


@dataclass(frozen=True, slots=True)
class RulesReview:
    namespace: str
    rules: tuple[ResourceRule, ...]
    incomplete: bool
    error: str = ""

    def allows(self, verb: str, resource: str, group: str = "", name: str | None = None) -> bool:
        return any(r.allows(verb, resource, group, name) for r in self.rules)


class AccessChecker:
    """RBAC questions for one connection, answered by the API server and cached for ``ttl`` seconds."""

    def __init__(self, connection: Connection, *, ttl: float = DEFAULT_TTL,
                 client: httpx.AsyncClient | None = None) -> None:
        self.connection = connection
        self.ttl = ttl
        self._client = client
        self._own_client = client is None
        self._cache: dict[AccessKey, tuple[float, AccessDecision]] = {}
        self._inflight: dict[AccessKey, asyncio.Future[AccessDecision]] = {}
        self._rules: dict[str, tuple[float, RulesReview]] = {}

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.connection.async_client()
        return self._client

    @staticmethod
    def _key(verb: str, resource: str, group: str, namespace: str | None, name: str | None,
             subresource: str) -> AccessKey:
        return (verb, group, resource, subresource, namespace or "", name or "")

    def peek(self, verb: str, resource: str, group: str = "", namespace: str | None = None,
             name: str | None = None, subresource: str = "") -> bool | None:
        """The cached answer, or None when it is unknown or expired (no network)."""
        hit = self._cache.get(self._key(verb, resource, group, namespace, name, subresource))
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1].allowed

    async def can(self, verb: str, resource: str, group: str = "", namespace: str | None = None,
                  name: str | None = None, subresource: str = "") -> bool:
        """Whether the user may ``verb`` the ``resource`` (``group`` "" = core; ``namespace`` None = all
        namespaces / cluster scope)."""
        return (await self.check(verb, resource, group, namespace, name, subresource)).allowed

    async def check(self, verb: str, resource: str, group: str = "", namespace: str | None = None,
                    name: str | None = None, subresource: str = "") -> AccessDecision:
        key = self._key(verb, resource, group, namespace, name, subresource)
        hit = self._cache.get(key)
        if hit is not None and hit[0] >= time.monotonic():
            return hit[1]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[AccessDecision] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            decision = await self._review(verb, resource, group, namespace, name, subresource)
            if not decision.error:
                self._cache[key] = (time.monotonic() + self.ttl, decision)
            fut.set_result(decision)
            return decision
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # mark retrieved
            raise
        finally:
            self._inflight.pop(key, None)

    async def _review(self, verb: str, resource: str, group: str, namespace: str | None, name: str | None,
                      subresource: str) -> AccessDecision:
        attrs: dict[str, Any] = {"verb": verb, "resource": resource, "group": group}
        if namespace:
            attrs["namespace"] = namespace
        if name:
            attrs["name"] = name
        if subresource:
            attrs["subresource"] = subresource
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": attrs}}
        data, error = await self._post(SSAR_PATH, body)
        if error:
            return AccessDecision(False, error=error)
        status = data.get("status") or {}
        return AccessDecision(bool(status.get("allowed")) and not status.get("denied"),
                              str(status.get("reason") or ""))

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        try:
            resp = await self.client.post(path, content=orjson.dumps(body),
                                          headers={"Content-Type": "application/json"},
                                          timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=5.0))
        except httpx.HTTPError as exc:
            return {}, f"access review failed: {type(exc).__name__}"
        if resp.status_code >= 400:
            return {}, f"access review failed: HTTP {resp.status_code}"
        try:
            data = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            return {}, "access review failed: the answer is not JSON"
        return (data if isinstance(data, dict) else {}), ""

    async def rules(self, namespace: str) -> RulesReview:
        """Everything the user may do in ``namespace`` (SelfSubjectRulesReview), cached for ``ttl``."""
        hit = self._rules.get(namespace)
        if hit is not None and hit[0] >= time.monotonic():
            return hit[1]
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                "spec": {"namespace": namespace}}
        data, error = await self._post(SSRR_PATH, body)
        if error:
            return RulesReview(namespace, (), True, error)
        status = data.get("status") or {}
        rules = tuple(ResourceRule(tuple(r.get("verbs") or ()), tuple(r.get("apiGroups") or ()),
                                   tuple(r.get("resources") or ()), tuple(r.get("resourceNames") or ()))
                      for r in status.get("resourceRules") or ())
        review = RulesReview(namespace, rules, bool(status.get("incomplete")),
                             str(status.get("evaluationError") or ""))
        self._rules[namespace] = (time.monotonic() + self.ttl, review)
        return review

    def invalidate(self) -> None:
        """Forget every cached answer (e.g. after switching context)."""
        self._cache.clear()
        self._rules.clear()

    async def close(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
        self._client = None


__all__ = ["AccessChecker", "AccessDecision", "ResourceRule", "RulesReview"]
