"""Every check of every registry rule passes on good rows and fails on a crafted bad row, alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from kalshi_platform.core.quality import (
    BID_ASK,
    KEYS,
    REGISTRY,
    STATUSES,
    TIMESTAMPS,
    VALUES,
    TableRule,
    TimeBound,
    rule_for,
    validate,
)
from kalshi_platform_tests.core.quality.conftest import NOW, bad_frame, good_frame

GENERIC = [r for r in REGISTRY if r.derive is None]
CASES = [(r.table, check) for r in GENERIC for check in r.checks()]


@pytest.mark.parametrize("table", [r.table for r in GENERIC])
def test_good_rows_pass_every_check(table, table_types):
    rule = rule_for(table)
    outcomes = validate(good_frame(rule, table_types[table]), rule, NOW)
    assert set(outcomes) == set(rule.checks())
    for outcome in outcomes.values():
        assert outcome.passed, outcome.summary()
        assert outcome.rows == 3 and outcome.expectations


@pytest.mark.parametrize(("table", "check"), CASES)
def test_a_bad_row_fails_its_check_and_only_it(table, check, table_types):
    rule = rule_for(table)
    frame = bad_frame(rule, check, good_frame(rule, table_types[table]))
    outcomes = validate(frame, rule, NOW)
    assert not outcomes[check].passed, outcomes[check].summary()
    failure = outcomes[check].failures[0]
    assert failure.unexpected_count >= 1 and failure.error is None
    for other, outcome in outcomes.items():
        if other != check:
            assert outcome.passed, (other, outcome.summary())


def test_null_key_fails_keys_but_a_nullable_key_column_may_be_null(table_types):
    rule = rule_for("core.parlay_legs")
    good = good_frame(rule, table_types[rule.table])
    with_null_leg = good.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("leg_index")).alias("leg_index"))
    assert validate(with_null_leg, rule, NOW, checks=[KEYS])[KEYS].passed
    without_parlay = good.with_columns(pl.lit(None, pl.String).alias("parlay_ticker"))
    outcome = validate(without_parlay, rule, NOW, checks=[KEYS])[KEYS]
    assert not outcome.passed
    assert "expect_column_values_to_not_be_null" in {f.expectation for f in outcome.failures}


def test_a_timestamp_far_ahead_of_the_clock_fails_but_a_long_dated_close_passes(table_types):
    rule = rule_for("raw.kalshi_markets")
    good = good_frame(rule, table_types[rule.table])
    ms_as_seconds = good.with_columns(pl.lit(datetime(2600, 1, 1, tzinfo=UTC)).cast(pl.Datetime("us", "UTC")).alias("updated_time"))
    assert not validate(ms_as_seconds, rule, NOW, checks=[TIMESTAMPS])[TIMESTAMPS].passed
    long_dated = good.with_columns(pl.lit(datetime(2099, 12, 31, tzinfo=UTC)).cast(pl.Datetime("us", "UTC")).alias("close_time"))
    assert validate(long_dated, rule, NOW, checks=[TIMESTAMPS])[TIMESTAMPS].passed


def test_exact_bounds_of_a_price_are_inside(table_types):
    rule = rule_for("raw.kalshi_trades")
    good = good_frame(rule, table_types[rule.table])
    edges = good.with_columns(pl.Series("yes_price", [Decimal("0"), Decimal("1"), Decimal("0.000001")], dtype=good.schema["yes_price"]))
    assert validate(edges, rule, NOW, checks=[VALUES])[VALUES].passed
    over = good.with_columns(pl.Series("yes_price", [Decimal("1.000001"), Decimal("1"), Decimal("0")], dtype=good.schema["yes_price"]))
    assert not validate(over, rule, NOW, checks=[VALUES])[VALUES].passed


def _levels(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "batch_id": ["b1"] * len(rows),
            "ticker": [t for t, _, _ in rows],
            "side": [s for _, s, _ in rows],
            "price": [Decimal(p) for _, _, p in rows],
            "count": [Decimal("10")] * len(rows),
            "format": ["orderbook_fp"] * len(rows),
            "fetched_at": [NOW] * len(rows),
        },
        schema_overrides={"price": pl.Decimal(18, 6), "count": pl.Decimal(18, 6), "fetched_at": pl.Datetime("us", "UTC")},
    )


def test_order_book_bid_and_implied_ask_from_the_levels():
    rule = rule_for("raw.kalshi_orderbooks")
    # A: best YES bid 0.40, best NO bid 0.55 -> YES ask 0.45: fine. B: NO bids only (no YES bid): fine.
    fine = _levels([("A", "yes", "0.39"), ("A", "yes", "0.40"), ("A", "no", "0.55"), ("A", "no", "0.50"), ("B", "no", "0.30")])
    outcomes = validate(fine, rule, NOW)
    assert all(o.passed for o in outcomes.values()), [o.summary() for o in outcomes.values()]
    # C: best YES bid 0.60 and best NO bid 0.45 -> YES ask 0.55 below the bid: a crossed book.
    crossed = _levels([("C", "yes", "0.60"), ("C", "no", "0.45")])
    outcomes = validate(crossed, rule, NOW)
    assert not outcomes[BID_ASK].passed
    assert all(o.passed for name, o in outcomes.items() if name != BID_ASK)


def test_a_missing_column_fails_the_checks_that_need_it(table_types):
    rule = rule_for("raw.kalshi_market_snapshots")
    frame = good_frame(rule, table_types[rule.table]).drop("yes_ask")
    outcomes = validate(frame, rule, NOW)
    assert not outcomes[VALUES].passed and not outcomes[BID_ASK].passed
    assert any("yes_ask missing" in (f.error or "") for f in outcomes[BID_ASK].failures)
    assert outcomes[KEYS].passed and outcomes[STATUSES].passed


def test_no_rows_pass_with_nothing_to_check(table_types):
    rule = rule_for("raw.kalshi_market_snapshots")
    empty = good_frame(rule, table_types[rule.table]).head(0)
    outcomes = validate(empty, rule, NOW)
    assert all(o.passed and o.rows == 0 for o in outcomes.values())
    assert "no rows" in outcomes[KEYS].summary()


def test_a_tolerance_lets_a_share_of_rows_fail(table_types):
    strict = rule_for("raw.kalshi_trades")
    tolerant = TableRule(strict.table, keys=strict.keys, prices=strict.prices, tolerances={VALUES: 0.5})
    frame = bad_frame(strict, VALUES, good_frame(strict, table_types[strict.table]))  # 1 of 3 rows bad
    assert not validate(frame, strict, NOW, checks=[VALUES])[VALUES].passed
    assert validate(frame.select(tolerant.columns()), tolerant, NOW, checks=[VALUES])[VALUES].passed


def test_checks_can_be_run_one_at_a_time(table_types):
    rule = rule_for("raw.kalshi_markets")
    outcomes = validate(good_frame(rule, table_types[rule.table]), rule, NOW, checks=[STATUSES])
    assert list(outcomes) == [STATUSES]


def test_time_bound_relative_to_the_clock():
    bound = TimeBound("t", max_ahead=timedelta(minutes=5))
    low, high = bound.bounds(NOW)
    assert low.year == 2018 and high == NOW + timedelta(minutes=5)
    assert TimeBound("t", max_ahead=None).bounds(NOW)[1] is None


def test_composite_spot_within_tolerance_of_each_source():
    rule = rule_for("core.spot_prices")
    frame = pl.DataFrame(
        {
            "ts": [NOW, NOW - timedelta(seconds=1)],
            "price": [Decimal("75000"), Decimal("75000")],
            "n_sources": [2, 2],
            "source_prices": ["bitstamp=75010,coinbase=74990", "bitstamp=75010,coinbase=74990"],
            "computed_at": [NOW, NOW],
            "batch_id": ["b", "b"],
        },
        schema_overrides={"price": pl.Decimal(18, 6), "ts": pl.Datetime("us", "UTC"), "computed_at": pl.Datetime("us", "UTC")},
    )
    assert validate(frame, rule, NOW, checks=[VALUES])[VALUES].passed  # 1.3 bps
    broken = frame.with_columns(pl.Series("source_prices", ["bitstamp=75010,coinbase=74990", "bitstamp=75010,kraken=76000"]))
    outcome = validate(broken, rule, NOW, checks=[VALUES])[VALUES]
    assert not outcome.passed  # kraken 133 bps away
    assert outcome.failures[0].columns == ("max_source_deviation_bps",)
