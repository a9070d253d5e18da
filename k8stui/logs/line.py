"""One log line as the view keeps it, and the parsing of a raw line from the ``/log`` stream into it.

A line from the server is bytes: ``<RFC3339 timestamp> <text>`` (we always ask for timestamps). Parsing splits
the timestamp off, decodes the text as UTF-8 (invalid bytes become U+FFFD, never an exception) and cleans it
(``sanitize.clean``) once, on arrival, so rendering, filtering and saving never see a control sequence.
"""

from __future__ import annotations

import calendar
import time
from typing import NamedTuple

from .sanitize import clean

MAX_LINE_CHARS = 16_384  # longer lines are cut (a 1 MB JSON blob must not cost a repaint its size)
NS_PER_S = 1_000_000_000


class LogLine(NamedTuple):
    """A line in the buffer. ``source`` indexes the session's table of pod/container sources (-1: a note
    the view itself wrote, e.g. "pod x deleted"). ``text`` may still hold SGR colour sequences (and nothing
    else); ``plain`` has none and is what filters, copies and saves use.

    A record, but a NamedTuple rather than a dataclass: a tuple of strings and ints is untracked by the cyclic
    garbage collector after its first collection, so 10k buffered lines (renewed thousands of times a second)
    do not make every full collection longer and more frequent (those pauses were the key-latency spikes)."""

    source: int
    ts: str
    text: str
    plain: str
    note: bool = False


def split_timestamp(raw: bytes) -> tuple[str, bytes]:
    """(timestamp, rest) for a kubelet line ``2006-01-02T15:04:05.000000000Z text``; ("", raw) otherwise."""
    sp = raw.find(b" ", 0, 40)
    if sp >= 19 and raw[10:11] == b"T" and raw[4:5] == b"-":
        return raw[:sp].decode("ascii", "replace"), raw[sp + 1:]
    return "", raw


def parse_line(raw: bytes, source: int) -> LogLine:
    """A raw line (without its newline) from a timestamped ``/log`` stream."""
    ts, body = split_timestamp(raw)
    if len(body) > MAX_LINE_CHARS * 4:
        body = body[: MAX_LINE_CHARS * 4]
    text = body.decode("utf-8", "replace")
    if len(text) > MAX_LINE_CHARS:
        text = f"{text[:MAX_LINE_CHARS]}… [{len(text) - MAX_LINE_CHARS} more characters cut]"
    display, plain = clean(text)
    return LogLine(source, ts, display, plain)


def complete_lines(pending: bytes, chunk: bytes) -> tuple[bytes | None, bytes]:
    """Join a stream chunk to what was left over: the complete lines (without their last newline, or None if
    there is none yet) and the unfinished rest to keep for the next chunk."""
    if pending:
        chunk = pending + chunk
    cut = chunk.rfind(b"\n")
    if cut < 0:
        return None, chunk
    return chunk[:cut], chunk[cut + 1:]


def parse_lines(data: bytes, source: int) -> list[LogLine]:
    """Whole lines (``data`` ends at a line boundary, without the last newline), parsed in one go: one decode
    per chunk instead of one per line (a chunk cut at a newline never splits a UTF-8 sequence)."""
    if len(data) > MAX_LINE_CHARS * 4 and any(len(raw) > MAX_LINE_CHARS for raw in data.split(b"\n")):
        return [parse_line(raw, source) for raw in data.split(b"\n")]
    out: list[LogLine] = []
    append = out.append
    for text in data.decode("utf-8", "replace").split("\n"):
        sp = text.find(" ", 0, 40)
        if sp >= 19 and text[10] == "T" and text[4] == "-":
            ts, body = text[:sp], text[sp + 1:]
        else:
            ts, body = "", text
        if len(body) > MAX_LINE_CHARS:
            body = f"{body[:MAX_LINE_CHARS]}… [{len(body) - MAX_LINE_CHARS} more characters cut]"
        if body.isprintable():
            append(LogLine(source, ts, body, body))
        else:
            display, plain = clean(body)
            append(LogLine(source, ts, display, plain))
    return out


def note_line(text: str, source: int = -1, ts: str = "") -> LogLine:
    """A line the view writes itself (a pod joined, ended, was deleted; a stream failed)."""
    display, plain = clean(text)
    return LogLine(source, ts or format_ns(time.time_ns()), display, plain, note=True)


_sec_cache: dict[str, int] = {}


def parse_ts_ns(ts: str) -> int | None:
    """RFC3339 (any fraction up to nanoseconds, ``Z`` or an offset) to Unix nanoseconds; None if unparsable."""
    if len(ts) < 20 or ts[10] not in "Tt ":
        return None
    head = ts[:19]
    secs = _sec_cache.get(head)
    if secs is None:
        try:
            fields = (int(head[0:4]), int(head[5:7]), int(head[8:10]), int(head[11:13]), int(head[14:16]),
                      int(head[17:19]))
        except ValueError:
            return None
        if head[4] != "-" or head[7] != "-" or head[13] != ":" or head[16] != ":":
            return None
        secs = calendar.timegm((*fields, 0, 0, 0))
        if len(_sec_cache) > 4096:
            _sec_cache.clear()
        _sec_cache[head] = secs
    rest = ts[19:]
    frac = 0
    if rest.startswith("."):
        digits = 0
        while digits + 1 < len(rest) and rest[digits + 1].isdigit():
            digits += 1
        frac = int(rest[1:1 + digits][:9].ljust(9, "0")) if digits else 0
        rest = rest[1 + digits:]
    if rest in ("Z", "z", ""):
        offset = 0
    elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
        try:
            offset = (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60) * (1 if rest[0] == "+" else -1)
        except ValueError:
            return None
    else:
        return None
    return (secs - offset) * NS_PER_S + frac


def format_ns(ns: int, fraction: bool = True) -> str:
    """Unix nanoseconds as kubelet writes them (``...T15:04:05.000000000Z``), or whole seconds."""
    sec, frac = divmod(ns, NS_PER_S)
    head = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    return f"{head}.{frac:09d}Z" if fraction else f"{head}Z"
