"""Notice that the kubeconfig files changed on disk, so the app can offer to reconnect with them.

A restarted API server with a new CA or token, a refreshed cloud login (``az aks get-credentials``, ``gcloud
... get-credentials``) or an edited context rewrite the kubeconfig; a connection made from the old contents
fails forever (``CERTIFICATE_VERIFY_FAILED``, 401). ``KubeconfigWatch.poll`` compares the files' size and
mtime (cheap) and, when they moved, their contents' hash, so a ``touch`` or a rewrite with the same bytes is
not a change. All of it is blocking file I/O: callers run it in a thread, never on the UI loop.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

Stamp = tuple[str, int, int]  # path, mtime_ns, size (-1, -1 when missing or unreadable)


def stamps(paths: Sequence[str]) -> tuple[Stamp, ...]:
    out: list[Stamp] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append((path, -1, -1))
        else:
            out.append((path, st.st_mtime_ns, st.st_size))
    return tuple(out)


def digest(paths: Sequence[str]) -> str:
    """One hash over every file's contents, in order (a missing file hashes as missing)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.encode() + b"\0")
        try:
            with open(path, "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"\0missing\0")
        h.update(b"\0")
    return h.hexdigest()


class KubeconfigWatch:
    """The kubeconfig as it was when the connection was made, and whether the files now say something else."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        self._stamps: tuple[Stamp, ...] | None = None
        self._loaded = ""   # the contents the connection was made from
        self._offered = ""  # the contents already announced (announce each new version once)
        self.polls = 0

    def baseline(self) -> None:
        """Remember the files as they are now (at start, and after a reload). Blocking."""
        self._stamps = stamps(self.paths)
        self._loaded = self._offered = digest(self.paths)

    def poll(self) -> bool:
        """True once per new version of the files that differs from what the connection was made from.
        Blocking (stat, and a read when size or mtime moved)."""
        self.polls += 1
        if self._stamps is None:
            self.baseline()
            return False
        now = stamps(self.paths)
        if now == self._stamps:
            return False
        self._stamps = now
        current = digest(self.paths)
        if current == self._offered:
            return False
        self._offered = current
        return current != self._loaded

    @property
    def changed(self) -> bool:
        """Whether a version different from the loaded one was seen (and not reloaded yet)."""
        return self._offered != self._loaded


__all__ = ["KubeconfigWatch", "digest", "stamps"]
