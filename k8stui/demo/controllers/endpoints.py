"""The Endpoints controller: one Endpoints object per Service with a selector, named like the Service.

Ready pods go to ``addresses``, running-but-unready pods to ``notReadyAddresses`` (all to ``addresses`` with
``publishNotReadyAddresses``), terminating and finished pods nowhere; each address has ``ip``, ``nodeName`` and
a ``targetRef`` to its pod. Ports mirror the Service's, with named ``targetPort``s resolved against each pod's
container ports (pods are grouped into subsets by their resolved ports). A pod change re-syncs only the
Services of its namespace whose selector matches it, and an unchanged result is never written.
"""

from __future__ import annotations

import ipaddress

from ..errors import ApiError
from ..resources import ENDPOINTS, PODS, SERVICES
from ..store import now_iso
from .base import Controller
from .util import Obj, is_pod_ready, is_terminal

TRIGGER_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"


def _pod_signature(pod: Obj | None) -> tuple:
    if pod is None:
        return ()
    status = pod.get("status") or {}
    return (pod["metadata"].get("labels"), status.get("podIP"), is_pod_ready(pod),
            bool(pod["metadata"].get("deletionTimestamp")), pod["spec"].get("nodeName"), is_terminal(pod),
            pod["spec"].get("hostname"), pod["spec"].get("subdomain"))


def _ip_key(ip: str) -> tuple[int, str]:
    try:
        return (int(ipaddress.ip_address(ip)), ip)
    except ValueError:
        return (0, ip)


def _resolve_port(svc_port: Obj, pod: Obj) -> int | None:
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = svc_port.get("protocol", "TCP")
    for c in (pod.get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name") == target and p.get("protocol", "TCP") == protocol:
                return p.get("containerPort")
    return None


class EndpointsController(Controller):
    name = "endpoints"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.selectors: dict[str, dict[str, dict[str, str]]] = {}  # namespace -> service -> selector

    def on_change(self, change) -> None:
        obj = change.obj
        if change.rt is SERVICES:
            ns, name = obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
            if change.type == "DELETED":
                self.selectors.get(ns, {}).pop(name, None)
            else:
                selector = (obj.get("spec") or {}).get("selector")
                if selector:
                    self.selectors.setdefault(ns, {})[name] = selector
                else:
                    self.selectors.get(ns, {}).pop(name, None)
            self.queue.add((ns, name))
        elif change.rt is PODS:
            self.enqueue_selecting(change, self.selectors, _pod_signature)

    def resync_all(self) -> None:
        for svc in self.store.iter_objects(SERVICES):
            ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
            selector = (svc.get("spec") or {}).get("selector")
            if selector:
                self.selectors.setdefault(ns, {})[name] = selector
            self.queue.add((ns, name))

    def sync(self, key: tuple[str, str]) -> None:
        ns, name = key
        svc = self.store.get(SERVICES, ns, name)
        existing = self.store.get(ENDPOINTS, ns, name)
        if svc is None:
            if existing is not None:
                self.store.remove_now(ENDPOINTS, ns, name)
            return
        spec = svc.get("spec") or {}
        selector = spec.get("selector")
        if not selector or spec.get("type") == "ExternalName":
            return  # endpoints of selector-less services are managed by their users
        subsets = self._subsets(svc, selector)
        labels = dict(svc["metadata"].get("labels") or {})
        if existing is not None:
            if (existing.get("subsets") or []) == subsets and (existing["metadata"].get("labels") or {}) == labels:
                return

            def put(obj: Obj) -> None:
                if subsets:
                    obj["subsets"] = subsets
                else:
                    obj.pop("subsets", None)
                if labels:
                    obj["metadata"]["labels"] = labels
                else:
                    obj["metadata"].pop("labels", None)
                obj["metadata"].setdefault("annotations", {})[TRIGGER_ANNOTATION] = now_iso()

            self.store.mutate(ENDPOINTS, ns, name, put)
            return
        ep: Obj = {"metadata": {"name": name, "namespace": ns,
                                "annotations": {TRIGGER_ANNOTATION: now_iso()}}}
        if labels:
            ep["metadata"]["labels"] = labels
        if subsets:
            ep["subsets"] = subsets
        try:
            self.store.create(ENDPOINTS, ep)
        except ApiError:
            pass

    def _subsets(self, svc: Obj, selector: dict[str, str]) -> list[Obj]:
        spec = svc.get("spec") or {}
        publish_all = bool(spec.get("publishNotReadyAddresses"))
        svc_ports = spec.get("ports") or []
        groups: dict[tuple, dict[str, list[Obj]]] = {}
        for pod in self.index.pods_in(svc["metadata"]["namespace"]):
            labels = pod["metadata"].get("labels") or {}
            if not all(labels.get(k) == v for k, v in selector.items()):
                continue
            status = pod.get("status") or {}
            ip = status.get("podIP")
            if not ip or is_terminal(pod) or pod["metadata"].get("deletionTimestamp"):
                continue
            ports = []
            for sp in svc_ports:
                port = _resolve_port(sp, pod)
                if port is None:
                    continue
                entry: Obj = {"port": port, "protocol": sp.get("protocol", "TCP")}
                if sp.get("name"):
                    entry = {"name": sp["name"], **entry}
                if sp.get("appProtocol"):
                    entry["appProtocol"] = sp["appProtocol"]
                ports.append(entry)
            if svc_ports and not ports:
                continue
            addr: Obj = {"ip": ip}
            pspec = pod.get("spec") or {}
            if pspec.get("hostname") and pspec.get("subdomain") == svc["metadata"]["name"]:
                addr["hostname"] = pspec["hostname"]
            if pspec.get("nodeName"):
                addr["nodeName"] = pspec["nodeName"]
            addr["targetRef"] = {"kind": "Pod", "namespace": pod["metadata"]["namespace"],
                                 "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
            group = groups.setdefault(tuple(tuple(sorted(p.items())) for p in ports), {"ready": [], "not": [],
                                                                                         "ports": ports})
            (group["ready"] if publish_all or is_pod_ready(pod) else group["not"]).append(addr)
        subsets = []
        for _, group in sorted(groups.items(), key=lambda kv: repr(kv[0])):
            subset: Obj = {}
            if group["ready"]:
                subset["addresses"] = sorted(group["ready"], key=lambda a: _ip_key(a["ip"]))
            if group["not"]:
                subset["notReadyAddresses"] = sorted(group["not"], key=lambda a: _ip_key(a["ip"]))
            if group["ports"]:
                subset["ports"] = group["ports"]
            subsets.append(subset)
        return subsets
