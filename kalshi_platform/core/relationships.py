"""How markets relate: groups (same event, same game across series) and mutually exclusive sets.

Pure and vectorised (polars), no I/O. Inputs are the instrument master (``core.instruments``
``INSTRUMENT_SCHEMA``, any subset of its columns), ``raw.kalshi_events`` rows and a quote snapshot.

    market_groups(instruments) -> GROUP_SCHEMA               one row per (group, market)
    exclusive_sets(instruments, events=None, quotes=None) -> SET_SCHEMA   one row per set

Groups
------
``event``: every market with its event (group_key = event_ticker). ``game``: the markets of one sports
game across series. Kalshi names a game the same way in every series that prices it: the event code
after the series (``26JAN09MILLAL`` in ``KXNBAGAME-26JAN09MILLAL``, ``KXNBASPREAD-26JAN09MILLAL``,
``KXNBATOTAL-26JAN09MILLAL``, ``KXNBAPTS-26JAN09MILLAL``) is the local game date (+ an optional start
time) followed by the away and home codes run together. The game key is
``<league>:<date>:<away>@<home>`` (``NBA:2026-01-09:MIL@LAL``); where the ticker parse could not cut the
codes (a total ``KXNCAAMBTOTAL-26MAR20WRSTUVA-140`` carries no team evidence) the cut learned from
another market of the same game in the batch is used, else the joined codes stand in
(``NCAAMB:2026-03-20:WRSTUVA``). A game group needs at least one game-line market (moneyline, spread,
total or player prop); other sports series (``KXNBA1HWINNER-26JAN09MILLAL``) join such a group as
``other`` but form none alone. Markets without a league (non-sports) or without a day date and team
codes in their event code (season winners, awards) are in no game group.

Exclusive sets
--------------
A set is one event's markets of which exactly one resolves YES, so the YES prices should sum to 1:
buying every YES at the asks costs ``sum_yes_ask`` >= 1 and selling every YES at the bids earns
``sum_yes_bid`` <= 1, otherwise there is an arbitrage (before fees). Three kinds, tried in this order:

- ``moneyline``: a game-winner event (every counted market is family ``sports_game``: both teams, plus a
  tie market where the sport has one). Exhaustive when it has at least two markets and none of the
  event's markets was left out for its status (a moneyline's markets settle together).
- ``bracket_ladder``: every counted market is a ``between`` bracket or an open-ended tail (``less``,
  ``less_or_equal``, ``greater``, ``greater_or_equal``) with its bounds, and at least one is a tail
  (temperature ``KXHIGHNY`` B/T markets, ``KXBTC`` ranges). Exhaustive when the bounds *tile* the line:
  each market covers a closed interval on the grid of the event's finest bound (1 for whole degrees,
  0.01 for cents: ``tick`` = 10^-decimals), Kalshi's way: ``between`` [floor, cap] inclusive, ``less``
  (-inf, cap - tick], ``less_or_equal`` (-inf, cap], ``greater`` [floor + tick, +inf),
  ``greater_or_equal`` [floor, +inf). Sorted by lower bound, the ladder must start with exactly one
  lower tail, end with exactly one upper tail, and each next interval must begin exactly one tick after
  the previous one ends (no gap, no overlap). "49° to 50°" (between 49..50) is followed by "51° to 52°"
  and "T57" (greater, floor 57 = 58° or above) follows "56° to 57°"; "$90,500 to 90,999.99" is
  followed by "$91,000 to ...". A ladder that tiles is a set even if the API did not flag the event; one
  that does not tile is a set only when the API says ``mutually_exclusive`` (then ``exhaustive`` is
  false and ``ladder_issue`` says where it breaks: a gap means every market can resolve NO).
  Threshold ladders (``KXBTCD``: only ``greater`` markets, not exclusive) never tile.
- ``winner_list``: any other event the API flags ``mutually_exclusive`` (championship fields, election
  winners, seed lists), taken as exhaustive because Kalshi lists every outcome of such an event (a list
  that is not would show as ``mids_stray``). Where the events frame has no flag for the event, a
  ``sports_champion`` event (one champion of a season or of a bracket slot) is taken as one (basis
  ``family``); an explicit ``mutually_exclusive: false`` is never overridden by the family.

Only markets with an open status (``active``, or the filter word ``open``) count in a set; a null status
(unknown) counts. The status comes from the quote snapshot when it has one, else from the instrument.
Events with no counted market give no row. Parlays (family ``parlay``) are single-market events and are
never sets.

Prices stay exact ``Decimal(18,6)``. A market is *quoted* when it has both ``yes_bid`` and ``yes_ask``,
``0 <= yes_bid <= yes_ask <= 1`` and ``yes_ask > 0`` (an ask of 0 is Kalshi's "no ask"). Sums are over
quoted members; ``complete_quotes`` says every counted member is quoted. ``sum_mid`` is
(sum_yes_bid + sum_yes_ask) / 2, exact for prices with at most 5 decimals (Kalshi quotes to 0.0001).

``mids_stray`` = |sum_mid - 1| > spread_width / 2, computed exactly as |sum_bid + sum_ask - 2| >
sum_ask - sum_bid; it is equivalent to ``sum_yes_bid > 1 or sum_yes_ask < 1`` (the midpoints sit
further from 1 than the books are wide: a locked-in arbitrage before fees). It is null unless the set
is ``exhaustive`` and ``complete_quotes``, where it means nothing.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE, SCALE, fixed_expr
from kalshi_platform.core.tickers import parse_tickers

GROUP_KINDS = ("event", "game")
GROUP_FAMILIES = ("moneyline", "spread", "total", "props", "other")
SET_KINDS = ("winner_list", "bracket_ladder", "moneyline")
SET_BASES = ("moneyline", "ladder_tiles", "api_mutually_exclusive", "family")

# Instrument family -> the member's role in a game group.
FAMILY_ROLES: dict[str, str] = {
    "sports_game": "moneyline",
    "sports_spread": "spread",
    "sports_total": "total",
    "player_prop": "props",
}
_ROLE_RANK = {name: i for i, name in enumerate(GROUP_FAMILIES)}

OPEN_STATUSES = ("active", "open")
LADDER_TYPES = ("between", "less", "less_or_equal", "greater", "greater_or_equal")
_LOWER_TAILS = ("less", "less_or_equal")
_UPPER_TAILS = ("greater", "greater_or_equal")
# Families whose events are one-winner lists when the API flag is unknown.
WINNER_FAMILIES = ("sports_champion",)

GROUP_SCHEMA: dict[str, pl.DataType] = {
    "group_kind": pl.String(),  # event | game
    "group_key": pl.String(),  # event_ticker, or "NBA:2026-01-09:MIL@LAL"
    "group_label": pl.String(),  # event title / "Milwaukee at Los Angeles L"
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "league": pl.String(),
    "event_date": pl.Date(),
    "group_family": pl.String(),  # moneyline | spread | total | props | other
    "label": pl.String(),  # the member within its group ("Milwaukee wins", "Over 220.5 points scored")
}

SET_SCHEMA: dict[str, pl.DataType] = {
    "set_key": pl.String(),  # the event_ticker
    "set_kind": pl.String(),  # winner_list | bracket_ladder | moneyline
    "series_ticker": pl.String(),
    "title": pl.String(),
    "api_mutually_exclusive": pl.Boolean(),  # as the events frame says (null: unknown)
    "basis": pl.String(),  # why it is a set: moneyline | ladder_tiles | api_mutually_exclusive | family
    "exhaustive": pl.Boolean(),  # the prices of the counted members should sum to 1
    "ladder_issue": pl.String(),  # bracket ladders that do not tile: where the tiling breaks
    "n_markets": pl.UInt32(),  # counted (open) members
    "n_not_open": pl.UInt32(),  # members of the event left out for their status
    "n_quoted": pl.UInt32(),
    "complete_quotes": pl.Boolean(),
    "sum_yes_bid": DECIMAL_DTYPE,
    "sum_yes_ask": DECIMAL_DTYPE,
    "sum_mid": DECIMAL_DTYPE,
    "overround": DECIMAL_DTYPE,  # sum_yes_ask - 1
    "underround": DECIMAL_DTYPE,  # 1 - sum_yes_bid
    "spread_width": DECIMAL_DTYPE,  # sum_yes_ask - sum_yes_bid
    "mid_deviation": DECIMAL_DTYPE,  # sum_mid - 1
    "mids_stray": pl.Boolean(),
    "tickers": pl.List(pl.String()),  # counted members, sorted
}

_INSTRUMENT_COLUMNS: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "category": pl.String(),
    "family": pl.String(),
    "league": pl.String(),
    "event_date": pl.Date(),
    "strike_type": pl.String(),
    "floor": DECIMAL_DTYPE,
    "cap": DECIMAL_DTYPE,
    "outcome_label": pl.String(),
    "away_name": pl.String(),
    "home_name": pl.String(),
    "title": pl.String(),
    "event_title": pl.String(),
    "display_name": pl.String(),
    "short_name": pl.String(),
    "status": pl.String(),
    "mve_collection_ticker": pl.String(),
}

# Day date, optional HH or HHMM, then the away + home codes run together.
_GAME_CODE = r"^[A-Z0-9]+-(?P<day>\d{2}[A-Z]{3}\d{2})(?:\d{4}|\d{2})?(?P<teams>[A-Z][A-Z0-9]{3,})$"
_ONE = Decimal(1)
_TWO = Decimal(2)
_TICKS = {d: Decimal(1).scaleb(-d) for d in range(SCALE + 1)}
_QUOTE_TIME_COLUMNS = ("updated_time", "fetched_at", "snapshot_ts", "ts")


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def _money(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A price column as exact Decimal(18,6): decimals and ints cast, text read as fixed point, floats refused."""
    if column not in frame.columns:
        return pl.lit(None, DECIMAL_DTYPE).alias(column)
    dtype = frame.schema[column]
    if dtype.is_float():
        raise TypeError(
            f"{column} is {dtype}: prices and strikes must be exact (Decimal or fixed-point text), not float")
    if dtype == pl.String:
        return fixed_expr(column).cast(DECIMAL_DTYPE).alias(column)
    if dtype == pl.Null:
        return pl.lit(None, DECIMAL_DTYPE).alias(column)
    return pl.col(column).cast(DECIMAL_DTYPE).alias(column)


