"""What the diagnosis screens (``:lint``, ``:timeline``, ``:helm``) share: a ``LiveSnapshot`` of the informers they
read, refreshed from the informers' change batches (coalesced: one recompute per burst of changes, no polling of
the API), rows that name an object (so ``d`` describe, ``l`` logs, ``h`` why-stuck work on them), and exports
written off the UI loop.

The diagnosis itself is ``k8stui.diagnosis`` (pure functions, no Textual); a screen only builds rows from it.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from textual import work
from textual.timer import Timer

from ...cluster.kinds import ResourceKind
from ...diagnosis.export import report_path, write_report
from ...diagnosis.live import SOURCES, LiveSnapshot
from ...diagnosis.snapshot import ObjRef, Snapshot
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen

COALESCE_SECONDS = 0.2  # changes arriving within this are folded into one recompute
DISCOVERY_WAIT_SECONDS = 5.0


_EXECUTOR: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """The diagnosis computations' own threads: the loop's default executor is shared with blocking work of
    every kind (kubeconfig, metrics, logs) and a computation queued behind that would freeze the view."""
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="k8stui-diagnosis")
    return _EXECUTOR


def scope_of(arg: str, default: str | None) -> str | None:
    """A ``:lint``/``:timeline`` argument as a namespace: none -> the app's scope, ``all``/``-A``/``*`` -> None."""
    if not arg:
        return default
    return None if arg in ("all", "-A", "*") else arg


def open_diagnosis(app: Any, view: str, arg: str) -> None:
    """``:lint [NS]``, ``:timeline [NS|workload]``, ``:helm [NS]`` (imported on first use)."""
    if view == "lint":
        from .lint import LintScreen

        app.push_screen(LintScreen(scope_of(arg, app.scope_namespace)))
    elif view == "timeline":
        try:
            from .timeline import TimelineScreen
        except ImportError:
            app.notify(":timeline is not available in this version", severity="warning")
            return
        app.push_screen(TimelineScreen.for_argument(app, arg))
    elif view == "helm":
        try:
            from .helm import HelmScreen
        except ImportError:
            app.notify(":helm is not available in this version", severity="warning")
            return
        app.push_screen(HelmScreen(scope_of(arg, app.scope_namespace)))


