"""Health findings (``:lint``): what in the cluster will hurt during the next incident, and how to fix it.

Each ``Finding`` names one object, a severity, what is wrong with it (``summary``), one line of why it matters
and the fix (a kubectl command where one exists). The rules read only what the informers already hold
(a ``Snapshot``); nothing here polls or does I/O.

Two kinds of rules:
- *object rules* look at one object alone (a Deployment's replicas, probes, requests, images; a pod's
  restarts; an HPA at its maximum; a PodDisruptionBudget that allows no disruption). ``FindingsEngine``
  re-runs them only for the uids a change batch names.
- *cluster rules* join kinds (Services and pods, workloads and PDBs, pods and nodes, blue/green pairs,
  ConfigMap/Secret references, PVCs and StorageClasses, RBAC bindings). The engine re-runs them at most
  once per ``cluster_interval`` (1 s).

A rule that needs a kind the snapshot does not have (not watched, or forbidden) stays silent: unknown is
not the same as missing.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..actions.bluegreen import VERSION, find_pairs
from ..actions.burst import BURST_LABEL
from ..cluster.rows import label_selector_text, labels_match, selector_matches
from . import markdown as md
from .snapshot import (
    CLUSTERROLE,
    CLUSTERROLEBINDING,
    CONFIGMAP,
    CRONJOB,
    DAEMONSET,
    DEPLOYMENT,
    HPA,
    JOB,
    NODE,
    PDB,
    POD,
    PVC,
    REPLICASET,
    ROLE,
    ROLEBINDING,
    SECRET,
    SERVICE,
    STATEFULSET,
    STORAGECLASS,
    Obj,
    ObjRef,
    Snapshot,
    containers,
    is_standalone,
    labels_of,
    meta_of,
    pod_spec,
    pod_template,
    pods_of,
    ref_of,
    replicas_of,
    split_image,
    workload_of,
)

RESTART_THRESHOLD = 3
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
VIRTUAL_NODE_LABEL = ("type", "virtual-kubelet")


class Severity(enum.Enum):
    """How soon it bites: ``critical`` (breaking now or at the next restart), ``warning``, ``info``."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the worst; sort ascending to put critical first."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``crit``/``critical``/``warn``/``warning``/``info`` (any case); ValueError otherwise."""
        t = text.strip().lower()
        for sev in cls:
            if sev.value.startswith(t) and t:
                return sev
        raise ValueError(f"unknown severity {text!r} (critical, warning or info)")


_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one object."""

    rule: str
    severity: Severity
    object: ObjRef
    summary: str  # what is wrong with this object
    why: str  # why it matters, one line
    fix: str  # what to do, one line
    command: str = ""  # a command that does (or starts) the fix, when there is one
    affects: str = ""  # the namespace a finding about a cluster-scoped object concerns (RBAC), else ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.rule, self.object.kind, self.object.namespace, self.object.name)

    @property
    def namespace(self) -> str:
        return self.object.namespace or self.affects

    def sort_key(self) -> tuple[Any, ...]:
        return (self.severity.rank, self.namespace, self.object.kind, self.object.name, self.rule)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity.value, **self.object.to_dict(),
                "summary": self.summary, "why": self.why, "fix": self.fix, "command": self.command,
                "affects": self.affects}

    @property
    def fix_line(self) -> str:
        """The fix with its command: ``add replicas: kubectl -n shop scale ...``."""
        return f"{self.fix}: {self.command}" if self.command else self.fix


@dataclass(frozen=True)
class Rule:
    """A rule as the help and the filters name it."""

    id: str
    title: str
    severity: Severity  # the usual severity (a few rules raise or lower it per finding)
    scope: str  # "object" or "cluster"


RULES: dict[str, Rule] = {}


def _rule(id_: str, title: str, severity: Severity, scope: str = "object") -> Rule:
    rule = Rule(id_, title, severity, scope)
    RULES[id_] = rule
    return rule


SINGLE_REPLICA = _rule("single-replica", "single replica", Severity.WARNING)
NO_READINESS = _rule("no-readiness-probe", "no readiness probe", Severity.WARNING)
NO_LIVENESS = _rule("no-liveness-probe", "no liveness probe", Severity.INFO)
NO_REQUESTS = _rule("no-requests", "no CPU/memory requests", Severity.WARNING)
NO_LIMITS = _rule("no-memory-limit", "no memory limit", Severity.INFO)
LATEST_IMAGE = _rule("latest-image", ":latest or untagged image", Severity.WARNING)
HPA_AT_MAX = _rule("hpa-at-max", "autoscaler at its maximum", Severity.WARNING)
RESTARTS = _rule("restarts", "restarts repeatedly", Severity.WARNING)
PDB_BLOCKS = _rule("pdb-blocks-evictions", "PodDisruptionBudget allows no disruption", Severity.WARNING)
COLOCATED = _rule("colocated", "all replicas on one node or zone", Severity.WARNING, "cluster")
NO_PDB = _rule("no-pdb", "no PodDisruptionBudget", Severity.WARNING, "cluster")
SERVICE_NO_PODS = _rule("service-no-pods", "Service selects no pods", Severity.WARNING, "cluster")
NO_SERVICE = _rule("no-service", "pods without a Service", Severity.INFO, "cluster")
BG_REPLICAS = _rule("bluegreen-replicas", "blue/green colours differ in replicas", Severity.WARNING, "cluster")
BG_CONFIG = _rule("bluegreen-config", "blue/green colours differ in config", Severity.WARNING, "cluster")
PVC_PENDING = _rule("pvc-pending", "PersistentVolumeClaim pending", Severity.WARNING, "cluster")
MISSING_REF = _rule("missing-reference", "Secret/ConfigMap referenced but missing", Severity.CRITICAL, "cluster")
DEFAULT_SA = _rule("default-sa-rbac", "default ServiceAccount has too many rights", Severity.CRITICAL, "cluster")


