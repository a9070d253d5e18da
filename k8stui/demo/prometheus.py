"""A real Prometheus process scraping the demo cluster, so k8stui's graphs and alerts run real PromQL.

It writes ``prometheus.yml`` (one HTTPS scrape job with the demo CA and a bearer token) and a rules file
(``KubePodCrashLooping``, ``HighErrorRate``, ``KubeDeploymentReplicasMismatch``) into a work directory,
starts ``prometheus`` on a free loopback port with a throw-away TSDB (seeded with an hour of history blocks
when demo/history.py made them), waits for ``/-/ready`` and hands back its URL. Only 127.0.0.1 is used. ``start``/``stop`` block; ``astart``/``astop`` run them in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import yaml

RULES = {
    "groups": [{
        "name": "k8stui-demo",
        "interval": "2s",
        "rules": [
            {
                "alert": "KubePodCrashLooping",
                "expr": 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[1m]) >= 1',
                "for": "10s",
                "labels": {"severity": "warning"},
                "annotations": {
                    "summary": "Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping.",
                    "description": ("Container {{ $labels.container }} of pod {{ $labels.namespace }}/"
                                    "{{ $labels.pod }} is waiting in CrashLoopBackOff."),
                },
            },
            {
                "alert": "HighErrorRate",
                "expr": ('sum by (namespace, app, version) (rate(http_requests_total{code=~"5.."}[1m]))\n'
                         "  / sum by (namespace, app, version) (rate(http_requests_total[1m])) > 0.05"),
                "for": "30s",
                "labels": {"severity": "critical"},
                "annotations": {
                    "summary": "{{ $labels.namespace }}/{{ $labels.app }} ({{ $labels.version }}) answers 5xx "
                               "to more than 5% of requests.",
                    "description": "5xx ratio is {{ $value | humanizePercentage }} over the last minute.",
                },
            },
            {
                "alert": "KubeDeploymentReplicasMismatch",
                "expr": "kube_deployment_spec_replicas > kube_deployment_status_replicas_available",
                "for": "1m",
                "labels": {"severity": "warning"},
                "annotations": {
                    "summary": "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has fewer available "
                               "replicas than desired.",
                    "description": "{{ $value }} replicas wanted but not all are available for over a minute.",
                },
            },
        ],
    }],
}


SCRAPE_JOB = "k8stui-demo"
"""The scrape job of the API server's /metrics (its ``job`` label; the history written at start carries it too)."""


def find_prometheus() -> str | None:
    """The ``prometheus`` binary on PATH (Debian installs it as /usr/bin/prometheus), or None."""
    return shutil.which("prometheus")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_exporter_targets(api_url: str, pods: list[dict]) -> list[dict]:
    """file_sd targets for the node-exporter pods: each scraped through the API server's pod proxy
    (``/api/v1/namespaces/NS/pods/NAME:9100/proxy/metrics``), labelled with its pod, node and host address."""
    host = urlsplit(api_url).netloc
    out = []
    for pod in pods:
        meta, status = pod["metadata"], pod.get("status") or {}
        out.append({"targets": [host], "labels": {
            "__metrics_path__": f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}:9100/proxy/metrics",
            "instance": f"{status.get('hostIP', '')}:9100", "namespace": meta["namespace"], "pod": meta["name"],
            "node": (pod.get("spec") or {}).get("nodeName", "")}})
    return sorted(out, key=lambda t: t["labels"]["pod"])


def scrape_config(api_url: str, ca_file: str, token: str, scrape_interval: str, rules_file: str,
                  node_targets_file: str | None = None) -> dict:
    """``prometheus.yml`` as a dict: one job scraping ``{api_url}/metrics`` over TLS with a bearer token, and
    (with ``node_targets_file``) a ``node-exporter`` job whose pods are listed in that file_sd file."""
    parts = urlsplit(api_url)
    base_path = parts.path.rstrip("/")
    jobs = [{
        "job_name": "node-exporter",
        "scheme": parts.scheme or "https",
        "tls_config": {"ca_file": ca_file},
        "authorization": {"type": "Bearer", "credentials": token},
        "file_sd_configs": [{"files": [node_targets_file], "refresh_interval": "5s"}],
    }] if node_targets_file else []
    return {
        "global": {"scrape_interval": scrape_interval, "scrape_timeout": scrape_interval,
                   "evaluation_interval": "2s", "external_labels": {"cluster": "k8stui-demo"}},
        "rule_files": [rules_file],
        "scrape_configs": [{
            "job_name": SCRAPE_JOB,
            "scheme": parts.scheme or "https",
            "metrics_path": f"{base_path}/metrics",
            "honor_labels": True,  # our namespace/pod/node labels are the truth, as with kube-state-metrics
            "tls_config": {"ca_file": ca_file},
            "authorization": {"type": "Bearer", "credentials": token},
            "static_configs": [{"targets": [parts.netloc]}],
        }, *jobs],
    }


