"""Kind resolution like kubectl's RESTMapper, on the built-in registry and on a real-shaped aggregated
discovery document (core, built-in groups, an aggregated API that is down, and platform CRDs)."""

from __future__ import annotations

import pytest

from k8stui.cluster import kinds
from k8stui.cluster.discovery import _Doc, build_registry, parse_aggregated
from k8stui.cluster.registry import KindRegistry

ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def _res(plural, kind, *, group="", version="v1", scope="Namespaced", singular=None, short=(), cats=(),
         subs=(), verbs=ALL):
    out = {"resource": plural, "responseKind": {"group": group, "version": version, "kind": kind},
           "scope": scope, "singularResource": singular if singular is not None else kind.lower(),
           "verbs": list(verbs)}
    if short:
        out["shortNames"] = list(short)
    if cats:
        out["categories"] = list(cats)
    if subs:
        out["subresources"] = [{"subresource": s, "responseKind": {"group": group, "version": version,
                                                                   "kind": kind}, "verbs": ["get"]} for s in subs]
    return out


def _group(name, *versions):
    return {"metadata": {"name": name, "creationTimestamp": None},
            "versions": [{"version": v, "resources": rs, "freshness": fresh} for v, rs, fresh in versions]}


# What kube-apiserver 1.30 answers on /api and /apis with the aggregated Accept (trimmed to a few resources
# per group, shapes unchanged): groups in the server's priority order, CRD groups last.
API = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": [
    _group("", ("v1", [
        _res("events", "Event", short=("ev",)),
        _res("nodes", "Node", scope="Cluster", short=("no",), subs=("proxy", "status")),
        _res("persistentvolumeclaims", "PersistentVolumeClaim", short=("pvc",), subs=("status",)),
        _res("pods", "Pod", short=("po",), cats=("all",), subs=("attach", "exec", "log", "status")),
        _res("services", "Service", short=("svc",), cats=("all",), subs=("proxy", "status")),
    ], "Current")),
]}
APIS = {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": [
    _group("apps", ("v1", [
        _res("deployments", "Deployment", group="apps", short=("deploy",), cats=("all",), subs=("scale", "status")),
        _res("statefulsets", "StatefulSet", group="apps", short=("sts",), cats=("all",), subs=("scale", "status")),
    ], "Current")),
    _group("events.k8s.io", ("v1", [_res("events", "Event", group="events.k8s.io", short=("ev",))], "Current")),
    _group("batch", ("v1", [
        _res("cronjobs", "CronJob", group="batch", short=("cj",), cats=("all",)),
        _res("jobs", "Job", group="batch", cats=("all",)),
    ], "Current")),
    _group("authorization.k8s.io", ("v1", [
        _res("selfsubjectaccessreviews", "SelfSubjectAccessReview", group="authorization.k8s.io",
             scope="Cluster", verbs=["create"]),
    ], "Current")),
    _group("cert-manager.io", ("v1", [
        _res("certificaterequests", "CertificateRequest", group="cert-manager.io", short=("cr", "crs"),
             cats=("cert-manager",), subs=("status",)),
        _res("certificates", "Certificate", group="cert-manager.io", short=("cert", "certs"),
             cats=("cert-manager",), subs=("status",)),
    ], "Current")),
    _group("argoproj.io", ("v1alpha1", [
        _res("rollouts", "Rollout", group="argoproj.io", version="v1alpha1", short=("ro",), subs=("scale", "status")),
    ], "Current")),
    _group("networking.internal.knative.dev", ("v1alpha1", [
        _res("certificates", "Certificate", group="networking.internal.knative.dev", version="v1alpha1",
             short=("kcert",), cats=("knative-internal", "networking")),
    ], "Current")),
    _group("example.io", ("v2", [_res("widgets", "Widget", group="example.io", version="v2")], "Current"),
           ("v1", [_res("widgets", "Widget", group="example.io"),
                   _res("gadgets", "Gadget", group="example.io", short=("gd",))], "Current")),
    _group("metrics.k8s.io", ("v1beta1", [
        _res("nodes", "NodeMetrics", group="metrics.k8s.io", version="v1beta1", scope="Cluster", verbs=["get", "list"]),
        _res("pods", "PodMetrics", group="metrics.k8s.io", version="v1beta1", verbs=["get", "list"]),
    ], "Stale")),
]}


@pytest.fixture(scope="module")
def registry() -> KindRegistry:
    docs = {"/api": _Doc("aggregated", parse_aggregated(API)), "/apis": _Doc("aggregated", parse_aggregated(APIS))}
    return build_registry(docs)


