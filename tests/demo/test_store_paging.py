"""The demo store's paged LIST: pages in (namespace, name) order, continuing after a key, counting what is left,
and the sorted index kept right across creates and deletes (a page costs its own size, not the store's)."""

from __future__ import annotations

from k8stui.demo.resources import NAMESPACES, PODS
from k8stui.demo.selectors import parse_label_selector
from k8stui.demo.store import Store


def _pod(namespace: str, name: str, app: str = "web") -> dict:
    return {"metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def _names(items: list[dict]) -> list[tuple[str, str]]:
    return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in items]


def _store() -> Store:
    store = Store()
    for ns in ("b", "a", "a-b", "c"):
        store.create(NAMESPACES, {"metadata": {"name": ns}})
        for i in (3, 1, 2):
            store.create(PODS, _pod(ns, f"p{i}", app="db" if i == 2 else "web"))
    return store


def test_pages_walk_every_pod_in_order_with_the_count_left() -> None:
    store = _store()
    seen, after, lefts = [], None, []
    while True:
        items, left = store.list_page(PODS, limit=5, after=after)
        seen += _names(items)
        lefts.append(left)
        if not left:
            break
        after = seen[-1]
    assert seen == sorted(seen) == _names(store.list(PODS))
    assert len(seen) == 12 and lefts == [7, 2, 0]


def test_namespace_and_selectors_page_within_their_matches() -> None:
    store = _store()
    assert _names(store.list(PODS, "a")) == [("a", "p1"), ("a", "p2"), ("a", "p3")]
    items, left = store.list_page(PODS, "a", limit=2)
    assert _names(items) == [("a", "p1"), ("a", "p2")] and left == 1
    db = parse_label_selector("app=db")
    items, left = store.list_page(PODS, None, db, limit=2)
    assert _names(items) == [("a", "p2"), ("a-b", "p2")] and left == 2


def test_creates_and_deletes_keep_the_index_right() -> None:
    store = _store()
    store.list(PODS)  # builds the index
    store.create(PODS, _pod("a", "p0"))
    store.delete(PODS, "b", "p3", grace_seconds=0)
    store.remove_now(PODS, "b", "p3")
    names = _names(store.list(PODS))
    assert names == sorted(names) and ("a", "p0") in names and ("b", "p3") not in names
    assert _names(store.list_page(PODS, after=("a", "p3"), limit=1)[0]) == [("a-b", "p1")]
