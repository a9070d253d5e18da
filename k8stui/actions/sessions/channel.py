"""Opening a Kubernetes websocket (exec, attach, portforward) on a ``Connection`` and turning refusals into one line.

The websocket rides on the connection's own ``httpx.AsyncClient`` (through httpx-ws), so TLS (CA, client
certificates, ``insecure-skip-tls-verify``), bearer tokens, exec credential plugins with their refresh, the
proxy and SNI settings are exactly the ones every other request of the app uses. A refused upgrade answers
with a ``Status`` body: it is read in a response hook (httpx-ws closes the response before raising) and
becomes ``SessionError`` with the server's message.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode

import anyio
import httpx
import orjson
from httpx_ws import AsyncWebSocketSession, HTTPXWSException, WebSocketUpgradeError, aconnect_ws

from ...cluster.connection import CONNECT_TIMEOUT, Connection

MAX_MESSAGE = 4 * 1024 * 1024
LOST = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError, HTTPXWSException)
PING_SECONDS = 20.0  # keeps idle sessions open through proxies and load balancers


class SessionError(Exception):
    """An exec/attach/port-forward that could not start or ended in an error; ``str()`` is one line."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(" ".join(str(message).split()))
        self.status = status


def pod_path(namespace: str, pod: str, subresource: str) -> str:
    return f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/{subresource}"


def query(params: list[tuple[str, str]]) -> str:
    return urlencode(params, quote_via=quote)


async def _keep_error_body(response: httpx.Response) -> None:
    if response.status_code != 101:
        await response.aread()


def _refusal(response: httpx.Response) -> SessionError:
    message = ""
    with contextlib.suppress(Exception):
        body = orjson.loads(response.content)
        if isinstance(body, dict):
            message = str(body.get("message") or "")
    if not message:
        with contextlib.suppress(Exception):
            message = response.text.strip()
    if not message:
        message = f"the server refused the connection (HTTP {response.status_code})"
    if response.status_code in (400, 404) and "upgrade" in message.lower():
        message += " (the API server does not support websocket sessions)"
    return SessionError(message, response.status_code)


@contextlib.asynccontextmanager
async def open_websocket(connection: Connection, path: str, params: list[tuple[str, str]],
                         protocols: list[str]) -> AsyncIterator[AsyncWebSocketSession]:
    """A websocket to ``path?params`` offering ``protocols``; ``SessionError`` when it cannot be opened."""
    client = connection.async_client()
    client.event_hooks.setdefault("response", []).append(_keep_error_body)
    url = f"{path}?{query(params)}" if params else path
    try:
        async with client:
            try:
                async with aconnect_ws(url, client, subprotocols=protocols, max_message_size_bytes=MAX_MESSAGE,
                                       keepalive_ping_interval_seconds=PING_SECONDS,
                                       keepalive_ping_timeout_seconds=PING_SECONDS) as ws:
                    yield ws
            except WebSocketUpgradeError as exc:
                raise _refusal(exc.response) from None
            except BaseExceptionGroup as group:  # httpx-ws runs the session in an anyio task group
                raise _outcome(group) from None
            except LOST:
                raise SessionError("the connection to the API server was lost") from None
    except httpx.ConnectError as exc:
        raise SessionError(f"cannot reach the API server at {connection.server}: {exc}") from None
    except httpx.TimeoutException:
        raise SessionError(f"the API server at {connection.server} did not answer within "
                           f"{CONNECT_TIMEOUT:g}s") from None
    except httpx.HTTPError as exc:
        raise SessionError(f"connection to the API server failed: {exc or type(exc).__name__}") from None


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _outcome(group: BaseExceptionGroup) -> BaseException:
    """What a caller should see of the errors of httpx-ws's task group: our own ``SessionError`` first, a lost
    connection as one, anything else (cancellation, a bug) unchanged."""
    leaves = _leaves(group)
    for leaf in leaves:
        if isinstance(leaf, SessionError):
            return leaf
    for leaf in leaves:
        if isinstance(leaf, LOST):
            return SessionError("the connection to the API server was lost")
    return leaves[0] if len(leaves) == 1 else group


def decode_status(raw: bytes) -> dict[str, Any]:
    try:
        status = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"status": "Failure", "message": raw.decode("utf-8", "replace")}
    return status if isinstance(status, dict) else {"status": "Failure", "message": str(status)}
