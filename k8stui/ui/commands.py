"""``:`` command mode: parse ``:pods``, ``:deploy``, ``:ns team-a``, ``:ctx demo-dev``, ``:q`` into a Command.

Aliases are data (kubectl short names plus the user's ``aliases`` setting), so adding one is a config line.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEW_ALIASES: dict[str, str] = {
    "pods": "pods", "pod": "pods", "po": "pods",
    "deploy": "deployments", "deployments": "deployments", "deployment": "deployments", "dp": "deployments",
    "rs": "replicasets", "replicasets": "replicasets", "replicaset": "replicasets",
    "svc": "services", "services": "services", "service": "services",
    "ing": "ingresses", "ingresses": "ingresses", "ingress": "ingresses",
    "nodes": "nodes", "node": "nodes", "no": "nodes",
    "events": "events", "event": "events", "ev": "events",
    "ns": "namespaces", "namespaces": "namespaces", "namespace": "namespaces",
    "ctx": "contexts", "context": "contexts", "contexts": "contexts",
    "cm": "configmaps", "configmaps": "configmaps", "configmap": "configmaps",
    "secrets": "secrets", "secret": "secrets", "sec": "secrets",
    "hpa": "horizontalpodautoscalers", "horizontalpodautoscalers": "horizontalpodautoscalers",
    "dash": "dashboard", "dashboard": "dashboard", "home": "dashboard",
    "alerts": "alerts", "audit": "audit", "lint": "lint", "popeye": "lint",
    "timeline": "timeline", "tl": "timeline", "helm": "helm", "releases": "helm",
    "pf": "portforwards", "portforward": "portforwards", "portforwards": "portforwards",
    "port-forward": "portforwards", "port-forwards": "portforwards",
    "help": "help", "q": "quit", "quit": "quit", "q!": "quit",
}


# What each view is, for ``?`` help (which lists every view of VIEW_ALIASES, described here or not).
VIEW_HELP: dict[str, str] = {
    "pods": "pods", "deployments": "deployments", "replicasets": "replica sets", "services": "services",
    "ingresses": "ingresses", "nodes": "nodes: capacity, real vs virtual; enter lists a node's pods",
    "events": "events", "namespaces": "namespaces; :ns NAME switches (:ns all: every namespace)",
    "contexts": "kubeconfig contexts; :ctx NAME switches", "configmaps": "config maps",
    "secrets": "secrets (values masked)", "horizontalpodautoscalers": "horizontal pod autoscalers",
    "dashboard": "the dashboard", "alerts": "firing Prometheus alerts", "audit": "the audit log of changes",
    "lint": "findings: misconfigurations and risks", "timeline": "incident timeline", "helm": "Helm releases",
    "portforwards": "running port-forwards", "help": "this help", "quit": "quit",
}


def command_help(extra_aliases: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """``(":pods", "pods (also :pod :po)")`` for every view the command bar knows (the user's aliases too), in the
    order of VIEW_ALIASES: derived from the table ``parse_command`` reads, so help cannot miss a command."""
    names: dict[str, list[str]] = {}
    for alias, view in (VIEW_ALIASES | {k.lower(): v for k, v in (extra_aliases or {}).items()}).items():
        names.setdefault(view, []).append(alias)
    return [(f":{aliases[0]}", VIEW_HELP.get(view, view) + (f" (also {' '.join(f':{a}' for a in aliases[1:])})"
                                                             if aliases[1:] else ""))
            for view, aliases in names.items()]


class CommandError(ValueError):
    """A one-line message for the status bar."""


@dataclass(frozen=True)
class Command:
    """What the user asked for: a view name and an optional argument (namespace, context, filter)."""

    view: str
    arg: str = ""


def parse_command(text: str, extra_aliases: dict[str, str] | None = None) -> Command:
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("empty command: try :pods, :deploy, :nodes, :ns NAME, :ctx NAME or :q")
    head, args = words[0].lower(), words[1:]
    aliases = VIEW_ALIASES | {k.lower(): v for k, v in (extra_aliases or {}).items()}
    view = aliases.get(head)
    if view is None and head in VIEW_ALIASES.values():
        view = head
    if view is None:
        raise CommandError(f"unknown command {head!r}: try :pods, :deploy, :svc, :nodes, :events, :ns, :ctx")
    if len(args) > 1:
        raise CommandError(f":{head} takes at most one argument, got {' '.join(args)!r}")
    return Command(view, args[0] if args else "")
