"""The ring buffer (bounded, absolute numbers, dropped count) and the incremental filter index."""

from __future__ import annotations

import pytest

from k8stui.logs.buffer import LogBuffer
from k8stui.logs.filter import FilteredIndex, FilterError, LineFilter
from k8stui.logs.line import LogLine, note_line


def line(text: str, source: int = 0) -> LogLine:
    return LogLine(source, "2026-01-01T00:00:00.000000000Z", text, text)


def test_ring_keeps_the_newest_lines_and_counts_the_dropped():
    buf = LogBuffer(3)
    buf.extend(line(f"l{i}") for i in range(5))
    assert [x.plain for x in buf] == ["l2", "l3", "l4"]
    assert (len(buf), buf.first, buf.end, buf.dropped, buf.total) == (3, 2, 5, 2, 5)
    assert buf.get(1) is None and buf.get(2).plain == "l2" and buf.get(5) is None
    buf.append(line("l5"))
    assert [n for n, _ in buf.range(0)] == [3, 4, 5] and buf.dropped == 3
    buf.clear()
    assert len(buf) == 0 and buf.dropped == 0 and buf.end == 6 and buf.generation == 1
    buf.append(line("again"))
    assert buf.get(6).plain == "again"
    with pytest.raises(ValueError):
        LogBuffer(0)


def test_filter_parsing_smart_case_invert_and_errors():
    f = LineFilter.parse("error")
    assert f is not None and f.matches("ERROR: boom") and not f.matches("fine")
    assert f.spans("an error and another Error") == [(3, 8), (21, 26)]
    strict = LineFilter.parse("Error")
    assert strict is not None and not strict.matches("ERROR") and strict.matches("Error")
    inv = LineFilter.parse("!healthz")
    assert inv is not None and inv.invert and inv.matches("GET /orders") and not inv.matches("GET /healthz")
    assert inv.spans("healthz") == [] and inv.describe() == "!/healthz/"
    assert LineFilter.parse("") is None and LineFilter.parse("!") is None
    with pytest.raises(FilterError, match="bad filter"):
        LineFilter.parse("(unclosed")


def test_filtered_index_follows_the_buffer_incrementally():
    buf = LogBuffer(5)
    index = FilteredIndex(buf)
    buf.extend([line("a 1"), line("b 2"), line("a 3")])
    assert index.sync() == (0, 3) and len(index) == 3 and index.matches == 3
    index.set_filter(LineFilter.parse("^a"))
    assert [buf.get(index.number(r)).plain for r in range(len(index))] == ["a 1", "a 3"]
    buf.extend([line("b 4"), note_line("pod x ended"), line("a 6"), line("a 7")])  # drops "a 1" and "b 2"
    removed, added = index.sync()
    assert (removed, added) == (1, 3)
    assert [buf.get(index.number(r)).plain for r in range(len(index))] == ["a 3", "pod x ended", "a 6", "a 7"]
    assert index.matches == 3  # the note is shown but not counted
    assert index.row_of(buf.end - 1) == 3 and index.row_of(buf.end - 4) is None
    index.set_filter(None)
    assert len(index) == 5 and index.matches == 4
    buf.clear()
    assert index.sync() == (5, 0) and len(index) == 0
