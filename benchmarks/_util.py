"""Small helpers shared by the benchmark modules (not a benchmark itself: no ``bench_`` prefix)."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from typing import Any


def loadavg() -> list[float]:
    """1, 5 and 15 minute load averages (the machine has other work on it; figures must say so)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def cpu_count() -> int:
    return os.cpu_count() or 1


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def summary(seconds: Sequence[float], n: int | None = None) -> dict[str, float]:
    """Median / min / max of repeated timings in ms, and the per-second rate of ``n`` items at the median."""
    out = {
        "median_ms": round(median(seconds) * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "repeats": len(seconds),
    }
    if n is not None:
        out["per_s"] = round(n / median(seconds))
    return out


def header() -> dict[str, Any]:
    """Machine context recorded with every result file."""
    return {"cpus": cpu_count(), "loadavg_start": loadavg()}
