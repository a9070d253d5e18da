"""K8sTuiApp: composes the screens and wires the services (connection, informer hub, settings, themes).

Kept thin on purpose: features live in their screens and in ``cluster/``; the app only knows which context and
namespace are current, switches them, and routes ``:`` commands to views.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from .. import config
from ..cluster.connection import Connection, KubeconfigError, kubeconfig_paths, list_contexts, load_target
from ..cluster.discovery import Discovery
from ..cluster.kubeconfig_watch import KubeconfigWatch
from ..cluster.store import InformerHub
from ..config import Settings
from ..metrics.alert_watch import AlertWatch
from ..text import sanitize
from . import frame_pacing, navigation
from .commands import CommandError, parse_command
from .gc_tuning import REFREEZE_SECONDS, FrozenGarbage, refreeze, tune_gc
from .keygate import KeyGate
from .palette import K8sCommands
from .themes import DEFAULT_THEME, load_themes


class K8sTuiApp(App):
    """The dashboard application."""

    TITLE = "k8stui"
    COMMANDS = App.COMMANDS | {K8sCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("K", "reload_kubeconfig", "Reload kubeconfig", show=False),
    ]
    KUBECONFIG_POLL_SECONDS = 2.0
    CSS = """
    Screen { background: $background; }
    """

    def __init__(self, connection: Connection, settings: Settings | None = None, *, all_namespaces: bool = False,
                 read_only: bool = False, prometheus_url: str | None = None, theme: str | None = None,
                 kubeconfig: str | None = None, start_command: str | None = None) -> None:
        frame_pacing.install()  # before any screen's frame timer starts (frame_pacing.py)
        super().__init__()
        # Keys typed during a screen change go to the screen the user will see (keygate.py).
        self.key_gate = KeyGate(self, super().on_event)
        self.frozen_garbage = FrozenGarbage()
        self.start_command = start_command
        self.first_frame_painted = False  # (see ``_first_frame_painted``)
        self.settings = settings or Settings()
        self.connection = connection
        self.kubeconfig = kubeconfig
        self.namespace = connection.target.namespace
        self.all_namespaces = all_namespaces
        self.read_only = read_only or self.settings.read_only
        self.read_only_reason = ("started with --read-only" if read_only else
                                 "read_only = true in config.toml" if self.settings.read_only else "")
        self.prometheus_url = prometheus_url or self.settings.prometheus_url or None
        self.metrics_source = "prometheus" if self.prometheus_url else ""
        self.hub = InformerHub(connection, flush_interval=self.settings.repaint_interval)
        self.hub.hold_requests()  # until the first frame is painted (``_start_cluster_work``)
        self._forwards: Any = None  # the port-forwards (``forwards``), made on first use
        self.draining: dict[str, Any] = {}  # node -> its running drain (actions.nodes.Drain); the nodes view marks them
        # The server's kinds (``discovery.registry``), kept current; started after the first paint.
        self.discovery = Discovery(connection)
        # The kubeconfig files, watched for changes (a new CA or token after a server restart, a new login).
        self.kubeconfig_watch = KubeconfigWatch(kubeconfig_paths(kubeconfig))
        self.kubeconfig_watch.baseline()  # now, as the connection was just made from it (before the UI loop runs)
        # The alerts firing now (header count, dashboard rows), polled once for the whole app.
        self.alert_watch = AlertWatch()
        self._themes = load_themes()
        for bundled in self._themes.values():
            self.register_theme(bundled)
        wanted = theme or self.settings.theme
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME

    @property
    def forwards(self) -> Any:
        """Active port-forwards (``:pf``, ``actions.sessions.Forwards``); every one stops when the app quits.
        Imported on first use: the websocket client is not needed to start."""
        if self._forwards is None:
            from ..actions.sessions import Forwards

            self._forwards = Forwards()
        return self._forwards

    @property
    def scope_namespace(self) -> str | None:
        """The namespace informers list (None = all namespaces)."""
        return None if self.all_namespaces else self.namespace

    def on_mount(self) -> None:
        from .screens.dashboard import DashboardScreen

        # Under a start command's view (``-c pods``) the dashboard waits until it is first shown.
        self.push_screen(DashboardScreen(deferred=bool(self.start_command)))
        self.call_after_refresh(self._first_frame_painted)
        self.set_interval(REFREEZE_SECONDS, refreeze)
        self.set_interval(1.0, self.frozen_garbage.reclaim_if_due)
        self.set_interval(self.KUBECONFIG_POLL_SECONDS, self._poll_kubeconfig)
        if self.start_command:
            self.run_command(self.start_command)

    def _first_frame_painted(self) -> None:
        """The first frame is on the screen: its footer keys next (``KeyFooter`` waits for this: composing them
        cost the frame ~30 ms), then, after their paint, the cluster work."""
        self.first_frame_painted = True
        self.call_after_refresh(self._start_cluster_work)

    def _start_cluster_work(self) -> None:
        self.hub.release_requests()
        self._tune_gc_after_first_frame()
        self.call_after_refresh(self.discovery.start)
        self.call_after_refresh(self._start_alert_watch)

    def _tune_gc_after_first_frame(self) -> None:
        """``tune_gc`` right after the first frame, once the informers' requests are out (its full collection runs
        while the server answers; it walks only what was made since the imports, which ``cli`` froze), not after
        the first LIST: with Python's default thresholds, a 10k-pod LIST set off 8 full collections over the
        growing cache (0.6-0.8 s of CPU before the table was complete), and the one in ``tune_gc`` at its end
        walked the whole cache."""
        self.call_after_refresh(tune_gc)

    def _start_alert_watch(self) -> None:
        """Poll the alerts of this connection's Prometheus (none configured: nothing to poll)."""
        from ..metrics.service import service_for

        service = service_for(self)
        if service.endpoint is None:
            self.alert_watch.stop()
            return
        self.alert_watch.start(service.endpoint, service.alertmanager, asyncio.get_running_loop())

    async def on_unmount(self) -> None:
        self.alert_watch.stop()
        if self._forwards is not None:
            await self._forwards.stop_all()  # a forward never outlives the app
        await self.discovery.close()
        await self.hub.close()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every toast is plain text, whoever asks (``Widget.notify`` passes ``markup=True``): toasts carry log
        lines, object names and server messages, and markup in them would crash the app (``[/x]``) or become
        a clickable action (``[@click=app.quit]``)."""
        super().notify(sanitize(str(message)), title=sanitize(str(title)), severity=severity, timeout=timeout,
                       markup=False)

    # -- key routing ------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                self.frozen_garbage.key_pressed()
                await self.key_gate.on_key(event)
                return
            await super().on_event(event)  # bubbled back up: the app's key bindings run here
            self.key_gate.bubbled(event)
            return
        await super().on_event(event)

    def push_screen(self, screen, callback=None, wait_for_dismiss=False, *, mode=None):  # type: ignore[override]
        result = super().push_screen(screen, callback, wait_for_dismiss, mode=mode)
        self.key_gate.hold_until_settled(self.screen, "push_screen")
        return result

    def pop_screen(self):  # type: ignore[override]
        result = super().pop_screen()
        self.frozen_garbage.screen_closed()
        self.key_gate.hold_until_settled(self.screen, "pop_screen")
        return result

    def switch_screen(self, screen):  # type: ignore[override]
        result = super().switch_screen(screen)
        self.frozen_garbage.screen_closed()
        self.key_gate.hold_until_settled(self.screen, "switch_screen")
        return result

    # -- themes ------------------------------------------------------------------------------------
    def watch_theme(self, theme: str) -> None:
        if getattr(self, "_themes", None) is not None and self.is_running:
            config.remember(theme=theme)

    def k8stui_theme_names(self) -> list[str]:
        return sorted(self._themes)

    # -- navigation --------------------------------------------------------------------------------
    def run_command(self, text: str) -> None:
        try:
            command = parse_command(text, self.settings.aliases, self.discovery.registry)
        except CommandError as exc:
            self.notify(str(exc), severity="error")
            return
        if command.view == "kind":
            navigation.open_kind(self, command.kind, command.word, command.arg,
                                 scope=navigation.Scope(command.all_namespaces, command.namespace))
        else:
            self.open_view(command.view, command.arg)

    def open_view(self, view: str, arg: str = "") -> None:
        """An app view by name (``contexts``, ``xray`` ...) or a kind by any name the registry resolves."""
        from .screens.contexts import ContextsScreen
        from .screens.dashboard import DashboardScreen

        if view == "quit":
            self.exit()
        elif view == "help":
            self.screen.action_help()  # type: ignore[attr-defined]
        elif view == "dashboard":
            self._reset_to(DashboardScreen())
        elif view == "namespaces" and arg:
            self.switch_namespace(arg)
        elif view == "contexts" and arg:
            self.switch_context(arg)
        elif view == "contexts":
            self.push_screen(ContextsScreen())
        elif view == "xray":
            navigation.open_xray(self, arg)
        elif view == "audit":
            from .screens.audit import AuditScreen

            self.push_screen(AuditScreen())
        elif view == "portforwards":
            from .screens.forwards import ForwardsScreen

            self.push_screen(ForwardsScreen())
        elif view == "alerts":
            from .screens.alerts import AlertsScreen

            self.push_screen(AlertsScreen())
        elif view in ("lint", "timeline", "helm"):
            from .screens.diagnosis_base import open_diagnosis

            open_diagnosis(self, view, arg)
        else:
            navigation.open_kind(self, self.discovery.registry.resolve(view), view, arg)

    def open_xray_of(self, kind_key: str, obj: dict) -> None:
        navigation.open_xray_of(self, kind_key, obj)

    def open_events_of(self, kind_key: str, obj: dict) -> None:
        navigation.open_events_of(self, kind_key, obj)

    def _reset_to(self, screen) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    def switch_namespace(self, namespace: str) -> None:
        """Look at another namespace (``all`` or ``-A`` for every namespace), keeping the current view."""
        if namespace in ("all", "-A", "*"):
            self.all_namespaces = True
        else:
            self.all_namespaces = False
            self.namespace = namespace
        self._reopen_current_view()
        self.notify(f"namespace: {'all' if self.all_namespaces else namespace}", timeout=2)

    def switch_context(self, context: str) -> None:
        """Reconnect as another kubeconfig context without restarting; a bad context is a toast, not a crash.
        Loading the context (file parsing, an exec credential plugin) runs in a thread: the screen never
        freezes, even when ``aws eks get-token`` takes seconds."""
        self.run_worker(self._switch_context(context), group="switch-context", exclusive=True,
                        exit_on_error=False)

    async def _switch_context(self, context: str) -> None:
        try:
            connection = await asyncio.to_thread(load_target, self.kubeconfig, context, None, interactive=False)
        except KubeconfigError as exc:
            self.notify(str(exc), severity="error")
            return
        self.namespace = connection.target.namespace
        self.all_namespaces = False
        self._use_connection(connection, dashboard=True)
        self.notify(f"context: {context}", timeout=2)

    def _use_connection(self, connection: Connection, *, dashboard: bool) -> None:
        """Replace the connection and everything made from it (informers, discovery) and reopen the view."""
        old_hub, old_discovery = self.hub, self.discovery
        self.connection = connection
        self.hub = InformerHub(connection, flush_interval=self.settings.repaint_interval)
        self.discovery = Discovery(connection)
        self.discovery.start()
        self._start_alert_watch()
        self._reopen_current_view(dashboard=dashboard)
        self.run_worker(old_hub.close(), exclusive=False)
        self.run_worker(old_discovery.close(), exclusive=False)

    # -- the kubeconfig changing on disk -------------------------------------------------------------
    @property
    def kubeconfig_changed(self) -> bool:
        """The kubeconfig files say something else than what the connection was made from."""
        return self.kubeconfig_watch.changed

    def _poll_kubeconfig(self) -> None:
        self.run_worker(self._check_kubeconfig, group="kubeconfig-watch", exclusive=True, exit_on_error=False)

    async def _check_kubeconfig(self) -> None:
        if await asyncio.to_thread(self.kubeconfig_watch.poll):  # stat + hash: file I/O off the UI loop
            self.notify(f"the kubeconfig changed on disk ({', '.join(self.kubeconfig_watch.paths)}): press "
                        f"K to reconnect to {self.connection.target.context} with it",
                        severity="warning", timeout=30)

    def action_reload_kubeconfig(self) -> None:
        """``K``: reconnect to the current context (same namespace and view) from the kubeconfig as it is
        on disk now; ``:ctx`` still switches to any context."""
        self.run_worker(self._reload_kubeconfig, group="kubeconfig-reload", exclusive=True, exit_on_error=False)

    async def _reload_kubeconfig(self) -> None:
        context = self.connection.target.context
        namespace = self.namespace
        try:
            # Parsing the file (and an exec credential plugin) may block: off the UI loop.
            connection = await asyncio.to_thread(load_target, self.kubeconfig, context, namespace,
                                                 interactive=False)
            await asyncio.to_thread(self.kubeconfig_watch.baseline)
        except KubeconfigError as exc:
            self.notify(f"kubeconfig not reloaded: {exc}", severity="error")
            return
        self._use_connection(connection, dashboard=False)
        self.notify(f"kubeconfig reloaded: context {context}", timeout=3)

    def _reopen_current_view(self, dashboard: bool = False) -> None:
        from .screens.dashboard import DashboardScreen

        current = self.screen
        factory = getattr(current, "reopen", None)
        new = DashboardScreen() if dashboard or factory is None else factory()
        self._reset_to(new)

    def context_names(self) -> tuple[list[str], str]:
        try:
            return list_contexts(self.kubeconfig)
        except KubeconfigError:
            return [self.connection.target.context], self.connection.target.context
