"""Completion for the ``:`` command line: kinds from the server's registry, the app's views, and the names that
follow ``:ns``, ``:ctx`` and ``:xray``.

``CommandCompleter.candidates(text)`` returns whole command lines that complete what was typed, best first: a
kind the prefix names exactly, then kinds whose plural starts with it, then other names (short names, kinds,
``plural.group``), then the app's views. ``CommandSuggester`` feeds the first one to the command bar as grey
ghost text (``→`` or ``tab`` takes it; ``tab`` again moves to the next candidate). The registry is read when
asked, so a CRD discovery learns of is offered at the next keystroke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual.suggester import Suggester

from ..cluster.registry import KindRegistry
from .commands import NAMESPACE_WORDS

MAX_CANDIDATES = 50
_VIEW_WORDS = ("dashboard", "contexts", "ctx", "namespaces", "ns", "alerts", "audit", "xray", "help", "quit")
_NAMESPACE_ARGS = (*NAMESPACE_WORDS, "xray", "x-ray")
_CONTEXT_ARGS = ("ctx", "context", "contexts")


class CommandCompleter:
    """Completion candidates for a ``:`` command line (see the module docstring)."""

    def __init__(self, registry: Callable[[], KindRegistry], namespaces: Callable[[], Iterable[str]] = tuple,
                 contexts: Callable[[], Iterable[str]] = tuple, aliases: Callable[[], Iterable[str]] = tuple) -> None:
        self.registry = registry
        self.namespaces = namespaces
        self.contexts = contexts
        self.aliases = aliases

    def candidates(self, text: str) -> list[str]:
        if not text or text != text.lstrip():
            return []
        head, space, rest = text.partition(" ")
        if not space:
            return self._heads(head)
        if " " in rest.strip():
            return []
        word = head.lower()
        if word in _NAMESPACE_ARGS:
            names: Iterable[str] = [*self.namespaces(), *(["all"] if word in NAMESPACE_WORDS else [])]
        elif word in _CONTEXT_ARGS:
            names = self.contexts()
        else:
            return []
        return [f"{head} {n}" for n in sorted(set(names)) if n.startswith(rest) and n != rest][:MAX_CANDIDATES]

    def _heads(self, prefix: str) -> list[str]:
        p = prefix.lower()
        words: list[str] = []
        for completion in self.registry().complete(p, limit=MAX_CANDIDATES):
            if completion.name.startswith(p):
                words.append(completion.name)
            elif completion.matched.startswith(p):
                words.append(completion.matched)  # typed a short name: complete it ("st" -> "sts")
        words += [w for w in (*_VIEW_WORDS, *self.aliases()) if w.startswith(p)]
        out: list[str] = []
        for word in words:
            if word != p and word not in out:
                out.append(word)
        return out[:MAX_CANDIDATES]


class CommandSuggester(Suggester):
    """The best candidate as the command bar's ghost text, in ``:`` mode only (``/`` filters get none)."""

    def __init__(self, completer: CommandCompleter, active: Callable[[], bool]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.completer = completer
        self.active = active

    async def get_suggestion(self, value: str) -> str | None:
        if not self.active():
            return None
        found = self.completer.candidates(value)
        return found[0] if found else None




class BarCompletion:
    """``tab`` in the command bar: take the first candidate, then the next on each further ``tab``; and the
    grey suggestion as one types (``attach``)."""

    def __init__(self, completer: CommandCompleter) -> None:
        self.completer = completer
        self._cycle: list[str] = []
        self._index = 0

    def attach(self, bar: Any) -> None:
        bar.suggester = CommandSuggester(self.completer, lambda: bar.mode == ":")

    def complete(self, bar: Any) -> None:
        value = bar.value
        if self._cycle and value == self._cycle[self._index]:
            self._index = (self._index + 1) % len(self._cycle)
        else:
            self._cycle, self._index = self.completer.candidates(value), 0
        if not self._cycle:
            return
        bar.value = self._cycle[self._index]
        bar.cursor_position = len(bar.value)


def app_completer(app: Any) -> CommandCompleter:
    """A completer reading the app's current registry, namespaces, contexts and aliases when asked."""

    def namespaces() -> list[str]:
        informer = app.hub.peek("namespaces", None)
        names = [str((o.get("metadata") or {}).get("name") or "") for o in informer.objects()] if informer else []
        return [n for n in names if n] or [app.namespace]

    return CommandCompleter(lambda: app.discovery.registry, namespaces, lambda: app.context_names()[0],
                            lambda: list(app.settings.aliases))


__all__ = ["BarCompletion", "CommandCompleter", "CommandSuggester", "app_completer"]
