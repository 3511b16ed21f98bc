"""Reading a high-temperature market's ``rules_primary``: which station, which day, which bracket.

Kalshi words the rules of its daily-temperature series in a few ways (verbatim examples):

  If the highest temperature recorded in Central Park, New York for May 16, 2026 as reported by the
  National Weather Service's Climatological Report (Daily), is between 78-79°, then the market
  resolves to Yes.
  If the highest temperature recorded at Chicago Midway, IL for July 09, 2026, is greater than 91°
  according to the National Weather Service's Climatological Report (Daily), then the market
  resolves to Yes.
  If the maximum temperature recorded at Atlanta for May 22, 2026, is less than 81° fahrenheit
  according to the National Weather Service's Climatological Report (Daily), then the market
  resolves to Yes.

The parser accepts those sentence shapes and the condition forms "between A-B°", "greater than X°",
"less than X°", "X° or above", "X° or below" (with °, °F, "deg", "degrees" and an optional
"fahrenheit"). Anything else is reported as unreadable, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}

_NUM = r"-?\d+(?:\.\d+)?"
_DEG = r"\s*(?:°\s*F?|deg(?:rees)?\b|F\b)?"
_FAHRENHEIT = r"(?:\s*(?:fahrenheit|F)\b)?"
_SOURCE = r"(?:the\s+)?National Weather Service(?:'s|’s)?\s+(?:Climatological Report \(Daily\)|Daily Climate Report)"

_SENTENCE = re.compile(
    r"^\s*If the (?P<measure>highest|maximum|high) temperature recorded (?:in|at) (?P<station>.+?)"
    r" (?:for|on) (?P<date>[A-Za-z]+ \d{1,2}, \d{4}),?"
    rf"(?: as reported by {_SOURCE},?)?"
    r" is (?P<cond>.+?)"
    rf"(?: according to {_SOURCE})?,? then the market resolves to Yes\.?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITIONS = (
    ("between", re.compile(
        rf"^between (?P<a>{_NUM}){_DEG}\s*(?:-|–|to|and)\s*(?P<b>{_NUM}){_DEG}{_FAHRENHEIT}$", re.I)),
    ("greater", re.compile(rf"^(?:greater|more|higher) than (?P<a>{_NUM}){_DEG}{_FAHRENHEIT}$", re.I)),
    ("less", re.compile(rf"^(?:less|lower) than (?P<a>{_NUM}){_DEG}{_FAHRENHEIT}$", re.I)),
    ("greater_or_equal", re.compile(rf"^(?P<a>{_NUM}){_DEG}{_FAHRENHEIT} or (?:above|higher|more)$", re.I)),
    ("less_or_equal", re.compile(rf"^(?P<a>{_NUM}){_DEG}{_FAHRENHEIT} or (?:below|lower|less)$", re.I)),
)


class RulesError(ValueError):
    """Rules text that does not read as a daily high-temperature condition."""


@dataclass(frozen=True)
class RulesTerms:
    measure: str  # highest | maximum
    station: str  # as printed
    day: date
    kind: str  # between | greater | less | greater_or_equal | less_or_equal
    low: float | None  # the first number of the condition (between: lower bound)
    high: float | None  # between: upper bound


def parse_rules(text: str | None) -> RulesTerms:
    if not text or not text.strip():
        raise RulesError("no rules text")
    m = _SENTENCE.match(text.replace("\u00a0", " "))
    if not m:
        raise RulesError(f"rules text is not a daily temperature sentence: {text[:160]!r}")
    if m["measure"].lower() not in ("highest", "maximum", "high"):
        raise RulesError(f"rules measure {m['measure']!r} is not the day's high")
    day = parse_rules_date(m["date"])
    cond = " ".join(m["cond"].split())
    for kind, pattern in _CONDITIONS:
        c = pattern.match(cond)
        if c:
            a = float(c["a"])
            b = float(c["b"]) if "b" in c.groupdict() and c["b"] is not None else None
            if kind == "between":
                return RulesTerms(m["measure"].lower(), m["station"].strip(), day, kind, a, b)
            if kind in ("greater", "greater_or_equal"):
                return RulesTerms(m["measure"].lower(), m["station"].strip(), day, kind, a, None)
            return RulesTerms(m["measure"].lower(), m["station"].strip(), day, kind, None, a)
    raise RulesError(f"rules condition {cond!r} is not a temperature bracket")


def parse_rules_date(text: str) -> date:
    try:
        month_name, rest = text.strip().split(" ", 1)
        day_text, year_text = rest.split(",")
        return date(int(year_text), MONTHS[month_name.lower()], int(day_text))
    except (KeyError, ValueError):
        raise RulesError(f"rules date {text!r} is not like 'July 09, 2026'") from None


def rules_date_text(day: date) -> str:
    """The date as the rules print it: full month, two-digit day ("July 09, 2026")."""
    return f"{datetime(day.year, day.month, day.day):%B} {day.day:02d}, {day.year}"


_TICKER_DATE = re.compile(r"^[A-Z0-9]+-(?P<yy>\d{2})(?P<mon>[A-Z]{3})(?P<dd>\d{2})(?:-|$)")
_MON = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}


def ticker_date(ticker: str | None) -> date | None:
    """The date of a daily event/market ticker (KXHIGHNY-26MAY14[-B69.5] -> 2026-05-14), else None."""
    m = _TICKER_DATE.match(ticker or "")
    if not m or m["mon"] not in _MON:
        return None
    try:
        return date(2000 + int(m["yy"]), _MON[m["mon"]], int(m["dd"]))
    except ValueError:
        return None
