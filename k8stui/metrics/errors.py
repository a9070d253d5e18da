"""The metrics errors the panes show, each one line — kept apart from the client so that importing them (and
the poller) does not import ``requests`` and prometheus-api-client before a pane needs them."""

from __future__ import annotations

import json
import re


class MetricsError(Exception):
    """A one-line, user-facing description of why metrics could not be read."""


class PrometheusUnavailable(MetricsError):
    """Prometheus cannot answer at all (down, slow, wrong URL, TLS, 401/403, not a Prometheus)."""


class PromQLError(MetricsError):
    """Prometheus answered but rejected the query; the message is Prometheus's own error text."""


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def error_detail(body: bytes) -> str:
    """Prometheus's ``error`` (or a Kubernetes Status ``message``) from a response body, else its first text."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        for key in ("error", "message"):
            if isinstance(doc.get(key), str) and doc[key]:
                return one_line(doc[key])
    text = body.decode("utf-8", "replace")
    text = re.sub(r"<[^>]+>", " ", text)  # an HTML error page: keep its words
    return one_line(text, 160)


def http_error(status: int, body: bytes, display: str) -> MetricsError:
    """The one-line error for a non-200 answer (shared by the query and alerts paths)."""
    detail = error_detail(body)
    if status in (400, 422) and detail:
        return PromQLError(f"bad PromQL: {detail}")
    if status == 401:
        return PrometheusUnavailable(f"Prometheus at {display} answered 401 Unauthorized: check the bearer token "
                                     "or basic auth ([prometheus] in config.toml)")
    if status == 403:
        return PrometheusUnavailable(f"Prometheus at {display} answered 403 Forbidden"
                                     + (f": {detail}" if detail else ""))
    if status == 404:
        return PrometheusUnavailable(f"no Prometheus API at {display} (404 Not Found): check the URL")
    if status == 503 and detail:
        return PrometheusUnavailable(f"Prometheus unavailable at {display}: {detail}")
    return PrometheusUnavailable(f"Prometheus at {display} answered HTTP {status}" + (f": {detail}" if detail else ""))
