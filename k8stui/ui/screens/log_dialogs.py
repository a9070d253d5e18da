"""The log view's choosers: which pods of a big workload to follow (``P``), and which fields of structured
(JSON/logfmt) lines to show as columns (``F``).

Both are a filter line over a checklist: type to narrow it, ``down`` to the list, ``space`` ticks, ``enter``
applies, ``esc`` cancels. They dismiss with what was chosen and leave the acting to the panel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...cluster.quantity import format_age
from ...logs.fanout import CRASHING, NOT_READY, NOT_STARTED, PodChoice
from ...text import plain, sanitize

MAX_LISTED = 300  # a 5,000-pod list is filtered, not scrolled

CHECKLIST_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 100; max-width: 98%; height: 90%; max-height: 32; border: thick $primary;
                    background: $surface; padding: 0 1; }}
{name} Input {{ margin: 0; }}
{name} Checklist {{ height: 1fr; border: none; padding: 0; }}
{name} .checklist-help {{ color: $foreground 70%; height: auto; }}
{name} .checklist-error {{ color: $error; text-style: bold; height: auto; }}
"""


class Checklist(OptionList):
    """An OptionList where ``space`` (or a click) ticks the highlighted entry and ``enter`` applies the dialog."""

    BINDINGS = [Binding("space", "toggle", "Choose", show=False), Binding("enter", "submit", "Apply", show=False)]

    @dataclass
    class Toggled(Message):
        option_id: str

    class Submitted(Message):
        """Enter in the list."""

    def action_toggle(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.Toggled(option.id))

    def action_submit(self) -> None:
        self.post_message(self.Submitted())


