"""The top bar: context, cluster, namespace, API and Prometheus health, and the read-only badge."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...text import sanitize


@dataclass(frozen=True)
class HeaderState:
    """What the header shows; replaced as a whole so one repaint covers one change."""

    context: str = ""
    cluster: str = ""
    namespace: str = ""
    api_health: str = "connecting"  # synced / syncing / reconnecting / forbidden / error / connecting
    api_detail: str = ""
    metrics_source: str = ""
    read_only: bool = False
    view: str = ""


_HEALTH_STYLE = {"synced": "bold green", "syncing": "yellow", "connecting": "yellow",
                 "reconnecting": "bold yellow", "forbidden": "bold red", "error": "bold red"}


class StatusHeader(Widget):
    """One line; colours come from the theme variables via component classes."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    state: reactive[HeaderState] = reactive(HeaderState, layout=False)

    def render(self) -> Text:
        s = self.state
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(" k8stui ", style="bold reverse")
        out.append("  ctx ")
        out.append(sanitize(s.context) or "?", style="bold")
        if s.cluster:
            out.append(f" ({sanitize(s.cluster)})", style="dim")
        out.append("  ns ")
        out.append(sanitize(s.namespace) or "all", style="bold")
        out.append("  api ")
        out.append(s.api_health, style=_HEALTH_STYLE.get(s.api_health, "bold"))
        if s.api_detail and s.api_health not in ("synced",):
            out.append(f" ({sanitize(s.api_detail)[:60]})", style="dim")
        if s.metrics_source:
            out.append("  metrics ")
            out.append(sanitize(s.metrics_source), style="bold")
        if s.view:
            out.append("  view ")
            out.append(s.view, style="bold")
        if s.read_only:
            out.append("  ")
            out.append(" READ-ONLY ", style="bold reverse red")
            reason = getattr(self.app, "read_only_reason", "") if self.is_attached else ""
            out.append(f" changes disabled{f' ({reason})' if reason else ''}", style="bold red")
        return out
