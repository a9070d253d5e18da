"""Container logs of the demo cluster, computed instead of stored, served as kubelet serves them.

Line ``i`` of a container run is a pure function of (seed, pod uid, container, the run's ``startedAt``, i):
its text and the moment it was "written" (``startedAt + f(i)``, with ``f`` strictly increasing) are both
derived from a hash, so 10k pods cost no memory and a re-read returns byte-identical lines with identical
timestamps. That makes ``sinceTime`` resumption exact: a client that re-asks from the last timestamp it saw
gets that one line again (``>=``, as kubelet does) and nothing older.

What the options mean follows kubelet (``pkg/kubelet/kuberuntime/logs``): ``tailLines`` picks the last N
lines, ``sinceSeconds``/``sinceTime`` keep lines whose timestamp is not before the bound, ``timestamps``
prefixes each line with an RFC3339 time with nine fraction digits, ``limitBytes`` cuts the output after N
bytes (possibly mid-line), ``previous`` reads the last terminated run (``lastState.terminated``), and
``follow`` keeps streaming until that container run ends or the pod is deleted.

Styles follow what the images really write: access logs (api), ANSI-coloured lines (frontend), JSON with
levels (notes, coredns, kube-state-metrics, metrics-server), logfmt with levels (prometheus, node-exporter,
alertmanager: go-kit's ``ts=… caller=… level=… msg=…``), plain text, and a crashing Go program.

Every line carries its sequence number in the run (``seq=N`` or ``"seq":N``, from 1) so tests can prove
that nothing was lost or repeated. One kind of container (the ``frontend`` image) writes one hostile line
in 50 (terminal escapes, Rich markup, invalid UTF-8) for the log viewer's security tests.
"""

from __future__ import annotations

import asyncio
import bisect
import calendar
import functools
import hashlib
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .resources import PODS
from .sim import SimConfig

NS_PER_S = 1_000_000_000
_M64 = (1 << 64) - 1
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
CHUNK_BYTES = 32 * 1024
POLL_SECONDS = 0.5

# Log styles a container can have, chosen from its image.
ACCESS, JSON, LOGFMT, ANSI, CRASH, PLAIN = "access", "json", "logfmt", "ansi", "crash", "plain"

HOSTILE_EVERY = 50  # one line in 50 of the ANSI (frontend) style is hostile
HOSTILE_AT = 3  # ... namely lines with index % 50 == 3, so the first one appears within seconds
HOSTILE_PAYLOAD = (b"\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
                   b" [bold red]x[/] bad-utf8:\xff\xfe\xc3\x28")

_SEQ_RE = re.compile(rb'(?:seq=|"seq":\s*)(\d+)')


def parse_seq(line: bytes | str) -> int | None:
    """The sequence number a demo log line carries, or None (for tests and benchmarks)."""
    if isinstance(line, str):
        line = line.encode("utf-8", "surrogateescape")
    m = _SEQ_RE.search(line)
    return int(m.group(1)) if m else None


# -- time ---------------------------------------------------------------------------------------------------
_TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$")


def parse_time_ns(text: str) -> int:
    """RFC3339 (with an optional fraction of up to nine digits) to Unix nanoseconds."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an RFC3339 time: {text!r}")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0))
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        secs -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    nanos = int((frac or "").ljust(9, "0")) if frac else 0
    return secs * NS_PER_S + nanos


def end_time_ns(text: str) -> int:
    """The last instant a ``finishedAt`` can mean: kubelet reports whole seconds, so a run that "finished at
    12:00:05Z" may have written lines until 12:00:05.999999999. Both a follow stream that sees the run end and
    a later ``previous=true`` read use this bound, so they agree line for line."""
    ns = parse_time_ns(text)
    return ns if "." in text else ns + NS_PER_S - 1


@functools.lru_cache(maxsize=8192)
def _utc_text(fmt: str, sec: int) -> str:
    """``time.strftime`` of a whole UTC second, cached: thousands of log lines share each second."""
    return time.strftime(fmt, time.gmtime(sec))


def _second_text(sec: int) -> str:
    return _utc_text("%Y-%m-%dT%H:%M:%S", sec)


def format_time_ns(ns: int) -> str:
    """Kubelet's log timestamp: ``2006-01-02T15:04:05.000000000Z`` (always nine fraction digits)."""
    sec, frac = divmod(ns, NS_PER_S)
    return f"{_second_text(sec)}.{frac:09d}Z"


