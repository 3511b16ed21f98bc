"""Composite spot: the exact median of the fresh core sources per second, with a quorum and provenance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import polars as pl
import pytest

from kalshi_platform.core.btc.composite import composite_spot, latest_composite

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
CORE = ["coinbase", "kraken", "bitstamp"]


def ticks(*rows) -> pl.DataFrame:
    return pl.DataFrame([{"source": s, "tick_ts": T0 + timedelta(seconds=dt), "price": D(p)} for s, dt, p in rows],
                        schema={"source": pl.String, "tick_ts": pl.Datetime("us", "UTC"), "price": pl.Decimal(18, 6)})


def composite(frame, **kw):
    params = {"core_sources": CORE, "min_sources": 2, "stale_s": 30.0, **kw}
    return {r["ts"]: r for r in composite_spot(frame, **params).iter_rows(named=True)}


def test_median_of_three_and_exact_mean_of_two():
    out = composite(ticks(("coinbase", 0.2, "75663.72"), ("kraken", 0.9, "75674.80000"), ("bitstamp", 0.5, "75651")))
    row = out[T0]
    assert row["price"] == D("75663.72") and row["n_sources"] == 3 and row["quorum"]
    assert row["sources"] == "bitstamp,coinbase,kraken"
    assert row["source_prices"] == "bitstamp=75651,coinbase=75663.72,kraken=75674.8"
    assert row["excluded"] is None
    # Kraken down: the mean of the two others, exactly (no float on the way).
    out = composite(ticks(("coinbase", 0.2, "75663.72"), ("bitstamp", 0.5, "75651")))
    assert out[T0]["price"] == D("75657.36") and out[T0]["sources"] == "bitstamp,coinbase"
    assert out[T0]["excluded"] == "kraken:no_tick"


def test_stale_source_is_left_out_and_named():
    out = composite(ticks(("kraken", -45, "75000"), ("coinbase", 0.1, "75663.72"), ("bitstamp", 0.2, "75651")))
    row = out[T0]
    assert row["sources"] == "bitstamp,coinbase" and row["excluded"] == "kraken:stale(45s)"
    assert row["price"] == D("75657.36")
    # Within the limit it counts (an older tick carries forward to later seconds).
    out = composite(ticks(("kraken", -10, "75670"), ("coinbase", 0.1, "75663.72"), ("bitstamp", 0.2, "75651")))
    assert out[T0]["n_sources"] == 3 and out[T0]["price"] == D("75663.72")


def test_two_exchanges_down_breaks_the_quorum_but_keeps_the_row():
    out = composite(ticks(("coinbase", 0.3, "75663.72")))
    row = out[T0]
    assert row["quorum"] is False and row["price"] is None and row["n_sources"] == 1
    assert row["sources"] == "coinbase" and row["excluded"] == "bitstamp:no_tick,kraken:no_tick"
    assert latest_composite(composite_spot(ticks(("coinbase", 0.3, "75663.72")), core_sources=CORE, min_sources=2,
                                           stale_s=30), T0 + timedelta(seconds=5)) is None
    # A quorum of one accepts it.
    assert composite(ticks(("coinbase", 0.3, "75663.72")), min_sources=1)[T0]["price"] == D("75663.72")


def test_only_core_sources_count_and_each_second_gets_a_row():
    frame = ticks(("coinbase", 0.2, "100"), ("bitstamp", 0.4, "102"), ("binance", 0.5, "1"), ("coinbase", 1.5, "104"),
                  ("kraken", 2.1, "103"))
    out = composite(frame)
    assert sorted(out) == [T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)]
    assert out[T0]["price"] == D("101") and "binance" not in out[T0]["sources"]
    assert out[T0 + timedelta(seconds=1)]["price"] == D("103")  # coinbase 104 (newer), bitstamp 102
    assert out[T0 + timedelta(seconds=2)]["price"] == D("103")  # 104, 102, 103 -> 103
    assert out[T0 + timedelta(seconds=2)]["max_age_ms"] == 1600  # bitstamp's tick, 1.6 s before the second


def test_bad_inputs():
    with pytest.raises(ValueError, match="lack column"):
        composite_spot(pl.DataFrame({"source": ["coinbase"]}), core_sources=CORE, min_sources=2, stale_s=30)
    with pytest.raises(ValueError, match="min_sources"):
        composite_spot(ticks(("coinbase", 0, "1")), core_sources=CORE, min_sources=0, stale_s=30)
    empty = composite_spot(ticks(), core_sources=CORE, min_sources=2, stale_s=30)
    assert empty.is_empty() and "price" in empty.columns
