"""``w`` in a log view: write the lines it holds to a file, as plain text (no colour, no escapes).

Files go to ``$XDG_STATE_HOME/k8stui/logs/`` (or a path the caller picks), are written to a temporary
file first and renamed (never half a file), and are readable by the user only: logs often carry tokens.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

from .. import locations
from .line import LogLine

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_path(namespace: str, name: str, now: float | None = None) -> Path:
    """``<state dir>/logs/<namespace>_<name>_<UTC time>.log``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    safe = "_".join(_UNSAFE.sub("-", part).strip("-") or "x" for part in (namespace, name))
    return locations.state_dir() / "logs" / f"{safe}_{stamp}.log"


def format_line(line: LogLine, tag: str = "") -> str:
    """One saved line: ``<timestamp> [<tag>] <text>``; the view's own notes start with ``#``."""
    parts = [line.ts] if line.ts else []
    if tag:
        parts.append(f"[{tag}]")
    parts.append(f"# {line.plain}" if line.note else line.plain)
    return " ".join(parts)


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write ``lines`` (one per row) to ``path`` atomically with mode 0600; returns how many were written.
    Raises OSError (the caller shows it as one line)."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as out:
            for text in lines:
                out.write(text)
                out.write("\n")
                count += 1
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
