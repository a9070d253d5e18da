"""A view's cached lines are never reference cycles, so a line the cache drops is freed at once (by its reference count).

Textual's compositor caches each painted strip's division into spans in the strip itself (``[self]``): a strip
handed to Textual becomes a cycle. The views hand Textual copies (``line_cache.painted_copy``) and keep their
own strips acyclic; otherwise every cached line became garbage only a collection frees, and ``refreeze`` froze
those alive for good (RSS grew while following logs, ``benchmarks/bench_app.py --soak``)."""

from __future__ import annotations

import gc

from k8stui.ui.widgets.log_view import LogView

from .test_logs_pane import LogHarness
from .test_resource_view import TableApp, frozen_now, pod_model, view_of  # noqa: F401 (fixture)


def referrers_once_dropped(cache) -> list:  # noqa: ANN001 (a textual LRUCache of strips or lists of strips)
    """What still refers to the cached strips once the cache dropped them (a cycle shows here as the strip's
    own cache); nothing should."""
    held = []
    for key in list(cache.keys()):
        value = cache.get(key)
        held.extend(value if isinstance(value, list) else [value])
    assert held, "the view cached no line"
    del value  # the last list of strips read
    cache.clear()
    return [ref for ref in gc.get_referrers(*held) if ref is not held]


async def test_the_tables_cached_lines_are_freed_without_a_collection(frozen_now):  # noqa: F811
    app = TableApp(pod_model(40))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        view = view_of(app)
        assert "web-00000" in view.painted_lines()[1]
        await pilot.pause()  # painted by the compositor
        assert referrers_once_dropped(view._line_cache) == []


async def test_the_log_views_cached_lines_are_freed_without_a_collection():
    app = LogHarness([b"line %d of the log, long enough to be cropped at the right edge " % i * 3
                      for i in range(30)] + [b"short"])
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.sync()
        await pilot.pause()
        await pilot.pause()  # painted by the compositor
        assert referrers_once_dropped(view._cache) == []
        assert referrers_once_dropped(view._bodies) == []  # the bodies, rendered apart from tags and timestamps
