"""The kubelets of every node (and the virtual kubelet of ``virtual-node-aci``), simulated per pod.

Each pod bound to a node gets a small state machine per container that reproduces what kubelet reports:
``ContainerCreating`` while the image is pulled (``Pulling``/``Pulled`` events; the pull time grows with the
image size, and a node that already has the image reports "already present on machine"), then
``Created``/``Started``, ``running.startedAt``, and readiness after ``readinessProbe.initialDelaySeconds``.
An image whose tag contains ``broken`` runs about two seconds, panics (its log ends ``exit status 2``) and
exits with code 2 (``Error``), is restarted once at once and then with kubelet's back-off (10s doubling to 5m,
scaled): ``CrashLoopBackOff`` with ``lastState.terminated`` and a growing ``restartCount``. An image that does
not exist never pulls (``ErrImagePull``, then ``ImagePullBackOff`` with back-off): a tag containing
``missing``, or a tag the registry does not have for the public images the simulation knows (``nginx:1.277``,
``grafana/grafana:11.3.O``; KNOWN_TAGS). ``oom`` and ``unready`` tags and unresolvable Secret/ConfigMap
references fail as ``failures`` describes. A pod marked for deletion gets ``Killing`` events and is removed
when its containers have stopped: shortly, or at the end of its grace period for a container that ignores
SIGTERM (PID 1 ``sleep``). Pods that are already running when the controllers start are adopted without any
writes.

Every delay goes through ``SimConfig.delay``; timestamps are wall-clock RFC3339.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..events import record_event
from ..resources import NODES, PODS
from ..store import now_iso
from .base import Controller
from .failures import (
    CONFIG_RETRY_SECONDS,
    READINESS_FAILURE,
    container_spec,
    is_oom_image,
    is_unready_image,
    missing_config,
)
from .util import Obj, go_duration, is_terminal

COMPONENT = "kubelet"
VIRTUAL_COMPONENT = "virtual-kubelet"
VIRTUAL_POD_SUBNET = "10.241.0.0/16"
RUN_SECONDS_BEFORE_CRASH = 2.0
MAX_BACKOFF = 300.0
KILL_SECONDS = 0.6  # graceful stop of a simulated container (capped by the pod's grace period)

# Compressed image sizes in bytes, by repository; others get a stable size from their name.
IMAGE_SIZES: dict[str, int] = {
    "ghcr.io/demo/api": 87_340_112,
    "ghcr.io/demo/frontend": 178_456_903,
    "ghcr.io/demo/checkout": 64_221_870,
    "ghcr.io/demo/legacy-report": 412_778_345,
    "ghcr.io/demo/notes": 52_119_004,
    "ghcr.io/demo/bench": 9_412_330,
    "registry.k8s.io/kube-state-metrics/kube-state-metrics": 17_838_471,
    "mcr.microsoft.com/oss/v2/kubernetes/coredns": 16_190_137,
    "quay.io/prometheus/prometheus": 97_312_808,
    "nginx": 72_950_393,
    "busybox": 2_155_102,
    "redis": 45_612_470,
    "postgres": 152_880_004,
}


def split_image(image: str) -> tuple[str, str]:
    """(repository, tag) of an image reference; tag ``latest`` when none is given."""
    ref = image.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:]
    return ref, "latest"


def image_size(image: str) -> int:
    repo, _ = split_image(image)
    if repo in IMAGE_SIZES:
        return IMAGE_SIZES[repo]
    short = repo.rsplit("/", 1)[-1]
    if short in IMAGE_SIZES:
        return IMAGE_SIZES[short]
    digest = hashlib.sha256(repo.encode()).digest()
    return 30_000_000 + int.from_bytes(digest[:4], "big") % 220_000_000


def pull_seconds(image: str) -> float:
    """Nominal time to pull an image that is not on the node yet (about 150 MB/s plus a fixed cost)."""
    return 0.25 + image_size(image) / 150e6


def image_id(image: str) -> str:
    repo, _ = split_image(image)
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def is_crash_image(image: str) -> bool:
    return "broken" in split_image(image)[1]


# Tags that exist for the public repositories the simulation knows (a full match of the pattern); a pull of any
# other tag of these fails as the registry answers "not found". Other repositories have every tag.
KNOWN_TAGS: dict[str, re.Pattern[str]] = {repo: re.compile(pattern) for repo, pattern in {
    "docker.io/library/nginx": r"(latest|stable|mainline|alpine|perl|1|1\.(1[89]|2[0-9])(\.[0-9])?)"
                               r"(-alpine|-perl|-bookworm|-alpine-slim)?",
    "docker.io/library/busybox": r"(latest|stable|musl|glibc|uclibc|1|1\.3[0-7](\.[0-9])?)(-musl|-glibc|-uclibc)?",
    "docker.io/library/redis": r"(latest|alpine|[5-7](\.[0-9])?(\.[0-9]{1,2})?)(-alpine|-bookworm)?",
    "docker.io/library/postgres": r"(latest|alpine|1[2-7](\.[0-9]{1,2})?)(-alpine|-bookworm)?",
    "docker.io/grafana/grafana": r"(latest|main|1[0-2]\.[0-9]{1,2}\.[0-9]{1,2})",
}.items()}


def qualified_image(image: str) -> str:
    """An image reference as the container runtime resolves it (``nginx`` -> ``docker.io/library/nginx:latest``)."""
    repo, tag = split_image(image)
    first = repo.split("/", 1)[0]
    if "/" not in repo:
        repo = f"docker.io/library/{repo}"
    elif "." not in first and ":" not in first and first != "localhost":
        repo = f"docker.io/{repo}"
    return f"{repo}:{tag}"


def is_missing_image(image: str) -> bool:
    repo, tag = split_image(qualified_image(image))
    if "missing" in tag:
        return True
    known = KNOWN_TAGS.get(repo)
    return known is not None and "@" not in image and known.fullmatch(tag) is None


def _grace(pod: Obj | None) -> float:
    value = ((pod or {}).get("metadata") or {}).get("deletionGracePeriodSeconds")
    return float("inf") if value is None else float(value)


def ignores_sigterm(container: Obj) -> bool:
    """A container whose PID 1 is ``sleep`` (directly or as ``sh -c "sleep ..."``) has no SIGTERM handler: it
    only stops when the kubelet kills it at the end of the grace period, as on a real node."""
    argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    if not argv:
        return False
    if argv[0].rsplit("/", 1)[-1] == "sleep":
        return True
    return argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and len(argv) >= 3 and argv[1] == "-c" and \
        argv[2].strip().startswith("sleep ")


_SLEEP_RE = re.compile(r"\bsleep\s+([0-9]+(?:\.[0-9]+)?)")
_EXIT_RE = re.compile(r"\bexit\s+([0-9]+)")
RUN_TO_COMPLETION_SECONDS = 3.0


def completion_plan(container: Obj) -> tuple[float, int]:
    """(seconds, exit code) of a container that runs to completion (a pod with restartPolicy Never or
    OnFailure: Jobs): the ``sleep N`` and the last ``exit N`` of its command and args; 3 s and 0 without them."""
    text = " ".join(str(x) for x in [*(container.get("command") or []), *(container.get("args") or [])])
    sleeps = [float(m) for m in _SLEEP_RE.findall(text)]
    exits = _EXIT_RE.findall(text)
    return (sum(sleeps) if sleeps else RUN_TO_COMPLETION_SECONDS), (int(exits[-1]) if exits else 0)


def backoff_seconds(restarts: int) -> float:
    """Kubelet's crash back-off before restart number ``restarts + 1`` (the first restart is immediate)."""
    if restarts <= 0:
        return 0.0
    return min(MAX_BACKOFF, 10.0 * 2 ** (restarts - 1))


