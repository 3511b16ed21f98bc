"""Which whole-degree highs make a KXHIGH market resolve YES.

The climate report gives the high in whole degrees F, so a bracket is a set of whole degrees
``lo..hi`` (either end open). It comes from the market's ``strike_type`` / ``floor_strike`` /
``cap_strike`` as Kalshi defines them:

  greater           YES if value >  floor_strike     ("92° or above" for floor 91)
  greater_or_equal  YES if value >= floor_strike
  less              YES if value <  cap_strike       ("56° or below" for cap 57)
  less_or_equal     YES if value <= cap_strike
  between           YES if floor_strike <= value <= cap_strike, both inclusive ("78° to 79°")

and is checked against the condition in ``rules_primary``: when both can be read they must name the
same degrees, or the market is not priced. Nothing is inferred from the ticker or a subtitle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from kalshi_platform.core.weather.rules import RulesError, RulesTerms, parse_rules, ticker_date

STRIKE_TYPES = ("greater", "greater_or_equal", "less", "less_or_equal", "between")
_EPS = 1e-9


class BracketError(ValueError):
    """Bounds that cannot be read or that contradict each other."""


@dataclass(frozen=True)
class Bracket:
    lo: int | None  # lowest whole degree that resolves YES; None = open below
    hi: int | None  # highest whole degree that resolves YES; None = open above
    floor_strike: float | None
    cap_strike: float | None
    lower_inclusive: bool | None  # whether floor_strike itself resolves YES (None: no lower bound)
    upper_inclusive: bool | None  # whether cap_strike itself resolves YES (None: no upper bound)

    def contains(self, degrees: int) -> bool:
        return (self.lo is None or degrees >= self.lo) and (self.hi is None or degrees <= self.hi)

    @property
    def label(self) -> str:
        if self.lo is None:
            return f"{self.hi}° or below"
        if self.hi is None:
            return f"{self.lo}° or above"
        return f"{self.lo}° to {self.hi}°"


def _num(value, name: str) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BracketError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(x):
        raise BracketError(f"{name} {value!r} is not finite")
    return x


def bracket_from_strikes(strike_type: str | None, floor_strike=None, cap_strike=None) -> Bracket:
    """The whole degrees a market covers, from Kalshi's strike fields."""
    floor = _num(floor_strike, "floor_strike")
    cap = _num(cap_strike, "cap_strike")
    kind = (strike_type or "").strip().lower()
    if kind not in STRIKE_TYPES:
        raise BracketError(f"strike_type {strike_type!r} is not a temperature bracket ({', '.join(STRIKE_TYPES)})")
    if kind in ("greater", "greater_or_equal"):
        if floor is None:
            raise BracketError(f"strike_type {kind} needs floor_strike")
        strict = kind == "greater"
        lo = math.floor(floor + _EPS) + 1 if strict else math.ceil(floor - _EPS)
        return Bracket(lo, None, floor, None, not strict, None)
    if kind in ("less", "less_or_equal"):
        if cap is None:
            raise BracketError(f"strike_type {kind} needs cap_strike")
        strict = kind == "less"
        hi = math.ceil(cap - _EPS) - 1 if strict else math.floor(cap + _EPS)
        return Bracket(None, hi, None, cap, None, not strict)
    if floor is None or cap is None:
        raise BracketError("strike_type between needs floor_strike and cap_strike")
    lo, hi = math.ceil(floor - _EPS), math.floor(cap + _EPS)
    if lo > hi:
        raise BracketError(f"between {floor}..{cap} holds no whole degree")
    return Bracket(lo, hi, floor, cap, True, True)


def bracket_from_rules(terms: RulesTerms) -> Bracket:
    if terms.kind == "between":
        low, high = sorted((terms.low, terms.high))  # type: ignore[type-var]
        return bracket_from_strikes("between", low, high)
    if terms.kind in ("greater", "greater_or_equal"):
        return bracket_from_strikes(terms.kind, terms.low, None)
    return bracket_from_strikes(terms.kind, None, terms.high)


@dataclass(frozen=True)
class MarketBracket:
    """A market's bracket with where it came from and what disagreed (``problem`` None = usable)."""

    bracket: Bracket | None
    target_date: date | None
    rules_station: str | None
    rules_check: str  # agrees | rules_unreadable | rules_only
    problem: str | None