@pytest.mark.parametrize(("typed", "expected"), [
    ("sts", "statefulsets.apps"),
    ("STS", "statefulsets.apps"),
    ("statefulset", "statefulsets.apps"),
    ("StatefulSet", "statefulsets.apps"),
    ("cj", "cronjobs.batch"),
    ("pvc", "persistentvolumeclaims"),
    ("po", "pods"),
    ("pods", "pods"),                                   # core before metrics.k8s.io
    ("nodes", "nodes"),
    ("pods.metrics.k8s.io", "pods.metrics.k8s.io"),
    ("events", "events"),                               # core before events.k8s.io
    ("ev", "events"),
    ("events.events.k8s.io", "events.events.k8s.io"),
    ("ev.events.k8s.io", "events.events.k8s.io"),       # a short name with its group
    ("certificates", "certificates.cert-manager.io"),   # ambiguous: the higher-priority group wins
    ("certificate", "certificates.cert-manager.io"),
    ("certificates.cert-manager.io", "certificates.cert-manager.io"),
    ("certificates.networking.internal.knative.dev", "certificates.networking.internal.knative.dev"),
    ("kcert", "certificates.networking.internal.knative.dev"),
    ("cert", "certificates.cert-manager.io"),
    ("rollouts.argoproj.io", "rollouts.argoproj.io"),
    ("rollouts", "rollouts.argoproj.io"),
    ("ro", "rollouts.argoproj.io"),
    ("rollouts.argoproj", "rollouts.argoproj.io"),      # a group prefix, as kubectl's shortcut expander allows
    ("deploy.apps", "deployments.apps"),
    ("deployments.v1.apps", "deployments.apps"),
    ("gadgets", "gadgets.example.io"),                  # only served in the non-preferred version
    (" svc ", "services"),
    ("nope", None),
    ("pods.nope.io", None),
    ("", None),
])
def test_resolution_like_kubectl(registry, typed, expected):
    kind = registry.resolve(typed)
    assert (kind.key if kind else None) == expected


def test_preferred_version_and_explicit_versions(registry):
    assert registry.resolve("widgets").version == "v2"
    assert registry.resolve("widgets.v1.example.io").version == "v1"
    assert registry.resolve("gadgets").version == "v1"
    assert registry.resolve("rollouts").version == "v1alpha1"


def test_ambiguous_names_list_every_candidate_best_first(registry):
    assert [k.key for k in registry.resolve_all("certificates")] == [
        "certificates.cert-manager.io", "certificates.networking.internal.knative.dev"]
    assert [k.key for k in registry.resolve_all("pods")] == ["pods", "pods.metrics.k8s.io"]
    assert registry.qualified_name(registry.resolve("certificates.networking.internal.knative.dev")) == \
        "certificates.networking.internal.knative.dev"
    assert registry.qualified_name(registry.resolve("certificates")) == "certificates"
    assert registry.qualified_name(registry.resolve("sts")) == "statefulsets"


def test_discovery_details_are_kept(registry):
    pods = registry.resolve("po")
    assert pods is kinds.PODS                          # first-class kinds keep their identity
    sts = registry.resolve("sts")
    assert (sts.group, sts.version, sts.kind, sts.namespaced) == ("apps", "v1", "StatefulSet", True)
    assert sts.short_names == ("sts",) and "scale" in sts.subresources and "all" in sts.categories
    nodes = registry.resolve("nodes.metrics.k8s.io")
    assert not nodes.namespaced and not nodes.watchable and nodes.listable
    assert registry.unavailable == ("metrics.k8s.io/v1beta1",)  # "Stale": its API server is down
    assert {k.key for k in registry.in_category("all")} >= {"pods", "statefulsets.apps", "cronjobs.batch"}
    assert registry.for_object("apps/v1", "StatefulSet") == sts
    assert registry.for_object("cert-manager.io/v1", "Certificate").group == "cert-manager.io"


def test_completion_lists_qualified_names_for_ambiguous_kinds(registry):
    # "cert" is cert-manager's short name: that kind first, then the other kinds the prefix starts
    assert [c.name for c in registry.complete("cert")] == [
        "certificates", "certificaterequests", "certificates.networking.internal.knative.dev"]
    assert [c.name for c in registry.complete("sts")] == ["statefulsets"]
    assert registry.complete("sts")[0].matched == "sts"
    assert [c.name for c in registry.complete("certificates.")] == [
        "certificates.cert-manager.io", "certificates.networking.internal.knative.dev"]
    assert "selfsubjectaccessreviews" not in [c.name for c in registry.complete("s")]  # cannot be listed
    assert "selfsubjectaccessreviews" in [c.name for c in registry.complete("s", listable_only=False)]
    everything = registry.complete("")
    assert len(everything) == len([k for k in registry if k.listable])


def test_builtin_registry_knows_a_stock_server_before_discovery():
    builtin = KindRegistry.builtin()
    for typed, key in [("sts", "statefulsets.apps"), ("ds", "daemonsets.apps"), ("cj", "cronjobs.batch"),
                       ("pvc", "persistentvolumeclaims"), ("pdb", "poddisruptionbudgets.policy"),
                       ("netpol", "networkpolicies.networking.k8s.io"), ("sa", "serviceaccounts"),
                       ("crd", "customresourcedefinitions.apiextensions.k8s.io"), ("ev", "events"),
                       ("hpa", "horizontalpodautoscalers.autoscaling"), ("dp", "deployments.apps")]:
        assert builtin.resolve(typed).key == key, typed
    assert builtin.resolve("po") is kinds.PODS


def test_kind_for_still_means_the_first_class_kinds():
    assert kinds.kind_for("deploy") is kinds.DEPLOYMENTS
    assert kinds.kind_for("Pod") is kinds.PODS
    assert kinds.kind_for("deployments.apps") is kinds.DEPLOYMENTS
    assert kinds.kind_for("sts") is None  # no projection: views use the registry and a Table informer


def test_equal_registries_compare_equal_and_changes_show(registry):
    docs = {"/api": _Doc("aggregated", parse_aggregated(API)), "/apis": _Doc("aggregated", parse_aggregated(APIS))}
    assert build_registry(docs) == registry
    fewer = dict(APIS, items=APIS["items"][:-2])
    docs["/apis"] = _Doc("aggregated", parse_aggregated(fewer))
    assert build_registry(docs) != registry
