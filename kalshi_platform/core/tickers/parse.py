"""Vectorised parsing of Kalshi series, event and market tickers into typed columns (polars only).

When most rows repeat a ticker (snapshots, trades, fills), the work is done once per distinct
(ticker, kind) and joined back, so 1M rows drawn from a few thousand tickers cost the few thousand;
otherwise every row runs through the same polars expressions (one lazy plan, no Python per row).
Series names are classified once per distinct series (:data:`tables.SERIES_RULES`, first match wins)
and remembered, since a batch holds few series.

Conventions (Kalshi's, from real tickers and payloads):

- Event codes: ``25NOV29`` (day), ``25SEP2117`` / ``26FEB081915`` (day + hour or HHMM, New York time ->
  ``event_time`` in UTC), ``25DEC`` (month), ``26Q3``, ``28`` / ``2024`` (year), ``S2026<hex>`` (parlays).
  ``event_date`` is set for day codes only; ``event_period`` carries every granularity as text.
- Market codes: ``T`` threshold (``greater``; in bracket series a ``tail`` whose side is known only next
  to the ``B`` siblings, see :func:`resolve_brackets`), ``B`` bracket (``between``; weather brackets are
  1 °F wide: B49.5 = 49-50), ``TN0.1`` = -0.1, spreads ``TOR8`` and totals/props ``N`` = "N or more" =
  over N - 0.5, outcome codes (team, candidate, party, nominee) otherwise.
- Games: ``{date}{away}{home}`` concatenated; the split uses the outcome (or spread team, or prop
  player's team prefix), then known codes (built-in NBA/NFL, plus learned names), longest away first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from typing import Any

import polars as pl

from kalshi_platform.core.tickers import tables as T

# ---------------------------------------------------------------------------------------------------
# Output

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "kind": pl.String(),
    "series_ticker": pl.String(),
    "event_ticker": pl.String(),
    "family": pl.String(),
    "category": pl.String(),
    "subcategory": pl.String(),
    "league": pl.String(),
    "region": pl.String(),
    "is_legacy_name": pl.Boolean(),
    "event_date": pl.Date(),
    "event_time": pl.Datetime("us", "UTC"),
    "event_period": pl.String(),
    "outcome_code": pl.String(),
    "outcome_name": pl.String(),
    "participants": pl.List(pl.String()),
    "away_code": pl.String(),
    "home_code": pl.String(),
    "away_name": pl.String(),
    "home_name": pl.String(),
    "team_code": pl.String(),
    "player_code": pl.String(),
    "strike_kind": pl.String(),
    "strike_value": pl.Float64(),
    "floor": pl.Float64(),
    "cap": pl.Float64(),
    "threshold_text": pl.String(),
    "unit": pl.String(),
    "parse_status": pl.String(),
}
OUTPUT_COLUMNS: tuple[str, ...] = tuple(OUTPUT_SCHEMA)

# One line per output column (for column-schema metadata and docs).
OUTPUT_DESCRIPTIONS: dict[str, str] = {
    "ticker": "the input, exactly as given (null stays null)",
    "kind": "series | event | market (given, else from the shape: 1 segment series, 2 event, 3+ market)",
    "series_ticker": "first segment, upper case (the whole ticker for kind series)",
    "event_ticker": "the event the ticker belongs to (itself for events and one-off markets)",
    "family": "shape family, see tables.FAMILIES ('other' when not recognised)",
    "category": "Sports, Politics, Economics, Financials, Crypto, Climate, Entertainment, Companies, "
                "Science & Tech, World, Parlays or Other",
    "subcategory": "league, office, indicator, city, asset, award, company...",
    "league": "sports league code (NBA, NFL, NCAAMB, ALEAGUE...)",
    "region": "state / district / country of an election (AK, CA-01, ISRAEL)",
    "is_legacy_name": "the series has no KX prefix (HIGHNY, FED, BTCD...)",
    "event_date": "date of a day-coded event (25NOV29), else null",
    "event_time": "UTC instant of an hour-coded event (KXBTCD-25SEP2117 = 17:00 New York), else null",
    "event_period": "the event code's period as text: 2025-11-29, 2025-12, 2026Q3, 2028",
    "outcome_code": "the market's outcome code (team, candidate, party, nominee, player segment)",
    "outcome_name": "name of outcome_code from built-in or learned names",
    "participants": "[away, home] codes of a game",
    "away_code": "first team code of a game ticker (Kalshi writes away then home)",
    "home_code": "second team code of a game ticker",
    "away_name": "name of away_code from built-in or learned names",
    "home_name": "name of home_code from built-in or learned names",
    "team_code": "the team a game outcome, spread or player prop is about",
    "player_code": "player code of a prop (KXNBAPTS-..-LALLJAMES23-30 -> LJAMES23)",
    "strike_kind": "greater | less | between | tail (T in a bracket ladder, side unresolved) | null",
    "strike_value": "the number in the market code, scaled to unit (float64 model quantity)",
    "floor": "lower bound implied by the ticker (YES above it)",
    "cap": "upper bound implied by the ticker (YES below it)",
    "threshold_text": "the number exactly as written in the ticker (a leading N becomes '-')",
    "unit": "unit of the strike: %, °F, USD, points, runs, goals, k, ...",
    "parse_status": "parsed | partial (known family, a part did not parse) | unknown_family",
}

KINDS = ("series", "event", "market")
EXCHANGE_TZ = "America/New_York"  # hours in tickers (KXBTCD-25SEP2117) are New York time

NAMES_SCHEMA: dict[str, pl.DataType] = {"scope": pl.String(), "code": pl.String(), "name": pl.String()}

_MONTHS = {m: f"{i:02d}" for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_MON_ALT = "|".join(_MONTHS)

# Event-code forms. Day: 25NOV29 (+ HH or HHMM) (+ codes). Year: 2024, S2026<hex> (parlays), 28, 26Q3, 27CA01.
_DATE_RE = (
    rf"^(?:(?P<yy>\d{{2}})(?P<mon>{_MON_ALT})(?P<dd>\d{{2}})?(?P<hm>\d{{4}}|\d{{2}})?(?P<rest>[A-Z][A-Z0-9]*)?"
    r"|(?P<yyyy>20\d{2})|S(?P<syyyy>20\d{2})[0-9A-F]{4,}"
    r"|(?P<yy2>\d{2})(?:Q(?P<q>[1-4]))?(?P<rest2>[A-Z][A-Z0-9]*|\d[A-Z0-9]*)?)$"
)

# Strike forms of a market code: T3.75, B49.5, TN0.1 (negative), C7.0 (ACPI tail), P4 (price); team+N; N.
_TB_RE = r"^(?P<tb>[TBCP])(?P<neg>N)?(?P<num>-?\d+(?:\.\d+)?)$"
_TEAMNUM_RE = r"^(?P<team>[A-Z]{2,5})(?P<num>\d+(?:\.\d+)?)$"
_BARE_RE = r"^(?P<num>-?\d+(?:\.\d+)?)$"
_CODE_RE = r"^[A-Z][A-Z0-9]*$"


# ---------------------------------------------------------------------------------------------------
# Series classification


def _rule_frame() -> pl.DataFrame:
    rules = T.SERIES_RULES
    return pl.DataFrame(
        {
            "rule_idx": list(range(len(rules))),
            "family": [r.family for r in rules],
            "category": [r.category for r in rules],
            "_sub_lit": [r.subcategory for r in rules],
            "_unit_rule": [r.unit for r in rules],
            "_league_lit": [r.league for r in rules],
            "_direction": [r.direction for r in rules],
            "_bracket": [r.bracket for r in rules],
            "_scale": [r.scale for r in rules],
        },
        schema={"rule_idx": pl.Int32, "family": pl.String, "category": pl.String, "_sub_lit": pl.String,
                "_unit_rule": pl.String, "_league_lit": pl.String, "_direction": pl.String,
                "_bracket": pl.Boolean, "_scale": pl.Float64},
    )


_RULES_DF = _rule_frame()
_FULL_PATTERNS = [f"^(?:{r.pattern})$" for r in T.SERIES_RULES]
_GROUPS = [re.compile(p).groupindex for p in _FULL_PATTERNS]


def _chain(branches: list[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr | None = None) -> pl.Expr:
    if not branches:
        return otherwise if otherwise is not None else pl.lit(None)
    expr = pl.when(branches[0][0]).then(branches[0][1])
    for cond, value in branches[1:]:
        expr = expr.when(cond).then(value)
    return expr.otherwise(otherwise if otherwise is not None else pl.lit(None))


def _captured(group: str, base: pl.Expr, idx: pl.Expr) -> pl.Expr:
    branches = []
    for i, (pattern, groups) in enumerate(zip(_FULL_PATTERNS, _GROUPS, strict=True)):
        if group not in groups:
            continue
        value = base.str.extract(pattern, groups[group])
        sub_map = T.SERIES_RULES[i].sub_map
        if group == "sub" and sub_map:
            value = value.replace(T.SUB_MAPS[sub_map])
        branches.append((idx == i, value))
    return _chain(branches, pl.lit(None, pl.String))


def _classify_exprs() -> tuple[tuple[pl.Expr, pl.Expr], list[pl.Expr], list[pl.Expr], list[pl.Expr]]:
    series = pl.col("series")
    base = pl.when(series.str.starts_with("KX") & (series.str.len_chars() > 2)).then(
        series.str.slice(2)).otherwise(series).alias("_base")
    b = pl.col("_base")
    idx = reduce(
        lambda acc, item: acc.when(b.str.contains(item[1])).then(pl.lit(item[0], pl.Int32)),
        list(enumerate(_FULL_PATTERNS))[1:],
        pl.when(b.str.contains(_FULL_PATTERNS[0])).then(pl.lit(0, pl.Int32)),
    ).otherwise(pl.lit(None, pl.Int32)).alias("rule_idx")
    i = pl.col("rule_idx")
    captured = [
        _captured("sub", b, i).alias("_sub_cap"),
        _captured("lg", b, i).alias("_lg_cap"),
        pl.coalesce(_captured("reg", b, i), _captured("reg2", b, i)).alias("_reg_cap"),
    ]
    league = pl.coalesce(pl.col("_league_lit"), pl.col("_lg_cap").replace(T.CHAMPION_SERIES))
    unit = (
        pl.when(pl.col("_unit_rule") == "league")
        .then(pl.col("league").replace_strict(T.LEAGUE_UNIT, default=T.DEFAULT_SPORTS_UNIT,
                                              return_dtype=pl.String))
        .when(pl.col("_unit_rule") == "stat")
        .then(pl.col("_sub_cap"))
        .otherwise(pl.col("_unit_rule"))
    )
    sub = pl.coalesce(pl.col("_sub_cap"), pl.col("_sub_lit"),
                      pl.when(pl.col("category") == T.SPORTS).then(pl.col("league")))
    final = [
        pl.col("family").fill_null("other"),
        pl.col("category").fill_null(T.OTHER),
        sub.alias("subcategory"),
        unit.alias("unit"),
        pl.col("_reg_cap").alias("_region_series"),
        pl.col("_bracket").fill_null(False),
        pl.col("_scale").fill_null(1.0),
    ]
    return (base, idx), captured, [league.alias("league")], final


(_BASE_EXPR, _IDX_EXPR), _CAPTURED_EXPRS, _LEAGUE_EXPRS, _FINAL_CLASS_EXPRS = _classify_exprs()
CLASS_SCHEMA: dict[str, pl.DataType] = {
    "series": pl.String(), "family": pl.String(), "category": pl.String(), "league": pl.String(),
    "subcategory": pl.String(), "unit": pl.String(), "_region_series": pl.String(), "_direction": pl.String(),
    "_bracket": pl.Boolean(), "_scale": pl.Float64(),
}


def classify_series(series: pl.Series | Sequence[str | None]) -> pl.DataFrame:
    """One row per input series name: family, category, league, subcategory, unit, region and the
    strike conventions of the series (``_direction``, ``_bracket``, ``_scale``)."""
    s = series if isinstance(series, pl.Series) else _to_text(pl.Series("series", list(series), dtype=pl.Object))
    frame = pl.DataFrame({"series": s.cast(pl.String).fill_null("")})
    return frame.join(_classify_distinct(frame.get_column("series").unique()), on="series", how="left",
                      maintain_order="left")


def _classify(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` has a ``series`` column (distinct values); returns it with the classification columns."""
    frame = frame.with_columns(_BASE_EXPR).with_columns(_IDX_EXPR).with_columns(_CAPTURED_EXPRS)
    frame = frame.join(_RULES_DF, on="rule_idx", how="left").with_columns(_LEAGUE_EXPRS)
    return frame.with_columns(_FINAL_CLASS_EXPRS).select(list(CLASS_SCHEMA))


