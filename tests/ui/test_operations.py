"""Operations from the keyboard against the demo cluster, state read back with real kubectl: scale, restart,
rollback, blue/green switch and revert, burst and un-burst, canary, undo — plus the safety rails: bad input,
RBAC refusals, read-only mode, conflicts, dangerous contexts and the audit log.

Every test works in a namespace of its own (``actions.scenario``) and deletes it afterwards.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import time

import pytest
from actions.scenario import (
    WEB_IMAGE,
    WEB_IMAGE_2,
    all_ready,
    create_namespace,
    delete_namespace,
    get_json,
    ready,
    wait_for,
)
from rich.console import Console
from textual.app import App
from textual.widgets import Input

from k8stui.actions.audit import AuditLog
from k8stui.actions.client import ObjectRef
from k8stui.actions.plan import Plan, Write
from k8stui.cluster import kinds
from k8stui.config import Settings
from k8stui.ui.operations import OPERATIONS, journal, run_operation
from k8stui.ui.screens.audit import AuditScreen
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.dialogs import BurstDialog, CanaryDialog, QuestionDialog, RevisionPicker, ScaleDialog

from .helpers import SIZE, kubectl, make_app, row, table, wait_until
from .screen_text import screen_lines

KEYS = {"scale": "s", "restart": "r", "rollback": "u", "bluegreen": "b", "bluegreen-revert": "B", "burst": "x",
        "unburst": "X", "canary": "c"}


def audit_lines(ns: str) -> list:
    return [r for r in AuditLog().read() if r.namespace == ns]


def mutating(demo, seq: int) -> list[dict]:
    return [r for r in demo.requests_since(seq) if r["mutating"]]


async def select(pilot, app, name: str, table_id: str = "workloads") -> None:
    await wait_until(pilot, lambda: row(app, table_id, name) is not None, 10, f"{name} listed")
    t = table(app, table_id)
    t.focus()
    t.select_key(row(app, table_id, name).uid)
    await wait_until(pilot, lambda: t.current_key() == row(app, table_id, name).uid, 10, f"the cursor on {name}")


async def confirm_and_wait(pilot, app, timeout: float = 10) -> ConfirmScreen:
    # pushed is not yet composed (under load the first read of its text can come before its widgets exist)
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm-apply"),
                     timeout, "the confirmation")
    return app.screen  # type: ignore[return-value]


async def set_input(pilot, value: str) -> None:
    await pilot.press("end", *["backspace"] * 12, *value)


def screen_text(screen) -> str:
    """What a modal shows, as plain text (tables rendered the way the terminal shows them)."""
    console = Console(width=200, file=io.StringIO(), record=True)
    for static in screen.query("Static"):
        console.print(static.content)
    return console.export_text()


def messages(app) -> list[str]:
    return [r.message for r in journal(app)]


async def until_message(pilot, app, pattern: str, timeout: float) -> str:
    rx = re.compile(pattern)
    await wait_until(pilot, lambda: any(rx.search(m) for m in messages(app)), timeout,
                     f"a message matching {pattern!r} (got {messages(app)[-3:]})")
    return next(m for m in messages(app) if rx.search(m))


@pytest.fixture
def web_ns(demo):
    ns = create_namespace(demo, web=True)
    yield ns
    delete_namespace(demo, ns)


# -- scale ----------------------------------------------------------------------------------------------------
async def test_scale_to_five_through_the_dialog_and_confirmation(demo, web_ns):
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("s")
        # a pushed screen is app.screen before it has composed its widgets
        await wait_until(pilot, lambda: isinstance(app.screen, ScaleDialog) and app.screen.query("#scale-input"), 10,
                         "the scale dialog")
        await set_input(pilot, "5")
        await pilot.press("enter")
        confirm = await confirm_and_wait(pilot, app)
        text = screen_text(confirm)
        assert "replicas 1  →  replicas 5" in text and f"Deployment web in namespace {web_ns}" in text
        assert "demo (user demo-admin)" in text and "accepted by the server (dryRun=All)" in text
        await pilot.press("y")
        await until_message(pilot, app, r"scale deployment .*/web: replicas 1 → replicas 5", 10)
        await wait_until(pilot, lambda: row(app, "workloads", "web").desired == 5, 5, "the table shows 5 desired")
        await until_message(pilot, app, r'web: deployment "web" successfully rolled out', 60)
    assert ready(demo, web_ns, "web") == (5, 5)
    lines = audit_lines(web_ns)
    assert [(r.verb, r.outcome, r.dry_run) for r in lines] == [("scale", "applied", "ok")]
    assert lines[0].before == "replicas 1" and lines[0].after == "replicas 5" and lines[0].user == "demo-admin"


async def test_bad_replica_counts_are_errors_in_the_dialog_and_nothing_is_sent(demo, web_ns):
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        await pilot.press("s")
        # a pushed screen is app.screen before it has composed its widgets
        await wait_until(pilot, lambda: isinstance(app.screen, ScaleDialog) and app.screen.query("#scale-input"), 10,
                         "the scale dialog")
        dialog = app.screen
        for value, expected in (("-1", "negative"), ("abc", "not a whole number"), ("1e9", "not a whole number"),
                                ("", "enter a replica count"), ("1000", "more than the maximum of 100")):
            await set_input(pilot, value)
            await pilot.press("enter")
            await wait_until(pilot, lambda e=expected: app.screen is not dialog or e in dialog.error, 10,
                             f"the error for {value!r}")
            assert app.screen is dialog, f"{value!r} closed the dialog"
            assert expected in dialog.error, (value, dialog.error)
        await pilot.press("escape")
        await until_message(pilot, app, "cancelled, nothing changed", 3)
        assert mutating(demo, seq) == []
    assert ready(demo, web_ns, "web")[1] == 1
    assert audit_lines(web_ns) == []


async def test_hpa_warning_in_the_scale_dialog(demo, web_ns):
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "web-hpa", "namespace": web_ns},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                    "minReplicas": 1, "maxReplicas": 4}}
    demo.kubectl("create", "--validate=false", "-f", "-", input=json.dumps(hpa))
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("s")
        # a pushed screen is app.screen before it has composed its widgets
        await wait_until(pilot, lambda: isinstance(app.screen, ScaleDialog) and app.screen.query("#scale-input"), 10,
                         "the scale dialog")
        warning = str(app.screen.query_one("#scale-hpa").content)
        assert "web-hpa" in warning and "override" in warning
        await pilot.press("escape")


# -- conflicts ------------------------------------------------------------------------------------------------
async def test_a_kubectl_change_between_plan_and_apply_is_refused_reread_and_no_clobber(demo, web_ns):
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("s")
        # a pushed screen is app.screen before it has composed its widgets
        await wait_until(pilot, lambda: isinstance(app.screen, ScaleDialog) and app.screen.query("#scale-input"), 10,
                         "the scale dialog")
        await set_input(pilot, "3")
        await pilot.press("enter")
        first = await confirm_and_wait(pilot, app)
        assert first.plan.before == "replicas 1"
        await kubectl(demo, "scale", "deployment/web", "-n", web_ns, "--replicas=2")  # someone else, meanwhile
        seq = demo.request_seq()
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not first, 10,
                         "the confirmation again, rebuilt")
        second: ConfirmScreen = app.screen  # type: ignore[assignment]
        assert "changed by someone else: spec.replicas is now 2 (you saw 1)" in second.notice
        assert second.plan.before == "replicas 2" and second.plan.after == "replicas 3"
        patches = [r for r in mutating(demo, seq) if r["method"] == "PATCH"]
        assert [r["status"] for r in patches] == [422]  # the JSON patch's test of spec.replicas failed
        assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["replicas"] == 2  # not clobbered
        await pilot.press("escape")
        await until_message(pilot, app, "cancelled, nothing changed", 3)
    assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["replicas"] == 2
    assert [r.outcome for r in audit_lines(web_ns)] == ["conflict"]


# -- restart and rollback -------------------------------------------------------------------------------------
async def test_restart_rolls_new_replicaset_pods(demo, web_ns):
    before = {p["metadata"]["name"] for p in get_json(demo, "pods", "-n", web_ns)["items"]}
    rs_before = {r["metadata"]["name"] for r in get_json(demo, "rs", "-n", web_ns)["items"]}
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("r")
        confirm = await confirm_and_wait(pilot, app)
        # Guarded by what the user saw (the previous restart), not by the resourceVersion.
        assert confirm.plan.writes[0].patch_type == "json"
        assert confirm.plan.writes[0].precondition.startswith("spec.template.metadata")
        await pilot.press("y")
        await until_message(pilot, app, r'web: deployment "web" successfully rolled out', 60)
    d = get_json(demo, "deployment", "web", "-n", web_ns)
    assert "kubectl.kubernetes.io/restartedAt" in d["spec"]["template"]["metadata"]["annotations"]
    rs_after = {r["metadata"]["name"] for r in get_json(demo, "rs", "-n", web_ns)["items"]}
    new_rs = rs_after - rs_before
    assert len(new_rs) == 1
    pods = get_json(demo, "pods", "-n", web_ns)["items"]
    running = [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    assert running and all(p["metadata"]["name"] not in before for p in running)
    assert all(p["metadata"]["ownerReferences"][0]["name"] in new_rs for p in running)
    assert [(r.verb, r.outcome) for r in audit_lines(web_ns)] == [("restart", "applied")]


async def test_rollback_to_revision_one_after_kubectl_set_image(demo, web_ns):
    demo.kubectl("set", "image", "deployment/web", f"web={WEB_IMAGE_2}", "-n", web_ns)
    demo.kubectl("rollout", "status", "deployment/web", "-n", web_ns, "--timeout=60s", timeout=70)
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, RevisionPicker), 5, "the revision picker")
        picker: RevisionPicker = app.screen  # type: ignore[assignment]
        assert [r.revision for r in picker.revisions] == [2, 1]
        diff = str(picker.query_one("#revision-diff-text").content)
        assert f"-  - image: {WEB_IMAGE_2}" in diff and f"+  - image: {WEB_IMAGE}" in diff
        await pilot.press("enter")  # revision 1 is highlighted (the one before the current)
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.plan.after.startswith("revision 1") and confirm.plan.writes[0].patch_type == "json"
        await pilot.press("y")
        await until_message(pilot, app, r'web: deployment "web" successfully rolled out', 60)
    d = get_json(demo, "deployment", "web", "-n", web_ns)
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == WEB_IMAGE
    history = demo.kubectl("rollout", "history", "deployment/web", "-n", web_ns).stdout
    assert re.search(r"^3\s+create web 0\.9\.1", history, re.M), history  # revision 1 came back as 3
    assert "pod-template-hash" not in d["spec"]["template"]["metadata"]["labels"]


async def test_a_stalled_rollout_is_reported_with_its_reason_and_rollback_recovers(demo, web_ns):
    demo.kubectl("patch", "deployment", "web", "-n", web_ns, "-p", json.dumps({"spec": {
        "progressDeadlineSeconds": 3, "template": {"spec": {"containers": [{
            "name": "web", "image": "ghcr.io/demo/legacy-report:v2-broken",
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 30}}]}}}}))
    # Let the controller report the broken revision's stall first: otherwise its status write can land between
    # the restart's plan and its apply (a 409 and a second confirmation this test does not give).
    wait_for(lambda: any(c.get("reason") == "ProgressDeadlineExceeded" for c in get_json(
        demo, "deployment", "web", "-n", web_ns)["status"].get("conditions", [])), 30,
        "the patched revision to stall")
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("r")
        await confirm_and_wait(pilot, app)
        await pilot.press("y")
        stalled = await until_message(pilot, app, r"web: rollout stalled", 30)
        assert "ProgressDeadlineExceeded" in stalled
        assert [r.severity for r in journal(app) if r.message == stalled] == ["error"]
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, RevisionPicker), 5, "the revision picker")
        assert [r.revision for r in app.screen.revisions] == [3, 2, 1]
        await pilot.press("down", "enter")  # from revision 2 (highlighted first) down to 1
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.plan.after == f"revision 1 ({WEB_IMAGE})"
        await pilot.press("y")
        await until_message(pilot, app, r'web: deployment "web" successfully rolled out', 60)
    assert ready(demo, web_ns, "web") == (1, 1)


# -- safety ---------------------------------------------------------------------------------------------------
async def test_read_only_sends_nothing_and_says_why(demo, web_ns):
    app = make_app(demo, namespace=web_ns, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        for key in KEYS.values():
            await pilot.press(key)
        await wait_until(pilot, lambda: "changes disabled (started with --read-only)" in app.screen.header.render().plain,
                         10, "the read-only header")
        header = app.screen.header.render().plain
        assert "READ-ONLY" in header and "changes disabled (started with --read-only)" in header
        for name in OPERATIONS:  # the hook refuses too, whoever calls it
            run_operation(app.screen, name)
        await wait_until(pilot, lambda: len([m for m in messages(app) if "read-only" in m]) >= len(OPERATIONS), 10,
                         "every operation refused")
        refusals = [m for m in messages(app) if "read-only" in m]
        assert len(refusals) == len(OPERATIONS)
        assert all("changes to the cluster are disabled" in m for m in refusals)
        await pilot.press("colon", *"audit", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen), 3, "the audit view")
        refused = len([m for m in messages(app) if "read-only" in m])
        await pilot.press("z")
        # undo is refused too; only after that can the absence of a mutating request be checked
        await wait_until(pilot, lambda: len([m for m in messages(app) if "read-only" in m]) > refused, 10,
                         "undo refused")
        assert mutating(demo, seq) == []


async def test_demo_dev_is_refused_before_any_mutating_request(demo, web_ns):
    deployment = get_json(demo, "deployment", "web", "-n", web_ns)
    app = make_app(demo, context="demo-dev", namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        seq = demo.request_seq()
        await pilot.press("s")  # nothing can be listed here as demo-dev: nothing is selected
        await until_message(pilot, app, "nothing selected", 3)
        for name in KEYS:  # as if the object were on screen (e.g. a read-only role elsewhere)
            run_operation(app.screen, name, selection=("deployments.apps", deployment))
            await wait_until(pilot, lambda n=name: any(m.startswith(f"{n} refused") for m in messages(app)), 10,
                             f"{name} refused")
        refusals = [m for m in messages(app) if " refused: " in m]
        assert len(refusals) == len(KEYS)
        print("\n".join(refusals))
        for message in refusals:
            assert "RBAC" in message and "dev@team-a" in message and web_ns in message, message
        assert mutating(demo, seq) == []
    assert ready(demo, web_ns, "web")[1] == 1


async def test_dangerous_context_requires_typing_the_name(demo, web_ns):
    app = make_app(demo, namespace=web_ns)
    app.settings = Settings(dangerous_contexts=["dem*"])
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("s")
        # a pushed screen is app.screen before it has composed its widgets
        await wait_until(pilot, lambda: isinstance(app.screen, ScaleDialog) and app.screen.query("#scale-input"), 10,
                         "the scale dialog")
        await set_input(pilot, "2")
        await pilot.press("enter")
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.dangerous
        seq = demo.request_seq()
        await pilot.press("y", "enter")  # "y" is typed into the name box: not the name
        await wait_until(pilot, lambda: app.screen is not confirm
                         or "type the name web" in str(confirm.query_one("#confirm-error").content), 10, "the refusal")
        assert app.screen is confirm and "type the name web" in str(confirm.query_one("#confirm-error").content)
        assert mutating(demo, seq) == []
        await pilot.press("backspace", *"web", "enter")
        await until_message(pilot, app, r"replicas 1 → replicas 2", 10)
    assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["replicas"] == 2


async def test_dry_run_failure_is_audited_and_nothing_applied(demo, web_ns):
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        demo.set_faults(fail_next=1, fail_status=500, query_contains="dryRun")
        try:
            await pilot.press("r")
            await until_message(pilot, app, "rejected the change \\(dry-run\\)", 10)
        finally:
            demo.clear_faults()
        assert not isinstance(app.screen, ConfirmScreen)
    lines = audit_lines(web_ns)
    assert [(r.verb, r.outcome) for r in lines] == [("restart", "dry-run-failed")]
    assert lines[0].dry_run.startswith("failed:") and "injected fault" in lines[0].dry_run, lines[0].dry_run
    assert "restartedAt" not in json.dumps(get_json(demo, "deployment", "web", "-n", web_ns)["spec"])


# -- blue/green -----------------------------------------------------------------------------------------------
def traffic(demo, ns: str) -> dict[str, float]:
    """http_requests_total summed by version for ``ns``, from the demo's /metrics (what Prometheus scrapes)."""
    text = demo.kubectl("get", "--raw", "/metrics").stdout
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("http_requests_total{") and f'namespace="{ns}"' in line:
            version = re.search(r'version="([^"]*)"', line)
            out[version.group(1) if version else ""] = out.get(version.group(1) if version else "", 0.0) + \
                float(line.rsplit(" ", 1)[1])
    return out


