"""The Odds API v4 on the embedded exchange: NBA events, player prop odds from several books, scores.

Wire format as recorded from the live API (``../shared/data/real/sportsbook``):
``GET /v4/sports/basketball_nba/events`` -> ``[{id, sport_key, sport_title, commence_time, home_team,
away_team}]``; ``GET /v4/sports/basketball_nba/events/{id}/odds?markets=player_points,...
&regions=us&oddsFormat=american&apiKey=...`` -> the event plus ``bookmakers[{key, title, markets[{key,
last_update, outcomes[{name: Over|Under, description: player, price, point}]}]}]``;
``GET /v4/sports/basketball_nba/scores``; the historical snapshots ``GET /v4/historical/sports/
basketball_nba/events?date=...`` and ``.../events/{id}/odds?date=...`` wrap the same bodies as
``{timestamp, previous_timestamp, next_timestamp, data}``: the snapshot at or before ``date`` (taken
every 5 minutes, as documented since Sep 2022), showing what the live route answered at that moment
(so a settled game's pre-tip lines can be replayed). The key goes in the ``apiKey`` query parameter: missing ->
401 MISSING_KEY, malformed -> 401 INVALID_KEY (the sandbox accepts any key of letters, digits, ``-``
and ``_``), quota used up -> 401 OUT_OF_USAGE_CREDITS; every other answer carries the quota headers
``x-requests-remaining``, ``x-requests-used``, ``x-requests-last``. An event-odds call costs (markets
with data) x (regions), as the real API counts it; listing events is free; a historical event-odds
call costs 10 times the live price, a historical events list 1 (0 when it lists nothing).

The books price the same players as Kalshi's ladders (``worlds.nba_league``): each book's view of a
player's mean is the truth moved by an error common to the market (which drifts from the morning
line to the closing line) plus the book's own, its main line is the half point nearest its median,
and its margin is applied its own way (power or proportional), rounded as the book rounds. Props are
posted 24 hours before tip-off and pulled at tip-off; finished games are no longer found. Some books
list alternate lines, and Caesars now and then lists a line twice, as the recorded payload shows.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from kalshi_platform.core.props.distribution import count_pmf
from kalshi_platform.sandbox import rng
from kalshi_platform.sandbox.routes import ApiError, Context, Reply, Route
from kalshi_platform.sandbox.wire import dumps, rfc3339
from kalshi_platform.sandbox.worlds.nba_league import FULL, NbaGame, PlayerGame, game_players, nba_schedule

SPORT = "basketball_nba"
SPORT_TITLE = "NBA"
PROP_MARKETS = {
    "player_points": "points",
    "player_rebounds": "rebounds",
    "player_assists": "assists",
    "player_threes": "threes",
    "player_blocks": "blocks",
    "player_steals": "steals",
}
# Real markets the sandbox does not simulate: accepted, answered with no data.
OTHER_MARKETS = frozenset({"h2h", "spreads", "totals", "outrights", "h2h_lay", "player_points_rebounds_assists",
                           "player_double_double", "player_first_basket", "player_turnovers"})
REGIONS = ("us", "us2", "uk", "eu", "au")
DETAILS_URL = "https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html"
STARTING_QUOTA = 20_000
POST_BEFORE_TIP_S = 24 * 3600
BUCKET_S = 600  # books re-price every ten minutes
EVENTS_AHEAD_S = 7 * 86400  # the schedule the service lists: live games and the coming week
SNAPSHOT_S = 300  # historical snapshots every five minutes
HISTORICAL_COST_FACTOR = 10  # a historical odds call costs ten live ones
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Book:
    key: str
    title: str
    region: str
    margin: float  # overround of a two-way prop (0.065 -> about -116/-116 at even money)
    method: str  # how the margin is applied: power | proportional
    step: int  # American odds are rounded to this (DraftKings prices in fives)
    alternates: bool  # lists alternate lines besides the main one
    coverage: float  # share of the listed props this book offers


BOOKS: tuple[Book, ...] = (
    Book("draftkings", "DraftKings", "us", 0.065, "power", 5, False, 1.0),
    Book("fanduel", "FanDuel", "us", 0.060, "proportional", 1, False, 1.0),
    Book("betmgm", "BetMGM", "us", 0.070, "power", 5, False, 0.95),
    Book("williamhill_us", "Caesars", "us", 0.065, "proportional", 1, False, 0.95),
    Book("betrivers", "BetRivers", "us", 0.075, "power", 1, True, 0.85),
    Book("bovada", "Bovada", "us", 0.070, "proportional", 5, False, 0.80),
    Book("betonlineag", "BetOnline.ag", "us", 0.050, "power", 1, False, 0.75),
    Book("mybookieag", "MyBookie.ag", "us", 0.080, "proportional", 5, False, 0.70),
    Book("espnbet", "ESPN BET", "us2", 0.070, "power", 5, False, 0.85),
    Book("fliff", "Fliff", "us2", 0.080, "proportional", 1, True, 0.60),
)
_STAT_INDEX = {stat: i for i, stat in enumerate(PROP_MARKETS.values())}


def _error(status: int, code: str, message: str) -> ApiError:
    body = dumps({"message": message, "error_code": code, "details_url": DETAILS_URL})
    return ApiError(status, code, message, body=body)


class OddsApi:
    """The Odds API v4 routes over one world; quota is kept per API key, as the real service does."""

    def __init__(self, world) -> None:
        self.seed = world.seed
        self.schedule = nba_schedule(world.seed, world.anchor_ts, world.scale)
        self.games = self.schedule.by_event_id()
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        base = "/v4/sports/{sport}"
        return [
            Route("GET", "/v4/sports", self.sports, name="odds_api sports", api="odds_api", rate_limited=False),
            Route("GET", f"{base}/events", self.events, name="odds_api events", api="odds_api", rate_limited=False),
            Route("GET", f"{base}/events/{{event_id}}/odds", self.event_odds, name="odds_api event odds",
                  api="odds_api", rate_limited=False),
            Route("GET", f"{base}/scores", self.scores, name="odds_api scores", api="odds_api", rate_limited=False),
            Route("GET", "/v4/historical/sports/{sport}/events", self.historical_events,
                  name="odds_api historical events", api="odds_api", rate_limited=False),
            Route("GET", "/v4/historical/sports/{sport}/events/{event_id}/odds", self.historical_event_odds,
                  name="odds_api historical event odds", api="odds_api", rate_limited=False),
        ]

    # -- quota and auth ----------------------------------------------------------------------
    def quota(self, key: str) -> dict[str, int]:
        with self._lock:
            used = self._used.get(key, 0)
        return {"used": used, "remaining": STARTING_QUOTA - used}

    def _key(self, ctx: Context) -> str:
        key = ctx.arg("apiKey")
        if not key:
            raise _error(401, "MISSING_KEY", "API key is missing. Get an API key at https://the-odds-api.com")
        if not _KEY.match(key):
            raise _error(401, "INVALID_KEY", "API key is not valid. Get an API key at https://the-odds-api.com")
        return key

    def _charge(self, key: str, cost: int) -> dict[str, str]:
        with self._lock:
            used = self._used.get(key, 0)
            if used + cost > STARTING_QUOTA:
                raise _error(401, "OUT_OF_USAGE_CREDITS",
                             "Usage quota has been reached. Visit https://the-odds-api.com to upgrade your plan")
            used += cost
            self._used[key] = used
        return {"x-requests-remaining": str(STARTING_QUOTA - used), "x-requests-used": str(used),
                "x-requests-last": str(cost)}

    @staticmethod
    def _sport(ctx: Context) -> None:
        if ctx.params.get("sport") != SPORT:
            raise _error(404, "UNKNOWN_SPORT", f"Unknown sport {ctx.params.get('sport')!r}")

    # -- routes ------------------------------------------------------------------------------
    def sports(self, ctx: Context) -> Reply:
        key = self._key(ctx)
        body = [{"key": SPORT, "group": "Basketball", "title": SPORT_TITLE, "description": "US Basketball",
                 "active": True, "has_outrights": False}]
        return Reply(body, headers=self._charge(key, 0))

    def events(self, ctx: Context) -> Reply:
        key = self._key(ctx)
        self._sport(ctx)
        now = ctx.now_us // 1_000_000
        lo = _instant_arg(ctx, "commenceTimeFrom")
        hi = _instant_arg(ctx, "commenceTimeTo")
        wanted = _list_arg(ctx, "eventIds")
        unix = _date_format(ctx)
        out = self._listed_heads(now, lo, hi, wanted, unix)
        return Reply(out, headers=self._charge(key, 0))

    def _listed_heads(self, at: int, lo: int | None, hi: int | None, wanted: list[str], unix: bool) -> list[dict]:
        out = []
        for game in sorted(self.schedule.games, key=lambda g: (g.start_ts, g.event_id)):
            if not _listed(game, at):
                continue
            if (lo is not None and game.start_ts < lo) or (hi is not None and game.start_ts > hi):
                continue
            if wanted and game.event_id not in wanted:
                continue
            out.append(self._event_head(game, unix))
        return out

    def event_odds(self, ctx: Context) -> Reply:
        key = self._key(ctx)
        self._sport(ctx)
        now = ctx.now_us // 1_000_000
        game = self._game(ctx, now)
        body, cost = self._event_odds_body(ctx, game, now)
        return Reply(body, headers=self._charge(key, cost))

    def _game(self, ctx: Context, at: int) -> NbaGame:
        game = self.games.get(ctx.params["event_id"])
        if game is None or not _listed(game, at):
            raise _error(404, "EVENT_NOT_FOUND",
                         "Event not found. The event may have expired or the event id is invalid.")
        return game

    def _event_odds_body(self, ctx: Context, game: NbaGame, at: int) -> tuple[dict, int]:
        """The event's odds as the books showed them at ``at`` and the live cost of the request."""
        markets = _list_arg(ctx, "markets") or ["h2h"]
        unknown = [m for m in markets if m not in PROP_MARKETS and m not in OTHER_MARKETS]
        if unknown:
            raise _error(422, "INVALID_MARKET", f"Invalid markets: {','.join(unknown)}")
        books = self._books(ctx)
        odds_format = (ctx.arg("oddsFormat") or "decimal").lower()
        if odds_format not in ("american", "decimal"):
            raise _error(422, "INVALID_ODDS_FORMAT", "Invalid oddsFormat. Use decimal or american")
        regions = len({b.region for b in books}) if not _list_arg(ctx, "bookmakers") else -(-len(books) // 10)
        body = self._event_head(game, _date_format(ctx))
        body["bookmakers"] = self._bookmakers(game, books, [m for m in markets if m in PROP_MARKETS], at,
                                              odds_format)
        returned = {m["key"] for b in body["bookmakers"] for m in b["markets"]}
        return body, len(returned) * regions

    # -- historical snapshots ----------------------------------------------------------------
    def _snapshot_offset(self) -> int:
        # Snapshots are taken a few seconds past each five-minute mark (22:35:39, 22:40:39 in the docs).
        return int(rng.uniform(self.seed, rng.tag("odds_snapshot_offset"), 0)[0] * 60)

    def _snapshot_at_or_before(self, t: int) -> int:
        off = self._snapshot_offset()
        return (t - off) // SNAPSHOT_S * SNAPSHOT_S + off

    def _snapshot(self, ctx: Context) -> tuple[int, int, int | None]:
        """(snapshot, previous, next or None): the newest snapshot at or before ``date``; none is taken
        after the clock, so a later date gets the latest one."""
        raw = ctx.arg("date")
        if not raw:
            raise _error(422, "MISSING_HISTORICAL_TIMESTAMP",
                         "Missing date parameter. Specify a timestamp in ISO8601 format, e.g. 2021-10-18T12:00:00Z")
        try:
            at = int(datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC).timestamp())
        except ValueError:
            raise _error(422, "INVALID_HISTORICAL_TIMESTAMP",
                         "Invalid date parameter, expected ISO8601 format YYYY-MM-DDTHH:MM:SSZ") from None
        latest = self._snapshot_at_or_before(ctx.now_us // 1_000_000)
        ts = min(self._snapshot_at_or_before(at), latest)
        nxt = ts + SNAPSHOT_S
        return ts, ts - SNAPSHOT_S, nxt if nxt <= latest else None

    @staticmethod
    def _wrap(ts: int, previous: int, nxt: int | None, data, unix: bool) -> dict:
        stamp = (lambda t: t) if unix else rfc3339
        return {"timestamp": stamp(ts), "previous_timestamp": stamp(previous),
                "next_timestamp": None if nxt is None else stamp(nxt), "data": data}

    def historical_events(self, ctx: Context) -> Reply:
        key = self._key(ctx)
        self._sport(ctx)
        ts, previous, nxt = self._snapshot(ctx)
        unix = _date_format(ctx)
        out = self._listed_heads(ts, _instant_arg(ctx, "commenceTimeFrom"), _instant_arg(ctx, "commenceTimeTo"),
                                 _list_arg(ctx, "eventIds"), unix)
        return Reply(self._wrap(ts, previous, nxt, out, unix), headers=self._charge(key, 1 if out else 0))

    def historical_event_odds(self, ctx: Context) -> Reply:
        key = self._key(ctx)
        self._sport(ctx)
        ts, previous, nxt = self._snapshot(ctx)
        game = self._game(ctx, ts)  # the event must be listed at the snapshot
        body, cost = self._event_odds_body(ctx, game, ts)
        # Historical snapshots also stamp each bookmaker with its newest update.
        body["bookmakers"] = [
            {"key": b["key"], "title": b["title"], "last_update": max(m["last_update"] for m in b["markets"]),
             "markets": b["markets"]}
            for b in body["bookmakers"]
        ]
        return Reply(self._wrap(ts, previous, nxt, body, _date_format(ctx)),
                     headers=self._charge(key, HISTORICAL_COST_FACTOR * cost))

    def scores(self, ctx: Context) -> Reply:
        key = self._key(ctx)
        self._sport(ctx)
        now = ctx.now_us // 1_000_000
        days_from = ctx.int_arg("daysFrom", 0, lo=0, hi=3)
        unix = _date_format(ctx)
        out = []
        for game in sorted(self.schedule.games, key=lambda g: (g.start_ts, g.event_id)):
            completed = now >= game.end_ts
            if completed and game.end_ts < now - days_from * 86400 or (not days_from and completed):
                continue
            if game.start_ts > now + 2 * 86400:
                continue
            head = self._event_head(game, unix)
            head["completed"] = completed
            started = now >= game.start_ts
            # A game in progress shows the share of its final score played so far.
            played = 1.0 if completed else (now - game.start_ts) / (game.end_ts - game.start_ts)
            head["scores"] = (
                [{"name": FULL[game.home], "score": str(int(game.home_score * played))},
                 {"name": FULL[game.away], "score": str(int(game.away_score * played))}]
                if started else None
            )
            head["last_update"] = (rfc3339(min(now, game.end_ts)) if not unix else min(now, game.end_ts)) \
                if started else None
            out.append({k: head[k] for k in ("id", "sport_key", "sport_title", "commence_time", "completed",
                                             "home_team", "away_team", "scores", "last_update")})
        return Reply(out, headers=self._charge(key, 2 if days_from else 1))

    # -- payload -----------------------------------------------------------------------------
    @staticmethod
    def _event_head(game: NbaGame, unix: bool) -> dict:
        return {
            "id": game.event_id,
            "sport_key": SPORT,
            "sport_title": SPORT_TITLE,
            "commence_time": game.start_ts if unix else rfc3339(game.start_ts),
            "home_team": FULL[game.home],
            "away_team": FULL[game.away],
        }

    @staticmethod
    def _books(ctx: Context) -> list[Book]:
        named = _list_arg(ctx, "bookmakers")
        if named:
            return [b for b in BOOKS if b.key in named]
        regions = _list_arg(ctx, "regions")
        if not regions:
            raise _error(422, "MISSING_REGION", "Missing regions or bookmakers parameter")
        bad = [r for r in regions if r not in REGIONS]
        if bad:
            raise _error(422, "INVALID_REGION", f"Invalid regions: {','.join(bad)}")
        return [b for b in BOOKS if b.region in regions]

    def _bookmakers(self, game: NbaGame, books: list[Book], markets: list[str], now: int, odds_format: str) -> list:
        if not markets or not books or now >= game.start_ts or now < game.start_ts - POST_BEFORE_TIP_S:
            return []  # not posted yet, or pulled at tip-off
        bucket = now // BUCKET_S * BUCKET_S
        # How far the market has moved from its morning view to its closing view.
        drift = min(1.0, max(0.0, (bucket - (game.start_ts - POST_BEFORE_TIP_S)) / POST_BEFORE_TIP_S))
        stats_wanted = {PROP_MARKETS[m] for m in markets}
        lines = [pl for pl in game_players(self.seed, game) if pl.books and pl.stat in stats_wanted]
        g = rng.str_hash(game.code)
        order = np.argsort(rng.uniform(self.seed, rng.tag("odds_book_order"), g, np.arange(len(books))))
        ordered = [books[int(i)] for i in order]
        offered = [(book, line) for book in ordered for line in lines if self._offers(game, book, line)]
        if not offered:
            return []
        # One distribution per (book, player, stat): the book's view of the mean.
        mus = np.array([self._view(game, book, line, drift) for book, line in offered])
        over = np.clip(1.0 - np.cumsum(count_pmf(79, mus, [line.dispersion for _, line in offered]), axis=1), 0, 1)
        quoted: dict[tuple[str, str], list[dict]] = {}
        for (book, line), sf in zip(offered, over, strict=True):
            quoted.setdefault((book.key, line.stat), []).extend(
                self._outcomes(game, book, line, sf, bucket, odds_format))
        out = []
        for book in ordered:
            book_markets = []
            for market in markets:
                stat = PROP_MARKETS.get(market)
                outcomes = quoted.get((book.key, stat)) if stat else None
                if outcomes:
                    offset = int(rng.uniform(self.seed, rng.tag("odds_update"), g, rng.str_hash(book.key),
                                             _STAT_INDEX[stat], bucket)[0] * (BUCKET_S - 1))
                    # The book last re-priced this market some minutes before the current ten-minute mark.
                    book_markets.append({"key": market, "last_update": rfc3339(bucket - offset),
                                         "outcomes": outcomes})
            if book_markets:
                out.append({"key": book.key, "title": book.title, "markets": book_markets})
        return out

    def _offers(self, game: NbaGame, book: Book, line: PlayerGame) -> bool:
        coverage = book.coverage * (0.7 if line.stat in ("blocks", "steals") else 1.0)
        u = rng.uniform(self.seed, rng.tag("odds_cover"), rng.str_hash(game.code), rng.str_hash(line.player.name),
                        _STAT_INDEX[line.stat], rng.str_hash(book.key))[0]
        return bool(u < coverage)

    def _view(self, game: NbaGame, book: Book, line: PlayerGame, drift: float) -> float:
        """The book's mean for the player: the truth moved by the market's error (morning view drifting
        to the closing view) and the book's own."""
        g, p_hash, s = rng.str_hash(game.code), rng.str_hash(line.player.name), _STAT_INDEX[line.stat]
        e_open, e_close = rng.normal(self.seed, rng.tag("odds_view"), g, p_hash, s, np.arange(2)) * 0.07
        e_book = rng.normal(self.seed, rng.tag("odds_book_view"), g, p_hash, s, rng.str_hash(book.key))[0] * 0.015
        return line.mu * float(np.exp(e_open * (1 - drift) + e_close * drift + e_book))

    def _outcomes(self, game: NbaGame, book: Book, line: PlayerGame, sf: np.ndarray, bucket: int,
                  odds_format: str) -> list[dict]:
        """Over/under pairs of a book's main line (the half point nearest its median) and alternates."""
        g, p_hash, b_hash = rng.str_hash(game.code), rng.str_hash(line.player.name), rng.str_hash(book.key)
        s = _STAT_INDEX[line.stat]
        main = int(np.argmin(np.abs(sf - 0.5)))
        offsets = [0]
        if book.alternates:
            offsets = [-2, -1, 0, 1, 2] if line.stat == "points" else [-1, 0, 1]
        name = self._spelling(book, line)
        out = []
        for k, off in enumerate(offsets):
            point_k = main + off
            if point_k < 0 or point_k >= len(sf) or not 0.04 <= sf[point_k] <= 0.96:
                continue
            jitter = rng.normal(self.seed, rng.tag("odds_jitter"), g, p_hash, s, b_hash, bucket, k)[0] * 0.012
            p = float(np.clip(sf[point_k] + jitter, 0.03, 0.97))
            over, under = _vig(p, book.margin, book.method)
            pair = [("Over", over), ("Under", under)]
            out.extend(_outcome(side, name, q, point_k + 0.5, book.step, odds_format) for side, q in pair)
            # Caesars' feed sometimes repeats a line with other prices (see the recorded BKN-TOR payload).
            if book.key == "williamhill_us" and off == 0 and \
                    rng.uniform(self.seed, rng.tag("odds_dup"), g, p_hash, s, bucket)[0] < 0.05:
                out.extend(_outcome(side, name, min(0.97, q * 1.02), point_k + 0.5, book.step, odds_format)
                           for side, q in pair)
        return out

    def _spelling(self, book: Book, line: PlayerGame) -> str:
        """Books mostly print their own spelling (no accents, no suffix, a nickname); some use Kalshi's."""
        player = line.player
        if not player.variants:
            return player.name
        u = rng.uniform(self.seed, rng.tag("odds_spelling"), rng.str_hash(book.key), rng.str_hash(player.name))[0]
        return player.name if u < 0.3 else player.variants[int(u * 1000) % len(player.variants)]


def _vig(p: float, margin: float, method: str) -> tuple[float, float]:
    """Fair over probability -> the book's (over, under) implied probabilities summing to 1 + margin."""
    if method == "proportional":
        return min(0.985, p * (1 + margin)), min(0.985, (1 - p) * (1 + margin))
    lo, hi = 0.3, 1.0  # p**c + (1-p)**c falls from > 1 + margin at c = 0.3 to 1 at c = 1
    for _ in range(60):
        c = (lo + hi) / 2
        if p**c + (1 - p) ** c > 1 + margin:
            lo = c
        else:
            hi = c
    c = (lo + hi) / 2
    return p**c, (1 - p) ** c


def _american(q: float, step: int) -> int:
    raw = -100 * q / (1 - q) if q >= 0.5 else 100 * (1 - q) / q
    value = int(step * round(raw / step))
    if -100 < value < 100:  # rounding cannot leave the odds that exist: -100 and +100 are even money
        value = -100 if q >= 0.5 else 100
    return value


def _outcome(side: str, name: str, q: float, point: float, step: int, odds_format: str) -> dict:
    american = _american(q, step)
    if odds_format == "american":
        price: int | float = american
    else:
        price = round(1 + (100 / -american if american < 0 else american / 100), 2)
    return {"name": side, "description": name, "price": price, "point": point}


def _listed(game: NbaGame, at: int) -> bool:
    """Whether the service lists the game at ``at``: from a week before tip-off until half an hour
    after the final buzzer (finished games drop off)."""
    return game.start_ts - EVENTS_AHEAD_S <= at < game.end_ts + 1800


def _list_arg(ctx: Context, name: str) -> list[str]:
    raw = ctx.arg(name)
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else []


def _date_format(ctx: Context) -> bool:
    fmt = (ctx.arg("dateFormat") or "iso").lower()
    if fmt not in ("iso", "unix"):
        raise _error(422, "INVALID_DATE_FORMAT", "Invalid dateFormat. Use iso or unix")
    return fmt == "unix"


def _instant_arg(ctx: Context, name: str) -> int | None:
    raw = ctx.arg(name)
    if not raw:
        return None
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC).timestamp())
    except ValueError:
        raise _error(422, "INVALID_COMMENCE_TIME", f"Invalid {name}, expected format YYYY-MM-DDTHH:MM:SSZ") from None
