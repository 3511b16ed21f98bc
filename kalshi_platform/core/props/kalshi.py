"""Kalshi NBA player prop markets -> ladder rungs keyed like the sportsbook rows.

A prop market (real, 2026): ticker ``KXNBAPTS-26APR26CLETOR-TORSBARNES4-10``, event
``KXNBAPTS-26APR26CLETOR`` (date, away, home), title "Scottie Barnes: 10+ points", ``floor_strike``
9.5, rules "If Scottie Barnes records 10+ Points in the Cleveland vs Toronto ...". From it:
the stat (series), ``game_id`` (the event's date-and-teams code), the player's team (the player code
starts with it), the threshold (the last segment) and the line (``floor_strike``, else threshold -
0.5), the player's name (title before the colon; else the rules), and ``player_lookup``.
"""

from __future__ import annotations

import polars as pl

from kalshi_platform.core.props.names import lookup_column
from kalshi_platform.core.props.teams import TEAM_CODES

PROP_SERIES: dict[str, str] = {
    "KXNBAPTS": "points",
    "KXNBAREB": "rebounds",
    "KXNBAAST": "assists",
    "KXNBA3PT": "threes",
    "KXNBABLK": "blocks",
    "KXNBASTL": "steals",
}
SERIES_OF_STAT = {stat: series for series, stat in PROP_SERIES.items()}
SERIES_OF_MARKET = {f"player_{stat}": series for series, stat in PROP_SERIES.items()}

_TICKER = r"^(KXNBA(?:PTS|REB|AST|3PT|BLK|STL))-(\d{2}[A-Z]{3}\d{2}[A-Z]{6})-([A-Z0-9]+?)-(\d+)$"


def prop_rungs(markets: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rungs, unreadable): markets of the six prop series as ladder rungs, and those that could not be
    read (with a ``reason``). Input columns: ticker, title, rules_primary, floor_strike, plus whatever
    else should ride along (quotes, status, times, fees)."""
    if markets.is_empty():
        empty = markets.with_columns(
            pl.lit(None, dtype=pl.String).alias(c) for c in ("series_ticker", "stat", "game_id", "team", "player_name",
                                                              "player_lookup", "reason")
        )
        return empty, empty
    parts = pl.col("ticker").str.extract_groups(_TICKER)
    frame = markets.with_columns(parts.alias("_p")).with_columns(
        pl.col("_p").struct.field("1").alias("series_ticker"),
        pl.col("_p").struct.field("2").alias("game_id"),
        pl.col("_p").struct.field("3").alias("_player_code"),
        pl.col("_p").struct.field("4").cast(pl.Int32, strict=False).alias("threshold"),
    )
    from_title = pl.col("title").str.extract(r"^\s*(.+?)\s*:\s*\d+\+", 1)
    from_rules = pl.col("rules_primary").str.extract(r"^If (.+?) records \d+\+", 1)
    team = pl.col("_player_code").str.slice(0, 3)
    frame = frame.with_columns(
        pl.col("series_ticker").replace_strict(PROP_SERIES, default=None, return_dtype=pl.String).alias("stat"),
        pl.when(team.is_in(list(TEAM_CODES))).then(team).alias("team"),
        pl.coalesce(from_title, from_rules).alias("player_name"),
        pl.coalesce(
            pl.col("floor_strike").cast(pl.Float64), pl.col("threshold").cast(pl.Float64) - 0.5
        ).alias("line"),
    ).drop("_p", "_player_code")
    frame = lookup_column(frame, "player_name")
    reason = (
        pl.when(pl.col("series_ticker").is_null()).then(pl.lit("ticker is not SERIES-{date}{away}{home}-{player}-{N}"))
        .when(pl.col("player_lookup").is_null()).then(pl.lit("no player name in the title or rules"))
        .when(pl.col("line").is_null()).then(pl.lit("no line (floor_strike) or threshold"))
    )
    frame = frame.with_columns(reason.alias("reason"))
    return frame.filter(pl.col("reason").is_null()).drop("reason"), frame.filter(pl.col("reason").is_not_null())
