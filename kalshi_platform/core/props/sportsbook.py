"""The Odds API v4 event odds (player props) -> one row per book, player, market, side and line.

A response of ``GET /v4/sports/{sport}/events/{id}/odds?markets=player_points,...&oddsFormat=american``
is one event with ``bookmakers[].markets[].outcomes[]``; an outcome is
``{"name": "Over", "description": "Ben Simmons", "price": 110, "point": 7.5}`` (description = the
player, price = American odds, point = the line). Everything sent is kept: the known fields as
columns, the outcome as sent (plus any field this parser does not know, at any level) as ``raw_json``.

What cannot be read becomes a reject row, never a silent loss: an event without id or teams, a
bookmaker or market of the wrong shape, an outcome whose side, player, price (American odds must be a
whole number <= -100 or >= +100) or line is unusable, and a second outcome for the same book, player,
market, side and line (The Odds API sometimes lists a line twice, e.g. Caesars in the recorded
BKN-TOR payload; the first is kept).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import orjson
import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.props.names import lookup_column
from kalshi_platform.core.props.odds import implied_probability_expr
from kalshi_platform.core.props.teams import eastern_date, team_code, yymmmdd
from kalshi_platform.core.rejects import REJECT_SCHEMA, make_reject, rejects_frame
from kalshi_platform.core.timeutil import TimeParseError, parse_ts

# The Odds API market key -> stat name, and the Kalshi series of the same stat.
MARKET_STATS: dict[str, str] = {
    "player_points": "points",
    "player_rebounds": "rebounds",
    "player_assists": "assists",
    "player_threes": "threes",
    "player_blocks": "blocks",
    "player_steals": "steals",
}
PROP_MARKETS = tuple(MARKET_STATS)
SIDES = ("Over", "Under")

_EVENT_KEYS = {"id", "sport_key", "sport_title", "commence_time", "home_team", "away_team", "bookmakers"}
_BOOK_KEYS = {"key", "title", "last_update", "markets"}
_MARKET_KEYS = {"key", "last_update", "outcomes"}
_OUTCOME_KEYS = {"name", "description", "price", "point"}

SPORTSBOOK_PROPS_SCHEMA: dict[str, pl.DataType] = {
    "game_date": pl.Date(),
    "game_id": pl.String(),
    "event_id": pl.String(),
    "sport_key": pl.String(),
    "commence_time": pl.Datetime("us", "UTC"),
    "home_team": pl.String(),
    "away_team": pl.String(),
    "home_code": pl.String(),
    "away_code": pl.String(),
    "bookmaker": pl.String(),
    "bookmaker_title": pl.String(),
    "bookmaker_last_update": pl.Datetime("us", "UTC"),
    "market": pl.String(),
    "stat": pl.String(),
    "player_name": pl.String(),
    "player_lookup": pl.String(),
    "side": pl.String(),
    "point": DECIMAL_DTYPE,
    "price_american": pl.Int32(),
    "implied_prob": pl.Float64(),
    "last_update": pl.Datetime("us", "UTC"),
    "raw_json": pl.String(),
    "fetched_at": pl.Datetime("us", "UTC"),
    "batch_id": pl.String(),
}
NATURAL_KEY = ("event_id", "bookmaker", "market", "player_name", "side", "point")

# Columns filled per outcome while walking the payload (the rest come from the event, or derive).
_ROW_FIELDS = ("event", "bookmaker", "bookmaker_title", "bookmaker_last_update", "market", "player_name", "side",
               "point", "price_american", "last_update", "raw_json")


@dataclass
class PropsParse:
    rows: pl.DataFrame
    rejects: pl.DataFrame
    events: int
    outcomes_seen: int


class _Bad(ValueError):
    pass


def _time(value, what: str) -> datetime:
    try:
        return parse_ts(value, field=what)
    except TimeParseError as exc:
        raise _Bad(str(exc)) from None


def _optional_time(value, what: str) -> datetime | None:
    return None if value is None else _time(value, what)


def _point(value) -> Decimal:
    # JSON numbers arrive as int/float; str() of a float is its shortest exact-looking repr (7.5 -> '7.5').
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Bad(f"point {value!r} is not a number")
    try:
        point = Decimal(str(value))
    except InvalidOperation:
        raise _Bad(f"point {value!r} is not a number") from None
    if not point.is_finite() or point < 0 or point >= 10_000:
        raise _Bad(f"point {value!r} is outside the range of a stat line")
    return point


def _price(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise _Bad(f"price {value!r} is not whole American odds (request oddsFormat=american)")
    if -100 < value < 100:
        raise _Bad(f"price {value} is not American odds (they are <= -100 or >= +100)")
    return value


def _dump(obj) -> str:
    try:
        return orjson.dumps(obj).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. an integer wider than 64 bits: the slow path copes
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str)


def _extra(obj: dict, known: set[str]) -> dict:
    return {k: v for k, v in obj.items() if k not in known}


def parse_event_odds(
    payloads: list,
    *,
    fetched_at: datetime,
    batch_id: str,
    source: str = "odds_api GET /v4/sports/basketball_nba/events/{id}/odds",
) -> PropsParse:
    """Event odds payloads -> ``raw.sportsbook_props`` rows and reject rows."""
    rejects: list[dict] = []
    events: list[dict] = []
    outcomes = {f: [] for f in _ROW_FIELDS}
    seen: set[tuple] = set()
    n_outcomes = 0

    def reject(kind: str, reason: str, body, key: str | None = None) -> None:
        text = body if isinstance(body, str) else json.dumps(body, sort_keys=True, default=str)
        rejects.append(make_reject(source=source, kind=kind, reason=reason, body=text, fetched_at=fetched_at,
                                   batch_id=batch_id, natural_key=key))

    for payload in payloads:
        if not isinstance(payload, dict):
            reject("event_odds", f"expected an event object, got {type(payload).__name__}", payload)
            continue
        event_id = payload.get("id")
        try:
            if not isinstance(event_id, str) or not event_id:
                raise _Bad("event has no id")
            commence = _time(payload.get("commence_time"), "commence_time")
            home, away = payload.get("home_team"), payload.get("away_team")
            if not isinstance(home, str) or not isinstance(away, str):
                raise _Bad("event has no home_team/away_team")
            books = payload.get("bookmakers")
            if not isinstance(books, list):
                raise _Bad("bookmakers is not a list")
        except _Bad as exc:
            summary = {k: v for k, v in payload.items() if k != "bookmakers"}
            reject("event_odds", str(exc), summary, event_id if isinstance(event_id, str) else None)
            continue
        home_code, away_code = team_code(home), team_code(away)
        game_day = eastern_date(commence)
        if home_code is None or away_code is None:
            unknown = [t for t, c in ((home, home_code), (away, away_code)) if c is None]
            reject("event", f"unknown NBA team name(s) {unknown}: rows kept without a game_id",
                   {k: v for k, v in payload.items() if k != "bookmakers"}, event_id)
        event_index = len(events)
        events.append({
            "event_id": event_id,
            "sport_key": payload.get("sport_key"),
            "commence_time": commence,
            "home_team": home,
            "away_team": away,
            "home_code": home_code,
            "away_code": away_code,
            "game_date": game_day,
            "game_id": f"{yymmmdd(game_day)}{away_code}{home_code}" if home_code and away_code else None,
        })
        event_extra = _extra(payload, _EVENT_KEYS)

        for book in books:
            try:
                if not isinstance(book, dict) or not isinstance(book.get("key"), str):
                    raise _Bad("bookmaker without a key")
                markets = book.get("markets")
                if not isinstance(markets, list):
                    raise _Bad("bookmaker markets is not a list")
                book_update = _optional_time(book.get("last_update"), "bookmaker last_update")
            except _Bad as exc:
                reject("bookmaker", str(exc), book, event_id)
                continue
            book_key, book_title = book["key"], book.get("title")
            book_extra = _extra(book, _BOOK_KEYS)
            for market in markets:
                try:
                    if not isinstance(market, dict) or market.get("key") not in MARKET_STATS:
                        key = market.get("key") if isinstance(market, dict) else None
                        raise _Bad(f"market {key!r} is not a player prop market this platform reads")
                    items = market.get("outcomes")
                    if not isinstance(items, list):
                        raise _Bad("market outcomes is not a list")
                    market_update = _time(market.get("last_update"), "market last_update")
                except _Bad as exc:
                    reject("market", str(exc), market, f"{event_id}/{book_key}")
                    continue
                market_key = market["key"]
                market_extra = _extra(market, _MARKET_KEYS)
                for outcome in items:
                    n_outcomes += 1
                    try:
                        if not isinstance(outcome, dict):
                            raise _Bad("outcome is not an object")
                        side = outcome.get("name")
                        if side not in SIDES:
                            raise _Bad(f"outcome name {side!r} is not Over or Under")
                        player = outcome.get("description")
                        if not isinstance(player, str) or not player.strip():
                            raise _Bad("outcome has no player (description)")
                        price = _price(outcome.get("price"))
                        point = _point(outcome.get("point"))
                    except _Bad as exc:
                        reject("outcome", str(exc), outcome, f"{event_id}/{book_key}/{market_key}")
                        continue
                    key = (event_id, book_key, market_key, player, side, point)
                    if key in seen:
                        reject("outcome", "duplicate outcome for this book, player, market, side and line "
                                          "(the first one listed is kept)",
                               {"bookmaker": book_key, "market": market_key, "outcome": outcome},
                               f"{event_id}/{book_key}/{market_key}")
                        continue
                    seen.add(key)
                    raw = {"bookmaker": book_key, "market": market_key, "outcome": outcome}
                    if event_extra:
                        raw["event_extra"] = event_extra
                    if book_extra:
                        raw["bookmaker_extra"] = book_extra
                    if market_extra:
                        raw["market_extra"] = market_extra
                    outcomes["event"].append(event_index)
                    outcomes["bookmaker"].append(book_key)
                    outcomes["bookmaker_title"].append(book_title if isinstance(book_title, str) else None)
                    outcomes["bookmaker_last_update"].append(book_update)
                    outcomes["market"].append(market_key)
                    outcomes["player_name"].append(player)
                    outcomes["side"].append(side)
                    outcomes["point"].append(point)
                    outcomes["price_american"].append(price)
                    outcomes["last_update"].append(market_update)
                    outcomes["raw_json"].append(_dump(raw))

    rows = _frame(outcomes, events, fetched_at, batch_id)
    rej = rejects_frame(rejects) if rejects else pl.DataFrame(schema=REJECT_SCHEMA)
    return PropsParse(rows=rows, rejects=rej, events=len(events), outcomes_seen=n_outcomes)


def _frame(outcomes: dict[str, list], events: list[dict], fetched_at: datetime, batch_id: str) -> pl.DataFrame:
    if not outcomes["event"]:
        return pl.DataFrame(schema=SPORTSBOOK_PROPS_SCHEMA)
    ts = pl.Datetime("us", "UTC")
    body = pl.DataFrame(
        {
            "event": pl.Series(outcomes["event"], dtype=pl.Int64),
            "bookmaker": pl.Series(outcomes["bookmaker"], dtype=pl.String),
            "bookmaker_title": pl.Series(outcomes["bookmaker_title"], dtype=pl.String),
            "bookmaker_last_update": pl.Series(outcomes["bookmaker_last_update"], dtype=ts),
            "market": pl.Series(outcomes["market"], dtype=pl.String),
            "player_name": pl.Series(outcomes["player_name"], dtype=pl.String),
            "side": pl.Series(outcomes["side"], dtype=pl.String),
            "point": pl.Series(outcomes["point"], dtype=DECIMAL_DTYPE),
            "price_american": pl.Series(outcomes["price_american"], dtype=pl.Int32),
            "last_update": pl.Series(outcomes["last_update"], dtype=ts),
            "raw_json": pl.Series(outcomes["raw_json"], dtype=pl.String),
        }
    )
    event_frame = pl.DataFrame(
        events,
        schema={
            "event_id": pl.String, "sport_key": pl.String, "commence_time": ts, "home_team": pl.String,
            "away_team": pl.String, "home_code": pl.String, "away_code": pl.String, "game_date": pl.Date,
            "game_id": pl.String,
        },
    ).with_row_index("event", offset=0).with_columns(pl.col("event").cast(pl.Int64))
    frame = body.join(event_frame, on="event", how="left").drop("event")
    frame = frame.with_columns(
        pl.col("market").replace_strict(MARKET_STATS, default=None, return_dtype=pl.String).alias("stat"),
        implied_probability_expr(pl.col("price_american")).alias("implied_prob"),
        pl.lit(fetched_at).cast(ts).alias("fetched_at"),
        pl.lit(batch_id, dtype=pl.String).alias("batch_id"),
    )
    frame = lookup_column(frame, "player_name")
    return frame.select(list(SPORTSBOOK_PROPS_SCHEMA))


EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "sport_key": pl.String(),
    "commence_time": pl.Datetime("us", "UTC"),
    "home_team": pl.String(),
    "away_team": pl.String(),
    "home_code": pl.String(),
    "away_code": pl.String(),
    "game_date": pl.Date(),
    "game_id": pl.String(),
    "raw_json": pl.String(),
    "fetched_at": pl.Datetime("us", "UTC"),
    "batch_id": pl.String(),
}


def parse_events(
    items: list,
    *,
    fetched_at: datetime,
    batch_id: str,
    source: str = "odds_api GET /v4/sports/basketball_nba/events",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events list (live and upcoming games, no odds) -> ``raw.sportsbook_events`` rows and rejects.

    It tells the tip-off of every game the books know, including games already under way, whose props
    the books have pulled: those are no longer compared.
    """
    rows, rejects = [], []
    for item in items:
        try:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise _Bad("event without an id")
            commence = _time(item.get("commence_time"), "commence_time")
            home, away = item.get("home_team"), item.get("away_team")
            if not isinstance(home, str) or not isinstance(away, str):
                raise _Bad("event has no home_team/away_team")
        except _Bad as exc:
            rejects.append(make_reject(source=source, kind="event", reason=str(exc),
                                       body=json.dumps(item, default=str), fetched_at=fetched_at, batch_id=batch_id,
                                       natural_key=item.get("id") if isinstance(item, dict) else None))
            continue
        home_code, away_code = team_code(home), team_code(away)
        day = eastern_date(commence)
        if home_code is None or away_code is None:
            rejects.append(make_reject(source=source, kind="event", reason="unknown NBA team name(s): kept without "
                                       "a game_id", body=json.dumps(item), fetched_at=fetched_at, batch_id=batch_id,
                                       natural_key=item["id"]))
        rows.append({
            "event_id": item["id"], "sport_key": item.get("sport_key"), "commence_time": commence,
            "home_team": home, "away_team": away, "home_code": home_code, "away_code": away_code, "game_date": day,
            "game_id": f"{yymmmdd(day)}{away_code}{home_code}" if home_code and away_code else None,
            "raw_json": json.dumps(item, separators=(",", ":"), ensure_ascii=False),
            "fetched_at": fetched_at, "batch_id": batch_id,
        })
    frame = pl.DataFrame(rows, schema=EVENTS_SCHEMA) if rows else pl.DataFrame(schema=EVENTS_SCHEMA)
    rej = rejects_frame(rejects) if rejects else pl.DataFrame(schema=REJECT_SCHEMA)
    return frame, rej


def game_dates(rows: pl.DataFrame) -> list[date]:
    return sorted(rows.get_column("game_date").unique().drop_nulls().to_list()) if rows.height else []
