"""SPDY/3.1 framing, server side, as much of it as Kubernetes clients use (moby/spdystream + client-go).

Why the demo needs SPDY at all: kubectl 1.27–1.29 exec/attach and 1.27–1.30 port-forward upgrade the HTTP
connection to ``SPDY/3.1``; kubectl ≥ 1.31 port-forward still speaks SPDY, only tunnelled inside websocket
binary messages (``SPDY/3.1+portforward.k8s.io``). So one small framer serves all of them.

Scope: SYN_STREAM (client-initiated streams carry a ``streamtype`` header), SYN_REPLY, DATA with FIN,
RST_STREAM, PING (echoed), GOAWAY; SETTINGS and WINDOW_UPDATE are read and ignored (spdystream does no flow
control either). Header blocks are zlib streams with the SPDY/3 dictionary, one compression context per
direction for the whole connection, each block ending in a sync flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
RST_PROTOCOL_ERROR, RST_CANCEL = 1, 5
MAX_DATA = 32 * 1024  # what kubelet writes at most per frame; well under SPDY's 16 MiB limit

_WORDS = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age "
    "allow authorization cache-control connection content-base content-encoding content-language content-length "
    "content-location content-md5 content-range content-type date etag expect expires from host if-match "
    "if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
    "user-agent vary via warning www-authenticate method get status"
    ).split() + ["200 OK"] + "version HTTP/1.1 url public set-cookie keep-alive origin".split()
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 "
    "Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 "
    "Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May "
    "Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,"
    "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")


def _dictionary() -> bytes:
    """The SPDY/3 header dictionary (spec section 2.6.10.1): length-prefixed words, then a plain tail."""
    return b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL.encode()


DICTIONARY = _dictionary()


class SpdyError(Exception):
    """The peer sent something this framer cannot parse; the connection must be dropped."""


@dataclass
class Frame:
    kind: int  # 0 for DATA, else the control frame type
    stream_id: int = 0
    flags: int = 0
    data: bytes = b""
    headers: dict[str, list[str]] = field(default_factory=dict)
    value: int = 0  # PING id, RST status, GOAWAY last-good-stream

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


class Framer:
    """Bytes in → frames; frames out → bytes. Keeps the two header-compression contexts."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        while len(self._buf) >= 8:
            word, flags_len = struct.unpack_from(">II", self._buf)
            length = flags_len & 0xFFFFFF
            if len(self._buf) < 8 + length:
                break
            payload = bytes(self._buf[8:8 + length])
            del self._buf[:8 + length]
            flags = flags_len >> 24
            if not word & 0x80000000:
                frames.append(Frame(0, word & 0x7FFFFFFF, flags, payload))
                continue
            version, kind = (word >> 16) & 0x7FFF, word & 0xFFFF
            if version != VERSION:
                raise SpdyError(f"unsupported SPDY version {version}")
            frames.append(self._control(kind, flags, payload))
        return frames

    def _control(self, kind: int, flags: int, payload: bytes) -> Frame:
        if kind == SYN_STREAM:
            if len(payload) < 10:
                raise SpdyError("short SYN_STREAM")
            stream_id = struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF
            return Frame(kind, stream_id, flags, headers=self._headers(payload[10:]))
        if kind in (SYN_REPLY, HEADERS):
            stream_id = struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF
            return Frame(kind, stream_id, flags, headers=self._headers(payload[4:]))
        if kind in (RST_STREAM, WINDOW_UPDATE):
            stream_id, value = struct.unpack_from(">II", payload)
            return Frame(kind, stream_id & 0x7FFFFFFF, flags, value=value)
        if kind == PING:
            return Frame(kind, flags=flags, value=struct.unpack_from(">I", payload)[0])
        if kind == GOAWAY:
            return Frame(kind, flags=flags, value=struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF)
        return Frame(kind, flags=flags, data=payload)  # SETTINGS and anything newer: ignored by the session

    def _headers(self, block: bytes) -> dict[str, list[str]]:
        try:
            raw = self._inflate.decompress(block)
        except zlib.error as exc:
            raise SpdyError(f"bad header block: {exc}") from exc
        out: dict[str, list[str]] = {}
        try:
            (count,), pos = struct.unpack_from(">I", raw), 4
            for _ in range(count):
                (n,) = struct.unpack_from(">I", raw, pos)
                name = raw[pos + 4:pos + 4 + n].decode("latin-1").lower()
                pos += 4 + n
                (n,) = struct.unpack_from(">I", raw, pos)
                value = raw[pos + 4:pos + 4 + n].decode("latin-1")
                pos += 4 + n
                out.setdefault(name, []).extend(value.split("\x00"))
        except struct.error as exc:
            raise SpdyError("truncated header block") from exc
        return out

    def _block(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers))
        for name, value in headers.items():
            n, v = name.lower().encode("latin-1"), value.encode("latin-1")
            raw += struct.pack(">I", len(n)) + n + struct.pack(">I", len(v)) + v
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    @staticmethod
    def _control_frame(kind: int, flags: int, payload: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload)) + payload

    def syn_stream(self, stream_id: int, headers: dict[str, str], fin: bool = False) -> bytes:
        payload = struct.pack(">IIBB", stream_id, 0, 0, 0) + self._block(headers)
        return self._control_frame(SYN_STREAM, FLAG_FIN if fin else 0, payload)

    def syn_reply(self, stream_id: int, headers: dict[str, str] | None = None, fin: bool = False) -> bytes:
        return self._control_frame(SYN_REPLY, FLAG_FIN if fin else 0,
                                   struct.pack(">I", stream_id) + self._block(headers or {}))

    @staticmethod
    def data(stream_id: int, payload: bytes, fin: bool = False) -> bytes:
        return struct.pack(">II", stream_id, ((FLAG_FIN if fin else 0) << 24) | len(payload)) + payload

    def rst(self, stream_id: int, status: int = RST_CANCEL) -> bytes:
        return self._control_frame(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    def ping(self, ping_id: int) -> bytes:
        return self._control_frame(PING, 0, struct.pack(">I", ping_id))

    def goaway(self, last_stream: int, status: int = 0) -> bytes:
        return self._control_frame(GOAWAY, 0, struct.pack(">II", last_stream, status))


class Stream:
    """One client-initiated stream: its headers, what the client sent (``read()``), and our side (``write``)."""

    def __init__(self, session: Session, stream_id: int, headers: dict[str, list[str]]) -> None:
        self.session = session
        self.id = stream_id
        self.headers = headers
        self._inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.remote_closed = False
        self.local_closed = False

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower()) or [""]
        return values[0]

    @property
    def type(self) -> str:
        return self.header("streamtype")

    async def read(self) -> bytes | None:
        """The next chunk from the client; ``None`` once it half-closed (FIN) or reset the stream."""
        if self.remote_closed and self._inbox.empty():
            return None
        return await self._inbox.get()

    def _deliver(self, data: bytes, fin: bool) -> None:
        if self.remote_closed:
            return
        if data:
            self._inbox.put_nowait(data)
        if fin:
            self.remote_closed = True
            self._inbox.put_nowait(None)

    def write(self, data: bytes) -> None:
        if self.local_closed or self.session.closed:
            return
        for i in range(0, len(data), MAX_DATA):
            self.session.send(self.session.framer.data(self.id, data[i:i + MAX_DATA]))

    def close(self) -> None:
        """Half-close our side (an empty DATA frame with FIN)."""
        if not self.local_closed and not self.session.closed:
            self.local_closed = True
            self.session.send(self.session.framer.data(self.id, b"", fin=True))

    def reset(self) -> None:
        if not self.session.closed:
            self.local_closed = True
            self.session.send(self.session.framer.rst(self.id))
        self._deliver(b"", True)


