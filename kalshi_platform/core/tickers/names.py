"""Learn code -> name maps from the exchange's own fields, so the parser's hand tables stay small.

Kalshi names every participant next to its code: a game market ``KXNFLGAME-25DEC27BALGB-GB`` has
``yes_sub_title`` "Green Bay" and title "Baltimore at Green Bay Winner?"; a game event has
``sub_title`` "WRST at UVA (Mar 20)" and title "Wright St. at Virginia"; a nominee market
``KX2028DRUN-28-AOC`` has ``yes_sub_title`` "Alexandria Ocasio-Cortez". :func:`learn_names` reads those
pairs into (scope, code, name) rows that :func:`~kalshi_platform.core.tickers.parse_tickers` takes as
``names=``: scope is the league for sports (codes are shared by KXNBAGAME, KXNBASPREAD, KXNBA...) and
the series ticker otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from kalshi_platform.core.tickers import tables as T
from kalshi_platform.core.tickers.parse import classify_series, parse_tickers

LEARNED_SCHEMA: dict[str, pl.DataType] = {"scope": pl.String(), "code": pl.String(), "name": pl.String(),
                                          "n": pl.UInt32()}

_MATCHUP_NAMES = r"^(?P<a>.+?) (?:at|vs\.?|@) (?P<h>.+?)(?: Winner\?|\?|:.*)?$"
_MATCHUP_CODES = r"^(?P<a>[A-Z0-9]{2,6}) (?:at|vs\.?|@) (?P<h>[A-Z0-9]{2,6})(?: \(.*\))?$"


def _frame(records: pl.DataFrame | Iterable[Mapping[str, Any]] | None, fields: tuple[str, ...]) -> pl.DataFrame:
    schema = {f: pl.String for f in fields}
    if records is None:
        return pl.DataFrame(schema=schema)
    if isinstance(records, pl.DataFrame):
        return records.select([
            (pl.col(f).cast(pl.String, strict=False) if f in records.columns else pl.lit(None, pl.String)).alias(f)
            for f in fields
        ])
    rows = []
    for rec in records:
        if isinstance(rec, Mapping):
            rows.append({f: (v if isinstance(v := rec.get(f), str) else None) for f in fields})
    return pl.DataFrame(rows, schema=schema)


def _clean(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def _teaching_rows(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Only rows whose series can teach a name (games, champions, elections, awards...): classifying
    the few distinct series is cheap, parsing every ticker of a large universe is not."""
    if not frame.height:
        return frame
    series = frame.get_column(column).str.strip_chars().str.to_uppercase().str.split("-").list.first()
    classes = classify_series(series.unique().drop_nulls())
    teaching = classes.filter(
        pl.col("family").is_in(list(T.PARTICIPANT_FAMILIES)) | (pl.col("category") == T.SPORTS)
    ).get_column("series")
    return frame.filter(series.is_in(teaching.implode()))


def learn_names(
    markets: pl.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    events: pl.DataFrame | Iterable[Mapping[str, Any]] | None = None,
) -> pl.DataFrame:
    """(scope, code, name, n) rows learned from market and event API fields.

    ``markets``: ``ticker`` plus ``yes_sub_title`` and/or ``title``; ``events``: ``event_ticker`` plus
    ``title`` and ``sub_title`` (DataFrames or the decoded JSON records). Where a code got several names
    the most frequent wins (ties: alphabetical), so the result is deterministic. Never raises on content.
    """
    parts: list[pl.DataFrame] = []
    m = _frame(markets, ("ticker", "yes_sub_title", "title"))
    m = _teaching_rows(m, "ticker")
    if m.height:
        p = parse_tickers(m.get_column("ticker"), kind="market", resolve=False)
        p = p.with_columns(m.get_column("yes_sub_title"), m.get_column("title").alias("_title"))
        scope = pl.coalesce(pl.col("league"), pl.col("series_ticker"))
        outcome = p.filter(
            pl.col("family").is_in(list(T.PARTICIPANT_FAMILIES)) & pl.col("outcome_code").is_not_null()
            & (pl.col("outcome_code") != "TIE")
        ).select(scope.alias("scope"), pl.col("outcome_code").alias("code"),
                 _clean(pl.col("yes_sub_title")).alias("name"))
        parts.append(outcome)
        games = p.filter((pl.col("family") == "sports_game") & pl.col("away_code").is_not_null()).with_columns(
            pl.col("_title").str.extract_groups(_MATCHUP_NAMES).alias("_m"), scope.alias("scope"))
        parts.append(games.select("scope", pl.col("away_code").alias("code"),
                                  _clean(pl.col("_m").struct.field("a")).alias("name")))
        parts.append(games.select("scope", pl.col("home_code").alias("code"),
                                  _clean(pl.col("_m").struct.field("h")).alias("name")))
    e = _frame(events, ("event_ticker", "title", "sub_title"))
    e = _teaching_rows(e, "event_ticker")
    if e.height:
        p = parse_tickers(e.get_column("event_ticker"), kind="event", resolve=False)
        p = p.with_columns(
            e.get_column("title").str.extract_groups(_MATCHUP_NAMES).alias("_n"),
            e.get_column("sub_title").str.extract_groups(_MATCHUP_CODES).alias("_c"),
            pl.coalesce(pl.col("league"), pl.col("series_ticker")).alias("scope"),
        ).filter(pl.col("category") == T.SPORTS)
        for side in ("a", "h"):
            parts.append(p.select("scope", pl.col("_c").struct.field(side).alias("code"),
                                  _clean(pl.col("_n").struct.field(side)).alias("name")))
    if not parts:
        return pl.DataFrame(schema=LEARNED_SCHEMA)
    rows = pl.concat([x.select(pl.col(c).cast(pl.String) for c in ("scope", "code", "name")) for x in parts])
    rows = rows.drop_nulls()
    counted = rows.group_by("scope", "code", "name").len("n")
    best = counted.sort(["scope", "code", "n", "name"], descending=[False, False, True, False]).unique(
        subset=["scope", "code"], keep="first", maintain_order=True)
    return best.select(pl.col(c).cast(dt) for c, dt in LEARNED_SCHEMA.items())
