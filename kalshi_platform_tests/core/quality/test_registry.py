"""The quality registry matches the warehouse: every table and column it names exists, typed right."""

from __future__ import annotations

import pytest

from kalshi_platform.core.quality import DRIFT_SOURCES, REGISTRY, TableRule, TimeBound
from kalshi_platform.core.quality.registry import LATEST_BATCH, orderbook_top


@pytest.mark.parametrize("rule", REGISTRY, ids=lambda r: r.table)
def test_every_rule_names_a_table_and_columns_that_exist(rule, table_types):
    assert rule.table in table_types, f"{rule.table}: no migration creates it"
    types = table_types[rule.table]
    for column in rule.columns():
        assert column in types, f"{rule.table}.{column} does not exist"
    for column in rule.prices:
        if column not in rule.derived_columns:
            assert types[column].startswith("DECIMAL") or types[column] == "DOUBLE", (column, types[column])
    for bound in rule.timestamps:
        assert types[bound.column].startswith("TIMESTAMP"), bound.column
    for column in rule.enums:
        assert types[column] == "VARCHAR", column


@pytest.mark.parametrize("source", DRIFT_SOURCES, ids=lambda s: s.table)
def test_drift_sources_keep_raw_json(source, table_types):
    assert source.json_column in table_types[source.table]
    assert source.known_keys


def test_the_polled_series_have_a_freshness_and_are_checked_by_their_newest_batch():
    fresh = {r.table for r in REGISTRY if r.freshness is not None}
    assert {"raw.kalshi_market_snapshots", "raw.kalshi_orderbooks", "core.quotes_latest", "raw.spot_ticks"} <= fresh
    for rule in REGISTRY:
        if rule.table.startswith("raw.") and rule.freshness is not None:
            assert rule.scope == LATEST_BATCH, rule.table


def test_what_edges_and_orders_are_made_from_is_blocking():
    blocking = {r.table for r in REGISTRY if r.blocking}
    assert blocking >= {"raw.kalshi_market_snapshots", "core.quotes_latest", "core.spot_prices", "core.sigma_history",
                        "core.contracts", "signals.btc_edges", "signals.weather_signals", "signals.signals"}
    assert not {"raw.rejects", "trading.paper_orders", "trading.alert_events"} & blocking


def test_spot_source_deviation():
    import polars as pl

    from kalshi_platform.core.quality.registry import spot_source_deviation

    frame = pl.DataFrame({"price": [100.0, None], "source_prices": ["a=99,b=101.5", None]})
    assert spot_source_deviation(frame).get_column("max_source_deviation_bps").to_list() == [150.0, None]


def test_rule_validation():
    with pytest.raises(ValueError, match="scope"):
        TableRule("raw.x", keys=("a",), scope="sometimes")
    with pytest.raises(ValueError, match="schema.name"):
        TableRule("x", keys=("a",))
    with pytest.raises(ValueError, match="unknown checks"):
        TableRule("raw.x", keys=("a",), tolerances={"vibes": 0.1})
    with pytest.raises(ValueError, match="tolerance"):
        TableRule("raw.x", keys=("a",), tolerances={"keys_unique": 1.0})


def test_checks_follow_what_the_rule_names():
    rule = TableRule("raw.x", keys=("id",), timestamps=(TimeBound("t"),))
    assert rule.checks() == ("keys_unique", "timestamps_sane")
    assert rule.columns() == ("id", "t")
    assert rule.asset_key == ("raw", "x")


def test_orderbook_top_is_per_batch_and_ticker():
    import polars as pl

    levels = pl.DataFrame({
        "batch_id": ["b", "b", "b", "c"], "ticker": ["A", "A", "A", "A"],
        "side": ["yes", "no", "no", "no"], "price": [0.4, 0.5, 0.55, 0.9],
    })
    top = orderbook_top(levels)
    assert top.get_column("best_yes_bid").to_list()[:3] == [0.4, 0.4, 0.4]
    assert top.get_column("implied_yes_ask").to_list()[0] == pytest.approx(0.45)
    assert top.get_column("best_yes_bid").to_list()[3] is None
