"""Pictures of the everyday operations' screens that the README shows: the delete confirmation (what cascades,
the propagation choice, a finalizer that will hang, a dangerous context's typed name) and a drain's progress
(evicted, blocked by a disruption budget, terminating, a DaemonSet pod skipped). Fixed plans and progress, no
cluster: the pictures cannot change between runs."""

from __future__ import annotations

from textual.app import App

from k8stui.actions.client import ObjectRef
from k8stui.actions.delete import PROPAGATION_HELP, Victim, delete_write
from k8stui.actions.nodes import BLOCKED, EVICTING, GONE, SKIPPED, TERMINATING, DrainProgress, PodDrain
from k8stui.actions.plan import Plan
from k8stui.cluster import kinds
from k8stui.ui.screens.drain import DrainScreen
from k8stui.ui.screens.ops_dialogs import DeleteConfirmScreen


class _ScreenApp(App):
    def __init__(self, screen) -> None:  # noqa: ANN001 - any screen
        super().__init__()
        self.shown = screen

    def on_mount(self) -> None:
        self.push_screen(self.shown)


def _delete_plan() -> Plan:
    ref = ObjectRef(kinds.DEPLOYMENTS, "shop", "checkout")
    victim_obj = {"metadata": {"name": "checkout", "namespace": "shop", "uid": "0c9e", "generation": 7}}
    write = delete_write(Victim(ref.kind, victim_obj), "Foreground")
    return Plan("delete", "Deployment", "shop", "checkout", "prod-westeurope", "sre@example.com",
                "Deployment checkout", "deleted, with 2 replicasets, 4 pods", [write],
                warnings=["will hang: Pod shop/checkout-7d9c6b5f4-x2k8q: until example.com/drain-hook removes "
                          "its finalizer"],
                details=["will be deleted:", "  Deployment shop/checkout",
                         "    ReplicaSet checkout-7d9c6b5f4 (3 pods)", "      Pod checkout-7d9c6b5f4-2mfzt",
                         "      Pod checkout-7d9c6b5f4-9qk2n", "      Pod checkout-7d9c6b5f4-x2k8q",
                         "    ReplicaSet checkout-59b8d4c6f9 (1 pod)", "      Pod checkout-59b8d4c6f9-lw5tz"])


def test_delete_confirmation_picture(snap_compare):
    assert "Foreground" in PROPAGATION_HELP
    screen = DeleteConfirmScreen(_delete_plan(), dangerous=True, propagation="Foreground", offer=True)
    assert snap_compare(_ScreenApp(screen), terminal_size=(120, 40))


def test_drain_progress_picture(snap_compare):
    pods = [PodDrain("shop", "checkout-7d9c6b5f4-2mfzt", "a", "ReplicaSet checkout-7d9c6b5f4", GONE, "evicted"),
            PodDrain("shop", "checkout-7d9c6b5f4-9qk2n", "b", "ReplicaSet checkout-7d9c6b5f4", TERMINATING,
                     "evicted, terminating (grace period 30s)"),
            PodDrain("payments", "ledger-0", "c", "StatefulSet ledger", BLOCKED,
                     "Cannot evict pod as it would violate the pod's disruption budget (ledger: needs 3 healthy, "
                     "has 3)", attempts=3),
            PodDrain("shop", "cart-6f7b9c8d4-ppz7w", "d", "ReplicaSet cart-6f7b9c8d4", EVICTING, "evicting"),
            PodDrain("kube-system", "node-exporter-7xk2p", "e", "DaemonSet node-exporter", SKIPPED,
                     "DaemonSet pod (node-exporter): it would be recreated on this node")]
    progress = DrainProgress("aks-nodepool1-00001", pods, started=0.0)
    assert snap_compare(_ScreenApp(DrainScreen(progress, lambda: None)), terminal_size=(120, 30))
