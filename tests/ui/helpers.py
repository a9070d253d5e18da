"""Helpers for driving the app with Textual's Pilot against the demo cluster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from k8stui.cluster.connection import load_target
from k8stui.config import Settings
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.widgets.resource_view import ResourceView

SIZE = (160, 48)


APPS_MADE: list[K8sTuiApp] = []  # by make_app during the current test (tests/ui/conftest.py checks them after it)


def make_app(demo: Any, *, context: str = "demo", namespace: str | None = None, **kwargs: Any) -> K8sTuiApp:
    connection = load_target(demo.kubeconfig, context, namespace)
    app = K8sTuiApp(connection, Settings(), kubeconfig=demo.kubeconfig, **kwargs)
    APPS_MADE.append(app)
    return app


async def wait_until(pilot: Any, predicate: Callable[[], Any], timeout: float, message: str) -> float:
    """Let the app run until ``predicate()`` holds; returns the seconds it took, fails after ``timeout``."""
    start = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - start
        except Exception:  # the widget may not exist yet
            pass
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout}s: {message}")
        await pilot.pause(0.02)


def table(app: K8sTuiApp, table_id: str) -> ResourceView:
    return app.screen.query_one(f"#{table_id}", ResourceView)


def names(app: K8sTuiApp, table_id: str) -> list[str]:
    """Names of the rows the table shows (filtered, in display order; scrolling reaches them all)."""
    return [getattr(r, "name", "") for r in table(app, table_id).visible_rows()]


def rows(app: K8sTuiApp, table_id: str) -> Mapping[str, Any]:
    """Every row of the table's model by key (filtered-out ones too)."""
    return table(app, table_id).model.rows_by_key


def painted(app: K8sTuiApp, table_id: str) -> list[str]:
    """The table's lines as painted on screen now (header first)."""
    return table(app, table_id).painted_lines()


def row(app: K8sTuiApp, table_id: str, name: str) -> Any:
    for r in rows(app, table_id).values():
        if getattr(r, "name", None) == name:
            return r
    return None


async def kubectl(demo: Any, *args: str, **kwargs: Any) -> Any:
    """Run kubectl without blocking the app's event loop."""
    return await asyncio.to_thread(demo.kubectl, *args, **kwargs)