def container_id(rng: Any) -> str:
    return f"containerd://{rng.getrandbits(256):064x}"


def running_pod_status(pod: Obj, host_ip: str, pod_ip: str, now: str, rng: Any) -> Obj:
    """The status kubelet reports for a pod whose containers all run and are ready (used for pods the
    scenario creates already running)."""
    spec = pod.get("spec") or {}
    statuses = []
    for c in spec.get("containers") or ():
        statuses.append({"containerID": container_id(rng), "image": c.get("image", ""),
                         "imageID": image_id(c.get("image", "")), "lastState": {}, "name": c["name"],
                         "ready": True, "restartCount": 0, "started": True,
                         "state": {"running": {"startedAt": now}}})
    conds = [_cond(t, "True", now) for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                            "ContainersReady", "PodScheduled")]
    status: Obj = {"phase": "Running", "conditions": conds, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                   "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": now,
                   "containerStatuses": statuses}
    qos = (pod.get("status") or {}).get("qosClass")
    if qos:
        status["qosClass"] = qos
    return status


def _cond(ctype: str, status: str, ts: str, reason: str | None = None, message: str | None = None) -> Obj:
    c: Obj = {"type": ctype, "status": status, "lastProbeTime": None, "lastTransitionTime": ts}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


@dataclass
class ContainerRt:
    """One container's simulated runtime state (mirrors its ``containerStatuses`` entry)."""

    name: str
    image: str
    pull_policy: str
    probe_delay: float | None  # readinessProbe.initialDelaySeconds, None without a readiness probe
    init: bool = False
    state: str = "waiting"  # waiting / running / terminated
    reason: str | None = "ContainerCreating"
    message: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    container_id: str = ""
    image_id: str = ""
    ready: bool = False
    started: bool = False
    restart_count: int = 0
    last_terminated: Obj | None = None
    action: str | None = None  # the next step of the state machine
    due: float = 0.0  # loop time of that step
    crash_due: float | None = None
    pull_secs: float = 0.0
    pull_total: float = 0.0  # including the time spent waiting for another pod's pull of the same image
    pull_failures: int = 0
    probe_period: float = 10.0  # readinessProbe.periodSeconds
    completion: tuple[float, int] = (RUN_TO_COMPLETION_SECONDS, 0)  # when the pod runs to completion

    @property
    def crash(self) -> bool:
        return is_crash_image(self.image) or is_oom_image(self.image)

    @property
    def unready(self) -> bool:
        return is_unready_image(self.image) and self.probe_delay is not None

    @property
    def missing(self) -> bool:
        return is_missing_image(self.image)

    @property
    def field_path(self) -> str:
        return f"spec.{'initContainers' if self.init else 'containers'}{{{self.name}}}"

    def status(self) -> Obj:
        if self.state == "running":
            state: Obj = {"running": {"startedAt": self.started_at}}
        elif self.state == "terminated":
            state = {"terminated": self._terminated()}
        else:
            waiting: Obj = {"reason": self.reason or "ContainerCreating"}
            if self.message:
                waiting["message"] = self.message
            state = {"waiting": waiting}
        out: Obj = {"image": self.image, "imageID": self.image_id,
                    "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
                    "name": self.name, "ready": self.ready, "restartCount": self.restart_count,
                    "started": self.started, "state": state}
        if self.container_id:
            out = {"containerID": self.container_id, **out}
        return out

    def _terminated(self) -> Obj:
        t: Obj = {"exitCode": self.exit_code or 0, "reason": self.reason or "Completed",
                  "startedAt": self.started_at, "finishedAt": self.finished_at}
        if self.container_id:
            t["containerID"] = self.container_id
        return t


