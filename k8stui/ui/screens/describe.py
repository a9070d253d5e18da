"""``d``: an object as YAML, Secret values masked, managedFields dropped; read-only and scrollable."""

from __future__ import annotations

import base64
import copy
from typing import Any

import yaml
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ...text import sanitize
from ..widgets.key_footer import KeyFooter


def mask_secrets(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` safe to show: Secret ``data``/``stringData`` values replaced by their size, the
    last-applied annotation (which may embed them) and managedFields removed."""
    out = copy.deepcopy(obj)
    meta = out.get("metadata") or {}
    meta.pop("managedFields", None)
    annotations = meta.get("annotations") or {}
    if out.get("kind") == "Secret":
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
        for field in ("data", "stringData"):
            values = out.get(field)
            if isinstance(values, dict):
                out[field] = {k: f"<masked: {_size(v, field)} bytes>" for k, v in values.items()}
    return out


def _size(value: Any, field: str) -> int:
    if not isinstance(value, str):
        return 0
    if field == "data":
        try:
            return len(base64.b64decode(value, validate=False))
        except ValueError:
            return len(value)
    return len(value.encode())


def to_yaml(obj: dict[str, Any]) -> str:
    text = yaml.safe_dump(mask_secrets(obj), sort_keys=False, allow_unicode=False, width=120)
    return sanitize(text.replace("\r", "")) if "\x1b" in text else text


class DescribeScreen(Screen):
    """Full-screen YAML of one object."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    DescribeScreen VerticalScroll { border: round $primary; }
    """

    def __init__(self, title: str, obj: dict[str, Any]) -> None:
        super().__init__()
        self.title_text = title
        self.yaml_text = to_yaml(obj)

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll(Static(Syntax(self.yaml_text, "yaml", theme="ansi_dark", word_wrap=False),
                                       id="yaml"))
        scroll.border_title = sanitize(self.title_text)
        yield scroll
        yield KeyFooter()
