"""Kubernetes quantities and kubectl-style ages: ``250m`` CPU, ``128Mi`` memory, ``3m12s``."""

from __future__ import annotations

import math
from datetime import datetime

_BINARY = {"Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4, "Pi": 1024 ** 5, "Ei": 1024 ** 6}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
            "E": 1e18}


def parse_quantity(text: str | int | float | None) -> float:
    """A quantity as a plain number (``"1.5Gi"`` -> 1610612736.0, ``"250m"`` -> 0.25); 0 when unparsable."""
    if text is None:
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    s = str(text).strip()
    if not s:
        return 0.0
    try:
        if s[-2:] in _BINARY:
            return float(s[:-2]) * _BINARY[s[-2:]]
        if s[-1:] in _DECIMAL and not s[-1:].isdigit():
            return float(s[:-1]) * _DECIMAL[s[-1:]]
        return float(s)  # also handles exponents: "1e3", "12E6" is not valid k8s but float() copes
    except ValueError:
        return 0.0


def parse_cpu(text: str | int | float | None) -> int:
    """CPU in millicores: ``"250m"`` -> 250, ``"2"`` -> 2000, ``"0.5"`` -> 500 (rounded up like k8s)."""
    return int(math.ceil(parse_quantity(text) * 1000 - 1e-9))


def parse_memory(text: str | int | float | None) -> int:
    """Memory in bytes: ``"128Mi"`` -> 134217728, ``"1G"`` -> 1000000000."""
    return int(math.ceil(parse_quantity(text) - 1e-9))


def format_cpu(millicores: int) -> str:
    """``1500`` -> ``"1500m"`` like kubectl top; from 100 cores up (virtual nodes), whole cores: ``"10000"``."""
    if millicores >= 100_000:
        return f"{millicores / 1000:.0f}"
    return f"{millicores}m"


def format_memory(num_bytes: int) -> str:
    """Binary units like kubectl top: ``134217728`` -> ``"128Mi"``."""
    for unit, size in (("Ti", 1024 ** 4), ("Gi", 1024 ** 3), ("Mi", 1024 ** 2), ("Ki", 1024)):
        if num_bytes >= size:
            value = num_bytes / size
            return f"{value:.0f}{unit}" if value >= 10 or value == int(value) else f"{value:.1f}{unit}"
    return f"{num_bytes}"


def format_age(seconds: float | None) -> str:
    """kubectl's HumanDuration: ``5s``, ``3m12s``, ``15m``, ``5h30m``, ``20h``, ``2d4h``, ``30d``, ``2y3d``."""
    if seconds is None:
        return "<unknown>"
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m{rem}s" if rem else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h{rem}m" if rem else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d{rem}h" if rem else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def parse_time(text: str | None) -> float | None:
    """An RFC 3339 timestamp (``2024-05-01T10:00:00Z``, with or without fraction) as epoch seconds."""
    if not text:
        return None
    try:
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
