"""Where a diagnosis report (findings, timeline, explanation) is written when the user exports it, and the write.

``<state dir>/reports/<what>_<scope>_<UTC time>.<ext>``: beside the saved logs, never in the working directory
(the app may run from anywhere, and a report can name objects the user would not commit by accident).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from .. import locations

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def report_path(what: str, scope: str, ext: str, now: float | None = None) -> Path:
    """``<state dir>/reports/lint_payments_20261128-112233.md``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    safe = "_".join(_UNSAFE.sub("-", part).strip("-") or "x" for part in (what, scope or "all"))
    return locations.state_dir() / "reports" / f"{safe}_{stamp}.{ext.lstrip('.')}"


def write_report(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (directories made, owner-only: a report names objects and images); returns it.
    An existing file of the same second gets a numbered sibling instead of being overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target, n = path, 1
    while target.exists():
        target = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    with open(target, "x", encoding="utf-8") as fh:
        fh.write(text)
    target.chmod(0o600)
    return target


__all__ = ["report_path", "write_report"]