# Series are few: remember each one's class (a pure function of the name), up to a bound.
_CLASS_CACHE: dict[str, tuple] = {}
_CLASS_CACHE_MAX = 50_000
_CACHE_BATCH_MAX = 5_000


def _classify_distinct(series: pl.Series) -> pl.DataFrame:
    if len(series) > _CACHE_BATCH_MAX:
        return _classify(pl.DataFrame({"series": series}))
    values = series.to_list()
    found = {v: _CLASS_CACHE.get(v) for v in values}  # a local view: other threads may clear the cache
    missing = [v for v, row in found.items() if row is None]
    if missing:
        fresh = {row[0]: row for row in _classify(
            pl.DataFrame({"series": missing}, schema={"series": pl.String})).iter_rows()}
        found.update(fresh)
        if len(_CLASS_CACHE) + len(fresh) > _CLASS_CACHE_MAX:
            _CLASS_CACHE.clear()
        _CLASS_CACHE.update(fresh)
    return pl.DataFrame([found[v] for v in values], schema=CLASS_SCHEMA, orient="row")


# ---------------------------------------------------------------------------------------------------
# Names


class _Names:
    """(scope, code) -> name, as the set of known ``scope:code`` keys and a lookup dict."""

    def __init__(self, frame: pl.DataFrame) -> None:
        keys = frame.get_column("scope") + ":" + frame.get_column("code")
        self.frame = frame
        self.known = keys.unique()
        self.lookup = dict(zip(keys.to_list(), frame.get_column("name").to_list(), strict=True))


