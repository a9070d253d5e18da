"""Logs of the selection: ``l`` on a pod, a container or a workload opens them full screen.

``open_logs(screen)`` turns a ClusterScreen's selection into a ``LogTarget`` (a pod — with a container picker
when it has several —, a container row, or every pod of a Deployment / ReplicaSet / Service selector) and
pushes a ``LogsScreen``. ``LogsPanel`` (the same ``LogView`` widget plus its session, status line and its
input line for ``/`` search and ``f`` filter) is what both the full-screen view and the dashboard's logs pane
show; ``P`` and ``F`` open the pickers of ``log_dialogs.py`` (pods to follow, fields to show as columns).

The UI only wires things: the streams live in ``k8stui.logs`` (the session) and talk HTTP there; the panel
holds the pods informer the session needs and lets the widget poll the buffer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...cluster import kinds
from ...cluster.store import Informer, InformerHub
from ...logs.buffer import DEFAULT_CAPACITY, LogBuffer
from ...logs.fanout import DEFAULT_MAX_PODS
from ...logs.filter import FilterError, LineFilter
from ...logs.merge import LogSession, SessionSummary
from ...logs.options import LogOptions, LogTarget, pod_containers, range_for_key
from ...logs.save import default_path, format_line, write_lines
from ...logs.structured import FormatDetector, field_counts
from ...text import plain, sanitize
from ..gc_tuning import tune_gc
from ..widgets.key_footer import KeyFooter
from ..widgets.log_view import LogView, LogViewStats
from ..widgets.status_header import HeaderState, StatusHeader, alert_fields, api_fields

if TYPE_CHECKING:
    from ..app import K8sTuiApp

WORKLOAD_KINDS = {"deployments.apps": "Deployment", "replicasets.apps": "ReplicaSet",
                  "statefulsets.apps": "StatefulSet", "daemonsets.apps": "DaemonSet", "jobs.batch": "Job"}
ALL_CONTAINERS = "*"
SELECTION_POLL_SECONDS = 0.3


# -- from a selection to a target -------------------------------------------------------------------------
def target_for(kind_key: str, obj: dict[str, Any], container: str | None = None) -> LogTarget | str:
    """The log target for a selected object, or a one-line reason why it has no logs."""
    meta = obj.get("metadata") or {}
    namespace, name = meta.get("namespace", ""), meta.get("name", "")
    if kind_key == "pods":
        containers = (container,) if container and container != ALL_CONTAINERS else ()
        return LogTarget(namespace, "Pod", name, pod_uid=meta.get("uid", ""), containers=containers)
    if kind_key in WORKLOAD_KINDS:
        selector = (obj.get("spec") or {}).get("selector")
        if not selector:
            return f"{WORKLOAD_KINDS[kind_key].lower()} {name} has no selector"
        return LogTarget(namespace, WORKLOAD_KINDS[kind_key], name, selector=selector)
    if kind_key == "cronjobs.batch":  # the pods of its Jobs, which carry the job template's labels and a job-name
        job_spec = ((obj.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
        labels = ((job_spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        selector = {"matchLabels": dict(labels),
                    "matchExpressions": [{"key": "batch.kubernetes.io/job-name", "operator": "Exists"}]}
        return LogTarget(namespace, "CronJob", name, selector=selector)
    if kind_key == "services":
        selector = (obj.get("spec") or {}).get("selector") or {}
        if not selector:
            return f"service {name} has no selector: no pods to show logs of"
        return LogTarget(namespace, "Service", name, selector={"matchLabels": dict(selector)})
    return "logs: select a pod, a container or a workload (deployment, statefulset, daemonset, job, cronjob, service)"


def open_logs(screen: Any) -> None:
    """``l`` on any ClusterScreen: logs of the focused row (pod, container, Deployment/ReplicaSet/Service)."""
    from .resource import ContainersScreen

    selection = screen.selection()
    if selection is None:
        screen.notify("nothing selected", severity="warning")
        return
    kind_key, obj = selection
    if isinstance(screen, ContainersScreen):
        row = screen.table.current_row()
        name = getattr(row, "name", "")
        _push(screen, target_for("pods", obj, name or None), obj)
        return
    if kind_key == "pods":
        containers = pod_containers(obj)
        if len(containers) > 1:
            def chosen(container: str | None) -> None:
                if container:
                    _push(screen, target_for("pods", obj, container), obj)

            screen.app.push_screen(ContainerPicker(obj), chosen)
            return
    _push(screen, target_for(kind_key, obj), obj if kind_key == "pods" else None)


def _push(screen: Any, target: LogTarget | str, pod: dict[str, Any] | None) -> None:
    if isinstance(target, str):
        screen.notify(target, severity="warning")
        return
    screen.app.push_screen(LogsScreen(target, pod=pod))


class ContainerPicker(ModalScreen[str | None]):
    """Which container of a pod (or all of them)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ContainerPicker { align: center middle; }
    ContainerPicker > OptionList { width: 60; height: auto; max-height: 20; border: round $primary; }
    """

    def __init__(self, pod: dict[str, Any]) -> None:
        super().__init__()
        self.pod = pod

    def compose(self) -> ComposeResult:
        meta = self.pod.get("metadata") or {}
        options = [Option(Text("all containers", style="bold"), id=ALL_CONTAINERS)]
        for name, init in pod_containers(self.pod):
            options.append(Option(Text(sanitize(name) + (" (init)" if init else "")), id=name))
        picker = OptionList(*options)
        picker.border_title = plain(f"Logs of pod {meta.get('name', '')}: which container?")
        yield picker

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the panel --------------------------------------------------------------------------------------------
FILTER_PLACEHOLDER = "filter: regex, only matching lines shown (smart case; !pattern inverts)  enter  esc"
SEARCH_PLACEHOLDER = "search: regex, matches highlighted, n/N jump, every line stays (smart case)  enter  esc"


class FilterInput(Input):
    """The input line of a log panel (``f`` filter, ``/`` search); ``esc`` closes it."""

    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    class Closed(Input.Changed):
        """Escape pressed in the filter line."""

    def action_close(self) -> None:
        self.post_message(self.Closed(self, self.value))


class LogsPanel(Vertical):
    """A LogView with the session feeding it, a status line, a problem line and the filter input."""

    BINDINGS = [
        # Priority: run when the key arrives, before the keys typed after it are routed, so that they land in
        # the input line (Textual routes a key to the focused widget before that widget's bindings run).
        Binding("slash", "search", "Search", key_display="/", priority=True),
        Binding("f,ampersand", "filter", "Filter", key_display="f", priority=True),
        Binding("F", "pick_fields", "Fields", show=False),
        Binding("p", "previous", "Previous"),
        Binding("P", "pick_pods", "Pods"),
        Binding("w", "save", "Save", show=False),
        Binding("1", "range('1')", "100 lines", show=False),
        Binding("2", "range('2')", "1000 lines", show=False),
        Binding("3", "range('3')", "5 min", show=False),
        Binding("4", "range('4')", "1 hour", show=False),
        Binding("0", "range('0')", "All", show=False),
    ]
    DEFAULT_CSS = """
    LogsPanel { border: round $foreground 30%; border-title-color: $foreground 80%;
                border-subtitle-color: $foreground 60%; height: 1fr; }
    LogsPanel:focus-within { border: round $primary; border-title-color: $primary; border-title-style: bold; }
    LogsPanel > LogView { height: 1fr; }
    LogsPanel > .logs-problem { height: auto; padding: 0 1; display: none; }
    LogsPanel.-problem > .logs-problem { display: block; }
    LogsPanel > .logs-status { height: 1; padding: 0 1; background: $panel; text-wrap: nowrap;
                               text-overflow: ellipsis; }
    LogsPanel > FilterInput { display: none; height: 3; }
    LogsPanel.-filtering > FilterInput { display: block; }
    """

    def __init__(self, target: LogTarget | None = None, *, pod: dict[str, Any] | None = None,
                 options: LogOptions | None = None, capacity: int | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.target = target
        self.pod = pod
        self.options = options or LogOptions()
        self._capacity = capacity
        self.buffer = LogBuffer(capacity or DEFAULT_CAPACITY)  # replaced in compose by the configured size
        self.session: LogSession | None = None
        self.formats = FormatDetector()  # the format of each stream (JSON, logfmt, plain), fed by the session
        self.view = LogView(self.buffer, tags=self._tag, show_tags=self._show_tags, before_sync=self._flush,
                            on_stats=self._show_stats, formats=self.formats)
        self.last_saved: tuple[Any, int] | None = None
        self.problem_line = Static("", classes="logs-problem")
        self.status_line = Static("", classes="logs-status")
        self.filter_input = FilterInput(placeholder=FILTER_PLACEHOLDER)
        self.input_mode = "filter"  # what the input line is for: "filter" (f, &) or "search" (/)
        self._informer: Informer | None = None
        self._hub: InformerHub | None = None
        self._summary = SessionSummary()
        self._stats = LogViewStats()
        self._session_version = -1
        self.problem_text = ""
        self.notice_text = ""  # "following 50 of 5,000 pods — press P to choose"
        self._problem_severity = ""
        self.status_text = ""
        self._selection_screen: Any | None = None
        self._selection_timer: Any | None = None
        self._selected: tuple[str, str] | None = None
        self._retarget_lock = asyncio.Lock()

    @property
    def k8s_app(self) -> K8sTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        if self._capacity is None:
            wanted = getattr(getattr(self.app, "settings", None), "log_buffer_lines", DEFAULT_CAPACITY)
            capacity = max(100, int(wanted or DEFAULT_CAPACITY))
            if capacity != self.buffer.capacity:
                self.buffer = LogBuffer(capacity)
                self.view = LogView(self.buffer, tags=self._tag, show_tags=self._show_tags,
                                    before_sync=self._flush, on_stats=self._show_stats, formats=self.formats)
        yield self.problem_line
        yield self.view
        yield self.filter_input
        yield self.status_line

    def on_mount(self) -> None:
        self.set_interval(0.2, self._refresh_status)
        if self.target is not None:
            self._open(self.target, self.pod)
        else:
            self._show_problem("select a pod or a workload to see its logs", "")

    async def on_unmount(self) -> None:
        await self._close()

    # -- session -----------------------------------------------------------------------------------
    def _open(self, target: LogTarget, pod: dict[str, Any] | None) -> None:
        tune_gc()
        app = self.k8s_app
        self.target, self.pod = target, pod
        self._hub = app.hub
        self._informer = app.hub.acquire(kinds.PODS, target.namespace)
        self.session = LogSession(app.connection.async_client, target, self.buffer, self.options,
                                  pods=self._informer, pod=pod, max_pods=self._max_pods(), formats=self.formats)
        self.session.start()
        self._session_version = -1
        self._update_title()
        self._refresh_status()

    def _max_pods(self) -> int:
        wanted = getattr(getattr(self.app, "settings", None), "log_max_pods", DEFAULT_MAX_PODS)
        try:
            return max(1, int(wanted))
        except (TypeError, ValueError):
            return DEFAULT_MAX_PODS

    async def _close(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            await session.stop()
        if self._informer is not None and self._hub is not None:
            try:
                self._hub.release(self._informer)
            except RuntimeError:
                pass  # the hub was closed (context switch)
        self._informer = self._hub = None

    async def retarget(self, target: LogTarget | None, pod: dict[str, Any] | None = None) -> None:
        """Show the logs of something else (the dashboard pane follows the selection)."""
        async with self._retarget_lock:
            await self._retarget(target, pod)

    async def _retarget(self, target: LogTarget | None, pod: dict[str, Any] | None) -> None:
        if target == self.target and self.session is not None:
            return
        await self._close()
        self.buffer.clear()
        self.formats.clear()
        self.view.set_following(True)
        self.notice_text = ""
        if target is None:
            self.target = None
            self._show_problem("select a pod or a workload to see its logs", "")
            return
        self._show_problem("", "")
        self._open(target, pod)

    # -- following a dashboard's selection ---------------------------------------------------------
    def follow_selection(self, screen: Any | None) -> None:
        """Show the logs of ``screen``'s selection (the dashboard's bottom pane) and keep following it as the
        selection moves; ``None`` stops (the pane is hidden: nothing streams for nobody)."""
        self._selection_screen = screen
        if self._selection_timer is None:
            self._selection_timer = self.set_interval(SELECTION_POLL_SECONDS, self._check_selection)
        if screen is None:
            self._selected = None
            self.run_worker(self.retarget(None))
        else:
            self.run_worker(self._check_selection())

    async def _check_selection(self) -> None:
        from ..widgets.resource_view import ResourceView

        screen = self._selection_screen
        if screen is None or not isinstance(screen.focused, ResourceView):
            return  # focus is in the log pane (or nowhere): keep what is shown
        selection = screen.selection()
        if selection is None:
            return
        kind_key, obj = selection
        key = (kind_key, (obj.get("metadata") or {}).get("uid", ""))
        if key == self._selected:
            return
        target = target_for(kind_key, obj)
        if isinstance(target, str):
            return
        self._selected = key
        await self.retarget(target, obj if kind_key == "pods" else None)

    def _flush(self) -> None:
        if self.session is not None:
            self.session.flush()

    def _tag(self, source: int) -> tuple[str, str] | None:
        src = self.session.source(source) if self.session is not None else None
        return (src.tag, src.colour) if src is not None else None

    def _show_tags(self) -> bool:
        return self.session.show_tags if self.session is not None else False

    # -- status ------------------------------------------------------------------------------------
    def _update_title(self) -> None:
        if self.target is None:
            self.border_title = "Logs"
            return
        self.border_title = plain(f"Logs of {self.target.title}")
        self.border_subtitle = plain(self.options.describe())

    @on(LogView.StatsChanged)
    def _stats_changed(self, event: LogView.StatsChanged) -> None:
        event.stop()
        self._show_stats(event.stats)

    def _show_stats(self, stats: LogViewStats) -> None:
        """The view's figures changed (called by the view as it changes, so both paint in one frame)."""
        self._stats = stats
        self._render_status()

    def _refresh_status(self) -> None:
        session = self.session
        if session is None or session.version == self._session_version:
            return
        self._session_version = session.version
        self._summary = summary = session.summary()
        self.notice_text = self._notice(summary)
        self._show_problem(summary.problem, summary.severity)
        self._render_status()

    @staticmethod
    def _notice(summary: SessionSummary) -> str:
        """What the pane says when it does not follow every pod of the workload."""
        if summary.chosen:
            return (f"following {summary.following:,} chosen of {summary.matching:,} pods — press P to change "
                    "(or go back to the automatic choice)")
        if summary.capped:
            return (f"following {summary.following:,} of {summary.matching:,} pods (at most {summary.limit}: "
                    "crashing and not ready first, then the newest) — press P to choose")
        return ""

    def _show_problem(self, text: str, severity: str) -> None:
        self.problem_text, self._problem_severity = text, severity
        self._render_problem()

    def _render_problem(self) -> None:
        text, notice = self.problem_text, self.notice_text
        if not text and not notice:
            self.remove_class("-problem")
            return
        out = Text()
        if text:
            style = {"error": "bold red", "warning": "yellow"}.get(self._problem_severity, "italic")
            out.append(sanitize(text), style=style)
        if notice:
            if text:
                out.append("\n")
            out.append(notice, style="bold cyan")
        self.problem_line.update(out)
        self.add_class("-problem")

    def _render_status(self) -> None:
        stats, summary = self._stats, self._summary
        out = Text(no_wrap=True, overflow="ellipsis")
        if stats.following:
            out.append("● following", style="bold green")
        else:
            out.append("‖ paused", style="bold yellow")
            if stats.waiting:
                out.append(f"  · {stats.waiting:,} new line{'s' if stats.waiting != 1 else ''} waiting (space)",
                           style="yellow")
        out.append(f"  {stats.held:,} lines")
        if stats.dropped:
            out.append(f"  {stats.dropped:,} dropped", style="bold magenta")
        if stats.filter:
            out.append(f"  filter {stats.filter}: ", style="bold")
            out.append(f"{stats.matches:,} matching", style="bold cyan")
        if stats.search:
            out.append(f"  search {stats.search} ", style="bold")
            position = f"{stats.search_pos:,}" if stats.search_pos else "-"
            out.append(f"{position}/{stats.search_total:,}", style="bold cyan" if stats.search_total else "bold red")
        if stats.level:
            out.append(f"  level ≥ {stats.level}", style="bold yellow")
        if stats.structured:
            out.append(f"  structured: {stats.structured}", style="dim")
        if self.options.previous:
            out.append("  previous run", style="bold magenta")
        if summary.sources:
            out.append(f"  {summary.pods} pod{'s' if summary.pods != 1 else ''}")
            if summary.sources != summary.pods:
                out.append(f" / {summary.sources} containers")
            if summary.ended:
                out.append(f" · {summary.ended} ended", style="dim")
            if summary.waiting:
                out.append(f" · {summary.waiting} waiting", style="yellow")
            if summary.reconnecting:
                out.append(f" · {summary.reconnecting} reconnecting", style="bold yellow")
        flags = [name for name, on_ in (("timestamps", stats.timestamps), ("wrap", stats.wrap)) if on_]
        if flags:
            out.append("  " + " ".join(flags), style="dim")
        self.status_text = out.plain
        self.status_line.update(out, layout=False)  # one fixed-height row: no relayout 10x a second

    # -- actions -----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("search", "filter") and self.screen.focused is self.filter_input:
            return False  # typing "/" or "f" in the line itself
        return True

    def action_filter(self) -> None:
        """``f`` (or ``&``, as in less): show only the lines matching a regex."""
        f = self.view.line_filter
        self._open_input("filter", ("!" if f and f.invert else "") + (f.pattern if f else ""), FILTER_PLACEHOLDER)

    def action_search(self) -> None:
        """``/``: highlight a regex and jump between matches with n/N; every line stays shown."""
        search = self.view.search
        self._open_input("search", search.pattern if search else "", SEARCH_PLACEHOLDER)

    def _open_input(self, mode: str, value: str, placeholder: str) -> None:
        self.input_mode = mode
        self.filter_input.placeholder = placeholder
        self.filter_input.value = value
        self.add_class("-filtering")
        # Focus now, not after the queued events (``focus()`` is deferred): what is typed right after the key
        # (fast typing, a paste, tmux send-keys) must land in the line, not run as commands ("q" quits).
        self.screen.set_focus(self.filter_input)

    @on(Input.Submitted, "FilterInput")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.input_mode == "search":
            self.apply_search(event.value)
        else:
            self.apply_filter(event.value)

    def apply_search(self, text: str) -> bool:
        """Search for what the user typed (empty: no search); a bad regex is a toast and changes nothing."""
        try:
            search = LineFilter.parse(text.strip(), allow_invert=False)
        except FilterError as exc:
            self.notify(str(exc).replace("bad filter", "bad search", 1), severity="error")
            return False
        self.view.set_search(search)
        self.remove_class("-filtering")
        self.view.focus()
        if search is not None and not self.view.index.hits:
            self.notify(f"no match for {search.describe()} (yet): n/N look again", severity="warning", timeout=3)
        return True

    def clear_search(self) -> bool:
        """Drop the search; False if there was none."""
        if self.view.search is None:
            return False
        self.view.set_search(None)
        return True

    def action_pick_fields(self) -> None:
        """``F``: which fields of JSON/logfmt lines to show as columns after level and message."""
        from .log_dialogs import FieldPicker

        records = self.view.structured_records()
        if not records:
            self.notify("no JSON or logfmt lines shown: no fields to pick", severity="warning", timeout=3)
            return
        counts, sampled = field_counts(records)

        def chosen(fields: list[str] | None) -> None:
            if fields is not None:
                self.view.set_fields(fields)

        self.app.push_screen(FieldPicker(counts, self.view.fields, sampled), chosen)

    def apply_filter(self, text: str) -> bool:
        """Set the filter from what the user typed; a bad regex is a toast and changes nothing."""
        try:
            line_filter = LineFilter.parse(text.strip())
        except FilterError as exc:
            self.notify(str(exc), severity="error")
            return False
        self.view.set_filter(line_filter)
        self.remove_class("-filtering")
        self.view.focus()
        return True

    @on(FilterInput.Closed)
    def _filter_closed(self, event: FilterInput.Closed) -> None:
        event.stop()
        self.remove_class("-filtering")
        self.view.focus()

    def clear_filter(self) -> bool:
        """Drop the filter; False if there was none."""
        if self.view.line_filter is None:
            return False
        self.view.set_filter(None)
        return True

    def action_pick_pods(self) -> None:
        """``P``: choose which pods of the workload to follow (or go back to the automatic choice)."""
        from .log_dialogs import AUTOMATIC, PodPicker

        session, target = self.session, self.target
        if session is None or target is None or target.single_pod:
            self.notify("one pod: nothing to choose (P chooses among the pods of a workload)", timeout=3)
            return
        choices = session.pod_choices()
        if not choices:
            self.notify("no pods to choose from (yet)", severity="warning", timeout=3)
            return

        def chosen(uids: list[str] | None) -> None:
            if uids is None or self.session is not session:
                return
            session.choose(None if uids == [AUTOMATIC] else uids)
            self._session_version = -1
            self._refresh_status()

        self.app.push_screen(PodPicker(f"{target.kind.lower()} {target.namespace}/{target.name}", choices,
                                       session.fanout.limit), chosen)

    async def action_previous(self) -> None:
        """``p``: the previous (terminated) run of the containers, and back."""
        await self._reopen(self.options.with_previous(not self.options.previous))
        if self.options.previous:
            self.notify("previous run of the container(s); p again for the current logs", timeout=3)

    async def action_range(self, key: str) -> None:
        chosen = range_for_key(key)
        if chosen is None or chosen == self.options.range:
            return
        await self._reopen(self.options.with_range(chosen))
        self.notify(f"logs: {chosen.label}", timeout=2)

    async def _reopen(self, options: LogOptions) -> None:
        self.options = options
        self.view.set_following(True)
        if self.session is not None:
            await self.session.restart(options)
            self._session_version = -1
        self._update_title()
        self._refresh_status()

    def action_save(self) -> None:
        """``w``: write the lines shown (the filter applies) to a file."""
        if self.target is None:
            return
        session = self.session
        rows = []
        for line in self.view.shown_lines():
            src = session.source(line.source) if session is not None and session.show_tags else None
            rows.append(format_line(line, src.tag if src is not None else ""))
        path = default_path(self.target.namespace, self.target.name)
        self._save(path, rows)

    @work(thread=True, exclusive=True, group="save-logs")
    def _save(self, path: Any, rows: list[str]) -> None:
        try:
            count = write_lines(path, rows)
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"cannot save logs: {exc.strerror or exc}", severity="error")
            return
        self.last_saved = (path, count)
        self.app.call_from_thread(self.notify, f"saved {count:,} lines to {path}", timeout=5)


