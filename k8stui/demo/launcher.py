"""Start the demo cluster as a child process and wait until it is ready (for the app, tests and benchmarks).

The app never imports the demo cluster's code: it runs it as a separate program and talks to it only through
the kubeconfig it writes, exactly as to a real cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DemoStartError(RuntimeError):
    """The demo cluster did not come up; the message carries its last output."""


@dataclass
class DemoProcess:
    """A demo cluster child process. Use as a context manager, or call start()/stop()."""

    port: int = 0
    pods: int = 0
    seed: int = 0
    prometheus: bool = True
    time_scale: float = 1.0
    bookmark_interval: float = 5.0
    frozen_state: str | None = None
    extra_args: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)
    _proc: subprocess.Popen | None = None
    _dir: Path | None = None

    @property
    def kubeconfig(self) -> str:
        return self.info["kubeconfig"]

    @property
    def url(self) -> str:
        return self.info["url"]

    @property
    def ca_file(self) -> str:
        return self.info["ca_file"]

    @property
    def prometheus_url(self) -> str | None:
        return self.info.get("prometheus_url")

    @property
    def pid(self) -> int | None:
        """The server process (tests stop it with SIGSTOP to play a frozen API server)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path:
        assert self._dir is not None
        return self._dir / "demo.log"

    def start(self, timeout: float = 90.0) -> DemoProcess:
        self._dir = Path(tempfile.mkdtemp(prefix="k8stui-demo-run-"))
        ready = self._dir / "ready.json"
        cmd = [sys.executable, "-m", "k8stui", "demo", "--serve-only", "--port", str(self.port),
               "--pods", str(self.pods), "--seed", str(self.seed), "--state-dir", str(self._dir / "state"),
               "--ready-file", str(ready), "--time-scale", str(self.time_scale),
               "--bookmark-interval", str(self.bookmark_interval), "--exit-with-parent", *self.extra_args]
        if not self.prometheus:
            cmd.append("--no-prometheus")
        if self.frozen_state:
            cmd += ["--frozen-state", self.frozen_state]
        with open(self.log_path, "wb") as out:
            self._proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True)
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                output = self.log_path.read_text(errors="replace")[-3000:]
                self.stop()
                raise DemoStartError(f"demo cluster did not start: {output.strip()}")
            time.sleep(0.05)
        self.info = json.loads(ready.read_text())
        return self

    def stop(self, timeout: float = 15.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> DemoProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
