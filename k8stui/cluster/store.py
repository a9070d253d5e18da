"""Informer-style cache of raw API objects: one ``Informer`` per (resource kind, namespace or all).

Each informer LISTs in pages (``limit=500`` + ``continue``), then WATCHes from the list's resourceVersion
with bookmarks, keeping the objects as plain dicts keyed by uid (JSON parsed once with orjson; no kubernetes
model objects). A 410 Gone (HTTP status or an ERROR event) makes it relist — at once the first time, then with
the same jittered exponential backoff as every other retry until a watch has worked again; connection loss,
429 and 5xx back off too, honouring ``Retry-After``; 403 makes it FORBIDDEN and retry only slowly.
Subscribers receive coalesced ``ChangeBatch``es (uids added / modified / deleted).

A watch that merely goes quiet is not a healthy one: the server sends a bookmark every few seconds (or a
minute, on a real kube-apiserver), so an informer that heard neither an event nor a bookmark for
``STALE_INTERVALS`` of the interval it has seen turns STALE, and so does every synced informer when the hub's
cheap probe (``GET /readyz``) gets no answer in ``PROBE_TIMEOUT``. A frozen server (SIGSTOP, a dead proxy) is
shown within seconds instead of after the watch's idle timeout. Health states carry the age of the data.

``InformerHub`` shares informers between panes: ``acquire`` starts one on demand (ref-counted),
``release`` stops it once nobody needs it. Everything runs on the caller's asyncio loop (the Textual
app's); no threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from ..backoff import jittered_backoff
from .connection import REQUEST_TIMEOUT, Connection
from .kinds import (
    CONFIGMAPS,
    DEPLOYMENTS,
    ENDPOINTS,
    EVENTS,
    HPAS,
    INGRESSES,
    KINDS,
    NAMESPACES,
    NODES,
    PODS,
    REPLICASETS,
    SECRETS,
    SERVICES,
    ResourceKind,
    kind_for,
)
from .lean import SharedValues
from .secrets import drop_values, is_secret

if TYPE_CHECKING:
    import httpx  # imported with the hub's client, after the app's first frame (``Connection.async_client``)

log = logging.getLogger(__name__)

PAGE_SIZE = 500
LINES_PER_SLICE = 500           # watch lines handled before yielding to the event loop
FLUSH_INTERVAL = 0.05           # coalesce change notifications to at most ~20 a second per informer
LIST_FLUSH_INTERVAL = 0.3       # ... and to ~3 a second while the first LIST fills an empty cache (see _list)
BACKOFF_INITIAL = 0.25
BACKOFF_MAX = 5.0
FORBIDDEN_RETRY = 30.0          # 403: the user's rights rarely change; look again only now and then
ERROR_RETRY = 10.0              # other 4xx (401, 404 ...): same, a bit faster
WATCH_TIMEOUT_RANGE = (300, 600)  # ask the server to end each watch after 5-10 min (like client-go)
WATCH_IDLE_TIMEOUT = 150.0      # no byte (not even a bookmark) for this long: assume a dead connection, rewatch
DEFAULT_BOOKMARK_INTERVAL = 60.0  # until two bookmarks were seen: a kube-apiserver sends about one a minute
STALE_INTERVALS = 3.0           # no event nor bookmark for this many bookmark intervals: the data is stale
STALE_MIN = 2.0                 # ... but never sooner than this
WATCHDOG_INTERVAL = 1.0         # how often the hub looks at its informers' staleness
PROBE_INTERVAL = 5.0            # how often the hub asks the API server whether it answers at all
PROBE_TIMEOUT = 5.0             # no answer to GET /readyz within this: the API server is not answering
PROBE_PATH = "/readyz"          # allowed to every user (system:public-info-viewer); any HTTP answer counts


class Health(enum.Enum):
    """What an informer is doing, for the header and the pane's status line."""

    SYNCING = "syncing"            # first LIST in progress
    SYNCED = "synced"              # listed and watching
    STALE = "stale"                # listed and watching, but nothing heard lately (or the server does not answer)
    RECONNECTING = "reconnecting"  # lost the server (or 429/5xx), retrying with backoff
    FORBIDDEN = "forbidden"        # 403 on list/watch: the pane shows "forbidden"
    ERROR = "error"                # another API error (404, 401, 400 ...); retried slowly
    STOPPED = "stopped"            # released / closed


# Order for the aggregate: the worst state wins (FORBIDDEN is per pane, not an API problem).
_SEVERITY = {Health.STOPPED: 0, Health.SYNCED: 1, Health.FORBIDDEN: 1, Health.SYNCING: 2,
             Health.STALE: 3, Health.ERROR: 4, Health.RECONNECTING: 5}
