"""``d``: an object as YAML, Secret values masked, managedFields dropped; read-only and scrollable.

The informers keep a lean copy of each object (``cluster.lean``: no last-applied annotation, parts shared), so
the screen opens at once on the cached copy and reads the whole object from the server meanwhile (``read``,
async, off the UI loop's critical path: the YAML is rendered in a thread); what the server sends replaces the
cached copy when it differs. If the read fails, the cached copy stays, and the subtitle says so.

What the object is comes from the resource it was read from (``ResourceKind``), not from its ``kind`` field,
which a real API server leaves out of listed items; ``cluster.secrets.masked`` decides what may be shown. On a
Secret, ``v`` asks for one value (the only way to see one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import yaml
from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...cluster.fetch import FetchError
from ...cluster.kinds import ResourceKind
from ...cluster.secrets import is_secret, masked, reveal, secret_keys
from ...text import plain, sanitize
from ..widgets.key_footer import KeyFooter


def shown_object(obj: dict[str, Any], resource: ResourceKind) -> dict[str, Any]:
    """The object as describe shows it: masked, with ``apiVersion``/``kind`` of its resource first (as kubectl
    prints a listed item)."""
    safe = masked(obj, resource)
    head = {"apiVersion": safe.pop("apiVersion", None) or resource.api_version,
            "kind": safe.pop("kind", None) or resource.kind}
    return head | safe


def to_yaml(obj: dict[str, Any], resource: ResourceKind) -> str:
    text = yaml.safe_dump(shown_object(obj, resource), sort_keys=False, allow_unicode=False, width=120)
    return sanitize(text.replace("\r", "")) if "\x1b" in text else text


def describe_title(obj: dict[str, Any], resource: ResourceKind) -> str:
    meta = obj.get("metadata") or {}
    where = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    return f"{resource.kind} {where}{meta.get('name', '')}"


class DescribeScreen(Screen):
    """Full-screen YAML of one object."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("v", "reveal", "Show one value")]
    DEFAULT_CSS = """
    DescribeScreen VerticalScroll { border: round $primary; }
    """

    def __init__(self, resource: ResourceKind, obj: dict[str, Any], title: str = "", *,
                 read: Callable[[], Awaitable[dict[str, Any]]] | None = None) -> None:
        """``obj``: what to show at once; ``read``: reads the whole object from the server (when ``obj`` is the
        informer's lean copy), shown instead once it arrives."""
        super().__init__()
        self.resource = resource
        self.obj = obj
        self.read = read
        self.whole = read is None  # ``obj`` is the object as the server has it (or all there is to show)
        self.read_error = ""
        self.title_text = title or describe_title(obj, resource)
        self.yaml_text = to_yaml(obj, resource)

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll(Static(Syntax(self.yaml_text, "yaml", theme="ansi_dark", word_wrap=False),
                                       id="yaml"))
        scroll.border_title = plain(self.title_text)
        scroll.border_subtitle = self._subtitle()
        yield scroll
        yield KeyFooter()

    def _subtitle(self) -> str:
        parts = []
        if self.read_error:
            parts.append(f"cached copy: {self.read_error}")
        if is_secret(self.resource) and secret_keys(self.obj):
            parts.append("values masked · v show one value")
        return plain(" · ".join(parts))

    def on_mount(self) -> None:
        if self.read is not None:
            self.run_worker(self._read_whole(), group="describe-read", exclusive=True, exit_on_error=False)

    async def _read_whole(self) -> None:
        """Replace the cached copy by the whole object from the server (YAML rendered in a thread)."""
        assert self.read is not None
        try:
            obj = await self.read()
        except FetchError as exc:
            self.read_error = str(exc)
        else:
            text = await asyncio.to_thread(to_yaml, obj, self.resource)
            self.obj, self.whole = obj, True
            if text != self.yaml_text:
                self.yaml_text = text
                self.query_one("#yaml", Static).update(Syntax(text, "yaml", theme="ansi_dark", word_wrap=False))
        self.query_one(VerticalScroll).border_subtitle = self._subtitle()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return is_secret(self.resource) and bool(secret_keys(self.obj))
        return True

    def action_reveal(self) -> None:
        """Ask which key, then show that one value (and nothing else) until dismissed."""

        def chosen(key: str | None) -> None:
            if key is not None:
                try:
                    value = reveal(self.obj, self.resource, key)
                except (KeyError, ValueError) as exc:
                    self.notify(f"cannot show {key}: {exc}", severity="error")
                    return
                self.app.push_screen(SecretValueScreen(self.title_text, key, value))

        self.app.push_screen(SecretKeyPicker(secret_keys(self.obj)), chosen)


class SecretKeyPicker(ModalScreen[str | None]):
    """Which value of the Secret to show."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    SecretKeyPicker { align: center middle; }
    SecretKeyPicker > OptionList { width: 60; height: auto; max-height: 20; border: round $warning; }
    """

    def __init__(self, keys: list[str]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        picker = OptionList(*(Option(plain(key), id=str(n)) for n, key in enumerate(self.keys)))
        picker.border_title = plain("Show which value?")
        yield picker

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.keys[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SecretValueScreen(ModalScreen[None]):
    """One decoded Secret value, as plain text; any of escape, q or enter hides it again."""

    BINDINGS = [Binding("escape,q,enter", "close", "Hide")]
    DEFAULT_CSS = """
    SecretValueScreen { align: center middle; }
    SecretValueScreen > Vertical { width: 100; max-width: 95%; height: auto; max-height: 80%;
                                   border: thick $warning; background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, key: str, value: str) -> None:
        super().__init__()
        self.title_text = title
        self.key = key
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = plain(f"{self.title_text}: {self.key}")
            box.border_subtitle = plain("esc hides it")
            yield Static(Text(sanitize(self.value)), id="secret-value")

    def action_close(self) -> None:
        self.dismiss(None)
