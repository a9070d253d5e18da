"""The demo cluster's HTTP layer: Kubernetes REST routing, authn/authz, CRUD, PATCH, WATCH and log streams.

One aiohttp handler parses ``/api/v1/...`` and ``/apis/GROUP/VERSION/...`` paths into (resource, namespace,
name, subresource), checks the bearer token and RBAC, and calls the Store. Answers are JSON (or a
meta.k8s.io Table when kubectl asks for one); errors are Status objects. ``/_demo/...`` is the test-only
admin API (faults, request log, restart, compaction).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import yaml
from aiohttp import web

from . import apply, discovery, openapi, protobuf, validation
from .auth import Authenticator, User
from .errors import ApiError, bad_request, forbidden, not_found, unauthorized
from .faults import FaultPlan, RequestLog
from .patch import apply_patch
from .resources import (
    CRDS,
    NODE_METRICS,
    POD_METRICS,
    PODS,
    SELF_SUBJECT_ACCESS_REVIEW,
    SELF_SUBJECT_REVIEW,
    SELF_SUBJECT_REVIEW_V1BETA1,
    SELF_SUBJECT_RULES_REVIEW,
    ResourceType,
)
from .selectors import field_selector_labels, parse_field_selector, parse_label_selector, selector_string
from .sessions import PodSessions
from .store import INITIAL_END, Store, now_iso

if TYPE_CHECKING:
    from .logs import LogService
    from .telemetry import Telemetry

JSON = "application/json"
APPLY_PATCH = "application/apply-patch+yaml"
WARNINGS = "k8stui.warnings"  # request key: the Warning headers the answer carries
# Registries created with ReturnDeletedObject (a DELETE that removed the object answers with it, not a Status):
# measured from the API's OpenAPI delete responses (the official Python client's return types).
# The field labels each kind's registry supports in fieldSelector (besides metadata.name and, for namespaced
# kinds, metadata.namespace); any other label is a 400 "field label not supported", as on a real API server.
FIELD_LABELS: dict[str, frozenset[str]] = {
    "pods": frozenset({"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                       "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
                       "status.nominatedNodeName"}),
    "nodes": frozenset({"spec.unschedulable"}),
    "namespaces": frozenset({"status.phase"}),
    "secrets": frozenset({"type"}),
    "events": frozenset({"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                         "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                         "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}),
    "replicasets.apps": frozenset({"status.replicas"}),
    "replicationcontrollers": frozenset({"status.replicas"}),
    "jobs.batch": frozenset({"status.successful"}),
    "certificatesigningrequests.certificates.k8s.io": frozenset({"spec.signerName"}),
    "services": frozenset({"spec.clusterIP", "spec.type"}),
}
RETURNS_DELETED_OBJECT = frozenset({
    "pods", "services", "serviceaccounts", "persistentvolumeclaims", "persistentvolumes", "podtemplates",
    "resourcequotas", "storageclasses.storage.k8s.io", "csidrivers.storage.k8s.io", "csinodes.storage.k8s.io",
    "volumeattachments.storage.k8s.io", "volumeattributesclasses.storage.k8s.io"})
DEFAULT_WATCH_TIMEOUT = 1800


@dataclass
class Target:
    """What a resource URL names."""

    rt: ResourceType
    namespace: str | None
    name: str | None
    subresource: str = ""
    proxy_path: str = ""


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type=JSON, headers=headers)


def _list_items(items: list[Any]) -> list[Any]:
    """The items of a LIST answer as a real API server sends them: without ``kind``/``apiVersion`` (only the
    list carries them; watch events and single GETs do carry them). Clients that rely on an item's ``kind``
    break on real clusters, so the demo must not hide that."""
    return [{k: v for k, v in o.items() if k != "kind" and k != "apiVersion"} if "kind" in o or "apiVersion" in o
            else o for o in items]


def _error(err: ApiError) -> web.Response:
    return _json(err.status(), status=err.code, headers=err.headers or None)


def decode_body(raw: bytes, content_type: str) -> Any:
    """A request body as JSON data, whichever of JSON, YAML or Kubernetes protobuf the client sent."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == protobuf.CONTENT_TYPE:
        try:
            return protobuf.decode(raw)
        except protobuf.ProtobufError as exc:
            raise bad_request(f"the body of the request could not be decoded: {exc}") from exc
    try:
        if "yaml" in ctype:
            return yaml.safe_load(raw)
        return orjson.loads(raw)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise bad_request(f"the body of the request could not be decoded: {exc}") from exc


def _partial(obj: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def _user_info(user: User) -> dict[str, Any]:
    """SelfSubjectReview's userInfo (uid and extra only when the identity has them, as for a bound token)."""
    info: dict[str, Any] = {"username": user.name}
    if user.uid:
        info["uid"] = user.uid
    info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra}
    return info


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def _int_param(query: Any, name: str) -> int | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_request(f"invalid value for {name}: {raw!r}") from exc


