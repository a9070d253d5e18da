"""Prometheus queries through prometheus-api-client, with every failure turned into one line for the user.

Blocking (``requests`` underneath): call it only from thread workers. No automatic retries here — the
poller decides when to try again — so a dead Prometheus is reported within one timeout, not after the
library's three retries with back-off.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from .errors import MetricsError, PrometheusUnavailable, PromQLError, http_error, one_line
from .source import PrometheusEndpoint, SourceError

__all__ = ["InstantResult", "MetricsError", "PromClient", "PromQLError", "PrometheusUnavailable", "translate"]


@dataclass(frozen=True)
class InstantResult:
    """An instant query's answer: ``vector``/``matrix`` (list of series dicts), ``scalar`` or ``string``."""

    result_type: str
    result: Any


_STATUS_TEXT = re.compile(r"HTTP Status Code (\d+) \((b['\"].*['\"])\)\s*$", re.S)


def _connection_reason(exc: BaseException) -> str:
    text = str(exc)
    for needle, reason in (("Connection refused", "connection refused"),
                           ("Name or service not known", "host name not found"),
                           ("nodename nor servname", "host name not found"),
                           ("Temporary failure in name resolution", "host name not found"),
                           ("No route to host", "no route to host"),
                           ("Connection reset", "connection reset"),
                           ("RemoteDisconnected", "connection closed by the server"),
                           ("Connection aborted", "connection closed by the server")):
        if needle in text:
            return reason
    return one_line(type(exc).__name__)


def translate(exc: BaseException, display: str, timeout: float) -> MetricsError:
    """Any exception from a request (requests, the library, JSON) as a MetricsError."""
    if isinstance(exc, MetricsError):
        return exc
    if isinstance(exc, SourceError):
        return PrometheusUnavailable(str(exc))
    if isinstance(exc, PrometheusApiClientException):
        m = _STATUS_TEXT.match(str(exc))
        if m:
            try:
                body = ast.literal_eval(m.group(2))
            except (ValueError, SyntaxError):
                body = b""
            return http_error(int(m.group(1)), body if isinstance(body, bytes) else b"", display)
        return PrometheusUnavailable(f"Prometheus at {display}: {one_line(str(exc))}")
    if isinstance(exc, requests.exceptions.SSLError):
        reason = "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in str(exc) else "TLS handshake failed"
        return PrometheusUnavailable(f"Prometheus unreachable at {display}: {reason} (set ca_file or insecure "
                                     "in [prometheus])")
    if isinstance(exc, requests.exceptions.Timeout):
        return PrometheusUnavailable(f"Prometheus unreachable at {display}: no answer within {timeout:g}s")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return PrometheusUnavailable(f"Prometheus unreachable at {display}: {_connection_reason(exc)}")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return PrometheusUnavailable(f"invalid Prometheus URL {display}: {one_line(str(exc))}")
    if isinstance(exc, ValueError | KeyError | TypeError):  # 200 but not the Prometheus JSON API
        return PrometheusUnavailable(f"{display} does not look like a Prometheus server (unexpected answer)")
    if isinstance(exc, requests.exceptions.RequestException):
        return PrometheusUnavailable(f"Prometheus unreachable at {display}: {one_line(str(exc))}")
    return PrometheusUnavailable(f"Prometheus at {display}: {one_line(f'{type(exc).__name__}: {exc}')}")


def result_type_of(result: Any) -> str:
    """prometheus-api-client returns ``data.result`` only; recover its type from its shape."""
    if isinstance(result, list):
        if len(result) == 2 and isinstance(result[0], int | float) and not isinstance(result[0], bool):
            try:
                float(result[1])
                return "scalar"
            except (TypeError, ValueError):
                return "string"
        if result and isinstance(result[0], dict) and "values" in result[0]:
            return "matrix"
        return "vector"
    return "unknown"


class PromClient:
    """One Prometheus, queried with PrometheusConnect over its own ``requests`` session (not thread-shared)."""

    def __init__(self, endpoint: PrometheusEndpoint) -> None:
        self.endpoint = endpoint
        session = requests.Session()
        session.verify = endpoint.verify
        if endpoint.verify is False:  # the user chose `insecure`: no warning per request on the terminal
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        if endpoint.client_cert:
            session.cert = endpoint.client_cert
        self._prom = PrometheusConnect(url=endpoint.url, headers={}, retry=Retry(total=0, redirect=3),
                                       auth=endpoint.basic_auth, session=session,
                                       timeout=endpoint.timeout)  # type: ignore[arg-type]

    @property
    def display(self) -> str:
        return self.endpoint.display

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            self._prom.headers = self.endpoint.headers()
            return fn(*args, **kwargs)
        except Exception as exc:  # every failure becomes one line
            raise translate(exc, self.display, self.endpoint.timeout) from None

    def query(self, promql: str, at: float | None = None) -> InstantResult:
        """An instant query (``/api/v1/query``)."""
        params = {"time": f"{at:.3f}"} if at is not None else None
        result = self._call(self._prom.custom_query, promql, params=params)
        return InstantResult(result_type_of(result), result)

    def query_range(self, promql: str, start: float, end: float, step: int) -> list[dict[str, Any]]:
        """A range query (``/api/v1/query_range``): a list of ``{"metric": {...}, "values": [[t, "v"], ...]}``."""
        result = self._call(self._prom.custom_query_range, promql,
                            start_time=datetime.fromtimestamp(start, UTC),
                            end_time=datetime.fromtimestamp(end, UTC), step=str(step))
        if not isinstance(result, list):
            raise PrometheusUnavailable(f"{self.display} does not look like a Prometheus server (unexpected answer)")
        return result

    def check(self) -> None:
        """Raise PrometheusUnavailable unless ``/api/v1/query?query=1`` answers."""
        self.query("1")

    def close(self) -> None:
        self._prom.close()
