"""Structured log lines: JSON objects and logfmt, detected per stream, parsed only when a line is shown or
filtered on, and laid out as columns (level, message, chosen fields) or one field per row ("pretty").

Detection looks at the first ``SAMPLE_LINES`` lines of each stream (a source) once; after that a line costs
nothing until the view shows it or a level filter asks its level. A stream detected as JSON may still write
plain lines (a stack trace, a banner): a line that does not parse is shown untouched.

Everything that comes out of a parsed line (keys, values, the message) is untrusted text cleaned like a raw
line (``sanitize.clean``: escapes and controls removed — a JSON ``"\\u001b"`` decodes to a real ESC, so the
decoded values are cleaned again); newlines and tabs inside values are shown as ``\\n``/``\\t`` so one record
stays on its rows. Nothing here is markup: the widget builds plain ``Text`` from these strings.

No Textual here (the widget maps the roles of ``Piece`` to its theme's styles).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson

from .line import LogLine
from .sanitize import clean

SAMPLE_LINES = 20  # lines per stream looked at to decide its format
MAX_FIELDS = 200  # fields kept per record (a pathological line must not cost its size in rows)
MAX_DEPTH = 4  # nested objects flattened to dotted keys down to this depth; deeper ones stay JSON

DEBUG, INFO, WARN, ERROR = range(4)
LEVEL_NAMES = ("debug", "info", "warn", "error")
LEVEL_LABELS = ("DEBUG", "INFO ", "WARN ", "ERROR")

_LEVEL_WORDS = {
    "trace": DEBUG, "trc": DEBUG, "trce": DEBUG, "debug": DEBUG, "dbg": DEBUG, "dbug": DEBUG, "verbose": DEBUG,
    "info": INFO, "inf": INFO, "information": INFO, "informational": INFO, "notice": INFO,
    "warn": WARN, "wrn": WARN, "warning": WARN,
    "error": ERROR, "err": ERROR, "eror": ERROR, "fail": ERROR, "fatal": ERROR, "ftl": ERROR, "panic": ERROR,
    "dpanic": ERROR, "critical": ERROR, "crit": ERROR, "alert": ERROR, "emerg": ERROR, "emergency": ERROR,
    "severe": ERROR,
}
LEVEL_KEYS = ("level", "lvl", "severity", "log.level", "levelname", "loglevel", "log_level", "@l", "levelName")
MSG_KEYS = ("msg", "message", "@m", "@mt", "event", "log")
TIME_KEYS = ("ts", "time", "timestamp", "@timestamp", "@t", "date", "datetime")

# A level in a plain line: an upper-case word, a bracketed word ("[error]", nginx), ``level=``, or klog's
# ``E0102 15:04:05.000000`` prefix. Only the start of the line is looked at (the message may say "error").
_PLAIN_LEVEL = re.compile(
    r"(?<![\w.-])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|PANIC|CRITICAL|CRIT)(?![\w.-])"
    r"|\[(trace|debug|info|notice|warn|warning|error|crit|alert|emerg)\]"
    r"|\blevel=\"?([A-Za-z]+)"
    r"|^([IWEF])\d{4} \d\d:\d\d:\d\d")
_KLOG = {"I": INFO, "W": WARN, "E": ERROR, "F": ERROR}
PLAIN_LEVEL_SPAN = 96


class LogFormat(enum.Enum):
    """How a stream writes its lines."""

    PLAIN = "plain"
    JSON = "json"
    LOGFMT = "logfmt"


PLAIN, JSON, LOGFMT = LogFormat.PLAIN, LogFormat.JSON, LogFormat.LOGFMT


def level_rank(value: object) -> int | None:
    """DEBUG..ERROR for a level as loggers write it (``"warning"``, ``"E"``, pino's ``40``), or None."""
    if type(value) is str and (found := _LEVEL_WORDS.get(value)) is not None:
        return found  # the common case: a lower-case word
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):  # pino/bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal
        n = int(value)
        return DEBUG if n < 30 else INFO if n < 40 else WARN if n < 50 else ERROR
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    found = _LEVEL_WORDS.get(word)
    if found is None and len(word) == 1:
        found = {"d": DEBUG, "t": DEBUG, "i": INFO, "w": WARN, "e": ERROR, "f": ERROR}.get(word)
    if found is None and word.isdigit():
        return level_rank(int(word))
    return found


def plain_level(text: str) -> int | None:
    """The level a plain line states near its start, if any."""
    m = _PLAIN_LEVEL.search(text, 0, PLAIN_LEVEL_SPAN)
    if m is None:
        return None
    word, bracketed, keyed, klog = m.groups()
    if klog:
        return _KLOG[klog]
    return level_rank(word or bracketed or keyed)


# -- parsing --------------------------------------------------------------------------------------------
def parse_json(text: str) -> dict[str, object] | None:
    """A JSON object line as a dict; None for anything else (plain text, an array, broken JSON)."""
    if not text.startswith("{") and not text.lstrip().startswith("{"):
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


