"""The app's exec/attach and port-forward client (k8stui.actions.sessions) against the demo cluster."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import re
import select
import socket
import struct
import subprocess
import sys
import termios
import time
import urllib.request
from pathlib import Path

import pytest

from k8stui.actions.sessions import ExecTarget, Forwards, PortForwardError, SessionError, open_session, run
from k8stui.cluster.connection import Connection, load_target
from tests.conftest import Demo, ready_pod

ROOT = Path(__file__).resolve().parents[2]


def connect(demo: Demo, context: str = "demo") -> Connection:
    return load_target(demo.kubeconfig, context)


@pytest.fixture(scope="module")
def notes_pod(demo: Demo) -> str:
    return ready_pod(demo, "team-a", "app=notes")


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


async def test_run_returns_output_and_exit_code(demo: Demo, notes_pod: str) -> None:
    conn = connect(demo)
    target = ExecTarget("team-a", notes_pod)
    result = await run(conn, target, ["hostname"])
    assert (result.stdout, result.stderr, result.exit_code) == (f"{notes_pod}\n".encode(), b"", 0)
    result = await run(conn, target, ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"out\n", b"err\n", 3)
    result = await run(conn, target, ["sh"], stdin=b"printenv NOTES_PAGE_SIZE\nexit 4\n")  # stdin, then its end
    assert (result.stdout, result.exit_code) == (b"50\n", 4)


async def test_run_errors_are_one_line(demo: Demo, notes_pod: str) -> None:
    conn = connect(demo)
    with pytest.raises(SessionError, match=r'exec: "curl": executable file not found in \$PATH') as missing:
        await run(conn, ExecTarget("team-a", notes_pod), ["curl", "localhost"])
    assert "\n" not in str(missing.value)
    with pytest.raises(SessionError, match='pods "no-such-pod" not found') as gone:
        await run(conn, ExecTarget("team-a", "no-such-pod"), ["hostname"])
    assert gone.value.status == 404
    shop_pod = ready_pod(demo, "shop", "app=frontend")
    with pytest.raises(SessionError, match=r'cannot create resource "pods/exec"') as denied:
        await run(connect(demo, "demo-dev"), ExecTarget("shop", shop_pod), ["hostname"])
    assert denied.value.status == 403


async def test_terminal_size_reaches_the_container(demo: Demo, notes_pod: str) -> None:
    async with open_session(connect(demo), ExecTarget("team-a", notes_pod), ["sh"], stdin=True, tty=True) as session:
        assert session.protocol == "v5.channel.k8s.io"
        await session.resize(132, 43)
        await session.send_stdin(b"stty size\r")
        seen = b""
        async with asyncio.timeout(20):
            async for _, data in session.output():
                seen += data
                if b"43 132\r\n" in seen:
                    break
        assert session.resizes_sent == [(132, 43)]
        await session.send_stdin(b"exit 0\r")


def test_interactive_shell_in_a_pseudo_terminal(demo: Demo, notes_pod: str) -> None:
    """What the UI does inside App.suspend(): a real terminal in raw mode, a window resize, the exit code,
    and the terminal settings put back."""
    script = (
        "import sys, termios\n"
        "from k8stui.actions.sessions import ExecTarget, interactive\n"
        "from k8stui.cluster.connection import load_target\n"
        "import asyncio\n"
        "before = termios.tcgetattr(0)\n"
        "async def suspended_app():  # called from a running event loop's thread, as inside App.suspend()\n"
        f"    return interactive(load_target({demo.kubeconfig!r}, 'demo'), ExecTarget('team-a', {notes_pod!r}), ['sh'])\n"
        "code = asyncio.run(suspended_app())\n"
        "restored = termios.tcgetattr(0) == before\n"
        "print('EXIT', code, 'RESTORED' if restored else 'NOT-RESTORED', flush=True)\n")
    master, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0))

    def controlling_tty() -> None:  # the pty becomes the child's terminal, so resizes send it SIGWINCH
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=child, stdout=child, stderr=child, env=env,
                            preexec_fn=controlling_tty, cwd=str(ROOT))
    os.close(child)
    output = b""

    def expect(pattern: bytes, timeout: float = 20, nudge: bytes = b"") -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while not re.search(pattern, output):
            assert time.monotonic() < deadline, f"timed out waiting for {pattern!r}: {output[-1500:]!r}"
            if nudge:
                os.write(master, nudge)
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    output += os.read(master, 65536)
                except OSError:
                    break

    try:
        expect(rb"/ # ")
        os.write(master, b"stty size\r")
        expect(rb"30 90\r\n")
        os.write(master, b"hostname\r")
        expect(re.escape(notes_pod.encode()) + rb"\r\n")
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # the window grows
        expect(rb"40 120\r\n", nudge=b"stty size\r")
        os.write(master, b"exit 3\r")
        expect(rb"EXIT 3 RESTORED")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        os.close(master)


async def test_port_forward_counts_traffic_and_stops(demo: Demo, notes_pod: str) -> None:
    forwards = Forwards()
    conn = connect(demo)
    try:
        forward = await forwards.start(conn, "team-a", notes_pod, 5000)
        status, body = await asyncio.to_thread(get, f"{forward.url}/")
        assert status == 200 and json.loads(body)["pod"] == notes_pod
        status, body = await asyncio.to_thread(get, f"{forward.url}/health")
        assert (status, body) == (200, b"ok\n")
        if ipv6_loopback():  # "localhost" listens on ::1 too, as kubectl does
            assert await asyncio.to_thread(get, f"http://[::1]:{forward.local_port}/health") == (200, b"ok\n")
        stats = forward.stats
        assert stats.connections_total == (3 if ipv6_loopback() else 2) and stats.errors == 0, stats
        assert stats.bytes_in > len(body) and stats.bytes_out > 0
        assert [f.id for f in forwards] == [forward.id]
        port = forward.local_port
    finally:
        await forwards.stop_all()
    assert len(forwards) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


async def test_port_forward_busy_port_and_closed_remote_port(demo: Demo, notes_pod: str) -> None:
    forwards = Forwards()
    conn = connect(demo)
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    busy = blocker.getsockname()[1]
    try:
        with pytest.raises(PortForwardError, match=rf"local port {busy} is already in use"):
            await forwards.start(conn, "team-a", notes_pod, 5000, local_port=busy)
        assert len(forwards) == 0
        closed = await forwards.start(conn, "team-a", notes_pod, 6543)
        with pytest.raises(OSError):
            await asyncio.to_thread(get, f"{closed.url}/")
        assert closed.stats.errors == 1 and "connection refused" in closed.stats.last_error
    finally:
        blocker.close()
        await forwards.stop_all()


async def test_port_forward_a_service(demo: Demo) -> None:
    forwards = Forwards()
    try:
        forward = await forwards.start_service(connect(demo), "shop", "api", 80)
        assert forward.label == "svc/api:80" and forward.remote_port == 8080  # targetPort "http"
        status, body = await asyncio.to_thread(get, f"{forward.url}/")
        assert status == 200 and json.loads(body)["app"] == "api"
        with pytest.raises(PortForwardError, match="does not have a service port 81"):
            await forwards.start_service(connect(demo), "shop", "api", 81)
    finally:
        await forwards.stop_all()


async def test_v4_protocol_exit_code(demo: Demo, notes_pod: str) -> None:
    """A server that only speaks v4 (older kubelets through the API server): the exit code still arrives."""
    async with open_session(connect(demo), ExecTarget("team-a", notes_pod), ["sh", "-c", "exit 9"],
                            protocols=["v4.channel.k8s.io"]) as session:
        assert session.protocol == "v4.channel.k8s.io"
        assert [chunk async for chunk in session.output()] == []
        assert session.exit_code() == 9


async def test_attach_follows_the_container_output(demo: Demo) -> None:
    pod = ready_pod(demo, "shop", "app=api,version=blue")
    async with open_session(connect(demo), ExecTarget("shop", pod, "api"), attach=True) as session:
        seen = b""
        async with asyncio.timeout(30):
            async for channel, data in session.output():
                assert channel == 1
                seen += data
                if re.search(rb'"(GET|POST|PUT|DELETE) /\S* HTTP/1\.1" \d{3}', seen):
                    break


def test_debug_container_then_attach(demo: Demo) -> None:
    ns = "debug-client"
    demo.kubectl("create", "namespace", ns)
    try:
        demo.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1", "-n", ns)
        demo.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
        asyncio.run(_debug_then_attach(demo, ns, ready_pod(demo, ns, "app=web")))
    finally:
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


async def _debug_then_attach(demo: Demo, ns: str, pod_name: str) -> None:
    from k8stui.actions.sessions import add_debug_container, attach_mode, wait_running

    conn = connect(demo)
    name = await add_debug_container(conn, ns, pod_name, target="nginx")
    assert name.startswith("debugger-")
    await wait_running(conn, ns, pod_name, name, timeout=30)
    pod = json.loads(demo.kubectl("get", "pod", pod_name, "-n", ns, "-o", "json").stdout)
    assert attach_mode(pod, name) == (True, True) and attach_mode(pod, "nginx") == (False, False)
    async with open_session(conn, ExecTarget(ns, pod_name, name), attach=True, stdin=True,
                            tty=True) as session:
        await session.send_stdin(b"hostname\r")
        seen = b""
        async with asyncio.timeout(20):
            async for _, data in session.output():
                seen += data
                if f"{pod_name}\r\n".encode() in seen:
                    break
        await session.send_stdin(b"exit\r")
    with pytest.raises(SessionError, match="existing ephemeral containers may not be removed or changed"):
        await add_debug_container(conn, ns, pod_name, name=name, image="alpine:3.20")
    with pytest.raises(SessionError, match='pods "nope" not found'):
        await add_debug_container(conn, ns, "nope")


async def test_a_cut_connection_ends_the_session_with_an_error(demo: Demo, notes_pod: str) -> None:
    with pytest.raises(SessionError, match="without an exit status|interrupted|connection to the API server was lost"):
        async with open_session(connect(demo), ExecTarget("team-a", notes_pod), ["sh"], stdin=True,
                                tty=True) as session:
            await session.send_stdin(b"echo ready\r")
            seen = b""
            async for _, data in session.output():
                seen += data
                if b"ready\r\n" in seen:
                    break
            assert (await asyncio.to_thread(demo.admin, "drop-streams", {}))["dropped"] >= 1
            async with asyncio.timeout(20):
                async for _ in session.output():
                    pass
            session.exit_code()
