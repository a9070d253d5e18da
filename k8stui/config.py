"""User configuration: ``~/.config/k8stui/config.toml`` read with tomllib, validated into a dataclass.

Every setting has a default, so a missing file is fine; a malformed one is a one-line error naming the
file and the problem (the CLI prints it and exits 2).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import locations


class ConfigError(Exception):
    """A one-line, user-facing description of what is wrong with the config file."""


@dataclass
class Settings:
    """Everything a user may set in config.toml (top-level keys, same names)."""

    theme: str = "k8stui-dark"
    read_only: bool = False
    refresh_hz: float = 10.0  # tables and logs repaint at most this often (see ``repaint_interval``)
    prometheus_url: str = ""
    dangerous_contexts: list[str] = field(default_factory=lambda: ["*prod*"])
    scale_max: int = 100
    log_buffer_lines: int = 10_000
    log_max_pods: int = 50  # a workload's logs follow at most this many pods at once (stern's --max-log-requests)
    aliases: dict[str, str] = field(default_factory=dict)  # ":po" -> "pods" style extra aliases
    promql: dict[str, str] = field(default_factory=dict)  # template overrides (metrics)
    prometheus: dict[str, Any] = field(default_factory=dict)  # credentials/TLS/AlertManager (metrics/source.py)

    @property
    def repaint_interval(self) -> float:
        """Seconds between repaints of a changing view: informers coalesce their change batches (tables) and
        log views take in new lines this often."""
        return 1.0 / self.refresh_hz


_TYPES: dict[str, tuple[type, ...]] = {
    "theme": (str,), "read_only": (bool,), "refresh_hz": (int, float), "prometheus_url": (str,),
    "dangerous_contexts": (list,), "scale_max": (int,), "log_buffer_lines": (int,), "log_max_pods": (int,),
    "aliases": (dict,), "promql": (dict,), "prometheus": (dict,),
}


def load_settings(path: Path | None = None) -> Settings:
    path = path or locations.config_file()
    settings = Settings()
    if not path.exists():
        _apply_remembered(settings)
        return settings
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    known = {f.name for f in fields(Settings)}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        if isinstance(value, bool) and bool not in _TYPES[key] or not isinstance(value, _TYPES[key]):
            raise ConfigError(f"{path}: {key} must be {_TYPES[key][0].__name__}, got {value!r}")
        setattr(settings, key, value)
    if settings.scale_max < 1:
        raise ConfigError(f"{path}: scale_max must be at least 1")
    if settings.log_max_pods < 1:
        raise ConfigError(f"{path}: log_max_pods must be at least 1")
    if not 0 < settings.refresh_hz <= 60:
        raise ConfigError(f"{path}: refresh_hz must be between 0 and 60")
    if "theme" not in data:
        _apply_remembered(settings)
    return settings


def _apply_remembered(settings: Settings) -> None:
    remembered = load_remembered()
    if isinstance(remembered.get("theme"), str):
        settings.theme = remembered["theme"]


def load_remembered() -> dict[str, Any]:
    try:
        data = json.loads(locations.remembered_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(**values: Any) -> None:
    """Persist small choices (e.g. the theme picked in the command palette) in the state dir."""
    path = locations.remembered_file()
    data = load_remembered() | values
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(path)
    except OSError:
        pass  # remembering is a convenience; never fail the app over it