_LOGFMT_PAIR = re.compile(r'\s*([^\s="]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)')
_UNESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def parse_logfmt(text: str) -> dict[str, str] | None:
    """A logfmt line (``key=value key="quoted value"``, every token a pair, at least two) as a dict; None
    otherwise (so "took 5 ms seq=3" stays plain)."""
    if "=" not in text:
        return None
    out: dict[str, str] = {}
    pos, end = 0, len(text.rstrip())
    match = _LOGFMT_PAIR.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        key, value = m.group(1), m.group(2)
        if value.startswith('"'):
            value = _UNESCAPE.sub(lambda e: _ESCAPES.get(e.group(1), e.group(0)), value[1:-1])
        out[key] = value
        pos = m.end()
    return out if len(out) >= 2 else None


def classify(text: str) -> LogFormat:
    """The format of one line."""
    if parse_json(text) is not None:
        return JSON
    if parse_logfmt(text) is not None:
        return LOGFMT
    return PLAIN


def detect(kinds: Sequence[LogFormat]) -> LogFormat:
    """A stream's format from its sampled lines' formats: the structured one most of them have."""
    if not kinds:
        return PLAIN
    json_count = sum(1 for k in kinds if k is JSON)
    logfmt_count = sum(1 for k in kinds if k is LOGFMT)
    if json_count * 2 >= len(kinds) and json_count >= logfmt_count:
        return JSON
    if logfmt_count * 2 >= len(kinds):
        return LOGFMT
    return PLAIN


class FormatDetector:
    """The format of each source (stream) of a view, decided from its first lines, once.

    ``observe`` takes the batches a session hands to its buffer (one source per batch, as streams deliver
    them); once every source in a batch is decided it costs two dictionary lookups per batch. ``version``
    changes whenever a decision does, so views know to re-render."""

    def __init__(self, sample_lines: int = SAMPLE_LINES) -> None:
        self.sample_lines = sample_lines
        self._final: dict[int, LogFormat] = {}
        self._samples: dict[int, list[LogFormat]] = {}
        self._current: dict[int, LogFormat] = {}
        self.version = 0

    def clear(self) -> None:
        self._final.clear()
        self._samples.clear()
        if self._current:
            self._current.clear()
            self.version += 1

    def observe(self, lines: Sequence[LogLine]) -> None:
        if not lines:
            return
        final = self._final
        if lines[0].source in final and lines[-1].source in final:
            return
        touched: set[int] = set()
        for line in lines:
            source = line.source
            if source in final or line.note or source < 0:
                continue
            text = line.plain
            if not text.strip():
                continue
            samples = self._samples.setdefault(source, [])
            samples.append(classify(text))
            touched.add(source)
            if len(samples) >= self.sample_lines:
                final[source] = detect(samples)
                del self._samples[source]
        for source in touched:
            fmt = final.get(source) or detect(self._samples.get(source, ()))
            if self._current.get(source, PLAIN) is not fmt:
                self.version += 1
            self._current[source] = fmt

    def format_of(self, source: int) -> LogFormat:
        """The format decided (or, before ``SAMPLE_LINES`` lines, guessed) for a source; PLAIN if unknown."""
        return self._current.get(source, PLAIN)

    @property
    def structured(self) -> bool:
        """Whether any source writes JSON or logfmt."""
        return any(fmt is not PLAIN for fmt in self._current.values())

    def formats(self) -> dict[int, LogFormat]:
        return dict(self._current)


