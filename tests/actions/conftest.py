"""Fixtures of the action tests against the demo cluster."""

from __future__ import annotations

import pytest

from k8stui.actions.audit import AuditLog
from k8stui.actions.plan import Session
from k8stui.cluster.connection import load_target


@pytest.fixture
async def session(demo, tmp_path):
    """A Session on the demo's "demo" context, auditing to a file of the test's own."""
    s = Session(load_target(demo.kubeconfig, "demo", None), AuditLog(tmp_path / "audit.jsonl"))
    yield s
    await s.close()