def _clf_time(sec: int) -> str:
    return _utc_text("%d/%b/%Y:%H:%M:%S +0000", sec)


def _mix(x: int) -> int:
    """splitmix64: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


# -- options and container selection ------------------------------------------------------------------------
@dataclass
class LogOptions:
    """The ``/log`` query parameters (``PodLogOptions``)."""

    follow: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: str | None = None
    timestamps: bool = False
    previous: bool = False
    limit_bytes: int | None = None

    def validate(self, pod_name: str) -> None:
        """422 Invalid for the values the API server rejects (``ValidatePodLogOptions``)."""
        causes: list[tuple[str, Any, str]] = []
        if self.tail_lines is not None and self.tail_lines < 0:
            causes.append(("tailLines", self.tail_lines, "must be greater than or equal to 0"))
        if self.limit_bytes is not None and self.limit_bytes < 1:
            causes.append(("limitBytes", self.limit_bytes, "must be greater than 0"))
        if self.since_seconds is not None and self.since_time:
            causes.append(("sinceSeconds", None, "at most one of `sinceTime` or `sinceSeconds` may be specified"))
        elif self.since_seconds is not None and self.since_seconds < 1:
            causes.append(("sinceSeconds", self.since_seconds, "must be greater than 0"))
        if self.since_time:
            try:
                parse_time_ns(self.since_time)
            except ValueError:
                raise ApiError(400, "BadRequest",
                               f'parsing time "{self.since_time}" as "2006-01-02T15:04:05Z07:00": cannot parse '
                               f'"{self.since_time}" as RFC3339') from None
        if causes:
            parts = []
            for fld, value, why in causes:
                parts.append(f"{fld}: Invalid value: {value}: {why}" if value is not None
                             else f"{fld}: Forbidden: {why}")
            msg = f'PodLogOptions "{pod_name}" is invalid: ' + (
                f"[{', '.join(parts)}]" if len(parts) > 1 else parts[0])
            raise ApiError(422, "Invalid", msg, {"name": pod_name, "kind": "PodLogOptions"})


def _container_names(pod: dict[str, Any]) -> list[str]:
    spec = pod.get("spec") or {}
    names: list[str] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        names.extend(c.get("name", "") for c in spec.get(key) or [])
    return names


def _container_status(pod: dict[str, Any], container: str) -> dict[str, Any] | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == container:
                return cs
    return None


def resolve_container(pod: dict[str, Any], container: str | None, previous: bool) -> str:
    """The container whose logs to read, or ApiError 400 with the API server's / kubelet's wording."""
    name = pod["metadata"]["name"]
    spec_containers = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    all_names = _container_names(pod)
    if not container:
        default = ((pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION))
        if default and default in all_names:
            container = default
        elif len(spec_containers) == 1:
            container = spec_containers[0]
        elif not spec_containers:
            raise ApiError(400, "BadRequest", f"a container name must be specified for pod {name}")
        else:
            raise ApiError(400, "BadRequest", f"a container name must be specified for pod {name}, "
                                              f"choose one of: [{' '.join(all_names)}]")
    elif container not in all_names:
        raise ApiError(400, "BadRequest", f"container {container} is not valid for pod {name}")
    if not (pod.get("spec") or {}).get("nodeName"):
        return container  # not scheduled: the API server answers with an empty body
    cs = _container_status(pod, container)
    prefix = f'container "{container}" in pod "{name}"'
    if cs is None:
        raise ApiError(400, "BadRequest", f"{prefix} is waiting to start: ContainerCreating")
    state = cs.get("state") or {}
    last = (cs.get("lastState") or {}).get("terminated")
    if previous:
        if not last:
            raise ApiError(400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" not found')
        return container
    if state.get("running") is not None or state.get("terminated") is not None or last:
        return container
    waiting = state.get("waiting")
    if waiting is not None:
        reason = waiting.get("reason") or "ContainerCreating"
        if reason == "ErrImagePull":
            raise ApiError(400, "BadRequest", f"{prefix} is waiting to start: image can't be pulled")
        if reason == "ImagePullBackOff":
            raise ApiError(400, "BadRequest", f"{prefix} is waiting to start: trying and failing to pull image")
        raise ApiError(400, "BadRequest", f"{prefix} is waiting to start: {reason}")
    raise ApiError(400, "BadRequest", f"{prefix} is waiting to start - no logs yet")


# -- one container run's log --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContainerRun:
    """One start of one container: the unit whose lines are numbered from 1."""

    namespace: str
    pod: str
    uid: str
    container: str
    image: str
    started_at: str
    started_ns: int
    finished_ns: int | None  # None while the run is still going
    labels: tuple[tuple[str, str], ...] = ()


def style_for(image: str, container: str) -> str:
    """Which kind of log a container writes, from its image (name as fallback)."""
    img = image.lower()
    repo, _, tag = img.rsplit("/", 1)[-1].partition(":")
    repo = repo.split("@")[0]
    if "broken" in tag or "crash" in tag:
        return CRASH
    if "frontend" in repo:
        return ANSI
    logfmt_repos = ("prometheus", "node-exporter", "alertmanager")
    if any(r in repo for r in logfmt_repos) or any(r in container for r in logfmt_repos):
        return LOGFMT
    json_repos = ("coredns", "kube-state-metrics", "metrics-server", "notes")
    if any(r in repo for r in json_repos) or any(r in container for r in json_repos):
        return JSON
    if repo in ("api", "checkout", "nginx", "httpd", "envoy", "payments", "cart") or container in ("api", "nginx"):
        return ACCESS
    return PLAIN


def _run_from(pod: dict[str, Any], cs: dict[str, Any], term: dict[str, Any] | None,
              running: dict[str, Any] | None) -> ContainerRun | None:
    started = (running or term or {}).get("startedAt")
    if not started:
        return None
    finished = term.get("finishedAt") if term else None
    meta = pod["metadata"]
    return ContainerRun(
        namespace=meta.get("namespace", ""), pod=meta["name"], uid=meta.get("uid", ""), container=cs["name"],
        image=cs.get("image") or _spec_image(pod, cs["name"]), started_at=started,
        started_ns=parse_time_ns(started),
        finished_ns=end_time_ns(finished) if finished else (None if running else end_time_ns(started)),
        labels=tuple(sorted((meta.get("labels") or {}).items())))


def _spec_image(pod: dict[str, Any], container: str) -> str:
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            if c.get("name") == container:
                return c.get("image", "")
    return ""


def select_run(pod: dict[str, Any], container: str, previous: bool) -> ContainerRun | None:
    """The run kubelet would read: the previous one, the running one, or the last terminated one."""
    cs = _container_status(pod, container)
    if cs is None:
        return None
    state = cs.get("state") or {}
    last = (cs.get("lastState") or {}).get("terminated")
    if previous:
        return _run_from(pod, cs, last, None) if last else None
    if state.get("running") is not None:
        return _run_from(pod, cs, None, state["running"])
    term = state.get("terminated")
    if term and term.get("startedAt"):
        return _run_from(pod, cs, term, None)
    if last:
        return _run_from(pod, cs, last, None)
    return None


class RunLog:
    """The lines of one container run: when each was written and what it says."""

    def __init__(self, run: ContainerRun, seed: int, time_scale: float = 1.0) -> None:
        self.run = run
        digest = hashlib.blake2b(f"{seed}|{run.uid}|{run.container}|{run.started_at}".encode(),
                                 digest_size=8).digest()
        self.base = int.from_bytes(digest, "big")
        self.style = style_for(run.image, run.container)
        labels = dict(run.labels)
        self.version = labels.get("version") or labels.get("app.kubernetes.io/version") or ""
        self.app = labels.get("app") or labels.get("app.kubernetes.io/name") or run.container
        # 1.1 to 3 lines a second, fixed per run
        self.interval_ns = (330 + self.base % 570) * 1_000_000
        self._times: list[int] | None = None
        self._texts: list[str] | None = None
        if self.style == CRASH:
            self._build_crash_program(time_scale)
        self._render: Callable[[int, int, int], bytes] = {
            ACCESS: self._access_line, JSON: self._json_line, LOGFMT: self._logfmt_line, ANSI: self._ansi_line,
            PLAIN: self._plain_line, CRASH: self._crash_line}[self.style]

    # -- timing -------------------------------------------------------------------------------------------
    def time_of(self, i: int) -> int:
        """Unix ns at which line ``i`` (0-based) was written; strictly increasing in ``i``."""
        if self._times is not None:
            return self._times[i]
        m = self.interval_ns
        return self.run.started_ns + i * m + _mix(self.base + i) % m

    def count_until(self, t_ns: int) -> int:
        """How many lines were written at or before ``t_ns`` (capped at the run's end)."""
        if self.run.finished_ns is not None:
            t_ns = min(t_ns, self.run.finished_ns)
        if self._times is not None:
            return bisect.bisect_right(self._times, t_ns)
        rel = t_ns - self.run.started_ns
        if rel < 0:
            return 0
        m = self.interval_ns
        q = rel // m
        return q + (1 if _mix(self.base + q) % m <= rel - q * m else 0)

    def count_before(self, t_ns: int) -> int:
        """How many lines were written strictly before ``t_ns``."""
        return self.count_until(t_ns - 1)

    # -- content ------------------------------------------------------------------------------------------
    def line(self, i: int) -> bytes:
        """Line ``i`` (0-based, carrying ``seq=i+1``) with its trailing newline."""
        return self._render(i, _mix(self.base ^ (i * 0x9E3779B97F4A7C15 & _M64) ^ 0x5151), self.time_of(i))

    def _access_line(self, i: int, r: int, t: int) -> bytes:
        seq = i + 1
        sec = t // NS_PER_S
        if r % 47 == 0:
            what = _ERRORS[(r >> 8) % len(_ERRORS)]
            return (f"{format_time_ns(t)[:23]}Z ERROR [{self.app}] {what} "
                    f"request_id={r >> 20 & 0xFFFFFFFF:08x} seq={seq}\n").encode()
        client = f"10.244.{(r >> 8) % 4}.{(r >> 12) % 250 + 2}"
        method, path = _PATHS[(r >> 20) % len(_PATHS)]
        path = path.replace("{id}", str((r >> 28) % 9000 + 100))
        roll = (r >> 40) % 1000
        bad = 40 if self.version == "green" else 12  # green answers 5xx more often: visible in the logs
        if roll < bad:
            code = 500 if roll % 3 else 503
        elif roll < bad + 45:
            code = 404
        elif roll < bad + 60:
            code = 400
        else:
            code = 201 if method == "POST" else 200
        size = (r >> 50) % 4000 + 40 if code < 400 else 120
        latency = ((r >> 16) % 250 + 2) / 1000 * (8 if code >= 500 else 1)
        return (f'{client} - - [{_clf_time(sec)}] "{method} {path} HTTP/1.1" {code} {size} {latency:.3f} '
                f"seq={seq}\n").encode()

    def _json_line(self, i: int, r: int, t: int) -> bytes:
        seq = i + 1
        roll = r % 100
        level = "error" if roll < 2 else "warn" if roll < 7 else "debug" if roll < 20 else "info"
        if "coredns" in self.run.image or "coredns" in self.run.container:
            svc = _DNS_NAMES[(r >> 8) % len(_DNS_NAMES)]
            rcode = "NXDOMAIN" if level in ("warn", "error") else "NOERROR"
            extra = (f'"msg":"query","name":"{svc}.","type":"{"AAAA" if r >> 16 & 1 else "A"}",'
                     f'"rcode":"{rcode}","duration_ms":{(r >> 20) % 900 / 100:.2f}')
        else:
            msgs = _JSON_MSGS[level]
            msg = msgs[(r >> 8) % len(msgs)]
            extra = f'"msg":"{msg}","duration_ms":{(r >> 20) % 5000 / 10:.1f}'
        return (f'{{"ts":"{format_time_ns(t)[:23]}Z","level":"{level}","logger":"{self.app}",{extra},'
                f'"seq":{seq}}}\n').encode()

    def _logfmt_line(self, i: int, r: int, t: int) -> bytes:
        seq = i + 1
        roll = r % 100
        level = "error" if roll < 2 else "warn" if roll < 7 else "debug" if roll < 25 else "info"
        caller, component, msg, extra = _LOGFMT_EVENTS[level][(r >> 8) % len(_LOGFMT_EVENTS[level])]
        extra = extra.replace("{n}", str((r >> 16) % 5000)).replace("{ms}", f"{(r >> 24) % 3000 / 10:.1f}")
        return (f"ts={format_time_ns(t)[:23]}Z caller={caller} level={level} component={_logfmt_value(component)} "
                f"msg={_logfmt_value(msg)}{' ' + extra if extra else ''} seq={seq}\n").encode()

    def _ansi_line(self, i: int, r: int, t: int) -> bytes:
        seq = i + 1
        if i % HOSTILE_EVERY == HOSTILE_AT:
            return HOSTILE_PAYLOAD + f" seq={seq}\n".encode()
        clock = format_time_ns(t)[11:23]
        method, path = _FRONT_PATHS[(r >> 8) % len(_FRONT_PATHS)]
        roll = (r >> 16) % 100
        if roll < 2:
            level, colour, code = "ERROR", "31", 502
        elif roll < 8:
            level, colour, code = "WARN ", "33", 404
        else:
            level, colour, code = "INFO ", "32", 200
        ms = (r >> 24) % 180 + 3
        return (f"\x1b[2m{clock}\x1b[0m \x1b[{colour}m{level}\x1b[0m \x1b[36m{method}\x1b[0m {path} "
                f"\x1b[1;{colour}m{code}\x1b[0m {ms}ms seq={seq}\n").encode()

    def _plain_line(self, i: int, r: int, t: int) -> bytes:
        seq = i + 1
        roll = r % 100
        level = "ERROR" if roll < 2 else "WARN " if roll < 6 else "INFO "
        msgs = _PLAIN_MSGS[level.strip()]
        msg = msgs[(r >> 8) % len(msgs)].replace("{n}", str((r >> 16) % 10000))
        return f"{format_time_ns(t)[:23]}Z {level} {self.app}: {msg} seq={seq}\n".encode()

    def _build_crash_program(self, time_scale: float) -> None:
        """A Go service that starts, logs a few lines, then panics: a finite log."""
        version = self.run.image.rpartition(":")[2] or "latest"
        app = self.app
        startup = [
            f"{app} {version} starting (go1.22.4 linux/amd64)",
            "loading configuration from /etc/app/config.yaml",
            f"connecting to postgres at {app}-db.{self.run.namespace}.svc.cluster.local:5432",
            "connecting to payments at payments.shop.svc.cluster.local:8443",
            "listening on :8080",
        ]
        panic = [
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6f1c2a]",
            "",
            "goroutine 1 [running]:",
            "main.(*PaymentClient).Charge(0x0, {0xc000124000, 0x24})",
            "\t/src/internal/payments/client.go:87 +0x2a",
            "main.(*Server).warmup(0xc0000b2000)",
            "\t/src/cmd/server/main.go:142 +0x1b5",
            "main.main()",
            "\t/src/cmd/server/main.go:58 +0x3c5",
            "exit status 2",
        ]
        scale = max(time_scale, 0.01)
        offsets = [int((0.02 + 0.15 * k) * scale * NS_PER_S) for k in range(len(startup))]
        panic_at = int(1.2 * scale * NS_PER_S)
        offsets += [panic_at + k * 100_000 for k in range(len(panic))]
        span = offsets[-1] + 1_000_000
        start, end = self.run.started_ns, self.run.finished_ns
        if end is not None and end - start < span:
            # The run ended sooner than the program (timestamps are whole seconds): squeeze it in.
            factor = max(end - start, 0) / span
            offsets = [int(o * factor) for o in offsets]
        self._times = [start + o + k for k, o in enumerate(offsets)]
        self._texts = startup + panic

    def _crash_line(self, i: int, r: int, t: int) -> bytes:
        assert self._texts is not None
        text = self._texts[i]
        if i < 5:
            text = f"{time.strftime('%Y/%m/%d %H:%M:%S', time.gmtime(t // NS_PER_S))} {text}"
        return f"{text} seq={i + 1}\n".encode()

    @property
    def total(self) -> int | None:
        """Lines the program will ever write (None: unbounded)."""
        return len(self._times) if self._times is not None else None


