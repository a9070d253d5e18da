"""exec, attach and port-forward against the demo cluster with real clients: the newest and the oldest kubectl
minor we support (1.33 speaks websockets, 1.27 SPDY/3.1), and the official Python client's ``stream()``.

Every kubectl that keeps running (port-forward, attach, an interactive exec) is stopped in a ``finally``;
tests wait for what kubectl prints, never for a fixed time.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import Demo, ready_pod

SDK_BIN = Path("/usr/lib/google-cloud-sdk/bin")
NEWEST, OLDEST = "1.33", "1.27"


def kubectl_minor(minor: str) -> str:
    path = SDK_BIN / f"kubectl.{minor}"
    if not path.exists():
        pytest.skip(f"kubectl {minor} is not installed at {path}")
    return str(path)


def env_for(demo: Demo) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    env["KUBECONFIG"] = demo.kubeconfig
    return env


def run(demo: Demo, minor: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([kubectl_minor(minor), "--context", "demo", *args], capture_output=True, text=True,
                          timeout=timeout, env=env_for(demo), stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def api_pod(demo: Demo) -> str:
    return ready_pod(demo, "shop", "app=api,version=blue")


class Background:
    """A long-running kubectl whose combined output is read as it comes (a pipe, or a pseudo-terminal)."""

    def __init__(self, argv: list[str], env: dict[str, str], tty: tuple[int, int] | None = None) -> None:
        if tty is not None:
            self.fd, child = pty.openpty()
            fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", tty[0], tty[1], 0, 0))
            self.proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env,
                                         start_new_session=True)
            os.close(child)
        else:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
            assert self.proc.stdout is not None
            self.fd = self.proc.stdout.fileno()
        self.output = b""

    def expect(self, pattern: bytes, timeout: float = 20) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output)
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; output: {self.output[-2000:]!r}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the pty's other end closed
                    chunk = b""
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(f"process ended before {pattern!r}; output: {self.output[-2000:]!r}")
                self.output += chunk

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        else:
            os.close(self.fd)


@contextmanager
def background(argv: list[str], env: dict[str, str], tty: tuple[int, int] | None = None) -> Iterator[Background]:
    proc = Background(argv, env, tty)
    try:
        yield proc
    finally:
        proc.stop()


def http_get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read().decode()


# ------------------------------------------------------------------------------------------------- exec


@pytest.mark.parametrize("minor", [NEWEST, OLDEST])
def test_exec_hostname_and_exit_code(demo: Demo, api_pod: str, minor: str) -> None:
    proc = run(demo, minor, "exec", "-n", "shop", api_pod, "--", "hostname")
    assert (proc.returncode, proc.stdout) == (0, f"{api_pod}\n"), proc.stderr
    proc = run(demo, minor, "exec", "-n", "shop", api_pod, "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert proc.returncode == 3
    assert proc.stdout == "out\n"
    assert proc.stderr.splitlines() == ["err", "command terminated with exit code 3"]


def test_exec_shell_behaves_like_a_shell(demo: Demo) -> None:
    pod = ready_pod(demo, "shop", "app=frontend")
    script = ("env | grep -e API_URL; cat /etc/frontend/config.json; echo; "
              "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; "
              "cat /var/run/secrets/kubernetes.io/serviceaccount/token; echo; "
              "ls /etc; cd /etc/frontend && pwd; ps; nosuchcommand")
    proc = run(demo, NEWEST, "exec", "-n", "shop", pod, "-c", "frontend", "--", "sh", "-c", script)
    assert proc.returncode == 127
    out = proc.stdout
    assert "API_URL=http://api.shop.svc.cluster.local\n" in out
    assert '"theme": "autumn"' in out  # the mounted ConfigMap
    assert "\nshop\n" in out
    token = out.split("\nshop\n", 1)[1].splitlines()[0]
    assert token.endswith(".demo-token-not-a-real-signature") and token.count(".") == 2
    assert {"hostname", "os-release", "frontend", "resolv.conf"} <= set(out.split())
    assert "\n/etc/frontend\n" in out
    assert re.search(r"^\s+1 root\s+\S+ /app/frontend", out, re.M), out
    assert "sh: nosuchcommand: not found" in proc.stderr
    env = run(demo, NEWEST, "exec", "-n", "shop", ready_pod(demo, "shop", "app=api,version=blue"), "--", "env")
    assert "DB_HOST=shop-db.postgres.database.azure.com\n" in env.stdout  # configMapKeyRef resolved


def test_exec_of_a_missing_binary_is_a_runtime_error(demo: Demo, api_pod: str) -> None:
    proc = run(demo, NEWEST, "exec", "-n", "shop", api_pod, "--", "curl", "localhost")
    assert proc.returncode == 1
    assert 'exec: "curl": executable file not found in $PATH' in proc.stderr


def test_exec_errors_before_the_upgrade(demo: Demo, api_pod: str) -> None:
    proc = run(demo, NEWEST, "exec", "-n", "shop", api_pod, "-c", "nope", "--", "hostname")
    assert proc.returncode == 1
    assert "container nope is not valid for pod" in proc.stderr


@pytest.mark.parametrize("minor", [NEWEST, OLDEST])
def test_exec_interactive_through_a_terminal(demo: Demo, api_pod: str, minor: str) -> None:
    argv = [kubectl_minor(minor), "--context", "demo", "exec", "-it", "-n", "shop", api_pod, "--", "sh"]
    with background(argv, env_for(demo), tty=(33, 101)) as term:
        term.expect(rb"/ # ")
        term.send(b"stty size\r")
        term.expect(rb"33 101\r\n")  # the size kubectl sent on the resize channel
        term.send(b"hostnaXY\x7f\x7fme\r")  # line editing: two backspaces
        term.expect(re.escape(api_pod.encode()) + rb"\r\n/ # ")
        term.send(b"exit 3\r")
        assert term.proc.wait(timeout=20) == 3


def test_exec_reads_stdin(demo: Demo, api_pod: str) -> None:
    proc = subprocess.run([kubectl_minor(NEWEST), "--context", "demo", "exec", "-i", "-n", "shop", api_pod, "--",
                           "sh"], input="hostname\nexit 5\n", capture_output=True, text=True, timeout=30,
                          env=env_for(demo))
    assert (proc.returncode, proc.stdout) == (5, f"{api_pod}\n")


def test_attach_shows_live_log_lines(demo: Demo, api_pod: str) -> None:
    argv = [kubectl_minor(NEWEST), "--context", "demo", "attach", "-n", "shop", api_pod]
    with background(argv, env_for(demo)) as proc:
        proc.expect(rb'"(GET|POST|PUT|DELETE) /[^"]*" \d{3}', timeout=30)  # api's access-log lines


# ----------------------------------------------------------------------------------------- port-forward


@pytest.mark.parametrize("minor", [NEWEST, OLDEST])
def test_port_forward_pod_and_http_get(demo: Demo, api_pod: str, minor: str) -> None:
    argv = [kubectl_minor(minor), "--context", "demo", "port-forward", "-n", "shop", f"pod/{api_pod}", ":8080",
            ":9090", ":8999"]
    with background(argv, env_for(demo)) as pf:
        ports = [int(p) for p in (pf.expect(rb"127\.0\.0\.1:(\d+) -> %d" % remote).group(1)
                                  for remote in (8080, 9090, 8999))]
        status, ctype, body = http_get(ports[0], "/")
        assert status == 200 and ctype == "application/json"
        assert json.loads(body) | {"pod": api_pod, "app": "api", "version": "blue", "port": 8080} == json.loads(body)
        assert http_get(ports[0], "/healthz")[::2] == (200, "ok\n")
        assert http_get(ports[0], "/nope")[0] == 404
        status, ctype, body = http_get(ports[1], "/metrics")
        assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
        assert 'app_info{app="api",version="blue"} 1' in body
        with pytest.raises(OSError):  # nothing listens on 8999 in the pod
            http_get(ports[2], "/")
        pf.expect(rb"error forwarding port 8999 to pod .*connection refused")


def test_port_forward_service_resolves_to_a_pod(demo: Demo) -> None:
    argv = [kubectl_minor(NEWEST), "--context", "demo", "port-forward", "-n", "team-a", "svc/notes", ":80"]
    with background(argv, env_for(demo)) as pf:
        port = int(pf.expect(rb"127\.0\.0\.1:(\d+) -> 5000").group(1))  # targetPort "http" is 5000
        status, _, body = http_get(port, "/")
        assert status == 200 and json.loads(body)["app"] == "notes"


# --------------------------------------------------------------------------------------- Python client


def test_python_client_stream_exec_and_portforward(demo: Demo, api_pod: str) -> None:
    from kubernetes import client, config
    from kubernetes.stream import portforward, stream

    with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
        core = client.CoreV1Api(api_client)
        out = stream(core.connect_get_namespaced_pod_exec, api_pod, "shop", command=["hostname"],
                     stderr=True, stdin=False, stdout=True, tty=False)
        assert out == f"{api_pod}\n"
        resp = stream(core.connect_get_namespaced_pod_exec, api_pod, "shop", command=["sh", "-c", "exit 7"],
                      stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
        resp.run_forever(timeout=20)
        assert resp.returncode == 7
        forward = portforward(core.connect_get_namespaced_pod_portforward, api_pod, "shop", ports="8080")
        sock = forward.socket(8080)
        sock.settimeout(10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        sock.close()
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\nok\n")
        assert forward.error(8080) is None


# ------------------------------------------------------------------------------------------------ drain

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: %s}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
"""


