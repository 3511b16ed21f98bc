"""The sandbox NBA: one schedule and one box score per game, shared by every family that needs them.

KXNBAGAME / KXNBASPREAD / KXNBATOTAL (``worlds.sports``), the player prop ladders KXNBAPTS ...
(``worlds.nba_props``) and The Odds API (``sandbox.odds_api``) all read the same games from
:func:`nba_schedule` and the same players from :func:`game_players`, so a Kalshi prop ladder, the game
market and the sportsbook event of one game are the same game, and they settle on one truth.

Everything is a pure function of the seed and the world's anchor day (no stepping): the schedule is
drawn from its own random stream, each game's box score from a stream keyed by the game's code.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from kalshi_platform.core.props.distribution import count_pmf, count_sf
from kalshi_platform.sandbox import rng
from kalshi_platform.sandbox.worlds.base import MONTHS
from kalshi_platform.sandbox.worlds.nba_rosters import ROLE_MEANS, ROSTERS, STATS, Player

EASTERN = ZoneInfo("America/New_York")

# code, Kalshi's short name, full name (The Odds API)
TEAMS: tuple[tuple[str, str, str], ...] = (
    ("ATL", "Atlanta", "Atlanta Hawks"), ("BOS", "Boston", "Boston Celtics"), ("BKN", "Brooklyn", "Brooklyn Nets"),
    ("CHA", "Charlotte", "Charlotte Hornets"), ("CHI", "Chicago", "Chicago Bulls"),
    ("CLE", "Cleveland", "Cleveland Cavaliers"), ("DAL", "Dallas", "Dallas Mavericks"),
    ("DEN", "Denver", "Denver Nuggets"), ("DET", "Detroit", "Detroit Pistons"),
    ("GSW", "Golden State", "Golden State Warriors"), ("HOU", "Houston", "Houston Rockets"),
    ("IND", "Indiana", "Indiana Pacers"), ("LAC", "Los Angeles C", "Los Angeles Clippers"),
    ("LAL", "Los Angeles L", "Los Angeles Lakers"), ("MEM", "Memphis", "Memphis Grizzlies"),
    ("MIA", "Miami", "Miami Heat"), ("MIL", "Milwaukee", "Milwaukee Bucks"),
    ("MIN", "Minnesota", "Minnesota Timberwolves"), ("NOP", "New Orleans", "New Orleans Pelicans"),
    ("NYK", "New York", "New York Knicks"), ("OKC", "Oklahoma City", "Oklahoma City Thunder"),
    ("ORL", "Orlando", "Orlando Magic"), ("PHI", "Philadelphia", "Philadelphia 76ers"),
    ("PHX", "Phoenix", "Phoenix Suns"), ("POR", "Portland", "Portland Trail Blazers"),
    ("SAC", "Sacramento", "Sacramento Kings"), ("SAS", "San Antonio", "San Antonio Spurs"),
    ("TOR", "Toronto", "Toronto Raptors"), ("UTA", "Utah", "Utah Jazz"), ("WAS", "Washington", "Washington Wizards"),
)
SHORT = {code: short for code, short, _ in TEAMS}
FULL = {code: full for code, _, full in TEAMS}

GAMES_PER_NIGHT = 5
PAST_NIGHTS = 16
FUTURE_NIGHTS = 12
TIP_TIMES_ET = ((19, 0), (19, 30), (20, 0), (20, 30), (21, 0), (22, 0), (22, 30))
GAME_HOURS = 2.5
HOME_EDGE = 2.5
MARGIN_SD = 12.0
TOTAL_MU, TOTAL_SD = 226.0, 18.0

# Variance / mean of each stat in one game (the truth the sandbox draws from; the platform's model
# makes its own, slightly different assumption, as a real model would).
DISPERSION = {"points": 1.9, "rebounds": 1.35, "assists": 1.45, "threes": 1.25, "blocks": 1.25, "steals": 1.1}

# Which players each side lists, by rank of the player's mean within his team, and the smallest mean
# worth a market: (Kalshi top n, Kalshi min mean, books top n, books min mean).
LISTING = {
    "points": (4, 8.0, 6, 5.0),
    "rebounds": (3, 4.5, 4, 3.5),
    "assists": (2, 3.5, 3, 2.5),
    "threes": (2, 1.5, 3, 1.0),
    "blocks": (1, 0.9, 2, 0.6),
    "steals": (1, 0.9, 2, 0.7),
}
# Kalshi's threshold steps (25+ points, 8+ rebounds, 3+ threes ...).
THRESHOLD_STEP = {"points": 5, "rebounds": 2, "assists": 2, "threes": 1, "blocks": 1, "steals": 1}
P_OUT = 0.03  # ruled out before the markets open: no market anywhere
P_QUESTIONABLE = 0.05  # listed by Kalshi, pulled by the books (and plays)


@dataclass(frozen=True)
class NbaGame:
    code: str  # Kalshi's game code: 26NOV20BOSLAL (US Eastern date, away, home)
    night: int  # US night relative to the anchor's date (0 = the anchor's date)
    local_day_ts: int  # midnight UTC of the US date (titles carry this date)
    start_ts: int  # tip-off, unix seconds
    away: str
    home: str
    margin_mu: float  # expected home margin
    margin: int  # final home margin (never 0)
    total_mu: float
    total: int
    event_id: str  # The Odds API event id

    @property
    def home_score(self) -> int:
        return (self.total + self.margin) // 2

    @property
    def away_score(self) -> int:
        return (self.total - self.margin) // 2

    @property
    def end_ts(self) -> int:
        return self.start_ts + int(GAME_HOURS * 3600)

    @property
    def local_date(self) -> date:
        return datetime.fromtimestamp(self.local_day_ts, tz=UTC).date()

    @property
    def nice_date(self) -> str:
        d = self.local_date
        return f"{d.strftime('%b')} {d.day}, {d.year}"


@dataclass(frozen=True)
class NbaSchedule:
    games: tuple[NbaGame, ...]
    ratings: dict[str, float]
    team_uuids: dict[str, str]

    def by_code(self) -> dict[str, NbaGame]:
        return {g.code: g for g in self.games}

    def by_event_id(self) -> dict[str, NbaGame]:
        return {g.event_id: g for g in self.games}


def _uuid(*parts: object) -> str:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def event_id(seed: int, code: str) -> str:
    """The Odds API's event id: 32 hex characters, stable for a game."""
    return hashlib.blake2b(f"odds-event|{seed}|{code}".encode(), digest_size=16).hexdigest()


