"""The diagnosis views against the demo cluster, driven from the keyboard as a user would: ``:lint`` (each
finding for the demo object that has it, one going away when fixed with kubectl, export), ``h`` "why is it
stuck?" for each cause the demo produces, ``:timeline`` after a bad rollout (its crash, the alert firing) and a
rollback from the app (its rollout step and audit record), ``:helm`` (releases, values, manifest, owned objects).

Each test makes the namespaces it changes (through ``/_demo/scenario/*``) and deletes them afterwards.
"""

from __future__ import annotations

import json
import uuid

import pytest
from actions.scenario import WEB_IMAGE, create_namespace, delete_namespace

from k8stui.ui.operations import journal
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.dialogs import BurstDialog, RevisionPicker
from k8stui.ui.screens.helm import HelmReleaseScreen, HelmScreen
from k8stui.ui.screens.lint import LintScreen
from k8stui.ui.screens.stuck import StuckScreen
from k8stui.ui.screens.timeline import TimelineScreen
from tests.diagnosis.test_demo import EXPECTED

from .helpers import SIZE, kubectl, make_app, table, wait_until
from .test_operations import select

BROKEN_IMAGE = WEB_IMAGE.rsplit(":", 1)[0] + ":broken"  # the demo's kubelet crashes a ``broken`` tag

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


@pytest.mark.timeout(240)  # the demo's crashes and back-offs take their time on a loaded machine
async def test_lint_lists_findings_live_filters_and_exports(demo, scratch):
    ns = f"lint-{uuid.uuid4().hex[:6]}"
    scratch.append(ns)
    demo.admin("scenario/findings", {"namespace": ns})
    app = make_app(demo, namespace=ns)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"lint", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LintScreen), 20, ":lint opens")
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
        await wait_until(pilot, lambda: screen.last_export is not None, 30, "JSON written")
        doc = json.loads(screen.last_export.read_text())
        assert {f["name"] for f in doc["findings"]} == {"fraud-check"}
        assert any(str(screen.last_export) in n.message for n in app._notifications)
        # h on a finding's object: why statement-export is stuck (the Secret it references is missing).
        await pilot.press("escape")  # clears the filter
        key = next(k for k, f in table(app, "lint-table").model.rows_by_key.items()
                   if f.rule == "missing-reference")
        table(app, "lint-table").select_key(key)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, StuckScreen)
                         and "config-missing" in app.screen.explanation.codes, 30, "h from :lint")
        await pilot.press("escape")
        # Every rule, for the scenario object that has it, in all namespaces.
        await pilot.press("colon", *"lint all", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LintScreen) and app.screen.namespace is None, 5,
                         ":lint all")
        everything = set(EXPECTED) | {("restarts", "Pod", "shop", "checkout-")}

        def missing() -> set:
            found = {(f.rule, f.object.kind, f.object.namespace,
                      "checkout-" if f.rule == "restarts" and f.object.name.startswith("checkout-") else f.object.name)
                     for f in table(app, "lint-table").visible_rows()}
            return everything - found

        await wait_until(pilot, lambda: not missing(), 90, f"findings of the scenario: missing {missing()}")


CAUSES = ("insufficient-cpu", "insufficient-memory", "taint", "affinity", "pvc-binding", "image-pull", "crash-loop",
          "oom-killed", "probe-failing", "config-missing", "rollout-stalled")


def stuck_text(app) -> str:
    return str(app.screen.query_one("#stuck-text").render())


async def explain_with_h(pilot, app, name: str, code: str, table_id: str = "workloads") -> StuckScreen:
    await select(pilot, app, name, table_id)
    await pilot.press("h")
    await wait_until(pilot, lambda: isinstance(app.screen, StuckScreen), 5, f"h on {name}")
    screen = app.screen
    await wait_until(pilot, lambda: screen.explanation is not None and code in screen.explanation.codes, 120,
                     f"{name}: {code} in {screen.explanation and screen.explanation.codes}")
    return screen


