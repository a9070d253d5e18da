"""``:`` command mode: parse ``:pods``, ``:sts``, ``:certificates.demo.k8stui.io``, ``:pods app=api``, ``:ns team-a``,
``:ctx demo-dev``, ``:xray shop``, ``:q`` into a Command.

The app's own views (dashboard, contexts, namespaces, alerts, audit, xray, help, quit) have fixed names; every
other word is a resource kind, resolved like kubectl resolves it (plural, singular, short name or kind, qualified
with its group when ambiguous) by the server's ``KindRegistry`` — so a CRD installed a moment ago is a command as
soon as discovery has seen it. Aliases are data (the user's ``aliases`` setting maps a word to a view or a kind).

What follows a kind is the view's starting filter: ``-l SELECTOR`` or a bare selector (``app=api,version!=green``)
filters by labels, anything else is text (``:pods api``) — except kubectl's scope flags, which work after every
kind: ``-A``/``--all-namespaces`` and ``-n NS``/``--namespace NS`` (``:cj -A``, ``:deploy -n team-a app=web``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cluster.kinds import ResourceKind
from ..cluster.registry import KindRegistry

APP_VIEWS: dict[str, str] = {
    "ctx": "contexts", "context": "contexts", "contexts": "contexts",
    "dash": "dashboard", "dashboard": "dashboard", "home": "dashboard",
    "alerts": "alerts", "audit": "audit", "lint": "lint", "popeye": "lint",
    "timeline": "timeline", "tl": "timeline", "helm": "helm", "releases": "helm",
    "xray": "xray", "x-ray": "xray",
    "pf": "portforwards", "portforward": "portforwards", "portforwards": "portforwards",
    "port-forward": "portforwards", "port-forwards": "portforwards",
    "help": "help", "q": "quit", "quit": "quit", "q!": "quit",
}
"""Words that name one of the app's own views, not a resource kind."""

NAMESPACE_WORDS = ("ns", "namespace", "namespaces")
"""``:ns`` lists namespaces; ``:ns NAME`` switches to one."""

# Names of the first views, kept for users' aliases written against them ("dp" -> "deployments").
VIEW_ALIASES: dict[str, str] = {**APP_VIEWS, **{w: "namespaces" for w in NAMESPACE_WORDS}}


# What each view is, for ``?`` help (which lists every app view of VIEW_ALIASES and every first-class kind).
VIEW_HELP: dict[str, str] = {
    "pods": "pods", "deployments": "deployments", "replicasets": "replica sets", "services": "services",
    "ingresses": "ingresses", "nodes": "nodes: capacity, real vs virtual; enter lists a node's pods",
    "events": "events", "namespaces": "namespaces; :ns NAME switches (:ns all: every namespace)",
    "contexts": "kubeconfig contexts; :ctx NAME switches", "configmaps": "config maps",
    "secrets": "secrets (values masked)", "horizontalpodautoscalers": "horizontal pod autoscalers",
    "statefulsets": "stateful sets: pods by ordinal and their PVCs", "daemonsets": "daemon sets: one pod per node",
    "cronjobs": "cron jobs: enter lists their jobs", "persistentvolumeclaims": "persistent volume claims",
    "persistentvolumes": "persistent volumes", "poddisruptionbudgets": "pod disruption budgets",
    "storageclasses": "storage classes", "endpointslices": "endpoint slices", "networkpolicies": "network policies",
    "serviceaccounts": "service accounts", "controllerrevisions": "controller revisions (rollout history)",
    "clusterroles": "cluster roles", "rolebindings": "role bindings", "clusterrolebindings": "cluster role bindings",
    "dashboard": "the dashboard", "alerts": "firing Prometheus alerts", "audit": "the audit log of changes",
    "lint": "findings: misconfigurations and risks", "timeline": "incident timeline", "helm": "Helm releases",
    "xray": "xray tree: :xray [NAMESPACE] or :xray KIND NAME",
    "portforwards": "running port-forwards", "help": "this help", "quit": "quit",
}

ANY_KIND_HELP = (":KIND [-A|-n NS] [SELECTOR]", "any kind the server has, CRDs included: plural, singular, short "
                 "name or Kind, kind.group when ambiguous; -A every namespace, -n one; then a label selector "
                 "(app=api,version!=green) or text to filter by")


