"""Find what blocks the app's event loop: run ``python -m k8stui`` with every asyncio callback timed.

    python3 benchmarks/loop_stalls.py drive --pods 10000 --rate 500 --out /tmp/stalls   # all of it, ~2 min
    python3 benchmarks/loop_stalls.py drive --logs --pods 5000 --out /tmp/stalls   # following a Deployment's logs
    python3 benchmarks/loop_stalls.py --out /tmp/stalls -- -A -c pods      # the probed app alone; drive it yourself

``drive`` starts a demo with ``--pods``, the probed app (``-A -c pods``) in a 160x48 tmux, waits for the full table,
then measures two windows: ``quiet`` (``--quiet`` s, 20 cursor presses) and ``churn`` (``--seconds`` s while the
demo updates pods at ``--rate`` events/s, ``--presses`` presses): the probe's counts plus key -> painted cursor
latency as bench_app.py times it (``quiet.txt``/``churn.txt`` in ``--out``; with ``SPY=1`` also a py-spy profile
of the churn window, ``churn.folded``). The figures to compare on a shared machine are the CPU ones
(``loop_cpu_pct``, ``cpu_stalls``) and the stall counts, taken in the same minutes.

Why: a key waits for whatever callback holds the loop when it arrives, so key latency p99 is the loop's stalls.
Each callback (``asyncio.Handle._run``: a task step, a timer, a message pump turn) is timed; a sampler thread reads
the main thread's stack every ~2 ms while a callback has run for more than 10 ms, so every stall comes with where
its time went. Work is counted, not only timed: stalls per second and per 1000 watch events are what to compare
before/after on a shared machine (wall-clock percentiles drift with the load).

Each press is also split in three (``to_app_ms``: tmux -> the key parsed by the app's input thread; ``in_app_ms``:
-> the first frame after it queued for the output thread; ``to_screen_ms``: -> seen on the tmux screen), so a slow
key can be told apart from a slow terminal or harness. ``gc_cpu_max_ms`` is the CPU time of the longest collection
per generation; ``cpu_stall_handles`` names the callbacks that used > 20 ms of CPU; ``STALL_PROBE_YOUNG=1`` writes
what each collecting refreeze walks (tracked objects by type) to ``young.txt``.

Control files in ``--out`` (created by whoever drives the app): ``reset`` clears the counters (start of a
window), ``dump`` writes ``report.json`` and ``report.txt`` (the stalls > 20 ms, the functions most often on the
stack during them, inclusive, and the longest stalls' stacks) and removes ``dump``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import runpy
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

THRESHOLDS_MS = (20, 50, 100)
SAMPLE_AFTER_S = 0.010
SAMPLE_EVERY_S = 0.002


def _quantiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    at = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {"p50": at(0.5), "p90": at(0.9), "max": round(ordered[-1], 1), "n": len(ordered)}


class Probe:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.main = threading.main_thread().ident
        self.lock = threading.Lock()
        self.current: tuple[float, object] | None = None  # (start, handle) of the running callback
        self.samples: list[tuple[str, ...]] = []  # stacks of the running callback
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.t0 = time.perf_counter()
            self.callbacks = 0
            self.busy = 0.0
            self.cpu = 0.0  # the main thread's CPU time in callbacks (what a loaded machine inflates least)
            self.cpu_stalls: list[float] = []  # callbacks that used > 20 ms of CPU
            self.cpu_stall_handles: list[tuple[float, str]] = []  # (CPU ms, callback) of each
            self.gc_cpu_max_ms = [0.0, 0.0, 0.0]  # the main thread's CPU time in one collection
            self.stalls: list[dict] = []
            self.inclusive: Counter[str] = Counter()
            self.leaf: Counter[str] = Counter()
            self.gc_ms = 0.0
            self.gc_full = 0
            self.gc_by_generation = [0, 0, 0]
            self.gc_max_ms = [0.0, 0.0, 0.0]
            self.refreezes: list[float] = []  # CPU ms of each gc_tuning.refreeze
            self.frames = 0
            self.renders: Counter[str] = Counter()  # widget -> lines rendered
            self.render_ms: Counter[str] = Counter()
            self.full_refreshes: Counter[tuple[str, ...]] = Counter()  # (widget, callers...) -> count
            self.key_times: list[tuple[float, float]] = []  # (key parsed, its frame queued), perf_counter
            self.key_to_frame: list[tuple[float, float]] = []  # per key: ms from the key parsed to its frame queued

    # -- timing every callback -------------------------------------------------------------------------------
    def install(self) -> None:
        probe = self
        original = asyncio.events.Handle._run

        def _run(handle: asyncio.events.Handle) -> None:
            start, cpu_start = time.perf_counter(), time.thread_time()
            probe.current, probe.samples = (start, handle), []
            try:
                original(handle)
            finally:
                took = time.perf_counter() - start
                cpu = time.thread_time() - cpu_start
                probe.current = None
                probe.callbacks += 1
                probe.busy += took
                probe.cpu += cpu
                if cpu * 1000 >= THRESHOLDS_MS[0]:
                    probe.cpu_stalls.append(cpu * 1000)
                    probe.cpu_stall_handles.append((round(cpu * 1000, 1), repr(handle)[:120]))
                if took * 1000 >= THRESHOLDS_MS[0]:
                    probe.record(took, handle, probe.samples)

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]
        gc_start = [0.0, 0.0]

        def on_gc(phase: str, info: dict) -> None:
            if phase == "start":
                gc_start[0], gc_start[1] = time.perf_counter(), time.thread_time()
            else:
                took = (time.perf_counter() - gc_start[0]) * 1000
                cpu = (time.thread_time() - gc_start[1]) * 1000
                generation = info.get("generation", 0)
                probe.gc_cpu_max_ms[generation] = max(probe.gc_cpu_max_ms[generation], cpu)
                probe.gc_ms += took
                probe.gc_full += generation == 2
                probe.gc_by_generation[generation] += 1
                probe.gc_max_ms[generation] = max(probe.gc_max_ms[generation], took)

        gc.callbacks.append(on_gc)
        self.install_render_counts()
        self.install_key_timing()
        threading.Thread(target=self.sample, daemon=True, name="loop-stall-sampler").start()

    def install_key_timing(self) -> None:
        """The app's own share of a key's latency: from the key parsed (input thread) to the first frame written
        after it was handled (queued for the output thread), and how much of that went in the frame."""
        from textual import events
        from textual.app import App
        probe = self
        pending: list[float] = []
        key_init, display = events.Key.__init__, App._display

        def timed_key(event, *args, **kwargs):  # type: ignore[no-untyped-def]
            key_init(event, *args, **kwargs)
            pending.append(time.perf_counter())

        def timed_display(app, screen, renderable):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            display(app, screen, renderable)
            end = time.perf_counter()
            if pending and renderable is not None:
                probe.key_to_frame.append(((end - pending[0]) * 1000, (end - start) * 1000))
                probe.key_times.append((pending[0], end))  # absolute: the driver lines them up with its presses
                pending.clear()

        events.Key.__init__ = timed_key  # type: ignore[method-assign]
        App._display = timed_display  # type: ignore[method-assign]

    def install_render_counts(self) -> None:
        """Count what each frame paints: lines rendered per widget, frames (compositor refreshes)."""
        from textual.screen import Screen
        from textual.widget import Widget
        probe = self
        render_lines, compositor_refresh = Widget.render_lines, Screen._compositor_refresh

        def counted_render_lines(widget: Widget, crop):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return render_lines(widget, crop)
            finally:
                name = f"{type(widget).__name__}#{widget.id or ''}"
                probe.renders[name] += crop.height
                probe.render_ms[name] += (time.perf_counter() - start) * 1000

        def counted_refresh(screen: Screen) -> None:
            probe.frames += 1
            compositor_refresh(screen)

        refresh = Widget.refresh

        def counted_full_refresh(widget: Widget, *regions, **kwargs):  # type: ignore[no-untyped-def]
            if not regions and kwargs.get("repaint", True):
                callers = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in traceback.extract_stack()[-8:-1]]
                probe.full_refreshes[(f"{type(widget).__name__}#{widget.id or ''}", *callers)] += 1
            return refresh(widget, *regions, **kwargs)

        if os.environ.get("STALL_PROBE_REFRESHES"):
            Widget.refresh = counted_full_refresh  # type: ignore[method-assign]
        Widget.render_lines = counted_render_lines  # type: ignore[method-assign]
        Screen._compositor_refresh = counted_refresh  # type: ignore[method-assign]

    def record(self, took: float, handle: object, samples: list[tuple[str, ...]]) -> None:
        with self.lock:
            stacks = Counter(samples)
            self.stalls.append({"ms": round(took * 1000, 1), "at_s": round(time.perf_counter() - self.t0, 2),
                                "handle": repr(handle)[:200], "samples": len(samples),
                                "top": [[n, list(s[-14:])] for s, n in stacks.most_common(3)]})
            for stack in samples:
                for name in set(stack):
                    self.inclusive[name] += 1
                if stack:
                    self.leaf[stack[-1]] += 1

    # -- sampling stalls -------------------------------------------------------------------------------------
    def sample(self) -> None:
        while True:
            try:
                self._sample_once()
            except Exception:  # the sampler must outlive a bad stack walk, or the driver waits for its dump forever
                with open(self.out / "sampler-errors.txt", "a") as f:
                    f.write(traceback.format_exc())

    def _sample_once(self) -> None:
        time.sleep(SAMPLE_EVERY_S)
        current = self.current
        if current is not None and time.perf_counter() - current[0] > SAMPLE_AFTER_S:
            frame = sys._current_frames().get(self.main)
            if frame is not None and self.current is current:
                summary = traceback.StackSummary.extract(traceback.walk_stack(frame), lookup_lines=False)
                stack = tuple(f"{Path(fs.filename).parent.name}/{Path(fs.filename).name}:{fs.lineno} {fs.name}"
                              for fs in reversed(summary))
                self.samples.append(stack)
        if (self.out / "reset").exists():
            (self.out / "reset").unlink()
            self.reset()
        if (self.out / "dump").exists():
            self.dump()
            (self.out / "dump").unlink()

    def dump(self) -> None:
        with self.lock:
            seconds = time.perf_counter() - self.t0
            counts = {f">{t}ms": sum(s["ms"] > t for s in self.stalls) for t in THRESHOLDS_MS}
            report = {"seconds": round(seconds, 1), "callbacks": self.callbacks,
                      "loop_busy_pct": round(100 * self.busy / seconds, 1),
                      "loop_cpu_pct": round(100 * self.cpu / seconds, 1),
                      "cpu_stalls": {f">{t}ms": sum(c > t for c in self.cpu_stalls) for t in THRESHOLDS_MS}, "gc_ms": round(self.gc_ms),
                      "gc_full": self.gc_full, "gc_collections": self.gc_by_generation,
                      "gc_max_ms": [round(m, 1) for m in self.gc_max_ms],
                      "gc_cpu_max_ms": [round(m, 1) for m in self.gc_cpu_max_ms],
                      "cpu_stall_handles": sorted(self.cpu_stall_handles, reverse=True)[:12],
                      "key_to_frame_ms": _quantiles([k for k, _ in self.key_to_frame]),
                      "key_display_ms": _quantiles([d for _, d in self.key_to_frame]),
                      "key_times": self.key_times,
                      "refreeze_cpu_ms": [round(m, 1) for m in self.refreezes], "stalls": counts, "frames": self.frames,
                      "full_refreshes": [[n, list(k)] for k, n in self.full_refreshes.most_common(12)],
                      "renders": [[k, v, round(self.render_ms[k])] for k, v in self.renders.most_common(25)],
                      "stall_ms_total": round(sum(s["ms"] for s in self.stalls)),
                      "inclusive": self.inclusive.most_common(60), "leaf": self.leaf.most_common(30),
                      "longest": sorted(self.stalls, key=lambda s: -s["ms"])[:15]}
        (self.out / "report.json").write_text(json.dumps(report, indent=1))
        lines = [f"{k}: {report[k]}" for k in ("seconds", "callbacks", "loop_busy_pct", "loop_cpu_pct", "cpu_stalls", "gc_ms", "gc_full",
                                                 "gc_collections", "gc_max_ms", "gc_cpu_max_ms", "refreeze_cpu_ms", "stalls", "stall_ms_total", "frames",
                                                 "cpu_stall_handles", "key_to_frame_ms", "key_display_ms")]
        lines.append("\n-- lines rendered per widget (lines, ms) --")
        lines += [f"{n:7d} {ms:6d} ms  {name}" for name, n, ms in report["renders"]]
        lines.append("\n-- full refreshes (count, widget, callers) --")
        for n, key in report["full_refreshes"]:
            lines.append(f"{n:6d}  {key[0]}\n          " + "\n          ".join(key[1:]))
        lines.append("\n-- on the stack during stalls (samples, inclusive) --")
        lines += [f"{n:6d}  {name}" for name, n in report["inclusive"]]
        lines.append("\n-- leaf --")
        lines += [f"{n:6d}  {name}" for name, n in report["leaf"]]
        lines.append("\n-- longest --")
        for stall in report["longest"]:
            lines.append(f"{stall['ms']} ms at {stall['at_s']} s, {stall['samples']} samples: {stall['handle']}")
            for n, stack in stall["top"]:
                lines.append(f"   x{n}: " + "\n        ".join(stack))
        (self.out / "report.txt").write_text("\n".join(lines) + "\n")


def drive(argv: list[str]) -> None:
    import argparse
    import random
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from benchmarks.bench_app import (
        KEY_POLL,
        Cluster,
        cursor_row,
        find_cursor_bg,
        lines_held,
        percentiles,
        row_count,
        status_line,
        table_header,
    )
    from benchmarks.terminal import Tmux, plain

    parser = argparse.ArgumentParser(prog="loop_stalls.py drive")
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--quiet", type=float, default=8)
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--out", default="/tmp/k8stui-stalls")
    parser.add_argument("--logs", action="store_true", help="follow the logs of the --pods Deployment instead "
                                                           "(one window of --seconds, no churn)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        old.unlink()
    home = tempfile.mkdtemp(prefix="k8stui-stalls-home-")

    def until_gone(path: Path) -> None:
        while path.exists():
            time.sleep(0.02)

    def press_table(tmux: Tmux, name: str, i: int, top: int, bg: str) -> tuple[float, float]:
        """Down x10, up x10, ...: (sent, seen) of the cursor on its next line."""
        down = (i // 10) % 2 == 0
        row = top + (i % 10) + 1 if down else top + 9 - (i % 10)
        t = time.perf_counter()
        tmux.keys(name, "Down" if down else "Up")
        seen, _ = tmux.wait(name, lambda lines: cursor_row(lines, bg) == row, 10, escapes=True,
                            interval=KEY_POLL, what=f"the cursor on line {row}")
        return t, seen

    logs_cycle = [("Space", lambda s: "paused" in s), ("Space", lambda s: "following" in s),
                  ("t", lambda s: "timestamps" in s), ("t", lambda s: "timestamps" not in s)]

    def press_logs(tmux: Tmux, name: str, i: int, top: int, bg: str) -> tuple[float, float]:
        """space (pause), space (follow), t, t: (sent, seen) of the status line's change, as bench_app.py."""
        key, expect = logs_cycle[i % len(logs_cycle)]
        t = time.perf_counter()
        tmux.keys(name, key)
        seen, _ = tmux.wait(name, lambda lines: expect(status_line(lines)), 10, interval=KEY_POLL,
                            what=f"the effect of {key}")
        return t, seen

    press = press_logs if args.logs else press_table

    def window(tmux: Tmux, name: str, top: int, bg: str, seconds: float, presses: int, tag: str) -> None:
        (out / "reset").touch()
        until_gone(out / "reset")
        t0, samples, i = time.perf_counter(), [], 0
        sent: list[tuple[float, float]] = []
        while time.perf_counter() - t0 < seconds:
            if i < presses:
                t, seen = press(tmux, name, i, top, bg)
                samples.append((seen - t) * 1000)
                sent.append((t, seen))
                i += 1
            time.sleep(random.uniform(0.03, 0.08))
        (out / "dump").touch()
        until_gone(out / "dump")
        (out / "report.txt").rename(out / f"{tag}.txt")
        (out / "report.json").rename(out / f"{tag}.json")
        report = json.loads((out / f"{tag}.json").read_text())
        if len(report["key_times"]) == len(sent):  # where each press's time went: before the app, in it, after it
            split = [((k - t) * 1000, (f - k) * 1000, (seen - f) * 1000)
                     for (t, seen), (k, f) in zip(sent, report["key_times"], strict=True)]
            report["to_app_ms"], report["in_app_ms"], report["to_screen_ms"] = (
                percentiles([s[i] for s in split]) for i in range(3))
        keep = ("seconds", "loop_busy_pct", "loop_cpu_pct", "cpu_stalls", "stalls", "gc_ms", "gc_collections",
                "gc_max_ms", "gc_cpu_max_ms", "refreeze_cpu_ms", "frames", "key_to_frame_ms")
        keep += tuple(k for k in ("to_app_ms", "in_app_ms", "to_screen_ms") if k in report)
        print(tag, json.dumps({**{k: report[k] for k in keep}, "keys_ms": percentiles(samples) if samples else None}),
              flush=True)

    with Cluster(args.pods) as cluster, Tmux() as tmux:
        env = {"KUBECONFIG": cluster.kubeconfig, "PYTHONPATH": str(root), "PYTHONSAFEPATH": "1",
               "K8STUI_HOME": home, "HOME": home, "COLORTERM": "truecolor", "TERM": "tmux-256color",
               "LANG": "C.UTF-8"}
        env.update({k: v for k, v in os.environ.items() if k.startswith("STALL_PROBE_")})
        name = "app"
        if args.logs:  # following the bench Deployment's logs (capped at 50 pods), as bench_app.py keys_logs
            tmux.run(name, [sys.executable, str(Path(__file__).resolve()), "--out", str(out), "--", "-n", "bench",
                            "-c", "deployments"], env)
            tmux.wait(name, lambda lines: any(plain(line).split()[1:2] == ["bench"] for line in lines), 600,
                      interval=0.05, what="the bench deployment")
            tmux.keys(name, "l")
            tmux.wait(name, lambda lines: "following" in status_line(lines) and lines_held(lines) > 0, 120,
                      interval=0.05, what="following logs")
            time.sleep(3)
            window(tmux, name, 0, "", args.seconds, args.presses, "logs")
            tmux.kill(name)
            return
        tmux.run(name, [sys.executable, str(Path(__file__).resolve()), "--out", str(out), "--", "-A", "-c", "pods"],
                 env)
        tmux.wait(name, lambda lines: row_count(lines) == cluster.pod_count(), 600, interval=0.05,
                  what="the full table")
        time.sleep(3)  # settle: the first freeze, the scenario's first events
        lines = tmux.screen(name, escapes=True)
        top = table_header(lines) + 1
        bg = find_cursor_bg(lines, top)
        window(tmux, name, top, bg, args.quiet, 20, "quiet")
        rv0, t0 = cluster.resource_version(), time.perf_counter()
        cluster.churn(int(args.rate * (args.seconds + 10)), args.rate)
        time.sleep(2)
        spy = None
        if os.environ.get("SPY"):
            spy = subprocess.Popen(["py-spy", "record", "-p", str(tmux.pid(name)), "-d", str(int(args.seconds)),
                                    "-r", "250", "-f", "raw", "--threads", "-o", str(out / "churn.folded")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            window(tmux, name, top, bg, args.seconds, args.presses, "churn")
        finally:
            if spy is not None:
                spy.wait()
        print("events_per_s", round((cluster.resource_version() - rv0) / (time.perf_counter() - t0)), flush=True)
        tmux.kill(name)


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["drive"]:
        drive(argv[1:])
        return
    out = Path(argv[argv.index("--out") + 1])
    out.mkdir(parents=True, exist_ok=True)
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    from k8stui.ui import gc_tuning
    if os.environ.get("STALL_PROBE_REFREEZE"):  # experiment: another refreeze interval (seconds)
        gc_tuning.REFREEZE_SECONDS = float(os.environ["STALL_PROBE_REFREEZE"])
    probe = Probe(out)
    refreeze = gc_tuning.refreeze

    def timed_refreeze() -> None:  # its young collection is the longest pause of a churning table
        if os.environ.get("STALL_PROBE_YOUNG"):  # what a collection walks: tracked objects not frozen, by type
            walked = gc.get_objects()
            if len(walked) >= gc_tuning.COLLECT_AT_OBJECTS:
                kinds = Counter(type(o).__name__ for o in walked)
                with open(out / "young.txt", "a") as f:
                    f.write(f"{len(walked)} {kinds.most_common(25)}\n")
            del walked
        start = time.thread_time()
        refreeze()
        probe.refreezes.append((time.thread_time() - start) * 1000)

    gc_tuning.refreeze = timed_refreeze  # before k8stui.ui.app imports it
    probe.install()
    sys.argv = ["k8stui", *args]
    os.environ.setdefault("K8STUI_STALL_PROBE", str(out))
    runpy.run_module("k8stui", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