@dataclass
class PodRt:
    """One pod's simulated runtime on its node."""

    uid: str
    namespace: str
    name: str
    node: str
    virtual: bool
    restart_policy: str
    host_ip: str
    pod_ip: str
    start_time: str
    init: list[ContainerRt]
    containers: list[ContainerRt]
    init_index: int = 0
    conds: dict[str, tuple[str, str]] = field(default_factory=dict)  # type -> (status, lastTransitionTime)
    timer: asyncio.TimerHandle | None = None

    @property
    def init_done(self) -> bool:
        return self.init_index >= len(self.init)

    def live(self) -> list[ContainerRt]:
        """Containers whose state machine is currently moving."""
        if not self.init_done:
            return [self.init[self.init_index]]
        return self.containers


class PodIPs:
    """Pod IP addresses per node: from the node's ``spec.podCIDR`` (kubenet style) or, for the virtual
    node, the ACI subnet."""

    def __init__(self) -> None:
        self._used: dict[str, set[str]] = {}
        self._pool: dict[str, list[str]] = {}
        self._next: dict[str, int] = {}

    def allocate(self, node: str, cidr: str, known_used: Callable[[], list[str]]) -> str:
        if node not in self._pool:
            net = ipaddress.ip_network(cidr, strict=False)
            hosts = net.hosts()
            pool = []
            for i, ip in enumerate(hosts):
                if i == 0:
                    continue  # .1 is the bridge
                pool.append(str(ip))
                if len(pool) >= 4096:
                    break
            self._pool[node] = pool
            self._used[node] = set(known_used())
            self._next[node] = 0
        pool, used = self._pool[node], self._used[node]
        for _ in range(len(pool)):
            i = self._next[node] % len(pool)
            self._next[node] = i + 1
            if pool[i] not in used:
                used.add(pool[i])
                return pool[i]
        return pool[self._next[node] % len(pool)]  # exhausted: reuse (never happens below 110 pods a node)

    def release(self, node: str, ip: str | None) -> None:
        if ip and node in self._used:
            self._used[node].discard(ip)