class Session:
    """A server-side SPDY connection over any byte transport.

    ``send`` writes raw bytes to the peer (awaited in order by a writer task); call ``feed`` with what arrives
    and ``feed_eof`` at the end. Each new stream is acknowledged with SYN_REPLY and handed to ``on_stream``.
    """

    def __init__(self, send: Callable[[bytes], Awaitable[None]], on_stream: Callable[[Stream], None]) -> None:
        self.framer = Framer()
        self.streams: dict[int, Stream] = {}
        self.closed = False
        self.done = asyncio.Event()
        self._send = send
        self._on_stream = on_stream
        self._out: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._writer = asyncio.ensure_future(self._write_loop())
        self._last_stream = 0

    def send(self, raw: bytes) -> None:
        if not self.closed:
            self._out.put_nowait(raw)

    async def _write_loop(self) -> None:
        try:
            while (raw := await self._out.get()) is not None:
                await self._send(raw)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            pass
        finally:
            self._close_streams()

    def feed(self, data: bytes) -> None:
        try:
            frames = self.framer.feed(data)
        except SpdyError:
            self.feed_eof()
            return
        for frame in frames:
            self._handle(frame)

    def _handle(self, frame: Frame) -> None:
        if frame.kind == 0:
            stream = self.streams.get(frame.stream_id)
            if stream is not None:
                stream._deliver(frame.data, frame.fin)
        elif frame.kind == SYN_STREAM:
            stream = Stream(self, frame.stream_id, frame.headers)
            self.streams[stream.id] = stream
            self._last_stream = max(self._last_stream, stream.id)
            self.send(self.framer.syn_reply(stream.id))
            if frame.fin:
                stream._deliver(b"", True)
            self._on_stream(stream)
        elif frame.kind == RST_STREAM:
            stream = self.streams.get(frame.stream_id)
            if stream is not None:
                stream.local_closed = True
                stream._deliver(b"", True)
        elif frame.kind == PING:
            self.send(self.framer.ping(frame.value))
        elif frame.kind == GOAWAY:
            self.feed_eof()

    def remove(self, stream: Stream) -> None:
        self.streams.pop(stream.id, None)

    def feed_eof(self) -> None:
        self._close_streams()
        self.done.set()

    def _close_streams(self) -> None:
        for stream in list(self.streams.values()):
            stream._deliver(b"", True)

    async def close(self) -> None:
        """GOAWAY, flush what is queued, stop the writer."""
        if self.closed:
            return
        self.send(self.framer.goaway(self._last_stream))
        self.closed = True
        self._out.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(asyncio.shield(self._writer), timeout=5)
        self._close_streams()
        self.done.set()
