"""A log view's session: every (pod, container) it follows, merged into one buffer.

The target is one pod (some or all of its containers) or every pod matching a label selector (a Deployment,
ReplicaSet or Service). The session watches the pods informer of the namespace: pods that appear later
(scale-up, rollout) join automatically once their containers have started; pods that go away are marked
ended with a note in the buffer; beyond ``max_pods`` matching pods only the most relevant ones (or the ones
the user chose) are followed (``fanout.py``), so streams, memory and the loop's work stay bounded; a container that restarts (CrashLoopBackOff) is picked up again and its
new run resumes after the last line seen. Lines of several sources are merged by timestamp within each
short flush window (the order stern-like tools show), each tagged with a short coloured pod/container tag.

No Textual here: the widget polls ``flush()``/``summary()`` about ten times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from ..cluster.kinds import PODS
from ..cluster.rows import selector_matches
from .buffer import LogBuffer
from .fanout import DEFAULT_MAX_PODS, FanOut, PodChoice, pod_choice, pod_rank
from .line import LogLine, note_line
from .options import LogOptions, LogTarget, pod_containers
from .stream import ContainerRef, LogStream, StreamState
from .structured import FormatDetector

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.05  # how long lines of several sources wait to be merged by timestamp
EOF_RETRY_MAX = 5.0
TAG_COLOURS = ("cyan", "magenta", "green", "yellow", "bright_blue", "bright_red", "bright_cyan",
               "bright_magenta", "bright_green", "bright_yellow", "blue", "red")


class PodSource(Protocol):
    """What the session needs from the pods informer (``k8stui.cluster.store.Informer``)."""

    def objects(self) -> list[dict[str, Any]]: ...
    def get(self, uid: str) -> dict[str, Any] | None: ...
    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]: ...
    @property
    def synced(self) -> bool: ...


@dataclass
class Source:
    """One container of one pod that the session reads."""

    index: int
    namespace: str
    pod: str
    uid: str
    container: str
    tag: str = ""
    colour: str = ""
    state: StreamState = StreamState.CONNECTING
    detail: str = ""
    ended: bool = False  # gone for good (pod deleted / left the selection)
    idle: bool = False  # not streaming now; starts again when the container runs
    stream: LogStream | None = None
    task: asyncio.Task[None] | None = None
    eof_retries: int = 0
    hidden: bool = False  # a by-name stream replaced by per-container ones once the pod was known
    parked: bool = False  # its pod is not followed now (over the pod limit); may be followed again


@dataclass(frozen=True)
class SessionSummary:
    """What the pane's status line shows about the streams."""

    pods: int = 0
    sources: int = 0
    streaming: int = 0
    reconnecting: int = 0
    waiting: int = 0
    ended: int = 0
    problem: str = ""  # the message that explains why lines are missing (forbidden, not found ...)
    severity: str = ""  # "", "warning" or "error"
    matching: int = 0  # pods the target selects (multi-pod targets)
    following: int = 0  # of them, followed now
    limit: int = 0  # the most pods followed at once
    chosen: bool = False  # the user chose the pods (P) instead of the automatic choice

    @property
    def capped(self) -> bool:
        """Some matching pods are not followed (over the limit, or the user's choice)."""
        return self.following < self.matching


def container_run_state(pod: Mapping[str, Any], container: str) -> tuple[str, str]:
    """("running" | "terminated" | "waiting" | "unknown", reason) of a container in a pod's status; a
    waiting container that has a terminated previous run counts as "terminated" (its log can be read)."""
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or ():
            if cs.get("name") != container:
                continue
            state = cs.get("state") or {}
            if state.get("running") is not None:
                return "running", ""
            if state.get("terminated") is not None:
                return "terminated", (state["terminated"] or {}).get("reason") or ""
            reason = (state.get("waiting") or {}).get("reason") or "ContainerCreating"
            if (cs.get("lastState") or {}).get("terminated"):
                return "terminated", reason
            return "waiting", reason
    if not (pod.get("spec") or {}).get("nodeName"):
        return "waiting", "Pending"
    return "waiting", "ContainerCreating"


