"""Where k8stui keeps files, in one place (XDG base directories; overridable with K8STUI_HOME for tests)."""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def _base(env: str, default: str) -> Path:
    home = os.environ.get("K8STUI_HOME")
    if home:
        return Path(home) / env.lower().removeprefix("xdg_").removesuffix("_home")
    return Path(os.environ.get(env) or Path.home() / default)


def config_dir() -> Path:
    """User settings: ``config.toml`` and user themes (``themes/*.toml``)."""
    return _base("XDG_CONFIG_HOME", ".config") / "k8stui"


def state_dir() -> Path:
    """Things k8stui remembers: the chosen theme, the audit log."""
    return _base("XDG_STATE_HOME", ".local/state") / "k8stui"


def cache_dir() -> Path:
    """Things k8stui can always fetch again: per-context API discovery."""
    return _base("XDG_CACHE_HOME", ".cache") / "k8stui"


def discovery_cache_dir() -> Path:
    return cache_dir() / "discovery"


def config_file() -> Path:
    return config_dir() / "config.toml"


def audit_log_file() -> Path:
    return state_dir() / "audit.jsonl"


def remembered_file() -> Path:
    return state_dir() / "remembered.json"


def bundled_themes_dir() -> Traversable:
    """The built-in themes: package data (``k8stui/themes/*.toml``), so that every kind of install has them."""
    return resources.files("k8stui") / "themes"