async def test_blue_green_switch_moves_traffic_and_revert_goes_back(demo):
    ns = create_namespace(demo, pair=True)
    try:
        await asyncio.to_thread(lambda: _wait(lambda: all_ready(demo, ns, "api-blue", "api-green"), 60))
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "api-green")
            await pilot.press("b")
            confirm = await confirm_and_wait(pilot, app)
            assert confirm.plan.kind == "Service" and confirm.plan.name == "api"
            assert confirm.plan.before == "selector app=api,version=blue"
            assert confirm.plan.after == "selector app=api,version=green"
            assert any("preview Service api-preview" in d for d in confirm.plan.details)
            await asyncio.to_thread(time.sleep, 2.5)
            green_before = traffic(demo, ns).get("green", 0.0)
            await pilot.press("y")
            await until_message(pilot, app, "Service api now sends traffic to api-green", 10)
            svc = get_json(demo, "service", "api", "-n", ns)
            assert svc["spec"]["selector"] == {"app": "api", "version": "green"}
            # The traffic follows: green serves the api load (~50 req/s), not just the preview's trickle.
            await asyncio.to_thread(time.sleep, 4)
            after = traffic(demo, ns)
            assert after.get("green", 0.0) - green_before > 60, (green_before, after)
            # B goes back to blue.
            await pilot.press("B")
            confirm = await confirm_and_wait(pilot, app)
            assert confirm.plan.verb == "bluegreen-revert" and confirm.plan.after.endswith("version=blue")
            await pilot.press("y")
            await until_message(pilot, app, "Service api now sends traffic to api-blue", 10)
        assert get_json(demo, "service", "api", "-n", ns)["spec"]["selector"]["version"] == "blue"
        assert [(r.verb, r.outcome) for r in audit_lines(ns)] == [("bluegreen", "applied"),
                                                                 ("bluegreen-revert", "applied")]
    finally:
        delete_namespace(demo, ns)


