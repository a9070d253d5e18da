"""Discovery documents (/api, /apis, /api/v1, /apis/GROUP/VERSION, /version) built from the served types
(the OpenAPI documents are openapi.py's).

kubectl caches these to map ``deploy`` to ``deployments.apps/v1`` and to know which verbs and subresources
exist. Two shapes are served, chosen by the request's ``Accept``: the legacy APIVersions / APIGroupList /
APIGroup / APIResourceList documents, and aggregated discovery (``apidiscovery.k8s.io`` v2, and v2beta1 for
clients up to 1.29): one ``APIGroupDiscoveryList`` for ``/api`` and one for ``/apis`` carrying every
resource, with an ETag so clients can revalidate. Both are built from the cluster's TypeRegistry, so a new
CRD's kinds appear in both within the request after it is created.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from .resources import ResourceType, TypeRegistry

AGGREGATED_GROUP = "apidiscovery.k8s.io"
AGGREGATED_VERSIONS = ("v2", "v2beta1")
_STATIC = TypeRegistry()  # built-in kinds only, for callers without a cluster

SERVER_VERSION = {
    "major": "1", "minor": "33", "gitVersion": "v1.33.5", "gitCommit": "k8stui-demo",
    "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.24.6",
    "compiler": "gc", "platform": "linux/amd64",
}

_SUBRESOURCE_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "log": ["get"],
    "exec": ["create", "get"], "attach": ["create", "get"], "portforward": ["create", "get"],
    "eviction": ["create"], "ephemeralcontainers": ["get", "patch", "update"],
    "proxy": ["create", "delete", "get", "patch", "update"],
    "token": ["create"],
}
_SUBRESOURCE_KIND = {"scale": ("Scale", "autoscaling", "v1"), "log": ("Pod", "", ""),
                     "proxy": ("ServiceProxyOptions", "", ""),
                     "exec": ("PodExecOptions", "", ""), "attach": ("PodAttachOptions", "", ""),
                     "portforward": ("PodPortForwardOptions", "", ""), "eviction": ("Eviction", "policy", "v1"),
                     "token": ("TokenRequest", "authentication.k8s.io", "v1")}


# -- group order (demoapi) -----------------------------------------------------------------------------------
# kube-aggregator lists groups by their APIServices' groupPriorityMinimum, highest first, ties by APIService
# name ("v1.apps"): the built-in groups' priorities (cmd/kube-apiserver/app/aggregator.go), 1000 for every CRD
# group (crdregistration) and 100 for metrics-server's metrics.k8s.io (its APIService manifest).
_GROUP_PRIORITY = {
    "": 18000, "apps": 17800, "events.k8s.io": 17750, "authentication.k8s.io": 17700,
    "authorization.k8s.io": 17600, "autoscaling": 17500, "batch": 17400, "certificates.k8s.io": 17300,
    "networking.k8s.io": 17200, "policy": 17100, "rbac.authorization.k8s.io": 17000, "storage.k8s.io": 16800,
    "apiextensions.k8s.io": 16700, "admissionregistration.k8s.io": 16700, "scheduling.k8s.io": 16600,
    "coordination.k8s.io": 16500, "node.k8s.io": 16300, "discovery.k8s.io": 16200,
    "flowcontrol.apiserver.k8s.io": 16100, "internal.apiserver.k8s.io": 16000, "resource.k8s.io": 15900,
    "storagemigration.k8s.io": 15800, "metrics.k8s.io": 100,
}
_CRD_GROUP_PRIORITY = 1000


def _in_priority_order(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    """``groups`` (name -> versions, preferred first) in the order kube-apiserver lists them."""
    def key(name: str) -> tuple[int, str]:
        return (-_GROUP_PRIORITY.get(name, _CRD_GROUP_PRIORITY), f"{groups[name][0]}.{name}")
    return {name: groups[name] for name in sorted(groups, key=key)}


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(types: TypeRegistry = _STATIC) -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(name, versions)
                       for name, versions in _in_priority_order(types.group_versions()).items()]}


def api_group(name: str, types: TypeRegistry = _STATIC) -> dict[str, Any] | None:
    versions = types.group_versions().get(name)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _resource_entries(rt: ResourceType) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {"name": rt.plural, "singularName": rt.singular_name, "namespaced": rt.namespaced,
                             "kind": rt.kind, "verbs": list(rt.verbs)}
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    out = [entry]
    for sub in rt.subresources:
        kind, group, version = _SUBRESOURCE_KIND.get(sub, (rt.kind, "", ""))
        sub_entry: dict[str, Any] = {"name": f"{rt.plural}/{sub}", "singularName": "",
                                     "namespaced": rt.namespaced, "kind": kind, "verbs": _SUBRESOURCE_VERBS[sub]}
        if group:
            sub_entry["group"], sub_entry["version"] = group, version
        out.append(sub_entry)
    return out


def api_resource_list(group: str, version: str, types: TypeRegistry = _STATIC) -> dict[str, Any] | None:
    rts = [rt for rt in types.served() if rt.group == group and rt.version == version]
    if not rts:
        return None
    gv = f"{group}/{version}" if group else version
    resources = [e for rt in rts for e in _resource_entries(rt)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def _group_versions_with_core(types: TypeRegistry = _STATIC) -> list[tuple[str, str]]:
    out = [("", "v1")]
    for group, versions in types.group_versions().items():
        out += [(group, v) for v in versions]
    return out


def aggregated_version(accept: str) -> str | None:
    """The apidiscovery version (``v2``/``v2beta1``) the ``Accept`` header asks for before plain JSON, if any."""
    for entry in accept.split(","):
        base, _, raw_params = entry.strip().partition(";")
        base = base.strip().lower()
        params = {}
        for p in raw_params.split(";"):
            k, _, v = p.strip().partition("=")
            if k:
                params[k.strip()] = v.strip()
        if base == "application/json" and params.get("g") == AGGREGATED_GROUP and \
                params.get("as") == "APIGroupDiscoveryList" and params.get("v") in AGGREGATED_VERSIONS:
            return params["v"]
        if base in ("application/json", "*/*", "application/*"):
            return None
    return None


def aggregated_content_type(version: str) -> str:
    return f"application/json;g={AGGREGATED_GROUP};v={version};as=APIGroupDiscoveryList"


def _response_kind(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "version": version, "kind": kind}


def _aggregated_resource(rt: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": rt.plural, "responseKind": _response_kind(rt.group, rt.version, rt.kind),
                             "scope": "Namespaced" if rt.namespaced else "Cluster",
                             "singularResource": rt.singular_name, "verbs": list(rt.verbs)}
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subs = []
    for sub in rt.subresources:
        kind, group, version = _SUBRESOURCE_KIND.get(sub, (rt.kind, rt.group, rt.version))
        if not group and kind == rt.kind:
            group, version = rt.group, rt.version
        subs.append({"subresource": sub, "responseKind": _response_kind(group, version or rt.version, kind),
                     "verbs": _SUBRESOURCE_VERBS.get(sub, ["get"])})
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated_discovery(legacy: bool, version: str = "v2", types: TypeRegistry = _STATIC) -> dict[str, Any]:
    """The ``APIGroupDiscoveryList`` of ``/api`` (``legacy``) or ``/apis``."""
    groups: dict[str, dict[str, list[ResourceType]]] = {}
    for rt in types.served():
        if bool(rt.group) == legacy:
            continue
        groups.setdefault(rt.group, {}).setdefault(rt.version, []).append(rt)
    items = []
    order = _in_priority_order({g: list(vs) for g, vs in groups.items()})
    for group in order:
        versions = groups[group]
        meta: dict[str, Any] = {"creationTimestamp": None}
        if group:
            meta = {"name": group, "creationTimestamp": None}
        items.append({"metadata": meta, "versions": [
            {"version": v, "resources": sorted((_aggregated_resource(rt) for rt in rts),
                                               key=lambda e: e["resource"]), "freshness": "Current"}
            for v, rts in versions.items()]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"{AGGREGATED_GROUP}/{version}", "metadata": {},
            "items": items}


def etag(body: bytes) -> str:
    """A strong ETag for a discovery document (the real server hashes the document too)."""
    return '"' + hashlib.sha512(body).hexdigest()[:64].upper() + '"'


def aggregated_body(legacy: bool, version: str, types: TypeRegistry = _STATIC) -> tuple[bytes, str]:
    """(body, ETag) of an aggregated discovery answer."""
    body = orjson.dumps(aggregated_discovery(legacy, version, types))
    return body, etag(body)
