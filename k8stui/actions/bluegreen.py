"""Blue/green switching (``b``) and revert (``B``).

A blue/green *pair* is two or more Deployments in one namespace whose pod templates carry the same labels
except ``version`` (``app=api,version=blue`` / ``app=api,version=green``). The *live* Service selects one
colour by ``version``; a *preview* Service (by name, or any other Service selecting one colour) points at an
idle colour; a *shared* Service selects every colour (that is the canary set-up, see ``canary``).

The switch is a merge patch of the live Service's ``spec.selector.version`` with the Service's
resourceVersion as precondition. Before it, ``preflight`` checks that the target colour has as many ready
replicas as the live one; if not the UI offers to scale it first (a separate, audited scale plan) and waits.
``B`` goes back to the colour the Service selected before the last switch recorded in the audit log (or the
other colour of a pair).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cluster.kinds import DEPLOYMENTS, SERVICES
from ..cluster.rows import labels_match
from .audit import APPLIED, AuditLog
from .client import ObjectRef
from .plan import Plan, PlanError, Session, guarded_patch, meta_rv, pointer
from .scale import ready_of, replicas_of

VERSION = "version"
HASH_LABEL = "pod-template-hash"
PREVIEW_WORDS = ("preview", "idle", "staging", "test")


@dataclass(frozen=True)
class Colour:
    """One Deployment of a pair."""

    version: str
    name: str
    replicas: int
    ready: int
    labels: dict[str, str]  # pod template labels

    @property
    def all_ready(self) -> bool:
        return self.replicas > 0 and self.ready >= self.replicas


@dataclass
class Pair:
    """A blue/green set in one namespace and the Services that pick its colours."""

    namespace: str
    base: dict[str, str]  # the labels every colour shares
    colours: dict[str, Colour]
    live: list[tuple[str, str]] = field(default_factory=list)  # (service, version) selecting one colour
    previews: list[tuple[str, str]] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)  # Services selecting every colour (no version key)

    def colour_of(self, deployment: str) -> Colour | None:
        return next((c for c in self.colours.values() if c.name == deployment), None)

    def service_version(self, service: str) -> str:
        return next((v for s, v in self.live + self.previews if s == service), "")

    def others(self, version: str) -> list[Colour]:
        return [c for v, c in sorted(self.colours.items()) if v != version]

    def describe(self) -> str:
        return " / ".join(f"{c.name} ({v})" for v, c in sorted(self.colours.items()))


def _template_labels(deploy: dict[str, Any]) -> dict[str, str]:
    labels = dict((((deploy.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {})
    labels.pop(HASH_LABEL, None)
    return labels


def find_pairs(deployments: list[dict[str, Any]], services: list[dict[str, Any]]) -> list[Pair]:
    """Every blue/green pair among the Deployments (one namespace or several) and their Services."""
    groups: dict[tuple[str, frozenset[tuple[str, str]]], dict[str, Colour]] = {}
    for d in deployments:
        labels = _template_labels(d)
        version = labels.get(VERSION)
        if not version:
            continue
        base = frozenset((k, v) for k, v in labels.items() if k != VERSION)
        if not base:
            continue
        ns = d["metadata"].get("namespace", "")
        colour = Colour(version, d["metadata"]["name"], replicas_of(d), ready_of(d), labels)
        groups.setdefault((ns, base), {})
        if version in groups[(ns, base)]:
            continue  # two Deployments with the same colour: not a clean pair; keep the first
        groups[(ns, base)][version] = colour
    pairs = []
    for (ns, base), colours in sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        if len(colours) < 2:
            continue
        pair = Pair(ns, dict(base), colours)
        for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
            if svc["metadata"].get("namespace", "") != ns:
                continue
            selector = (svc.get("spec") or {}).get("selector") or {}
            picked = [v for v, c in colours.items() if labels_match(selector, c.labels)]
            name = svc["metadata"]["name"]
            if len(picked) == 1 and VERSION in selector:
                if any(w in name.lower() for w in PREVIEW_WORDS):
                    pair.previews.append((name, picked[0]))
                else:
                    pair.live.append((name, picked[0]))
            elif len(picked) == len(colours) and VERSION not in selector:
                pair.shared.append(name)
        if not pair.live and pair.previews:  # only "preview"-like names: the first one is live
            pair.live.append(pair.previews.pop(0))
        pairs.append(pair)
    return pairs


async def discover(session: Session, namespace: str) -> list[Pair]:
    deployments = await session.read_list(DEPLOYMENTS, namespace)
    services = await session.read_list(SERVICES, namespace)
    return find_pairs(deployments, services)


@dataclass(frozen=True)
class Switch:
    """What ``b`` on a selection means: flip ``service`` (now ``live``) to ``target``."""

    pair: Pair
    service: str
    live: str
    target: str

    @property
    def live_colour(self) -> Colour:
        return self.pair.colours[self.live]

    @property
    def target_colour(self) -> Colour:
        return self.pair.colours[self.target]


def _selected_pair(pairs: list[Pair], kind_key: str, obj: dict[str, Any]) -> tuple[Pair, str, str]:
    """(pair, selected deployment or "", selected service or "")."""
    name = obj.get("metadata", {}).get("name", "")
    for pair in pairs:
        if kind_key.startswith("deployments") and pair.colour_of(name):
            return pair, name, ""
        if kind_key == "services" and (pair.service_version(name) or name in pair.shared):
            return pair, "", name
    what = "Service" if kind_key == "services" else "Deployment"
    raise PlanError(f"{what} {name} is not part of a blue/green pair (Deployments that differ only in their "
                    f"'{VERSION}' label, with a Service selecting one of them)")


async def resolve_switch(session: Session, kind_key: str, obj: dict[str, Any]) -> Switch:
    """The switch ``b`` makes from this selection (a Deployment of a pair or its Service)."""
    namespace = obj.get("metadata", {}).get("namespace", "")
    pair, deployment, service = _selected_pair(await discover(session, namespace), kind_key, obj)
    if service and service in pair.shared:
        raise PlanError(f"Service {service} selects every colour of {pair.describe()}: use c (canary) to shift "
                        "its traffic by replicas")
    if not service:
        if not pair.live:
            raise PlanError(f"no Service selects one colour of {pair.describe()}: nothing to switch")
        service = pair.live[0][0]
    live = pair.service_version(service)
    if deployment:
        chosen = pair.colour_of(deployment)
        assert chosen is not None
        if chosen.version != live:
            return Switch(pair, service, live, chosen.version)
    others = pair.others(live)
    preview_targets = [v for s, v in pair.previews if v != live]
    if len(others) == 1:
        return Switch(pair, service, live, others[0].version)
    if len(set(preview_targets)) == 1:
        return Switch(pair, service, live, preview_targets[0])
    raise PlanError(f"Service {service} can switch to {', '.join(c.version for c in others)}: select the "
                    "Deployment of the colour you want")


def previous_version(audit: AuditLog, context: str, namespace: str, service: str) -> str:
    """The colour the Service selected before its last switch (from the audit log), or ""."""
    for rec in reversed(audit.read()):
        if (rec.outcome == APPLIED and rec.context == context and rec.namespace == namespace
                and rec.kind == "Service" and rec.name == service and rec.undo
                and rec.undo.get("type") == "selector"):
            return str((rec.undo.get("selector") or {}).get(VERSION, ""))
    return ""


async def resolve_revert(session: Session, kind_key: str, obj: dict[str, Any]) -> Switch:
    """What ``B`` means: back to the colour before the last switch of the Service."""
    switch = await resolve_switch(session, kind_key, obj)
    previous = previous_version(session.audit, session.context, switch.pair.namespace, switch.service)
    if previous and previous != switch.live and previous in switch.pair.colours:
        return Switch(switch.pair, switch.service, switch.live, previous)
    others = switch.pair.others(switch.live)
    if len(others) == 1:
        return Switch(switch.pair, switch.service, switch.live, others[0].version)
    raise PlanError(f"no earlier switch of Service {switch.service} is in the audit log: select the colour to "
                    "switch to and press b")


@dataclass(frozen=True)
class Preflight:
    """Whether the target colour can take the live colour's traffic now."""

    ok: bool
    message: str
    scale_to: int = 0  # when not ok: the replica count to scale the target to (the live count)