async def test_blue_green_preflight_scales_the_target_first(demo):
    ns = create_namespace(demo, pair=True, pair_replicas=(3, 1))
    try:
        await asyncio.to_thread(lambda: _wait(lambda: all_ready(demo, ns, "api-blue", "api-green"), 60))
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "api-blue")
            await pilot.press("b")
            await wait_until(pilot, lambda: isinstance(app.screen, QuestionDialog), 10, "the preflight question")
            assert "Scale api-green to 3" in " ".join(app.screen.lines)
            await pilot.press("y")
            scale_confirm = await confirm_and_wait(pilot, app)
            assert scale_confirm.plan.verb == "scale" and scale_confirm.plan.after == "replicas 3"
            await pilot.press("y")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not scale_confirm,
                             60, "the switch confirmation after green is ready")
            assert ready(demo, ns, "api-green") == (3, 3)
            await pilot.press("y")
            await until_message(pilot, app, "Service api now sends traffic to api-green", 10)
        assert get_json(demo, "service", "api", "-n", ns)["spec"]["selector"]["version"] == "green"
    finally:
        delete_namespace(demo, ns)


# -- canary ---------------------------------------------------------------------------------------------------
async def test_canary_25_percent_keeps_the_total(demo):
    ns = create_namespace(demo, pair=True, shared=True, pair_replicas=(4, 0))
    try:
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "api-green")
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, CanaryDialog), 5, "the canary dialog")
            await pilot.press("2")  # 25 %
            confirm = await confirm_and_wait(pilot, app)
            assert confirm.plan.after == "api-green 1/4 (25%), api-blue 3"
            assert [w.ref.name for w in confirm.plan.writes] == ["api-green", "api-blue"]  # grow first
            await pilot.press("y")
            await until_message(pilot, app, r'api-blue: deployment "api-blue" successfully rolled out', 60)
        blue = get_json(demo, "deployment", "api-blue", "-n", ns)["spec"]["replicas"]
        green = get_json(demo, "deployment", "api-green", "-n", ns)["spec"]["replicas"]
        assert (green, blue) == (1, 3)
        # Undo (z in :audit) puts the replica counts back.
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("colon", *"audit", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen), 3, "the audit view")
            newest = app.screen.records[0]
            assert (newest.namespace, newest.verb, newest.outcome) == (ns, "canary", "applied")
            assert app.screen.query_one("#audit-table").row_count >= 1
            await pilot.press("z")
            confirm = await confirm_and_wait(pilot, app)
            assert confirm.plan.verb == "undo"
            await pilot.press("y")
            await until_message(pilot, app, "undo deployment", 10)
        assert get_json(demo, "deployment", "api-green", "-n", ns)["spec"]["replicas"] == 0
        assert get_json(demo, "deployment", "api-blue", "-n", ns)["spec"]["replicas"] == 4
    finally:
        delete_namespace(demo, ns)