class _ChecklistDialog(ModalScreen[list[str] | None]):
    """A filter line, a checklist and a help line; subclasses say what an entry is and how it looks."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    title_text = ""
    help_text = "type to filter · ↓ to the list, ↑ back · space: choose · enter: apply · esc: cancel"

    def __init__(self, chosen: Sequence[str], limit: int | None = None) -> None:
        super().__init__()
        self.chosen: list[str] = list(chosen)
        self.limit = limit
        self.listed: list[str] = []

    # -- to provide --------------------------------------------------------------------------------
    def entries(self) -> list[str]:
        raise NotImplementedError

    def label(self, entry: str, ticked: bool) -> Text:
        raise NotImplementedError

    def search_text(self, entry: str) -> str:
        return entry

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = plain(self.title_text)  # a str title is markup: pod names are untrusted
            yield Input(placeholder="filter", id="checklist-filter")
            yield Checklist(id="checklist")
            yield Static("", classes="checklist-error", id="checklist-error")
            yield Static(Text(self.help_text), classes="checklist-help", id="checklist-help")

    def on_mount(self) -> None:
        self.query_one("#checklist-filter", Input).focus()
        self.call_after_refresh(self._fill, "")  # after layout: labels are cut to the list's width

    def _label(self, entry: str, ticked: bool) -> Text:
        """An entry's label on one row: cut to the list's width (an OptionList wraps long prompts)."""
        text = self.label(entry, ticked)
        width = self.checklist.size.width - 3  # room for the scrollbar that a long list gets
        if width > 10 and text.cell_len > width:
            text.truncate(width, overflow="ellipsis")
        return text

    @property
    def checklist(self) -> Checklist:
        return self.query_one("#checklist", Checklist)

    def _fill(self, text: str) -> None:
        needle = text.strip().lower()
        matching = [e for e in self.entries() if not needle or needle in self.search_text(e).lower()]
        self.listed = matching[:MAX_LISTED]
        ticked = set(self.chosen)
        options = [Option(self._label(e, e in ticked), id=e) for e in self.listed]
        if len(matching) > len(self.listed):
            options.append(Option(Text(f"… {len(matching) - len(self.listed):,} more: type to narrow the list",
                                       style="italic"), id=None, disabled=True))
        checklist = self.checklist
        checklist.set_options(options)
        if self.listed:
            checklist.highlighted = 0
        self._show_count()

    def _show_count(self) -> None:
        limit = f" (at most {self.limit})" if self.limit else ""
        self.query_one("#checklist-help", Static).update(
            Text(f"{len(self.chosen)} chosen{limit} · {self.help_text}"))

    # -- events ------------------------------------------------------------------------------------
    @on(Input.Changed, "#checklist-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#checklist-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply()

    def on_key(self, event: events.Key) -> None:
        field = self.query_one("#checklist-filter", Input)
        if event.key == "down" and self.focused is field:
            event.stop()
            self.checklist.focus()
        elif event.key == "up" and self.focused is self.checklist and not self.checklist.highlighted:
            event.stop()
            field.focus()

    @on(Checklist.Toggled)
    def _toggled(self, event: Checklist.Toggled) -> None:
        self.toggle(event.option_id)

    @on(OptionList.OptionSelected, "#checklist")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.toggle(event.option.id)

    @on(Checklist.Submitted)
    def _submitted(self, event: Checklist.Submitted) -> None:
        event.stop()
        self.apply()

    def toggle(self, entry: str) -> None:
        """Tick or untick ``entry`` (refused past the limit, with a line saying why)."""
        error = self.query_one("#checklist-error", Static)
        if entry in self.chosen:
            self.chosen.remove(entry)
        elif self.limit is not None and len(self.chosen) >= self.limit:
            error.update(Text(f"at most {self.limit} — untick one first (the limit is log_max_pods in "
                              "config.toml)"))
            return
        else:
            self.chosen.append(entry)
        error.update("")
        if entry in self.listed:
            self.checklist.replace_option_prompt(entry, self._label(entry, entry in self.chosen))
        self._show_count()

    def apply(self) -> None:
        self.dismiss(list(self.chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)


AUTOMATIC = "\0automatic"  # the pod picker's "back to the automatic choice" entry


class PodPicker(_ChecklistDialog):
    """Which pods of a workload to follow. Dismisses with the chosen pod uids, ``[AUTOMATIC]`` for the automatic
    choice (the most relevant pods), or None."""

    DEFAULT_CSS = CHECKLIST_CSS.format(name="PodPicker")
    BINDINGS = [Binding("ctrl+r", "automatic", "Automatic")]
    help_text = ("type to filter · ↓ list · space: choose · enter: follow chosen · ctrl+r: automatic (most "
                 "relevant) · esc")

    def __init__(self, title: str, pods: list[PodChoice], limit: int, now: float | None = None) -> None:
        super().__init__([p.uid for p in pods if p.followed], limit)
        self.pods = {p.uid: p for p in pods}
        self.order = [p.uid for p in pods]
        self.now = time.time() if now is None else now
        self.title_text = f"Follow which pods of {title}? {len(pods):,} pods, at most {limit} at once"
        self._names = {p.uid: sanitize(p.name) for p in pods}
        self._search = {p.uid: f"{p.name} {p.status} {p.node}" for p in pods}
        self._width = min(60, max((len(name) for name in self._names.values()), default=10))

    def entries(self) -> list[str]:
        return self.order

    def search_text(self, entry: str) -> str:
        return self._search[entry]

    def label(self, entry: str, ticked: bool) -> Text:
        pod = self.pods[entry]
        style = {CRASHING: "bold red", NOT_READY: "yellow", NOT_STARTED: "dim"}.get(pod.relevance, "")
        age = format_age(self.now - pod.created) if pod.created else "?"
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        out.append("[x] " if ticked else "[ ] ", style="bold" if ticked else "")
        out.append(self._names[entry][: self._width].ljust(self._width + 1))
        out.append(sanitize(pod.status)[:18].ljust(19), style=style)
        out.append(f"{pod.ready:>5} {pod.restarts:>3} {age:>5}  ")
        out.append(sanitize(pod.node), style="dim")
        return out

    def apply(self) -> None:
        if not self.chosen:
            self.query_one("#checklist-error", Static).update(
                Text("choose at least one pod (space), or ctrl+r for the automatic choice"))
            return
        self.dismiss([uid for uid in self.order if uid in self.chosen])

    def action_automatic(self) -> None:
        self.dismiss([AUTOMATIC])


class FieldPicker(_ChecklistDialog):
    """Which fields of structured lines to show as columns after level and message. Dismisses with the field
    names in the order listed (an empty list: no chosen field — the other fields follow dimmed), or None."""

    DEFAULT_CSS = CHECKLIST_CSS.format(name="FieldPicker")
    title_text = "Fields to show as columns (after level and message)"

    def __init__(self, fields: list[tuple[str, int]], chosen: Sequence[str], sampled: int) -> None:
        super().__init__([f for f in chosen if f in dict(fields)] + [f for f in chosen if f not in dict(fields)])
        self.counts = dict(fields)
        self.order = [name for name, _ in fields] + [f for f in chosen if f not in self.counts]
        self.sampled = max(1, sampled)
        self._width = min(40, max((len(sanitize(name)) for name in self.order), default=10))

    def entries(self) -> list[str]:
        return self.order

    def label(self, entry: str, ticked: bool) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        out.append("[x] " if ticked else "[ ] ", style="bold" if ticked else "")
        out.append(sanitize(entry)[: self._width].ljust(self._width + 1))
        share = self.counts.get(entry, 0) * 100 // self.sampled
        out.append(f"in {share}% of the last {self.sampled:,} structured lines", style="dim")
        return out

    def apply(self) -> None:
        self.dismiss([f for f in self.order if f in self.chosen])
