"""A shell from the app, as a person uses it: k8stui runs in a pseudo-terminal, ``S`` on a pod opens the shell
dialog, enter starts ``/bin/sh`` with the app suspended, ``hostname`` prints the pod's name, ``exit`` gives the
terminal back to the app. Then ``D`` adds an ephemeral debug container (confirmed, dry-run first) and attaches to
it, and ``a`` attaches to the app container (output only, ctrl+c detaches); ``q`` quits. The audit log has every
session and the kubelet's pod has the debug container."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from actions.scenario import create_namespace, delete_namespace, get_json, wait_for

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """A child process on a pseudo-terminal, and everything it wrote."""

    def __init__(self, argv: list[str], env: dict[str, str], rows: int = 30, cols: int = 110) -> None:
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def controlling_tty() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env, cwd=str(ROOT),
                                     preexec_fn=controlling_tty)
        os.close(child)
        self.output = b""

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def expect(self, pattern: bytes, timeout: float = 30, since: int = 0) -> int:
        """Wait until ``pattern`` appears in the output after offset ``since``; returns where it ends."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output[since:])
            if found:
                return since + found.end()
            assert time.monotonic() < deadline, f"timed out waiting for {pattern!r}: {self.output[-2000:]!r}"
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the child closed its end
                    assert re.search(pattern, self.output[since:]), self.output[-2000:]

    def wait(self, timeout: float = 20) -> int:
        """The exit code, reading the terminal meanwhile (a child whose output nobody reads blocks on write)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, f"still running: {self.output[-2000:]!r}"
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    pass
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self.fd)


def test_shell_into_a_pod_and_back_to_the_app(demo, tmp_path):
    ns = create_namespace(demo, "sh", web=True)
    term = None
    try:
        def running() -> str:
            pods = [p for p in get_json(demo, "pods", "-n", ns)["items"] if p["status"].get("phase") == "Running"]
            return pods[0]["metadata"]["name"] if pods else ""
        pod = wait_for(running, timeout=60, message="the web pod running")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "TEXTUAL"))}
        env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", K8STUI_HOME=str(tmp_path), COLUMNS="110",
                   LINES="30")
        term = Terminal([sys.executable, "-m", "k8stui", "--kubeconfig", demo.kubeconfig, "--context", "demo",
                         "-n", ns, "-c", ":pods"], env)
        seen = term.expect(re.escape(pod.encode()))  # the pods view lists it, under the cursor
        term.send(b"S")
        seen = term.expect(rb"Shell into pod", since=seen)
        term.send(b"\r")  # /bin/sh, the default
        seen = term.expect(rb"/ # ", since=seen)  # the app is suspended: the container's shell prompt
        term.send(b"hostname\r")
        seen = term.expect(re.escape(pod.encode()) + rb"\r\n", since=seen)
        term.send(b"exit\r")
        seen = term.expect(rb"exec in " + re.escape(f"{ns}/{pod}".encode()) + rb" \(web\) ended", since=seen)
        # D: an ephemeral debug container (busybox), confirmed, then attached to
        term.send(b"D")
        seen = term.expect(rb"Debug \(ephemeral container\)", since=seen)
        term.send(b"\r")  # busybox:1.36, the default image
        seen = term.expect(rb"Confirm: debug pod", since=seen)
        term.send(b"y")
        seen = term.expect(rb"debug container debugger-\w+ in " + re.escape(f"{ns}/{pod}".encode()), since=seen)
        seen = term.expect(rb"/ # ", since=seen)
        term.send(b"hostname\r")
        seen = term.expect(rb"\r\n" + re.escape(pod.encode()) + rb"\r\n", since=seen)
        term.send(b"exit\r")
        seen = term.expect(rb"\(debugger-\w+\)", since=seen)  # back in the app: "attach in … (debugger-…) ended"
        # a: attach to the app container (no stdin: its output only, ctrl+c detaches)
        term.send(b"a")
        seen = term.expect(rb"Attach to pod", since=seen)
        term.send(b"\r")
        seen = term.expect(rb"output only \(the container has no stdin\)", since=seen)
        seen = term.expect(rb"web: [^\r\n]+\r\n", since=seen)  # the container's output, streamed
        term.send(b"\x03")
        seen = term.expect(rb"\(web\) ended", since=seen)  # back in the app: "attach in … (web) ended"
        term.send(b"q")
        assert term.wait() == 0
        audit = tmp_path / "state" / "k8stui" / "audit.jsonl"  # the XDG state dir under K8STUI_HOME
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        assert [(r["verb"], r["name"], r["outcome"]) for r in lines] == [
            ("exec", pod, "applied"), ("debug", pod, "applied"), ("attach", pod, "applied"),
            ("attach", pod, "applied")]
        assert lines[0]["message"] == "exit code 0" and lines[1]["after"].startswith("+ ephemeral container debugger-")
        containers = get_json(demo, "pod", pod, "-n", ns)["spec"]["ephemeralContainers"]
        assert [c["image"] for c in containers] == ["busybox:1.36"]
    finally:
        if term is not None:
            term.close()
        delete_namespace(demo, ns)
