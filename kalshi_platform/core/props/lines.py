"""Sportsbook side of a prop: each book's lines, its main line, the consensus and the best lines.

Input rows are one per book, player, stat, side and line (``raw.sportsbook_props``). Per book and line
the over and under prices pair up; a line with only one side cannot be de-vigged and is kept in the
book list but not used for the consensus. Among a book's two-sided lines (books such as BetRivers
also list alternate lines) the *main* line is the one whose fair over probability is nearest 50%.

Per player, game and stat:
- ``consensus_line``: the main line listed by the most books; a tie goes to the line nearest the
  median of the main lines, then to the lower line;
- ``consensus_over_prob``: the mean of the power-method fair over probabilities of the books at the
  consensus line (so the probability always belongs to the line it is quoted with);
- best lines: the lowest main line for an over bettor and the highest for an under bettor, ties to
  the better price.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from kalshi_platform.core.props.odds import devig_power

GROUP = ("game_id", "player_lookup", "stat")

BOOK_STRUCT = pl.Struct({
    "bookmaker": pl.String(),
    "title": pl.String(),
    "line": pl.Float64(),
    "over_price": pl.Int32(),
    "under_price": pl.Int32(),
    "over_fair": pl.Float64(),
    "is_main": pl.Boolean(),
    "last_update": pl.Datetime("us", "UTC"),
})


def book_lines(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per game, player, stat, book and line: both prices, fair over probability, main flag."""
    base = rows.with_columns(pl.col("point").cast(pl.Float64).alias("line"))
    keys = [*GROUP, "bookmaker", "line"]
    paired = base.group_by(keys).agg(
        pl.col("bookmaker_title").first().alias("title"),
        pl.col("price_american").filter(pl.col("side") == "Over").first().alias("over_price"),
        pl.col("price_american").filter(pl.col("side") == "Under").first().alias("under_price"),
        pl.col("implied_prob").filter(pl.col("side") == "Over").first().alias("over_implied"),
        pl.col("implied_prob").filter(pl.col("side") == "Under").first().alias("under_implied"),
        pl.col("last_update").max().alias("last_update"),
        pl.col("player_name").first().alias("player_name"),
        pl.col("event_id").first().alias("event_id"),
        pl.col("commence_time").first().alias("commence_time"),
        pl.col("home_code").first().alias("home_code"),
        pl.col("away_code").first().alias("away_code"),
        pl.col("game_date").first().alias("game_date"),
    )
    fair_over, _ = devig_power(
        paired.get_column("over_implied").to_numpy().astype(np.float64),
        paired.get_column("under_implied").to_numpy().astype(np.float64),
    )
    paired = paired.with_columns(pl.Series("over_fair", fair_over, dtype=pl.Float64).fill_nan(None))
    two_sided = pl.col("over_fair").is_not_null()
    distance = pl.when(two_sided).then((pl.col("over_fair") - 0.5).abs()).otherwise(None)
    rank = distance.rank("ordinal").over([*GROUP, "bookmaker"])
    # Ordinal rank over equal distances would pick arbitrarily: order by line first for determinism.
    paired = paired.sort([*GROUP, "bookmaker", "line"])
    return paired.with_columns((two_sided & (rank == 1)).fill_null(False).alias("is_main"))


def consensus(lines: pl.DataFrame) -> pl.DataFrame:
    """Per game, player and stat: the consensus line and probability, best lines and every book."""
    main = lines.filter(pl.col("is_main"))
    counts = (
        main.group_by([*GROUP, "line"])
        .agg(pl.len().alias("books_at_line"))
        .join(main.group_by(GROUP).agg(pl.col("line").median().alias("median_line")), on=list(GROUP))
        .sort([*GROUP, "books_at_line", (pl.col("line") - pl.col("median_line")).abs(), "line"],
              descending=[False, False, False, True, False, False])
        .group_by(GROUP, maintain_order=True)
        .first()
        .rename({"line": "consensus_line", "books_at_line": "consensus_books"})
    )
    at_consensus = main.join(counts.select([*GROUP, "consensus_line"]), on=list(GROUP)).filter(
        pl.col("line") == pl.col("consensus_line")
    )
    prob = at_consensus.group_by(GROUP).agg(
        pl.col("over_fair").mean().alias("consensus_over_prob"),
        pl.col("over_price").median().round(0).cast(pl.Int32).alias("consensus_over_price"),
        pl.col("under_price").median().round(0).cast(pl.Int32).alias("consensus_under_price"),
    )
    best_over = (
        main.sort([*GROUP, "line", "over_price", "bookmaker"], descending=[False, False, False, False, True, False])
        .group_by(GROUP, maintain_order=True)
        .first()
        .select(*GROUP, pl.col("line").alias("best_over_line"), pl.col("over_price").alias("best_over_price"),
                pl.col("bookmaker").alias("best_over_book"))
    )
    best_under = (
        main.sort([*GROUP, "line", "under_price", "bookmaker"], descending=[False, False, False, True, True, False])
        .group_by(GROUP, maintain_order=True)
        .first()
        .select(*GROUP, pl.col("line").alias("best_under_line"), pl.col("under_price").alias("best_under_price"),
                pl.col("bookmaker").alias("best_under_book"))
    )
    every = lines.group_by(GROUP).agg(
        pl.struct(
            "bookmaker", "title", "line", "over_price", "under_price", "over_fair", "is_main", "last_update"
        ).sort_by("bookmaker", "line").alias("books"),
        pl.col("bookmaker").filter(pl.col("is_main")).n_unique().cast(pl.Int32).alias("n_books"),
        pl.col("player_name").unique().sort().alias("sportsbook_player_names"),
        pl.col("event_id").first().alias("odds_event_id"),
        pl.col("commence_time").first().alias("commence_time"),
        pl.col("home_code").first().alias("home_code"),
        pl.col("away_code").first().alias("away_code"),
        pl.col("game_date").first().alias("game_date"),
        pl.col("last_update").max().alias("sportsbook_last_update"),
    )
    out = every.join(counts.select([*GROUP, "consensus_line", "consensus_books"]), on=list(GROUP), how="left")
    for part in (prob, best_over, best_under):
        out = out.join(part, on=list(GROUP), how="left")
    return out.with_columns(pl.col("books").cast(pl.List(BOOK_STRUCT)), pl.col("consensus_books").cast(pl.Int32))


def best_prices_at(lines: pl.DataFrame) -> pl.DataFrame:
    """Per game, player, stat and line (main or alternate): the best over and under price of any book,
    for locking a position against Kalshi at exactly that line."""
    return lines.group_by([*GROUP, "line"]).agg(
        pl.col("over_price").max().alias("line_best_over_price"),
        pl.col("under_price").max().alias("line_best_under_price"),
    )
