"""The weather assets on the embedded exchange: every open high-temperature market gets a signal row whose
probability can be traced to its ensemble members; outages fall back, labelled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from kalshi_platform.clients.kalshi.client import KalshiClient
from kalshi_platform.core.weather.model import climate_round_value
from kalshi_platform.core.weather.stations import STATIONS
from kalshi_platform.defs.markets.assets import ASSETS as MARKET_ASSETS
from kalshi_platform.defs.markets.assets import CANDLE_PARTITIONS
from kalshi_platform.defs.markets.quotes import quotes_latest
from kalshi_platform.defs.weather.assets import ASSETS, CHECKS, WEATHER_PARTITIONS, target_dates
from kalshi_platform.defs.weather.resources import OpenMeteoResource, WeatherConfig
from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport
from kalshi_platform_tests.defs.conftest import FROZEN_NOW, query, resources

# `make run` materializes yesterday's partition: yesterday through the next four days.
RUN_PARTITION = "2026-11-19"
SERIES = {s.series_ticker for s in STATIONS}


def run(db_dir: Path, *, tier: str = "prime", assets=None, **config) -> dg.ExecuteInProcessResult:
    res = resources(db_dir, tier=tier)
    res["open_meteo"] = OpenMeteoResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier=tier,
                                          retry_max_attempts=2)
    res["weather_config"] = WeatherConfig(**config)
    selection = assets or [*MARKET_ASSETS, quotes_latest, *ASSETS, *CHECKS]
    return dg.materialize(selection, resources=res, partition_key=RUN_PARTITION, raise_on_error=False)


def open_high_markets() -> set[str]:
    frozen = datetime.fromisoformat(FROZEN_NOW).astimezone(UTC)
    exchange = SandboxExchange(SandboxConfig(now=lambda: frozen, enforce_rate_limit=False))
    with KalshiClient(SANDBOX_KALSHI_BASE_URL, transport=SandboxTransport(exchange), tier="prime") as client:
        result = client.get_markets(status="open")
        assert result.complete
    return {m["ticker"] for m in result.items if m["ticker"].split("-")[0] in SERIES}


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("weather")
    result = run(db)
    failures = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    return db


def test_partitions_are_the_platforms_daily_ones_and_cover_the_listed_days():
    # One job runs every partitioned asset with one key: the definitions must be equal.
    assert WEATHER_PARTITIONS == CANDLE_PARTITIONS
    assert target_dates([RUN_PARTITION], 4) == [date(2026, 11, d) for d in range(19, 24)]


def test_every_open_sandbox_high_temperature_market_has_a_signal(warehouse_dir):
    expected = open_high_markets()
    assert len(expected) >= 7 * 2 * 6 - 10  # seven cities, today's and the next days' events
    rows = query(warehouse_dir, "SELECT ticker, model_prob, skip_reason FROM signals.weather_signals "
                                "WHERE as_of = (SELECT max(as_of) FROM signals.weather_signals)")
    assert {r[0] for r in rows} == expected
    assert all(r[1] is not None and r[2] is None for r in rows)
    as_of = query(warehouse_dir, "SELECT DISTINCT as_of FROM signals.weather_signals")
    assert as_of == [(datetime.fromisoformat(FROZEN_NOW),)]


def test_each_probability_is_the_share_of_its_members_in_the_bracket(warehouse_dir):
    signals = pl.DataFrame(query(warehouse_dir, """
        SELECT ticker, city, target_date, forecast_as_of, lower_degree, upper_degree, n_members, n_in_bracket,
               model_prob FROM signals.weather_signals"""),
        schema=["ticker", "city", "target_date", "forecast_as_of", "lo", "hi", "n_members", "n_in", "p"], orient="row")
    members = pl.DataFrame(query(warehouse_dir, """
        SELECT s.ticker, e.temperature_2m_max, e.model, e.source
        FROM signals.weather_signals s
        JOIN raw.weather_ensembles e
          ON e.city = s.city AND e.target_date = s.target_date AND e.as_of = s.forecast_as_of"""),
        schema=["ticker", "value", "model", "source"], orient="row")
    assert set(members["source"]) == {"ensemble"}
    per_ticker = members.group_by("ticker").agg(pl.col("value"), pl.col("model").unique().sort())
    joined = signals.join(per_ticker, on="ticker")
    assert joined.height == signals.height
    for row in joined.iter_rows(named=True):
        assert row["model"] == ["ecmwf_ifs025_ensemble", "ncep_gefs025"]
        assert len(row["value"]) == row["n_members"] == 31 + 51
        inside = sum(1 for v in row["value"] if (row["lo"] is None or climate_round_value(v) >= row["lo"])
                     and (row["hi"] is None or climate_round_value(v) <= row["hi"]))
        assert inside == row["n_in"] and row["p"] == pytest.approx(inside / row["n_members"])


def test_each_day_sums_to_one_and_the_check_passes(warehouse_dir):
    sums = query(warehouse_dir, """
        SELECT event_ticker, sum(model_prob), count(*), max(event_brackets)
        FROM signals.weather_signals GROUP BY event_ticker""")
    complete = [s for s in sums if s[2] == s[3] == 6]
    assert len(complete) >= 10
    assert all(s[1] == pytest.approx(1.0) for s in complete)


def test_signals_follow_the_contract_and_price_with_the_quotes(warehouse_dir):
    rows = pl.DataFrame(query(warehouse_dir, """
        SELECT s.ticker, s.yes_ask, s.no_ask, q.yes_ask, q.no_ask, s.direction, s.edge_bps, s.yes_edge_bps,
               s.no_edge_bps, s.confidence, s.expiry, m.close_time, s.market_prob, s.fair_mid
        FROM signals.weather_signals s JOIN core.quotes_latest q USING (ticker)
        JOIN raw.kalshi_markets m USING (ticker)"""),
        schema=["ticker", "yes_ask", "no_ask", "q_yes_ask", "q_no_ask", "direction", "edge_bps", "yes_edge", "no_edge",
                "confidence", "expiry", "close_time", "market_prob", "fair_mid"], orient="row")
    assert rows.height > 0
    assert (rows["yes_ask"] == rows["q_yes_ask"]).all() and (rows["no_ask"] == rows["q_no_ask"]).all()
    assert (rows["expiry"] == rows["close_time"]).all()
    assert rows["confidence"].is_between(0, 1).all()
    directed = rows.filter(pl.col("direction").is_not_null())
    assert directed.height > 0 and set(directed["direction"]) <= {"buy_yes", "buy_no"}
    for r in directed.iter_rows(named=True):
        side = r["yes_edge"] if r["direction"] == "buy_yes" else r["no_edge"]
        assert r["edge_bps"] == pytest.approx(side) and r["edge_bps"] >= 100
    assert rows.filter(pl.col("direction").is_null())["edge_bps"].null_count() == rows.filter(
        pl.col("direction").is_null()).height
    columns = {c[0] for c in query(warehouse_dir, "DESCRIBE signals.weather_signals")}
    assert {"as_of", "ticker", "model_prob", "yes_ask", "no_ask", "direction", "edge_bps", "confidence", "expiry",
            "skip_reason", "lower_degree", "upper_degree", "lower_inclusive", "upper_inclusive", "n_members",
            "market_prob", "fair_mid"} <= columns


def test_station_table_and_ensembles_are_queryable(warehouse_dir):
    assert query(warehouse_dir, "SELECT rules_name, icao, timezone FROM core.weather_stations WHERE city = 'NY'") == [
        ("Central Park, New York", "KNYC", "America/New_York")]
    counts = query(warehouse_dir, """
        SELECT requested_model, count(DISTINCT member), count(DISTINCT target_date), min(target_date), max(target_date),
               any_value(timezone), any_value(unit)
        FROM raw.weather_ensembles WHERE city = 'NY' GROUP BY requested_model ORDER BY 1""")
    assert counts == [("ecmwf_ifs025_ensemble", 51, 5, date(2026, 11, 19), date(2026, 11, 23), "Etc/GMT+5", "°F"),
                      ("ncep_gefs025", 31, 5, date(2026, 11, 19), date(2026, 11, 23), "Etc/GMT+5", "°F")]


def test_rematerializing_duplicates_nothing(warehouse_dir):
    before = query(warehouse_dir, "SELECT (SELECT count(*) FROM raw.weather_ensembles), "
                                  "(SELECT count(*) FROM signals.weather_signals)")
    result = run(warehouse_dir, assets=[*ASSETS])
    assert result.success
    after = query(warehouse_dir, "SELECT (SELECT count(*) FROM raw.weather_ensembles), "
                                 "(SELECT count(*) FROM signals.weather_signals)")
    assert after == before


def test_ensemble_outage_falls_back_labelled_and_lowers_confidence(tmp_path):
    # Its own exchange (tier premier): the outage must not leak into the other tests' world.
    resource = OpenMeteoResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier="premier")
    api = next(f for f in resource.exchange().world.families if f.name == "climate").api
    api.set_outage("ensemble")
    try:
        result = run(tmp_path, tier="premier", cities=["NY", "CHI"])
    finally:
        api.set_outage("ensemble", down=False)
    assert result.success
    sources = query(tmp_path, "SELECT DISTINCT source, model, requested_model, fallback_reason IS NOT NULL "
                              "FROM raw.weather_ensembles ORDER BY 2")
    assert sources == [("deterministic_fallback", "ecmwf_ifs025", "ecmwf_ifs025_ensemble", True),
                       ("deterministic_fallback", "gfs_seamless", "ncep_gefs025", True)]
    signals = query(tmp_path, "SELECT DISTINCT forecast_source, n_members, n_fallback_members, direction "
                              "FROM signals.weather_signals")
    assert {s[0] for s in signals} == {"deterministic_fallback"}
    assert {(s[1], s[2]) for s in signals} == {(2, 2)}
    assert {s[3] for s in signals} == {None}  # two deterministic runs are not confidence enough
    cities = query(tmp_path, "SELECT DISTINCT city FROM signals.weather_signals ORDER BY 1")
    assert cities == [("CHI",), ("NY",)]
    materializations = result.asset_materializations_for_node("raw__weather_ensembles")
    assert materializations[0].metadata["fallbacks"].value == 4


def test_bias_correction_applies_once_enough_settled_days_exist(tmp_path):
    # A history of forecasts issued before each settled day, written as earlier runs would have.
    assert run(tmp_path, cities=["NY"]).success
    history = query(tmp_path, """
        SELECT count(*) FROM raw.kalshi_markets
        WHERE event_ticker LIKE 'KXHIGHNY-%' AND status IN ('determined', 'finalized')""")[0][0]
    assert history > 30
    from kalshi_platform.warehouse import Warehouse

    with Warehouse(str(tmp_path / "warehouse.duckdb"), str(tmp_path / "snapshot.duckdb")).connect() as con:
        # Past runs: a +2°F warm forecast for each of the last ten settled days, issued the day before.
        con.execute("""
            INSERT INTO raw.weather_ensembles (partition_key, target_date, city, model, requested_model, source,
                                               member, temperature_2m_max, unit, as_of, batch_id)
            SELECT 'hist|' || e.target_date, e.target_date, 'NY', 'ncep_gefs025', 'ncep_gefs025', 'ensemble', 0,
                   e.high + 2, '°F', e.target_date::TIMESTAMP AT TIME ZONE 'UTC' - INTERVAL 10 HOUR, 'hist'
            FROM (SELECT DISTINCT strptime(split_part(event_ticker, '-', 2), '%y%b%d')::DATE AS target_date,
                         CAST(expiration_value AS DOUBLE) AS high
                  FROM raw.kalshi_markets
                  WHERE event_ticker LIKE 'KXHIGHNY-%' AND status IN ('determined', 'finalized')) e
            WHERE e.target_date >= DATE '2026-11-09'
        """)
    assert run(tmp_path, assets=[*ASSETS], cities=["NY"]).success
    corrected = query(tmp_path, "SELECT DISTINCT bias_corrected, round(max_abs_bias_f, 6) FROM signals.weather_signals")
    assert corrected == [(True, 2.0)]
    off = run(tmp_path, assets=[*ASSETS], cities=["NY"], bias_correction=False)
    assert off.success
    assert query(tmp_path, "SELECT DISTINCT bias_corrected FROM signals.weather_signals") == [(False,)]


def test_migration_matches_the_frames_the_assets_write(tmp_path):
    from kalshi_platform.clients.openmeteo import ROW_SCHEMA
    from kalshi_platform.core.weather.stations import STATION_SCHEMA
    from kalshi_platform.defs.weather.assets import SIGNAL_COLUMNS
    from kalshi_platform.warehouse import Warehouse

    with Warehouse(str(tmp_path / "w.duckdb"), str(tmp_path / "s.duckdb")).connect() as con:
        for table, columns in (("raw.weather_ensembles", ROW_SCHEMA), ("signals.weather_signals", SIGNAL_COLUMNS),
                               ("core.weather_stations", STATION_SCHEMA)):
            schema, name = table.split(".")
            stored = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [schema, name]).fetchall()]
            assert stored == list(columns), table
