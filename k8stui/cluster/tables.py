"""Live server-side Tables for any kind: what ``kubectl get`` prints, kept current by a watch.

For kinds without a projection in ``rows`` (StatefulSets, CRDs, RBAC objects ...) the API server knows the
columns best: it answers ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` with ``columnDefinitions``
(name, type, format, priority; a CRD's ``additionalPrinterColumns`` included) and one row of cells per object,
and it watches with the same Accept (each event carries a one-row Table; only the first event of a watch
repeats the column definitions, as ``apiserver/pkg/endpoints/handlers/response.go`` does).

``TableInformer`` is an ``Informer`` in that representation: its cache entries are ``TableRow``s (typed cells,
uid, namespace, name, labels, creation time) and ``columns`` holds the current ``TableColumn``s. A server (or
an aggregated API) that cannot make Tables answers with a plain list: then the informer shows kubectl's
default, NAME and AGE. ``cell_text`` and ``sort_key`` render and order a cell by its column's type, so a
table model sorts integers as numbers and dates as ages without knowing the kind.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..clock import now as clock_now
from ..text import sanitize
from .quantity import format_age, parse_time
from .store import Informer

log = logging.getLogger(__name__)

TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                "application/json")

INTEGER, NUMBER, STRING, BOOLEAN, DATE = "integer", "number", "string", "boolean", "date"

_DURATION_RE = re.compile(r"(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_DURATION_UNITS = (365 * 86400, 86400, 3600, 60, 1)


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One ``TableColumnDefinition``: ``type`` is integer, number, string, boolean or date; ``priority`` 0
    columns are always shown, higher ones only in the wide view (kubectl's ``-o wide``)."""

    name: str
    type: str = STRING
    format: str = ""
    priority: int = 0
    description: str = ""

    @property
    def header(self) -> str:
        return self.name.upper()

    @property
    def is_age(self) -> bool:
        """The object's age (kubectl's AGE, the default table's "Created At"): shown from the row's
        ``created``, so it moves on between watch events."""
        return self.name.lower() in ("age", "created at")

    @property
    def is_name(self) -> bool:
        return self.format == "name"

    @property
    def wide(self) -> bool:
        return self.priority > 0

    @property
    def numeric(self) -> bool:
        return self.type in (INTEGER, NUMBER)


DEFAULT_COLUMNS = (TableColumn("Name", STRING, "name"), TableColumn("Age", DATE))


@dataclass(frozen=True, slots=True)
class TableRow:
    """One object as the server's Table shows it. ``cells`` line up with the informer's ``columns``: ints for
    integer columns, floats or ints for number, bools for boolean, epoch seconds for date (the creation time
    for the age column), strings otherwise (numbers the server sends in string columns stay numbers), None for
    an empty cell. ``labels`` must not be mutated."""

    uid: str
    namespace: str
    name: str
    cells: tuple[Any, ...]
    labels: Mapping[str, str]
    created: float | None
    resource_version: str = ""


def _duration_seconds(text: str) -> int | None:
    """kubectl's human durations back to seconds: ``5m10s`` -> 310, ``3d`` -> 259200; None otherwise."""
    if not text or not text[0].isdigit():
        return None
    m = _DURATION_RE.fullmatch(text)
    if m is None:
        return None
    return sum(int(v) * unit for v, unit in zip(m.groups(), _DURATION_UNITS, strict=True) if v)


def _typed(column: TableColumn, value: Any, created: float | None, received: float) -> Any:
    if value is None:
        return created if column.is_age else None
    ctype = column.type
    if ctype == INTEGER:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        return value if isinstance(value, (int, float)) else str(value)
    if ctype == NUMBER:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)
    if ctype == BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return str(value)
    if ctype == DATE or column.is_age:
        if column.is_age and created is not None:
            return created
        if isinstance(value, str):
            stamp = parse_time(value)
            if stamp is not None:
                return stamp
            seconds = _duration_seconds(value)  # CRD date columns arrive as "5m" (server-side HumanDuration)
            if seconds is not None:
                return received - seconds
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    if isinstance(value, (str, int, float)):
        return value  # numbers in "string" columns (configmaps' DATA) stay numbers: they sort as numbers
    return str(value)


def make_row(columns: tuple[TableColumn, ...], cells: Iterable[Any], metadata: Mapping[str, Any],
             received: float | None = None) -> TableRow:
    """A ``TableRow`` from a Table row's cells and its object's metadata."""
    created = parse_time(metadata.get("creationTimestamp"))
    at = clock_now() if received is None else received
    raw = list(cells)
    typed = tuple(_typed(col, raw[i] if i < len(raw) else None, created, at) for i, col in enumerate(columns))
    return TableRow(uid=metadata.get("uid") or f"{metadata.get('namespace', '')}/{metadata.get('name', '')}",
                    namespace=metadata.get("namespace") or "", name=metadata.get("name") or "", cells=typed,
                    labels=metadata.get("labels") or {}, created=created,
                    resource_version=metadata.get("resourceVersion") or "")


