"""Columns of the first-class kinds added with discovery (StatefulSet, DaemonSet, Job, CronJob, PVC, PV,
StorageClass, EndpointSlice, PDB, NetworkPolicy, ServiceAccount, Role, RoleBinding, ControllerRevision, HPA with
current-vs-target colours), and the columns of a server-side Table (any other kind, CRDs included).

kubectl's column names and order, our status colours (``columns.status_text``, ``ratio_text``): green when a
workload has all it wants, yellow while it is getting there, red when it has nothing or failed. ``columns_for``
answers for every first-class kind (the original twelve from ``columns``, the rest from here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..clock import now
from ..cluster.quantity import format_age
from ..cluster.table_model import Cell, Column, cell, cell_parts
from . import columns as base
from .columns import AGE_COLUMN, NAMESPACE_COLUMN, age, ratio_text, status_text

if TYPE_CHECKING:  # server-side Tables load with the first generic view (``-c pods`` opens before its first frame)
    from ..cluster.tables import TableColumn, TableRow


def _col(key: str, label: str, render: Callable[[Any], Any], sort: Callable[[Any], Any] | None = None, *,
         flex: int = 0, volatile: bool = False) -> Column:
    return Column(key, label, render, sort, flex=flex, volatile=volatile)


def _by_name(row: Any) -> tuple[str, str]:
    return (getattr(row, "namespace", ""), row.name)


NAME = _col("name", "NAME", lambda r: r.name, _by_name)


def _images(row: Any) -> str:
    return ",".join(row.images)


def _when(stamp: float | None) -> str:
    return "<none>" if stamp is None else format_age(now() - stamp)


def _sort_when(stamp: float | None) -> float | None:
    return None if stamp is None else -stamp


def _bool(value: bool, true_style: str = "", false_style: str = "") -> Cell:
    return cell("True" if value else "False", true_style if value else false_style)


# -- workloads ---------------------------------------------------------------------------------------------------
def _sts_ready(row: Any) -> Cell:
    if row.rolling and row.desired and row.ready_replicas >= row.desired:
        return cell(row.ready, "yellow")
    return ratio_text(row.ready_replicas, row.desired, row.ready)


STATEFULSET_COLUMNS = [
    NAME,
    _col("ready", "READY", _sts_ready, lambda r: (r.ready_replicas, r.desired)),
    _col("updated", "UP-TO-DATE", lambda r: str(r.updated), lambda r: r.updated),
    _col("service", "SERVICE", lambda r: r.service_name or "<none>"),
    _col("revision", "REVISION", lambda r: cell(r.update_revision.rpartition("-")[2] or "-",
                                                 "yellow" if r.rolling else "")),
    _col("images", "IMAGES", _images, flex=1),
    AGE_COLUMN,
]


def _ds_count(value: int, desired: int) -> Cell:
    return ratio_text(value, desired, str(value))


DAEMONSET_COLUMNS = [
    NAME,
    _col("desired", "DESIRED", lambda r: str(r.desired), lambda r: r.desired),
    _col("current", "CURRENT", lambda r: _ds_count(r.current, r.desired), lambda r: r.current),
    _col("ready", "READY", lambda r: _ds_count(r.ready, r.desired), lambda r: r.ready),
    _col("uptodate", "UP-TO-DATE", lambda r: _ds_count(r.up_to_date, r.desired), lambda r: r.up_to_date),
    _col("available", "AVAILABLE", lambda r: _ds_count(r.available, r.desired), lambda r: r.available),
    _col("nodeselector", "NODE SELECTOR", lambda r: r.node_selector, flex=1),
    _col("images", "IMAGES", _images, flex=1),
    AGE_COLUMN,
]

_JOB_STYLE = {"Complete": "green", "Failed": "bold red", "Suspended": "yellow", "Running": "cyan",
              "Terminating": "yellow"}


def _job_status(row: Any) -> Cell:
    text = f"{row.status} ({row.reason})" if row.reason else row.status
    return cell(text, _JOB_STYLE.get(row.status, ""))


def _completions(row: Any) -> Cell:
    style = "green" if row.status == "Complete" else ("bold red" if row.status == "Failed" else "")
    return cell(row.completions, style)


JOB_COLUMNS = [
    NAME,
    _col("status", "STATUS", _job_status),
    _col("completions", "COMPLETIONS", _completions, lambda r: (r.succeeded, r.desired or 1)),
    _col("duration", "DURATION", lambda r: r.duration(now()), lambda r: r.duration_seconds(now()), volatile=True),
    _col("owner", "CRONJOB", lambda r: r.owner_name if r.owner_kind == "CronJob" else ""),
    _col("images", "IMAGES", _images, flex=1),
    AGE_COLUMN,
]


def _cron_last(row: Any) -> Cell:
    return cell(row.last_schedule_text(now()), "bold red" if row.last_failed else "")


CRONJOB_COLUMNS = [
    NAME,
    _col("schedule", "SCHEDULE", lambda r: r.schedule),
    _col("timezone", "TIMEZONE", lambda r: r.timezone or "<none>"),
    _col("suspend", "SUSPEND", lambda r: _bool(r.suspend, "yellow"), lambda r: r.suspend),
    _col("active", "ACTIVE", lambda r: cell(str(r.active), "cyan" if r.active else ""), lambda r: r.active),
    _col("last", "LAST SCHEDULE", _cron_last, lambda r: _sort_when(r.last_schedule), volatile=True),
    _col("images", "IMAGES", _images, flex=1),
    AGE_COLUMN,
]

CONTROLLERREVISION_COLUMNS = [
    NAME,
    _col("controller", "CONTROLLER", lambda r: f"{r.owner_kind.lower()}/{r.owner_name}" if r.owner_name else ""),
    _col("revision", "REVISION", lambda r: str(r.revision), lambda r: r.revision),
    _col("images", "IMAGES", _images, flex=1),
    _col("cause", "CHANGE-CAUSE", lambda r: r.change_cause, flex=2),
    AGE_COLUMN,
]

PDB_COLUMNS = [
    NAME,
    _col("min", "MIN AVAILABLE", lambda r: r.min_available),
    _col("max", "MAX UNAVAILABLE", lambda r: r.max_unavailable),
    _col("allowed", "ALLOWED DISRUPTIONS",
         lambda r: cell(str(r.allowed_disruptions), "bold yellow" if r.blocking else "green"),
         lambda r: r.allowed_disruptions),
    _col("healthy", "HEALTHY", lambda r: ratio_text(r.current_healthy, r.desired_healthy,
                                                    f"{r.current_healthy}/{r.desired_healthy}"),
         lambda r: r.current_healthy),
    _col("selector", "SELECTOR", lambda r: r.selector, flex=1),
    AGE_COLUMN,
]


def _hpa_targets(row: Any) -> Cell:
    if not row.metrics:
        return cell(row.targets)
    parts: list[tuple[object, str]] = []
    for i, metric in enumerate(row.metrics):
        if i:
            parts.append((", ", ""))
        style = "bold yellow" if metric.over else ("dim" if metric.current_value is None else "green")
        parts.append((f"{metric.name}: ", ""))
        parts.append((metric.current, style))
        parts.append((f"/{metric.target}", ""))
    return cell_parts(*parts)


def _hpa_replicas(row: Any) -> Cell:
    style = "bold red" if row.limited and row.over_target else ("yellow" if row.desired != row.replicas else "")
    return cell(str(row.replicas), style)


HPA_COLUMNS = [
    NAME,
    _col("reference", "REFERENCE", lambda r: r.reference, flex=1),
    _col("targets", "TARGETS", _hpa_targets, flex=1),
    _col("min", "MINPODS", lambda r: str(r.min_pods), lambda r: r.min_pods),
    _col("max", "MAXPODS", lambda r: str(r.max_pods), lambda r: r.max_pods),
    _col("replicas", "REPLICAS", _hpa_replicas, lambda r: r.replicas),
    AGE_COLUMN,
]

# -- storage -----------------------------------------------------------------------------------------------------
_PHASE_STYLE = {"Bound": "green", "Available": "green", "Pending": "yellow", "Released": "yellow",
                "Terminating": "yellow", "Lost": "bold red", "Failed": "bold red"}


def _phase(value: str) -> Cell:
    return cell(value, _PHASE_STYLE.get(value, ""))


PVC_COLUMNS = [
    NAME,
    _col("status", "STATUS", lambda r: _phase(r.status)),
    _col("volume", "VOLUME", lambda r: r.volume, flex=2),
    _col("capacity", "CAPACITY", lambda r: r.capacity or r.requested, lambda r: r.capacity_bytes or r.requested_bytes),
    _col("access", "ACCESS MODES", lambda r: r.access_modes),
    _col("class", "STORAGECLASS", lambda r: r.storage_class),
    AGE_COLUMN,
]

PV_COLUMNS = [
    NAME,
    _col("capacity", "CAPACITY", lambda r: r.capacity, lambda r: r.capacity_bytes),
    _col("access", "ACCESS MODES", lambda r: r.access_modes),
    _col("reclaim", "RECLAIM POLICY", lambda r: r.reclaim_policy),
    _col("status", "STATUS", lambda r: _phase(r.status)),
    _col("claim", "CLAIM", lambda r: r.claim, flex=1),
    _col("class", "STORAGECLASS", lambda r: r.storage_class),
    _col("reason", "REASON", lambda r: r.reason, flex=2),
    AGE_COLUMN,
]

STORAGECLASS_COLUMNS = [
    _col("name", "NAME", lambda r: cell_parts((r.name, ""), (" (default)", "bold")) if r.default else r.name,
         lambda r: r.name),
    _col("provisioner", "PROVISIONER", lambda r: r.provisioner),
    _col("reclaim", "RECLAIMPOLICY", lambda r: r.reclaim_policy),
    _col("binding", "VOLUMEBINDINGMODE", lambda r: r.binding_mode),
    _col("expansion", "ALLOWVOLUMEEXPANSION", lambda r: "true" if r.allow_expansion else "false"),
    AGE_COLUMN,
]

# -- network -----------------------------------------------------------------------------------------------------
ENDPOINTSLICE_COLUMNS = [
    NAME,
    _col("service", "SERVICE", lambda r: r.service),
    _col("type", "ADDRESSTYPE", lambda r: r.address_type),
    _col("ports", "PORTS", lambda r: r.ports),
    _col("ready", "READY", lambda r: ratio_text(r.ready, r.total, f"{r.ready}/{r.total}"), lambda r: r.ready),
    _col("endpoints", "ENDPOINTS", lambda r: r.endpoints, flex=1),
    AGE_COLUMN,
]

NETWORKPOLICY_COLUMNS = [
    NAME,
    _col("selector", "POD-SELECTOR", lambda r: r.pod_selector, flex=1),
    _col("types", "POLICY TYPES", lambda r: ",".join(r.policy_types)),
    _col("ingress", "INGRESS", lambda r: cell(r.ingress, "yellow" if r.ingress == "deny all" else "")),
    _col("egress", "EGRESS", lambda r: cell(r.egress, "yellow" if r.egress == "deny all" else "")),
    AGE_COLUMN,
]

# -- identity ----------------------------------------------------------------------------------------------------
SERVICEACCOUNT_COLUMNS = [
    NAME,
    _col("secrets", "SECRETS", lambda r: str(r.secrets), lambda r: r.secrets),
    _col("pullsecrets", "IMAGE PULL SECRETS", lambda r: ",".join(r.image_pull_secrets), flex=1),
    _col("automount", "AUTOMOUNT", lambda r: r.automount or "true"),
    AGE_COLUMN,
]

ROLE_COLUMNS = [
    NAME,
    _col("rules", "RULES", lambda r: str(r.rule_count), lambda r: r.rule_count),
    _col("summary", "VERBS RESOURCES", lambda r: cell(r.rules, "dim") if r.aggregated and not r.rule_count
         else r.rules, flex=1),
    AGE_COLUMN,
]

ROLEBINDING_COLUMNS = [
    NAME,
    _col("role", "ROLE", lambda r: r.role),
    _col("subjects", "SUBJECTS", lambda r: r.subjects, flex=1),
    AGE_COLUMN,
]

KIND_COLUMNS: dict[str, list[Column]] = {
    "statefulsets.apps": STATEFULSET_COLUMNS, "daemonsets.apps": DAEMONSET_COLUMNS, "jobs.batch": JOB_COLUMNS,
    "cronjobs.batch": CRONJOB_COLUMNS, "controllerrevisions.apps": CONTROLLERREVISION_COLUMNS,
    "poddisruptionbudgets.policy": PDB_COLUMNS, "horizontalpodautoscalers.autoscaling": HPA_COLUMNS,
    "persistentvolumeclaims": PVC_COLUMNS, "persistentvolumes": PV_COLUMNS,
    "storageclasses.storage.k8s.io": STORAGECLASS_COLUMNS,
    "endpointslices.discovery.k8s.io": ENDPOINTSLICE_COLUMNS,
    "networkpolicies.networking.k8s.io": NETWORKPOLICY_COLUMNS, "serviceaccounts": SERVICEACCOUNT_COLUMNS,
    "roles.rbac.authorization.k8s.io": ROLE_COLUMNS, "clusterroles.rbac.authorization.k8s.io": ROLE_COLUMNS,
    "rolebindings.rbac.authorization.k8s.io": ROLEBINDING_COLUMNS,
    "clusterrolebindings.rbac.authorization.k8s.io": ROLEBINDING_COLUMNS,
}


def columns_for(kind_key: str, *, with_namespace: bool = False) -> list[Column]:
    """The columns of any first-class kind; ``with_namespace`` adds NAMESPACE first."""
    if kind_key in KIND_COLUMNS:
        cols = list(KIND_COLUMNS[kind_key])
        return [NAMESPACE_COLUMN, *cols] if with_namespace else cols
    return base.columns_for(kind_key, with_namespace=with_namespace)


# -- server-side Tables ------------------------------------------------------------------------------------------
_STATUS_COLUMNS = ("status", "phase", "state")
_TRUTH_COLUMNS = ("ready", "available", "synced", "healthy")


def _table_cell(column: TableColumn, index: int) -> Callable[[TableRow], Any]:
    from ..cluster.tables import cell_text

    lowered = column.name.lower()

    def render(row: TableRow) -> Any:
        value = row.cells[index] if index < len(row.cells) else None
        if column.is_age:
            return age(value if isinstance(value, (int, float)) and not isinstance(value, bool) else row.created)
        text = cell_text(column, value)
        if lowered in _STATUS_COLUMNS and text:
            return status_text(text)
        if lowered in _TRUTH_COLUMNS and text in ("True", "False", "true", "false"):
            return cell(text, "green" if text.lower() == "true" else "bold red")
        if lowered == "ready" and "/" in text:
            have, _, want = text.partition("/")
            if have.isdigit() and want.isdigit():
                return ratio_text(int(have), int(want), text)
        return text

    return render


def table_columns(columns: tuple[TableColumn, ...], *, with_namespace: bool = False,
                  wide: bool = False) -> list[Column]:
    """Columns for a ``TableInformer``'s rows: the server's own (priority 0 only unless ``wide``), typed sort,
    the age column live, status-like columns coloured; NAMESPACE first when ``with_namespace``."""
    from ..cluster.tables import sort_key

    out: list[Column] = [NAMESPACE_COLUMN] if with_namespace else []
    for index, column in enumerate(columns):
        if column.wide and not wide:
            continue
        key = "name" if column.is_name else ("age" if column.is_age else f"c{index}:{column.name.lower()}")
        if column.is_name:
            out.append(Column("name", column.header, lambda r: r.name, _by_name))
            continue
        sorter = (lambda i, c: lambda r: sort_key(c, r.cells[i] if i < len(r.cells) else None))(index, column)
        if column.is_age:
            sorter = lambda r: -(r.created or 0.0)  # noqa: E731 - youngest first, as every AGE column sorts
        out.append(Column(key, column.header, _table_cell(column, index), sorter, flex=1 if column.type == "string"
                          and not column.is_age else 0, volatile=column.is_age))
    return out


__all__ = ["KIND_COLUMNS", "columns_for", "table_columns"]
