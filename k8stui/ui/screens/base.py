"""ClusterScreen: what every k8stui screen shares — header, footer, command bar, filter, help, describe.

A screen subclass composes its body (ResourceViews of TableModels), and lists the informers it holds and the
feeds that keep its models in step with them; acquiring and releasing them, pausing feeds while hidden, `/`
filtering, sorting, `:` commands, `?` help and `d` describe live here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from ...cluster.kinds import ResourceKind
from ...cluster.store import Informer, InformerHub
from ...cluster.table_feed import InformerFeed
from .. import key_scope
from ..completion import BarCompletion, app_completer
from ..widgets.command_bar import CommandBar
from ..widgets.key_footer import KeyFooter
from ..widgets.resource_view import ResourceView
from ..widgets.status_header import HeaderState, StatusHeader, alert_fields, api_fields

if TYPE_CHECKING:
    from ..app import K8sTuiApp


class ClusterScreen(Screen):
    """Base of the resource screens."""

    BINDINGS = [
        Binding("colon", "command", "Command", key_display=":"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "escape", "Back / clear", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("d", "describe", "Describe"),
        Binding("o", "sort_next", "Sort", show=False),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
        Binding("l", "logs", "Logs"),
        Binding("m", "metrics", "Metrics"),
        Binding("h", "why_stuck", "Why stuck?", show=False),
        Binding("s", "operate('scale')", "Scale"),
        Binding("r", "operate('restart')", "Restart"),
        Binding("u", "operate('rollback')", "Rollback"),
        Binding("b", "operate('bluegreen')", "Blue/green"),
        Binding("B", "operate('bluegreen-revert')", "Revert b/g", show=False),
        Binding("x", "operate('burst')", "Burst", show=False),
        Binding("X", "operate('unburst')", "Un-burst", show=False),
        Binding("c", "operate('canary')", "Canary", show=False),
        Binding("E", "events", "Events", show=False),
        Binding("w", "xray", "Xray", show=False),
        Binding("tab", "complete_or_focus", "Next pane", show=False, priority=True),
        Binding("ctrl+d", "operate('delete')", "Delete", key_display="^d"),
        Binding("ctrl+k", "operate('kill')", "Kill pod", key_display="^k", show=False),
        Binding("e", "operate('edit')", "Edit", show=False),
        Binding("i", "operate('set-image')", "Set image", show=False),
        Binding("S", "operate('shell')", "Shell", show=False),
        Binding("a", "operate('attach')", "Attach", show=False),
        Binding("D", "operate('debug')", "Debug container", show=False),
        Binding("F", "operate('port-forward')", "Port-forward", show=False),
        Binding("t", "operate('trigger')", "Trigger now", show=False),
        Binding("p", "operate('suspend')", "Suspend/resume", show=False),
        Binding("exclamation_mark", "alerts", "Alerts", key_display="!", show=False),
    ]
    view_name = "view"

    def __init__(self) -> None:
        super().__init__()
        self.header = StatusHeader()
        self.command_bar = CommandBar()
        self._completion: BarCompletion | None = None
        self.feeds: list[InformerFeed[Any]] = []
        self._held: list[tuple[InformerHub, Informer]] = []
        self._cleanups: list[Callable[[], None]] = []
        # Under another screen (Textual's ``is_current`` still holds for the screen right below the top one).
        self.suspended = False

    @property
    def k8s_app(self) -> K8sTuiApp:
        return self.app  # type: ignore[return-value]

    @property
    def completion(self) -> BarCompletion:
        """Completion of ``:`` commands (kinds from discovery, views, namespaces, contexts)."""
        if self._completion is None:
            self._completion = BarCompletion(app_completer(self.k8s_app))
        return self._completion

    def compose(self) -> ComposeResult:
        yield self.header
        yield from self.compose_body()
        yield self.command_bar
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    # -- informers ---------------------------------------------------------------------------------
    def hold(self, kind: ResourceKind | str, namespace: str | None, **options: Any) -> Informer:
        """An informer for this screen's lifetime (``options``: ``label_selector``, ``table`` — see
        ``InformerHub.acquire``)."""
        hub = self.k8s_app.hub
        informer = hub.acquire(kind, namespace, **options)
        self._held.append((hub, informer))
        return informer

    def say_when_empty(self, table: ResourceView, informer: Informer, text: str) -> None:
        """Once ``informer`` has listed, an empty ``table`` says ``text`` (a blank table read as "still loading");
        before that, and when the list is forbidden (the pane says so), it stays blank."""
        async def when_listed() -> None:
            if await informer.wait_synced():
                table.empty_text = text
                table.refresh()

        self.run_worker(when_listed(), group="empty-text", exit_on_error=False)

    def at_unmount(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` (e.g. an unsubscribe) when the screen goes away."""
        self._cleanups.append(cleanup)

    def add_feed(self, feed: InformerFeed[Any]) -> InformerFeed[Any]:
        self.feeds.append(feed)
        feed.start()
        return feed

    def on_mount(self) -> None:
        # Textual calls on_mount/on_unmount of every class in the MRO: subclasses must not call super().
        self.refresh_header()
        self.set_interval(0.5, self.refresh_header)
        self.completion.attach(self.command_bar)

    def on_screen_suspend(self) -> None:
        """Hidden under another screen: stop repainting tables nobody sees (10k-row views stay cheap)."""
        self.suspended = True
        for feed in self.feeds:
            feed.pause()

    def on_screen_resume(self) -> None:
        self.suspended = False
        for feed in self.feeds:
            feed.resume()

    def on_unmount(self) -> None:
        for cleanup in self._cleanups:
            cleanup()
        self._cleanups.clear()
        for feed in self.feeds:
            feed.stop()
        self.feeds.clear()
        for hub, informer in self._held:
            try:
                hub.release(informer)
            except RuntimeError:
                pass  # the hub was closed (context switch); its informers are stopped already
        self._held.clear()

    def refresh_header(self) -> None:
        app = self.k8s_app
        health = app.hub.health()
        target = app.connection.target
        self.header.state = HeaderState(
            **alert_fields(app.alert_watch),
            context=target.context, cluster=target.cluster,
            namespace="all" if app.all_namespaces else app.namespace,
            **api_fields(health), read_only=app.read_only,
            metrics_source=app.metrics_source, view=self.view_name,
            notice="kubeconfig changed: K reconnects" if app.kubeconfig_changed else "")

    # -- the keys that act here --------------------------------------------------------------------
    def view_kind(self) -> str | None:
        """The kind key the keys act on now: the focused table's (the dashboard: its workloads, pods or events
        pane); ``key_scope.NO_OBJECTS`` when the rows are no objects, None when they are of several kinds."""
        table = self.active_table()
        kind = self.resource_of(table) if table is not None else None
        return kind.key if kind is not None else key_scope.NO_OBJECTS

    def help_kinds(self) -> list[str | None]:
        """The kinds ``?`` lists keys for: every table's on the screen (the dashboard's panes)."""
        if self.view_kind() is None:
            return [None]
        found = [self.resource_of(table) for table in self.query(ResourceView)]
        return [kind.key for kind in found if kind is not None] or [key_scope.NO_OBJECTS]

    def footer_bindings(self, active: Any) -> list[tuple[Binding, bool, str]]:
        """What the footer shows (KeyFooter): the shown keys that act on the view's kind, with the kind's own
        operations (``key_scope.FOOTER``: t trigger on :cj, S shell on :pods) where the operation keys are."""
        kind = self.view_kind()
        entries = [(binding, enabled, tooltip) for _node, binding, enabled, tooltip in active.values()]
        by_action: dict[str, tuple[Binding, bool, str]] = {}
        for entry in entries:
            by_action.setdefault(entry[0].action, entry)
        operations = [(self._labelled(binding, kind), enabled, tooltip) for binding, enabled, tooltip in
                      (by_action[f"operate('{op}')"] for op in key_scope.footer_operations(kind)
                       if f"operate('{op}')" in by_action)]
        shown: list[tuple[Binding, bool, str]] = []
        seen: set[str] = set()
        for binding, enabled, tooltip in entries:
            if binding.key == "enter" and not binding.show:  # the focused table's: enter does the screen's own
                binding = self._own_enter() or binding
            if key_scope.operation_of(binding.action) is not None:
                if operations:
                    shown += operations
                    seen.update(b.action for b, _e, _t in operations)
                    operations = []
                continue
            if binding.show and binding.action not in seen and key_scope.applies(binding.action, kind) \
                    and self._has_target(binding.action):
                shown.append((binding, enabled, tooltip))
                seen.add(binding.action)
        return shown + operations

    def _own_enter(self) -> Binding | None:
        """The screen's ``enter`` when it is more than the usual drill-down (``Go to object`` on :alerts, ``Switch``
        on :ctx, ``Open release`` on :helm): the focused table takes the key and posts a selection the screen acts
        on, so Footer would show the table's hidden binding instead."""
        for cls in type(self).__mro__:
            for binding in getattr(cls, "BINDINGS", ()):
                if isinstance(binding, Binding) and "enter" in binding.key.split(","):
                    return binding if binding.show and binding.action not in ("drill", "describe") else None
        return None

    def _has_target(self, action: str) -> bool:
        """Whether the screen has what ``action`` works on: ``/`` filters and ``o`` sorts a table (xray's tree and
        the stuck explanation have none)."""
        if action in ("filter", "sort_next", "sort_reverse"):
            return bool(self.query(ResourceView))
        return True

    @staticmethod
    def _labelled(binding: Binding, kind: str | None) -> Binding:
        description = key_scope.label(binding.action, kind, binding.description)
        return binding if description == binding.description else dataclasses.replace(binding,
                                                                                       description=description)

    # -- the focused table -------------------------------------------------------------------------
    def active_table(self) -> ResourceView | None:
        focused = self.focused
        if isinstance(focused, ResourceView):
            return focused
        tables = list(self.query(ResourceView))
        return tables[0] if tables else None

    def feed_of(self, table: ResourceView) -> InformerFeed[Any] | None:
        return next((feed for feed in self.feeds if feed.model is table.model), None)

    def raw_object(self, table: ResourceView, row: Any) -> dict[str, Any] | None:
        """The cached object behind a row (for describe); None if it is gone."""
        for feed in self.feeds:
            if feed.model is table.model:
                return feed.informer.get(getattr(row, "uid", ""))
        return None

    # -- actions -----------------------------------------------------------------------------------
    def action_command(self) -> None:
        self.command_bar.open(":")

    def action_filter(self) -> None:
        table = self.active_table()
        self.command_bar.open("/", table.filter_text if table else "")

    def action_escape(self) -> None:
        table = self.active_table()
        if table is not None and table.clear_marks():
            return
        if table is not None and (table.filter_text or table.model.filter_error):
            table.set_filter("")
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_help(self) -> None:
        from .help import HelpScreen

        # The screen's own keys first (its ``enter`` is what enter does here, even when the focused table takes
        # the key and posts a selection), then the focused widget's and the app's; each key is listed once.
        # Keys that act on none of the screen's kinds are left out (they are bound, and say so when pressed).
        bindings: list[Binding] = []
        for cls in type(self).__mro__:
            bindings += [b for b in getattr(cls, "BINDINGS", []) if isinstance(b, Binding)]
        bindings += [active.binding for active in self.app.active_bindings.values()]
        kinds = self.help_kinds()
        bindings = [self._labelled(b, kinds[0] if len(kinds) == 1 else None) for b in bindings
                    if key_scope.applies_to_any(b.action, kinds) and self._has_target(b.action)]
        self.app.push_screen(HelpScreen(self.view_name, bindings))

    def action_describe(self) -> None:
        from .describe import DescribeScreen

        table = self.active_table()
        row = table.current_row() if table else None
        if table is None or row is None:
            self.notify("nothing selected", severity="warning")
            return
        found = self.selected_object(table, row)
        if found is None:
            self.notify("that object is gone", severity="warning")
            return
        self.app.push_screen(DescribeScreen(*found, cached=True))

    def selected_object(self, table: ResourceView, row: Any) -> tuple[ResourceKind, dict[str, Any]] | None:
        """The resource a row was read from and its cached raw object (None if gone). The resource comes from
        the feed's informer: listed items carry no ``kind``, so the object cannot say what it is."""
        obj = self.raw_object(table, row)
        if obj is None:
            return None
        resource = self.resource_of(table)
        return (resource, obj) if resource is not None else None

    def resource_of(self, table: ResourceView) -> ResourceKind | None:
        """The resource the rows of ``table`` come from (screens with other tables override this)."""
        feed = self.feed_of(table)
        return feed.informer.kind if feed is not None else None

    def selection(self) -> tuple[str, dict[str, Any]] | None:
        """The kind key ("pods", "deployments.apps" ...) and cached raw object of the focused table's current
        row, or None. Logs, metrics and operations start from this."""
        table = self.active_table()
        row = table.current_row() if table else None
        if table is None or row is None:
            return None
        found = self.selected_object(table, row)
        return (found[0].key, found[1]) if found is not None else None

    def action_events(self) -> None:
        """``E``: the events about the selected object, live."""
        selection = self.selection()
        if selection is None:
            self.notify("nothing selected", severity="warning")
            return
        self.k8s_app.open_events_of(*selection)

    def action_xray(self) -> None:
        """``w``: the xray tree of the selected object (what routes to it, what it runs, what it uses)."""
        selection = self.selection()
        if selection is None:
            self.notify("nothing selected", severity="warning")
            return
        self.k8s_app.open_xray_of(*selection)

    def action_complete_or_focus(self) -> None:
        """``tab``: in the ``:`` command line, take the completion (again: the next one); elsewhere, the next
        pane (Textual's usual tab)."""
        if self.focused is self.command_bar and self.command_bar.mode == ":":
            self.completion.complete(self.command_bar)
            return
        self.focus_next()

    def action_alerts(self) -> None:
        """``!`` (or a click on the header's alert count): the alerts firing now."""
        if not isinstance(self, _alerts_screen()):
            self.k8s_app.open_view("alerts")

    def marked_selections(self) -> list[tuple[str, dict[str, Any]]]:
        """The rows marked with ``space`` in the focused table, as ``selection()`` gives one (delete and kill act
        on all of them); rows whose object is gone are left out."""
        table = self.active_table()
        if table is None or not table.marked:
            return []
        out = []
        for key in table.marked_keys():
            found = self.selected_object(table, table.rows_by_key[key])
            if found is not None:
                out.append((found[0].key, found[1]))
        return out

    def action_logs(self) -> None:
        """``l``: logs of the selected pod, container or workload (k8stui/ui/screens/logs.py)."""
        try:
            from .logs import open_logs
        except ImportError:
            self.notify("logs are not available in this build", severity="warning")
            return
        open_logs(self)

    def action_why_stuck(self) -> None:
        """``h``: why the selected workload or pod is stuck (k8stui/ui/screens/stuck.py)."""
        from .stuck import open_stuck

        open_stuck(self)

    def action_metrics(self) -> None:
        """``m``: metrics of the selection (k8stui/ui/screens/metrics.py)."""
        try:
            from .metrics import open_metrics
        except ImportError:
            self.notify("metrics are not available in this build", severity="warning")
            return
        open_metrics(self)

    def action_operate(self, operation: str) -> None:
        """Mutations (scale, restart, rollback, blue/green, burst, canary, delete, edit, ...):
        k8stui/ui/operations.py and k8stui/ui/everyday.py."""
        if self.k8s_app.read_only:
            self.notify(f"read-only mode: {operation} is disabled (started with --read-only)",
                        severity="warning")
            return
        try:
            from ..operations import run_operation
        except ImportError:
            self.notify(f"{operation} is not available in this build", severity="warning")
            return
        run_operation(self, operation)

    def action_sort_next(self) -> None:
        """``o``: sort by the next column (ascending); the header marks it ▲."""
        table = self.active_table()
        if table is None or not table.model.columns:
            return
        columns = table.model.columns
        keys = [c.key for c in columns]
        current = keys.index(table.sort_column) if table.sort_column in keys else -1
        column = columns[(current + 1) % len(columns)]
        table.model.set_sort(column.key)
        self.notify(f"sorted by {column.label}", timeout=1.5)

    def action_sort_reverse(self) -> None:
        """``O``: flip the direction of the sort (▲/▼)."""
        table = self.active_table()
        if table is not None and table.sort_column:
            table.sort_by(table.sort_column)

    @on(CommandBar.CommandSubmitted)
    def _on_command(self, event: CommandBar.CommandSubmitted) -> None:
        if event.mode == "/":
            table = self.active_table()
            if table is not None:
                error = table.set_filter(event.text)
                if error:
                    self.notify(error, title="filter not applied", severity="error")
                table.focus()
            return
        self.k8s_app.run_command(event.text)

    @on(CommandBar.CommandCancelled)
    def _on_cancel(self, event: CommandBar.CommandCancelled) -> None:
        table = self.active_table()
        if event.mode == "/" and table is not None:
            table.set_filter("")
        if table is not None:
            table.focus()


class KindScreen(ClusterScreen):
    """A screen of one kind's objects, in the namespace given for it (``-n NS`` on the command line, a drill-down),
    in all of them (``all_namespaces`` forced, or the app's ``-A``), or in the app's namespace."""

    def __init__(self, kind: ResourceKind, *, all_namespaces: bool | None = None,
                 namespace: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.view_name = kind.plural
        self._force_all = all_namespaces
        self._namespace = namespace  # None: the app's
        self.initial_filter = ""

    def view_kind(self) -> str | None:
        return self.kind.key

    @property
    def all_namespaces(self) -> bool:
        if self._namespace is not None:
            return False
        return self._force_all if self._force_all is not None else self.k8s_app.all_namespaces

    @property
    def namespace(self) -> str:
        return self._namespace or self.k8s_app.namespace


def _alerts_screen() -> type:
    from .alerts import AlertsScreen

    return AlertsScreen