def _code(day: date, away: str, home: str) -> str:
    return f"{day.year % 100:02d}{MONTHS[day.month - 1]}{day.day:02d}{away}{home}"


@functools.lru_cache(maxsize=16)
def nba_schedule(seed: int, anchor_ts: int, scale: int = 1) -> NbaSchedule:
    """Games of every US night from PAST_NIGHTS before the anchor's date to FUTURE_NIGHTS x scale after."""
    g = np.random.default_rng([seed, rng.tag("nba_schedule")])
    codes = [code for code, _, _ in TEAMS]
    ratings = {code: float(g.normal(0, 4.5)) for code in codes}
    team_uuids = {code: _uuid("nba-team", seed, code) for code in codes}
    anchor_day = datetime.fromtimestamp(anchor_ts, tz=UTC).date()
    games = []
    for night in range(-PAST_NIGHTS, FUTURE_NIGHTS * max(1, scale) + 1):
        day = anchor_day + timedelta(days=night)
        order = g.permutation(len(codes))
        tips = sorted(g.choice(len(TIP_TIMES_ET), size=GAMES_PER_NIGHT))
        for k in range(GAMES_PER_NIGHT):
            away, home = codes[order[2 * k]], codes[order[2 * k + 1]]
            hour, minute = TIP_TIMES_ET[tips[k]]
            start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=EASTERN)
            margin_mu = ratings[home] - ratings[away] + HOME_EDGE
            margin = round(float(g.normal(margin_mu, MARGIN_SD)))
            if margin == 0:
                margin = 1 if g.random() < 0.5 else -1
            total_mu = TOTAL_MU + float(g.normal(0, TOTAL_SD / 3))
            total = round(float(g.normal(total_mu, TOTAL_SD)))
            if (total + margin) % 2:
                total += 1  # home and away scores are whole: (total + margin) / 2 must be too
            code = _code(day, away, home)
            games.append(NbaGame(
                code=code, night=night,
                local_day_ts=int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()),
                start_ts=int(start.timestamp()), away=away, home=home, margin_mu=margin_mu, margin=margin,
                total_mu=total_mu, total=total, event_id=event_id(seed, code),
            ))
    return NbaSchedule(games=tuple(games), ratings=ratings, team_uuids=team_uuids)


