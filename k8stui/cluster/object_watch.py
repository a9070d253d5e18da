"""One object, followed: a list+watch of ``metadata.name=NAME`` in its namespace.

The describe screen follows the object it shows, as the details pane does, without listing its whole kind (a
second LIST of 10k pods to follow one): the server filters by the field selector, the informer's loop (relist,
backoff, bookmarks) does the rest. Not shared through the hub: it lives as long as the screen that started it.
"""

from __future__ import annotations

from typing import Any

import httpx

from .kinds import ResourceKind
from .store import Informer


class ObjectWatch(Informer):
    """An informer of the objects named ``name`` in ``namespace`` (one; its successor if it is recreated)."""

    FLAVOR = "object"
    SECRET_VALUES = True  # the one Secret the user opened: ``v`` shows one of its values

    def __init__(self, kind: ResourceKind, namespace: str | None, name: str, client: httpx.AsyncClient,
                 **options: Any) -> None:
        super().__init__(kind, namespace, client, **options)
        self.name = name

    def _params(self, **extra: Any) -> dict[str, Any]:
        return {**super()._params(**extra), "fieldSelector": f"metadata.name={self.name}"}


__all__ = ["ObjectWatch"]
