"""A private namespace per test with the objects the operations need, created and deleted with real kubectl.

The session's demo cluster is shared by every test, so operations tests change only their own copies:
``web`` (one replica, no probes; for scale, restart, rollback), the ``api-blue``/``api-green`` pair behind
``api`` (blue) and ``api-preview`` (green), optionally a Service ``api-all`` selecting both colours (canary),
and ``big`` whose pods ask for more CPU than any real node has (Pending, for burst).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from tests.conftest import wait_for as _wait_for

WEB_IMAGE = "ghcr.io/demo/legacy-report:0.9.1"
WEB_IMAGE_2 = "ghcr.io/demo/legacy-report:0.9.2"


def _deployment(ns: str, name: str, labels: dict[str, str], image: str, replicas: int, cause: str,
                cpu: str = "10m") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels),
                     "annotations": {"kubernetes.io/change-cause": cause}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"containers": [{"name": name.split("-")[0], "image": image,
                                                       "resources": {"requests": {"cpu": cpu,
                                                                                  "memory": "16Mi"}}}]}}},
    }


def _service(ns: str, name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": dict(selector), "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def objects(ns: str, *, web: bool = False, pair: bool = False, shared: bool = False, big: bool = False,
            pair_replicas: tuple[int, int] = (2, 2)) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if web:
        out.append(_deployment(ns, "web", {"app": "web"}, WEB_IMAGE, 1, "create web 0.9.1"))
    if pair:
        out.append(_deployment(ns, "api-blue", {"app": "api", "version": "blue"}, "ghcr.io/demo/api:1.4.2",
                               pair_replicas[0], "api blue"))
        out.append(_deployment(ns, "api-green", {"app": "api", "version": "green"}, "ghcr.io/demo/api:1.5.0",
                               pair_replicas[1], "api green"))
        if not shared:
            out.append(_service(ns, "api", {"app": "api", "version": "blue"}))
            out.append(_service(ns, "api-preview", {"app": "api", "version": "green"}))
    if shared:
        out.append(_service(ns, "api-all", {"app": "api"}))
    if big:
        out.append(_deployment(ns, "big", {"app": "big"}, WEB_IMAGE, 2, "big", cpu="5"))
        out.append(_service(ns, "big", {"app": "big"}))
    return out


def create_namespace(demo: Any, prefix: str = "ops", **what: Any) -> str:
    """A fresh namespace holding ``objects(**what)``; returns its name."""
    ns = f"{prefix}-{uuid.uuid4().hex[:6]}"
    demo.kubectl("create", "namespace", ns)
    items = objects(ns, **what)
    if items:
        demo.kubectl("create", "--validate=false", "-f", "-",
                    input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return ns


def delete_namespace(demo: Any, ns: str) -> None:
    demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def get_json(demo: Any, *args: str) -> Any:
    return json.loads(demo.kubectl("get", *args, "-o", "json").stdout)


def ready(demo: Any, ns: str, name: str) -> tuple[int, int]:
    """(ready replicas, desired replicas) of a Deployment, as kubectl reports them."""
    d = get_json(demo, "deployment", name, "-n", ns)
    return int(d["status"].get("readyReplicas") or 0), int(d["spec"].get("replicas", 1))


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, message: str = "condition") -> Any:
    """tests.conftest.wait_for with the longer default these cluster changes need."""
    return _wait_for(predicate, timeout=timeout, message=message)


def all_ready(demo: Any, ns: str, *names: str) -> bool:
    for name in names:
        have, want = ready(demo, ns, name)
        if have != want:
            return False
    return True


async def yes(plan: Any, notice: str) -> bool:
    """A confirm callback that accepts every plan."""
    return True


async def kubectl(demo: Any, *args: str, **kwargs: Any):
    """``demo.kubectl`` off the event loop."""
    return await asyncio.to_thread(demo.kubectl, *args, **kwargs)
