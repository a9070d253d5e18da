"""Shared helpers for the data-layer tests (async polling, throwaway namespaces, pod manifests)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any


async def until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02,
                message: str = "condition") -> float:
    """Poll ``predicate`` on the running loop; return the seconds it took, fail after ``timeout``."""
    started = time.monotonic()
    last: Any = None
    while time.monotonic() - started < timeout:
        last = predicate()
        if last:
            return time.monotonic() - started
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


async def kubectl(demo: Any, *args: str, **kw: Any):
    """Real kubectl in a thread, so the informer keeps running on the loop meanwhile."""
    return await asyncio.to_thread(demo.kubectl, *args, **kw)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def pod_manifest(namespace: str, name: str, image: str = "nginx:1.27") -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": name, "namespace": namespace, "labels": {"test": "informer"}},
                       "spec": {"containers": [{"name": "main", "image": image}]}})


def names(informer) -> set[str]:
    return {o["metadata"]["name"] for o in informer.objects()}
