"""KeyFooter: Textual's Footer that never cuts a key in half on a narrow terminal.

Textual lays every shown binding out in one row and clips what does not fit (``s Sca`` at 80 columns). A screen
may choose its keys (``footer_bindings``: the resource screens show the keys that act on the view's kind,
``ui.key_scope``). This footer keeps the screen's order (screens list their most used keys first), switches to the compact style
when the full set does not fit, and leaves out the keys that still do not fit, whole; ``?`` lists them all.

The widths follow FooterKey's CSS (Textual 8): " k " + "desc " in the normal style, "k desc" and a one-cell
margin in the compact one; tests/ui/test_small_terminal.py checks the painted row at 80 columns.

Cheap on purpose: Footer recomposes whenever the screen's bindings may have changed (every focus change, a
dozen times while the first screens mount), and each recompose unmounts and styles every key again. This one
recomposes only when what it would show changed (the keys, their state, the width), and gives each new key its
style without FooterKey's watcher (which restyled the unmounted key at once, before mounting styles it again).
The keys of the app's first screen are composed right after its first frame (``K8sTuiApp.first_frame_painted``):
they cost that frame ~30 ms.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the widget Footer composes (not exported by textual.widgets)


def _width(key: FooterKey, compact: bool) -> int:
    if key.has_class("-command-palette"):  # docked right, with a one-cell border on its left
        return len(key.key_display) + 1 + len(key.description) + (1 if compact else 4)
    if not key.description:
        return len(key.key_display) + 1
    if compact:  # "k desc" and a one-cell margin
        return len(key.key_display) + 1 + len(key.description) + 1
    return len(key.key_display) + len(key.description) + 3  # " k " "desc "


def _set_compact(key: FooterKey, compact: bool) -> None:
    """The key's style before it is mounted: its class without the watcher's immediate restyle (mounting styles
    it); its data binding to ``Footer.compact`` then finds the same value and changes nothing."""
    key.set_reactive(FooterKey.compact, compact)
    key.set_class(compact, "-compact", update=False)


class KeyFooter(Footer):
    """A Footer whose keys are shown whole or not at all."""

    _shown: tuple[object, ...] | None = None  # what the last compose showed (see ``_showing``)

    def _showing(self) -> tuple[object, ...]:
        """What compose would show now: the keys (the screen's choice, or all its bindings) with their state, the
        command palette's key, and the width."""
        width = self.size.width or self.app.size.width
        screen = self.screen
        active = screen.active_bindings
        choose = getattr(screen, "footer_bindings", None)
        entries = (choose(active) if choose is not None and self._bindings_ready
                   else [(binding, enabled, tooltip) for _node, binding, enabled, tooltip in active.values()])
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        keys = tuple((binding.key, binding.action, binding.description, binding.key_display, binding.show,
                      binding.group, enabled, tooltip) for binding, enabled, tooltip in entries)
        return (width, self._bindings_ready, self.show_command_palette, palette and palette[2], keys)

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        if not getattr(self.app, "first_frame_painted", True):  # the app's first frame goes first (app.py)
            self.app.call_after_refresh(self.recompose)
            return
        showing = self._showing()
        if showing == self._shown and self.children:
            return  # the same keys again: nothing to unmount and restyle
        await super().recompose()

    def _chosen_keys(self) -> list[Widget] | None:
        """The keys of a screen that chooses them (``footer_bindings``: the keys acting on the view's kind), as
        Footer would draw them; None for other screens (Footer's own choice: every binding shown)."""
        screen = self.screen
        choose = getattr(screen, "footer_bindings", None)
        if choose is None or not self._bindings_ready:
            return None
        active = screen.active_bindings
        items: list[Widget] = [
            FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                      disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)
            for binding, enabled, tooltip in choose(active)]
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:  # as Footer.compose adds it
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, tooltip = found
                items.append(FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                                       binding.action, classes="-command-palette", disabled=not enabled,
                                       tooltip=binding.tooltip or binding.description))
        return items

    def compose(self) -> ComposeResult:
        chosen = self._chosen_keys()
        items = chosen if chosen is not None else list(super().compose())
        keys = [w for w in items if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        others = [w for w in items if w not in keys]
        self._shown = self._showing() if self.is_attached else None
        width = self.size.width or self.app.size.width
        for compact in (False, True):
            if sum(_width(w, compact) for w in items if isinstance(w, FooterKey)) <= width:
                break
        if self.has_class("-compact") != compact:
            self.set_class(compact, "-compact")  # the style, without the recompose the reactive would start
        self.set_reactive(Footer.compact, compact)
        room = width - sum(_width(w, compact) for w in others if isinstance(w, FooterKey))
        shown: list[Widget] = []
        for key in keys:
            room -= _width(key, compact)
            if room < 0:
                break
            _set_compact(key, compact)
            shown.append(key)
        for widget in others:
            if isinstance(widget, FooterKey):
                _set_compact(widget, compact)
        yield from shown + others

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != getattr(self, "_composed_width", None):
            self._composed_width = event.size.width
            self.call_after_refresh(self.recompose)
