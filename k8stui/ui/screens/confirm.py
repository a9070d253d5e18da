"""The confirmation of a plan: the exact change (kind/name, namespace, context and user, before -> after, each
write with its precondition), the server's dry-run verdict, warnings and details (e.g. the template diff).

In a dangerous context (``dangerous_contexts`` patterns in config.toml, e.g. ``*prod*``) the change is only
applied after the user types the object's name (``3 pods`` for several). A plan with ``danger`` (kill) is
shown louder: a red frame, its warning on top, and a red button named after the verb. After a 409 Conflict the same screen comes back with a
notice saying the plan was rebuilt from the new state. Dismisses with True (apply) or False (cancel).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ...actions.plan import Plan
from ...text import plain, sanitize


def is_dangerous(context: str, patterns: Iterable[str]) -> bool:
    """Whether ``context`` matches one of the ``dangerous_contexts`` patterns (shell-style, e.g. ``*prod*``)."""
    return any(fnmatch.fnmatchcase(context, p) for p in patterns)


def plan_table(plan: Plan, dry_run: str = "accepted by the server (dryRun=All)") -> Table:
    """The plan as a two-column table (also used by tests and the audit view's detail)."""
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
    table.add_column("what", style="bold", no_wrap=True, width=10)
    table.add_column("value", overflow="fold")
    table.add_row("context", Text(sanitize(f"{plan.context} (user {plan.user})")))
    table.add_row("object", Text(sanitize(f"{plan.kind} {plan.name}" + (f" in namespace {plan.namespace}"
                                                                           if plan.namespace else ""))))
    change = Text(sanitize(plan.before), style="red")
    change.append("  →  ", style="bold")
    change.append(sanitize(plan.after), style="green")
    table.add_row("change", change)
    for n, write in enumerate(plan.writes):
        line = Text(sanitize(write.describe()))
        if write.precondition:
            line.append(sanitize(f"  [if {write.precondition}]"), style="dim")
        table.add_row("writes" if n == 0 else "", line)
    table.add_row("dry-run", Text(dry_run, style="green"))
    for n, warning in enumerate(plan.warnings):
        table.add_row("warning" if n == 0 else "", Text(sanitize(warning), style="bold yellow"))
    return table


def detail_text(lines: list[str]) -> Text:
    """Details with diff lines coloured (``+`` green, ``-`` red, ``@@`` dim)."""
    out = Text()
    for line in lines:
        clean = sanitize(line)
        style = ""
        if clean.startswith(("+++", "---")):
            style = "bold"
        elif clean.startswith("+"):
            style = "green"
        elif clean.startswith("-"):
            style = "red"
        elif clean.startswith("@@"):
            style = "dim"
        out.append(clean + "\n", style=style)
    out.rstrip()
    return out


class ConfirmScreen(ModalScreen[bool]):
    """Apply or cancel one plan."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("n", "cancel", "Cancel", show=False),
        Binding("y", "apply", "Apply"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > VerticalScroll { width: 110; max-width: 95%; height: auto; max-height: 100%;
                                     border: thick $warning; background: $surface; padding: 0 1;
                                     scrollbar-size-vertical: 1; }
    ConfirmScreen #confirm-actions { dock: bottom; height: auto; }  /* stays on screen; the body scrolls */
    ConfirmScreen #confirm-notice { color: $warning; text-style: bold; margin-bottom: 1; }
    ConfirmScreen #confirm-danger { color: $error; text-style: bold; }
    ConfirmScreen > .loud { border: thick $error; }
    ConfirmScreen #confirm-loud { color: $text; background: $error; text-style: bold; padding: 0 1; margin-bottom: 1; }
    ConfirmScreen #confirm-details { height: auto; max-height: 16; border-top: solid $foreground 30%; }
    ConfirmScreen #confirm-error { color: $error; height: auto; }
    ConfirmScreen #confirm-buttons { height: 3; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 1; }
    """

    def __init__(self, plan: Plan, notice: str = "", dangerous: bool = False) -> None:
        super().__init__()
        self.plan = plan
        self.notice = notice
        self.dangerous = dangerous

    def compose(self) -> ComposeResult:
        word = self.plan.typed_confirmation
        with VerticalScroll(classes="loud" if self.plan.danger else "") as box:
            box.border_title = plain(f"Confirm: {self.plan.title}")
            if self.plan.danger:
                yield Static(Text(sanitize(self.plan.danger)), id="confirm-loud")
            if self.notice:
                yield Static(Text(sanitize(self.notice)), id="confirm-notice")
            yield Static(plan_table(self.plan), id="confirm-plan")
            yield from self.compose_choices()
            if self.plan.details:
                with VerticalScroll(id="confirm-details"):
                    yield Static(detail_text(self.plan.details))
            with Vertical(id="confirm-actions"):
                if self.dangerous:
                    yield Static(Text(sanitize(f"context {self.plan.context} is marked dangerous: type "
                                               f"{word} to apply")), id="confirm-danger")
                    yield Input(placeholder=sanitize(word), id="confirm-name")
                yield Static("", id="confirm-error")
                with Horizontal(id="confirm-buttons"):
                    yield Button(f"{self.plan.verb.capitalize() if self.plan.danger else 'Apply'} (y)",
                                 variant="error" if self.plan.danger else "warning", id="confirm-apply")
                    yield Button("Cancel (esc)", id="confirm-cancel")

    def compose_choices(self) -> ComposeResult:
        """Choices that change the plan (subclasses: the delete's propagation policy); none here."""
        yield from ()

    def on_mount(self) -> None:
        if self.dangerous:
            self.query_one("#confirm-name", Input).focus()
        else:
            self.query_one("#confirm-cancel", Button).focus()

    def action_apply(self) -> None:
        if self.dangerous:
            typed = self.query_one("#confirm-name", Input).value.strip()
            word = self.plan.typed_confirmation
            if typed != word:
                self.query_one("#confirm-error", Static).update(
                    Text(sanitize(f"type {'' if self.plan.confirm_word else 'the name '}{word} exactly to apply in a "
                                  "dangerous context")))
                return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm-apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#confirm-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#confirm-name")
    def _name_submitted(self) -> None:
        self.action_apply()
