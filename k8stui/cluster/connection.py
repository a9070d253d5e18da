"""Kubeconfig -> a connection the rest of the app uses: target names, a kubernetes ``Configuration``
(for typed mutations) and ``httpx.AsyncClient`` factories (for lists, watches and log streams).

The ``kubernetes`` library does the parsing and the authentication (tokens, client certificates, CA data,
exec and auth-provider plugins, token refresh); this module only checks the file first so that every
mistake a user can make ends in one clear line (``KubeconfigError``), and turns the resulting
``Configuration`` into an httpx client. Tokens are never logged or put into messages.

One exception, for a fast start: importing ``kubernetes`` costs 0.4-0.8 s on a 2-core machine, more than the
rest of the app's start. A context whose credentials are static (a token and/or a client certificate, a CA,
the TLS switches: what the demo, kind, minikube and most CI kubeconfigs hold) is read here into a
``StaticConfiguration`` with the library's own rules (``kube_config.py``: ``server`` stripped of ``/``, files
relative to the kubeconfig, ``*-data`` base64 into private temp files, certificates only for https). Anything
else (exec and auth-provider plugins, tokenFile, basic auth, keys we do not know) goes through the library,
and the typed client (mutations, in threads) always builds the library's ``Configuration`` when first asked.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import binascii
import contextlib
import json
import logging
import os
import ssl
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

if TYPE_CHECKING:  # importing kubernetes costs ~0.25 s: only when a connection is made
    import httpx  # ~40 ms with httpcore: imported by the first client, after the app's first frame (``probe``)
    from kubernetes.client import ApiClient, Configuration

USER_AGENT = "k8stui/0.1"
CONNECT_TIMEOUT = 5.0
REQUEST_TIMEOUT = 30.0  # reads of ordinary (non-streaming) requests
DEFAULT_KUBECONFIG = "~/.kube/config"


class KubeconfigError(Exception):
    """The kubeconfig cannot be used; ``str(err)`` is one line meant for the user (the CLI exits 2)."""


class ClusterUnreachableError(Exception):
    """The API server did not answer ``/version``; ``str(err)`` is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    """What the header shows: which context, cluster, user and namespace the app is looking at."""

    context: str
    cluster: str
    user: str
    namespace: str
    server: str


def kubeconfig_paths(kubeconfig: str | None = None) -> list[str]:
    """The files to read, as kubectl picks them: ``--kubeconfig``, else ``$KUBECONFIG`` (several files
    separated by ``:``), else ``~/.kube/config``."""
    if kubeconfig:
        return [os.path.expanduser(kubeconfig)]
    env = os.environ.get("KUBECONFIG", "")
    paths = [os.path.expanduser(p) for p in env.split(os.pathsep) if p.strip()]
    return paths or [os.path.expanduser(DEFAULT_KUBECONFIG)]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# libyaml's safe loader when PyYAML has it (the same documents, ~10x faster than the pure-Python one: a cloud
# kubeconfig of many contexts is read before the first frame).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise KubeconfigError(f"kubeconfig {path} is not valid YAML{where}: {_one_line(problem)}") from None
    except UnicodeDecodeError:
        raise KubeconfigError(f"kubeconfig {path} is not a text file") from None
    except IsADirectoryError:
        raise KubeconfigError(f"kubeconfig {path} is a directory, not a file") from None
    except PermissionError:
        raise KubeconfigError(f"kubeconfig {path} is not readable (permission denied)") from None
    except OSError as exc:
        raise KubeconfigError(f"kubeconfig {path} cannot be read: {_one_line(exc.strerror or exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise KubeconfigError(f"kubeconfig {path} is not a kubeconfig (expected a mapping with clusters, "
                              "contexts and users)")
    for section in ("clusters", "contexts", "users"):
        value = data.get(section)
        if value is not None and not isinstance(value, list):
            raise KubeconfigError(f"kubeconfig {path}: '{section}' must be a list")
    return data


@dataclass
class _Merged:
    """Several kubeconfig files merged the way kubectl merges them (the first name / value wins)."""

    paths: list[str]
    current: str
    contexts: dict[str, dict[str, Any]]
    clusters: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    sources: dict[tuple[str, str], str] = field(default_factory=dict)  # (section, name) -> the file it came from


def _load_merged(kubeconfig: str | None) -> _Merged:
    wanted = kubeconfig_paths(kubeconfig)
    existing = [p for p in wanted if os.path.exists(p)]
    if not existing:
        if kubeconfig:
            raise KubeconfigError(f"kubeconfig file not found: {wanted[0]}")
        if os.environ.get("KUBECONFIG", "").strip():
            raise KubeconfigError(f"no kubeconfig found: none of the files in KUBECONFIG exist ({', '.join(wanted)})")
        raise KubeconfigError(f"no kubeconfig found at {DEFAULT_KUBECONFIG} (set KUBECONFIG or use --kubeconfig)")
    merged = _Merged(existing, "", {}, {}, {})
    for path in existing:
        data = _read_yaml(path)
        if not merged.current and data.get("current-context"):
            merged.current = str(data["current-context"])
        for section, target in (("contexts", merged.contexts), ("clusters", merged.clusters),
                                ("users", merged.users)):
            for entry in data.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") is not None:
                    if str(entry["name"]) not in target:
                        target[str(entry["name"])] = entry
                        merged.sources[(section, str(entry["name"]))] = path
    return merged


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str]:
    """The context names (in file order) and the current context ("" when none is set)."""
    merged = _load_merged(kubeconfig)
    return list(merged.contexts), merged.current


