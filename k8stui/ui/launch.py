"""From parsed CLI arguments to a running app: settings, kubeconfig, a reachability probe, then Textual.

Everything a user can get wrong before the UI starts (config file, theme, kubeconfig, context, unreachable
server) ends here as one line on stderr and exit code 2. The whole first screen is imported with this module, so
that ``cli`` reports a broken install before it starts anything.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from .. import config, locations
from ..cluster.connection import ClusterUnreachableError, KubeconfigError, load_target, probe
from ..config import ConfigError, Settings, load_settings
from .app import K8sTuiApp
from .screens import dashboard as _first_screen  # noqa: F401  (imported now: a broken install fails early)
from .themes import DEFAULT_THEME, available_theme_names, load_themes


@dataclass(frozen=True)
class Choices:
    """What the user chose in config.toml and on the command line, checked before anything starts."""

    settings: Settings
    theme: str


def load_choices(args: argparse.Namespace) -> Choices:
    """Settings and theme; raises ConfigError with a one-line message."""
    settings = load_settings()
    return Choices(settings, _choose_theme(args.theme, settings.theme))


def fail(message: str) -> int:
    print(f"k8stui: {message}", file=sys.stderr)
    return 2


def launch(args: argparse.Namespace, kubeconfig: str | None = None, prometheus_url: str | None = None,
           choices: Choices | None = None) -> int:
    try:
        choices = choices or load_choices(args)
        kubeconfig = kubeconfig or getattr(args, "kubeconfig", None)
        connection = load_target(kubeconfig, args.context, args.namespace)
        probe(connection)  # blocking: no event loop (nor anyio) before the app's own
    except (ConfigError, KubeconfigError, ClusterUnreachableError) as exc:
        return fail(str(exc))
    app = K8sTuiApp(connection, choices.settings, all_namespaces=bool(args.all_namespaces), read_only=args.read_only,
                    prometheus_url=prometheus_url or args.prometheus_url or os.environ.get("K8STUI_PROMETHEUS_URL"),
                    theme=choices.theme, kubeconfig=kubeconfig, start_command=getattr(args, "command_text", None))
    app.run()
    return app.return_code or 0


def _choose_theme(cli_theme: str | None, settings_theme: str) -> str:
    """The theme to start with; an unknown name given by the user is an error listing the real ones.

    A remembered theme (picked in the palette) whose file has since been removed falls back to the default.
    """
    names = available_theme_names(load_themes())
    wanted = cli_theme or settings_theme
    if wanted in names:
        return wanted
    available = f"available: {', '.join(names)}"
    if cli_theme:
        raise ConfigError(f"unknown theme {cli_theme!r} for --theme ({available})")
    if config.load_remembered().get("theme") == settings_theme:
        return DEFAULT_THEME
    raise ConfigError(f"{locations.config_file()}: unknown theme {settings_theme!r} ({available})")
