"""One object, read fresh from the API server: for views whose informer keeps less than the whole object (a
server-side Table keeps metadata and cells only), when the user asks to see all of it (describe, YAML).

A GET on the connection's shared client; any failure is a ``FetchError`` whose text is one line for a toast
("forbidden: ...", "not found (deleted?)"). Run it on the app's loop (it is async); it never blocks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from .connection import REQUEST_TIMEOUT
from .kinds import ResourceKind

if TYPE_CHECKING:
    import httpx  # loaded by the client passed in (views import this module before the app's first frame)


class FetchError(Exception):
    """The object could not be read; ``str(err)`` is one line."""


async def fetch_object(client: httpx.AsyncClient, kind: ResourceKind, namespace: str | None,
                       name: str) -> dict[str, Any]:
    """GET ``kind`` ``namespace/name`` as JSON."""
    import httpx

    where = f"{kind.kind} {namespace + '/' if namespace and kind.namespaced else ''}{name}"
    try:
        resp = await client.get(kind.path(namespace if kind.namespaced else None, name),
                                headers={"Accept": "application/json"},
                                timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=5.0))
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot read {where}: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    if resp.status_code == 404:
        raise FetchError(f"{where} not found (deleted?)")
    try:
        data = orjson.loads(resp.content) if resp.content else {}
    except orjson.JSONDecodeError:
        data = {}
    if resp.status_code >= 400:
        message = " ".join(str(data.get("message") or "").split()) if isinstance(data, dict) else ""
        verdict = "forbidden" if resp.status_code == 403 else f"HTTP {resp.status_code}"
        raise FetchError(f"cannot read {where}: {verdict}" + (f": {message}" if message else ""))
    if not isinstance(data, dict):
        raise FetchError(f"cannot read {where}: the answer is not an object")
    data.get("metadata", {}).pop("managedFields", None)
    return data


__all__ = ["FetchError", "fetch_object"]