def _builtin_names() -> pl.DataFrame:
    return pl.DataFrame(
        [(league, code, name) for league, teams in T.BUILTIN_TEAMS.items() for code, name in teams.items()],
        schema=NAMES_SCHEMA, orient="row",
    )


_BUILTIN_NAMES = _Names(_builtin_names())


def _names_frame(names: pl.DataFrame | Mapping[Any, str] | None) -> _Names:
    """Built-in team names overlaid with the caller's (scope, code, name) rows (the caller's win)."""
    if names is None:
        return _BUILTIN_NAMES
    if isinstance(names, Mapping):
        rows = []
        for key, name in names.items():
            scope, code = key if isinstance(key, tuple) else str(key).split(":", 1)
            rows.append((str(scope), str(code), None if name is None else str(name)))
        learned = pl.DataFrame(rows, schema=NAMES_SCHEMA, orient="row")
    else:
        learned = names.select(
            pl.col("scope").cast(pl.String), pl.col("code").cast(pl.String), pl.col("name").cast(pl.String)
        )
    learned = learned.filter(pl.col("scope").is_not_null() & pl.col("code").is_not_null())
    merged = pl.concat([learned, _BUILTIN_NAMES.frame]).unique(subset=["scope", "code"], keep="first",
                                                                maintain_order=True)
    return _Names(merged)


