"""``pods/exec`` and ``pods/attach``: the remote-command protocols over websockets and SPDY.

Websocket (kubectl ≥ 1.30, the Python clients): subprotocol ``v5.channel.k8s.io`` or ``v4.channel.k8s.io``;
every binary message is one channel byte and data — 0 stdin, 1 stdout, 2 stderr, 3 status (a v1 ``Status``
as JSON, exit codes as ``NonZeroExitCode`` with an ``ExitCode`` cause), 4 resize (``{"Width","Height"}``);
v5 adds ``[255, channel]`` for "the client closed this channel" (stdin EOF). The server first sends an empty
stdout message, as the API server does, then the status, then a normal close.

SPDY/3.1 (kubectl 1.27–1.29, which only fall back to websockets from 1.30): an HTTP upgrade, after which the
client opens one stream per channel (header ``streamtype``: error, stdin, stdout, stderr, resize) and the
server writes the status to the error stream and closes them all. Same semantics, other framing.

What runs is the simulated shell (``shell.py``) for exec, and for attach either the container's live log
output (apps) or an interactive shell (containers started with stdin+tty, such as ``kubectl debug``'s).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from . import spdy
from .errors import ApiError, bad_request
from .shell import ExecNotFound, Shell, TermSize, build_container
from .upgrade import switch_protocols

Obj = dict[str, Any]
V5, V4 = "v5.channel.k8s.io", "v4.channel.k8s.io"
WS_PROTOCOLS = (V5, V4, "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io")
SPDY_PROTOCOLS = (V4, "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
SHELL_IMAGES = ("busybox", "alpine", "ubuntu", "debian", "netshoot", "toolbox", "shell", "fedora")


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class StreamOptions:
    """The query of an exec/attach request (``PodExecOptions`` / ``PodAttachOptions``)."""

    container: str
    command: tuple[str, ...]
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool


def is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def is_spdy(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower().startswith("spdy/3.1")


def container_spec(pod: Obj, name: str) -> Obj | None:
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            if c.get("name") == name:
                return c
    return None


def resolve_container(pod: Obj, wanted: str | None) -> str:
    """The container a request names, or the pod's only one; 400s worded as the API server words them."""
    spec = pod.get("spec") or {}
    name = pod["metadata"]["name"]
    if not wanted:
        containers = [c["name"] for c in spec.get("containers") or []]
        if len(containers) == 1:
            return containers[0]
        inits = [c["name"] for c in spec.get("initContainers") or []]
        msg = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
        if inits:
            msg += f" or one of the init containers: [{' '.join(inits)}]"
        raise bad_request(msg)
    if container_spec(pod, wanted) is None:
        raise bad_request(f"container {wanted} is not valid for pod {name}")
    return wanted


def _container_running(pod: Obj, name: str) -> bool:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == name:
                return bool((cs.get("state") or {}).get("running"))
    return False


def check_running(pod: Obj, container: str, verb: str) -> None:
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise bad_request(f"cannot {verb} into a container in a completed pod; current phase is {phase}")
    if not (pod.get("spec") or {}).get("nodeName"):
        raise bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    if not _container_running(pod, container):
        raise bad_request(f'container not found ("{container}")')


def parse_options(query: Any, pod: Obj, subresource: str) -> StreamOptions:
    container = resolve_container(pod, query.get("container"))
    command = tuple(query.getall("command", [])) if subresource == "exec" else ()
    opts = StreamOptions(container, command, _truthy(query.get("stdin")), _truthy(query.get("stdout")),
                         _truthy(query.get("stderr")), _truthy(query.get("tty")))
    if not (opts.stdin or opts.stdout or opts.stderr):
        raise bad_request("you must specify at least 1 of stdin, stdout, stderr")
    if subresource == "exec" and not command:
        raise bad_request("you must specify at least one command for the container")
    check_running(pod, container, "exec" if subresource == "exec" else "attach")
    return opts


def success_status() -> Obj:
    return {"metadata": {}, "status": "Success"}


def exit_status(code: int, command: tuple[str, ...]) -> Obj:
    if code == 0:
        return success_status()
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
                       f"[{' '.join(command)}], exit code {code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def failure_status(message: str) -> Obj:
    return {"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError", "code": 500,
            "details": {"causes": [{"message": message}]}}


