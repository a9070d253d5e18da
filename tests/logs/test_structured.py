"""Structured log lines without Textual: format detection per stream, JSON/logfmt parsing into records (levels,
messages, flattened fields) on untrusted text, plain-line levels, the column and pretty layouts, and the view
index's level filter and search (hits kept up to date as lines arrive and old ones are dropped)."""

from __future__ import annotations

import time

import pytest

from k8stui.demo.logs import ContainerRun, RunLog
from k8stui.logs.buffer import LogBuffer
from k8stui.logs.filter import FilteredIndex, LineFilter
from k8stui.logs.line import LogLine, note_line, parse_line
from k8stui.logs.structured import (
    DEBUG,
    ERROR,
    INFO,
    JSON,
    LOGFMT,
    PLAIN,
    WARN,
    FormatDetector,
    classify,
    columns,
    detect,
    field_counts,
    level_rank,
    line_level,
    parse_logfmt,
    parse_record,
    plain_level,
    pretty,
)


def line(text: str | bytes, source: int = 0) -> LogLine:
    raw = text if isinstance(text, bytes) else text.encode()
    return parse_line(b"2026-01-02T03:04:05.000000000Z " + raw, source)


# -- detection --------------------------------------------------------------------------------------------
def test_each_line_is_classified():
    assert classify('{"level":"info","msg":"hi"}') is JSON
    assert classify('  {"a": 1}') is JSON
    assert classify('["not", "an", "object"]') is PLAIN
    assert classify('{"broken": ') is PLAIN
    assert classify('ts=2026-01-02T03:04:05Z level=info msg="hello world"') is LOGFMT
    assert classify("took 5 ms seq=3") is PLAIN  # one pair among words: not logfmt
    assert classify("a=1") is PLAIN  # a single pair is not enough
    assert classify('10.0.0.1 - - [02/Jan/2026] "GET / HTTP/1.1" 200 5 seq=1') is PLAIN
    assert classify("\x1b[32mINFO\x1b[0m started") is PLAIN


def test_a_stream_is_detected_once_from_its_first_lines():
    detector = FormatDetector(sample_lines=5)
    json_lines = [line(f'{{"level":"info","msg":"m{i}"}}', 0) for i in range(3)]
    detector.observe(json_lines[:1])
    assert detector.format_of(0) is JSON and detector.structured  # a guess from the first line
    version = detector.version
    # A stack trace in a JSON stream: still JSON (most lines are), and the trace lines stay plain.
    detector.observe([line("Traceback (most recent call last):", 0), *json_lines[1:], line("  File x", 0)])
    assert detector.format_of(0) is JSON and detector.version == version
    # Decided: later lines cost nothing and change nothing.
    detector.observe([line("plain " * 3, 0) for _ in range(50)])
    assert detector.format_of(0) is JSON
    # Other sources are independent; notes are never sampled; unknown sources are plain.
    detector.observe([line("ts=1 level=warn msg=x", 1)])
    detector.observe([note_line("■ pod x ended", 2)])
    assert detector.format_of(1) is LOGFMT and detector.format_of(2) is PLAIN and detector.format_of(9) is PLAIN
    detector.clear()
    assert detector.format_of(0) is PLAIN and not detector.structured
    assert detect([]) is PLAIN and detect([PLAIN, JSON, JSON]) is JSON and detect([PLAIN, PLAIN, LOGFMT]) is PLAIN


@pytest.mark.parametrize(("image", "fmt"), [("ghcr.io/demo/notes:3.1.0", JSON),
                                            ("quay.io/prometheus/prometheus:v2.42.0", LOGFMT),
                                            ("ghcr.io/demo/api:1.4.2", PLAIN),
                                            ("ghcr.io/demo/frontend:2.3.0", PLAIN)])
def test_the_demo_styles_are_detected(image: str, fmt):
    run = ContainerRun("ns", "pod", "uid", "main", image, "2026-01-01T00:00:00Z", time.time_ns(), None,
                       (("app", "demo"),))
    log = RunLog(run, seed=3)
    detector = FormatDetector()
    detector.observe([line(log.line(i).rstrip(b"\n")) for i in range(30)])
    assert detector.format_of(0) is fmt
    if fmt is not PLAIN:  # structured demo styles carry levels
        levels = {parse_record(log.line(i).decode().rstrip("\n"), fmt).level for i in range(300)}
        assert {DEBUG, INFO, WARN, ERROR} <= levels


