"""Backtests for calibration: each model's pure core function re-run on stored inputs, for settled markets.

A forecast counts only if its inputs existed before the market closed (no look-ahead):

- BTC GBM and BTC 15-minute: the composite spot and the sigma the model would have had at points
  before each settled market's close, from the stored per-second composite (core.spot_prices): the
  sigma is re-estimated from the composite up to that point with the BTC domain's own functions;
- NBA props: the sportsbook lines as the books showed them a fixed lead before tip-off (The Odds API's
  historical event-odds snapshot at or before that time), for the settled ladders of the last few game
  nights, de-vigged and combined by the domain's own ``book_lines``/``consensus`` and carried to every
  rung of the Kalshi ladder with the signal's ``model_probability``. Without an Odds API client, the
  lines stored before each market closed (raw.sportsbook_props) are used instead;
- weather: ensembles issued before the market's close. When the only stored ensembles were issued
  after the day (a fresh warehouse), the model is run on them as a *hindcast*: the bracket, climate-day
  and rounding logic is checked against the settlement, but that is no test of forecast skill, and the
  method column says so.

The market-implied baseline of a backtested forecast is the market's last trade at or before the
forecast time (raw.kalshi_trades, the YES price), when one was stored.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from kalshi_platform.core.btc.edges import EdgeParams, SigmaInput, SpotInput, compute_edges
from kalshi_platform.core.btc.fifteen import Momentum, fifteen_minute_signals
from kalshi_platform.core.btc.sigma import choose_sigma, ewma_sigma, grid_prices, log_returns
from kalshi_platform.warehouse import btc_queries
from kalshi_platform.warehouse import trading_queries as tq


class BacktestUnavailable(Exception):
    """The stored inputs do not allow a backtest of this model (the reason says which are missing)."""


Backtest = Callable[[object, datetime], pl.DataFrame]

FORECAST_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(), "ticker": pl.String(), "as_of": pl.Datetime("us", "UTC"), "horizon_hours": pl.Float64(),
    "model_prob": pl.Float64(), "market_prob": pl.Float64(), "outcome": pl.Int8(), "method": pl.String(),
}
# Points before the close at which a BTC market is forecast again (minutes).
BTC_HORIZONS_MIN = (5, 15, 30, 60, 90)
BTC15_HORIZONS_MIN = (1, 3, 5, 10, 14)
# The BTC domain's defaults (BtcConfig): sigma from 1-minute returns over the stored history window.
SIGMA_INTERVAL_S = 60
SIGMA_LOOKBACK_S = 125 * 60
SIGMA_MIN_RETURNS = 20
EWMA_DECAY = 0.97
SIGMA_MAX = 3.0
SIGMA_DEFAULT = 0.5
SPOT_MAX_AGE_S = 120.0
MOMENTUM_S = 300
MOMENTUM_WEIGHT = 0.25
# NBA props: forecast this long before tip-off, for the settled games of the last few nights (each game
# is one historical odds request, 10 x markets x regions of quota on the real API).
NBA_LEAD_HOURS = 2.0
NBA_NIGHTS = 2
NBA_MAX_GAMES = 10
BTC_SERIES = ("KXBTC", "KXBTCD")
BTC15_SERIES = ("KXBTC15M",)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FORECAST_SCHEMA)


def _spot(con, as_of: datetime) -> SpotInput | None:
    row = btc_queries.spot_at_or_before(con, as_of, as_of - timedelta(seconds=SPOT_MAX_AGE_S))
    return SpotInput(row["price"], row["ts"], None, 3, 3) if row else None


def _sigma(con, as_of: datetime) -> SigmaInput:
    start = as_of - timedelta(seconds=SIGMA_LOOKBACK_S)
    prices = btc_queries.spot_prices(con, start, as_of).filter(pl.col("quorum"))
    grid = grid_prices(prices.get_column("ts"), prices.get_column("price"), interval_s=SIGMA_INTERVAL_S, end=as_of,
                       lookback_s=SIGMA_LOOKBACK_S)
    returns = log_returns(grid)
    raw = ewma_sigma(returns, decay=EWMA_DECAY, interval_s=SIGMA_INTERVAL_S)
    choice = choose_sigma(raw, len(returns), min_returns=SIGMA_MIN_RETURNS, sigma_max=SIGMA_MAX,
                          default=SIGMA_DEFAULT, last_good=None, last_good_max_age_s=0.0, as_of=as_of)
    return SigmaInput(choice.sigma, choice.source, choice.reason, as_of)


def _btc(con, now: datetime, model: str, series: tuple[str, ...], horizons: tuple[int, ...],
         fifteen: bool) -> pl.DataFrame:
    for table in ("core.spot_prices", "core.contracts", "raw.kalshi_markets"):
        if not tq.table_exists(con, table):
            raise BacktestUnavailable(f"{table} does not exist yet")
    bounds = con.execute("SELECT min(ts), max(ts) FROM core.spot_prices WHERE quorum").fetchall()[0]
    if not bounds or bounds[0] is None:
        raise BacktestUnavailable("no stored composite spot (core.spot_prices)")
    first, last = bounds
    markets = tq.settled_strike_markets(con, list(series), first, now).with_columns(
        pl.col("expiry").cast(pl.Datetime("us", "UTC")), pl.col("open_time").cast(pl.Datetime("us", "UTC")))
    if markets.is_empty():
        raise BacktestUnavailable(
            f"no {'/'.join(series)} market settled within the stored spot history ({first:%Y-%m-%d %H:%M} to "
            f"{last:%H:%M} UTC)")
    points = []
    for minutes in horizons:
        at = markets.with_columns((pl.col("expiry") - pl.duration(minutes=minutes)).alias("as_of"))
        # Enough history before the point for the sigma, and the point inside the stored spot.
        at = at.filter((pl.col("as_of") >= first + timedelta(minutes=30)) & (pl.col("as_of") <= last))
        if fifteen:
            at = at.filter(pl.col("open_time").is_null() | (pl.col("as_of") >= pl.col("open_time")))
        points.append(at)
    frame = pl.concat(points) if points else markets.clear()
    rows = []
    for (as_of,), group in frame.group_by(["as_of"], maintain_order=True):
        as_of = as_of.astimezone(UTC)  # one zone spelling, whatever the connection's time zone
        spot = _spot(con, as_of)
        if spot is None:
            continue
        sigma = _sigma(con, as_of)
        inputs = group.with_columns(pl.lit(False).alias("has_quote"), pl.lit(None).cast(pl.Decimal(18, 6)).alias("yes_ask"),
                                    pl.lit(None).cast(pl.Decimal(18, 6)).alias("no_ask"),
                                    pl.lit(None).cast(pl.Datetime("us", "UTC")).alias("quoted_at"))
        if fifteen:
            then = btc_queries.spot_at_or_before(con, as_of - timedelta(seconds=MOMENTUM_S),
                                                 as_of - timedelta(seconds=MOMENTUM_S + SIGMA_INTERVAL_S))
            log_return = float(np.log(float(spot.price) / float(then["price"]))) if then else None
            out = fifteen_minute_signals(inputs, as_of=as_of, spot=spot, sigma=sigma,
                                         momentum=Momentum(log_return, MOMENTUM_S, MOMENTUM_WEIGHT),
                                         params=EdgeParams(spot_max_age_s=SPOT_MAX_AGE_S))
        else:
            out = compute_edges(inputs.drop("open_time"), as_of=as_of, spot=spot, sigma=sigma,
                                params=EdgeParams(spot_max_age_s=SPOT_MAX_AGE_S))
        rows.append(out.select("ticker", "model_prob", "tau_s").with_columns(pl.lit(as_of).alias("as_of")))
    if not rows:
        return _empty()
    priced = pl.concat(rows).join(markets.select("ticker", "outcome"), on="ticker")
    baseline = tq.last_trade_prices(con, priced.select("ticker", "as_of"))
    return priced.join(baseline, on=["ticker", "as_of"], how="left").select(
        pl.lit(model).alias("model"), "ticker", pl.col("as_of").cast(pl.Datetime("us", "UTC")),
        (pl.col("tau_s") / 3600.0).alias("horizon_hours"), "model_prob", "market_prob",
        pl.col("outcome").cast(pl.Int8), pl.lit("backtest").alias("method"),
    ).filter(pl.col("model_prob").is_not_null())


def btc_gbm(con, now: datetime) -> pl.DataFrame:
    return _btc(con, now, "btc_gbm", BTC_SERIES, BTC_HORIZONS_MIN, fifteen=False)


def btc_15m(con, now: datetime) -> pl.DataFrame:
    return _btc(con, now, "btc_15m", BTC15_SERIES, BTC15_HORIZONS_MIN, fifteen=True)


def weather_ensemble(con, now: datetime) -> pl.DataFrame:
    from kalshi_platform.core.weather import model as wx
    from kalshi_platform.core.weather.brackets import market_brackets
    from kalshi_platform.core.weather.stations import STATIONS
    from kalshi_platform.warehouse import weather_queries as wq

    if not tq.table_exists(con, "raw.weather_ensembles"):
        raise BacktestUnavailable("raw.weather_ensembles does not exist yet")
    by_series = {s.series_ticker: s for s in STATIONS}
    markets = tq.settled_weather_markets(con, list(by_series))
    if markets.is_empty():
        return _empty()
    brackets = market_brackets(markets, {s: st.rules_name for s, st in by_series.items()}).with_columns(
        pl.col("series_ticker").replace_strict({s: st.city for s, st in by_series.items()}, default=None).alias("city"),
        pl.lit(None, pl.Decimal(18, 6)).alias("yes_bid"), pl.lit(None, pl.Decimal(18, 6)).alias("yes_ask"),
        pl.lit(None, pl.Decimal(18, 6)).alias("no_ask"),
    )
    frames = []
    missing_days: set = set()
    for (event,), ladder in brackets.group_by(["event_ticker"], maintain_order=True):
        close = ladder.get_column("expiry").min()
        days = ladder.get_column("target_date").drop_nulls().unique().to_list()
        cities = ladder.get_column("city").drop_nulls().unique().to_list()
        if not days or not cities or close is None:
            continue
        members = wq.latest_members(con, cities, days, close - timedelta(seconds=1))
        method = "backtest"
        if members.is_empty():
            members = wq.latest_members(con, cities, days, now)
            method = "hindcast"  # issued after the day: checks brackets and rounding, not skill
        if members.is_empty():
            missing_days.update(days)
            continue
        issued = members.get_column("forecast_as_of").max()
        priced = wx.weather_signals(
            members.select("city", "target_date", pl.col("requested_model").alias("model"), "source", "member",
                           "value_f"),
            ladder,
        )
        frames.append(priced.select("ticker", "model_prob", "outcome", "expiry").with_columns(
            pl.lit(issued).cast(pl.Datetime("us", "UTC")).alias("as_of"), pl.lit(method).alias("method")))
    if not frames:
        stored = con.execute("SELECT min(target_date), max(target_date) FROM raw.weather_ensembles").fetchall()[0]
        raise BacktestUnavailable(
            f"no stored ensemble covers a settled day (settled days {min(missing_days, default='-')} to "
            f"{max(missing_days, default='-')}; ensembles stored for {stored[0]} to {stored[1]})")
    rows = pl.concat(frames, how="vertical_relaxed")
    baseline = tq.last_trade_prices(con, rows.select("ticker", "as_of"))
    return rows.join(baseline, on=["ticker", "as_of"], how="left").select(
        pl.lit("weather_ensemble").alias("model"), "ticker", "as_of",
        # A hindcast was issued after the close: its horizon is negative ("after close" in the calibration).
        ((pl.col("expiry") - pl.col("as_of")).dt.total_seconds() / 3600.0).alias("horizon_hours"),
        "model_prob", "market_prob", pl.col("outcome").cast(pl.Int8), "method",
    ).filter(pl.col("model_prob").is_not_null())


@dataclass
class NbaBacktestLog:
    """What the NBA props backtest did: games asked for, snapshots read, games skipped (and why), and
    the records The Odds API's answers could not be read into (raw.rejects rows)."""

    games: list[str] = field(default_factory=list)
    snapshots: dict[str, str] = field(default_factory=dict)  # game_id -> snapshot timestamp
    skipped: dict[str, str] = field(default_factory=dict)  # game_id -> why
    rejects: list[pl.DataFrame] = field(default_factory=list)
    batch_id: str = "backtest"  # stamped on those rejects


