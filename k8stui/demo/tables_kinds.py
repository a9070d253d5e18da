"""Table printers of the workload, batch, storage, policy, RBAC, discovery and extension kinds, and the CRD one.

Ported column for column from Kubernetes' ``pkg/printers/internalversion/printers.go`` (1.30-1.32) like
``tables.py``, which merges these into its ``PRINTERS``. Custom resources get the apiextensions table
convertor: Name, then the version's ``additionalPrinterColumns`` evaluated as JSONPath over the object (cells
typed as the column says, ``date`` shown as an age, a missing value as null), or Name + Age without any.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from .jsonpath import find_first
from .resources import PrinterColumn, ResourceType
from .tables import (
    _CONTAINERS,
    _IMAGES,
    AGE,
    NAME,
    Cell,
    Column,
    Printer,
    _age,
    _c,
    _name,
    _template_containers,
    format_label_selector,
    format_labels,
    human_duration,
    parse_time,
    since,
)

Obj = dict[str, Any]

_ACCESS_MODE_SHORT = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                      "ReadWriteOncePod": "RWOP"}
_RBAC_DATE = Column("Created At", "date", "", "CreationTimestamp is a timestamp representing the server time "
                    "when this object was created.")


def _created_at(obj: Obj) -> str:
    t = parse_time((obj.get("metadata") or {}).get("creationTimestamp") or "")
    return "<unknown>" if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


# -- workloads ---------------------------------------------------------------------------------------------------
def statefulset_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj)
    return [_name(obj), f"{int(status.get('readyReplicas') or 0)}/{int(spec.get('replicas', 1) or 0)}",
            _age(obj, now), names, images]


def daemonset_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj)
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [_name(obj), int(status.get("desiredNumberScheduled") or 0),
            int(status.get("currentNumberScheduled") or 0), int(status.get("numberReady") or 0),
            int(status.get("updatedNumberScheduled") or 0), int(status.get("numberAvailable") or 0),
            format_labels(node_selector), _age(obj, now), names, images,
            format_label_selector(spec.get("selector"))]


def controllerrevision_cells(obj: Obj, now: float) -> list[Cell]:
    controller = "<none>"
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            group = (ref.get("apiVersion") or "").rpartition("/")[0]
            kind = ref.get("kind", "").lower()
            controller = f"{kind}.{group}/{ref.get('name')}" if group else f"{kind}/{ref.get('name')}"
            break
    return [_name(obj), controller, int(obj.get("revision") or 0), _age(obj, now)]


def _has_condition(status: Obj, ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in status.get("conditions") or [])


def job_status(obj: Obj) -> str:
    status = obj.get("status") or {}
    if _has_condition(status, "Complete"):
        return "Complete"
    if _has_condition(status, "Failed"):
        return "Failed"
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    if _has_condition(status, "FailureTarget"):
        return "FailureTarget"
    if _has_condition(status, "Suspended"):
        return "Suspended"
    return "Running"


def job_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = int(status.get("succeeded") or 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{int(spec['completions'])}"
    else:
        parallelism = int(spec.get("parallelism") or 0)
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start = parse_time(status.get("startTime") or "")
    done = parse_time(status.get("completionTime") or "")
    duration = ""
    if start is not None:
        duration = human_duration((done if done is not None else now) - start)
    template = {"spec": {"template": spec.get("template") or {}}}
    names, images = _template_containers(template)
    return [_name(obj), job_status(obj), completions, duration, _age(obj, now), names, images,
            format_label_selector(spec.get("selector"))]


def cronjob_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = _template_containers({"spec": {"template": job_spec.get("template") or {}}})
    last = status.get("lastScheduleTime")
    return [_name(obj), spec.get("schedule", ""), spec.get("timeZone") or "<none>", bool(spec.get("suspend")),
            len(status.get("active") or []), since(last, now) if last else "<none>", _age(obj, now), names, images,
            format_label_selector(job_spec.get("selector"))]


# -- storage -----------------------------------------------------------------------------------------------------
def access_modes(modes: list[str] | None) -> str:
    """``GetAccessModesAsString``: the short forms, in the canonical order."""
    present = set(modes or [])
    return ",".join(short for mode, short in _ACCESS_MODE_SHORT.items() if mode in present)


def _claim_class(obj: Obj) -> str:
    spec = obj.get("spec") or {}
    beta = ((obj.get("metadata") or {}).get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
    return beta if beta is not None else spec.get("storageClassName") or ""


def pvc_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    phase = status.get("phase", "")
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        phase = "Terminating"
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = str((status.get("capacity") or {}).get("storage", ""))
    return [_name(obj), phase, spec.get("volumeName", ""), capacity, modes, _claim_class(obj),
            spec.get("volumeAttributesClassName") or "<unset>", _age(obj, now), spec.get("volumeMode") or "<unset>"]


def pv_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("claimRef") or {}
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""
    phase = status.get("phase", "")
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        phase = "Terminating"
    return [_name(obj), str((spec.get("capacity") or {}).get("storage", "")), access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase, claim, _claim_class(obj),
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""), _age(obj, now),
            spec.get("volumeMode") or "<unset>"]


def storageclass_cells(obj: Obj, now: float) -> list[Cell]:
    name = _name(obj)
    ann = (obj.get("metadata") or {}).get("annotations") or {}
    if ann.get("storageclass.kubernetes.io/is-default-class") == "true" or \
            ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy") or "Delete",
            obj.get("volumeBindingMode") or "Immediate", bool(obj.get("allowVolumeExpansion")), _age(obj, now)]


# -- policy, RBAC, discovery, coordination ----------------------------------------------------------------------
def pdb_cells(obj: Obj, now: float) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    min_available = "N/A" if spec.get("minAvailable") is None else str(spec["minAvailable"])
    max_unavailable = "N/A" if spec.get("maxUnavailable") is None else str(spec["maxUnavailable"])
    return [_name(obj), min_available, max_unavailable, int(status.get("disruptionsAllowed") or 0), _age(obj, now)]


def role_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), _created_at(obj)]


def binding_cells(obj: Obj, now: float) -> list[Cell]:
    ref = obj.get("roleRef") or {}
    users, groups, sas = [], [], []
    for s in obj.get("subjects") or []:
        if s.get("kind") == "User":
            users.append(s.get("name", ""))
        elif s.get("kind") == "Group":
            groups.append(s.get("name", ""))
        elif s.get("kind") == "ServiceAccount":
            sas.append(f"{s.get('namespace', '')}/{s.get('name', '')}")
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(obj, now), ", ".join(users),
            ", ".join(groups), ", ".join(sas)]


def _more(items: list[str], limit: int = 3) -> str:
    if not items:
        return "<unset>"
    text = ",".join(items[:limit])
    return f"{text} + {len(items) - limit} more..." if len(items) > limit else text


def endpointslice_cells(obj: Obj, now: float) -> list[Cell]:
    ports = [str(p.get("port")) for p in obj.get("ports") or [] if p.get("port") is not None]
    addresses = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_name(obj), obj.get("addressType", ""), ",".join(ports) or "<unset>", _more(addresses), _age(obj, now)]


def lease_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), (obj.get("spec") or {}).get("holderIdentity") or "<none>", _age(obj, now)]


def priorityclass_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), int(obj.get("value") or 0), bool(obj.get("globalDefault")), _age(obj, now),
            obj.get("preemptionPolicy") or "PreemptLowerPriority"]


def ingressclass_cells(obj: Obj, now: float) -> list[Cell]:
    spec = obj.get("spec") or {}
    params = spec.get("parameters")
    shown = "<none>"
    if params:
        group = params.get("apiGroup") or "k8s.io"
        shown = f"{params.get('kind')}.{group}/{params.get('name')}"
    return [_name(obj), spec.get("controller", ""), shown, _age(obj, now)]


def networkpolicy_cells(obj: Obj, now: float) -> list[Cell]:
    from .tables import label_selector_string  # noqa: PLC0415

    selector = label_selector_string((obj.get("spec") or {}).get("podSelector"))
    return [_name(obj), selector or "<none>", _age(obj, now)]


def resourcequota_cells(obj: Obj, now: float) -> list[Cell]:
    """``printResourceQuota``: ``resource: used/hard`` for requests and for limits, sorted by name."""
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests, limits = [], []
    for name in sorted(hard):
        text = f"{name}: {used.get(name, '0')}/{hard[name]}"
        (limits if name.startswith("limits.") else requests).append(text)
    return [_name(obj), _age(obj, now), ", ".join(requests), ", ".join(limits)]


def created_at_cells(obj: Obj, now: float) -> list[Cell]:
    return [_name(obj), _created_at(obj)]


PRINTERS: dict[str, Printer] = {
    "statefulsets.apps": Printer((
        NAME, _c("Ready", "Number of the pod with ready state"), AGE, _CONTAINERS, _IMAGES), statefulset_cells),
    "daemonsets.apps": Printer((
        NAME,
        _c("Desired", "The total number of nodes that should be running the daemon pod (including nodes "
                      "correctly running the daemon pod).", "integer"),
        _c("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
                      "daemon pod.", "integer"),
        _c("Ready", "numberReady is the number of nodes that should be running the daemon pod and have one or "
                    "more of the daemon pod running with a Ready Condition.", "integer"),
        _c("Up-to-date", "The total number of nodes that are running updated daemon pod", "integer"),
        _c("Available", "The number of nodes that should be running the daemon pod and have one or more of the "
                        "daemon pod running and available (ready for at least spec.minReadySeconds)", "integer"),
        _c("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
        AGE, _CONTAINERS, _IMAGES,
        _c("Selector", "A label query over pods that are managed by the daemon set.", priority=1),
    ), daemonset_cells),
    "controllerrevisions.apps": Printer((
        NAME,
        _c("Controller", "Controller of the object"),
        _c("Revision", "Revision indicates the revision of the state represented by Data.", "integer"),
        AGE,
    ), controllerrevision_cells),
    "jobs.batch": Printer((
        NAME,
        _c("Status", "Status of the job."),
        _c("Completions", "The completion status of the job"),
        _c("Duration", "Time required to complete the job."),
        AGE, _CONTAINERS, _IMAGES,
        _c("Selector", "A label query over pods that should match the pod count.", priority=1),
    ), job_cells),
    "cronjobs.batch": Printer((
        NAME,
        _c("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        _c("Timezone", "The time zone name for the given schedule, see "
                       "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
        _c("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to "
                      "already started executions.  Defaults to false.", "boolean"),
        _c("Active", "A list of pointers to currently running jobs.", "integer"),
        _c("Last Schedule", "Information when was the last time the job was successfully scheduled."),
        AGE, _CONTAINERS, _IMAGES,
        _c("Selector", "A label query over pods that should match the pod count.", priority=1),
    ), cronjob_cells),
    "persistentvolumeclaims": Printer((
        NAME,
        _c("Status", "phase represents the current phase of PersistentVolumeClaim."),
        _c("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        _c("Capacity", "capacity represents the actual resources of the underlying volume."),
        _c("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
        _c("StorageClass", "storageClassName is the name of the StorageClass required by the claim."),
        _c("VolumeAttributesClass", "volumeAttributesClassName may be used to set the VolumeAttributesClass used "
                                    "by this claim."),
        AGE,
        _c("VolumeMode", "volumeMode defines what type of volume is required by the claim.", priority=1),
    ), pvc_cells),
    "persistentvolumes": Printer((
        NAME,
        _c("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
        _c("Access Modes", "accessModes contains all ways the volume can be mounted."),
        _c("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when "
                             "released from its claim."),
        _c("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
        _c("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and "
                    "PersistentVolumeClaim."),
        _c("StorageClass", "storageClassName is the name of StorageClass to which this persistent volume "
                           "belongs."),
        _c("VolumeAttributesClass", "Name of VolumeAttributesClass to which this persistent volume belongs."),
        _c("Reason", "reason is a brief CamelCase string that describes any failure."),
        AGE,
        _c("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or "
                         "to remain in raw block state.", priority=1),
    ), pv_cells),
    "storageclasses.storage.k8s.io": Printer((
        NAME,
        _c("Provisioner", "provisioner indicates the type of the provisioner."),
        _c("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
                            "PersistentVolumes of this storage class."),
        _c("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned "
                                "and bound."),
        _c("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand.",
           "boolean"),
        AGE,
    ), storageclass_cells),
    "poddisruptionbudgets.policy": Printer((
        NAME,
        _c("Min Available", "The minimum number of pods that must be available."),
        _c("Max Unavailable", "The maximum number of pods that may be unavailable."),
        _c("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", "integer"),
        AGE,
    ), pdb_cells),
    "roles.rbac.authorization.k8s.io": Printer((NAME, _RBAC_DATE), role_cells),
    "clusterroles.rbac.authorization.k8s.io": Printer((NAME, _RBAC_DATE), role_cells),
    "rolebindings.rbac.authorization.k8s.io": Printer((
        NAME,
        _c("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
                   "namespace."),
        AGE,
        _c("Users", "Users in the roleBinding", priority=1),
        _c("Groups", "Groups in the roleBinding", priority=1),
        _c("ServiceAccounts", "ServiceAccounts in the roleBinding", priority=1),
    ), binding_cells),
    "clusterrolebindings.rbac.authorization.k8s.io": Printer((
        NAME,
        _c("Role", "RoleRef can only reference a ClusterRole in the global namespace."),
        AGE,
        _c("Users", "Users in the clusterRoleBinding", priority=1),
        _c("Groups", "Groups in the clusterRoleBinding", priority=1),
        _c("ServiceAccounts", "ServiceAccounts in the clusterRoleBinding", priority=1),
    ), binding_cells),
    "endpointslices.discovery.k8s.io": Printer((
        NAME,
        _c("AddressType", "The IP protocol for this slice"),
        _c("Ports", "The ports contained in this slice."),
        _c("Endpoints", "Endpoints contained in this slice."),
        AGE,
    ), endpointslice_cells),
    "leases.coordination.k8s.io": Printer((
        NAME,
        _c("Holder", "The holder of the lease."),
        AGE,
    ), lease_cells),
    "priorityclasses.scheduling.k8s.io": Printer((
        NAME,
        _c("Value", "The value of this priority class.", "integer"),
        _c("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the "
                             "default priority.", "boolean"),
        AGE,
        _c("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority."),
    ), priorityclass_cells),
    "ingressclasses.networking.k8s.io": Printer((
        NAME,
        _c("Controller", "Controller that is responsible for handling this class"),
        _c("Parameters", "A reference to a resource with additional parameters"),
        AGE,
    ), ingressclass_cells),
    "networkpolicies.networking.k8s.io": Printer((
        NAME,
        _c("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."),
        AGE,
    ), networkpolicy_cells),
    "customresourcedefinitions.apiextensions.k8s.io": Printer((NAME, _RBAC_DATE), created_at_cells),
    "limitranges": Printer((NAME, _RBAC_DATE), created_at_cells),
    "resourcequotas": Printer((
        NAME, AGE,
        _c("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
        _c("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of "
                    "contention on the node."),
    ), resourcequota_cells),
}


# -- custom resources --------------------------------------------------------------------------------------------
_DEFAULT_CR_COLUMNS = (PrinterColumn("Age", "date", ".metadata.creationTimestamp"),)


def _typed_cell(column: PrinterColumn, value: Any, now: float) -> Cell | None:
    """``cellForJSONValue`` of the apiextensions table convertor (strings printed as JSONPath prints them)."""
    if value is None:
        return None
    kind = column.type
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            import orjson  # noqa: PLC0415

            return orjson.dumps(value).decode()
        return str(value)
    if kind == "integer":
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if kind == "number":
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "date":
        if not isinstance(value, str):
            return None
        t = parse_time(value)
        return "<invalid>" if t is None else human_duration(now - t)
    return None


@lru_cache(maxsize=256)
def custom_printer(columns: tuple[PrinterColumn, ...]) -> Printer:
    """The Table printer of a custom resource version with these ``additionalPrinterColumns``."""
    cols = columns or _DEFAULT_CR_COLUMNS
    defs = (NAME, *(Column(c.name, c.type, c.format, c.description, c.priority) for c in cols))

    def cells(obj: Obj, now: float) -> list[Cell]:
        out: list[Any] = [_name(obj)]
        for col in cols:
            found, value = find_first(col.json_path, obj)
            out.append(_typed_cell(col, value, now) if found else None)
        return out

    return Printer(defs, cells)


def printer_for_custom(rt: ResourceType) -> Printer:
    return custom_printer(rt.printer_columns or ())