def _instruments(instruments: pl.DataFrame) -> pl.DataFrame:
    """The instrument columns used here; missing ones as typed nulls."""
    if "ticker" not in instruments.columns:
        raise ValueError("instruments needs a ticker column")
    cols = []
    for name, dtype in _INSTRUMENT_COLUMNS.items():
        if name in ("floor", "cap"):
            cols.append(_money(instruments, name))
        elif name in instruments.columns and instruments.schema[name] != pl.Null:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype).alias(name))
    out = instruments.select(cols)
    return out.with_columns(
        _blank_to_null(pl.col("event_ticker")).alias("event_ticker"),
        _blank_to_null(pl.col("status")).str.to_lowercase().alias("status"),
    )


def _role() -> pl.Expr:
    return (
        pl.col("family")
        .replace_strict(FAMILY_ROLES, default="other", return_dtype=pl.String)
        .fill_null("other")
        .alias("group_family")
    )


def _label() -> pl.Expr:
    return pl.coalesce(
        _blank_to_null(pl.col("outcome_label")),
        _blank_to_null(pl.col("short_name")),
        _blank_to_null(pl.col("title")),
        _blank_to_null(pl.col("display_name")),
        pl.col("ticker"),
    ).alias("label")


# ---------------------------------------------------------------------------------------------------
# Groups


