"""Fixtures of the data-layer tests against the demo cluster."""

from __future__ import annotations

import pytest

from k8stui.cluster.connection import load_target
from k8stui.cluster.store import InformerHub


@pytest.fixture
async def hub(demo):
    """An InformerHub on the demo's "demo" context that drops an informer as soon as it is released."""
    hub = InformerHub(load_target(demo.kubeconfig, "demo", None), linger=0)
    yield hub
    await hub.close()


@pytest.fixture
def faults(demo):
    """The demo, with whatever faults the test set cleared at its end."""
    yield demo
    demo.clear_faults()