def short_pod_name(pod: Mapping[str, Any]) -> str:
    """A ReplicaSet's pod ``api-blue-6796c6df65-58zgm`` is told apart by ``58zgm``; other pods by name."""
    meta = pod.get("metadata") or {}
    name = meta.get("name", "")
    if (meta.get("labels") or {}).get("pod-template-hash") and "-" in name:
        return name.rsplit("-", 1)[1]
    return name


def tag_colour(ordinal: int) -> str:
    """The colour of the n-th pod a session shows (distinct for the first dozen)."""
    return TAG_COLOURS[ordinal % len(TAG_COLOURS)]


class LogSession:
    """All streams of one log view. Create, ``start()``, ``flush()`` often, ``stop()`` on the app's loop."""

    def __init__(self, client_factory: Callable[[], httpx.AsyncClient], target: LogTarget, buffer: LogBuffer,
                 options: LogOptions | None = None, *, pods: PodSource | None = None,
                 pod: Mapping[str, Any] | None = None, flush_seconds: float = FLUSH_SECONDS,
                 max_pods: int = DEFAULT_MAX_PODS, formats: FormatDetector | None = None) -> None:
        self.client_factory = client_factory
        self.target = target
        self.buffer = buffer
        self.options = options or LogOptions()
        self.pods = pods
        self.initial_pod = dict(pod) if pod else None
        self.flush_seconds = flush_seconds
        self.sources: list[Source] = []
        self._by_key: dict[tuple[str, str], Source] = {}
        self._by_uid: dict[str, list[Source]] = {}
        self._pod_ordinals: dict[str, int] = {}
        self.fanout = FanOut(max_pods)
        self.formats = formats if formats is not None else FormatDetector()  # JSON/logfmt per source
        self._client: httpx.AsyncClient | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._pending: list[LogLine] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._started = False
        self._reconciled_once = False
        self._problem = ""
        self._severity = ""
        self.version = 0  # bumped whenever the summary may have changed

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self.client_factory()
        return self._client

    @property
    def show_tags(self) -> bool:
        """Whether lines need a pod/container tag: several pods, or several containers of one pod."""
        return not self.target.single_pod or len([s for s in self.sources if not s.hidden]) > 1

    def start(self) -> None:
        """Start reading (on the running loop)."""
        if self._started:
            return
        self._started = True
        if self.pods is not None:
            self._unsubscribe = self.pods.subscribe(self._on_pods_changed)
        if self.target.single_pod:
            pod = self._current_pod()
            if pod is not None:
                self._reconcile_pod(pod)
            else:
                self._start_blind()
        elif self.pods is not None and self.pods.synced:
            self.reconcile()
        elif self.pods is None:
            self._set_problem("no pod list to follow", "error")

    async def stop(self) -> None:
        """Cancel every stream and close the HTTP client."""
        self._started = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [s.task for s in self.sources if s.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for s in self.sources:
            s.task = None
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self.flush()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def restart(self, options: LogOptions) -> None:
        """Read again with other options (another range, previous logs): the buffer starts over."""
        await self.stop()
        self.options = options
        self.buffer.clear()
        self.sources = []
        self._by_key = {}
        self._by_uid = {}
        self._pod_ordinals = {}
        self.fanout.reset()
        self.formats.clear()
        self._pending = []
        self._reconciled_once = False
        self._problem = self._severity = ""
        self.version += 1
        self.start()

    # -- reading the pods --------------------------------------------------------------------------
    def _current_pod(self) -> dict[str, Any] | None:
        if self.pods is not None and self.target.pod_uid:
            pod = self.pods.get(self.target.pod_uid)
            if pod is not None:
                return pod
        return self.initial_pod

    def _matches(self, pod: Mapping[str, Any]) -> bool:
        meta = pod.get("metadata") or {}
        if meta.get("namespace") != self.target.namespace:
            return False
        if self.target.single_pod:
            uid = self.target.pod_uid
            return meta.get("uid") == uid if uid else meta.get("name") == self.target.name
        return selector_matches(self.target.selector, meta.get("labels") or {})

    def _on_pods_changed(self, batch: Any) -> None:
        if not self._started:
            return
        if not self.target.single_pod and not self.pods.synced:
            return  # pages of the first LIST: choosing among part of the pods would open streams to close later
        try:
            changed = None if getattr(batch, "relisted", True) or not self._reconciled_once else \
                set(batch.added) | set(batch.modified) | set(batch.deleted)
            if changed is None:
                self.reconcile()
            else:
                self._reconcile_changed(changed)
        except Exception:  # a bug here must not kill the informer's notifications
            log.exception("log session reconcile failed")

    def _reconcile_changed(self, uids: set[str]) -> None:
        """Only the pods a watch batch names (a namespace of 10k pods costs what changed, not 10k checks)."""
        assert self.pods is not None
        matched: dict[str, dict[str, Any]] = {}
        for uid in uids:
            pod = self.pods.get(uid)
            if pod is not None and self._matches(pod):
                matched[uid] = pod
        if self.target.single_pod:
            for pod in matched.values():
                self._reconcile_pod(pod)
        else:
            fanout = self.fanout
            for uid in uids:
                fanout.update(uid, pod_rank(matched[uid]) if uid in matched else None)
            start, stop = fanout.plan(matched)
            self._park(stop)
            for uid in start:
                pod = matched.get(uid) or self.pods.get(uid)
                if pod is not None:
                    self._reconcile_pod(pod, announce=True)
            for uid, pod in matched.items():
                if uid in fanout.followed and uid not in start:
                    self._reconcile_pod(pod, announce=True)
        for src in self.sources:
            if src.uid in uids and not src.ended:
                pod = self.pods.get(src.uid)
                if pod is None:
                    self._end_source(src, "deleted")
                elif not self._matches(pod):
                    self._end_source(src, "no longer selected")
        self.version += 1

    def reconcile(self) -> None:
        """Bring the sources in line with the pods the informer holds."""
        if self.pods is None:
            return
        first = not self._reconciled_once
        self._reconciled_once = True
        present: dict[str, dict[str, Any]] = {}
        for pod in self.pods.objects():
            if self._matches(pod):
                present[(pod.get("metadata") or {}).get("uid", "")] = pod
        if self.target.single_pod:
            for pod in present.values():
                self._reconcile_pod(pod)
        else:
            fanout = self.fanout
            fanout.replace_all({uid: pod_rank(pod) for uid, pod in present.items()})
            start, stop = fanout.plan()
            self._park(stop)
            for uid in fanout.followed:
                self._reconcile_pod(present[uid], announce=not first)
        for src in self.sources:
            if src.ended or src.uid in present:
                continue
            if not self.pods.synced:
                continue
            gone = self.pods.get(src.uid) is None
            self._end_source(src, "deleted" if gone else "no longer selected")
        if self.target.single_pod and self.pods.synced and not present and not self.sources:
            self._set_problem(f"pod {self.target.namespace}/{self.target.name} not found: it was deleted", "error")
        self.version += 1

    def _reconcile_pod(self, pod: Mapping[str, Any], announce: bool = False) -> None:
        meta = pod.get("metadata") or {}
        uid, name = meta.get("uid", ""), meta.get("name", "")
        wanted = [n for n, _ in pod_containers(pod) if self.target.wants_container(n)]
        if self.target.containers:
            wanted = [n for n in self.target.containers if n in wanted] or list(self.target.containers)
        several = len(wanted) > 1
        joined = False
        for container in wanted:
            src = self._by_key.get((uid, container)) or self._adopt_blind(uid, container, wanted)
            run_state, reason = container_run_state(pod, container)
            if src is None:
                if run_state == "waiting" and self._is_init(pod, container):
                    continue  # an init container that has not run: nothing to show, no source
                src = self._add_source(pod, container, several)
                joined = True
            if src.ended:
                continue
            if src.parked:  # followed again: resumes after the last line it had
                src.parked = False
                src.idle = True
                joined = True
            if self.options.previous and src.stream is not None:
                continue  # a previous run is read once; pod changes do not ask for it again
            if src.task is None and (src.idle or src.stream is None):
                if run_state == "running" or (run_state == "terminated" and src.stream is None):
                    self._start_stream(src)
                else:
                    src.idle = True
                    self._set_source(src, StreamState.WAITING, reason)
        leftover = self._by_key.pop(("", ""), None) if self.target.single_pod else None
        if leftover is not None:  # read by name, but the pod has several containers: per-container sources won
            leftover.ended = leftover.hidden = True
            if leftover.task is not None and leftover.task is not asyncio.current_task():
                leftover.task.cancel()
            self._set_source(leftover, StreamState.ENDED, "")
        if announce and joined:
            self._note(f"▶ pod {name} joined", -1)

    def _adopt_blind(self, uid: str, container: str, wanted: list[str]) -> Source | None:
        """A source started by name before the pod was known (``_start_blind``) becomes this container's."""
        blind = self._by_key.pop(("", container), None)
        if blind is None and len(wanted) == 1:
            blind = self._by_key.pop(("", ""), None)  # the server picked the only container for us
        if blind is None:
            return None
        blind.uid = uid
        blind.container = blind.container or container
        self._by_key[(uid, container)] = blind
        return blind

    @staticmethod
    def _is_init(pod: Mapping[str, Any], container: str) -> bool:
        return any(n == container and init for n, init in pod_containers(pod))

    def _add_source(self, pod: Mapping[str, Any], container: str, several: bool) -> Source:
        meta = pod.get("metadata") or {}
        uid, name = meta.get("uid", ""), meta.get("name", "")
        short = short_pod_name(pod)
        tag = container if self.target.single_pod else f"{short}/{container}" if several else short
        key = container if self.target.single_pod else uid or name  # colour per container of one pod, else per pod
        ordinal = self._pod_ordinals.setdefault(key, len(self._pod_ordinals))
        src = Source(len(self.sources), meta.get("namespace", self.target.namespace), name, uid, container, tag,
                     tag_colour(ordinal))
        self.sources.append(src)
        self._by_key[(uid, container)] = src
        self._by_uid.setdefault(uid, []).append(src)
        self.version += 1
        return src

    def _start_blind(self) -> None:
        """A single pod we know only by name (no permission to list pods): read what the server gives."""
        containers = self.target.containers or ("",)
        for container in containers:
            src = Source(len(self.sources), self.target.namespace, self.target.name, self.target.pod_uid,
                         container, container or self.target.name, tag_colour(len(self.sources)))
            self.sources.append(src)
            self._by_key[(src.uid, container)] = src
            self._start_stream(src)

    # -- streams -----------------------------------------------------------------------------------
    def _start_stream(self, src: Source) -> None:
        previous = src.stream
        stream = LogStream(self.client, ContainerRef(src.namespace, src.pod, src.container), self.options,
                           src.index, self._sink, self._on_stream_state)
        if previous is not None:  # the same container again: resume after what we have
            stream.last_ns, stream.at_last = previous.last_ns, previous.at_last
            stream.lines, stream.requests = previous.lines, previous.requests  # counters add up per source
            stream.reconnects, stream.duplicates_dropped = previous.reconnects, previous.duplicates_dropped
        src.stream = stream
        src.idle = False
        self._set_source(src, StreamState.CONNECTING, "")
        src.task = asyncio.get_running_loop().create_task(self._drive(src), name=f"log {src.pod}/{src.container}")

    async def _drive(self, src: Source) -> None:
        try:
            while True:
                stream = src.stream
                assert stream is not None
                before = stream.lines
                state = await stream.run()
                if state is not StreamState.ENDED:
                    self._stream_refused(src, state, stream.detail)
                    return
                if self.options.previous:
                    self._set_source(src, StreamState.ENDED, "end of the previous run")
                    return
                verdict = await self._after_end(src)
                if verdict == "resume":
                    src.eof_retries = 0 if stream.lines > before else src.eof_retries + 1
                    if src.eof_retries:
                        await asyncio.sleep(min(EOF_RETRY_MAX, 0.25 * (2 ** (src.eof_retries - 1))))
                    continue
                if verdict == "deleted":
                    self._end_source(src, "deleted")
                else:
                    src.idle = True
                    self._set_source(src, StreamState.WAITING, verdict)
                return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must end in a visible message, never in a silent dead stream
            log.exception("log stream %s/%s failed", src.pod, src.container)
            self._set_source(src, StreamState.ERROR, f"{type(exc).__name__}: {exc}")
        finally:
            if src.task is asyncio.current_task():
                src.task = None
            self.version += 1

    async def _after_end(self, src: Source) -> str:
        """The server ended a follow stream: "resume" (the container still runs), "deleted", or the reason the
        container is not running (the source waits for it to start again)."""
        pod: dict[str, Any] | None = None
        try:
            resp = await self.client.get(PODS.path(src.namespace, src.pod), timeout=10.0)
            if resp.status_code == 404:
                return "deleted"
            if resp.status_code < 400:
                pod = orjson.loads(resp.content)
        except (httpx.HTTPError, ValueError):
            pod = None
        if pod is None and self.pods is not None:
            pod = self.pods.get(src.uid) if src.uid else None
        if pod is None:
            return "stream ended"
        if src.uid and (pod.get("metadata") or {}).get("uid") not in ("", None, src.uid):
            return "deleted"  # a new pod with the same name
        state, reason = container_run_state(pod, src.container)
        if state == "running":
            return "resume"
        return f"container {state}" + (f" ({reason})" if reason else "")

    def _stream_refused(self, src: Source, state: StreamState, detail: str) -> None:
        if state is StreamState.WAITING:
            src.idle = True
            self._set_source(src, state, detail)
            return
        self._set_source(src, state, detail)
        if state is StreamState.FORBIDDEN:
            self._set_problem(f"forbidden: {detail}", "error")
        elif state is StreamState.NOT_FOUND:
            what = f"pod {src.namespace}/{src.pod}"
            self._set_problem(f"{what} not found: it was deleted ({detail})", "error")
            self._end_source(src, "deleted")

    def _on_stream_state(self, stream: LogStream) -> None:
        src = self.sources[stream.source] if 0 <= stream.source < len(self.sources) else None
        if src is None or src.stream is not stream:
            return
        src.state, src.detail = stream.state, stream.detail
        self.version += 1

    def _set_source(self, src: Source, state: StreamState, detail: str) -> None:
        src.state, src.detail = state, detail
        self.version += 1

    def _end_source(self, src: Source, why: str) -> None:
        if src.ended:
            return
        src.ended = True
        if src.parked:  # not followed: it ends without a word (it has said "no longer followed")
            return
        if src.task is not None and src.task is not asyncio.current_task():
            src.task.cancel()
        self._set_source(src, StreamState.ENDED, why)
        if self.target.single_pod and why == "deleted" and not self._problem:
            self._set_problem(f"pod {src.namespace}/{src.pod} was deleted", "error")
        what = f"{src.pod}/{src.container}" if src.container else src.pod
        self._note(f"■ {what} ended: pod {why}" if why == "deleted" else f"■ {what} ended: {why}", src.index)

    # -- which pods (over the limit) -----------------------------------------------------------------
    def _park(self, uids: list[str], quiet: bool = False) -> None:
        """Stop following these pods (another pod is more relevant, or the user chose others)."""
        for uid in uids:
            parked = None
            for src in self._by_uid.get(uid, ()):
                if src.ended or src.parked:
                    continue
                src.parked = True
                if src.task is not None and src.task is not asyncio.current_task():
                    src.task.cancel()
                src.task = None
                self._set_source(src, StreamState.ENDED, "not followed")
                parked = src
            if parked is not None and not quiet:
                self._note(f"■ pod {parked.pod} no longer followed: more relevant pods (limit "
                           f"{self.fanout.limit}; P to choose)", parked.index)

    def choose(self, uids: list[str] | None) -> None:
        """Follow exactly these pods (the pod picker), or None: the most relevant pods, automatically."""
        if self.target.single_pod or self.pods is None:
            return
        fanout = self.fanout
        fanout.choose(uids)
        start, stop = fanout.plan()
        self._park(stop, quiet=True)
        for uid in start:
            pod = self.pods.get(uid)
            if pod is not None:
                self._reconcile_pod(pod)
        if fanout.chosen is None:
            self._note(f"▶ following the {len(fanout.followed)} most relevant of {len(fanout.ranks):,} pods", -1)
        else:
            self._note(f"▶ following {len(fanout.followed)} chosen pod{'s' if len(fanout.followed) != 1 else ''}"
                       f" of {len(fanout.ranks):,}", -1)
        self.version += 1

    def pod_choices(self) -> list[PodChoice]:
        """Every pod the target selects, the most relevant first, marked when followed (for the picker)."""
        if self.pods is None or self.target.single_pod:
            return []
        fanout = self.fanout
        out = []
        for uid in sorted(fanout.ranks, key=fanout.ranks.__getitem__):
            pod = self.pods.get(uid)
            if pod is not None:
                out.append(pod_choice(pod, uid in fanout.followed))
        return out

    def _set_problem(self, text: str, severity: str) -> None:
        self._problem, self._severity = text, severity
        self.version += 1

    # -- lines -------------------------------------------------------------------------------------
    def _note(self, text: str, source: int) -> None:
        self._sink([note_line(text, source)])

    def _sink(self, lines: list[LogLine]) -> None:
        self.formats.observe(lines)  # a stream's first lines decide its format; then two lookups a batch
        if len(self.sources) <= 1 and not self._pending:
            self.buffer.extend(lines)
            return
        self._pending.extend(lines)
        if len(self._pending) >= self.buffer.capacity:
            self.flush()
        elif self._flush_handle is None:
            with contextlib.suppress(RuntimeError):
                self._flush_handle = asyncio.get_running_loop().call_later(self.flush_seconds, self._timed_flush)

    def _timed_flush(self) -> None:
        self._flush_handle = None
        self.flush()

    def flush(self) -> None:
        """Move waiting lines into the buffer, merged by timestamp."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        pending.sort(key=_ts_key)
        self.buffer.extend(pending)

    # -- status ------------------------------------------------------------------------------------
    def source(self, index: int) -> Source | None:
        return self.sources[index] if 0 <= index < len(self.sources) else None

    def summary(self) -> SessionSummary:
        streaming = reconnecting = waiting = ended = 0
        problem, severity = self._problem, self._severity
        shown = [s for s in self.sources if not s.hidden and not s.parked]
        for s in shown:
            if s.ended or s.state is StreamState.ENDED:
                ended += 1
            elif s.state is StreamState.STREAMING or s.state is StreamState.CONNECTING:
                streaming += 1
            elif s.state is StreamState.RECONNECTING:
                reconnecting += 1
                if not problem:
                    problem, severity = f"reconnecting: {s.detail}", "warning"
            elif s.state is StreamState.WAITING:
                waiting += 1
            elif s.state in (StreamState.FORBIDDEN, StreamState.ERROR, StreamState.NOT_FOUND) and not problem:
                problem, severity = f"{s.state.value}: {s.detail}", "error"
        if not problem and not shown and self.pods is not None:
            health = getattr(self.pods, "health", None)
            state = getattr(getattr(health, "state", None), "value", "")
            if state in ("forbidden", "error"):
                problem, severity = f"{state}: cannot list pods: {getattr(health, 'error', '')}", "error"
            elif self.pods.synced and not self.target.single_pod:
                problem, severity = "no pods match (yet); new pods join automatically", "warning"
            else:
                problem, severity = "loading pods…", "warning"
        if not problem and shown and waiting == len(shown):
            details = {s.detail for s in shown if s.detail}
            problem, severity = ("waiting: " + "; ".join(sorted(details))[:200] if details else "waiting"), "warning"
        pods = len({s.uid or s.pod for s in shown if not s.ended})
        fanout = self.fanout
        if self.target.single_pod:
            return SessionSummary(pods, len(shown), streaming, reconnecting, waiting, ended, problem, severity)
        return SessionSummary(pods, len(shown), streaming, reconnecting, waiting, ended, problem, severity,
                              matching=len(fanout.ranks), following=len(fanout.followed), limit=fanout.limit,
                              chosen=fanout.chosen is not None)


def _ts_key(line: LogLine) -> str:
    return line.ts