def market_groups(instruments: pl.DataFrame) -> pl.DataFrame:
    """One row per (group, market) (:data:`GROUP_SCHEMA`): every market in its ``event`` group, and
    sports markets also in their ``game`` group (see the module docstring for the game key).

    ``group_family`` is the member's role (moneyline, spread, total, props, other) from its instrument
    family; ``label`` its own outcome label. Sorted by group_kind, group_key, role, ticker.
    """
    inst = _instruments(instruments).filter(pl.col("ticker").is_not_null()).unique("ticker", keep="last",
                                                                                     maintain_order=True)
    inst = inst.with_columns(_role(), _label())
    events = inst.filter(pl.col("event_ticker").is_not_null()).with_columns(
        pl.lit("event").alias("group_kind"),
        pl.col("event_ticker").alias("group_key"),
        pl.coalesce(_blank_to_null(pl.col("event_title")), pl.col("event_ticker")).alias("group_label"),
    )
    games = _game_rows(inst)
    out = pl.concat(
        [events.select(list(GROUP_SCHEMA)), games.select(list(GROUP_SCHEMA))], how="vertical_relaxed"
    )
    rank = pl.col("group_family").replace_strict(_ROLE_RANK, default=len(_ROLE_RANK), return_dtype=pl.Int32)
    return (
        out.sort([pl.col("group_kind"), pl.col("group_key"), rank, pl.col("ticker")])
        .select([pl.col(c).cast(dt) for c, dt in GROUP_SCHEMA.items()])
    )


