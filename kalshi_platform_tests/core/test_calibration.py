"""Calibration numbers on a hand-checked set."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from kalshi_platform.core import calibration as cal

T0 = datetime(2026, 11, 18, tzinfo=UTC)


def test_brier_and_log_loss_by_hand():
    probs, outcomes = [0.9, 0.2, 0.6], [1, 0, 0]
    assert cal.brier_score(probs, outcomes) == pytest.approx((0.01 + 0.04 + 0.36) / 3)
    assert cal.log_loss(probs, outcomes) == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.4)) / 3)
    # Clipping keeps a certain-and-wrong forecast finite: -ln(1e-6).
    assert cal.log_loss([0.0], [1]) == pytest.approx(-math.log(1e-6))
    with pytest.raises(ValueError):
        cal.brier_score([], [])


def _forecasts() -> pl.DataFrame:
    rows = [
        # model, ticker, hours before close, model p, market p, outcome
        ("m", "A", 0.5, 0.9, 0.8, 1),
        ("m", "B", 3.0, 0.2, None, 0),
        ("m", "C", 30.0, 0.6, 0.5, 0),
        ("m", "D", 30.0, 0.7, 0.6, 1),
        ("other", "A", 0.5, 0.5, 0.8, 1),
    ]
    return pl.DataFrame(
        {
            "model": [r[0] for r in rows], "ticker": [r[1] for r in rows],
            "as_of": [T0 for _ in rows], "horizon_hours": [r[2] for r in rows],
            "model_prob": [r[3] for r in rows], "market_prob": [r[4] for r in rows], "outcome": [r[5] for r in rows],
        }
    )


def test_summary_by_model_and_horizon_hand_checked():
    summary = cal.calibration_summary(_forecasts())
    rows = {(r["model"], r["horizon"]): r for r in summary.iter_rows(named=True)}
    overall = rows[("m", "all")]
    assert overall["n"] == 4 and overall["markets"] == 4 and overall["base_rate"] == 0.5
    assert overall["brier_model"] == pytest.approx((0.01 + 0.04 + 0.36 + 0.09) / 4)  # 0.125
    assert overall["log_loss_model"] == pytest.approx(
        -(math.log(0.9) + math.log(0.8) + math.log(0.4) + math.log(0.7)) / 4)
    # Baseline on the three forecasts that had a quote: (0.04 + 0.25 + 0.16) / 3 = 0.15
    assert overall["n_market"] == 3
    assert overall["brier_market"] == pytest.approx(0.15)
    assert overall["brier_model_paired"] == pytest.approx((0.01 + 0.36 + 0.09) / 3)
    assert overall["brier_skill"] == pytest.approx(1 - (0.46 / 3) / 0.15)
    assert overall["log_loss_market"] == pytest.approx(-(math.log(0.8) + math.log(0.5) + math.log(0.6)) / 3)
    day = rows[("m", "1-3d")]
    assert day["n"] == 2 and day["brier_model"] == pytest.approx((0.36 + 0.09) / 2)
    assert rows[("m", "1-6h")]["n_market"] == 0 and rows[("m", "1-6h")]["brier_market"] is None
    assert rows[("m", "1-6h")]["brier_skill"] is None
    assert rows[("other", "15m-1h")]["brier_model"] == pytest.approx(0.25)
    assert summary.filter(pl.col("model") == "m").get_column("horizon").to_list() == ["15m-1h", "1-6h", "1-3d", "all"]


def test_reliability_bins_hand_checked():
    bins = cal.reliability_bins(_forecasts().filter(pl.col("model") == "m"), bins=2)
    assert bins.select("bin", "n", "mean_prob", "observed_rate").rows() == [
        (0, 1, 0.2, 0.0),
        (1, 3, pytest.approx((0.9 + 0.6 + 0.7) / 3), pytest.approx(2 / 3)),
    ]
    tenths = cal.reliability_bins(pl.DataFrame({"model": ["m"] * 3, "ticker": ["a", "b", "c"], "as_of": [T0] * 3,
                                                "horizon_hours": [1.0] * 3, "model_prob": [0.3, 0.7, 1.0],
                                                "market_prob": [None] * 3, "outcome": [0, 1, 1]}))
    assert tenths.get_column("bin").to_list() == [3, 7, 9]


def test_each_market_counts_once_per_horizon_with_its_latest_forecast():
    frame = pl.DataFrame({
        "model": ["m"] * 4, "ticker": ["A"] * 4,
        "as_of": [T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10), T0 + timedelta(days=1)],
        "horizon_hours": [40.0, 39.9, 39.8, 2.0], "model_prob": [0.1, 0.2, 0.3, 0.9],
        "market_prob": [0.5] * 4, "outcome": [1] * 4,
    })
    used = cal.forecasts(frame).sort("as_of")
    assert used.select("horizon", "model_prob").rows() == [("1-3d", 0.3), ("1-6h", 0.9)]


def test_unusable_forecasts_are_left_out():
    frame = pl.DataFrame({"model": ["m"] * 4, "ticker": list("abcd"), "as_of": [T0] * 4,
                          "horizon_hours": [1.0, -1.0, 1.0, None], "model_prob": [1.5, 0.5, 0.5, 0.5],
                          "market_prob": [0.5] * 4, "outcome": [1, 2, None, 1]})
    assert cal.forecasts(frame).is_empty()
    assert cal.calibration_summary(frame).is_empty() and cal.reliability_bins(frame).is_empty()


def test_horizon_buckets():
    hours = pl.DataFrame({"h": [0.0, 0.08, 0.09, 0.2, 0.25, 0.99, 1.0, 5.9, 6.0, 23.9, 24.0, 71.0, 72.0, 200.0, -1.0,
                                None]})
    assert hours.select(cal.horizon_bucket(pl.col("h"))).to_series().to_list() == [
        "<5m", "<5m", "5-15m", "5-15m", "15m-1h", "15m-1h", "1-6h", "1-6h", "6-24h", "6-24h", "1-3d", "1-3d", "3-7d",
        ">7d", "after close", None,
    ]
