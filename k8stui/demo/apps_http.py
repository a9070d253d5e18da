"""What listens on a simulated container's ports: a tiny HTTP app, so ``kubectl port-forward`` + ``curl`` work.

Nothing opens a socket per pod: a forwarded connection is a byte stream that ``AppConnection`` answers through
h11 (the sans-I/O HTTP/1.1 parser httpx is built on), with keep-alive, pipelining and bad requests handled as
a real server would. The app serves:

- ``/`` — a small JSON about itself (pod, namespace, app, version, container, image);
- its probe paths and ``/healthz``, ``/livez``, ``/readyz`` — ``ok`` (503 while the container is not ready);
- ``/metrics`` on the port Prometheus scrapes (the ``prometheus.io/port`` annotation or a port named
  ``metrics``/``http-metrics``) — process and request series in the Prometheus text format;
- anything else — a JSON 404.

A port the container does not declare (and no probe uses) refuses the connection, as in a real pod; a declared
non-HTTP port (DNS on 53) accepts and stays silent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import h11
import orjson

Obj = dict[str, Any]
HEALTH_PATHS = ("/healthz", "/livez", "/readyz", "/health", "/ready", "/-/ready", "/-/healthy")
SERVER = "demo-app/1.0"


class PortClosed(Exception):
    """Nothing listens on that port in the pod; ``str()`` is the runtime's error, as kubelet reports it."""


@dataclass(frozen=True)
class AppPort:
    """One port of one container, and what it serves."""

    pod: Obj
    container: Obj
    port: int
    http: bool
    metrics: bool


def _probe_ports(container: Obj) -> dict[int, str]:
    """Ports (resolved from names) and paths of the container's HTTP probes."""
    named = {p.get("name"): p.get("containerPort") for p in container.get("ports") or [] if p.get("name")}
    out: dict[int, str] = {}
    for key in ("readinessProbe", "livenessProbe", "startupProbe"):
        get = ((container.get(key) or {}).get("httpGet")) or {}
        port = get.get("port")
        port = named.get(port, port) if isinstance(port, str) else port
        if isinstance(port, int):
            out[port] = str(get.get("path", "/"))
    return out


def find_port(pod: Obj, port: int) -> AppPort:
    """The container of ``pod`` that listens on ``port``, or ``PortClosed`` with kubelet's wording."""
    annotations = pod["metadata"].get("annotations") or {}
    scrape_port = annotations.get("prometheus.io/port")
    for container in (pod.get("spec") or {}).get("containers") or []:
        declared = {p.get("containerPort"): p for p in container.get("ports") or []
                    if str(p.get("protocol", "TCP")).upper() == "TCP"}
        probes = _probe_ports(container)
        if port not in declared and port not in probes:
            continue
        name = str((declared.get(port) or {}).get("name", ""))
        metrics = name in ("metrics", "http-metrics") or str(port) == str(scrape_port)
        http = port in probes or metrics or name.startswith(("http", "web", "metrics", "telemetry")) or \
            name in ("", "api", "ui", "admin")
        return AppPort(pod, container, port, http, metrics)
    uid = pod["metadata"].get("uid", "")
    raise PortClosed(
        f'failed to execute portforward in network namespace "/var/run/netns/cni-{uid}": failed to connect to '
        f'localhost:{port} inside namespace "{uid}", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection '
        f"refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ")


def _ready(pod: Obj, container: str) -> bool:
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == container:
            return bool(cs.get("ready"))
    return False


def _labels(pod: Obj) -> dict[str, str]:
    return pod["metadata"].get("labels") or {}


def _app_name(pod: Obj, container: Obj) -> str:
    labels = _labels(pod)
    return labels.get("app") or labels.get("app.kubernetes.io/name") or labels.get("k8s-app") or container["name"]


def _version(pod: Obj, container: Obj) -> str:
    labels = _labels(pod)
    image = str(container.get("image", ""))
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else "latest"
    return labels.get("version") or labels.get("app.kubernetes.io/version") or tag