def command_help(extra_aliases: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """``(":pods", "pods (also :pod :po)")`` for every first-class kind and every app view the command bar knows
    (the user's aliases too): derived from the tables ``parse_command`` reads, so help cannot miss a command."""
    from ..cluster.row_kinds import PROJECTIONS

    registry = KindRegistry.builtin()
    names: dict[str, list[str]] = {}
    for key in PROJECTIONS:
        kind = next((k for k in registry if k.key == key), None)
        if kind is not None and kind.listable:
            names[kind.plural] = [kind.plural, *kind.short_names, *kind.aliases]
    for alias, view in (VIEW_ALIASES | {k.lower(): v for k, v in (extra_aliases or {}).items()}).items():
        kind = registry.resolve(view) if view not in VIEW_ALIASES.values() else None
        target = kind.plural if kind is not None and kind.plural in names else view
        if alias not in names.setdefault(target, []):
            names[target].append(alias)
    rows = [(f":{aliases[0]}", VIEW_HELP.get(view, view) + (f" (also {' '.join(f':{a}' for a in aliases[1:])})"
                                                             if aliases[1:] else ""))
            for view, aliases in names.items()]
    return [ANY_KIND_HELP, *rows]


class CommandError(ValueError):
    """A one-line message for the status bar."""


@dataclass(frozen=True)
class Command:
    """What the user asked for.

    ``view`` is an app view (``contexts``, ``xray`` ...), ``namespaces`` / ``contexts`` with ``arg`` to switch,
    or ``kind``: then ``kind`` is the resolved resource (None when the registry does not know ``word`` yet:
    discovery may still learn it) and ``arg`` the starting filter."""

    view: str
    arg: str = ""
    kind: ResourceKind | None = None
    word: str = ""  # what the user typed for the view
    all_namespaces: bool = False  # -A after a kind
    namespace: str = ""  # -n NS after a kind


_ALL_FLAGS = ("-A", "--all-namespaces")
_NAMESPACE_FLAGS = ("-n", "--namespace")


def split_scope(words: list[str]) -> tuple[bool, str, list[str]]:
    """kubectl's scope flags out of the words after a kind: (all namespaces?, namespace, the other words).
    ``-A``, ``--all-namespaces``, ``-n NS``, ``-nNS``, ``-n=NS``, ``--namespace NS``, ``--namespace=NS``."""
    every, namespace, rest = False, "", []
    pending = ""
    for word in words:
        if pending:
            namespace, pending = word, ""
        elif word in _ALL_FLAGS:
            every = True
        elif word in _NAMESPACE_FLAGS:
            pending = word
        elif word.startswith("--namespace="):
            namespace = word.partition("=")[2]
        elif word.startswith("-n") and len(word) > 2 and not word.startswith("--"):
            namespace = word[2:].removeprefix("=")
        else:
            rest.append(word)
    if pending:
        raise CommandError(f"{pending} needs a namespace: {pending} NAME")
    if pending == "" and namespace == "" and any(w.startswith(("--namespace=", "-n=")) for w in words):
        raise CommandError("-n needs a namespace: -n NAME")
    if every and namespace:
        raise CommandError("-A and -n exclude each other: all namespaces, or one")
    return every, namespace, rest


def parse_command(text: str, extra_aliases: dict[str, str] | None = None,
                  registry: KindRegistry | None = None) -> Command:
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("empty command: try :pods, :deploy, :sts, :nodes, :ns NAME, :ctx NAME or :q")
    head = words[0].lower()
    rest = text.strip().lstrip(":").strip()[len(words[0]):].strip()
    aliases = {k.lower(): v for k, v in (extra_aliases or {}).items()}
    target = aliases.get(head, head)
    if target.lower() in NAMESPACE_WORDS or target == "namespaces":
        if len(words) > 2:
            raise CommandError(f":{head} takes at most one argument (a namespace), got {rest!r}")
        return Command("namespaces", rest, word=head)
    if target in APP_VIEWS or target in APP_VIEWS.values():
        view = APP_VIEWS.get(target, target)
        if view == "contexts" and len(words) > 2:
            raise CommandError(f":{head} takes at most one argument (a context), got {rest!r}")
        return Command(view, rest, word=head)
    registry = registry or KindRegistry.builtin()
    kind = registry.resolve(target)
    if kind is not None and not kind.listable:
        raise CommandError(f"{registry.qualified_name(kind)} cannot be listed (the server offers "
                           f"{', '.join(kind.verbs) or 'no verbs'} on it)")
    every, namespace, others = split_scope(words[1:])
    if every or namespace:
        rest = " ".join(others)
    return Command("kind", rest, kind, head, all_namespaces=every, namespace=namespace)


__all__ = ["APP_VIEWS", "Command", "CommandError", "NAMESPACE_WORDS", "VIEW_ALIASES", "command_help", "parse_command",
           "split_scope"]