def _game_rows(inst: pl.DataFrame) -> pl.DataFrame:
    """The sports markets with a game key (league, local date, away@home), one row each."""
    empty = inst.clear().with_columns(
        pl.lit(None, pl.String).alias("group_kind"),
        pl.lit(None, pl.String).alias("group_key"),
        pl.lit(None, pl.String).alias("group_label"),
    )
    if inst.is_empty():
        return empty
    parsed = parse_tickers(inst.get_column("ticker"), kind="market", resolve=False).select(
        pl.col("event_ticker").alias("_p_event"),
        pl.col("family").alias("_p_family"),
        pl.col("league").alias("_p_league"),
        pl.col("event_date").alias("_p_date"),
        pl.col("away_code").alias("_away"),
        pl.col("home_code").alias("_home"),
    )
    g = pl.concat([inst, parsed], how="horizontal")
    event = pl.coalesce(pl.col("event_ticker"), pl.col("_p_event"))
    code = event.str.extract_groups(_GAME_CODE)
    g = g.with_columns(
        pl.coalesce(pl.col("league"), pl.col("_p_league")).alias("league"),
        pl.coalesce(pl.col("_p_date"), pl.col("event_date")).alias("_date"),
        code.struct.field("teams").alias("_teams"),
        code.struct.field("day").is_not_null().alias("_has_day"),
        pl.coalesce(pl.col("family"), pl.col("_p_family")).alias("_family"),
    )
    g = g.filter(
        pl.col("league").is_not_null()
        & pl.col("_date").is_not_null()
        & pl.col("_has_day")
        & pl.col("_teams").is_not_null()
        & (pl.col("_family").fill_null("") != "parlay")
    )
    if g.is_empty():
        return empty
    # The parse's cut must reproduce the joined codes; learn it for the game's other markets.
    cut_ok = pl.col("_away").is_not_null() & ((pl.col("_away") + pl.col("_home")) == pl.col("_teams"))
    g = g.with_columns(
        pl.when(cut_ok).then(pl.col("_away")).alias("_away"),
        pl.when(cut_ok).then(pl.col("_home")).alias("_home"),
    )
    game_id = ["league", "_date", "_teams"]
    learned = (
        g.filter(pl.col("_away").is_not_null())
        .group_by([*game_id, "_away", "_home"])
        .agg(pl.len().alias("_n"))
        .sort(["_n", "_away"], descending=[True, False])
        .unique(game_id, keep="first")
        .select(*game_id, pl.col("_away").alias("_l_away"), pl.col("_home").alias("_l_home"))
    )
    g = g.join(learned, on=game_id, how="left", nulls_equal=True, maintain_order="left").with_columns(
        pl.coalesce(pl.col("_l_away"), pl.col("_away")).alias("_away"),
        pl.coalesce(pl.col("_l_home"), pl.col("_home")).alias("_home"),
    )
    matchup = pl.when(pl.col("_away").is_not_null()).then(pl.col("_away") + "@" + pl.col("_home")).otherwise(
        pl.col("_teams"))
    g = g.with_columns(
        (pl.col("league") + ":" + pl.col("_date").dt.strftime("%Y-%m-%d") + ":" + matchup).alias("group_key"),
        pl.col("_date").alias("event_date"),
        matchup.alias("_matchup"),
    )
    # Other sports series (first-half winner, first basket...) join a game that a game-line market
    # confirms; on their own they form no group (their event code need not be a matchup).
    g = g.filter(pl.col("_family").is_in(list(FAMILY_ROLES)).any().over("group_key"))
    names = pl.when(pl.col("away_name").is_not_null() & pl.col("home_name").is_not_null()).then(
        pl.col("away_name") + " at " + pl.col("home_name"))
    labels = g.group_by("group_key").agg(
        pl.coalesce(
            _blank_to_null(pl.col("event_title")).filter(pl.col("_family") == "sports_game").first(),
            names.drop_nulls().first(),
            pl.col("_matchup").first(),
        ).alias("group_label")
    )
    return g.join(labels, on="group_key", how="left").with_columns(pl.lit("game").alias("group_kind"))


