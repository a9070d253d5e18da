"""``?``: the key map, generated from the bindings of the screen it was opened from and the app's."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...text import plain

COMMANDS = [
    (":pods :deploy :rs :svc :ing :nodes :events :ns :ctx", "switch view (also :po :dp :no :ev ...)"),
    (":ns NAME / :ctx NAME", "switch namespace / context"),
    (":q", "quit"),
]


def binding_rows(bindings: list[Binding]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    rows = []
    for b in bindings:
        if not b.description or b.description in seen:
            continue
        seen.add(b.description)
        rows.append((b.key_display or b.key.replace(",", " / "), b.description))
    return rows


class HelpScreen(ModalScreen):
    """A modal table of keys; any of escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-height: 90%; border: round $primary; background: $surface; }
    """

    def __init__(self, title: str, bindings: list[Binding]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = binding_rows(bindings)

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action")
        for key, description in self.rows:
            table.add_row(Text(key), Text(description))
        for key, description in COMMANDS:
            table.add_row(Text(key), Text(description))
        scroll = VerticalScroll(Static(table))
        scroll.border_title = plain(f"Help — {self.title_text}")
        yield scroll
