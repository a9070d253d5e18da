"""The Job controller: pods that run to completion, retried up to ``backoffLimit`` (pkg/controller/job).

Keeps ``min(parallelism, completions - succeeded)`` pods active (with ``completions`` unset: ``parallelism``
pods until one succeeds), recreates failed ones after the pod-failure back-off (10 s doubling, scaled), and
finishes the Job with ``Complete`` (``completionTime`` set) or ``Failed`` (``BackoffLimitExceeded`` or
``DeadlineExceeded`` for ``activeDeadlineSeconds``), deleting pods still running. ``suspend`` deletes the
active pods and adds ``Suspended``; ``ttlSecondsAfterFinished`` deletes a finished Job (its pods go with it
through the garbage collector). Status: startTime, active, ready, succeeded, failed, terminating,
uncountedTerminatedPods, conditions. Whether a container succeeds is the kubelet's business (kubelet.py: a
pod with restartPolicy Never/OnFailure runs its ``sleep N`` and exits with its ``exit N``).
"""

from __future__ import annotations

import time

from ..errors import ApiError
from ..events import record_event
from ..resources import JOBS, PODS
from ..store import now_iso
from .base import Controller
from .replicaset import NAME_ALPHABET
from .util import Obj, controller_ref, is_pod_ready, owner_ref, parse_time

COMPONENT = "job-controller"
MAX_BACKOFF = 360.0


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def finished(job: Obj) -> str | None:
    """``Complete`` or ``Failed`` when the Job has finished, else None."""
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    return None