_PATHS = [("GET", "/api/v1/orders/{id}"), ("GET", "/api/v1/orders?page=2"), ("POST", "/api/v1/orders"),
          ("GET", "/api/v1/products/{id}"), ("GET", "/api/v1/cart"), ("PUT", "/api/v1/cart/items/{id}"),
          ("DELETE", "/api/v1/cart/items/{id}"), ("GET", "/api/v1/users/{id}"), ("GET", "/healthz"),
          ("GET", "/api/v1/products?category=shoes")]
_FRONT_PATHS = [("GET", "/"), ("GET", "/products/42"), ("GET", "/static/app.js"), ("GET", "/cart"),
                ("POST", "/checkout"), ("GET", "/static/logo.svg"), ("GET", "/search?q=boots")]
_ERRORS = ["upstream timeout talking to orders-db:5432 after 2.000s",
           "failed to charge card: payments returned 502 Bad Gateway",
           "context deadline exceeded while reading from inventory",
           "could not decode request body: unexpected EOF"]
_DNS_NAMES = ["api.shop.svc.cluster.local", "frontend.shop.svc.cluster.local", "kubernetes.default.svc",
              "orders-db.shop.svc.cluster.local", "notes.team-a.svc.cluster.local", "example.com"]
_JSON_MSGS = {
    "info": ["request served", "cache refreshed", "metrics scraped", "watch event handled", "synced objects"],
    "debug": ["tick", "queue length sampled", "connection reused"],
    "warn": ["slow request", "retrying after conflict", "watch restarted"],
    "error": ["request failed", "list failed: connection reset by peer"],
}
def _logfmt_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if " " in value or '"' in value else value


