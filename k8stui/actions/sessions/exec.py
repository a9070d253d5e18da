"""Exec and attach sessions over websockets: ``run`` (capture output) and ``interactive`` (hand over the terminal).

Protocol: ``v5.channel.k8s.io`` with ``v4.channel.k8s.io`` as the fallback the server may pick (v4 has no way
to say "stdin ended", v5 sends ``[255, 0]``). Messages are one channel byte + data: 0 stdin, 1 stdout,
2 stderr, 3 status (a ``Status``; ``NonZeroExitCode`` carries the exit code in an ``ExitCode`` cause),
4 resize (``{"Width": w, "Height": h}``).

``interactive`` is what the UI runs inside ``App.suspend()``: it puts the local terminal in raw mode, forwards
keystrokes and window-size changes (SIGWINCH), writes the remote output, and always restores the terminal —
also on errors and Ctrl-C. It is blocking and runs its own event loop in a helper thread, so it can be
called from the thread of a running (suspended) Textual loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import termios
import threading
import tty as ttymod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from httpx_ws import (
    AsyncWebSocketSession,
    HTTPXWSException,
    WebSocketDisconnect,
    WebSocketInvalidTypeReceived,
)

from ...cluster.connection import Connection
from .channel import SessionError, decode_status, open_websocket, pod_path

V5, V4 = "v5.channel.k8s.io", "v4.channel.k8s.io"
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
DETACH = b"\x10\x11"  # Ctrl-P Ctrl-Q: leave an attach session without stopping the container (as docker)
DEFAULT_SHELL = ("/bin/sh",)


@dataclass(frozen=True)
class ExecTarget:
    """Which container: ``container`` None means the pod's only (or default) container."""

    namespace: str
    pod: str
    container: str | None = None


class ExecResult(NamedTuple):
    """What ``run`` collected; unpacks as ``stdout, stderr, exit_code``."""

    stdout: bytes
    stderr: bytes
    exit_code: int


def exit_code_of(status: dict[str, Any] | None) -> int:
    """0 for Success, the ExitCode cause for NonZeroExitCode; ``SessionError`` for any other failure."""
    if status is None:
        raise SessionError("the session ended without an exit status (connection lost?)")
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                try:
                    return int(cause.get("message", ""))
                except ValueError:
                    break
    raise SessionError(str(status.get("message") or "the command failed"), int(status.get("code") or 0))


class RemoteSession:
    """An open exec/attach websocket: send stdin and sizes, receive (channel, data), then ``status``."""

    def __init__(self, ws: AsyncWebSocketSession) -> None:
        self.ws = ws
        self.protocol = ws.subprotocol or ""
        self.status: dict[str, Any] | None = None
        self.resizes_sent: list[tuple[int, int]] = []
        self._lock = asyncio.Lock()

    async def _send(self, channel: int, data: bytes) -> None:
        async with self._lock:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def send_stdin(self, data: bytes) -> None:
        if data:
            await self._send(STDIN, data)

    async def close_stdin(self) -> None:
        """Tell the server stdin ended (v5 only; v4 cannot say it)."""
        if self.protocol == V5:
            async with self._lock:
                await self.ws.send_bytes(bytes([CLOSE, STDIN]))

    async def resize(self, width: int, height: int) -> None:
        await self._send(RESIZE, orjson.dumps({"Width": int(width), "Height": int(height)}))
        self.resizes_sent.append((int(width), int(height)))

    async def output(self) -> AsyncIterator[tuple[int, bytes]]:
        """(1 or 2, bytes) until the server closes; the status message is kept in ``status``."""
        while True:
            try:
                message = await self.ws.receive_bytes()
            except WebSocketDisconnect:
                return
            except WebSocketInvalidTypeReceived:  # a text frame: not part of the binary channel protocols
                continue
            except (HTTPXWSException, OSError) as exc:
                if self.status is not None:
                    return
                raise SessionError(f"the session was interrupted: {exc or type(exc).__name__}") from None
            if not message:
                continue
            channel, data = message[0], message[1:]
            if channel == ERROR:
                if data:
                    self.status = decode_status(data)
            elif channel in (STDOUT, STDERR) and data:
                yield channel, data

    def exit_code(self) -> int:
        return exit_code_of(self.status)


def _params(target: ExecTarget, command: Sequence[str], *, stdin: bool, tty: bool, attach: bool) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if target.container:
        params.append(("container", target.container))
    if not attach:
        params += [("command", c) for c in command]
    params += [("stdin", str(stdin).lower()), ("stdout", "true"), ("stderr", str(not tty).lower()),
               ("tty", str(tty).lower())]
    return params


@contextlib.asynccontextmanager
async def open_session(connection: Connection, target: ExecTarget, command: Sequence[str] = DEFAULT_SHELL, *,
                       stdin: bool = False, tty: bool = False, attach: bool = False,
                       protocols: Sequence[str] = (V5, V4)) -> AsyncIterator[RemoteSession]:
    """An exec (or, with ``attach``, an attach) websocket; ``SessionError`` (one line) when refused."""
    path = pod_path(target.namespace, target.pod, "attach" if attach else "exec")
    async with open_websocket(connection, path, _params(target, command, stdin=stdin, tty=tty, attach=attach),
                              list(protocols)) as ws:
        yield RemoteSession(ws)


async def run(connection: Connection, target: ExecTarget, command: Sequence[str], *, stdin: bytes | None = None,
              timeout: float | None = 60.0) -> ExecResult:
    """Run ``command`` without a terminal and collect its output and exit code (``SessionError`` on failure,
    ``TimeoutError`` after ``timeout`` seconds)."""
    out, err = bytearray(), bytearray()
    async with asyncio.timeout(timeout):
        async with open_session(connection, target, command, stdin=stdin is not None) as session:
            if stdin is not None:
                await session.send_stdin(stdin)
                await session.close_stdin()
            async for channel, data in session.output():
                (out if channel == STDOUT else err).extend(data)
            status = session.status
    return ExecResult(bytes(out), bytes(err), exit_code_of(status))


