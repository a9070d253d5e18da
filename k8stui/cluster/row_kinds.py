"""Which kinds are first-class — projected into our own rows — and the projection of each.

The app shows every kind the server has: the first-class ones with a row projection (``rows``,
``rows_workloads``, ``rows_storage``, ``rows_network``, ``rows_rbac``) and their own columns, status colours and
drill-downs; every other kind (CRDs included) through the server's Table (``tables.TableInformer``). This module
is the one place that says which is which, keyed by ``ResourceKind.key`` (``statefulsets.apps``), so a kind
found by discovery is first-class whatever version the server prefers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import kinds
from .kinds import ResourceKind

Projection = Callable[[Mapping[str, Any]], Any]

# Every first-class kind: (the module holding its row projection, the projection's name). The modules (~45 frozen
# row dataclasses, ~20 ms to import for ``rows`` alone) load when a view of one of their kinds first needs a row —
# after the app's first frame — not when the app or a view is made.
_WHERE: dict[str, tuple[str, str]] = {
    kinds.PODS.key: ("rows", "pod_row"),
    kinds.DEPLOYMENTS.key: ("rows", "deployment_row"),
    kinds.REPLICASETS.key: ("rows", "replicaset_row"),
    kinds.SERVICES.key: ("rows", "service_row"),
    kinds.ENDPOINTS.key: ("rows", "endpoints_row"),
    kinds.EVENTS.key: ("rows", "event_row"),
    kinds.NODES.key: ("rows", "node_row"),
    kinds.NAMESPACES.key: ("rows", "namespace_row"),
    kinds.INGRESSES.key: ("rows", "ingress_row"),
    kinds.CONFIGMAPS.key: ("rows", "configmap_row"),
    kinds.SECRETS.key: ("rows", "secret_row"),
    kinds.HPAS.key: ("rows", "hpa_row"),
    "statefulsets.apps": ("rows_workloads", "statefulset_row"),
    "daemonsets.apps": ("rows_workloads", "daemonset_row"),
    "jobs.batch": ("rows_workloads", "job_row"),
    "cronjobs.batch": ("rows_workloads", "cronjob_row"),
    "controllerrevisions.apps": ("rows_workloads", "controllerrevision_row"),
    "poddisruptionbudgets.policy": ("rows_workloads", "pdb_row"),
    "persistentvolumeclaims": ("rows_storage", "pvc_row"),
    "persistentvolumes": ("rows_storage", "pv_row"),
    "storageclasses.storage.k8s.io": ("rows_storage", "storageclass_row"),
    "endpointslices.discovery.k8s.io": ("rows_network", "endpointslice_row"),
    "networkpolicies.networking.k8s.io": ("rows_network", "networkpolicy_row"),
    "serviceaccounts": ("rows_rbac", "serviceaccount_row"),
    "roles.rbac.authorization.k8s.io": ("rows_rbac", "role_row"),
    "clusterroles.rbac.authorization.k8s.io": ("rows_rbac", "role_row"),
    "rolebindings.rbac.authorization.k8s.io": ("rows_rbac", "rolebinding_row"),
    "clusterrolebindings.rbac.authorization.k8s.io": ("rows_rbac", "rolebinding_row"),
}


class _Projections(Mapping[str, Projection]):
    """Every first-class kind's projection by kind key; its module is imported on first use."""

    def __getitem__(self, key: str) -> Projection:
        module, name = _WHERE[key]
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:  # without importing anything
        return key in _WHERE

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


PROJECTIONS: Mapping[str, Projection] = _Projections()

WORKLOAD_KEYS = frozenset({"deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps",
                           "jobs.batch", "cronjobs.batch"})
"""Kinds that run pods (``l`` merges their pods' logs, ``m`` shows their pods' metrics)."""


def projection_for(kind: ResourceKind | str) -> Projection | None:
    """The row projection of a first-class kind (by ResourceKind or key); None: show the server's Table."""
    return PROJECTIONS.get(kind.key if isinstance(kind, ResourceKind) else kind)


def is_first_class(kind: ResourceKind | str) -> bool:
    return (kind.key if isinstance(kind, ResourceKind) else kind) in PROJECTIONS


def project(kind: ResourceKind | str, raw: Mapping[str, Any]) -> Any:
    """The row of one raw object of a first-class kind; KeyError for another kind."""
    fn = projection_for(kind)
    if fn is None:
        raise KeyError(f"no row projection for {kind!r}")
    return fn(raw)


__all__ = ["PROJECTIONS", "WORKLOAD_KEYS", "is_first_class", "project", "projection_for"]
