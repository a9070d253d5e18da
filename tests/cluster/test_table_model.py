"""TableModel without any UI: typed stable sort, filters, diffs, widths that follow the content, and costs that
stay proportional to the change (counted, not timed) at 10k rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

import pytest

from k8stui.cluster.quantity import parse_cpu
from k8stui.cluster.table_model import (
    Cell,
    Column,
    TableModel,
    cell,
    cell_parts,
    cell_text,
    natural_key,
)


@dataclass(frozen=True)
class Pod:
    uid: str
    name: str
    status: str = "Running"
    restarts: int = 0
    cpu: str = "100m"
    created: float = 0.0
    namespace: str = "shop"


COLUMNS = [
    Column("name", "NAME", lambda p: p.name, lambda p: (p.namespace, p.name)),
    Column("status", "STATUS", lambda p: cell(p.status, "bold red" if "BackOff" in p.status else "green")),
    Column("restarts", "RESTARTS", lambda p: str(p.restarts), lambda p: p.restarts),
    Column("cpu", "CPU", lambda p: p.cpu, lambda p: parse_cpu(p.cpu)),
    Column("age", "AGE", lambda p: f"{int(1000 - p.created)}s", lambda p: -p.created, volatile=True),
]


def model(pods: list[Pod] = (), **kwargs: Any) -> TableModel[Pod]:
    m: TableModel[Pod] = TableModel(COLUMNS, key_of=lambda p: p.uid, **kwargs)
    m.upsert(pods)
    return m


def shown(m: TableModel) -> list[str]:
    return [r.name for r in m.rows()]


def test_default_order_is_by_name_in_natural_order_and_ties_break_by_name():
    m = model([Pod("a", "web-10"), Pod("b", "web-2"), Pod("c", "api-1"), Pod("d", "Web-3")])
    assert shown(m) == ["api-1", "web-2", "Web-3", "web-10"]
    m.set_sort("status")  # all Running: ties keep name order, whatever the arrival order was
    assert shown(m) == ["api-1", "web-2", "Web-3", "web-10"]
    m2 = model([Pod("d", "Web-3"), Pod("a", "web-10"), Pod("c", "api-1"), Pod("b", "web-2")], sort_column="status")
    assert shown(m2) == shown(m)


def test_sort_is_stable_across_updates_that_do_not_touch_the_sort_value():
    pods = [Pod(str(i), f"p{i:02}", restarts=i % 3) for i in range(12)]
    m = model(pods, sort_column="restarts")
    before = shown(m)
    diff = m.apply([("5", replace(pods[5], status="CrashLoopBackOff"))])
    assert shown(m) == before
    assert diff.changed == {"5"} and not diff.moved and diff.first_shift is None


def test_typed_sort_numbers_quantities_and_ages():
    pods = [Pod("a", "a", restarts=10, cpu="2", created=100), Pod("b", "b", restarts=2, cpu="500m", created=900),
            Pod("c", "c", restarts=0, cpu="1500m", created=500)]
    m = model(pods, sort_column="restarts")
    assert shown(m) == ["c", "b", "a"]  # 0 < 2 < 10, not "0" < "10" < "2"
    m.set_sort("cpu")
    assert shown(m) == ["b", "c", "a"]  # 500m < 1500m < 2
    m.set_sort("age")
    assert [cell_text(m.cells(k)[4]) for k in m.keys()] == ["100s", "500s", "900s"]  # youngest first
    m.set_sort("age", reverse=True)
    assert shown(m) == ["a", "c", "b"]


def test_none_sorts_last_and_text_columns_sort_naturally():
    cols = [Column("name", "NAME", lambda r: r[0]), Column("n", "N", lambda r: "" if r[1] is None else str(r[1]),
                                                              lambda r: r[1])]
    m: TableModel[tuple] = TableModel(cols, key_of=lambda r: r[0], sort_column="n")
    m.upsert([("x", None), ("y", 3), ("z", 1)])
    assert [r[0] for r in m.rows()] == ["z", "y", "x"]
    assert natural_key("10.0.0.9") < natural_key("10.0.0.10")
    assert natural_key("p1a") < natural_key("p1a2") and natural_key("p0") < natural_key("p00")


def test_reverse_flips_the_order_and_the_header_marker():
    m = model([Pod("a", "a"), Pod("b", "b"), Pod("c", "c")])
    assert m.header(0) == "NAME ▲"
    m.sort_by("name")
    assert shown(m) == ["c", "b", "a"] and m.header(0) == "NAME ▼"
    assert [m.index_of(k) for k in ("c", "b", "a")] == [0, 1, 2]
    m.sort_by("status")
    assert m.header(0) == "NAME" and m.header(1) == "STATUS ▲" and not m.sort_reverse


def test_substring_regex_inverted_and_invalid_regex_filters():
    m = model([Pod("a", "api-blue"), Pod("b", "api-green"), Pod("c", "frontend", status="CrashLoopBackOff")])
    m.set_filter("API-")
    assert shown(m) == ["api-blue", "api-green"] and m.summary() == '2/3 match "API-"'
    m.set_filter("/^(front|api-g)/")
    assert shown(m) == ["api-green", "frontend"] and m.summary() == "2/3 match /^(front|api-g)/"
    m.set_filter("crashloop")  # the whole row's text: STATUS too
    assert shown(m) == ["frontend"]
    m.set_filter("!api")
    assert shown(m) == ["frontend"]
    diff = m.set_filter("/[abc(/")
    assert not diff and shown(m) == ["frontend"], "an invalid regex keeps the filter that was there"
    assert m.filter_error.startswith("invalid regex /[abc(/: ") and "unterminated character set" in m.filter_error
    assert m.summary().endswith(m.filter_error)
    m.set_filter("")
    assert len(m) == 3 and m.filter_error == "" and m.summary() == "3"


def test_rows_follow_the_filter_as_they_change():
    m = model([Pod("a", "a"), Pod("b", "b")])
    m.set_filter("BackOff")
    assert len(m) == 0
    diff = m.apply([("a", Pod("a", "a", status="CrashLoopBackOff"))])
    assert diff.added == {"a"} and shown(m) == ["a"]
    diff = m.apply([("a", Pod("a", "a", status="Running"))])
    assert diff.removed == {"a"} and len(m) == 0 and m.total == 2


def test_diff_names_added_changed_removed_moved_and_where_rows_shifted():
    m = model([Pod(str(i), f"p{i}") for i in range(10)])
    diff = m.apply([("x", Pod("x", "p55")), ("3", None), ("8", Pod("8", "p8", status="Pending")),
                    ("9", Pod("9", "p00"))])
    assert diff.added == {"x"} and diff.removed == {"3"} and diff.moved == {"9"}
    assert diff.changed == {"8", "9"}  # p9 → p00: another name, and another place
    assert diff.first_shift == 1  # p9 moved up, after p0, as p00
    assert shown(m) == ["p0", "p00", "p1", "p2", "p4", "p5", "p6", "p7", "p8", "p55"]
    diff = m.apply([("8", Pod("8", "p8", status="Running"))])
    assert diff.changed == {"8"} and diff.first_shift is None
    diff = m.apply([("y", Pod("y", "p77"))])
    assert diff.first_shift == m.index_of("y") == 10
    assert not m.apply([("y", Pod("y", "p77"))])  # the same row again: nothing to repaint


def test_widths_grow_after_the_first_paint_and_shrink_when_the_widest_value_leaves():
    m = model([Pod("a", "a"), Pod("b", "b")])
    status = [c.key for c in COLUMNS].index("status")
    assert m.widths[status] == len("Running")
    diff = m.apply([("a", Pod("a", "a", status="CrashLoopBackOff"))])
    assert diff.widths_changed and m.widths[status] == len("CrashLoopBackOff")
    m.apply([("a", None)])
    assert m.widths[status] == len("Running")
    assert m.widths[0] == len("NAME ▲"), "the sort marker has room in its header"


def test_widths_count_wide_characters_and_cells_are_one_line_without_control_sequences():
    cols = [Column("name", "NAME", lambda r: r)]
    m: TableModel[str] = TableModel(cols, key_of=lambda r: r)
    m.upsert(["名前名前名", "evil\x1b]0;pwned\x07\nline"])
    assert m.widths == [10]
    assert "evil line" in [cell_text(m.cells(k)[0]) for k in m.keys()]
    m2: TableModel[str] = TableModel(cols, key_of=lambda r: r)
    m2.upsert(["[red]x[/red]"])
    assert cell_text(m2.cells("[red]x[/red]")[0]) == "[red]x[/red]"


def test_cell_parts_keep_their_styles():
    bar = cell_parts(("██", "green"), ("░░", "dim"), (" 50% 1/2", ""))
    assert bar == Cell("██░░ 50% 1/2", "", ((0, 2, "green"), (2, 4, "dim")))


def test_ages_move_on_with_rerender_only_for_the_keys_asked():
    now = [1000.0]
    cols = [Column("name", "NAME", lambda p: p.name),
            Column("age", "AGE", lambda p: f"{int(now[0] - p.created)}s", volatile=True)]
    m: TableModel[Pod] = TableModel(cols, key_of=lambda p: p.uid)
    m.upsert([Pod("a", "a", created=990), Pod("b", "b", created=995)])
    now[0] = 1100
    diff = m.rerender(["a"])
    assert diff.changed == {"a"} and diff.widths_changed
    assert cell_text(m.cells("a")[1]) == "110s" and cell_text(m.cells("b")[1]) == "5s"


def test_replace_keeps_unchanged_rows_untouched():
    pods = [Pod(str(i), f"p{i}") for i in range(5)]
    m = model(pods)
    versions = {p.uid: m.version(p.uid) for p in pods}
    diff = m.replace(pods[1:] + [Pod("9", "p9")])
    assert diff.removed == {"0"} and diff.added == {"9"} and not diff.changed
    assert all(m.version(p.uid) == versions[p.uid] for p in pods[1:])


def test_listeners_hear_every_mutation():
    m = model()
    heard = []
    unsubscribe = m.subscribe(heard.append)
    m.upsert([Pod("a", "a")])
    m.set_filter("/[/")
    m.set_sort("status")
    unsubscribe()
    m.upsert([Pod("b", "b")])
    assert [bool(d) for d in heard] == [True, False, True]


@pytest.mark.parametrize("reverse", [False, True])
def test_random_operations_match_a_plain_sort(reverse):
    rnd = random.Random(7)
    m = model(sort_column="restarts", reverse=reverse)
    truth: dict[str, Pod] = {}
    for step in range(400):
        batch = []
        for _ in range(rnd.randint(1, 90 if step % 50 == 0 else 6)):
            uid = str(rnd.randint(0, 150))
            if rnd.random() < 0.2:
                batch.append((uid, None))
                truth.pop(uid, None)
            else:
                pod = Pod(uid, f"p{rnd.randint(0, 40)}", restarts=rnd.randint(0, 4),
                          status=rnd.choice(["Running", "Pending", "CrashLoopBackOff"]))
                batch.append((uid, pod))
                truth[uid] = pod
        before = m.keys()
        diff = m.apply(batch)
        if step % 100 == 99:
            m.set_filter(rnd.choice(["", "p1", "/Pend|Crash/", "!Running"]))
            continue
        expected = sorted(truth.values(), key=lambda p: (p.restarts, natural_key(p.name), p.uid))
        flt = m.filter
        expected = [p for p in expected if flt is None or flt.matches(p, m.plain(p.uid))]
        if reverse:
            expected.reverse()
        assert m.keys() == [p.uid for p in expected]
        assert all(m.index_of(k) == i for i, k in enumerate(m.keys()))
        if diff.first_shift is not None:
            assert before[:diff.first_shift] == m.keys()[:diff.first_shift]
        elif not diff.added and not diff.removed:
            assert before == m.keys()
        status = 1
        widest = max((len(m.cells(k)[status].text) for k in m.keys()), default=0)
        assert m.widths[status] == max(widest, len(m.header(status)))


class Counted:
    """A sort value that counts how often it is compared."""

    comparisons = 0

    def __init__(self, value: int) -> None:
        self.value = value

    def __lt__(self, other: Counted) -> bool:
        Counted.comparisons += 1
        return self.value < other.value

    def __eq__(self, other: object) -> bool:
        Counted.comparisons += 1
        return isinstance(other, Counted) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def test_10k_rows_cost_what_changed_not_what_is_there():
    renders = [0]

    def render_name(p: Pod) -> str:
        renders[0] += 1
        return p.name

    cols = [Column("name", "NAME", render_name, lambda p: Counted(int(p.name[1:])))]
    m: TableModel[Pod] = TableModel(cols, key_of=lambda p: p.uid)
    n = 10_000
    rnd = random.Random(1)
    numbers = list(range(n))
    rnd.shuffle(numbers)
    for page in range(0, n, 500):  # the first LIST arrives in pages of 500
        m.upsert(Pod(str(i), f"p{i}") for i in numbers[page:page + 500])
    assert len(m) == n and renders[0] == n
    log_n = n.bit_length()
    # one event: one render, a bisection out and one in (tuple compares count == and < per element)
    renders[0] = Counted.comparisons = 0
    diff = m.apply([("42", Pod("42", "p5000"))])
    assert renders[0] == 1 and diff.moved == {"42"}
    assert Counted.comparisons <= 6 * log_n
    # a burst of 50 events: 50 renders, O(50 log n) comparisons
    renders[0] = Counted.comparisons = 0
    m.apply((str(i), Pod(str(i), f"p{i + 1}")) for i in range(50))
    assert renders[0] == 50 and Counted.comparisons <= 50 * 6 * log_n
    # a big page into a big table: a merge, linear rather than n log n
    renders[0] = Counted.comparisons = 0
    m.upsert(Pod(f"n{i}", f"p{n + i}") for i in range(1000))
    assert renders[0] == 1000 and Counted.comparisons <= 2 * (n + 1000) + 1000 * 3 * log_n
    # reading a screenful, finding a row and flipping the direction do not compare at all
    Counted.comparisons = 0
    assert len(m.keys(5000, 5050)) == 50
    m.set_sort("name", reverse=True)
    assert m.keys(0, 1) == ["n999"]
    assert Counted.comparisons == 0
