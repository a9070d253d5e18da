"""A wheel of the checkout, installed into a fresh venv outside it, starts: ``--version`` and a headless start on
the demo cluster (tests/headless_start.py, run by the venv's python with nothing from the checkout importable).

Offline on purpose: the wheel is built with the installed setuptools (no build isolation) and installed without
its dependencies into a venv that sees this environment's packages; the script then proves that k8stui came from
the venv and that every module it imported is declared (directly or through a dependency). .ci/run also does a
``pip install .`` of the clean clone into an isolated venv with its dependencies from the index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _copy_sources(dest: Path) -> None:
    """The files a clean clone has (tracked plus new, not ignored ones): no build/ or egg-info leftovers."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                                capture_output=True, check=True).stdout.decode().split("\0")
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache", ".ruff_cache"))


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_wheel_in_a_fresh_venv_starts_on_the_demo(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _copy_sources(source)
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", tmp_path / "dist", source, cwd=tmp_path)
    wheels = list((tmp_path / "dist").glob("k8stui-*.whl"))
    assert len(wheels) == 1

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheels[0],
         cwd=tmp_path)

    # Outside the checkout, with nothing pointing back into it.
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = shutil.copy(ROOT / "tests" / "headless_start.py", work / "headless_start.py")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KUBECONFIG", "VIRTUAL_ENV")}
    env["K8STUI_HOME"] = str(tmp_path / "home")
    out = _run(python, script, cwd=work, env=env, timeout=240)
    assert "headless start: ok" in out