@dataclass(frozen=True)
class PlayerGame:
    """One player's stat in one game: the mean the truth uses, what happened, who lists it."""

    player: Player
    stat: str
    mu: float
    value: int  # what the box score says
    status: str  # active | questionable (books pulled the prop; he plays)
    kalshi: bool  # Kalshi lists a ladder
    books: bool  # sportsbooks list a line
    uuid: str

    def p_at_least(self, threshold: int) -> float:
        """The truth: P(stat >= threshold)."""
        return float(_sf(threshold - 1, self.mu, DISPERSION[self.stat])[0])

    @property
    def dispersion(self) -> float:
        return DISPERSION[self.stat]


def _sf(k, mu, phi):
    """P(X > k) for X negative binomial with mean mu and variance phi x mu (Poisson when phi <= 1)."""
    return count_sf(k, mu, phi)


def _player_scales(seed: int, roster: tuple[Player, ...]) -> np.ndarray:
    """Each player's own multiplier per stat (players x stats), stable across games (some centres
    shoot threes...)."""
    h = np.array([rng.str_hash(f"{p.team}|{p.name}") for p in roster], dtype=np.uint64)[:, None]
    return np.exp(0.14 * rng.normal(seed, rng.tag("nba_player_scale"), h, np.arange(len(STATS))[None, :]))


@functools.lru_cache(maxsize=4096)
def game_players(seed: int, game: NbaGame) -> tuple[PlayerGame, ...]:
    """Every rotation player's line in ``game`` for every stat (listed or not), with the box score."""
    g = np.random.default_rng([seed, rng.tag("nba_box"), rng.str_hash(game.code) & 0xFFFFFFFF])
    out: list[PlayerGame] = []
    for team in (game.away, game.home):
        pace = float(np.exp(g.normal(0, 0.04)))
        home_boost = 1.02 if team == game.home else 0.98
        roster = ROSTERS[team]
        status = []
        for _player in roster:
            u = g.random()
            status.append("out" if u < P_OUT else "questionable" if u < P_OUT + P_QUESTIONABLE else "active")
        minutes = np.exp(g.normal(0, 0.10, size=len(roster)))
        roles = np.array([ROLE_MEANS[player.role] for player in roster])
        playing = np.array([st != "out" for st in status])[:, None]
        means = roles * _player_scales(seed, roster) * minutes[:, None] * pace * home_boost * playing
        for s, stat in enumerate(STATS):
            kalshi_top, kalshi_min, books_top, books_min = LISTING[stat]
            order = np.argsort(-means[:, s], kind="stable")
            rank = np.empty(len(roster), dtype=int)
            rank[order] = np.arange(len(roster))
            phi = DISPERSION[stat]
            for i, player in enumerate(roster):
                mu = float(means[i, s])
                if status[i] == "out":
                    value = 0
                elif phi <= 1.0:
                    value = int(g.poisson(mu))
                else:
                    value = int(g.negative_binomial(mu / (phi - 1.0), 1.0 / phi))
                playing = status[i] != "out"
                out.append(PlayerGame(
                    player=player, stat=stat, mu=mu, value=value, status=status[i],
                    kalshi=playing and rank[i] < kalshi_top and mu >= kalshi_min,
                    books=status[i] == "active" and rank[i] < books_top and mu >= books_min,
                    uuid=_uuid("nba-player", seed, player.team, player.name),
                ))
    return tuple(out)


def thresholds(lines: list[PlayerGame], *, low: float = 0.06, high: float = 0.94, most: int = 5,
               least: int = 3) -> list[list[tuple[int, float]]]:
    """Kalshi's ladder for each player and stat as (threshold, truth P(stat >= threshold)): multiples of
    the stat's step up to 80 whose probability lies in [low, high], the ``most`` nearest 50%; widened
    to ``least`` rungs when too few qualify. One vectorised distribution for all the lines."""
    if not lines:
        return []
    top = 80
    pmf = count_pmf(top, [line.mu for line in lines], [DISPERSION[line.stat] for line in lines])
    at_least = 1.0 - np.concatenate([np.zeros((len(lines), 1)), np.cumsum(pmf, axis=1)[:, :-1]], axis=1)
    out = []
    for line, row in zip(lines, np.clip(at_least, 0.0, 1.0).tolist(), strict=True):
        step = THRESHOLD_STEP[line.stat]
        cand = range(step, top + 1, step)
        inside = [t for t in cand if low <= row[t] <= high]
        if len(inside) < least:
            inside = [t for t in cand if 0.01 <= row[t] <= 0.99]
        best = sorted(sorted(inside, key=lambda t: abs(row[t] - 0.5))[:most])
        out.append([(t, row[t]) for t in best])
    return out
