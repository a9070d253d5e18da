"""Bad input before the UI starts: one clear line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_k8stui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"} | (env or {})
    return subprocess.run([sys.executable, "-m", "k8stui", *args], capture_output=True, text=True, timeout=60,
                          env=full_env, stdin=subprocess.DEVNULL)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_missing_kubeconfig(tmp_path: Path) -> None:
    assert_one_line_error(run_k8stui("--kubeconfig", str(tmp_path / "nope.yaml")), "nope.yaml")


def test_malformed_kubeconfig(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nclusters: [\n  - name: x\n")
    assert_one_line_error(run_k8stui("--kubeconfig", str(bad)), "bad.yaml")


def test_unknown_context(demo) -> None:
    assert_one_line_error(run_k8stui("--kubeconfig", demo.kubeconfig, "--context", "nope"), "nope")


def test_unreachable_server(demo, tmp_path: Path) -> None:
    text = Path(demo.kubeconfig).read_text().replace(demo.url, "https://127.0.0.1:1")
    moved = tmp_path / "kubeconfig"
    moved.write_text(text)
    assert_one_line_error(run_k8stui("--kubeconfig", str(moved)), "127.0.0.1:1")


@pytest.mark.parametrize("args, needle", [
    (["demo", "--port", "99999"], "port"),
    (["demo", "--pods", "-5"], "-5"),
    (["-n", "shop", "-A"], "not allowed"),
])
def test_bad_arguments(args: list[str], needle: str) -> None:
    proc = run_k8stui(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version() -> None:
    proc = run_k8stui("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("k8stui ")
