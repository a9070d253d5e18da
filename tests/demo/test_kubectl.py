"""Real kubectl (v1.32) against the demo cluster: what a user types and what they see.

Every test goes through the session's demo cluster (tests/conftest.py) with /usr/bin/kubectl. Tests that
change something either work in their own namespace or put back what they changed.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import KUBECTL, Demo, wait_for

SHOP = "shop"


class Stream:
    """A long-running kubectl (``-w``, ``logs -f``) whose output lines are collected by a reader thread."""

    def __init__(self, demo: Demo, *args: str, context: str = "demo", kubectl: str = KUBECTL) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        env["KUBECONFIG"] = demo.kubeconfig
        self.proc = subprocess.Popen([kubectl, "--context", context, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def _drain(self) -> bool:
        """Move queued lines into ``lines``; False once the stream has ended."""
        alive = True
        while True:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                return alive
            if item is None:
                alive = False
            else:
                self.lines.append(item)

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float, what: str) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = self._drain()
            if predicate(self.lines):
                return self.lines
            if not alive:
                break
            time.sleep(0.1)
        self._drain()
        stderr = ""
        if self.proc.poll() is not None and self.proc.stderr is not None:
            stderr = self.proc.stderr.read()
        raise AssertionError(f"timed out waiting for {what}; output so far: {self.lines!r} stderr: {stderr!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def rows(output: str) -> list[list[str]]:
    """kubectl's table output split into columns (cells are separated by 2+ spaces; none contain them)."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


def jsonpath(demo: Demo, *args: str, path: str, context: str = "demo") -> str:
    return demo.kubectl("get", *args, "-o", f"jsonpath={path}", context=context).stdout


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed kubectl call."""
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def pods_of(demo: Demo, selector: str, namespace: str = SHOP) -> list[dict]:
    out = demo.kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "json").stdout
    return json.loads(out)["items"]


@pytest.fixture(scope="module")
def scratch(demo: Demo) -> Iterator[str]:
    """A namespace of this module's own, deleted at the end."""
    ns = "kubectl-it"
    demo.kubectl("create", "namespace", ns)
    try:
        yield ns
    finally:
        demo.kubectl("delete", "deployments,pods,services", "--all", "-n", ns, "--wait=false", check=False)
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def create_deployment(demo: Demo, ns: str, name: str, image: str, replicas: int = 2) -> None:
    demo.kubectl("create", "deployment", name, f"--image={image}", f"--replicas={replicas}", "-n", ns)
    out = demo.kubectl("rollout", "status", f"deployment/{name}", "-n", ns, "--timeout=60s", timeout=90).stdout
    assert "successfully rolled out" in out


# ---------------------------------------------------------------------------------------------- reads


