"""Regenerate the README screenshots of the everyday operations (SVG, and PNG when rsvg-convert is installed):

    python screenshots/make_operations_screenshots.py

``ctrl+d`` on a Deployment of the demo's ``shop`` namespace (the confirmation with what cascades and the
propagation choice; cancelled, nothing is deleted), and a drain of ``aks-nodepool1-00001`` in ``:nodes`` with a
PodDisruptionBudget that allows no disruption of one of its pods (evicted, terminating, blocked and retried,
DaemonSet pods skipped). Taken from a running demo cluster; pod names and times differ a little on every run.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))
# A home of its own (k8stui's audit log and settings), not yours, as make_diagnosis_screenshots.py does.
os.environ["K8STUI_HOME"] = tempfile.mkdtemp(prefix="k8stui-screenshots-")

from shots import select_workload, until  # noqa: E402
from shots import write as save  # noqa: E402

from k8stui.cluster.connection import load_target  # noqa: E402
from k8stui.config import Settings  # noqa: E402
from k8stui.demo.launcher import DemoProcess  # noqa: E402
from k8stui.ui.app import K8sTuiApp  # noqa: E402

SIZE = (160, 44)
NODE = "aks-nodepool1-00001"


def kubectl(kubeconfig: str, *args: str, stdin: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")} | {"KUBECONFIG": kubeconfig}
    return subprocess.run([shutil.which("kubectl") or "kubectl", *args], input=stdin, env=env, text=True,
                          capture_output=True, check=True, timeout=60).stdout


def block_one_pod(kubeconfig: str) -> None:
    """A PDB that allows no disruption of the first ReplicaSet-owned pod on NODE (by its app label)."""
    pods = json.loads(kubectl(kubeconfig, "get", "pods", "-A", "--field-selector", f"spec.nodeName={NODE}",
                              "-o", "json"))["items"]
    pod = next(p for p in pods if (p["metadata"].get("labels") or {}).get("app")
               and any(o.get("kind") == "ReplicaSet" for o in p["metadata"].get("ownerReferences") or ()))
    meta = pod["metadata"]
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": f"{meta['labels']['app']}-strict", "namespace": meta["namespace"]},
           "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": meta["labels"]["app"]}}}}
    kubectl(kubeconfig, "apply", "-f", "-", stdin=json.dumps(pdb))


async def delete_confirmation(kubeconfig: str) -> None:
    from k8stui.ui.screens.ops_dialogs import DeleteConfirmScreen

    app = K8sTuiApp(load_target(kubeconfig, None, "shop"), Settings(), kubeconfig=kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await select_workload(pilot, app, "api-blue")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, DeleteConfirmScreen), 30, "the delete confirmation")
        await pilot.pause(0.5)
        save(app, "delete")
        await pilot.press("escape")  # cancelled: nothing is deleted


async def drain(kubeconfig: str) -> None:
    from k8stui.ui.screens.confirm import ConfirmScreen
    from k8stui.ui.screens.drain import DrainScreen

    app = K8sTuiApp(load_target(kubeconfig, None, "shop"), Settings(), kubeconfig=kubeconfig)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"nodes", "enter")
        await until(pilot, lambda: NODE in [r.name for r in app.screen.query_one("#nodes").visible_rows()], 30,
                    "the nodes")
        nodes = app.screen.query_one("#nodes")
        nodes.focus()
        nodes.select_key(next(r.uid for r in nodes.visible_rows() if r.name == NODE))
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 30, "the drain confirmation")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, DrainScreen), 30, "the drain view")
        screen = app.screen
        await until(pilot, lambda: "blocked" in screen.summary and not screen.summary.startswith("draining: 0/"),
                    90, "a pod blocked by its budget, others evicted")
        await pilot.pause(1.0)
        save(app, "drain")
        await pilot.press("c")  # cancelled: the node stays cordoned in this throwaway cluster


async def main() -> None:
    with DemoProcess(prometheus=False) as demo:
        await delete_confirmation(demo.kubeconfig)
        block_one_pod(demo.kubeconfig)
        await drain(demo.kubeconfig)


if __name__ == "__main__":
    asyncio.run(main())
