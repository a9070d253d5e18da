"""The small modal dialogs operations ask through: a replica count (scale), how many replicas to move to the
virtual node (burst), a revision (rollback, with the pod template diff), a canary share, and a yes/no question
(the blue/green preflight).

They only collect and validate input (with the validators of ``k8stui.actions``, so a bad value is an error
line in the dialog and nothing is sent); the plan, its confirmation and the API calls come after.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ...actions.burst import BurstView
from ...actions.canary import STEPS, parse_percent, split
from ...actions.rollout import Revision, template_diff
from ...actions.scale import parse_replicas
from ...cluster.table_model import Column, TableModel
from ...text import plain, sanitize
from ..widgets.resource_view import ResourceView
from .confirm import detail_text

# The body scrolls inside the box; the actions (input, error line, buttons) are docked at its bottom, so
# they stay on screen however small the terminal (80x24) and however long the body.
DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > VerticalScroll {{ width: 90; max-width: 95%; height: auto; max-height: 100%; border: thick $primary;
                          background: $surface; padding: 0 1; scrollbar-size-vertical: 1; }}
{name} .dialog-actions {{ dock: bottom; height: auto; }}
{name} .dialog-error {{ color: $error; text-style: bold; height: auto; }}
{name} .dialog-warning {{ color: $warning; height: auto; }}
{name} .dialog-buttons {{ height: 3; align-horizontal: right; }}
{name} Button {{ margin-left: 1; }}
"""


