"""From a kind (or a name the user typed) to the view that shows it: first-class kinds get their own rows and
drill-downs (``screens.resource``), nodes their capacity view, every other kind the server's Table
(``screens.generic``); plus the xray of a namespace or an object and the events about an object.

A name the registry does not know yet is looked up again once discovery has answered (or refreshed, for a CRD
created a moment ago) before the user is told it is unknown — in a worker, so typing never waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..cluster import kinds, row_kinds
from ..cluster.kinds import ResourceKind
from .commands import CommandError, split_scope

if TYPE_CHECKING:
    from .app import K8sTuiApp


def starting_filter(arg: str) -> str:
    """What follows ``:KIND`` as the view's filter: ``app=api`` (a bare selector) becomes ``-l app=api``;
    ``-l ...`` and plain text stay as typed."""
    text = arg.strip()
    if not text:
        return ""
    from ..cluster.selector import LabelSelectorError, parse_filter  # (not needed for the app's first frame)

    try:
        query = parse_filter(text, implicit=True)
    except LabelSelectorError:
        return text  # the view's filter says what is wrong with it
    if query.selector is not None and not text.startswith(("-l", "--selector")):
        return f"-l {query.selector}" + (f" {query.text}" if query.text else "")
    return text


@dataclass(frozen=True)
class Scope:
    """Where a view opened from the command line looks: ``-A`` (every namespace), ``-n NS`` (one), or neither
    (the app's current scope)."""

    all_namespaces: bool = False
    namespace: str = ""


def view_for(app: K8sTuiApp, kind: ResourceKind, arg: str = "", scope: Scope = Scope()) -> Any:
    """The screen showing ``kind`` (with ``arg`` as its starting filter) in ``scope``."""
    # Only the screen shown is imported (``-c pods`` opens its view before the app's first frame).
    if kind.key == kinds.NODES.key and not arg:
        from .screens.nodes import NodesScreen

        return NodesScreen()
    every = True if scope.all_namespaces else None
    namespace = scope.namespace or None
    screen: Any
    if row_kinds.is_first_class(kind):
        from .screens.resource import ResourceScreen

        screen = ResourceScreen(kind, all_namespaces=every, namespace=namespace)
    else:
        from .screens.generic import TableScreen

        screen = TableScreen(kind, all_namespaces=every, namespace=namespace)
    screen.initial_filter = starting_filter(arg)
    return screen


def open_kind(app: K8sTuiApp, kind: ResourceKind | None, word: str, arg: str = "", scope: Scope = Scope()) -> None:
    """Push the view of ``kind``; when the registry did not know ``word``, ask discovery first."""
    if kind is not None:
        app.push_screen(view_for(app, kind, arg, scope))
        return
    app.run_worker(_resolve_then_open(app, word, arg, scope), group="resolve-kind", exclusive=True,
                   exit_on_error=False)


async def _resolve_then_open(app: K8sTuiApp, word: str, arg: str, scope: Scope = Scope()) -> None:
    discovery = app.discovery
    kind = await discovery.resolve(word)
    if kind is None:
        hint = f" (discovery: {discovery.error})" if discovery.error else ""
        app.notify(f"unknown command or resource {word!r}: try :pods, :deploy, :sts, :cj, :pvc, or a CRD's name"
                   + hint, severity="error")
        return
    if not kind.listable:
        app.notify(f"{discovery.registry.qualified_name(kind)} cannot be listed", severity="error")
        return
    app.push_screen(view_for(app, kind, arg, scope))


# -- xray --------------------------------------------------------------------------------------------------------
def open_xray(app: K8sTuiApp, arg: str = "") -> None:
    """``:xray`` (the current namespace), ``:xray NAMESPACE``, ``:xray KIND NAME`` or ``:xray KIND/NAME``, each
    with ``-n NAMESPACE`` too (``-A`` is refused: a tree is of one namespace)."""
    from ..cluster import xray
    from .screens.xray import XrayScreen

    try:
        every, scope, words = split_scope(arg.replace("/", " ").split())
    except CommandError as exc:
        app.notify(str(exc), severity="error")
        return
    if every:
        app.notify("xray shows one namespace: :xray NAMESPACE, or :xray KIND NAME -n NAMESPACE", severity="error")
        return
    if len(words) >= 2:
        kind = app.discovery.registry.resolve(words[0])
        if kind is None or not xray.supports(kind.key):
            app.notify(f"xray of {words[0]!r}: pick an ingress, service, workload, pod, PVC, ConfigMap, Secret or "
                       "service account", severity="error")
            return
        app.push_screen(XrayScreen(scope or app.namespace, kind.key, words[1]))
        return
    namespace = scope or (words[0] if words else app.namespace)
    app.push_screen(XrayScreen(namespace))


def open_xray_of(app: K8sTuiApp, kind_key: str, obj: dict[str, Any]) -> None:
    """The xray of a selected object; for a kind xray does not root trees at, its namespace's."""
    from ..cluster import xray
    from .screens.xray import XrayScreen

    meta = obj.get("metadata") or {}
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    if kind_key == kinds.NAMESPACES.key:
        app.push_screen(XrayScreen(name))
    elif xray.supports(kind_key) and namespace:
        app.push_screen(XrayScreen(namespace, kind_key, name))
    elif namespace:
        app.notify(f"no xray of a {kind_key.partition('.')[0]}: showing namespace {namespace}", timeout=3)
        app.push_screen(XrayScreen(namespace))
    else:
        app.notify("xray shows namespaced workloads: select one, or type :xray NAMESPACE", severity="warning")


# -- events about one object --------------------------------------------------------------------------------------
def open_events_of(app: K8sTuiApp, kind_key: str, obj: dict[str, Any]) -> None:
    """The events whose involved object is ``obj`` (by uid, or by kind and name for events without one)."""
    from .screens.resource import ResourceScreen

    meta = obj.get("metadata") or {}
    uid, name = meta.get("uid") or "", meta.get("name") or ""
    namespace = meta.get("namespace") or "default"  # a cluster-scoped object's events live in "default"
    resource = app.discovery.registry.resolve(kind_key)
    kind_name = resource.kind if resource is not None else kind_key.partition(".")[0]

    def about(event: dict[str, Any]) -> bool:
        involved = event.get("involvedObject") or event.get("regarding") or {}
        if uid and involved.get("uid"):
            return involved.get("uid") == uid
        return involved.get("kind") == kind_name and involved.get("name") == name

    where = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    screen = ResourceScreen(kinds.EVENTS, title=f"Events of {kind_name} {where}{name}", predicate=about,
                            namespace=namespace)
    app.push_screen(screen)


__all__ = ["Scope", "open_events_of", "open_kind", "open_xray", "open_xray_of", "starting_filter", "view_for"]