# ---------------------------------------------------------------------------------------------------
# Row parsing


def _num(text: pl.Expr) -> pl.Expr:
    return text.cast(pl.Float64, strict=False)


_TEAM_FAMILIES = ["sports_game", "sports_spread", "sports_total", "player_prop"]


def _split_teams(tc: pl.Expr, ev: pl.Expr, player: pl.Expr, scope: pl.Expr, known: pl.Series) -> pl.Expr:
    """Where to cut the concatenated away+home codes (``k`` = away length), or null.

    Evidence, strongest first: the outcome/spread code equals one side; both sides are known codes
    of the league (built-in or learned), longest away code first; the prop's player code starts with one
    side (3-letter codes tried first).
    """
    n = tc.str.len_chars()
    known_list = known.implode()
    branches: list[tuple[pl.Expr, pl.Expr]] = []

    def sides(k: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        return tc.str.slice(0, k), tc.str.slice(k), (n - k >= 2) & (n - k <= 5)

    for k in (5, 4, 3, 2):
        away, home, ok = sides(k)
        branches.append((ok & ((ev == away) | (ev == home)), pl.lit(k)))
    for k in (5, 4, 3, 2):
        away, home, ok = sides(k)
        both = (scope + ":" + away).is_in(known_list) & (scope + ":" + home).is_in(known_list)
        branches.append((ok & both, pl.lit(k)))
    for k in (3, 4, 2, 5):
        away, home, ok = sides(k)
        branches.append((ok & (player.str.starts_with(away) | player.str.starts_with(home)), pl.lit(k)))
    return _chain(branches, pl.lit(None, pl.Int32)).cast(pl.Int32)


def _stage_shape(frame: pl.DataFrame) -> pl.LazyFrame:
    """Segments, series classification, kind, series/event tickers."""
    t = pl.col("t")
    # Kalshi writes negative strikes as TN0.1; some producers write T-0.1, which splits like a segment.
    frame = frame.with_columns(t.str.replace_all(r"-([TBC])-(\d)", "-${1}N${2}").alias("_tw"))
    frame = frame.with_columns(pl.col("_tw").str.extract(r"^([^-]*)", 1).alias("_series"))
    # Series classification, once per distinct series.
    classes = _classify_distinct(frame.get_column("_series").unique()).rename({"series": "_series"})
    u = frame.lazy().join(classes.lazy(), on="_series", how="left")
    u = u.with_columns(pl.col("_tw").str.split("-").alias("_parts"))
    u = u.with_columns(
        pl.col("_parts").list.len().alias("_n"),
        pl.col("_parts").list.get(1, null_on_oob=True).alias("_seg2"),
        pl.col("_parts").list.get(2, null_on_oob=True).alias("_seg3"),
        pl.col("_parts").list.last().alias("_last"),
    )

    n, fam, kind_in = pl.col("_n"), pl.col("family"), pl.col("kind_in")
    kind = (
        pl.when(t == "").then(pl.lit(None, pl.String))
        .when(kind_in.is_in(KINDS)).then(kind_in)
        .when(n == 1).then(pl.lit("series"))
        .when(n == 2).then(pl.lit("event"))
        .otherwise(pl.lit("market"))
    )
    u = u.with_columns(kind.alias("kind"))
    kind = pl.col("kind")
    is_market = kind == "market"
    # A two-segment market is a one-off (KXELONMARS-99, APPLEFOLD-25DEC31: event = market) unless its
    # second segment is a strike of a strike series (RTWITCHERS4-60) or no date at all (OSCARPIC-AF):
    # then the series is the event and the segment the market code.
    seg2 = pl.when(is_market & (n == 2)).then(pl.col("_seg2"))
    two_mc = (
        (seg2.str.contains(_BARE_RE) & fam.is_in(list(T.STRIKE_FAMILIES)))
        | ~seg2.str.contains(_DATE_RE)
    ).fill_null(False)
    u = u.with_columns(two_mc.alias("_two_mc"))
    two_mc = pl.col("_two_mc")
    return u.with_columns(
        pl.when((is_market & (n >= 3)) | two_mc).then(pl.col("_last")).alias("_mc"),
        pl.when(n >= 4).then(pl.col("_seg3")).alias("_mid"),
        pl.when(kind == "series").then(t).when(t != "").then(pl.col("_series")).alias("series_ticker"),
        pl.when(kind == "event").then(t)
        .when(two_mc).then(pl.col("_series"))
        .when(is_market & (n <= 2)).then(t)
        .when(is_market & (fam == "player_prop")).then(pl.col("_parts").list.slice(0, 2).list.join("-"))
        .when(is_market).then(pl.col("_tw").str.replace(r"-[^-]*$", ""))
        .alias("event_ticker"),
        (~pl.col("_series").str.starts_with("KX") & (t != "")).alias("is_legacy_name"),
    ).drop("_parts", "_last", "_tw")


def _stage_dates(u: pl.LazyFrame) -> pl.LazyFrame:
    """event_date / event_period / event_time and the codes after the date (``_rest``)."""
    n, fam, kind = pl.col("_n"), pl.col("family"), pl.col("kind")
    seg2, seg3 = pl.col("_seg2"), pl.col("_seg3")
    # The event code is segment 2, or segment 3 when segment 2 is not one (KXBTCMINMON-BTC-26JUN30,
    # KXMLBWINS-NYM-25-T80) and segment 3 is not the market code.
    seg3_usable = ((kind != "market") | (n >= 4)) & seg3.str.contains(r"^\d{2}(?:[A-Z]{3}\d{0,2}|Q[1-4])?$")
    src = (pl.when(pl.col("_two_mc")).then(pl.lit(None, pl.String))
           .when(seg2.str.contains(r"^(?:\d{2}|S20)")).then(seg2).when(seg3_usable).then(seg3))
    u = u.with_columns(src.alias("_dsrc"))
    u = u.with_columns(pl.col("_dsrc").str.extract_groups(_DATE_RE).alias("_d"))
    d = pl.col("_d")
    mm = d.struct.field("mon").replace_strict(_MONTHS, default=None, return_dtype=pl.String)
    year_d = pl.lit("20") + d.struct.field("yy")
    year_y = pl.coalesce(d.struct.field("yyyy"), d.struct.field("syyyy"), pl.lit("20") + d.struct.field("yy2"))
    u = u.with_columns(
        (year_d + "-" + mm + "-" + d.struct.field("dd")).alias("_day"),
        pl.coalesce(
            pl.when(mm.is_not_null()).then(year_d + "-" + mm),
            pl.when(d.struct.field("q").is_not_null()).then(year_y + "Q" + d.struct.field("q")),
            year_y,
        ).alias("_coarse"),
        pl.coalesce(d.struct.field("rest"), d.struct.field("rest2")).alias("_rest"),
        # Hour: 25SEP2117 / 26FEB081915, or legacy BTCD-24JUL15-17-51250 (hour as its own segment).
        pl.coalesce(
            d.struct.field("hm"),
            pl.when(fam.str.starts_with("crypto") & (n >= 4) & seg3.str.contains(r"^\d{2}$")
                    & d.struct.field("dd").is_not_null()).then(seg3),
        ).alias("_hm"),
    ).drop("_d", "_dsrc")
    u = u.with_columns(pl.col("_day").str.to_date("%Y-%m-%d", strict=False).alias("event_date"))
    day, date, hm = pl.col("_day"), pl.col("event_date"), pl.col("_hm")
    stamp = (day + " " + hm.str.slice(0, 2) + ":"
             + pl.when(hm.str.len_chars() == 4).then(hm.str.slice(2, 2)).otherwise(pl.lit("00")))
    event_time = (
        pl.when(date.is_not_null() & hm.is_not_null()).then(stamp)
        .str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us")
        .dt.replace_time_zone(EXCHANGE_TZ, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    return u.with_columns(
        # A day code that is not a date (25FEB31) leaves no period at all.
        pl.when(date.is_not_null()).then(day).when(day.is_null()).then(pl.col("_coarse")).alias("event_period"),
        event_time.alias("event_time"),
    ).drop("_day", "_coarse", "_hm")


def _stage_strikes(u: pl.LazyFrame) -> pl.LazyFrame:
    """strike_kind / strike_value / floor / cap / threshold_text from the market code."""
    fam, mc = pl.col("family"), pl.col("_mc")
    u = u.with_columns(
        mc.str.extract_groups(_TB_RE).alias("_tb"),
        mc.str.extract_groups(_TEAMNUM_RE).alias("_tn"),
        mc.str.extract(_BARE_RE, 1).alias("_bare"),
    )
    tb, tn = pl.col("_tb"), pl.col("_tn")
    tb_kind, tb_num = tb.struct.field("tb"), tb.struct.field("num")
    tb_text = pl.when(tb.struct.field("neg") == "N").then(pl.lit("-") + tb_num).otherwise(tb_num)
    is_spread = fam == "sports_spread"
    half = fam.is_in(list(T.HALF_POINT))
    # Families whose market codes name outcomes (KXFEDDECISION-26JUL-C25 is "cut 25bps", not a strike).
    outcome_family = fam.is_in(list(T.OUTCOME_FAMILIES))
    letter = pl.when(is_spread | outcome_family).then(pl.lit(None, pl.String)).otherwise(tb_kind)
    text = (
        pl.when(is_spread).then(tn.struct.field("num"))
        .when(letter.is_not_null()).then(tb_text)
        .when(~fam.is_in(list(T.NO_STRIKE_FAMILIES))).then(pl.col("_bare"))
    )
    u = u.with_columns(text.alias("threshold_text"), letter.alias("_letter"), tn.struct.field("team").alias("_tn_team"))
    text, letter = pl.col("threshold_text"), pl.col("_letter")
    direction = pl.col("_direction").fill_null("greater")
    strike_kind = (
        pl.when(text.is_null()).then(pl.lit(None, pl.String))
        .when(is_spread | half).then(pl.lit("greater"))
        .when(letter == "B").then(pl.lit("between"))
        .when(letter == "C").then(pl.lit("tail"))
        .when((letter == "T") & pl.col("_bracket")).then(pl.lit("tail"))
        .when(letter == "T").then(direction)
        .when(letter == "P").then(pl.lit("greater"))
        .when(fam.is_in(list(T.BARE_GREATER))).then(direction)
    )
    u = u.with_columns((_num(text) * pl.col("_scale")).alias("strike_value"), strike_kind.alias("strike_kind"))
    sv, sk = pl.col("strike_value"), pl.col("strike_kind")
    weather_between = (sk == "between") & fam.str.starts_with("weather")
    return u.with_columns(
        pl.when(is_spread | half).then(sv - 0.5).when(weather_between).then(sv - 0.5)
        .when(sk.is_in(["greater", "greater_or_equal"])).then(sv).alias("floor"),
        pl.when(weather_between).then(sv + 0.5).when(sk.is_in(["less", "less_or_equal"])).then(sv).alias("cap"),
    ).drop("_tb", "_tn", "_bare", "_letter")


def _stage_teams(a: pl.LazyFrame, known: pl.Series) -> pl.LazyFrame:
    """Sports rows only: away/home split, participants, the prop player's team."""
    fam, mc, rest = pl.col("family"), pl.col("_mc"), pl.col("_rest")
    is_prop = fam == "player_prop"
    a = a.with_columns(
        pl.when(rest.str.contains(r"^[A-Z]{4,10}$")).then(rest).alias("_tc"),
        pl.coalesce(pl.when((fam == "sports_game") & (mc != "TIE")).then(mc), pl.col("_tn_team")).alias("_ev"),
        pl.when(is_prop).then(pl.col("_mid")).alias("_player"),
    )
    k = _split_teams(pl.col("_tc"), pl.col("_ev").fill_null(""), pl.col("_player").fill_null("\x00"),
                     pl.col("_scope"), known)
    a = a.with_columns(k.alias("_k"))
    k = pl.col("_k")
    a = a.with_columns(
        pl.when(k.is_not_null()).then(pl.col("_tc").str.slice(0, k)).alias("away_code"),
        pl.when(k.is_not_null()).then(pl.col("_tc").str.slice(k)).alias("home_code"),
    )
    away, home, player = pl.col("away_code"), pl.col("home_code"), pl.col("_player")
    on_away = away.is_not_null() & player.str.starts_with(away)
    on_home = home.is_not_null() & player.str.starts_with(home)
    player_team = (
        pl.when(on_away & on_home)
        .then(pl.when(away.str.len_chars() >= home.str.len_chars()).then(away).otherwise(home))
        .when(on_away).then(away)
        .when(on_home).then(home)
    )
    a = a.with_columns(player_team.alias("_pteam"))
    pteam = pl.col("_pteam")
    return a.with_columns(
        pl.when(is_prop).then(pteam)
        .when(fam == "sports_spread").then(pl.col("_tn_team"))
        .when((fam == "sports_game") & ((mc == away) | (mc == home))).then(mc)
        .alias("team_code"),
        pl.when(is_prop & pteam.is_not_null()).then(player.str.slice(pteam.str.len_chars()))
        .when(is_prop).then(player).alias("player_code"),
        pl.when(away.is_not_null()).then(pl.concat_list(away, home)).alias("participants"),
    ).drop("_tc", "_ev", "_k", "_pteam")


def _parse_frame(frame: pl.DataFrame, names: _Names) -> pl.DataFrame:
    """``frame``: ``t`` (canonical ticker, "" for null) and ``kind_in`` (plus any passthrough columns)."""
    u = _stage_shape(frame)
    u = _stage_dates(u)
    u = _stage_strikes(u)
    fam, mc = pl.col("family"), pl.col("_mc")
    u = u.with_columns(pl.coalesce(pl.col("league"), pl.col("series_ticker"), pl.lit("")).alias("_scope"))

    # Sports rows get the team split; the rest skip it (cheaper than masking every expression).
    sports = fam.is_in(_TEAM_FAMILIES)
    a = _stage_teams(u.filter(sports), names.known)
    u = pl.concat([a, u.filter(~sports)], how="diagonal")

    outcome_code = (
        pl.when(fam == "parlay").then(pl.lit(None, pl.String))
        .when(fam == "player_prop").then(pl.col("_player"))
        .when(fam == "sports_spread").then(pl.col("_tn_team"))
        .when(fam == "crypto_updown").then(mc)
        .when(pl.col("threshold_text").is_null() & mc.str.contains(_CODE_RE)).then(mc)
    )
    u = u.with_columns(outcome_code.alias("outcome_code"))

    # Names: (scope, code) -> name, scope = league for sports, else the series.
    lookup = names.lookup

    def name_of(code: str) -> pl.Expr:
        c = pl.col(code)
        return pl.when(c.is_not_null()).then(
            (pl.col("_scope") + ":" + c).replace_strict(lookup, default=None, return_dtype=pl.String))

    # Region (elections): from the series (GOVPARTYAK) or the event code (KXHOUSERACE-27CA01).
    house = pl.col("_rest").str.extract_groups(r"^(?P<st>[A-Z]{2})(?P<d>\d{1,2})$")
    region = pl.coalesce(
        pl.col("_region_series"),
        pl.when(fam == "election").then(house.struct.field("st") + "-" + house.struct.field("d")),
    )

    kind, n = pl.col("kind"), pl.col("_n")
    not_series = kind != "series"
    missing = (
        (fam.is_in(list(T.NEEDS_DATE)) & not_series & pl.col("event_date").is_null())
        | (fam.is_in(list(T.NEEDS_PERIOD)) & not_series & pl.col("event_period").is_null())
        | (fam.is_in(list(T.NEEDS_TEAMS)) & not_series & pl.col("away_code").is_null())
        | (fam.is_in(list(T.NEEDS_STRIKE)) & (kind == "market") & (n >= 3) & pl.col("strike_value").is_null())
    )
    status = (
        pl.when(fam == "other").then(pl.lit("unknown_family"))
        .when(missing).then(pl.lit("partial"))
        .otherwise(pl.lit("parsed"))
    )
    return u.with_columns(
        name_of("away_code").alias("away_name"),
        name_of("home_code").alias("home_name"),
        name_of("outcome_code").alias("outcome_name"),
        region.alias("region"),
        status.alias("parse_status"),
    ).collect()


def resolve_brackets(parsed: pl.DataFrame) -> pl.DataFrame:
    """Use sibling markets of the same event to finish bracket ladders (weather, crypto ranges, approval):

    - a ``tail`` market (``T``/``C`` in a bracket series) below every ``B`` sibling becomes ``less`` with
      ``cap`` = its number, above every sibling ``greater`` with ``floor`` = its number;
    - a ``between`` market without bounds (bracket width is not in the ticker outside weather) gets
      ``floor``/``cap`` = mid -/+ half the smallest gap between its event's ``B`` mids
      (crypto ranges end a cent below the next bracket: $90,500 to $90,999.99).

    Rows without such siblings in ``parsed`` are left as they are, so the result of one row depends on
    the batch only here. Row order is kept.
    """
    sk = pl.col("strike_kind")
    candidate = sk.is_in(["between", "tail"]) & pl.col("event_ticker").is_not_null()
    if parsed.is_empty():
        return parsed
    rows = parsed.select(pl.arg_where(candidate).alias("i")).get_column("i")
    if rows.is_empty():
        return parsed
    cols = ["event_ticker", "family", "strike_kind", "strike_value", "floor", "cap"]
    cand = parsed.select(cols)[rows]
    ev, sv = pl.col("event_ticker"), pl.col("strike_value")
    mids = (cand.filter((sk == "between") & sv.is_not_null()).select("event_ticker", "strike_value")
            .unique().sort("event_ticker", "strike_value"))
    gap = pl.when(ev == ev.shift(1)).then(sv - sv.shift(1))
    stats = mids.with_columns(gap.alias("_gap")).group_by("event_ticker").agg(
        sv.min().alias("_bmin"), sv.max().alias("_bmax"), pl.col("_gap").min().alias("_width"))
    cand = cand.join(stats, on="event_ticker", how="left", maintain_order="left")
    bmin, bmax, width = pl.col("_bmin"), pl.col("_bmax"), pl.col("_width")
    tail = sk == "tail"
    low = tail & (sv <= bmin)
    high = tail & (sv >= bmax)
    fill = (sk == "between") & pl.col("floor").is_null() & (width > 0)
    cap_offset = pl.when(pl.col("family") == "crypto_range").then(pl.lit(0.01)).otherwise(pl.lit(0.0))
    cand = cand.select(
        pl.when(low).then(pl.lit("less")).when(high).then(pl.lit("greater")).otherwise(sk).alias("strike_kind"),
        pl.when(high).then(sv).when(fill).then(sv - width / 2).otherwise(pl.col("floor")).alias("floor"),
        pl.when(low).then(sv).when(fill).then(sv + width / 2 - cap_offset).otherwise(pl.col("cap")).alias("cap"),
    )
    return parsed.with_columns(
        parsed.get_column(c).clone().scatter(rows, cand.get_column(c)) for c in ("strike_kind", "floor", "cap")
    )


def _as_frame(tickers: Any, kind: Any, column: str) -> pl.DataFrame:
    if isinstance(tickers, pl.DataFrame):
        frame = tickers
        col = frame.get_column(column) if column in frame.columns else pl.Series(column, [None] * frame.height)
        kinds = frame.get_column("kind") if kind is None and "kind" in frame.columns else None
    elif isinstance(tickers, pl.Series):
        col, kinds = tickers, None
    elif isinstance(tickers, str) or tickers is None:
        col, kinds = pl.Series(column, [tickers]), None
    else:
        col, kinds = pl.Series(column, list(tickers), dtype=pl.Object), None
    if col.dtype != pl.String:
        col = _to_text(col)
    if kind is not None:
        if isinstance(kind, str):
            kinds = pl.Series("kind", [kind], dtype=pl.String).extend_constant(kind, len(col) - 1) \
                if len(col) else pl.Series("kind", [], dtype=pl.String)
        elif isinstance(kind, pl.Series):
            kinds = kind
        else:
            kinds = pl.Series("kind", list(kind), dtype=pl.Object)
    if kinds is None:
        kinds = pl.Series("kind", [None] * len(col), dtype=pl.String)
    elif kinds.dtype != pl.String:
        kinds = _to_text(kinds)
    if len(kinds) != len(col):
        raise ValueError(f"kind has {len(kinds)} values for {len(col)} tickers")
    return pl.DataFrame({"ticker": col.rename("ticker"), "kind_in": kinds.rename("kind_in")})


def _to_text(s: pl.Series) -> pl.Series:
    if s.dtype == pl.Object:
        return pl.Series(s.name, [v if isinstance(v, str) or v is None else str(v) for v in s.to_list()],
                         dtype=pl.String)
    return s.cast(pl.String, strict=False)


# Parse distinct (ticker, kind) pairs and join back when at most this share of the rows is distinct.
_DEDUPE_BELOW = 0.5


def parse_tickers(
    tickers: pl.DataFrame | pl.Series | Iterable[str | None],
    *,
    kind: str | pl.Series | Sequence[str | None] | None = None,
    names: pl.DataFrame | Mapping[Any, str] | None = None,
    column: str = "ticker",
    resolve: bool = True,
) -> pl.DataFrame:
    """Parse a column of Kalshi tickers; one output row per input row, same order (:data:`OUTPUT_SCHEMA`).

    ``tickers``: a DataFrame (``column``, and ``kind`` if it has one), a Series or any iterable of
    strings (None and non-strings are fine). ``kind``: ``series``/``event``/``market`` for every row or
    per row; when missing it is inferred from the shape (1 segment series, 2 event, 3+ market), so pass
    it when known (a one-off market like ``KXELONMARS-99`` looks like an event). ``names``: learned
    (scope, code, name) rows from :func:`learn_names` (or ``{("NBA", "TOR"): "Toronto"}``), used to split
    team codes and to fill the ``*_name`` columns. ``resolve``: finish bracket ladders from sibling
    markets in the batch (:func:`resolve_brackets`); with ``False`` every row depends on its ticker only.

    Never raises on content: unknown shapes come back with family ``other``, category ``Other`` and
    parse_status ``unknown_family``; a known family with a part that did not parse is ``partial``.
    """
    frame = _as_frame(tickers, kind, column)
    names_df = _names_frame(names)
    canonical = pl.col("ticker").fill_null("").str.strip_chars().str.to_uppercase()
    frame = frame.with_columns(canonical.alias("t"), pl.col("kind_in").str.strip_chars().str.to_lowercase())
    cols = [c for c in OUTPUT_COLUMNS if c != "ticker"]
    # A cheap estimate decides: mostly repeated tickers are parsed once each and joined back.
    if frame.height > 1 and frame.select(pl.col("t").approx_n_unique()).item() <= _DEDUPE_BELOW * frame.height:
        parsed = _parse_frame(frame.select("t", "kind_in").unique(), names_df)
        if resolve:
            parsed = resolve_brackets(parsed)
        out = frame.select("ticker", "t", "kind_in").join(
            parsed.select("t", "kind_in", *cols), on=["t", "kind_in"], how="left", nulls_equal=True,
            maintain_order="left",
        )
    else:
        parsed = _parse_frame(frame.with_row_index("_row"), names_df)
        if resolve:
            parsed = resolve_brackets(parsed)
        out = parsed.sort("_row")
    return out.select([pl.col(c).cast(dt) for c, dt in OUTPUT_SCHEMA.items()])


def parse_ticker(
    ticker: str | None,
    *,
    kind: str | None = None,
    names: pl.DataFrame | Mapping[Any, str] | None = None,
) -> dict[str, Any]:
    """One ticker -> dict of the :data:`OUTPUT_SCHEMA` columns (the same code path as
    :func:`parse_tickers`)."""
    return parse_tickers([ticker], kind=kind, names=names).row(0, named=True)
