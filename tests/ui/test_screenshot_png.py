"""The pictures people look at (README screenshots, snapshot SVGs drawn to PNG) show the header as the terminal
does: every label apart from its value (``ns shop  api synced``, not ``shopapi``). Checked on the pixels of the
PNG: a cell that holds a space in the terminal has no ink, the others do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from svg_png import read_png, rsvg, svg_to_png
from textual.app import App, ComposeResult

from k8stui.ui.themes import load_themes
from k8stui.ui.widgets.status_header import HeaderState, StatusHeader

from .screen_text import screen_lines

pytestmark = pytest.mark.skipif(rsvg() is None, reason="rsvg-convert is not installed")

COLS, ROWS = 100, 2


class _HeaderApp(App):
    def compose(self) -> ComposeResult:
        header = StatusHeader()
        header.state = HeaderState(context="demo", cluster="k8stui-demo", namespace="shop", api_health="synced",
                                   metrics_source="prometheus", view="dashboard")
        yield header


def _ink(rows: list[bytes], bpp: int, x0: float, y0: float, w: float, h: float) -> bool:
    """Whether the middle of a cell has pixels unlike the cell's background (its most common colour)."""
    pixels = [rows[y][x * bpp:x * bpp + 3] for y in range(int(y0 + h * 0.2), int(y0 + h * 0.8))
              for x in range(int(x0 + w * 0.2), int(x0 + w * 0.8))]
    background = max(set(pixels), key=pixels.count)
    return sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, background, strict=True)) > 90) >= 3


async def test_header_labels_stand_apart_from_their_values_in_the_png(tmp_path: Path):
    app = _HeaderApp()
    async with app.run_test(size=(COLS, ROWS)) as pilot:
        for theme in load_themes().values():
            app.register_theme(theme)
        app.theme = "k8stui-dark"
        await pilot.pause()
        line = screen_lines(app)[0]
        svg = tmp_path / "header.svg"
        svg.write_text(app.export_screenshot())
    assert "ns shop  api synced" in line
    text = svg.read_text()
    found = re.search(r'translate\(([\d.]+), ([\d.]+)\)" clip-path', text)
    assert found, "no terminal group in the SVG"
    dx, dy = map(float, found.groups())
    width, height, rows, bpp = read_png(svg_to_png(svg))
    cell_w, cell_h = 12.2, 24.4  # Rich's SVG: font size 20, cells 0.61 x 1.22 of it
    stray, blank = [], []
    for col, char in enumerate(line[:COLS]):
        inked = _ink(rows, bpp, dx + col * cell_w, dy, cell_w, cell_h)
        if char == " " and inked:
            stray.append(col)
        elif char not in " -·_.,'" and not inked:
            blank.append(col)
    assert not stray, f"ink where the terminal has spaces, columns {stray}: {line.rstrip()!r}"
    assert not blank, f"no ink where the terminal has text, columns {blank}: {line.rstrip()!r}"
