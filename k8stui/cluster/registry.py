"""Which resource kinds a server has, and what a name the user types means: the ``KindRegistry``.

A registry is an immutable snapshot built from API discovery (``cluster.discovery`` fetches and caches it) or
from the built-in table (``kinds.WELL_KNOWN``) before discovery has answered. It answers three questions:

- ``resolve("sts")`` -> the ``ResourceKind`` kubectl would pick for that name. Any plural, singular, short name
  or kind, case-insensitive, optionally qualified: ``rollouts.argoproj.io``, ``deploy.apps``,
  ``deployments.v1.apps``. Ambiguous names resolve like kubectl's RESTMapper (client-go ``restmapper``): an
  exact plural/singular beats a short name, and among equals the core group comes first, then the groups in
  the server's discovery order (built-in groups have higher priority than CRD groups on every real server;
  the built-in groups are put first here as well, so a server with an odd order still resolves ``events`` to
  core v1 and ``pods`` to core rather than ``metrics.k8s.io``).
- ``complete("cert")`` -> completion candidates, each with the shortest name that resolves to it
  (``certificates`` or ``certificates.cert-manager.io`` when another group also has ``certificates``).
- ``for_object(api_version, kind)`` -> the resource of an ownerReference or an object's ``kind``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .kinds import WELL_KNOWN, ResourceKind

_VERSION_RE = re.compile(r"v\d+(?:(?:alpha|beta)\d+)?")
_BUILTIN_GROUPS = frozenset(k.group for k in WELL_KNOWN)

# match classes, in kubectl's order of preference
_PLURAL_OR_SINGULAR, _SHORT_NAME, _KIND, _ALIAS = range(4)


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """One API group as discovery describes it: its versions (preferred first) and their resources."""

    name: str  # "" = core
    versions: tuple[str, ...]
    resources: Mapping[str, tuple[ResourceKind, ...]]  # version -> resources served in it

    @property
    def preferred_version(self) -> str:
        return self.versions[0] if self.versions else ""


@dataclass(frozen=True, slots=True)
class Completion:
    """One completion candidate: ``name`` is what to put on the command line."""

    name: str
    kind: ResourceKind
    matched: str  # the name of the kind that matched what was typed ("sts" for statefulsets)


def _signature(kind: ResourceKind) -> tuple:
    return (kind.group, kind.version, kind.plural, kind.kind, kind.namespaced, kind.singular, kind.short_names,
            kind.verbs, kind.categories, kind.subresources, kind.aliases)


def _parse_name(text: str) -> tuple[str, str | None, str | None]:
    """``deployments.v1.apps`` -> (deployments, v1, apps); ``rollouts.argoproj.io`` -> (rollouts, None,
    argoproj.io); ``pods`` -> (pods, None, None)."""
    name, _, rest = text.partition(".")
    if not rest:
        return name, None, None
    first, _, remainder = rest.partition(".")
    if remainder and _VERSION_RE.fullmatch(first):
        return name, first, remainder
    return name, None, rest


class KindRegistry:
    """The resource kinds of one server, in priority order, with kubectl-style name resolution.

    ``kinds`` has one entry per (group, plural): the preferred version of each group, plus resources that
    only exist in other versions. Immutable: discovery builds a new one when the server changes.
    """

    def __init__(self, groups: Sequence[GroupInfo], *, source: str = "builtin",
                 unavailable: Iterable[str] = ()) -> None:
        self.source = source  # builtin | cache | discovery
        self.unavailable = tuple(unavailable)  # group/versions discovery could not read (aggregated APIs down)
        ordered = sorted(enumerate(groups), key=lambda ig: (ig[1].name != "", ig[1].name not in _BUILTIN_GROUPS,
                                                            ig[0]))
        self.groups: tuple[GroupInfo, ...] = tuple(g for _, g in ordered)
        primary: list[ResourceKind] = []
        every: list[ResourceKind] = []
        for group in self.groups:
            seen: set[str] = set()
            for version in group.versions:
                for kind in group.resources.get(version, ()):
                    every.append(kind)
                    if kind.plural not in seen:
                        seen.add(kind.plural)
                        primary.append(kind)
        self.kinds: tuple[ResourceKind, ...] = tuple(primary)
        self._primary = frozenset(primary)
        self.all_versions: tuple[ResourceKind, ...] = tuple(every)
        self._signature = (tuple(g.name for g in self.groups), tuple(_signature(k) for k in every))
        # name -> [(match class, priority, kind)]
        self._index: dict[str, list[tuple[int, int, ResourceKind]]] = {}
        for priority, kind in enumerate(primary):
            self._add(kind.plural, _PLURAL_OR_SINGULAR, priority, kind)
            self._add(kind.singular_name, _PLURAL_OR_SINGULAR, priority, kind)
            for short in kind.short_names:
                self._add(short, _SHORT_NAME, priority, kind)
            self._add(kind.kind, _KIND, priority, kind)
            for alias in kind.aliases:
                self._add(alias, _ALIAS, priority, kind)
        for entries in self._index.values():
            entries.sort(key=lambda e: (e[0], e[1]))
        self._by_gk: dict[tuple[str, str], ResourceKind] = {}
        for kind in primary:
            self._by_gk.setdefault((kind.group, kind.kind), kind)
        self._by_gvk: dict[tuple[str, str, str], ResourceKind] = {}
        for kind in every:
            self._by_gvk.setdefault((kind.group, kind.version, kind.kind), kind)
        self._qualified: dict[ResourceKind, str] = {}

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_kinds(cls, kinds: Iterable[ResourceKind], *, source: str = "builtin") -> KindRegistry:
        """A registry of ``kinds`` grouped by API group in first-seen order (one version per group)."""
        groups: dict[str, dict[str, list[ResourceKind]]] = {}
        for kind in kinds:
            groups.setdefault(kind.group, {}).setdefault(kind.version, []).append(kind)
        return cls([GroupInfo(name, tuple(versions), {v: tuple(ks) for v, ks in versions.items()})
                    for name, versions in groups.items()], source=source)

    @classmethod
    def builtin(cls) -> KindRegistry:
        """Every kind of a stock Kubernetes API server: what the app knows before discovery answers."""
        return _BUILTIN

    # -- reading -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.kinds)

    def __iter__(self) -> Iterator[ResourceKind]:
        return iter(self.kinds)

    def __contains__(self, item: object) -> bool:
        return item in self._primary

    def __eq__(self, other: object) -> bool:
        """Same kinds with the same discovery details (the source does not count)."""
        return isinstance(other, KindRegistry) and self._signature == other._signature

    def __hash__(self) -> int:
        return hash(self._signature)

    def __repr__(self) -> str:
        return f"KindRegistry({len(self.kinds)} kinds, {len(self.groups)} groups, source={self.source})"

    def get(self, group: str, plural: str, version: str | None = None) -> ResourceKind | None:
        """The kind with exactly this group and plural (and version, when given)."""
        pool = self.all_versions if version else self.kinds
        for kind in pool:
            if kind.group == group and kind.plural == plural and (version is None or kind.version == version):
                return kind
        return None

    def for_object(self, api_version: str, kind: str) -> ResourceKind | None:
        """The resource for an object's (or ownerReference's) ``apiVersion`` and ``kind``: the exact version
        when served, else the group's preferred one."""
        group, _, version = api_version.rpartition("/")
        return self._by_gvk.get((group, version, kind)) or self._by_gk.get((group, kind))

    def in_category(self, category: str) -> tuple[ResourceKind, ...]:
        """The kinds in a discovery category (``all``: what ``kubectl get all`` lists)."""
        return tuple(k for k in self.kinds if category in k.categories)

    # -- resolution --------------------------------------------------------------------------------
    def _add(self, name: str, cls: int, priority: int, kind: ResourceKind) -> None:
        name = name.lower()
        if name:
            self._index.setdefault(name, []).append((cls, priority, kind))

    def resolve(self, text: str) -> ResourceKind | None:
        """The kind ``text`` names, as kubectl resolves it; None when nothing matches."""
        found = self.resolve_all(text)
        return found[0] if found else None

    def resolve_all(self, text: str) -> tuple[ResourceKind, ...]:
        """Every kind ``text`` may name, best first (the first is what ``resolve`` returns). More than one
        entry means the name is ambiguous and the others need a qualified name."""
        t = text.strip().lower()
        if not t:
            return ()
        name, version, group = _parse_name(t)
        if version is not None and group is not None:
            exact = [k for k in self.all_versions if k.group == group and k.version == version
                     and name in k.names]
            if exact:
                return tuple(exact)
            group = f"{version}.{group}"  # kubectl's fallback: the whole rest is a group
        if group is not None and group not in {g.name for g in self.groups} and _VERSION_RE.fullmatch(group):
            core = [k for k in self.all_versions if k.group == "" and k.version == group and name in k.names]
            if core:  # pods.v1
                return tuple(core)
        entries = self._index.get(name, ())
        if group is not None:
            exact_group = [e for e in entries if e[2].group == group]
            entries = exact_group or [e for e in entries if e[2].group.startswith(group)]
        out: list[ResourceKind] = []
        for _, _, kind in entries:
            if kind not in out:
                out.append(kind)
        return tuple(out)

    def qualified_name(self, kind: ResourceKind) -> str:
        """The shortest name that resolves to ``kind``: its plural when unambiguous, else ``plural.group``
        (``plural.version.group`` for a non-preferred version)."""
        name = self._qualified.get(kind)
        if name is None:
            primary = kind in self._primary
            if primary and self.resolve(kind.plural) == kind:
                name = kind.plural
            elif primary or not kind.group:
                name = kind.key
            else:
                name = f"{kind.plural}.{kind.version}.{kind.group}"
            self._qualified[kind] = name
        return name

    def complete(self, prefix: str, *, listable_only: bool = True, limit: int | None = None) -> list[Completion]:
        """Completion candidates for what the user has typed so far, best first.

        Every kind with a name (plural, singular, short name, kind, ``plural.group``) starting with ``prefix``;
        a kind that ``prefix`` names exactly comes first. ``listable_only`` leaves out kinds that cannot be
        listed (tokenreviews, bindings ...)."""
        p = prefix.strip().lower()
        qualified_typed = "." in p
        ranked: list[tuple[int, str, Completion]] = []
        for kind in self.kinds:
            if listable_only and not kind.listable:
                continue
            qualified = self.qualified_name(kind)
            candidates = (kind.key, qualified) if qualified_typed else kind.names
            matched = p if p in candidates else next((n for n in candidates if n.startswith(p)), None)
            if matched is None:
                continue
            name = kind.key if qualified_typed else qualified
            if matched == p:
                rank = 0 if self.resolve(p) == kind else 1
            else:
                rank = 2 if kind.plural.startswith(p) or qualified_typed else 3
            ranked.append((rank, name, Completion(name, kind, matched)))
        ranked.sort(key=lambda r: (r[0], r[1]))
        out = [c for _, _, c in ranked]
        return out[:limit] if limit is not None else out


_BUILTIN = KindRegistry.from_kinds(WELL_KNOWN, source="builtin")

__all__ = ["Completion", "GroupInfo", "KindRegistry"]
