""""Why is it stuck?": a plain-language explanation of a workload or pod from its status, conditions and events.

``explain(snapshot, kind, namespace, name, now=...)`` returns an ``Explanation``: a headline, whether anything is
stuck, and the causes, each with the pods it holds up, what to do, and the actions the app can offer (the burst
to the virtual node when capacity is the cause). Causes recognised:

- a Deployment rollout stalled (``ProgressDeadlineExceeded``) or paused, and on which pods; ReplicaSets that
  cannot create pods (quota, admission);
- Pending pods: not enough cpu/memory/pod slots, taints, nodeSelector/affinity, PVC binding, cordoned nodes —
  with the node that came closest and what it lacks (``scheduling``);
- image pulls failing (``ErrImagePull``/``ImagePullBackOff``): the reason in plain words and how long it has
  been trying;
- CrashLoopBackOff: exit code and what it usually means, the OOMKilled flag and memory limit, and the last lines
  of the previous run's log;
- containers that cannot be configured (``CreateContainerConfigError``) or mounted (``FailedMount``);
- failing readiness/liveness probes (``Unhealthy`` events);
- pods stuck terminating.

Logs are not fetched here: an explanation lists ``log_requests`` (the previous run of container X of pod Y);
the caller fetches them (``logs.stream``) and calls ``explain`` again with ``logs={(ns, pod, container):
lines}``. Pure: no I/O, no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..actions.burst import BURST_LABEL, PlanError, virtual_placement
from ..cluster.podstatus import pod_status
from ..cluster.quantity import format_age, parse_time
from . import markdown as md
from .scheduling import (
    AFFINITY,
    CORDONED,
    CPU,
    MEMORY,
    OTHER,
    PODS,
    TAINT,
    fit_nodes,
    parse_scheduler_message,
)
from .snapshot import (
    DAEMONSET,
    DEPLOYMENT,
    JOB,
    NODE,
    POD,
    PVC,
    REPLICASET,
    STATEFULSET,
    STORAGECLASS,
    Obj,
    ObjRef,
    Snapshot,
    controller_of,
    event_count,
    event_first_time,
    event_time,
    meta_of,
    pods_of,
    ref_of,
    workload_of,
)

REVISION = "deployment.kubernetes.io/revision"
LOG_TAIL = 20
RECENT_PROBE_SECONDS = 600.0  # probe failures older than this are history, not the current cause
SLOW_PULL_SECONDS = 120.0

# Cause codes.
ROLLOUT_STALLED = "rollout-stalled"
ROLLOUT_PAUSED = "rollout-paused"
ROLLOUT_PROGRESSING = "rollout-progressing"
CREATE_FAILED = "create-failed"
INSUFFICIENT_CPU = "insufficient-cpu"
INSUFFICIENT_MEMORY = "insufficient-memory"
INSUFFICIENT_PODS = "insufficient-pods"
INSUFFICIENT_OTHER = "insufficient-resources"
TAINTED = "taint"
NODE_AFFINITY = "affinity"
PVC_BINDING = "pvc-binding"
NODES_CORDONED = "cordoned"
UNSCHEDULABLE = "unschedulable"
SCHEDULING = "scheduling"
IMAGE_PULL = "image-pull"
SLOW_PULL = "slow-pull"
CRASH_LOOP = "crash-loop"
OOM_KILLED = "oom-killed"
EXITED = "exited"
CONFIG_MISSING = "config-missing"
MOUNT_FAILED = "mount-failed"
PROBE_FAILING = "probe-failing"
TERMINATING = "terminating"
CAPACITY_CODES = frozenset({INSUFFICIENT_CPU, INSUFFICIENT_MEMORY, INSUFFICIENT_PODS, INSUFFICIENT_OTHER})

_KIND_TO_CODE = {CPU: INSUFFICIENT_CPU, MEMORY: INSUFFICIENT_MEMORY, PODS: INSUFFICIENT_PODS,
                 OTHER: INSUFFICIENT_OTHER, TAINT: TAINTED, AFFINITY: NODE_AFFINITY, CORDONED: NODES_CORDONED,
                 "pvc": PVC_BINDING}
_CODE_PREFERENCE = (PVC_BINDING, INSUFFICIENT_CPU, INSUFFICIENT_MEMORY, INSUFFICIENT_PODS, INSUFFICIENT_OTHER,
                    NODE_AFFINITY, TAINTED, NODES_CORDONED)

EXIT_CODES = {
    0: "it exited successfully, but a long-running container must not exit (does its command end?)",
    1: "the application failed (see its log)",
    2: "the program crashed (a Go panic or a shell usage error exits 2)",
    126: "the command is not executable",
    127: "the command was not found in the image",
    128: "the container runtime could not start the command",
    134: "it aborted (SIGABRT)",
    137: "it was killed with SIGKILL (the OOM killer, or a failed liveness probe)",
    139: "it crashed with a segmentation fault (SIGSEGV)",
    143: "it was stopped with SIGTERM",
}


@dataclass(frozen=True, slots=True)
class LogRequest:
    """A log the explanation wants: the previous (crashed) run of one container, last ``tail`` lines."""

    namespace: str
    pod: str
    container: str
    previous: bool = True
    tail: int = LOG_TAIL

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.pod, self.container)


@dataclass(frozen=True, slots=True)
class Offer:
    """An action the app can take about a cause (``burst``: the burst to the virtual node of ``target``)."""

    action: str
    label: str
    target: ObjRef


@dataclass(frozen=True)
class Cause:
    """One reason something is stuck, with the pods it holds up."""

    code: str
    title: str
    details: tuple[str, ...] = ()
    pods: tuple[str, ...] = ()
    fix: str = ""
    offers: tuple[Offer, ...] = ()
    log: LogRequest | None = None
    log_lines: tuple[str, ...] = ()
    since: float | None = None  # when it started, when known

    @property
    def group_key(self) -> tuple[str, str]:
        return (self.code, self.title)


@dataclass(frozen=True)
class Explanation:
    """The answer to "why is it stuck?" for one object."""

    target: ObjRef
    headline: str
    stuck: bool
    status: tuple[str, ...] = ()
    causes: tuple[Cause, ...] = ()
    log_requests: tuple[LogRequest, ...] = field(default=())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.causes)

    @property
    def offers(self) -> tuple[Offer, ...]:
        seen: dict[tuple[str, ObjRef], Offer] = {}
        for c in self.causes:
            for o in c.offers:
                seen.setdefault((o.action, o.target), o)
        return tuple(seen.values())

    def lines(self) -> list[str]:
        """The explanation as plain lines (for a text view or a test)."""
        out = [self.headline]
        out += [f"  {s}" for s in self.status]
        for c in self.causes:
            out.append("")
            out.append(f"● {c.title}")
            if c.pods:
                out.append(f"  pods: {', '.join(c.pods[:6])}{' …' if len(c.pods) > 6 else ''}")
            out += [f"  {d}" for d in c.details]
            if c.log_lines:
                out.append(f"  last lines of the previous run of {c.log.container if c.log else 'the container'}:")
                out += [f"    {line}" for line in c.log_lines]
            elif c.log:
                out.append(f"  (previous log of container {c.log.container} of {c.log.pod}: not read yet)")
            if c.fix:
                out.append(f"  fix: {c.fix}")
            for o in c.offers:
                out.append(f"  offer: {o.label}")
        return out

    def to_markdown(self) -> str:
        out = [f"### {md.escape(self.target.title)}: {md.escape(self.headline)}", ""]
        out += [f"- {md.escape(s)}" for s in self.status]
        for c in self.causes:
            out += ["", f"**{md.escape(c.title)}**", ""]
            if c.pods:
                out.append(f"- pods: {md.escape(', '.join(c.pods))}")
            out += [f"- {md.escape(d)}" for d in c.details]
            if c.fix:
                out.append(f"- fix: {md.escape(c.fix)}")
            if c.log_lines:
                out += ["", md.code_block(c.log_lines)]
        return "\n".join(out) + "\n"


# -- small helpers -----------------------------------------------------------------------------------------------

def _ago(now: float, t: float | None) -> str:
    return format_age(now - t) if t is not None else "?"


def _condition(obj: Mapping[str, Any], ctype: str) -> Mapping[str, Any] | None:
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def _container_events(events: Sequence[Obj], container: str) -> list[Obj]:
    path = f"{{{container}}}"
    return [e for e in events if (e.get("involvedObject") or {}).get("fieldPath", "").endswith(path)]


def _limit_text(pod: Mapping[str, Any], container: str) -> str:
    for c in (pod.get("spec") or {}).get("containers") or ():
        if c.get("name") == container:
            limit = ((c.get("resources") or {}).get("limits") or {}).get("memory")
            return str(limit) if limit else ""
    return ""


def _pull_problem(message: str, reason: str) -> tuple[str, str]:
    """(what went wrong, what to do) from an image pull error message."""
    m = message.lower()
    if reason == "InvalidImageName":
        return "the image reference is malformed", "fix the image name in the pod template"
    if reason == "ErrImageNeverPull":
        return "imagePullPolicy is Never and the image is not on the node", "use IfNotPresent or preload the image"
    if "not found" in m or "manifest unknown" in m or "no such manifest" in m:
        return "the image or tag does not exist in the registry", \
            "check the tag (a typo, or a tag that was never pushed) and set the right image"
    if any(w in m for w in ("unauthorized", "authentication required", "denied", "403 forbidden", "401")):
        return "the registry refused the pull (credentials)", \
            "add or fix imagePullSecrets (a docker-registry Secret) for this registry"
    if "toomanyrequests" in m or "rate limit" in m:
        return "the registry rate-limits the pulls", "authenticate the pulls or use a mirror"
    if any(w in m for w in ("no such host", "i/o timeout", "dial tcp", "tls handshake", "connection refused",
                            "network is unreachable")):
        return "the node cannot reach the registry", "check the node's DNS, egress and proxy to the registry"
    return "the image cannot be pulled", "check the image name and the registry"


# -- pods --------------------------------------------------------------------------------------------------------

@dataclass
class _Context:
    snapshot: Snapshot
    now: float
    logs: Mapping[tuple[str, str, str], Sequence[str]]
    requests: list[LogRequest] = field(default_factory=list)


def _burst_offer(ctx: _Context, pod: Obj) -> tuple[Offer, ...]:
    """The burst to the virtual node, when the pod belongs to a Deployment and a virtual node exists."""
    if not ctx.snapshot.has(NODE) or (meta_of(pod).get("labels") or {}).get(BURST_LABEL) == "true":
        return ()
    owner = workload_of(ctx.snapshot, POD, pod)
    if owner.kind != DEPLOYMENT:
        return ()
    try:
        placement = virtual_placement(ctx.snapshot.objects(NODE))
    except PlanError:
        return ()
    return (Offer("burst", f"burst {owner.name} to the virtual node {', '.join(placement.names)} (x)", owner),)


def _pvc_details(ctx: _Context, pod: Obj) -> list[str]:
    ns = meta_of(pod).get("namespace") or ""
    out: list[str] = []
    for vol in (pod.get("spec") or {}).get("volumes") or ():
        claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
        if not claim:
            continue
        if not ctx.snapshot.has(PVC):
            out.append(f"volume {vol.get('name')} uses PersistentVolumeClaim {claim}")
            continue
        pvc = ctx.snapshot.by_name(PVC, ns, claim)
        if pvc is None:
            out.append(f"PersistentVolumeClaim {claim} (volume {vol.get('name')}) does not exist")
            continue
        phase = (pvc.get("status") or {}).get("phase", "")
        if phase == "Bound":
            continue
        cls = (pvc.get("spec") or {}).get("storageClassName")
        line = f"PersistentVolumeClaim {claim} is {phase or 'not bound'}"
        if cls and ctx.snapshot.has(STORAGECLASS) and ctx.snapshot.by_name(STORAGECLASS, None, cls) is None:
            line += f": its StorageClass {cls} does not exist"
        events = [e for e in ctx.snapshot.events_for(ref_of(PVC, pvc)) if e.get("type") == "Warning"]
        if events:
            line += f" ({events[-1].get('reason', '')}: {events[-1].get('message', '')})"
        out.append(line)
    return out


def _pending(ctx: _Context, pod: Obj, events: list[Obj]) -> list[Cause]:
    name = meta_of(pod).get("name", "")
    cond = _condition(pod, "PodScheduled")
    since = parse_time((cond or {}).get("lastTransitionTime")) or parse_time(meta_of(pod).get("creationTimestamp"))
    if cond and cond.get("reason") == "SchedulingGated":
        return [Cause(SCHEDULING, "Pending: scheduling gates hold it back", pods=(name,),
                      details=tuple(f"gate {g.get('name')}" for g in (pod.get("spec") or {}).get("schedulingGates") or ()),
                      fix="the controller that added the gate removes it when ready", since=since)]
    failed = [e for e in events if e.get("reason") == "FailedScheduling"]
    message = (cond or {}).get("message") or (failed[-1].get("message", "") if failed else "")
    if not message and not (cond and cond.get("status") == "False"):
        return [Cause(SCHEDULING, "Pending: waiting for the scheduler", pods=(name,), since=since,
                      details=(f"created {_ago(ctx.now, since)} ago; no scheduling decision yet",))]
    parsed = parse_scheduler_message(message)
    details: list[str] = [f"scheduler: {message}"] if message else []
    fits = fit_nodes(pod, ctx.snapshot.objects(NODE), ctx.snapshot.objects(POD)) if ctx.snapshot.has(NODE) else []
    code = ""
    if "pvc" in parsed.kinds:
        code = PVC_BINDING
    elif fits and not fits[0].fits:
        closest = fits[0]
        code = _KIND_TO_CODE.get(closest.kinds[0], UNSCHEDULABLE)
        if closest.only_resources:
            code = next(_KIND_TO_CODE[k] for k in (CPU, MEMORY, PODS, OTHER) if k in closest.kinds)
        details.append(f"closest node: {closest.node} — " + "; ".join(closest.problems))
        others: dict[str, list[str]] = {}
        for fit in fits[1:]:
            others.setdefault("; ".join(fit.problems) or "fits now", []).append(fit.node)
        for problems, nodes in others.items():
            details.append(f"{', '.join(nodes)}: {problems}")
        if not ctx.snapshot.all_namespaces(POD):
            details.append("(free capacity counts only the pods visible here; other namespaces' pods use some too)")
    else:
        code = next((c for c in _CODE_PREFERENCE if any(_KIND_TO_CODE.get(k) == c for k in parsed.kinds)),
                    UNSCHEDULABLE)
        if fits and fits[0].fits:
            details.append(f"node {fits[0].node} has room now: the scheduler retries when the cluster changes")
    titles = {
        INSUFFICIENT_CPU: ("Pending: not enough free CPU on any node",
                           "add nodes (or let the autoscaler), lower the CPU request, or burst to the virtual node"),
        INSUFFICIENT_MEMORY: ("Pending: not enough free memory on any node",
                              "add nodes, lower the memory request, or burst to the virtual node"),
        INSUFFICIENT_PODS: ("Pending: every node runs its maximum number of pods",
                            "add nodes or burst to the virtual node"),
        INSUFFICIENT_OTHER: ("Pending: no node has the extended resource it requests",
                             "add a node pool with that resource"),
        TAINTED: ("Pending: the nodes have taints the pod does not tolerate",
                  "add a toleration for the taint, or schedule it to untainted nodes"),
        NODE_AFFINITY: ("Pending: no node matches its nodeSelector/affinity",
                        "fix the nodeSelector/affinity, or label a node to match"),
        PVC_BINDING: ("Pending: its PersistentVolumeClaim is not bound",
                      "fix the claim (StorageClass, size, access mode) so it can bind"),
        NODES_CORDONED: ("Pending: the nodes it could use are cordoned or NotReady",
                         "uncordon a node (kubectl uncordon NODE) or fix the NotReady node"),
        UNSCHEDULABLE: ("Pending: the scheduler found no node", "read the scheduler's message below"),
    }
    title, fix = titles.get(code, titles[UNSCHEDULABLE])
    if code == PVC_BINDING:
        details += _pvc_details(ctx, pod)
    if since is not None:
        details.insert(0, f"Pending for {_ago(ctx.now, since)}")
    offers = _burst_offer(ctx, pod) if code in CAPACITY_CODES else ()
    return [Cause(code, title, tuple(details), (name,), fix, offers, since=since)]


def _waiting_cause(ctx: _Context, pod: Obj, cs: Mapping[str, Any], events: list[Obj], init: bool) -> Cause | None:
    meta = meta_of(pod)
    name, ns = meta.get("name", ""), meta.get("namespace", "")
    cname = cs.get("name", "?")
    prefix = "init container" if init else "container"
    state = cs.get("state") or {}
    waiting = state.get("waiting") or {}
    reason = waiting.get("reason") or ""
    message = waiting.get("message") or ""
    last = (cs.get("lastState") or {}).get("terminated") or {}
    restarts = int(cs.get("restartCount") or 0)
    cevents = _container_events(events, cname)
    if reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"):
        image = cs.get("image") or next((c.get("image", "") for c in (pod.get("spec") or {}).get("containers") or ()
                                         if c.get("name") == cname), "")
        failures = [e for e in cevents if e.get("reason") == "Failed" and "ailed to pull" in e.get("message", "")]
        failure = failures[-1].get("message", "") if failures else ""
        detail_msg = message if message and not message.startswith("Back-off") else failure or message
        what, fix = _pull_problem(f"{message} {failure}", reason)
        pulling = [e for e in cevents if e.get("reason") == "Pulling"]
        since = min((event_first_time(e) for e in pulling), default=None) or parse_time(
            (pod.get("status") or {}).get("startTime"))
        attempts = sum(event_count(e) for e in pulling)
        details = [f"image {image}: {what}"]
        if detail_msg:
            details.append(f"{reason}: {detail_msg}")
        if since is not None:
            details.append(f"trying to pull for {_ago(ctx.now, since)}"
                           + (f" ({attempts} attempts)" if attempts else ""))
        return Cause(IMAGE_PULL, f"{reason}: {prefix} {cname} cannot pull its image", tuple(details), (name,), fix,
                     since=since)
    if reason == "CrashLoopBackOff" or (last and restarts and reason not in ("ContainerCreating",
                                                                             "PodInitializing")):
        code_ = last.get("exitCode")
        oom = last.get("reason") == "OOMKilled"
        details = []
        ran = ""
        started, finished = parse_time(last.get("startedAt")), parse_time(last.get("finishedAt"))
        if started is not None and finished is not None:
            ran = f" after running {format_age(max(finished - started, 0))}"
        if code_ is not None:
            meaning = EXIT_CODES.get(int(code_), "")
            if oom:
                meaning = "the kernel killed it for using more memory than its limit"
            details.append(f"last run ended{ran} with exit code {code_}"
                           + (f" ({last.get('reason')})" if last.get("reason") else "")
                           + (f": {meaning}" if meaning else "")
                           + (f", {_ago(ctx.now, finished)} ago" if finished is not None else ""))
        if oom:
            limit = _limit_text(pod, cname)
            details.append(f"OOMKilled: yes (memory limit {limit or 'none'})")
        details.append(f"restarted {restarts} times" + (f"; {message}" if message else ""))
        req = LogRequest(ns, name, cname)
        ctx.requests.append(req)
        lines = tuple(ctx.logs.get(req.key) or ())
        code = OOM_KILLED if oom else CRASH_LOOP
        title = (f"CrashLoopBackOff: {prefix} {cname} keeps getting OOMKilled" if oom
                 else f"CrashLoopBackOff: {prefix} {cname} keeps crashing (exit code {code_})" if reason ==
                 "CrashLoopBackOff" else f"{prefix} {cname} crashed and restarted {restarts} times")
        fix = ("raise its memory limit (or find what uses the memory)" if oom
               else "read the previous run's log below; roll back if a new version broke it")
        return Cause(code, title, tuple(details), (name,), fix, log=req, log_lines=lines,
                     since=finished)
    if reason in ("CreateContainerConfigError", "CreateContainerError", "RunContainerError"):
        return Cause(CONFIG_MISSING if reason == "CreateContainerConfigError" else EXITED,
                     f"{reason}: {prefix} {cname} cannot start", (message,) if message else (), (name,),
                     "create the missing Secret/ConfigMap (or key), or fix the reference"
                     if reason == "CreateContainerConfigError" else "read the message; often a bad command or mount")
    if reason in ("ContainerCreating", "PodInitializing", ""):
        mounts = [e for e in events if e.get("reason") in ("FailedMount", "FailedAttachVolume")]
        if mounts:
            return Cause(MOUNT_FAILED, f"ContainerCreating: a volume cannot be mounted ({mounts[-1].get('reason')})",
                         (mounts[-1].get("message", ""), f"{event_count(mounts[-1])} times, last "
                          f"{_ago(ctx.now, event_time(mounts[-1]))} ago"), (name,),
                         "create what the volume refers to (Secret, ConfigMap, PVC) or fix the volume",
                         since=event_first_time(mounts[0]))
        pulling = [e for e in cevents if e.get("reason") == "Pulling"]
        pulled = [e for e in cevents if e.get("reason") == "Pulled"]
        if pulling and not pulled:
            since = event_first_time(pulling[0])
            if ctx.now - since >= SLOW_PULL_SECONDS:
                return Cause(SLOW_PULL, f"ContainerCreating: still pulling {cs.get('image', '')}",
                             (f"pulling for {_ago(ctx.now, since)}",), (name,),
                             "large image or slow registry: wait, or use a smaller image / a closer mirror",
                             since=since)
    return None


def _probe_cause(ctx: _Context, pod: Obj, events: list[Obj]) -> Cause | None:
    name = meta_of(pod).get("name", "")
    unhealthy = [e for e in events if e.get("reason") == "Unhealthy"
                 and ctx.now - event_time(e) <= RECENT_PROBE_SECONDS]
    if not unhealthy:
        return None
    kinds: dict[str, list[Obj]] = {}
    for e in unhealthy:
        msg = e.get("message", "")
        kind = msg.split(" probe failed", 1)[0] if " probe failed" in msg else "Probe"
        kinds.setdefault(kind, []).append(e)
    details: list[str] = []
    for kind, evs in sorted(kinds.items()):
        last = evs[-1]
        count = sum(event_count(e) for e in evs)
        container = (last.get("involvedObject") or {}).get("fieldPath", "")
        where = f" ({container.split('{', 1)[1].rstrip('}')})" if "{" in container else ""
        details.append(f"{kind} probe failed {count} times{where}, last {_ago(ctx.now, event_time(last))} ago: "
                       f"{last.get('message', '').split(': ', 1)[-1]}")
    for c in (pod.get("spec") or {}).get("containers") or ():
        probe = c.get("readinessProbe") if "Readiness" in kinds else c.get("livenessProbe")
        if probe and (get := probe.get("httpGet")):
            details.append(f"container {c.get('name')} probe: GET :{get.get('port')}{get.get('path', '/')} every "
                           f"{probe.get('periodSeconds', 10)}s, {probe.get('failureThreshold', 3)} failures allowed")
    title = "Probes failing: " + " and ".join(k.lower() for k in sorted(kinds)) + " probe"
    fix = ("make the health endpoint answer (is a dependency down?), or fix the probe's path/port/timeout"
           + ("; a failing liveness probe restarts the container" if "Liveness" in kinds else ""))
    return Cause(PROBE_FAILING, title, tuple(details), (name,), fix, since=event_first_time(unhealthy[0]))


def pod_causes(snapshot: Snapshot, pod: Obj, *, now: float,
               logs: Mapping[tuple[str, str, str], Sequence[str]] | None = None) -> list[Cause]:
    """Why one pod is not running and ready ([] when it is fine)."""
    ctx = _Context(snapshot, now, logs or {})
    return _pod_causes(ctx, pod)


def _pod_causes(ctx: _Context, pod: Obj) -> list[Cause]:
    meta = meta_of(pod)
    status = pod.get("status") or {}
    name = meta.get("name", "")
    events = ctx.snapshot.events_for(ref_of(POD, pod))
    if meta.get("deletionTimestamp"):
        since = parse_time(meta["deletionTimestamp"])
        grace = int(meta.get("deletionGracePeriodSeconds") or 30)
        if since is not None and ctx.now - since > grace + 30:
            finalizers = meta.get("finalizers") or []
            return [Cause(TERMINATING, f"Terminating for {_ago(ctx.now, since)}", tuple(
                [f"finalizers: {', '.join(finalizers)}"] if finalizers else
                [f"node {(pod.get('spec') or {}).get('nodeName') or '?'} has not confirmed the containers stopped"]),
                (name,), "find what holds the finalizer, or check the node (kubectl delete --force only as a last "
                "resort)", since=since)]
        return []
    phase = status.get("phase", "")
    if phase in ("Succeeded",):
        return []
    if not (pod.get("spec") or {}).get("nodeName"):
        return _pending(ctx, pod, events)
    causes: list[Cause] = []
    for init, key in ((True, "initContainerStatuses"), (False, "containerStatuses")):
        for cs in status.get(key) or ():
            if init and (((cs.get("state") or {}).get("terminated") or {}).get("exitCode") == 0):
                continue
            cause = _waiting_cause(ctx, pod, cs, events, init)
            if cause is not None:
                causes.append(cause)
        if causes:
            break
    ready = (_condition(pod, "Ready") or {}).get("status") == "True"
    if not ready or any(c.code in (CRASH_LOOP, OOM_KILLED) for c in causes):
        probe = _probe_cause(ctx, pod, events)
        if probe is not None:
            causes.append(probe)
    if phase == "Failed" and not causes:
        causes.append(Cause(EXITED, f"Failed: {status.get('reason') or 'its containers exited with errors'}",
                            (status.get("message", ""),) if status.get("message") else (), (name,)))
    return causes


def _merge(causes: Iterable[Cause]) -> list[Cause]:
    """Causes with the same code and title merged, their pods listed together (the first's details kept)."""
    merged: dict[tuple[str, str], Cause] = {}
    for c in causes:
        key = c.group_key
        if key in merged:
            prev = merged[key]
            pods = tuple(dict.fromkeys(prev.pods + c.pods))
            merged[key] = replace(prev, pods=pods, offers=tuple(dict.fromkeys(prev.offers + c.offers)),
                                  since=min((t for t in (prev.since, c.since) if t is not None), default=None))
        else:
            merged[key] = c
    return list(merged.values())


# -- workloads ---------------------------------------------------------------------------------------------------

def _revision(rs: Mapping[str, Any]) -> int:
    try:
        return int((meta_of(rs).get("annotations") or {}).get(REVISION) or 0)
    except ValueError:
        return 0


def _images(obj: Mapping[str, Any]) -> str:
    spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return ", ".join(c.get("image", "") for c in spec.get("containers") or ())


def _ready(pod: Mapping[str, Any]) -> bool:
    return (_condition(pod, "Ready") or {}).get("status") == "True"


def _deployment(ctx: _Context, obj: Obj) -> tuple[str, bool, list[str], list[Cause]]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ns = meta_of(obj).get("namespace") or ""
    want = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    status_lines = [f"{ready}/{want} ready, {updated} updated, {available} available"]
    rs_list = [rs for rs in ctx.snapshot.objects(REPLICASET, ns)
               if (controller_of(rs) or {}).get("uid") == meta_of(obj).get("uid")]
    rs_list.sort(key=_revision)
    new_rs = rs_list[-1] if rs_list else None
    old_serving = [rs for rs in rs_list[:-1] if int((rs.get("status") or {}).get("replicas") or 0) > 0]
    pods = pods_of(ctx.snapshot, DEPLOYMENT, obj)
    causes: list[Cause] = []
    progressing = _condition(obj, "Progressing") or {}
    stalled = progressing.get("status") == "False" and progressing.get("reason") == "ProgressDeadlineExceeded"
    new_pods = [p for p in pods if new_rs is not None and (controller_of(p) or {}).get("uid") ==
                meta_of(new_rs).get("uid")]
    rolling = new_rs is not None and (updated < want or old_serving)
    for rs in rs_list[-2:]:
        for ev in ctx.snapshot.events_for(ref_of(REPLICASET, rs)):
            if ev.get("reason") == "FailedCreate" and ctx.now - event_time(ev) <= RECENT_PROBE_SECONDS:
                causes.append(Cause(CREATE_FAILED, f"ReplicaSet {meta_of(rs).get('name')} cannot create pods",
                                    (ev.get("message", ""),), (),
                                    "usually a ResourceQuota, LimitRange or admission webhook: read the message"))
                break
    if spec.get("paused"):
        causes.append(Cause(ROLLOUT_PAUSED, "The rollout is paused (spec.paused)", (), (),
                            f"kubectl -n {ns} rollout resume deployment/{meta_of(obj).get('name')}"))
    if new_rs is not None and (stalled or rolling):
        not_ready = [p for p in new_pods if not _ready(p)]
        rev = _revision(new_rs)
        since = parse_time(progressing.get("lastTransitionTime") if stalled else None)
        if stalled:
            title = f"Rollout to revision {rev} stalled: progress deadline exceeded"
            if since is not None:
                title += f" {_ago(ctx.now, since)} ago"
            code = ROLLOUT_STALLED
        else:
            title = f"Rollout to revision {rev} in progress"
            code = ROLLOUT_PROGRESSING
        new_ready = len(new_pods) - len(not_ready)
        details = [f"revision {rev} ({_images(new_rs)}): {new_ready} of {want} new pods ready"]
        for rs in old_serving:
            details.append(f"revision {_revision(rs)} ({_images(rs)}) keeps serving "
                           f"{int((rs.get('status') or {}).get('readyReplicas') or 0)} ready pods")
        if not_ready:
            details.append("waiting on pods: " + ", ".join(meta_of(p).get("name", "") for p in not_ready))
        fix = (f"fix the new pods (see below), or roll back: kubectl -n {ns} rollout undo deployment/"
               f"{meta_of(obj).get('name')}") if stalled else ""
        causes.append(Cause(code, title, tuple(details), tuple(meta_of(p).get("name", "") for p in not_ready), fix,
                            since=since))
    pod_causes_: list[Cause] = []
    for p in sorted(pods, key=lambda p: meta_of(p).get("name", "")):
        if _ready(p) and not meta_of(p).get("deletionTimestamp"):
            continue
        pod_causes_ += _pod_causes(ctx, p)
    causes += _merge(pod_causes_)
    stuck = bool(stalled or spec.get("paused") or any(c.code not in (ROLLOUT_PROGRESSING,) for c in causes))
    name = meta_of(obj).get("name", "")
    if stalled:
        headline = f"{name}: the rollout is stuck"
    elif causes and stuck:
        headline = f"{name}: {ready}/{want} ready — {causes[0].title}"
    elif rolling:
        headline = f"{name}: rolling out ({updated}/{want} updated), nothing stuck yet"
    else:
        headline = f"{name}: nothing is stuck — {ready}/{want} ready" + (
            f", revision {_revision(new_rs)} rolled out" if new_rs is not None else "")
    return headline, stuck, status_lines, causes


def _generic_workload(ctx: _Context, kind: str, obj: Obj) -> tuple[str, bool, list[str], list[Cause]]:
    name = meta_of(obj).get("name", "")
    status = obj.get("status") or {}
    pods = pods_of(ctx.snapshot, kind, obj)
    if kind == DAEMONSET:
        want = int(status.get("desiredNumberScheduled") or 0)
        ready = int(status.get("numberReady") or 0)
    elif kind == JOB:
        want = int((obj.get("spec") or {}).get("completions") or 1)
        ready = int(status.get("succeeded") or 0)
    else:
        spec_replicas = (obj.get("spec") or {}).get("replicas")
        want = 1 if spec_replicas is None else int(spec_replicas)
        ready = int(status.get("readyReplicas") or 0)
    status_lines = [f"{ready}/{want} {'succeeded' if kind == JOB else 'ready'}, {len(pods)} pods"]
    causes: list[Cause] = []
    for p in sorted(pods, key=lambda p: meta_of(p).get("name", "")):
        if _ready(p) or (p.get("status") or {}).get("phase") == "Succeeded":
            continue
        causes += _pod_causes(ctx, p)
    causes = _merge(causes)
    if causes:
        headline = f"{name}: {ready}/{want} {'done' if kind == JOB else 'ready'} — {causes[0].title}"
    else:
        headline = f"{name}: nothing is stuck — {ready}/{want} {'done' if kind == JOB else 'ready'}"
    return headline, bool(causes), status_lines, causes


def explain(snapshot: Snapshot, kind: str, namespace: str, name: str, *, now: float,
            logs: Mapping[tuple[str, str, str], Sequence[str]] | None = None) -> Explanation:
    """Why ``kind namespace/name`` is stuck (or that it is not). ``logs`` maps (namespace, pod, container) to the
    previous run's last lines, for the ``log_requests`` of an earlier call."""
    ctx = _Context(snapshot, now, logs or {})
    obj = snapshot.by_name(kind, namespace, name)
    target = ObjRef(kind, namespace, name)
    if obj is None:
        return Explanation(target, f"{kind} {namespace}/{name} is not in the cluster (deleted?)", False)
    target = ref_of(kind, obj)
    if kind == POD:
        causes = _pod_causes(ctx, obj)
        ps = pod_status(obj)
        status_lines = [f"{ps.reason}, {ps.ready_text} ready, {ps.restarts} restarts"
                        + (f", on node {(obj.get('spec') or {}).get('nodeName')}" if (obj.get("spec") or {}).get(
                            "nodeName") else "")]
        headline = f"{name}: {causes[0].title}" if causes else f"{name}: nothing is stuck — {ps.reason}"
        return Explanation(target, headline, bool(causes), tuple(status_lines), tuple(causes), tuple(ctx.requests))
    if kind == DEPLOYMENT:
        headline, stuck, status_lines, causes = _deployment(ctx, obj)
    elif kind in (STATEFULSET, DAEMONSET, REPLICASET, JOB):
        headline, stuck, status_lines, causes = _generic_workload(ctx, kind, obj)
    else:
        return Explanation(target, f"no stuck analysis for a {kind}", False)
    return Explanation(target, headline, stuck, tuple(status_lines), tuple(causes), tuple(ctx.requests))


__all__ = ["CAPACITY_CODES", "EXIT_CODES", "Cause", "Explanation", "LogRequest", "Offer", "explain", "pod_causes"]
