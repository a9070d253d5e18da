"""Which kinds are first-class — projected into our own rows — and the projection of each.

The app shows every kind the server has: the first-class ones with a row projection (``rows``,
``rows_workloads``, ``rows_storage``, ``rows_network``, ``rows_rbac``) and their own columns, status colours and
drill-downs; every other kind (CRDs included) through the server's Table (``tables.TableInformer``). This module
is the one place that says which is which, keyed by ``ResourceKind.key`` (``statefulsets.apps``), so a kind
found by discovery is first-class whatever version the server prefers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import rows, rows_network, rows_rbac, rows_storage, rows_workloads
from .kinds import ResourceKind

Projection = Callable[[Mapping[str, Any]], Any]

PROJECTIONS: dict[str, Projection] = {
    **rows.PROJECTIONS,
    "statefulsets.apps": rows_workloads.statefulset_row,
    "daemonsets.apps": rows_workloads.daemonset_row,
    "jobs.batch": rows_workloads.job_row,
    "cronjobs.batch": rows_workloads.cronjob_row,
    "controllerrevisions.apps": rows_workloads.controllerrevision_row,
    "poddisruptionbudgets.policy": rows_workloads.pdb_row,
    "persistentvolumeclaims": rows_storage.pvc_row,
    "persistentvolumes": rows_storage.pv_row,
    "storageclasses.storage.k8s.io": rows_storage.storageclass_row,
    "endpointslices.discovery.k8s.io": rows_network.endpointslice_row,
    "networkpolicies.networking.k8s.io": rows_network.networkpolicy_row,
    "serviceaccounts": rows_rbac.serviceaccount_row,
    "roles.rbac.authorization.k8s.io": rows_rbac.role_row,
    "clusterroles.rbac.authorization.k8s.io": rows_rbac.role_row,
    "rolebindings.rbac.authorization.k8s.io": rows_rbac.rolebinding_row,
    "clusterrolebindings.rbac.authorization.k8s.io": rows_rbac.rolebinding_row,
}

WORKLOAD_KEYS = frozenset({"deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps",
                           "jobs.batch", "cronjobs.batch"})
"""Kinds that run pods (``l`` merges their pods' logs, ``m`` shows their pods' metrics)."""


def projection_for(kind: ResourceKind | str) -> Projection | None:
    """The row projection of a first-class kind (by ResourceKind or key); None: show the server's Table."""
    return PROJECTIONS.get(kind.key if isinstance(kind, ResourceKind) else kind)


def is_first_class(kind: ResourceKind | str) -> bool:
    return projection_for(kind) is not None


def project(kind: ResourceKind | str, raw: Mapping[str, Any]) -> Any:
    """The row of one raw object of a first-class kind; KeyError for another kind."""
    fn = projection_for(kind)
    if fn is None:
        raise KeyError(f"no row projection for {kind!r}")
    return fn(raw)


__all__ = ["PROJECTIONS", "WORKLOAD_KEYS", "is_first_class", "project", "projection_for"]
