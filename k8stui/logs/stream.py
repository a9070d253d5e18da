"""One container's log as a live stream: ``GET .../pods/NAME/log?follow=true&timestamps=true`` with httpx,
parsed line by line into the session's sink.

A stream that drops (server restart, network, proxy timeout) reconnects with jittered exponential backoff and
resumes with ``sinceTime`` = the last timestamp it saw. ``sinceTime`` is sent in whole seconds (API servers
forward it to the kubelet at that precision anyway) and the lines the server sends again are dropped here:
every line older than the last one seen, and as many lines stamped exactly like it as were already taken. So
the buffer gets each line once, none missing, whatever the server's precision.

Back-pressure: lines are parsed and handed over in slices, yielding to the event loop between slices, so a
100k-line burst is taken at the loop's pace (the socket fills, TCP slows the sender) instead of queueing.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import orjson

from ..backoff import jittered_backoff
from ..cluster.kinds import PODS
from .line import NS_PER_S, LogLine, complete_lines, format_ns, parse_line, parse_lines, parse_ts_ns
from .options import LogOptions

SLICE_LINES = 1000  # lines parsed between two yields to the event loop
READ_IDLE_TIMEOUT = 120.0  # nothing at all for this long: assume a dead connection and resume
BACKOFF_INITIAL = 0.25
BACKOFF_MAX = 5.0

Sink = Callable[[list[LogLine]], None]


class StreamState(enum.Enum):
    """What a stream is doing, for the pane's status line."""

    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    ENDED = "ended"  # the server ended the stream normally (container run over, or a non-follow read done)
    WAITING = "waiting"  # 400: the container has not started (or has no previous run)
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not found"
    ERROR = "error"


@dataclass(frozen=True)
class ContainerRef:
    """Which container's log: namespace, pod name and container name (empty: the pod's only container)."""

    namespace: str
    pod: str
    container: str = ""

    @property
    def path(self) -> str:
        return PODS.path(self.namespace, self.pod, "log")