# ---------------------------------------------------------------------------------------------------
# Exclusive sets


def _latest_quotes(quotes: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"ticker": pl.String, "yes_bid": DECIMAL_DTYPE, "yes_ask": DECIMAL_DTYPE, "_q_status": pl.String}
    if quotes is None or quotes.is_empty():
        return pl.DataFrame(schema=schema)
    if "ticker" not in quotes.columns:
        raise ValueError("quotes needs a ticker column")
    q = quotes
    time_cols = [c for c in _QUOTE_TIME_COLUMNS if c in q.columns]
    if time_cols:
        q = q.sort(time_cols, nulls_last=False, maintain_order=True)
    q = q.select(
        pl.col("ticker").cast(pl.String),
        _money(q, "yes_bid"),
        _money(q, "yes_ask"),
        (_blank_to_null(pl.col("status")).str.to_lowercase() if "status" in q.columns
         else pl.lit(None, pl.String)).alias("_q_status"),
    )
    return q.unique("ticker", keep="last", maintain_order=True)


def _events(events: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"event_ticker": pl.String, "_e_me": pl.Boolean, "_e_title": pl.String, "_e_series": pl.String}
    if events is None or events.is_empty() or "event_ticker" not in events.columns:
        return pl.DataFrame(schema=schema)

    def col(name: str, dtype: pl.DataType, alias: str) -> pl.Expr:
        if name in events.columns and events.schema[name] != pl.Null:
            return pl.col(name).cast(dtype, strict=False).alias(alias)
        return pl.lit(None, dtype).alias(alias)

    return events.select(
        pl.col("event_ticker").cast(pl.String),
        col("mutually_exclusive", pl.Boolean(), "_e_me"),
        col("title", pl.String(), "_e_title"),
        col("series_ticker", pl.String(), "_e_series"),
    ).unique("event_ticker", keep="last", maintain_order=True)


