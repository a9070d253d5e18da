"""From parsed CLI arguments to a running app: settings, kubeconfig, a reachability probe, then Textual.

Everything a user can get wrong before the UI starts (config file, kubeconfig, context, unreachable server)
ends here as one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from ..cluster.connection import ClusterUnreachableError, KubeconfigError, load_target, probe
from ..config import ConfigError, load_settings


def _fail(message: str) -> int:
    print(f"k8stui: {message}", file=sys.stderr)
    return 2


def launch(args: argparse.Namespace, kubeconfig: str | None = None, prometheus_url: str | None = None) -> int:
    try:
        settings = load_settings()
        kubeconfig = kubeconfig or getattr(args, "kubeconfig", None)
        connection = load_target(kubeconfig, args.context, args.namespace)
        asyncio.run(probe(connection))
    except (ConfigError, KubeconfigError, ClusterUnreachableError) as exc:
        return _fail(str(exc))
    from .app import K8sTuiApp

    app = K8sTuiApp(connection, settings, all_namespaces=bool(args.all_namespaces), read_only=args.read_only,
                    prometheus_url=prometheus_url or args.prometheus_url or os.environ.get("K8STUI_PROMETHEUS_URL"),
                    theme=args.theme, kubeconfig=kubeconfig, start_command=getattr(args, "command_text", None))
    app.run()
    return app.return_code or 0
