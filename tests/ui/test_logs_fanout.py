"""A workload with more pods than ``log_max_pods``: the logs view opens exactly that many streams (counted in
the demo's request log), says so, and ``P`` changes which pods are followed."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

from k8stui.logs.fanout import pod_rank
from k8stui.ui.screens.log_dialogs import PodPicker

from .helpers import SIZE, kubectl, make_app, wait_until
from .test_logs_pane import deployment, make_namespace, open_workload_logs, pods_json, seqs_by_source

LIMIT = 3


def log_requests(demo: Any, since: int, namespace: str) -> list[str]:
    """The pod names of the follow ``/log`` requests made since request ``since``."""
    prefix = f"/api/v1/namespaces/{namespace}/pods/"
    out = []
    for rec in demo.requests_since(since):
        path = rec["path"]
        if path.startswith(prefix) and path.endswith("/log") and parse_qs(rec["query"]).get("follow") == ["true"]:
            out.append(path[len(prefix):-len("/log")])
    return out


def running(demo: Any, namespace: str, selector: str) -> list[dict[str, Any]]:
    pods = pods_json(demo, namespace, selector)
    return [p for p in pods if all("running" in (cs.get("state") or {}) and cs.get("ready")
                                   for cs in (p.get("status") or {}).get("containerStatuses") or [{}])]


async def test_a_workload_over_the_limit_follows_only_the_limit_and_the_picker_changes_them(demo):
    ns = "logs-fanout"
    await make_namespace(demo, ns, deployment("many", replicas=5))
    try:
        await wait_until_async(lambda: len(running(demo, ns, "app=many")) == 5, 40, "five running pods")
        pods = {p["metadata"]["name"]: p for p in pods_json(demo, ns, "app=many")}
        expected = {name for name, _ in sorted(pods.items(), key=lambda kv: pod_rank(kv[1]))[:LIMIT]}
        app = make_app(demo, namespace=ns)
        app.settings.log_max_pods = LIMIT
        async with app.run_test(size=SIZE) as pilot:
            since = demo.request_seq()
            panel = await open_workload_logs(pilot, app, "many")
            await wait_until(pilot, lambda: len(seqs_by_source(panel)) == LIMIT, 15, "lines of three pods")
            await wait_until(pilot, lambda: "following 3 of 5 pods" in panel.notice_text, 5, "the pane says so")
            assert "press P to choose" in panel.notice_text
            assert panel.has_class("-problem") and "following 3 of 5 pods" in str(panel.problem_line.render())
            requested = log_requests(demo, since, ns)
            assert len(requested) == LIMIT and set(requested) == expected  # the newest three, one stream each
            followed = {panel.session.source(i).pod for i in seqs_by_source(panel)}
            assert followed == expected

            # P: untick one followed pod, tick one that is not followed, enter.
            dropped = sorted(expected)[0]
            added = sorted(set(pods) - expected)[0]
            since = demo.request_seq()
            await pilot.press("P")
            assert isinstance(app.screen, PodPicker)
            picker = app.screen
            assert set(picker.chosen) == {pods[n]["metadata"]["uid"] for n in expected}
            await pilot.press(*dropped, "down", "space")
            assert len(picker.chosen) == LIMIT - 1
            await pilot.press("up", *["backspace"] * len(dropped), *added, "down", "space", "enter")
            assert not isinstance(app.screen, PodPicker)
            now_followed = (expected - {dropped}) | {added}
            added_uid = pods[added]["metadata"]["uid"]
            await wait_until(pilot, lambda: any(panel.session.source(i).uid == added_uid
                                                for i in seqs_by_source(panel)), 15, "the chosen pod's lines")
            assert {pods[n]["metadata"]["uid"] for n in now_followed} == panel.session.fanout.followed
            assert log_requests(demo, since, ns) == [added]  # one new stream; the others kept theirs
            dropped_sources = [s for s in panel.session.sources if s.pod == dropped]
            assert dropped_sources and all(s.parked and s.task is None for s in dropped_sources)
            await wait_until(pilot, lambda: "following 3 chosen of 5 pods" in panel.notice_text, 5, "chosen notice")
            # Back to the automatic choice: the newest three again.
            await pilot.press("P", "ctrl+r")
            await wait_until(pilot, lambda: panel.session.fanout.followed
                             == {pods[n]["metadata"]["uid"] for n in expected}, 5, "automatic again")
            assert "following 3 of 5 pods" in panel.notice_text
    finally:
        await kubectl(demo, "delete", "namespace", ns, "--wait=false", check=False)


async def wait_until_async(predicate: Any, timeout: float, message: str) -> None:
    """Poll a blocking predicate (kubectl) off the loop until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(predicate):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout}s: {message}")
        await asyncio.sleep(0.3)
