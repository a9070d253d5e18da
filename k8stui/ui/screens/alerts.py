"""``:alerts``: firing and pending alerts (Prometheus, plus AlertManager when configured), with their labels and
since when; ``enter`` jumps to the pod, deployment, node or namespace the alert is about.

Alerts are polled in a background thread every few seconds (``k8stui.metrics.poller``), with back-off while
Prometheus is unreachable; each poll replaces the table model's rows (keyed by the alert's label set), so the
cursor stays on the same alert across refreshes and only alerts that changed are repainted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ... import clock
from ...cluster import kinds
from ...cluster.quantity import format_age
from ...cluster.table_model import Column, TableModel, cell
from ...metrics.alerts import Alert, AlertsResult, Related
from ...metrics.poller import PollResult, PollState
from ...text import sanitize
from ..widgets.resource_view import ResourceView
from .base import ClusterScreen

if TYPE_CHECKING:
    from ...metrics.poller import Poller
    from ...metrics.service import MetricsService

REFRESH_SECONDS = 5.0
STATE_STYLE = {"firing": "bold red", "pending": "yellow", "silenced": "dim"}
SEVERITY_STYLE = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}
HIDDEN_LABELS = {"alertname", "severity", "namespace", "pod", "deployment"}


@dataclass
class AlertsUpdated(Message):
    """A poll of the alert sources finished (posted from the poller's thread)."""

    result: PollResult[AlertsResult]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AlertsUpdated)


def labels_text(alert: Alert) -> str:
    return ", ".join(f"{k}={v}" for k, v in alert.labels if k not in HIDDEN_LABELS)


def alert_key(alert: Alert) -> str:
    """One alert instance is one label set."""
    return "\n".join(f"{k}={v}" for k, v in alert.labels)


def _since(alert: Alert) -> str:
    return format_age(clock.now() - alert.since) if alert.since else "?"


def _object(alert: Alert) -> str:
    related = alert.related()
    return related.title if related else "–"


ALERT_COLUMNS: list[Column[Alert]] = [
    Column("state", "STATE", lambda a: cell(a.state, STATE_STYLE.get(a.state, "")), Alert.sort_key),
    Column("severity", "SEVERITY", lambda a: cell(a.severity, SEVERITY_STYLE.get(a.severity, ""))),
    Column("alert", "ALERT", lambda a: cell(a.name, "bold")),
    Column("object", "OBJECT", _object),
    Column("since", "SINCE", _since, lambda a: -(a.since or 0.0), volatile=True),
    Column("summary", "SUMMARY", lambda a: a.summary, flex=1),
    Column("labels", "LABELS", lambda a: cell(labels_text(a), "dim"), flex=1),
]