# -- records ----------------------------------------------------------------------------------------------
def test_json_records_levels_messages_and_flattened_fields():
    r = parse_record('{"ts":"2026-01-02T03:04:05Z","level":"warning","msg":"slow","http":{"status":503,'
                     '"path":"/x"},"ok":false,"tags":["a","b"],"n":null,"ms":1.5}', JSON)
    assert r is not None and r.level == WARN and r.level_text == "warning" and r.msg == "slow"
    assert r.time == "2026-01-02T03:04:05Z"
    assert r.fields == (("http.status", "503"), ("http.path", "/x"), ("ok", "false"), ("tags", '["a","b"]'),
                        ("n", "null"), ("ms", "1.5"))
    assert r.get("http.status") == "503" and r.get("missing") is None
    assert parse_record('{"level":50,"msg":"pino"}', JSON).level == ERROR
    assert parse_record('{"severity":"DEBUG","message":"gcp"}', JSON).level == DEBUG
    assert parse_record('{"@l":"Information","@mt":"serilog {x}"}', JSON).msg == "serilog {x}"
    assert parse_record('{"log.level":"error","message":"ecs"}', JSON).level == ERROR
    assert parse_record('{"log":{"level":"warn"},"message":"ecs nested"}', JSON).level == WARN
    assert parse_record('{"msg":"no level"}', JSON).level is None
    assert parse_record("not json", JSON) is None and parse_record('{"a":1}', PLAIN) is None
    assert level_rank("E") == ERROR and level_rank(30) == INFO and level_rank(True) is None
    assert level_rank("banana") is None


def test_untrusted_values_are_cleaned_and_kept_on_one_row():
    r = parse_record('{"level":"info","msg":"\\u001b]0;pwned\\u0007\\u001b[2Jhi\\nthere\\t!",'
                     '"\\u001b[31mkey":"[bold red]x[/] \\u202eevil","link":"[link=http://e.x]c[/link]"}', JSON)
    assert r is not None
    assert r.msg == "hi\\nthere\\t!"  # escapes gone, newline and tab visible, one row
    assert parse_record('{"msg":"a\\u200bb","level":"info"}', JSON).msg == "a<U+200B>b"  # zero-width shown
    assert r.fields[0] == ("key", "[bold red]x[/] <U+202E>evil")  # markup literal, bidi override shown inertly
    assert r.fields[1] == ("link", "[link=http://e.x]c[/link]")
    for row in pretty(r):
        for piece in row:
            assert piece.text.isprintable() and "\x1b" not in piece.text


def test_logfmt_parsing():
    assert parse_logfmt('ts=2026 level=info msg="hello \\"big\\" world" path=/a empty= x=1') == {
        "ts": "2026", "level": "info", "msg": 'hello "big" world', "path": "/a", "empty": "", "x": "1"}
    assert parse_logfmt("just words") is None
    assert parse_logfmt('level=info msg="unterminated') is None
    r = parse_record('time=2026-01-02T03:04:05Z level=ERROR msg="boom" err="x\\ny" component="scrape manager"',
                     LOGFMT)
    assert r is not None and r.level == ERROR and r.msg == "boom" and r.time.startswith("2026")
    assert r.fields == (("err", "x\\ny"), ("component", "scrape manager"))


def test_levels_of_plain_lines():
    assert plain_level("2026-01-02T03:04:05Z ERROR api: failed") == ERROR
    assert plain_level("INFO  bench: heartbeat ok") == INFO
    assert plain_level("12:00:00.000 WARN  GET /cart 404") == WARN
    assert plain_level("2026/01/02 03:04:05 [error] 12#12: upstream timed out") == ERROR
    assert plain_level("E0102 03:04:05.123456       1 reflector.go:138] failed") == ERROR
    assert plain_level("I0102 03:04:05.123456       1 main.go:1] started") == INFO
    assert plain_level('caller=x level=warn msg="y"') == WARN
    assert plain_level("no error here, all fine") is None  # lower-case words in the message are not levels
    assert plain_level("panic: runtime error: invalid memory address") is None
    assert plain_level("x" * 200 + " ERROR late") is None  # only the start of a line is looked at
    assert line_level(note_line("■ pod x ended: ERROR"), PLAIN) is None
    assert line_level(line('{"msg":"ERROR in the message, no level key"}'), JSON) == ERROR
    assert line_level(line("Traceback (most recent call last):"), JSON) is None


