"""`k8stui demo --serve-only` as a user runs it: prints how to reach it, serves kubectl, stops everything it
started (Prometheus included) on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _prometheus_pids(state_dir: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"prometheus.*{state_dir}"], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def test_serve_only_prints_kubeconfig_and_stops_everything_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = subprocess.Popen([sys.executable, "-m", "k8stui", "demo", "--serve-only", "--port", "0",
                             "--state-dir", str(state)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("press Ctrl-C"):
                break
        export = next(line for line in lines if line.startswith("export KUBECONFIG="))
        kubeconfig = export.split("=", 1)[1]
        assert Path(kubeconfig).is_file()
        kubectl = shutil.which("kubectl") or "/usr/bin/kubectl"
        env = dict(os.environ, KUBECONFIG=kubeconfig)
        nodes = subprocess.run([kubectl, "get", "nodes", "-o", "name"], capture_output=True, text=True, env=env,
                               timeout=30)
        assert "node/virtual-node-aci" in nodes.stdout.split()
        prometheus_line = next(line for line in lines if line.startswith("prometheus:"))
        if shutil.which("prometheus"):
            assert prometheus_line.startswith("prometheus: http://127.0.0.1:")
            assert _prometheus_pids(state)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert not _prometheus_pids(state)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.parametrize("args, needle", [(["--port", "abc"], "whole number"), (["--time-scale", "0"], "> 0")])
def test_bad_demo_arguments_are_one_clear_error(args: list[str], needle: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "k8stui", "demo", "--serve-only", *args], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr


def test_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "k8stui", "demo", "--serve-only", "--no-prometheus",
                               "--port", str(port), "--state-dir", str(tmp_path / "s")], capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "cannot start" in errors[0] and "Traceback" not in proc.stderr


def test_demo_started_by_a_launcher_stops_when_the_launcher_dies(tmp_path: Path) -> None:
    """`k8stui demo` runs the cluster as a child: if the app is killed outright, the cluster must not linger."""
    launcher = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from k8stui.demo.launcher import DemoProcess\n"
        "d = DemoProcess(prometheus=False).start(); print(d.info['pid'], flush=True); time.sleep(600)")],
        stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert launcher.stdout is not None
        child = int(launcher.stdout.readline())
        os.kill(child, 0)  # running
        launcher.kill()
        launcher.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(child, signal.SIGKILL)
            raise AssertionError("the demo cluster outlived its launcher")
    finally:
        if launcher.poll() is None:
            launcher.kill()
