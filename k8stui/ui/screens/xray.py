"""Xray: a namespace (``:xray NAMESPACE``) or one object (``w`` on a row, ``:xray svc api``) as a live tree —
Ingress → Service → workload → ReplicaSet → Pod → container, with the ConfigMaps, Secrets, PVCs and the
ServiceAccount the pods use, each node with its status in colour.

The tree is ``cluster.xray`` applied to the informers of the namespace; any change recomputes it (coalesced,
at most every ``RECOMPUTE_DELAY`` seconds) and the widget is reconciled node by node by ``XrayNode.key``, so the
cursor and what the user folded stay where they were. The keys of every view act on the node under the cursor:
``d`` describe, ``l`` logs (a container: that container's), ``m`` metrics, ``E`` events, ``s``/``r``/``u`` and the
other operations; ``enter`` or ``space`` folds and unfolds. Secrets are watched as a metadata-only Table: the xray never holds
a Secret's values.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from ...cluster import kinds, xray
from ...cluster.kinds import ResourceKind
from ...cluster.store import Health, Informer
from ...cluster.xray import XrayNode
from ...text import plain, sanitize
from .base import ClusterScreen

RECOMPUTE_DELAY = 0.25
HEALTH_STYLE = {xray.OK: "green", xray.WARN: "yellow", xray.BAD: "bold red"}
_METADATA_ONLY = frozenset({xray.SECRETS})
_BY_KEY = {k.key: k for k in kinds.WELL_KNOWN}


def node_label(node: XrayNode) -> Text:
    """``Kind name  status  detail`` with the status in its health colour (plain text: names are the cluster's)."""
    text = Text()
    if node.upstream:
        text.append("← ", style="dim")
    text.append(node.kind, style="bold" if not node.upstream else "dim bold")
    text.append(" ")
    text.append(sanitize(node.name), style="" if node.exists else "strike")
    if node.status:
        text.append("  ")
        text.append(sanitize(node.status), style=HEALTH_STYLE.get(node.health, "dim"))
    if node.detail:
        text.append("  ")
        text.append(sanitize(node.detail), style="dim")
    return text


class XrayTree(Tree[XrayNode]):
    """The tree widget; ``enter`` folds/unfolds (Textual's ``select`` toggles)."""

    DEFAULT_CSS = """
    XrayTree { border: round $foreground 30%; border-title-color: $foreground 80%; height: 1fr; padding: 0 1; }
    XrayTree:focus { border: round $primary; border-title-color: $primary; }
    """


class XrayScreen(ClusterScreen):
    """The xray of a namespace, or of one object (``resource``/``name``) in it."""

    DEFAULT_CSS = """
    XrayScreen #xray-state { height: auto; padding: 0 1; display: none; }
    XrayScreen #xray-state.-shown { display: block; }
    """
    view_name = "xray"

    def __init__(self, namespace: str, resource: str = "", name: str = "") -> None:
        super().__init__()
        self.namespace = namespace
        self.resource = resource
        self.object_name = name
        what = f"{xray.KIND_NAMES.get(resource, resource)} {namespace}/{name}" if resource else f"namespace {namespace}"
        self.xray_tree: XrayTree = XrayTree(plain(f"Xray of {what}"), id="xray")
        self.xray_tree.show_root = False
        self.xray_tree.border_title = plain(f"Xray of {what}")
        self.state_line = Static("", id="xray-state")
        self.informers: dict[str, Informer] = {}
        self.roots: tuple[XrayNode, ...] = ()
        self._pending = False
        self._by_key: dict[str, TreeNode[XrayNode]] = {}

    def reopen(self) -> XrayScreen:
        return XrayScreen(self.k8s_app.namespace, self.resource, self.object_name)

    def compose_body(self) -> ComposeResult:
        yield self.state_line
        yield self.xray_tree

    def on_mount(self) -> None:
        for key in xray.XRAY_KINDS:
            kind = self.k8s_app.discovery.registry.get(*_group_plural(key)) or _BY_KEY.get(key)
            if kind is None:
                continue
            informer = self.hold(kind, self.namespace, table=key in _METADATA_ONLY)
            self.informers[key] = informer
            self.at_unmount(informer.subscribe(lambda _batch: self._schedule()))
            self.at_unmount(informer.subscribe_health(lambda _state: self._schedule()))
        self._recompute()
        self.xray_tree.focus()

    # -- recomputing -------------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._pending:
            self._pending = True
            self.set_timer(RECOMPUTE_DELAY, self._recompute)

    def snapshot(self) -> dict[str, list[dict[str, Any]] | None]:
        """The informers' objects; None for a kind not known (forbidden, not listed yet)."""
        out: dict[str, list[dict[str, Any]] | None] = {}
        for key, informer in self.informers.items():
            state = informer.health.state
            out[key] = None if state is Health.FORBIDDEN or not informer.synced else informer.objects()
        return out

    def _recompute(self) -> None:
        self._pending = False
        snapshot = self.snapshot()
        if self.resource:
            root = xray.object_tree(snapshot, self.namespace, self.resource, self.object_name)
            self.roots = (root,) if root is not None else ()
        else:
            self.roots = xray.namespace_tree(snapshot, self.namespace)
        self._show_state(snapshot)
        self._reconcile(self.xray_tree.root, self.roots)

    def _show_state(self, snapshot: dict[str, list[dict[str, Any]] | None]) -> None:
        loading = [k for k, inf in self.informers.items() if not inf.synced
                   and inf.health.state is not Health.FORBIDDEN]
        forbidden = [xray.KIND_NAMES.get(k, k) for k, inf in self.informers.items()
                     if inf.health.state is Health.FORBIDDEN]
        parts: list[tuple[str, str]] = []
        if loading:
            parts.append(("loading…", "yellow"))
        if forbidden:
            parts.append((f"not allowed to list: {', '.join(forbidden)} (shown as ?)", "yellow"))
        if self.resource and not self.roots and not loading:
            parts.append((f"{xray.KIND_NAMES.get(self.resource, self.resource)} {self.object_name} is not in namespace "
                          f"{self.namespace} (deleted?)", "bold red"))
        elif not self.roots and not loading:
            parts.append((f"nothing in namespace {self.namespace}", "dim"))
        line = Text()
        for i, (text, style) in enumerate(parts):
            if i:
                line.append(" · ")
            line.append(sanitize(text), style=style)
        self.state_line.update(line)
        self.state_line.set_class(bool(parts), "-shown")

    def _reconcile(self, parent: TreeNode[XrayNode], wanted: tuple[XrayNode, ...]) -> None:
        """Make ``parent``'s children show ``wanted``, keeping the tree nodes of unchanged keys (and their
        folding); the cursor stays on its node."""
        cursor = self.xray_tree.cursor_node
        cursor_key = cursor.data.key if cursor is not None and cursor.data is not None else None
        self._reconcile_children(parent, wanted)
        if cursor_key is not None:
            node = self._by_key.get(cursor_key)
            if node is not None and node is not self.xray_tree.cursor_node:
                self.xray_tree.move_cursor(node)

    def _reconcile_children(self, parent: TreeNode[XrayNode], wanted: tuple[XrayNode, ...]) -> None:
        existing = {child.data.key: child for child in parent.children if child.data is not None}
        wanted_keys = [w.key for w in wanted]
        for key, child in existing.items():
            if key not in wanted_keys:
                self._forget(child)
                child.remove()
        kept = [c.data.key for c in parent.children if c.data is not None]
        if kept != [k for k in wanted_keys if k in existing]:  # the order changed: rebuild this level
            for child in list(parent.children):
                self._forget(child)
                child.remove()
            existing = {}
        for index, node in enumerate(wanted):
            child = existing.get(node.key)
            if child is None:
                before = index if index < len(parent.children) else None
                child = parent.add(node_label(node), node, before=before, expand=node.resource != xray.PODS
                                   or node.health == xray.BAD, allow_expand=bool(node.children))
            else:
                if child.data != node:
                    child.set_label(node_label(node))
                child.data = node
                child.allow_expand = bool(node.children)
            self._by_key[node.key] = child
            self._reconcile_children(child, node.children)

    def _forget(self, node: TreeNode[XrayNode]) -> None:
        if node.data is not None:
            self._by_key.pop(node.data.key, None)
        for child in node.children:
            self._forget(child)

    # -- the node under the cursor -------------------------------------------------------------------------
    def current_node(self) -> XrayNode | None:
        node = self.xray_tree.cursor_node
        return node.data if node is not None else None

    def _resource(self, key: str) -> ResourceKind | None:
        informer = self.informers.get(key)
        return informer.kind if informer is not None else None

    def selected_resource(self) -> tuple[ResourceKind, dict[str, Any]] | None:
        """The node's object (a container: its pod), from the informers' cache."""
        node = self.current_node()
        if node is None:
            return None
        key = xray.PODS if node.resource == xray.CONTAINER else node.resource
        name = node.pod if node.resource == xray.CONTAINER else node.name
        informer = self.informers.get(key)
        kind = self._resource(key)
        if informer is None or kind is None or not node.exists:
            return None
        obj = informer.by_name(self.namespace, name)
        return (kind, obj) if obj is not None else None

    def view_kind(self) -> str | None:
        return None  # a tree of objects of every kind: the keys act on the node under the cursor

    def selection(self) -> tuple[str, dict[str, Any]] | None:
        found = self.selected_resource()
        return (found[0].key, found[1]) if found is not None else None

    def action_describe(self) -> None:
        from .describe import DescribeScreen

        node = self.current_node()
        if node is not None and node.resource in _METADATA_ONLY and node.exists:
            self._describe_fetched(node)
            return
        found = self.selected_resource()
        if found is None:
            self.notify("nothing to describe here" if node is None or node.exists else
                        f"{node.label} does not exist", severity="warning")
            return
        self.app.push_screen(DescribeScreen(*found, cached=True))

    def _describe_fetched(self, node: XrayNode) -> None:
        kind = self._resource(node.resource)
        if kind is None:
            return

        async def fetch() -> None:
            from ...cluster.fetch import FetchError, fetch_object
            from .describe import DescribeScreen

            try:
                obj = await fetch_object(self.k8s_app.hub.client, kind, self.namespace, node.name)
            except FetchError as exc:
                self.notify(str(exc), severity="error")
                return
            if self.is_attached:
                self.app.push_screen(DescribeScreen(kind, obj))

        self.run_worker(fetch(), group="describe", exclusive=True, exit_on_error=False)

    def action_logs(self) -> None:
        node = self.current_node()
        if node is not None and node.resource == xray.CONTAINER:
            from .logs import LogsScreen, target_for

            found = self.selected_resource()
            if found is None:
                self.notify("that pod is gone", severity="warning")
                return
            container = node.name.removesuffix(" (init)")
            target = target_for("pods", found[1], container)
            if isinstance(target, str):
                self.notify(target, severity="warning")
                return
            self.app.push_screen(LogsScreen(target, pod=found[1]))
            return
        super().action_logs()

    def action_xray(self) -> None:
        selection = self.selection()
        if selection is None:
            self.notify("nothing selected", severity="warning")
            return
        kind_key, obj = selection
        name = (obj.get("metadata") or {}).get("name")
        if kind_key == self.resource and name == self.object_name:
            return  # this is the xray of it already
        self.k8s_app.open_xray_of(kind_key, obj)

    def action_escape(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_filter(self) -> None:
        self.notify("xray has no filter: use :xray KIND NAME for one object's tree", severity="information")

    def action_sort_next(self) -> None:
        pass

    def action_sort_reverse(self) -> None:
        pass


def _group_plural(key: str) -> tuple[str, str]:
    plural, _, group = key.partition(".")
    return group, plural


__all__ = ["XrayScreen", "node_label"]
