"""Every market as a readable, classified instrument (the instrument master).

API metadata comes first (series, event and market titles, category, ``yes_sub_title``,
``strike_type``, ``floor_strike``, ``cap_strike``); the ticker parse (``core.tickers``) fills what the
API left out and cross-checks what it said. Where the two disagree the API wins and the disagreement
is kept in ``disagreements``, never hidden. Pure and vectorised: one polars pass over all markets.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE, fixed_expr
from kalshi_platform.core.tickers import learn_names, parse_tickers

CATEGORIES = (
    "Sports",
    "Politics",
    "Economics",
    "Financials",
    "Crypto",
    "Climate",
    "Entertainment",
    "Companies",
    "Science & Tech",
    "World",
    "Parlays",
    "Other",
)

# Kalshi's category strings (series, events, markets) -> the platform's categories.
API_CATEGORIES: Mapping[str, str] = {
    "sports": "Sports",
    "politics": "Politics",
    "elections": "Politics",
    "economics": "Economics",
    "financials": "Financials",
    "financial": "Financials",
    "crypto": "Crypto",
    "climate and weather": "Climate",
    "climate": "Climate",
    "weather": "Climate",
    "entertainment": "Entertainment",
    "culture": "Entertainment",
    "mentions": "Entertainment",
    "social": "Entertainment",
    "companies": "Companies",
    "science and technology": "Science & Tech",
    "science & tech": "Science & Tech",
    "tech & science": "Science & Tech",
    "health": "Science & Tech",
    "world": "World",
    "transportation": "Other",
}

INSTRUMENT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "category": pl.String(),
    "subcategory": pl.String(),
    "family": pl.String(),
    "market_type": pl.String(),
    "league": pl.String(),
    "event_date": pl.Date(),
    "event_time": pl.Datetime("us", "UTC"),
    "strike_type": pl.String(),
    "floor": DECIMAL_DTYPE,
    "cap": DECIMAL_DTYPE,
    "unit": pl.String(),
    "outcome_label": pl.String(),
    "participants": pl.List(pl.String()),
    "away_name": pl.String(),
    "home_name": pl.String(),
    "title": pl.String(),
    "event_title": pl.String(),
    "series_title": pl.String(),
    "display_name": pl.String(),
    "short_name": pl.String(),
    "status": pl.String(),
    "close_time": pl.Datetime("us", "UTC"),
    "expected_expiration_time": pl.Datetime("us", "UTC"),
    "mve_collection_ticker": pl.String(),
    "parsed_from": pl.String(),  # api, ticker, or both (agreeing or not: see disagreements)
    "disagreements": pl.String(),  # "; "-joined, null when API and ticker agree
    "parse_status": pl.String(),  # of the ticker: parsed, partial, unknown_family
    "first_seen": pl.Datetime("us", "UTC"),
    "last_updated": pl.Datetime("us", "UTC"),
}

# Market columns read when present (raw.kalshi_markets names).
_MARKET_COLUMNS = (
    "ticker", "event_ticker", "title", "subtitle", "yes_sub_title", "no_sub_title", "category", "status",
    "market_type", "strike_type", "floor_strike", "cap_strike", "close_time", "expected_expiration_time",
    "mve_collection_ticker", "updated_time", "fetched_at",
)
_EVENT_COLUMNS = ("event_ticker", "series_ticker", "title", "sub_title", "category", "strike_date")
_SERIES_COLUMNS = ("ticker", "title", "category")

# A strike parsed from the ticker agrees with the API's if within this (brackets are named by their
# middle, B49.5, while the API gives the bounds 49 and 50).
_STRIKE_TOLERANCE = 0.5 + 1e-9


_TIME_COLUMNS = {"close_time", "expected_expiration_time", "updated_time", "fetched_at", "strike_date"}
_DECIMAL_COLUMNS = {"floor_strike", "cap_strike"}


def _missing(column: str) -> pl.Expr:
    if column in _TIME_COLUMNS:
        return pl.lit(None, pl.Datetime("us", "UTC"))
    if column in _DECIMAL_COLUMNS:
        return pl.lit(None, DECIMAL_DTYPE)
    return pl.lit(None, pl.String)


def _select(frame: pl.DataFrame | None, columns: tuple[str, ...], prefix: str = "") -> pl.DataFrame:
    """The named columns, missing ones as typed nulls, so callers can pass whatever subset they have."""
    frame = frame if frame is not None else pl.DataFrame()
    return frame.select(
        [(pl.col(c) if c in frame.columns else _missing(c)).alias(prefix + c) for c in columns]
    )


def normalize_category(expr: pl.Expr) -> pl.Expr:
    """Kalshi category text -> one of CATEGORIES (unknown text -> Other, null stays null)."""
    lowered = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        pl.when(lowered.is_null() | (lowered == ""))
        .then(None)
        .otherwise(lowered.replace_strict(dict(API_CATEGORIES), default="Other", return_dtype=pl.String))
    )


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def build_instruments(
    markets: pl.DataFrame,
    events: pl.DataFrame | None = None,
    series: pl.DataFrame | None = None,
    *,
    first_seen: pl.DataFrame | None = None,
    now=None,
) -> pl.DataFrame:
    """One instrument row per market (INSTRUMENT_SCHEMA), in the order of ``markets``.

    ``markets``/``events``/``series``: frames with raw.kalshi_* columns (any subset; a market known
    only by its ticker still gets a row, parsed from the ticker alone). ``first_seen``: (ticker,
    first_seen) of instruments already stored, so the first sighting survives re-materialization.
    """
    m = _select(markets, _MARKET_COLUMNS, "m_").with_row_index("_row")
    e = _select(events, _EVENT_COLUMNS, "e_").unique("e_event_ticker", keep="last")
    s = _select(series, _SERIES_COLUMNS, "s_").unique("s_ticker", keep="last")
    names = learn_names(
        markets=m.select(
            pl.col("m_ticker").alias("ticker"),
            pl.col("m_yes_sub_title").alias("yes_sub_title"),
            pl.col("m_title").alias("title"),
        ),
        events=e.select(
            pl.col("e_event_ticker").alias("event_ticker"),
            pl.col("e_title").alias("title"),
            pl.col("e_sub_title").alias("sub_title"),
        ),
    )
    parsed = parse_tickers(m.get_column("m_ticker"), kind="market", names=names).rename(lambda c: f"t_{c}")
    frame = pl.concat([m, parsed], how="horizontal")
    frame = frame.with_columns(
        pl.coalesce(_blank_to_null(pl.col("m_event_ticker")), pl.col("t_event_ticker")).alias("event_ticker")
    )
    frame = frame.join(e, left_on="event_ticker", right_on="e_event_ticker", how="left", maintain_order="left")
    frame = frame.with_columns(
        pl.coalesce(_blank_to_null(pl.col("e_series_ticker")), pl.col("t_series_ticker")).alias("series_ticker")
    )
    frame = frame.join(s, left_on="series_ticker", right_on="s_ticker", how="left", maintain_order="left")
    if first_seen is not None and first_seen.height:
        frame = frame.join(
            first_seen.select(pl.col("ticker").alias("m_ticker"), pl.col("first_seen").alias("_first_seen")),
            on="m_ticker",
            how="left",
            maintain_order="left",
        )
    else:
        frame = frame.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias("_first_seen"))

    frame = frame.with_columns(_classify()).with_columns(_strikes()).with_columns(_labels())
    frame = frame.with_columns(_display()).with_columns(_provenance(now))
    out = frame.sort("_row").select([pl.col(c).cast(dt) for c, dt in INSTRUMENT_SCHEMA.items()])
    return out


def _classify() -> list[pl.Expr]:
    api_category = pl.coalesce(
        normalize_category(pl.col("m_category")),
        normalize_category(pl.col("e_category")),
        normalize_category(pl.col("s_category")),
    )
    is_parlay = pl.col("m_mve_collection_ticker").is_not_null() | (pl.col("t_family") == "parlay")
    ticker_category = pl.when(pl.col("t_category") == "Other").then(None).otherwise(pl.col("t_category"))
    category = (
        pl.when(is_parlay)
        .then(pl.lit("Parlays"))
        .otherwise(pl.coalesce(api_category, ticker_category, pl.lit("Other")))
    )
    return [
        api_category.alias("_api_category"),
        ticker_category.alias("_ticker_category"),
        category.alias("category"),
        pl.col("t_subcategory").alias("subcategory"),
        pl.col("t_family").alias("family"),
        pl.col("t_league").alias("league"),
        pl.coalesce(_blank_to_null(pl.col("m_market_type")), pl.lit("binary")).alias("market_type"),
        pl.coalesce(
            pl.col("t_event_date"),
            pl.col("e_strike_date").cast(pl.Datetime("us", "UTC")).dt.date(),
            pl.col("m_expected_expiration_time").cast(pl.Datetime("us", "UTC")).dt.date(),
        ).alias("event_date"),
        pl.col("t_event_time").alias("event_time"),
        pl.col("t_unit").alias("unit"),
        pl.col("t_participants").alias("participants"),
        pl.col("t_away_name").alias("away_name"),
        pl.col("t_home_name").alias("home_name"),
    ]


def _ticker_bound(column: str) -> pl.Expr:
    # The ticker's own text is exact ("3.75", "115749.99"); the float is only a fallback.
    return pl.col(f"t_{column}").cast(pl.String).pipe(fixed_expr)


def _strikes() -> list[pl.Expr]:
    api_floor = pl.col("m_floor_strike").cast(DECIMAL_DTYPE, strict=False)
    api_cap = pl.col("m_cap_strike").cast(DECIMAL_DTYPE, strict=False)
    ticker_floor = _ticker_bound("floor")
    ticker_cap = _ticker_bound("cap")
    api_strike = _blank_to_null(pl.col("m_strike_type"))
    return [
        pl.coalesce(api_strike, pl.col("t_strike_kind")).alias("strike_type"),
        pl.coalesce(api_floor, ticker_floor).alias("floor"),
        pl.coalesce(api_cap, ticker_cap).alias("cap"),
        api_floor.alias("_api_floor"),
        api_cap.alias("_api_cap"),
        ticker_floor.alias("_ticker_floor"),
        ticker_cap.alias("_ticker_cap"),
        api_strike.alias("_api_strike"),
    ]


def _date_text(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%b %-d, %Y")


def _with_unit(value: pl.Expr) -> pl.Expr:
    unit = pl.col("t_unit")
    return (
        pl.when(unit.is_in(["%", "°F"])).then(value + unit)
        .when(unit == "USD").then(pl.lit("$") + value)
        .when(unit.is_not_null()).then(value + pl.lit(" ") + unit)
        .otherwise(value)
    )


def _ticker_outcome() -> pl.Expr:
    """Words for a strike read from the ticker alone (no API sub-title): "above 3.75%", "49 to 50°F"."""
    text = pl.col("t_threshold_text")
    kind = pl.col("t_strike_kind")
    bounds = _with_unit(pl.col("t_floor").cast(pl.String) + pl.lit(" to ") + pl.col("t_cap").cast(pl.String))
    return (
        pl.when(kind.is_in(["greater", "greater_or_equal"])).then(pl.lit("above ") + _with_unit(text))
        .when(kind.is_in(["less", "less_or_equal"])).then(pl.lit("below ") + _with_unit(text))
        .when((kind == "between") & pl.col("t_floor").is_not_null() & pl.col("t_cap").is_not_null()).then(bounds)
        .when(kind == "between").then(pl.lit("range around ") + _with_unit(text))
        .when(kind == "tail").then(pl.lit("tail at ") + _with_unit(text))
        .otherwise(text)
    )


def _labels() -> list[pl.Expr]:
    yes_sub = _blank_to_null(pl.col("m_yes_sub_title"))
    game = pl.col("family") == "sports_game"
    outcome = (
        pl.when(game & yes_sub.is_not_null() & ~yes_sub.str.to_lowercase().is_in(["tie", "draw"]))
        .then(yes_sub + pl.lit(" wins"))
        .when(yes_sub.is_not_null())
        .then(yes_sub)
        .when(game & pl.col("t_outcome_name").is_not_null())
        .then(pl.col("t_outcome_name") + pl.lit(" wins"))
        .otherwise(pl.coalesce(pl.col("t_outcome_name"), _ticker_outcome(), pl.col("t_outcome_code")))
    )
    matchup = (
        pl.when(pl.col("away_name").is_not_null() & pl.col("home_name").is_not_null())
        .then(pl.col("away_name") + pl.lit(" at ") + pl.col("home_name"))
        .when(pl.col("t_away_code").is_not_null() & pl.col("t_home_code").is_not_null())
        .then(pl.col("t_away_code") + pl.lit(" at ") + pl.col("t_home_code"))
    )
    subject = pl.coalesce(
        # Games read best as "Away at Home"; the event title says it with the API's own names.
        pl.when(game).then(pl.coalesce(_blank_to_null(pl.col("e_title")), matchup)),
        _blank_to_null(pl.col("e_title")),
        _blank_to_null(pl.col("m_title")),
        _blank_to_null(pl.col("s_title")),
    )
    return [
        outcome.alias("outcome_label"),
        subject.alias("_subject"),
        _blank_to_null(pl.col("m_title")).alias("title"),
        _blank_to_null(pl.col("e_title")).alias("event_title"),
        _blank_to_null(pl.col("s_title")).alias("series_title"),
    ]


def _display() -> list[pl.Expr]:
    prefix = pl.coalesce(pl.col("league"), pl.col("subcategory"), pl.col("category"))
    # A month-level event (FED-25DEC) has a period, not a date.
    month = pl.col("t_event_period").str.strptime(pl.Date, "%Y-%m", strict=False).dt.strftime("%b %Y")
    date_text = pl.coalesce(_date_text("event_date"), month)
    # Skip the date when the subject already names it (event titles often do).
    date_part = pl.when(
        pl.col("_subject").is_not_null() & pl.col("_subject").str.contains(pl.col("event_date").dt.strftime("%Y"), literal=True)
    ).then(None).otherwise(date_text)
    # concat_str skips nulls directly; list building and joining is several times slower at 1M rows.
    joined = pl.concat_str(
        [
            prefix.cast(pl.String),
            pl.col("_subject"),
            date_part,
            pl.when(pl.col("_subject").is_null() | (pl.col("outcome_label") != pl.col("_subject"))).then(
                pl.col("outcome_label")
            ),
        ],
        separator=" · ",
        ignore_nulls=True,
    )
    display = pl.when(joined.str.len_chars() > 0).then(joined).otherwise(pl.col("m_ticker"))
    code_pair = pl.col("t_away_code") + pl.lit("@") + pl.col("t_home_code")
    short = pl.coalesce(
        pl.when(pl.col("family") == "sports_game").then(
            code_pair + pl.lit(" ") + pl.coalesce(pl.col("t_outcome_code"), pl.lit(""))
        ),
        pl.when(pl.col("t_threshold_text").is_not_null()).then(
            pl.col("series_ticker") + pl.lit(" ") + pl.col("t_threshold_text")
        ),
        pl.col("outcome_label").str.slice(0, 40),
        pl.col("title").str.slice(0, 40),
        pl.col("m_ticker"),
    ).str.strip_chars()
    return [display.alias("display_name"), short.alias("short_name")]


def _disagreement(condition: pl.Expr, message: pl.Expr) -> pl.Expr:
    return pl.when(condition.fill_null(False)).then(message)


def _provenance(now) -> list[pl.Expr]:
    has_api = pl.any_horizontal(
        pl.col("m_title").is_not_null(),
        pl.col("e_title").is_not_null(),
        pl.col("_api_category").is_not_null(),
        pl.col("_api_strike").is_not_null(),
    )
    ticker_parsed = pl.col("t_parse_status") != "unknown_family"
    floor_gap = (pl.col("_api_floor") - pl.col("_ticker_floor")).cast(pl.Float64).abs()
    cap_gap = (pl.col("_api_cap") - pl.col("_ticker_cap")).cast(pl.Float64).abs()
    disagreements = pl.concat_str(
        [
            _disagreement(
                pl.col("_api_category").is_not_null()
                & pl.col("_ticker_category").is_not_null()
                & (pl.col("_api_category") != pl.col("_ticker_category"))
                & (pl.col("category") != "Parlays"),
                pl.lit("category: api ") + pl.col("_api_category") + pl.lit(", ticker ") + pl.col("_ticker_category"),
            ),
            _disagreement(
                floor_gap > _STRIKE_TOLERANCE,
                pl.lit("floor: api ")
                + pl.col("_api_floor").cast(pl.String)
                + pl.lit(", ticker ")
                + pl.col("_ticker_floor").cast(pl.String),
            ),
            _disagreement(
                cap_gap > _STRIKE_TOLERANCE,
                pl.lit("cap: api ")
                + pl.col("_api_cap").cast(pl.String)
                + pl.lit(", ticker ")
                + pl.col("_ticker_cap").cast(pl.String),
            ),
            _disagreement(
                pl.col("m_event_ticker").is_not_null()
                & pl.col("t_event_ticker").is_not_null()
                & (pl.col("m_event_ticker") != pl.col("t_event_ticker")),
                pl.lit("event: api ") + pl.col("m_event_ticker") + pl.lit(", ticker ") + pl.col("t_event_ticker"),
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    parsed_from = (
        pl.when(has_api & ticker_parsed)
        .then(pl.lit("both"))
        .when(has_api)
        .then(pl.lit("api"))
        .otherwise(pl.lit("ticker"))
    )
    seen_at = pl.coalesce(
        pl.col("m_fetched_at").cast(pl.Datetime("us", "UTC")),
        pl.lit(now, pl.Datetime("us", "UTC")) if now is not None else pl.lit(None, pl.Datetime("us", "UTC")),
    )
    return [
        parsed_from.alias("parsed_from"),
        pl.when(disagreements.str.len_chars() > 0).then(disagreements).alias("disagreements"),
        pl.col("t_parse_status").alias("parse_status"),
        pl.col("m_status").alias("status"),
        pl.col("m_close_time").cast(pl.Datetime("us", "UTC")).alias("close_time"),
        pl.col("m_expected_expiration_time").cast(pl.Datetime("us", "UTC")).alias("expected_expiration_time"),
        _blank_to_null(pl.col("m_mve_collection_ticker")).alias("mve_collection_ticker"),
        pl.col("m_ticker").alias("ticker"),
        pl.coalesce(pl.col("_first_seen"), seen_at).alias("first_seen"),
        pl.coalesce(pl.col("m_updated_time").cast(pl.Datetime("us", "UTC")), seen_at).alias("last_updated"),
    ]
