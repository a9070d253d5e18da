"""Session fixtures: one demo cluster per test session, reached only through its kubeconfig and admin API."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from k8stui.demo.launcher import DemoProcess

# K8STUI_TEST_KUBECTL runs the suite's kubectl calls with one client minor (e.g. .../kubectl.1.27) instead of the
# dispatcher on PATH, which picks the minor matching the demo's reported server version.
KUBECTL = os.environ.get("K8STUI_TEST_KUBECTL") or shutil.which("kubectl") or "/usr/bin/kubectl"

# Keep the app's remembered choices and audit log out of the user's home during tests; one home per xdist worker
# (workers inherit the controller's environment, and tests read "the newest audit line" of their own runs).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER or "K8STUI_HOME" not in os.environ:
    os.environ["K8STUI_HOME"] = tempfile.mkdtemp(prefix=f"k8stui-test-home-{_WORKER or 'main'}-")


@dataclass
class Demo:
    """A running demo cluster as tests use it."""

    process: DemoProcess

    @property
    def kubeconfig(self) -> str:
        return self.process.kubeconfig

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def prometheus_url(self) -> str | None:
        return self.process.prometheus_url

    def kubectl(self, *args: str, context: str = "demo", check: bool = True, timeout: float = 60,
                input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run real kubectl against the demo cluster; ``check`` raises with kubectl's stderr on failure."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        env["KUBECONFIG"] = self.kubeconfig
        env["HOME"] = os.environ.get("HOME", "/root")
        proc = subprocess.run([KUBECTL, "--context", context, *args], capture_output=True, text=True,
                              timeout=timeout, env=env, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc

    def admin(self, op: str, body: dict[str, Any] | None = None, method: str | None = None) -> Any:
        """Call the demo's test-only admin API (``/_demo/OP``)."""
        ctx = ssl.create_default_context(cafile=self.process.ca_file)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_demo/{op}", data=data,
                                     method=method or ("POST" if body is not None else "GET"),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def request_seq(self) -> int:
        """The number of the newest request the server has logged."""
        records = self.admin("requests")
        return records[-1]["seq"] if records else 0

    def requests_since(self, seq: int) -> list[dict[str, Any]]:
        return self.admin(f"requests?since={seq}")

    def set_faults(self, **plan: Any) -> None:
        self.admin("faults", plan)

    def clear_faults(self) -> None:
        self.admin("faults", {})


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2,
             message: str = "condition") -> Any:
    """Poll until ``predicate()`` is truthy; fail the test with ``message`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


def ready_pod(demo: Demo, namespace: str, selector: str) -> str:
    """A ready, not terminating pod of ``selector`` (waits for one: the scenario may still be starting)."""
    def find() -> str | None:
        out = demo.kubectl("get", "pods", "-n", namespace, "-l", selector, "--field-selector=status.phase=Running",
                           "-o", "json").stdout
        pods = [p for p in json.loads(out)["items"] if not p["metadata"].get("deletionTimestamp")
                and p["status"].get("containerStatuses")
                and all(cs.get("ready") for cs in p["status"]["containerStatuses"])]
        return pods[0]["metadata"]["name"] if pods else None
    return wait_for(find, timeout=60, message=f"a ready pod for {selector} in {namespace}")


@pytest.fixture(scope="session")
def demo() -> Iterator[Demo]:
    """The shared demo cluster (with Prometheus when the binary is installed)."""
    process = DemoProcess(bookmark_interval=1.0)
    process.start()
    try:
        handle = Demo(process)
        # Let the scenario converge before tests look at it.
        wait_for(lambda: "3/3" in handle.kubectl("get", "deploy", "api-blue", "-n", "shop", check=False).stdout,
                 timeout=60, message="api-blue 3/3 ready")
        yield handle
    finally:
        process.stop()


PROXY_PATH = "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy"  # the demo's Prometheus via the API


@pytest.fixture
def prometheus(demo) -> str:
    """The demo's Prometheus URL (the test is skipped when the binary is not installed)."""
    if not demo.prometheus_url:
        pytest.skip("prometheus is not installed")
    return demo.prometheus_url