class ScaleDialog(ModalScreen[int | None]):
    """Current and desired replica count; dismisses with the validated count or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="ScaleDialog")

    def __init__(self, namespace: str, name: str, current: int, ready: int, maximum: int,
                 hpa: str = "", kind: str = "Deployment") -> None:
        super().__init__()
        self.target = f"{namespace}/{name}"
        self.kind = kind
        self.current = current
        self.ready = ready
        self.maximum = maximum
        self.hpa = hpa

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(f"Scale {self.kind.lower()} {self.target}")
            yield Static(Text(f"current: {self.current} replicas ({self.ready} ready)   allowed: 0..{self.maximum}"))
            if self.hpa:
                yield Static(Text(sanitize(f"! HorizontalPodAutoscaler {self.hpa} manages this {self.kind}: it "
                                           "will override the count you set")), classes="dialog-warning",
                             id="scale-hpa")
            with Vertical(classes="dialog-actions"):
                yield Input(value=str(self.current), placeholder=f"replicas (0..{self.maximum})",
                            id="scale-input")
                yield Static("", classes="dialog-error", id="scale-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Next", variant="primary", id="scale-ok")
                    yield Button("Cancel (esc)", id="scale-cancel")

    def on_mount(self) -> None:
        field = self.query_one("#scale-input", Input)
        field.focus()
        field.action_select_all()

    @property
    def error(self) -> str:
        return str(self.query_one("#scale-error", Static).content)

    def submit(self) -> None:
        value = self.query_one("#scale-input", Input).value
        try:
            replicas = parse_replicas(value, self.maximum)
        except ValueError as exc:
            self.query_one("#scale-error", Static).update(Text(sanitize(str(exc))))
            return
        if replicas == self.current:
            self.query_one("#scale-error", Static).update(
                Text(f"already {replicas} replicas: enter a different count or press esc"))
            return
        self.dismiss(replicas)

    @on(Input.Submitted, "#scale-input")
    def _submitted(self) -> None:
        self.submit()

    @on(Input.Changed, "#scale-input")
    def _changed(self) -> None:
        self.query_one("#scale-error", Static).update("")

    @on(Button.Pressed, "#scale-ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#scale-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


REVISION_COLUMNS: list[Column[Revision]] = [
    Column("revision", "REVISION", lambda r: str(r.revision), lambda r: r.revision),
    Column("age", "AGE", lambda r: r.age(), lambda r: r.created, volatile=True),
    Column("images", "IMAGES", lambda r: ", ".join(r.images), flex=1),
    Column("cause", "CHANGE-CAUSE", lambda r: r.change_cause or "<none>", flex=1),
    Column("current", "", lambda r: "current" if r.current else ""),
]


class BurstDialog(ModalScreen[int | None]):
    """How many replicas to move to the virtual node (default: the Pending count), with before → after of both
    Deployments (and the HPA) for the count typed; dismisses with the validated count or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="BurstDialog")

    def __init__(self, view: BurstView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        v = self.view
        with VerticalScroll() as box:
            box.border_title = plain(f"Burst deployment {v.namespace}/{v.name} to the virtual node")
            yield Static(Text(sanitize(
                f"{v.pending} of {v.replicas} replicas are Pending: no real node has room. Move some to "
                f"{v.burst_name} on {', '.join(v.virtual_nodes)}; {v.name} is scaled down by as many, so the "
                "total stays the same (un-burst, X, gives them back).")))
            if v.hpa is not None:
                yield Static(Text(sanitize(f"! HorizontalPodAutoscaler {v.hpa.name} scales {v.name} "
                                           f"(min {v.hpa.min_replicas}, max {v.hpa.max_replicas}): its bounds are "
                                           "lowered by the same count")), classes="dialog-warning", id="burst-hpa")
            yield Static("", id="burst-preview")
            with Vertical(classes="dialog-actions"):
                yield Input(value=str(v.pending), placeholder=f"replicas to move (1..{v.replicas})",
                            id="burst-input")
                yield Static("", classes="dialog-error", id="burst-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Next", variant="primary", id="burst-ok")
                    yield Button("Cancel (esc)", id="burst-cancel")

    def on_mount(self) -> None:
        self._preview(str(self.view.pending))
        field = self.query_one("#burst-input", Input)
        field.focus()
        field.action_select_all()

    @property
    def error(self) -> str:
        return str(self.query_one("#burst-error", Static).content)

    def _count(self, text: str) -> int:
        count = parse_replicas(text, self.view.replicas)
        if count < 1:
            raise ValueError(f"move at least 1 replica (1..{self.view.replicas})")
        return count

    def _preview(self, text: str) -> None:
        try:
            lines = self.view.preview(self._count(text))
        except ValueError:
            lines = self.view.preview(0)
        table = Table.grid(padding=(0, 1))
        for line in lines:
            table.add_row(Text(sanitize(line)))
        self.query_one("#burst-preview", Static).update(table)

    @on(Input.Changed, "#burst-input")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#burst-error", Static).update("")
        self._preview(event.value)

    @on(Input.Submitted, "#burst-input")
    @on(Button.Pressed, "#burst-ok")
    def submit(self) -> None:
        try:
            count = self._count(self.query_one("#burst-input", Input).value)
        except ValueError as exc:
            self.query_one("#burst-error", Static).update(Text(sanitize(str(exc))))
            return
        self.dismiss(count)

    @on(Button.Pressed, "#burst-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class RevisionPicker(ModalScreen[int | None]):
    """The revision history (revision, age, images, change-cause) with the diff of the highlighted
    revision's pod template against the current one; enter picks it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="RevisionPicker") + """
    RevisionPicker > VerticalScroll { width: 130; }
    RevisionPicker ResourceView { height: auto; max-height: 12; }
    RevisionPicker #revision-diff { height: auto; max-height: 18; border-top: solid $foreground 30%; }
    """

    def __init__(self, namespace: str, name: str, revisions: list[Revision], current_template: dict,
                 kind: str = "deployment") -> None:
        super().__init__()
        self.target = f"{namespace}/{name}"
        self.kind = kind
        self.revisions = sorted(revisions, key=lambda r: -r.revision)
        self.current_template = current_template
        self.current = next((r.revision for r in revisions if r.current), 0)
        self.model: TableModel[Revision] = TableModel(REVISION_COLUMNS, key_of=lambda r: str(r.revision),
                                                      sort_column="revision", reverse=True)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(f"Roll back {self.kind} {self.target}: pick a revision (enter)")
            yield ResourceView(self.model, show_summary=False, id="revision-table")
            with VerticalScroll(id="revision-diff"):
                yield Static("", id="revision-diff-text")
            with Vertical(classes="dialog-actions"):
                yield Static("", classes="dialog-error", id="revision-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Roll back to it (enter)", variant="primary", id="revision-ok")
                    yield Button("Cancel (esc)", id="revision-cancel")

    def on_mount(self) -> None:
        table = self.query_one("#revision-table", ResourceView)
        self.model.replace(self.revisions)
        start = 0
        for n, rev in enumerate(self.revisions):
            if rev.current and n + 1 < len(self.revisions):
                start = n + 1
        table.focus()
        if self.revisions:
            table.select_key(str(self.revisions[start].revision))  # the one before the current
            self._show_diff(self.revisions[start])

    def _show_diff(self, rev: Revision) -> None:
        text = self.query_one("#revision-diff-text", Static)
        if rev.current:
            text.update(Text("this is the current revision"))
            return
        diff = template_diff(self.current_template, rev.template, f"revision {self.current} (current)",
                             f"revision {rev.revision}")
        text.update(detail_text(diff) if diff else Text("same pod template as the current revision"))

    def _rev(self, key: str | None) -> Revision | None:
        return next((r for r in self.revisions if str(r.revision) == key), None)

    @on(ResourceView.CurrentChanged, "#revision-table")
    def _highlighted(self, event: ResourceView.CurrentChanged) -> None:
        rev = self._rev(event.key)
        if rev is not None:
            self._show_diff(rev)
            self.query_one("#revision-error", Static).update("")

    @on(ResourceView.RowSelected, "#revision-table")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        self._pick(self._rev(event.key))

    @on(Button.Pressed, "#revision-ok")
    def _ok(self) -> None:
        self._pick(self._rev(self.query_one("#revision-table", ResourceView).current_key()))

    @on(Button.Pressed, "#revision-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def _pick(self, rev: Revision | None) -> None:
        if rev is None:
            return
        if rev.current:
            self.query_one("#revision-error", Static).update(
                Text(f"revision {rev.revision} is the current one: pick an earlier revision"))
            return
        self.dismiss(rev.revision)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CanaryDialog(ModalScreen[int | None]):
    """The new colour's share: 1-4 for 10/25/50/100 %, or a typed percentage."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")] + [
        Binding(str(n + 1), f"step({pct})", f"{pct}%") for n, pct in enumerate(STEPS)]
    DEFAULT_CSS = DIALOG_CSS.format(name="CanaryDialog")

    def __init__(self, namespace: str, name: str, replicas: int, total: int, other: str = "") -> None:
        super().__init__()
        self.target = f"{namespace}/{name}"
        self.name_ = name
        self.replicas = replicas
        self.total = total
        self.other = other

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(f"Canary: share of {self.target}")
            share = f"{round(100 * self.replicas / self.total)}%" if self.total else "0%"
            yield Static(Text(sanitize(f"{self.name_} has {self.replicas} of {self.total} replicas ({share})"
                                       + (f"; {self.other} has the rest" if self.other else "")
                                       + ". The total stays the same.")))
            # Each choice says what it means in pods; the keys are said once, in words (a "(1)" on a button
            # read as a pod count as much as a key).
            yield Static(Text(f"keys {', '.join(f'{n + 1} = {pct}%' for n, pct in enumerate(STEPS))}"
                              " · esc cancels"), id="canary-keys")  # no room for a fifth button at 80 columns
            with Vertical(classes="dialog-actions"):
                with Horizontal(classes="dialog-buttons"):
                    for pct in STEPS:
                        yield Button(Text(self.choice_label(pct)), id=f"canary-{pct}")
                yield Input(placeholder="or type a share 0..100 and press enter", id="canary-input")
                yield Static("", classes="dialog-error", id="canary-error")

    def choice_label(self, pct: int) -> str:
        """``10% → 1 pod``: the share and how many of the pair's pods it gives this colour."""
        pods = split(self.total, pct)
        return f"{pct}% → {pods} pod{'' if pods == 1 else 's'}"

    def on_mount(self) -> None:
        self.query_one("#canary-25", Button).focus()

    def action_step(self, pct: int) -> None:
        self.dismiss(pct)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("canary-"):
            self.dismiss(int(event.button.id.split("-", 1)[1]))

    @on(Input.Submitted, "#canary-input")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            pct = parse_percent(event.value)
        except ValueError as exc:
            self.query_one("#canary-error", Static).update(Text(sanitize(str(exc))))
            return
        self.dismiss(pct)

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuestionDialog(ModalScreen[bool]):
    """A yes/no question (y / n, esc = no)."""

    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]
    DEFAULT_CSS = DIALOG_CSS.format(name="QuestionDialog")

    def __init__(self, title: str, lines: list[str], yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(self.title_text)
            table = Table.grid()
            for line in self.lines:
                table.add_row(Text(sanitize(line)))
            yield Static(table)
            with Vertical(classes="dialog-actions"):
                with Horizontal(classes="dialog-buttons"):
                    yield Button(f"{self.yes} (y)", variant="primary", id="question-yes")
                    yield Button(f"{self.no} (n)", id="question-no")

    def on_mount(self) -> None:
        self.query_one("#question-no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed, "#question-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#question-no")
    def _no(self) -> None:
        self.dismiss(False)