class AppConnection:
    """One TCP connection into the app: ``receive(bytes) -> bytes`` to send back; ``closed`` when done."""

    def __init__(self, target: AppPort, telemetry: Any = None) -> None:
        self.target = target
        self.telemetry = telemetry
        self.closed = False
        self._h11 = h11.Connection(h11.SERVER) if target.http else None
        self._request: h11.Request | None = None

    def receive(self, data: bytes) -> bytes:
        if self._h11 is None or self.closed:
            return b""
        self._h11.receive_data(data)
        return self._drain()

    def receive_eof(self) -> bytes:
        if self._h11 is None or self.closed:
            self.closed = True
            return b""
        self._h11.receive_data(b"")
        out = self._drain()
        self.closed = True
        return out

    def _drain(self) -> bytes:
        assert self._h11 is not None
        out = bytearray()
        while not self.closed:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError:
                out += self._send(400, b'{"error":"bad request"}\n', "application/json", close=True)
                self.closed = True
                break
            if event is h11.NEED_DATA or event is h11.PAUSED:
                if event is h11.PAUSED and self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
                    self._h11.start_next_cycle()
                    continue
                break
            if isinstance(event, h11.Request):
                self._request = event
            elif isinstance(event, h11.EndOfMessage) and self._request is not None:
                out += self._respond(self._request)
                self._request = None
                if self._h11.our_state is h11.MUST_CLOSE:
                    self.closed = True
                elif self._h11.their_state is h11.DONE:
                    self._h11.start_next_cycle()
            elif isinstance(event, h11.ConnectionClosed):
                self.closed = True
        return bytes(out)

    def _send(self, status: int, body: bytes, ctype: str, close: bool = False, head: bool = False) -> bytes:
        assert self._h11 is not None
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Server", SERVER),
                   ("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))]
        if close:
            headers.append(("Connection", "close"))
        try:
            raw = self._h11.send(h11.Response(status_code=status, headers=headers,
                                              reason=HTTPStatus(status).phrase.encode()))
            if not head:
                raw += self._h11.send(h11.Data(data=body)) or b""
            raw += self._h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:
            self.closed = True
            return b""
        return raw or b""

    def _respond(self, request: h11.Request) -> bytes:
        target = request.target.decode("latin-1")
        path = target.split("?", 1)[0]
        method = request.method.decode("latin-1").upper()
        head = method == "HEAD"
        pod, container = self.target.pod, self.target.container
        probes = _probe_ports(container)
        if path == "/metrics" and self.target.metrics:
            return self._send(200, self._metrics(), "text/plain; version=0.0.4; charset=utf-8", head=head)
        if path in HEALTH_PATHS or (path != "/" and path in probes.values()):
            ok = _ready(pod, container["name"]) or path in ("/livez", "/health", "/-/healthy")
            return self._send(200 if ok else 503, b"ok\n" if ok else b"not ready\n", "text/plain; charset=utf-8",
                              head=head)
        if path == "/":
            meta = pod["metadata"]
            body = {"pod": meta["name"], "namespace": meta.get("namespace", ""), "app": _app_name(pod, container),
                    "version": _version(pod, container), "container": container["name"],
                    "image": container.get("image", ""), "port": self.target.port,
                    "node": (pod.get("spec") or {}).get("nodeName", "")}
            return self._send(200, orjson.dumps(body) + b"\n", "application/json", head=head)
        return self._send(404, orjson.dumps({"error": "not found", "path": path}) + b"\n", "application/json",
                          head=head)

    def _metrics(self) -> bytes:
        pod, container = self.target.pod, self.target.container
        meta = pod["metadata"]
        app, version = _app_name(pod, container), _version(pod, container)
        usage = None
        if self.telemetry is not None:
            usage = getattr(self.telemetry, "usage", {}).get((meta.get("uid", ""), container["name"]))
        cpu = getattr(usage, "cpu_seconds", 0.0)
        memory = int(getattr(usage, "memory_bytes", 0) or 0)
        started = (pod.get("status") or {}).get("startTime") or meta.get("creationTimestamp") or ""
        start_s = 0.0
        if started:
            try:
                start_s = time.mktime(time.strptime(started, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
            except ValueError:
                start_s = 0.0
        lines = [
            "# HELP app_info Build information of the app.", "# TYPE app_info gauge",
            f'app_info{{app="{app}",version="{version}"}} 1',
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
            "# TYPE process_cpu_seconds_total counter", f"process_cpu_seconds_total {cpu:.3f}",
            "# HELP process_resident_memory_bytes Resident memory size in bytes.",
            "# TYPE process_resident_memory_bytes gauge", f"process_resident_memory_bytes {memory}",
            "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.",
            "# TYPE process_start_time_seconds gauge", f"process_start_time_seconds {start_s:.0f}",
        ]
        return ("\n".join(lines) + "\n").encode()