# -- the terminal bridge ----------------------------------------------------------------------------------------

@dataclass
class Terminal:
    """The local side: file descriptors and how to learn the window size."""

    stdin_fd: int = 0
    stdout_fd: int = 1

    @property
    def is_tty(self) -> bool:
        return os.isatty(self.stdin_fd)

    def size(self) -> tuple[int, int]:
        try:
            cols, rows = os.get_terminal_size(self.stdout_fd)
        except OSError:
            cols, rows = 80, 24
        return cols, rows

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.stdout_fd, view)
            except BlockingIOError:
                continue
            view = view[n:]


@contextlib.contextmanager
def raw_mode(fd: int) -> Any:
    """The terminal in raw mode for the duration; its settings are restored whatever happens."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        ttymod.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def bridge(session: RemoteSession, terminal: Terminal, *, tty: bool, send_stdin: bool, attach: bool,
                 resized: asyncio.Event | None = None) -> int:
    """Copy the terminal to the session and back until the remote side ends; returns the exit code."""
    loop = asyncio.get_running_loop()
    resized = resized or asyncio.Event()
    detach = asyncio.Event()
    pending = b""

    if tty:
        await session.resize(*terminal.size())

    def on_input() -> None:
        nonlocal pending
        try:
            data = os.read(terminal.stdin_fd, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if attach:
            combined = pending + data
            if DETACH in combined:
                detach.set()
                return
            if (not send_stdin) and b"\x03" in data:  # Ctrl-C leaves a read-only attach
                detach.set()
                return
            pending = combined[-1:]
        if not data:
            loop.remove_reader(terminal.stdin_fd)
            if send_stdin:
                asyncio.ensure_future(session.close_stdin())
            return
        if send_stdin:
            asyncio.ensure_future(session.send_stdin(data))

    reading = terminal.is_tty or send_stdin
    if reading:
        loop.add_reader(terminal.stdin_fd, on_input)

    async def follow_size() -> None:
        last = terminal.size()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(resized.wait(), timeout=1.0)  # SIGWINCH, or a slow poll without it
            resized.clear()
            size = terminal.size()
            if size != last:
                last = size
                await session.resize(*size)

    cooked = not tty and terminal.is_tty  # raw local terminal, remote without a TTY: put back the CRs

    async def copy_output() -> None:
        async for _, data in session.output():
            terminal.write(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if cooked else data)

    tasks = [asyncio.ensure_future(copy_output()), asyncio.ensure_future(detach.wait())]
    if tty:
        tasks.append(asyncio.ensure_future(follow_size()))
    try:
        done, _ = await asyncio.wait(tasks[:2], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if detach.is_set():
            return 0
        return session.exit_code()
    finally:
        if reading:
            loop.remove_reader(terminal.stdin_fd)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def interactive_async(connection: Connection, target: ExecTarget, command: Sequence[str] = DEFAULT_SHELL, *,
                            attach: bool = False, stdin: bool = True, tty: bool | None = None,
                            terminal: Terminal | None = None, resized: asyncio.Event | None = None) -> int:
    """The async core of ``interactive`` for callers that own an event loop and the terminal."""
    terminal = terminal or Terminal()
    use_tty = terminal.is_tty if tty is None else tty
    async with open_session(connection, target, command, stdin=stdin, tty=use_tty, attach=attach) as session:
        with raw_mode(terminal.stdin_fd) if terminal.is_tty else contextlib.nullcontext():
            return await bridge(session, terminal, tty=use_tty, send_stdin=stdin, attach=attach, resized=resized)


def interactive(connection: Connection, target: ExecTarget, command: Sequence[str] = DEFAULT_SHELL, *,
                attach: bool = False, stdin: bool = True, tty: bool | None = None,
                terminal: Terminal | None = None) -> int:
    """Hand the terminal to an exec (or attach) session and return its exit code; blocking.

    Call it inside ``App.suspend()``. Raises ``SessionError`` (one line) when the session cannot start or
    ends in an error; the terminal settings are restored in every case. In attach mode Ctrl-P Ctrl-Q detaches
    (and Ctrl-C does too when stdin is not attached).
    """
    result: dict[str, Any] = {}
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> int:
        holder["loop"] = asyncio.get_running_loop()
        holder["resized"] = asyncio.Event()
        ready.set()
        return await interactive_async(connection, target, command, attach=attach, stdin=stdin, tty=tty,
                                       terminal=terminal, resized=holder["resized"])

    def worker() -> None:
        try:
            result["code"] = asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            result["error"] = exc
        finally:
            ready.set()

    def on_winch(signum: int, frame: Any) -> None:
        loop, event = holder.get("loop"), holder.get("resized")
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        previous = signal.signal(signal.SIGWINCH, on_winch)
    thread = threading.Thread(target=worker, name="k8stui-exec", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(timeout=0.2)
    finally:
        if in_main:
            signal.signal(signal.SIGWINCH, previous if previous is not None else signal.SIG_DFL)
    if "error" in result:
        raise result["error"]
    return int(result.get("code", 0))


def _main(argv: list[str]) -> int:  # pragma: no cover - a manual tool: python -m k8stui.actions.sessions.exec
    from ...cluster.connection import load_target

    namespace, pod, *command = argv
    connection = load_target()
    try:
        return interactive(connection, ExecTarget(namespace, pod), command or DEFAULT_SHELL)
    except SessionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))

