"""LogSession against the demo cluster, without the UI: a crash-looping container is followed across its
restarts (each run complete, once), a pod known only by name is read without a pod list, and stopping leaves
no task or connection behind."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from k8stui.cluster import kinds
from k8stui.cluster.connection import load_target
from k8stui.cluster.store import InformerHub
from k8stui.demo.logs import parse_seq
from k8stui.logs.buffer import LogBuffer
from k8stui.logs.merge import LogSession, container_run_state, short_pod_name
from k8stui.logs.options import LogTarget

BROKEN = """apiVersion: apps/v1
kind: Deployment
metadata: {name: crashy}
spec:
  replicas: 1
  selector: {matchLabels: {app: crashy}}
  template:
    metadata: {labels: {app: crashy}}
    spec:
      containers:
      - {name: main, image: ghcr.io/demo/checkout:v2-broken}
"""


async def wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.05)


def runs(buffer: LogBuffer) -> list[list[int]]:
    """The seq numbers in the buffer, split where a new container run starts (seq=1 again)."""
    out: list[list[int]] = []
    for line in buffer:
        seq = parse_seq(line.plain)
        if line.note or seq is None:
            continue
        if seq == 1 or not out:
            out.append([])
        out[-1].append(seq)
    return out


@pytest.mark.timeout(90)
async def test_a_crash_looping_container_is_followed_across_restarts(demo):
    ns = "logs-crashy"
    await asyncio.to_thread(demo.kubectl, "create", "namespace", ns, check=False)
    await asyncio.to_thread(demo.kubectl, "apply", "-n", ns, "-f", "-", input=BROKEN)
    hub = InformerHub(load_target(demo.kubeconfig, "demo", ns))
    session = None
    try:
        deployments = hub.acquire(kinds.DEPLOYMENTS, ns)
        pods = hub.acquire(kinds.PODS, ns)
        await wait(lambda: deployments.by_name(ns, "crashy") is not None and pods.synced, 20, "deployment listed")
        selector = deployments.by_name(ns, "crashy")["spec"]["selector"]
        buffer = LogBuffer(1000)
        session = LogSession(hub.connection.async_client, LogTarget(ns, "Deployment", "crashy", selector=selector),
                             buffer, pods=pods)
        session.start()
        # The program writes 16 lines and panics; kubelet restarts it (at once, then after 10 s).
        await wait(lambda: len([r for r in runs(buffer) if r and r[-1] == 16]) >= 2, 60, "two complete runs")
        complete = [r for r in runs(buffer) if r[-1] == 16]
        for run in complete:
            assert run == list(range(1, 17)), runs(buffer)  # each run whole, in order, once
        assert any("panic: runtime error" in line.plain for line in buffer)
        src = session.sources[0]
        assert len(session.sources) == 1 and src.tag == short_pod_name(pods.get(src.uid) or {})
        assert src.stream is not None and src.stream.requests >= 2
    finally:
        if session is not None:
            await session.stop()
        await hub.close()
        await asyncio.to_thread(demo.kubectl, "delete", "namespace", ns, "--wait=false", check=False)


@pytest.mark.timeout(60)
async def test_a_pod_known_only_by_name_and_a_clean_stop(demo):
    pod = json.loads(demo.kubectl("get", "pods", "-n", "shop", "-l", "app=api,version=green", "-o", "json").stdout)[
        "items"][0]
    name = pod["metadata"]["name"]
    assert container_run_state(pod, "api") == ("running", "")
    connection = load_target(demo.kubeconfig, "demo", "shop")
    buffer = LogBuffer(10)
    session = LogSession(connection.async_client, LogTarget("shop", "Pod", name), buffer)  # no pod list, no spec
    before = set(asyncio.all_tasks())
    session.start()
    await wait(lambda: buffer.dropped > 0, 10, "more lines than a 10-line ring holds")
    assert len(buffer) == 10 and buffer.total == buffer.dropped + 10  # what went out of the ring is counted
    seqs = [parse_seq(line.plain) for line in buffer]
    assert seqs == list(range(seqs[0], seqs[0] + 10))
    assert session.summary().streaming == 1 and not session.show_tags
    await session.stop()
    assert set(asyncio.all_tasks()) - before == set()
    assert session._client is None
