"""Sportsbook lines against Kalshi ladders: one row per player, game and stat of a snapshot.

The model is deliberately plain so a backtest can call it with historical inputs:

- the sportsbooks' view is the consensus line and its power-method fair over probability
  (``core.props.lines``);
- ``model_prob`` is that probability carried to the Kalshi threshold closest to the consensus line
  (``core.props.distribution.shift_probability``; equal to it when the lines coincide);
- the fee-adjusted gap of buying YES is ``model_prob - yes_ask - fee(yes_ask)``, of buying NO
  ``(1 - model_prob) - no_ask - fee(no_ask)``, the fee being Kalshi's taker fee per contract of a
  ``fee_lot`` fill (``core.fees``, exact);
- ``line_discrepancy`` is Kalshi's implied 50% line minus the consensus line (points; positive when
  Kalshi expects more);
- ``arbitrage`` is set when |line_discrepancy| exceeds ``arb_line_points`` or the better after-fee gap
  reaches ``arb_min_gap``; ``locked_arb_margin`` is, separately, the sure profit per $1 of buying a
  Kalshi side and the opposite side at the best book quoting exactly the Kalshi line (> 0 = a lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from kalshi_platform.core.fees import fee_expr
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.props.distribution import shift_probability
from kalshi_platform.core.props.kalshi import SERIES_OF_STAT
from kalshi_platform.core.props.ladder import RUNG_STRUCT, closest_rung, implied_lines, rung_probability
from kalshi_platform.core.props.lines import BOOK_STRUCT, best_prices_at, book_lines, consensus
from kalshi_platform.core.props.names import match_players
from kalshi_platform.core.props.odds import implied_probability_expr
from kalshi_platform.core.props.sportsbook import SPORTSBOOK_PROPS_SCHEMA
from kalshi_platform.core.trading.signals import CONTRACT_COLUMNS

GROUP = ["game_id", "player_lookup", "stat"]
TS = pl.Datetime("us", "UTC")

# Why a row was not evaluated (null when it was).
SKIP_NO_LADDER = "no Kalshi ladder for this player and stat"
SKIP_NO_BOOKS = "no sportsbook line for this player and stat"
SKIP_ONE_SIDED = "sportsbooks list only one side (cannot de-vig)"
SKIP_NO_QUOTE = "Kalshi market at the closest line has no ask"
SKIP_NOT_OPEN = "Kalshi market at the closest line is not open"
SKIP_NO_MODEL = "no model probability at the Kalshi line"

KALSHI_RUNG_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "game_id": pl.String(),
    "stat": pl.String(),
    "team": pl.String(),
    "player_name": pl.String(),
    "player_lookup": pl.String(),
    "threshold": pl.Int32(),
    "line": pl.Float64(),
    "status": pl.String(),
    "yes_bid": DECIMAL_DTYPE,
    "yes_ask": DECIMAL_DTYPE,
    "no_bid": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "yes_bid_size": DECIMAL_DTYPE,
    "yes_ask_size": DECIMAL_DTYPE,
    "liquidity": DECIMAL_DTYPE,
    "close_time": TS,
    "expected_expiration_time": TS,
    "fee_type": pl.String(),
    "fee_multiplier": DECIMAL_DTYPE,
    "quoted_at": TS,
}

SIGNAL_SCHEMA: dict[str, pl.DataType] = {
    # the signals contract (issue 7 unions these): its one definition, so the two cannot drift apart
    **CONTRACT_COLUMNS,
    # which prop
    "game_id": pl.String(),
    "game_date": pl.Date(),
    "commence_time": TS,
    "away_team": pl.String(),
    "home_team": pl.String(),
    "player_lookup": pl.String(),
    "player_name": pl.String(),
    "team": pl.String(),
    "stat": pl.String(),
    "series_ticker": pl.String(),
    "kalshi_event_ticker": pl.String(),
    "kalshi_game_event": pl.String(),
    "odds_event_id": pl.String(),
    "match_status": pl.String(),
    "player_matched": pl.Boolean(),
    "kalshi_player_name": pl.String(),
    "sportsbook_player_names": pl.List(pl.String()),
    # sportsbooks
    "books": pl.List(BOOK_STRUCT),
    "n_books": pl.Int32(),
    "consensus_line": pl.Float64(),
    "consensus_books": pl.Int32(),
    "consensus_over_prob": pl.Float64(),
    "consensus_over_price": pl.Int32(),
    "consensus_under_price": pl.Int32(),
    "best_over_line": pl.Float64(),
    "best_over_price": pl.Int32(),
    "best_over_book": pl.String(),
    "best_under_line": pl.Float64(),
    "best_under_price": pl.Int32(),
    "best_under_book": pl.String(),
    # Kalshi
    "ladder": pl.List(RUNG_STRUCT),
    "ladder_size": pl.Int32(),
    "kalshi_implied_line": pl.Float64(),
    "implied_line_extrapolated": pl.Boolean(),
    "kalshi_available": pl.Boolean(),
    "kalshi_line": pl.Float64(),
    "kalshi_market_ticker": pl.String(),
    "kalshi_yes_bid": DECIMAL_DTYPE,
    "kalshi_yes_price": DECIMAL_DTYPE,
    "kalshi_no_bid": DECIMAL_DTYPE,
    "kalshi_no_price": DECIMAL_DTYPE,
    "kalshi_liquidity": DECIMAL_DTYPE,
    "kalshi_over_prob": pl.Float64(),
    # comparison
    "line_discrepancy": pl.Float64(),
    "fee_yes": DECIMAL_DTYPE,
    "fee_no": DECIMAL_DTYPE,
    "gap_yes": pl.Float64(),
    "gap_no": pl.Float64(),
    "fee_adjusted_gap": pl.Float64(),
    "locked_arb_margin": pl.Float64(),
    "arbitrage": pl.Boolean(),
    "arbitrage_reason": pl.String(),
    "sportsbook_last_update": TS,
    "kalshi_quoted_at": TS,
}


@dataclass(frozen=True)
class PropParams:
    arb_line_points: float = 2.0  # |implied line - consensus line| above this flags arbitrage
    arb_min_gap: float = 0.05  # after-fee probability gap (of $1) at or above this flags arbitrage
    fee_lot: int = 100  # fees are per contract of a fill this size (a 1-lot rounds the fee up a cent)


@dataclass
class PropLines:
    rows: pl.DataFrame  # signals.nba_prop_lines rows
    players: pl.DataFrame  # per game and player: names on each side and match status (core.props.names)

    @property
    def unmatched(self) -> pl.DataFrame:
        return self.players.filter(pl.col("match_status") != "matched")


def model_probability(consensus_line, consensus_over_prob, kalshi_line, stat) -> np.ndarray:
    """P(YES) of the Kalshi market at ``kalshi_line`` from the sportsbooks' fair over probability at
    ``consensus_line`` (plain inputs, element-wise)."""
    return shift_probability(consensus_line, consensus_over_prob, kalshi_line, stat)


def fee_adjusted_gaps(model_prob, yes_ask, yes_fee, no_ask, no_fee) -> tuple[np.ndarray, np.ndarray]:
    """(gap of buying YES, gap of buying NO) in probability points of $1, after fees (plain inputs)."""
    p = np.asarray(model_prob, dtype=np.float64)
    yes = p - np.asarray(yes_ask, dtype=np.float64) - np.asarray(yes_fee, dtype=np.float64)
    no = (1 - p) - np.asarray(no_ask, dtype=np.float64) - np.asarray(no_fee, dtype=np.float64)
    return yes, no


def _empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def _kalshi_side(rungs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per group ladder summary, priced rungs)."""
    priced = rungs.with_columns(rung_probability(pl.col("yes_bid"), pl.col("yes_ask")).alias("mid"))
    summary = priced.group_by(GROUP).agg(
        pl.struct(*RUNG_STRUCT.to_schema().keys()).sort_by("line").alias("ladder"),
        pl.len().cast(pl.Int32).alias("ladder_size"),
        pl.col("player_name").first().alias("kalshi_player_name"),
        pl.col("team").first().alias("team"),
        pl.col("event_ticker").first().alias("kalshi_event_ticker"),
        pl.col("series_ticker").first().alias("series_ticker_k"),
    ).with_columns(pl.col("ladder").cast(pl.List(RUNG_STRUCT)))
    summary = summary.join(implied_lines(priced, tuple(GROUP)), on=GROUP, how="left")
    return summary, priced


