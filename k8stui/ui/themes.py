"""Colour themes: TOML files in the project's ``themes/`` folder and the user's ``~/.config/k8stui/themes``.

Each file holds the fields of a ``textual.theme.Theme``; a user file with the same name overrides a bundled one.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from .. import locations

DEFAULT_THEME = "k8stui-dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}


def _load_file(path: Path) -> Theme | None:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        return None
    return Theme(**{k: v for k, v in data.items() if k in _THEME_FIELDS})


def load_themes(extra_dirs: tuple[Path, ...] = ()) -> dict[str, Theme]:
    """All themes by name: bundled first, then the user's (which win)."""
    themes: dict[str, Theme] = {}
    for directory in (locations.bundled_themes_dir(), locations.config_dir() / "themes", *extra_dirs):
        if directory.is_dir():
            for path in sorted(directory.glob("*.toml")):
                theme = _load_file(path)
                if theme is not None:
                    themes[theme.name] = theme
    return themes