@pytest.fixture
def drain_ns(demo: Demo, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace with one ready ``web`` pod guarded by a PDB that allows no disruption."""
    ns = f"drain-{request.node.callspec.id.replace('.', '-')}"
    demo.kubectl("create", "namespace", ns)
    try:
        demo.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1", "-n", ns)
        demo.kubectl("apply", "-f", "-", input=PDB % ns)
        demo.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
        yield ns
    finally:
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


@pytest.mark.parametrize("minor", [NEWEST, OLDEST])
def test_drain_waits_for_the_disruption_budget(demo: Demo, drain_ns: str, minor: str) -> None:
    pod = ready_pod(demo, drain_ns, "app=web")
    node = demo.kubectl("get", "pod", pod, "-n", drain_ns, "-o", "jsonpath={.spec.nodeName}").stdout
    argv = [kubectl_minor(minor), "--context", "demo", "drain", node, "--pod-selector=app=web",
            "--ignore-daemonsets", "--timeout=90s"]
    try:
        with background(argv, env_for(demo)) as drain:
            drain.expect(rb"error when evicting pods/\"%s\" -n \"%s\" \(will retry after 5s\): Cannot evict pod "
                         rb"as it would violate the pod's disruption budget\." % (pod.encode(), drain_ns.encode()))
            assert demo.kubectl("get", "pod", pod, "-n", drain_ns, check=False).returncode == 0  # still there
            demo.kubectl("patch", "pdb", "web", "-n", drain_ns, "--type=merge",
                         "-p", '{"spec":{"minAvailable":null,"maxUnavailable":1}}')
            drain.expect(rb"pod/%s evicted" % pod.encode(), timeout=30)
            drain.expect(rb"node/%s drained" % node.encode(), timeout=30)
            assert drain.proc.wait(timeout=10) == 0
        assert "SchedulingDisabled" in demo.kubectl("get", "node", node).stdout
    finally:
        demo.kubectl("uncordon", node)


def test_eviction_api_with_the_python_client(demo: Demo) -> None:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    ns = "evict-py"
    demo.kubectl("create", "namespace", ns)
    try:
        demo.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1", "-n", ns)
        demo.kubectl("apply", "-f", "-", input=PDB % ns)
        demo.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
        pod = ready_pod(demo, ns, "app=web")
        with config.new_client_from_config(config_file=demo.kubeconfig, context="demo") as api_client:
            core = client.CoreV1Api(api_client)
            eviction = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=ns))
            with pytest.raises(ApiException) as refused:
                core.create_namespaced_pod_eviction(pod, ns, eviction)
            assert refused.value.status == 429
            body = json.loads(refused.value.body)
            assert body["reason"] == "TooManyRequests"
            assert body["details"]["causes"][0] == {
                "reason": "DisruptionBudget", "message": "The disruption budget web needs 1 healthy pods and has 1 "
                                                         "currently"}
            demo.kubectl("patch", "pdb", "web", "-n", ns, "--type=merge", "-p", '{"spec":{"minAvailable":0}}')
            dry = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=ns),
                                    delete_options=client.V1DeleteOptions(dry_run=["All"]))
            core.create_namespaced_pod_eviction(pod, ns, dry)
            assert not core.read_namespaced_pod(pod, ns).metadata.deletion_timestamp  # dry run: untouched
            core.create_namespaced_pod_eviction(pod, ns, eviction)
            assert core.read_namespaced_pod(pod, ns).metadata.deletion_timestamp  # graceful delete started
    finally:
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


# ------------------------------------------------------------------------------------------------ debug


@pytest.fixture(scope="module")
def debug_ns(demo: Demo) -> Iterator[str]:
    """A namespace with one ``web`` pod to add ephemeral containers to (the scenario's pods stay untouched)."""
    ns = "debug-it"
    demo.kubectl("create", "namespace", ns)
    try:
        demo.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=1", "-n", ns)
        demo.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
        yield ns
    finally:
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


@pytest.mark.parametrize("minor", [NEWEST, OLDEST])
def test_debug_adds_an_ephemeral_container_and_attaches(demo: Demo, debug_ns: str, minor: str) -> None:
    pod = ready_pod(demo, debug_ns, "app=web")
    argv = [kubectl_minor(minor), "--context", "demo", "debug", "-it", "-n", debug_ns, pod, "--image=busybox:1.36",
            "--target=nginx"]
    with background(argv, env_for(demo), tty=(24, 80)) as term:
        name = term.expect(rb"Defaulting debug container name to (debugger-\w+)").group(1).decode()
        term.expect(rb"/ # ")
        term.send(b"hostname\r")
        term.expect(re.escape(pod.encode()) + rb"\r\n/ # ")
        term.send(b"exit 2\r")
        term.proc.wait(timeout=20)
    statuses = json.loads(demo.kubectl("get", "pod", pod, "-n", debug_ns, "-o",
                                       "jsonpath={.status.ephemeralContainerStatuses}").stdout)
    mine = next(s for s in statuses if s["name"] == name)
    assert mine["image"] == "busybox:1.36"
    assert mine["state"]["terminated"]["exitCode"] == 2  # the shell was its process: it is not restarted
    spec = json.loads(demo.kubectl("get", "pod", pod, "-n", debug_ns, "-o",
                                   "jsonpath={.spec.ephemeralContainers}").stdout)
    added = next(c for c in spec if c["name"] == name)
    assert {"name": name, "targetContainerName": "nginx", "stdin": True, "tty": True} | added == added


def test_cp_from_a_pod(demo: Demo, tmp_path: Path) -> None:
    pod = ready_pod(demo, "shop", "app=frontend")
    proc = run(demo, NEWEST, "cp", f"shop/{pod}:/etc/frontend", str(tmp_path / "frontend"), "-c", "frontend")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "frontend" / "config.json").read_text())["theme"] == "autumn"
    local = tmp_path / "f.txt"
    local.write_text("hi\n")
    proc = run(demo, NEWEST, "cp", str(local), f"shop/{pod}:/tmp/f.txt", "-c", "frontend")
    assert proc.returncode != 0 and "Read-only file system" in proc.stderr