def build_prop_lines(
    book_rows: pl.DataFrame,
    kalshi_rungs: pl.DataFrame,
    *,
    as_of: datetime,
    params: PropParams = PropParams(),
    games: pl.DataFrame | None = None,
) -> PropLines:
    """The snapshot: sportsbook rows (``raw.sportsbook_props`` columns) and Kalshi rungs
    (``KALSHI_RUNG_SCHEMA``) of the same games -> ``signals.nba_prop_lines`` rows and the player match.

    ``games`` (game_id, odds_event_id, commence_time, game_date; e.g. The Odds API's event list) dates
    the rows of a game no book prices a prop of."""
    books = book_rows if book_rows.height else _empty(SPORTSBOOK_PROPS_SCHEMA)
    books = books.filter(pl.col("game_id").is_not_null() & pl.col("player_lookup").is_not_null())
    rungs = (kalshi_rungs if kalshi_rungs.height else _empty(KALSHI_RUNG_SCHEMA)).select(list(KALSHI_RUNG_SCHEMA))
    rungs = rungs.with_columns(
        *(pl.col(c).cast(t) for c, t in KALSHI_RUNG_SCHEMA.items() if c in rungs.columns)
    )

    lines = book_lines(books)
    book_side = consensus(lines)
    kalshi_side, priced = _kalshi_side(rungs)
    target = book_side.select(*GROUP, pl.col("consensus_line").alias("target_line"))
    chosen = closest_rung(priced, target, tuple(GROUP)).select(
        *GROUP,
        pl.col("ticker").alias("kalshi_market_ticker"),
        pl.col("line").alias("kalshi_line"),
        pl.col("yes_bid").alias("kalshi_yes_bid"),
        pl.col("yes_ask").alias("kalshi_yes_price"),
        pl.col("no_bid").alias("kalshi_no_bid"),
        pl.col("no_ask").alias("kalshi_no_price"),
        pl.col("yes_bid_size").alias("_yes_bid_size"),
        pl.col("yes_ask_size").alias("_yes_ask_size"),
        pl.col("liquidity").alias("_liquidity"),
        pl.col("mid").alias("kalshi_over_prob"),
        pl.col("status").alias("_status"),
        pl.coalesce("close_time", "expected_expiration_time").alias("expiry"),
        pl.col("fee_type").alias("_fee_type"),
        pl.col("fee_multiplier").alias("_fee_multiplier"),
        pl.col("quoted_at").alias("kalshi_quoted_at"),
    )
    kalshi_all = kalshi_side.join(chosen, on=GROUP, how="left")

    joined = book_side.join(kalshi_all, on=GROUP, how="full", coalesce=True)
    has_books = pl.col("n_books").is_not_null() | pl.col("books").is_not_null()
    has_kalshi = pl.col("ladder").is_not_null()
    joined = joined.with_columns(
        pl.when(has_books & has_kalshi).then(pl.lit("matched"))
        .when(has_kalshi).then(pl.lit("kalshi_only"))
        .otherwise(pl.lit("sportsbook_only")).alias("match_status"),
        has_kalshi.alias("kalshi_available"),
        pl.coalesce("series_ticker_k", pl.col("stat").replace_strict(SERIES_OF_STAT, default=None,
                                                                      return_dtype=pl.String)).alias("series_ticker"),
    )

    # Model probability at the Kalshi line, then the gaps after fees.
    model = model_probability(
        joined.get_column("consensus_line").to_numpy().astype(np.float64),
        joined.get_column("consensus_over_prob").to_numpy().astype(np.float64),
        joined.get_column("kalshi_line").to_numpy().astype(np.float64),
        joined.get_column("stat").to_numpy(),
    )
    joined = joined.with_columns(pl.Series("model_prob", model, dtype=pl.Float64).fill_nan(None))
    lot = params.fee_lot
    fee = lambda price: (  # noqa: E731
        fee_expr(price, contracts=lot, fee_type=pl.col("_fee_type"), multiplier=pl.col("_fee_multiplier")) / lot
    ).cast(DECIMAL_DTYPE)
    joined = joined.with_columns(
        fee(pl.col("kalshi_yes_price")).alias("fee_yes"),
        fee(pl.col("kalshi_no_price")).alias("fee_no"),
    )
    live_ask = lambda c: pl.when(pl.col(c) < 1).then(pl.col(c).cast(pl.Float64))  # noqa: E731  # ask 1 = none
    gap_yes = pl.col("model_prob") - live_ask("kalshi_yes_price") - pl.col("fee_yes").cast(pl.Float64)
    gap_no = (1 - pl.col("model_prob")) - live_ask("kalshi_no_price") - pl.col("fee_no").cast(pl.Float64)
    joined = joined.with_columns(gap_yes.alias("gap_yes"), gap_no.alias("gap_no")).with_columns(
        pl.max_horizontal("gap_yes", "gap_no").alias("fee_adjusted_gap")
    )

    skip = (
        pl.when(~pl.col("kalshi_available")).then(pl.lit(SKIP_NO_LADDER))
        .when(pl.col("books").is_null()).then(pl.lit(SKIP_NO_BOOKS))
        .when(pl.col("consensus_line").is_null()).then(pl.lit(SKIP_ONE_SIDED))
        .when(pl.col("_status").is_not_null() & (pl.col("_status") != "active")).then(pl.lit(SKIP_NOT_OPEN))
        .when(pl.col("gap_yes").is_null() & pl.col("gap_no").is_null() & pl.col("model_prob").is_not_null())
        .then(pl.lit(SKIP_NO_QUOTE))
        .when(pl.col("model_prob").is_null()).then(pl.lit(SKIP_NO_MODEL))
    )
    joined = joined.with_columns(skip.alias("skip_reason"))
    evaluated = pl.col("skip_reason").is_null()
    best_gap = pl.col("fee_adjusted_gap")
    direction = (
        pl.when(evaluated & (best_gap > 0) & (pl.col("gap_yes").fill_null(-1) >= pl.col("gap_no").fill_null(-1)))
        .then(pl.lit("buy_yes"))
        .when(evaluated & (best_gap > 0)).then(pl.lit("buy_no"))
    )
    line_gap = pl.col("kalshi_implied_line") - pl.col("consensus_line")
    confidence = (
        pl.col("consensus_books").cast(pl.Float64) / pl.col("n_books").cast(pl.Float64)
        * pl.min_horizontal(pl.lit(1.0), pl.col("n_books").cast(pl.Float64) / 4.0)
        * pl.when(pl.col("kalshi_line") == pl.col("consensus_line")).then(1.0).otherwise(0.75)
    )
    joined = joined.with_columns(
        direction.alias("direction"),
        line_gap.alias("line_discrepancy"),
        pl.when(evaluated).then(confidence.clip(0.0, 1.0)).otherwise(0.0).alias("confidence"),
    ).with_columns(
        pl.when(pl.col("direction").is_not_null()).then(best_gap * 10_000).alias("edge_bps"),
    )

    # A sure thing: a Kalshi side plus the opposite side at a book quoting exactly the Kalshi line.
    at_line = best_prices_at(lines).rename({"line": "kalshi_line"})
    joined = joined.join(at_line, on=[*GROUP, "kalshi_line"], how="left")
    cost_yes = live_ask("kalshi_yes_price") + pl.col("fee_yes").cast(pl.Float64)
    cost_no = live_ask("kalshi_no_price") + pl.col("fee_no").cast(pl.Float64)
    joined = joined.with_columns(
        pl.max_horizontal(
            1 - cost_yes - implied_probability_expr(pl.col("line_best_under_price")),
            1 - cost_no - implied_probability_expr(pl.col("line_best_over_price")),
        ).alias("locked_arb_margin")
    )

    matched = pl.col("match_status") == "matched"
    by_line = matched & (pl.col("line_discrepancy").abs() > params.arb_line_points).fill_null(False)
    by_gap = matched & evaluated & (pl.col("fee_adjusted_gap") >= params.arb_min_gap).fill_null(False)
    joined = joined.with_columns(
        (by_line | by_gap).alias("arbitrage"),
        pl.when(by_line & by_gap).then(pl.lit("line+gap")).when(by_line).then(pl.lit("line"))
        .when(by_gap).then(pl.lit("gap")).alias("arbitrage_reason"),
    )

    # Kalshi reports liquidity as 0 since 2025; then the dollars resting at the top of the book.
    top_depth = (pl.col("kalshi_yes_bid") * pl.col("_yes_bid_size")
                 + pl.col("kalshi_no_bid") * pl.col("_yes_ask_size")).cast(DECIMAL_DTYPE)
    players = _players(books, rungs)
    joined = joined.join(
        players.select("game_id", "player_lookup", (pl.col("match_status") == "matched").alias("player_matched")),
        on=["game_id", "player_lookup"], how="left",
    )
    out = joined.with_columns(
        pl.lit(as_of).cast(TS).alias("as_of"),
        pl.col("kalshi_market_ticker").alias("ticker"),
        pl.col("kalshi_yes_price").alias("yes_ask"),
        pl.col("kalshi_no_price").alias("no_ask"),
        pl.when(pl.col("_liquidity") > 0).then(pl.col("_liquidity")).otherwise(top_depth).alias("kalshi_liquidity"),
        pl.coalesce("kalshi_player_name", pl.col("sportsbook_player_names").list.first()).alias("player_name"),
        pl.col("away_code").alias("away_team"),
        pl.col("home_code").alias("home_team"),
        pl.concat_str(pl.lit("KXNBAGAME-"), pl.col("game_id")).alias("kalshi_game_event"),
        pl.col("player_matched").fill_null(False),
    )
    out = _fill_game_fields(out, games)
    rows = out.select([pl.col(c).cast(t) for c, t in SIGNAL_SCHEMA.items()]).sort(
        "game_id", "player_lookup", "stat"
    )
    return PropLines(rows=rows, players=players)


