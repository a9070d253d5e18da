"""Defaulting and validation of the workload, batch, storage, policy, RBAC and CRD kinds.

``admission.py`` calls these for every create and update (HTTP writes, dry-runs and the controllers alike), so
``kubectl get -o yaml`` shows the fields the real API server fills in (a StatefulSet's ``updateStrategy``, a
Job's generated selector and labels, a PVC's default StorageClass, a CRD's status) and bad objects get the
real server's 422 causes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .selectors import match_labels

if TYPE_CHECKING:
    from .resources import ResourceType
    from .store import Store

Obj = dict[str, Any]
Cause = tuple[str, Any, str]

DEFAULT_SC_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BETA_DEFAULT_SC_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class"
JOB_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"
_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_CRON_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


# -- validation ------------------------------------------------------------------------------------------------
def causes(store: Store, rt: ResourceType, obj: Obj, old: Obj | None) -> list[Cause]:
    """422 causes for the kinds this module knows (empty for the others)."""
    fn = _VALIDATORS.get(rt.key)
    out = fn(obj) if fn else []
    if old is not None:
        out += _immutable(rt.key, obj, old)
    return out


def _pod_template_causes(template: Any, path: str) -> list[Cause]:
    from .admission import _pod_spec_causes  # noqa: PLC0415 - admission imports this module
    if not isinstance(template, dict):
        return [(path, None, "")]
    return _pod_spec_causes(template.get("spec"), f"{path}.spec")


def _selector_causes(spec: Obj, template_labels: Any) -> list[Cause]:
    selector = spec.get("selector")
    if not selector:
        return [("spec.selector", None, "")]
    if not match_labels(selector, template_labels or {}):
        return [("spec.template.metadata.labels", template_labels, "`selector` does not match template `labels`")]
    return []


def _statefulset(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    template = spec.get("template") or {}
    out = _selector_causes(spec, (template.get("metadata") or {}).get("labels"))
    out += _pod_template_causes(template, "spec.template")
    replicas = spec.get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0):
        out.append(("spec.replicas", replicas, "must be greater than or equal to 0"))
    policy = spec.get("podManagementPolicy")
    if policy not in (None, "OrderedReady", "Parallel"):
        out.append(("spec.podManagementPolicy", policy, 'supported values: "OrderedReady", "Parallel"'))
    for i, claim in enumerate(spec.get("volumeClaimTemplates") or []):
        out += _pvc_spec_causes(claim.get("spec") or {}, f"spec.volumeClaimTemplates[{i}].spec")
    return out


def _daemonset(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    template = spec.get("template") or {}
    out = _selector_causes(spec, (template.get("metadata") or {}).get("labels"))
    out += _pod_template_causes(template, "spec.template")
    restart = ((template.get("spec") or {}).get("restartPolicy"))
    if restart not in (None, "Always"):
        out.append(("spec.template.spec.restartPolicy", restart, 'supported values: "Always"'))
    return out


def _job_spec_causes(spec: Obj, path: str) -> list[Cause]:
    template = spec.get("template") or {}
    out = _pod_template_causes(template, f"{path}.template")
    restart = (template.get("spec") or {}).get("restartPolicy")
    if restart not in ("OnFailure", "Never"):
        out.append((f"{path}.template.spec.restartPolicy", restart,
                    'supported values: "OnFailure", "Never"' if restart else
                    'Required value: valid values: "OnFailure", "Never"'))
    for field in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds",
                  "ttlSecondsAfterFinished"):
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            out.append((f"{path}.{field}", value, "must be greater than or equal to 0"))
    return out


def _job(obj: Obj) -> list[Cause]:
    return _job_spec_causes(obj.get("spec") or {}, "spec")


def valid_schedule(schedule: Any) -> str | None:
    """None when ``schedule`` is a standard cron spec the CronJob controller accepts, else why not."""
    if not isinstance(schedule, str) or not schedule.strip():
        return "Required value"
    text = schedule.strip()
    if text.startswith(("TZ=", "CRON_TZ=")):
        return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    if text.startswith("@"):
        return None if text in _CRON_DESCRIPTORS or text.startswith("@every ") else \
            f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: {text}"
    from croniter import croniter  # noqa: PLC0415 - only CronJob writes need it

    return None if croniter.is_valid(text) else f"invalid schedule: {text}"


def _cronjob(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    out: list[Cause] = []
    problem = valid_schedule(spec.get("schedule"))
    if problem:
        out.append(("spec.schedule", spec.get("schedule"), problem))
    tz = spec.get("timeZone")
    if tz is not None:
        try:
            import zoneinfo  # noqa: PLC0415
            zoneinfo.ZoneInfo(str(tz))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            out.append(("spec.timeZone", tz, "unknown time zone " + str(tz)))
    policy = spec.get("concurrencyPolicy")
    if policy not in (None, "Allow", "Forbid", "Replace"):
        out.append(("spec.concurrencyPolicy", policy, 'supported values: "Allow", "Forbid", "Replace"'))
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    out += _job_spec_causes(job_spec, "spec.jobTemplate.spec")
    return out


def _pvc_spec_causes(spec: Obj, path: str) -> list[Cause]:
    out: list[Cause] = []
    modes = spec.get("accessModes") or []
    if not modes:
        out.append((f"{path}.accessModes", None, "at least 1 access mode is required"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            out.append((f"{path}.accessModes", mode, "supported values: " +
                        ", ".join(f'"{m}"' for m in _ACCESS_MODES)))
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None and not spec.get("volumeName"):
        out.append((f"{path}.resources[storage]", None, "Required value"))
    return out


def _pvc(obj: Obj) -> list[Cause]:
    return _pvc_spec_causes(obj.get("spec") or {}, "spec")


def _pv(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    out: list[Cause] = []
    if not (spec.get("capacity") or {}).get("storage"):
        out.append(("spec.capacity", None, "Required value"))
    if not spec.get("accessModes"):
        out.append(("spec.accessModes", None, "Required value"))
    return out


def _storageclass(obj: Obj) -> list[Cause]:
    return [] if obj.get("provisioner") else [("provisioner", None, "Required value")]


def _pdb(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        return [("spec", spec, "minAvailable and maxUnavailable cannot be both set")]
    return []


def _binding(obj: Obj) -> list[Cause]:
    ref = obj.get("roleRef") or {}
    out: list[Cause] = []
    if ref.get("kind") not in ("Role", "ClusterRole"):
        out.append(("roleRef.kind", ref.get("kind"), 'supported values: "Role", "ClusterRole"'))
    if not ref.get("name"):
        out.append(("roleRef.name", None, "Required value"))
    for i, s in enumerate(obj.get("subjects") or []):
        if s.get("kind") not in ("ServiceAccount", "User", "Group"):
            out.append((f"subjects[{i}].kind", s.get("kind"), 'supported values: "ServiceAccount", "User", "Group"'))
        if not s.get("name"):
            out.append((f"subjects[{i}].name", None, "Required value"))
    return out


def _cluster_binding(obj: Obj) -> list[Cause]:
    out = _binding(obj)
    if (obj.get("roleRef") or {}).get("kind") == "Role":
        out.append(("roleRef.kind", "Role", 'supported values: "ClusterRole"'))
    return out


def _crd(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    group, plural = spec.get("group") or "", names.get("plural") or ""
    out: list[Cause] = []
    if not group:
        out.append(("spec.group", None, "Required value"))
    elif "." not in group:
        out.append(("spec.group", group, "should be a domain with at least one dot"))
    if not plural:
        out.append(("spec.names.plural", None, "Required value"))
    if not names.get("kind"):
        out.append(("spec.names.kind", None, "Required value"))
    name = obj["metadata"].get("name")
    if group and plural and name != f"{plural}.{group}":
        out.append(("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        out.append(("spec.scope", spec.get("scope"), 'supported values: "Cluster", "Namespaced"'))
    versions = spec.get("versions") or []
    if not versions:
        out.append(("spec.versions", None, "must have exactly one version marked as storage version"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        out.append(("spec.versions", versions, "must have exactly one version marked as storage version"))
    for i, v in enumerate(versions):
        if not ((v.get("schema") or {}).get("openAPIV3Schema")):
            out.append((f"spec.versions[{i}].schema.openAPIV3Schema", None, "Required value: schemas are required"))
        for j, col in enumerate(v.get("additionalPrinterColumns") or []):
            from .jsonpath import compile_path  # noqa: PLC0415

            if not col.get("name"):
                out.append((f"spec.versions[{i}].additionalPrinterColumns[{j}].name", None, "Required value"))
            if col.get("type") not in ("integer", "number", "string", "boolean", "date"):
                out.append((f"spec.versions[{i}].additionalPrinterColumns[{j}].type", col.get("type"),
                            'supported values: "boolean", "date", "integer", "number", "string"'))
            if compile_path(col.get("jsonPath") or "") is None:
                out.append((f"spec.versions[{i}].additionalPrinterColumns[{j}].JSONPath", col.get("jsonPath"),
                            "must be a simple json path"))
    return out


_VALIDATORS = {
    "statefulsets.apps": _statefulset,
    "daemonsets.apps": _daemonset,
    "jobs.batch": _job,
    "cronjobs.batch": _cronjob,
    "persistentvolumeclaims": _pvc,
    "persistentvolumes": _pv,
    "storageclasses.storage.k8s.io": _storageclass,
    "poddisruptionbudgets.policy": _pdb,
    "rolebindings.rbac.authorization.k8s.io": _binding,
    "clusterrolebindings.rbac.authorization.k8s.io": _cluster_binding,
    "customresourcedefinitions.apiextensions.k8s.io": _crd,
}


def _immutable(key: str, new: Obj, old: Obj) -> list[Cause]:
    out: list[Cause] = []
    nspec, ospec = new.get("spec") or {}, old.get("spec") or {}
    if key in ("statefulsets.apps", "daemonsets.apps", "jobs.batch"):
        if nspec.get("selector") != ospec.get("selector"):
            out.append(("spec.selector", nspec.get("selector"), "field is immutable"))
    if key == "statefulsets.apps":
        for field in ("serviceName", "volumeClaimTemplates", "podManagementPolicy"):
            if field in nspec and nspec.get(field) != ospec.get(field):
                out.append((f"spec.{field}", nspec.get(field),
                            "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                            "'minReadySeconds' are forbidden"))
                break
    if key == "jobs.batch" and nspec.get("template") != ospec.get("template") and not ospec.get("suspend"):
        out.append(("spec.template", nspec.get("template"), "field is immutable"))
    if key == "persistentvolumeclaims" and old.get("status", {}).get("phase") == "Bound":
        for field in ("accessModes", "storageClassName", "volumeName", "volumeMode"):
            if nspec.get(field) != ospec.get(field):
                out.append(("spec", nspec, "spec is immutable after creation except resources.requests and "
                                           "volumeAttributesClassName for bound claims"))
                break
    if key in ("rolebindings.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"):
        if new.get("roleRef") != old.get("roleRef"):
            out.append(("roleRef", new.get("roleRef"), "cannot change roleRef"))
    if key == "customresourcedefinitions.apiextensions.k8s.io":
        if nspec.get("group") != ospec.get("group"):
            out.append(("spec.group", nspec.get("group"), "field is immutable"))
    if key == "storageclasses.storage.k8s.io":
        for field in ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"):
            if new.get(field) != old.get(field):
                out.append((field, new.get(field), "updates to " + field + " are forbidden."))
    return out


# -- defaulting ------------------------------------------------------------------------------------------------
def _pod_template(template: Obj) -> None:
    from .admission import _default_pod_spec  # noqa: PLC0415

    template.setdefault("metadata", {})
    _default_pod_spec(template.setdefault("spec", {}))


def _claim_template(claim: Obj) -> None:
    claim.setdefault("apiVersion", "v1")
    claim.setdefault("kind", "PersistentVolumeClaim")
    claim.setdefault("metadata", {})
    claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    claim.setdefault("status", {"phase": "Pending"})


def default_storage_class(store: Store) -> str | None:
    """The StorageClass annotated as the default (the newest one when several are, as the admission plugin)."""
    from .resources import STORAGECLASSES  # noqa: PLC0415

    best = None
    for sc in store.iter_objects(STORAGECLASSES):
        ann = sc["metadata"].get("annotations") or {}
        if ann.get(DEFAULT_SC_ANNOTATION) == "true" or ann.get(BETA_DEFAULT_SC_ANNOTATION) == "true":
            if best is None or sc["metadata"].get("creationTimestamp", "") > best["metadata"].get(
                    "creationTimestamp", ""):
                best = sc
    return best["metadata"]["name"] if best else None


def _job_spec(spec: Obj) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if not spec.get("podFailurePolicy"):
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    _pod_template(spec.setdefault("template", {}))


def default(store: Store, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    key = rt.key
    spec = obj.get("spec")
    if key == "statefulsets.apps":
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy["type"] = "RollingUpdate"
            strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        _pod_template(spec.setdefault("template", {}))
        for claim in spec.get("volumeClaimTemplates") or []:
            _claim_template(claim)
        obj.setdefault("status", {"replicas": 0, "availableReplicas": 0})
    elif key == "daemonsets.apps":
        strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy["type"] = "RollingUpdate"
            ru = strategy.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        _pod_template(spec.setdefault("template", {}))
        obj.setdefault("status", {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                                  "numberMisscheduled": 0, "numberReady": 0})
    elif key == "jobs.batch":
        _job_spec(spec)
        uid = obj["metadata"].get("uid", "")
        if old is None and not spec.get("manualSelector") and uid:
            name = obj["metadata"]["name"]
            labels = spec["template"]["metadata"].setdefault("labels", {})
            labels.update({JOB_UID_LABEL: uid, JOB_NAME_LABEL: name, LEGACY_JOB_UID_LABEL: uid,
                           LEGACY_JOB_NAME_LABEL: name})
            spec.setdefault("selector", {"matchLabels": {JOB_UID_LABEL: uid}})
        obj.setdefault("status", {})
    elif key == "cronjobs.batch":
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        job_template = spec.setdefault("jobTemplate", {})
        job_template.setdefault("metadata", {})
        job_spec = job_template.setdefault("spec", {})
        job_spec.setdefault("backoffLimit", 6)
        _pod_template(job_spec.setdefault("template", {}))
        obj.setdefault("status", {})
    elif key == "persistentvolumeclaims":
        spec.setdefault("volumeMode", "Filesystem")
        if "storageClassName" not in spec and old is None:
            sc = default_storage_class(store)
            if sc:
                spec["storageClassName"] = sc
        obj.setdefault("status", {"phase": "Pending"})
    elif key == "persistentvolumes":
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")
        obj.setdefault("status", {"phase": "Pending"})
    elif key == "storageclasses.storage.k8s.io":
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")
    elif key == "poddisruptionbudgets.policy":
        obj.setdefault("status", {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                                  "expectedPods": 0})
    elif key in ("rolebindings.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"):
        for s in obj.get("subjects") or []:
            if s.get("kind") in ("User", "Group"):
                s.setdefault("apiGroup", "rbac.authorization.k8s.io")
    elif key == "priorityclasses.scheduling.k8s.io":
        obj.setdefault("preemptionPolicy", "PreemptLowerPriority")
    elif key == "networkpolicies.networking.k8s.io":
        if not spec.get("policyTypes"):
            types = ["Ingress"]
            if spec.get("egress"):
                types.append("Egress")
            spec["policyTypes"] = types
    elif key == "customresourcedefinitions.apiextensions.k8s.io":
        from .crds import established_status  # noqa: PLC0415
        from .store import now_iso  # noqa: PLC0415

        names = spec.setdefault("names", {})
        names.setdefault("singular", (names.get("kind") or "").lower())
        names.setdefault("listKind", f"{names.get('kind', '')}List")
        spec.setdefault("conversion", {"strategy": "None"})
        obj["status"] = established_status(obj, now_iso(), (old or {}).get("status"))