class DiagnosisScreen(ClusterScreen):
    """A screen over a ``LiveSnapshot`` of ``KINDS`` in ``namespace`` (None: all namespaces)."""

    KINDS: tuple[str, ...] = ()
    SECRET_VALUES = False  # True: the screen decodes Secrets' values (Helm releases); others read keys only

    def __init__(self, namespace: str | None) -> None:
        super().__init__()
        self.namespace = namespace
        self.live: LiveSnapshot | None = None
        self._pending: Timer | None = None
        self._computing = False
        self._again = False
        self._unsubscribe_live: Any = None
        self.last_export: Any = None  # the Path of the last report written (tests, the toast)

    def view_kind(self) -> str | None:
        return None  # findings, events, alerts ... about objects of every kind

    @property
    def scope_text(self) -> str:
        return f"namespace {self.namespace}" if self.namespace else "all namespaces"

    # -- the live snapshot -----------------------------------------------------------------------------------
    def start_live(self) -> None:
        self.run_worker(self._start_live, group="diagnosis-live", exclusive=True, exit_on_error=False)

    async def _start_live(self) -> None:
        app = self.k8s_app
        # The server's kinds (a server without PodDisruptionBudgets must not get a watch of them): wait briefly
        # for discovery's first answer; the built-in registry stands in if it is slow.
        with contextlib.suppress(Exception):
            await app.discovery.wait_fresh(DISCOVERY_WAIT_SECONDS)
        if not self.is_mounted:
            return
        live = LiveSnapshot(app.hub, self.namespace, self.KINDS, registry=app.discovery.registry,
                            secret_values=self.SECRET_VALUES)
        live.start()
        self.live = live
        self._unsubscribe_live = live.subscribe(self.changed)
        self.changed()

    def changed(self) -> None:
        """Something the screen reads changed: recompute once, shortly (a burst of batches is one recompute)."""
        if self._pending is None and self.is_mounted:
            self._pending = self.set_timer(COALESCE_SECONDS, self._run_recompute)

    def _run_recompute(self) -> None:
        self._pending = None
        if self.live is None:
            return
        if self._computing:  # one computation at a time; the changes meanwhile make one more
            self._again = True
            return
        self._computing = True
        self.run_worker(self._recompute(self.live), group="diagnosis-compute", exit_on_error=False)

    async def _recompute(self, live: LiveSnapshot) -> None:
        try:
            prepared = self.prepare(live)
            if prepared is None:
                return
            # The rules join every pod with its Services, nodes, PDBs ...: half a second at 10k pods, so they run
            # in a thread on a snapshot (copies of the informers' maps); only the repaint happens on the loop.
            result = await asyncio.get_running_loop().run_in_executor(_executor(), self.compute, prepared)
            if self.is_mounted and self.live is live:
                self.apply(result)
        finally:
            self._computing = False
            if self._again:
                self._again = False
                self.changed()

    def prepare(self, live: LiveSnapshot) -> Any:
        """On the loop: what ``compute`` needs (the snapshot, by default); None to skip this round."""
        return live.snapshot()

    def compute(self, prepared: Any) -> Any:  # pragma: no cover - abstract
        """In a thread: the diagnosis (pure; touches no widget)."""
        raise NotImplementedError

    def apply(self, result: Any) -> None:  # pragma: no cover - abstract
        """On the loop: show ``compute``'s result."""
        raise NotImplementedError

    def on_unmount(self) -> None:  # Textual calls every class's on_unmount: no super() here
        if self._unsubscribe_live is not None:
            self._unsubscribe_live()
            self._unsubscribe_live = None
        live, self.live = self.live, None
        if live is not None:
            # Release the informers on the app (the screen's own workers are cancelled as it goes).
            self.app.run_worker(live.close(), exit_on_error=False)

    def coverage_note(self) -> str:
        """``syncing: Secret`` / ``forbidden: Role`` — what the screen cannot see yet (or at all)."""
        if self.live is None:
            return "starting"
        parts = []
        if syncing := self.live.syncing():
            parts.append(f"syncing {', '.join(syncing)}")
        if forbidden := self.live.forbidden():
            parts.append(f"forbidden {', '.join(forbidden)} (rules needing them are silent)")
        return " · ".join(parts)

    # -- rows that name objects ------------------------------------------------------------------------------
    def row_ref(self, row: Any) -> ObjRef | None:
        """The object a row is about (None: the row is not about one object)."""
        return None

    def snapshot(self) -> Snapshot:
        return self.live.snapshot() if self.live is not None else Snapshot()

    def resource_for(self, kind: str) -> ResourceKind | None:
        source = SOURCES.get(kind)
        return self.k8s_app.discovery.registry.get(*source) if source else None

    def selected_object(self, table: ResourceView, row: Any) -> tuple[ResourceKind, dict[str, Any]] | None:
        ref = self.row_ref(row)
        if ref is None or self.live is None:
            return None
        resource = self.resource_for(ref.kind)
        informer = self.live.informer(ref.kind)
        if resource is None or informer is None:
            return None
        obj = informer.get(ref.uid) if ref.uid else None
        if obj is None:
            obj = next((o for _uid, o in informer.items()
                        if (o.get("metadata") or {}).get("name") == ref.name
                        and (o.get("metadata") or {}).get("namespace", "") == ref.namespace), None)
        return (resource, obj) if obj is not None else None

    def resource_of(self, table: ResourceView) -> ResourceKind | None:
        row = table.current_row()
        ref = self.row_ref(row) if row is not None else None
        return self.resource_for(ref.kind) if ref is not None else None

    # -- exports ---------------------------------------------------------------------------------------------
    def export(self, what: str, ext: str, text: str) -> None:
        """Write a report under the state directory and say where (off the UI loop)."""
        self._write(report_path(what, self.namespace or "all", ext), text, ext)

    @work(thread=True, exclusive=True, group="diagnosis-export")
    def _write(self, path: Any, text: str, ext: str) -> None:
        try:
            written = write_report(path, text)
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"cannot write the report: {exc.strerror or exc}",
                                      severity="error")
            return
        self.last_export = written
        self.app.call_from_thread(self.notify, f"{ext.upper()} written to {written}", timeout=8)

