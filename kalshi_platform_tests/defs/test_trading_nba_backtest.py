"""The NBA props backtest: The Odds API's historical snapshot a fixed lead before each tip-off, priced by
the props model on the settled Kalshi ladders, handed to the calibration as method 'backtest'."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from kalshi_platform.core.props.kalshi import prop_rungs
from kalshi_platform.defs.markets.assets import kalshi_events, kalshi_markets, kalshi_series
from kalshi_platform.defs.nba_props.resources import OddsApiResource
from kalshi_platform.defs.resources import KalshiApiResource, UniverseConfig, sandbox_exchange
from kalshi_platform.defs.trading.backtests import BacktestUnavailable, NbaBacktestLog, nba_props
from kalshi_platform.defs.trading.calibration import calibration
from kalshi_platform.sandbox.worlds.nba_league import nba_schedule
from kalshi_platform.warehouse import Warehouse
from kalshi_platform.warehouse import trading_queries as tq
from kalshi_platform.warehouse.resource import WarehouseResource
from kalshi_platform_tests.defs.conftest import ALL_STATUSES, FROZEN_NOW

NOW = datetime.fromisoformat(FROZEN_NOW).astimezone(UTC)


def odds_resource() -> OddsApiResource:
    # Its own key: quota is per key on the process's shared exchange, and other tests count theirs.
    return OddsApiResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier="prime",
                           api_key="nba-backtest-tests-key")


@pytest.fixture(scope="module")
def market_db(tmp_path_factory) -> Path:
    """A warehouse holding the sandbox's Kalshi markets at FROZEN_NOW (settled prop ladders included)."""
    folder = tmp_path_factory.mktemp("nba_backtest")
    resources = {
        "warehouse": WarehouseResource(path=str(folder / "w.duckdb"), snapshot_path=str(folder / "s.duckdb")),
        "kalshi": KalshiApiResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier="prime"),
        "universe": UniverseConfig(market_statuses=ALL_STATUSES),
    }
    assert dg.materialize([kalshi_series, kalshi_events, kalshi_markets], resources=resources).success
    return folder


def warehouse(folder: Path) -> Warehouse:
    return Warehouse(str(folder / "w.duckdb"), str(folder / "s.duckdb"))


def tips() -> dict[str, datetime]:
    """Tip-off of each sandbox game, by Kalshi game code (the world's truth, to check the backtest)."""
    world = sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW).world
    return {g.code: datetime.fromtimestamp(g.start_ts, tz=UTC)
            for g in nba_schedule(world.seed, world.anchor_ts, world.scale).games}


def test_backtest_prices_the_settled_ladders_from_snapshots_before_tip_off(market_db):
    log = NbaBacktestLog()
    with warehouse(market_db).connect(read_only=True) as con, odds_resource().client() as odds:
        rows = nba_props(con, NOW, odds, lead=timedelta(hours=2), nights=2, max_games=6, log=log)
        settled, _ = prop_rungs(tq.settled_prop_markets(con))
        cost = [r.requests_last for r in odds.requests]
    assert len(log.games) == 6 and not log.skipped and set(log.snapshots) == set(log.games)
    # The two newest game nights, newest first.
    nights = sorted({g[:7] for g in settled["game_id"].to_list()},
                    key=lambda d: datetime.strptime(d, "%y%b%d"), reverse=True)[:2]
    assert {g[:7] for g in log.games} == set(nights)
    start = tips()
    for game, at in log.snapshots.items():
        snap = datetime.fromisoformat(at)
        assert start[game] - timedelta(hours=2, minutes=5) < snap <= start[game] - timedelta(hours=2)
    # Every forecast is of a settled market of those games, made before its close, with its outcome.
    outcomes = dict(zip(settled["ticker"], settled["outcome"], strict=True))
    assert rows.height > 100 and rows["ticker"].is_unique().all()
    assert {t.split("-")[1] for t in rows["ticker"]} == set(log.games)
    assert rows["outcome"].to_list() == [outcomes[t] for t in rows["ticker"]]
    assert (rows["horizon_hours"] > 2).all() and (rows["as_of"] < NOW).all()
    assert set(rows["method"]) == {"backtest"} and set(rows["model"]) == {"nba_props"}
    assert rows["model_prob"].is_between(0, 1).all()
    assert rows["market_prob"].null_count() == rows.height  # no trade stored: no market baseline
    # One rung above another for the same player: a lower YES probability (a ladder is monotone).
    ladder = rows.with_columns(pl.col("ticker").str.extract(r"^(.*)-\d+$").alias("player"),
                               pl.col("ticker").str.extract(r"-(\d+)$").cast(pl.Int32).alias("threshold"))
    for _, group in ladder.group_by("player"):
        probs = group.sort("threshold")["model_prob"].to_list()
        assert probs == sorted(probs, reverse=True)
    # The model knows something: better than a coin and than the base rate.
    y, p = rows["outcome"].cast(pl.Float64), rows["model_prob"]
    assert ((p - y) ** 2).mean() < ((y.mean() - y) ** 2).mean()
    # One free-ish events list (1), then 10 x markets per game: the real API's historical price.
    assert cost[0] == 1 and all(c % 10 == 0 and 10 <= c <= 60 for c in cost[1:]) and len(cost) == 7


