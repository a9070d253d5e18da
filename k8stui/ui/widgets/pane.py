"""Pane: a bordered box around one table, with a state line for syncing / forbidden / reconnecting.

The table's summary ("8", "3/8 match /x/") is the pane's border subtitle (set by the ResourceView)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...cluster.store import Health, HealthState
from ...text import plain, sanitize
from .resource_view import ResourceView
from .status_header import format_age

_STATE_TEXT = {
    Health.SYNCING: ("loading…", "yellow"),
    Health.STALE: ("stale", "bold yellow"),
    Health.RECONNECTING: ("reconnecting…", "bold yellow"),
    Health.FORBIDDEN: ("forbidden", "bold red"),
    Health.ERROR: ("error", "bold red"),
}


class Pane(Vertical):
    """A titled region holding a ResourceView; ``show_health`` puts the informer's state on screen."""

    DEFAULT_CSS = """
    Pane { border: round $foreground 30%; border-title-color: $foreground 80%;
           border-subtitle-color: $foreground 60%; height: 1fr; }
    Pane:focus-within { border: round $primary; border-title-color: $primary; border-title-style: bold; }
    Pane > .pane-state { height: auto; display: none; padding: 0 1; }
    Pane.-stateful > .pane-state { display: block; }
    """

    def __init__(self, title: str, table: ResourceView, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = plain(title)
        self.table = table
        self.state_line = Static("", classes="pane-state")
        self.health = Health.SYNCING
        self._state_plain = ""

    def compose(self) -> ComposeResult:
        yield self.state_line
        yield self.table

    def set_title(self, title: str) -> None:
        self.border_title = plain(title)

    def show_health(self, state: HealthState) -> None:
        self.health = state.state
        entry = _STATE_TEXT.get(state.state)
        if entry is None:
            self._state_plain = ""
            self.remove_class("-stateful")
            return
        label, style = entry
        line = Text(label, style=style)
        if state.data_age is not None:
            line.append(f" · data {format_age(state.data_age)} old", style="bold yellow")
        if state.error:
            line.append(f": {sanitize(state.error)}", style="dim" if state.state is Health.SYNCING else "")
        self._state_plain = line.plain
        self.state_line.update(line)
        self.add_class("-stateful")

    @property
    def state_text(self) -> str:
        """What the state line says (tests read it)."""
        return self._state_plain
