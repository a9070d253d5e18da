"""Checks after every UI test: the informers' lean cache shares equal parts of objects between them
(``cluster.lean``), so nothing may change a cached object in place — a screen that did would silently change
every other object holding that part. Each app the test made says whether a shared part changed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import APPS_MADE


@pytest.fixture(autouse=True)
def _cached_objects_never_changed_in_place() -> Iterator[None]:
    APPS_MADE.clear()
    yield
    apps, APPS_MADE[:] = list(APPS_MADE), []
    for app in apps:
        hub = getattr(app, "hub", None)
        changed = hub.shared.verify() if hub is not None else []
        assert changed == [], f"a cached object was changed in place: {changed[:3]}"