def _players(books: pl.DataFrame, rungs: pl.DataFrame) -> pl.DataFrame:
    cols = ["game_id", "player_name", "player_lookup"]
    return match_players(rungs.select(cols), books.select(cols) if books.height else pl.DataFrame(
        schema={c: pl.String for c in cols}))


def _fill_game_fields(out: pl.DataFrame, games: pl.DataFrame | None) -> pl.DataFrame:
    """Rows without sportsbook lines take their game's tip-off and event id from the other rows of the
    game, else from ``games``; date and teams always follow from ``game_id`` at worst."""
    game_fields = (
        out.filter(pl.col("odds_event_id").is_not_null())
        .group_by("game_id")
        .agg(
            pl.col("odds_event_id").first().alias("_event"),
            pl.col("commence_time").first().alias("_commence"),
            pl.col("game_date").first().alias("_date"),
        )
    )
    if games is not None and games.height:
        listed = games.select(
            "game_id", pl.col("odds_event_id").alias("_event2"), pl.col("commence_time").alias("_commence2"),
            pl.col("game_date").alias("_date2"),
        ).unique("game_id", keep="first")
        game_fields = game_fields.join(listed, on="game_id", how="full", coalesce=True).select(
            "game_id",
            pl.coalesce("_event", "_event2").alias("_event"),
            pl.coalesce("_commence", "_commence2").alias("_commence"),
            pl.coalesce("_date", "_date2").alias("_date"),
        )
    from_code = pl.col("game_id").str.slice(0, 7).str.to_date("%y%b%d", strict=False)
    return out.join(game_fields, on="game_id", how="left").with_columns(
        pl.coalesce("odds_event_id", "_event").alias("odds_event_id"),
        pl.coalesce("commence_time", "_commence").alias("commence_time"),
        pl.coalesce("game_date", "_date", from_code).alias("game_date"),
        pl.coalesce("away_team", pl.col("game_id").str.slice(7, 3)).alias("away_team"),
        pl.coalesce("home_team", pl.col("game_id").str.slice(10, 3)).alias("home_team"),
    ).drop("_event", "_commence", "_date")