def _choose_context(merged: _Merged, context: str | None) -> tuple[str, dict[str, Any]]:
    available = ", ".join(merged.contexts) or "none"
    name = context or merged.current
    if not name:
        raise KubeconfigError(f"kubeconfig has no current-context; choose one with --context (available: {available})")
    entry = merged.contexts.get(name)
    if entry is None:
        raise KubeconfigError(f"context {name!r} not found in kubeconfig (available: {available})")
    body = entry.get("context") or {}
    if not isinstance(body, dict):
        raise KubeconfigError(f"context {name!r} in kubeconfig is malformed")
    cluster = body.get("cluster")
    if not cluster or cluster not in merged.clusters:
        raise KubeconfigError(f"context {name!r} refers to cluster {cluster!r}, which is not in the kubeconfig")
    user = body.get("user")
    if user and user not in merged.users:
        raise KubeconfigError(f"context {name!r} refers to user {user!r}, which is not in the kubeconfig")
    server = ((merged.clusters[cluster].get("cluster") or {}).get("server") or "")
    if not server:
        raise KubeconfigError(f"cluster {cluster!r} in kubeconfig has no server address")
    return name, body


class _NotATerminal:
    """``sys.stdout`` as the kubernetes library sees it while a credential plugin runs inside the UI."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_stdout_lock = threading.Lock()
_stdout_users = 0


@contextlib.contextmanager
def plugins_not_interactive() -> Generator[None, None, None]:
    """The kubernetes library runs an exec plugin interactively — on this process's stdin and stderr — when
    stdout is a terminal. Inside the running UI that would let the plugin read the keyboard and write over
    the screen (Textual draws on stderr), so while the UI runs, plugins see no terminal: one that needs a
    prompt fails with its own message instead. (Before the UI starts, at launch, a plugin may prompt.)"""
    global _stdout_users
    with _stdout_lock:
        if _stdout_users == 0:
            sys.stdout = _NotATerminal(sys.stdout)  # type: ignore[assignment]
        _stdout_users += 1
    try:
        yield
    finally:
        with _stdout_lock:
            _stdout_users -= 1
            if _stdout_users == 0 and isinstance(sys.stdout, _NotATerminal):
                sys.stdout = sys.stdout.inner


def load_target(kubeconfig: str | None = None, context: str | None = None,
                namespace: str | None = None, *, interactive: bool = True) -> Connection:
    """Read the kubeconfig and authenticate as its context (``context`` or the current one).

    ``namespace`` overrides the context's namespace (which defaults to ``default``). Raises
    ``KubeconfigError`` with a one-line message for anything the user has to fix. Pass ``interactive=False``
    while the UI runs (and call it in a thread: an exec plugin may take seconds).
    """
    if not interactive:
        with plugins_not_interactive():
            return load_target(kubeconfig, context, namespace)
    merged = _load_merged(kubeconfig)
    name, body = _choose_context(merged, context)
    configuration: Configuration | StaticConfiguration | None = _static_configuration(merged, name, body)
    if configuration is None:
        configuration = _library_configuration(merged, name, body)
    target = ClusterTarget(context=name, cluster=str(body.get("cluster", "")), user=str(body.get("user", "")),
                           namespace=namespace or str(body.get("namespace") or "default"),
                           server=configuration.host)
    connection = Connection(target, configuration, tuple(merged.paths))
    connection.ssl_context()  # fail now, with one line, if certificates cannot be loaded
    return connection


def _library_configuration(merged: _Merged, name: str, body: dict[str, Any]) -> Configuration:
    """The kubernetes library's ``Configuration`` for context ``name`` (plugins run here)."""
    try:
        from kubernetes.client import Configuration
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.kube_config import load_kube_config
    except ImportError as exc:  # pragma: no cover - a broken installation
        raise KubeconfigError(f"the kubernetes package is not usable: {exc}") from None
    configuration = Configuration()
    captured = _CapturedErrors()
    root = logging.getLogger()
    root.addHandler(captured)  # the library logs (not raises) exec-plugin failures; keep them off the terminal
    try:
        load_kube_config(config_file=os.pathsep.join(merged.paths), context=name,
                         client_configuration=configuration, persist_config=False)
    except ConfigException as exc:
        raise KubeconfigError(f"kubeconfig context {name!r}: {_first_line(exc)}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KubeconfigError(f"kubeconfig context {name!r} cannot be used: {_first_line(exc)}") from None
    finally:
        root.removeHandler(captured)
    user_entry = (merged.users.get(str(body.get("user", ""))) or {}).get("user") or {}
    has_credentials = bool(configuration.api_key) or bool(configuration.cert_file)
    if isinstance(user_entry, dict) and ("exec" in user_entry or "auth-provider" in user_entry) \
            and not has_credentials:
        plugin = "exec" if "exec" in user_entry else "auth-provider"
        detail = captured.messages[0] if captured.messages else "it returned no credentials"
        raise KubeconfigError(f"kubeconfig context {name!r}: the {plugin} credential plugin failed: {detail}")
    return configuration


# -- static credentials without importing kubernetes ---------------------------------------------------------------
_STATIC_USER_KEYS = frozenset({"token", "client-certificate", "client-certificate-data", "client-key",
                               "client-key-data"})
_STATIC_CLUSTER_KEYS = frozenset({"server", "certificate-authority", "certificate-authority-data",
                                  "insecure-skip-tls-verify", "tls-server-name", "proxy-url"})


@dataclass
class StaticConfiguration:
    """The fields of a kubernetes ``Configuration`` that the app's own HTTP reads, for static credentials."""

    host: str
    ssl_ca_cert: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify_ssl: bool = True
    tls_server_name: str | None = None
    proxy: str | None = None
    api_key: dict[str, str] = field(default_factory=dict)
    api_key_prefix: dict[str, str] = field(default_factory=dict)
    refresh_api_key_hook: None = None  # static credentials never refresh
    _load_library: Callable[[], Configuration] | None = field(default=None, compare=False)
    _library: Configuration | None = field(default=None, compare=False)

    def __repr__(self) -> str:  # never show the token
        return f"StaticConfiguration(host={self.host!r})"

    def library(self) -> Configuration:
        """The kubernetes library's ``Configuration`` of the same context (for the typed client), read once."""
        with _temp_lock:
            if self._library is None:
                assert self._load_library is not None
                self._library = self._load_library()
            return self._library

    def get_api_key_with_prefix(self, identifier: str, alias: str | None = None) -> str | None:
        return self.api_key.get(identifier) or (self.api_key.get(alias) if alias else None)


_temp_files: list[str] = []
_temp_lock = threading.Lock()


def _remove_temp_files() -> None:
    for path in _temp_files:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _private_file(content: bytes) -> str:
    """A 0600 temp file holding ``content`` (a certificate or key from ``*-data``), removed at exit."""
    fd, path = tempfile.mkstemp(prefix="k8stui-kubeconfig-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    with _temp_lock:
        if not _temp_files:
            atexit.register(_remove_temp_files)
        _temp_files.append(path)
    return path


def _static_configuration(merged: _Merged, name: str, body: dict[str, Any]) -> StaticConfiguration | None:
    """The context's settings read as ``kube_config.py`` reads them, or None when the library must do it (a
    plugin, a token file, basic auth, a key we do not know, a value of an unexpected type)."""
    cluster_name, user_name = str(body.get("cluster", "")), str(body.get("user", ""))
    cluster = merged.clusters[cluster_name].get("cluster")
    user = (merged.users.get(user_name) or {}).get("user") or {} if user_name else {}
    if not isinstance(cluster, dict) or not isinstance(user, dict):
        return None
    if set(cluster) - _STATIC_CLUSTER_KEYS or set(user) - _STATIC_USER_KEYS:
        return None
    text_keys = (set(cluster) | set(user)) - {"insecure-skip-tls-verify"}
    values = {**cluster, **user}
    if any(not isinstance(values[k], str) or not values[k] for k in text_keys):
        return None
    skip = cluster.get("insecure-skip-tls-verify", False)
    if not isinstance(skip, bool):
        return None
    host = cluster["server"].rstrip("/")
    config = StaticConfiguration(host=host, verify_ssl=not skip, tls_server_name=cluster.get("tls-server-name"),
                                 proxy=cluster.get("proxy-url"),
                                 _load_library=lambda: _library_configuration(merged, name, body))
    if "token" in user:
        config.api_key["BearerToken"] = f"Bearer {user['token']}"
    if host.startswith("https"):
        base = os.path.dirname(os.path.abspath(merged.sources.get(("clusters", cluster_name), "")))
        try:
            config.ssl_ca_cert = _file_or_data(cluster, "certificate-authority", base)
            config.cert_file = _file_or_data(user, "client-certificate", base)
            config.key_file = _file_or_data(user, "client-key", base)
        except (binascii.Error, ValueError):
            return None  # the library's own message for bad base64
    return config


def _file_or_data(entry: dict[str, Any], key: str, base: str) -> str | None:
    """``key-data`` (base64, preferred) as a private file, else ``key`` as a path relative to ``base``."""
    data = entry.get(f"{key}-data")
    if data:
        return _private_file(base64.standard_b64decode(data.encode()))
    path = entry.get(key)
    return os.path.normpath(os.path.join(base, path)) if path else None


class _CapturedErrors(logging.Handler):
    """Collects the kubernetes library's error logs (first line each) while a kubeconfig is loaded."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            text = record.getMessage().strip().splitlines()
            if text:
                self.messages.append(_one_line(text[0]))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return _one_line(text[0]) if text else type(exc).__name__


class Credentials:
    """The kubeconfig's bearer token, with its refresh kept off the event loop.

    For exec and auth-provider users the kubernetes library installs ``refresh_api_key_hook``, which runs the
    plugin (``aws eks get-token``, ``kubelogin``, ``gke-gcloud-auth-plugin``: a blocking subprocess) when the
    token is within five minutes of its expiry. Here that hook runs once at a time for every caller (a lock:
    concurrent requests wait for the same refresh), in a thread for async callers (the UI loop never waits
    for a plugin), and is asked at most every ``CHECK_EVERY`` seconds whether a refresh is due, so tokens are
    renewed ahead of expiry by whichever request comes first.
    """

    CHECK_EVERY = 10.0

    def __init__(self, configuration: Configuration | StaticConfiguration) -> None:
        self._cfg = configuration
        self._hook = configuration.refresh_api_key_hook
        self._lock = threading.Lock()
        self._checked = float("-inf")  # monotonic time of the last call of the hook
        self._refreshing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[None]] = \
            weakref.WeakKeyDictionary()
        if self._hook is not None:
            configuration.refresh_api_key_hook = self._refresh  # threads using the typed client share the lock

    def cached(self) -> str | None:
        """The header value as it is now, without refreshing."""
        cfg = self._cfg
        key = cfg.api_key.get("BearerToken") or cfg.api_key.get("authorization")
        if not key:
            return None
        prefix = cfg.api_key_prefix.get("BearerToken")
        return f"{prefix} {key}" if prefix else key

    def _due(self) -> bool:
        return self._hook is not None and time.monotonic() - self._checked >= self.CHECK_EVERY

    def _refresh(self, configuration: Any = None) -> None:
        """Call the library's hook (it runs the plugin only when the token is close to expiry)."""
        with self._lock:
            if self._hook is None:
                return
            try:
                with plugins_not_interactive():  # refreshes happen while the UI runs
                    self._hook(self._cfg)
            finally:
                self._checked = time.monotonic()
                self._cfg.refresh_api_key_hook = self._refresh  # the library re-installs its own each time

    def header(self) -> str | None:
        """For synchronous callers. In a thread it may refresh (and wait for it); on the event loop it never
        runs a plugin: it answers with the token it has and starts a refresh in a thread."""
        if not self._due():
            return self.cached()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._refresh()
            return self.cached()
        self._start_refresh(loop)
        return self.cached()

    async def header_async(self) -> str | None:
        """For coroutines: waits (without blocking the loop) for a refresh that is due or already running."""
        loop = asyncio.get_running_loop()
        running = self._refreshing.get(loop)
        if running is None and not self._due():
            return self.cached()
        await asyncio.shield(running or self._start_refresh(loop))
        return self.cached()

    def _start_refresh(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        running = self._refreshing.get(loop)
        if running is None:
            running = self._refreshing[loop] = asyncio.ensure_future(self._refresh_in_thread())
            running.add_done_callback(lambda _f: self._refreshing.pop(loop, None))
        return running

    async def _refresh_in_thread(self) -> None:
        try:
            await asyncio.to_thread(self._refresh)
        except Exception as exc:  # the request goes on with the token it has; the server will say 401
            logging.getLogger(__name__).warning("credential refresh failed: %s", _first_line(exc))


class Connection:
    """One authenticated context: the target (names), the kubernetes ``Configuration`` and httpx clients."""

    def __init__(self, target: ClusterTarget, configuration: Configuration | StaticConfiguration,
                 kubeconfig_paths: tuple[str, ...] = (), credentials: Credentials | None = None) -> None:
        self.target = target
        self.configuration = configuration
        self.kubeconfig_paths = kubeconfig_paths
        self.credentials = credentials or Credentials(configuration)
        self._ssl: ssl.SSLContext | None = None

    def __repr__(self) -> str:  # never show credentials
        return f"Connection(context={self.target.context!r}, server={self.target.server!r})"

    @property
    def server(self) -> str:
        return self.target.server

    def with_namespace(self, namespace: str) -> Connection:
        """The same credentials looking at another namespace (shares the Configuration and TLS context)."""
        other = Connection(replace(self.target, namespace=namespace), self.configuration, self.kubeconfig_paths,
                           self.credentials)
        other._ssl = self._ssl
        return other

    def ssl_context(self) -> ssl.SSLContext:
        """TLS settings from the Configuration: CA file, client certificate, or verification switched off."""
        if self._ssl is None:
            cfg = self.configuration
            try:
                if not cfg.verify_ssl:
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                else:
                    ctx = ssl.create_default_context(cafile=cfg.ssl_ca_cert or None)
                if cfg.cert_file:
                    ctx.load_cert_chain(cfg.cert_file, cfg.key_file or None)
            except (ssl.SSLError, OSError) as exc:
                raise KubeconfigError(f"kubeconfig context {self.target.context!r}: cannot load TLS "
                                      f"certificates: {_first_line(exc)}") from None
            self._ssl = ctx
        return self._ssl

    def auth_header(self) -> str | None:
        """The current ``Authorization`` value (refreshed when due); for code that cannot use httpx."""
        return self.credentials.header()

    def async_client(self, *, read_timeout: float | None = None) -> httpx.AsyncClient:
        """A new httpx client for this context. Reads are unbounded by default (watches and log follows);
        pass ``timeout=`` per request for ordinary calls (``REQUEST_TIMEOUT`` is a good value)."""
        import httpx

        server_name = getattr(self.configuration, "tls_server_name", None)
        hooks: dict[str, list[Any]] = {}
        if server_name:
            async def _sni(request: httpx.Request) -> None:
                request.extensions["sni_hostname"] = server_name
            hooks["request"] = [_sni]
        return httpx.AsyncClient(**self._client_options(read_timeout), event_hooks=hooks)

    def client(self, *, read_timeout: float | None = None) -> httpx.Client:
        """A blocking httpx client with the same settings as ``async_client``: for the start, before the event
        loop runs (``probe`` through a proxy), where an async client would cost an event loop and anyio's import
        first."""
        import httpx

        server_name = getattr(self.configuration, "tls_server_name", None)
        hooks: dict[str, list[Any]] = {}
        if server_name:
            def _sni(request: httpx.Request) -> None:
                request.extensions["sni_hostname"] = server_name
            hooks["request"] = [_sni]
        return httpx.Client(**self._client_options(read_timeout), event_hooks=hooks)

    def _client_options(self, read_timeout: float | None) -> dict[str, Any]:
        import httpx

        from .kube_auth import KubeAuth

        cfg = self.configuration
        verify: ssl.SSLContext | bool = self.ssl_context() if self.target.server.startswith("https") else False
        return {
            "base_url": cfg.host,
            "verify": verify,
            "auth": KubeAuth(self.credentials),
            "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
            "timeout": httpx.Timeout(connect=CONNECT_TIMEOUT, read=read_timeout, write=REQUEST_TIMEOUT, pool=None),
            "limits": httpx.Limits(max_connections=None, max_keepalive_connections=32),
            "proxy": cfg.proxy or None,
        }

    def api_client(self) -> ApiClient:
        """A typed kubernetes client on the same Configuration (for mutations; blocking, use in threads)."""
        from kubernetes.client import ApiClient

        configuration = self.configuration
        if isinstance(configuration, StaticConfiguration):  # read without the library: let it read it now
            configuration = configuration.library()
        return ApiClient(configuration)


def probe(connection: Connection, timeout: float = CONNECT_TIMEOUT) -> dict[str, Any]:
    """GET ``/version``; raises ``ClusterUnreachableError`` (one line) when the server cannot be reached.

    Any HTTP answer (even 401/403) proves the server is there; its JSON (or ``{}``) is returned. Blocking: the
    command line asks before the UI starts (in a coroutine, run it in a thread).

    One GET asked before the first frame, so through the standard library's ``http.client`` (with the
    connection's TLS context and credentials): httpx and httpcore cost ~40 ms of CPU to import, and the app's
    clients import them after the first frame. A route ``http.client`` does not take as httpx would — a proxy
    (``proxy-url``, or the ``*_proxy`` environment variables httpx honours), a ``tls-server-name`` — goes
    through httpx, as every request did before.
    """
    parts = urlsplit(connection.server)
    try:
        port = parts.port
    except ValueError:  # not a port: httpx's message says so
        return _probe_with_httpx(connection, timeout)
    if parts.scheme not in ("http", "https") or not parts.hostname or _routed_by_httpx(connection):
        return _probe_with_httpx(connection, timeout)
    import http.client

    server = connection.server
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=connection.ssl_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    credentials = connection.credentials.header()
    if credentials:
        headers["Authorization"] = credentials
    try:
        try:
            conn.connect()
        except TimeoutError:
            raise ClusterUnreachableError(f"the API server at {server} did not answer within {timeout:g}s") from None
        except OSError as exc:  # refused, no route, unknown host, TLS verification
            raise ClusterUnreachableError(f"cannot reach the API server at {server}: "
                                          f"{_first_line(exc) or 'connection refused'}") from None
        try:
            conn.request("GET", parts.path.rstrip("/") + "/version", headers=headers)
            with conn.getresponse() as resp:
                data = resp.read()
        except TimeoutError:
            raise ClusterUnreachableError(f"the API server at {server} did not answer within {timeout:g}s") from None
        except (http.client.HTTPException, OSError) as exc:
            raise ClusterUnreachableError(f"cannot talk to the API server at {server}: "
                                          f"{_first_line(exc) or type(exc).__name__}") from None
    finally:
        conn.close()
    try:
        body = json.loads(data)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})


def _routed_by_httpx(connection: Connection) -> bool:
    """Whether httpx would not simply connect to the server: a proxy, or another TLS server name."""
    cfg = connection.configuration
    if getattr(cfg, "proxy", None) or getattr(cfg, "tls_server_name", None):
        return True
    return any(value and name.lower() in _PROXY_VARIABLES for name, value in os.environ.items())


def _probe_with_httpx(connection: Connection, timeout: float) -> dict[str, Any]:
    import httpx

    with connection.client() as client:
        try:
            resp = client.get("/version", timeout=timeout)
        except httpx.ConnectError as exc:
            raise ClusterUnreachableError(f"cannot reach the API server at {connection.server}: "
                                          f"{_first_line(exc) or 'connection refused'}") from None
        except httpx.TimeoutException:
            raise ClusterUnreachableError(f"the API server at {connection.server} did not answer within "
                                          f"{timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise ClusterUnreachableError(f"cannot talk to the API server at {connection.server}: "
                                          f"{_first_line(exc) or type(exc).__name__}") from None
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


__all__ = ["ClusterTarget", "ClusterUnreachableError", "Connection", "Credentials", "KubeconfigError",
           "StaticConfiguration", "kubeconfig_paths", "list_contexts", "load_target", "probe"]
