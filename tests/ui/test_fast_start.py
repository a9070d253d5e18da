"""Fast start (issue 12 design 3): what the first frame costs is kept small by construction, not by a timed test.

How long the start takes is a benchmark figure (benchmarks/bench_app.py, first_frame_s and first_paint_s); these
tests guard the causes: which modules the start imports, and that a start command's view does not wait for the
dashboard under it.
"""

from __future__ import annotations

import subprocess
import sys

from k8stui.ui.screens.dashboard import DashboardScreen
from k8stui.ui.screens.resource import ResourceScreen

from .helpers import SIZE, make_app, names, wait_until

# Imported only when a view needs them (the kubeconfig is read without the kubernetes client, and the reachability
# probe without httpx, which the app's first client imports after the first frame, as the first row imports the
# rows' dataclasses; charts, Prometheus
# and its alerts' poll, the label-selector parser, diagnosis, actions, the demo, xray and the rows of the kinds
# outside ``cluster.rows`` load on first use), or never (httpx's CLI, trio).
NOT_AT_START = ("httpx", "httpcore", "anyio", "k8stui.cluster.rows", "k8stui.cluster.tables", "kubernetes", "prometheus_api_client", "plotext", "textual_plotext", "pygments", "click", "trio", "h2",
                "k8stui.diagnosis", "k8stui.actions", "k8stui.demo", "k8stui.metrics.service", "k8stui.cluster.xray",
                "k8stui.cluster.rows_workloads", "k8stui.cluster.rows_storage", "k8stui.cluster.rows_network",
                "k8stui.cluster.rows_rbac", "k8stui.metrics.alerts", "k8stui.metrics.poller", "k8stui.cluster.selector")


def test_the_start_imports_no_heavy_module():
    """Everything the command line imports up to the first frame of the dashboard or of ``-c pods``."""
    code = ("import sys\n"
            "from k8stui.cli import build_parser, trim\n"
            "trim()\n"
            "from k8stui.ui import launch\n"
            "from k8stui.ui.screens import dashboard, resource\n"
            "print(' '.join(sorted(name for name, module in sys.modules.items() if module is not None)))\n"
            "from k8stui.ui.screens import generic, nodes\n"  # -c nodes, -c <a kind without rows of its own>
            "print(' '.join(sorted(name for name, module in sys.modules.items() if module is not None)))\n"
            "import httpx\n"
            "httpx.AsyncClient()\n"  # httpx and httpcore work without the modules left out (import_trims.py)
            "print('httpcore' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    listing, other_views, httpcore_loaded = out.stdout.splitlines()
    loaded = set(listing.split())
    assert "k8stui.ui.app" in loaded and httpcore_loaded == "True"
    heavy = sorted(m for m in loaded if any(m == name or m.startswith(name + ".") for name in NOT_AT_START))
    assert heavy == [], f"imported before the first frame: {heavy}"
    # The nodes view makes its rows at once, a generic view its server-side Table.
    nodes_view = [name for name in NOT_AT_START if name not in ("k8stui.cluster.rows", "k8stui.cluster.tables")]
    heavy = sorted(m for m in set(other_views.split()) if any(m == name or m.startswith(name + ".")
                                                              for name in nodes_view))
    assert heavy == [], f"imported before the first frame of -c nodes: {heavy}"


def test_the_probe_and_the_held_informers_import_no_http_client(demo):
    """Before the first frame the CLI probes the server (``http.client``) and the first view acquires its
    informers, whose requests wait for the frame: neither imports httpx nor httpcore (~40 ms of CPU); the first
    request does, after the frame."""
    code = ("import asyncio, sys\n"
            "from k8stui.cluster.connection import load_target, probe\n"
            "from k8stui.cluster.kinds import PODS\n"
            "from k8stui.cluster.store import InformerHub\n"
            f"connection = load_target({demo.kubeconfig!r}, None, None)\n"
            "print(probe(connection).get('major'))\n"
            "async def main():\n"
            "    hub = InformerHub(connection, linger=0)\n"
            "    hub.hold_requests()\n"
            "    informer = hub.acquire(PODS, None)\n"
            "    await asyncio.sleep(0)\n"
            "    held = 'httpx' in sys.modules or 'httpcore' in sys.modules\n"
            "    hub.release_requests()\n"
            "    synced = await informer.wait_synced(30)\n"
            "    await hub.close()\n"
            "    print(held, synced, len(informer) > 0)\n"
            "asyncio.run(main())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["1", "False", "True", "True"], out.stdout + out.stderr


async def test_a_start_command_view_comes_first_and_escape_shows_the_dashboard(demo):
    """``-c pods``: the pods view is the first thing made; the dashboard under it makes its panes and starts its
    informers when the user goes back to it, and then works as usual."""
    app = make_app(demo, namespace="shop", start_command="pods")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen) and names(app, "resources"), 30,
                         "the pods view with its rows")
        dashboard = app.screen_stack[1]
        assert isinstance(dashboard, DashboardScreen)
        assert not dashboard.workloads.is_mounted, "the dashboard made its panes under the pods view"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is dashboard and "api-blue" in names(app, "workloads"), 30,
                         "the dashboard's workloads after escape")
        await wait_until(pilot, lambda: names(app, "pods"), 30, "the pods of the selected workload")
        assert app.focused is dashboard.workloads


def test_the_start_collects_no_garbage_while_importing_and_freezes_what_it_imported():
    """Importing the UI runs no collection (Python's default thresholds ran ~150 over the imported objects, one of
    them full); the imported objects are frozen out of later collections and the app's thresholds apply."""
    code = ("import gc\n"
            "from k8stui import cli\n"
            "from k8stui.ui.gc_tuning import GC_THRESHOLDS\n"
            "runs = []\n"
            "gc.callbacks.append(lambda phase, info: runs.append(info['generation']) if phase == 'start' else None)\n"
            "assert cli._load_ui() is not None\n"
            "print(len(runs), gc.isenabled(), gc.get_freeze_count(), gc.get_threshold() == GC_THRESHOLDS)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    collections, enabled, frozen, thresholds = out.stdout.split()
    assert (collections, enabled, thresholds) == ("0", "True", "True"), out.stdout
    assert int(frozen) > 20_000, "the imported modules and classes are frozen"
