"""Which pods a capped multi-pod log view follows (no cluster, no Textual): the most relevant up to the limit,
kept at the limit as pods come and go, stable when ranks flap, and the user's choice."""

from __future__ import annotations

from typing import Any

import pytest

from k8stui.config import ConfigError, Settings, load_settings
from k8stui.logs.fanout import CRASHING, NOT_READY, NOT_STARTED, READY, FanOut, pod_rank, relevance


def pod(name: str, created: str, *, state: str = "running", ready: bool = True, restarts: int = 0,
        phase: str = "Running") -> dict[str, Any]:
    states = {"running": {"running": {"startedAt": created}},
              "crash": {"waiting": {"reason": "CrashLoopBackOff"}},
              "creating": {"waiting": {"reason": "ContainerCreating"}}}
    return {"metadata": {"name": name, "uid": f"uid-{name}", "creationTimestamp": created},
            "spec": {"nodeName": "n1", "containers": [{"name": "main"}]},
            "status": {"phase": phase, "containerStatuses": [{"name": "main", "ready": ready,
                                                              "restartCount": restarts, "state": states[state]}]}}


def t(minute: int) -> str:
    return f"2026-01-02T03:{minute:02d}:00Z"


def test_relevance_classes_from_pod_status():
    assert pod_rank(pod("a", t(1), state="crash", ready=False, restarts=4))[0] == CRASHING
    assert pod_rank(pod("b", t(1), ready=False))[0] == NOT_READY
    assert pod_rank(pod("c", t(1)))[0] == READY
    assert pod_rank(pod("d", t(1), state="creating", ready=False, phase="Pending"))[0] == NOT_STARTED
    assert relevance("Init:CrashLoopBackOff", "Pending", 0, 1) == CRASHING
    assert relevance("Init:0/2", "Pending", 0, 1) == NOT_STARTED
    assert relevance("ExitCode:137", "Running", 0, 1) == CRASHING
    assert relevance("Completed", "Succeeded", 0, 1) == READY
    # Newer ranks before older within a class; a crashing pod before any healthy one.
    assert pod_rank(pod("new", t(9))) < pod_rank(pod("old", t(1)))
    assert pod_rank(pod("old-crash", t(1), state="crash", ready=False)) < pod_rank(pod("new", t(9)))


def fanout_of(limit: int, pods: list[dict[str, Any]]) -> FanOut:
    f = FanOut(limit)
    f.replace_all({p["metadata"]["uid"]: pod_rank(p) for p in pods})
    return f


def test_under_the_limit_every_pod_is_followed():
    f = fanout_of(5, [pod(f"p{i}", t(i)) for i in range(3)])
    start, stop = f.plan()
    assert sorted(start) == ["uid-p0", "uid-p1", "uid-p2"] and stop == [] and not f.capped


def test_over_the_limit_the_crashing_then_not_ready_then_newest_pods():
    pods = [pod(f"p{i}", t(i)) for i in range(10)]
    pods.append(pod("crashy", t(0), state="crash", ready=False, restarts=3))
    pods.append(pod("unready", t(0), ready=False))
    f = fanout_of(4, pods)
    start, stop = f.plan()
    assert set(start) == f.followed == {"uid-crashy", "uid-unready", "uid-p9", "uid-p8"}
    assert stop == [] and f.capped
    assert f.plan() == ([], [])  # nothing changed: nothing moves


def test_pods_that_come_and_go_keep_the_set_at_the_limit():
    pods = {f"p{i}": pod(f"p{i}", t(i)) for i in range(6)}
    f = fanout_of(3, list(pods.values()))
    f.plan()
    assert f.followed == {"uid-p5", "uid-p4", "uid-p3"}
    # A followed pod goes away: the best pod not followed takes its place.
    f.update("uid-p5", None)
    start, stop = f.plan({"uid-p5"})
    assert start == ["uid-p2"] and stop == [] and f.followed == {"uid-p4", "uid-p3", "uid-p2"}
    # A newer pod appears: it replaces the least relevant followed pod (the oldest).
    f.update("uid-p7", pod_rank(pod("p7", t(7))))
    start, stop = f.plan({"uid-p7"})
    assert start == ["uid-p7"] and stop == ["uid-p2"] and len(f.followed) == 3
    # A pod not followed starts crashing: it takes a place too.
    f.update("uid-p0", pod_rank(pod("p0", t(0), state="crash", ready=False, restarts=1)))
    start, stop = f.plan({"uid-p0"})
    assert start == ["uid-p0"] and stop == ["uid-p3"]
    # A followed pod's rank drops (it became ready again): it is not evicted for that alone.
    f.update("uid-p0", pod_rank(pod("p0", t(0))))
    assert f.plan({"uid-p0"}) == ([], []) and "uid-p0" in f.followed


def test_a_flapping_pod_does_not_churn_streams():
    f = fanout_of(2, [pod(f"p{i}", t(i)) for i in range(4)])
    f.plan()
    moves = 0
    for i in range(10):
        f.update("uid-p0", pod_rank(pod("p0", t(0), ready=i % 2 == 1)))
        start, stop = f.plan({"uid-p0"})
        moves += len(start) + len(stop)
    assert moves == 2  # it came in once (not ready beats ready) and then stays


def test_the_users_choice_and_back_to_automatic():
    f = fanout_of(3, [pod(f"p{i}", t(i)) for i in range(6)])
    f.plan()
    f.choose(["uid-p0", "uid-p1", "uid-gone"])
    start, stop = f.plan()
    assert sorted(start) == ["uid-p0", "uid-p1"] and len(stop) == 3 and f.followed == {"uid-p0", "uid-p1"}
    # New pods do not join a chosen set; a chosen pod that goes away is not replaced.
    f.update("uid-p9", pod_rank(pod("p9", t(9))))
    assert f.plan({"uid-p9"}) == ([], [])
    f.update("uid-p1", None)
    assert f.plan({"uid-p1"}) == ([], []) and f.followed == {"uid-p0"}
    # At most the limit, the most relevant of the chosen.
    f.choose([f"uid-p{i}" for i in range(6)])
    assert len(f.chosen or ()) == 3
    f.choose(None)
    f.plan()
    assert f.followed == {"uid-p9", "uid-p5", "uid-p4"}


def test_five_thousand_pods_cost_what_changed():
    pods = [pod(f"p{i:04d}", f"2026-01-02T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z") for i in range(5000)]
    f = fanout_of(50, pods)
    start, _ = f.plan()
    assert len(start) == 50 and len(f.followed) == 50
    assert f.followed == {f"uid-p{i:04d}" for i in range(4950, 5000)}


def test_the_limit_is_a_setting(tmp_path):
    assert Settings().log_max_pods == 50
    path = tmp_path / "config.toml"
    path.write_text("log_max_pods = 7\n")
    assert load_settings(path).log_max_pods == 7
    path.write_text("log_max_pods = 0\n")
    with pytest.raises(ConfigError, match="log_max_pods must be at least 1"):
        load_settings(path)