class ApiServer:
    """Builds the aiohttp application that serves one Store."""

    def __init__(self, store: Store, auth: Authenticator, *, logs: LogService | None = None,
                 telemetry: Telemetry | None = None, bookmark_interval: float = 5.0,
                 on_restart: Callable[[float], Awaitable[None]] | None = None,
                 proxy: Callable[[str, str, str, web.Request], Awaitable[web.StreamResponse]] | None = None) -> None:
        self.store = store
        self.auth = auth
        self.logs = logs
        self.telemetry = telemetry
        self.bookmark_interval = bookmark_interval
        self.faults = FaultPlan()
        self.requests = RequestLog()
        self.on_restart = on_restart
        self.proxy = proxy
        self.server_address = "127.0.0.1:6443"
        self._streams: dict[int, web.Request] = {}
        self.admin_hooks: dict[str, Callable[[dict[str, Any]], Any]] = {}  # /_demo/OP handlers of the cluster
        self.node_metrics: Any = None  # node_exporter.NodeExporterMetrics (pods/proxy of node-exporter pods)
        self.sessions = PodSessions(store, logs, telemetry, read_body=self._body)  # exec, portforward, eviction...

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    # -- entry -------------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_demo/"):
            return await self._admin(request)
        user = self.auth.user_for(request.headers.get("Authorization"))
        record = self.requests.add(request.method, path, request.query_string, user.name if user else "",
                                   request.headers.get("Content-Type", ""), request.headers.get("Accept", ""))
        try:
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
            status = self.faults.take_failure(path, request.query_string)
            if status is not None:
                raise self._injected(status)
            if user is None:
                raise unauthorized()
            user = self._impersonated(request, user)
            response = await self._route(request, user)
        except ApiError as err:
            response = _error(err)
        except web.HTTPException:
            raise
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # an unexpected bug must still answer like an API server
            response = _error(ApiError(500, "InternalError", f"Internal error occurred: {exc!r}"))
        record.status = response.status
        for text in request.get(WARNINGS, ()):
            if not response.prepared:
                response.headers.add("Warning", '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
        return response

    def _impersonated(self, request: web.Request, user: User) -> User:
        """``Impersonate-User``/``-Group`` (``kubectl --as/--as-group``): the requester needs the ``impersonate``
        verb on ``users`` and ``groups`` (403 otherwise); the request then runs with the impersonated rights."""
        name = request.headers.get("Impersonate-User")
        groups = tuple(request.headers.getall("Impersonate-Group", ()))
        if not name:
            if groups:
                raise ApiError(500, "InternalError", "Internal error occurred: requested "
                               f"[{{Kind:Group Name:{groups[0]}}}] without impersonating a user")
            return user
        if not user.allowed("impersonate", "", "users", None):
            raise forbidden(user.name, "impersonate", "users", "", None, name)
        for group in groups:
            if not user.allowed("impersonate", "", "groups", None):
                raise forbidden(user.name, "impersonate", "groups", "", None, group)
        return self.auth.impersonate(user, name, groups)

    def _injected(self, status: int) -> ApiError:
        if status == 410:
            return ApiError(410, "Expired", "The resourceVersion for the provided watch is too old.")
        if status == 429:
            return ApiError(429, "TooManyRequests", "Too many requests, please try again later.",
                            {"retryAfterSeconds": self.faults.retry_after},
                            headers={"Retry-After": str(self.faults.retry_after)})
        if status == 503:
            return ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request")
        return ApiError(status, "InternalError", "Internal error occurred: injected fault")

    async def _route(self, request: web.Request, user: User) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        if path == "/version":
            return _json(discovery.SERVER_VERSION)
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if path == "/metrics":
            if self.telemetry is None:
                raise not_found("metrics", "metrics")
            return web.Response(body=self.telemetry.render_metrics(),
                                headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
        if path in ("/api", "/apis"):
            aggregated = discovery.aggregated_version(request.headers.get("Accept", ""))
            if aggregated is not None:
                return self._aggregated_discovery(request, path == "/api", aggregated)
        if path == "/api":
            return _json(discovery.api_versions(self.server_address))
        if path == "/apis":
            return _json(discovery.api_group_list(self.store.types))
        if path.startswith("/openapi"):
            return self._openapi(request, path)
        segments = path.strip("/").split("/")
        if segments[0] == "api" and len(segments) >= 2:
            group, version, rest = "", segments[1], segments[2:]
        elif segments[0] == "apis" and len(segments) >= 2:
            if len(segments) == 2:
                doc = discovery.api_group(segments[1], self.store.types)
                if doc is None:
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                return _json(doc)
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            doc = discovery.api_resource_list(group, version, self.store.types)
            if doc is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return _json(doc)
        target = self._parse_target(group, version, rest)
        return await self._dispatch(request, user, target)

    def _served(self) -> tuple[ResourceType, ...]:
        return self.store.types.served()

    def _openapi(self, request: web.Request, path: str) -> web.Response:
        """``/openapi/v2`` (protobuf or JSON) and ``/openapi/v3[/GROUP-VERSION]``."""
        title = discovery.SERVER_VERSION["gitVersion"]
        if path == "/openapi/v2":
            if "protobuf" in request.headers.get("Accept", ""):
                return web.Response(body=openapi.v2_protobuf(title),
                                    content_type="application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
            return _json(openapi.v2_json(title))
        served = self._served()
        if path == "/openapi/v3":
            gvs = discovery._group_versions_with_core(self.store.types)
            hashes = {gv: self._openapi_hash(*gv, served, title) for gv in gvs}
            return _json({"paths": {(f"api/{v}" if not g else f"apis/{g}/{v}"):
                                    {"serverRelativeURL": (f"/openapi/v3/api/{v}" if not g else
                                                           f"/openapi/v3/apis/{g}/{v}") + f"?hash={hashes[(g, v)]}"}
                                    for (g, v) in gvs if hashes[(g, v)]}})
        rest = path[len("/openapi/v3/"):].split("/") if path.startswith("/openapi/v3/") else []
        doc = None
        if len(rest) == 2 and rest[0] == "api":
            doc = openapi.v3_group("", rest[1], served, title)
        elif len(rest) == 3 and rest[0] == "apis":
            doc = openapi.v3_group(rest[1], rest[2], served, title, self._crd_schema)
        if doc is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return _json(doc, headers={"Cache-Control": "public, immutable" if request.query.get("hash") else "no-cache"})

    def _crd_schema(self, rt: ResourceType) -> dict[str, Any] | None:
        """A custom resource version's ``openAPIV3Schema`` from its CRD."""
        crd = self.store.get(CRDS, None, f"{rt.plural}.{rt.group}")
        for v in ((crd or {}).get("spec") or {}).get("versions") or ():
            if v.get("name") == rt.version:
                return (v.get("schema") or {}).get("openAPIV3Schema")
        return None

    def _openapi_hash(self, group: str, version: str, served: tuple[ResourceType, ...], title: str) -> str:
        doc = openapi.v3_group(group, version, served, title, self._crd_schema)
        if doc is None:
            return ""
        return hashlib.sha512(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32].upper()

    def _parse_target(self, group: str, version: str, rest: list[str]) -> Target:
        lookup = self.store.types.lookup  # built-in kinds and those CRDs define

        def need(plural: str) -> ResourceType:
            rt = lookup(group, version, plural)
            if rt is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return rt

        if rest[0] == "namespaces" and len(rest) >= 3:
            candidate = lookup(group, version, rest[2])
            if candidate is not None and candidate.namespaced:
                name = rest[3] if len(rest) > 3 else None
                sub = rest[4] if len(rest) > 4 else ""
                proxy_path = "/".join(rest[5:]) if sub == "proxy" else ""
                if sub and sub not in candidate.subresources:
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                if len(rest) > 5 and sub != "proxy":
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                return Target(candidate, rest[1], name, sub, proxy_path)
        rt = need(rest[0])
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else ""
        if len(rest) > 3 or (sub and sub not in rt.subresources):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return Target(rt, None, name, sub)

    def _aggregated_discovery(self, request: web.Request, legacy: bool, version: str) -> web.Response:
        """``/api`` or ``/apis`` as an ``APIGroupDiscoveryList`` (with ETag / If-None-Match revalidation)."""
        body, tag = discovery.aggregated_body(legacy, version, self.store.types)
        headers = {"ETag": tag, "Vary": "Accept", "Cache-Control": "public"}
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers={**headers, "Content-Type": discovery.aggregated_content_type(version)})

    # -- dispatch ----------------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request, user: User, t: Target) -> web.StreamResponse:
        if t.rt is PODS and t.name and t.subresource in self.sessions.SUBRESOURCES:
            return await self.sessions.handle(request, user, t.namespace or "", t.name, t.subresource)
        method = request.method
        q = request.query
        if t.name is None:
            verb = {"GET": "watch" if _truthy(q.get("watch")) else "list", "POST": "create",
                    "DELETE": "deletecollection"}.get(method)
        else:
            verb = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete",
                    "POST": "create"}.get(method)
        if t.subresource == "proxy":
            verb = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                    "DELETE": "delete"}.get(method)
        if verb is None or (verb not in t.rt.verbs and not t.subresource):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if not user.allowed(verb, t.rt.group, t.rt.plural, t.namespace, t.subresource, t.name):
            raise forbidden(user.name, verb, t.rt.plural, t.rt.group, t.namespace, t.name, t.subresource)
        dry_run = self._dry_run(q)

        if t.rt is SELF_SUBJECT_ACCESS_REVIEW:
            return self._access_review(await self._body(request), user)
        if t.rt is SELF_SUBJECT_RULES_REVIEW:
            return self._rules_review(await self._body(request), user)
        if t.rt in (SELF_SUBJECT_REVIEW, SELF_SUBJECT_REVIEW_V1BETA1):
            await self._body(request)
            return _json({"kind": "SelfSubjectReview", "apiVersion": t.rt.api_version,
                          "metadata": {"creationTimestamp": None},
                          "status": {"userInfo": _user_info(user)}},
                         status=201)
        if t.rt in (POD_METRICS, NODE_METRICS):
            return self._metrics_api(t, q)
        if t.subresource == "log":
            return await self._logs(request, t)
        if t.subresource == "proxy" and t.rt is PODS:
            from . import pod_proxy  # noqa: PLC0415

            return await pod_proxy.serve(self.store, self.node_metrics, t.namespace or "", t.name or "",
                                         t.proxy_path, request)
        if t.subresource == "proxy":
            if self.proxy is None:
                raise ApiError(503, "ServiceUnavailable", f'no endpoints available for service "{t.name}"')
            return await self.proxy(t.namespace or "", t.name or "", t.proxy_path, request)
        if t.subresource == "scale":
            return await self._scale(request, t, verb, dry_run)
        if t.subresource == "token" and verb == "create":
            return await self._token_request(request, t)

        if verb == "list":
            return self._list(request, t)
        if verb == "watch":
            return await self._watch(request, t)
        if verb == "get":
            return self._render(request, t.rt, self.store.must_get(t.rt, t.namespace, t.name or ""))
        if verb == "create":
            body = await self._body(request)
            self._check_body_namespace(t, body)
            await self._validated(request, t.rt, body)
            self._reset_status_on_create(t.rt, body)
            created = self.store.create(t.rt, body, dry_run=dry_run, before_commit=self._tracker(request, t))
            return _json(created, status=201)
        if verb == "update":
            body = await self._body(request)
            self._check_body_identity(t, body)
            await self._validated(request, t.rt, body)
            updated = self.store.update(t.rt, body, subresource=t.subresource, dry_run=dry_run,
                                        before_commit=self._tracker(request, t))
            return _json(updated)
        if verb == "patch":
            return await self._patch(request, t, dry_run)
        if verb == "delete":
            return await self._delete(request, t, dry_run)
        if verb == "deletecollection":
            return await self._delete_collection(request, t, dry_run)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    async def _token_request(self, request: web.Request, t: Target) -> web.Response:
        """``kubectl create token``: a bound token for an existing service account (tokens.py)."""
        body = await self._body(request)
        if not isinstance(body, dict) or body.get("kind") not in (None, "TokenRequest"):
            raise bad_request("the body of the request was in an unknown format")
        account = self.store.must_get(t.rt, t.namespace, t.name or "")
        return _json(self.auth.tokens.mint(account, body), status=201)

    @staticmethod
    def _dry_run(q: Any) -> bool:
        values = q.getall("dryRun", [])
        for v in values:
            if v != "All":
                raise bad_request(f"Invalid dry run value: {v}: supported values: \"All\"")
        return bool(values)

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        if not raw:
            raise bad_request("the body of the request was empty")
        return decode_body(raw, request.headers.get("Content-Type", JSON))

    async def _validated(self, request: web.Request, rt: ResourceType, obj: Any) -> Any:
        """``obj`` without the fields ``rt`` does not have, per ``fieldValidation`` (Strict: 400; Warn: a
        ``Warning`` header each on the answer)."""
        how = validation.mode(request.query)
        warnings = validation.check(rt, obj, await request.read(), request.headers.get("Content-Type", JSON), how)
        request.setdefault(WARNINGS, []).extend(warnings)  # type: ignore[attr-defined]
        return obj

    def _check_body_namespace(self, t: Target, body: Any) -> None:
        if not isinstance(body, dict):
            raise bad_request("the body of the request was in an unknown format")
        meta = body.setdefault("metadata", {})
        if t.rt.namespaced:
            ns = meta.get("namespace")
            if ns and t.namespace and ns != t.namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
            meta["namespace"] = t.namespace or ns
        if body.get("kind") and body["kind"] != t.rt.kind:
            raise bad_request(f"the object provided is unrecognized (must be of type {t.rt.kind}): "
                              f"{body['kind']}")

    @staticmethod
    def _reset_status_on_create(rt: ResourceType, body: dict[str, Any]) -> None:
        """A create through the API ignores the status of kinds with a status subresource (their strategies'
        PrepareForCreate: a new pod is Pending whatever ``kubectl run`` sent, ``status: {}``); only a Node keeps
        it (the kubelet registers its node with its status)."""
        if "status" in rt.subresources and rt.key != "nodes":
            body.pop("status", None)

    def _check_body_identity(self, t: Target, body: Any) -> None:
        self._check_body_namespace(t, body)
        name = body["metadata"].get("name")
        if name != t.name:
            raise bad_request(f"the name of the object ({name}) does not match the name on the URL ({t.name})")

    # -- reads -------------------------------------------------------------------------------------
    @staticmethod
    def _field_selector(rt: ResourceType, text: str | None) -> Any:
        """A fieldSelector predicate; a label the kind does not support is the real server's 400."""
        allowed = FIELD_LABELS.get(rt.key, frozenset()) | {"metadata.name"}
        if rt.namespaced:
            allowed |= {"metadata.namespace"}
        for label in field_selector_labels(text):
            if label not in allowed:  # (kubectl puts "Unable to find ... that match ..." in front of it)
                raise bad_request(f"field label not supported: {label}")
        return parse_field_selector(text)

    @staticmethod
    def _wants_table(request: web.Request) -> bool:
        accept = request.headers.get("Accept", "")
        return "as=Table" in accept

    @staticmethod
    def _wants_partial(request: web.Request) -> bool:
        """``Accept: application/json;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1`` (the metadata client)."""
        for part in request.headers.get("Accept", "").split(","):
            if "as=PartialObjectMetadata" in part and "json" in part and "g=meta.k8s.io" in part:
                return True
        return False

    def _render(self, request: web.Request, rt: ResourceType, obj: dict[str, Any]) -> web.Response:
        if not self._wants_table(request) and self._wants_partial(request):
            return _json(_partial(obj))
        if self._wants_table(request):
            from . import tables
            return _json(tables.to_table(rt, [obj], include_object=request.query.get("includeObject", "Metadata"),
                                         resource_version=obj["metadata"].get("resourceVersion", "")))
        return _json(obj)

    def _list(self, request: web.Request, t: Target) -> web.Response:
        q = request.query
        labels = parse_label_selector(q.get("labelSelector"))
        fields = self._field_selector(t.rt, q.get("fieldSelector"))
        token = q.get("continue")
        limit = _int_param(q, "limit")
        items, remaining = self.store.list_page(t.rt, t.namespace, labels, fields,
                                                after=self._decode_continue(token) if token else None,
                                                limit=max(0, limit or 0))
        rv = str(self.store.resource_version)
        continue_out = ""
        if remaining and items:
            last = items[-1]["metadata"]
            continue_out = self._encode_continue((last.get("namespace", ""), last["name"]), rv)
        if self._wants_table(request):
            from . import tables
            return _json(tables.to_table(t.rt, items, include_object=q.get("includeObject", "Metadata"),
                                         resource_version=rv, continue_token=continue_out))
        meta: dict[str, Any] = {"resourceVersion": rv}
        if continue_out:
            meta["continue"] = continue_out
            meta["remainingItemCount"] = remaining
        if self._wants_partial(request):
            return _json({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                          "items": [_partial(o) for o in items]})
        body = {"kind": t.rt.list_kind, "apiVersion": t.rt.api_version, "metadata": meta,
                "items": _list_items(items)}
        return _json(body)

    @staticmethod
    def _watch_list_options(q: Any) -> bool | None:
        """``sendInitialEvents`` / ``resourceVersionMatch`` of a watch, validated as the API server does (422)."""
        raw = q.get("sendInitialEvents")
        send = None if raw is None else _truthy(raw)
        match = q.get("resourceVersionMatch", "")
        problems: list[tuple[str, str, str]] = []  # (field, reason, message)
        if send is not None and match != "NotOlderThan":
            problems.append(("resourceVersionMatch", "FieldValueForbidden", "Forbidden: sendInitialEvents requires "
                             "setting resourceVersionMatch to NotOlderThan"))
        if match and send is None:
            problems.append(("resourceVersionMatch", "FieldValueForbidden", "Forbidden: resourceVersionMatch is "
                             "forbidden for watch unless sendInitialEvents is provided"))
        if match and match != "NotOlderThan":
            problems.append(("resourceVersionMatch", "FieldValueNotSupported",
                             f'Unsupported value: "{match}": supported values: "NotOlderThan"'))
        if problems:
            joined = ", ".join(f"{f}: {m}" for f, _, m in problems)
            raise ApiError(422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: '
                           + (f"[{joined}]" if len(problems) > 1 else joined),
                           {"group": "meta.k8s.io", "kind": "ListOptions",
                            "causes": [{"reason": r, "message": m, "field": f} for f, r, m in problems]})
        return send

    @staticmethod
    def _encode_continue(key: tuple[str, str], rv: str) -> str:
        return base64.urlsafe_b64encode(orjson.dumps({"ns": key[0], "name": key[1], "rv": rv})).decode()

    @staticmethod
    def _decode_continue(token: str) -> tuple[str, str]:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
            return (data["ns"], data["name"])
        except Exception as exc:
            raise bad_request("continue key is not valid: illegal base64 data") from exc

    @staticmethod
    def _watch_embedder(rt: ResourceType, as_table: bool, partial: bool,
                        include_object: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """How each watch event's object is encoded, bookmarks included (kube-apiserver transforms them alike):
        as is, as PartialObjectMetadata, or as a one-row Table whose column definitions only the first event of
        the watch carries."""
        if partial:
            return _partial
        if not as_table:
            return lambda obj: obj
        from . import tables
        first = [True]

        def table(obj: dict[str, Any]) -> dict[str, Any]:
            out = tables.watch_table(rt, obj, include_object=include_object, headers=first[0])
            first[0] = False
            return out
        return table

    async def _watch(self, request: web.Request, t: Target) -> web.StreamResponse:
        q = request.query
        labels = parse_label_selector(q.get("labelSelector"))
        fields = self._field_selector(t.rt, q.get("fieldSelector"))
        send_initial = self._watch_list_options(q)
        try:
            watcher = self.store.open_watch(t.rt, t.namespace, labels, fields, q.get("resourceVersion"),
                                            initial_events=send_initial,
                                            initial_end_marker=bool(send_initial) and _truthy(
                                                q.get("allowWatchBookmarks")))
        except ApiError as err:
            if err.code != 410:
                raise
            # The real API server answers 200 and an ERROR event carrying the 410 Status.
            return web.Response(body=orjson.dumps({"type": "ERROR", "object": err.status()}) + b"\n",
                                content_type=JSON)
        timeout = _int_param(q, "timeoutSeconds") or DEFAULT_WATCH_TIMEOUT
        bookmarks = _truthy(q.get("allowWatchBookmarks"))
        as_table = self._wants_table(request)
        partial = not as_table and self._wants_partial(request)
        include_object = q.get("includeObject", "Metadata")
        response = web.StreamResponse(headers={"Content-Type": JSON, "Cache-Control": "no-cache"})
        response.enable_chunked_encoding()
        self._streams[id(request)] = request
        deadline = time.monotonic() + timeout
        try:
            await response.prepare(request)
            embed = self._watch_embedder(t.rt, as_table, partial, include_object)
            while not watcher.closed or not watcher.queue.empty():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(remaining, self.bookmark_interval) if bookmarks else remaining
                try:
                    item = await asyncio.wait_for(watcher.queue.get(), timeout=wait)
                except TimeoutError:
                    if bookmarks:
                        await response.write(orjson.dumps({"type": "BOOKMARK", "object": embed({
                            "kind": t.rt.kind, "apiVersion": t.rt.api_version,
                            "metadata": {"resourceVersion": str(self.store.resource_version)}})}) + b"\n")
                    continue
                batch = [item]
                while len(batch) < 2000 and not watcher.queue.empty():
                    batch.append(watcher.queue.get_nowait())
                chunks = []
                done = False
                for entry in batch:
                    if entry is None:
                        done = True
                        break
                    etype, obj = entry
                    if etype == INITIAL_END:  # the end of sendInitialEvents' synthetic ADDED events
                        chunks.append(orjson.dumps({"type": "BOOKMARK", "object": embed({
                            "kind": t.rt.kind, "apiVersion": t.rt.api_version, "metadata": {
                                "resourceVersion": str(obj),
                                "annotations": {"k8s.io/initial-events-end": "true"}}})}))
                        continue
                    chunks.append(orjson.dumps({"type": etype, "object": embed(obj)}))
                if chunks:
                    await response.write(b"\n".join(chunks) + b"\n")
                if done:
                    break
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.store.close_watch(watcher)
            self._streams.pop(id(request), None)
        return response

    # -- writes ------------------------------------------------------------------------------------
    def _tracker(self, request: web.Request, t: Target, subresource: str | None = None) -> Any:
        """The managedFields bookkeeping of a create/update/patch by the request's field manager."""
        manager = apply.manager_for(request.query, request.headers.get("User-Agent", ""))
        sub = t.subresource if subresource is None else subresource
        return lambda old, new: apply.track_update(t.rt, old, new, manager, sub)

    async def _patch(self, request: web.Request, t: Target, dry_run: bool) -> web.Response:
        ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype == APPLY_PATCH:
            return await self._apply(request, t, dry_run)
        if request.query.get("force") is not None:
            raise bad_request("force: Forbidden: may not be specified for non-apply patch")
        body = await self._body(request)
        current = self.store.must_get(t.rt, t.namespace, t.name or "")
        patched = apply_patch(ctype, current, body)
        patched.setdefault("metadata", {})
        if t.rt.namespaced:
            patched["metadata"]["namespace"] = t.namespace
        if patched["metadata"].get("name") != t.name:
            raise bad_request("metadata.name may not be changed by a patch")
        await self._validated(request, t.rt, patched)
        updated = self.store.update(t.rt, patched, subresource=t.subresource, dry_run=dry_run,
                                    before_commit=self._tracker(request, t))
        return _json(updated)

    async def _apply(self, request: web.Request, t: Target, dry_run: bool) -> web.Response:
        """Server-side apply (``application/apply-patch+yaml``): create or merge, with field ownership."""
        q = request.query
        manager = q.get("fieldManager")
        if not manager:
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                           "is required for apply patch")
        force = _truthy(q.get("force"))
        applied = await self._body(request)
        if not isinstance(applied, dict):
            raise bad_request("the body of the request was in an unknown format")
        meta = applied.get("metadata") or {}
        if applied.get("kind") and applied["kind"] != t.rt.kind or \
                applied.get("apiVersion") and applied["apiVersion"] != t.rt.api_version:
            raise bad_request(f"the API version in the data ({applied.get('apiVersion')}) does not match the "
                              f"expected API version ({t.rt.api_version})"
                              if applied.get("apiVersion") != t.rt.api_version else
                              f"the kind in the data ({applied.get('kind')}) does not match the expected kind "
                              f"({t.rt.kind})")
        if meta.get("name") not in (None, t.name):
            raise bad_request(f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                              f"({t.name})")
        if t.rt.namespaced and meta.get("namespace") not in (None, "", t.namespace):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        await self._validated(request, t.rt, applied)
        applied = dict(applied, metadata=dict(meta, name=t.name))
        if t.rt.namespaced:
            applied["metadata"]["namespace"] = t.namespace
        current = self.store.get(t.rt, t.namespace, t.name or "")
        if current is None:
            if t.subresource:
                raise not_found(t.rt.qualified(), t.name or "")
            obj = apply.apply(t.rt, None, applied, manager, force)
            self._reset_status_on_create(t.rt, obj)
            created = self.store.create(t.rt, obj, dry_run=dry_run)
            return _json(created, status=201)
        merged = apply.apply(t.rt, current, applied, manager, force, t.subresource)
        want_rv = meta.get("resourceVersion")
        merged["metadata"]["resourceVersion"] = want_rv or current["metadata"]["resourceVersion"]
        updated = self.store.update(t.rt, merged, subresource=t.subresource, dry_run=dry_run)
        return _json(updated)

    async def _delete_options(self, request: web.Request, dry_run: bool) -> dict[str, Any]:
        """DeleteOptions from the query and the body (JSON or protobuf), the body winning, as the API server
        merges them."""
        q = request.query
        opts: dict[str, Any] = {"gracePeriodSeconds": _int_param(q, "gracePeriodSeconds"),
                                "propagationPolicy": q.get("propagationPolicy"), "dryRun": dry_run,
                                "preconditions": {}}
        if q.get("orphanDependents") is not None:
            opts["orphanDependents"] = _truthy(q.get("orphanDependents"))
        raw = await request.read()
        body = decode_body(raw, request.headers.get("Content-Type", JSON)) if raw else None
        if isinstance(body, dict):
            for key in ("gracePeriodSeconds", "propagationPolicy", "orphanDependents", "preconditions"):
                if body.get(key) is not None:
                    opts[key] = body[key]
            if "All" in (body.get("dryRun") or []):
                opts["dryRun"] = True
        if opts.get("orphanDependents") is not None:
            if opts["propagationPolicy"]:
                raise ApiError(422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: "
                               "Invalid value: \"" + str(opts["propagationPolicy"]) + "\": orphanDependents and "
                               "deletionPropagation cannot be both set")
            opts["propagationPolicy"] = "Orphan" if opts["orphanDependents"] else "Background"
        if opts["gracePeriodSeconds"] is not None:
            opts["gracePeriodSeconds"] = int(opts["gracePeriodSeconds"])
        return opts

    def _delete_one(self, t: Target, namespace: str | None, name: str, opts: dict[str, Any]) -> dict[str, Any]:
        pre = opts.get("preconditions") or {}
        return self.store.delete(t.rt, namespace, name, grace_seconds=opts["gracePeriodSeconds"],
                                 dry_run=opts["dryRun"], precondition_rv=pre.get("resourceVersion"),
                                 precondition_uid=pre.get("uid"), propagation=opts["propagationPolicy"])

    async def _delete(self, request: web.Request, t: Target, dry_run: bool) -> web.Response:
        """DELETE answers as the API server's handler does: the object while its deletion is pending (grace
        period, finalizers, a Terminating namespace); once it is gone, the object for the kinds whose registry
        returns it (pods, services, ... — RETURNS_DELETED_OBJECT) and a Status for the others."""
        opts = await self._delete_options(request, dry_run)
        obj = self._delete_one(t, t.namespace, t.name or "", opts)
        pending = bool(obj["metadata"].get("deletionTimestamp")) and (opts["dryRun"] or self.store.is_pending(t.rt, obj))
        if pending:
            return _json(obj, status=202 if opts.get("orphanDependents") is False else 200)
        if t.rt.key in RETURNS_DELETED_OBJECT:
            return _json(obj)
        details = {"name": t.name, "kind": t.rt.plural, "uid": obj["metadata"].get("uid")}
        if t.rt.group:
            details["group"] = t.rt.group
        return _json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})

    async def _delete_collection(self, request: web.Request, t: Target, dry_run: bool) -> web.Response:
        q = request.query
        opts = await self._delete_options(request, dry_run)
        items = self.store.list(t.rt, t.namespace, parse_label_selector(q.get("labelSelector")),
                                self._field_selector(t.rt, q.get("fieldSelector")))
        deleted = []
        for o in items:
            try:
                deleted.append(self._delete_one(t, o["metadata"].get("namespace"), o["metadata"]["name"], opts))
            except ApiError as err:
                if err.code != 404:  # gone meanwhile (a controller's delete) is fine
                    raise
        return _json({"kind": t.rt.list_kind, "apiVersion": t.rt.api_version,
                      "metadata": {"resourceVersion": str(self.store.resource_version)},
                      "items": _list_items(deleted)})

    async def _scale(self, request: web.Request, t: Target, verb: str, dry_run: bool) -> web.Response:
        obj = self.store.must_get(t.rt, t.namespace, t.name or "")
        scale = self._scale_of(obj)
        if verb == "get":
            return _json(scale)
        body = await self._body(request)
        if verb == "patch":
            new_scale = apply_patch(request.headers.get("Content-Type", ""), scale, body)
        elif verb == "update":
            new_scale = body
        else:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        want_rv = (new_scale.get("metadata") or {}).get("resourceVersion")
        replicas = (new_scale.get("spec") or {}).get("replicas")
        new_obj = dict(obj)
        new_obj["spec"] = dict(obj["spec"], replicas=replicas)
        new_obj["metadata"] = dict(obj["metadata"], resourceVersion=want_rv or obj["metadata"]["resourceVersion"])
        updated = self.store.update(t.rt, new_obj, dry_run=dry_run, before_commit=self._tracker(request, t, "scale"))
        return _json(self._scale_of(updated))

    @staticmethod
    def _scale_of(obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                  "creationTimestamp") if k in meta},
                "spec": {"replicas": obj["spec"].get("replicas", 0)},
                "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                           "selector": selector_string(obj["spec"].get("selector")).replace("<none>", "")}}

    # -- virtual resources -------------------------------------------------------------------------
    def _access_review(self, body: Any, user: User) -> web.Response:
        spec = (body or {}).get("spec") or {}
        attrs = spec.get("resourceAttributes")
        if attrs:
            allowed = user.allowed(attrs.get("verb", ""), attrs.get("group", ""), attrs.get("resource", ""),
                                   attrs.get("namespace") or None, attrs.get("subresource", ""),
                                   attrs.get("name") or None)
        else:
            allowed = user.admin or (spec.get("nonResourceAttributes") or {}).get("verb") == "get"
        status: dict[str, Any] = {"allowed": allowed}
        if allowed:
            status["reason"] = "RBAC: allowed by ClusterRoleBinding or RoleBinding"
        else:
            status["denied"] = False
            status["reason"] = ""
        out = {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
               "metadata": {"creationTimestamp": None}, "spec": spec, "status": status}
        return _json(out, status=201)

    def _rules_review(self, body: Any, user: User) -> web.Response:
        spec = (body or {}).get("spec") or {}
        ns = spec.get("namespace", "")
        out = {"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
               "metadata": {"creationTimestamp": None}, "spec": spec,
               "status": {"resourceRules": user.rules(ns),
                          "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": [
                              "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/version",
                              "/version/"]}],
                          "incomplete": False}}
        return _json(out, status=201)

    def _metrics_api(self, t: Target, q: Any) -> web.Response:
        if self.telemetry is None:
            raise ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request")
        labels = parse_label_selector(q.get("labelSelector"))
        if t.rt is POD_METRICS:
            items = self.telemetry.pod_metrics(t.namespace, t.name)
        else:
            items = self.telemetry.node_metrics(t.name)
        if labels:
            items = [i for i in items if labels(i)]
        if t.name:
            if not items:
                raise not_found(f"{t.rt.plural}.metrics.k8s.io", t.name)
            return _json(items[0])
        return _json({"kind": f"{t.rt.kind}List", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": _list_items(items)})

    # -- logs --------------------------------------------------------------------------------------
    async def _logs(self, request: web.Request, t: Target) -> web.StreamResponse:
        if self.logs is None:
            raise ApiError(503, "ServiceUnavailable", "logs are not available")
        from .logs import LogOptions, resolve_container

        q = request.query
        pod = self.store.must_get(PODS, t.namespace, t.name or "")
        previous = _truthy(q.get("previous"))
        container = resolve_container(pod, q.get("container"), previous)
        opts = LogOptions(follow=_truthy(q.get("follow")), tail_lines=_int_param(q, "tailLines"),
                          since_seconds=_int_param(q, "sinceSeconds"), since_time=q.get("sinceTime"),
                          timestamps=_truthy(q.get("timestamps")), previous=previous,
                          limit_bytes=_int_param(q, "limitBytes"))
        opts.validate(pod["metadata"]["name"])
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        self._streams[id(request)] = request
        stream = self.logs.stream(pod, container, opts)
        try:
            await response.prepare(request)
            async for chunk in stream:
                await response.write(chunk)
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._streams.pop(id(request), None)
            with contextlib.suppress(Exception):
                await stream.aclose()
        return response

    # -- admin (tests) -----------------------------------------------------------------------------
    def drop_streams(self) -> int:
        """Cut every open watch and log stream abruptly, as a network failure would."""
        n = 0
        for req in list(self._streams.values()):
            if req.transport is not None:
                req.transport.abort()
                n += 1
        self._streams.clear()
        self.store.drop_all_watches()
        return n + self.sessions.drop()

    async def _churn(self, namespace: str, count: int, rate: float = 0.0) -> None:
        """Benchmark load: ``count`` pod updates (an annotation bump), as fast as the store takes them or at
        ``rate`` per second."""
        pods = [p["metadata"]["name"] for p in self.store.list(PODS, namespace)]
        if not pods:
            return
        started = time.monotonic()
        for i in range(count):
            name = pods[i % len(pods)]
            self.store.mutate(PODS, namespace, name, lambda o, i=i: o["metadata"].setdefault(
                "annotations", {}).__setitem__("demo.k8stui.io/churn", str(i)))
            if rate > 0:
                ahead = (i + 1) / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            elif i % 500 == 499:
                await asyncio.sleep(0)

    async def _admin(self, request: web.Request) -> web.Response:
        op = request.path[len("/_demo/"):].strip("/")
        body: dict[str, Any] = {}
        if request.can_read_body:
            raw = await request.read()
            if raw:
                body = orjson.loads(raw)
        if op == "requests":
            return _json(self.requests.since(int(request.query.get("since", "0"))))
        if op == "faults" and request.method == "POST":
            self.faults = FaultPlan(**{k: v for k, v in body.items() if k in FaultPlan.__dataclass_fields__})
            return _json({"ok": True})
        if op == "faults":
            return _json(self.faults.__dict__)
        if op == "drop-streams":
            return _json({"dropped": self.drop_streams()})
        if op == "compact":
            return _json({"compactedResourceVersion": self.store.compact()})
        if op == "restart":
            down = float(request.query.get("down", body.get("down", 1.0)))
            if self.on_restart is None:
                return _json({"error": "restart not supported"}, status=501)
            asyncio.get_running_loop().call_later(0.05, lambda: asyncio.ensure_future(self.on_restart(down)))
            return _json({"restarting": True, "down": down})
        if op == "churn":
            count = int(body.get("count", 1000))
            namespace = body.get("namespace", "bench")
            rate = float(body.get("rate", 0))
            asyncio.ensure_future(self._churn(namespace, count, rate))
            return _json({"churning": count, "namespace": namespace})
        hook = self.admin_hooks.get(op)
        if hook is not None and request.method == "POST":
            try:
                return _json(hook(body))
            except ApiError as err:
                return _error(err)
        if op == "state":
            return _json({"resourceVersion": self.store.resource_version,
                          "counts": {rt.key: self.store.count(rt) for rt in self.store.types.stored()},
                          "time": now_iso()})
        return _json({"error": f"unknown admin operation {op!r}"}, status=404)

