"""Kubernetes JSONPath for CRD printer columns (``.status.conditions[?(@.type=="Ready")].status``).

The expressions printer columns use are the "simple" subset of Kubernetes' JSONPath (no ``{}`` templates,
no ranges); jsonpath-ng's extended parser reads them once ``$`` is put in front. Parsed expressions are
cached, since every row of every Table evaluates the same few.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1024)
def compile_path(expression: str) -> Any | None:
    """The parsed expression, or None when it is not a simple JSONPath (``.a.b``, ``[0]``, ``[*]``, filters)."""
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError  # noqa: PLC0415
    from jsonpath_ng.ext import parse  # noqa: PLC0415

    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if not text.startswith("."):
        return None
    try:
        return parse("$" + text)
    except (JsonPathLexerError, JsonPathParserError, Exception):  # jsonpath-ng raises plain Exceptions too
        return None


def find_first(expression: str, obj: Any) -> tuple[bool, Any]:
    """(found, value) of the first match of ``expression`` in ``obj``."""
    path = compile_path(expression)
    if path is None:
        return False, None
    try:
        matches = path.find(obj)
    except Exception:  # a filter comparing mismatched types
        return False, None
    if not matches:
        return False, None
    return True, matches[0].value