async def test_canary_is_refused_before_asking_when_no_service_selects_both_colours(demo):
    ns = create_namespace(demo, pair=True, pair_replicas=(2, 0))  # api (blue) and api-preview (green) only
    try:
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            shown: list[str] = []
            app.screen_change_signal.subscribe(app, lambda screen: shown.append(type(screen).__name__))
            await select(pilot, app, "api-green")
            seq = demo.request_seq()
            await pilot.press("c")
            refusal = await until_message(pilot, app, "canary refused", 10)
            assert "no Service selects both colours of api-blue (blue) / api-green (green)" in refusal
            assert "a Service selecting only app=api (no version) would make a canary possible" in refusal
            assert "CanaryDialog" not in shown
            assert not mutating(demo, seq)
    finally:
        delete_namespace(demo, ns)


async def test_the_demo_scenario_has_a_service_for_a_canary(demo):
    """shop's api-canary selects both colours: c on api-green offers the shares (escape changes nothing)."""
    selector = get_json(demo, "service", "api-canary", "-n", "shop")["spec"]["selector"]
    assert selector == {"app": "api"}
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "api-green")
        seq = demo.request_seq()
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CanaryDialog), 10, "the canary dialog")
        # The choices say what they give in pods (of the pair's total), the keys are said in words:
        # no "10% (1)" whose number reads as a pod count as much as a key.
        total = app.screen.total
        assert total >= 4
        await wait_until(pilot, lambda: "10% → 1 pod " in "\n".join(screen_lines(app)), 5, "the choices painted")
        screen = "\n".join(screen_lines(app))
        for choice in (f"100% → {total} pods", "keys 1 = 10%, 2 = 25%, 3 = 50%, 4 = 100% · esc cancels"):
            assert choice in screen, choice
        assert re.search(r"25% → \d+ pods? .*50% → \d+ pods? ", screen)
        assert not re.search(r"\d+% \(\d\)", screen)
        await pilot.press("escape")
        await until_message(pilot, app, "canary .*cancelled, nothing changed", 5)
        assert not mutating(demo, seq)


