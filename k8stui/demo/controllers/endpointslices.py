"""The EndpointSlice controller: ``discovery.k8s.io/v1`` slices next to the Endpoints of every Service.

kubectl 1.32 ``describe svc`` and current clients read slices, not Endpoints. Each Service with a selector gets
slices named ``<service>-<5 chars>`` (label ``kubernetes.io/service-name``, managed-by the endpointslice
controller, owned by the Service), one per distinct set of resolved ports. Every matching pod with an IP is an
endpoint with ``conditions`` ready/serving/terminating (terminating pods stay listed, not ready), ``nodeName``,
``zone`` (the node's topology zone), ``targetRef`` and ``hostname`` when it sets ``hostname``/``subdomain`` for
this Service. A Service without pods keeps one empty slice. Unchanged slices are never rewritten.
"""

from __future__ import annotations

from ..errors import ApiError
from ..resources import ENDPOINTSLICES, NODES, PODS, SERVICES
from .base import Controller
from .endpoints import _ip_key, _resolve_port
from .replicaset import NAME_ALPHABET
from .util import Obj, is_pod_ready, is_terminal, owner_ref

SERVICE_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
ZONE_LABEL = "topology.kubernetes.io/zone"


def _signature(pod: Obj | None) -> tuple:
    if pod is None:
        return ()
    status = pod.get("status") or {}
    return (pod["metadata"].get("labels"), status.get("podIP"), is_pod_ready(pod),
            bool(pod["metadata"].get("deletionTimestamp")), (pod.get("spec") or {}).get("nodeName"),
            is_terminal(pod))


class EndpointSliceController(Controller):
    name = "endpointslices"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.selectors: dict[str, dict[str, dict[str, str]]] = {}

    def on_change(self, change) -> None:
        obj = change.obj
        if change.rt is SERVICES:
            ns, name = obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
            selector = (obj.get("spec") or {}).get("selector") if change.type != "DELETED" else None
            if selector:
                self.selectors.setdefault(ns, {})[name] = selector
            else:
                self.selectors.get(ns, {}).pop(name, None)
            if change.type != "DELETED":
                self.queue.add((ns, name))
        elif change.rt is PODS:
            self.enqueue_selecting(change, self.selectors, _signature)

    def resync_all(self) -> None:
        for svc in self.store.iter_objects(SERVICES):
            ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
            selector = (svc.get("spec") or {}).get("selector")
            if selector:
                self.selectors.setdefault(ns, {})[name] = selector
                self.queue.add((ns, name))

    def _existing(self, ns: str, service: str) -> list[Obj]:
        return [s for s in self.store.list(ENDPOINTSLICES, ns)
                if (s["metadata"].get("labels") or {}).get(SERVICE_LABEL) == service and
                (s["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY]

    def sync(self, key: tuple[str, str]) -> None:
        ns, name = key
        svc = self.store.get(SERVICES, ns, name)
        existing = self._existing(ns, name)
        spec = (svc or {}).get("spec") or {}
        if svc is None or not spec.get("selector") or spec.get("type") == "ExternalName":
            for s in existing:
                self.store.remove_now(ENDPOINTSLICES, ns, s["metadata"]["name"])
            return
        wanted = self._slices(svc)
        labels = {**(svc["metadata"].get("labels") or {}), SERVICE_LABEL: name, MANAGED_BY_LABEL: MANAGED_BY}
        unused = list(existing)
        for ports, endpoints in wanted:
            match = next((s for s in unused if (s.get("ports") or []) == ports), None) or \
                (unused[0] if unused else None)
            if match is not None:
                unused.remove(match)
                if (match.get("ports") or []) == ports and (match.get("endpoints") or []) == endpoints and \
                        match["metadata"].get("labels") == labels:
                    continue

                def put(obj: Obj, ports=ports, endpoints=endpoints) -> None:
                    obj["ports"], obj["endpoints"] = ports, endpoints
                    obj["metadata"]["labels"] = labels
                    for k in ("ports", "endpoints"):
                        if not obj[k]:
                            obj[k] = None

                self.store.mutate(ENDPOINTSLICES, ns, match["metadata"]["name"], put)
                continue
            rng = self.ctx.rng
            while True:
                slice_name = f"{name}-{''.join(rng.choice(NAME_ALPHABET) for _ in range(5))}"
                if self.store.get(ENDPOINTSLICES, ns, slice_name) is None:
                    break
            try:
                self.store.create(ENDPOINTSLICES, {
                    "metadata": {"name": slice_name, "generateName": f"{name}-", "namespace": ns, "labels": labels,
                                 "annotations": {"endpoints.kubernetes.io/last-change-trigger-time":
                                                 svc["metadata"].get("creationTimestamp", "")},
                                 "ownerReferences": [owner_ref(svc)]},
                    "addressType": "IPv4", "endpoints": endpoints or None, "ports": ports or None})
            except ApiError:
                pass
        for s in unused:
            self.store.remove_now(ENDPOINTSLICES, ns, s["metadata"]["name"])

    def _slices(self, svc: Obj) -> list[tuple[list[Obj], list[Obj]]]:
        spec = svc.get("spec") or {}
        selector = spec.get("selector") or {}
        svc_ports = spec.get("ports") or []
        publish_all = bool(spec.get("publishNotReadyAddresses"))
        groups: dict[str, tuple[list[Obj], list[Obj]]] = {}
        zones: dict[str, str | None] = {}
        for pod in self.index.pods_in(svc["metadata"]["namespace"]):
            labels = pod["metadata"].get("labels") or {}
            if not all(labels.get(k) == v for k, v in selector.items()):
                continue
            status = pod.get("status") or {}
            ip = status.get("podIP")
            if not ip or is_terminal(pod):
                continue
            ports = []
            for sp in svc_ports:
                port = _resolve_port(sp, pod)
                if port is None:
                    continue
                entry: Obj = {"name": sp.get("name", ""), "port": port, "protocol": sp.get("protocol", "TCP")}
                if sp.get("appProtocol"):
                    entry["appProtocol"] = sp["appProtocol"]
                ports.append(entry)
            pspec = pod.get("spec") or {}
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            ready = is_pod_ready(pod)
            endpoint: Obj = {"addresses": [ip],
                             "conditions": {"ready": (ready or publish_all) and not terminating, "serving": ready,
                                            "terminating": terminating}}
            if pspec.get("hostname") and pspec.get("subdomain") == svc["metadata"]["name"]:
                endpoint["hostname"] = pspec["hostname"]
            node = pspec.get("nodeName")
            if node:
                endpoint["nodeName"] = node
                if node not in zones:
                    n = self.store.get(NODES, None, node)
                    zones[node] = ((n or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
                if zones[node]:
                    endpoint["zone"] = zones[node]
            endpoint["targetRef"] = {"kind": "Pod", "namespace": pod["metadata"]["namespace"],
                                     "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
            group = groups.setdefault(repr(ports), (ports, []))
            group[1].append(endpoint)
        out = []
        for ports, endpoints in groups.values():
            out.append((ports, sorted(endpoints, key=lambda e: _ip_key(e["addresses"][0]))))
        if not out:
            out.append(([], []))  # the placeholder slice of a Service without endpoints
        return out
