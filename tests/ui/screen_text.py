"""What the terminal shows, as text: the screen painted by Textual's compositor, one string per row.

The one place tests read painted cells (``Screen._compositor`` is Textual internals, the same call
``App.export_screenshot`` makes), so that a widget whose content area is zero rows high cannot pass a test
by rendering into nothing.
"""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App


def screen_lines(app: App) -> list[str]:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False).splitlines()