class SessionIO:
    """What a running command sees, whatever the transport: stdin chunks, stdout/stderr writers, the size."""

    def __init__(self, out: Callable[[bytes], Awaitable[None]], err: Callable[[bytes], Awaitable[None]],
                 stdin: bool) -> None:
        self.out = out
        self.err = err
        self.stdin: asyncio.Queue[bytes | None] | None = asyncio.Queue() if stdin else None
        self.size = TermSize()
        self.resized = asyncio.Event()
        self._resize_buf = b""

    def feed_stdin(self, data: bytes | None) -> None:
        if self.stdin is not None:
            self.stdin.put_nowait(data)

    def feed_resize(self, data: bytes) -> None:
        """Resize messages: one JSON object per websocket message, or a stream of them on SPDY."""
        self._resize_buf += data
        decoder = json.JSONDecoder()
        text = self._resize_buf.decode("utf-8", "replace")
        pos = 0
        while True:
            while pos < len(text) and text[pos] in " \r\n\t":
                pos += 1
            if pos >= len(text):
                break
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except ValueError:
                break
            if isinstance(obj, dict):
                try:
                    width, height = int(obj.get("Width") or 0), int(obj.get("Height") or 0)
                except (TypeError, ValueError):
                    continue  # a malformed size is ignored, as kubelet does
                if width > 0 and height > 0:
                    self.size.width, self.size.height = width, height
                    self.resized.set()
        self._resize_buf = text[pos:].encode()


Runner = Callable[[SessionIO], Awaitable[Obj]]


class ExecService:
    """Serves exec and attach for the pods in ``store``; ``logs`` feeds attach."""

    def __init__(self, store: Any, logs: Any = None,
                 on_exit: Callable[[Obj, str, int], None] | None = None) -> None:
        self.store = store
        self.logs = logs
        self.on_exit = on_exit  # an attached shell ended (ephemeral containers then terminate)

    async def handle(self, request: web.Request, pod: Obj, subresource: str) -> web.StreamResponse:
        opts = parse_options(request.query, pod, subresource)
        runner = self._exec_runner(pod, opts) if subresource == "exec" else self._attach_runner(pod, opts)
        if is_websocket(request):
            return await serve_websocket(request, opts, runner)
        if is_spdy(request):
            return await serve_spdy(request, opts, runner)
        raise bad_request("Upgrade request required")

    def _exec_runner(self, pod: Obj, opts: StreamOptions) -> Runner:
        async def run(io: SessionIO) -> Obj:
            spec = container_spec(pod, opts.container) or {}
            container = build_container(self.store, pod, spec)
            shell = Shell(container, io.stdin, io.out, io.err, tty=opts.tty, size=io.size)
            try:
                code = await shell.run(list(opts.command))
            except ExecNotFound as missing:
                return failure_status(
                    f'error executing command in container: failed to exec in container: failed to start exec: '
                    f'OCI runtime exec failed: exec failed: unable to start container process: exec: '
                    f'"{missing.args[0]}": executable file not found in $PATH: unknown')
            return exit_status(code, opts.command)
        return run

    def _attach_runner(self, pod: Obj, opts: StreamOptions) -> Runner:
        spec = container_spec(pod, opts.container) or {}
        image = str(spec.get("image", ""))
        interactive = bool(spec.get("stdin")) and (
            any(word in image for word in SHELL_IMAGES) or (spec.get("command") or [""])[0] in ("sh", "/bin/sh",
                                                                                                "bash", "/bin/bash"))

        async def run(io: SessionIO) -> Obj:
            if interactive:
                container = build_container(self.store, pod, spec)
                shell = Shell(container, io.stdin if opts.stdin else None, io.out, io.err,
                              tty=opts.tty and bool(spec.get("tty")), size=io.size)
                code = await shell.run(["sh"])
                if self.on_exit is not None:
                    self.on_exit(pod, opts.container, code)
                return exit_status(code, ("sh",))
            await self._follow_logs(pod, opts, io)
            return success_status()
        return run

    async def _follow_logs(self, pod: Obj, opts: StreamOptions, io: SessionIO) -> None:
        if self.logs is None:
            return
        from .logs import LogOptions

        async def drain_stdin() -> None:  # the app does not read its stdin; keep the channel flowing
            while io.stdin is not None and await io.stdin.get() is not None:
                pass

        drainer = asyncio.ensure_future(drain_stdin())
        stream = self.logs.stream(pod, opts.container, LogOptions(follow=True, tail_lines=0))
        try:
            async for chunk in stream:
                if opts.tty:
                    chunk = chunk.replace(b"\n", b"\r\n")
                await io.out(chunk)
        finally:
            drainer.cancel()
            with contextlib.suppress(Exception):
                await stream.aclose()


# -- websocket transport -------------------------------------------------------------------------------------

def _status_bytes(status: Obj, protocol: str) -> bytes:
    """v4/v5 send the Status as JSON; the older channel protocols only an error text (nothing on success)."""
    if protocol in (V5, V4) or not protocol:
        return orjson.dumps(status)
    return b"" if status.get("status") == "Success" else str(status.get("message", "")).encode()


