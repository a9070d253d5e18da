"""What a user waits for, timed on the painted screen of a real terminal (tmux), against kubectl on the same server.

    python3 benchmarks/bench_app.py --pods 10000          # ~5 min on 2 cores
    python3 benchmarks/bench_app.py --pods 50000          # ~15 min
    python3 benchmarks/bench_app.py --pods 50000 --soak 600   # RSS over 10 minutes (not run in CI)

Prints one JSON object (also written to ``--out``). Every figure is the median of ``--runs`` runs (>= 5) with the
spread (min-max); never the best run. Each launch is a fresh ``python -m k8stui`` process started in a 160x48
tmux session (see benchmarks/terminal.py for why tmux); its clock starts when tmux is asked to start the
process and stops when the terminal shows the awaited thing:

- ``first_frame_s``: launch -> the app's frame is painted (a pane's border): its own start, before any rows;
- ``first_paint_s`` (a ~100-pod demo): launch -> the first pod row is on screen; ``*_cpu_s`` the app's CPU
  seconds (user + system, /proc) at that moment, which a loaded machine inflates far less than the wall time;
- ``full_table_s``: launch (``-A -c pods``) -> the pane's row count says every pod is listed, ``end`` is pressed,
  and the last pod (by namespace, name) is painted: the last row is reachable;
- ``kubectl_in_terminal_s``: ``kubectl get pods -A`` in the same kind of tmux session, launch -> exit (its last
  line is on the terminal); ``kubectl_to_devnull_s`` the same without a terminal. The kubectl is the newest
  minor installed (``--kubectl``; default /usr/lib/google-cloud-sdk/bin/kubectl.1.33). App and kubectl runs
  alternate, so both see the same load; one warm-up launch of each (discovery caches filled) is not counted;
- ``app_peak_rss_mb``: VmHWM of the app process (/proc), read once the full table is painted and settled;
- ``keys_*``: key press -> the expected change painted (the cursor row moved, the logs status line changed),
  p50/p99/max over ``--presses`` presses, with 30-80 ms between presses; ``pods_table_under_churn``: the open
  full pods table while the demo mutates pods in ``bench`` at ``--rate`` events/s (``POST /_demo/churn``);
  ``logs_following``: the logs view of a ``--log-pods``-pod Deployment (k8stui follows at most 50 of its pods);
- ``demo_server``: the demo server's RSS and its own LIST time for all pods (one request; pages of 500);
- ``--soak S``: both of the above at once for S seconds, RSS of each app sampled every 10 s; flat means
  within +-10% of the first minute after a one-minute warm-up.

The app's modules are byte-compiled before the first launch (``compileall``, as ``pip install`` does and as
Python does on an editable install's first run): with PYTHONDONTWRITEBYTECODE set, as in our sessions, every
launch would otherwise compile ~100 modules again (~0.1-0.25 s of CPU that no installed k8stui pays).

The screen is polled through a tmux control client (~0.3 ms a poll): every 10 ms while launching, every 2 ms
while timing a key — that polling costs CPU the app could have used, which counts against the app. Numbers
from a loaded machine are indicative only: the JSON carries the load average before and after.
Every process started here (tmux server, demo servers, kubectl, the app) is stopped on exit, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import yaml  # noqa: E402

from benchmarks.terminal import Tmux, background_of, plain  # noqa: E402
from k8stui.demo.launcher import DemoProcess  # noqa: E402

KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33"
COUNT = re.compile(r"─ (\d+) ─+╯\s*$")  # the pane's bottom border ends with the row count
LAUNCH_POLL = 0.010
KEY_POLL = 0.002
SMALL_PODS = 100
SCENARIO_PODS = 30  # about as many as the demo's scenario runs besides the bench Deployment


# -- figures ------------------------------------------------------------------------------------------------------
def spread(values: list[float], digits: int = 3) -> dict[str, Any]:
    """Median with min-max of a list of runs (never the best alone)."""
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "runs": [round(v, digits) for v in values]}


def percentiles(samples_ms: list[float]) -> dict[str, Any]:
    ordered = sorted(samples_ms)
    p99 = ordered[max(0, int(round(len(ordered) * 0.99)) - 1)]
    return {"p50": round(statistics.median(ordered), 1), "p99": round(p99, 1), "max": round(ordered[-1], 1),
            "presses": len(ordered)}


def proc_memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of a process, in MB."""
    out: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads): a start-up figure that a loaded machine
    inflates much less than wall time."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def wait_gone(pid: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    if Path(f"/proc/{pid}").exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    import textual

    return {"cpu": model, "cpus": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(),
            "textual": textual.__version__, "kernel": platform.release()}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- the demo cluster ---------------------------------------------------------------------------------------------
