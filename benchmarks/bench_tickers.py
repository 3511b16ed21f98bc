"""Ticker parsing: ``core.tickers.parse_tickers`` on 1M tickers next to a row-by-row pure-Python parser.

Run: ``.venv/bin/python benchmarks/bench_tickers.py [N]`` (default N = 1,000,000), or ``python -m benchmarks tickers``.

Three inputs, all tickers the sandbox world emits (every family: games, spreads, totals, champions,
elections, economics, weather, crypto, awards, companies, parlays):

- sampled: N tickers drawn with replacement from ``KalshiWorld(seed=7)`` (6.6k distinct): the shape of
  real batches (many rows per ticker: snapshots, trades), where the parser works once per distinct ticker;
- distinct: N *distinct* tickers (``KalshiWorld(seed=7, scale=20)``, 100k markets, re-dated into other
  years until there are N): the worst case, every row parsed;
- baseline: a plain Python parser (``re`` per ticker: split, first-matching series rule, date, strike,
  team split; no caching) on a 100k subset of the sampled input, extrapolated to N.

Timings are the median of ``REPEATS`` runs (the machine has 2 cores and other work; load is recorded).
"""

from __future__ import annotations

import random
import re
import sys
import time
from datetime import date

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, median  # noqa: E402
from kalshi_platform.core.tickers import parse_tickers  # noqa: E402
from kalshi_platform.core.tickers.tables import SERIES_RULES, WEATHER_CITIES  # noqa: E402
from kalshi_platform.sandbox.world import KalshiWorld  # noqa: E402

N = 1_000_000
BASELINE_N = 100_000
REPEATS = 3
SEED = 7

# ---------------------------------------------------------------------------------------------------
# The row-by-row baseline: what one would write without polars (regexes per ticker, dicts out).

_RULES = [(re.compile(f"^(?:{r.pattern})$"), r) for r in SERIES_RULES]
_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                       "NOV", "DEC"), start=1)}
_DAY = re.compile(r"^(\d{2})(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(\d{2})?(\d{4}|\d{2})?([A-Z][A-Z0-9]*)?$")
_YEAR = re.compile(r"^(?:(20\d{2})|S(20\d{2})[0-9A-F]{4,}|(\d{2})(?:Q([1-4]))?([A-Z][A-Z0-9]*|\d[A-Z0-9]*)?)$")
_TB = re.compile(r"^([TBCP])(N)?(-?\d+(?:\.\d+)?)$")
_TEAMNUM = re.compile(r"^([A-Z]{2,5})(\d+(?:\.\d+)?)$")
_BARE = re.compile(r"^-?\d+(?:\.\d+)?$")


def python_parse(ticker: str | None) -> dict:
    t = (ticker or "").strip().upper()
    parts = t.split("-")
    series = parts[0]
    base = series[2:] if series.startswith("KX") and len(series) > 2 else series
    family, category, sub = "other", "Other", None
    for rx, rule in _RULES:
        m = rx.match(base)
        if m:
            family, category = rule.family, rule.category
            groups = m.groupdict()
            sub = groups.get("sub") or groups.get("lg") or rule.subcategory
            if rule.sub_map == "city":
                sub = WEATHER_CITIES.get(sub, sub)
            break
    out: dict = {"ticker": ticker, "series_ticker": series, "family": family, "category": category,
                 "subcategory": sub, "event_date": None, "strike_kind": None, "floor": None, "cap": None,
                 "away_code": None, "home_code": None}
    n = len(parts)
    kind = "series" if n == 1 else "event" if n == 2 else "market"
    out["kind"] = kind
    out["event_ticker"] = "-".join(parts[:-1]) if kind == "market" else (t if kind == "event" else None)
    rest = None
    if n >= 2:
        m = _DAY.match(parts[1])
        if m:
            yy, mon, dd, _hm, rest = m.groups()
            if dd:
                try:
                    out["event_date"] = date(2000 + int(yy), _MONTHS[mon], int(dd))
                except ValueError:
                    pass
        else:
            y = _YEAR.match(parts[1])
            if y:
                rest = y.group(5)
    mc = parts[-1] if kind == "market" else None
    if mc:
        if family == "sports_spread":
            m = _TEAMNUM.match(mc)
            if m:
                out["strike_kind"], out["floor"] = "greater", float(m.group(2)) - 0.5
                mc = m.group(1)
        elif _TB.match(mc):
            letter, neg, num = _TB.match(mc).groups()
            value = -float(num) if neg else float(num)
            if letter == "B":
                out["strike_kind"] = "between"
                if family.startswith("weather"):
                    out["floor"], out["cap"] = value - 0.5, value + 0.5
            else:
                out["strike_kind"], out["floor"] = "greater", value
        elif _BARE.match(mc):
            out["strike_kind"], out["floor"] = "greater", float(mc)
    if rest and family in ("sports_game", "sports_spread", "sports_total") and mc:
        for k in (5, 4, 3, 2):
            away, home = rest[:k], rest[k:]
            if 2 <= len(home) <= 5 and mc in (away, home):
                out["away_code"], out["home_code"] = away, home
                break
    return out


