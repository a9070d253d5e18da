"""DemoCluster: wires store, scenario, controllers, telemetry, logs, HTTPS server and Prometheus together.

This is the whole demo cluster process (``k8stui demo --serve-only``). It owns everything it starts and stops
all of it, in reverse order, on ``stop()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import shutil
import ssl
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from . import certs, history, rbac, scenario_findings
from .auth import Authenticator
from .controllers import ControllerManager
from .kubeconfig import write_kubeconfig
from .logs import LogService
from .node_exporter import NodeExporterMetrics
from .prometheus import SCRAPE_JOB, PrometheusProcess, find_prometheus
from .resources import CRDS, PODS
from .scenario import load_default
from .server import ApiServer
from .sim import SimConfig
from .store import Store
from .telemetry import Telemetry

log = logging.getLogger("k8stui.demo")
NODE_EXPORTER_NAMESPACE = "monitoring"


@dataclass
class ReadyInfo:
    """What a client needs to reach a running demo cluster; written as JSON to ``--ready-file``."""

    url: str
    kubeconfig: str
    ca_file: str
    prometheus_url: str | None
    admin_url: str
    state_dir: str
    pid: int


class DemoCluster:
    """A running demo cluster on 127.0.0.1."""

    def __init__(self, *, port: int = 0, sim: SimConfig | None = None, state_dir: Path | None = None,
                 prometheus: bool = True, bookmark_interval: float = 5.0, frozen_state: Path | None = None) -> None:
        self.port = port
        self.sim = sim or SimConfig()
        self._own_state_dir = state_dir is None
        self.state_dir = Path(state_dir or tempfile.mkdtemp(prefix="k8stui-demo-"))
        self.want_prometheus = prometheus
        self.frozen_state = frozen_state
        self.store = Store(history_seconds=self.sim.watch_history_seconds)
        self.auth = Authenticator(store=self.store)  # RBAC from the stored roles and bindings (rbac.py)
        self.telemetry = Telemetry(self.store, self.sim)
        self.logs = LogService(self.store, self.sim)
        self.controllers = ControllerManager(self.store, self.sim)
        self.api = ApiServer(self.store, self.auth, logs=self.logs, telemetry=self.telemetry,
                             bookmark_interval=bookmark_interval, on_restart=self.restart,
                             proxy=self._service_proxy)
        self.api.admin_hooks["cronjobs/fire"] = self._fire_cronjob
        self.api.admin_hooks.update(scenario_findings.admin_hooks(self.store))  # /_demo/scenario/...
        self.api.node_metrics = NodeExporterMetrics(self.store, self.telemetry)
        self._node_targets: tuple | None = None
        self._node_targets_pending = False
        self.store.subscribe(self._on_node_exporter_change)
        self.prometheus: PrometheusProcess | None = None
        self.prometheus_url: str | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._ssl: ssl.SSLContext | None = None
        self.cert_files: certs.CertFiles | None = None
        self.kubeconfig_path = self.state_dir / "kubeconfig"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> ReadyInfo:
        self.cert_files = certs.mint(self.state_dir / "pki")
        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ssl.load_cert_chain(self.cert_files.server_cert, self.cert_files.server_key)
        # The scenario (with --pods 50000: millions of dicts, none garbage) loads with the cyclic collector off, then
        # is frozen out of later collections: otherwise collections over the growing heap take most of the start.
        gc.disable()
        try:
            if self.frozen_state is not None:
                load_frozen(self.store, self.frozen_state)  # a saved cluster, exactly as saved: no controllers
            else:
                load_default(self.store, self.sim)
                self.controllers.start()
        finally:
            gc.enable()
        gc.freeze()
        rbac.ensure_bootstrap(self.store)  # the API server's default roles and bindings, in every mode
        counting_since = time.time()  # the live request counters count from here on
        self.telemetry.start()
        history = self._start_history(counting_since)
        self._runner = web.AppRunner(self.api.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        await self._listen()
        self.api.server_address = f"127.0.0.1:{self.port}"
        write_kubeconfig(self.kubeconfig_path, self.url, self.cert_files.ca_cert.read_bytes(),
                         self.auth.admin_token, self.auth.dev_token)
        if self.want_prometheus and find_prometheus():
            history_dir = await self._finish_history(history)
            self.prometheus = PrometheusProcess(self.url, str(self.cert_files.ca_cert), self.auth.admin_token,
                                                self.state_dir / "prometheus", history_dir=history_dir)
            self._write_node_targets()
            try:
                self.prometheus_url = await asyncio.to_thread(self.prometheus.start)
            except Exception as exc:  # the cluster still works without it; say so
                log.warning("prometheus did not start: %s", exc)
                self.prometheus = None
        return self.ready_info()

    def _start_history(self, end: float) -> asyncio.Task | None:
        """An hour of metrics history for Prometheus (demo/history.py) up to ``end`` (when the live counters
        started: they continue it with no gap), built once the controllers have created the scenario's pods, in a
        thread while the server starts; None when there will be no Prometheus or the cluster is a frozen replay."""
        if not (self.want_prometheus and find_prometheus()) or self.frozen_state is not None:
            return None

        async def build() -> dict | None:
            await self._pods_created()
            for _ in range(500):  # the history's series are the live scrape's: same job and instance labels
                if self.port:
                    break
                await asyncio.sleep(0.01)
            past = history.PastStore(self.store)
            target = (("instance", f"127.0.0.1:{self.port}"), ("job", SCRAPE_JOB))
            return await asyncio.to_thread(history.build_blocks, past, self.sim,
                                           self.state_dir / "prometheus" / "history", end=end, target=target)

        return asyncio.ensure_future(build())

    async def _pods_created(self, timeout: float = 3.0) -> None:
        """Until the controllers have created the scenario's pods (the pod count stopped growing)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last, stable = -1, 0
        while loop.time() < deadline and stable < 3:
            count = sum(1 for _ in self.store.iter_objects(PODS))
            stable = stable + 1 if count == last and count else 0
            last = count
            await asyncio.sleep(0.05)

    async def _finish_history(self, task: asyncio.Task | None) -> Path | None:
        if task is None:
            return None
        try:
            requests = await task
        except Exception as exc:  # history is a nicety: never fail the demo over it
            log.warning("no metrics history: %s", exc)
            return None
        if requests is None:
            return None
        for key, value in requests.items():  # the live request counters continue from the history's
            self.telemetry.requests[key] = self.telemetry.requests.get(key, 0) + value
        return self.state_dir / "prometheus" / "history"

    def ready_info(self) -> ReadyInfo:
        assert self.cert_files is not None
        return ReadyInfo(url=self.url, kubeconfig=str(self.kubeconfig_path), ca_file=str(self.cert_files.ca_cert),
                         prometheus_url=self.prometheus_url, admin_url=f"{self.url}/_demo",
                         state_dir=str(self.state_dir), pid=os.getpid())

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=self._ssl, backlog=512,
                                 reuse_address=True)
        await self._site.start()
        if self.port == 0:
            sockets = self._site._server.sockets if self._site._server else []  # type: ignore[union-attr]
            self.port = sockets[0].getsockname()[1]

    async def restart(self, down_seconds: float) -> None:
        """Simulate an API server restart: stop listening, cut every connection, come back with the same state."""
        assert self._runner is not None and self._site is not None
        await self._site.stop()
        self.api.drop_streams()
        server = self._runner.server
        if server is not None:
            for handler in server.connections:
                if handler.transport is not None:
                    handler.transport.abort()
        await asyncio.sleep(down_seconds)
        await self._listen()

    async def _service_proxy(self, namespace: str, name: str, path: str, request: web.Request) -> web.StreamResponse:
        """``/api/v1/namespaces/NS/services/NAME[:PORT]/proxy/PATH``: the demo's only in-cluster HTTP service
        is Prometheus (``monitoring/prometheus``), forwarded to the real Prometheus process."""
        service = name.split(":")[0]
        if (namespace, service) != ("monitoring", "prometheus") or not self.prometheus_url:
            return web.json_response({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 503,
                                      "reason": "ServiceUnavailable",
                                      "message": f'no endpoints available for service "{service}"'}, status=503)
        target = f"{self.prometheus_url}/{path}"
        async with ClientSession(timeout=ClientTimeout(total=30), connector=TCPConnector(force_close=True)) as s:
            body = await request.read()
            async with s.request(request.method, target, params=request.query, data=body or None,
                                 headers={k: v for k, v in request.headers.items()
                                          if k.lower() in ("content-type", "accept")}) as upstream:
                payload = await upstream.read()
                return web.Response(body=payload, status=upstream.status,
                                    content_type=upstream.content_type or "application/octet-stream")

    def _node_exporter_pods(self) -> list[dict]:
        return [p for p in self.store.list(PODS, NODE_EXPORTER_NAMESPACE)
                if (p["metadata"].get("labels") or {}).get("app.kubernetes.io/name") == "node-exporter"
                and (p.get("status") or {}).get("podIP") and (p.get("status") or {}).get("phase") == "Running"
                and not p["metadata"].get("deletionTimestamp")]

    def _write_node_targets(self) -> None:
        self._node_targets_pending = False
        pods = self._node_exporter_pods()
        key = tuple((p["metadata"]["name"], p["status"].get("hostIP")) for p in pods)
        if self.prometheus is not None and key != self._node_targets:
            self._node_targets = key
            self.prometheus.write_node_targets(pods)

    def _on_node_exporter_change(self, change) -> None:
        """Keep Prometheus' node-exporter targets file in step with the DaemonSet's pods (debounced)."""
        if change.rt is not PODS or self.prometheus is None or self._node_targets_pending:
            return
        if change.obj["metadata"].get("namespace") != NODE_EXPORTER_NAMESPACE:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(0.5, self._write_node_targets)
            self._node_targets_pending = True

    def _fire_cronjob(self, body: dict) -> dict:
        """``POST /_demo/cronjobs/fire {"namespace", "name"}``: run a CronJob's next schedule now."""
        return self.controllers.cronjobs.fire(body.get("namespace", ""), body.get("name", ""))

    async def stop(self) -> None:
        if self.prometheus is not None:
            await asyncio.to_thread(self.prometheus.stop)
            self.prometheus = None
        await self.controllers.stop()
        await self.telemetry.stop()
        self.api.drop_streams()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def load_frozen(store: Store, path: Path) -> None:
    """Objects saved as a JSON list (see tests/ui/fixtures) are restored verbatim; nothing reconciles them."""
    data = json.loads(path.read_text())
    objects = data["objects"] if isinstance(data, dict) else data
    # CRDs first: restoring one makes its custom resources' type known (crds.py).
    objects = sorted(objects, key=lambda o: o.get("kind") != CRDS.kind)
    for obj in objects:
        rt = store.types.by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
        if rt is not None:
            store.restore(rt, obj)


def write_ready_file(path: Path, info: ReadyInfo) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info)))
    tmp.replace(path)