# -- records ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Record:
    """A parsed structured line: its level (DEBUG..ERROR or None), message, and the other fields (flattened,
    values as cleaned one-line text) in the order the line has them."""

    level: int | None
    level_text: str  # the level as written ("warning", "E", "40"), cleaned
    msg: str
    fields: tuple[tuple[str, str], ...]
    time: str = ""

    def get(self, key: str) -> str | None:
        for name, value in self.fields:
            if name == key:
                return value
        return None


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value or "\t" in value:
        value = value.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return clean(value)[1] if not value.isprintable() else value


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return _one_line(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    return _one_line(orjson.dumps(value).decode())


def _flatten(obj: dict[str, object], prefix: str, depth: int, out: list[tuple[str, str]]) -> None:
    for key, value in obj.items():
        if len(out) >= MAX_FIELDS:
            return
        name = f"{prefix}{_one_line(str(key))}"
        if isinstance(value, dict) and value and depth < MAX_DEPTH:
            _flatten(value, f"{name}.", depth + 1, out)
        else:
            out.append((name, _scalar(value)))


def _record(fields: list[tuple[str, str]], raw_level: object) -> Record:
    level_text = msg = when = ""
    taken_level = taken_msg = taken_time = False
    rest: list[tuple[str, str]] = []
    for key, value in fields:
        if not taken_level and key in LEVEL_KEYS:
            taken_level, level_text = True, value
            continue
        if not taken_msg and key in MSG_KEYS:
            taken_msg, msg = True, value
            continue
        if not taken_time and key in TIME_KEYS:
            taken_time, when = True, value
            continue
        rest.append((key, value))
    level = level_rank(raw_level if raw_level is not None else level_text) if taken_level else None
    return Record(level, level_text, msg, tuple(rest), when)


@functools.lru_cache(maxsize=1024)  # lines are up to 16k characters: bounded memory
def parse_record(text: str, fmt: LogFormat) -> Record | None:
    """The record of a line of a stream in format ``fmt``; None when the line is not of that format (a plain
    line in a JSON stream) or the stream is plain. Cached: the lines on screen are parsed once per look."""
    if fmt is JSON:
        obj = parse_json(text)
        if obj is None:
            return None
        fields: list[tuple[str, str]] = []
        _flatten(obj, "", 0, fields)
        raw_level = next((obj[k] for k in LEVEL_KEYS if k in obj), None)
        return _record(fields, raw_level)
    if fmt is LOGFMT:
        pairs = parse_logfmt(text)
        if pairs is None:
            return None
        items = list(pairs.items())[:MAX_FIELDS]
        return _record([(_one_line(k), _one_line(v)) for k, v in items], None)
    return None


_LOGFMT_LEVEL = re.compile(r'(?:^|\s)(?:level|lvl|severity|loglevel)="?([A-Za-z]+|\d+)')


def line_level(line: LogLine, fmt: LogFormat) -> int | None:
    """The level of a line: its record's, or the one a plain line (or a structured line's message, when it
    has no level field) states near its start. The level filter asks this of every line, so it reads the
    level alone instead of building the record."""
    if line.note:
        return None
    text = line.plain
    if fmt is JSON:
        obj = parse_json(text)
        if obj is not None:
            raw = None
            for key in LEVEL_KEYS:
                if key in obj:
                    raw = obj[key]
                    break
            if raw is None and isinstance(nested := obj.get("log"), dict):
                raw = nested.get("level")
            if raw is not None:
                return level_rank(raw)
            msg = next((obj[k] for k in MSG_KEYS if k in obj), None)
            return plain_level(msg) if isinstance(msg, str) else None
    elif fmt is LOGFMT:
        m = _LOGFMT_LEVEL.search(text)
        if m is not None and text.count('"', 0, m.start()) % 2 == 0:  # not inside a quoted value
            return level_rank(m.group(1))
        record = parse_record(text, fmt)
        if record is not None:
            return plain_level(record.msg) if record.msg and not record.level_text else None
    return plain_level(text)


def field_counts(records: Iterable[Record]) -> tuple[list[tuple[str, int]], int]:
    """The fields records carry, the most common first, and how many records were looked at."""
    counts: dict[str, int] = {}
    total = 0
    for record in records:
        total += 1
        for key, _ in record.fields:
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), total


# -- layout -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text and its role: "level:<name>", "msg", "key", "value", "rest" (dimmed other fields), "sep"."""

    text: str
    role: str = ""


def level_piece(record: Record) -> Piece:
    if record.level is None:
        label = (record.level_text.upper()[:5] if record.level_text else "").ljust(5)
        return Piece(label, "level:none")
    return Piece(LEVEL_LABELS[record.level], f"level:{LEVEL_NAMES[record.level]}")


def quoted(value: str) -> str:
    """A value as ``key=value`` shows it: quoted when it has spaces (or is empty), so fields stay apart."""
    return f'"{value}"' if not value or " " in value else value


def columns(record: Record, chosen: Sequence[str], widths: dict[str, int] | None = None) -> list[Piece]:
    """One row: level, message, then the chosen fields as ``key=value`` columns (padded to ``widths``, which
    the caller grows as it sees wider values); with no field chosen the other fields follow as ``key=value``
    (values with spaces quoted)."""
    widths = widths or {}
    out = [level_piece(record), Piece(" ")]
    msg_width = widths.get("", 0)
    out.append(Piece(record.msg.ljust(msg_width) if chosen or record.fields else record.msg, "msg"))
    if chosen:
        for key in chosen:
            value = record.get(key)
            out.append(Piece("  "))
            if value is None:
                out.append(Piece(" " * (len(key) + 1 + widths.get(key, 1))))
                continue
            out.append(Piece(f"{key}=", "key"))
            out.append(Piece(quoted(value).ljust(widths.get(key, 0)), "value"))
    else:
        for key, value in record.fields:
            out.append(Piece("  " if out[-1].role == "msg" else " "))
            out.append(Piece(f"{key}={quoted(value)}", "rest"))
    return out


def pretty(record: Record) -> list[list[Piece]]:
    """Rows: level and message, then one ``key: value`` row per field (nested objects as dotted keys), the
    record's own time last; indented under the message."""
    rows = [[level_piece(record), Piece(" "), Piece(record.msg, "msg")]]
    indent = Piece(" " * 6)
    for key, value in record.fields:
        rows.append([indent, Piece(f"{key}: ", "key"), Piece(value, "value")])
    if record.time:
        rows.append([indent, Piece("time: ", "key"), Piece(record.time, "rest")])
    return rows
