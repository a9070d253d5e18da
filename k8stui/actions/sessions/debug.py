"""``debug``: add an ephemeral container to a running pod and wait until it runs, as ``kubectl debug`` does.

The container gets stdin and a TTY and (with ``target``) shares the process namespace of one of the pod's
containers; the UI then attaches to it with ``interactive(..., attach=True)``. A server without
``pods/ephemeralcontainers`` (404) is told apart from a refusal (403) and from a rejected spec (422), each as
one line. ``attach_mode`` says how to attach to an existing container (with stdin and a TTY only when the
container was started with them, as kubectl decides).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import quote

import orjson

from ...cluster.connection import REQUEST_TIMEOUT, Connection
from .channel import SessionError, pod_path

DEFAULT_IMAGE = "busybox:1.36"
STRATEGIC = "application/strategic-merge-patch+json"


def _message(resp: Any) -> str:
    try:
        return str(resp.json().get("message") or resp.text)
    except ValueError:
        return resp.text.strip() or f"HTTP {resp.status_code}"


def debug_container_spec(name: str, image: str, target: str | None, command: list[str] | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "image": image, "stdin": True, "tty": True,
                            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}
    if target:
        spec["targetContainerName"] = target
    if command:
        spec["command"] = list(command)
    return spec


async def add_debug_container(connection: Connection, namespace: str, pod: str, *, image: str = DEFAULT_IMAGE,
                              target: str | None = None, command: list[str] | None = None,
                              name: str | None = None, dry_run: bool = False) -> str:
    """Add an ephemeral container (``debugger-xxxxx`` unless ``name``) and return its name."""
    name = name or f"debugger-{secrets.token_hex(3)[:5]}"
    patch = {"spec": {"ephemeralContainers": [debug_container_spec(name, image, target, command)]}}
    params = {"dryRun": "All"} if dry_run else None
    async with connection.async_client() as client:
        resp = await client.patch(pod_path(namespace, pod, "ephemeralcontainers"), content=orjson.dumps(patch),
                                  headers={"Content-Type": STRATEGIC}, params=params, timeout=REQUEST_TIMEOUT)
    message = _message(resp) if resp.status_code >= 300 else ""
    if resp.status_code == 405 or (resp.status_code == 404 and not message.startswith(f'pods "{pod}"')):
        raise SessionError("this cluster does not support ephemeral containers (pods/ephemeralcontainers is not "
                           "served), so debug is not available", resp.status_code)
    if resp.status_code >= 300:
        raise SessionError(message, resp.status_code)
    return name


def _container_state(pod: dict[str, Any], name: str) -> dict[str, Any] | None:
    status = pod.get("status") or {}
    for key in ("ephemeralContainerStatuses", "containerStatuses", "initContainerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == name:
                return cs.get("state") or {}
    return None


async def wait_running(connection: Connection, namespace: str, pod: str, container: str,
                       timeout: float = 120.0) -> None:
    """Poll the pod until ``container`` runs; ``SessionError`` if it fails to start or ``timeout`` passes."""
    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}"
    delay = 0.2
    async with connection.async_client() as client:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    resp = await client.get(path, timeout=REQUEST_TIMEOUT)
                    if resp.status_code != 200:
                        raise SessionError(_message(resp), resp.status_code)
                    state = _container_state(resp.json(), container) or {}
                    if "running" in state:
                        return
                    if "terminated" in state:
                        raise SessionError(f"container {container} exited before it could be attached "
                                           f"(exit code {state['terminated'].get('exitCode')})")
                    reason = (state.get("waiting") or {}).get("reason", "")
                    if reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerError"):
                        message = (state.get("waiting") or {}).get("message") or reason
                        raise SessionError(f"container {container} cannot start: {message}")
                    await asyncio.sleep(delay)
                    delay = min(delay * 1.5, 2.0)
        except TimeoutError:
            raise SessionError(f"container {container} did not start within {timeout:g}s") from None


def attach_mode(pod: dict[str, Any], container: str) -> tuple[bool, bool]:
    """(stdin, tty) to attach with: what the container was started with."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            if c.get("name") == container:
                stdin = bool(c.get("stdin"))
                return stdin, stdin and bool(c.get("tty"))
    return False, False
