"""Quantities and ages as kubectl prints them."""

from __future__ import annotations

import pytest

from k8stui.cluster.quantity import format_age, format_memory, parse_cpu, parse_memory, parse_time


@pytest.mark.parametrize(("text", "millicores"), [
    ("250m", 250), ("1", 1000), ("2", 2000), ("0.5", 500), ("1.5", 1500), ("100u", 1), ("", 0), (None, 0),
    ("500000n", 1), ("3k", 3_000_000), ("garbage", 0), (2, 2000),
])
def test_parse_cpu(text, millicores):
    assert parse_cpu(text) == millicores


@pytest.mark.parametrize(("text", "num_bytes"), [
    ("128Mi", 128 * 1024 ** 2), ("1Gi", 1024 ** 3), ("1G", 10 ** 9), ("500M", 500 * 10 ** 6), ("64Ki", 65536),
    ("1024", 1024), ("1.5Gi", 1610612736), ("1e3", 1000), ("", 0), ("2Ti", 2 * 1024 ** 4), ("100k", 100_000),
])
def test_parse_memory(text, num_bytes):
    assert parse_memory(text) == num_bytes


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1.5, "0s"), (0, "0s"), (5, "5s"), (119, "119s"), (120, "2m"), (192, "3m12s"),
    (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (5 * 3600 + 30 * 60, "5h30m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (52 * 3600, "2d4h"), (3 * 86400, "3d"), (30 * 86400, "30d"),
    (800 * 86400, "2y70d"), (3 * 365 * 86400, "3y"), (9 * 365 * 86400, "9y"), (None, "<unknown>"),
])
def test_format_age_matches_kubectl(seconds, text):
    assert format_age(seconds) == text


def test_format_memory():
    assert format_memory(128 * 1024 ** 2) == "128Mi"
    assert format_memory(int(1.5 * 1024 ** 3)) == "1.5Gi"
    assert format_memory(512) == "512"


def test_parse_time():
    assert parse_time("1970-01-01T00:01:00Z") == 60.0
    assert parse_time("2024-01-01T00:00:00.123456Z") == pytest.approx(1704067200.123456)
    assert parse_time("") is None and parse_time("yesterday") is None


def test_format_cpu_uses_cores_for_virtual_node_sizes() -> None:
    from k8stui.cluster.quantity import format_cpu

    assert format_cpu(250) == "250m"
    assert format_cpu(3860) == "3860m"
    assert format_cpu(10_000_000) == "10000"
