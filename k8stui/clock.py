"""The one clock the UI reads for ages ("5m", "3 (12s ago)"), so snapshot tests can freeze it."""

from __future__ import annotations

import time

_frozen: float | None = None


def now() -> float:
    return time.time() if _frozen is None else _frozen


def freeze(at: float | None) -> None:
    """Make ``now()`` return ``at`` (None unfreezes)."""
    global _frozen
    _frozen = at


def frozen() -> bool:
    """Whether ``now()`` is frozen (snapshot tests): live time series have no place on a frozen screen."""
    return _frozen is not None
