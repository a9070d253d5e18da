"""Diagnosis inputs kept current from the shared informers: no extra polling, no Textual.

``LiveSnapshot`` acquires (through the app's ``InformerHub``) one informer per kind the rules read — in one
namespace, or all — and gathers their change batches (kind -> uids) between two looks. ``snapshot()`` is the
``Snapshot`` the pure functions take; ``take_changes()`` the uids changed since the last call (None after a
relist: everything may have changed). Informers that are still listing or forbidden are left out of the
snapshot, so a rule that needs them stays silent instead of reporting everything missing.

``LiveFindings`` runs ``FindingsEngine`` on it: per-object rules for the changed uids, cluster rules at most once
a second. The caller (a screen's timer) calls ``refresh(now)`` when ``dirty``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from ..cluster.kinds import PODS
from ..cluster.registry import KindRegistry
from ..cluster.store import ChangeBatch, Health, Informer, InformerHub
from ..text import sanitize
from .findings import WATCHED_KINDS, Finding, FindingsEngine
from .snapshot import CLUSTER_SCOPED, Snapshot
from .stuck import LogRequest

# Kind name -> (API group, plural), resolved against the server's registry.
SOURCES: dict[str, tuple[str, str]] = {
    "Pod": ("", "pods"), "Deployment": ("apps", "deployments"), "ReplicaSet": ("apps", "replicasets"),
    "StatefulSet": ("apps", "statefulsets"), "DaemonSet": ("apps", "daemonsets"), "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"), "Service": ("", "services"), "Event": ("", "events"),
    "Node": ("", "nodes"), "Namespace": ("", "namespaces"), "ConfigMap": ("", "configmaps"),
    "Secret": ("", "secrets"), "ServiceAccount": ("", "serviceaccounts"),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers"),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets"),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims"), "StorageClass": ("storage.k8s.io", "storageclasses"),
    "Role": ("rbac.authorization.k8s.io", "roles"), "ClusterRole": ("rbac.authorization.k8s.io", "clusterroles"),
    "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings"),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "clusterrolebindings"),
}
# What each feature reads.
FINDINGS_KINDS = WATCHED_KINDS
STUCK_KINDS = ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Event", "Node",
               "PersistentVolumeClaim", "StorageClass")
TIMELINE_KINDS = ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Event",
                  "HorizontalPodAutoscaler")
HELM_KINDS = ("Secret", "ConfigMap", "Deployment", "StatefulSet", "DaemonSet", "Service", "ConfigMap",
              "ServiceAccount", "PodDisruptionBudget", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
              "Job", "CronJob", "HorizontalPodAutoscaler", "PersistentVolumeClaim")


class LiveSnapshot:
    """Informers for ``kinds`` in ``namespace`` (None: all namespaces), acquired on ``start`` and released on
    ``close``. Run it on the app's loop."""

    def __init__(self, hub: InformerHub, namespace: str | None, kinds: Iterable[str] = FINDINGS_KINDS,
                 registry: KindRegistry | None = None, *, background: bool = False,
                 secret_values: bool = False) -> None:
        self.hub = hub
        self.background = background  # held for a count, not a view: forbidden kinds stay out of the header
        self.secret_values = secret_values  # Secrets with their values (Helm releases); keys only otherwise
        self.namespace = namespace
        self.kinds = tuple(dict.fromkeys(kinds))
        self.registry = registry or KindRegistry.builtin()
        self._informers: dict[str, Informer] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._changes: dict[str, set[str]] = {}
        self._relisted = True
        self._listeners: list[Callable[[], None]] = []
        self.started = False

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        for kind in self.kinds:
            source = SOURCES.get(kind)
            rk = self.registry.get(*source) if source else None
            if rk is None or not rk.listable or not rk.watchable:
                continue  # the server does not serve it: unknown
            scope = None if kind in CLUSTER_SCOPED or not rk.namespaced else self.namespace
            informer = self.hub.acquire(rk, scope, background=self.background,
                                        secret_values=self.secret_values and kind == "Secret")
            self._informers[kind] = informer
            self._unsubscribe.append(informer.subscribe(lambda batch, k=kind: self._on_batch(k, batch)))
            self._unsubscribe.append(informer.subscribe_health(lambda _h: self._notify()))

    async def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            with contextlib.suppress(Exception):
                unsubscribe()
        self._unsubscribe.clear()
        for informer in self._informers.values():
            self.hub.release(informer, background=self.background)
        self._informers.clear()
        self.started = False

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """``listener()`` after any change batch or health change (coalesce on the caller's side)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _on_batch(self, kind: str, batch: ChangeBatch) -> None:
        if batch.relisted:
            self._relisted = True
        self._changes.setdefault(kind, set()).update(batch.added | batch.modified | batch.deleted)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a listener's bug must not break the informers' flush
                pass

    @property
    def dirty(self) -> bool:
        return self._relisted or any(self._changes.values())

    def informer(self, kind: str) -> Informer | None:
        return self._informers.get(kind)

    def usable(self) -> dict[str, Informer]:
        """The informers whose objects can be trusted: synced and not forbidden."""
        return {k: i for k, i in self._informers.items()
                if i.synced and i.health.state not in (Health.FORBIDDEN, Health.ERROR)}

    def snapshot(self) -> Snapshot:
        return Snapshot.from_informers(self.usable())

    def take_changes(self) -> dict[str, set[str]] | None:
        """The uids changed since the last call, by kind; None when a (re)list happened (re-evaluate all)."""
        changes, relisted = self._changes, self._relisted
        self._changes, self._relisted = {}, False
        return None if relisted else changes

    def forbidden(self) -> list[str]:
        return sorted(k for k, i in self._informers.items() if i.health.state is Health.FORBIDDEN)

    def syncing(self) -> list[str]:
        return sorted(k for k, i in self._informers.items() if not i.synced and i.health.state is not Health.FORBIDDEN)

    async def wait_synced(self, timeout: float | None = None) -> bool:
        """Wait until every informer listed once (forbidden ones never do: they time out)."""
        ok = True
        for informer in list(self._informers.values()):
            ok = await informer.wait_synced(timeout) and ok
        return ok


class LiveFindings:
    """Findings kept current from a ``LiveSnapshot``."""

    def __init__(self, live: LiveSnapshot, cluster_interval: float = 1.0) -> None:
        self.live = live
        self.engine = FindingsEngine(cluster_interval=cluster_interval)
        self._known: frozenset[str] = frozenset()
        self.findings: list[Finding] = []

    @property
    def dirty(self) -> bool:
        return self.live.dirty or self.engine.pending

    def refresh(self, now: float) -> list[Finding]:
        snapshot = self.live.snapshot()
        known = frozenset(snapshot.kinds)
        changes = self.live.take_changes()
        if known != self._known:  # a kind became usable (synced) or unusable: start over
            changes, self._known = None, known
        self.findings = self.engine.update(snapshot, changes, now)
        return self.findings


def hub_snapshot(hub: InformerHub, kinds: Iterable[str], namespace: str | None,
                 registry: KindRegistry | None = None) -> Snapshot:
    """A one-off snapshot of whatever informers the hub already runs for ``kinds`` (no new ones started)."""
    registry = registry or KindRegistry.builtin()
    found: dict[str, Any] = {}
    for kind in kinds:
        source = SOURCES.get(kind)
        rk = registry.get(*source) if source else None
        if rk is None:
            continue
        informer = hub.peek(rk, None if kind in CLUSTER_SCOPED or not rk.namespaced else namespace) or \
            hub.peek(rk, None)
        if informer is not None and informer.synced and informer.health.state is not Health.FORBIDDEN:
            found[kind] = informer
    return Snapshot.from_informers(found)


async def fetch_logs(client: httpx.AsyncClient, requests: Iterable[LogRequest], timeout: float = 5.0
                     ) -> dict[tuple[str, str, str], list[str]]:
    """The logs an explanation asked for (``Explanation.log_requests``): the last lines of each container's
    previous run, sanitized; a failure is one line in place of the log."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for req in requests:
        params = {"container": req.container, "tailLines": str(req.tail)}
        if req.previous:
            params["previous"] = "true"
        try:
            resp = await client.get(PODS.path(req.namespace, req.pod, "log"), params=params, timeout=timeout)
        except httpx.HTTPError as exc:
            out[req.key] = [f"(the log could not be read: {sanitize(str(exc)) or type(exc).__name__})"]
            continue
        if resp.status_code >= 400:
            message = resp.text
            with contextlib.suppress(ValueError, AttributeError):
                message = json.loads(resp.text).get("message") or message
            out[req.key] = [f"(the log could not be read: HTTP {resp.status_code}: "
                            f"{' '.join(sanitize(str(message)).split())[:200]})"]
            continue
        out[req.key] = [sanitize(line) for line in resp.text.splitlines()[-req.tail:]]
    return out


__all__ = ["fetch_logs", "FINDINGS_KINDS", "HELM_KINDS", "SOURCES", "STUCK_KINDS", "TIMELINE_KINDS", "LiveFindings",
           "LiveSnapshot", "hub_snapshot"]
