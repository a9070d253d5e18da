"""Structured logs and search in the logs view, on the demo cluster: the JSON lines of ``notes`` as columns
(level, message, chosen fields) with level colours, one field per row, as written, and filtered by level;
Prometheus's logfmt detected and shown the same way; ``/`` search that highlights, jumps with ``n``/``N`` and
counts, while every other line stays on screen."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.content import Content

from k8stui.logs.buffer import LogBuffer
from k8stui.logs.line import parse_line
from k8stui.logs.structured import (
    JSON,
    LEVEL_LABELS,
    LOGFMT,
    WARN,
    FormatDetector,
    field_counts,
    line_level,
    parse_record,
)
from k8stui.ui.screens.log_dialogs import FieldPicker
from k8stui.ui.screens.logs import LogsScreen
from k8stui.ui.widgets.log_view import COLUMNS, PRETTY, RAW, LogView

from .helpers import SIZE, make_app, wait_until
from .test_logs_pane import open_workload_logs, real_lines


def screen_rows(view: LogView) -> list[tuple[Any, int, Any]]:
    """(line, row within the line, strip) for each row on screen, as the next frame paints them (a column that
    grows while a frame renders makes the view paint again: render twice, like that second frame)."""
    for y in range(view.scrollable_content_region.height):
        view.render_line(y)
    out = []
    top = round(view.scroll_y)
    for y in range(view.scrollable_content_region.height):
        found = view.row_for_y(top + y)
        if found is None:
            continue
        out.append((view.buffer.get(view.index.number(found[0])), found[1], view.render_line(y)))
    return out


def style_colour(view: LogView, component: str) -> Any:
    return view.get_component_rich_style(component).color


async def test_json_lines_as_columns_fields_pretty_raw_and_by_level(demo):
    app = make_app(demo, namespace="team-a")
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_workload_logs(pilot, app, "notes")
        view = panel.view
        await wait_until(pilot, lambda: len(real_lines(panel)) >= 20 and set(panel.formats.formats().values())
                         == {JSON} and len(panel.formats.formats()) == 2, 15, "JSON lines of both notes pods")
        await wait_until(pilot, lambda: view.structured_mode == COLUMNS and "structured: columns" in panel.status_text
                         and len([r for r, _, _ in screen_rows(view) if not r.note]) >= 10, 15, "columns on screen")
        assert view.structured_mode == COLUMNS and "structured: columns" in panel.status_text
        # Columns: the level (coloured by level) and the message; no raw JSON on screen.
        rows = [(line, strip) for line, _, strip in screen_rows(view) if not line.note]
        assert len(rows) >= 10
        for line, strip in rows:
            record = parse_record(line.plain, JSON)
            label = LEVEL_LABELS[record.level]
            text = strip.text
            assert f"{label} {record.msg}" in text and '{"ts"' not in text and f"logger={record.get('logger')}" in text
            level_seg = next(seg for seg in strip if seg.text == label)
            name = ("debug", "info", "warn", "error")[record.level]
            assert level_seg.style.color == style_colour(view, f"log-view--level-{name}")

        # F: choose duration_ms as a column; the other fields are no longer shown, the column is aligned.
        await pilot.press("F")
        assert isinstance(app.screen, FieldPicker)
        assert "duration_ms" in app.screen.order and "seq" in app.screen.order
        await pilot.press(*"duration", "down", "space", "enter")
        assert isinstance(app.screen, LogsScreen) and view.fields == ("duration_ms",)
        await wait_until(pilot, lambda: all("duration_ms=" in strip.text for ln, _, strip in screen_rows(view)
                                            if not ln.note), 15, "the duration_ms column on screen")
        texts = [strip.text for line, _, strip in screen_rows(view) if not line.note]
        assert all("duration_ms=" in t and "logger=" not in t for t in texts)
        assert len({t.index("duration_ms=") for t in texts}) == 1  # one column

        # J: one field per row ("pretty"); the virtual height counts every row of every line.
        await pilot.press("J")
        assert view.structured_mode == PRETTY and view.multirow
        await wait_until(pilot, lambda: any(sub > 0 for _, sub, _ in screen_rows(view)), 15, "rows of one field each")
        on_screen = screen_rows(view)
        assert any(strip.text.strip().startswith("logger: notes") for _, sub, strip in on_screen if sub > 0)
        structured = [ln for ln in view.shown_lines() if not ln.note and parse_record(ln.plain, JSON)]
        heights = sum(1 + len(parse_record(ln.plain, JSON).fields) + 1 for ln in structured)  # + time row
        assert view.virtual_size.height >= heights
        # J: as written.
        await pilot.press("J")
        assert view.structured_mode == RAW and not view.multirow
        await wait_until(pilot, lambda: all(sub == 0 for _, sub, _ in screen_rows(view)), 15, "one row per line again")
        assert all(strip.text.lstrip().split(" ", 1)[1].startswith('{"ts":')
                   for line, _, strip in screen_rows(view) if not line.note)
        await pilot.press("J")
        assert view.structured_mode == COLUMNS

        # v v: warn and up; every shown line is warn or error (notes of the view stay), the status says so.
        await pilot.press("v", "v")
        view.sync()
        assert view.index.min_level == WARN and "level ≥ warn" in panel.status_text
        shown = [ln for ln in view.shown_lines() if not ln.note]
        expected = [ln for ln in real_lines(panel) if (line_level(ln, JSON) or 0) >= WARN]
        assert shown == expected and len(shown) < len(real_lines(panel))
        await pilot.press("v", "v")  # error only, then every line again
        assert view.index.min_level is None and len(view.index) == len(view.buffer)


async def test_logfmt_lines_are_detected_and_shown_as_columns(demo):
    app = make_app(demo, namespace="monitoring")
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_workload_logs(pilot, app, "prometheus")
        await wait_until(pilot, lambda: len(real_lines(panel)) >= 10 and panel.formats.formats() == {0: LOGFMT}, 15,
                         "Prometheus's logfmt lines")
        await wait_until(pilot, lambda: any(not ln.note for ln, _, _ in screen_rows(panel.view)), 15,
                         "logfmt lines on screen")
        rows = [(line, strip.text) for line, _, strip in screen_rows(panel.view) if not line.note]
        assert rows
        for line, text in rows:
            record = parse_record(line.plain, LOGFMT)
            assert record is not None and record.level is not None
            assert f"{LEVEL_LABELS[record.level]} {record.msg}" in text and "ts=" not in text
            assert f"caller={record.get('caller')}" in text
            assert "component=web" in text or 'component="scrape manager"' in text or "component=" in text


async def test_search_highlights_and_jumps_without_hiding_lines(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_workload_logs(pilot, app, "api-blue")
        view = panel.view
        await wait_until(pilot, lambda: sum("POST" in ln.plain for ln in real_lines(panel)) >= 3, 15, "POST lines")
        view.sync()
        before = sum("POST" in ln.plain for ln in real_lines(panel))
        # Typed ahead in one burst (fast typing, a paste, tmux send-keys): every key after "/" is in the line.
        for key, char in [("slash", "/"), ("P", "P"), ("O", "O"), ("S", "S"), ("T", "T"), ("enter", "\r")]:
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: view.search is not None, 5, "the search applied")
        assert view.search is not None and view.search.pattern == "POST" and view.line_filter is None

        def hits() -> list[int]:
            return [n for n, ln in view.buffer.range(view.buffer.first) if not ln.note and "POST" in ln.plain]

        # Nothing is hidden; the cursor is on the newest match and the counter says so.
        view.sync()  # (the view takes in new lines ten times a second: compare at one instant)
        assert view.index.hits == hits() and len(view.index) == len(view.buffer)
        assert view.index.hits.index(view.cursor) >= before - 1 and not view.following  # the newest match

        def counter() -> str:
            hits = view.index.hits
            return f"search /POST/ {hits.index(view.cursor) + 1:,}/{len(hits):,}"

        await wait_until(pilot, lambda: counter() in panel.status_text, 5, "the counter")
        # The match is highlighted on the cursor row (it keeps its own background), the other rows stay.
        search_bg = view.get_component_rich_style("log-view--search").bgcolor
        rows = screen_rows(view)
        cursor_rows = [strip for line, _, strip in rows if view.buffer.get(view.cursor) is line]
        assert cursor_rows and any(seg.text == "POST" and seg.style.bgcolor == search_bg for seg in cursor_rows[0])
        assert any("POST" not in strip.text for line, _, strip in rows if not line.note)  # other lines shown

        # N: the previous match, n: back; the counter follows.
        newest = view.cursor
        await pilot.press("N")
        previous = view.cursor
        assert previous == view.index.hits[view.index.hits.index(newest) - 1]
        await wait_until(pilot, lambda: counter() in panel.status_text, 5, "the counter after N")
        assert "POST" in view.buffer.get(previous).plain
        await pilot.press("n")
        assert view.cursor == newest
        # From the first line, N wraps around to the newest match.
        await pilot.press("g")
        newest_count = len(view.index.hits)
        await pilot.press("N")
        assert view.index.hits.index(view.cursor) >= newest_count - 1

        # The filter is a separate key and combines with the search: only GET lines, none matches POST.
        await pilot.press("f", *"GET", "enter")
        assert view.line_filter is not None and view.index.hits == []
        await wait_until(pilot, lambda: "search /POST/ -/0" in panel.status_text, 5, "no match under the filter")
        # esc clears the search first, then the filter, then leaves.
        await pilot.press("escape")
        assert view.search is None and view.line_filter is not None and isinstance(app.screen, LogsScreen)
        await pilot.press("escape")
        assert view.line_filter is None and isinstance(app.screen, LogsScreen)


# -- untrusted structured text ----------------------------------------------------------------------------------
HOSTILE_JSON = [
    b'{"level":"error","msg":"\\u001b]0;pwned\\u0007\\u001b[2J[@click=app.quit]quit[/] \\u202eevil.exe",'
    b'"[link=https://evil.example]k[/link]":"[bold red]v[/]\\nnext","user":"adm\\u200bin"}',
    b'{"level":"info","msg":"fine","nested":{"deep":"\\u001b[31mred\\u001b[0m"}}',
]


class StructuredHarness(App):
    """A LogView of fixed JSON lines with its format detector (no cluster)."""

    def __init__(self, lines: list[bytes]) -> None:
        super().__init__()
        self.buffer = LogBuffer(100)
        self.formats = FormatDetector()
        parsed = [parse_line(b"2026-01-02T03:04:%02d.000000000Z " % i + raw, 0) for i, raw in enumerate(lines)]
        self.formats.observe(parsed)
        self.buffer.extend(parsed)

    def compose(self) -> ComposeResult:
        yield LogView(self.buffer, formats=self.formats, poll=False, id="log")


async def test_hostile_json_fields_are_shown_inertly_in_every_structured_view():
    app = StructuredHarness(HOSTILE_JSON)
    async with app.run_test(size=(160, 20)) as pilot:
        view = app.query_one(LogView)
        view.sync()
        for mode in (COLUMNS, PRETTY, RAW):
            view.set_structured(mode)
            await pilot.pause()
            strips = [view.render_line(y) for y in range(view.virtual_size.height)]
            text = "\n".join(s.text for s in strips)
            assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\u200b" not in text
            for strip in strips:
                for seg in strip:
                    style = seg.style or Style()
                    assert not style.link and "@click" not in style.meta
            if mode != RAW:
                assert "[@click=app.quit]quit[/] <U+202E>evil.exe" in text  # the message, literally
                assert "[link=https://evil.example]k[/link]" in text and "[bold red]v[/]\\nnext" in text
                assert "adm<U+200B>in" in text and "nested.deep" in text and "red" in text
                assert "pwned" not in text
        # The field picker lists hostile keys as plain text.
        view.set_structured(COLUMNS)
        counts, sampled = field_counts(view.structured_records())
        picker = FieldPicker(counts, (), sampled)
        app.push_screen(picker)
        await pilot.pause()
        labels = [picker.checklist.get_option_at_index(i).prompt for i in range(picker.checklist.option_count)]
        assert any("[link=https://evil.example]k[/link]" in label.plain for label in labels)
        assert all(isinstance(label, Text) and not any("link" in str(s.style) for s in label.spans)
                   for label in labels)


async def test_the_pod_pickers_title_and_rows_are_plain_text():
    from k8stui.logs.fanout import PodChoice
    from k8stui.ui.screens.log_dialogs import PodPicker

    class Host(App):
        pass

    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        pods = [PodChoice("u1", "[@click=app.quit]x[/]\u202e", "Running", "1/1", 0, None, "[link=x]n[/link]", 2, True)]
        picker = PodPicker("deployment ns/[b]name[/b]", pods, 3)
        app.push_screen(picker)
        await pilot.pause()
        box = picker.query_one("Vertical")
        assert "[b]name[/b]" in Content.from_markup(box.border_title).plain  # shown literally, not bold
        label = picker.checklist.get_option_at_index(0).prompt
        assert "[@click=app.quit]x[/]<U+202E>" in label.plain and "[link=x]n[/link]" in label.plain
