"""Command palette (ctrl+p) entries: every view, every kind the server has (discovery, CRDs included), namespace,
context and theme, searchable by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from ..text import sanitize
from . import navigation

if TYPE_CHECKING:
    from .app import K8sTuiApp

VIEWS = [
    ("dashboard", "Dashboard: workloads, pods, events"), ("pods", "Pods"), ("deployments", "Deployments"),
    ("replicasets", "ReplicaSets"), ("services", "Services"), ("ingresses", "Ingresses"), ("nodes", "Nodes"),
    ("events", "Events"), ("configmaps", "ConfigMaps"), ("secrets", "Secrets (values never shown)"),
    ("horizontalpodautoscalers", "HorizontalPodAutoscalers"), ("namespaces", "Namespaces"),
    ("contexts", "Contexts"), ("lint", "Health findings of the namespace"),
    ("timeline", "Incident timeline of the namespace"), ("helm", "Helm releases"),
]


def _display(matcher: Matcher, text: str) -> Content:
    """The entry with its matched letters highlighted; ``Matcher.highlight`` parses markup, and context names
    come from the kubeconfig (``[@click=app.quit]`` would become an action), so such names are shown plain."""
    text = sanitize(text)
    return Content(text) if "[" in text else matcher.highlight(text)


class K8sCommands(Provider):
    """Views, namespaces, contexts and themes."""

    @property
    def k8s_app(self) -> K8sTuiApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[str, str, object]]:
        app = self.k8s_app
        entries: list[tuple[str, str, object]] = [
            (f"view: {name}", help_text, partial(app.open_view, name)) for name, help_text in VIEWS]
        entries.append(("view: xray", "Xray of the namespace: ingress → service → workload → pod, and what they use",
                        partial(app.open_view, "xray")))
        registry = app.discovery.registry
        shown = {name for name, _ in VIEWS}
        for kind in registry.kinds:
            name = registry.qualified_name(kind)
            if not kind.listable or name in shown:
                continue
            scope = "namespaced" if kind.namespaced else "cluster-scoped"
            short = f" ({', '.join(kind.short_names)})" if kind.short_names else ""
            entries.append((f"kind: {name}", f"{kind.kind}{short} · {kind.api_version} · {scope}",
                            partial(navigation.open_kind, app, kind, name)))
        informer = app.hub.peek("namespaces", None)
        namespaces = sorted(o["metadata"]["name"] for o in informer.objects()) if informer else []
        for ns in namespaces or [app.namespace]:
            entries.append((f"namespace: {ns}", "switch namespace", partial(app.switch_namespace, ns)))
        entries.append(("namespace: all", "show every namespace", partial(app.switch_namespace, "all")))
        contexts, _current = app.context_names()
        for ctx in contexts:
            entries.append((f"context: {ctx}", "switch context", partial(app.switch_context, ctx)))
        for theme in app.k8stui_theme_names():
            entries.append((f"theme: {theme}", "colour theme (remembered)", partial(setattr, app, "theme", theme)))
        return entries

    async def discover(self) -> Hits:
        for text, help_text, callback in self._entries():
            if text.startswith("view:"):
                yield DiscoveryHit(text, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, _display(matcher, text), callback, help=help_text)  # type: ignore[arg-type]
