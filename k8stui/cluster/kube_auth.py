"""httpx's side of the kubeconfig's credentials: the ``Authorization`` header on every request.

Its own module because it subclasses ``httpx.Auth``: ``connection`` is imported before the app's first frame and
httpx (with httpcore, ~40 ms) is not; this loads with the first client.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from .connection import Credentials


class KubeAuth(httpx.Auth):
    """Puts the kubeconfig's credentials on each request (refreshed by ``Credentials``, off the loop)."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        value = self._credentials.header()
        if value:
            request.headers["Authorization"] = value
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        value = await self._credentials.header_async()
        if value:
            request.headers["Authorization"] = value
        yield request
