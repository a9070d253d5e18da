"""Parsing and cleaning single log lines: timestamps, UTF-8, terminal escapes, markup, long lines."""

from __future__ import annotations

from rich.style import Style

from k8stui.logs.line import MAX_LINE_CHARS, format_ns, note_line, parse_line, parse_ts_ns, split_timestamp
from k8stui.logs.sanitize import clean, styled

TS = "2026-11-24T10:54:05.105328401Z"


def test_timestamp_is_split_off_and_parsed_to_nanoseconds():
    line = parse_line(f"{TS} hello world".encode(), 3)
    assert (line.source, line.ts, line.text, line.plain, line.note) == (3, TS, "hello world", "hello world", False)
    assert parse_ts_ns(TS) == 1795517645 * 10**9 + 105328401
    assert parse_ts_ns("2026-11-24T10:54:05Z") == 1795517645 * 10**9
    assert parse_ts_ns("2026-11-24T11:54:05.5+01:00") == 1795517645 * 10**9 + 500_000_000
    assert parse_ts_ns("yesterday") is None and parse_ts_ns("2026-11-24T10:54:05.1X") is None
    assert format_ns(parse_ts_ns(TS)) == TS and format_ns(parse_ts_ns(TS), fraction=False) == "2026-11-24T10:54:05Z"
    assert split_timestamp(b"no timestamp here") == ("", b"no timestamp here")


def test_invalid_utf8_is_replaced_never_raises():
    line = parse_line(TS.encode() + b" bad:\xff\xfe\xc3\x28 end", 0)
    assert line.plain == "bad:\ufffd\ufffd\ufffd( end"


def test_escape_sequences_are_removed_and_colours_kept_apart():
    raw = (b"\x1b]0;pwned\x07\x1b[2J\x1b[10;5H\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
           b"[bold red]x[/] \x1b[1;31mERROR\x1b[0m \x1bPdcs\x1b\\\xc2\x9b2J\x07done")  # C1 CSI as UTF-8
    line = parse_line(TS.encode() + b" " + raw, 0)
    assert line.plain == "click [bold red]x[/] ERROR done"
    assert line.text == "click [bold red]x[/] \x1b[1;31mERROR\x1b[0m done"  # only SGR survives, for colour
    text = styled(line.text, line.plain)
    assert text.plain == line.plain
    assert [(s.start, s.end) for s in text.spans] == [(21, 26)]
    style = text.spans[0].style
    assert isinstance(style, Style) and style.bold and style.color is not None and style.color.number == 1


def test_markup_is_literal_and_dangerous_attributes_are_dropped():
    display, plain = clean("[link=http://evil.example]x[/link] \x1b[8mhidden\x1b[0m \x1b[5;7mblink\x1b[0m")
    text = styled(display, plain)
    assert text.plain == "[link=http://evil.example]x[/link] hidden blink"
    for span in text.spans:
        assert not (span.style.conceal or span.style.blink or span.style.reverse or span.style.link)


def test_bidi_overrides_tabs_and_controls():
    assert clean("abc\u202edcba\u2066x\u2069") == ("abc<U+202E>dcba<U+2066>x<U+2069>",) * 2
    assert clean("a\tb\r\x00\x08c") == ("a   bc", "a   bc")
    plain = "ordinary line 123"
    assert clean(plain)[0] is plain  # the common case costs one isprintable()


def test_long_lines_are_cut_and_notes_are_marked():
    line = parse_line(TS.encode() + b" " + b"x" * (MAX_LINE_CHARS + 10), 0)
    assert len(line.plain) < MAX_LINE_CHARS + 60 and line.plain.endswith("[10 more characters cut]")
    note = note_line("pod \x1b[2Jx ended")
    assert note.note and note.plain == "pod x ended" and note.source == -1 and parse_ts_ns(note.ts)
