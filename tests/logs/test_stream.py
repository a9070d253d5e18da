"""LogStream against a small kubelet-like server: resume after dropped connections with ``sinceTime`` at
whole-second precision (as real API servers forward it) without a duplicate or a missing line, even when
several lines share one timestamp and a connection dies mid-line; and the answers to refusals."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web

from k8stui.logs.line import NS_PER_S, LogLine, format_ns, parse_ts_ns
from k8stui.logs.options import LogOptions, range_for_key
from k8stui.logs.stream import ContainerRef, LogStream, StreamState

BASE_NS = 1_795_517_645 * NS_PER_S


def make_lines(count: int) -> list[tuple[int, bytes]]:
    """Three lines per timestamp (identical stamps happen with bursts), four timestamps per second."""
    return [(BASE_NS + (i // 3) * 250_000_000, f"line seq={i + 1}".encode()) for i in range(count)]


@dataclass
class Kubelet:
    """Serves one container's log; request ``i`` is cut after ``cuts[i]`` lines (plus half a line)."""

    lines: list[tuple[int, bytes]]
    cuts: list[int] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    status: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # pod -> error answers to give first

    async def handle(self, request: web.Request) -> web.StreamResponse:
        pod = request.match_info["pod"]
        self.requests.append(dict(request.query))
        answers = self.status.get(pod) or []
        if answers:
            code, message = answers.pop(0)
            headers = {"Retry-After": "0"} if code == 429 else {}
            return web.json_response({"kind": "Status", "code": code, "message": message}, status=code,
                                     headers=headers)
        since = request.query.get("sinceTime")
        lo = 0
        if since:
            bound = parse_ts_ns(since)
            assert bound is not None and bound % NS_PER_S == 0, "the client must send whole seconds"
            lo = next((i for i, (ns, _) in enumerate(self.lines) if ns >= bound), len(self.lines))
        elif request.query.get("tailLines"):
            lo = max(0, len(self.lines) - int(request.query["tailLines"]))
        resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        cut = self.cuts.pop(0) if self.cuts else None
        for n, (ns, text) in enumerate(self.lines[lo:]):
            data = format_ns(ns).encode() + b" " + text + b"\n"
            if cut is not None and n == cut:
                await resp.write(data[: len(data) // 2])  # half a line, then the connection dies
                transport = request.transport
                assert transport is not None
                while transport.get_write_buffer_size():  # the half line is on the wire before the abort
                    await asyncio.sleep(0)
                transport.abort()
                return resp
            await resp.write(data)
        await resp.write_eof()
        return resp


@contextlib.asynccontextmanager
async def serve(kubelet: Kubelet) -> AsyncIterator[httpx.AsyncClient]:
    app = web.Application()
    app.router.add_get("/api/v1/namespaces/{ns}/pods/{pod}/log", kubelet.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}")
    try:
        yield client
    finally:
        await client.aclose()
        await runner.cleanup()


def stream_for(client: httpx.AsyncClient, pod: str, got: list[LogLine], **kwargs) -> LogStream:
    return LogStream(client, ContainerRef("ns", pod, "main"), LogOptions(), 0, got.extend,
                     backoff_initial=0.01, backoff_max=0.05, **kwargs)


@pytest.mark.timeout(30)
async def test_dropped_connections_resume_without_duplicates_or_gaps():
    kubelet = Kubelet(make_lines(300), cuts=[40, 1, 0, 17, 2, 15])
    got: list[LogLine] = []
    async with serve(kubelet) as client:
        stream = stream_for(client, "web", got)
        state = await asyncio.wait_for(stream.run(), 10)
    assert state is StreamState.ENDED
    seqs = [int(line.plain.split("=")[1]) for line in got]
    assert seqs == list(range(201, 301)), seqs  # the last 100 (tailLines), each once, in order
    assert stream.reconnects == 6 and len(kubelet.requests) == 7
    assert stream.duplicates_dropped > 0  # whole-second sinceTime made the server repeat lines
    assert "tailLines" in kubelet.requests[0] and all("sinceTime" in q for q in kubelet.requests[1:])
    assert all(q["timestamps"] == "true" and q["follow"] == "true" and q["container"] == "main"
               for q in kubelet.requests)


@pytest.mark.timeout(30)
async def test_refusals_end_in_a_state_and_server_errors_are_retried():
    kubelet = Kubelet(make_lines(5), status={
        "secret": [(403, 'pods "secret" is forbidden: User "dev" cannot get resource "pods/log"')],
        "gone": [(404, 'pods "gone" not found')],
        "starting": [(400, 'container "main" in pod "starting" is waiting to start: ContainerCreating')],
        "flaky": [(500, "etcd timeout"), (503, "unavailable"), (429, "slow down")],
    })
    async with serve(kubelet) as client:
        for pod, want in (("secret", StreamState.FORBIDDEN), ("gone", StreamState.NOT_FOUND),
                          ("starting", StreamState.WAITING)):
            got: list[LogLine] = []
            stream = stream_for(client, pod, got)
            assert await asyncio.wait_for(stream.run(), 5) is want
            assert not got and pod in stream.detail
        got = []
        seen: list[StreamState] = []
        stream = stream_for(client, "flaky", got, on_state=lambda s: seen.append(s.state))
        assert await asyncio.wait_for(stream.run(), 5) is StreamState.ENDED
        assert len(got) == 5 and stream.reconnects == 3
        assert StreamState.RECONNECTING in seen and seen[-2:] == [StreamState.STREAMING, StreamState.ENDED]


@pytest.mark.timeout(30)
async def test_a_burst_is_taken_in_slices_yielding_to_the_loop():
    kubelet = Kubelet(make_lines(30_000))
    got: list[LogLine] = []
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async with serve(kubelet) as client:
        tick_task = asyncio.create_task(ticker())
        stream = LogStream(client, ContainerRef("ns", "burst", ""), LogOptions(range_for_key("0")), 0, got.extend)
        await asyncio.wait_for(stream.run(), 20)
        tick_task.cancel()
    assert len(got) == 30_000
    assert ticks >= 30  # the loop ran other work between slices of at most 1000 lines
