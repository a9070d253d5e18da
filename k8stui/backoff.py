"""Jittered exponential backoff, the one formula every retry loop uses (watches, log streams, metrics polls)."""

from __future__ import annotations

import random


def jittered_backoff(attempt: int, initial: float, cap: float, *, jitter: float = 0.5,
                     rng: random.Random | None = None) -> float:
    """``initial * 2**attempt`` capped at ``cap``, scaled by a random factor in ``[1 - jitter, 1]`` so that many
    clients retrying at once spread out (``attempt`` counts from 0)."""
    delay = min(cap, initial * (2 ** max(0, attempt)))
    return delay * (1.0 - jitter * (rng or random).random())