def test_get_nodes(demo: Demo) -> None:
    out = rows(demo.kubectl("get", "nodes").stdout)
    assert out[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    names = {r[0] for r in out[1:]}
    assert "virtual-node-aci" in names and len(names) == 4
    assert all(r[1] == "Ready" and r[2] == "agent" for r in out[1:]), out
    wide = rows(demo.kubectl("get", "nodes", "-o", "wide").stdout)
    assert wide[0][5:] == ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    ips = dict(line.split() for line in jsonpath(
        demo, "nodes", path='{range .items[*]}{.metadata.name} {.status.addresses[?(@.type=="InternalIP")].address}'
                            '{"\\n"}{end}').strip().splitlines())
    assert {r[0]: r[5] for r in wide[1:]} == ips


def test_get_pods_all_namespaces(demo: Demo) -> None:
    out = rows(demo.kubectl("get", "pods", "-A").stdout)
    assert out[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    namespaces = {r[0] for r in out[1:]}
    assert {SHOP, "team-a"} <= namespaces
    api_blue = [r for r in out[1:] if r[0] == SHOP and r[1].startswith("api-blue-")]
    assert len(api_blue) == 3 and all(r[2] == "1/1" and r[3] == "Running" for r in api_blue), api_blue


def test_crash_looping_pod_shows_back_off_and_restart_age(demo: Demo) -> None:
    def crash_row() -> list[str] | None:
        for r in rows(demo.kubectl("get", "pods", "-n", SHOP, "-l", "app=checkout").stdout)[1:]:
            if r[2] == "CrashLoopBackOff":
                return r
        return None

    row = wait_for(crash_row, timeout=60, message="a checkout pod in CrashLoopBackOff")
    assert row[1] == "0/1"
    assert re.fullmatch(r"[1-9]\d* \(\d+[smh]\d*[smh]? ago\)", row[3]), row


def test_get_pods_wide_shows_ip_and_node(demo: Demo) -> None:
    out = rows(demo.kubectl("get", "pods", "-n", SHOP, "-l", "app=api", "-o", "wide").stdout)
    assert out[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
                      "READINESS GATES"]
    truth = {p["metadata"]["name"]: (p["status"]["podIP"], p["spec"]["nodeName"]) for p in pods_of(demo, "app=api")}
    assert {r[0]: (r[5], r[6]) for r in out[1:]} == truth
    assert all(r[7:] == ["<none>", "<none>"] for r in out[1:])


def test_get_pods_sort_by_and_labels(demo: Demo) -> None:
    """--sort-by makes kubectl ask for includeObject=Object; --show-labels and -L read the row's metadata."""
    out = rows(demo.kubectl("get", "pods", "-n", SHOP, "-l", "app=api", "-o", "wide",
                            "--sort-by=.spec.nodeName").stdout)
    nodes = [r[6] for r in out[1:]]
    assert len(nodes) == 6 and nodes == sorted(nodes)
    labelled = rows(demo.kubectl("get", "pods", "-n", SHOP, "-l", "app=api", "--show-labels").stdout)
    assert labelled[0][-1] == "LABELS"
    assert all(re.fullmatch(r"app=api,pod-template-hash=\w+,version=(blue|green)", r[-1]) for r in labelled[1:])
    by_column = rows(demo.kubectl("get", "pods", "-n", SHOP, "-l", "app=api", "-L", "version").stdout)
    assert by_column[0][-1] == "VERSION"
    assert sorted(r[-1] for r in by_column[1:]) == ["blue"] * 3 + ["green"] * 3


def test_get_deployments_wide(demo: Demo) -> None:
    out = rows(demo.kubectl("get", "deploy", "-n", SHOP, "-o", "wide").stdout)
    assert out[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    by_name = {r[0]: r for r in out[1:]}
    blue = by_name["api-blue"]
    assert blue[1] == "3/3" and blue[2] == "3" and blue[3] == "3"
    assert "version=blue" in blue[7] and "app=api" in blue[7]


def test_describe_pod_has_events(demo: Demo) -> None:
    pod = pods_of(demo, "app=api,version=blue")[0]["metadata"]["name"]
    out = demo.kubectl("describe", "pod", pod, "-n", SHOP).stdout
    assert f"Name:             {pod}" in out
    assert "Namespace:        shop" in out
    events = out.split("\nEvents:", 1)[1]
    assert "default-scheduler  Successfully assigned shop/" + pod in events, events
    assert "Started container api" in events, events


def test_get_pods_watch_shows_a_change(demo: Demo, scratch: str) -> None:
    seq = demo.request_seq()
    stream = Stream(demo, "get", "pods", "-n", scratch, "-w")
    try:
        wait_for(lambda: any(r["path"].endswith(f"/namespaces/{scratch}/pods") and "watch=true" in r["query"]
                             for r in demo.requests_since(seq)), message="kubectl's watch request")
        demo.kubectl("run", "watched", "--image=nginx:1.27", "-n", scratch)
        lines = stream.wait_for(lambda ls: any(line.startswith("watched ") for line in ls), 20, "pod in watch")
        assert lines[0].split()[:3] == ["NAME", "READY", "STATUS"]
        stream.wait_for(lambda ls: any(line.startswith("watched ") and " Running " in line for line in ls), 30,
                        "pod Running in watch")
    finally:
        stream.stop()
        demo.kubectl("delete", "pod", "watched", "-n", scratch, "--wait=false", check=False)


# ---------------------------------------------------------------------------------------------- rollouts


def test_scale_then_rollout_status(demo: Demo) -> None:
    before = int(jsonpath(demo, "deploy", "api-green", "-n", SHOP, path="{.spec.replicas}"))
    try:
        out = demo.kubectl("scale", "deploy/api-green", "--replicas=4", "-n", SHOP).stdout
        assert out.strip() == "deployment.apps/api-green scaled"
        status = demo.kubectl("rollout", "status", "deploy/api-green", "-n", SHOP, "--timeout=60s", timeout=90)
        assert 'deployment "api-green" successfully rolled out' in status.stdout
        row = rows(demo.kubectl("get", "deploy", "api-green", "-n", SHOP).stdout)[1]
        assert row[1] == "4/4"
    finally:
        demo.kubectl("scale", "deploy/api-green", f"--replicas={before}", "-n", SHOP)
        demo.kubectl("rollout", "status", "deploy/api-green", "-n", SHOP, "--timeout=60s", timeout=90)


def test_set_image_history_and_undo(demo: Demo, scratch: str) -> None:
    create_deployment(demo, scratch, "web", "nginx:1.26")
    demo.kubectl("set", "image", "deployment/web", "nginx=nginx:1.27", "-n", scratch)
    status = demo.kubectl("rollout", "status", "deployment/web", "-n", scratch, "--timeout=60s", timeout=90)
    assert "successfully rolled out" in status.stdout
    history = demo.kubectl("rollout", "history", "deployment/web", "-n", scratch).stdout
    revisions = [r[0] for r in rows(history)[2:]]
    assert revisions == ["1", "2"], history
    rev1 = demo.kubectl("rollout", "history", "deployment/web", "--revision=1", "-n", scratch).stdout
    assert "nginx:1.26" in rev1

    out = demo.kubectl("rollout", "undo", "deployment/web", "--to-revision=1", "-n", scratch).stdout
    assert out.strip() == "deployment.apps/web rolled back"
    demo.kubectl("rollout", "status", "deployment/web", "-n", scratch, "--timeout=60s", timeout=90)
    image = jsonpath(demo, "deployment", "web", "-n", scratch, path="{.spec.template.spec.containers[0].image}")
    assert image == "nginx:1.26"
    revisions = [r[0] for r in rows(demo.kubectl("rollout", "history", "deployment/web", "-n", scratch).stdout)[2:]]
    assert revisions == ["2", "3"]  # revision 1 came back as revision 3


def test_rollout_restart_replaces_pods(demo: Demo, scratch: str) -> None:
    create_deployment(demo, scratch, "restartme", "nginx:1.27")
    old = {p["metadata"]["name"] for p in pods_of(demo, "app=restartme", scratch)}
    out = demo.kubectl("rollout", "restart", "deployment/restartme", "-n", scratch).stdout
    assert out.strip() == "deployment.apps/restartme restarted"
    annotations = jsonpath(demo, "deployment", "restartme", "-n", scratch,
                           path="{.spec.template.metadata.annotations}")
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    demo.kubectl("rollout", "status", "deployment/restartme", "-n", scratch, "--timeout=60s", timeout=90)

    def replaced() -> bool:
        pods = pods_of(demo, "app=restartme", scratch)
        live = {p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp")}
        return len(live) == 2 and not (live & old)

    wait_for(replaced, timeout=30, message="all pods replaced")


# ---------------------------------------------------------------------------------------------- logs


def test_logs_follow_streams_new_lines(demo: Demo) -> None:
    pod = pods_of(demo, "app=api,version=blue")[0]["metadata"]["name"]
    stream = Stream(demo, "logs", "-f", "--tail=0", pod, "-n", SHOP)
    try:
        lines = stream.wait_for(lambda ls: len(ls) >= 3, 20, "three new log lines")
        assert all(line.strip() for line in lines[:3])
    finally:
        stream.stop()


def test_logs_previous_of_crash_looping_pod(demo: Demo) -> None:
    def restarted() -> str | None:
        for pod in pods_of(demo, "app=checkout"):
            statuses = pod.get("status", {}).get("containerStatuses") or []
            if statuses and statuses[0].get("restartCount", 0) >= 1:
                return pod["metadata"]["name"]
        return None

    pod = wait_for(restarted, timeout=60, message="checkout restarted at least once")
    lines = demo.kubectl("logs", "--previous", pod, "-n", SHOP).stdout.strip().splitlines()
    # The whole previous run: from its first line to the crash.
    assert lines[0].endswith(" seq=1") and "starting" in lines[0], lines[:2]
    assert "exit status" in lines[-1], lines[-3:]
    rows_out = rows(demo.kubectl("get", "pod", pod, "-n", SHOP).stdout)
    assert rows_out[1][3].split()[0] != "0"  # RESTARTS "N (Xs ago)"


# ---------------------------------------------------------------------------------------------- services


def test_patch_service_selector_to_green_and_back(demo: Demo) -> None:
    def endpoint_ips() -> set[str]:
        out = jsonpath(demo, "endpoints", "api", "-n", SHOP, path="{.subsets[*].addresses[*].ip}")
        return set(out.split())

    green_ips = {p["status"].get("podIP") for p in pods_of(demo, "app=api,version=green")}
    blue_ips = {p["status"].get("podIP") for p in pods_of(demo, "app=api,version=blue")}
    try:
        out = demo.kubectl("patch", "svc", "api", "-n", SHOP, "-p", '{"spec":{"selector":{"version":"green"}}}')
        assert out.stdout.strip() == "service/api patched"
        assert jsonpath(demo, "svc", "api", "-n", SHOP, path="{.spec.selector.version}") == "green"
        wait_for(lambda: endpoint_ips() == green_ips, timeout=20, message="endpoints follow green")
        wide = rows(demo.kubectl("get", "svc", "api", "-n", SHOP, "-o", "wide").stdout)
        assert "version=green" in wide[1][6]
    finally:
        demo.kubectl("patch", "svc", "api", "-n", SHOP, "-p", '{"spec":{"selector":{"version":"blue"}}}')
    wait_for(lambda: endpoint_ips() == blue_ips, timeout=20, message="endpoints back on blue")


def test_top_pods(demo: Demo) -> None:
    proc = wait_for(lambda: (p := demo.kubectl("top", "pods", "-n", SHOP, check=False)).returncode == 0 and p,
                    timeout=30, message="kubectl top pods")
    out = rows(proc.stdout)
    assert out[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert any(r[0].startswith("api-blue-") and r[1].endswith("m") and r[2].endswith("Mi") for r in out[1:]), out


# ---------------------------------------------------------------------------------------------- RBAC, errors


def test_auth_can_i_as_developer(demo: Demo) -> None:
    yes = demo.kubectl("auth", "can-i", "create", "deployments", "-n", "team-a", context="demo-dev", check=False)
    assert (yes.returncode, yes.stdout.strip()) == (0, "yes")
    no = demo.kubectl("auth", "can-i", "create", "deployments", "-n", SHOP, context="demo-dev", check=False)
    assert (no.returncode, no.stdout.strip()) == (1, "no")


def test_forbidden_is_one_line(demo: Demo) -> None:
    proc = demo.kubectl("get", "pods", "-n", SHOP, context="demo-dev", check=False)
    assert one_line_error(proc) == ('Error from server (Forbidden): pods is forbidden: User "dev@team-a" cannot '
                                    'list resource "pods" in API group "" in the namespace "shop"')
    assert proc.stdout == ""


def test_not_found_already_exists_invalid_errors(demo: Demo) -> None:
    nf = demo.kubectl("get", "deploy", "no-such-deploy", "-n", SHOP, check=False)
    assert one_line_error(nf) == 'Error from server (NotFound): deployments.apps "no-such-deploy" not found'

    ae = demo.kubectl("create", "namespace", SHOP, check=False)
    assert one_line_error(ae) == 'Error from server (AlreadyExists): namespaces "shop" already exists'

    blue = pods_of(demo, "app=api,version=blue")[0]["metadata"]["name"]
    prev = demo.kubectl("logs", "--previous", blue, "-n", SHOP, check=False)
    assert one_line_error(prev) == (f'Error from server (BadRequest): previous terminated container "api" in pod '
                                    f'"{blue}" not found')

    neg = demo.kubectl("scale", "deploy/api-blue", "--replicas=-1", "-n", SHOP, check=False)
    assert one_line_error(neg).startswith("error: ")

    inv = demo.kubectl("patch", "deploy", "api-blue", "-n", SHOP, "-p", '{"spec":{"replicas":-1}}', check=False)
    assert one_line_error(inv) == ('The Deployment "api-blue" is invalid: spec.replicas: Invalid value: -1: '
                                   "must be greater than or equal to 0")
    assert jsonpath(demo, "deploy", "api-blue", "-n", SHOP, path="{.spec.replicas}") == "3"
