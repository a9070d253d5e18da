"""The PromQL behind every graph, in one place, per row kind and metric — and the user's overrides.

Real clusters name things differently (recording rules, relabelled ``pod``/``node`` labels, other request
counters), so every template can be replaced in ``config.toml``::

    [promql]
    "deployment.cpu" = 'sum(rate(container_cpu_usage_seconds_total{namespace="$namespace",pod=~"$pod_regex"}[$window]))'
    "namespace.requests" = ""          # an empty template hides that graph
    window = "2m"                      # the shortest rate() window (default 1m)

Templates use ``$name``-style placeholders (PromQL itself never uses ``$``): ``$namespace``, ``$name``, ``$app``,
``$pod_regex`` (a deployment's pods), ``$node`` and ``$window``. Values are escaped for PromQL strings.
A template must return the metric's base unit: cores, bytes, requests/s, a 0-1 ratio, or a count.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from .targets import KINDS, Target


class TemplateError(ValueError):
    """A one-line description of a bad ``[promql]`` entry in the config file."""


@dataclass(frozen=True)
class MetricSpec:
    """One graph: what it is called, its display unit, and the factor from the query's base unit."""

    key: str
    title: str
    unit: str
    scale: float = 1.0


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("cpu", "CPU", "cores"),
    MetricSpec("memory", "Memory", "MiB", 1 / (1024 * 1024)),
    MetricSpec("requests", "Requests", "req/s"),
    MetricSpec("errors", "5xx ratio", "%", 100.0),
    MetricSpec("restarts", "Restarts", "restarts"),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}
PLACEHOLDERS = ("namespace", "name", "app", "pod_regex", "node", "window")
DEFAULT_WINDOW = "1m"

_C = 'container!="",container!="POD"'
_HTTP = 'http_requests_total{namespace="$namespace",app="$app"'


def _ratio(by: str, selector: str) -> str:
    """5xx share of requests per ``by`` group; groups with no 5xx at all show 0 rather than vanish."""
    errors = f'sum by ({by}) (rate({selector},code=~"5.."}}[$window]))'
    total = f"sum by ({by}) (rate({selector}}}[$window]))"
    return f"({errors} or {total} * 0) / {total}"


DEFAULT_TEMPLATES: dict[str, str] = {
    "pod.cpu": f'sum(rate(container_cpu_usage_seconds_total{{namespace="$namespace",pod="$name",{_C}}}[$window]))',
    "pod.memory": f'sum(container_memory_working_set_bytes{{namespace="$namespace",pod="$name",{_C}}})',
    "pod.requests": f"sum by (version) (rate({_HTTP}}}[$window]))",
    "pod.errors": _ratio("version", _HTTP),
    "pod.restarts": 'sum(kube_pod_container_status_restarts_total{namespace="$namespace",pod="$name"})',
    "deployment.cpu": ("sum(rate(container_cpu_usage_seconds_total"
                       f'{{namespace="$namespace",pod=~"$pod_regex",{_C}}}[$window]))'),
    "deployment.memory": f'sum(container_memory_working_set_bytes{{namespace="$namespace",pod=~"$pod_regex",{_C}}})',
    "deployment.requests": f"sum by (version) (rate({_HTTP}}}[$window]))",
    "deployment.errors": _ratio("version", _HTTP),
    "deployment.restarts": 'sum(kube_pod_container_status_restarts_total{namespace="$namespace",pod=~"$pod_regex"})',
    "node.cpu": f'sum(rate(container_cpu_usage_seconds_total{{node="$node",{_C}}}[$window]))',
    "node.memory": f'sum(container_memory_working_set_bytes{{node="$node",{_C}}})',
    "node.restarts": ("sum(kube_pod_container_status_restarts_total * on (namespace, pod) group_left () "
                      'kube_pod_info{node="$node"})'),
    "namespace.cpu": f'sum(rate(container_cpu_usage_seconds_total{{namespace="$namespace",{_C}}}[$window]))',
    "namespace.memory": f'sum(container_memory_working_set_bytes{{namespace="$namespace",{_C}}})',
    "namespace.requests": 'sum by (app, version) (rate(http_requests_total{namespace="$namespace"}[$window]))',
    "namespace.errors": _ratio("app, version", 'http_requests_total{namespace="$namespace"'),
    "namespace.restarts": 'sum(kube_pod_container_status_restarts_total{namespace="$namespace"})',
}

