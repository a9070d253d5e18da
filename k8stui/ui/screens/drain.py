"""The progress of a drain: one line per pod (waiting, evicting, blocked by its disruption budget and when it
is retried, terminating, gone, skipped, failed), a summary, and ``c``/``esc`` to cancel — pods not evicted yet
stay where they are, the node stays cordoned. When the drain ends, ``enter``/``esc`` closes it.

The eviction loop (``actions.nodes.Drain``) runs in a worker of its own and calls ``update`` whenever a line
changes; the screen only paints. ``h`` hides the view while the drain goes on (the nodes view marks the node
``Draining``; ``r`` on it shows the progress again).
"""

from __future__ import annotations

import time

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...actions.nodes import (
    BLOCKED,
    CANCELLED,
    EVICTING,
    FAILED_POD,
    GONE,
    SKIPPED,
    TERMINATING,
    DrainProgress,
)
from ...text import plain, sanitize

STYLES = {GONE: "green", BLOCKED: "bold yellow", FAILED_POD: "bold red", CANCELLED: "yellow", SKIPPED: "dim",
          TERMINATING: "cyan", EVICTING: "bold"}
MARKS = {GONE: "✓", BLOCKED: "‖", FAILED_POD: "✗", CANCELLED: "–", SKIPPED: "·", TERMINATING: "…", EVICTING: "→"}


def progress_table(progress: DrainProgress, now: float | None = None) -> Table:
    now = time.monotonic() if now is None else now
    table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
    table.add_column("", width=1, no_wrap=True)
    table.add_column("POD", no_wrap=True, overflow="ellipsis", ratio=2)
    table.add_column("STATUS", no_wrap=True, width=12)
    table.add_column("", overflow="fold", ratio=3)
    for pod in progress.pods:
        message = pod.message
        if pod.status == BLOCKED and pod.retry_at:
            message = f"{message} — next try in {max(0.0, pod.retry_at - now):.0f}s"
        style = STYLES.get(pod.status, "")
        table.add_row(Text(MARKS.get(pod.status, " "), style=style), Text(sanitize(pod.key)),
                      Text(pod.status, style=style), Text(sanitize(message), style="dim" if pod.status == SKIPPED else ""))
    return table


class DrainScreen(ModalScreen[bool]):
    """Watch a drain; dismisses with True when it ended (False when closed while cancelling)."""

    BINDINGS = [Binding("escape,c", "cancel_or_close", "Cancel drain / close"),
                Binding("h", "hide", "Hide (the drain goes on)"),
                Binding("enter", "close", "Close", show=False)]
    DEFAULT_CSS = """
    DrainScreen { align: center middle; }
    DrainScreen > Vertical { width: 120; max-width: 95%; height: auto; max-height: 90%; border: thick $warning;
                             background: $surface; padding: 0 1; }
    DrainScreen #drain-summary { text-style: bold; margin-bottom: 1; }
    DrainScreen #drain-pods { height: auto; max-height: 30; }
    DrainScreen #drain-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, progress: DrainProgress, on_cancel) -> None:  # noqa: ANN001 - a callable
        super().__init__()
        self.progress = progress
        self.on_cancel = on_cancel
        self.cancelling = False
        self.closed = False
        self.composed = False  # updates before compose (the drain's worker is quick) wait for on_mount

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = plain(f"Drain node {self.progress.node}")
            yield Static("", id="drain-summary")
            with VerticalScroll(id="drain-pods"):
                yield Static("", id="drain-table")
            yield Static("", id="drain-hint")

    def on_mount(self) -> None:
        self.composed = True  # (is_mounted only turns True after on_mount: the first paint would be skipped)
        self.update(self.progress)
        self.set_interval(1.0, lambda: self.update(self.progress))  # the retry countdown

    @property
    def summary(self) -> str:
        return str(self.query_one("#drain-summary", Static).content)

    def on_unmount(self) -> None:
        self.closed = True

    def update(self, progress: DrainProgress) -> None:
        if self.closed or not self.composed:
            self.progress = progress
            return
        self.progress = progress
        head = progress.message if progress.finished else f"draining: {progress.summary()}"
        self.query_one("#drain-summary", Static).update(Text(sanitize(head)))
        self.query_one("#drain-table", Static).update(progress_table(progress))
        if progress.finished:
            hint = "enter/esc closes; the node stays cordoned (u uncordons it)"
        elif self.cancelling:
            hint = "cancelling: pods being evicted now finish, the others stay"
        else:
            hint = ("c/esc cancels (pods not evicted yet stay; the node stays cordoned); h hides this view, the "
                    "drain goes on (r on the node shows it again)")
        self.query_one("#drain-hint", Static).update(Text(hint))

    def action_cancel_or_close(self) -> None:
        if self.progress.finished:
            self.dismiss(True)
            return
        if not self.cancelling:
            self.cancelling = True
            self.on_cancel()
            self.update(self.progress)

    def action_close(self) -> None:
        if self.progress.finished:
            self.dismiss(True)

    def action_hide(self) -> None:
        self.dismiss(self.progress.finished)


__all__ = ["DrainScreen", "progress_table"]