def test_a_longer_lead_reads_earlier_lines_and_fewer_games_cost_less(market_db):
    logs = {}
    for hours, games in ((2, 3), (8, 2)):
        logs[hours] = NbaBacktestLog()
        with warehouse(market_db).connect(read_only=True) as con, odds_resource().client() as odds:
            nba_props(con, NOW, odds, lead=timedelta(hours=hours), nights=1, max_games=games, log=logs[hours])
    assert len(logs[2].games) == 3 and len(logs[8].games) == 2 and logs[8].games == logs[2].games[:2]
    for game in logs[8].games:
        gap = datetime.fromisoformat(logs[2].snapshots[game]) - datetime.fromisoformat(logs[8].snapshots[game])
        assert gap == timedelta(hours=6)


def test_without_a_client_it_falls_back_to_stored_lines_and_says_there_are_none(market_db):
    with warehouse(market_db).connect(read_only=True) as con, pytest.raises(BacktestUnavailable,
                                                                            match="raw.sportsbook_props"):
        nba_props(con, NOW)


def test_calibration_reports_nba_props_from_the_backtest(market_db):
    result = dg.materialize(
        [calibration],
        resources={
            "warehouse": WarehouseResource(path=str(market_db / "w.duckdb"),
                                           snapshot_path=str(market_db / "s.duckdb")),
            "kalshi": KalshiApiResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier="prime"),
            "odds_api": odds_resource(),
        },
        run_config={"ops": {"signals__calibration": {"config": {"nba_max_games": 4}}}},
    )
    assert result.success
    meta = {k: v.value for k, v in result.asset_materializations_for_node("signals__calibration")[0].metadata.items()}
    assert meta["method_by_model"]["nba_props"].startswith("backtest: ")
    backtest = meta["nba_backtest"]
    assert backtest["lead_hours"] == 2.0 and len(backtest["games"]) == 4 and backtest["skipped"] == {}
    assert backtest["odds_api_quota_cost"] > 40
    with warehouse(market_db).connect(read_only=True) as con:
        stored = con.execute(
            """SELECT method, horizon, n, brier_model, log_loss_model, brier_market FROM signals.calibration
               WHERE model = 'nba_props' ORDER BY horizon_order""").fetchall()
    assert [r[:2] for r in stored] == [("backtest", "1-6h"), ("backtest", "all")]
    method, _, n, brier, log_loss, brier_market = stored[-1]
    assert n > 50 and f"backtest: {n} forecasts" in meta["method_by_model"]["nba_props"]
    assert 0.05 < brier < 0.25 and 0.2 < log_loss < math.log(2) and brier_market is None
