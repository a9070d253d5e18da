"""CommandBar: the one-line input at the bottom for ``:`` commands and ``/`` filters (k9s habits)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class CommandBar(Input):
    """Hidden until ``:`` or ``/``; posts CommandSubmitted(mode, text) on enter, CommandCancelled on escape."""

    # Compact (Textual's one-line Input: no border at any state). A plain ``border: none`` here loses to Input's
    # ``:focus { border: tall }`` rule, and a tall border on a one-line widget leaves no row for the text.
    DEFAULT_CSS = """
    CommandBar { dock: bottom; display: none; margin-bottom: 1; }
    CommandBar.-textual-compact { padding: 0 1; background: $boost; }
    CommandBar.-open { display: block; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    @dataclass
    class CommandSubmitted(Message):
        """The user pressed enter: ``mode`` is ":" or "/"."""

        mode: str
        text: str

    @dataclass
    class CommandCancelled(Message):
        """The user pressed escape: ``mode`` is ":" or "/"."""

        mode: str

    def __init__(self) -> None:
        super().__init__(placeholder="", id="command-bar", compact=True)
        self.mode = ":"

    def open(self, mode: str, initial: str = "") -> None:
        self.mode = mode
        self.placeholder = ("command: pods deploy svc nodes events ns ctx … (enter to run, esc to cancel)"
                            if mode == ":" else "filter: text or /regex/ (enter to apply, esc to clear)")
        self.value = initial
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")
        self.value = ""

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = self.value
        mode = self.mode
        self.close()
        self.post_message(self.CommandSubmitted(mode, text))

    def action_cancel(self) -> None:
        mode = self.mode
        self.close()
        self.post_message(self.CommandCancelled(mode))
