"""SVG screenshots (Textual's ``export_screenshot``) to PNG with ``rsvg-convert``, as a person sees them.

Textual writes each run of one style as a ``<text>`` at its cell's x, spaces as ``&#160;``. librsvg drops
the leading spaces of a ``<text>`` unless whitespace is preserved, so a run such as ``"  ns "`` after a value
is drawn two cells to the left, against the value before it: the header read ``shopapi``, table cells ran
together (``3/33``). Converting with ``xml:space="preserve"`` on the root draws every cell where the terminal
does. Used by screenshots/make_screenshots.py; ``read_png`` lets tests look at the pixels (stdlib only)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path


def rsvg() -> str | None:
    return shutil.which("rsvg-convert")


def svg_to_png(svg: Path, png: Path | None = None) -> Path:
    """``svg`` drawn to ``png`` (default: beside it) with whitespace preserved; needs rsvg-convert."""
    png = png or svg.with_suffix(".png")
    text = svg.read_text()
    if 'xml:space="preserve"' not in text[:300]:
        text = text.replace("<svg ", '<svg xml:space="preserve" ', 1)
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as tmp:
        tmp.write(text)
    try:
        subprocess.run([rsvg() or "rsvg-convert", tmp.name, "-o", str(png)], check=True)
    finally:
        Path(tmp.name).unlink()
    return png


def read_png(path: Path) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows, bytes per pixel) of an 8-bit non-interlaced RGB/RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = colour = interlace = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6) and not interlace, "only 8-bit RGB(A) non-interlaced PNGs"
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            corner = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp
