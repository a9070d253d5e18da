"""Row projections of the network kinds beyond Services and Ingresses: EndpointSlice and NetworkPolicy.

An EndpointSlice row counts ready, serving and terminating endpoints (what tells an SRE whether a Service has
somewhere to send traffic) and names the Service it belongs to; a NetworkPolicy row says which pods it selects
and what it allows in words kubectl's describe would use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .quantity import parse_time
from .rows import Labels, _Aged, _labels, _uid, label_selector_text

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True, slots=True)
class EndpointSliceRow(_Aged):
    uid: str
    namespace: str
    name: str
    service: str                # kubernetes.io/service-name
    address_type: str           # IPv4, IPv6, FQDN
    ports: str                  # "8080" or "http:8080/TCP,metrics:9100/TCP" (kubectl prints the numbers)
    endpoints: str              # "10.0.0.5,10.0.0.6 + 3 more..." like kubectl
    ready: int
    not_ready: int
    terminating: int
    pods: tuple[str, ...]       # names of the target pods
    created: float | None
    labels: Labels

    @property
    def total(self) -> int:
        return self.ready + self.not_ready


def endpointslice_row(raw: Mapping[str, Any]) -> EndpointSliceRow:
    meta = raw.get("metadata") or {}
    labels = meta.get("labels") or {}
    addresses: list[str] = []
    ready = not_ready = terminating = 0
    pods: list[str] = []
    for ep in raw.get("endpoints") or ():
        conditions = ep.get("conditions") or {}
        if conditions.get("terminating"):
            terminating += 1
        # ready unset means ready (the API's documented default for an unknown state)
        if conditions.get("ready", True) and not conditions.get("terminating"):
            ready += 1
        else:
            not_ready += 1
        addresses.extend(str(a) for a in ep.get("addresses") or ())
        target = ep.get("targetRef") or {}
        if target.get("kind") == "Pod" and target.get("name"):
            pods.append(str(target["name"]))
    ports = ",".join(str(p.get("port")) for p in raw.get("ports") or () if p.get("port") is not None)
    text = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return EndpointSliceRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        service=str(labels.get(SERVICE_NAME_LABEL) or ""), address_type=str(raw.get("addressType") or ""),
        ports=ports or "<unset>", endpoints=text or "<unset>", ready=ready, not_ready=not_ready,
        terminating=terminating, pods=tuple(pods), created=parse_time(meta.get("creationTimestamp")),
        labels=_labels(meta),
    )


@dataclass(frozen=True, slots=True)
class NetworkPolicyRow(_Aged):
    uid: str
    namespace: str
    name: str
    pod_selector: str           # "app=notes", "<all pods>" for {}
    policy_types: tuple[str, ...]  # Ingress, Egress
    ingress: str                # "allow 1 rule", "deny all", "-" when the type is not covered
    egress: str
    created: float | None
    labels: Labels


def _policy_types(spec: Mapping[str, Any]) -> tuple[str, ...]:
    types = spec.get("policyTypes")
    if types:
        return tuple(str(t) for t in types)
    # The API's default: Ingress always, Egress when egress rules are present.
    return ("Ingress", "Egress") if spec.get("egress") else ("Ingress",)


def _rules_text(rules: Any, covered: bool) -> str:
    if not covered:
        return "-"
    rules = list(rules or ())
    if not rules:
        return "deny all"
    if any(not (r.get("from") or r.get("to")) and not r.get("ports") for r in rules if isinstance(r, Mapping)):
        return "allow all"
    return f"allow {len(rules)} rule" + ("s" if len(rules) != 1 else "")


def networkpolicy_row(raw: Mapping[str, Any]) -> NetworkPolicyRow:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    types = _policy_types(spec)
    return NetworkPolicyRow(
        uid=_uid(meta), namespace=meta.get("namespace", ""), name=meta.get("name", ""),
        pod_selector=label_selector_text(spec.get("podSelector")) or "<all pods>", policy_types=types,
        ingress=_rules_text(spec.get("ingress"), "Ingress" in types),
        egress=_rules_text(spec.get("egress"), "Egress" in types),
        created=parse_time(meta.get("creationTimestamp")), labels=_labels(meta),
    )


__all__ = ["EndpointSliceRow", "NetworkPolicyRow", "SERVICE_NAME_LABEL", "endpointslice_row", "networkpolicy_row"]
