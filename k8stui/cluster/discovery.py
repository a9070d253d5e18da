"""API discovery for one context: which kinds the server has, fetched without ever delaying the first paint.

``Discovery`` keeps a ``KindRegistry`` (``cluster.registry``) current for one connection:

1. It starts from the built-in registry (a stock API server's kinds), so ``:sts`` resolves from the first frame.
2. In the background it loads the per-context disk cache (XDG cache dir, ``discovery/<context>-<server>.json``)
   and then asks the server: aggregated discovery (``apidiscovery.k8s.io/v2``, one document each for ``/api``
   and ``/apis``) where served, else the legacy ``/api``, ``/apis`` and one ``/api(s)/G/V`` document per group
   version, fetched in parallel. Every document is sent with ``If-None-Match`` when its ETag is known; a 304
   keeps the cached document, so with 300 CRDs a warm start costs two small requests.
3. It stays current: a metadata-only watch of CustomResourceDefinitions (when the user may list them) triggers a
   refresh within a fraction of a second of a CRD change, retrying briefly until discovery serves the new kind;
   without that right it polls (cheap with ETags). Subscribers hear about every registry that differs.

Run it on the app's loop: ``start()`` returns at once; ``close()`` stops everything. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ..backoff import jittered_backoff
from ..locations import discovery_cache_dir
from .connection import Connection
from .kinds import CUSTOM_RESOURCE_DEFINITIONS, KINDS, ResourceKind
from .registry import GroupInfo, KindRegistry
from .store import ChangeBatch, Health, HealthState, Informer

if TYPE_CHECKING:
    import httpx  # imported with the first client, after the app's first frame (``Connection.async_client``)

log = logging.getLogger(__name__)

AGGREGATED_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                     "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                     "application/json")
CACHE_FORMAT = 1
REQUEST_TIMEOUT = 15.0
PARALLEL_FETCHES = 16           # legacy group-version documents in flight at once
POLL_INTERVAL = 10.0            # without a CRD watch: look again this often (304s when nothing changed)
POLL_INTERVAL_WATCHED = 300.0   # with a CRD watch: a safety net for aggregated APIs coming and going
FULL_REFRESH_INTERVAL = 600.0   # legacy discovery: re-read every group version this often
CRD_DEBOUNCE = 0.2              # a burst of CRD changes (kubectl apply -f dir/) makes one refresh
CRD_RETRY_DELAYS = (0.3, 0.6, 1.2, 2.5, 5.0)  # until discovery serves a new CRD (Established takes a moment)
UNKNOWN_NAME_REFRESH = 2.0      # a name nobody knows triggers a refresh at most this often (kubectl does too)

_ROOTS = ("/api", "/apis")
_FIRST_CLASS = {k: k for k in KINDS}

# A document as kept in memory and on disk: kind is "aggregated" (body: group records), "versions" (legacy
# /api: version names), "groups" (legacy /apis: [{"name", "versions"}]) or "resources" (a legacy group version:
# resource records). A resource record is [plural, singular, kind, namespaced, verbs, shortNames, categories,
# subresources].


@dataclass(frozen=True, slots=True)
class _Doc:
    kind: str
    body: Any
    etag: str = ""


class DiscoveryError(Exception):
    """Discovery could not be read (the registry stays as it was); ``str(err)`` is one line."""


# -- parsing (pure) -------------------------------------------------------------------------------

def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def parse_resource_list(body: Mapping[str, Any]) -> list[list[Any]]:
    """A legacy ``APIResourceList`` -> resource records (subresources attached to their resource)."""
    records: dict[str, list[Any]] = {}
    subs: list[tuple[str, str]] = []
    for entry in body.get("resources") or ():
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        name = str(entry["name"])
        if "/" in name:
            parent, _, sub = name.partition("/")
            subs.append((parent, sub))
            continue
        records[name] = [name, str(entry.get("singularName") or ""), str(entry.get("kind") or ""),
                         bool(entry.get("namespaced")), _strings(entry.get("verbs")),
                         _strings(entry.get("shortNames")), _strings(entry.get("categories")), []]
    for parent, sub in subs:
        if parent in records and sub not in records[parent][7]:
            records[parent][7].append(sub)
    return list(records.values())


def parse_aggregated(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An ``APIGroupDiscoveryList`` (v2 or v2beta1) -> group records, versions in the server's preference order."""
    groups = []
    for item in body.get("items") or ():
        if not isinstance(item, Mapping):
            continue
        name = str((item.get("metadata") or {}).get("name") or "")
        versions = []
        for v in item.get("versions") or ():
            if not isinstance(v, Mapping) or not v.get("version"):
                continue
            resources = []
            for r in v.get("resources") or ():
                if not isinstance(r, Mapping) or not r.get("resource"):
                    continue
                response_kind = r.get("responseKind") or {}
                resources.append([str(r["resource"]), str(r.get("singularResource") or ""),
                                  str(response_kind.get("kind") or ""), r.get("scope") == "Namespaced",
                                  _strings(r.get("verbs")), _strings(r.get("shortNames")),
                                  _strings(r.get("categories")),
                                  [str(s.get("subresource")) for s in r.get("subresources") or ()
                                   if isinstance(s, Mapping) and s.get("subresource")]])
            versions.append({"version": str(v["version"]), "resources": resources,
                             "stale": v.get("freshness") == "Stale"})
        groups.append({"name": name, "versions": versions})
    return groups