# States in which the cached data may be behind the server: they carry its age.
_AGING = frozenset({Health.STALE, Health.RECONNECTING, Health.ERROR})


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Changes since the previous batch, by uid. ``relisted`` is True when the batch comes from a
    (re)LIST (the sets are still exact differences against what subscribers had)."""

    added: frozenset[str]
    modified: frozenset[str]
    deleted: frozenset[str]
    relisted: bool = False

    def __len__(self) -> int:
        return len(self.added) + len(self.modified) + len(self.deleted)


@dataclass(frozen=True, slots=True)
class HealthState:
    """One informer's (or the hub's aggregate) health and the last error text ("" when fine).

    ``data_age``: whole seconds since the cached data was last known current (the last LIST, event or
    bookmark), when it may be behind (stale, reconnecting, error); None otherwise."""

    state: Health
    error: str = ""
    since: float = field(default_factory=time.monotonic)
    data_age: int | None = None


class ApiStatusError(Exception):
    """An HTTP error answer (or a watch ERROR event) from the API server."""

    def __init__(self, code: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


ChangeListener = Callable[[ChangeBatch], None]
HealthListener = Callable[[HealthState], None]


def _status_message(code: int, body: bytes) -> str:
    with contextlib.suppress(Exception):
        data = orjson.loads(body)
        if isinstance(data, dict) and data.get("message"):
            return " ".join(str(data["message"]).split())
    return {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone", 429: "Too Many Requests"}.get(
        code, f"HTTP {code}")


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class _Backoff:
    """Jittered exponential backoff: 0.25 s, 0.5 s, 1 s ... capped at 5 s (each times 0.5-1.0)."""

    def __init__(self, initial: float = BACKOFF_INITIAL, cap: float = BACKOFF_MAX) -> None:
        self.initial, self.cap, self.attempt = initial, cap, 0

    def next(self) -> float:
        delay = jittered_backoff(self.attempt, self.initial, self.cap)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0


class _Gone(Exception):
    """The resourceVersion is too old: relist."""


def _uid_of(meta: dict[str, Any]) -> str:
    """The cache key of an object: its uid, or namespace/name for the rare object without one."""
    return meta.get("uid") or f"{meta.get('namespace', '')}/{meta.get('name', '')}"


class Informer:
    """A live cache of one resource kind in one namespace (or all namespaces / cluster scope).

    Read it with ``get(uid)``, ``items()``, ``by_name(namespace, name)`` and ``len()``; the dicts are the
    API's JSON made lean (``cluster.lean``: no managedFields nor last-applied annotation, equal parts shared
    between objects) and must never be changed in place. Screens that show or change the whole object read it
    fresh from the server (``cluster.fetch``). Subscribe for change batches.

    Subclasses may ask for another representation (``LIST_ACCEPT``/``WATCH_ACCEPT``, ``EXTRA_PARAMS``) and
    turn what comes back into cache entries (``_list_items``, ``_event_object``): ``cluster.tables`` keeps the
    server's Table rows, ``cluster.discovery`` watches object metadata only.
    """

    FLAVOR = "objects"      # part of the hub's key: informers of other flavors are not shared with this one
    SECRET_VALUES = False   # a Secret's values are dropped on arrival (``secrets.drop_values``) unless True
    LIST_ACCEPT = ""        # "" = the client's default (application/json)
    WATCH_ACCEPT = ""
    EXTRA_PARAMS: ClassVar[dict[str, str]] = {}

    def __init__(self, kind: ResourceKind, namespace: str | None,
                 client: httpx.AsyncClient | Callable[[], httpx.AsyncClient], *,
                 label_selector: str = "", flush_interval: float = FLUSH_INTERVAL,
                 shared: SharedValues | None = None) -> None:
        self.kind = kind
        self.namespace = namespace if kind.namespaced else None
        self.label_selector = label_selector
        self.flush_interval = flush_interval
        self._http = client
        self.shared = shared if shared is not None else SharedValues()
        self._drop_values = is_secret(kind) and not self.SECRET_VALUES
        self._objects: dict[str, dict[str, Any]] = {}
        self._by_name: dict[tuple[str, str], str] = {}
        self.resource_version = ""
        self._health = HealthState(Health.SYNCING)
        self._change_listeners: list[ChangeListener] = []
        self._health_listeners: list[HealthListener] = []
        self._task: asyncio.Task[None] | None = None
        self.gate: asyncio.Event | None = None  # set by the hub while it holds requests (``hold_requests``)
        self._synced = asyncio.Event()
        # pending (not yet notified) changes
        self._p_added: set[str] = set()
        self._p_modified: set[str] = set()
        self._p_deleted: set[str] = set()
        self._p_relisted = False
        self._flush_handle: asyncio.TimerHandle | asyncio.Handle | None = None
        self._last_flush = 0.0
        self._filling = False  # the first LIST is filling the empty cache page by page
        # staleness: when the server was last heard from, and the bookmark interval seen on the watch
        self.heard = 0.0
        self.bookmark_interval: float | None = None
        self._last_bookmark = 0.0
        # counters (tests and benchmarks)
        self.lists = 0
        self.watches = 0
        self.events = 0

    # -- reading -----------------------------------------------------------------------------------
    @property
    def _client(self) -> httpx.AsyncClient:
        """The HTTP client, made by the first request when a function making it was given (the hub's: a view
        acquires its informers before the app's first frame, and httpx loads after it)."""
        if callable(self._http):
            self._http = self._http()
        return self._http

    def __repr__(self) -> str:
        return f"Informer({self.kind.key}, ns={self.namespace or '*'}, {self._health.state.value}, {len(self)})"

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, uid: object) -> bool:
        return uid in self._objects

    def get(self, uid: str) -> dict[str, Any] | None:
        return self._objects.get(uid)

    def by_name(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        uid = self._by_name.get((namespace or "", name))
        return self._objects.get(uid) if uid else None

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return iter(list(self._objects.items()))

    def objects(self) -> list[dict[str, Any]]:
        return list(self._objects.values())

    def uids(self) -> list[str]:
        return list(self._objects)

    @property
    def health(self) -> HealthState:
        return self._health

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self, timeout: float | None = None) -> bool:
        """Wait for the first complete LIST; False on timeout (e.g. forbidden)."""
        try:
            async with asyncio.timeout(timeout):
                await self._synced.wait()
        except TimeoutError:
            return False
        return True

    # -- staleness ---------------------------------------------------------------------------------
    @property
    def stale_after(self) -> float:
        """Seconds of silence (no event, no bookmark) after which the data counts as stale."""
        return max(STALE_MIN, STALE_INTERVALS * (self.bookmark_interval or DEFAULT_BOOKMARK_INTERVAL))

    def check_stale(self, now: float, probe_error: str = "") -> None:
        """Called about once a second by the hub: a synced informer that heard nothing for ``stale_after``
        (or whose server does not answer the probe, ``probe_error``) turns STALE; a stale one whose server
        speaks again turns SYNCED. States that age (stale, reconnecting, error) get their data age updated."""
        state = self._health.state
        if state is Health.SYNCED or state is Health.STALE:
            quiet = now - self.heard if self.heard else 0.0
            if quiet > self.stale_after:
                self._set_health(Health.STALE, f"no event or bookmark from the API server for {int(quiet)} s")
            elif probe_error:
                self._set_health(Health.STALE, probe_error)
            elif state is Health.STALE:
                self._set_health(Health.SYNCED)
        elif state in _AGING:
            self._set_health(state, self._health.error)  # the data age moved on

    def _heard(self, now: float) -> None:
        self.heard = now
        if self._health.state is Health.STALE:
            self._set_health(Health.SYNCED)

    # -- subscribing -------------------------------------------------------------------------------
    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(batch)`` on the loop after changes; returns the unsubscribe function."""
        self._change_listeners.append(listener)
        return lambda: self._change_listeners.remove(listener) if listener in self._change_listeners else None

    def subscribe_health(self, listener: HealthListener) -> Callable[[], None]:
        self._health_listeners.append(listener)
        return lambda: self._health_listeners.remove(listener) if listener in self._health_listeners else None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"informer {self!r}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._set_health(Health.STOPPED)

    # -- internals: state --------------------------------------------------------------------------
    def _set_health(self, state: Health, error: str = "") -> None:
        age = int(time.monotonic() - self.heard) if state in _AGING and self.heard else None
        if state == self._health.state and error == self._health.error and age == self._health.data_age:
            return
        self._health = HealthState(state, error, data_age=age)
        for listener in list(self._health_listeners):
            try:
                listener(self._health)
            except Exception:  # a listener's bug must not kill the informer
                log.exception("health listener failed")

    def _put(self, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        uid = _uid_of(meta)
        if uid in self._objects:
            if uid not in self._p_added:
                self._p_modified.add(uid)
        else:
            if uid in self._p_deleted:
                self._p_deleted.discard(uid)
                self._p_modified.add(uid)
            else:
                self._p_added.add(uid)
            self._by_name[(meta.get("namespace") or "", meta.get("name", ""))] = uid
        self._objects[uid] = obj

    def _remove(self, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        uid = _uid_of(meta)
        if self._objects.pop(uid, None) is None:
            return
        self._mark_deleted(uid, meta)

    def _mark_deleted(self, uid: str, meta: dict[str, Any]) -> None:
        """Forget the name index entry and record a deletion for the next batch (an object added and removed
        within one batch is never announced)."""
        self._by_name.pop((meta.get("namespace") or "", meta.get("name", "")), None)
        if uid in self._p_added:
            self._p_added.discard(uid)
        else:
            self._p_modified.discard(uid)
            self._p_deleted.add(uid)

    def _schedule_flush(self, *, now: bool = False) -> None:
        """Tell the listeners what changed: ``flush_interval`` after the last time (``now``: at once)."""
        if not (self._p_added or self._p_modified or self._p_deleted or self._p_relisted):
            return
        if now and self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._flush_handle is not None:
            return
        loop = asyncio.get_running_loop()
        interval = 0.0 if now else max(self.flush_interval, LIST_FLUSH_INTERVAL) if self._filling else \
            self.flush_interval
        delay = self._last_flush + interval - time.monotonic()
        if delay <= 0:
            self._flush_handle = loop.call_soon(self._flush)
        else:
            self._flush_handle = loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        self._last_flush = time.monotonic()
        if not (self._p_added or self._p_modified or self._p_deleted or self._p_relisted):
            return
        batch = ChangeBatch(frozenset(self._p_added), frozenset(self._p_modified), frozenset(self._p_deleted),
                            self._p_relisted)
        self._p_added, self._p_modified, self._p_deleted = set(), set(), set()
        self._p_relisted = False
        for listener in list(self._change_listeners):
            try:
                listener(batch)
            except Exception:
                log.exception("change listener failed")

    # -- internals: the loop -----------------------------------------------------------------------
    def _params(self, **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = dict(self.EXTRA_PARAMS)
        if self.label_selector:
            params["labelSelector"] = self.label_selector
        params.update(extra)
        return params

    async def _run(self) -> None:
        # One backoff for every retry. It is reset only once a watch has worked (events, or a normal end after
        # a while): a LIST that succeeds before a watch fails again must not start the delays over, or a server
        # answering 410 to everything is hammered with LIST+WATCH cycles.
        backoff = _Backoff()
        need_list = True
        relist_at_once = True  # the first 410 after a working watch relists at once (the usual expired RV)
        gate, self.gate = self.gate, None
        if gate is not None:
            await gate.wait()
        import httpx

        while True:
            try:
                if need_list:
                    await self._list()
                    need_list = False
                    self._set_health(Health.SYNCED)
                started = time.monotonic()
                got_events = await self._watch()
                # The server ended the watch normally (timeoutSeconds): watch again from the last RV.
                if got_events or time.monotonic() - started > 5:
                    backoff.reset()
                    relist_at_once = True
                else:
                    await asyncio.sleep(backoff.next())
            except asyncio.CancelledError:
                raise
            except _Gone:
                need_list = True
                if self._health.state is Health.SYNCED:
                    self._set_health(Health.SYNCING, "resourceVersion expired; relisting")
                relist_at_once = await self._relist_pause(backoff, relist_at_once)
            except ApiStatusError as err:
                if err.code == 410:
                    need_list = True
                    relist_at_once = await self._relist_pause(backoff, relist_at_once)
                    continue
                if err.code == 403:
                    self._set_health(Health.FORBIDDEN, err.message)
                    self._clear()
                    need_list = True
                    await asyncio.sleep(FORBIDDEN_RETRY)
                elif err.code == 429 or err.code >= 500:
                    self._set_health(Health.RECONNECTING, f"HTTP {err.code}: {err.message}")
                    delay = backoff.next()
                    if err.retry_after is not None:
                        delay = max(delay, err.retry_after)
                    await asyncio.sleep(delay)
                else:
                    self._set_health(Health.ERROR, f"HTTP {err.code}: {err.message}")
                    need_list = True
                    await asyncio.sleep(ERROR_RETRY)
            except (httpx.TransportError, httpx.StreamError, OSError) as exc:
                text = str(exc).strip() or type(exc).__name__
                self._set_health(Health.RECONNECTING, f"connection lost: {' '.join(text.split())}")
                await asyncio.sleep(backoff.next())
            except Exception as exc:  # a bug or a garbled answer: report it, never die
                log.exception("informer %r failed", self)
                self._set_health(Health.ERROR, f"{type(exc).__name__}: {exc}")
                need_list = True
                await asyncio.sleep(backoff.next() + 1.0)

    @staticmethod
    async def _relist_pause(backoff: _Backoff, at_once: bool) -> bool:
        """Wait before a relist: not at all the first time, then backed off. Returns the new ``at_once``."""
        if not at_once:
            await asyncio.sleep(backoff.next())
        return False

    def _clear(self) -> None:
        for obj in list(self._objects.values()):
            self._remove(obj)
        self._by_name.clear()
        self._schedule_flush()

    @staticmethod
    async def _raise_for_status(resp: httpx.Response) -> None:
        if resp.status_code < 400:
            return
        body = await resp.aread()
        raise ApiStatusError(resp.status_code, _status_message(resp.status_code, body),
                             _retry_after(resp.headers))

    async def _list(self) -> None:
        """Paged LIST; replaces the cache and emits the differences as one batch."""
        if not self.synced and self._health.state is not Health.RECONNECTING:
            self._set_health(Health.SYNCING)
        path = self.kind.path(self.namespace)
        fresh: dict[str, dict[str, Any]] = {}
        token = ""
        rv = ""
        # The very first LIST fills the empty cache page by page, so panes show rows while later pages are
        # still on their way (10k pods: the table builds during the list instead of after it).
        progressive = self.lists == 0 and not self._objects
        # Its pages are told less often than watch events (LIST_FLUSH_INTERVAL; the first at once): each telling
        # repaints the view (its row count) — 10k pods: ~10 repaints instead of ~30 — and the last page at once.
        self._filling = progressive
        while True:
            params = self._params(limit=PAGE_SIZE)
            if token:
                params["continue"] = token
            body = await self._get_page(path, params)
            if body is None:
                # The continue token expired: start over.
                token, rv, fresh = "", "", {}
                continue
            data = orjson.loads(body)
            del body
            meta = data.get("metadata") or {}
            if not rv:
                rv = meta.get("resourceVersion", "")
            slim = self._slim
            for obj in self._list_items(data):
                obj = slim(obj)
                uid = _uid_of(obj.get("metadata") or {})
                fresh[uid] = obj
                if progressive:
                    self._put(obj)
            if progressive:
                self._schedule_flush()
            token = meta.get("continue") or ""
            if not token:
                break
        self.lists += 1
        self._filling = False
        self._replace(fresh)
        self.shared.sweep()  # what the previous list held alone, and this list's objects' own parts
        self.resource_version = rv
        self._heard(time.monotonic())
        self._synced.set()

    async def _get_page(self, path: str, params: dict[str, Any]) -> bytes | None:
        """One LIST page's body; None when its continue token expired (410).

        Read from the stream rather than ``client.get``: an httpx Response and its stream hold each other, so a
        response is freed only by a full garbage collection — which ``ui.gc_tuning`` makes rare and freezes
        away — and with its ``content`` it kept every page of the first LIST alive (23 MB at 10k pods)."""
        import httpx

        async with self._client.stream("GET", path, params=params, headers=self._headers(watch=False),
                                       timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=5.0)) as resp:
            if resp.status_code == 410 and params.get("continue"):
                return None
            await self._raise_for_status(resp)
            return b"".join([chunk async for chunk in resp.aiter_bytes()])

    def _replace(self, fresh: dict[str, dict[str, Any]]) -> None:
        old = self._objects
        for uid, obj in old.items():
            if uid not in fresh:
                self._mark_deleted(uid, obj.get("metadata") or {})
        for uid, obj in fresh.items():
            prev = old.get(uid)
            if prev is None:
                meta = obj.get("metadata") or {}
                self._by_name[(meta.get("namespace") or "", meta.get("name", ""))] = uid
                if uid in self._p_deleted:
                    self._p_deleted.discard(uid)
                    self._p_modified.add(uid)
                else:
                    self._p_added.add(uid)
            elif ((prev.get("metadata") or {}).get("resourceVersion")
                  != (obj.get("metadata") or {}).get("resourceVersion")) and uid not in self._p_added:
                self._p_modified.add(uid)
        self._objects = fresh
        self._p_relisted = True
        self._schedule_flush(now=True)  # the list is complete: shown at once, not a flush interval later

    async def _watch(self) -> bool:
        """One WATCH request from ``resource_version``; returns whether any event arrived.

        Raises ``_Gone`` on 410, ``ApiStatusError`` on other errors, httpx errors on connection loss.
        """
        params = self._params(watch="true", resourceVersion=self.resource_version, allowWatchBookmarks="true",
                              timeoutSeconds=random.randint(*WATCH_TIMEOUT_RANGE))
        import httpx

        got = False
        timeout = httpx.Timeout(REQUEST_TIMEOUT, connect=5.0, read=WATCH_IDLE_TIMEOUT)
        try:
            got = await self._stream_watch(params, timeout)
        except httpx.ReadTimeout:
            pass  # a silent connection: watch again from the last resourceVersion
        return got

    async def _stream_watch(self, params: dict[str, Any], timeout: httpx.Timeout) -> bool:
        got = False
        async with self._client.stream("GET", self.kind.path(self.namespace), params=params,
                                       headers=self._headers(watch=True), timeout=timeout) as resp:
            if resp.status_code == 410:
                raise _Gone()
            await self._raise_for_status(resp)
            self.watches += 1
            self._last_bookmark = 0.0
            self.heard = time.monotonic()
            if self._health.state is not Health.SYNCED:
                self._set_health(Health.SYNCED)
            buf = b""
            since_yield = 0
            async for chunk in resp.aiter_bytes():
                if not chunk:
                    continue
                buf += chunk
                if b"\n" not in chunk:
                    continue
                lines = buf.split(b"\n")
                buf = lines.pop()
                got = True
                for start in range(0, len(lines), LINES_PER_SLICE):
                    self._apply_lines(lines[start:start + LINES_PER_SLICE])
                    since_yield += min(LINES_PER_SLICE, len(lines) - start)
                    if since_yield >= LINES_PER_SLICE:
                        # Reads of already-buffered data need not yield: let the UI paint between slices.
                        self._schedule_flush()
                        await asyncio.sleep(0)
                        since_yield = 0
                self._schedule_flush()
            if buf.strip():
                self._apply_lines([buf])
                self._schedule_flush()
        return got

    def _bookmark(self, now: float) -> None:
        """Learn the server's bookmark interval from the gap between two bookmarks of one watch (the largest
        recent gap, decaying slowly, so one quick pair does not make the staleness check twitchy)."""
        if self._last_bookmark:
            gap = now - self._last_bookmark
            known = self.bookmark_interval
            self.bookmark_interval = gap if known is None else max(gap, 0.9 * known + 0.1 * gap)
        self._last_bookmark = now

    # -- hooks for other representations (see the class docstring) ----------------------------------
    def _headers(self, watch: bool) -> dict[str, str] | None:
        accept = self.WATCH_ACCEPT if watch else self.LIST_ACCEPT
        return {"Accept": accept} if accept else None

    def _list_items(self, data: dict[str, Any]) -> Iterable[dict[str, Any]]:
        """The cache entries of one LIST page (each a dict with ``metadata``)."""
        return data.get("items") or ()

    def _slim(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The cache entry made lean (see ``cluster.lean``); a Secret without its values."""
        if self._drop_values:
            drop_values(obj)
        return self.shared.slim(obj)

    def _event_object(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The cache entry of one ADDED/MODIFIED/DELETED watch event (None: ignore the event)."""
        return obj

    def _apply_lines(self, lines: list[bytes]) -> None:
        loads = orjson.loads
        self._heard(time.monotonic())
        for line in lines:
            if not line or line.isspace():
                continue
            event = loads(line)
            etype = event.get("type")
            obj = event.get("object") or {}
            if etype == "ADDED" or etype == "MODIFIED" or etype == "DELETED":
                obj = self._event_object(obj)
                if obj is None:
                    continue
            if etype == "ADDED" or etype == "MODIFIED":
                obj = self._slim(obj)
                meta = obj.get("metadata") or {}
                self._put(obj)
                rv = meta.get("resourceVersion")
                if rv:
                    self.resource_version = rv
                self.events += 1
                self._last_bookmark = 0.0  # only the gap between bookmarks of a quiet watch is the interval
            elif etype == "DELETED":
                self._remove(obj)
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if rv:
                    self.resource_version = rv
                self.events += 1
                self._last_bookmark = 0.0
            elif etype == "BOOKMARK":
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if rv:
                    self.resource_version = rv
                self._bookmark(self.heard)
            elif etype == "ERROR":
                code = int(obj.get("code") or 500)
                self._schedule_flush()
                if code == 410:
                    raise _Gone()
                raise ApiStatusError(code, " ".join(str(obj.get("message") or f"watch error {code}").split()))


class SecretValuesInformer(Informer):
    """An informer that keeps Secrets' values: for the views that decode them (Helm releases), held only while
    such a view is open; every other informer of Secrets keeps their keys only."""

    FLAVOR = "values"
    SECRET_VALUES = True


_HubKey = tuple[str, str | None, str, str]  # kind key, namespace, label selector, informer flavor


def _table_informer_class() -> type[Informer]:
    from .tables import TableInformer  # tables builds on this module

    return TableInformer


@dataclass
class _Entry:
    informer: Informer
    refs: int = 0
    background_refs: int = 0  # of ``refs``: held for background work (findings), not for a view
    stop_handle: asyncio.TimerHandle | None = None


@dataclass(frozen=True, slots=True)
class HubHealth:
    """The aggregate for the header: the worst informer state, its error, which resources are forbidden and
    how old the oldest possibly-behind data is. ``state`` is FORBIDDEN only when *every* informer is: the
    API answers, but the user may see nothing here."""

    state: Health
    error: str = ""
    forbidden: tuple[str, ...] = ()  # "pods in shop", "nodes" ...
    data_age: int | None = None
    forbidden_resources: tuple[tuple[str, str], ...] = ()  # (plural, "in shop" / "in all namespaces" / "")


def _scope_label(kind: ResourceKind, namespace: str | None) -> str:
    if not kind.namespaced:
        return kind.plural
    return f"{kind.plural} in {namespace}" if namespace else f"{kind.plural} in all namespaces"


class InformerHub:
    """Shared, ref-counted informers for one connection. Create, use and close on the app's loop."""

    def __init__(self, connection: Connection, *, linger: float = 5.0,
                 client: httpx.AsyncClient | None = None, flush_interval: float = FLUSH_INTERVAL) -> None:
        self.connection = connection
        self.linger = linger
        self.flush_interval = flush_interval  # how often informers tell their views (``refresh_hz``)
        self._client = client
        self._own_client = client is None
        self._entries: dict[_HubKey, _Entry] = {}
        self._health_listeners: list[Callable[[HubHealth], None]] = []
        self._stopping: set[asyncio.Task[None]] = set()
        self.shared = SharedValues()  # equal parts of cached objects, shared across this hub's informers
        self._closed = False
        self._watchdog: asyncio.Task[None] | None = None
        self.probe_error = ""  # "" while the API server answers the probe
        self.probes = 0
        self._gate: asyncio.Event | None = None  # while set: informers wait before their first request

    def hold_requests(self) -> None:
        """Informers acquired from now on send their first request only at ``release_requests``. The app holds
        them until its first frame is painted: the first request of the process imports anyio's asyncio
        backend and opens a TLS connection (~50 ms of a blank terminal), and the frame needs none of it."""
        if self._gate is None:
            self._gate = asyncio.Event()

    def release_requests(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.connection.async_client()
        return self._client

    @staticmethod
    def _key(kind: ResourceKind, namespace: str | None, label_selector: str = "",
             flavor: str = Informer.FLAVOR) -> _HubKey:
        return (kind.key, (namespace or None) if kind.namespaced else None, label_selector, flavor)

    @staticmethod
    def _kind(kind: ResourceKind | str) -> ResourceKind:
        if isinstance(kind, ResourceKind):
            return kind
        found = kind_for(kind)
        if found is None:
            raise KeyError(f"unknown resource kind {kind!r}")
        return found

    def acquire(self, kind: ResourceKind | str, namespace: str | None = None, *, label_selector: str = "",
                table: bool = False, background: bool = False, secret_values: bool = False) -> Informer:
        """The informer for ``kind`` in ``namespace`` (None = all namespaces), started if needed.
        Each call must be paired with one ``release`` of the same arguments (or of the informer).

        ``label_selector`` filters on the server (``app=api,version!=green``); ``table=True`` gives a
        ``cluster.tables.TableInformer`` (the server's columns and rows, for kinds without a projection).
        ``background=True``: held for work the user did not open a view for (the dashboard's findings count);
        such an informer being forbidden is not reported in ``health()`` (release it with the same flag).
        ``secret_values=True``: Secrets with their values (``SecretValuesInformer``); others keep keys only."""
        if self._closed:
            raise RuntimeError("InformerHub is closed")
        rk = self._kind(kind)
        factory = _table_informer_class() if table else SecretValuesInformer if secret_values else Informer
        key = self._key(rk, namespace, label_selector, factory.FLAVOR)
        entry = self._entries.get(key)
        if entry is None:
            informer = factory(rk, key[1], lambda: self.client, label_selector=label_selector,
                               flush_interval=self.flush_interval, shared=self.shared)
            informer.subscribe_health(self._on_informer_health)
            entry = self._entries[key] = _Entry(informer)
        if entry.stop_handle is not None:
            entry.stop_handle.cancel()
            entry.stop_handle = None
        entry.refs += 1
        entry.background_refs += background
        if self._gate is not None and not entry.informer.running:
            entry.informer.gate = self._gate
        entry.informer.start()
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._watch_staleness(), name="informer watchdog")
        return entry.informer

    def peek(self, kind: ResourceKind | str, namespace: str | None = None, *, label_selector: str = "",
             table: bool = False) -> Informer | None:
        """The informer if one is running, without taking a reference."""
        rk = self._kind(kind)
        flavor = _table_informer_class().FLAVOR if table else Informer.FLAVOR
        entry = self._entries.get(self._key(rk, namespace, label_selector, flavor))
        return entry.informer if entry else None

    def release(self, kind: ResourceKind | str | Informer, namespace: str | None = None, *,
                label_selector: str = "", table: bool = False, background: bool = False) -> None:
        """Drop one reference; the informer stops ``linger`` seconds after the last one is dropped."""
        if isinstance(kind, Informer):
            key = self._key(kind.kind, kind.namespace, kind.label_selector, kind.FLAVOR)
        else:
            flavor = _table_informer_class().FLAVOR if table else Informer.FLAVOR
            key = self._key(self._kind(kind), namespace, label_selector, flavor)
        entry = self._entries.get(key)
        if entry is None:
            return
        entry.refs = max(0, entry.refs - 1)
        if background:
            entry.background_refs = max(0, entry.background_refs - 1)
        if entry.refs == 0 and entry.stop_handle is None:
            if self.linger <= 0:
                self._stop_entry(key)
            else:
                entry.stop_handle = asyncio.get_running_loop().call_later(self.linger, self._stop_entry, key)

    def _stop_entry(self, key: _HubKey) -> None:
        entry = self._entries.get(key)
        if entry is None or entry.refs > 0:
            return
        del self._entries[key]
        task = asyncio.get_running_loop().create_task(entry.informer.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        self._notify_health()

    def informers(self) -> list[Informer]:
        return [e.informer for e in self._entries.values()]

    def health(self) -> HubHealth:
        worst = Health.SYNCED
        error = ""
        forbidden: list[str] = []
        resources: list[tuple[str, str]] = []
        ages: list[int] = []
        entries = [e for e in self._entries.values()
                   if e.refs > e.background_refs or e.informer.health.state is not Health.FORBIDDEN]
        for entry in entries:
            h = entry.informer.health
            if h.state is Health.FORBIDDEN:
                forbidden.append(_scope_label(entry.informer.kind, entry.informer.namespace))
                kind, namespace = entry.informer.kind, entry.informer.namespace
                where = "" if not kind.namespaced else f"in {namespace}" if namespace else "in all namespaces"
                resource = (kind.plural, where)
                if resource not in resources:
                    resources.append(resource)
            if h.data_age is not None:
                ages.append(h.data_age)
            if _SEVERITY[h.state] > _SEVERITY[worst]:
                worst, error = h.state, h.error
        if forbidden and len(forbidden) == len(entries):
            worst, error = Health.FORBIDDEN, ""
        return HubHealth(worst, error, tuple(forbidden), max(ages) if ages else None, tuple(resources))

    # -- staleness ---------------------------------------------------------------------------------
    async def _watch_staleness(self) -> None:
        """Once a second: let every informer check its silence against the probe's verdict; every
        PROBE_INTERVAL: ask the server for /readyz (in its own task, so a hanging probe delays nothing)."""
        probe: asyncio.Task[None] | None = None
        last_probe = 0.0
        if self._gate is not None:
            await self._gate.wait()
        try:
            while not self._closed:
                now = time.monotonic()
                if (probe is None or probe.done()) and now - last_probe >= PROBE_INTERVAL and self._entries:
                    last_probe = now
                    probe = asyncio.get_running_loop().create_task(self._probe(), name="api probe")
                for entry in list(self._entries.values()):
                    entry.informer.check_stale(now, self.probe_error)
                await asyncio.sleep(WATCHDOG_INTERVAL)
        finally:
            if probe is not None and not probe.done():
                probe.cancel()

    async def _probe(self) -> None:
        """Does the API server answer at all? Any HTTP answer counts (a 403 or 500 is an answer); no answer
        within PROBE_TIMEOUT makes synced informers STALE until it answers again."""
        if self._closed or self._client is None:
            return
        import httpx

        self.probes += 1
        try:
            await self.client.get(PROBE_PATH, timeout=httpx.Timeout(PROBE_TIMEOUT))
        except httpx.TimeoutException:
            self.probe_error = f"the API server did not answer {PROBE_PATH} within {PROBE_TIMEOUT:g} s"
        except (httpx.TransportError, OSError) as exc:
            text = " ".join((str(exc).strip() or type(exc).__name__).split())
            self.probe_error = f"the API server does not answer {PROBE_PATH}: {text}"
        except Exception as exc:  # a closed client during shutdown, a bug: never kill the watchdog
            self.probe_error = ""
            log.debug("probe failed: %r", exc)
        else:
            self.probe_error = ""
        now = time.monotonic()
        for entry in list(self._entries.values()):
            entry.informer.check_stale(now, self.probe_error)

    def subscribe_health(self, listener: Callable[[HubHealth], None]) -> Callable[[], None]:
        """Call ``listener(hub_health)`` whenever any informer's health changes."""
        self._health_listeners.append(listener)
        return lambda: self._health_listeners.remove(listener) if listener in self._health_listeners else None

    def _on_informer_health(self, _state: HealthState) -> None:
        self._notify_health()

    def _notify_health(self) -> None:
        if not self._health_listeners:
            return
        current = self.health()
        for listener in list(self._health_listeners):
            try:
                listener(current)
            except Exception:
                log.exception("hub health listener failed")

    async def close(self) -> None:
        """Stop every informer and close the HTTP client."""
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watchdog
            self._watchdog = None
        entries = list(self._entries.values())
        self._entries.clear()
        for entry in entries:
            if entry.stop_handle is not None:
                entry.stop_handle.cancel()
        await asyncio.gather(*(e.informer.stop() for e in entries), *self._stopping, return_exceptions=True)
        if self._client is not None and self._own_client:
            await self._client.aclose()
        self._client = None


__all__ = ["CONFIGMAPS", "SecretValuesInformer", "DEPLOYMENTS", "ENDPOINTS", "EVENTS", "HPAS", "INGRESSES", "KINDS", "NAMESPACES", "NODES",
           "PODS", "REPLICASETS", "SECRETS", "SERVICES", "ApiStatusError", "ChangeBatch", "Health", "HealthState",
           "HubHealth", "Informer", "InformerHub", "ResourceKind", "kind_for"]
