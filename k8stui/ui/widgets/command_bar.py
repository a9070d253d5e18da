"""CommandBar: the one-line input at the bottom for ``:`` commands and ``/`` filters (k9s habits).

Opening and closing move the focus at once (not with Textual's deferred ``focus()``), and ``enter`` hands the
command to the screen while the app's key gate holds later keys until the screen has acted on it: what is
typed right after ``:deploy`` + enter goes to the deployments view, not to the bar or the old view.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class CommandBar(Input):
    """Hidden until ``:`` or ``/``; posts CommandSubmitted(mode, text) on enter, CommandCancelled on escape
    (both to its screen)."""

    # Compact (Textual's one-line Input: no border at any state). A plain ``border: none`` here loses to Input's
    # ``:focus { border: tall }`` rule, and a tall border on a one-line widget leaves no row for the text.
    DEFAULT_CSS = """
    CommandBar { dock: bottom; display: none; margin-bottom: 1; }
    CommandBar.-textual-compact { padding: 0 1; background: $boost; }
    CommandBar.-open { display: block; }
    """
    # Priority: run as the key is dispatched, before any key typed after it.
    BINDINGS = [
        Binding("enter", "submit_command", "Run", show=False, priority=True),
        Binding("escape", "cancel", "Cancel", show=False, priority=True),
    ]

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
        self._return_focus: Widget | None = None

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, mode: str, initial: str = "") -> None:
        self.mode = mode
        self.placeholder = ("command: pods deploy svc nodes events ns ctx … (enter to run, esc to cancel)"
                            if mode == ":" else "filter: text or /regex/ (enter to apply, esc to clear)")
        self.value = initial
        if not self.is_open:
            self._return_focus = self.screen.focused
        self.add_class("-open")
        self.screen.set_focus(self)

    def close(self) -> None:
        self.remove_class("-open")
        self.value = ""
        back, self._return_focus = self._return_focus, None
        if self.screen.focused is self:
            self.screen.set_focus(back if back is not None and back.is_attached else None)

    def _hand_to_screen(self, message: Message) -> None:
        """Post ``message`` to the screen and hold later keys until the screen has handled it."""
        gate = getattr(self.app, "key_gate", None)
        screen = self.screen
        self.close()
        screen.post_message(message)
        if gate is not None:
            gate.hold_until_settled(screen, f"command bar {message.__class__.__name__}")

    def action_submit_command(self) -> None:
        self._hand_to_screen(self.CommandSubmitted(self.mode, self.value))

    def action_cancel(self) -> None:
        self._hand_to_screen(self.CommandCancelled(self.mode))
