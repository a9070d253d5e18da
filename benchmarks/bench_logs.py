"""Log pane speed. Prints one JSON object.

    python benchmarks/bench_logs.py [--lines 200000] [--hours 30] [--rate 5000] [--presses 200]

Figures (issue 5 targets):
- pipeline_lines_per_s (>= 50k): demo-style log lines (access, ANSI-coloured with hostile lines, JSON) through
  parse + clean + format detection + ring buffer + regex filter index, in-process, no network;
  json_level_filter_lines_per_s: a JSON stream through the same with a level filter (warn and up) instead of
  the regex, which parses every line (the one case where lines are parsed on arrival);
- same_stream: one frozen demo pod whose container has run for ``--hours`` (a long backlog, then follow).
  k8stui's stream (httpx, parse, buffer, filter index synced at 10 Hz) and ``kubectl logs -f --timestamps``
  each read it until the backlog's last line; lines/s of both and the ratio (> 1: k8stui faster). The raw
  httpx read (no parsing) is given as the server's ceiling;
- key_latency_ms at ``--rate`` lines/s incoming (p99 <= 50 ms): the real app's full-screen logs view following
  a pod (a regex filter on) on a small API stand-in that streams that many lines a second, while keys (cursor,
  page, follow/pause, timestamps, wrap, bottom) are pressed; each sample runs from the key event entering the
  app to the end of the frame that paints its effect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from k8stui.demo.logs import ContainerRun, RunLog, format_time_ns  # noqa: E402
from k8stui.logs.buffer import LogBuffer  # noqa: E402
from k8stui.logs.filter import FilteredIndex, LineFilter  # noqa: E402
from k8stui.logs.line import complete_lines, parse_lines  # noqa: E402
from k8stui.logs.structured import WARN, FormatDetector, line_level  # noqa: E402

IMAGES = ("ghcr.io/demo/api:1.4.2", "ghcr.io/demo/frontend:2.3.0", "ghcr.io/demo/notes:1.0")
FILTER = "POST|ERROR|error"


def demo_lines(count: int, start_ns: int | None = None, images: tuple[str, ...] = IMAGES) -> list[bytes]:
    """``count`` timestamped lines as kubelet sends them, a third each of access, ANSI and JSON logs."""
    start_ns = start_ns or time.time_ns() - 3600 * 10**9
    logs = [RunLog(ContainerRun("shop", f"pod-{i}", f"uid-{i}", "main", image, "2026-01-01T00:00:00Z",
                                start_ns, None, (("app", "shop"),)), seed=i) for i, image in enumerate(images)]
    out = []
    for i in range(count):
        log = logs[i % len(logs)]
        k = i // len(logs)
        out.append(format_time_ns(log.time_of(k)).encode() + b" " + log.line(k))
    return out


def chunks_of(lines: list[bytes], size: int = 32 * 1024) -> list[bytes]:
    data = b"".join(lines)
    return [data[i:i + size] for i in range(0, len(data), size)]


# -- 1. the pipeline alone --------------------------------------------------------------------------------
def pipeline(chunks: list[bytes], capacity: int, pattern: str | None, min_level: int | None = None
             ) -> tuple[int, float]:
    """Split, parse, clean, detect, buffer and filter, as the stream, the session and the view do; returns
    (lines, seconds)."""
    buffer = LogBuffer(capacity)
    detector = FormatDetector()
    index = FilteredIndex(buffer, level_of=lambda line: line_level(line, detector.format_of(line.source)))
    index.set_filter(LineFilter.parse(pattern) if pattern else None)
    index.set_level(min_level)
    taken = 0
    started = time.perf_counter()
    pending = b""
    for n, chunk in enumerate(chunks):
        complete, pending = complete_lines(pending, chunk)
        if complete is None:
            continue
        lines = parse_lines(complete, 0)
        detector.observe(lines)
        buffer.extend(lines)
        taken += len(lines)
        if n % 8 == 7:
            index.sync()  # the view syncs ~10x a second; at >50k lines/s that is every ~5k lines
    index.sync()
    return taken, time.perf_counter() - started


def bench_pipeline(count: int) -> dict[str, Any]:
    chunks = chunks_of(demo_lines(count))
    out: dict[str, Any] = {"lines": count}
    for name, pattern in (("no_filter", None), ("filter", FILTER)):
        best = min(pipeline(chunks, 10_000, pattern)[1] for _ in range(3))
        out[f"{name}_lines_per_s"] = round(count / best)
    out["pipeline_lines_per_s"] = min(out["no_filter_lines_per_s"], out["filter_lines_per_s"])
    json_chunks = chunks_of(demo_lines(count // 2, images=(IMAGES[2],)))
    best = min(pipeline(json_chunks, 10_000, None, WARN)[1] for _ in range(3))
    out["json_level_filter_lines_per_s"] = round(count // 2 / best)
    return out


# -- 2. the same stream: k8stui vs kubectl ----------------------------------------------------------------
def frozen_state(path: Path, hours: float) -> None:
    now = time.time()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - hours * 3600))
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "chatty", "namespace": "bench", "uid": "5e1f0000-0000-4000-8000-00000000c4a7",
                        "labels": {"app": "chatty"}, "creationTimestamp": started, "resourceVersion": "10"},
           "spec": {"nodeName": "aks-nodepool1-00000", "containers": [{"name": "api", "image": IMAGES[0]}]},
           "status": {"phase": "Running", "startTime": started,
                      "containerStatuses": [{"name": "api", "image": IMAGES[0], "ready": True, "restartCount": 0,
                                             "state": {"running": {"startedAt": started}}}]}}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench", "uid": "bench-ns",
                                                                "resourceVersion": "1"}}
    path.write_text(json.dumps({"captured_at": now, "objects": [ns, pod]}))


async def read_with_k8stui(kubeconfig: str, raw: bool) -> tuple[int, float, float]:
    """(lines, seconds to the backlog's end, seconds to the first line)."""
    import httpx

    from k8stui.cluster.connection import load_target
    from k8stui.logs.options import LogOptions, range_for_key
    from k8stui.logs.stream import ContainerRef, LogStream

    connection = load_target(kubeconfig, "demo", "bench")
    options = LogOptions(range_for_key("0"))
    async with connection.async_client() as client:
        target = 0 if raw else await _backlog_size(client)
        started = time.perf_counter()
        first = 0.0
        if raw:
            count = 0
            async with client.stream("GET", "/api/v1/namespaces/bench/pods/chatty/log",
                                     params=options.params("api") | {"follow": "false"},
                                     timeout=httpx.Timeout(60.0)) as resp:
                async for chunk in resp.aiter_bytes():
                    if not first:
                        first = time.perf_counter() - started
                    count += chunk.count(b"\n")
            return count, time.perf_counter() - started, first
        buffer = LogBuffer(10_000)
        index = FilteredIndex(buffer)
        index.set_filter(LineFilter.parse(FILTER))
        total = 0

        def sink(lines: list[Any]) -> None:
            nonlocal total, first
            if not first:
                first = time.perf_counter() - started
            buffer.extend(lines)
            total += len(lines)

        # follow=true like kubectl -f; both stop at the backlog's last line
        stream = LogStream(client, ContainerRef("bench", "chatty", "api"), options, 0, sink)

        async def syncer() -> None:
            while True:
                index.sync()
                await asyncio.sleep(0.1)

        sync_task = asyncio.create_task(syncer())
        task = asyncio.create_task(stream.run())
        while total < target:
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - started
        task.cancel()
        sync_task.cancel()
        index.sync()
        return total, elapsed, first


async def _backlog_size(client: Any) -> int:
    resp = await client.get("/api/v1/namespaces/bench/pods/chatty/log", params={"container": "api"}, timeout=60)
    return resp.content.count(b"\n")


def read_with_kubectl(kubeconfig: str, target: int) -> tuple[int, float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")} | {"KUBECONFIG": kubeconfig}
    kubectl = shutil.which("kubectl") or "/usr/bin/kubectl"
    started = time.perf_counter()
    proc = subprocess.Popen([kubectl, "--context", "demo", "-n", "bench", "logs", "-f", "--timestamps", "chatty"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, bufsize=1 << 20)
    assert proc.stdout is not None
    count = 0
    first = 0.0
    while count < target:
        data = proc.stdout.read1(1 << 20)
        if not data:
            break
        if not first:
            first = time.perf_counter() - started
        count += data.count(b"\n")
    elapsed = time.perf_counter() - started
    proc.kill()
    proc.wait()
    return count, elapsed, first


def bench_same_stream(hours: float) -> dict[str, Any]:
    from k8stui.demo.launcher import DemoProcess

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "frozen.json"
        frozen_state(state, hours)
        with DemoProcess(prometheus=False, frozen_state=str(state)) as demo:
            raw = asyncio.run(read_with_k8stui(demo.kubeconfig, raw=True))
            ours = [asyncio.run(read_with_k8stui(demo.kubeconfig, raw=False)) for _ in range(2)]
            theirs = [read_with_kubectl(demo.kubeconfig, ours[0][0]) for _ in range(2)]
    best_ours = min(ours, key=lambda r: r[1])
    best_kubectl = min(theirs, key=lambda r: r[1])
    return {
        "backlog_lines": best_ours[0],
        "server_raw_read_lines_per_s": round(raw[0] / raw[1]),
        "k8stui_lines_per_s": round(best_ours[0] / best_ours[1]),
        "kubectl_logs_f_lines_per_s": round(best_kubectl[0] / best_kubectl[1]),
        "k8stui_s": round(best_ours[1], 3), "kubectl_s": round(best_kubectl[1], 3),
        "ratio_k8stui_speed_to_kubectl": round((best_ours[0] / best_ours[1]) / (best_kubectl[0] / best_kubectl[1]), 2),
        # not like for like: k8stui's client is already configured, kubectl's figure includes its exec and discovery
        "first_line_ms": {"k8stui_in_process": round(best_ours[2] * 1000, 1),
                          "kubectl_incl_process_start": round(best_kubectl[2] * 1000, 1)},
    }


# -- 3. key latency while lines pour in -------------------------------------------------------------------
STAND_IN = r'''
import asyncio, json, sys, time
from aiohttp import web
sys.path.insert(0, sys.argv[3])
from benchmarks.bench_logs import demo_lines

RATE = int(sys.argv[1])
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "firehose", "namespace": "bench", "uid": "fh-1",
       "resourceVersion": "1", "labels": {"app": "firehose"}},
       "spec": {"nodeName": "n1", "containers": [{"name": "main", "image": "ghcr.io/demo/api:1.4.2"}]},
       "status": {"phase": "Running", "containerStatuses": [{"name": "main", "ready": True, "restartCount": 0,
                  "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}}
TEMPLATE = [l.split(b" ", 1)[1] for l in demo_lines(3000)]
sent = 0

async def log(request):
    global sent
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    started = time.monotonic()
    i = 0
    while True:
        due = int((time.monotonic() - started) * RATE)
        if due > i:
            now = time.time_ns()
            batch = []
            for k in range(i, due):
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now // 10**9)) + ".%09dZ" % (now % 10**9 + k % 1000)
                batch.append(stamp.encode() + b" " + TEMPLATE[k % len(TEMPLATE)])
            await resp.write(b"".join(batch))
            sent += due - i
            i = due
        await asyncio.sleep(0.01)

async def anything(request):
    if request.query.get("watch") in ("true", "1"):
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        await asyncio.sleep(3600)
        return resp
    path = request.path
    if path == "/version":
        return web.json_response({"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
    if path.endswith("/pods/firehose"):
        return web.json_response(POD)
    items = [POD] if path.endswith("/pods") else []
    return web.json_response({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                              "items": items})

async def stats(request):
    return web.json_response({"sent": sent})

async def main():
    app = web.Application()
    app.router.add_get("/api/v1/namespaces/bench/pods/firehose/log", log)
    app.router.add_get("/_stats", stats)
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    open(sys.argv[2], "w").write(str(port))
    await asyncio.Event().wait()

asyncio.run(main())
'''

KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: stand-in, cluster: {server: "http://127.0.0.1:%d"}}]
users: [{name: bench, user: {}}]
contexts: [{name: bench, context: {cluster: stand-in, user: bench, namespace: bench}}]
current-context: bench
"""


class FrameWatch:
    """Notes when each screen update (a frame) ends and what state it painted. Pilot's ``press`` waits for the
    process to look idle (up to a second, twice), which it never does while thousands of lines a second
    arrive, and ``call_after_refresh`` may wait for the frame after the one that painted the key; so the
    benchmark watches frames itself: the latency of a key is from the moment its event enters the app to the
    end of the first frame that starts after the key's effect is in the widget state."""

    def __init__(self) -> None:
        from textual.screen import Screen

        self.screen_cls = Screen
        self.original = Screen._on_timer_update
        self.state: Any = None
        self.waiting_for: Any = None
        self.done: asyncio.Future[float] | None = None
        watch = self

        def on_timer_update(screen: Any) -> None:
            painting = watch.waiting_for is not None and watch.state() != watch.waiting_for
            watch.original(screen)
            if painting and watch.done is not None and not watch.done.done():
                watch.done.set_result(time.perf_counter())

        Screen._on_timer_update = on_timer_update  # type: ignore[method-assign]

    def restore(self) -> None:
        self.screen_cls._on_timer_update = self.original  # type: ignore[method-assign]

    async def press(self, app: Any, key: str, state: Any) -> float:
        """Milliseconds from the key event entering the app to the end of the frame that shows its effect."""
        from textual import events

        self.state = state
        self.waiting_for = state()
        self.done = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        event = events.Key(key, " " if key == "space" else key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
        try:
            ended = await asyncio.wait_for(self.done, 5)
        except TimeoutError:
            raise RuntimeError(f"key {key!r} had no visible effect within 5 s") from None
        finally:
            self.waiting_for = None
        return (ended - started) * 1000


async def key_latency(kubeconfig: str, port: int, presses: int) -> dict[str, Any]:
    import httpx

    from k8stui.cluster.connection import load_target
    from k8stui.logs.options import LogTarget
    from k8stui.ui.app import K8sTuiApp
    from k8stui.ui.screens.logs import LogsScreen

    app = K8sTuiApp(load_target(kubeconfig, "bench", "bench"))
    watch = FrameWatch()  # before any screen exists: screens bind their update callback when first refreshed
    samples: list[float] = []
    # Every key changes something visible: cursor, follow, timestamps or wrap.
    keys = ["up", "up", "down", "pageup", "pagedown", "space", "space", "t", "t", "W", "W", "end"]
    async with app.run_test(size=(160, 48)) as pilot:
        app.push_screen(LogsScreen(LogTarget("bench", "Pod", "firehose", pod_uid="fh-1")))
        await pilot.pause(1.0)
        panel = app.screen.panel  # type: ignore[attr-defined]
        view = panel.view
        panel.apply_filter("POST|ERROR")  # a filter is on: every incoming line goes through it
        await pilot.pause(1.0)

        def state() -> tuple[Any, ...]:
            return view.cursor, view.following, view.show_timestamps, view.wrap

        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as stats:
                sent0 = (await stats.get("/_stats")).json()["sent"]
                taken0 = panel.buffer.total
                t0 = time.perf_counter()
                for i in range(presses):
                    samples.append(await watch.press(app, keys[i % len(keys)], state))
                    await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - t0
                sent = (await stats.get("/_stats")).json()["sent"] - sent0
        finally:
            watch.restore()
        taken = panel.buffer.total - taken0
        held, dropped, shown = len(panel.buffer), panel.buffer.dropped, view.index.matches
    samples.sort()
    return {"incoming_lines_per_s": round(sent / elapsed), "taken_lines_per_s": round(taken / elapsed),
            "buffer_held": held, "buffer_dropped": dropped, "filter_matches_held": shown,
            "p50": round(statistics.median(samples), 1), "p99": round(samples[int(len(samples) * 0.99) - 1], 1),
            "max": round(samples[-1], 1), "presses": presses}


def bench_key_latency(rate: int, presses: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        server = subprocess.Popen([sys.executable, "-c", STAND_IN, str(rate), str(port_file), str(ROOT)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists() or not port_file.read_text():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"stand-in server did not start: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.05)
            port = int(port_file.read_text())
            kubeconfig = Path(tmp) / "kubeconfig"
            kubeconfig.write_text(KUBECONFIG % port)
            os.environ.setdefault("K8STUI_HOME", tmp)
            return asyncio.run(key_latency(str(kubeconfig), port, presses))
        finally:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200_000, help="lines through the in-process pipeline")
    parser.add_argument("--hours", type=float, default=30.0, help="age of the frozen pod's container (backlog)")
    parser.add_argument("--rate", type=int, default=5000, help="incoming lines/s during the key-latency run")
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    figures = {
        "pipeline": bench_pipeline(args.lines),
        "same_stream": bench_same_stream(args.hours),
        f"key_latency_ms_at_{args.rate}_lines_per_s": bench_key_latency(args.rate, args.presses),
        "targets": {"pipeline_lines_per_s": ">= 50000", "key_latency p99": "<= 50 ms"},
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
