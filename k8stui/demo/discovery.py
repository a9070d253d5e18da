"""Discovery documents (/api, /apis, /api/v1, /apis/GROUP/VERSION, /version) built from resources.py
(OpenAPI documents: openapi.py).

kubectl caches these to map ``deploy`` to ``deployments.apps/v1`` and to know which verbs and subresources
exist; plain APIVersions/APIGroupList answers are accepted (see shared/NOTES-kubernetes-api.md).
"""

from __future__ import annotations

from typing import Any

from .resources import RESOURCES, VIRTUAL_RESOURCES, ResourceType, group_versions

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
}
_SUBRESOURCE_KIND = {"scale": ("Scale", "autoscaling", "v1"), "log": ("Pod", "", ""),
                     "proxy": ("ServiceProxyOptions", "", ""),
                     "exec": ("PodExecOptions", "", ""), "attach": ("PodAttachOptions", "", ""),
                     "portforward": ("PodPortForwardOptions", "", ""), "eviction": ("Eviction", "policy", "v1")}


def api_versions(server_address: str) -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list() -> dict[str, Any]:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(name, versions) for name, versions in group_versions().items()]}


def api_group(name: str) -> dict[str, Any] | None:
    versions = group_versions().get(name)
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


def api_resource_list(group: str, version: str) -> dict[str, Any] | None:
    rts = [rt for rt in RESOURCES + VIRTUAL_RESOURCES if rt.group == group and rt.version == version]
    if not rts:
        return None
    gv = f"{group}/{version}" if group else version
    resources = [e for rt in rts for e in _resource_entries(rt)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}