class Cluster:
    """A demo server with an admin HTTP client (pods, churn, state)."""

    def __init__(self, pods: int) -> None:
        self.demo = DemoProcess(pods=pods, prometheus=False)
        self.start_s = 0.0
        self.http: httpx.Client | None = None
        self._count, self._count_at = 0, 0.0

    def __enter__(self) -> Cluster:
        t0 = time.perf_counter()
        self.demo.start(timeout=600)
        self.start_s = time.perf_counter() - t0
        config = yaml.safe_load(Path(self.demo.kubeconfig).read_text())
        token = next(u["user"]["token"] for u in config["users"] if u["name"] == "demo-admin")
        self.http = httpx.Client(base_url=self.demo.url, verify=self.demo.ca_file, timeout=120,
                                 headers={"Authorization": f"Bearer {token}"})
        return self

    def __exit__(self, *exc: object) -> None:
        if self.http is not None:
            self.http.close()
        self.demo.stop()

    @property
    def kubeconfig(self) -> str:
        return self.demo.kubeconfig

    def pods(self) -> list[tuple[str, str]]:
        """Every pod as (namespace, name), in the order the app's table sorts them (namespace, then name)."""
        assert self.http is not None
        items = self.http.get("/api/v1/pods").raise_for_status().json()["items"]
        return sorted((p["metadata"]["namespace"], p["metadata"]["name"]) for p in items)

    def pod_count(self) -> int:
        """The server's pod count now (refreshed at most every 0.25 s: scenario Jobs come and go)."""
        now = time.monotonic()
        if now - self._count_at > 0.25:
            assert self.http is not None
            self._count = int(self.http.get("/_demo/state").raise_for_status().json()["counts"]["pods"])
            self._count_at = now
        return self._count

    def resource_version(self) -> int:
        assert self.http is not None
        return int(self.http.get("/_demo/state").raise_for_status().json()["resourceVersion"])

    def churn(self, count: int, rate: int, namespace: str = "bench") -> None:
        assert self.http is not None
        self.http.post("/_demo/churn", json={"count": count, "namespace": namespace, "rate": rate}).raise_for_status()

    def server_figures(self) -> dict[str, Any]:
        """The demo server's own LIST time (one request; pages of 500 like kubectl) and RSS."""
        assert self.http is not None and self.demo.pid is not None
        t0 = time.perf_counter()
        self.http.get("/api/v1/pods").raise_for_status()
        one = time.perf_counter() - t0
        t0, token, pages = time.perf_counter(), "", 0
        while True:
            params = {"limit": "500"} | ({"continue": token} if token else {})
            body = self.http.get("/api/v1/pods", params=params).raise_for_status().json()
            pages += 1
            token = body["metadata"].get("continue", "")
            if not token:
                break
        paged = time.perf_counter() - t0
        return {"start_s": round(self.start_s, 2), "list_all_pods_one_request_s": round(one, 3),
                "list_all_pods_pages_of_500_s": round(paged, 3), "pages": pages, **{
                    f"server_{k}_mb": v for k, v in proc_memory(self.demo.pid).items()}}


# -- screens ------------------------------------------------------------------------------------------------------
def row_count(lines: list[str]) -> int | None:
    for line in reversed(lines):
        m = COUNT.search(plain(line))
        if m:
            return int(m.group(1))
    return None


def table_header(lines: list[str]) -> int:
    """The line of the pods table's column headers."""
    for i, line in enumerate(lines):
        words = plain(line).split()
        if "NAMESPACE" in words and "NAME" in words:
            return i
    raise RuntimeError("no table header on screen:\n" + "\n".join(plain(line) for line in lines))


