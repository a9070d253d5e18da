"""The README's pictures show the product at its best: live metrics (never "metrics paused"), the incident
marked (checkout's crash loop on its row, the header's alert count), whole columns. They are made by
screenshots/make_screenshots.py from a running demo; this checks the committed files (no app start)."""

from __future__ import annotations

import re
from pathlib import Path

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def text_of(name: str) -> str:
    svg = (SHOTS / f"{name}.svg").read_text()
    return re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")


def test_the_hero_screenshots_show_live_metrics_and_the_incident():
    for name in ("dashboard", "dashboard-light", "dashboard-logs"):
        text = text_of(name)
        assert "metrics paused" not in text, name
        assert "from Prometheus" in text, name
        assert re.search(r"alerts +\d+ firing", text), f"{name}: the header's alert count"
        assert "CrashLoopBackOff" in text, f"{name}: checkout's row says why it is red"
        assert "ISSUES" in text and "LINT" in text, name
    assert "metrics paused" not in text_of("metrics")
