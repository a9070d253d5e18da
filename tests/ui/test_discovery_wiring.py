"""The app reads the server's kinds at connect and again on a context switch, without delaying the first paint."""

from __future__ import annotations

from .helpers import SIZE, make_app, wait_until


async def test_discovery_follows_the_context(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        first = app.discovery
        assert first.context == "demo"
        await wait_until(pilot, lambda: first.fresh and first.registry.source == "discovery", 15,
                         "the admin context's kinds discovered")
        assert first.registry.resolve("pods.metrics.k8s.io") is not None  # served by the demo, not built in
        await pilot.press("colon", *"ctx demo-dev", "enter")
        await wait_until(pilot, lambda: app.discovery is not first, 5, "a new discovery for demo-dev")
        second = app.discovery
        assert second.context == "demo-dev" and second.cache_path != first.cache_path
        await wait_until(pilot, lambda: second.fresh and second.registry.source == "discovery", 15,
                         "the developer context's kinds discovered")
        await wait_until(pilot, lambda: not first.running, 5, "the old discovery stopped")
