"""The top bar: context, cluster, namespace, API and Prometheus health, and the read-only badge.

The API part says what the user may and may not see (``api synced · nodes forbidden``; ``api ok · pods,
events forbidden in shop`` when nothing at all is visible) and how old the data is when it may be behind
(``api stale · data 40 s old``)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.widget import Widget

from ...cluster.store import HubHealth
from ...text import sanitize


@dataclass(frozen=True)
class HeaderState:
    """What the header shows; replaced as a whole so one repaint covers one change."""

    context: str = ""
    cluster: str = ""
    namespace: str = ""
    api_health: str = "connecting"  # synced / stale / syncing / reconnecting / forbidden / error / connecting
    api_detail: str = ""
    api_forbidden: tuple[tuple[str, str], ...] = ()  # (plural, "in shop" / "in all namespaces" / "")
    data_age: int | None = None  # seconds, when the data may be behind the server
    metrics_source: str = ""
    read_only: bool = False
    view: str = ""
    notice: str = ""  # e.g. "kubeconfig changed: K reconnects"
    alerts_firing: int | None = None  # None: no alert source (no Prometheus) or not read yet
    alerts_error: str = ""  # the last poll failed (the count is the last good one)


_HEALTH_STYLE = {"synced": "bold green", "syncing": "yellow", "connecting": "yellow", "stale": "bold yellow",
                 "reconnecting": "bold yellow", "forbidden": "bold green", "error": "bold red"}
# The word shown for a state: "forbidden" (everything here is) is not an API problem — the API answers.
_HEALTH_WORD = {"forbidden": "ok"}


def api_fields(health: HubHealth) -> dict[str, object]:
    """The HeaderState fields for the informer hub's aggregate health."""
    return {"api_health": health.state.value, "api_detail": health.error,
            "api_forbidden": health.forbidden_resources, "data_age": health.data_age}


def alert_fields(watch: object) -> dict[str, object]:
    """The HeaderState fields for the app's ``AlertWatch`` (no count until it has read the alerts once)."""
    latest = getattr(watch, "latest", None)
    return {"alerts_firing": len(getattr(watch, "firing", ())) if latest is not None else None,
            "alerts_error": getattr(watch, "error", "")}


def format_age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def forbidden_text(resources: tuple[tuple[str, str], ...]) -> str:
    """``pods, events forbidden in shop · nodes forbidden`` (grouped by where, in order)."""
    groups: dict[str, list[str]] = {}
    for plural, where in resources:
        groups.setdefault(where, []).append(plural)
    return " · ".join(f"{', '.join(plurals)} forbidden" + (f" {where}" if where else "")
                      for where, plurals in groups.items())


class StatusHeader(Widget):
    """One line; colours come from the theme variables via component classes."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $panel; color: $foreground; padding: 0 1;
                   text-wrap: nowrap; text-overflow: ellipsis; }
    """

    state: reactive[HeaderState] = reactive(HeaderState, layout=False)
    ALERTS_KEY = "!"

    def __init__(self) -> None:
        super().__init__()
        self._alerts_span: tuple[int, int] | None = None  # where the alert count is painted (click target)

    def render(self) -> Text:
        s = self.state
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(" k8stui ", style="bold reverse")
        if s.read_only:
            out.append(" READ-ONLY ", style="bold reverse red")
        if s.notice:  # up front too: what the user must act on stays on an 80-column screen (long EKS contexts)
            out.append(f"  {sanitize(s.notice)}", style="bold yellow")
        out.append("  ctx ")
        out.append(sanitize(s.context) or "?", style="bold")
        if s.cluster:
            out.append(f" ({sanitize(s.cluster)})", style="dim")
        out.append("  ns ")
        out.append(sanitize(s.namespace) or "all", style="bold")
        self._alerts_span = None
        if s.alerts_firing is not None:
            start = len(out)
            out.append("  alerts ")
            if s.alerts_firing:  # "alerts 3 firing !": one space between words, as "alerts 0 firing"
                out.append(f"{s.alerts_firing} firing", style="bold white on red")
                out.append(f" {self.ALERTS_KEY}", style="bold")
            else:
                out.append("0 firing", style="green")
            if s.alerts_error:
                out.append(" (unreachable)", style="yellow")
            self._alerts_span = (start + 2, len(out))
        out.append("  api ")
        out.append(_HEALTH_WORD.get(s.api_health, s.api_health), style=_HEALTH_STYLE.get(s.api_health, "bold"))
        if s.data_age is not None:
            out.append(f" · data {format_age(s.data_age)} old", style="bold yellow")
        if s.api_forbidden:
            out.append(f" · {sanitize(forbidden_text(s.api_forbidden))}", style="red")
        if s.api_detail and s.api_health not in ("synced", "forbidden"):
            out.append(f" ({sanitize(s.api_detail)[:60]})", style="dim")
        if s.metrics_source:
            out.append("  metrics ")
            out.append(sanitize(s.metrics_source), style="bold")
        if s.view:
            out.append("  view ")
            out.append(sanitize(s.view), style="bold")
        if s.read_only:  # the reason last: the badge is up front, where an 80-column header still shows it
            reason = getattr(self.app, "read_only_reason", "") if self.is_attached else ""
            out.append(f"  changes disabled{f' ({reason})' if reason else ''}", style="bold red")
        return out

    def on_click(self, event: events.Click) -> None:
        """A click on the alert count opens ``:alerts`` (as the ``!`` key does)."""
        span = self._alerts_span
        offset = event.get_content_offset(self)
        if span is not None and offset is not None and span[0] <= offset.x < span[1]:
            event.stop()
            open_view = getattr(self.app, "open_view", None)
            if open_view is not None:
                open_view("alerts")