class LogApiError(Exception):
    """An HTTP error answer to a ``/log`` request."""

    def __init__(self, code: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def _message(code: int, body: bytes) -> str:
    with contextlib.suppress(Exception):
        data = orjson.loads(body)
        if isinstance(data, dict) and data.get("message"):
            return " ".join(str(data["message"]).split())
    text = body.decode("utf-8", "replace").strip()
    return " ".join(text.split())[:300] or f"HTTP {code}"


class LogStream:
    """Reads one container's log into ``sink``; ``run()`` returns when the server ends the stream normally or
    a non-retryable error happened (``state`` says which); retryable failures are retried inside."""

    def __init__(self, client: httpx.AsyncClient, ref: ContainerRef, options: LogOptions, source: int,
                 sink: Sink, on_state: Callable[[LogStream], None] | None = None, *,
                 backoff_initial: float = BACKOFF_INITIAL, backoff_max: float = BACKOFF_MAX) -> None:
        self.client = client
        self.ref = ref
        self.options = options
        self.source = source
        self.sink = sink
        self.on_state = on_state
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.state = StreamState.CONNECTING
        self.detail = ""
        self.last_ns: int | None = None  # timestamp of the newest line taken
        self.at_last = 0  # lines taken that carry exactly ``last_ns``
        self.lines = 0  # lines taken
        self.requests = 0
        self.reconnects = 0
        self.duplicates_dropped = 0
        self._connected = False

    # -- state -------------------------------------------------------------------------------------
    def _set(self, state: StreamState, detail: str = "") -> None:
        if state is self.state and detail == self.detail:
            return
        self.state, self.detail = state, detail
        if self.on_state is not None:
            self.on_state(self)

    def resume_point(self) -> str | None:
        """The ``sinceTime`` for the next request: the last timestamp seen, floored to the second."""
        if self.last_ns is None:
            return None
        return format_ns(self.last_ns - self.last_ns % NS_PER_S, fraction=False)

    # -- running -----------------------------------------------------------------------------------
    async def run(self) -> StreamState:
        """Stream until the server ends it (ENDED) or refuses it (WAITING, FORBIDDEN, NOT_FOUND, ERROR)."""
        attempt = 0
        while True:
            self._connected = False
            try:
                await self._request()
                self._set(StreamState.ENDED)
                return self.state
            except LogApiError as err:
                if self._connected:
                    attempt = 0
                if err.code == 429 or err.code >= 500:
                    delay = self._delay(attempt)
                    attempt += 1
                    if err.retry_after is not None:
                        delay = max(delay, err.retry_after)
                    self._set(StreamState.RECONNECTING, f"HTTP {err.code}: {err.message}")
                    self.reconnects += 1
                    await asyncio.sleep(delay)
                    continue
                state = {400: StreamState.WAITING, 403: StreamState.FORBIDDEN,
                         404: StreamState.NOT_FOUND}.get(err.code, StreamState.ERROR)
                self._set(state, err.message)
                return state
            except httpx.ReadTimeout:
                self.reconnects += 1  # a silent connection: resume at once
                continue
            except (httpx.TransportError, httpx.StreamError, OSError) as exc:
                text = " ".join((str(exc) or type(exc).__name__).split())
                if self._connected:
                    attempt = 0  # it was streaming: start the backoff over
                if self.lines and attempt == 0:
                    delay = 0.0  # a stream that was working: the first retry is immediate
                else:
                    delay = self._delay(attempt)
                attempt += 1
                self._set(StreamState.RECONNECTING, f"connection lost: {text}")
                self.reconnects += 1
                await asyncio.sleep(delay)
                continue

    def _delay(self, attempt: int) -> float:
        return jittered_backoff(attempt, self.backoff_initial, self.backoff_max)

    async def _request(self) -> None:
        since = self.resume_point()
        params = self.options.params(self.ref.container or None, since)
        self.requests += 1
        if self.state is not StreamState.RECONNECTING:
            self._set(StreamState.CONNECTING)
        timeout = httpx.Timeout(30.0, connect=5.0, read=READ_IDLE_TIMEOUT)
        async with self.client.stream("GET", self.ref.path, params=params, timeout=timeout) as resp:
            if resp.status_code >= 400:
                body = await resp.aread()
                retry = resp.headers.get("Retry-After")
                try:
                    retry_after = float(retry) if retry else None
                except ValueError:
                    retry_after = None
                raise LogApiError(resp.status_code, _message(resp.status_code, body), retry_after)
            self._connected = True
            self._set(StreamState.STREAMING)
            await self._consume(resp, resuming=since is not None)

    async def _consume(self, resp: httpx.Response, resuming: bool) -> None:
        skip = resuming  # drop what we already have at the start of a resumed stream
        skip_equal = self.at_last
        pending = b""
        source = self.source
        async for chunk in resp.aiter_bytes():
            if not chunk:
                continue
            complete, pending = complete_lines(pending, chunk)
            if complete is None:
                continue
            parsed = parse_lines(complete, source)
            for start in range(0, len(parsed), SLICE_LINES):
                lines = parsed[start:start + SLICE_LINES] if len(parsed) > SLICE_LINES else parsed
                if skip:
                    lines, skip, skip_equal = self._drop_seen(lines, skip_equal)
                if lines:
                    self._take(lines)
                await asyncio.sleep(0)
        if pending:
            lines = [parse_line(pending, source)]
            if skip:
                lines, skip, skip_equal = self._drop_seen(lines, skip_equal)
            if lines:
                self._take(lines)

    def _drop_seen(self, lines: list[LogLine], skip_equal: int) -> tuple[list[LogLine], bool, int]:
        """Lines of a resumed stream that were already taken: older than ``last_ns``, and the first
        ``skip_equal`` stamped exactly ``last_ns``. Returns (new lines, still skipping, skip_equal left)."""
        last = self.last_ns
        assert last is not None
        for i, line in enumerate(lines):
            ns = parse_ts_ns(line.ts)
            if ns is None:
                return lines[i:], False, 0
            if ns < last or (ns == last and skip_equal > 0):
                if ns == last:
                    skip_equal -= 1
                self.duplicates_dropped += 1
                continue
            return lines[i:], False, 0
        return [], True, skip_equal

    def _take(self, lines: list[LogLine]) -> None:
        last_ns, at_last = self.last_ns, self.at_last
        # Only the tail matters for the resume point: walk back over the lines sharing the newest timestamp.
        newest = parse_ts_ns(lines[-1].ts)
        if newest is not None:
            same = 0
            for line in reversed(lines):
                if line.ts == lines[-1].ts:
                    same += 1
                else:
                    break
            if newest == last_ns and same == len(lines):
                at_last += same
            else:
                last_ns, at_last = newest, same
            self.last_ns, self.at_last = last_ns, at_last
        self.lines += len(lines)
        self.sink(lines)
