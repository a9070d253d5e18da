"""The REST calls the actions make (get, list, patch, create, delete, with ``dryRun=All``), over the
connection's ``httpx.AsyncClient``.

Kept apart from the informers on purpose: a plan is built from a fresh read of the object (its
resourceVersion is the precondition of the write), never from a cache that may lag. Every API error becomes
``ApiFailure`` with the server's status code, reason and one-line message, so callers can tell a 409 Conflict
(someone else changed the object) from a 403 (RBAC) or a 422 (validation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from ..cluster.connection import REQUEST_TIMEOUT, Connection
from ..cluster.kinds import PODS, ResourceKind

PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}
DRY_RUN = {"dryRun": "All"}


class ApiFailure(Exception):
    """An answer other than 2xx (or no answer): ``status`` (0 = unreachable), ``reason``, ``message``."""

    def __init__(self, status: int, reason: str, message: str, causes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = " ".join(str(message).split())
        self.causes = tuple(" ".join(str(c).split()) for c in causes)  # the Status's details.causes messages

    @property
    def conflict(self) -> bool:
        """409: the object changed since it was read (Conflict) or already exists (AlreadyExists)."""
        return self.status == 409

    @property
    def forbidden(self) -> bool:
        return self.status == 403

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def too_many_requests(self) -> bool:
        """429: an eviction a PodDisruptionBudget does not allow now (or the server is throttling)."""
        return self.status == 429

    def __str__(self) -> str:
        if self.status == 0:
            return self.message
        return f"{self.reason or self.status}: {self.message}" if self.message else str(self.reason or self.status)


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object: its kind, namespace and name (for messages: ``deployment shop/api-blue``)."""

    kind: ResourceKind
    namespace: str
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.kind.namespaced and self.namespace else ""
        return f"{self.kind.kind.lower()} {where}{self.name}"


class KubeApi:
    """Async JSON calls on one connection; close it when done (``async with``)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> KubeApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.connection.async_client()
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                      body: Any = None, content_type: str = "application/json") -> Any:
        headers = {"Content-Type": content_type} if body is not None else {}
        try:
            resp = await self.client.request(
                method, path, params=params, headers=headers,
                content=orjson.dumps(body) if body is not None else None,
                timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=5.0))
        except httpx.TimeoutException:
            raise ApiFailure(0, "Timeout", f"the API server did not answer {method} {path} in time") from None
        except httpx.HTTPError as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise ApiFailure(0, "Unreachable", f"cannot reach the API server: {detail}") from None
        try:
            data = orjson.loads(resp.content) if resp.content else {}
        except orjson.JSONDecodeError:
            data = {}
        if resp.status_code >= 400:
            if isinstance(data, dict) and data.get("kind") == "Status":
                causes = tuple(str(c.get("message") or "") for c in (data.get("details") or {}).get("causes") or ()
                               if isinstance(c, dict) and c.get("message"))
                raise ApiFailure(resp.status_code, str(data.get("reason") or ""), str(data.get("message") or ""),
                                 causes)
            text = resp.text.strip().splitlines()
            raise ApiFailure(resp.status_code, resp.reason_phrase, text[0] if text else "")
        return data

    # -- verbs -------------------------------------------------------------------------------------
    async def get(self, kind: ResourceKind, namespace: str | None, name: str) -> dict[str, Any]:
        return await self.request("GET", kind.path(namespace, name))

    async def list(self, kind: ResourceKind, namespace: str | None, label_selector: str = "",
                   field_selector: str = "") -> list[dict[str, Any]]:
        params: dict[str, str] = {}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        data = await self.request("GET", kind.path(namespace), params=params or None)
        return list(data.get("items") or []) if isinstance(data, dict) else []

    async def patch(self, kind: ResourceKind, namespace: str | None, name: str, body: Any,
                    patch_type: str = "merge", dry_run: bool = False, subresource: str = "") -> dict[str, Any]:
        return await self.request("PATCH", kind.path(namespace, name, subresource),
                                  params=DRY_RUN if dry_run else None, body=body,
                                  content_type=PATCH_CONTENT_TYPES[patch_type])

    async def create(self, kind: ResourceKind, namespace: str | None, body: dict[str, Any],
                     dry_run: bool = False) -> dict[str, Any]:
        return await self.request("POST", kind.path(namespace), params=DRY_RUN if dry_run else None, body=body)

    async def delete(self, kind: ResourceKind, namespace: str | None, name: str, resource_version: str = "",
                     dry_run: bool = False, *, uid: str = "", propagation: str = "Background",
                     grace_seconds: int | None = None) -> dict[str, Any]:
        """DELETE with DeleteOptions: ``preconditions`` (uid and/or resourceVersion: a 409 when the object is
        another one or changed), ``propagationPolicy`` (Background, Foreground, Orphan) and
        ``gracePeriodSeconds`` (0 with a pod = kill at once, as ``kubectl delete --force --grace-period=0``)."""
        return await self.request("DELETE", kind.path(namespace, name), params=DRY_RUN if dry_run else None,
                                  body=delete_options(resource_version, uid, propagation, grace_seconds, dry_run))

    async def evict(self, namespace: str, pod: str, *, uid: str = "", dry_run: bool = False) -> dict[str, Any]:
        """POST ``pods/NAME/eviction`` (policy/v1): a graceful delete the pod's PodDisruptionBudget may refuse
        (429 TooManyRequests, with the budget's words in ``causes``)."""
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pod, "namespace": namespace},
                "deleteOptions": delete_options("", uid, "", None, dry_run)}
        return await self.request("POST", PODS.path(namespace, pod, "eviction"), params=DRY_RUN if dry_run else None,
                                  body=body)


def delete_options(resource_version: str = "", uid: str = "", propagation: str = "",
                   grace_seconds: int | None = None, dry_run: bool = False) -> dict[str, Any]:
    options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if propagation:
        options["propagationPolicy"] = propagation
    preconditions = {k: v for k, v in (("uid", uid), ("resourceVersion", resource_version)) if v}
    if preconditions:
        options["preconditions"] = preconditions
    if grace_seconds is not None:
        options["gracePeriodSeconds"] = int(grace_seconds)
    if dry_run:
        options["dryRun"] = ["All"]
    return options


def label_selector_text(match_labels: dict[str, str]) -> str:
    """``{"app": "api", "version": "blue"}`` -> ``app=api,version=blue`` (for ``labelSelector=``)."""
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


__all__ = ["ApiFailure", "KubeApi", "ObjectRef", "PATCH_CONTENT_TYPES", "delete_options", "label_selector_text"]