# How a workload's pods are named after it: NAME-HASH-XXXXX (Deployment), NAME-ORDINAL (StatefulSet), NAME-XXXXX.
POD_NAME_SUFFIX = {"": "-[a-z0-9]+-[a-z0-9]+", "statefulset": "-[0-9]+", "daemonset": "-[a-z0-9]+",
                   "job": "-[a-z0-9]+", "replicaset": "-[a-z0-9]+", "cronjob": "-[0-9]+-[a-z0-9]+"}

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


def parse_duration(text: str) -> int:
    """``90s``, ``2m``, ``1h30m`` → seconds; TemplateError otherwise."""
    m = _DURATION.match(text.strip())
    if not text.strip() or not m or not any(m.groups()):
        raise TemplateError(f"promql window {text!r} is not a duration like 30s, 1m or 1h30m")
    h, mi, s = (int(g or 0) for g in m.groups())
    seconds = h * 3600 + mi * 60 + s
    if seconds <= 0:
        raise TemplateError(f"promql window {text!r} must be longer than 0s")
    return seconds


def promql_string(value: str) -> str:
    """``value`` escaped for the inside of a PromQL double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def promql_regex(value: str) -> str:
    """``value`` as a literal inside an RE2 regex (then string-escaped by the caller)."""
    return _REGEX_SPECIAL.sub(r"\\\1", value)


def duration_text(seconds: int) -> str:
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


class Templates:
    """The effective templates: defaults with the ``[promql]`` overrides applied (validated up front)."""

    def __init__(self, overrides: Mapping[str, object] | None = None) -> None:
        self.templates = dict(DEFAULT_TEMPLATES)
        self.overridden: set[str] = set()
        self.min_window = parse_duration(DEFAULT_WINDOW)
        for key, value in (overrides or {}).items():
            if not isinstance(value, str):
                raise TemplateError(f"[promql] {key} must be a string, got {value!r}")
            if key == "window":
                self.min_window = parse_duration(value)
                continue
            kind, _, metric = key.partition(".")
            if kind not in KINDS or metric not in METRIC_BY_KEY:
                raise TemplateError(f"[promql] unknown key {key!r}: use KIND.METRIC with KIND in "
                                    f"{'/'.join(KINDS)} and METRIC in {'/'.join(METRIC_BY_KEY)}, or window")
            self._check(key, value)
            self.templates[key] = value
            self.overridden.add(key)

    @staticmethod
    def _check(key: str, text: str) -> None:
        try:
            string.Template(text).substitute(dict.fromkeys(PLACEHOLDERS, "x"))
        except KeyError as exc:
            raise TemplateError(f"[promql] {key} uses unknown placeholder ${exc.args[0]} "
                                f"(known: {', '.join('$' + p for p in PLACEHOLDERS)})") from None
        except ValueError as exc:
            raise TemplateError(f"[promql] {key}: {exc} (write $$ for a literal $)") from None

    def template(self, kind: str, metric: str) -> str:
        """The raw template ("" when the user switched that graph off or none exists for the kind)."""
        return self.templates.get(f"{kind}.{metric}", "")

    def metrics_for(self, kind: str) -> tuple[MetricSpec, ...]:
        return tuple(m for m in METRICS if self.template(kind, m.key))

    def window_for(self, step: int) -> str:
        """The rate() window: at least the configured minimum and at least two steps (no gaps between points)."""
        return duration_text(max(self.min_window, 2 * step))

    def render(self, target: Target, metric: str, step: int = 0) -> str:
        """The PromQL for ``metric`` of ``target``; "" when there is no template."""
        text = self.template(target.kind, metric)
        if not text:
            return ""
        values = {
            "namespace": promql_string(target.namespace),
            "name": promql_string(target.name),
            "app": promql_string(target.app or target.name),
            "pod_regex": promql_string(promql_regex(target.name) + POD_NAME_SUFFIX.get(target.workload,
                                                                                        POD_NAME_SUFFIX[""])),
            "node": promql_string(target.name if target.kind == "node" else ""),
            "window": self.window_for(step),
        }
        return string.Template(text).substitute(values)
