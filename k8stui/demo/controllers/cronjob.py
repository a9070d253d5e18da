"""The CronJob controller: a Job per scheduled time, history limits, suspend (pkg/controller/cronjob).

Schedules are standard five-field cron specs (and ``@hourly``-style descriptors) in ``spec.timeZone`` or UTC,
read with croniter (a maintained cron parser; robfig/cron's semantics for these specs). At each scheduled
time the controller creates ``<cronjob>-<minutes since epoch>`` from ``jobTemplate`` (owned by the CronJob,
annotated with ``batch.kubernetes.io/cronjob-scheduled-timestamp``), honouring ``concurrencyPolicy``
(Allow/Forbid/Replace), ``startingDeadlineSeconds`` and ``suspend``; it keeps ``status.active``,
``lastScheduleTime`` and ``lastSuccessfulTime``, and deletes finished Jobs beyond
``successfulJobsHistoryLimit``/``failedJobsHistoryLimit`` (oldest first; their pods go with them).

Schedules run on the wall clock. ``fire`` (``POST /_demo/cronjobs/fire``) runs a CronJob's next schedule now,
so tests and demos need not wait for the minute: the scheduled time it records is the current minute, or the
minute after the last one it scheduled when that is later.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ..errors import ApiError, bad_request, not_found
from ..events import record_event
from ..resources import CRONJOBS, JOBS
from ..store import now_iso
from .base import Controller
from .job import finished
from .util import Obj, controller_ref, owner_ref, parse_time

COMPONENT = "cronjob-controller"
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _zone(cj: Obj) -> Any:
    tz = (cj.get("spec") or {}).get("timeZone")
    if tz:
        import zoneinfo  # noqa: PLC0415

        try:
            return zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return UTC
    return UTC


def _iter(cj: Obj, start: float) -> Any:
    from croniter import croniter  # noqa: PLC0415

    schedule = (cj.get("spec") or {}).get("schedule", "").strip()
    schedule = _DESCRIPTORS.get(schedule, schedule)
    if schedule.startswith("@every "):
        return None
    return croniter(schedule, datetime.fromtimestamp(start, _zone(cj)))


def most_recent(cj: Obj, after: float, now: float) -> float | None:
    """The latest scheduled time in (after, now], or None."""
    it = _iter(cj, now + 0.001)
    if it is None:
        return None
    t = it.get_prev(datetime).timestamp()
    return t if t > after else None


def next_after(cj: Obj, now: float) -> float | None:
    it = _iter(cj, now)
    return None if it is None else it.get_next(datetime).timestamp()


def _ref(job: Obj) -> Obj:
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"],
            "apiVersion": "batch/v1", "resourceVersion": meta.get("resourceVersion", "")}


class CronJobController(Controller):
    name = "cronjob"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._timers: dict[tuple[str, str], Any] = {}

    def on_change(self, change) -> None:
        if change.rt is CRONJOBS:
            key = _key(change.obj)
            if change.type == "DELETED":
                self.queue.discard(key)
                self.ctx.cancel(self._timers.pop(key, None))
                return
            old = change.old
            if old is not None and old.get("spec") == change.obj.get("spec"):
                return
            self.queue.add(key)
        elif change.rt is JOBS:
            for job in (change.old, change.obj):
                ref = controller_ref(job) if job is not None else None
                if ref and ref.get("kind") == "CronJob":
                    if change.type == "MODIFIED" and finished(change.old) == finished(change.obj):
                        continue
                    self.queue.add((job["metadata"].get("namespace", ""), ref.get("name")))

    def resync_all(self) -> None:
        for cj in self.store.iter_objects(CRONJOBS):
            self.queue.add(_key(cj))

    def _jobs(self, cj: Obj) -> list[Obj]:
        uid = cj["metadata"]["uid"]
        out = []
        for rt_key, ns, name in list(self.index.dependents.get(uid, ())):
            if rt_key != JOBS.key:
                continue
            job = self.store.get(JOBS, ns, name)
            if job is not None and (controller_ref(job) or {}).get("uid") == uid:
                out.append(job)
        return out

    def sync(self, key: tuple[str, str]) -> None:
        cj = self.store.get(CRONJOBS, *key)
        if cj is None or cj["metadata"].get("deletionTimestamp"):
            return
        spec = cj.get("spec") or {}
        status = dict(cj.get("status") or {})
        jobs = self._jobs(cj)
        status = self._track(cj, jobs, status)
        self._cleanup(cj, jobs)
        now = time.time()
        if not spec.get("suspend"):
            last = parse_time(status.get("lastScheduleTime")) or parse_time(cj["metadata"].get("creationTimestamp"))
            scheduled = most_recent(cj, last, now)
            deadline = spec.get("startingDeadlineSeconds")
            if scheduled is not None and (deadline is None or now - scheduled <= int(deadline)):
                status = self._run(cj, scheduled, status, jobs)
        self._write(cj, status)
        self._arm(cj, now)

    def _arm(self, cj: Obj, now: float) -> None:
        key = _key(cj)
        self.ctx.cancel(self._timers.pop(key, None))
        if (cj.get("spec") or {}).get("suspend"):
            return
        nxt = next_after(cj, now)
        if nxt is None:
            return

        def fire() -> None:
            self._timers.pop(key, None)
            self.queue.add(key)
            self.ctx.wake()

        self._timers[key] = self.ctx.call_later(max(0.05, nxt - time.time() + 0.05), fire)

    def _track(self, cj: Obj, jobs: list[Obj], status: Obj) -> Obj:
        """Keep ``status.active`` to running Jobs; note finished ones (``SawCompletedJob``)."""
        by_uid = {j["metadata"]["uid"]: j for j in jobs}
        active = []
        for ref in status.get("active") or []:
            job = by_uid.get(ref.get("uid"))
            if job is None:
                continue
            outcome = finished(job)
            if outcome:
                record_event(self.store, cj, "Normal", "SawCompletedJob",
                             f"Saw completed job: {job['metadata']['name']}, status: {outcome}", COMPONENT)
                if outcome == "Complete":
                    done = (job.get("status") or {}).get("completionTime")
                    if done and done > (status.get("lastSuccessfulTime") or ""):
                        status["lastSuccessfulTime"] = done
                continue
            active.append(_ref(job))
        known = {r["uid"] for r in active}
        for job in jobs:
            if job["metadata"]["uid"] not in known and not finished(job) and \
                    not job["metadata"].get("deletionTimestamp"):
                active.append(_ref(job))
        if active:
            status["active"] = sorted(active, key=lambda r: r["name"])
        else:
            status.pop("active", None)
        return status

    def _cleanup(self, cj: Obj, jobs: list[Obj]) -> None:
        spec = cj.get("spec") or {}
        for outcome, field, default in (("Complete", "successfulJobsHistoryLimit", 3),
                                        ("Failed", "failedJobsHistoryLimit", 1)):
            limit = spec.get(field, default)
            if limit is None:
                continue
            done = sorted((j for j in jobs if finished(j) == outcome and not j["metadata"].get("deletionTimestamp")),
                          key=lambda j: ((j.get("status") or {}).get("startTime") or
                                         j["metadata"].get("creationTimestamp", ""), j["metadata"]["name"]))
            for job in done[:max(0, len(done) - int(limit))]:
                try:
                    self.store.delete(JOBS, job["metadata"]["namespace"], job["metadata"]["name"])
                except ApiError:
                    continue
                record_event(self.store, cj, "Normal", "SuccessfulDelete",
                             f"Deleted job {job['metadata']['name']}", COMPONENT)

    def _run(self, cj: Obj, scheduled: float, status: Obj, jobs: list[Obj]) -> Obj:
        spec = cj.get("spec") or {}
        meta = cj["metadata"]
        active = status.get("active") or []
        policy = spec.get("concurrencyPolicy", "Allow")
        stamp = now_iso(scheduled)
        if active and policy == "Forbid":
            record_event(self.store, cj, "Normal", "JobAlreadyActive",
                         "Not starting job because prior execution is running and concurrency policy is Forbid",
                         COMPONENT)
            return status
        if active and policy == "Replace":
            for ref in active:
                try:
                    self.store.delete(JOBS, ref["namespace"], ref["name"])
                except ApiError:
                    continue
                record_event(self.store, cj, "Normal", "SuccessfulDelete", f"Deleted job {ref['name']}", COMPONENT)
            status["active"] = active = []
        template = spec.get("jobTemplate") or {}
        tmeta = template.get("metadata") or {}
        name = f"{meta['name']}-{int(scheduled // 60)}"
        annotations = dict(tmeta.get("annotations") or {})
        annotations[SCHEDULED_ANNOTATION] = stamp
        job = {"metadata": {"name": name, "namespace": meta["namespace"], "labels": dict(tmeta.get("labels") or {}),
                            "annotations": annotations, "ownerReferences": [owner_ref(cj)]},
               "spec": dict(template.get("spec") or {})}
        try:
            created = self.store.create(JOBS, job)
        except ApiError as exc:
            if exc.code == 409:  # already created for this time (a restarted controller)
                status["lastScheduleTime"] = stamp
                return status
            record_event(self.store, cj, "Warning", "FailedCreate", f"Error creating job: {exc.message}", COMPONENT)
            return status
        record_event(self.store, cj, "Normal", "SuccessfulCreate", f"Created job {name}", COMPONENT)
        status["active"] = sorted([*active, _ref(created)], key=lambda r: r["name"])
        status["lastScheduleTime"] = stamp
        return status

    def _write(self, cj: Obj, status: Obj) -> None:
        if status == (cj.get("status") or {}):
            return

        def put(obj: Obj) -> None:
            obj["status"] = status

        self.store.mutate(CRONJOBS, cj["metadata"]["namespace"], cj["metadata"]["name"], put)

    # -- /_demo/cronjobs/fire --------------------------------------------------------------------------------------
    def fire(self, namespace: str, name: str) -> Obj:
        """Run the CronJob's next schedule now (a test and demo aid); returns the Job created."""
        cj = self.store.get(CRONJOBS, namespace, name)
        if cj is None:
            raise not_found("cronjobs.batch", name)
        status = dict(cj.get("status") or {})
        minute = time.time() // 60 * 60
        last = parse_time(status.get("lastScheduleTime"))
        scheduled = max(minute, last + 60) if last else minute
        jobs = self._jobs(cj)
        status = self._track(cj, jobs, status)
        status = self._run(cj, scheduled, status, jobs)
        if status.get("lastScheduleTime") != now_iso(scheduled):
            raise bad_request(f"cronjob {namespace}/{name} did not start a job (concurrencyPolicy "
                              f"{(cj.get('spec') or {}).get('concurrencyPolicy', 'Allow')})")
        self._write(cj, status)
        job = self.store.get(JOBS, namespace, f"{name}-{int(scheduled // 60)}")
        return job or {}
