"""RBAC answers from the demo cluster through SelfSubjectAccessReview / SelfSubjectRulesReview."""

from __future__ import annotations

import asyncio

import pytest

from k8stui.cluster.access import AccessChecker
from k8stui.cluster.connection import load_target


@pytest.fixture
async def dev(demo):
    checker = AccessChecker(load_target(demo.kubeconfig, "demo-dev", None))
    yield checker
    await checker.close()


async def test_demo_dev_rights(dev):
    assert await dev.can("list", "pods", namespace="team-a")
    assert await dev.can("patch", "deployments", "apps", namespace="team-a")
    assert not await dev.can("patch", "deployments", "apps", namespace="shop")
    assert not await dev.can("list", "pods", namespace="shop")
    assert not await dev.can("list", "nodes")
    assert not await dev.can("list", "pods")  # all namespaces


async def test_admin_rights(demo):
    admin = AccessChecker(load_target(demo.kubeconfig, "demo", None))
    try:
        assert await admin.can("patch", "deployments", "apps", namespace="shop")
        assert await admin.can("list", "nodes")
        assert await admin.can("update", "deployments", "apps", namespace="shop", subresource="scale")
    finally:
        await admin.close()


async def test_answers_are_cached(demo, dev):
    assert dev.peek("list", "pods", namespace="team-a") is None
    seq = demo.request_seq()
    results = await asyncio.gather(*(dev.can("list", "pods", namespace="team-a") for _ in range(5)))
    assert results == [True] * 5
    assert await dev.can("list", "pods", namespace="team-a")
    assert dev.peek("list", "pods", namespace="team-a") is True
    reviews = [r for r in await asyncio.to_thread(demo.requests_since, seq) if "selfsubjectaccessreviews" in r["path"]]
    assert len(reviews) == 1


async def test_rules_review(dev):
    team = await dev.rules("team-a")
    assert not team.error
    assert team.allows("list", "pods") and team.allows("patch", "deployments", "apps")
    shop = await dev.rules("shop")
    assert not shop.allows("list", "pods")


async def test_unreachable_server_answers_false(tmp_path):
    import yaml

    cfg = tmp_path / "config"
    cfg.write_text(yaml.safe_dump({"current-context": "x", "contexts": [{"name": "x", "context": {
        "cluster": "c", "user": "u"}}], "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"token": "t"}}]}))
    checker = AccessChecker(load_target(str(cfg), None, None))
    try:
        decision = await checker.check("list", "pods", namespace="x")
        assert not decision.allowed and decision.error
        assert checker.peek("list", "pods", namespace="x") is None  # failures are not cached
    finally:
        await checker.close()