_LOGFMT_EVENTS = {  # (caller, component, msg, extra fields) as Prometheus writes them
    "info": [("head.go:1190", "tsdb", "Head GC completed", "duration={ms}ms"),
             ("compact.go:523", "tsdb", "write block", 'ulid=01HX{n}Q mint={n}000 maxt={n}999 duration={ms}ms'),
             ("main.go:1324", "web", "Completed loading of configuration file", 'filename=/etc/prometheus.yml'),
             ("scrape.go:1411", "scrape manager", "Scrape pool reloaded", "scrape_pool=kubernetes-pods")],
    "debug": [("scrape.go:1582", "scrape manager", "Scrape target appended", "samples={n} series={n}"),
              ("manager.go:215", "discovery manager", "Discoverer channel closed", "provider=kubernetes/{n}")],
    "warn": [("scrape.go:1684", "scrape manager", "Append failed", 'err="out of order sample" target=http://10.244.1.{n}:8080/metrics'),
             ("klog.go:108", "k8s_client_runtime", "watch of *v1.Pod ended with: too old resource version", "")],
    "error": [("notifier.go:530", "notifier", "Error sending alert",
               'alertmanager=http://alertmanager:9093/api/v2/alerts err="context deadline exceeded" count={n}'),
              ("scrape.go:1351", "scrape manager", "Scrape failed",
               'target=http://10.244.2.{n}:9100/metrics err="connection refused"')],
}
_PLAIN_MSGS = {
    "INFO": ["processed job {n}", "report batch {n} written", "heartbeat ok", "flushed {n} records"],
    "WARN": ["job {n} took longer than 5s", "retrying upload of batch {n}"],
    "ERROR": ["job {n} failed: disk quota exceeded", "could not reach smtp.example.com:25"],
}