def parse_group_list(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A legacy ``APIGroupList`` -> [{"name", "versions"}] with the preferred version first."""
    out = []
    for group in body.get("groups") or ():
        if not isinstance(group, Mapping) or not group.get("name"):
            continue
        versions = [str(v.get("version")) for v in group.get("versions") or ()
                    if isinstance(v, Mapping) and v.get("version")]
        preferred = str((group.get("preferredVersion") or {}).get("version") or "")
        if preferred in versions:
            versions.remove(preferred)
            versions.insert(0, preferred)
        out.append({"name": str(group["name"]), "versions": versions})
    return out


def _kind_of(group: str, version: str, record: list[Any]) -> ResourceKind:
    plural, singular, kind, namespaced, verbs, short, categories, subresources = record
    made = ResourceKind(plural, kind, group, version, bool(namespaced), singular=singular,
                        short_names=tuple(short), verbs=tuple(verbs), categories=tuple(categories),
                        subresources=tuple(subresources))
    # The first-class kinds keep their identity: screens compare them with ``is``.
    return _FIRST_CLASS.get(made, made)


def _group_path(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


def build_registry(docs: Mapping[str, _Doc], *, source: str = "discovery") -> KindRegistry:
    """The registry the documents describe (legacy group versions whose document is missing are left out)."""
    groups: list[GroupInfo] = []
    unavailable: list[str] = []
    for root in _ROOTS:
        doc = docs.get(root)
        if doc is None:
            continue
        if doc.kind == "aggregated":
            for g in doc.body:
                versions = tuple(v["version"] for v in g["versions"])
                resources = {v["version"]: tuple(_kind_of(g["name"], v["version"], r) for r in v["resources"])
                             for v in g["versions"]}
                unavailable += [f"{g['name']}/{v['version']}".lstrip("/") for v in g["versions"] if v.get("stale")]
                groups.append(GroupInfo(g["name"], versions, resources))
        elif doc.kind in ("versions", "groups"):
            listed = ([{"name": "", "versions": doc.body}] if doc.kind == "versions" else doc.body)
            for g in listed:
                resources = {}
                for version in g["versions"]:
                    gv = docs.get(_group_path(g["name"], version))
                    if gv is None:
                        unavailable.append(f"{g['name']}/{version}".lstrip("/"))
                        continue
                    resources[version] = tuple(_kind_of(g["name"], version, r) for r in gv.body)
                groups.append(GroupInfo(g["name"], tuple(g["versions"]), resources))
    return KindRegistry(groups, source=source, unavailable=unavailable)


# -- the disk cache -------------------------------------------------------------------------------

def cache_file(context: str, server: str, directory: Path | None = None) -> Path:
    """Where one context's discovery is cached: the context name (made file-safe) and a hash of the server."""
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", context)[:64] or "context"
    digest = hashlib.sha256(server.encode()).hexdigest()[:12]
    return (directory or discovery_cache_dir()) / f"{slug}-{digest}.json"


def load_cache(path: Path, server: str) -> tuple[dict[str, _Doc], KindRegistry] | None:
    """The cached documents and their registry, or None when there is no usable cache (missing, corrupt,
    another server). Blocking: call it in a thread."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        log.warning("ignoring unreadable discovery cache %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("server") != server:
        return None
    docs: dict[str, _Doc] = {}
    try:
        for path_key, doc in (data.get("docs") or {}).items():
            docs[str(path_key)] = _Doc(str(doc["kind"]), doc["body"], str(doc.get("etag") or ""))
        if "/api" not in docs or "/apis" not in docs:
            return None
        registry = build_registry(docs, source="cache")  # also checks the shapes
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        log.warning("ignoring malformed discovery cache %s: %s", path, exc)
        return None
    return docs, registry


def save_cache(path: Path, server: str, context: str, docs: Mapping[str, _Doc]) -> None:
    """Write the documents atomically (a reader never sees half a file); errors are logged, not raised."""
    payload = {"format": CACHE_FORMAT, "server": server, "context": context, "saved": time.time(),
               "docs": {p: {"kind": d.kind, "etag": d.etag, "body": d.body} for p, d in docs.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".discovery-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(payload))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        log.warning("cannot write discovery cache %s: %s", path, exc)


# -- the CRD watch --------------------------------------------------------------------------------

class _MetadataInformer(Informer):
    """Object metadata only (``PartialObjectMetadata``): enough to notice CRDs come and go, without their
    schemas (a cert-manager CRD alone is ~100 kB)."""

    FLAVOR = "metadata"
    LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
    WATCH_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"


RegistryListener = Callable[[KindRegistry], None]


class Discovery:
    """The kinds of one connection's server, kept current in the background (see the module docstring).

    ``registry`` is always usable; ``subscribe(listener)`` hears every new one; ``await resolve(name)`` waits
    (briefly) for discovery when a name is not known yet, like kubectl's deferred REST mapper.
    """

    def __init__(self, connection: Connection, *, client: httpx.AsyncClient | None = None,
                 cache_path: Path | None = None, use_cache: bool = True, watch_crds: bool = True,
                 poll_interval: float | None = None, poll_interval_watched: float = POLL_INTERVAL_WATCHED) -> None:
        self.connection = connection
        self.context = connection.target.context
        self.server = connection.server
        self.cache_path = cache_path or cache_file(self.context, self.server)
        self.use_cache = use_cache
        self.watch_crds = watch_crds
        self.poll_interval = POLL_INTERVAL if poll_interval is None else poll_interval
        self.poll_interval_watched = poll_interval_watched
        self._client = client
        self._own_client = client is None
        self._registry = KindRegistry.builtin()
        self._docs: dict[str, _Doc] = {}
        self._listeners: list[RegistryListener] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._fresh = asyncio.Event()      # the server answered at least once (or said it cannot)
        self._wakeup = asyncio.Event()
        self._crd_informer: Informer | None = None
        self._crd_names: set[str] = set()
        self._crd_seen: set[str] = set()
        self._crd_pending = False
        self._dirty_groups: set[str] = set()   # legacy discovery: groups whose documents a CRD change made stale
        self._background: set[asyncio.Task[Any]] = set()
        self._last_full = 0.0
        self._last_unknown_refresh = 0.0
        self.mode = ""             # "aggregated" | "legacy" once the server answered
        self.error = ""            # the last refresh's problem ("" when fine)
        self.requests = 0          # HTTP requests made (tests, benchmarks)
        self.not_modified = 0      # of which answered 304
        self.refreshes = 0

    # -- reading -----------------------------------------------------------------------------------
    @property
    def registry(self) -> KindRegistry:
        return self._registry

    @property
    def fresh(self) -> bool:
        """Whether the server has answered (the registry is the server's, not the cache's or built-in)."""
        return self._fresh.is_set()

    @property
    def crd_watch_active(self) -> bool:
        inf = self._crd_informer
        return inf is not None and inf.running and inf.health.state is not Health.FORBIDDEN

    def subscribe(self, listener: RegistryListener) -> Callable[[], None]:
        """Call ``listener(registry)`` on the loop whenever the registry changes; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def wait_fresh(self, timeout: float | None = None) -> bool:
        """Wait until the server has answered once; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self._fresh.wait()
        except TimeoutError:
            return False
        return True

    async def resolve(self, name: str, timeout: float = 3.0) -> ResourceKind | None:
        """``registry.resolve(name)``; for a name not known yet, wait for the first server answer, or refresh
        once (a CRD created a moment ago), then resolve again."""
        kind = self._registry.resolve(name)
        if kind is not None or not name.strip():
            return kind
        if not self.fresh:
            await self.wait_fresh(timeout)
        elif time.monotonic() - self._last_unknown_refresh >= UNKNOWN_NAME_REFRESH:
            self._last_unknown_refresh = time.monotonic()
            with contextlib.suppress(DiscoveryError, TimeoutError):
                async with asyncio.timeout(timeout):
                    await self.refresh(full=True)
        return self._registry.resolve(name)

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.connection.async_client()
        return self._client

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Begin in the background (cache, then server, then watch/poll); returns at once."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"discovery {self.context}")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._crd_informer is not None:
            await self._crd_informer.stop()
            self._crd_informer = None
        if self._client is not None and self._own_client:
            await self._client.aclose()
        self._client = None

    # -- the background loop -----------------------------------------------------------------------
    async def _run(self) -> None:
        if self.use_cache:
            cached = await asyncio.to_thread(load_cache, self.cache_path, self.server)
            if cached is not None:
                self._docs = cached[0]
                self._publish(cached[1])
        attempt = 0
        while True:
            self._wakeup.clear()  # what happens from here on wakes the wait below
            try:
                if self._crd_pending:
                    await asyncio.sleep(CRD_DEBOUNCE)
                    await self._settle_crds()
                else:
                    full = not self.fresh or time.monotonic() - self._last_full >= FULL_REFRESH_INTERVAL
                    await self.refresh(full=full)
                attempt = 0
            except DiscoveryError:
                attempt += 1
            except Exception as exc:  # a bug or a garbled answer: report it, keep the registry, never die
                log.exception("discovery refresh failed")
                self.error = f"{type(exc).__name__}: {exc}"
                attempt += 1
            if not self.fresh:
                self._fresh.set()  # answered or failed: nobody waits for it any longer
            if self.watch_crds and self._crd_informer is None and not attempt:
                self._start_crd_watch()
            delay = self.poll_interval_watched if self.crd_watch_active else self.poll_interval
            if attempt:
                delay = min(delay, jittered_backoff(attempt, 1.0, 30.0))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wakeup.wait()

    async def _settle_crds(self) -> None:
        """After a CRD change: refresh until discovery agrees with the CRDs (a new CRD is served once it is
        Established, a moment after it is created); bounded by ``CRD_RETRY_DELAYS``."""
        self._crd_pending = False
        try:
            for delay in (0.0, *CRD_RETRY_DELAYS):
                if delay:
                    await asyncio.sleep(delay)
                with contextlib.suppress(DiscoveryError):
                    await self.refresh()
                if self._crds_in_registry():
                    return
        finally:
            self._dirty_groups.clear()

    def _crds_in_registry(self) -> bool:
        registry = self._registry
        keys = {k.key for k in registry.kinds}
        gone = self._crd_seen - self._crd_names
        return self._crd_names <= keys and not (gone & keys)

    # -- CRD watch ---------------------------------------------------------------------------------
    def _start_crd_watch(self) -> None:
        crds = self._registry.get(CUSTOM_RESOURCE_DEFINITIONS.group, CUSTOM_RESOURCE_DEFINITIONS.plural)
        if crds is None or not crds.watchable:
            return
        informer = _MetadataInformer(crds, None, self.client)
        informer.subscribe(self._on_crd_change)
        informer.subscribe_health(self._on_crd_health)
        self._crd_informer = informer
        informer.start()

    def _on_crd_change(self, _batch: ChangeBatch) -> None:
        informer = self._crd_informer
        if informer is None:
            return
        names = {(o.get("metadata") or {}).get("name", "") for o in informer.objects()}
        names.discard("")
        # A CRD's name is PLURAL.GROUP (the API enforces it): the groups whose discovery changed.
        self._dirty_groups |= {n.partition(".")[2] for n in names ^ self._crd_names}
        self._crd_names = names
        self._crd_seen |= names
        if not self._crds_in_registry():
            self._crd_pending = True
            self._wakeup.set()

    def _on_crd_health(self, state: HealthState) -> None:
        if state.state is Health.FORBIDDEN and self._crd_informer is not None:
            # The user may not list CRDs: poll discovery instead (stop the informer's slow 403 retries).
            informer, self._crd_informer = self._crd_informer, None
            task = asyncio.get_running_loop().create_task(informer.stop())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            self.watch_crds = False
            self._wakeup.set()

    # -- one refresh -------------------------------------------------------------------------------
    async def refresh(self, *, full: bool = False) -> bool:
        """Ask the server now (``If-None-Match`` everywhere an ETag is known; ``full`` re-reads every legacy
        group version). Returns whether the registry changed; raises ``DiscoveryError`` when the server
        cannot be asked (the registry is kept)."""
        async with self._lock:
            self.refreshes += 1
            try:
                docs, changed_docs = await self._fetch(full)
            except DiscoveryError as exc:
                self.error = str(exc)
                raise
            self.error = ""
            if full:
                self._last_full = time.monotonic()
            self._docs = docs
            changed = False
            if changed_docs or self._registry.source != "discovery":
                # In a thread: indexing 300 CRDs takes ~10 ms, too long for the UI's loop.
                changed = self._publish(await asyncio.to_thread(build_registry, docs))
            if changed_docs and self.use_cache:
                await asyncio.to_thread(save_cache, self.cache_path, self.server, self.context, docs)
            return changed

    def _publish(self, registry: KindRegistry) -> bool:
        if registry == self._registry and registry.source == self._registry.source:
            return False
        same_kinds = registry == self._registry
        self._registry = registry
        if same_kinds:
            return False  # only the source changed (cache -> discovery): nothing for listeners to redo
        for listener in list(self._listeners):
            try:
                listener(registry)
            except Exception:
                log.exception("discovery listener failed")
        return True

    async def _get(self, path: str, accept: str, etag: str) -> httpx.Response:
        import httpx

        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        self.requests += 1
        try:
            resp = await self.client.get(path, headers=headers, timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=5.0))
        except httpx.HTTPError as exc:
            text = " ".join((str(exc) or type(exc).__name__).split())
            raise DiscoveryError(f"discovery {path}: {text}") from None
        if resp.status_code == 304:
            self.not_modified += 1
        return resp

    async def _fetch(self, full: bool) -> tuple[dict[str, _Doc], bool]:
        old = self._docs
        roots = await asyncio.gather(*(self._fetch_root(p, old.get(p)) for p in _ROOTS), return_exceptions=True)
        docs: dict[str, _Doc] = {}
        changed = False
        for path, result in zip(_ROOTS, roots, strict=True):
            if isinstance(result, BaseException):
                if isinstance(result, DiscoveryError):
                    raise result
                raise DiscoveryError(f"discovery {path}: {type(result).__name__}: {result}") from result
            doc, was_changed = result
            docs[path] = doc
            changed |= was_changed
        wanted: list[str] = []
        for path in _ROOTS:
            doc = docs[path]
            if doc.kind == "versions":
                wanted += [_group_path("", v) for v in doc.body]
            elif doc.kind == "groups":
                wanted += [_group_path(g["name"], v) for g in doc.body for v in g["versions"]]
        self.mode = "legacy" if wanted else "aggregated"
        dirty = {_group_path(g, "") for g in self._dirty_groups}
        fetch = [p for p in wanted if full or p not in old or p.rpartition("/")[0] + "/" in dirty]
        for p in wanted:
            if p not in fetch:
                docs[p] = old[p]
        if fetch:
            limit = asyncio.Semaphore(PARALLEL_FETCHES)

            async def one(p: str) -> tuple[str, _Doc | None, bool]:
                async with limit:
                    return (p, *await self._fetch_group_version(p, old.get(p)))

            for p, doc, was_changed in await asyncio.gather(*(one(p) for p in fetch)):
                if doc is not None:
                    docs[p] = doc
                changed |= was_changed
        return docs, changed

    async def _fetch_root(self, path: str, cached: _Doc | None) -> tuple[_Doc, bool]:
        resp = await self._get(path, AGGREGATED_ACCEPT, cached.etag if cached else "")
        if resp.status_code == 304 and cached is not None:
            return cached, False
        if resp.status_code >= 400:
            raise DiscoveryError(f"discovery {path}: HTTP {resp.status_code}")
        etag = resp.headers.get("ETag", "")
        if len(resp.content) > _PARSE_IN_THREAD_BYTES:  # hundreds of CRDs: parsing would hold the UI's loop
            doc = await asyncio.to_thread(_parse_root, path, resp.content, etag)
        else:
            doc = _parse_root(path, resp.content, etag)
        return doc, cached is None or (doc.kind, doc.body) != (cached.kind, cached.body)

    async def _fetch_group_version(self, path: str, cached: _Doc | None) -> tuple[_Doc | None, bool]:
        """A legacy group-version document; on failure the cached one (an aggregated API being down must not
        make its kinds vanish), or None."""
        try:
            resp = await self._get(path, "application/json", cached.etag if cached else "")
        except DiscoveryError as exc:
            log.info("%s", exc)
            return cached, False
        if resp.status_code == 304 and cached is not None:
            return cached, False
        if resp.status_code == 404:
            return None, cached is not None
        if resp.status_code >= 400:
            log.info("discovery %s: HTTP %s", path, resp.status_code)
            return cached, False
        try:
            body = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            return cached, False
        if not isinstance(body, dict):
            return cached, False
        doc = _Doc("resources", parse_resource_list(body), resp.headers.get("ETag", ""))
        return doc, cached is None or doc.body != cached.body


_PARSE_IN_THREAD_BYTES = 64 * 1024


def _parse_root(path: str, content: bytes, etag: str) -> _Doc:
    """``/api`` or ``/apis`` as answered (aggregated or legacy); ``DiscoveryError`` when it is not discovery."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise DiscoveryError(f"discovery {path}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise DiscoveryError(f"discovery {path}: unexpected answer")
    if body.get("kind") == "APIGroupDiscoveryList":
        return _Doc("aggregated", parse_aggregated(body), etag)
    if path == "/api":
        return _Doc("versions", _strings(body.get("versions")), etag)
    return _Doc("groups", parse_group_list(body), etag)


def kinds_of(registry: KindRegistry, names: Iterable[str]) -> list[ResourceKind]:
    """The kinds ``names`` resolve to (unknown names left out), in the order given."""
    out = []
    for name in names:
        kind = registry.resolve(name)
        if kind is not None:
            out.append(kind)
    return out


__all__ = ["AGGREGATED_ACCEPT", "Discovery", "DiscoveryError", "build_registry", "cache_file", "kinds_of",
           "load_cache", "parse_aggregated", "parse_group_list", "parse_resource_list", "save_cache"]