def _finding(rule: Rule, ref: ObjRef, summary: str, why: str, fix: str, severity: Severity | None = None,
             *, command: str = "", affects: str = "") -> Finding:
    return Finding(rule.id, severity or rule.severity, ref, summary, why, fix, command, affects)


def _kubectl(ref: ObjRef, *args: str) -> str:
    ns = f"-n {ref.namespace} " if ref.namespace else ""
    return f"kubectl {ns}{' '.join(args)}"


def _resource(ref: ObjRef) -> str:
    return f"{ref.kind.lower()}/{ref.name}"


def _names(items: list[str]) -> str:
    """``container a`` / ``containers a, b``."""
    return f"container{'s' if len(items) > 1 else ''} {', '.join(items)}"


def _has(items: list[str]) -> str:
    return "have" if len(items) > 1 else "has"


def _is_burst(obj: Mapping[str, Any]) -> bool:
    return labels_of(obj).get(BURST_LABEL) == "true"


# == object rules ===========================================================================================

PROBED_KINDS = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, POD)
RESOURCE_KINDS = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, JOB, CRONJOB, POD)


def _single_replica(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind not in (DEPLOYMENT, STATEFULSET) or _is_burst(obj) or replicas_of(obj) != 1:
        return
    yield _finding(SINGLE_REPLICA, ref, "runs a single replica",
                   "one pod restart, node drain or eviction takes it down completely",
                   "run at least two replicas (and add a PodDisruptionBudget)",
                   command=_kubectl(ref, "scale", _resource(ref), "--replicas=2"))


def _app_containers(kind: str, obj: Obj) -> list[Mapping[str, Any]]:
    return [c for c in pod_spec(kind, obj).get("containers") or () if isinstance(c, Mapping)]


def _probes(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind not in PROBED_KINDS or not is_standalone(kind, obj) or _is_burst(obj):
        return
    cs = _app_containers(kind, obj)
    no_ready = [c.get("name", "?") for c in cs if not c.get("readinessProbe")]
    no_live = [c.get("name", "?") for c in cs if not c.get("livenessProbe")]
    if no_ready:
        yield _finding(NO_READINESS, ref, f"{_names(no_ready)} {_has(no_ready)} no readiness probe",
                       "traffic reaches pods before they can serve, and a rollout cannot tell a broken version "
                       "from a working one",
                       f"add a readinessProbe (e.g. an HTTP GET of a health endpoint) to {_names(no_ready)}")
    if no_live:
        yield _finding(NO_LIVENESS, ref, f"{_names(no_live)} {_has(no_live)} no liveness probe",
                       "a hung process (deadlock, stuck event loop) is never restarted",
                       f"add a livenessProbe to {_names(no_live)} that fails only when the process is wedged")


def _resources(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind not in RESOURCE_KINDS or not is_standalone(kind, obj) or _is_burst(obj):
        return
    cs = _app_containers(kind, obj)
    missing: list[str] = []
    no_limit: list[str] = []
    for c in cs:
        res = c.get("resources") or {}
        req = res.get("requests") or {}
        lacking = [r for r in ("cpu", "memory") if not req.get(r)]
        if lacking:
            what = "CPU or memory" if len(lacking) == 2 else "CPU" if lacking == ["cpu"] else "memory"
            missing.append(f"{c.get('name', '?')} ({what})")
        if not (res.get("limits") or {}).get("memory"):
            no_limit.append(c.get("name", "?"))
    target = f"{kind.lower()}/{ref.name}"
    if missing:
        yield _finding(NO_REQUESTS, ref, f"no requests for {_names(missing)}",
                       "the scheduler places its pods blind (overcommitted nodes) and they are the first "
                       "evicted under memory pressure",
                       "set requests sized from observed usage",
                       command=_kubectl(ref, "set resources", target, "--requests=cpu=100m,memory=128Mi"))
    if no_limit:
        yield _finding(NO_LIMITS, ref, f"{_names(no_limit)} {_has(no_limit)} no memory limit",
                       "a memory leak grows until the node runs out and the kernel kills its neighbours",
                       "set a memory limit a little above peak usage",
                       command=_kubectl(ref, "set resources", target, "--limits=memory=512Mi"))


def _latest(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind not in RESOURCE_KINDS or not is_standalone(kind, obj) or _is_burst(obj):
        return
    bad: list[str] = []
    for c in containers(pod_spec(kind, obj), init=True):
        image = str(c.get("image") or "")
        if not image:
            continue
        _repo, tag, digest = split_image(image)
        if digest:
            continue
        if tag == "latest":
            bad.append(f"{c.get('name', '?')} runs {image}")
        elif not tag:
            bad.append(f"{c.get('name', '?')} runs untagged {image} (= :latest)")
    if bad:
        yield _finding(LATEST_IMAGE, ref, "; ".join(f"container {b}" for b in bad),
                       "which version runs depends on when each node pulled it; a restart can change it "
                       "silently and a rollback cannot go back",
                       "pin a version tag or a digest",
                       command=_kubectl(ref, "set image", f"{kind.lower()}/{ref.name}", "CONTAINER=IMAGE:VERSION"))


def _hpa_at_max(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind != HPA:
        return
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    maximum = int(spec.get("maxReplicas") or 0)
    minimum = int(spec.get("minReplicas") or 1)
    if not maximum or minimum >= maximum:
        return
    desired = int(status.get("desiredReplicas") or 0)
    current = int(status.get("currentReplicas") or 0)
    observed = status.get("observedGeneration")
    # A spec changed since the autoscaler last wrote its status (maxReplicas raised): its conditions are stale.
    stale = observed is not None and int(meta_of(obj).get("generation") or 0) > int(observed)
    limited = not stale and any(c.get("type") == "ScalingLimited" and c.get("status") == "True"
                                and c.get("reason") == "TooManyReplicas" for c in status.get("conditions") or ())
    if not (limited or desired >= maximum):
        return
    target = spec.get("scaleTargetRef") or {}
    yield _finding(HPA_AT_MAX, ref,
                   f"{current} of at most {maximum} replicas of {target.get('kind', '')} {target.get('name', '')}"
                   + (" and it wants more" if limited else ""),
                   "if load keeps rising it cannot add pods: latency and errors grow instead",
                   "raise maxReplicas if the nodes have room, or find out why load is this high",
                   command=_kubectl(ref, "patch hpa", ref.name, "-p",
                                    f"'{{\"spec\":{{\"maxReplicas\":{maximum * 2}}}}}'"))


def _restarts(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind != POD:
        return
    status = obj.get("status") or {}
    for cs in [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]:
        count = int(cs.get("restartCount") or 0)
        if count < RESTART_THRESHOLD:
            continue
        name = cs.get("name", "?")
        last = (cs.get("lastState") or {}).get("terminated") or {}
        waiting = ((cs.get("state") or {}).get("waiting") or {}).get("reason") or ""
        looping = waiting == "CrashLoopBackOff"
        reason = last.get("reason") or ""
        code = last.get("exitCode")
        last_text = f"last exit {code}{': ' + reason if reason else ''}" if code is not None else reason
        summary = f"container {name} restarted {count} times" + (" and is in CrashLoopBackOff" if looping else "")
        if last_text:
            summary += f" ({last_text})"
        fix = "read the crashed run's log"
        if reason == "OOMKilled":
            fix = "it ran out of memory: raise its memory limit or find the leak; " + fix
        yield _finding(RESTARTS, ref, summary,
                       "each crash drops in-flight requests and the back-off keeps the pod out of service longer "
                       "each time", fix, Severity.CRITICAL if looping else Severity.WARNING,
                       command=_kubectl(ref, "logs", ref.name, "-c", name, "--previous"))
        return  # one finding per pod: the worst container first is enough to act on


def _pdb_blocks(kind: str, obj: Obj, ref: ObjRef) -> Iterator[Finding]:
    if kind != PDB:
        return
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    why = "node drains and cluster upgrades hang on it until someone deletes it by hand"
    fix = "allow one pod at a time"
    command = _kubectl(ref, "patch pdb", ref.name, "--type=merge", "-p",
                       "'{\"spec\":{\"minAvailable\":null,\"maxUnavailable\":1}}'")
    max_unavailable = spec.get("maxUnavailable")
    if max_unavailable in (0, "0", "0%"):
        yield _finding(PDB_BLOCKS, ref, "maxUnavailable is 0: no pod may ever be evicted", why, fix,
                       command=command)
        return
    if spec.get("minAvailable") == "100%":
        yield _finding(PDB_BLOCKS, ref, "minAvailable is 100%: no pod may ever be evicted", why, fix,
                       command=command)
        return
    if "disruptionsAllowed" not in status or "expectedPods" not in status:
        return
    expected = int(status.get("expectedPods") or 0)
    allowed = int(status.get("disruptionsAllowed") or 0)
    if expected <= 0 or allowed > 0:
        return
    desired = int(status.get("desiredHealthy") or 0)
    healthy = int(status.get("currentHealthy") or 0)
    if desired >= expected:
        yield _finding(PDB_BLOCKS, ref, f"needs {desired} healthy of the {expected} pods it covers: no eviction "
                                        "is ever allowed", why, fix, command=command)
    else:
        yield _finding(PDB_BLOCKS, ref, f"only {healthy} of {expected} pods are healthy (needs {desired}): no "
                                        "eviction is allowed now",
                       "drains block until the unhealthy pods recover",
                       "fix the unhealthy pods first (? on the workload explains why they are not ready)")


ObjectRule = Callable[[str, Obj, ObjRef], Iterator[Finding]]
OBJECT_RULES: tuple[ObjectRule, ...] = (_single_replica, _probes, _resources, _latest, _hpa_at_max, _restarts,
                                        _pdb_blocks)
OBJECT_RULE_KINDS = frozenset({DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, JOB, CRONJOB, POD, HPA, PDB})


def object_findings(kind: str, obj: Obj) -> tuple[Finding, ...]:
    """What the object rules say about one object."""
    if kind not in OBJECT_RULE_KINDS:
        return ()
    ref = ref_of(kind, obj)
    out: list[Finding] = []
    for rule in OBJECT_RULES:
        out.extend(rule(kind, obj, ref))
    return tuple(out)


# == cluster rules ==========================================================================================

def _live_pods(snapshot: Snapshot, namespace: str) -> list[Obj]:
    return [p for p in snapshot.objects(POD, namespace)
            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and not meta_of(p).get("deletionTimestamp")]


def _template_labels(kind: str, obj: Obj) -> dict[str, str]:
    labels = dict(((pod_template(kind, obj) or {}).get("metadata") or {}).get("labels") or {})
    labels.pop("pod-template-hash", None)
    return labels


def _workloads(snapshot: Snapshot, kinds: Iterable[str] = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET)
               ) -> Iterator[tuple[str, Obj]]:
    for kind in kinds:
        for _uid, obj in snapshot.items(kind):
            if is_standalone(kind, obj) and not _is_burst(obj):
                yield kind, obj


def _service_no_pods(snapshot: Snapshot) -> Iterator[Finding]:
    for _uid, svc in snapshot.items(SERVICE):
        spec = svc.get("spec") or {}
        selector = spec.get("selector") or {}
        ns = meta_of(svc).get("namespace") or ""
        if not selector or spec.get("type") == "ExternalName" or not snapshot.sees(POD, ns):
            continue
        pods = _live_pods(snapshot, ns)
        if any(labels_match(selector, labels_of(p)) for p in pods):
            continue
        hint = ""
        for key in sorted(selector):
            rest = {k: v for k, v in selector.items() if k != key}
            values = sorted({labels_of(p).get(key, "<unset>") for p in pods if rest and labels_match(rest, labels_of(p))})
            if values:
                hint = (f"; pods with {label_selector_text({'matchLabels': rest})} have {key}="
                        f"{'/'.join(values)}")
                break
        ref = ref_of(SERVICE, svc)
        sel = label_selector_text({"matchLabels": selector})
        yield _finding(SERVICE_NO_PODS, ref, f"selector {sel} matches no running pod{hint}",
                       "every request to it fails: it has no endpoints",
                       "fix the selector or the pod labels; compare with the pods it should select",
                       command=_kubectl(ref, "get pods --show-labels"))


def _no_service(snapshot: Snapshot) -> Iterator[Finding]:
    for kind, obj in _workloads(snapshot, (DEPLOYMENT, STATEFULSET, REPLICASET)):
        ns = meta_of(obj).get("namespace") or ""
        if not snapshot.sees(SERVICE, ns):
            continue
        ports = [p for c in _app_containers(kind, obj) for p in c.get("ports") or ()]
        if not ports:
            continue  # a worker without ports needs no Service
        labels = _template_labels(kind, obj)
        if any(labels_match((s.get("spec") or {}).get("selector") or {}, labels) for s in snapshot.objects(SERVICE, ns)):
            continue
        ref = ref_of(kind, obj)
        port = ports[0].get("containerPort", "")
        yield _finding(NO_SERVICE, ref, f"its pods listen on port {port} but no Service selects them",
                       "nothing in the cluster can reach it by name (or it is a leftover nobody uses)",
                       "expose it, or delete it if nobody uses it",
                       command=_kubectl(ref, "expose", _resource(ref), f"--port={port}"))


def _node_zone(node: Obj | None) -> str:
    labels = labels_of(node or {})
    return next((labels[k] for k in ZONE_LABELS if labels.get(k)), "")


def _colocated(snapshot: Snapshot) -> Iterator[Finding]:
    if not snapshot.has(POD):
        return
    zones_in_cluster = {_node_zone(n) for n in snapshot.objects(NODE)
                        if labels_of(n).get(VIRTUAL_NODE_LABEL[0]) != VIRTUAL_NODE_LABEL[1]}
    zones_in_cluster.discard("")
    for kind, obj in _workloads(snapshot, (DEPLOYMENT, STATEFULSET)):
        if replicas_of(obj) < 2:
            continue
        pods = [p for p in pods_of(snapshot, kind, obj) if (p.get("spec") or {}).get("nodeName")
                and (p.get("status") or {}).get("phase") == "Running" and not meta_of(p).get("deletionTimestamp")]
        if len(pods) < 2:
            continue
        nodes = {p["spec"]["nodeName"] for p in pods}
        ref = ref_of(kind, obj)
        if len(nodes) == 1:
            node = next(iter(nodes))
            yield _finding(COLOCATED, ref, f"all {len(pods)} running pods are on node {node}",
                           "one node failure or drain takes down every replica at once",
                           "spread them: add a topologySpreadConstraint on kubernetes.io/hostname (or a "
                           "preferred podAntiAffinity), and check nodeSelector/affinity pinning them")
            continue
        if len(zones_in_cluster) < 2:
            continue
        zones = {_node_zone(snapshot.by_name(NODE, None, n)) for n in nodes}
        if len(zones) == 1 and "" not in zones:
            zone = next(iter(zones))
            yield _finding(COLOCATED, ref, f"all {len(pods)} running pods are in zone {zone} "
                                           f"(the cluster has {len(zones_in_cluster)} zones)",
                           "one zone outage takes down every replica at once",
                           "add a topologySpreadConstraint on topology.kubernetes.io/zone", Severity.INFO)


def _no_pdb(snapshot: Snapshot) -> Iterator[Finding]:
    for kind, obj in _workloads(snapshot, (DEPLOYMENT, STATEFULSET)):
        ns = meta_of(obj).get("namespace") or ""
        if replicas_of(obj) < 2 or not snapshot.sees(PDB, ns):
            continue
        labels = _template_labels(kind, obj)
        if any(selector_matches((p.get("spec") or {}).get("selector"), labels) for p in snapshot.objects(PDB, ns)):
            continue
        ref = ref_of(kind, obj)
        selector = (obj.get("spec") or {}).get("selector") or {}
        yield _finding(NO_PDB, ref, f"no PodDisruptionBudget covers its {replicas_of(obj)} replicas",
                       "a node drain or cluster upgrade may evict every replica at the same time",
                       "add a PodDisruptionBudget that lets one pod go at a time",
                       command=_kubectl(ref, "create pdb", ref.name,
                                        f"--selector={label_selector_text(selector)}", "--max-unavailable=1"))


def _normalise(value: Any, colour: str) -> Any:
    """A template part with the colour's name replaced by a placeholder (``api-blue`` ~ ``api-green``)."""
    if isinstance(value, str):
        return value.replace(colour, "{colour}") if colour else value
    if isinstance(value, Mapping):
        return {k: _normalise(v, colour) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, colour) for v in value]
    return value


_IGNORED_POD_KEYS = frozenset({"containers"})
_IGNORED_CONTAINER_KEYS = frozenset({"image"})


def template_differences(a: Obj, b: Obj, colour_a: str, colour_b: str) -> list[str]:
    """How two colours' pod templates differ beyond the image and the colour itself (``container api:
    resources, env``); [] when they agree."""
    ta, tb = pod_template(DEPLOYMENT, a) or {}, pod_template(DEPLOYMENT, b) or {}
    sa = _normalise(ta.get("spec") or {}, colour_a)
    sb = _normalise(tb.get("spec") or {}, colour_b)
    out: list[str] = []
    for key in sorted((set(sa) | set(sb)) - _IGNORED_POD_KEYS):
        if sa.get(key) != sb.get(key):
            out.append(key)
    ca = {c.get("name"): c for c in sa.get("containers") or ()}
    cb = {c.get("name"): c for c in sb.get("containers") or ()}
    for name in sorted(set(ca) | set(cb), key=str):
        if name not in ca or name not in cb:
            out.append(f"container {name} exists in one colour only")
            continue
        keys = [k for k in sorted((set(ca[name]) | set(cb[name])) - _IGNORED_CONTAINER_KEYS)
                if ca[name].get(k) != cb[name].get(k)]
        if keys:
            out.append(f"container {name}: {', '.join(keys)}")
    meta_a = _normalise(ta.get("metadata") or {}, colour_a)
    meta_b = _normalise(tb.get("metadata") or {}, colour_b)
    la = {k: v for k, v in (meta_a.get("labels") or {}).items() if k not in (VERSION, "pod-template-hash")}
    lb = {k: v for k, v in (meta_b.get("labels") or {}).items() if k not in (VERSION, "pod-template-hash")}
    if la != lb:
        out.append("pod labels")
    if (meta_a.get("annotations") or {}) != (meta_b.get("annotations") or {}):
        out.append("pod annotations")
    return out


def _bluegreen(snapshot: Snapshot) -> Iterator[Finding]:
    if not snapshot.has(DEPLOYMENT) or not snapshot.has(SERVICE):
        return
    for pair in find_pairs(snapshot.objects(DEPLOYMENT), snapshot.objects(SERVICE)):
        live_version = pair.live[0][1] if pair.live else sorted(pair.colours)[0]
        live = pair.colours[live_version]
        service = pair.live[0][0] if pair.live else ""
        live_obj = snapshot.by_name(DEPLOYMENT, pair.namespace, live.name)
        for colour in pair.others(live_version):
            obj = snapshot.by_name(DEPLOYMENT, pair.namespace, colour.name)
            if obj is None or live_obj is None:
                continue
            ref = ref_of(DEPLOYMENT, obj)
            where = f"{live.name} ({'live' if service else live_version})"
            if colour.replicas != live.replicas:
                fewer = colour.replicas < live.replicas
                severity = Severity.WARNING if fewer and colour.replicas > 0 else Severity.INFO
                switch = (f"switching Service {service} to {colour.version} " if service else "a switch ")
                yield _finding(BG_REPLICAS, ref, f"runs {colour.replicas} replica{'' if colour.replicas == 1 else 's'}, {where} runs {live.replicas}",
                               (switch + "would serve the same traffic with fewer pods") if fewer
                               else "the colours are not interchangeable: a switch changes capacity",
                               "scale it like the live colour (the switch preflight asks for it anyway)", severity,
                               command=_kubectl(ref, "scale", _resource(ref), f"--replicas={live.replicas}"))
            diffs = template_differences(obj, live_obj, colour.version, live_version)
            if diffs:
                yield _finding(BG_CONFIG, ref, f"differs from {where} in {'; '.join(diffs)}",
                               "a switch changes more than the version: traffic moves to settings nobody "
                               "compared",
                               "compare the two templates and align them, or make the difference deliberate",
                               command=_kubectl(ref, "get deploy", colour.name, live.name, "-o yaml"))


def _pvc_pending(snapshot: Snapshot) -> Iterator[Finding]:
    for _uid, pvc in snapshot.items(PVC):
        if (pvc.get("status") or {}).get("phase") != "Pending":
            continue
        ref = ref_of(PVC, pvc)
        spec = pvc.get("spec") or {}
        cls = spec.get("storageClassName")
        ns = ref.namespace
        users = [meta_of(p).get("name", "") for p in snapshot.objects(POD, ns)
                 if any((v.get("persistentVolumeClaim") or {}).get("claimName") == ref.name
                        for v in (p.get("spec") or {}).get("volumes") or ())]
        events = [e for e in snapshot.events_for(ref) if e.get("type") == "Warning"]
        last = events[-1].get("message", "") if events else ""
        why = f"pods that mount it cannot start ({', '.join(users[:3])}{' ...' if len(users) > 3 else ''})" \
            if users else "a pod that mounts it will not start"
        severity = Severity.WARNING
        if cls and snapshot.has(STORAGECLASS) and snapshot.by_name(STORAGECLASS, None, cls) is None:
            summary = f"Pending: StorageClass {cls} does not exist"
            fix, command = "recreate the claim with an existing StorageClass", "kubectl get storageclass"
        elif spec.get("volumeName"):
            summary = f"Pending: waiting for PersistentVolume {spec['volumeName']}"
            fix, command = "check the volume", f"kubectl get pv {spec['volumeName']}"
        else:
            sc = snapshot.by_name(STORAGECLASS, None, cls) if cls else None
            if sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not users:
                summary = "Pending until a pod uses it (WaitForFirstConsumer)"
                why, fix, severity = "nothing is broken yet; it binds when a pod mounts it", \
                    "nothing to do unless a pod should be using it", Severity.INFO
                command = ""
            else:
                summary = "Pending: no volume provisioned yet"
                fix, command = "see what the provisioner says", _kubectl(ref, "describe pvc", ref.name)
        if last and severity is not Severity.INFO:
            summary += f" — {last}"
        yield _finding(PVC_PENDING, ref, summary, why, fix, severity, command=command)


def _references(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(kind, name, key or "", where) of every required ConfigMap/Secret a pod spec uses."""
    for c in containers(spec, init=True):
        cname = c.get("name", "?")
        for env in c.get("env") or ():
            src = env.get("valueFrom") or {}
            for field_, kind in (("configMapKeyRef", CONFIGMAP), ("secretKeyRef", SECRET)):
                ref = src.get(field_)
                if ref and not ref.get("optional") and ref.get("name"):
                    yield kind, ref["name"], ref.get("key", ""), f"env {env.get('name', '?')} of container {cname}"
        for env_from in c.get("envFrom") or ():
            for field_, kind in (("configMapRef", CONFIGMAP), ("secretRef", SECRET)):
                ref = env_from.get(field_)
                if ref and not ref.get("optional") and ref.get("name"):
                    yield kind, ref["name"], "", f"envFrom of container {cname}"
    for vol in spec.get("volumes") or ():
        vname = vol.get("name", "?")
        if (cm := vol.get("configMap")) and not cm.get("optional") and cm.get("name"):
            yield CONFIGMAP, cm["name"], "", f"volume {vname}"
        if (sec := vol.get("secret")) and not sec.get("optional") and sec.get("secretName"):
            yield SECRET, sec["secretName"], "", f"volume {vname}"
        for source in (vol.get("projected") or {}).get("sources") or ():
            for field_, kind in (("configMap", CONFIGMAP), ("secret", SECRET)):
                ref = source.get(field_)
                if ref and not ref.get("optional") and ref.get("name"):
                    yield kind, ref["name"], "", f"projected volume {vname}"
    for pull in spec.get("imagePullSecrets") or ():
        if pull.get("name"):
            yield SECRET, pull["name"], "", "imagePullSecrets"


def _has_key(obj: Obj, key: str) -> bool:
    return key in (obj.get("data") or {}) or key in (obj.get("binaryData") or {}) or key in (obj.get("stringData") or {})


def _missing_references(snapshot: Snapshot) -> Iterator[Finding]:
    if not snapshot.has(CONFIGMAP) and not snapshot.has(SECRET):
        return
    kinds = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, JOB, CRONJOB, POD)
    for kind, obj in _workloads(snapshot, kinds):
        ns = meta_of(obj).get("namespace") or ""
        problems: list[str] = []
        pull_only = True
        for ref_kind, name, key, where in _references(pod_spec(kind, obj)):
            if not snapshot.sees(ref_kind, ns):
                continue
            target = snapshot.by_name(ref_kind, ns, name)
            if target is None:
                problems.append(f"{ref_kind} {name} ({where}) does not exist")
            elif key and not _has_key(target, key):
                problems.append(f"{ref_kind} {name} has no key {key} ({where})")
            else:
                continue
            pull_only = pull_only and where == "imagePullSecrets"
        if not problems:
            continue
        ref = ref_of(kind, obj)
        seen: list[str] = []
        for p in problems:
            if p not in seen:
                seen.append(p)
        if pull_only:
            yield _finding(MISSING_REF, ref, "; ".join(seen),
                           "images from a private registry cannot be pulled (ErrImagePull)",
                           "create the pull secret", Severity.WARNING,
                           command=_kubectl(ref, "create secret docker-registry NAME --docker-server=..."))
        else:
            yield _finding(MISSING_REF, ref, "; ".join(seen),
                           "its pods cannot start (CreateContainerConfigError or stuck mounting) until it exists",
                           f"create it in namespace {ns} or fix the reference; optional references can be marked "
                           "optional: true")


_WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection", "*"})
_READ_VERBS = frozenset({"get", "list", "watch", "*"})
_RBAC_RESOURCES = frozenset({"roles", "rolebindings", "clusterroles", "clusterrolebindings"})
_WELL_KNOWN_ROLES = {"cluster-admin": (Severity.CRITICAL, "full control of everything"),
                     "admin": (Severity.CRITICAL, "full control of the namespace, including its RBAC and Secrets"),
                     "edit": (Severity.WARNING, "create, change and delete most objects and read Secrets")}


def role_powers(rules: Iterable[Mapping[str, Any]]) -> tuple[Severity | None, list[str]]:
    """How dangerous a set of RBAC rules is: (severity or None when harmless, what it allows)."""
    worst: Severity | None = None
    what: list[str] = []

    def note(sev: Severity, text: str) -> None:
        nonlocal worst
        if worst is None or sev.rank < worst.rank:
            worst = sev
        if text not in what:
            what.append(text)

    for rule in rules:
        verbs = set(rule.get("verbs") or ())
        resources = set(rule.get("resources") or ())
        if not resources:
            continue  # nonResourceURLs only
        if "*" in resources and verbs & _WRITE_VERBS:
            note(Severity.CRITICAL, "write every resource")
        if "*" in verbs and "*" in resources:
            note(Severity.CRITICAL, "do anything")
        if (resources & _RBAC_RESOURCES) and (verbs & (_WRITE_VERBS | {"escalate", "bind"})):
            note(Severity.CRITICAL, "change RBAC (grant itself more)")
        if "impersonate" in verbs:
            note(Severity.CRITICAL, "impersonate other users")
        if ({"secrets", "*"} & resources) and verbs & _READ_VERBS:
            note(Severity.WARNING, "read Secrets")
        if ({"pods/exec", "pods/attach"} & resources) and verbs & {"create", "get", "*"}:
            note(Severity.WARNING, "exec into pods")
        if ({"pods", "deployments", "daemonsets", "statefulsets", "jobs", "cronjobs", "replicasets"} & resources) \
                and verbs & _WRITE_VERBS:
            note(Severity.WARNING, "create or change workloads")
    return worst, what


def _default_sa_subjects(binding: Obj, binding_ns: str) -> list[str]:
    """The namespaces whose default ServiceAccount a binding grants rights to."""
    out: list[str] = []
    for s in binding.get("subjects") or ():
        kind, name = s.get("kind"), s.get("name") or ""
        if kind == "ServiceAccount" and name == "default":
            out.append(s.get("namespace") or binding_ns)
        elif kind == "Group" and name == "system:serviceaccounts":
            out.append("*")
        elif kind == "Group" and name.startswith("system:serviceaccounts:"):
            out.append(name.split(":", 2)[2])
    return out


def _default_sa_rbac(snapshot: Snapshot) -> Iterator[Finding]:
    for kind in (ROLEBINDING, CLUSTERROLEBINDING):
        for _uid, binding in snapshot.items(kind):
            meta = meta_of(binding)
            if (meta.get("name") or "").startswith("system:"):
                continue
            ns = meta.get("namespace") or ""
            namespaces = _default_sa_subjects(binding, ns)
            if not namespaces:
                continue
            role_ref = binding.get("roleRef") or {}
            role_kind, role_name = role_ref.get("kind", ""), role_ref.get("name", "")
            role = snapshot.by_name(CLUSTERROLE if role_kind == CLUSTERROLE else ROLE,
                                    None if role_kind == CLUSTERROLE else ns, role_name)
            if role is not None:
                severity, powers = role_powers(role.get("rules") or ())
            elif role_name in _WELL_KNOWN_ROLES and role_kind == CLUSTERROLE:
                severity, power = _WELL_KNOWN_ROLES[role_name]
                powers = [power]
            else:
                continue
            if severity is None:
                continue
            where = "every namespace" if "*" in namespaces else ", ".join(sorted(set(namespaces)))
            scope = f"in namespace {ns}" if kind == ROLEBINDING else "cluster-wide"
            ref = ref_of(kind, binding)
            subject = ("all ServiceAccounts" if any(n == "*" or not n for n in namespaces)
                       else f"ServiceAccount default of {where}")
            yield _finding(DEFAULT_SA, ref, f"gives {subject} the {role_kind} {role_name} {scope}: it can "
                                            f"{', '.join(powers)}",
                           "every pod that names no ServiceAccount runs with these rights: one compromised "
                           "container gets them all",
                           "bind the role to a dedicated ServiceAccount used only by the pods that need it, then "
                           "remove this binding", severity,
                           command=_kubectl(ref, "delete", kind.lower(), ref.name), affects="" if ns or len(set(namespaces)) != 1 or "*" in namespaces
                           else namespaces[0])


ClusterRule = Callable[[Snapshot], Iterator[Finding]]
CLUSTER_RULES: tuple[ClusterRule, ...] = (_service_no_pods, _no_service, _colocated, _no_pdb, _bluegreen,
                                          _pvc_pending, _missing_references, _default_sa_rbac)
# Kinds any rule reads (what a view should watch for a complete :lint).
WATCHED_KINDS = (POD, DEPLOYMENT, REPLICASET, STATEFULSET, DAEMONSET, JOB, CRONJOB, SERVICE, NODE, HPA, PDB, PVC,
                 STORAGECLASS, CONFIGMAP, SECRET, ROLE, CLUSTERROLE, ROLEBINDING, CLUSTERROLEBINDING, "Event")


def cluster_findings(snapshot: Snapshot) -> tuple[Finding, ...]:
    out: list[Finding] = []
    for rule in CLUSTER_RULES:
        out.extend(rule(snapshot))
    return tuple(out)


def evaluate(snapshot: Snapshot) -> list[Finding]:
    """Every finding for a snapshot, worst first."""
    out: list[Finding] = []
    for kind in snapshot.kinds:
        if kind in OBJECT_RULE_KINDS:
            for _uid, obj in snapshot.items(kind):
                out.extend(object_findings(kind, obj))
    out.extend(cluster_findings(snapshot))
    return sort_findings(out)


# == incremental evaluation =================================================================================

@dataclass
class FindingsEngine:
    """Findings kept current from store change batches: object rules for the changed uids only, cluster
    rules at most once per ``cluster_interval`` seconds (the caller passes ``now``; nothing here sleeps)."""

    cluster_interval: float = 1.0
    _per_object: dict[tuple[str, str], tuple[Finding, ...]] = field(default_factory=dict)
    _cluster: tuple[Finding, ...] = ()
    _cluster_at: float | None = None
    _cluster_dirty: bool = True
    _result: list[Finding] | None = None
    evaluations: int = 0  # object evaluations, for tests and benchmarks
    cluster_runs: int = 0

    def update(self, snapshot: Snapshot, changed: Mapping[str, Iterable[str]] | None, now: float) -> list[Finding]:
        """Apply a change (kind -> uids added, modified or deleted; None = everything may have changed) and
        return the current findings, worst first."""
        if changed is None:
            self._per_object = {}
            for kind in snapshot.kinds:
                if kind in OBJECT_RULE_KINDS:
                    for uid, obj in snapshot.items(kind):
                        self._per_object[(kind, uid)] = object_findings(kind, obj)
                        self.evaluations += 1
            self._cluster_dirty = True
            self._result = None
        else:
            for kind, uids in changed.items():
                uids = list(uids)
                if uids:
                    self._cluster_dirty = True
                if kind not in OBJECT_RULE_KINDS:
                    continue
                for uid in uids:
                    obj = snapshot.get(kind, uid)
                    before = self._per_object.get((kind, uid), ())
                    after = object_findings(kind, obj) if obj is not None else ()
                    self.evaluations += obj is not None
                    if obj is None:
                        self._per_object.pop((kind, uid), None)
                    else:
                        self._per_object[(kind, uid)] = after
                    if before != after:
                        self._result = None
        if self._cluster_dirty and (self._cluster_at is None or now - self._cluster_at >= self.cluster_interval):
            fresh = cluster_findings(snapshot)
            self.cluster_runs += 1
            self._cluster_at = now
            self._cluster_dirty = False
            if fresh != self._cluster:
                self._cluster = fresh
                self._result = None
        if self._result is None:
            self._result = sort_findings([f for fs in self._per_object.values() for f in fs] + list(self._cluster))
        return list(self._result)

    @property
    def pending(self) -> bool:
        """Cluster rules are due once ``cluster_interval`` has passed (call ``update(snapshot, {}, now)``)."""
        return self._cluster_dirty

    @property
    def findings(self) -> list[Finding]:
        return list(self._result or [])


# == reading findings ========================================================================================

def sort_findings(findings: Iterable[Finding], by: str = "severity") -> list[Finding]:
    """Sorted by ``severity`` (worst first), ``object`` (namespace, kind, name) or ``rule``."""
    items = list(findings)
    if by == "object":
        return sorted(items, key=lambda f: (f.namespace, f.object.kind, f.object.name, f.severity.rank, f.rule))
    if by == "rule":
        return sorted(items, key=lambda f: (f.rule, f.severity.rank, f.namespace, f.object.name))
    return sorted(items, key=Finding.sort_key)


def filter_findings(findings: Iterable[Finding], *, namespace: str | None = None,
                    min_severity: Severity | None = None, rules: Iterable[str] | None = None,
                    text: str = "") -> list[Finding]:
    """Findings in ``namespace`` (cluster-scoped ones that concern it too), at least ``min_severity``, of the
    given rules, containing ``text`` (case-insensitive, in object, rule or summary)."""
    wanted = set(rules) if rules is not None else None
    needle = text.lower()
    out = []
    for f in findings:
        if namespace and f.namespace != namespace:
            continue
        if min_severity is not None and f.severity.rank > min_severity.rank:
            continue
        if wanted is not None and f.rule not in wanted:
            continue
        if needle and needle not in f"{f.object.title} {f.rule} {f.summary}".lower():
            continue
        out.append(f)
    return out


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = Counter(f.severity for f in findings)
    return {sev: counts.get(sev, 0) for sev in Severity}


def count_by_workload(findings: Iterable[Finding], snapshot: Snapshot) -> dict[tuple[str, str, str], dict[Severity, int]]:
    """Findings per workload (kind, namespace, name) for the dashboard: a pod's findings count for its
    Deployment (through its ReplicaSet), a blue/green finding for the colour it names."""
    out: dict[tuple[str, str, str], Counter[Severity]] = {}
    for f in findings:
        ref = f.object
        obj = snapshot.get(ref.kind, ref.uid) if ref.uid else snapshot.by_name(ref.kind, ref.namespace, ref.name)
        key = workload_of(snapshot, ref.kind, obj).key if obj is not None and ref.kind in (POD, REPLICASET, JOB) \
            else ref.key
        out.setdefault(key, Counter())[f.severity] += 1
    return {k: {sev: c.get(sev, 0) for sev in Severity} for k, c in out.items()}


def to_json(findings: Iterable[Finding], *, scope: str = "", generated: float | None = None) -> str:
    items = list(findings)
    doc = {"scope": scope or "all namespaces", "generated": md.iso(generated), "count": len(items),
           "bySeverity": {s.value: n for s, n in count_by_severity(items).items()},
           "findings": [f.to_dict() for f in items]}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def to_markdown(findings: Iterable[Finding], *, scope: str = "", generated: float | None = None) -> str:
    items = list(findings)
    counts = count_by_severity(items)
    title = f"## Health findings: {md.escape(scope or 'all namespaces')}"
    lines = [title, ""]
    if generated is not None:
        lines.append(f"Generated {md.utc(generated)} by k8stui.")
    lines.append(", ".join(f"{n} {s.value}" for s, n in counts.items()) + ".")
    lines.append("")
    if not items:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    rows = [[f.severity.value, md.escape(f.object.title), f"{md.escape(f.summary)} ({md.code(f.rule)})",
             md.escape(f.why), md.escape(f.fix) + (f": {md.code(f.command)}" if f.command else "")]
            for f in items]
    lines.append(md.table(["Severity", "Object", "Finding", "Why it matters", "Fix"], rows))
    return "\n".join(lines) + "\n"


__all__ = ["CLUSTER_RULES", "OBJECT_RULES", "RULES", "WATCHED_KINDS", "Finding", "FindingsEngine", "Rule",
           "Severity", "cluster_findings", "count_by_severity", "count_by_workload", "evaluate",
           "filter_findings", "object_findings", "role_powers", "sort_findings", "template_differences",
           "to_json", "to_markdown"]