def _recent_games(rungs: pl.DataFrame, nights: int, max_games: int) -> pl.DataFrame:
    """The settled games of the last ``nights`` game nights (newest first), at most ``max_games``:
    game_id, its close (the final buzzer) and the stats its ladders cover."""
    games = rungs.group_by("game_id").agg(
        pl.col("expiry").min().alias("expiry"), pl.col("stat").unique().sort().alias("stats"),
    ).with_columns(pl.col("game_id").str.slice(0, 7).str.to_date("%y%b%d", strict=False).alias("game_date"))
    dates = games.get_column("game_date").drop_nulls().unique().sort(descending=True).head(nights).to_list()
    return games.filter(pl.col("game_date").is_in(dates)).sort(["game_date", "game_id"], descending=[True, False]) \
        .head(max_games)


def _historical_lines(odds, games: pl.DataFrame, lead: timedelta, log: NbaBacktestLog) -> pl.DataFrame:
    """raw.sportsbook_props-shaped rows of each game's odds snapshot ``lead`` before its tip-off, with
    ``fetched_at`` = the snapshot's time."""
    from kalshi_platform.clients.http import AuthError, HttpError
    from kalshi_platform.core.props.sportsbook import parse_event_odds, parse_events

    first, last = games.get_column("expiry").min(), games.get_column("expiry").max()
    try:
        # Games are listed from a week before tip-off: a day before the first buzzer lists every one.
        listed = odds.get_historical_events(first - timedelta(days=1), commence_from=first - timedelta(hours=12),
                                            commence_to=last)
    except HttpError as exc:
        raise BacktestUnavailable(f"The Odds API historical events: {exc}") from None
    events, rejects = parse_events(listed.data, fetched_at=listed.timestamp, batch_id=log.batch_id,
                                   source="odds_api GET /v4/historical/sports/basketball_nba/events")
    log.rejects.append(rejects)
    event_of = {r["game_id"]: r for r in events.drop_nulls("game_id").iter_rows(named=True)}
    frames = []
    for game in games.iter_rows(named=True):
        game_id = game["game_id"]
        log.games.append(game_id)
        event = event_of.get(game_id)
        if event is None:
            log.skipped[game_id] = "no Odds API event for this game"
            continue
        at = event["commence_time"] - lead
        try:
            snap = odds.get_historical_event_odds(event["event_id"], at,
                                                  markets=[f"player_{stat}" for stat in game["stats"]])
        except AuthError as exc:
            raise BacktestUnavailable(f"The Odds API refused the key: {exc}") from None
        except HttpError as exc:
            log.skipped[game_id] = f"historical odds: {exc}"
            continue
        if snap.timestamp > at:  # never a line the model could not have seen
            log.skipped[game_id] = f"snapshot {snap.timestamp:%Y-%m-%d %H:%M:%S} is after {at:%H:%M:%S}"
            continue
        parsed = parse_event_odds([snap.data], fetched_at=snap.timestamp, batch_id=log.batch_id,
                                  source="odds_api GET /v4/historical/sports/basketball_nba/events/{id}/odds")
        log.rejects.append(parsed.rejects)
        if parsed.rows.is_empty():
            log.skipped[game_id] = f"no player lines in the snapshot of {snap.timestamp:%Y-%m-%d %H:%M} UTC"
            continue
        log.snapshots[game_id] = snap.timestamp.isoformat()
        frames.append(parsed.rows)
    return pl.concat(frames) if frames else pl.DataFrame()


