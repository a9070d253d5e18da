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


def test_help_names_the_real_themes() -> None:
    proc = run_k8stui("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split()).replace("- ", "-")  # argparse wraps at hyphens
    for name in ("k8stui-dark", "k8stui-light", "high-contrast", "solarized-dark", "dracula"):
        assert name in text
    assert "light," not in text.replace("k8stui-light,", "")  # no made-up short names


@pytest.mark.parametrize("args", [["--theme", "light"], ["--theme", "solarized"], ["demo", "--theme", "nope"]])
def test_unknown_theme_is_an_error_listing_the_names(args: list[str], tmp_path: Path) -> None:
    # Checked before anything else: no kubeconfig is read, no demo cluster is started.
    proc = run_k8stui(*args, "--kubeconfig", str(tmp_path / "missing.yaml"))
    assert_one_line_error(proc, "unknown theme", args[-1], "k8stui-dark", "k8stui-light", "solarized-dark")


def test_unknown_theme_in_config_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config" / "k8stui").mkdir(parents=True)
    (tmp_path / "config" / "k8stui" / "config.toml").write_text('theme = "light"\n')
    proc = run_k8stui("--kubeconfig", str(tmp_path / "missing.yaml"), env={"K8STUI_HOME": str(tmp_path)})
    assert_one_line_error(proc, "config.toml", "unknown theme 'light'", "k8stui-light")


@pytest.mark.parametrize("args", [["demo"], ["--kubeconfig", "/nonexistent/kubeconfig"]])
def test_broken_ui_dependency_is_one_line_not_a_hang(args: list[str], tmp_path: Path) -> None:
    """A dependency that fails to import is reported at once (exit 2), before any cluster is started."""
    shim = tmp_path / "shim" / "textual"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('textual is broken in this environment')\n")
    path = os.pathsep.join([str(tmp_path / "shim"), os.environ.get("PYTHONPATH", str(Path.cwd()))])
    proc = run_k8stui(*args, env={"PYTHONPATH": path})
    assert_one_line_error(proc, "textual is broken")


def test_the_demo_says_it_is_starting_and_stopping_the_cluster(tmp_path: Path) -> None:
    """``k8stui demo`` says it is starting the cluster before the app can draw, and after ``q`` that the cluster is
    being stopped and when it is done, once the app has given the screen back (seconds of a blank terminal)."""
    import re

    from ui.test_shell_terminal import ROOT, Terminal

    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "TEXTUAL"))}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", K8STUI_HOME=str(tmp_path))
    term = Terminal([sys.executable, "-m", "k8stui", "demo", "--no-prometheus"], env)
    try:
        term.expect(re.escape("k8stui demo: starting the demo cluster…".encode()), timeout=10)
        seen = term.expect(rb"api-blue", timeout=60)  # the dashboard is up
        term.send(b"q")
        left = term.expect(re.escape(b"\x1b[?1049l"), since=seen)  # the app left the alternate screen
        term.expect(re.escape("k8stui demo: stopping the demo cluster… done".encode()), since=left)
        assert term.wait() == 0
    finally:
        term.close()