async def serve_websocket(request: web.Request, opts: StreamOptions, runner: Runner) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=WS_PROTOCOLS, autoping=True, max_msg_size=16 * 1024 * 1024)
    await ws.prepare(request)
    protocol = ws.ws_protocol or ""
    lock = asyncio.Lock()

    async def send(channel: int, data: bytes) -> None:
        async with lock:
            if not ws.closed:
                await ws.send_bytes(bytes([channel]) + data)

    async def out(data: bytes) -> None:
        if opts.stdout or opts.tty:
            await send(STDOUT, data)

    async def err(data: bytes) -> None:
        if opts.stderr:
            await send(STDERR, data)

    io = SessionIO(out, err, opts.stdin)
    await send(STDOUT if opts.stdout else STDERR if opts.stderr else ERROR, b"")
    task = asyncio.ensure_future(runner(io))

    async def read() -> None:
        async for msg in ws:
            if msg.type != WSMsgType.BINARY or not msg.data:
                continue
            channel, payload = msg.data[0], msg.data[1:]
            if channel == CLOSE and protocol == V5:
                if payload[:1] == bytes([STDIN]):
                    io.feed_stdin(None)
            elif channel == STDIN:
                io.feed_stdin(payload)
            elif channel == RESIZE:
                io.feed_resize(payload)
        io.feed_stdin(None)

    reader = asyncio.ensure_future(read())
    try:
        await asyncio.wait({task, reader}, return_when=asyncio.FIRST_COMPLETED)
        if task.done() and not task.cancelled():
            await send(ERROR, _status_bytes(task.result(), protocol))
            await ws.close()
    finally:
        for pending in (task, reader):
            pending.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(task, reader, return_exceptions=True)
        if not ws.closed:
            await ws.close()
    return ws


# -- SPDY transport ------------------------------------------------------------------------------------------

def _choose(request: web.Request, supported: tuple[str, ...]) -> str | None:
    offered: list[str] = []
    for value in request.headers.getall("X-Stream-Protocol-Version", []):
        offered += [v.strip() for v in value.split(",") if v.strip()]
    for proto in supported:  # the server's preference, as httpstream.Handshake does
        if proto in offered:
            return proto
    return None


async def spdy_upgrade(request: web.Request, supported: tuple[str, ...],
                       on_stream: Callable[[spdy.Stream], None]) -> tuple[spdy.Session, web.StreamResponse, str]:
    """Negotiate the stream protocol, switch to SPDY/3.1 and start a session on the raw connection."""
    protocol = _choose(request, supported)
    if protocol is None:
        offered = request.headers.getall("X-Stream-Protocol-Version", [])
        raise ApiError(403, "Forbidden", f"unable to upgrade: unable to negotiate protocol: client supports "
                                         f"{offered}, server supports {list(supported)}")
    conn, response = await switch_protocols(request, {"Connection": "Upgrade", "Upgrade": "SPDY/3.1",
                                                      "X-Stream-Protocol-Version": protocol})
    session = spdy.Session(conn.write, on_stream)
    conn.on_data = session.feed
    conn.on_eof = session.feed_eof
    session.raw = conn  # type: ignore[attr-defined]
    return session, response, protocol


async def serve_spdy(request: web.Request, opts: StreamOptions, runner: Runner) -> web.StreamResponse:
    expected = {"error"}
    if opts.stdin:
        expected.add("stdin")
    if opts.stdout:
        expected.add("stdout")
    if opts.stderr and not opts.tty:
        expected.add("stderr")
    streams: dict[str, spdy.Stream] = {}
    ready = asyncio.Event()

    def on_stream(stream: spdy.Stream) -> None:
        streams[stream.type] = stream
        if expected <= streams.keys() and ("resize" in streams or not opts.tty or protocol_is_v2):
            ready.set()

    protocol_is_v2 = False
    session, response, protocol = await spdy_upgrade(request, SPDY_PROTOCOLS, on_stream)
    protocol_is_v2 = protocol in ("v2.channel.k8s.io", "channel.k8s.io")
    try:
        try:
            await asyncio.wait_for(ready.wait(), timeout=30)
        except TimeoutError:
            return response

        async def out(data: bytes) -> None:
            target = streams.get("stdout")
            if target is not None:
                target.write(data)

        async def err(data: bytes) -> None:
            target = streams.get("stderr")
            if target is not None:
                target.write(data)

        io = SessionIO(out, err, opts.stdin)
        pumps = [asyncio.ensure_future(_pump(streams.get("stdin"), io.feed_stdin, True)),
                 asyncio.ensure_future(_pump(streams.get("resize"), lambda d: d and io.feed_resize(d), False))]
        task = asyncio.ensure_future(runner(io))
        gone = asyncio.ensure_future(session.done.wait())
        try:
            await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
            if task.done() and not task.cancelled():
                status = task.result()
                streams["error"].write(_status_bytes(status, protocol))
        finally:
            for pending in (task, gone, *pumps):
                pending.cancel()
            await asyncio.gather(task, gone, *pumps, return_exceptions=True)
        for stream in streams.values():
            stream.close()
    finally:
        await session.close()
        session.raw.close()  # type: ignore[attr-defined]
    return response


async def _pump(stream: spdy.Stream | None, sink: Callable[[bytes | None], Any], eof: bool) -> None:
    if stream is None:
        return
    while (data := await stream.read()) is not None:
        sink(data)
    if eof:
        sink(None)