class Kubelet(Controller):
    name = "kubelet"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.pods: dict[str, PodRt] = {}
        self.adopted: set[str] = set()
        self.killing: dict[str, asyncio.TimerHandle | None] = {}
        self.shortened: set[str] = set()  # terminating pods whose grace period a later delete shortened
        self.images: dict[str, set[str]] = {}  # node -> images present
        self.pulls: dict[str, dict[str, float]] = {}  # node -> image -> loop time its pull completes
        self.ips = PodIPs()

    # -- triggers ------------------------------------------------------------------------------------------
    def on_change(self, change) -> None:
        if change.rt is not PODS:
            return
        pod = change.obj
        uid = pod["metadata"].get("uid")
        key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        if change.type == "DELETED":
            self._forget(uid, pod)
            self.queue.discard(key)
            return
        if not (pod.get("spec") or {}).get("nodeName"):
            return
        if pod["metadata"].get("deletionTimestamp"):
            if uid not in self.killing:
                self.queue.add(key)
            elif _grace(pod) < _grace(change.old):  # a second delete shortened the grace period
                self.shortened.add(uid)
                self.queue.add(key)
        elif uid not in self.pods and uid not in self.adopted and not is_terminal(pod):
            self.queue.add(key)

    def resync_all(self) -> None:
        for pod in self.store.iter_objects(PODS):
            if (pod.get("spec") or {}).get("nodeName") and not is_terminal(pod):
                self.queue.add((pod["metadata"]["namespace"], pod["metadata"]["name"]))
                for cs in (pod.get("status") or {}).get("containerStatuses") or ():
                    if cs.get("imageID"):
                        self.images.setdefault(pod["spec"]["nodeName"], set()).add(cs.get("image", ""))

    def stop(self) -> None:
        for rt in self.pods.values():
            self.ctx.cancel(rt.timer)
        for h in self.killing.values():
            self.ctx.cancel(h)

    # -- sync ----------------------------------------------------------------------------------------------
    def sync(self, key: tuple[str, str]) -> None:
        pod = self.store.get(PODS, *key)
        if pod is None:
            return
        uid = pod["metadata"]["uid"]
        node_name = pod["spec"].get("nodeName")
        if not node_name:
            return
        if pod["metadata"].get("deletionTimestamp"):
            if uid in self.shortened and uid in self.killing:
                self.shortened.discard(uid)
                self.ctx.cancel(self.killing.pop(uid))
                self._kill(pod, announce=False)
            elif uid not in self.killing:
                self._kill(pod)
            return
        if uid in self.pods or uid in self.adopted or is_terminal(pod):
            return
        node = self.store.get(NODES, None, node_name)
        if node is None:
            return  # bound to a node that does not exist: stays Pending, as with a real cluster
        if self._already_running(pod):
            self.adopted.add(uid)
            return
        self._start(pod, node)

    @staticmethod
    def _already_running(pod: Obj) -> bool:
        status = pod.get("status") or {}
        statuses = status.get("containerStatuses") or ()
        containers = pod["spec"].get("containers") or ()
        if status.get("phase") != "Running" or len(statuses) != len(containers):
            return False
        for cs, c in zip(statuses, containers, strict=False):
            if "running" not in (cs.get("state") or {}) or not cs.get("ready") or is_crash_image(c.get("image", "")):
                return False
        return True

    def _forget(self, uid: str, pod: Obj) -> None:
        rt = self.pods.pop(uid, None)
        if rt is not None:
            self.ctx.cancel(rt.timer)
        self.ctx.cancel(self.killing.pop(uid, None))
        self.adopted.discard(uid)
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            self.ips.release(node, (pod.get("status") or {}).get("podIP"))

    # -- start ---------------------------------------------------------------------------------------------
    def _start(self, pod: Obj, node: Obj) -> None:
        spec = pod["spec"]
        meta = pod["metadata"]
        node_name = node["metadata"]["name"]
        virtual = (node["metadata"].get("labels") or {}).get("type") == "virtual-kubelet"
        host_ip = next((a.get("address") for a in (node.get("status") or {}).get("addresses") or ()
                        if a.get("type") == "InternalIP"), "10.224.0.4")
        old_status = pod.get("status") or {}
        pod_ip = old_status.get("podIP")
        if not pod_ip:
            cidr = VIRTUAL_POD_SUBNET if virtual else (node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24"
            pod_ip = self.ips.allocate(node_name, cidr, lambda: [ip for p in self._pods_on(node_name)
                                                                 if (ip := (p.get("status") or {}).get("podIP"))])
        rt = PodRt(uid=meta["uid"], namespace=meta["namespace"], name=meta["name"], node=node_name, virtual=virtual,
                   restart_policy=spec.get("restartPolicy", "Always"), host_ip=host_ip, pod_ip=pod_ip,
                   start_time=old_status.get("startTime") or now_iso(),
                   init=[self._container(c, True) for c in spec.get("initContainers") or ()],
                   containers=[self._container(c, False) for c in spec.get("containers") or ()])
        for c in old_status.get("conditions") or ():
            rt.conds[c.get("type")] = (c.get("status"), c.get("lastTransitionTime"))
        self._restore(rt, old_status)
        if not rt.init_done:
            for c in rt.containers:
                if c.state == "waiting" and c.action is None:
                    c.reason = "PodInitializing"
        self.pods[rt.uid] = rt
        if virtual:
            record_event(self.store, pod, "Normal", "ProviderCreateSuccess", "Create pod in provider successfully",
                         VIRTUAL_COMPONENT, node_name)
        loop_now = asyncio.get_running_loop().time()
        for c in rt.live():
            if c.action is None and c.state == "waiting":
                self._begin(rt, c, pod, loop_now)
        self._write(rt)
        self._arm(rt)

    def _pods_on(self, node: str) -> list[Obj]:
        out = []
        for k in self.index.pods_by_node.get(node, ()):
            p = self.store.get(PODS, *k)
            if p is not None:
                out.append(p)
        return out

    @staticmethod
    def _container(c: Obj, init: bool) -> ContainerRt:
        probe = c.get("readinessProbe")
        delay = float(probe.get("initialDelaySeconds") or 0) if isinstance(probe, dict) else None
        period = float(probe.get("periodSeconds") or 10) if isinstance(probe, dict) else 10.0
        return ContainerRt(name=c["name"], image=c.get("image", ""), pull_policy=c.get("imagePullPolicy", "IfNotPresent"),
                           probe_delay=None if init else delay, init=init, probe_period=period,
                           reason="PodInitializing" if init else "ContainerCreating",
                           completion=completion_plan(c))

    def _restore(self, rt: PodRt, status: Obj) -> None:
        """Continue from a status written by an earlier run of the controllers (a restarted demo)."""
        now = asyncio.get_running_loop().time()
        by_name = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
        init_by_name = {cs.get("name"): cs for cs in status.get("initContainerStatuses") or ()}
        for i, c in enumerate(rt.init):
            cs = init_by_name.get(c.name) or {}
            term = (cs.get("state") or {}).get("terminated")
            if term and term.get("exitCode") == 0:
                self._load(c, cs)
                rt.init_index = i + 1
            else:
                break
        for c in rt.containers:
            cs = by_name.get(c.name)
            if not cs:
                if not rt.init_done:
                    c.reason = "PodInitializing"
                continue
            self._load(c, cs)
            if c.state == "running":
                if c.crash:
                    c.action, c.due = "crash", now + self.sim.delay(RUN_SECONDS_BEFORE_CRASH / 2)
                elif c.unready:
                    c.action, c.due = "probe_fail", now + self.sim.delay(1.0)
                elif not c.ready:
                    c.action, c.due = "ready", now + self.sim.delay((c.probe_delay or 0) / 2 + 0.2)
            elif c.state == "terminated":
                c.action, c.due = "after_exit", now + self.sim.delay(0.3)
            elif c.reason == "CrashLoopBackOff":
                c.action, c.due = "restart", now + self.sim.delay(backoff_seconds(c.restart_count) / 2)
            elif c.reason in ("ErrImagePull", "ImagePullBackOff"):
                c.action, c.due = "pull_retry", now + self.sim.delay(2.0)
            else:
                c.state, c.action = "waiting", None  # not started yet: begins like a new container

    @staticmethod
    def _load(c: ContainerRt, cs: Obj) -> None:
        state = cs.get("state") or {}
        c.restart_count = int(cs.get("restartCount") or 0)
        c.last_terminated = (cs.get("lastState") or {}).get("terminated")
        c.container_id = cs.get("containerID", "")
        c.image_id = cs.get("imageID", "")
        c.ready = bool(cs.get("ready"))
        c.started = bool(cs.get("started"))
        if "running" in state:
            c.state, c.reason, c.started_at = "running", None, state["running"].get("startedAt")
        elif "terminated" in state:
            t = state["terminated"]
            c.state, c.reason, c.exit_code = "terminated", t.get("reason"), t.get("exitCode")
            c.started_at, c.finished_at = t.get("startedAt"), t.get("finishedAt")
        else:
            w = state.get("waiting") or {}
            c.state, c.reason, c.message = "waiting", w.get("reason"), w.get("message")

    # -- the state machine ---------------------------------------------------------------------------------
    def _jitter(self, seconds: float, spread: float = 0.15) -> float:
        return seconds * self.ctx.rng.uniform(1 - spread, 1 + spread)

    def _event(self, rt: PodRt, pod: Obj, c: ContainerRt | None, type_: str, reason: str, message: str) -> None:
        component = VIRTUAL_COMPONENT if rt.virtual else COMPONENT
        record_event(self.store, pod, type_, reason, message, component, rt.node,
                     field_path=c.field_path if c else None)

    def _begin(self, rt: PodRt, c: ContainerRt, pod: Obj, now: float) -> None:
        """Start bringing a container up: pull its image (or find it on the node)."""
        c.state, c.message = "waiting", None
        c.reason = "PodInitializing" if c.init else "ContainerCreating"
        if rt.virtual and not c.missing:
            c.action, c.due = "run", now + self.sim.delay(self._jitter(2.5))
            return
        cached = c.image in self.images.get(rt.node, ())
        if cached and c.pull_policy != "Always":
            self._event(rt, pod, c, "Normal", "Pulled", f'Container image "{c.image}" already present on machine')
            c.action, c.due = "run", now + self.sim.delay(self._jitter(0.3))
            return
        self._event(rt, pod, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
        if c.missing:
            c.action, c.due = "pull_failed", now + self.sim.delay(self._jitter(0.6))
            return
        own = self._jitter(0.35 if cached else pull_seconds(c.image))
        in_flight = self.pulls.get(rt.node, {}).get(c.image)
        if in_flight is not None and in_flight > now:
            # Another pod on this node is pulling the same image: wait for it, then a quick pull of our own.
            own = self._jitter(0.3)
            waited = (in_flight - now) / max(self.sim.time_scale, 1e-9)
            c.pull_secs, c.pull_total = own, waited + own
            c.action, c.due = "pulled", in_flight + self.sim.delay(own)
            return
        c.pull_secs = c.pull_total = own
        c.action, c.due = "pulled", now + self.sim.delay(own)
        self.pulls.setdefault(rt.node, {})[c.image] = c.due

    def _tick(self, uid: str) -> None:
        rt = self.pods.get(uid)
        if rt is None:
            return
        rt.timer = None
        pod = self.store.get(PODS, rt.namespace, rt.name)
        if pod is None or pod["metadata"].get("uid") != uid or pod["metadata"].get("deletionTimestamp"):
            return
        loop_now = asyncio.get_running_loop().time()
        for _ in range(64):  # bounded: each step either finishes or schedules a later step
            due = [c for c in rt.live() if c.action is not None and c.due <= loop_now + 1e-3]
            if not due:
                break
            for c in due:
                self._step(rt, c, pod, loop_now)
            if not rt.init_done and rt.init[rt.init_index].state == "terminated" and \
                    rt.init[rt.init_index].exit_code == 0:
                rt.init_index += 1
                for c in rt.live():
                    if c.state == "waiting" and c.action is None:
                        self._begin(rt, c, pod, loop_now)
        self._write(rt)
        self._arm(rt)

    def _step(self, rt: PodRt, c: ContainerRt, pod: Obj, now: float) -> None:
        action, c.action = c.action, None
        if action == "pulled":
            size = image_size(c.image)
            self._event(rt, pod, c, "Normal", "Pulled",
                        f'Successfully pulled image "{c.image}" in {go_duration(c.pull_secs)} '
                        f"({go_duration(c.pull_total)} including waiting). Image size: {size} bytes.")
            self.images.setdefault(rt.node, set()).add(c.image)
            node_pulls = self.pulls.get(rt.node, {})
            if node_pulls.get(c.image, now + 1) <= now:
                del node_pulls[c.image]
            c.action, c.due = "run", now
        elif action in ("run", "restart"):
            self._run(rt, c, pod, now, restart=action == "restart")
        elif action == "ready":
            c.ready = True
            if c.crash and c.crash_due is not None:
                c.action, c.due, c.crash_due = "crash", c.crash_due, None
        elif action == "init_done":
            self._exit(c, 0, "Completed")
            c.ready = True
        elif action == "complete":
            code = c.completion[1]
            self._exit(c, code, "Completed" if code == 0 else "Error")
            if code != 0 and rt.restart_policy == "OnFailure":
                c.action, c.due = "after_exit", now + self.sim.delay(self._jitter(0.3))
        elif action == "crash":
            # a Go panic exits 2 (the log's last line says so); the kernel's OOM kill is 137
            self._exit(c, *((137, "OOMKilled") if is_oom_image(c.image) else (2, "Error")))
            if rt.restart_policy != "Never":
                c.action, c.due = "after_exit", now + self.sim.delay(self._jitter(0.3))
        elif action == "after_exit":
            if c.restart_count == 0:
                c.action, c.due = "restart", now
                return
            wait = backoff_seconds(c.restart_count)
            c.last_terminated = c._terminated()
            c.state, c.reason = "waiting", "CrashLoopBackOff"
            c.message = (f"back-off {go_duration(wait)} restarting failed container={c.name} "
                         f"pod={rt.name}_{rt.namespace}({rt.uid})")
            self._event(rt, pod, c, "Warning", "BackOff",
                        f"Back-off restarting failed container {c.name} in pod {rt.name}_{rt.namespace}({rt.uid})")
            c.action, c.due = "restart", now + self.sim.delay(wait)
        elif action == "probe_fail":
            self._event(rt, pod, c, "Warning", "Unhealthy", READINESS_FAILURE)
            c.action, c.due = "probe_fail", now + self.sim.delay(c.probe_period)
        elif action == "pull_failed":
            ref = qualified_image(c.image)
            err = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                   f'failed to resolve reference "{ref}": {ref}: not found')
            self._event(rt, pod, c, "Warning", "Failed", f'Failed to pull image "{c.image}": {err}')
            self._event(rt, pod, c, "Warning", "Failed", "Error: ErrImagePull")
            c.state, c.reason, c.message = "waiting", "ErrImagePull", err
            c.action, c.due = "image_backoff", now + self.sim.delay(self._jitter(0.5))
        elif action == "image_backoff":
            wait = min(MAX_BACKOFF, 10.0 * 2 ** c.pull_failures)
            c.pull_failures += 1
            c.state, c.reason, c.message = "waiting", "ImagePullBackOff", f'Back-off pulling image "{c.image}"'
            self._event(rt, pod, c, "Normal", "BackOff", f'Back-off pulling image "{c.image}"')
            self._event(rt, pod, c, "Warning", "Failed", "Error: ImagePullBackOff")
            c.action, c.due = "pull_retry", now + self.sim.delay(wait)
        elif action == "pull_retry":
            self._event(rt, pod, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
            c.action, c.due = "pull_failed", now + self.sim.delay(self._jitter(0.6))

    def _run(self, rt: PodRt, c: ContainerRt, pod: Obj, now: float, restart: bool) -> None:
        missing = missing_config(self.store, rt.namespace, container_spec(pod, c.name, c.init))
        if missing:
            c.state, c.reason, c.message = "waiting", "CreateContainerConfigError", missing
            self._event(rt, pod, c, "Warning", "Failed", f"Error: {missing}")
            c.action, c.due = ("restart" if restart else "run"), now + self.sim.delay(CONFIG_RETRY_SECONDS)
            return
        if restart:
            if c.state == "terminated":
                c.last_terminated = c._terminated()
            c.restart_count += 1
            if not rt.virtual:
                self._event(rt, pod, c, "Normal", "Pulled", f'Container image "{c.image}" already present on machine')
        c.container_id = container_id(self.ctx.rng)
        c.image_id = c.image_id or image_id(c.image)
        c.state, c.reason, c.message, c.exit_code, c.finished_at = "running", None, None, None, None
        c.started_at = now_iso()
        c.started = True
        self._event(rt, pod, c, "Normal", "Created", f"Created container {c.name}")
        self._event(rt, pod, c, "Normal", "Started", f"Started container {c.name}")
        if c.init:
            c.ready = False
            c.action, c.due = "init_done", now + self.sim.delay(self._jitter(1.0))
        elif c.crash:
            crash_at = now + self.sim.delay(self._jitter(RUN_SECONDS_BEFORE_CRASH))
            c.ready = c.probe_delay is None
            ready_at = now + self.sim.delay(c.probe_delay + 0.1) if c.probe_delay is not None else None
            if ready_at is not None and ready_at < crash_at:
                c.action, c.due, c.crash_due = "ready", ready_at, crash_at  # ready for a moment, then it dies
            else:
                c.action, c.due = "crash", crash_at
        elif rt.restart_policy != "Always":
            c.ready = c.probe_delay is None
            c.action, c.due = "complete", now + self.sim.delay(self._jitter(c.completion[0], 0.1))
        elif c.probe_delay is None:
            c.ready = True
        elif c.unready:
            c.ready = False
            c.action, c.due = "probe_fail", now + self.sim.delay(c.probe_delay + 0.2)
        else:
            c.ready = False
            c.action = "ready"
            c.due = now + self.sim.delay(c.probe_delay + self.ctx.rng.uniform(0.1, 0.5))

    @staticmethod
    def _exit(c: ContainerRt, code: int, reason: str) -> None:
        c.state, c.reason, c.exit_code = "terminated", reason, code
        c.finished_at = now_iso()
        c.ready = False
        c.started = False

    def _arm(self, rt: PodRt) -> None:
        self.ctx.cancel(rt.timer)
        rt.timer = None
        dues = [c.due for c in rt.live() if c.action is not None]
        if not dues:
            return
        delay = max(0.0, min(dues) - asyncio.get_running_loop().time())
        rt.timer = self.ctx.call_later(delay, lambda: self._tick(rt.uid))

    # -- status --------------------------------------------------------------------------------------------
    def _phase(self, rt: PodRt) -> str:
        if not rt.init_done:
            return "Pending"
        waiting = running = stopped = succeeded = 0
        for c in rt.containers:
            if c.state == "running":
                running += 1
            elif c.state == "terminated":
                stopped += 1
                succeeded += c.exit_code == 0
            elif c.last_terminated:
                stopped += 1
            else:
                waiting += 1
        if waiting:
            return "Pending"
        if running:
            return "Running"
        if rt.restart_policy == "Always":
            return "Running"
        if stopped and stopped == succeeded:
            return "Succeeded"
        if rt.restart_policy == "Never":
            return "Failed"
        return "Running"

    def _set_cond(self, rt: PodRt, ctype: str, status: str, now: str) -> str:
        prev = rt.conds.get(ctype)
        if prev and prev[0] == status and prev[1]:
            return prev[1]
        rt.conds[ctype] = (status, now)
        return now

    def _write(self, rt: PodRt) -> None:
        now = now_iso()
        phase = self._phase(rt)
        not_init = [c.name for c in rt.init if not (c.state == "terminated" and c.exit_code == 0)]
        unready = [c.name for c in rt.containers if not c.ready]
        conds = [_cond("PodReadyToStartContainers", "True", self._set_cond(rt, "PodReadyToStartContainers", "True", now))]
        if not_init:
            conds.append(_cond("Initialized", "False", self._set_cond(rt, "Initialized", "False", now),
                               "ContainersNotInitialized", f"containers with incomplete status: [{' '.join(not_init)}]"))
        else:
            conds.append(_cond("Initialized", "True", self._set_cond(rt, "Initialized", "True", now)))
        for ctype in ("Ready", "ContainersReady"):
            if phase in ("Succeeded", "Failed"):
                conds.append(_cond(ctype, "False", self._set_cond(rt, ctype, "False", now),
                                   "PodCompleted" if phase == "Succeeded" else "PodFailed"))
            elif unready or not_init:
                conds.append(_cond(ctype, "False", self._set_cond(rt, ctype, "False", now), "ContainersNotReady",
                                   f"containers with unready status: [{' '.join(unready)}]"))
            else:
                conds.append(_cond(ctype, "True", self._set_cond(rt, ctype, "True", now)))
        statuses = [c.status() for c in rt.containers]
        init_statuses = [c.status() for c in rt.init]

        def put(obj: Obj) -> None:
            old = obj.get("status") or {}
            scheduled = [c for c in old.get("conditions") or () if c.get("type") == "PodScheduled"]
            status: Obj = {"phase": phase, "conditions": conds + scheduled, "hostIP": rt.host_ip,
                           "hostIPs": [{"ip": rt.host_ip}], "podIP": rt.pod_ip, "podIPs": [{"ip": rt.pod_ip}],
                           "startTime": rt.start_time}
            if init_statuses:
                status["initContainerStatuses"] = init_statuses
            status["containerStatuses"] = statuses
            if old.get("ephemeralContainerStatuses"):  # kept up by demo/ephemeral.py (kubectl debug)
                status["ephemeralContainerStatuses"] = old["ephemeralContainerStatuses"]
            if old.get("qosClass"):
                status["qosClass"] = old["qosClass"]
            obj["status"] = status

        self.store.mutate(PODS, rt.namespace, rt.name, put)

    # -- stop ----------------------------------------------------------------------------------------------
    def _kill(self, pod: Obj, announce: bool = True) -> None:
        meta = pod["metadata"]
        uid = meta["uid"]
        rt = self.pods.pop(uid, None)
        if rt is not None:
            self.ctx.cancel(rt.timer)
        virtual = rt.virtual if rt else False
        node = pod["spec"].get("nodeName")
        component = VIRTUAL_COMPONENT if virtual else COMPONENT
        for cs in (pod.get("status") or {}).get("containerStatuses") or () if announce else ():
            if "running" in (cs.get("state") or {}):
                record_event(self.store, pod, "Normal", "Killing", f"Stopping container {cs.get('name')}",
                             component, node, field_path=f"spec.containers{{{cs.get('name')}}}")
        if virtual and announce:
            record_event(self.store, pod, "Normal", "ProviderDeleteSuccess", "Delete pod in provider successfully",
                         component, node)
        grace = meta.get("deletionGracePeriodSeconds")
        grace = 30 if grace is None else int(grace)
        if any(ignores_sigterm(c) for c in (pod.get("spec") or {}).get("containers") or ()):
            seconds = self.sim.delay(float(grace))  # SIGTERM does nothing: killed when the grace period ends
        else:
            seconds = self.sim.delay(min(float(grace), self._jitter(KILL_SECONDS)))
        ns, name = meta["namespace"], meta["name"]

        def remove() -> None:
            self.killing.pop(uid, None)
            current = self.store.get(PODS, ns, name)
            if current is not None and current["metadata"].get("uid") == uid:
                self.store.remove_now(PODS, ns, name)

        self.killing[uid] = self.ctx.call_later(seconds, remove)