def _pod_signature(pod: Obj | None) -> tuple | None:
    if pod is None:
        return None
    status = pod.get("status") or {}
    restarts = sum(int(cs.get("restartCount") or 0) for cs in status.get("containerStatuses") or [])
    ready = next((c.get("status") for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    return (status.get("phase"), ready, restarts, pod["metadata"].get("deletionTimestamp"))


def _condition(ctype: str, now: str, reason: str = "", message: str = "") -> Obj:
    c: Obj = {"type": ctype, "status": "True", "lastProbeTime": now, "lastTransitionTime": now}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


class JobController(Controller):
    name = "job"

    def on_change(self, change) -> None:
        if change.rt is JOBS:
            self.enqueue_own_change(change)
        elif change.rt is PODS:
            self.enqueue_pod_owner(change, "Job", _pod_signature)

    def resync_all(self) -> None:
        for job in self.store.iter_objects(JOBS):
            self.queue.add(_key(job))

    def sync(self, key: tuple[str, str]) -> None:
        job = self.store.get(JOBS, *key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        done = finished(job)
        if done:
            self._ttl(job)
            return
        spec = job.get("spec") or {}
        status = dict(job.get("status") or {})
        uid = job["metadata"]["uid"]
        pods = [p for p in self.index.pods_of(uid) if (controller_ref(p) or {}).get("uid") == uid]
        phases = [(p.get("status") or {}).get("phase") for p in pods]
        succeeded = max(int(status.get("succeeded") or 0), phases.count("Succeeded"))
        failed = max(int(status.get("failed") or 0), phases.count("Failed"))
        active = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
                  and not p["metadata"].get("deletionTimestamp")]
        terminating = [p for p in pods if p["metadata"].get("deletionTimestamp")
                       and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        now = now_iso()
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Suspended"]
        if spec.get("suspend"):
            for pod in active:
                self._delete(job, pod)
            if not any(c.get("type") == "Suspended" for c in status.get("conditions") or []):
                record_event(self.store, job, "Normal", "Suspended", "Job suspended", COMPONENT)
            conditions.append(_condition("Suspended", now, "JobSuspended", "Job suspended"))
            self._write(job, {**status, "active": 0, "conditions": conditions}, drop=("startTime",))
            return
        if not status.get("startTime"):
            status["startTime"] = now
        backoff_limit = int(spec.get("backoffLimit", 6))
        restarts = 0
        if ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") == "OnFailure":
            restarts = sum(int(cs.get("restartCount") or 0) for p in active
                           for cs in (p.get("status") or {}).get("containerStatuses") or [])
        completions = spec.get("completions")
        deadline = spec.get("activeDeadlineSeconds")
        outcome: tuple[str, str, str] | None = None
        if failed + restarts > backoff_limit:
            outcome = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif deadline is not None and time.time() - parse_time(status["startTime"]) >= int(deadline):
            outcome = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        elif (completions is not None and succeeded >= int(completions)) or \
                (completions is None and succeeded > 0 and not active):
            outcome = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        if outcome is not None:
            ctype, reason, message = outcome
            for pod in active:
                self._delete(job, pod)
            if ctype == "Complete":
                conditions.append(_condition("SuccessCriteriaMet", now, reason, message))
                status["completionTime"] = now
                record_event(self.store, job, "Normal", "Completed", "Job completed", COMPONENT)
            else:
                conditions.append(_condition("FailureTarget", now, reason, message))
                record_event(self.store, job, "Warning", reason, message, COMPONENT)
            conditions.append(_condition(ctype, now, reason, message))
            self._write(job, {**status, "active": 0, "ready": 0, "succeeded": succeeded, "failed": failed,
                              "terminating": 0, "conditions": conditions})
            self._ttl(self.store.get(JOBS, *key) or job)
            return
        parallelism = int(spec.get("parallelism", 1) or 0)
        want = parallelism if completions is None else min(parallelism, int(completions) - succeeded)
        if completions is None and succeeded > 0:
            want = 0
        missing = max(0, want - len(active))
        if missing:
            wait = self._backoff_left(failed, pods)
            if wait > 0:
                self.enqueue_after(key, wait)
            else:
                for _ in range(missing):
                    created = self._create(job)
                    if created is not None:
                        active.append(created)
        if deadline is not None:
            left = parse_time(status["startTime"]) + int(deadline) - time.time()
            self.enqueue_after(key, max(0.05, left + 0.05))
        self._write(job, {**status, "active": len(active), "ready": sum(1 for p in active if is_pod_ready(p)),
                          "succeeded": succeeded, "failed": failed, "terminating": len(terminating),
                          "conditions": conditions})

    def _backoff_left(self, failed: int, pods: list[Obj]) -> float:
        """Seconds until the next pod may be created after ``failed`` failures (10 s doubling, scaled)."""
        if failed <= 0:
            return 0.0
        last = max((parse_time(((cs.get("state") or {}).get("terminated") or {}).get("finishedAt"))
                    for p in pods if (p.get("status") or {}).get("phase") == "Failed"
                    for cs in (p.get("status") or {}).get("containerStatuses") or []), default=0.0)
        delay = self.sim.delay(min(MAX_BACKOFF, 10.0 * 2 ** (failed - 1)))
        return max(0.0, last + delay - time.time())

    def _create(self, job: Obj) -> Obj | None:
        meta = job["metadata"]
        template = (job.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        rng = self.ctx.rng
        while True:
            name = f"{meta['name']}-{''.join(rng.choice(NAME_ALPHABET) for _ in range(5))}"
            if self.store.get(PODS, meta["namespace"], name) is None:
                break
        pod_meta: Obj = {"name": name, "generateName": meta["name"] + "-", "namespace": meta["namespace"],
                         "labels": dict(tmeta.get("labels") or {}), "ownerReferences": [owner_ref(job)]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        import copy  # noqa: PLC0415

        try:
            pod = self.store.create(PODS, {"metadata": pod_meta, "spec": copy.deepcopy(template.get("spec") or {})})
        except ApiError as exc:
            record_event(self.store, job, "Warning", "FailedCreate", f"Error creating: {exc.message}", COMPONENT)
            self.enqueue_after(_key(job), self.sim.delay(1.0))
            return None
        record_event(self.store, job, "Normal", "SuccessfulCreate", f"Created pod: {name}", COMPONENT)
        return pod

    def _delete(self, job: Obj, pod: Obj) -> None:
        meta = pod["metadata"]
        try:
            self.store.delete(PODS, meta["namespace"], meta["name"])
        except ApiError:
            return
        record_event(self.store, job, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}", COMPONENT)

    def _write(self, job: Obj, status: Obj, drop: tuple[str, ...] = ()) -> None:
        status = {k: v for k, v in status.items() if k not in drop}
        status.setdefault("uncountedTerminatedPods", {})
        for k in ("active", "succeeded", "failed"):
            if not status.get(k):
                status.pop(k, None)
        if not status.get("conditions"):
            status.pop("conditions", None)
        if status == (job.get("status") or {}):
            return

        def put(obj: Obj) -> None:
            obj["status"] = status

        self.store.mutate(JOBS, job["metadata"]["namespace"], job["metadata"]["name"], put)

    def _ttl(self, job: Obj) -> None:
        """The TTL-after-finished controller: delete the Job ``ttlSecondsAfterFinished`` after it finished."""
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        if ttl is None:
            return
        ended = max((parse_time(c.get("lastTransitionTime")) for c in (job.get("status") or {}).get("conditions") or []
                     if c.get("type") in ("Complete", "Failed")), default=time.time())
        left = ended + int(ttl) - time.time()
        if left > 0:
            self.enqueue_after(_key(job), left + 0.05)
            return
        try:
            self.store.delete(JOBS, job["metadata"]["namespace"], job["metadata"]["name"])
        except ApiError:
            pass