# -- the service the HTTP layer calls -----------------------------------------------------------------------
class LogService:
    """Streams of container logs, computed from the pods in the store."""

    def __init__(self, store: Any, sim: SimConfig | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        self.store = store
        self.sim = sim or SimConfig()
        self.poll_seconds = poll_seconds

    def run_log(self, pod: dict[str, Any], container: str, previous: bool = False) -> RunLog | None:
        run = select_run(pod, container, previous)
        return RunLog(run, self.sim.seed, self.sim.time_scale) if run else None

    async def stream(self, pod: dict[str, Any], container: str, opts: LogOptions) -> AsyncIterator[bytes]:
        """Chunks of whole lines (``limitBytes`` may cut the last one), as kubelet would send them."""
        if not (pod.get("spec") or {}).get("nodeName"):
            return
        log = self.run_log(pod, container, opts.previous)
        if log is None:
            return
        now = time.time_ns()
        end = log.run.finished_ns if log.run.finished_ns is not None else now
        hi = log.count_until(end)
        lo = 0
        if opts.since_time:
            lo = log.count_before(parse_time_ns(opts.since_time))
        elif opts.since_seconds is not None:
            lo = log.count_before(now - opts.since_seconds * NS_PER_S)
        if opts.tail_lines is not None:
            lo = max(lo, hi - max(opts.tail_lines, 0))
        budget = [opts.limit_bytes if opts.limit_bytes is not None else -1]
        async for chunk in self._emit(log, lo, hi, opts.timestamps, budget):
            yield chunk
        if budget[0] == 0 or not opts.follow or log.run.finished_ns is not None:
            return
        cur = max(lo, hi)
        meta = pod["metadata"]
        ns, name, uid = meta.get("namespace"), meta["name"], meta.get("uid")
        while True:
            nxt = log.time_of(cur) if log.total is None or cur < log.total else None
            wait = self.poll_seconds
            if nxt is not None:
                wait = min(wait, max(0.02, (nxt - time.time_ns()) / NS_PER_S + 0.001))
            await asyncio.sleep(wait)
            current = self.store.get(PODS, ns, name)
            if current is None or current["metadata"].get("uid") != uid:
                return
            end_ns, done = self._run_end(current, container, log.run)
            if end_ns is None:
                return
            hi = log.count_until(end_ns)
            if hi > cur:
                async for chunk in self._emit(log, cur, hi, opts.timestamps, budget):
                    yield chunk
                cur = hi
                if budget[0] == 0:
                    return
            if done:
                return

    @staticmethod
    def _run_end(pod: dict[str, Any], container: str, run: ContainerRun) -> tuple[int | None, bool]:
        """(read up to this time, the run is over). (None, True) when the run cannot be found any more."""
        cs = _container_status(pod, container)
        if cs is None:
            return None, True
        state = cs.get("state") or {}
        running = state.get("running")
        if running is not None and running.get("startedAt") == run.started_at:
            return time.time_ns(), False
        for term in (state.get("terminated"), (cs.get("lastState") or {}).get("terminated")):
            if term and term.get("startedAt") == run.started_at:
                finished = term.get("finishedAt")
                return (end_time_ns(finished) if finished else time.time_ns()), True
        return None, True  # replaced by a newer run whose predecessor is not ours: nothing more to read

    @staticmethod
    async def _emit(log: RunLog, lo: int, hi: int, timestamps: bool, budget: list[int]) -> AsyncIterator[bytes]:
        buf: list[bytes] = []
        size = 0
        for i in range(lo, hi):
            line = log.line(i)
            if timestamps:
                line = format_time_ns(log.time_of(i)).encode() + b" " + line
            buf.append(line)
            size += len(line)
            if budget[0] >= 0 and size >= budget[0]:
                data = b"".join(buf)[: budget[0]]
                budget[0] = 0
                yield data
                return
            if size >= CHUNK_BYTES:
                if budget[0] > 0:
                    budget[0] -= size
                yield b"".join(buf)
                buf, size = [], 0
                await asyncio.sleep(0)
        if buf:
            if budget[0] > 0:
                budget[0] -= size
            yield b"".join(buf)
