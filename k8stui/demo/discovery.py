"""Discovery documents (/api, /apis, /api/v1, /apis/GROUP/VERSION, /version) built from resources.py.

kubectl caches these to map ``deploy`` to ``deployments.apps/v1`` and to know which verbs and subresources
exist; plain APIVersions/APIGroupList answers are accepted (see shared/NOTES-kubernetes-api.md).
"""

from __future__ import annotations

from typing import Any

from .resources import RESOURCES, VIRTUAL_RESOURCES, ResourceType, group_versions

SERVER_VERSION = {
    "major": "1", "minor": "30", "gitVersion": "v1.30.6", "gitCommit": "k8stui-demo",
    "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.22.8",
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


def openapi_v3_root() -> dict[str, Any]:
    """``/openapi/v3``: one document per group-version. kubectl reads it to learn that the server validates
    fields itself (``fieldValidation``), so ``kubectl apply``/``create`` need no client-side schema."""
    paths = {}
    for group, version in _group_versions_with_core():
        rel = f"api/{version}" if not group else f"apis/{group}/{version}"
        paths[rel] = {"serverRelativeURL": f"/openapi/v3/{rel}?hash=k8stui-demo"}
    return {"paths": paths}


def _group_versions_with_core() -> list[tuple[str, str]]:
    out = [("", "v1")]
    for group, versions in group_versions().items():
        out += [(group, v) for v in versions]
    return out


def openapi_v3_group(group: str, version: str) -> dict[str, Any] | None:
    """A minimal OpenAPI v3 document for one group-version: PATCH operations with their GVK extension and
    the ``fieldValidation`` query parameter (what kubectl's query-param verifier looks for)."""
    rts = [rt for rt in RESOURCES + VIRTUAL_RESOURCES if rt.group == group and rt.version == version]
    if not rts:
        return None
    prefix = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    paths: dict[str, Any] = {}
    params = [{"name": n, "in": "query", "schema": {"type": "string"}}
              for n in ("dryRun", "fieldManager", "fieldValidation", "force")]
    for rt in rts:
        if "patch" not in rt.verbs:
            continue
        item = (f"{prefix}/namespaces/{{namespace}}/{rt.plural}/{{name}}" if rt.namespaced
                else f"{prefix}/{rt.plural}/{{name}}")
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        paths[item] = {"patch": {"operationId": f"patch{rt.kind}", "x-kubernetes-action": "patch",
                                 "x-kubernetes-group-version-kind": gvk, "parameters": params,
                                 "responses": {"200": {"description": "OK"}}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": {}}}