class AlertsScreen(ClusterScreen):
    """The alerts table."""

    view_name = "alerts"
    BINDINGS = [
        Binding("enter", "jump", "Go to object"),
        Binding("ctrl+r", "refresh_now", "Refresh", show=False),
    ]
    DEFAULT_CSS = """
    AlertsScreen #alerts-pane { border: round $foreground 30%; border-title-color: $foreground 80%; height: 1fr; }
    AlertsScreen #alerts-status { height: 1; padding: 0 1; }
    AlertsScreen #alerts { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.alerts: tuple[Alert, ...] = ()
        self.result: PollResult[AlertsResult] | None = None
        self.service: MetricsService | None = None
        self.poller: Poller[AlertsResult] | None = None
        self.model: TableModel[Alert] = TableModel(ALERT_COLUMNS, key_of=alert_key, sort_column="state",
                                                   tiebreak_column="alert")
        self.table = ResourceView(self.model, id="alerts")
        self.status = Static("", id="alerts-status")
        self._status_plain = ""

    def reopen(self) -> AlertsScreen:
        return AlertsScreen()

    def compose_body(self) -> ComposeResult:
        with Vertical(id="alerts-pane"):
            yield self.status
            yield self.table

    def on_mount(self) -> None:  # ClusterScreen.on_mount runs too (Textual calls every class's handler)
        from ...metrics.alerts import fetch_alerts
        from ...metrics.poller import Poller
        from ...metrics.service import service_for

        self.query_one("#alerts-pane").border_title = "Alerts"
        self.table.focus()
        service = self.service = service_for(self.app)
        if service.endpoint is None:
            reason = service.config_error or ("alerts need Prometheus: none configured (set --prometheus-url, "
                                              "K8STUI_PROMETHEUS_URL or prometheus_url in config.toml)")
            self._set_status(reason, "bold yellow")
            return
        self._set_status(f"reading alerts from {service.endpoint.display}…", "yellow")
        prometheus, alertmanager = service.endpoint, service.alertmanager
        self.poller = Poller(lambda: fetch_alerts(prometheus, alertmanager),
                             lambda r: self.post_message(AlertsUpdated(r)), interval=REFRESH_SECONDS,
                             name="k8stui-alerts")
        self.poller.start()

    def on_unmount(self) -> None:
        poller, self.poller = self.poller, None
        if poller is not None:
            poller.stop(timeout=0.5)

    def _set_status(self, text: str, style: str) -> None:
        line = Text(" ".join(sanitize(text).split()), style=style, no_wrap=True, overflow="ellipsis")
        self._status_plain = line.plain
        self.status.update(line)

    @property
    def status_text(self) -> str:
        return self._status_plain

    # -- data ------------------------------------------------------------------------------------------------
    def on_alerts_updated(self, message: AlertsUpdated) -> None:
        message.stop()
        result = self.result = message.result
        service = self.service
        if result.state is PollState.UNREACHABLE:
            retry = f" — retrying in {math.ceil(result.retry_in)}s" if result.retry_in > 0 else ""
            self._set_status(f"{result.error}{retry}", "bold red")
            if service is not None and service.endpoint is not None:
                from ...metrics.service import UNREACHABLE

                self.k8s_app.metrics_source = UNREACHABLE
            return
        assert result.value is not None
        value = result.value
        self._fill(value.alerts)
        firing = sum(1 for a in value.alerts if a.state == "firing")
        pending = sum(1 for a in value.alerts if a.state == "pending")
        text = f"{firing} firing, {pending} pending · from {' + '.join(value.sources)}"
        if value.errors:
            text += " · " + "; ".join(value.errors)
        self._set_status(text, "bold red" if value.errors else "dim")
        if service is not None and service.source:
            self.k8s_app.metrics_source = service.source

    def _fill(self, alerts: tuple[Alert, ...]) -> None:
        self.alerts = alerts
        self.model.replace(alerts)

    def current_alert(self) -> Alert | None:
        return self.table.current_row()

    # -- keys ----------------------------------------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.poke()

    @on(ResourceView.RowSelected, "#alerts")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        event.stop()
        self.action_jump()

    def action_jump(self) -> None:
        """Open the object the alert is about (switching namespace when needed)."""
        alert = self.current_alert()
        if alert is None:
            self.notify("no alert selected", severity="warning")
            return
        related = alert.related()
        if related is None:
            self.notify(f"{alert.name} does not name a namespace, pod, deployment or node", severity="warning")
            return
        jump_to(self.k8s_app, related)


def jump_to(app: Any, related: Related) -> None:
    """Show ``related``: a filtered pods/deployments/nodes view, or the namespace's dashboard."""
    from .resource import ResourceScreen

    ns, name = related.namespace, related.name
    if related.kind == "namespaces":
        app.all_namespaces = False
        app.namespace = ns
        app.open_view("dashboard")
        app.notify(f"namespace: {ns}", timeout=2)
        return
    if ns and not app.all_namespaces and app.namespace != ns:
        app.switch_namespace(ns)

    def exact(obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        if ns and meta.get("namespace") != ns:
            return False
        if related.label == "app":
            spec = obj.get("spec") or {}
            labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or meta.get("labels") or {}
            return labels.get("app") == name or labels.get("app.kubernetes.io/name") == name
        return meta.get("name") == name

    kind = {"pods": kinds.PODS, "deployments": kinds.DEPLOYMENTS, "nodes": kinds.NODES}[related.kind]
    app.push_screen(ResourceScreen(kind, title=f"{kind.kind}s of alert: {sanitize(related.title)}",
                                   predicate=exact))