def bottom_row(lines: list[str]) -> int:
    """The table's last row on screen: the last line above the bottom border with text in it (below it there may
    be a horizontal scrollbar)."""
    bottom = next((i for i in range(len(lines) - 1, 0, -1) if "╰" in lines[i]), -1)
    for i in range(bottom - 1, 0, -1):
        if any(ch.isalnum() for ch in plain(lines[i])):
            return i
    return -1


def names_on(lines: list[str]) -> set[str]:
    return {word for line in lines for word in plain(line).split()}


def cursor_row(lines: list[str], cursor_bg: str) -> int | None:
    """Index of the screen line painted with the cursor's background."""
    for i, line in enumerate(lines):
        if "│" in line and background_of(line) == cursor_bg:
            return i
    return None


def find_cursor_bg(lines: list[str], first_row: int) -> str:
    """The background of the highlighted line ``first_row`` (the cursor starts on the first row), which no other
    table line has."""
    bg = background_of(lines[first_row])
    others = [background_of(line) for i, line in enumerate(lines) if i != first_row and "│" in line]
    if bg is None or bg in others:
        raise RuntimeError("cannot tell the cursor row from the others on screen:\n" + "\n".join(
            plain(line) for line in lines))
    return bg


# -- launches -----------------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, tmux: Tmux, home: str) -> None:
        self.args = args
        self.tmux = tmux
        self.home = home
        self.n = 0

    def env(self, cluster: Cluster) -> dict[str, str]:
        # PYTHONSAFEPATH: ``python -m`` would put the tmux server's working directory ahead of PYTHONPATH
        return {"KUBECONFIG": cluster.kubeconfig, "PYTHONPATH": str(ROOT), "PYTHONSAFEPATH": "1",
                "K8STUI_HOME": self.home,
                "HOME": self.home, "COLORTERM": "truecolor", "TERM": "tmux-256color", "LANG": "C.UTF-8"}

    def session(self) -> str:
        self.n += 1
        return f"run{self.n}"

    def launch_app(self, cluster: Cluster, *app_args: str) -> tuple[str, float]:
        name = self.session()
        t0 = time.perf_counter()
        self.tmux.run(name, [sys.executable, "-m", "k8stui", *app_args], self.env(cluster))
        return name, t0

    def stop(self, name: str) -> None:
        try:
            pid = self.tmux.pid(name)
        except Exception:
            pid = None
        self.tmux.kill(name)
        if pid:
            wait_gone(pid)

    def app_full_table(self, cluster: Cluster, pods: list[tuple[str, str]]) -> dict[str, float]:
        """One launch: the first pod row painted; the row count equal to the server's pod count; then ``end`` and
        the cursor painted on the table's last line (the view is at its last row)."""
        names = {name for _, name in pods}
        name, t0 = self.launch_app(cluster, "-A", "-c", "pods")
        try:
            pid = self.tmux.pid(name)
            frame, _ = self.tmux.wait(name, lambda lines: any("╭" in plain(line) for line in lines), 60,
                                      interval=LAUNCH_POLL, what="the first frame (a pane's border)")
            frame_cpu = cpu_seconds(pid)
            first, _ = self.tmux.wait(name, lambda lines: names & names_on(lines), 60, interval=LAUNCH_POLL,
                                      what="the first pod row")
            first_cpu = cpu_seconds(pid)
            counted, _ = self.tmux.wait(name, lambda lines: row_count(lines) == cluster.pod_count(),
                                        self.args.timeout, interval=LAUNCH_POLL, what="every pod in the row count")
            lines = self.tmux.screen(name, escapes=True)
            cursor_bg = find_cursor_bg(lines, table_header(lines) + 1)
            self.tmux.keys(name, "C-End")  # ctrl+end: the last row in DataTable and in ResourceView
            done, _ = self.tmux.wait(name, lambda lines: cursor_row(lines, cursor_bg) == bottom_row(lines), 60,
                                     escapes=True, interval=LAUNCH_POLL, what="the cursor on the last row")
            time.sleep(2.0)  # settled: what the table holds once the list is in
            memory = proc_memory(pid)
        finally:
            self.stop(name)
        return {"first_frame_s": frame - t0, "first_frame_cpu_s": frame_cpu, "first_row_cpu_s": first_cpu,
                "first_row_s": first - t0, "counted_s": counted - t0, "full_table_s": done - t0,
                "peak_rss_mb": memory.get("VmHWM", 0.0)}

    def kubectl_in_terminal(self, cluster: Cluster) -> float:
        name = self.session()
        t0 = time.perf_counter()
        self.tmux.run(name, [self.args.kubectl, "get", "pods", "-A"], self.env(cluster))
        deadline = t0 + self.args.timeout
        while self.tmux.alive(name):
            if time.perf_counter() > deadline:
                self.stop(name)
                raise TimeoutError("kubectl did not finish")
            time.sleep(LAUNCH_POLL)
        return time.perf_counter() - t0

    def kubectl_to_devnull(self, cluster: Cluster) -> float:
        t0 = time.perf_counter()
        subprocess.run([self.args.kubectl, "get", "pods", "-A"], env=dict(os.environ, **self.env(cluster)),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=self.args.timeout)
        return time.perf_counter() - t0

    # -- phases -------------------------------------------------------------------------------------------------
    def first_paint(self) -> dict[str, Any]:
        """A ~100-pod cluster: launch -> first pod row, and -> full table, ``--runs`` times."""
        with Cluster(SMALL_PODS - SCENARIO_PODS) as cluster:
            pods = cluster.pods()
            self.app_full_table(cluster, pods)  # warm-up (discovery cache), not counted
            runs = [self.app_full_table(cluster, pods) for _ in range(self.args.runs)]
        return {"pods": len(pods), "first_frame_s": spread([r["first_frame_s"] for r in runs]),
                "first_paint_s": spread([r["first_row_s"] for r in runs]),
                "first_frame_cpu_s": spread([r["first_frame_cpu_s"] for r in runs], 2),
                "first_paint_cpu_s": spread([r["first_row_cpu_s"] for r in runs], 2),
                "full_table_s": spread([r["full_table_s"] for r in runs]),
                "app_peak_rss_mb": spread([r["peak_rss_mb"] for r in runs], 1)}

    def full_table(self, cluster: Cluster) -> dict[str, Any]:
        pods = cluster.pods()
        self.app_full_table(cluster, pods)  # warm-ups, not counted
        self.kubectl_in_terminal(cluster)
        apps, terms, nulls = [], [], []
        for _ in range(self.args.runs):
            apps.append(self.app_full_table(cluster, pods))
            terms.append(self.kubectl_in_terminal(cluster))
            nulls.append(self.kubectl_to_devnull(cluster))
        app_s = [r["full_table_s"] for r in apps]
        ratios = [a / k for a, k in zip(app_s, terms, strict=True)]
        return {
            "pods": len(pods),
            "app_full_table_s": spread(app_s),
            "app_first_frame_s": spread([r["first_frame_s"] for r in apps]),
            "app_first_row_s": spread([r["first_row_s"] for r in apps]),
            "app_all_counted_s": spread([r["counted_s"] for r in apps]),
            "kubectl_in_terminal_s": spread(terms),
            "kubectl_to_devnull_s": spread(nulls),
            "ratio_app_to_kubectl": round(statistics.median(app_s) / statistics.median(terms), 2),
            "ratio_per_run_pair": spread(ratios, 2),
            "ratio_app_to_kubectl_devnull": round(statistics.median(app_s) / statistics.median(nulls), 2),
            "app_peak_rss_mb": spread([r["peak_rss_mb"] for r in apps], 1),
        }

    def keys_pods_under_churn(self, cluster: Cluster) -> dict[str, Any]:
        pods = cluster.pods()
        rate, presses = self.args.rate, self.args.presses
        name, _ = self.launch_app(cluster, "-A", "-c", "pods")
        try:
            self.tmux.wait(name, lambda lines: row_count(lines) == cluster.pod_count(), self.args.timeout,
                           interval=LAUNCH_POLL, what="the full table")
            lines = self.tmux.screen(name, escapes=True)
            top = table_header(lines) + 1
            cursor_bg = find_cursor_bg(lines, top)
            seconds = presses * 0.25 + 30
            rv0, t0 = cluster.resource_version(), time.perf_counter()
            cluster.churn(int(rate * seconds), rate)
            time.sleep(2.0)
            samples = self.press_cursor(name, top, cursor_bg, presses)
            events = (cluster.resource_version() - rv0) / (time.perf_counter() - t0)
            memory = proc_memory(self.tmux.pid(name))
        finally:
            self.stop(name)
        return {"pods": len(pods), "events_per_s_requested": rate, "events_per_s_served": round(events),
                **percentiles(samples), "app_peak_rss_mb": memory.get("VmHWM")}

    def press_cursor(self, name: str, top: int, cursor_bg: str, presses: int) -> list[float]:
        """Down x10, up x10, ...: each press moves the highlighted line one row; ms until it is painted there."""
        samples, row = [], top
        for i in range(presses):
            down = (i // 10) % 2 == 0
            row += 1 if down else -1
            t0 = time.perf_counter()
            self.tmux.keys(name, "Down" if down else "Up")
            seen, _ = self.tmux.wait(name, lambda lines, row=row: cursor_row(lines, cursor_bg) == row, 10,
                                     escapes=True, interval=KEY_POLL, what=f"the cursor on line {row}")
            samples.append((seen - t0) * 1000)
            time.sleep(random.uniform(0.03, 0.08))
        return samples

    def open_logs(self, cluster: Cluster) -> str:
        name, _ = self.launch_app(cluster, "-n", "bench", "-c", "deployments")
        self.tmux.wait(name, lambda lines: any(plain(line).split()[1:2] == ["bench"] for line in lines),
                       self.args.timeout, interval=LAUNCH_POLL, what="the bench deployment")
        self.tmux.keys(name, "l")
        self.tmux.wait(name, lambda lines: "following" in status_line(lines) and lines_held(lines) > 0, 120,
                       interval=LAUNCH_POLL, what="following logs")
        return name

    def keys_logs(self, cluster: Cluster) -> dict[str, Any]:
        name = self.open_logs(cluster)
        try:
            time.sleep(3.0)
            samples = self.press_logs(name, self.args.presses)
            memory = proc_memory(self.tmux.pid(name))
            shown = status_line(self.tmux.screen(name))
        finally:
            self.stop(name)
        return {"deployment_pods": self.args.log_pods, "status_line": " ".join(shown.split()),
                **percentiles(samples), "app_peak_rss_mb": memory.get("VmHWM")}

    def press_logs(self, name: str, presses: int) -> list[float]:
        """space (pause), space (follow), t (timestamps on), t (off): each changes the status line."""
        cycle: list[tuple[str, Callable[[str], bool]]] = [
            ("Space", lambda s: "paused" in s), ("Space", lambda s: "following" in s),
            ("t", lambda s: "timestamps" in s), ("t", lambda s: "timestamps" not in s)]
        samples = []
        for i in range(presses):
            key, expect = cycle[i % len(cycle)]
            t0 = time.perf_counter()
            self.tmux.keys(name, key)
            seen, _ = self.tmux.wait(name, lambda lines, expect=expect: expect(status_line(lines)), 10,
                                     interval=KEY_POLL, what=f"the effect of {key}")
            samples.append((seen - t0) * 1000)
            time.sleep(random.uniform(0.03, 0.08))
        return samples

    def soak(self, cluster: Cluster, seconds: float) -> dict[str, Any]:
        pods = cluster.pods()
        table, _ = self.launch_app(cluster, "-A", "-c", "pods")
        logs = ""
        try:
            self.tmux.wait(table, lambda lines: row_count(lines) == cluster.pod_count(), self.args.timeout,
                           interval=LAUNCH_POLL, what="the full table")
            logs = self.open_logs(cluster)
            cluster.churn(int(self.args.rate * (seconds + 120)), self.args.rate)
            pids = {"pods_table_under_churn": self.tmux.pid(table), "logs_following": self.tmux.pid(logs)}
            series: dict[str, list[float]] = {k: [] for k in pids}
            t0 = time.monotonic()
            tick = 0
            while time.monotonic() - t0 < seconds:
                time.sleep(1.0)
                tick += 1
                self.tmux.keys(table, "Down" if (tick // 10) % 2 == 0 else "Up")
                self.tmux.keys(logs, "t")
                if tick % 10 == 0:
                    for key, pid in pids.items():
                        series[key].append(proc_memory(pid).get("VmRSS", 0.0))
        finally:
            self.stop(table)
            if logs:
                self.stop(logs)
        out: dict[str, Any] = {"seconds": seconds, "pods": len(pods), "events_per_s": self.args.rate}
        for key, values in series.items():
            warm = values[6:] or values  # after a minute
            base = statistics.median(warm[:6])
            dev = max(abs(v - base) / base for v in warm) if base else 0.0
            out[key] = {"rss_mb_every_10s": values, "baseline_mb": base, "max_deviation": round(dev, 3),
                        "flat_within_10_percent": dev <= 0.10}
        return out


def status_line(lines: list[str]) -> str:
    """The logs view's status line (● following / ‖ paused ... lines ... pods)."""
    for line in reversed(lines):
        text = plain(line)
        if ("following" in text or "paused" in text) and " lines" in text:
            return text
    return ""


def lines_held(lines: list[str]) -> int:
    m = re.search(r"([\d,]+) lines", status_line(lines))
    return int(m.group(1).replace(",", "")) if m else 0


@contextlib.contextmanager
def terminated_on_signals() -> Iterator[None]:
    """SIGTERM/SIGHUP end the run like Ctrl-C, so every ``finally`` stops what was started."""
    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def kubectl_version(kubectl: str) -> str:
    with contextlib.suppress(Exception):
        out = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True,
                             timeout=30).stdout
        return f"{kubectl} ({json.loads(out)['clientVersion']['gitVersion']})"
    return kubectl


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=10_000, help="pods in the bench Deployment (plus ~30 others)")
    parser.add_argument("--runs", type=int, default=5, help="launches of each kind (median and spread)")
    parser.add_argument("--presses", type=int, default=200, help="key presses per key-latency figure")
    parser.add_argument("--rate", type=int, default=500, help="watch events/s during the key-latency figure")
    parser.add_argument("--log-pods", type=int, default=5000, help="pods of the Deployment whose logs are followed")
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of the soak run (0: none)")
    parser.add_argument("--only", default="", help="comma-separated phases: first_paint,full_table,keys_pods,"
                                                   "keys_logs,soak (default: all but soak; soak if --soak)")
    parser.add_argument("--kubectl", default=KUBECTL)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds any one wait may take")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    args.runs = max(1, args.runs)
    phases = set(filter(None, args.only.split(","))) or {"first_paint", "full_table", "keys_pods", "keys_logs"}
    if args.soak:
        phases.add("soak")

    compileall.compile_dir(str(ROOT / "k8stui"), quiet=1)  # what an installed k8stui has (see the docstring)
    figures: dict[str, Any] = {"machine": machine(), "load_before": load(), "kubectl": kubectl_version(args.kubectl),
                               "terminal": "tmux 160x48 (TERM=tmux-256color, COLORTERM=truecolor)"}
    started = time.monotonic()
    with terminated_on_signals(), tempfile.TemporaryDirectory(prefix="k8stui-bench-") as home, Tmux() as tmux:
        bench = Bench(args, tmux, home)
        if "first_paint" in phases:
            figures["small"] = bench.first_paint()
        if phases & {"full_table", "keys_pods", "soak"}:
            with Cluster(args.pods) as cluster:
                figures["demo_server"] = cluster.server_figures()
                if "full_table" in phases:
                    figures["large"] = bench.full_table(cluster)
                if "keys_pods" in phases:
                    figures["keys_pods_table_under_churn"] = bench.keys_pods_under_churn(cluster)
                if "soak" in phases:
                    figures["soak"] = bench.soak(cluster, args.soak)
        if "keys_logs" in phases:
            with Cluster(args.log_pods) as cluster:
                figures["keys_logs_following"] = bench.keys_logs(cluster)
    figures["load_after"] = load()
    figures["bench_seconds"] = round(time.monotonic() - started)
    figures["targets"] = {
        "ratio_app_to_kubectl": "<= 1.0", "app_peak_rss_mb at 10k pods": "<= 150", "at 50k pods": "<= 400",
        "first_paint_s at 100 pods": "<= 0.8", "keys p99 ms": "<= 50", "soak": "RSS flat within +-10%"}
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
