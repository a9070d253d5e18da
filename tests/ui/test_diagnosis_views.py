"""The diagnosis views against the demo cluster, driven from the keyboard as a user would: ``:lint`` (each
finding for the demo object that has it, one going away when fixed with kubectl, export), ``h`` "why is it
stuck?" for each cause the demo produces, ``:timeline`` after a bad rollout and a rollback, ``:helm`` (releases,
values, manifest, owned objects).

Each test makes the namespaces it changes (through ``/_demo/scenario/*``) and deletes them afterwards.
"""

from __future__ import annotations

import json
import uuid

import pytest

from k8stui.ui.screens.lint import LintScreen

from .helpers import SIZE, kubectl, make_app, table, wait_until

# (rule, kind, name) the ``payments`` material has (``/_demo/scenario/findings`` copies it).
PAYMENTS = [
    ("latest-image", "Deployment", "fraud-check"),
    ("colocated", "Deployment", "fraud-check"),
    ("hpa-at-max", "HorizontalPodAutoscaler", "fraud-check"),
    ("pdb-blocks-evictions", "PodDisruptionBudget", "ledger"),
    ("service-no-pods", "Service", "ledger-admin"),
    ("no-service", "Deployment", "statement-export"),
    ("missing-reference", "Deployment", "statement-export"),
    ("bluegreen-replicas", "Deployment", "ledger-green"),
    ("bluegreen-config", "Deployment", "ledger-green"),
    ("single-replica", "Deployment", "ledger-green"),
    ("default-sa-rbac", "RoleBinding", "default-edit"),
]


@pytest.fixture
def scratch(demo):
    made: list[str] = []
    yield made
    for ns in made:
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def lint_keys(app) -> set[tuple[str, str, str]]:
    return {(f.rule, f.object.kind, f.object.name) for f in table(app, "lint-table").visible_rows()}


async def test_lint_lists_findings_live_filters_and_exports(demo, scratch):
    ns = f"lint-{uuid.uuid4().hex[:6]}"
    scratch.append(ns)
    demo.admin("scenario/findings", {"namespace": ns})
    app = make_app(demo, namespace=ns)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"lint", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LintScreen), 5, ":lint opens")
        expected = set(PAYMENTS)
        await wait_until(pilot, lambda: expected <= lint_keys(app), 40,
                         f"findings in {ns}: missing {expected - lint_keys(app)}")
        painted = "\n".join(table(app, "lint-table").painted_lines())
        assert "SEVERITY" in painted and "Deployment/fraud-check" in painted
        # Fixed with kubectl: the finding goes by itself (the informers' watch, no reload).
        await kubectl(demo, "-n", ns, "delete", "rolebinding", "default-edit")
        await wait_until(pilot, lambda: ("default-sa-rbac", "RoleBinding", "default-edit") not in lint_keys(app),
                         30, "default-sa-rbac gone after the fix")
        # Filter like every table, then export what is shown.
        await pilot.press("slash", *"fraud", "enter")
        await wait_until(pilot, lambda: lint_keys(app) and all(k[2] == "fraud-check" for k in lint_keys(app)), 5,
                         "filtered to fraud-check")
        await pilot.press("J")
        screen = app.screen
        await wait_until(pilot, lambda: screen.last_export is not None, 10, "JSON written")
        doc = json.loads(screen.last_export.read_text())
        assert {f["name"] for f in doc["findings"]} == {"fraud-check"}
        assert any(str(screen.last_export) in n.message for n in app._notifications)
