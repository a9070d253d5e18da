"""Command line: ``k8stui [--context C] [-n NS | -A] [--read-only] [--theme T]`` and ``k8stui demo ...``.

argparse only; every bad input ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from . import __version__, locations
from .import_trims import trim


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value}")
    return value


def _theme_choices() -> str:
    """The built-in theme names for ``--help`` (file names only: no Textual import just to print help)."""
    names = sorted(p.name.removesuffix(".toml") for p in locations.bundled_themes_dir().iterdir()
                   if p.name.endswith(".toml"))
    ordered = ["k8stui-dark (default)"] + [n for n in names if n != "k8stui-dark"]
    return f"{', '.join(ordered)}, or one of Textual's; user themes: {locations.config_dir() / 'themes'}/*.toml"


def _add_app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--context", help="kubeconfig context to use (default: current-context)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="namespace to show (default: the context's namespace)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="show every namespace")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--read-only", action="store_true", help="disable every mutating action")
    parser.add_argument("--theme", metavar="NAME", help=f"colour theme: {_theme_choices()}")
    parser.add_argument("--prometheus-url", help="Prometheus base URL (default: config or $K8STUI_PROMETHEUS_URL)")
    parser.add_argument("-c", "--command", dest="command_text", metavar="CMD",
                        help="start in this view, as typed after ':' (e.g. -c pods, -c 'ns team-a')")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="k8stui", description="Terminal dashboard for Kubernetes: objects, Prometheus graphs and logs.")
    parser.add_argument("--version", action="version", version=f"k8stui {__version__}")
    _add_app_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="start the built-in demo cluster (and open the dashboard on it)",
                          description="Start the built-in demo cluster on 127.0.0.1 and open k8stui on it.")
    demo.add_argument("--serve-only", action="store_true",
                      help="only run the cluster (print `export KUBECONFIG=...`), until Ctrl-C")
    demo.add_argument("--port", type=_port, default=0, help="HTTPS port (default: a free port)")
    demo.add_argument("--pods", type=_positive_int, default=0, help="add N more running pods (benchmarks)")
    demo.add_argument("--seed", type=_positive_int, default=0, help="random seed of the simulation")
    demo.add_argument("--no-prometheus", action="store_true", help="do not start Prometheus even if installed")
    demo.add_argument("--state-dir", type=Path, help="where to write the kubeconfig, CA and Prometheus data")
    demo.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)
    demo.add_argument("--time-scale", type=_positive_float, default=1.0,
                      help="multiply every simulated delay (e.g. 0.5 = twice as fast)")
    demo.add_argument("--bookmark-interval", type=_positive_float, default=5.0, help=argparse.SUPPRESS)
    demo.add_argument("--watch-history", type=_positive_float, default=300.0, metavar="SECONDS",
                      help="how long watch history is kept before a watch from an older version gets 410 "
                           "(default: 300)")
    demo.add_argument("--frozen-state", type=Path, help=argparse.SUPPRESS)  # snapshot tests: a saved cluster
    demo.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)  # started by a launcher
    _add_app_options(demo)
    return parser


def _load_ui() -> ModuleType | None:
    """Import the dashboard before anything else starts, so that a broken install is one line, not a hang."""
    # Importing makes ~60k objects that live as long as the app (modules, classes, functions) and next to no
    # garbage, yet Python's default thresholds ran ~150 collections over them before the first frame, one of
    # them full (45-75 ms of CPU, gc.callbacks). No collection while importing; then what was imported is
    # frozen out of every later collection (``ui.gc_tuning.tune_gc`` freezes the rest after the first frame)
    # and the app's thresholds apply.
    gc.disable()
    try:
        from .ui import launch
        from .ui.gc_tuning import GC_THRESHOLDS
    except ImportError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"k8stui: the dashboard cannot be loaded ({reason}); reinstall k8stui and its dependencies",
              file=sys.stderr)
        return None
    finally:
        gc.freeze()
        gc.enable()
    gc.set_threshold(*GC_THRESHOLDS)
    return launch


def _run_demo(args: argparse.Namespace) -> int:
    if args.serve_only:
        from .demo.main import serve

        return serve(port=args.port, pods=args.pods, seed=args.seed, state_dir=args.state_dir,
                     prometheus=not args.no_prometheus, ready_file=args.ready_file, time_scale=args.time_scale,
                     bookmark_interval=args.bookmark_interval, frozen_state=args.frozen_state,
                     watch_history=args.watch_history,
                     exit_with_parent=args.exit_with_parent)
    ui = _load_ui()
    if ui is None:
        return 2
    try:
        choices = ui.load_choices(args)
    except ui.ConfigError as exc:
        return ui.fail(str(exc))
    from .demo.launcher import DemoProcess, DemoStartError

    demo = DemoProcess(port=args.port, pods=args.pods, seed=args.seed, prometheus=not args.no_prometheus,
                       time_scale=args.time_scale)
    # Starting the server and Prometheus takes seconds before the app can draw: say so (the terminal was blank).
    print("k8stui demo: starting the demo cluster…", end="", file=sys.stderr, flush=True)
    try:
        demo.start()
    except DemoStartError as exc:
        print(f" failed\nk8stui demo: {exc}", file=sys.stderr)
        return 2
    print(" ready", file=sys.stderr, flush=True)
    try:
        return ui.launch(args, kubeconfig=demo.kubeconfig, prometheus_url=demo.prometheus_url, choices=choices)
    except KeyboardInterrupt:
        return 130
    finally:
        _stop_demo(demo)


def _stop_demo(demo: object) -> None:
    """Stop the demo cluster, saying so: the app has left the screen and stopping Prometheus and the server takes
    a few seconds, which a blank terminal made look like a hang."""
    print("k8stui demo: stopping the demo cluster…", end="", file=sys.stderr, flush=True)
    demo.stop()  # type: ignore[attr-defined]
    print(" done", file=sys.stderr, flush=True)


def _run_app(args: argparse.Namespace) -> int:
    ui = _load_ui()
    return 2 if ui is None else ui.launch(args)


def main(argv: Sequence[str] | None = None) -> int:
    trim()
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return _run_demo(args)
    return _run_app(args)


if __name__ == "__main__":
    sys.exit(main())
