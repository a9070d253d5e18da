"""``?``: the key map, generated from the bindings of the screen it was opened from and the app's, and the
``:`` commands, generated from the command table (``commands.VIEW_ALIASES``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...text import plain
from ..commands import command_help

SWITCHES = [("/TEXT", "filter the focused table")]


def binding_rows(bindings: list[Binding]) -> list[tuple[str, str]]:
    """One row per key: the first binding of a key wins (pass the most specific first — the screen's own
    before the focused widget's and the app's), and a description already listed is not repeated."""
    keys: set[str] = set()
    descriptions: set[str] = set()
    rows = []
    for b in bindings:
        own = [k.strip() for k in b.key.split(",") if k.strip() not in keys]
        if not b.description or not own or b.description in descriptions:
            continue
        keys.update(own)
        descriptions.add(b.description)
        rows.append((b.key_display or " / ".join(own), b.description))
    return rows


class HelpScreen(ModalScreen):
    """A modal table of keys; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; max-height: 90%; border: round $primary; background: $surface; }
    """

    def __init__(self, title: str, bindings: list[Binding], commands: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.rows = binding_rows(bindings)
        self.commands = commands
        self.command_rows: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action")
        for key, description in self.rows:
            table.add_row(Text(key), Text(description))
        if self.commands:
            settings = getattr(self.app, "settings", None)
            self.command_rows = SWITCHES + command_help(getattr(settings, "aliases", None))
        for key, description in self.command_rows:
            table.add_row(Text(key), Text(description))
        scroll = VerticalScroll(Static(table))
        scroll.border_title = plain(f"Help — {self.title_text}")
        yield scroll
