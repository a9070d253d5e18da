"""The dialogs of the everyday operations: the delete confirmation with its propagation choice, set image,
shell / attach / debug, port-forward and an HPA's bounds.

Like ``dialogs``, they only collect and validate input (a bad value is an error line, nothing is sent); plans,
confirmations and API calls come after. Everything shown from the cluster is plain ``Text``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from ...actions.delete import PROPAGATION_HELP, PROPAGATIONS
from ...actions.hpa import parse_bounds
from ...actions.images import Container, RecentImage, parse_image
from ...actions.plan import Plan
from ...text import plain, sanitize
from .confirm import ConfirmScreen
from .dialogs import DIALOG_CSS


class DeleteConfirmScreen(ConfirmScreen):
    """The confirmation of a delete: what goes (and cascades), and — when the objects have dependents — the
    propagation policy, changed with 1/2/3 (the plan is rebuilt and dry-run again). Dismisses with True
    (delete), False (cancel) or the name of another policy."""

    BINDINGS = [Binding(str(n + 1), f"propagation('{p}')", p, show=False) for n, p in enumerate(PROPAGATIONS)]
    DEFAULT_CSS = """
    DeleteConfirmScreen #delete-propagation { height: auto; margin-bottom: 1; }
    """

    def __init__(self, plan: Plan, notice: str = "", dangerous: bool = False, propagation: str = "",
                 offer: bool = False) -> None:
        super().__init__(plan, notice, dangerous)
        self.propagation = propagation
        self.offer = offer

    def compose_choices(self) -> ComposeResult:
        if not self.offer:
            return
        line = Text("propagation: ", style="bold")
        for n, policy in enumerate(PROPAGATIONS):
            chosen = policy == self.propagation
            line.append(f"({n + 1}) {policy}", style="reverse bold" if chosen else "")
            line.append("  ")
        line.append("\n" + PROPAGATION_HELP.get(self.propagation, ""), style="dim")
        yield Static(line, id="delete-propagation")

    def action_propagation(self, policy: str) -> None:
        if self.offer and policy != self.propagation:
            self.dismiss(policy)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ImageChoice:
    container: str
    image: str


class ImageDialog(ModalScreen[ImageChoice | None]):
    """Container (when there are several), its current image, recent images to pick (enter) and the new image
    (typed or picked; enter in the field goes on)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="ImageDialog") + """
    ImageDialog OptionList { height: auto; max-height: 8; }
    """

    def __init__(self, target: str, containers: list[Container], recent: dict[str, list[RecentImage]],
                 container: str = "") -> None:
        super().__init__()
        self.target = target
        self.containers = containers
        self.recent = recent
        self.container = container or (containers[0].name if containers else "")

    @property
    def current(self) -> Container | None:
        return next((c for c in self.containers if c.name == self.container), None)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(f"Set image: {self.target}")
            if len(self.containers) > 1:
                yield Static(Text("container (enter picks):"))
                yield OptionList(*(Option(Text(sanitize(f"{c.name}{' (init)' if c.init else ''}: {c.image}")),
                                          id=f"c:{n}") for n, c in enumerate(self.containers)),
                                 id="image-containers")
            yield Static("", id="image-current")
            yield Static(Text("recent images (enter puts one in the field):"), id="image-recent-label")
            yield OptionList(id="image-recent")
            with Vertical(classes="dialog-actions"):
                yield Input(placeholder="image, e.g. ghcr.io/org/app:1.2.3", id="image-input")
                yield Static("", classes="dialog-error", id="image-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Next", variant="primary", id="image-ok")
                    yield Button("Cancel (esc)", id="image-cancel")

    def on_mount(self) -> None:
        self._show_container()
        field = self.query_one("#image-input", Input)
        field.focus()

    def _show_container(self) -> None:
        current = self.current
        self.query_one("#image-current", Static).update(
            Text(sanitize(f"container {self.container}: {current.image if current else '?'}")))
        recent = self.recent.get(self.container) or []
        options = self.query_one("#image-recent", OptionList)
        options.clear_options()
        options.add_options([Option(Text(sanitize(f"{r.image}   ({r.where}{', ' + r.age + ' ago' if r.age else ''})")),
                                    id=f"r:{n}") for n, r in enumerate(recent)])
        options.display = bool(recent)
        self.query_one("#image-recent-label", Static).display = bool(recent)
        field = self.query_one("#image-input", Input)
        field.value = current.image if current else ""

    @property
    def error(self) -> str:
        return str(self.query_one("#image-error", Static).content)

    @on(OptionList.OptionSelected, "#image-containers")
    def _container(self, event: OptionList.OptionSelected) -> None:
        self.container = self.containers[int(str(event.option.id).split(":")[1])].name
        self._show_container()
        self.query_one("#image-input", Input).focus()

    @on(OptionList.OptionSelected, "#image-recent")
    def _recent(self, event: OptionList.OptionSelected) -> None:
        recent = self.recent.get(self.container) or []
        field = self.query_one("#image-input", Input)
        field.value = recent[int(str(event.option.id).split(":")[1])].image
        field.focus()

    def submit(self) -> None:
        try:
            image = parse_image(self.query_one("#image-input", Input).value)
        except ValueError as exc:
            self.query_one("#image-error", Static).update(Text(sanitize(str(exc))))
            return
        current = self.current
        if current is not None and image == current.image:
            self.query_one("#image-error", Static).update(
                Text(sanitize(f"{self.container} already runs {image}: type another image or pick one")))
            return
        self.dismiss(ImageChoice(self.container, image))

    @on(Input.Submitted, "#image-input")
    def _submitted(self) -> None:
        self.submit()

    @on(Input.Changed, "#image-input")
    def _changed(self) -> None:
        self.query_one("#image-error", Static).update("")

    @on(Button.Pressed, "#image-ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#image-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class SessionChoice:
    container: str
    command: tuple[str, ...] = ()
    image: str = ""


class SessionDialog(ModalScreen[SessionChoice | None]):
    """Shell, attach or debug: the container, and the command (shell) or image (debug); in a dangerous
    context the pod's name must be typed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="SessionDialog") + """
    SessionDialog OptionList { height: auto; max-height: 8; }
    """
    TITLES = {"shell": "Shell into", "attach": "Attach to", "debug": "Debug (ephemeral container) in"}

    def __init__(self, mode: str, namespace: str, pod: str, containers: list[str], container: str = "",
                 value: str = "", notes: tuple[str, ...] = (), dangerous: bool = False, context: str = "") -> None:
        super().__init__()
        self.mode = mode
        self.pod = pod
        self.target = f"{namespace}/{pod}"
        self.containers = containers
        self.container = container or (containers[0] if containers else "")
        self.value = value
        self.notes = notes
        self.dangerous = dangerous
        self.context = context

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(f"{self.TITLES.get(self.mode, self.mode)} pod {self.target}")
            if len(self.containers) > 1:
                label = "target container (its processes are visible)" if self.mode == "debug" else "container"
                yield Static(Text(f"{label} (enter picks):"))
                yield OptionList(*(Option(Text(sanitize(c)), id=f"c:{n}") for n, c in enumerate(self.containers)),
                                 id="session-containers")
            yield Static("", id="session-container")
            for note in self.notes:
                yield Static(Text(sanitize(note)), classes="dialog-warning")
            with Vertical(classes="dialog-actions"):
                if self.mode == "shell":
                    yield Static(Text("command:"))
                    yield Input(value=self.value, placeholder="/bin/sh", id="session-value")
                elif self.mode == "debug":
                    yield Static(Text("image of the debug container:"))
                    yield Input(value=self.value, placeholder="busybox:1.36", id="session-value")
                if self.dangerous:
                    yield Static(Text(sanitize(f"context {self.context} is marked dangerous: type {self.pod} to go on")),
                                 classes="dialog-error")
                    yield Input(placeholder=sanitize(self.pod), id="session-name")
                yield Static("", classes="dialog-error", id="session-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button({"shell": "Open shell", "attach": "Attach", "debug": "Next"}.get(self.mode, "Go"),
                                 variant="primary", id="session-ok")
                    yield Button("Cancel (esc)", id="session-cancel")

    def on_mount(self) -> None:
        self._show()
        inputs = list(self.query(Input))
        if inputs:
            inputs[-1 if self.dangerous else 0].focus()
        else:
            self.query_one("#session-ok", Button).focus()

    def _show(self) -> None:
        self.query_one("#session-container", Static).update(Text(sanitize(f"container: {self.container}")))

    @property
    def error(self) -> str:
        return str(self.query_one("#session-error", Static).content)

    @on(OptionList.OptionSelected, "#session-containers")
    def _container(self, event: OptionList.OptionSelected) -> None:
        self.container = self.containers[int(str(event.option.id).split(":")[1])]
        self._show()

    def _fail(self, message: str) -> None:
        self.query_one("#session-error", Static).update(Text(sanitize(message)))

    def submit(self) -> None:
        if self.dangerous and self.query_one("#session-name", Input).value.strip() != self.pod:
            self._fail(f"type the name {self.pod} exactly to go on in a dangerous context")
            return
        command: tuple[str, ...] = ()
        image = ""
        if self.mode == "shell":
            text = self.query_one("#session-value", Input).value.strip() or "/bin/sh"
            try:
                command = tuple(shlex.split(text))
            except ValueError as exc:
                self._fail(f"command: {exc}")
                return
        elif self.mode == "debug":
            try:
                image = parse_image(self.query_one("#session-value", Input).value or "busybox:1.36")
            except ValueError as exc:
                self._fail(str(exc))
                return
        self.dismiss(SessionChoice(self.container, command, image))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.submit()

    @on(Button.Pressed, "#session-ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#session-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class PortChoice:
    remote: int | str
    local: int


@dataclass(frozen=True)
class PortOption:
    """A port the target offers: ``port`` to forward (a number, or a Service port's name), what to show."""

    port: int | str
    label: str
    number: int  # suggested local port


def parse_port(text: str, *, allow_zero: bool = False) -> int:
    text = text.strip()
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a port number" if text else "enter a port number")
    port = int(text)
    if not (0 if allow_zero else 1) <= port <= 65535:
        raise ValueError(f"port {port} is out of range (1..65535{', 0 = any free port' if allow_zero else ''})")
    return port


class PortForwardDialog(ModalScreen[PortChoice | None]):
    """Which port of the pod/Service (picked or typed) and the local port (0 = any free one)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="PortForwardDialog") + """
    PortForwardDialog OptionList { height: auto; max-height: 8; }
    PortForwardDialog .pf-row Input { width: 12; }
    PortForwardDialog .pf-row { height: auto; }
    PortForwardDialog .pf-row Static { width: auto; padding-top: 1; }  /* labels beside their fields, 80 columns */
    """

    def __init__(self, target: str, ports: list[PortOption], dangerous: bool = False, name: str = "",
                 context: str = "") -> None:
        super().__init__()
        self.target = target
        self.ports = ports
        self.dangerous = dangerous
        self.name_ = name
        self.context = context

    def compose(self) -> ComposeResult:
        first = self.ports[0] if self.ports else None
        with VerticalScroll() as box:
            box.border_title = plain(f"Port-forward {self.target} to localhost")
            if self.ports:
                yield Static(Text("ports (enter picks):"))
                yield OptionList(*(Option(Text(sanitize(p.label)), id=f"p:{n}") for n, p in enumerate(self.ports)),
                                 id="pf-ports")
            with Horizontal(classes="pf-row"):
                yield Static(Text("remote port: "))
                yield Input(value=str(first.port) if first else "", id="pf-remote")
                yield Static(Text("  local port (0 = any free): "))
                yield Input(value=str(first.number if first and first.number >= 1024 else 0), id="pf-local")
            with Vertical(classes="dialog-actions"):
                if self.dangerous:
                    yield Static(Text(sanitize(f"context {self.context} is marked dangerous: type {self.name_} to go "
                                               "on")), classes="dialog-error")
                    yield Input(placeholder=sanitize(self.name_), id="pf-name")
                yield Static("", classes="dialog-error", id="pf-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Forward", variant="primary", id="pf-ok")
                    yield Button("Cancel (esc)", id="pf-cancel")

    def on_mount(self) -> None:
        self.query_one("#pf-local", Input).focus()

    @property
    def error(self) -> str:
        return str(self.query_one("#pf-error", Static).content)

    @on(OptionList.OptionSelected, "#pf-ports")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        port = self.ports[int(str(event.option.id).split(":")[1])]
        self.query_one("#pf-remote", Input).value = str(port.port)
        self.query_one("#pf-local", Input).value = str(port.number if port.number >= 1024 else 0)
        self.query_one("#pf-local", Input).focus()

    def submit(self) -> None:
        error = self.query_one("#pf-error", Static)
        if self.dangerous and self.query_one("#pf-name", Input).value.strip() != self.name_:
            error.update(Text(sanitize(f"type the name {self.name_} exactly to go on in a dangerous context")))
            return
        remote_text = self.query_one("#pf-remote", Input).value.strip()
        named = next((p.port for p in self.ports if str(p.port) == remote_text and isinstance(p.port, str)), None)
        try:
            remote: int | str = named if named is not None else parse_port(remote_text)
            local = parse_port(self.query_one("#pf-local", Input).value, allow_zero=True)
        except ValueError as exc:
            error.update(Text(sanitize(str(exc))))
            return
        self.dismiss(PortChoice(remote, local))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.submit()

    @on(Button.Pressed, "#pf-ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#pf-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class HpaDialog(ModalScreen[tuple[int, int] | None]):
    """An HPA's min and max replicas."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="HpaDialog") + """
    HpaDialog Input { width: 12; }
    HpaDialog .hpa-row { height: auto; }
    HpaDialog .hpa-row Static { width: auto; padding-top: 1; }
    """

    def __init__(self, namespace: str, name: str, minimum: int, maximum: int, current: int | None,
                 target: str) -> None:
        super().__init__()
        self.target = f"{namespace}/{name}"
        self.minimum, self.maximum = minimum, maximum
        self.current = current
        self.scaled = target

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = plain(f"Autoscaler bounds: {self.target}")
            now = f"{self.current} replicas now" if self.current is not None else "replicas now unknown"
            yield Static(Text(sanitize(f"scales {self.scaled}: min {self.minimum}, max {self.maximum} ({now})")))
            with Horizontal(classes="hpa-row"):
                yield Static(Text("min: "))
                yield Input(value=str(self.minimum), id="hpa-min")
                yield Static(Text("  max: "))
                yield Input(value=str(self.maximum), id="hpa-max")
            with Vertical(classes="dialog-actions"):
                yield Static("", classes="dialog-error", id="hpa-error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Next", variant="primary", id="hpa-ok")
                    yield Button("Cancel (esc)", id="hpa-cancel")

    def on_mount(self) -> None:
        field = self.query_one("#hpa-min", Input)
        field.focus()
        field.action_select_all()

    @property
    def error(self) -> str:
        return str(self.query_one("#hpa-error", Static).content)

    def submit(self) -> None:
        error = self.query_one("#hpa-error", Static)
        try:
            low, high = parse_bounds(self.query_one("#hpa-min", Input).value, self.query_one("#hpa-max", Input).value)
        except ValueError as exc:
            error.update(Text(sanitize(str(exc))))
            return
        if (low, high) == (self.minimum, self.maximum):
            error.update(Text("unchanged: enter other bounds or press esc"))
            return
        self.dismiss((low, high))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.submit()

    @on(Button.Pressed, "#hpa-ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#hpa-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["DeleteConfirmScreen", "HpaDialog", "ImageChoice", "ImageDialog", "PortChoice", "PortForwardDialog",
           "PortOption", "SessionChoice", "SessionDialog", "parse_port"]