@pytest.mark.timeout(240)  # the demo's crashes and back-offs take their time on a loaded machine
async def test_why_stuck_explains_each_cause_the_demo_produces(demo, scratch):
    ns = f"stuck-{uuid.uuid4().hex[:6]}"
    scratch.append(ns)
    for cause in CAUSES:
        demo.admin("scenario/stuck", {"cause": cause, "namespace": ns, "name": cause})
    app = make_app(demo, namespace=ns)
    async with app.run_test(size=SIZE) as pilot:
        for cause in CAUSES:
            screen = await explain_with_h(pilot, app, cause, cause)
            text = stuck_text(app)
            assert screen.explanation.stuck and screen.explanation.headline.split(":")[0] in text
            if cause == "crash-loop":  # the previous run's log, fetched in a worker, inside the explanation
                await wait_until(pilot, lambda: "panic:" in stuck_text(app), 20, "the previous log's panic")
                assert "last lines of the previous run" in stuck_text(app)
            if cause == "oom-killed":
                assert "OOMKilled: yes (memory limit 128Mi)" in text
            if cause == "insufficient-cpu":  # capacity: the burst is offered, and x starts the guarded burst
                assert "closest node: aks-nodepool1-" in text and "offer: burst insufficient-cpu" in text
                await pilot.press("x")
                await wait_until(pilot, lambda: isinstance(app.screen, BurstDialog), 30,
                                 f"the burst dialog: {journal(app)} {app.screen}")
                assert app.screen.view.name == "insufficient-cpu" and app.screen.view.pending == 1
                await pilot.press("escape")
                await wait_until(pilot, lambda: isinstance(app.screen, StuckScreen), 20, "burst cancelled")
            if cause == "taint":  # not a capacity problem: no burst offered, x says so
                assert "closest node: virtual-node-aci" in text and "offer:" not in text
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, StuckScreen), 20, "back")
        # h on a pod, from the pods pane.
        await select(pilot, app, "image-pull")

        def pod_name() -> str:
            return next((r.name for r in table(app, "pods").model.rows() if r.name.startswith("image-pull-")), "")

        await wait_until(pilot, pod_name, 30, "the image-pull pod listed")
        pod = pod_name()
        await explain_with_h(pilot, app, pod, "image-pull", "pods")
        assert "does not exist in the registry" in stuck_text(app)


def timeline_texts(app) -> list[str]:
    return [f"{e.source}: {e.text}" for e in table(app, "timeline-table").visible_rows()]


