"""``pods/portforward``: three framings of one idea — a byte stream to a container port, per local connection.

- kubectl ≥ 1.31: a websocket with subprotocol ``SPDY/3.1+portforward.k8s.io`` whose binary messages carry a
  SPDY/3.1 session (client-go ``tools/portforward/tunneling_connection.go``).
- kubectl 1.27–1.30: the same SPDY session on the upgraded HTTP connection (``Upgrade: SPDY/3.1``,
  ``X-Stream-Protocol-Version: portforward.k8s.io``).
  In both, every local connection opens two streams with headers ``streamtype`` (``error``/``data``),
  ``port`` and ``requestid``; the server answers on the data stream, reports failures as text on the error
  stream, and half-closes both when the container side is done.
- The websocket channel protocol (``v4.channel.k8s.io``; the Python client, and k8stui itself): ports in the
  ``ports`` query, channels 2i (data) and 2i+1 (error) per port, each opened by the port number as two
  little-endian bytes; one websocket is one connection per port.

The container side is ``apps_http.AppConnection``.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from typing import Any

from aiohttp import WSMsgType, web

from . import spdy
from .apps_http import AppConnection, PortClosed, find_port
from .errors import bad_request
from .exec import is_spdy, is_websocket, spdy_upgrade

Obj = dict[str, Any]
TUNNEL = "SPDY/3.1+portforward.k8s.io"
PORTFORWARD_V1 = "portforward.k8s.io"
CHANNEL_PROTOCOLS = ("v4.channel.k8s.io", "channel.k8s.io")


def _parse_ports(query: Any) -> list[int]:
    ports: list[int] = []
    for raw in [*query.getall("ports", []), *query.getall("port", [])]:
        for part in raw.split(","):
            try:
                port = int(part)
            except ValueError:
                raise bad_request(f'unable to parse "{raw}" as a port') from None
            if not 0 < port < 65536:
                raise bad_request(f"port {part!r} must be > 0")
            ports.append(port)
    return ports


class PortForwardService:
    def __init__(self, store: Any, telemetry: Any = None) -> None:
        self.store = store
        self.telemetry = telemetry

    def _dial(self, pod: Obj, port: int) -> AppConnection:
        return AppConnection(find_port(pod, port), self.telemetry)

    def _failure(self, pod: Obj, port: int, why: str) -> bytes:
        meta = pod["metadata"]
        return f"error forwarding port {port} to pod {meta.get('uid', '')}, uid : {why}".encode()

    async def handle(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or \
                not (pod.get("spec") or {}).get("nodeName"):
            raise bad_request(f"pod {pod['metadata']['name']} is not running")
        if is_websocket(request):
            offered = [p.strip() for v in request.headers.getall("Sec-WebSocket-Protocol", []) for p in v.split(",")]
            if TUNNEL in offered:
                return await self._tunnel(request, pod)
            return await self._channels(request, pod)
        if is_spdy(request):
            return await self._spdy(request, pod)
        raise bad_request("Upgrade request required")

    # -- SPDY (tunnelled or not) -----------------------------------------------------------------------------
    def _spdy_streams(self, pod: Obj) -> tuple[Any, list[asyncio.Task[Any]]]:
        pairs: dict[str, dict[str, spdy.Stream]] = {}
        tasks: list[asyncio.Task[Any]] = []

        def on_stream(stream: spdy.Stream) -> None:
            pair = pairs.setdefault(stream.header("requestid") or str(stream.id), {})
            pair[stream.type] = stream
            if "data" in pair and "error" in pair:
                tasks.append(asyncio.ensure_future(self._serve_pair(pod, pair["data"], pair["error"])))
        return on_stream, tasks

    async def _serve_pair(self, pod: Obj, data: spdy.Stream, error: spdy.Stream) -> None:
        try:
            port = int(data.header("port"))
        except ValueError:
            error.write(b"invalid port header")
            port = 0
        if port:
            try:
                app = self._dial(pod, port)
            except PortClosed as exc:
                error.write(self._failure(pod, port, str(exc)))
            else:
                await _pump(app, data.read, lambda chunk: data.write(chunk))
        data.close()
        error.close()
        data.session.remove(data)
        error.session.remove(error)

    async def _spdy(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        on_stream, tasks = self._spdy_streams(pod)
        session, response, _ = await spdy_upgrade(request, (PORTFORWARD_V1,), on_stream)
        try:
            await session.done.wait()
        finally:
            await _finish(tasks)
            await session.close()
            session.raw.close()  # type: ignore[attr-defined]
        return response

    async def _tunnel(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        ws = web.WebSocketResponse(protocols=(TUNNEL,), autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        on_stream, tasks = self._spdy_streams(pod)

        async def send(raw: bytes) -> None:
            if not ws.closed:
                await ws.send_bytes(raw)

        session = spdy.Session(send, on_stream)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    session.feed(msg.data)
            session.feed_eof()
        finally:
            await _finish(tasks)
            await session.close()
            if not ws.closed:
                await ws.close()
        return ws

    # -- websocket channels ----------------------------------------------------------------------------------
    async def _channels(self, request: web.Request, pod: Obj) -> web.StreamResponse:
        ports = _parse_ports(request.query)
        if not ports:
            raise bad_request('query parameter "port" is required')
        ws = web.WebSocketResponse(protocols=CHANNEL_PROTOCOLS, autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        lock = asyncio.Lock()

        async def send(channel: int, data: bytes) -> None:
            async with lock:
                if not ws.closed:
                    await ws.send_bytes(bytes([channel]) + data)

        inboxes: list[asyncio.Queue[bytes | None]] = []
        for i, port in enumerate(ports):
            await send(2 * i, struct.pack("<H", port))
            await send(2 * i + 1, struct.pack("<H", port))
            inboxes.append(asyncio.Queue())

        async def one(i: int, port: int) -> None:
            try:
                app = self._dial(pod, port)
            except PortClosed as exc:
                await send(2 * i + 1, self._failure(pod, port, str(exc)))
                return
            await _pump(app, inboxes[i].get, lambda chunk: send(2 * i, chunk))

        workers = [asyncio.ensure_future(one(i, port)) for i, port in enumerate(ports)]
        done = asyncio.ensure_future(asyncio.gather(*workers, return_exceptions=True))

        async def read() -> None:
            async for msg in ws:
                if msg.type != WSMsgType.BINARY or not msg.data:
                    continue
                channel, payload = msg.data[0], msg.data[1:]
                if channel % 2 == 0 and channel // 2 < len(inboxes) and payload:
                    inboxes[channel // 2].put_nowait(payload)
            for inbox in inboxes:
                inbox.put_nowait(None)

        reader = asyncio.ensure_future(read())
        try:
            await asyncio.wait({done, reader}, return_when=asyncio.FIRST_COMPLETED)
            if not done.done():
                await asyncio.wait_for(asyncio.shield(done), timeout=5)
        except TimeoutError:
            pass
        finally:
            for task in (reader, done, *workers):
                task.cancel()
            await asyncio.gather(reader, done, *workers, return_exceptions=True)
            if not ws.closed:
                await ws.close()
        return ws


async def _pump(app: AppConnection, read: Any, write: Any) -> None:
    """Client bytes into the app, the app's answers back, until either side is done."""
    while not app.closed:
        chunk = await read()
        answer = app.receive_eof() if chunk is None else app.receive(chunk)
        if answer:
            result = write(answer)
            if asyncio.iscoroutine(result):
                await result
        if chunk is None:
            break


async def _finish(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.gather(*tasks, return_exceptions=True)