# -- layout -----------------------------------------------------------------------------------------------
def test_columns_and_pretty_layouts():
    r = parse_record('{"level":"error","msg":"request failed","logger":"notes","duration_ms":250.0,"seq":5}', JSON)
    text = "".join(p.text for p in columns(r, ()))
    assert text == "ERROR request failed  logger=notes duration_ms=250.0 seq=5"
    pieces = columns(r, ("duration_ms", "missing"), {"": 20, "duration_ms": 6, "missing": 3})
    text = "".join(p.text for p in pieces)
    assert text == "ERROR request failed        duration_ms=250.0   " + " " * len("missing=   ")
    assert pieces[0].role == "level:error" and any(p.role == "key" for p in pieces)
    rows = pretty(r)
    assert ["".join(p.text for p in row) for row in rows] == [
        "ERROR request failed", "      logger: notes", "      duration_ms: 250.0", "      seq: 5"]
    records = [parse_record('{"level":"info","msg":"a","x":1}', JSON), r]
    records.append(parse_record('{"level":"info","msg":"b","x":2}', JSON))
    assert field_counts(records) == ([("x", 2), ("duration_ms", 1), ("logger", 1), ("seq", 1)], 3)


# -- the index: level filter and search -----------------------------------------------------------------------
def levels_of(fmt_by_source: dict[int, object]):
    return lambda ln: line_level(ln, fmt_by_source.get(ln.source, PLAIN))


def test_level_filter_keeps_unknown_levels_and_notes():
    buf = LogBuffer(100)
    index = FilteredIndex(buf, level_of=levels_of({0: JSON}))
    buf.extend([line('{"level":"debug","msg":"d"}'), line('{"level":"info","msg":"i"}'),
                line('{"level":"warn","msg":"w"}'), line('{"level":"error","msg":"e"}'),
                line("  at stack.frame(x.java:1)"), note_line("■ pod ended")])
    index.set_level(WARN)
    shown = [buf.get(index.number(r)).plain for r in range(len(index))]
    assert shown == ['{"level":"warn","msg":"w"}', '{"level":"error","msg":"e"}', "  at stack.frame(x.java:1)",
                     "■ pod ended"]
    buf.append(line('{"level":"info","msg":"later"}'))
    buf.append(line('{"level":"error","msg":"later"}'))
    index.sync()
    assert len(index) == 5  # new lines go through the level filter as they arrive
    index.set_level(None)
    assert len(index) == 8


def test_search_hits_follow_the_buffer_and_hide_nothing():
    buf = LogBuffer(5)
    index = FilteredIndex(buf)
    buf.extend([line(f"line {i} {'timeout' if i % 2 else 'ok'}") for i in range(4)])  # 1 and 3 match
    index.sync()
    index.set_search(LineFilter.parse("TIMEOUT".lower(), allow_invert=False))
    assert len(index) == 4 and [buf.get(n).plain for n in index.hits] == ["line 1 timeout", "line 3 timeout"]
    first, second = index.hits
    assert index.next_hit(first) == second and index.next_hit(second) is None
    assert index.next_hit(second, forward=False) == first and index.next_hit(first, forward=False) is None
    assert index.hit_index(second) == 1 and index.hit_index(first + 1) is None
    buf.extend([line("line 4 timeout"), line("line 5 ok"), note_line("timeout note")])  # evicts lines 0 and 1
    index.sync()
    assert [buf.get(n).plain for n in index.hits] == ["line 3 timeout", "line 4 timeout"]  # pruned, grown
    assert len(index) == 5
    # With a filter, the search looks only at the lines shown.
    index.set_filter(LineFilter.parse("line [34]"))
    assert [buf.get(n).plain for n in index.hits] == ["line 3 timeout", "line 4 timeout"] and len(index) == 3
    index.set_filter(LineFilter.parse("line 4"))
    assert [buf.get(n).plain for n in index.hits] == ["line 4 timeout"]
    index.set_search(None)
    assert index.hits == [] and index.search is None
    assert LineFilter.parse("!x", allow_invert=False).pattern == "!x"