@pytest.mark.timeout(240)  # the demo's crashes and back-offs take their time on a loaded machine
async def test_timeline_after_a_bad_rollout_and_a_rollback_then_helm(demo):
    ns = create_namespace(demo, "tl", web=True)
    try:
        app = make_app(demo, namespace=ns, prometheus_url=demo.prometheus_url)
        async with app.run_test(size=SIZE) as pilot:
            await kubectl(demo, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
            await kubectl(demo, "-n", ns, "set", "image", "deployment/web", f"web={BROKEN_IMAGE}")
            await pilot.press("colon", *"timeline deploy/web", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen), 20, ":timeline opens")
            # The bad revision and its crash show up live (informers), before anyone rolls back.
            await wait_until(pilot, lambda: any(t.startswith("rollout: revision 2 of web created") and "broken" in t
                                                for t in timeline_texts(app)), 90, "revision 2 in the timeline")
            await wait_until(pilot, lambda: any(t.startswith(("restart: container web restarted", "event: BackOff"))
                                                for t in timeline_texts(app)), 120,
                             f"the crash in the timeline: {timeline_texts(app)}")
            if demo.prometheus_url:  # the demo's Prometheus fires KubePodCrashLooping for the crashing pod
                await wait_until(pilot, lambda: any(t.startswith("alert: KubePodCrashLooping firing") for t in
                                                    timeline_texts(app)), 90, "the crash-loop alert firing")
            # The rollback, from the app (u on the dashboard): it is in the timeline as a rollout step and as
            # k8stui's own audit record.
            await pilot.press("escape")
            await select(pilot, app, "web")
            await pilot.press("u")
            await wait_until(pilot, lambda: isinstance(app.screen, RevisionPicker), 30, "the revision picker")
            await pilot.press("enter")  # revision 1, the one before the current
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 30, "the confirmation")
            await pilot.press("y")
            await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), 30, "applied")
            await pilot.press("colon", *"timeline deploy/web", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen), 20, ":timeline again")
            await wait_until(pilot, lambda: any(t.startswith("audit: k8stui rollback") for t in timeline_texts(app)),
                             60, f"the rollback's audit record: {timeline_texts(app)[:5]}")
            await wait_until(pilot, lambda: any(t.startswith("rollout: revision 3 of web created")
                                                and WEB_IMAGE in t for t in timeline_texts(app)), 90,
                             f"the rollback (revision 3) in the timeline: {timeline_texts(app)}")
            await wait_until(pilot, lambda: any(t.startswith("rollout: revision 2: Scaled down") for t in
                                                timeline_texts(app)), 90, "revision 2 scaled down")
            # The rollback is the old ReplicaSet (now revision 3) scaled up again after revision 2 was made.
            await wait_until(pilot, lambda: any(t.startswith("rollout: revision 3: Scaled up") for t in
                                                timeline_texts(app)), 90, "revision 3 scaled up")
            # Newest first on screen; the Markdown export reads oldest first.
            times = [e.time for e in table(app, "timeline-table").visible_rows()]
            assert times == sorted(times, reverse=True)
            screen = app.screen
            await pilot.press("M")
            await wait_until(pilot, lambda: screen.last_export is not None, 30, "Markdown written")
            text = screen.last_export.read_text()
            assert text.startswith(f"## Timeline: Deployment {ns}/web")
            assert text.index("revision 2 of web created") < text.rindex("revision 3: Scaled up")
            await pilot.press("escape")
            # A bare name that is a namespace: that namespace's timeline.
            await pilot.press("colon", *"timeline payments", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen)
                             and app.screen.namespace == "payments" and app.screen.workload is None, 20,
                             ":timeline payments")
            await wait_until(pilot, lambda: any("statement-export" in e.object.name for e in
                                                table(app, "timeline-table").visible_rows()), 30, "payments' events")
            await pilot.press("escape")

            # :helm — the releases of the scenario, a release's objects (live) and its values on request.
            await pilot.press("colon", *"helm all", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, HelmScreen), 20, ":helm opens")
            await wait_until(pilot, lambda: {"ledger", "kube-state-metrics"} <=
                             {r.name for r in table(app, "helm-table").visible_rows()}, 20, "releases listed")
            ledger = next(r for r in table(app, "helm-table").visible_rows() if r.name == "ledger")
            assert (ledger.namespace, ledger.revision, ledger.status, ledger.chart_text) == \
                ("payments", 2, "deployed", "ledger-0.7.3")
            painted = "\n".join(table(app, "helm-table").painted_lines())
            assert "ledger-0.7.3" in painted and "deployed" in painted
            table(app, "helm-table").select_key("payments/ledger")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, HelmReleaseScreen), 20, "release opens")
            release = app.screen
            await wait_until(pilot, lambda: "live     Deployment payments/ledger-blue" in release.text, 10,
                             f"owned objects: {release.text}")
            assert [r.status for r in table(app, "release-history").visible_rows()] == ["deployed", "superseded"]
            assert "Lg3r!pR0d" not in release.text  # values only when asked
            await pilot.press("2")
            await wait_until(pilot, lambda: "Lg3r!pR0d" in release.text, 5, f"values: {release.text}")
            await pilot.press("3")
            await wait_until(pilot, lambda: "kind: Deployment" in release.text, 20, "manifest")
    finally:
        delete_namespace(demo, ns)