# ---------------------------------------------------------------------------------------------------
# Inputs


def sampled_tickers(n: int) -> pl.Series:
    world = KalshiWorld(seed=SEED)
    pool = [m.ticker for m in world.markets]
    rng = random.Random(SEED)
    return pl.Series("ticker", rng.choices(pool, k=n))


def distinct_tickers(n: int) -> pl.Series:
    world = KalshiWorld(seed=SEED, scale=20)
    base = pl.Series("ticker", [m.ticker for m in world.markets])
    # Re-date the event code into other years (2030, 2031, ...) until there are n distinct tickers.
    out = base.unique(maintain_order=True)
    for k in range(60):
        if len(out) >= n:
            break
        variant = base.str.replace(r"^([^-]+)-\d{2}", f"${{1}}-{30 + k}")
        out = pl.concat([out, variant]).unique(maintain_order=True)
    return out.head(n)


def _time(fn, repeats: int = REPEATS) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return median(runs), result


def main(argv: list[str] | None = None) -> dict:
    n = int(argv[0]) if argv else N
    figures: dict = {**header(), "n": n}

    sampled = sampled_tickers(n)
    figures["sampled_distinct"] = sampled.n_unique()
    seconds, parsed = _time(lambda: parse_tickers(sampled, kind="market"))
    assert isinstance(parsed, pl.DataFrame) and parsed.height == n
    figures["vectorised_sampled_s"] = round(seconds, 3)
    figures["sampled_other_share"] = round(float((parsed.get_column("category") == "Other").mean()), 6)
    print(f"vectorised, {n:,} sampled tickers ({figures['sampled_distinct']:,} distinct): {seconds:.2f} s "
          f"({n / seconds:,.0f} tickers/s)")

    distinct = distinct_tickers(n)
    figures["distinct_n"] = len(distinct)
    seconds_d, parsed_d = _time(lambda: parse_tickers(distinct, kind="market"))
    assert isinstance(parsed_d, pl.DataFrame)
    scale = n / len(distinct)
    figures["vectorised_distinct_s"] = round(seconds_d, 3)
    figures["vectorised_distinct_s_per_1m"] = round(seconds_d * scale * 1_000_000 / n, 3)
    figures["distinct_parsed_share"] = round(float((parsed_d.get_column("parse_status") == "parsed").mean()), 6)
    print(f"vectorised, {len(distinct):,} distinct tickers: {seconds_d:.2f} s ({len(distinct) / seconds_d:,.0f} "
          f"tickers/s)")

    subset = sampled.head(min(BASELINE_N, n)).to_list()
    seconds_b, rows = _time(lambda: [python_parse(t) for t in subset], repeats=1)
    assert isinstance(rows, list) and len(rows) == len(subset)
    baseline_1m = seconds_b * n / len(subset)
    figures["baseline_subset_n"] = len(subset)
    figures["baseline_subset_s"] = round(seconds_b, 3)
    figures["baseline_extrapolated_s"] = round(baseline_1m, 2)
    figures["speedup_sampled"] = round(baseline_1m / seconds, 1)
    figures["speedup_distinct"] = round(baseline_1m / (seconds_d * scale), 1)
    print(f"row-by-row Python, {len(subset):,} tickers: {seconds_b:.2f} s -> {baseline_1m:.1f} s per {n:,} "
          f"({len(subset) / seconds_b:,.0f} tickers/s)")
    print(f"speed-up: {figures['speedup_sampled']}x on sampled, {figures['speedup_distinct']}x on distinct tickers")
    figures["loadavg_end"] = loadavg()
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