def exclusive_sets(
    instruments: pl.DataFrame,
    events: pl.DataFrame | None = None,
    quotes: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The mutually exclusive sets and their price sums, one row per set (:data:`SET_SCHEMA`).

    ``instruments``: instrument master rows (ticker, event_ticker, family, strike_type, floor, cap,
    status, ...). ``events``: raw.kalshi_events rows (event_ticker, mutually_exclusive, title,
    series_ticker), optional. ``quotes``: (ticker, yes_bid, yes_ask[, status]) — the latest snapshot
    per market; with several rows per ticker the latest by ``updated_time``/``fetched_at`` (else the
    last) is used. Prices must be exact (Decimal or fixed-point text). Which events are sets, when a
    set is exhaustive and what the sums mean: see the module docstring. Sorted by set_key.
    """
    inst = _instruments(instruments).filter(
        pl.col("ticker").is_not_null()
        & pl.col("event_ticker").is_not_null()
        & (pl.col("family").fill_null("") != "parlay")
        & pl.col("mve_collection_ticker").is_null()
    ).unique("ticker", keep="last", maintain_order=True)
    q = _latest_quotes(quotes)
    m = inst.join(q, on="ticker", how="left", maintain_order="left").with_columns(
        pl.coalesce(pl.col("_q_status"), pl.col("status")).alias("status")
    )
    m = m.with_columns((pl.col("status").is_null() | pl.col("status").is_in(OPEN_STATUSES)).alias("_open"))
    bid, ask = pl.col("yes_bid"), pl.col("yes_ask")
    zero, one = pl.lit(0, DECIMAL_DTYPE), pl.lit(_ONE, DECIMAL_DTYPE)
    quoted = (
        bid.is_not_null() & ask.is_not_null() & (bid >= zero) & (bid <= ask) & (ask <= one) & (ask > zero)
    ).fill_null(False)
    m = m.with_columns(quoted.alias("_quoted"))

    counts = m.group_by("event_ticker").agg((~pl.col("_open")).sum().cast(pl.UInt32).alias("n_not_open"))
    c = m.filter(pl.col("_open"))
    if c.is_empty():
        return pl.DataFrame(schema=SET_SCHEMA)

    # Ladder shape per member: a ladder strike type with the bounds it needs.
    st = pl.col("strike_type").str.to_lowercase()
    has_bounds = (
        pl.when(st == "between").then(pl.col("floor").is_not_null() & pl.col("cap").is_not_null())
        .when(st.is_in(_LOWER_TAILS)).then(pl.col("cap").is_not_null())
        .when(st.is_in(_UPPER_TAILS)).then(pl.col("floor").is_not_null())
        .otherwise(False)
    )
    c = c.with_columns(st.alias("_st"), has_bounds.fill_null(False).alias("_ladder_member"))
    sums = c.group_by("event_ticker").agg(
        pl.len().cast(pl.UInt32).alias("n_markets"),
        pl.col("_quoted").sum().cast(pl.UInt32).alias("n_quoted"),
        bid.filter(pl.col("_quoted")).sum().alias("_sum_bid"),
        ask.filter(pl.col("_quoted")).sum().alias("_sum_ask"),
        (pl.col("family") == "sports_game").fill_null(False).all().alias("_all_game"),
        pl.col("_ladder_member").all().alias("_all_ladder"),
        pl.col("_st").is_in([*_LOWER_TAILS, *_UPPER_TAILS]).fill_null(False).any().alias("_any_tail"),
        pl.col("family").drop_nulls().first().alias("_family"),
        pl.col("series_ticker").drop_nulls().first().alias("_i_series"),
        pl.col("event_title").drop_nulls().first().alias("_i_title"),
        pl.col("ticker").sort().alias("tickers"),
    )
    ladders = _ladder_tiling(c.join(
        sums.filter(pl.col("_all_ladder") & pl.col("_any_tail")).select("event_ticker"), on="event_ticker"))
    s = (
        sums.join(counts, on="event_ticker", how="left")
        .join(_events(events), on="event_ticker", how="left")
        .join(ladders, on="event_ticker", how="left")
    )
    api = pl.col("_e_me")
    is_moneyline = pl.col("_all_game")
    is_ladder = ~is_moneyline & pl.col("_all_ladder") & pl.col("_any_tail")
    tiles = pl.col("_tiles").fill_null(False)
    family_winner = api.is_null() & pl.col("_family").is_in(WINNER_FAMILIES).fill_null(False)
    set_kind = (
        pl.when(is_moneyline).then(pl.lit("moneyline"))
        .when(is_ladder & (tiles | api.fill_null(False))).then(pl.lit("bracket_ladder"))
        .when(~is_ladder & (api.fill_null(False) | family_winner)).then(pl.lit("winner_list"))
    )
    basis = (
        pl.when(is_moneyline).then(pl.lit("moneyline"))
        .when(is_ladder & tiles).then(pl.lit("ladder_tiles"))
        .when(api.fill_null(False)).then(pl.lit("api_mutually_exclusive"))
        .when(family_winner).then(pl.lit("family"))
    )
    exhaustive = (
        pl.when(is_moneyline).then((pl.col("n_markets") >= 2) & (pl.col("n_not_open") == 0))
        .when(is_ladder).then(tiles)
        .otherwise(pl.lit(True))
    )
    s = s.with_columns(set_kind.alias("set_kind"), basis.alias("basis"), exhaustive.alias("exhaustive"))
    s = s.filter(pl.col("set_kind").is_not_null())

    dec = lambda e: e.cast(DECIMAL_DTYPE)  # noqa: E731 - sums come back as Decimal(38,6)
    sb = dec(pl.col("_sum_bid").fill_null(0))
    sa = dec(pl.col("_sum_ask").fill_null(0))
    complete = pl.col("n_quoted") == pl.col("n_markets")
    doubled_dev = (sb + sa - pl.lit(_TWO, DECIMAL_DTYPE)).abs()
    s = s.with_columns(
        pl.col("event_ticker").alias("set_key"),
        pl.coalesce(pl.col("_e_series"), pl.col("_i_series")).alias("series_ticker"),
        pl.coalesce(_blank_to_null(pl.col("_e_title")), pl.col("_i_title")).alias("title"),
        api.alias("api_mutually_exclusive"),
        pl.when(is_ladder & ~tiles).then(pl.col("_issue")).alias("ladder_issue"),
        complete.alias("complete_quotes"),
        sb.alias("sum_yes_bid"),
        sa.alias("sum_yes_ask"),
        dec((sb + sa) / 2).alias("sum_mid"),
        dec(sa - one).alias("overround"),
        dec(one - sb).alias("underround"),
        dec(sa - sb).alias("spread_width"),
        dec((sb + sa) / 2 - one).alias("mid_deviation"),
        pl.when(complete & pl.col("exhaustive")).then(doubled_dev > (sa - sb)).alias("mids_stray"),
    )
    return s.sort("set_key").select([pl.col(c).cast(dt) for c, dt in SET_SCHEMA.items()])


def _ladder_tiling(members: pl.DataFrame) -> pl.DataFrame:
    """Per ladder-shaped event: ``_tiles`` (bool) and ``_issue`` (first place the tiling breaks)."""
    schema = {"event_ticker": pl.String, "_tiles": pl.Boolean, "_issue": pl.String}
    if members.is_empty():
        return pl.DataFrame(schema=schema)
    st, floor, cap = pl.col("_st"), pl.col("floor"), pl.col("cap")

    def decimals(expr: pl.Expr) -> pl.Expr:
        frac = expr.cast(pl.String).str.extract(r"\.(\d*)$", 1).str.strip_chars_end("0")
        return frac.str.len_chars().fill_null(0)

    bound_decimals = pl.max_horizontal(
        pl.when(floor.is_not_null()).then(decimals(floor)), pl.when(cap.is_not_null()).then(decimals(cap))
    )
    m = members.select("event_ticker", "ticker", "_st", "floor", "cap", bound_decimals.alias("_d"))
    m = m.with_columns(
        pl.col("_d").max().over("event_ticker").fill_null(0).clip(0, SCALE)
        .replace_strict(_TICKS, return_dtype=DECIMAL_DTYPE).alias("_tick")
    )
    tick = pl.col("_tick")
    lo = (
        pl.when(st == "between").then(floor)
        .when(st == "greater").then(floor + tick)
        .when(st == "greater_or_equal").then(floor)
    )
    hi = (
        pl.when(st == "between").then(cap)
        .when(st == "less").then(cap - tick)
        .when(st == "less_or_equal").then(cap)
    )
    m = m.with_columns(lo.cast(DECIMAL_DTYPE).alias("_lo"), hi.cast(DECIMAL_DTYPE).alias("_hi"))
    m = m.sort(["event_ticker", "_lo", "_hi"], nulls_last=[False, False, True])
    lo_c, hi_c = pl.col("_lo"), pl.col("_hi")
    prev_hi = hi_c.shift(1).over("event_ticker")
    first = pl.int_range(pl.len()).over("event_ticker") == 0
    gap = (lo_c - prev_hi).cast(DECIMAL_DTYPE)
    text = lambda e: e.cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")  # noqa: E731
    step_issue = (
        pl.when(first).then(None)
        .when(lo_c.is_null()).then(pl.lit("more than one lower tail"))
        .when(prev_hi.is_null()).then(pl.lit("the upper tail is not the top of the ladder"))
        .when(gap > tick).then(pl.lit("gap between ") + text(prev_hi) + " and " + text(lo_c))
        .when(gap < tick).then(pl.lit("overlap: ") + text(lo_c) + " starts before " + text(prev_hi) + " ends")
    )
    inverted = pl.when(lo_c.is_not_null() & hi_c.is_not_null() & (lo_c > hi_c)).then(
        pl.lit("empty bracket ") + pl.col("ticker"))
    m = m.with_columns(pl.coalesce(inverted, step_issue).alias("_row_issue"))
    out = m.group_by("event_ticker").agg(
        lo_c.is_null().sum().alias("_n_low"),
        hi_c.is_null().sum().alias("_n_high"),
        pl.col("_row_issue").drop_nulls().first().alias("_first_issue"),
    )
    issue = pl.coalesce(
        pl.when(pl.col("_n_low") == 0).then(pl.lit("no lower tail")),
        pl.when(pl.col("_n_high") == 0).then(pl.lit("no upper tail")),
        pl.when(pl.col("_n_high") > 1).then(pl.lit("more than one upper tail")),
        pl.col("_first_issue"),
    )
    return out.select("event_ticker", issue.is_null().alias("_tiles"), issue.alias("_issue"))
