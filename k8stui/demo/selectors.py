"""Label and field selectors in the Kubernetes query syntax (``app=api,version in (blue,green)``).

Parsed once per request into a predicate, so a LIST of 10k pods or a busy WATCH tests each object cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request

Predicate = Callable[[dict[str, Any]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9._/-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside ``( )``."""
    terms, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        terms.append("".join(cur))
    return [t for t in terms if t.strip()]


def parse_label_selector(text: str | None) -> Predicate | None:
    """A predicate over an object's labels, or None for "everything"."""
    if not text:
        return None
    checks: list[Callable[[dict[str, str]], bool]] = []
    for term in _split_terms(text):
        m = _EQ_RE.match(term)
        if m:
            key, op, value = m.groups()
            if op == "!=":
                checks.append(lambda lb, k=key, v=value: lb.get(k) != v)
            else:
                checks.append(lambda lb, k=key, v=value: lb.get(k) == v)
            continue
        m = _SET_RE.match(term)
        if not m:
            raise bad_request(f"unable to parse requirement: invalid label selector {text!r}")
        neg, key, op, values = m.groups()
        if op:
            vals = {v.strip() for v in values.split(",") if v.strip()}
            if op == "in":
                checks.append(lambda lb, k=key, vs=vals: lb.get(k) in vs)
            else:
                checks.append(lambda lb, k=key, vs=vals: lb.get(k) not in vs)
        elif neg:
            checks.append(lambda lb, k=key: k not in lb)
        else:
            checks.append(lambda lb, k=key: k in lb)

    def predicate(obj: dict[str, Any]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(c(labels) for c in checks)

    return predicate


def _field_value(obj: dict[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
        if cur is None:
            return ""
    return str(cur) if not isinstance(cur, bool) else str(cur).lower()


def field_selector_labels(text: str | None) -> list[str]:
    """The field labels a selector names (``status.phase`` in ``status.phase=Running,spec.nodeName!=``)."""
    if not text:
        return []
    return [m.group(1) for term in _split_terms(text)
            if (m := re.match(r"^\s*([A-Za-z0-9._]+)\s*(?:==|=|!=)", term))]


def parse_field_selector(text: str | None) -> Predicate | None:
    """Field selectors: ``metadata.name=x``, ``spec.nodeName!=``, ``status.phase=Running``, dotted paths."""
    if not text:
        return None
    checks: list[tuple[str, bool, str]] = []
    for term in _split_terms(text):
        m = re.match(r"^\s*([A-Za-z0-9._]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request(f"invalid field selector: {text!r}")
        path, op, value = m.groups()
        checks.append((path, op == "!=", value))

    def predicate(obj: dict[str, Any]) -> bool:
        for path, negate, value in checks:
            if (_field_value(obj, path) == value) == negate:
                return False
        return True

    return predicate


def match_labels(selector: dict[str, Any] | None, labels: dict[str, str] | None) -> bool:
    """LabelSelector object semantics (matchLabels + matchExpressions). An empty selector matches all."""
    if not selector:
        return True
    labels = labels or {}
    if "matchLabels" in selector or "matchExpressions" in selector:
        for k, v in (selector.get("matchLabels") or {}).items():
            if labels.get(k) != v:
                return False
        for expr in selector.get("matchExpressions") or []:
            key, op, vals = expr.get("key"), expr.get("operator"), set(expr.get("values") or [])
            if op == "In" and labels.get(key) not in vals:
                return False
            if op == "NotIn" and labels.get(key) in vals:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True
    # A plain map (Service.spec.selector)
    return all(labels.get(k) == v for k, v in selector.items())


def selector_string(selector: dict[str, Any] | None) -> str:
    """Render a selector the way kubectl shows it (``app=api,version=blue``)."""
    if not selector:
        return "<none>"
    if "matchLabels" in selector or "matchExpressions" in selector:
        parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
        for e in selector.get("matchExpressions") or []:
            op = e.get("operator")
            if op in ("In", "NotIn"):
                parts.append(f"{e['key']} {op.lower()} ({','.join(e.get('values') or [])})")
            elif op == "Exists":
                parts.append(e["key"])
            else:
                parts.append(f"!{e['key']}")
        return ",".join(parts) or "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