def preflight(switch: Switch) -> Preflight:
    target, live = switch.target_colour, switch.live_colour
    want = max(live.replicas, 1)
    if target.replicas >= want and target.ready >= target.replicas:
        return Preflight(True, f"{target.name}: {target.ready}/{target.replicas} ready (live {live.name}: "
                               f"{live.ready}/{live.replicas})")
    return Preflight(False, f"{target.name} has {target.ready}/{target.replicas} ready replicas; "
                            f"{live.name} serves with {live.replicas}", max(want, target.replicas))


async def plan_switch(session: Session, namespace: str, service: str, target: str,
                      verb: str = "bluegreen") -> Plan:
    """Patch ``service``'s selector to ``version=target`` (re-reads the Service and the colours)."""
    pairs = await discover(session, namespace)
    pair = next((p for p in pairs if p.service_version(service)), None)
    if pair is None or target not in pair.colours:
        raise PlanError(f"Service {service} no longer selects a colour of a blue/green pair with version {target}")
    ref = ObjectRef(SERVICES, namespace, service)
    svc = await session.read(ref)
    selector = dict((svc.get("spec") or {}).get("selector") or {})
    live = selector.get(VERSION, "")
    if live == target:
        raise PlanError(f"Service {service} already selects {VERSION}={target}: nothing to switch")
    colour = pair.colours[target]
    if not colour.all_ready:
        raise PlanError(f"{colour.name} has {colour.ready}/{colour.replicas} ready replicas: it cannot take the "
                        f"traffic of Service {service} yet")
    new_selector = dict(selector, **{VERSION: target})
    key = pointer("spec", "selector", VERSION)
    write = guarded_patch(ref, {key: live}, {key: target}, f"spec.selector.{VERSION} {live} → {target}")
    old = pair.colours.get(live)
    details = [f"traffic moves from {old.name if old else live} ({old.ready if old else 0} ready) to "
               f"{colour.name} ({colour.ready} ready)"]
    for name, version in pair.previews:
        details.append(f"preview Service {name} selects {VERSION}={version}"
                       + (" (the colour that goes idle)" if version == live else
                          " (the colour going live)" if version == target else ""))
    warnings = []
    if old is not None and colour.replicas < old.replicas:
        warnings.append(f"{colour.name} runs {colour.replicas} replicas, {old.name} ran {old.replicas}: "
                        "capacity drops after the switch")
    return session.new_plan(
        verb, ref, f"selector {_sel(selector)}", f"selector {_sel(new_selector)}", [write], meta_rv(svc),
        details=details, warnings=warnings,
        undo={"type": "selector", "namespace": namespace, "name": service, "selector": selector,
              "expect": new_selector})


def _sel(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"


__all__ = ["Colour", "Pair", "Preflight", "Switch", "discover", "find_pairs", "plan_switch", "preflight",
           "previous_version", "resolve_revert", "resolve_switch"]
