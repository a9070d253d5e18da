"""The everyday operations from the keyboard against the demo cluster, results read back with kubectl: delete
(ctrl+d) and kill (ctrl+k), edit (e) with an EDITOR script — a change, and invalid YAML reopened with the error
—, set image (i), cordon/uncordon/drain (c/u/r in :nodes, a PDB that blocks then allows), trigger and
suspend a CronJob (t/p), an HPA's bounds (s), port-forward (F) with :pf — and read-only mode refusing every one
without a request. The request log shows nothing is written before the confirmation.

Each test makes the objects it changes (its own namespace, its own nodes) and deletes them afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import urllib.request
import uuid

import pytest
from actions.scenario import WEB_IMAGE, WEB_IMAGE_2, create_namespace, delete_namespace, get_json
from textual.screen import ModalScreen

from k8stui.actions.audit import AuditLog
from k8stui.actions.edit import strip_comments
from k8stui.ui.screens.audit import AuditScreen
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.dialogs import QuestionDialog
from k8stui.ui.screens.drain import DrainScreen
from k8stui.ui.screens.forwards import ForwardsScreen
from k8stui.ui.screens.ops_dialogs import DeleteConfirmScreen, HpaDialog, ImageDialog, PortForwardDialog

from .helpers import SIZE, kubectl, make_app, row, table, wait_until
from .test_operations import confirm_and_wait, messages, mutating, screen_text, select, until_message

NEW_KEYS = {"delete": "ctrl+d", "kill": "ctrl+k", "edit": "e", "set-image": "i", "shell": "S", "attach": "a",
            "debug": "D", "port-forward": "F", "trigger": "t", "suspend": "p"}


class Watch:
    """``kubectl get -w`` in the background: every version of the objects it saw, so that a state that lasts a
    moment (a Deployment waiting for its dependents) is seen however fast it passes. Stopped by ``stop``."""

    def __init__(self, demo, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")} | {"KUBECONFIG": demo.kubeconfig}
        kubectl_bin = os.environ.get("K8STUI_TEST_KUBECTL") or shutil.which("kubectl") or "kubectl"
        self.proc = subprocess.Popen([kubectl_bin, "--context", "demo", "get", *args, "-w", "-o", "json",
                                      "--output-watch-events"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=env)
        self.text = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.text += line

    def events(self) -> list[dict]:
        decoder, text, out, at = json.JSONDecoder(), self.text, [], 0
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            try:
                event, at = decoder.raw_decode(text, at)
            except ValueError:
                return out
            out.append(event)

    def stop(self) -> list[dict]:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=10)
        return self.events()


def audit_lines(ns: str) -> list:
    return [r for r in AuditLog().read() if r.namespace == ns]


def apply_objects(demo, *items: dict) -> None:
    demo.kubectl("create", "--validate=false", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                                             "items": list(items)}))


@pytest.fixture
def web_ns(demo):
    ns = create_namespace(demo, "evu", web=True)
    yield ns
    delete_namespace(demo, ns)


async def open_view(pilot, app, command: str, table_id: str = "resources") -> None:
    await pilot.press("colon", *command, "enter")
    await wait_until(pilot, lambda: table(app, table_id) is not None, 5, f":{command}")


async def pod_of(demo, ns: str, selector: str) -> str:
    def find() -> str:
        items = get_json(demo, "pods", "-n", ns, "-l", selector)["items"]
        running = [p for p in items if p["status"].get("phase") == "Running"
                   and not p["metadata"].get("deletionTimestamp")]
        return running[0]["metadata"]["name"] if running else ""
    for _ in range(100):
        name = await asyncio.to_thread(find)
        if name:
            return name
        await asyncio.sleep(0.2)
    raise AssertionError(f"no running pod for {selector} in {ns}")


# -- delete and kill ------------------------------------------------------------------------------------------
async def test_delete_shows_what_cascades_and_writes_only_after_y(demo, web_ns):
    rs = get_json(demo, "rs", "-n", web_ns)["items"]
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        await pilot.press("ctrl+d")
        confirm = await confirm_and_wait(pilot, app)
        assert isinstance(confirm, DeleteConfirmScreen) and confirm.propagation == "Background"
        text = screen_text(confirm)
        assert "Deployment web  →  deleted, with 1 replicaset, 1 pod" in text
        assert f"ReplicaSet {rs[0]['metadata']['name']} (pod)" in text
        assert "(1) Background" in text and "(2) Foreground" in text and "(3) Orphan" in text
        assert "propagation Background" in text and "if it is still the object you saw (uid" in text
        assert mutating(demo, seq) == []  # RBAC review, reads and the dry-run only
        await pilot.press("y")
        await until_message(pilot, app, r"delete deployment .*/web: Deployment web → deleted", 10)
    deletes = [r for r in mutating(demo, seq) if r["method"] == "DELETE"]
    assert len(deletes) == 1 and deletes[0]["path"].endswith(f"/namespaces/{web_ns}/deployments/web")
    assert demo.kubectl("get", "deployment", "web", "-n", web_ns, check=False).returncode != 0
    assert [(r.verb, r.outcome) for r in audit_lines(web_ns)] == [("delete", "applied")]


async def test_delete_orphan_foreground_and_several_marked_rows(demo):
    """1/2/3 in the confirmation re-plan the delete with another propagation: Orphan keeps the ReplicaSet and
    its pod (ownerless), Foreground keeps the Deployment, terminating, until its dependents are gone; rows
    marked with space are deleted together, in one confirmation."""
    ns = create_namespace(demo, "evd", web=True, pair=True)
    watch = Watch(demo, "deployment", "api-blue", "-n", ns)
    try:
        await _delete_orphan_foreground_and_marked(demo, ns, watch)
    finally:
        watch.stop()
        delete_namespace(demo, ns)


async def _delete_orphan_foreground_and_marked(demo, ns: str, watch: Watch) -> None:
    await ready_pods(demo, ns, 5)  # web 1, api-blue 2, api-green 2
    web_rs = get_json(demo, "rs", "-n", ns, "-l", "app=web")["items"][0]["metadata"]["name"]
    app = make_app(demo, namespace=ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        await pilot.press("ctrl+d")
        first = await confirm_and_wait(pilot, app)
        await pilot.press("3")  # Orphan: planned, dry-run and confirmed again
        await wait_until(pilot, lambda: app.screen is not first and isinstance(app.screen, DeleteConfirmScreen)
                         and app.screen.query("#confirm-apply"), 10,
                         "the Orphan confirmation")
        confirm = app.screen
        text = screen_text(confirm)
        assert confirm.propagation == "Orphan" and "(orphaned: they stay, no longer owned by the Deployment)" in text
        assert "1 replicaset, 1 pod of Deployment web" in text
        assert mutating(demo, seq) == []
        await pilot.press("y")
        await until_message(pilot, app, r"delete deployment .*/web: Deployment web → deleted", 10)

        await select(pilot, app, "api-blue")
        await wait_until(pilot, watch.events, 20, "kubectl get -w lists the Deployment")
        await pilot.press("ctrl+d")
        first = await confirm_and_wait(pilot, app)
        await pilot.press("2")
        await wait_until(pilot, lambda: app.screen is not first and isinstance(app.screen, DeleteConfirmScreen)
                         and app.screen.query("#confirm-apply"), 10,
                         "the Foreground confirmation")
        assert app.screen.propagation == "Foreground"
        assert "with 1 replicaset, 2 pods" in screen_text(app.screen)
        await pilot.press("y")
        await until_message(pilot, app, r"delete deployment .*/api-blue: Deployment api-blue → deleted", 10)

        # two rows marked with space: one confirmation, both go
        green = sorted(p["metadata"]["name"] for p in get_json(demo, "pods", "-n", ns, "-l", "version=green")["items"])
        await open_view(pilot, app, "pods")
        await wait_until(pilot, lambda: all(row(app, "resources", name) for name in green), 10, "the pods listed")
        view = table(app, "resources")
        for name in green:
            view.select_key(row(app, "resources", name).uid)
            await pilot.press("space")
        marked = view.marked_keys()  # in the table's order (names sort naturally: "x9" before "x10")
        assert len(view.marked) == 2 and set(marked) == {row(app, "resources", n).uid for n in green}
        assert [view.model.index_of(k) for k in marked] == sorted(view.model.index_of(k) for k in marked)

        marked_bg = view.get_component_rich_style("resource-view--marked").bgcolor
        for name in green:  # a marked row paints its cells on the marked background (the cursor's row: its own)
            uid = row(app, "resources", name).uid
            line = view.render_line(view.model.index_of(uid) + 1 - int(view.scroll_y))
            assert name in line.text
            assert uid == view.current_key() or {seg.style.bgcolor for seg in line if seg.text.strip()} == {marked_bg}
        seq = demo.request_seq()
        await pilot.press("ctrl+d")
        confirm = await confirm_and_wait(pilot, app)
        text = screen_text(confirm)
        assert confirm.plan.before.startswith("2 pods: ") and confirm.plan.verb == "delete"
        assert f"Pod {ns}/{green[0]}" in text and f"Pod {ns}/{green[1]}" in text
        assert mutating(demo, seq) == []
        await pilot.press("y")
        await until_message(pilot, app, r"delete pods? .*2 pods", 10)
        deletes = sorted(r["path"].rsplit("/", 1)[1] for r in mutating(demo, seq) if r["method"] == "DELETE")
        assert deletes == green
        await pilot.press("escape")  # esc clears the marks (the pods are still Terminating)
        assert not view.marked

        # a namespace: everything in it is listed (by kind, with names), then cancelled — nothing sent
        await open_view(pilot, app, "ns")
        await select(pilot, app, ns, "resources")
        seq = demo.request_seq()
        await pilot.press("ctrl+d")
        confirm = await confirm_and_wait(pilot, app)
        text = screen_text(confirm)
        assert "deleting a namespace deletes everything in it" in text
        assert "deployment: api-green" in text and "2 replicasets: " in text and "serviceaccount: default" in text
        await pilot.press("escape")
        await until_message(pilot, app, "cancelled", 5)
        assert mutating(demo, seq) == []

    def state() -> tuple[bool, list[str], list[str]]:
        deployments = {d["metadata"]["name"] for d in get_json(demo, "deployments", "-n", ns)["items"]}
        rs = get_json(demo, "rs", "-n", ns)["items"]
        return ("api-blue" in deployments, [r["metadata"]["name"] for r in rs if r["metadata"].get("ownerReferences")],
                [r["metadata"]["name"] for r in rs if not r["metadata"].get("ownerReferences")])
    for _ in range(200):
        blue_left, owned, ownerless = await asyncio.to_thread(state)
        if not blue_left:
            break
        await asyncio.sleep(0.2)
    assert not blue_left, "Foreground: the Deployment goes once its dependents are gone"
    seen = [(e["type"], e["object"]["metadata"]) for e in await asyncio.to_thread(watch.stop)]
    assert seen[-1][0] == "DELETED"
    assert any(t == "MODIFIED" and m.get("deletionTimestamp") and "foregroundDeletion" in (m.get("finalizers") or ())
               for t, m in seen), seen  # it waited, terminating, for its ReplicaSet
    assert all(name.startswith("api-green-") for name in owned)  # api-blue's ReplicaSet went before it
    assert ownerless == [web_rs]  # Orphan: the ReplicaSet stays, no longer owned
    assert await pod_of(demo, ns, "app=web")  # and so does its pod
    lines = audit_lines(ns)
    assert [(r.verb, r.outcome) for r in lines] == [("delete", "applied")] * 3
    assert [[w.split("propagation ")[1].split()[0].strip(",)") for w in r.writes] for r in lines] == [
        ["Orphan"], ["Foreground"], ["Background", "Background"]]


async def test_kill_is_its_own_louder_key_and_removes_the_pod_at_once(demo, web_ns):
    pod = await pod_of(demo, web_ns, "app=web")
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, app, "pods")
        await select(pilot, app, pod, "resources")
        await pilot.press("ctrl+k")
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.plan.verb == "kill" and confirm.query_one("#confirm-loud")
        assert "KILL" in screen_text(confirm) and "no graceful shutdown" in screen_text(confirm)
        assert str(confirm.query_one("#confirm-apply").label) == "Kill (y)"
        assert confirm.plan.writes[0].grace_seconds == 0
        await pilot.press("y")
        await until_message(pilot, app, r"kill pod .*: Pod .* → killed at once", 10)
    names = {p["metadata"]["name"] for p in get_json(demo, "pods", "-n", web_ns)["items"]}
    assert pod not in names  # gone, not Terminating: no grace period
    # ctrl+k on a Deployment is not a kill
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("ctrl+k")
        await until_message(pilot, app, "kill .*works on pods only", 5)


# -- edit -------------------------------------------------------------------------------------------------------
def editor(tmp_path, body: str) -> str:
    script = tmp_path / f"editor-{uuid.uuid4().hex[:6]}.py"
    script.write_text(f"#!{sys.executable}\nimport sys, pathlib\npath = pathlib.Path(sys.argv[1])\n"
                      + textwrap.dedent(body))
    script.chmod(0o700)
    return str(script)


async def test_edit_in_editor_applies_the_diff_after_confirmation(demo, web_ns, tmp_path, monkeypatch):
    seen = tmp_path / "seen.txt"
    monkeypatch.delenv("KUBE_EDITOR", raising=False)
    monkeypatch.setenv("EDITOR", editor(tmp_path, f"""
        import os, stat
        text = path.read_text()
        modes = [oct(stat.S_IMODE(os.stat(p).st_mode)) for p in (path, path.parent)]
        pathlib.Path({str(seen)!r}).write_text(" ".join(modes) + " " + str(path) + "\\n" + text)
        path.write_text(text.replace("replicas: 1", "replicas: 2"))
    """))
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("e")
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.plan.verb == "edit" and confirm.plan.before == "spec.replicas 1"
        text = screen_text(confirm)
        assert "-  replicas: 1" in text and "+  replicas: 2" in text
        await pilot.press("y")
        await until_message(pilot, app, r"edit deployment .*/web: spec.replicas 1 → spec.replicas 2", 10)
    head, document = seen.read_text().split("\n", 1)
    file_mode, dir_mode, path = head.split(" ")
    assert (file_mode, dir_mode) == ("0o600", "0o700")
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))  # removed after
    body = strip_comments(document)
    assert "managedFields" not in body and "resourceVersion" not in body and "status:" not in body
    assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["replicas"] == 2
    assert [(r.verb, r.outcome) for r in audit_lines(web_ns)] == [("edit", "applied")]


async def test_invalid_yaml_reopens_the_editor_with_the_error_on_top(demo, web_ns, tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    monkeypatch.setenv("KUBE_EDITOR", editor(tmp_path, f"""
        calls = pathlib.Path({str(calls)!r})
        n = int(calls.read_text()) + 1 if calls.exists() else 1
        calls.write_text(str(n))
        text = path.read_text()
        if n == 1:
            path.write_text(text.replace("replicas: 1", "replicas: [2"))
        elif n == 2:
            assert text.startswith("# deployment"), text[:200]
            pathlib.Path({str(tmp_path / "reopened")!r}).write_text(text)
            path.write_text(text.replace("replicas: [2", "replicas: -1"))
        else:
            pathlib.Path({str(tmp_path / "rejected")!r}).write_text(text)
            path.write_text(text.replace("replicas: -1", "replicas: 3"))
    """))
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        await pilot.press("e")
        confirm = await confirm_and_wait(pilot, app, 20)
        assert confirm.plan.after == "spec.replicas 3"
        assert mutating(demo, seq) == []
        await pilot.press("y")
        await until_message(pilot, app, r"spec.replicas 1 → spec.replicas 3", 10)
    reopened = (tmp_path / "reopened").read_text()
    assert reopened.startswith(f"# deployment {web_ns}/web could not be saved:\n# * invalid YAML (line ")
    rejected = (tmp_path / "rejected").read_text().splitlines()
    assert rejected[1].startswith("# * ") and "replicas" in rejected[1]  # the server's dry-run refusal, on top
    assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["replicas"] == 3


async def test_an_edit_someone_changed_meanwhile_is_asked_again_with_the_new_state(demo, web_ns, tmp_path,
                                                                                    monkeypatch):
    kubectl_bin = os.environ.get("K8STUI_TEST_KUBECTL") or shutil.which("kubectl") or "kubectl"
    monkeypatch.setenv("KUBE_EDITOR", editor(tmp_path, f"""
        import os, subprocess
        env = {{k: v for k, v in os.environ.items() if not k.startswith("KUBE")}}
        env["KUBECONFIG"] = {demo.kubeconfig!r}
        subprocess.run([{kubectl_bin!r}, "--context", "demo", "scale", "deployment/web", "-n", {web_ns!r},
                        "--replicas=2"], env=env, check=True, capture_output=True)  # someone else, meanwhile
        path.write_text(path.read_text().replace("replicas: 1", "replicas: 3"))
    """))
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("e")
        confirm = await confirm_and_wait(pilot, app, 20)
        assert confirm.plan.before == "spec.replicas 2" and confirm.plan.after == "spec.replicas 3"
        assert "spec.replicas is now 2 (you saw 1)" in screen_text(confirm)
        await pilot.press("y")
        await until_message(pilot, app, r"spec.replicas 2 → spec.replicas 3", 10)
    assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["replicas"] == 3


async def test_edit_saved_unchanged_is_cancelled(demo, web_ns, tmp_path, monkeypatch):
    monkeypatch.setenv("KUBE_EDITOR", editor(tmp_path, "pass\n"))
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        await pilot.press("e")
        await until_message(pilot, app, "edit cancelled, no changes", 10)
    assert mutating(demo, seq) == []


async def test_editing_a_secret_never_shows_its_values_unless_asked(demo, web_ns, tmp_path, monkeypatch):
    demo.kubectl("create", "secret", "generic", "db", "-n", web_ns, "--from-literal=password=hunter2")
    seen = tmp_path / "seen.yaml"
    monkeypatch.setenv("KUBE_EDITOR", editor(tmp_path, f"""
        text = path.read_text()
        pathlib.Path({str(seen)!r}).write_text(text)
        path.write_text(text.replace("password: '<unchanged: 7 bytes>'", "password: s3cret"))
    """))
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, app, "secrets")
        await select(pilot, app, "db", "resources")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, QuestionDialog) and app.screen.is_mounted, 5, "decode or not")
        await pilot.press("n")
        confirm = await confirm_and_wait(pilot, app)
        text = screen_text(confirm)
        assert "hunter2" not in text and "s3cret" not in text and "<changed: 6 bytes>" in text
        await pilot.press("y")
        await until_message(pilot, app, "edit secret", 10)
    assert "hunter2" not in seen.read_text()
    data = get_json(demo, "secret", "db", "-n", web_ns)["data"]
    assert data["password"] == "czNjcmV0"  # base64 of s3cret
    line = audit_lines(web_ns)[-1]
    assert line.before == "<masked>" and "s3cret" not in json.dumps(line.__dict__)


# -- set image ----------------------------------------------------------------------------------------------------
async def test_set_image_from_the_dialog_and_the_rollout_is_followed(demo, web_ns):
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, ImageDialog) and app.screen.is_mounted, 5, "the image dialog")
        dialog = app.screen
        assert f"container web: {WEB_IMAGE}" in screen_text(dialog)
        await pilot.press("enter")  # unchanged: refused in the dialog
        assert "already runs" in dialog.error
        await pilot.press("ctrl+u", *WEB_IMAGE_2, "enter")
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.plan.before == f"web: {WEB_IMAGE}" and confirm.plan.after == f"web: {WEB_IMAGE_2}"
        assert mutating(demo, seq) == []
        await pilot.press("y")
        await until_message(pilot, app, r'web: deployment "web" successfully rolled out', 60)
        await pilot.press("i")  # again: the image it ran before is offered from the ReplicaSet history
        await wait_until(pilot, lambda: isinstance(app.screen, ImageDialog) and app.screen.is_mounted, 5,
                         "the image dialog")
        assert [r.image for r in app.screen.recent["web"]] == [WEB_IMAGE]
        assert f"container web: {WEB_IMAGE_2}" in screen_text(app.screen)
        await pilot.press("escape")
        await until_message(pilot, app, "set image .*: cancelled, nothing changed", 5)
    assert get_json(demo, "deployment", "web", "-n", web_ns)["spec"]["template"]["spec"]["containers"][0][
        "image"] == WEB_IMAGE_2


# -- nodes ---------------------------------------------------------------------------------------------------------
def node_manifest(name: str, pool: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "k8stui-test-pool": pool}},
            "spec": {"taints": [{"key": "k8stui-test-pool", "value": pool, "effect": "NoSchedule"}]},
            "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}}


@pytest.fixture
def pool(demo):
    """Two nodes of our own (tainted, so only our pods go there), a namespace with a Deployment spread over
    them, a DaemonSet on both and a PodDisruptionBudget that allows no disruption."""
    name = f"drain-{uuid.uuid4().hex[:6]}"
    spec = {"nodeSelector": {"k8stui-test-pool": name}, "terminationGracePeriodSeconds": 1,
            "tolerations": [{"key": "k8stui-test-pool", "operator": "Exists"}],
            "containers": [{"name": "app", "image": WEB_IMAGE}]}
    apply_objects(demo, node_manifest(f"{name}-a", name), node_manifest(f"{name}-b", name),
                  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                  {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": name},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}},
                  {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": name},
                   "spec": {"selector": {"matchLabels": {"app": "agent"}},
                            "template": {"metadata": {"labels": {"app": "agent"}}, "spec": spec}}},
                  {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": name},
                   "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}})
    yield name
    demo.kubectl("delete", "namespace", name, "--wait=false", check=False)
    demo.kubectl("delete", "node", f"{name}-a", f"{name}-b", "--wait=false", check=False)


async def ready_pods(demo, ns: str, count: int) -> None:
    def ready() -> int:
        return sum(1 for p in get_json(demo, "pods", "-n", ns)["items"] if not p["metadata"].get("deletionTimestamp")
                   and any(c.get("type") == "Ready" and c.get("status") == "True"
                           for c in p["status"].get("conditions") or ()))
    for _ in range(150):
        if await asyncio.to_thread(ready) == count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not {count} ready pods in {ns}")


def pods_on(demo, ns: str, node: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in get_json(demo, "pods", "-n", ns)["items"]
                  if p["spec"].get("nodeName") == node and not p["metadata"].get("deletionTimestamp"))


async def test_cordon_uncordon_and_a_drain_a_budget_blocks_then_allows(demo, pool):
    node = f"{pool}-a"
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, app, "nodes", "nodes")
        await select(pilot, app, node, "nodes")
        await pilot.press("c")
        confirm = await confirm_and_wait(pilot, app)
        assert (confirm.plan.verb, confirm.plan.after) == ("cordon", "SchedulingDisabled (no new pods)")
        await pilot.press("y")
        await wait_until(pilot, lambda: "SchedulingDisabled" in row(app, "nodes", node).node.status, 10,
                         "the nodes view marks it cordoned")
        await pilot.press("u")
        await confirm_and_wait(pilot, app)
        await pilot.press("y")
        await wait_until(pilot, lambda: "SchedulingDisabled" not in row(app, "nodes", node).node.status, 10,
                         "uncordoned")

        await ready_pods(demo, pool, 4)  # both web pods (one per node) and the agent on each
        web_here = [p for p in pods_on(demo, pool, node) if p.startswith("web-")]
        assert len(web_here) == 1
        await pilot.press("r")
        confirm = await confirm_and_wait(pilot, app)
        text = screen_text(confirm)
        assert f"{pool}/{web_here[0]} (ReplicaSet" in text and "DaemonSet pod (agent)" in text
        assert "blocked now — The disruption budget web needs 2 healthy pods and has 2 currently" in text
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 10, "the drain view")
        drain: DrainScreen = app.screen  # type: ignore[assignment]
        await wait_until(pilot, lambda: "blocked by a disruption budget" in drain.summary, 15, "blocked by the PDB")
        await pilot.press("h")  # hidden: the drain goes on, the nodes view says so
        await wait_until(pilot, lambda: row(app, "nodes", node).node.status == "Ready,SchedulingDisabled,Draining",
                         10, "the nodes view marks it draining")
        assert web_here[0] in pods_on(demo, pool, node)  # retried, never forced
        await pilot.press("r")  # r on a draining node: its progress again
        await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 10,
                         f"the drain view again {getattr(app.screen, 'plan', None) and app.screen.plan.title}")
        drain = app.screen  # type: ignore[assignment]
        await kubectl(demo, "patch", "pdb", "web", "-n", pool, "--type=merge", "-p", '{"spec":{"minAvailable":1}}')
        await wait_until(pilot, lambda: drain.progress.finished, 30, "the drain to finish")
        assert drain.summary == f"node {node} drained: 1/1 pods evicted, 1 skipped"
        await pilot.press("enter")
        await wait_until(pilot, lambda: row(app, "nodes", node).node.status == "Ready,SchedulingDisabled", 10,
                         "no longer draining")

        # the other node: its web pods (the evicted one's replacement is here now) cannot all go — the budget
        # needs one, and there is nowhere left to run — so the drain blocks, and c cancels it
        other = f"{pool}-b"
        await ready_pods(demo, pool, 4)
        await select(pilot, app, other, "nodes")
        await pilot.press("r")
        await confirm_and_wait(pilot, app)
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen) and app.screen.is_mounted, 10,
                         "the drain view")
        drain = app.screen  # type: ignore[assignment]
        await wait_until(pilot, lambda: "blocked by a disruption budget" in drain.summary, 15, "blocked by the PDB")
        await pilot.press("c")
        await wait_until(pilot, lambda: drain.progress.finished, 15, "the drain cancelled")
        assert drain.progress.cancelled and drain.summary.startswith("drain cancelled: "), drain.summary
        await pilot.press("escape")
        await wait_until(pilot, lambda: row(app, "nodes", other).node.status == "Ready,SchedulingDisabled", 10,
                         "cancelled: cordoned, no longer draining")
    assert [p for p in pods_on(demo, pool, node) if p.startswith("web-")] == []
    assert [p for p in pods_on(demo, pool, node) if p.startswith("agent-")]  # the DaemonSet's pod stays
    assert [p for p in pods_on(demo, pool, other) if p.startswith("web-")]  # not evicted: the drain was cancelled
    lines = [r for r in AuditLog().read() if r.name == node]
    assert [(r.verb, r.outcome) for r in lines] == [("cordon", "applied"), ("uncordon", "applied"),
                                                    ("drain", "applied")]
    assert [r.verb for r in AuditLog().read() if r.name == other] == ["drain"]


# -- CronJobs and HPAs ---------------------------------------------------------------------------------------------
async def test_trigger_a_cronjob_now_and_suspend_it(demo, web_ns):
    apply_objects(demo, {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report", "namespace": web_ns},
                         "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                             "restartPolicy": "Never", "containers": [{"name": "run", "image": WEB_IMAGE}]}}}}}})
    cronjob = get_json(demo, "cronjob", "report", "-n", web_ns)
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        await pilot.press("t")  # on a Deployment: not a CronJob
        await until_message(pilot, app, "trigger refused: trigger works on CronJobs", 5)
        await open_view(pilot, app, "cj")
        await select(pilot, app, "report", "resources")
        seq = demo.request_seq()
        await pilot.press("t")
        confirm = await confirm_and_wait(pilot, app)
        assert confirm.plan.after.startswith("Job report-manual-")
        assert mutating(demo, seq) == []
        await pilot.press("y")
        await until_message(pilot, app, r"job .*/report-manual-\w+ created from cronjob report", 10)
        await pilot.press("p")
        confirm = await confirm_and_wait(pilot, app)
        assert (confirm.plan.verb, confirm.plan.before, confirm.plan.after) == ("suspend", "active", "suspended")
        await pilot.press("y")
        await until_message(pilot, app, "suspend cronjob .*: active → suspended", 10)
        assert get_json(demo, "cronjob", "report", "-n", web_ns)["spec"]["suspend"] is True
        await pilot.press("colon", *"audit", "enter")  # z undoes the suspend (the newest undoable line)
        await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen), 5, "the audit view")
        await pilot.press("z")
        confirm = await confirm_and_wait(pilot, app)
        assert (confirm.plan.verb, confirm.plan.kind, confirm.plan.name) == ("undo", "CronJob", "report"), confirm.plan
        assert (confirm.plan.before, confirm.plan.after) == ("spec.suspend true", "spec.suspend false")
        await pilot.press("y")
        await until_message(pilot, app, "undo cronjob", 10)
    jobs = get_json(demo, "jobs", "-n", web_ns)["items"]
    assert len(jobs) == 1 and jobs[0]["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert jobs[0]["metadata"]["ownerReferences"][0]["uid"] == cronjob["metadata"]["uid"]
    assert get_json(demo, "cronjob", "report", "-n", web_ns)["spec"]["suspend"] is False
    assert [(r.verb, r.outcome) for r in audit_lines(web_ns)] == [("trigger", "applied"), ("suspend", "applied"),
                                                                   ("undo", "applied")]


async def test_an_hpa_min_and_max_from_s(demo, web_ns):
    apply_objects(demo, {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                         "metadata": {"name": "web", "namespace": web_ns},
                         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                                  "minReplicas": 1, "maxReplicas": 4}})
    app = make_app(demo, namespace=web_ns)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, app, "hpa")
        await select(pilot, app, "web", "resources")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, HpaDialog) and app.screen.is_mounted, 5, "the HPA dialog")
        await pilot.press("ctrl+u", "3", "tab", "ctrl+u", "2", "enter")
        assert "must not be less" in app.screen.error
        await pilot.press("ctrl+u", "6", "enter")
        confirm = await confirm_and_wait(pilot, app)
        assert (confirm.plan.before, confirm.plan.after) == ("min 1, max 4", "min 3, max 6")
        await pilot.press("y")
        await until_message(pilot, app, "hpa horizontalpodautoscaler .*: min 1, max 4 → min 3, max 6", 10)
    spec = get_json(demo, "hpa", "web", "-n", web_ns)["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 6)


# -- port-forward ------------------------------------------------------------------------------------------------
async def test_port_forward_a_pod_curl_it_and_stop_it_in_pf(demo, web_ns):
    demo.kubectl("patch", "deployment", "web", "-n", web_ns, "--type=json", "-p", json.dumps([
        {"op": "add", "path": "/spec/template/spec/containers/0/ports",
         "value": [{"name": "http", "containerPort": 8080}]}]))
    await kubectl(demo, "rollout", "status", "deployment/web", "-n", web_ns, "--timeout=60s", timeout=70)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    taken = busy.getsockname()[1]
    app = make_app(demo, namespace=web_ns)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "web")
            await pilot.press("F")
            await wait_until(pilot, lambda: isinstance(app.screen, PortForwardDialog) and app.screen.is_mounted, 10, "the port dialog")
            assert [p.label for p in app.screen.ports] == ["8080/TCP http (container web)"]
            await pilot.press("ctrl+u", *str(taken), "enter")
            await until_message(pilot, app, f"local port {taken} is already in use", 10)
            await pilot.press("F")
            await wait_until(pilot, lambda: isinstance(app.screen, PortForwardDialog) and app.screen.is_mounted, 10, "the port dialog")
            await pilot.press("ctrl+u", "0", "enter")
            started = await until_message(pilot, app, r"forwarding http://127\.0\.0\.1:\d+ → pod/web-", 10)
            assert started.count("web-") == 1, started  # the pod is named once
            url = started.split()[1]
            status, body = await asyncio.to_thread(lambda: (lambda r: (r.status, r.read()))(
                urllib.request.urlopen(url + "/", timeout=10)))
            assert status == 200 and json.loads(body)["namespace"] == web_ns
            await pilot.press("colon", *"pf", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ForwardsScreen), 5, ":pf")
            pf: ForwardsScreen = app.screen  # type: ignore[assignment]
            forward = pf.forwards[0]
            assert forward.stats.bytes_in > 0 and forward.stats.connections_total == 1
            # The shared table (whole values, or shortened with an ellipsis in a narrow terminal).
            await wait_until(pilot, lambda: any(url.removeprefix("http://") in line and "web-" in line
                                                for line in pf.query_one("#pf-table").painted_lines()),
                             10, "the forward's row painted")
            await pilot.press("enter")
            await wait_until(pilot, lambda: not pf.forwards, 5, "the forward stopped")
            with pytest.raises(OSError):
                await asyncio.to_thread(urllib.request.urlopen, url + "/", timeout=5)
            await pilot.press("escape")  # another one, left running: quitting stops it
            await select(pilot, app, "web")
            await pilot.press("F")
            await wait_until(pilot, lambda: isinstance(app.screen, PortForwardDialog) and app.screen.is_mounted, 10, "the port dialog")
            await pilot.press("ctrl+u", "0", "enter")
            first = url
            await wait_until(pilot, lambda: [m for m in messages(app) if m.startswith("forwarding http")][-1].split()[1]
                             != first, 10, "the second forward")
            url = [m for m in messages(app) if m.startswith("forwarding http")][-1].split()[1]
            assert (await asyncio.to_thread(urllib.request.urlopen, url + "/healthz", timeout=10)).status == 200
    finally:
        busy.close()
    with socket.socket() as free:  # quitting closed the forward's listening socket: its port can listen again
        free.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (the curl's TIME_WAIT does not count)
        free.bind(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        free.listen()
    assert [(r.verb, r.outcome) for r in audit_lines(web_ns)] == [("port-forward", "failed"),
                                                                   ("port-forward", "applied"),
                                                                   ("port-forward", "applied")]


# -- read-only ----------------------------------------------------------------------------------------------------
async def test_read_only_refuses_every_new_key_without_a_request(demo, web_ns):
    app = make_app(demo, namespace=web_ns, read_only=True)
    told: list[str] = []
    shown = app.notify
    app.notify = lambda message, **kw: (told.append(str(message)), shown(message, **kw))[1]  # type: ignore
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        for key in NEW_KEYS.values():
            await pilot.press(key)
        await open_view(pilot, app, "nodes", "nodes")
        await wait_until(pilot, lambda: row(app, "nodes", "aks-nodepool1-00000") is not None, 10, "nodes listed")
        await select(pilot, app, "aks-nodepool1-00000", "nodes")
        for key in "cur":
            await pilot.press(key)
        # every key is refused (told); only then can the absence of a confirmation and of requests be checked
        await wait_until(pilot, lambda: len([m for m in told if "read-only" in m]) >= len(NEW_KEYS) + 3, 10,
                         "every key refused")
        refusals = [m for m in told if "read-only" in m]
        assert len(refusals) == len(NEW_KEYS) + 3, refusals
        assert not isinstance(app.screen, ConfirmScreen)
    assert mutating(demo, seq) == []
    assert all(r["method"] == "GET" or "selfsubject" in r["path"] for r in demo.requests_since(seq)
               if f"/namespaces/{web_ns}/" in r["path"])


async def test_a_viewer_is_refused_by_rbac_before_any_dialog_or_write(demo, web_ns):
    """dev@team-a with the ``view`` role in the namespace sees the objects, and every new key is refused with
    the RBAC reason before a dialog opens: no write, no dry-run."""
    demo.kubectl("create", "rolebinding", "dev-view", "--clusterrole=view", "--user=dev@team-a", "-n", web_ns)
    pod = await pod_of(demo, web_ns, "app=web")
    app = make_app(demo, context="demo-dev", namespace=web_ns)
    told: list[str] = []
    shown = app.notify
    app.notify = lambda message, **kw: (told.append(str(message)), shown(message, **kw))[1]  # type: ignore
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "web")
        seq = demo.request_seq()
        expected = {"delete": "delete deployments.apps", "edit": "patch deployments.apps",
                    "set-image": "patch deployments.apps", "shell": "create pods/exec",
                    "attach": "create pods/attach", "debug": "patch pods/ephemeralcontainers",
                    "port-forward": "create pods/portforward"}
        for name, what in expected.items():
            await pilot.press(NEW_KEYS[name])
            await wait_until(pilot, lambda n=name: any(m.startswith(f"{n} refused") for m in told), 10,
                             f"{name} refused")
            assert not isinstance(app.screen, ModalScreen), f"{name} opened {app.screen}"
            refusal = next(m for m in told if m.startswith(f"{name} refused"))
            assert f"RBAC: user 'dev@team-a' may not {what} in namespace {web_ns}" in refusal, refusal
        await open_view(pilot, app, "pods")
        await select(pilot, app, pod, "resources")
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: any(m.startswith("kill refused") for m in told), 10, "kill refused")
        assert "may not delete pods" in next(m for m in told if m.startswith("kill refused"))
    assert mutating(demo, seq) == []
    assert not [r for r in demo.requests_since(seq) if "dryRun" in str(r.get("query"))]
