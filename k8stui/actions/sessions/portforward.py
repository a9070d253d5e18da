"""Port-forwards: a local listener whose every connection is tunnelled to a pod port over a websocket.

Each accepted connection opens ``pods/NAME/portforward?ports=P`` with the ``v4.channel.k8s.io`` websocket
protocol (what the official Python client speaks, and every API server since websockets exist): channel 0
carries the data, channel 1 the errors, and each starts with the port as two little-endian bytes. One
websocket per connection means one slow transfer never blocks another.

A ``Forward`` keeps counters for the ``:pf`` view (bytes each way, connections open and total, the last
error); ``Forwards`` is the app's registry of them, stopped all at once when the app quits. A local port that
is taken is a ``PortForwardError`` naming it. A Service is resolved to one ready pod and the container port
its ``targetPort`` names, as ``kubectl port-forward svc/NAME`` does on the client side.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from httpx_ws import AsyncWebSocketSession, HTTPXWSException, WebSocketDisconnect

from ...cluster.connection import REQUEST_TIMEOUT, Connection
from .channel import SessionError, open_websocket, pod_path

PROTOCOLS = ["v4.channel.k8s.io"]
CHUNK = 64 * 1024


class PortForwardError(SessionError):
    """The forward cannot start (local port busy, pod not found, no ready pod behind a Service)."""


@dataclass
class ForwardStats:
    """Traffic through one forward; ``bytes_in`` came from the pod, ``bytes_out`` went to it."""

    bytes_in: int = 0
    bytes_out: int = 0
    connections_total: int = 0
    connections_open: int = 0
    errors: int = 0
    last_error: str = ""
    started_at: float = field(default_factory=time.time)


class Forward:
    """One local port forwarded to ``pod:remote_port``. ``await start()`` returns the bound local port."""

    _ids = itertools.count(1)

    def __init__(self, connection: Connection, namespace: str, pod: str, remote_port: int, local_port: int = 0,
                 address: str = "localhost", *, label: str = "") -> None:
        self.id = next(self._ids)
        self.connection = connection
        self.namespace = namespace
        self.pod = pod
        self.remote_port = int(remote_port)
        self.local_port = int(local_port)
        self.address = address
        self.label = label or f"pod/{pod}"
        self.stats = ForwardStats()
        self._server: asyncio.base_events.Server | None = None
        self._extra: list[asyncio.base_events.Server] = []  # ::1 beside 127.0.0.1 for "localhost"
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return f"Forward({self.address}:{self.local_port} -> {self.namespace}/{self.pod}:{self.remote_port})"

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address == "localhost" else self.address
        return f"http://{f'[{host}]' if ':' in host else host}:{self.local_port}"

    async def start(self) -> int:
        """Listen; ``localhost`` means 127.0.0.1 and, where the machine has IPv6, ::1 on the same port (as
        kubectl does)."""
        if not 0 < self.remote_port < 65536:
            raise PortForwardError(f"remote port {self.remote_port} is not a valid port")
        primary = "127.0.0.1" if self.address == "localhost" else self.address
        try:
            self._server = await asyncio.start_server(self._serve, primary, self.local_port, reuse_address=True)
        except OSError as exc:
            raise PortForwardError(self._bind_error(exc)) from None
        self.local_port = self._server.sockets[0].getsockname()[1]
        if self.address == "localhost":
            with contextlib.suppress(OSError):  # no IPv6 loopback, or ::1 taken by someone else: IPv4 is enough
                self._extra.append(await asyncio.start_server(self._serve, "::1", self.local_port,
                                                              reuse_address=True))
        return self.local_port

    def _bind_error(self, exc: OSError) -> str:
        where = f"{self.address}:{self.local_port}"
        if exc.errno == errno.EADDRINUSE:
            return f"local port {self.local_port} is already in use ({where}); choose another local port"
        if exc.errno == errno.EACCES:
            return f"local port {self.local_port} needs more privileges ({where}: permission denied)"
        if exc.errno == errno.EADDRNOTAVAIL:
            return f"cannot listen on {self.address}: the address is not on this machine"
        return f"cannot listen on {where}: {exc.strerror or exc}"

    async def stop(self) -> None:
        server, self._server = self._server, None
        extra, self._extra = self._extra, []
        for other in extra:
            other.close()
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.stats.connections_total += 1
        self.stats.connections_open += 1
        try:
            await self._tunnel(reader, writer)
        except SessionError as exc:
            self._error(str(exc))
        except (ConnectionError, HTTPXWSException, OSError) as exc:
            self._error(f"connection to the pod failed: {exc or type(exc).__name__}")
        finally:
            self.stats.connections_open -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)

    def _error(self, message: str) -> None:
        self.stats.errors += 1
        self.stats.last_error = message

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = pod_path(self.namespace, self.pod, "portforward")
        finished = False
        try:
            async with open_websocket(self.connection, path, [("ports", str(self.remote_port))], PROTOCOLS) as ws:
                upstream = asyncio.ensure_future(self._upstream(reader, ws))
                try:
                    await self._downstream(ws, writer)
                    finished = True
                finally:
                    upstream.cancel()
                    await asyncio.gather(upstream, return_exceptions=True)
        except SessionError:
            if not finished:  # a close handshake racing the server's own close is not an error
                raise

    async def _upstream(self, reader: asyncio.StreamReader, ws: AsyncWebSocketSession) -> None:
        while data := await reader.read(CHUNK):
            await ws.send_bytes(b"\x00" + data)
            self.stats.bytes_out += len(data)
        await ws.close()  # the channel protocol cannot half-close: the local side is done

    async def _downstream(self, ws: AsyncWebSocketSession, writer: asyncio.StreamWriter) -> None:
        opened = [False, False]
        while True:
            try:
                message = await ws.receive_bytes()
            except WebSocketDisconnect:
                return
            if not message:
                continue
            channel, data = message[0], message[1:]
            if channel > 1:
                continue
            if not opened[channel]:  # the first frame of each channel is the port number
                opened[channel] = True
                if len(data) >= 2 and struct.unpack("<H", data[:2])[0] != self.remote_port:
                    raise SessionError(f"the server opened port {struct.unpack('<H', data[:2])[0]}, "
                                       f"not {self.remote_port}")
                data = data[2:]
            if not data:
                continue
            if channel == 1:
                raise SessionError(data.decode("utf-8", "replace"))
            writer.write(data)
            self.stats.bytes_in += len(data)
            await writer.drain()


async def resolve_service(connection: Connection, namespace: str, service: str, port: int | str) -> tuple[str, int]:
    """The (pod, container port) ``kubectl port-forward svc/SERVICE PORT`` would use: a ready pod selected by
    the Service and the container port its ``targetPort`` names (by number or by name)."""
    async with connection.async_client() as client:
        resp = await client.get(f"/api/v1/namespaces/{namespace}/services/{service}", timeout=REQUEST_TIMEOUT)
        if resp.status_code != 200:
            raise PortForwardError(_message(resp, f'service "{service}" not found'), resp.status_code)
        svc = resp.json()
        spec = svc.get("spec") or {}
        chosen = next((p for p in spec.get("ports") or [] if str(p.get("port")) == str(port)
                       or p.get("name") == port), None)
        if chosen is None:
            raise PortForwardError(f"service {service} does not have a service port {port}")
        selector = spec.get("selector") or {}
        if not selector:
            raise PortForwardError(f"service {service} has no selector, so it has no pods to forward to")
        label_selector = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        resp = await client.get(f"/api/v1/namespaces/{namespace}/pods", params={"labelSelector": label_selector},
                                timeout=REQUEST_TIMEOUT)
        if resp.status_code != 200:
            raise PortForwardError(_message(resp, "cannot list the service's pods"), resp.status_code)
    pods = [p for p in resp.json().get("items") or [] if not p["metadata"].get("deletionTimestamp")
            and (p.get("status") or {}).get("phase") == "Running"]
    pods.sort(key=lambda p: not _ready(p))
    if not pods:
        raise PortForwardError(f"no running pod behind service {service} (selector {label_selector})")
    pod = pods[0]
    target = chosen.get("targetPort", chosen.get("port"))
    if isinstance(target, str) and not target.isdigit():
        for c in (pod.get("spec") or {}).get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("name") == target:
                    return pod["metadata"]["name"], int(p["containerPort"])
        raise PortForwardError(f"pod {pod['metadata']['name']} has no container port named {target!r}")
    return pod["metadata"]["name"], int(target)


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _message(resp: Any, fallback: str) -> str:
    with contextlib.suppress(Exception):
        return str(resp.json().get("message") or fallback)
    return fallback


class Forwards:
    """The app's active port-forwards (the ``:pf`` view lists them); ``stop_all()`` on quit."""

    def __init__(self) -> None:
        self._items: dict[int, Forward] = {}

    def __iter__(self) -> Any:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    async def start(self, connection: Connection, namespace: str, pod: str, remote_port: int, local_port: int = 0,
                    address: str = "localhost", *, label: str = "") -> Forward:
        forward = Forward(connection, namespace, pod, remote_port, local_port, address, label=label)
        await forward.start()
        self._items[forward.id] = forward
        return forward

    async def start_service(self, connection: Connection, namespace: str, service: str, port: int | str,
                            local_port: int = 0, address: str = "localhost") -> Forward:
        pod, container_port = await resolve_service(connection, namespace, service, port)
        return await self.start(connection, namespace, pod, container_port, local_port, address,
                                label=f"svc/{service}:{port}")

    async def stop(self, forward_id: int) -> None:
        forward = self._items.pop(forward_id, None)
        if forward is not None:
            await forward.stop()

    async def stop_all(self) -> None:
        items, self._items = list(self._items.values()), {}
        await asyncio.gather(*(f.stop() for f in items), return_exceptions=True)