class PrometheusProcess:
    """One ``prometheus`` child process with its config, rules, log and temporary TSDB in ``workdir``."""

    def __init__(self, api_url: str, ca_file: str, token: str, workdir: Path, scrape_interval: str = "2s",
                 binary: str | None = None, history_dir: Path | None = None) -> None:
        self.api_url = api_url
        self.ca_file = ca_file
        self.token = token
        self.workdir = Path(workdir)
        self.scrape_interval = scrape_interval
        self.binary = binary or find_prometheus()
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.data_dir: Path | None = None
        self.config_file = self.workdir / "prometheus.yml"
        self.rules_file = self.workdir / "rules.yml"
        self.log_file = self.workdir / "prometheus.log"
        self.node_targets_file = self.workdir / "node-exporter-targets.json"
        self.history_dir = history_dir  # TSDB blocks to start with (demo/history.py)

    @property
    def url(self) -> str | None:
        return f"http://127.0.0.1:{self.port}" if self.port else None

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rules_file.write_text(yaml.safe_dump(RULES, sort_keys=False))
        if not self.node_targets_file.exists():
            self.node_targets_file.write_text("[]")
        config = scrape_config(self.api_url, self.ca_file, self.token, self.scrape_interval, str(self.rules_file),
                               str(self.node_targets_file))
        self.config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        self.config_file.chmod(0o600)  # it holds the bearer token

    def write_node_targets(self, pods: list[dict]) -> None:
        """Replace the node-exporter targets (Prometheus' file_sd picks the change up within seconds)."""
        import json  # noqa: PLC0415

        self.workdir.mkdir(parents=True, exist_ok=True)
        tmp = self.node_targets_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(node_exporter_targets(self.api_url, pods)))
        tmp.replace(self.node_targets_file)

    def start(self, timeout: float = 20.0) -> str:
        """Start Prometheus and wait until it is ready; return its URL. Raises RuntimeError on failure."""
        if self.binary is None:
            raise RuntimeError("prometheus is not installed (not on PATH)")
        if self.proc is not None:
            assert self.url is not None
            return self.url
        self.write_config()
        deadline = time.monotonic() + timeout
        last_error = ""
        for _attempt in range(3):  # the free port can be taken between our probe and Prometheus' bind
            self.port = free_port()
            self.data_dir = Path(tempfile.mkdtemp(prefix="tsdb-", dir=self.workdir))
            if self.history_dir is not None and self.history_dir.is_dir():
                shutil.copytree(self.history_dir, self.data_dir, dirs_exist_ok=True)
            with open(self.log_file, "ab") as log:
                self.proc = subprocess.Popen(
                    [self.binary, f"--config.file={self.config_file}", f"--storage.tsdb.path={self.data_dir}",
                     f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=2h",
                     "--web.enable-lifecycle", "--log.level=info"],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.workdir)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = self._log_tail()
                    break
                if self._ready():
                    assert self.url is not None
                    return self.url
                time.sleep(0.1)
            else:
                last_error = "not ready in time\n" + self._log_tail()
                self.stop()
                break
            self._cleanup_data()
            self.proc = None
            if "address already in use" not in last_error:
                break
        self.port = None
        raise RuntimeError(f"prometheus did not start: {last_error.strip()[-2000:]}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1.0) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate (then kill) the process and delete its TSDB. Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=5)
        self._cleanup_data()
        self.port = None

    def _cleanup_data(self) -> None:
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None

    async def astart(self, timeout: float = 20.0) -> str:
        return await asyncio.to_thread(self.start, timeout)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)