# -- burst ----------------------------------------------------------------------------------------------------
async def test_burst_to_the_virtual_node_and_back(demo):
    """x asks how many to move (default: the Pending count) with before → after of both Deployments; the total
    stays 2 (the original is scaled down by what the companion runs); X gives them back."""
    ns = create_namespace(demo, big=True)
    try:
        def pending() -> bool:
            pods = get_json(demo, "pods", "-n", ns)["items"]
            return len([p for p in pods if p["status"].get("phase") == "Pending"]) == 2
        await asyncio.to_thread(lambda: _wait(pending, 20))
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "big")
            await pilot.press("x")
            # a pushed screen is app.screen before it has composed its widgets
            await wait_until(pilot, lambda: isinstance(app.screen, BurstDialog) and app.screen.query("#burst-input"),
                             10, "the burst dialog")
            assert app.screen.query_one("#burst-input", Input).value == "2"
            await set_input(pilot, "1")
            await wait_until(pilot, lambda: "big: 2 → 1 replicas" in screen_text(app.screen), 5, "the preview")
            text = screen_text(app.screen)
            assert "big-burst: none → 1 replicas on virtual-node-aci" in text and "total: 2" in text, text
            await set_input(pilot, "9")
            await pilot.press("enter")
            await wait_until(pilot, lambda: "at most" in app.screen.error or "more than" in app.screen.error, 5,
                             "a count above the replicas refused in the dialog")
            await set_input(pilot, "2")
            await pilot.press("enter")
            confirm = await confirm_and_wait(pilot, app)
            assert confirm.plan.before == "big 2 (2 Pending), no big-burst"
            assert confirm.plan.after == "big 0, big-burst 2 on virtual-node-aci (total 2)"
            assert any(d.startswith("burst moves replicas, it does not add any") for d in confirm.plan.details)
            assert any(d.startswith("real nodes (3") for d in confirm.plan.details)
            assert any(d.startswith("virtual nodes (1: virtual-node-aci)") for d in confirm.plan.details)
            await pilot.press("y")
            await until_message(pilot, app, r'big-burst: deployment "big-burst" successfully rolled out', 60)
            replicas = {d["metadata"]["name"]: d["spec"]["replicas"]
                        for d in get_json(demo, "deployments", "-n", ns)["items"]}
            assert replicas == {"big": 0, "big-burst": 2}
            pods = get_json(demo, "pods", "-n", ns, "-l", "k8stui.io/burst=true")["items"]
            assert len(pods) == 2
            assert all(p["spec"]["nodeName"] == "virtual-node-aci" and p["status"]["phase"] == "Running"
                       for p in pods)
            # The same Service selects them: its endpoints are the burst pods.
            ips = {p["status"]["podIP"] for p in pods}
            await wait_until(pilot, lambda: {a["ip"] for s in get_json(demo, "endpoints", "big", "-n", ns).get(
                "subsets") or [] for a in s.get("addresses") or []} == ips, 10, "the Service's endpoints")
            await wait_until(pilot, lambda: row(app, "workloads", "big-burst") is not None, 5, "big-burst listed")
            await select(pilot, app, "big")
            await pilot.press("X")
            confirm = await confirm_and_wait(pilot, app)
            assert confirm.plan.verb == "unburst"
            assert [w.verb for w in confirm.plan.writes] == ["patch", "patch", "delete"]
            assert confirm.plan.after == "big 2, big-burst deleted (total 2)"
            await pilot.press("y")
            await until_message(pilot, app, r"unburst deployment .*/big-burst", 60)
        assert demo.kubectl("get", "deployment", "big-burst", "-n", ns, check=False).returncode != 0
        assert get_json(demo, "deployment", "big", "-n", ns)["spec"]["replicas"] == 2
        await asyncio.to_thread(lambda: _wait(
            lambda: not get_json(demo, "pods", "-n", ns, "-l", "k8stui.io/burst=true")["items"], 30))
        assert [(r.verb, r.outcome) for r in audit_lines(ns)] == [("burst", "applied"), ("unburst", "applied")]
    finally:
        delete_namespace(demo, ns)


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s")


