"""Reject rates per asset, from each asset's newest batch."""

from __future__ import annotations

import polars as pl
import pytest

from kalshi_platform.core.quality import reject_rates


def _batches(*rows):
    return pl.DataFrame(rows, schema=["asset_key", "batch_id", "rows_written"], orient="row")


def _counts(*rows):
    return pl.DataFrame(rows, schema=["batch_id", "rejects"], orient="row")


def test_rates_levels_and_summary():
    rates = reject_rates(
        _batches(("raw.a", "b1", 990), ("raw.b", "b2", 90), ("raw.c", "b3", 50), ("raw.d", "b4", 0)),
        _counts(("b1", 10), ("b2", 10), ("b3", 50)),
        warn_above=0.02,
        error_above=0.25,
    )
    by_asset = {r["asset_key"]: r for r in rates.rates.iter_rows(named=True)}
    assert by_asset["raw.a"]["reject_rate"] == pytest.approx(0.01) and by_asset["raw.a"]["level"] == "ok"
    assert by_asset["raw.b"]["reject_rate"] == pytest.approx(0.10) and by_asset["raw.b"]["level"] == "warn"
    assert by_asset["raw.c"]["reject_rate"] == pytest.approx(0.50) and by_asset["raw.c"]["level"] == "error"
    assert by_asset["raw.d"]["reject_rate"] == 0.0  # nothing read, nothing rejected
    assert rates.level == "error"
    assert rates.offenders().get_column("asset_key").to_list() == ["raw.c", "raw.b"]
    assert "raw.c: 50 rejects / 100 records = 50.0% (error)" in rates.summary()


def test_all_ok():
    rates = reject_rates(_batches(("raw.a", "b1", 100)), _counts(), warn_above=0.02, error_above=0.25)
    assert rates.level == "ok" and "at most 2.0%" in rates.summary()
    assert reject_rates(_batches(), _counts(), warn_above=0.02, error_above=0.25).summary() == "no batches yet"


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError):
        reject_rates(_batches(), _counts(), warn_above=0.5, error_above=0.1)