def cell_text(column: TableColumn, value: Any, now: float | None = None) -> str:
    """A cell as kubectl prints it, made safe to show: "" for an empty cell, ages for dates, the first line
    of a multi-line string followed by "...", control sequences removed."""
    if value is None:
        return ""
    if column.type == DATE or column.is_age:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_age((clock_now() if now is None else now) - value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    newline = text.find("\n")
    if newline >= 0:
        text = text[:newline] + "..."
    return sanitize(text)


def sort_key(column: TableColumn, value: Any) -> tuple[int, Any]:
    """An ascending sort key for a cell of ``column``: numbers by value (before text in the same column),
    dates by age (youngest first), text case-insensitively; empty cells last."""
    if value is None:
        return (2, "")
    if column.type == DATE or column.is_age:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (0, -value)
        return (1, str(value).lower())
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).lower())


ColumnsListener = Callable[[tuple[TableColumn, ...]], None]


def _columns_of(definitions: Iterable[Mapping[str, Any]]) -> tuple[TableColumn, ...]:
    return tuple(TableColumn(str(d.get("name") or ""), str(d.get("type") or STRING), str(d.get("format") or ""),
                             int(d.get("priority") or 0), str(d.get("description") or ""))
                 for d in definitions if isinstance(d, Mapping))


class TableInformer(Informer):
    """An informer whose cache holds the server's Table rows for one kind (see the module docstring).

    Read ``columns`` and ``rows()`` / ``row(uid)``; subscribe for change batches (uids, as for every informer)
    and with ``subscribe_columns`` for column changes (the first LIST, a CRD whose printer columns changed).
    ``get(uid)`` returns the raw cache entry ``{"metadata": ..., "row": TableRow}``.
    """

    FLAVOR = "table"
    LIST_ACCEPT = TABLE_ACCEPT
    WATCH_ACCEPT = TABLE_ACCEPT
    EXTRA_PARAMS: ClassVar[dict[str, str]] = {"includeObject": "Metadata"}
    POLL_INTERVAL = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._columns: tuple[TableColumn, ...] = ()
        self._column_listeners: list[ColumnsListener] = []

    @property
    def columns(self) -> tuple[TableColumn, ...]:
        """The current columns (empty until the first LIST answered)."""
        return self._columns

    def rows(self) -> list[TableRow]:
        return [entry["row"] for entry in self._objects.values()]

    def row(self, uid: str) -> TableRow | None:
        entry = self._objects.get(uid)
        return entry["row"] if entry is not None else None

    def row_by_name(self, namespace: str | None, name: str) -> TableRow | None:
        entry = self.by_name(namespace, name)
        return entry["row"] if entry is not None else None

    def subscribe_columns(self, listener: ColumnsListener) -> Callable[[], None]:
        """Call ``listener(columns)`` when the columns change; returns the unsubscribe function."""
        self._column_listeners.append(listener)
        return lambda: self._column_listeners.remove(listener) if listener in self._column_listeners else None

    async def _watch(self) -> bool:
        """Kinds the server cannot watch (metrics.k8s.io, componentstatuses) are listed again every
        ``POLL_INTERVAL`` seconds instead, like ``kubectl top``."""
        if self.kind.watchable:
            return await super()._watch()
        await asyncio.sleep(self.POLL_INTERVAL)
        await self._list()
        return True

    # -- representation ----------------------------------------------------------------------------
    def _set_columns(self, columns: tuple[TableColumn, ...]) -> None:
        if not columns or columns == self._columns:
            return
        self._columns = columns
        for listener in list(self._column_listeners):
            try:
                listener(columns)
            except Exception:
                log.exception("columns listener failed")

    def _entry(self, cells: Iterable[Any], metadata: dict[str, Any], received: float) -> dict[str, Any]:
        if "managedFields" in metadata:
            del metadata["managedFields"]
        return {"metadata": metadata, "row": make_row(self._columns, cells, metadata, received)}

    def _from_object(self, obj: Mapping[str, Any], received: float) -> dict[str, Any]:
        """A plain object (the server could not make a Table): kubectl's default NAME and AGE."""
        if not self._columns:
            self._set_columns(DEFAULT_COLUMNS)
        meta = dict(obj.get("metadata") or {})
        return self._entry([meta.get("name", ""), meta.get("creationTimestamp")], meta, received)

    def _list_items(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        received = clock_now()
        if data.get("kind") != "Table":
            return [self._from_object(obj, received) for obj in data.get("items") or ()]
        self._set_columns(_columns_of(data.get("columnDefinitions") or ()))
        out = []
        for row in data.get("rows") or ():
            meta = (row.get("object") or {}).get("metadata")
            if isinstance(meta, dict):
                out.append(self._entry(row.get("cells") or (), meta, received))
        return out

    def _event_object(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        received = clock_now()
        if obj.get("kind") != "Table":
            return self._from_object(obj, received) if obj.get("metadata") else None
        self._set_columns(_columns_of(obj.get("columnDefinitions") or ()))
        for row in obj.get("rows") or ():
            meta = (row.get("object") or {}).get("metadata")
            if isinstance(meta, dict):
                return self._entry(row.get("cells") or (), meta, received)
        return None


__all__ = ["DEFAULT_COLUMNS", "TABLE_ACCEPT", "TableColumn", "TableInformer", "TableRow", "cell_text",
           "make_row", "sort_key"]
