"""Third-party modules the app never uses, kept out of its start (together ~0.1 s before the first frame).

- ``httpx._main``: httpx's own command-line client. ``import httpx`` imports it whenever ``click`` happens to be
  installed (``from ._main import main`` under ``except ImportError``), and with it click, pygments and rich's
  syntax, progress and table modules. k8stui never calls ``httpx.main``; httpx then defines its stub instead.
- ``trio``: httpcore imports it whenever it is installed, to support trio event loops
  (``httpcore._synchronization``); k8stui runs on asyncio only, so httpcore takes its asyncio (anyio) path.
- ``h2``: httpcore imports its HTTP/2 connection (and h2, hpack, hyperframe) whenever h2 is installed; k8stui's
  clients speak HTTP/1.1 (no ``http2=True`` anywhere), and httpcore only needs h2 for HTTP/2.

``sys.modules[name] = None`` is Python's documented way to make ``import name`` raise ImportError. Only the
command line calls ``trim`` (first thing, before httpx is imported): importing k8stui's modules into another
program changes nothing there. tests/ui/test_fast_start.py checks that httpx and httpcore still work with it.
"""

from __future__ import annotations

import sys

UNUSED = ("httpx._main", "trio", "h2")


def trim() -> None:
    """Make ``import`` of the unused modules fail fast (unless something imported one already)."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
