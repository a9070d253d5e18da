"""A real terminal for benchmarks: a private tmux server, read and typed into through one control-mode client.

Why tmux: it is a real VT emulator that users run the app in (the issue's measurements were taken in it), it is
already a test dependency, and what ``capture-pane`` returns is the painted screen — after the app wrote its
escape sequences and the terminal applied them — not widget state. Why a control-mode client (``tmux -C``):
asking for the screen through a long-lived client costs ~0.3 ms instead of spawning a ``tmux`` process per poll
(5-10 ms on a loaded machine), so a key's latency can be resolved to about a millisecond without loading the
machine being measured.

Every session runs on a server of our own (``tmux -L <unique socket>``) that ``close()`` kills, so nothing is
left behind, and other tmux sessions on the machine are never touched.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
ANY_ESCAPE = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")


class TerminalError(RuntimeError):
    """tmux answered with an error, or the control client went away."""


def plain(line: str) -> str:
    """A captured line without its escape sequences."""
    return ANY_ESCAPE.sub("", line)


def background_of(line: str, after: str = "│") -> str | None:
    """The last background colour set before the first visible character following ``after`` (e.g. the table's
    left border): tells a highlighted row (the cursor) from the others."""
    start = line.find(after)
    if start < 0:
        return None
    bg = None
    pos = start + len(after)
    while True:
        m = SGR.match(line, pos)
        if not m:
            break
        params = m.group(1).split(";")
        i = 0
        while i < len(params):
            p = params[i]
            if p == "48" and i + 1 < len(params):
                n = 3 if params[i + 1] == "5" else 5
                bg = ";".join(params[i:i + n])
                i += n
                continue
            if p in ("0", "", "49"):
                bg = None if p != "49" else "49"
            i += 1
        pos = m.end()
    return bg


class Tmux:
    """A private tmux server with a control-mode client. Use as a context manager."""

    def __init__(self, width: int = 160, height: int = 48) -> None:
        self.width, self.height = width, height
        self.socket = f"k8stui-bench-{os.getpid()}-{int(time.time() * 1000) % 100000}"
        self._control: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------------
    def _tmux(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              timeout=30)

    def start(self) -> Tmux:
        # An anchor session the control client attaches to; measured programs get sessions of their own.
        done = self._tmux("new-session", "-d", "-s", "anchor", "-x", "80", "-y", "24", "sleep 86400")
        if done.returncode:
            raise TerminalError(done.stderr.decode().strip() or "tmux did not start")
        self._tmux("set-option", "-g", "default-terminal", "tmux-256color")
        self._tmux("set-option", "-g", "remain-on-exit", "off")
        self._tmux("set-option", "-g", "history-limit", "2000")
        self._control = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach-session", "-t", "anchor", "-f", "ignore-size,no-output"],
            # Buffered: an unbuffered pipe's readline() reads one byte per system call, and a captured 160x48
            # screen with escapes is tens of KB — 5-40 ms per poll, counted into every key's latency.
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._read_block()  # the attach's own (empty) answer
        return self

    def close(self) -> None:
        control, self._control = self._control, None
        if control is not None:
            try:
                assert control.stdin is not None
                control.stdin.close()
                control.wait(timeout=5)
            except Exception:
                control.kill()
                control.wait()
        self._tmux("kill-server")  # every session's processes get SIGHUP

    def __enter__(self) -> Tmux:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands ----------------------------------------------------------------------------------------
    def _read_block(self) -> list[str]:
        assert self._control is not None and self._control.stdout is not None
        out: list[str] = []
        inside = False
        while True:
            raw = self._control.stdout.readline()
            if not raw:
                raise TerminalError("the tmux control client went away")
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("%begin"):
                inside, out = True, []
            elif line.startswith("%end") and inside:
                return out
            elif line.startswith("%error") and inside:
                raise TerminalError("; ".join(out) or "tmux error")
            elif inside:
                out.append(line)

    def command(self, text: str) -> list[str]:
        """Run one tmux command through the control client; its output lines."""
        if self._control is None or self._control.stdin is None:
            raise TerminalError("tmux is not started")
        with self._lock:
            self._control.stdin.write(text.encode() + b"\n")
            self._control.stdin.flush()
            return self._read_block()

    def run(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        """Start ``argv`` in a new ``width`` x ``height`` session ``name`` (the program is the pane's process)."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        shell = f"exec env {exports} {shlex.join(argv)}"
        self.command(f"new-session -d -s {name} -x {self.width} -y {self.height} {shlex.quote(shell)}")

    def kill(self, name: str) -> None:
        try:
            self.command(f"kill-session -t {name}")
        except TerminalError:
            pass

    def alive(self, name: str) -> bool:
        try:
            return bool(self.command(f"has-session -t {name}") is not None)
        except TerminalError:
            return False

    def pid(self, name: str) -> int:
        return int(self.command(f"display-message -p -t {name} '#{{pane_pid}}'")[0])

    def keys(self, name: str, *keys: str) -> None:
        self.command(f"send-keys -t {name} " + " ".join(shlex.quote(k) for k in keys))

    def screen(self, name: str, escapes: bool = False) -> list[str]:
        """The painted screen, one string per line (with SGR escapes if ``escapes``)."""
        return self.command(f"capture-pane -p {'-e ' if escapes else ''}-t {name}")

    def wait(self, name: str, predicate: Callable[[list[str]], object], timeout: float, *, escapes: bool = False,
             interval: float = 0.001, what: str = "the screen") -> tuple[float, object]:
        """Poll the screen until ``predicate(lines)`` is truthy; (time.perf_counter() when seen, its value).
        Raises TimeoutError with the last screen."""
        deadline = time.perf_counter() + timeout
        lines: list[str] = []
        while True:
            lines = self.screen(name, escapes)
            now = time.perf_counter()
            value = predicate(lines)
            if value:
                return now, value
            if now > deadline:
                shown = "\n".join(plain(line) for line in lines)
                raise TimeoutError(f"{what} did not appear within {timeout:g} s; the screen was:\n{shown}")
            if interval:
                time.sleep(interval)
