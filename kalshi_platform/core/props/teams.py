"""NBA teams as each source names them, and the game id both sources share.

Kalshi codes a game as ``{yymmmdd}{away}{home}`` (``KXNBAPTS-26APR26CLETOR``) with the US (Eastern)
date of the game; The Odds API names teams in full ("Toronto Raptors") and gives a UTC
``commence_time``. ``game_id`` is Kalshi's code, so a sportsbook event maps to it through the full
names and the Eastern date of its tip-off.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

US_EASTERN = "America/New_York"
_EASTERN = ZoneInfo(US_EASTERN)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# code, Kalshi's short name (titles: "Cleveland at Toronto"), full name (The Odds API)
NBA_TEAMS: tuple[tuple[str, str, str], ...] = (
    ("ATL", "Atlanta", "Atlanta Hawks"),
    ("BOS", "Boston", "Boston Celtics"),
    ("BKN", "Brooklyn", "Brooklyn Nets"),
    ("CHA", "Charlotte", "Charlotte Hornets"),
    ("CHI", "Chicago", "Chicago Bulls"),
    ("CLE", "Cleveland", "Cleveland Cavaliers"),
    ("DAL", "Dallas", "Dallas Mavericks"),
    ("DEN", "Denver", "Denver Nuggets"),
    ("DET", "Detroit", "Detroit Pistons"),
    ("GSW", "Golden State", "Golden State Warriors"),
    ("HOU", "Houston", "Houston Rockets"),
    ("IND", "Indiana", "Indiana Pacers"),
    ("LAC", "Los Angeles C", "Los Angeles Clippers"),
    ("LAL", "Los Angeles L", "Los Angeles Lakers"),
    ("MEM", "Memphis", "Memphis Grizzlies"),
    ("MIA", "Miami", "Miami Heat"),
    ("MIL", "Milwaukee", "Milwaukee Bucks"),
    ("MIN", "Minnesota", "Minnesota Timberwolves"),
    ("NOP", "New Orleans", "New Orleans Pelicans"),
    ("NYK", "New York", "New York Knicks"),
    ("OKC", "Oklahoma City", "Oklahoma City Thunder"),
    ("ORL", "Orlando", "Orlando Magic"),
    ("PHI", "Philadelphia", "Philadelphia 76ers"),
    ("PHX", "Phoenix", "Phoenix Suns"),
    ("POR", "Portland", "Portland Trail Blazers"),
    ("SAC", "Sacramento", "Sacramento Kings"),
    ("SAS", "San Antonio", "San Antonio Spurs"),
    ("TOR", "Toronto", "Toronto Raptors"),
    ("UTA", "Utah", "Utah Jazz"),
    ("WAS", "Washington", "Washington Wizards"),
)

# Other spellings seen in feeds -> code (matched case-insensitively, like the full names).
_ALIASES = {
    "la clippers": "LAC",
    "la lakers": "LAL",
    "philadelphia sixers": "PHI",
    "portland trailblazers": "POR",
    "new jersey nets": "BKN",
}

TEAM_CODE_BY_NAME: dict[str, str] = {
    **{full.lower(): code for code, _short, full in NBA_TEAMS},
    **_ALIASES,
}
TEAM_CODES = frozenset(code for code, _short, _full in NBA_TEAMS)


def team_code(name: str | None) -> str | None:
    """'Toronto Raptors' -> 'TOR'; None when the name is not an NBA team this table knows."""
    if not name:
        return None
    return TEAM_CODE_BY_NAME.get(" ".join(name.split()).lower())


def team_code_expr(name: pl.Expr) -> pl.Expr:
    cleaned = name.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()
    return cleaned.replace_strict(TEAM_CODE_BY_NAME, default=None, return_dtype=pl.String)


def yymmmdd(day: date) -> str:
    """date(2026, 4, 26) -> '26APR26' (Kalshi's date code)."""
    return f"{day.year % 100:02d}{MONTHS[day.month - 1]}{day.day:02d}"


def eastern_date(when: datetime) -> date:
    """The US Eastern calendar date of an instant (a 00:30 UTC tip-off is the previous evening)."""
    if when.tzinfo is None:
        raise ValueError("eastern_date needs a timezone-aware datetime")
    return when.astimezone(_EASTERN).date()


def game_id(commence: datetime, away_code: str, home_code: str) -> str:
    return f"{yymmmdd(eastern_date(commence))}{away_code}{home_code}"


def eastern_date_expr(ts: pl.Expr) -> pl.Expr:
    return ts.dt.convert_time_zone(US_EASTERN).dt.date()


def date_code_expr(day: pl.Expr) -> pl.Expr:
    """Vectorised :func:`yymmmdd` over a Date column."""
    month = day.dt.month().cast(pl.Int64).replace_strict(
        dict(enumerate(MONTHS, start=1)), return_dtype=pl.String
    )
    return pl.concat_str(
        (day.dt.year() % 100).cast(pl.String).str.zfill(2), month, day.dt.day().cast(pl.String).str.zfill(2)
    )


def game_id_expr(commence: pl.Expr, away_code: pl.Expr, home_code: pl.Expr) -> pl.Expr:
    """Null when a team is unknown: a game that cannot be named is never joined by accident."""
    return pl.concat_str(date_code_expr(eastern_date_expr(commence)), away_code, home_code)
