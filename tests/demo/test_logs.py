"""Demo cluster container logs: what ``kubectl logs`` (and k8stui's log pane) would receive from the server."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import pytest

from k8stui.demo.errors import ApiError
from k8stui.demo.logs import (
    LogOptions,
    LogService,
    format_time_ns,
    parse_seq,
    parse_time_ns,
    resolve_container,
)
from k8stui.demo.resources import NAMESPACES, PODS
from k8stui.demo.sim import SimConfig
from k8stui.demo.store import Store
from tests.cluster.helpers import until

TS_RE = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*\n)$", re.S)
API = "ghcr.io/demo/api:1.4.2"
FRONTEND = "ghcr.io/demo/frontend:2.3.0"
BROKEN = "ghcr.io/demo/checkout:v2-broken"


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def make_store() -> Store:
    store = Store()
    store.create(NAMESPACES, {"metadata": {"name": "shop"}})
    return store


def add_pod(store: Store, name: str, image: str = API, *, containers: list[str] | None = None,
            labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
            status: dict[str, Any] | None = None, node: str | None = "aks-nodepool1-00000") -> dict[str, Any]:
    """Create a pod and give it the status the kubelet would have written."""
    names = containers or ["main"]
    store.create(PODS, {"metadata": {"name": name, "namespace": "shop", "labels": labels or {"app": "api"},
                                     "annotations": annotations or {}},
                        "spec": {"containers": [{"name": n, "image": image} for n in names]}})

    def fill(p: dict[str, Any]) -> None:
        if node:
            p["spec"]["nodeName"] = node
        p["status"] = status if status is not None else running_status(names, image, time.time() - 60)

    return store.mutate(PODS, "shop", name, fill)


def running_status(names: list[str], image: str, started: float, restarts: int = 0,
                   last: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"phase": "Running", "podIP": "10.244.1.7", "hostIP": "10.224.0.4",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": n, "image": image, "ready": True, "restartCount": restarts,
                                   "state": {"running": {"startedAt": iso(started)}},
                                   "lastState": {"terminated": last} if last else {}} for n in names]}


async def read(service: LogService, pod: dict[str, Any], container: str = "main", **opts: Any) -> bytes:
    out = b""
    async for chunk in service.stream(pod, container, LogOptions(**opts)):
        out += chunk
    return out


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def stamped(data: bytes) -> list[tuple[str, bytes]]:
    out = []
    for line in lines_of(data):
        m = TS_RE.match(line)
        assert m, f"line without a kubelet timestamp: {line!r}"
        out.append((m.group(1).decode(), m.group(2)))
    return out


@pytest.fixture
def store() -> Store:
    return make_store()


@pytest.fixture
def service(store: Store) -> LogService:
    return LogService(store, SimConfig(seed=7), poll_seconds=0.05)


def terminated_pod(store: Store, name: str, image: str = API, seconds: int = 120) -> dict[str, Any]:
    """A pod whose only container ran for ``seconds`` and stopped: its whole log is fixed."""
    end = int(time.time()) - 5
    term = {"exitCode": 0, "reason": "Completed", "startedAt": iso(end - seconds), "finishedAt": iso(end)}
    status = {"phase": "Succeeded", "conditions": [{"type": "Ready", "status": "False"}],
              "containerStatuses": [{"name": "main", "image": image, "ready": False, "restartCount": 0,
                                     "state": {"terminated": term}, "lastState": {}}]}
    return add_pod(store, name, image, status=status)


# -- content ----------------------------------------------------------------------------------------------------
async def test_content_is_a_function_of_seed_pod_and_start(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "api-1")
    first = await read(service, pod, timestamps=True)
    again = await read(LogService(store, SimConfig(seed=7)), pod, timestamps=True)
    other_seed = await read(LogService(store, SimConfig(seed=8)), pod, timestamps=True)
    assert first == again and len(lines_of(first)) > 100
    assert other_seed != first
    other_pod = terminated_pod(store, "api-2")  # same start, another uid
    assert await read(service, other_pod, timestamps=True) != first


async def test_every_line_carries_consecutive_seq_and_exact_timestamps(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "api-1", seconds=100)
    run = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    rows = stamped(await read(service, pod, timestamps=True))
    assert [parse_seq(text) for _, text in rows] == list(range(1, len(rows) + 1))
    times = [parse_time_ns(ts) for ts, _ in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert parse_time_ns(run["startedAt"]) <= times[0] and rows[-1][0][:19] + "Z" <= run["finishedAt"]
    assert 100 <= len(rows) <= 400  # about 1 to 3 lines a second (random gaps: a sanity range, not a rate test)
    assert all(format_time_ns(t) == ts for t, (ts, _) in zip(times, rows, strict=True))


async def test_api_pods_write_access_logs_with_errors(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "api-1", seconds=600)
    text = (await read(service, pod)).decode()
    access = re.findall(r'^10\.244\.\d+\.\d+ - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET|POST|PUT|DELETE) '
                        r'/\S* HTTP/1\.1" (\d{3}) \d+ \d+\.\d{3} seq=\d+$', text, re.M)
    codes = {int(code) for _, code in access}
    assert len(access) > 500
    assert 200 in codes and any(400 <= c < 500 for c in codes) and any(c >= 500 for c in codes)
    assert re.search(r"^\S+Z ERROR \[api\] .+ seq=\d+$", text, re.M)


async def test_coredns_writes_json_lines(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "coredns-1", image="registry.k8s.io/coredns/coredns:v1.11.1")
    rows = [json.loads(line) for line in lines_of(await read(service, pod))]
    assert rows and all({"ts", "level", "msg", "seq"} <= row.keys() for row in rows)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["level"] for r in rows} >= {"info"}


async def test_frontend_writes_colours_and_one_hostile_line_in_fifty(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "frontend-1", image=FRONTEND, seconds=200)
    lines = lines_of(await read(service, pod))
    # Colour on the ordinary lines (the level's colour depends on the pod, so any SGR foreground counts).
    plain = [line for line in lines if b"pwned" not in line]
    assert plain and all(re.search(rb"\x1b\[(1;)?3[0-7]m", line) for line in plain)
    hostile = [line for line in lines if b"pwned" in line]
    assert hostile and lines[3] in hostile  # the first one arrives within the first seconds
    assert abs(len(hostile) - len(lines) / 50) <= 1
    sample = hostile[0]
    for part in (b"\x1b]0;pwned\x07", b"\x1b[2J", b"\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
                 b"[bold red]x[/]"):
        assert part in sample
    with pytest.raises(UnicodeDecodeError):
        sample.decode("utf-8")
    assert parse_seq(sample) == 4


async def test_crash_looping_container_logs_startup_then_panic(store: Store, service: LogService) -> None:
    started = int(time.time()) - 30
    last = {"exitCode": 1, "reason": "Error", "startedAt": iso(started - 10), "finishedAt": iso(started - 8)}
    status = running_status(["main"], BROKEN, started, restarts=3, last=last)
    status["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    pod = add_pod(store, "checkout-1", BROKEN, labels={"app": "checkout"}, status=status)
    previous = (await read(service, pod, previous=True)).decode()
    # kubectl logs (without --previous) of a crash-looping container shows the last run too
    assert await read(service, pod) == previous.encode()
    lines = previous.splitlines()
    assert "starting" in lines[0]
    assert "panic: runtime error: invalid memory address or nil pointer dereference" in previous
    assert "goroutine 1 [running]:" in previous
    assert [parse_seq(line) for line in lines] == list(range(1, len(lines) + 1))
    # A run that lasted under a second (timestamps are whole seconds) still ends with the panic.
    last_short = dict(last, finishedAt=last["startedAt"])
    pod2 = add_pod(store, "checkout-2", BROKEN, labels={"app": "checkout"},
                   status=running_status(["main"], BROKEN, started, restarts=1, last=last_short))
    short = (await read(service, pod2, previous=True, timestamps=True)).decode()
    assert "panic: runtime error" in short and short.count("\n") == len(lines)


# -- options ----------------------------------------------------------------------------------------------------
async def test_since_time_resume_has_no_gap_and_one_inclusive_overlap(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "api-1", seconds=60)
    full = stamped(await read(service, pod, timestamps=True))
    k = len(full) // 2
    resumed = stamped(await read(service, pod, timestamps=True, since_time=full[k][0]))
    assert resumed == full[k:]  # the line at sinceTime itself comes again (>=), nothing older
    # A client drops the exact duplicate and has every line once.
    merged = full[: k + 1] + [row for row in resumed if row != full[k]]
    assert merged == full
    # Just after a line's timestamp, that line is not repeated.
    after = format_time_ns(parse_time_ns(full[k][0]) + 1)
    assert stamped(await read(service, pod, timestamps=True, since_time=after)) == full[k + 1:]
    # Whole-second sinceTime (what kubectl --since-time sends) works too.
    sec = full[k][0][:19] + "Z"
    got = stamped(await read(service, pod, timestamps=True, since_time=sec))
    assert got == [row for row in full if parse_time_ns(row[0]) >= parse_time_ns(sec)]
    assert got[0][0].startswith(full[k][0][:19]) and len(got) >= len(full) - k


async def test_tail_lines(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "api-1", seconds=60)
    full = lines_of(await read(service, pod))
    assert lines_of(await read(service, pod, tail_lines=5)) == full[-5:]
    assert await read(service, pod, tail_lines=0) == b""
    assert lines_of(await read(service, pod, tail_lines=10_000)) == full
    # tail and since together: the last N lines, then only those not before the bound
    ts_full = stamped(await read(service, pod, timestamps=True))
    bound = ts_full[-3][0]
    assert stamped(await read(service, pod, timestamps=True, tail_lines=10, since_time=bound)) == ts_full[-3:]


async def test_since_seconds_on_a_running_container(store: Store, service: LogService) -> None:
    pod = add_pod(store, "api-1", status=running_status(["main"], API, time.time() - 120))
    before = time.time_ns()
    rows = stamped(await read(service, pod, timestamps=True, since_seconds=10))
    after = time.time_ns()
    assert rows
    assert all(parse_time_ns(ts) >= before - 10 * 10**9 for ts, _ in rows)
    everything = stamped(await read(service, pod, timestamps=True))
    first_seq = parse_seq(rows[0][1])
    assert first_seq is not None and first_seq > 1
    previous_line = everything[first_seq - 2]
    assert parse_time_ns(previous_line[0]) < after - 10 * 10**9
    assert all(parse_time_ns(ts) <= after for ts, _ in rows)


async def test_limit_bytes_cuts_exactly(store: Store, service: LogService) -> None:
    pod = terminated_pod(store, "api-1", seconds=60)
    full = await read(service, pod, timestamps=True)
    for limit in (1, 100, 5000):
        got = await read(service, pod, timestamps=True, limit_bytes=limit)
        assert got == full[:limit]


async def test_previous_reads_the_last_terminated_run(store: Store, service: LogService) -> None:
    now = int(time.time())
    last = {"exitCode": 137, "reason": "OOMKilled", "startedAt": iso(now - 100), "finishedAt": iso(now - 40)}
    pod = add_pod(store, "api-1", status=running_status(["main"], API, now - 40, restarts=1, last=last))
    prev = stamped(await read(service, pod, timestamps=True, previous=True))
    cur = stamped(await read(service, pod, timestamps=True))
    assert prev and cur and prev != cur
    assert parse_seq(prev[0][1]) == 1 and parse_seq(cur[0][1]) == 1
    assert all(last["startedAt"] <= ts[:19] + "Z" <= last["finishedAt"] for ts, _ in prev)
    assert all(ts >= last["finishedAt"][:19] for ts, _ in cur)
    assert 60 <= len(prev) <= 190


async def test_unscheduled_pod_has_an_empty_log(store: Store, service: LogService) -> None:
    pod = add_pod(store, "pending-1", status={"phase": "Pending"}, node=None)
    assert resolve_container(pod, None, False) == "main"
    assert await read(service, pod, follow=True) == b""


# -- follow -----------------------------------------------------------------------------------------------------
async def test_follow_streams_new_lines_and_ends_when_the_pod_is_deleted(store: Store, service: LogService) -> None:
    pod = add_pod(store, "api-1", status=running_status(["main"], API, time.time() - 3))
    seen: list[tuple[str, bytes]] = []
    first_chunk_ns: list[int] = []  # wall clock when the first chunk (what was logged before) arrived

    async def consume() -> None:
        async for chunk in service.stream(pod, "main", LogOptions(follow=True, timestamps=True)):
            first_chunk_ns[:] = first_chunk_ns or [time.time_ns()]
            seen.extend(stamped(chunk))

    task = asyncio.create_task(consume())
    # A line written after the stream had delivered its first chunk can only have come by following.
    await until(lambda: first_chunk_ns and any(parse_time_ns(ts) > first_chunk_ns[0] for ts, _ in seen)
                and len(seen) >= 4, timeout=30, message="a line logged while following")
    assert not task.done()
    assert [parse_seq(text) for _, text in seen] == list(range(1, len(seen) + 1))
    store.delete(PODS, "shop", "api-1", grace_seconds=0)
    await asyncio.wait_for(task, timeout=10)  # the stream ends by itself
    assert time.time_ns() >= parse_time_ns(seen[-1][0])


async def test_follow_ends_when_the_container_restarts(store: Store, service: LogService) -> None:
    start = time.time() - 2
    pod = add_pod(store, "api-1", status=running_status(["main"], API, start))
    got: list[tuple[str, bytes]] = []

    async def consume() -> None:
        async for chunk in service.stream(pod, "main", LogOptions(follow=True, timestamps=True)):
            got.extend(stamped(chunk))

    task = asyncio.create_task(consume())
    await until(lambda: len(got) >= 2, timeout=20, message="lines of the running container")
    finished = iso(time.time())
    last = {"exitCode": 1, "reason": "Error", "startedAt": iso(start), "finishedAt": finished}

    def restart(p: dict[str, Any]) -> None:
        p["status"] = running_status(["main"], API, time.time() + 1, restarts=1, last=last)

    store.mutate(PODS, "shop", "api-1", restart)
    await asyncio.wait_for(task, timeout=10)  # the stream ends by itself
    assert got and all(ts[:19] + "Z" <= finished for ts, _ in got)
    assert [parse_seq(text) for _, text in got] == list(range(1, len(got) + 1))
    # What was followed is exactly what --previous now returns.
    prev = stamped(await read(service, store.must_get(PODS, "shop", "api-1"), timestamps=True, previous=True))
    assert prev == got


async def test_follow_with_tail_zero_only_shows_new_lines(store: Store, service: LogService) -> None:
    pod = add_pod(store, "api-1", status=running_status(["main"], API, time.time() - 30))
    got: list[bytes] = []

    async def consume() -> None:
        async for chunk in service.stream(pod, "main", LogOptions(follow=True, tail_lines=0)):
            got.extend(lines_of(chunk))

    task = asyncio.create_task(consume())
    await until(lambda: len(got) >= 2, timeout=20, message="two new lines")
    task.cancel()  # how the server drops a stream
    with pytest.raises(asyncio.CancelledError):
        await task
    seqs = [parse_seq(line) for line in got]
    assert seqs and seqs[0] is not None and seqs[0] > 20
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


# -- choosing the container ----------------------------------------------------------------------------------
def test_resolve_container_messages(store: Store) -> None:
    two = add_pod(store, "two", containers=["app", "sidecar"])
    with pytest.raises(ApiError) as err:
        resolve_container(two, None, False)
    assert err.value.code == 400 and err.value.reason == "BadRequest"
    assert err.value.message == "a container name must be specified for pod two, choose one of: [app sidecar]"
    with pytest.raises(ApiError) as err:
        resolve_container(two, "y", False)
    assert err.value.message == "container y is not valid for pod two"
    assert resolve_container(two, "sidecar", False) == "sidecar"

    annotated = add_pod(store, "annotated", containers=["app", "sidecar"],
                        annotations={"kubectl.kubernetes.io/default-container": "sidecar"})
    assert resolve_container(annotated, None, False) == "sidecar"

    single = add_pod(store, "single")
    assert resolve_container(single, None, False) == "main"
    with pytest.raises(ApiError) as err:
        resolve_container(single, None, True)
    assert err.value.message == 'previous terminated container "main" in pod "single" not found'

    creating = add_pod(store, "creating", status={
        "phase": "Pending", "containerStatuses": [{"name": "main", "image": API, "ready": False, "restartCount": 0,
                                                   "state": {"waiting": {"reason": "ContainerCreating"}}}]})
    with pytest.raises(ApiError) as err:
        resolve_container(creating, "main", False)
    assert err.value.message == 'container "main" in pod "creating" is waiting to start: ContainerCreating'

    pulling = add_pod(store, "pulling", status={
        "phase": "Pending", "containerStatuses": [{"name": "main", "image": API, "ready": False, "restartCount": 0,
                                                   "state": {"waiting": {"reason": "ImagePullBackOff"}}}]})
    with pytest.raises(ApiError) as err:
        resolve_container(pulling, None, False)
    assert err.value.message == ('container "main" in pod "pulling" is waiting to start: '
                                 "trying and failing to pull image")


def test_log_options_validation() -> None:
    with pytest.raises(ApiError) as err:
        LogOptions(tail_lines=-1).validate("p")
    assert err.value.code == 422 and "tailLines" in err.value.message
    with pytest.raises(ApiError) as err:
        LogOptions(since_seconds=5, since_time="2024-01-01T00:00:00Z").validate("p")
    assert err.value.code == 422
    with pytest.raises(ApiError) as err:
        LogOptions(since_time="yesterday").validate("p")
    assert err.value.code == 400
    LogOptions(tail_lines=0, since_time="2024-01-01T00:00:00.5Z", limit_bytes=1).validate("p")
