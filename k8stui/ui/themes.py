"""Colour themes: TOML files shipped inside the package (``k8stui/themes``) and the user's ``~/.config/k8stui/themes``.

Each file holds the fields of a ``textual.theme.Theme``; a user file with the same name overrides a built-in one.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from importlib.resources.abc import Traversable
from pathlib import Path

from textual.theme import BUILTIN_THEMES, Theme

from .. import locations

DEFAULT_THEME = "k8stui-dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}


def _load_file(path: Traversable) -> Theme | None:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        return None
    return Theme(**{k: v for k, v in data.items() if k in _THEME_FIELDS})


def load_themes(extra_dirs: tuple[Path, ...] = ()) -> dict[str, Theme]:
    """All k8stui themes by name: built-in first, then the user's (which win)."""
    themes: dict[str, Theme] = {}
    for directory in (locations.bundled_themes_dir(), locations.config_dir() / "themes", *extra_dirs):
        if directory.is_dir():
            for path in sorted(directory.iterdir(), key=lambda p: p.name):
                if path.name.endswith(".toml"):
                    theme = _load_file(path)
                    if theme is not None:
                        themes[theme.name] = theme
    return themes


def available_theme_names(themes: dict[str, Theme] | None = None) -> list[str]:
    """What ``--theme`` accepts: k8stui's themes first, then Textual's built-in ones."""
    ours = sorted(themes if themes is not None else load_themes())
    return ours + sorted(name for name in BUILTIN_THEMES if name not in ours)