# -- pictures -------------------------------------------------------------------------------------------------
class _ConfirmApp(App):
    """Only the confirmation of a fixed plan (no cluster): the picture cannot change between runs."""

    def __init__(self, plan: Plan, notice: str = "", dangerous: bool = False) -> None:
        super().__init__()
        self.plan, self.notice, self.dangerous = plan, notice, dangerous

    def on_mount(self) -> None:
        self.push_screen(ConfirmScreen(self.plan, self.notice, self.dangerous))


def _fixed_plan() -> Plan:
    ref = ObjectRef(kinds.DEPLOYMENTS, "shop", "api-blue")
    write = Write("patch", ref, [], "json", summary="spec.template ← ReplicaSet api-blue-c6db869d (revision 1)",
                  expect=(("/spec/template", {"spec": {}}),))
    return Plan("rollback", "Deployment", "shop", "api-blue", "prod-westeurope", "sre@example.com",
                "revision 2 (ghcr.io/demo/api:1.4.2)", "revision 1 (ghcr.io/demo/api:1.4.1)", [write], "4242",
                warnings=["HorizontalPodAutoscaler api manages this Deployment"],
                details=["change-cause of revision 1: kubectl apply --filename=deploy/api-blue.yaml",
                         "--- revision 2 (current)", "+++ revision 1", "@@ -4,3 +4,3 @@", " spec:",
                         "   containers:", "-  - image: ghcr.io/demo/api:1.4.2", "+  - image: ghcr.io/demo/api:1.4.1"])


def test_confirmation_picture(snap_compare):
    app = _ConfirmApp(_fixed_plan(), notice="deployment shop/api-blue was changed by someone else: spec.template was "
                                            "changed; the plan was rebuilt from the new state.", dangerous=True)
    assert snap_compare(app, terminal_size=(130, 36))