def read_market(
    *,
    ticker: str,
    strike_type: str | None,
    floor_strike=None,
    cap_strike=None,
    rules_primary: str | None = None,
    event_ticker: str | None = None,
    station_rules_name: str | None = None,
) -> MarketBracket:
    """Bracket, climate date and checks of one market from its API fields (never from guesses).

    The date is the one the rules name, which must equal the event ticker's date when both are
    readable; with unreadable rules the ticker's date is used and ``rules_check`` says so. When
    ``station_rules_name`` is given, the station the rules name must be it.
    """
    try:
        terms: RulesTerms | None = parse_rules(rules_primary)
        rules_error = None
    except RulesError as exc:
        terms, rules_error = None, str(exc)
    try:
        strikes: Bracket | None = bracket_from_strikes(strike_type, floor_strike, cap_strike)
        strike_error = None
    except BracketError as exc:
        strikes, strike_error = None, str(exc)
    from_rules = None
    if terms is not None:
        try:
            from_rules = bracket_from_rules(terms)
        except BracketError as exc:
            rules_error = str(exc)

    tdate = ticker_date(event_ticker) or ticker_date(ticker)
    day = terms.day if terms is not None else tdate
    station_name = terms.station if terms is not None else None
    problem = None
    if strikes is not None and from_rules is not None:
        check, bracket = "agrees", strikes
        if (strikes.lo, strikes.hi) != (from_rules.lo, from_rules.hi):
            problem = (f"rules text ({from_rules.label}) disagrees with the strike fields "
                       f"({strike_type} floor={floor_strike} cap={cap_strike}: {strikes.label})")
    elif strikes is not None:
        check, bracket = "rules_unreadable", strikes
    elif from_rules is not None:
        # Kalshi always sends strikes on these series; without them the rules alone still say it exactly.
        check, bracket = "rules_only", from_rules
    else:
        check, bracket = "rules_unreadable", None
        problem = f"bracket bounds unknown: {strike_error}; {rules_error}"
    if problem is None and terms is not None and tdate is not None and terms.day != tdate:
        problem = f"rules date {terms.day} disagrees with the ticker date {tdate}"
    if problem is None and day is None:
        problem = "target date unknown: rules unreadable and no date in the ticker"
    if problem is None and station_rules_name and station_name is not None:
        if _norm(station_name) != _norm(station_rules_name):
            problem = f"rules name station {station_name!r}, configured station is {station_rules_name!r}"
    return MarketBracket(bracket, day, station_name, check, problem)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace(",", " ").split())


def ladder_problem(brackets: Sequence[Bracket]) -> str | None:
    """Why an event's brackets do not split the whole degrees into exactly one bracket each, if so.

    The brackets of a day must cover every whole degree once: then every ensemble member lands in
    exactly one bracket and the day's probabilities sum to 1.
    """
    if not brackets:
        return "no brackets"
    ordered = sorted(brackets, key=lambda b: (-math.inf if b.lo is None else b.lo))
    if ordered[0].lo is not None:
        return f"no bracket below {ordered[0].lo}°"
    if ordered[-1].hi is not None:
        return f"no bracket above {ordered[-1].hi}°"
    for below, above in zip(ordered, ordered[1:]):
        if below.hi is None or above.lo is None:
            return "two open-ended brackets on one side"
        if above.lo <= below.hi:
            return f"brackets {below.label} and {above.label} overlap"
        if above.lo > below.hi + 1:
            gap = f"{below.hi + 1}°" + (f" to {above.lo - 1}°" if above.lo - 1 > below.hi + 1 else "")
            return f"no bracket holds {gap}"
    return None


BRACKET_COLUMNS = {
    "lo": pl.Int64,
    "hi": pl.Int64,
    "bracket_label": pl.String,
    "lower_inclusive": pl.Boolean,
    "upper_inclusive": pl.Boolean,
    "target_date": pl.Date,
    "rules_station": pl.String,
    "rules_check": pl.String,
    "ladder_problem": pl.String,
    "bracket_problem": pl.String,
}


def market_brackets(markets: pl.DataFrame, rules_names: dict[str, str] | None = None) -> pl.DataFrame:
    """``markets`` (ticker, event_ticker, series_ticker, strike_type, floor_strike, cap_strike,
    rules_primary) + the columns of BRACKET_COLUMNS.

    ``bracket_problem`` is why a market cannot be priced (null when it can): its bounds, date or
    station. ``ladder_problem`` says why the event's brackets (those in ``markets``) do not split the
    whole degrees exactly once, if so: each bracket is still priced on its own, but the day's
    probabilities then need not sum to 1. ``rules_names``: series -> station name the rules must print.
    """
    rules_names = rules_names or {}
    rows = []
    for m in markets.select("ticker", "event_ticker", "series_ticker", "strike_type", "floor_strike", "cap_strike",
                            "rules_primary").iter_rows(named=True):
        read = read_market(
            ticker=m["ticker"], strike_type=m["strike_type"], floor_strike=m["floor_strike"],
            cap_strike=m["cap_strike"], rules_primary=m["rules_primary"], event_ticker=m["event_ticker"],
            station_rules_name=rules_names.get(m["series_ticker"] or ""),
        )
        b = read.bracket
        rows.append({
            "lo": b.lo if b else None, "hi": b.hi if b else None, "bracket_label": b.label if b else None,
            "lower_inclusive": b.lower_inclusive if b else None, "upper_inclusive": b.upper_inclusive if b else None,
            "target_date": read.target_date, "rules_station": read.rules_station, "rules_check": read.rules_check,
            "ladder_problem": None, "bracket_problem": read.problem,
        })
    out = pl.concat([markets, pl.DataFrame(rows, schema=BRACKET_COLUMNS)], how="horizontal") if rows else \
        markets.with_columns([pl.lit(None, dtype).alias(name) for name, dtype in BRACKET_COLUMNS.items()])
    if out.is_empty():
        return out
    problems: dict[str, str | None] = {}
    for (event,), group in out.group_by(["event_ticker"]):
        usable = group.filter(pl.col("lo").is_not_null() | pl.col("hi").is_not_null())
        if usable.height < group.height:
            problems[event] = "an event bracket has unknown bounds"
            continue
        ladder = [Bracket(r["lo"], r["hi"], None, None, None, None) for r in usable.iter_rows(named=True)]
        problems[event] = ladder_problem(ladder)
    return out.with_columns(
        pl.col("event_ticker").replace_strict(problems, default=None, return_dtype=pl.String).alias("ladder_problem")
    )