# -- the full-screen view ---------------------------------------------------------------------------------
class LogsScreen(Screen):
    """Full-screen logs of one target."""

    BINDINGS = [
        Binding("escape", "back", "Back / clear search, filter"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]
    view_name = "logs"

    def __init__(self, target: LogTarget, *, pod: dict[str, Any] | None = None,
                 options: LogOptions | None = None) -> None:
        super().__init__()
        self.target = target
        self.header = StatusHeader()
        self.panel = LogsPanel(target, pod=pod, options=options, id="logs-panel")

    @property
    def k8s_app(self) -> K8sTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.panel
        yield KeyFooter()

    def on_mount(self) -> None:
        self.refresh_header()
        self.set_interval(0.5, self.refresh_header)
        self.panel.view.focus()

    def refresh_header(self) -> None:
        app = self.k8s_app
        health = app.hub.health()
        target = app.connection.target
        self.header.state = HeaderState(
            context=target.context, cluster=target.cluster, namespace=self.target.namespace,
            **api_fields(health), read_only=app.read_only,
            metrics_source=app.metrics_source, view="logs", **alert_fields(app.alert_watch))

    def action_back(self) -> None:
        if self.panel.clear_search() or self.panel.clear_filter():
            return
        self.app.pop_screen()

    def action_help(self) -> None:
        from .help import HelpScreen

        bindings = []
        for cls in (LogView, LogsPanel, LogsScreen):
            bindings += [b for b in cls.BINDINGS if isinstance(b, Binding)]
        self.app.push_screen(HelpScreen("logs", bindings, commands=False))  # no : command bar here
