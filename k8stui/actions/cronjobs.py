"""CronJobs: trigger one now (``t``) and suspend/resume (``p``).

Trigger creates the Job ``kubectl create job NAME --from=cronjob/CJ`` creates: the CronJob's job template
(labels, annotations and spec), the ``cronjob.kubernetes.io/instantiate: manual`` annotation and an
ownerReference to the CronJob (so deleting the CronJob deletes it, and the CronJob's history counts it); the
name is the CronJob's plus ``-manual-`` and a random suffix (kubectl makes the user choose one). Suspend sets
``spec.suspend`` (guarded, undoable): running Jobs go on, no new ones start.
"""

from __future__ import annotations

import copy
import secrets
import string
from typing import Any

from .client import ObjectRef
from .fields import field_change
from .images import CRONJOBS, JOBS
from .plan import Plan, PlanError, Session, Write

INSTANTIATE = "cronjob.kubernetes.io/instantiate"
MAX_JOB_NAME = 63
_ALPHABET = string.ascii_lowercase + string.digits


def cronjob_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(CRONJOBS, namespace, name)


def manual_job_name(cronjob: str, suffix: str | None = None) -> str:
    suffix = suffix or "".join(secrets.choice(_ALPHABET) for _ in range(5))
    tail = f"-manual-{suffix}"
    return cronjob[: MAX_JOB_NAME - len(tail)].rstrip("-.") + tail


def job_from_cronjob(cronjob: dict[str, Any], name: str) -> dict[str, Any]:
    """The Job ``kubectl create job NAME --from=cronjob/...`` sends."""
    meta = cronjob.get("metadata") or {}
    template = copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
    tmeta = template.get("metadata") or {}
    annotations = {INSTANTIATE: "manual", **(tmeta.get("annotations") or {})}
    job_meta: dict[str, Any] = {"name": name, "namespace": meta.get("namespace"), "annotations": annotations,
                                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                                     "name": meta.get("name"), "uid": meta.get("uid"),
                                                     "controller": True}]}
    if tmeta.get("labels"):
        job_meta["labels"] = dict(tmeta["labels"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_meta, "spec": template.get("spec") or {}}


async def plan_trigger(session: Session, namespace: str, name: str, job_name: str | None = None) -> Plan:
    ref = cronjob_ref(namespace, name)
    obj = await session.read(ref)
    job = manual_job_name(name) if job_name is None else job_name
    body = job_from_cronjob(obj, job)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    last = status.get("lastScheduleTime") or "never"
    active = len(status.get("active") or ())
    warnings = []
    if active and spec.get("concurrencyPolicy") == "Forbid":
        warnings.append(f"{active} Job(s) of this CronJob are running and its concurrencyPolicy is Forbid: this "
                        "manual Job runs anyway (the policy only applies to scheduled runs)")
    if spec.get("suspend"):
        warnings.append("the CronJob is suspended: this manual Job runs anyway")
    write = Write("create", ObjectRef(JOBS, namespace, job), body, summary=f"Job {job} from the job template")
    images = ", ".join(c.get("image", "") for c in ((body["spec"].get("template") or {}).get("spec") or {})
                       .get("containers") or ())
    return session.new_plan("trigger", ref, f"schedule {spec.get('schedule', '?')}, last run {last}",
                            f"Job {job} started now", [write], warnings=warnings,
                            details=[f"annotation {INSTANTIATE}=manual, owned by CronJob {name}",
                                     f"image(s): {images or '-'}"])


async def plan_suspend(session: Session, namespace: str, name: str, suspend: bool | None = None) -> Plan:
    """Suspend (``True``), resume (``False``) or toggle (``None``) a CronJob."""
    ref = cronjob_ref(namespace, name)
    obj = await session.read(ref)
    now = bool((obj.get("spec") or {}).get("suspend"))
    target = (not now) if suspend is None else suspend
    if target == now:
        raise PlanError(f"{ref} is {'already suspended' if now else 'not suspended'}: nothing to change")
    write, undo = field_change(ref, obj, {"/spec/suspend": target}, f"spec.suspend {str(now).lower()} → "
                                                                     f"{str(target).lower()}")
    active = len((obj.get("status") or {}).get("active") or ())
    details = ([f"{active} running Job(s) are not stopped"] if target and active else []) + \
        ([f"next runs follow the schedule {obj['spec'].get('schedule', '?')}"] if not target else [])
    return session.new_plan("suspend" if target else "resume", ref, "suspended" if now else "active",
                            "suspended" if target else "active", [write], details=details, undo=undo)


__all__ = ["INSTANTIATE", "cronjob_ref", "job_from_cronjob", "manual_job_name", "plan_suspend", "plan_trigger"]
