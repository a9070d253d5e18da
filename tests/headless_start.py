"""What an installed k8stui must do on a fresh machine, run by the python of the venv it was installed into.

Used by tests/test_install.py (a wheel in a venv outside the checkout) and by .ci/run (``pip install .`` of a
clean clone into an isolated venv). It is a plain script, not a test module: it must not import anything from
the checkout, only the installed ``k8stui``.

1. ``k8stui --version`` from the venv's console script;
2. ``k8stui demo --serve-only`` from the venv starts the demo cluster;
3. the app starts headless (Textual ``run_test``, 80x24) on it with the default theme and shows the
   dashboard's workloads;
4. every module k8stui's code imports comes from the standard library or from a distribution k8stui declares
   (directly or through its dependencies): a missing ``dependencies`` entry cannot hide behind a package that
   happens to be installed.

Prints ``headless start: ok`` and exits 0, or prints the problem and exits 1.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

TIMEOUT = 90.0


def _fail(message: str) -> None:
    print(f"headless start: FAILED: {message}", flush=True)
    sys.exit(1)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_closure(root: str) -> set[str]:
    """``root`` and every distribution it requires, transitively (extras-only requirements left out)."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # an environment-marker dependency not needed here
        for requirement in requires:
            spec, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
            if match:
                todo.append(match.group(1))
    return seen


def _imports_of(package_dir: Path) -> dict[str, str]:
    """Top-level modules k8stui's own code imports (outside ``try: ... except ImportError``), and where."""
    found: dict[str, str] = {}
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        guarded = {id(node) for t in ast.walk(tree) if isinstance(t, ast.Try)
                   and any("ImportError" in ast.unparse(h.type or ast.Name("")) for h in t.handlers)
                   for stmt in t.body for node in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], f"{path.relative_to(package_dir.parent)}:{node.lineno}")
    return found


def _undeclared_imports(package_dir: Path) -> list[str]:
    closure = _declared_closure("k8stui")
    owners = metadata.packages_distributions()
    problems = []
    for top, where in sorted(_imports_of(package_dir).items()):
        if top in sys.stdlib_module_names or top == "k8stui":
            continue
        dists = owners.get(top)
        if not dists:
            problems.append(f"{top} ({where}: installed by no distribution)")
        elif not any(_canonical(d) in closure for d in dists):
            problems.append(f"{top} ({where}: from {', '.join(dists)}, not declared)")
    return problems


async def _run_app(kubeconfig: str) -> None:
    from k8stui.cluster.connection import load_target
    from k8stui.config import Settings
    from k8stui.ui.app import K8sTuiApp

    app = K8sTuiApp(load_target(kubeconfig, "demo", None), Settings(), kubeconfig=kubeconfig)
    async with app.run_test(size=(80, 24)) as pilot:
        if app.theme != "k8stui-dark":
            _fail(f"theme is {app.theme!r}, not the built-in k8stui-dark")
        deadline = time.monotonic() + TIMEOUT
        while "api-blue" not in app.export_screenshot():
            if time.monotonic() > deadline:
                _fail("the dashboard did not show the demo's workloads")
            await pilot.pause(0.2)


def main() -> None:
    import k8stui

    prefix = Path(sys.prefix).resolve()
    if not Path(k8stui.__file__).resolve().is_relative_to(prefix):
        _fail(f"k8stui imported from {k8stui.__file__}, not from the venv {prefix}")
    console_script = Path(sys.executable).parent / "k8stui"
    version = subprocess.run([console_script, "--version"], capture_output=True, text=True, timeout=60)
    if version.returncode != 0 or not version.stdout.startswith("k8stui "):
        _fail(f"k8stui --version: {version.returncode} {version.stdout.strip()} {version.stderr.strip()}")
    print(version.stdout.strip(), flush=True)

    with tempfile.TemporaryDirectory(prefix="k8stui-headless-") as tmp:
        ready = Path(tmp) / "ready.json"
        log = open(Path(tmp) / "demo.log", "wb")  # noqa: SIM115
        demo = subprocess.Popen([console_script, "demo", "--serve-only", "--no-prometheus", "--exit-with-parent",
                                 "--state-dir", str(Path(tmp) / "state"), "--ready-file", str(ready)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + TIMEOUT
            while not ready.exists():
                if demo.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    _fail(f"demo did not start: {(Path(tmp) / 'demo.log').read_text(errors='replace')[-2000:]}")
                time.sleep(0.05)
            asyncio.run(_run_app(json.loads(ready.read_text())["kubeconfig"]))
        finally:
            demo.terminate()
            try:
                demo.wait(timeout=15)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()
            log.close()

    undeclared = _undeclared_imports(Path(k8stui.__file__).parent)
    if undeclared:
        _fail(f"imported but not declared in k8stui's dependencies: {'; '.join(undeclared)}")
    print("headless start: ok", flush=True)


if __name__ == "__main__":
    main()