def _stored_lines(con, games: pl.DataFrame) -> pl.DataFrame:
    """Each game's newest stored sportsbook fetch made before its close (raw.sportsbook_props)."""
    if not tq.table_exists(con, "raw.sportsbook_props"):
        raise BacktestUnavailable("raw.sportsbook_props does not exist yet, and no Odds API client")
    frames = [tq.sportsbook_snapshot_before(con, g["game_id"], g["expiry"]) for g in games.iter_rows(named=True)]
    frames = [f for f in frames if f.height]
    if not frames:
        raise BacktestUnavailable("no sportsbook lines were stored (raw.sportsbook_props) before any settled prop "
                                  "market closed, and no Odds API client to replay them")
    return pl.concat(frames, how="vertical_relaxed")


def nba_props(con, now: datetime, odds=None, *, lead: timedelta = timedelta(hours=NBA_LEAD_HOURS),
              nights: int = NBA_NIGHTS, max_games: int = NBA_MAX_GAMES,
              log: NbaBacktestLog | None = None) -> pl.DataFrame:
    """The NBA props model on the lines of settled games: with ``odds`` (an OddsApiClient), The Odds
    API's snapshot ``lead`` before each tip-off of the last ``nights`` nights (at most ``max_games``
    games); without, the lines stored before each close (every settled game)."""
    from kalshi_platform.core.props.kalshi import prop_rungs
    from kalshi_platform.core.props.lines import book_lines, consensus
    from kalshi_platform.core.props.signals import model_probability

    log = log if log is not None else NbaBacktestLog()
    if not tq.table_exists(con, "raw.kalshi_markets"):
        raise BacktestUnavailable("raw.kalshi_markets does not exist yet")
    markets = tq.settled_prop_markets(con).with_columns(pl.col("expiry").cast(pl.Datetime("us", "UTC")))
    if markets.is_empty():
        return _empty()
    rungs, _ = prop_rungs(markets)
    rungs = rungs.filter(pl.col("game_id").is_not_null() & pl.col("player_lookup").is_not_null()
                         & pl.col("expiry").is_not_null() & (pl.col("expiry") <= now))
    if rungs.is_empty():
        return _empty()
    if odds is not None:
        games = _recent_games(rungs, max(0, nights), max(0, max_games))
        if games.is_empty():
            return _empty()
        lines = _historical_lines(odds, games, lead, log)
        if lines.is_empty():
            raise BacktestUnavailable(
                f"no historical odds snapshot {lead.total_seconds() / 3600:g} h before tip-off of any of "
                f"{len(log.games)} settled games ({'; '.join(sorted(set(log.skipped.values()))) or 'none listed'})")
    else:
        lines = _stored_lines(con, rungs.group_by("game_id").agg(pl.col("expiry").min()))
    lines = lines.filter(pl.col("game_id").is_not_null() & pl.col("player_lookup").is_not_null())
    issued = lines.group_by("game_id").agg(pl.col("fetched_at").max().cast(pl.Datetime("us", "UTC")).alias("as_of"))
    book = consensus(book_lines(lines)).select("game_id", "player_lookup", "stat", "consensus_line",
                                                "consensus_over_prob")
    joined = rungs.join(book, on=["game_id", "player_lookup", "stat"]).join(issued, on="game_id") \
        .filter(pl.col("as_of") < pl.col("expiry"))  # no look-ahead
    if joined.is_empty():
        return _empty()
    probs = model_probability(joined.get_column("consensus_line").to_numpy().astype(np.float64),
                              joined.get_column("consensus_over_prob").to_numpy().astype(np.float64),
                              joined.get_column("line").to_numpy().astype(np.float64),
                              joined.get_column("stat").to_numpy())
    rows = joined.select("ticker", "outcome", "expiry", "as_of").with_columns(
        pl.Series("model_prob", probs, dtype=pl.Float64).fill_nan(None))
    baseline = tq.last_trade_prices(con, rows.select("ticker", "as_of"))
    return rows.join(baseline, on=["ticker", "as_of"], how="left").select(
        pl.lit("nba_props").alias("model"), "ticker", "as_of",
        ((pl.col("expiry") - pl.col("as_of")).dt.total_seconds() / 3600.0).alias("horizon_hours"),
        "model_prob", "market_prob", pl.col("outcome").cast(pl.Int8), pl.lit("backtest").alias("method"),
    ).filter(pl.col("model_prob").is_not_null())


BACKTESTS: dict[str, Backtest] = {
    "btc_gbm": btc_gbm,
    "btc_15m": btc_15m,
    "weather_ensemble": weather_ensemble,
    "nba_props": nba_props,
}
