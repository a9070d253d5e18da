"""Taking over an aiohttp connection after ``101 Switching Protocols`` for a non-websocket upgrade (SPDY/3.1).

aiohttp only knows websocket upgrades: its HTTP parser would read the SPDY frames that follow a ``101`` as a
new HTTP request. The one supported seam is the protocol's payload parser, which aiohttp's own
``WebSocketResponse`` installs with ``set_parser``: once set, every byte the connection receives goes to its
``feed_data``. This module is the only place that relies on that (tests/demo/test_sessions_kubectl.py runs
kubectl 1.29's SPDY exec through it), so an aiohttp upgrade that changes it breaks one module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web


class _Tap:
    """The payload-parser interface aiohttp calls (``feed_data`` → (eof, tail), ``feed_eof``)."""

    def __init__(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        self._on_data = on_data
        self._on_eof = on_eof

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self._on_data(bytes(data))
        return False, b""

    def feed_eof(self) -> None:
        self._on_eof()


class RawConnection:
    """The upgraded connection as bytes: ``on_data``/``on_eof`` callbacks in, ``write`` out."""

    def __init__(self, request: web.Request) -> None:
        self._request = request
        self._transport = request.transport
        self.closed = asyncio.Event()
        self.on_data: Callable[[bytes], None] = lambda data: None
        self.on_eof: Callable[[], None] = lambda: None
        self._early: list[bytes] = []

    def _data(self, data: bytes) -> None:
        self.on_data(data)

    def _eof(self) -> None:
        self.closed.set()
        self.on_eof()

    async def write(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            raise ConnectionResetError("connection closed")
        self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()
        self.closed.set()


async def switch_protocols(request: web.Request, headers: dict[str, str]) -> tuple[RawConnection, web.StreamResponse]:
    """Answer ``101`` with ``headers`` and return the raw connection; the handler must keep running (and then
    return the response) for as long as the connection is in use."""
    conn = RawConnection(request)
    protocol = request.protocol
    if protocol is None or request.transport is None:
        raise ConnectionResetError("connection lost before the upgrade")
    # Installed before the 101 goes out, so no byte the client sends after reading it can reach the HTTP parser.
    protocol.set_parser(_Tap(conn._data, conn._eof))  # type: ignore[arg-type]
    response = web.StreamResponse(status=101, headers=headers)
    response.force_close()
    await response.prepare(request)
    return conn, response
