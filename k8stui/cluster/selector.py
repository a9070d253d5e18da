"""Kubernetes label selectors: parse ``app=api,version!=green,env in (a,b),!canary`` once, match fast.

The grammar, the lexer's rules (which characters end a word, ``in``/``notin`` as keywords except inside a value
list), the validation of keys and values and the matching semantics follow apimachinery's
``pkg/labels/selector.go``, so a selector typed into the app means exactly what it means to the API server
(where ``Informer(label_selector=...)`` sends it) and to kubectl. No maintained Python package parses the
string form (the clients only pass it through), hence this small module.

``parse_filter`` reads the filter a user types into a table (``-l app=api`` or k9s's ``/-l app=api``) and the
argument of ``:pods app=api``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# operators, as selection.Operator spells them
EXISTS, DOES_NOT_EXIST, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, IN, NOT_IN, GREATER_THAN, LESS_THAN = (
    "exists", "!", "=", "==", "!=", "in", "notin", "gt", "lt")

_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_SYMBOLS = {"!=": NOT_EQUALS, "==": DOUBLE_EQUALS, "=": EQUALS, "!": DOES_NOT_EXIST, "(": "(", ")": ")",
            ",": ",", ">": GREATER_THAN, "<": LESS_THAN}
_KEYWORDS = {"in": IN, "notin": NOT_IN}
_ID, _END = "identifier", "end of string"

_NAME_RE = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_PREFIX_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_INT_RE = re.compile(r"[+-]?\d+")


class LabelSelectorError(ValueError):
    """A selector that does not parse; ``str(err)`` is one line for the status bar."""


def _label_key_error(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        return f"invalid label key {key!r}: prefix part must be non-empty"
    if not name:
        return f"invalid label key {key!r}: name part must be non-empty"
    if len(name) > 63 or not _NAME_RE.fullmatch(name):
        return (f"invalid label key {key!r}: name part must be at most 63 characters: alphanumerics, '-', '_' or "
                "'.', starting and ending with an alphanumeric")
    if prefix and (len(prefix) > 253 or not _PREFIX_RE.fullmatch(prefix)):
        return f"invalid label key {key!r}: prefix part must be a lower-case DNS subdomain"
    return None


def _label_value_error(key: str, value: str) -> str | None:
    if value and (len(value) > 63 or not _NAME_RE.fullmatch(value)):
        return (f"invalid value {value!r} for label {key!r}: at most 63 characters: alphanumerics, '-', '_' or '.', "
                "starting and ending with an alphanumeric")
    return None


def _lex(text: str) -> list[tuple[str, str]]:
    """(token, literal) pairs, ending with (_END, "")."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i >= n:
            out.append((_END, ""))
            return out
        if text[i] in _SPECIAL:
            # the longest run of special characters that is still one symbol ("!=" but "!" + "(" for "!(")
            j = i + 1
            while j < n and text[j] in _SPECIAL and text[i:j + 1] in _SYMBOLS:
                j += 1
            out.append((_SYMBOLS[text[i:j]], text[i:j]))
            i = j
        else:
            j = i
            while j < n and text[j] not in _SPECIAL and text[j] not in _WHITESPACE:
                j += 1
            word = text[i:j]
            out.append((_KEYWORDS.get(word, _ID), word))
            i = j


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``key OP values`` term."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in (EQUALS, DOUBLE_EQUALS, IN):
            value = labels.get(self.key)
            return value is not None and value in self.values
        if op in (NOT_EQUALS, NOT_IN):
            value = labels.get(self.key)
            return value is None or value not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        value = labels.get(self.key)
        if value is None or not _INT_RE.fullmatch(value):
            return False
        have, want = int(value), int(self.values[0])
        return have > want if op == GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op == EXISTS:
            return self.key
        if op == DOES_NOT_EXIST:
            return f"!{self.key}"
        if op in (IN, NOT_IN):
            return f"{self.key} {op} ({','.join(sorted(self.values))})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{symbol}{self.values[0]}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items = _lex(text)
        self.pos = 0

    def _look(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (IN, NOT_IN):
            tok = _ID
        return tok, lit

    def _take(self, values: bool = True) -> tuple[str, str]:
        item = self._look(values)
        self.pos += 1
        return item

    def _fail(self, message: str) -> LabelSelectorError:
        return LabelSelectorError(f"invalid label selector {self.text!r}: {message}")

    def parse(self) -> list[Requirement]:
        out: list[Requirement] = []
        while True:
            tok, lit = self._look()
            if tok == _END:
                return out
            if tok not in (_ID, DOES_NOT_EXIST):
                raise self._fail(f"found '{lit}', expected: !, identifier, or 'end of string'")
            out.append(self._requirement())
            tok, lit = self._take()
            if tok == _END:
                return out
            if tok != ",":
                raise self._fail(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self._look()
            if tok not in (_ID, DOES_NOT_EXIST):
                raise self._fail(f"found '{lit or 'end of string'}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        negate = False
        tok, lit = self._take()
        if tok == DOES_NOT_EXIST:
            negate = True
            tok, lit = self._take()
        if tok != _ID:
            raise self._fail(f"found '{lit or 'end of string'}', expected: identifier")
        key = lit
        error = _label_key_error(key)
        if error:
            raise self._fail(error)
        if self._look()[0] in (_END, ","):
            return Requirement(key, DOES_NOT_EXIST if negate else EXISTS)
        if negate:
            raise self._fail(f"found '{self._look()[1]}', expected: ',' or 'end of string' after !{key}")
        tok, lit = self._take(values=False)
        if tok in (IN, NOT_IN):
            values = self._value_set()
        elif tok in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN):
            values = self._exact_value()
        else:
            raise self._fail(f"found '{lit or 'end of string'}', expected: in, notin, =, ==, !=, gt, lt")
        if tok in (GREATER_THAN, LESS_THAN) and not _INT_RE.fullmatch(values[0]):
            raise self._fail(f"for '>' and '<' the value must be an integer, got {values[0]!r}")
        for value in values:
            error = _label_value_error(key, value)
            if error:
                raise self._fail(error)
        return Requirement(key, tok, values)

    def _value_set(self) -> tuple[str, ...]:
        tok, lit = self._take()
        if tok != "(":
            raise self._fail(f"found '{lit or 'end of string'}', expected: '('")
        values: list[str] = []
        tok, lit = self._look()
        if tok == ")":  # "()" is the one empty value
            self._take()
            return ("",)
        if tok not in (_ID, ","):
            raise self._fail(f"found '{lit or 'end of string'}', expected: ',', ')' or identifier")
        while True:
            tok, lit = self._take()
            if tok == _ID:
                values.append(lit)
                nxt, nlit = self._look()
                if nxt == ",":
                    continue
                if nxt == ")":
                    self._take()
                    break
                raise self._fail(f"found '{nlit or 'end of string'}', expected: ',' or ')'")
            if tok == ",":  # an empty value: "(,a" "a,,b" "a,)"
                if not values:
                    values.append("")
                nxt = self._look()[0]
                if nxt == ")":
                    values.append("")
                    self._take()
                    break
                if nxt == ",":
                    values.append("")
                continue
            raise self._fail(f"found '{lit or 'end of string'}', expected: ',', or identifier")
        return tuple(sorted(set(values)))

    def _exact_value(self) -> tuple[str, ...]:
        tok, lit = self._look()
        if tok in (_END, ","):
            return ("",)
        tok, lit = self._take()
        if tok == _ID:
            return (lit,)
        raise self._fail(f"found '{lit}', expected: identifier")


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector: all ``requirements`` must match (an empty selector matches everything,
    ``nothing=True`` matches no object, as for a workload's missing selector)."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        """Parse the string form; raises ``LabelSelectorError`` (one line) when it is not valid."""
        if not isinstance(text, str):
            raise LabelSelectorError(f"invalid label selector: {text!r} is not text")
        reqs = _Parser(text).parse()
        return cls(tuple(sorted(reqs, key=lambda r: r.key)))

    @classmethod
    def from_object(cls, selector: Mapping[str, Any] | None) -> LabelSelector:
        """A ``metav1.LabelSelector`` (``matchLabels`` + ``matchExpressions``). Like apimachinery's
        ``LabelSelectorAsSelector``: None matches nothing, ``{}`` matches everything."""
        if selector is None:
            return cls(nothing=True)
        reqs: list[Requirement] = [Requirement(str(k), EQUALS, (str(v),))
                                   for k, v in (selector.get("matchLabels") or {}).items()]
        ops = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}
        for expr in selector.get("matchExpressions") or ():
            op = ops.get(str(expr.get("operator", "")))
            if op is None:
                raise LabelSelectorError(f"{expr.get('operator')!r} is not a valid label selector operator")
            values = tuple(sorted({str(v) for v in expr.get("values") or ()}))
            reqs.append(Requirement(str(expr.get("key", "")), op, values))
        return cls(tuple(sorted(reqs, key=lambda r: r.key)))

    @property
    def empty(self) -> bool:
        """True when the selector restricts nothing."""
        return not self.requirements and not self.nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels if labels is not None else {}
        for req in self.requirements:
            if not req.matches(labels):
                return False
        return True

    __call__ = matches

    def matches_object(self, obj: Mapping[str, Any]) -> bool:
        """Match an API object's ``metadata.labels``."""
        return self.matches((obj.get("metadata") or {}).get("labels") or {})

    def __str__(self) -> str:
        """The canonical string form (what the API server receives as ``labelSelector``)."""
        return ",".join(str(r) for r in self.requirements)


@dataclass(frozen=True, slots=True)
class FilterQuery:
    """What a table filter asks for: a label selector, free text (substring / regex, the table's business),
    or both (``-l app=api nginx``)."""

    text: str = ""
    selector: LabelSelector | None = None


_FLAG_RE = re.compile(r"^(?:-l|--selector)(?:=|\s+|(?=\S)|$)(?P<rest>.*)$", re.S)
_OPERATOR_RE = re.compile(r"(!=|==|=|>|<|\s(?:not)?in\s*\(|^\s*!)")


def parse_filter(text: str, *, implicit: bool = False) -> FilterQuery:
    """Split a filter the user typed into a label selector and free text.

    ``-l SELECTOR`` / ``--selector SELECTOR`` / ``--selector=SELECTOR`` (kubectl's flags, k9s's ``/-l``) take
    the selector up to the first space that is not inside ``( )``; what follows is free text. With
    ``implicit`` (the argument of ``:pods app=api``), text that contains a selector operator and parses as a
    selector is one too. Raises ``LabelSelectorError`` for an invalid ``-l`` selector."""
    stripped = text.strip()
    m = _FLAG_RE.match(stripped)
    if m:
        sel_text, rest = _split_selector(m.group("rest").strip())
        if not sel_text:
            raise LabelSelectorError("-l needs a label selector, e.g. -l app=api")
        return FilterQuery(rest, LabelSelector.parse(sel_text))
    if implicit and _OPERATOR_RE.search(stripped):
        sel_text, rest = _split_selector(stripped)
        try:
            return FilterQuery(rest, LabelSelector.parse(sel_text))
        except LabelSelectorError:
            return FilterQuery(stripped)
    return FilterQuery(stripped)


def labels_of(row: Any) -> Mapping[str, str]:
    """The labels of a table row, whatever its shape: a ``rows`` projection (``labels`` as sorted pairs), a
    ``tables.TableRow`` (a mapping) or a raw API object (``metadata.labels``)."""
    labels = getattr(row, "labels", None)
    if labels is None and isinstance(row, Mapping):
        labels = (row.get("metadata") or {}).get("labels")
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        return labels
    try:
        return dict(labels)
    except (TypeError, ValueError):
        return {}


@dataclass(frozen=True, slots=True)
class SelectorFilter:
    """A table filter: rows whose labels match ``selector`` and whose text contains ``text`` (when given).
    Duck-types ``table_model.RowFilter`` (``matches(row, plain)``, ``describe()``)."""

    selector: LabelSelector
    text: str = ""

    def matches(self, row: Any, plain: str) -> bool:
        if not self.selector.matches(labels_of(row)):
            return False
        return not self.text or self.text in plain.lower()

    def describe(self) -> str:
        return f"-l {self.selector}" + (f' "{self.text}"' if self.text else "")


def selector_filter(text: str) -> SelectorFilter | None:
    """A filter parser for ``-l SELECTOR [text]`` (None for any other syntax; ``LabelSelectorError`` for a bad
    selector), to put in front of a table model's substring and regex parsers."""
    if not _FLAG_RE.match(text.strip()):
        return None
    query = parse_filter(text)
    return SelectorFilter(query.selector, query.text.lower()) if query.selector is not None else None


def _split_selector(text: str) -> tuple[str, str]:
    """The selector part (up to the first top-level whitespace not next to an operator, comma or list) and
    the rest."""
    depth = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch in _WHITESPACE and depth == 0:
            before = text[:i].rstrip()
            after = text[i:].lstrip()
            joins = (before.endswith((",", "=", "!", "<", ">")) or after.startswith((",", "=", "!=", "(", "<", ">"))
                     or after.startswith(("in ", "in(", "notin ", "notin("))
                     or before.endswith((" in", " notin")))
            if not joins:
                return before, after
        i += 1
    return text.strip(), ""


__all__ = ["FilterQuery", "LabelSelector", "LabelSelectorError", "Requirement", "SelectorFilter", "labels_of",
           "parse_filter", "selector_filter"]
