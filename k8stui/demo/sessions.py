"""The pod subresources that are not CRUD: exec, attach, portforward, eviction, ephemeralcontainers.

``server.py`` hands every such request here after parsing the URL; this module checks RBAC the way the API
server does for them (exec/attach/portforward need ``create`` on the subresource whatever the HTTP method,
as since Kubernetes 1.31 websocket upgrades do) and picks the protocol module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from .ephemeral import EphemeralContainers, is_ephemeral
from .errors import ApiError, forbidden
from .eviction import evict
from .exec import ExecService
from .portforward import PortForwardService
from .resources import PODS

if TYPE_CHECKING:
    from .auth import User

SUBRESOURCES = ("exec", "attach", "portforward", "eviction", "ephemeralcontainers")


class PodSessions:
    """Exec/attach, port-forward, eviction and ephemeral containers for the pods in ``store``."""

    SUBRESOURCES = SUBRESOURCES

    def __init__(self, store: Any, logs: Any = None, telemetry: Any = None,
                 read_body: Callable[[web.Request], Awaitable[Any]] | None = None) -> None:
        self.store = store
        self.read_body = read_body  # the server's body decoding (JSON, YAML, protobuf where supported)
        self._open: dict[int, web.Request] = {}
        self.ephemeral = EphemeralContainers(store)
        self.exec = ExecService(store, logs, on_exit=self._exited)
        self.portforward = PortForwardService(store, telemetry)

    def _verb(self, request: web.Request, subresource: str) -> str:
        if subresource in ("exec", "attach", "portforward", "eviction"):
            return "create"
        return {"GET": "get", "PATCH": "patch", "PUT": "update"}.get(request.method, "")

    async def handle(self, request: web.Request, user: User, namespace: str, name: str,
                     subresource: str) -> web.StreamResponse:
        verb = self._verb(request, subresource)
        if not verb or (subresource == "eviction" and request.method != "POST"):
            raise ApiError(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource")
        if not user.allowed(verb, "", "pods", namespace, subresource):
            raise forbidden(user.name, verb, "pods", "", namespace, name, subresource)
        pod = self.store.must_get(PODS, namespace, name)
        self._open[id(request)] = request
        try:
            return await self._serve(request, pod, namespace, name, subresource)
        finally:
            self._open.pop(id(request), None)

    def drop(self) -> int:
        """Cut every open session's connection, as a network failure or an API server restart would."""
        n = 0
        for request in list(self._open.values()):
            if request.transport is not None and not request.transport.is_closing():
                request.transport.abort()
                n += 1
        self._open.clear()
        return n

    async def _serve(self, request: web.Request, pod: dict[str, Any], namespace: str, name: str,
                     subresource: str) -> web.StreamResponse:
        if subresource in ("exec", "attach"):
            return await self.exec.handle(request, pod, subresource)
        if subresource == "portforward":
            return await self.portforward.handle(request, pod)
        if subresource == "ephemeralcontainers":
            body = await self.read_body(request) if request.method in ("PATCH", "PUT") and self.read_body else None
            dry_run = "All" in request.query.getall("dryRun", [])
            pod = await self.ephemeral.handle(request, pod, body, dry_run)
            return web.Response(body=orjson.dumps(pod), content_type="application/json")
        if subresource == "eviction":
            body = await self.read_body(request) if self.read_body else orjson.loads(await request.read())
            dry_run = "All" in request.query.getall("dryRun", [])
            status = evict(self.store, namespace, name, body, dry_run)
            return web.Response(body=orjson.dumps(status), status=201, content_type="application/json")
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def _exited(self, pod: dict[str, Any], container: str, code: int) -> None:
        if is_ephemeral(pod, container):
            self.ephemeral.exited(pod, container, code)
