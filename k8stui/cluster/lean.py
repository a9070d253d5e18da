"""Keep the informer cache lean: drop what no row, pane or diagnosis rule reads, and share what many objects
hold alike.

A pod as the API server sends it is 2.5-20 KB of JSON and ~10-20 KB of Python dicts once parsed; 10k pods made
the cache alone ~100-200 MB. Most of it is the same in every pod of a ReplicaSet (the container specs, probes,
tolerations, volumes, labels, owner references) or never read by the app (``managedFields``, the
``kubectl.kubernetes.io/last-applied-configuration`` annotation, often the biggest field of an applied object).

``SharedValues.slim(obj)`` drops those two, then shares the object's parts: every dict or list two or more
levels deep (``spec.containers``, ``metadata.labels``, ``status.conditions`` ...) is replaced by an equal one
already held, if any; short strings are interned. What stays per object is its top (the object, its
``metadata``/``spec``/``status`` dicts) and whatever is really its own (names, uids, IPs, timestamps).

The rule that comes with it: **cached objects are never changed in place** (they were not supposed to be
before; now a change would show in every pod that shares the part). Whoever needs a changed object copies it
(``copy.deepcopy``, as ``cluster.secrets.masked`` does); ``verify()`` checks that no shared value changed
(tests call it after driving the screens). Whoever needs the whole object as the server has it (describe,
YAML, edit, plans) reads it fresh (``cluster.fetch``, ``actions.client``), as k9s does.

The table of shared values is swept now and then: a value that only one object holds is forgotten (it is
still that object's, it is just no longer offered to others), so the table costs only what is shared.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson

from .secrets import LAST_APPLIED

STRING_MAX = 128         # longer strings (messages, certificates, Secret data) are rarely repeated: not interned
SHARE_DEPTH = 2          # containers at this depth or deeper are shared (the object and its top dicts are its own)
SWEEP_MIN = 4096         # sweep the table when it grew by this many entries (or doubled) since the last sweep

MAX_DEPTH = 6            # not-yet-seen containers are looked into down to this depth

_intern = sys.intern
_dumps = orjson.dumps


def drop_unread(obj: dict[str, Any]) -> dict[str, Any]:
    """Remove ``managedFields`` and the last-applied annotation from a freshly parsed object (in place: it is
    not cached yet)."""
    meta = obj.get("metadata")
    if type(meta) is dict:
        if "managedFields" in meta:
            del meta["managedFields"]
        annotations = meta.get("annotations")
        if type(annotations) is dict and LAST_APPLIED in annotations:
            del annotations[LAST_APPLIED]
    return obj


class SharedValues:
    """Equal sub-objects shared across the objects of every informer of one hub (use on one thread: the
    app's loop).

    A container two or more levels deep is looked up by its JSON (``orjson.dumps``, exact: ``true`` is not
    ``1``): found, it is replaced by the value already held and not looked into (its parts are shared with
    it); not found, it is held from now on and its own containers are looked up in turn, down to
    ``MAX_DEPTH``. Short strings on the way are interned."""

    def __init__(self) -> None:
        self._table: dict[bytes, Any] = {}    # JSON -> the value held for it
        self._since_sweep = 0
        self.shared = 0                       # lookups answered from the table (tests, benchmarks)
        self.sweeps = 0

    def __len__(self) -> int:
        return len(self._table)

    def slim(self, obj: dict[str, Any]) -> dict[str, Any]:
        """``obj`` (freshly parsed, not yet cached) made lean, in place; returns it."""
        drop_unread(obj)
        self._descend(obj, 0)
        if self._since_sweep >= max(SWEEP_MIN, len(self._table) // 2):
            self.sweep()
        return obj

    def _share(self, value: Any, depth: int) -> Any:
        """The value held for ``value``'s content (``value`` itself the first time)."""
        try:
            key = _dumps(value)
        except TypeError:  # not JSON (cannot come from the API; be safe)
            return value
        held = self._table.get(key)
        if held is not None:
            self.shared += 1
            return held
        self._table[key] = value
        self._since_sweep += 1
        if depth < MAX_DEPTH:
            self._descend(value, depth)
        return value

    def _descend(self, value: Any, depth: int) -> None:
        """Intern ``value``'s short strings and share its containers (in place: equal content, so a held
        ``value``'s key stays right)."""
        deeper = depth + 1
        share = deeper >= SHARE_DEPTH
        pairs = value.items() if type(value) is dict else enumerate(value)
        for k, x in pairs:
            t = type(x)
            if t is str:
                if len(x) <= STRING_MAX:
                    s = _intern(x)
                    if s is not x:
                        value[k] = s
            elif t is dict or t is list:
                if share:
                    kept = self._share(x, deeper)
                    if kept is not x:
                        value[k] = kept
                else:
                    self._descend(x, deeper)

    def sweep(self) -> int:
        """Forget the values that at most one holder holds; returns how many were forgotten."""
        table = self._table
        getrefcount = sys.getrefcount
        forgotten = 0
        for key in list(table):
            value = table[key]
            # references: the table, ``value`` and getrefcount's argument; then the holders: keep 2 or more
            if getrefcount(value) <= 4:
                del table[key]
                forgotten += 1
            del value
        self._since_sweep = 0
        self.sweeps += 1
        return forgotten

    def verify(self) -> list[str]:
        """Shared values changed in place since they were first held (each one's type and a short repr); []
        when none was. For tests: a non-empty answer is a bug in whoever changed a cached object."""
        return [f"{type(value).__name__}: {repr(value)[:120]}"
                for key, value in list(self._table.items()) if _dumps(value) != key]


__all__ = ["SharedValues", "drop_unread"]
