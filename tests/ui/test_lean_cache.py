"""The lean informer cache as a user meets it: the list keeps no managedFields nor last-applied annotation, yet
describe shows the whole object (read from the server when opened), and nothing the screens do changes a part
that cached objects share (cluster.lean)."""

from __future__ import annotations

import json
import uuid

import pytest

from k8stui.cluster.secrets import LAST_APPLIED
from k8stui.ui.screens.describe import DescribeScreen

from .helpers import SIZE, make_app, names, row, table, wait_until


@pytest.fixture
def applied_ns(demo):
    ns = f"lean-{uuid.uuid4().hex[:6]}"
    demo.kubectl("create", "namespace", ns)
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "applied", "namespace": ns,
                                                              "labels": {"app": "applied"}},
                "spec": {"containers": [{"name": "web", "image": "ghcr.io/demo/web:1.0"}]}}
    # kubectl apply stores the manifest in the last-applied annotation: a field the lean cache drops.
    demo.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    # started and ready before the test looks: a pod the kubelet still changes would make describe say "updated"
    demo.kubectl("wait", "--for=condition=Ready", "pod/applied", "-n", ns, "--timeout=60s")
    yield ns
    demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


async def test_describe_of_a_pod_shows_what_the_lean_cache_dropped(demo, applied_ns):
    app = make_app(demo, namespace=applied_ns)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"pods", "enter")
        await wait_until(pilot, lambda: "applied" in names(app, "resources"), 15, "the applied pod listed")
        informer = app.screen.feed.informer
        cached = informer.by_name(applied_ns, "applied")
        assert LAST_APPLIED not in (cached["metadata"].get("annotations") or {})
        assert all("managedFields" not in o["metadata"] for o in informer.objects())
        table(app, "resources").select_key(row(app, "resources", "applied").uid)
        await pilot.press("d")
        screen = app.screen
        assert isinstance(screen, DescribeScreen)
        await wait_until(pilot, lambda: screen.whole, 15, "the whole pod read from the server")
        assert not screen.status  # neither "cached copy: <error>" nor "updated": the object did not change
        assert "last-applied-configuration" in screen.yaml_text  # only the server's copy has it
        assert "managedFields" not in screen.yaml_text
        assert "name: applied" in screen.yaml_text and "image: ghcr.io/demo/web:1.0" in screen.yaml_text
        await pilot.press("escape")
        # The dashboard's findings, the pods view and describe ran on the cache: no shared part was changed.
        assert app.hub.shared.verify() == []
