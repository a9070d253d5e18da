"""``d``: an object as YAML, Secret values masked, managedFields dropped; read-only and scrollable, and live.

The screen follows the object (a watch of it alone, ``cluster.object_watch``): a change is read again and shown
where the user has scrolled to, the border says when it last changed, and a deleted object stays on screen with
the border saying so — as k9s's describe refreshes, and as the details pane follows its object.

Opened from a view, it shows the informer's copy at once: a lean one (``cluster.lean``: no last-applied
annotation), so the whole object is read from the server meanwhile and replaces it where it differs (the YAML
rendered in a thread); if that read fails, the cached copy stays and the border says so.

What the object is comes from the resource it was read from (``ResourceKind``), not from its ``kind`` field,
which a real API server leaves out of listed items; ``cluster.secrets.masked`` decides what may be shown. On a
Secret, ``v`` asks for one value (the only way to see one).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import yaml
from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...cluster.fetch import FetchError, fetch_object
from ...cluster.kinds import ResourceKind
from ...cluster.object_watch import ObjectWatch
from ...cluster.secrets import is_secret, masked, reveal, secret_keys
from ...cluster.store import ChangeBatch, Health, HealthState
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
                 cached: bool = False) -> None:
        """``cached``: ``obj`` is an informer's lean copy; the whole object is read when the screen opens."""
        super().__init__()
        self.resource = resource
        self.obj = obj
        self.whole = not cached  # ``obj`` is the object as the server has it
        self.title_text = title or describe_title(obj, resource)
        self.yaml_text = to_yaml(obj, resource)
        self.status = ""  # "updated 14:02:11 (revision 5)", "deleted at ...": what the border says beyond the title
        self.updates = 0  # changes shown since the screen opened
        self._watch: ObjectWatch | None = None
        self._unsubscribe: list[Any] = []

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll(Static(Syntax(self.yaml_text, "yaml", theme="ansi_dark", word_wrap=False),
                                       id="yaml"))
        scroll.border_title = plain(self.title_text)
        yield scroll
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_status()
        self._follow()
        if not self.whole:
            self._read_whole()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        watch, self._watch = self._watch, None
        if watch is not None:
            self.app.run_worker(watch.stop(), exit_on_error=False)

    # -- following the object ----------------------------------------------------------------------------------
    @property
    def _meta(self) -> dict[str, Any]:
        return self.obj.get("metadata") or {}

    def _follow(self) -> None:
        hub = getattr(self.app, "hub", None)
        name = self._meta.get("name")
        if hub is None or not name:
            return
        namespace = self._meta.get("namespace") if self.resource.namespaced else None
        self._watch = ObjectWatch(self.resource, namespace, str(name), hub.client)
        self._unsubscribe = [self._watch.subscribe(self._changed), self._watch.subscribe_health(self._health)]
        self._watch.start()

    def _changed(self, batch: ChangeBatch) -> None:
        watch = self._watch
        if watch is None:
            return
        current = next(iter(watch.objects()), None)
        if current is None:
            if batch.deleted or batch.relisted:
                self._deleted()
            return
        meta = current.get("metadata") or {}
        if (meta.get("uid"), meta.get("resourceVersion")) != (self._meta.get("uid"),
                                                               self._meta.get("resourceVersion")):
            self._reread()

    def _health(self, health: HealthState) -> None:
        if health.state in (Health.FORBIDDEN, Health.ERROR) and not self.status.startswith("deleted"):
            self.status = f"not following changes: {health.error or health.state.value}"
            self._show_status()

    async def _fetch(self, failed: str) -> dict[str, Any] | None:
        """The whole object as the server has it now; None when it could not be read (a deleted object is
        marked so, another failure shows as ``failed: <why>`` on the border)."""
        hub = getattr(self.app, "hub", None)
        if hub is None:
            return None
        namespace = self._meta.get("namespace") if self.resource.namespaced else None
        try:
            return await fetch_object(hub.client, self.resource, namespace, str(self._meta.get("name", "")))
        except FetchError as exc:
            if "not found" in str(exc):
                self._deleted()
            else:
                self.status = f"{failed}: {exc}"
                self._show_status()
            return None

    @work(group="describe-reread", exclusive=True, exit_on_error=False)
    async def _reread(self) -> None:
        """The whole object, read now (the watch says that it changed)."""
        obj = await self._fetch("not refreshed")
        if obj is not None and self.is_attached:
            self.show(obj)

    @work(group="describe-reread", exclusive=True, exit_on_error=False)
    async def _read_whole(self) -> None:
        """The whole object instead of the informer's lean copy: shown only where it differs (same place, no
        "updated": nothing changed on the server)."""
        obj = await self._fetch("cached copy")
        if obj is None:
            return
        text = await asyncio.to_thread(to_yaml, obj, self.resource)
        if not self.is_attached:
            return
        self.obj, self.whole = obj, True
        if text != self.yaml_text:
            self.yaml_text = text
            self.query_one("#yaml", Static).update(Syntax(text, "yaml", theme="ansi_dark", word_wrap=False))
        self._show_status()

    def show(self, obj: dict[str, Any]) -> None:
        """Show ``obj``, the object's newer state, where the user has scrolled to."""
        recreated = (obj.get("metadata") or {}).get("uid") != self._meta.get("uid")
        self.obj, self.whole = obj, True
        self.yaml_text = to_yaml(obj, self.resource)
        self.query_one("#yaml", Static).update(Syntax(self.yaml_text, "yaml", theme="ansi_dark", word_wrap=False))
        self.updates += 1
        self.status = f"{'recreated' if recreated else 'updated'} {time.strftime('%H:%M:%S')}"
        self._show_status()

    def _deleted(self) -> None:
        if not self.status.startswith("deleted"):
            self.status = f"deleted {time.strftime('%H:%M:%S')}: this was its last state"
            self._show_status()

    def _show_status(self) -> None:
        parts = [self.status] if self.status else []
        if is_secret(self.resource) and secret_keys(self.obj):
            parts.append("values masked · v show one value")
        self.query_one(VerticalScroll).border_subtitle = plain(" · ".join(parts))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return is_secret(self.resource) and bool(secret_keys(self.obj))
        return True

    def action_reveal(self) -> None:
        """Ask which key, then show that one value (and nothing else) until dismissed."""
        if not self.whole:  # the informers keep a Secret's keys, not its values: they come with the whole object
            self.notify("still reading the Secret from the server: press v again in a moment", severity="warning")
            return

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
