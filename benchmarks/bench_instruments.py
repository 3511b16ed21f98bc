"""Instrument master: ``core.instruments.build_instruments`` on 1M markets next to a row-by-row baseline.

Run: ``.venv/bin/python benchmarks/bench_instruments.py [N]`` or ``python -m benchmarks instruments``.

Input: the sandbox world at scale 20 (~100k markets with their events and series, every family),
re-dated into other years until there are N distinct markets, with the API fields the instruments
asset reads (titles, sub-titles, strike type and bounds, status, category). The baseline does the same
job one market at a time in plain Python: the row-by-row ticker parser of bench_tickers, dictionary
joins to the event and series, and string formatting of the display name; it runs on a 100k subset and
is extrapolated to N.
"""

from __future__ import annotations

import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, median  # noqa: E402
from benchmarks.bench_tickers import python_parse  # noqa: E402
from kalshi_platform.core.instruments import build_instruments  # noqa: E402
from kalshi_platform.core.money import DECIMAL_DTYPE  # noqa: E402
from kalshi_platform.sandbox.world import KalshiWorld  # noqa: E402

N = 1_000_000
BASELINE_N = 100_000
REPEATS = 3
SEED = 7


def inputs(n: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    world = KalshiWorld(seed=SEED, scale=20)
    series = pl.DataFrame(
        {"ticker": [s.ticker for s in world.series], "title": [s.title for s in world.series],
         "category": [s.category for s in world.series]}
    )
    events = pl.DataFrame(
        {"event_ticker": [e.event_ticker for e in world.events], "series_ticker": [e.series_ticker for e in world.events],
         "title": [e.title for e in world.events], "sub_title": [e.sub_title for e in world.events]}
    )
    markets = pl.DataFrame(
        {
            "ticker": [m.ticker for m in world.markets],
            "event_ticker": [world.events[m.event_index].event_ticker for m in world.markets],
            "title": [m.title for m in world.markets],
            "yes_sub_title": [m.yes_sub_title for m in world.markets],
            "strike_type": [m.strike_type for m in world.markets],
            "floor_strike": [None if m.floor_strike is None else str(m.floor_strike) for m in world.markets],
            "cap_strike": [None if m.cap_strike is None else str(m.cap_strike) for m in world.markets],
            "status": ["active"] * len(world.markets),
        }
    ).with_columns(pl.col("floor_strike", "cap_strike").cast(DECIMAL_DTYPE, strict=False))
    # Re-date into other years until there are n distinct markets (and matching events).
    redate = r"^([^-]+)-\d{2}"
    frames_m, frames_e = [markets], [events]
    k = 0
    while pl.concat(frames_m).get_column("ticker").n_unique() < n and k < 60:
        year = f"${{1}}-{30 + k}"
        frames_m.append(markets.with_columns(pl.col("ticker", "event_ticker").str.replace(redate, year)))
        frames_e.append(events.with_columns(pl.col("event_ticker").str.replace(redate, year)))
        k += 1
    all_markets = pl.concat(frames_m).unique("ticker", maintain_order=True).head(n)
    all_events = pl.concat(frames_e).unique("event_ticker", maintain_order=True)
    return all_markets, all_events, series


def row_by_row(markets: pl.DataFrame, events: pl.DataFrame, series: pl.DataFrame) -> list[dict]:
    event_by = {r["event_ticker"]: r for r in events.iter_rows(named=True)}
    series_by = {r["ticker"]: r for r in series.iter_rows(named=True)}
    out = []
    for m in markets.iter_rows(named=True):
        parsed = python_parse(m["ticker"])
        event = event_by.get(m["event_ticker"]) or {}
        ser = series_by.get(event.get("series_ticker") or parsed.get("series_ticker")) or {}
        category = ser.get("category") or parsed.get("category")
        outcome = m["yes_sub_title"] or parsed.get("threshold")
        parts = [parsed.get("league") or parsed.get("subcategory"), event.get("title") or m["title"],
                 parsed["event_date"].strftime("%b %-d, %Y") if parsed.get("event_date") else None, outcome]
        out.append({**parsed, "category": category, "display_name": " · ".join(p for p in parts if p),
                    "floor": m["floor_strike"], "cap": m["cap_strike"]})
    return out


def _time(fn, repeats: int = REPEATS):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def main(argv: list[str] | None = None) -> dict:
    argv = argv or []
    n = int(argv[0]) if argv else N
    machine = header()
    print(f"instruments for {n:,} markets")
    load_start = loadavg()
    started = time.perf_counter()
    markets, events, series = inputs(n)
    prep_s = time.perf_counter() - started
    print(f"inputs: {markets.height:,} markets, {events.height:,} events, {series.height} series ({prep_s:.1f} s)")

    vec_times, built = _time(lambda: build_instruments(markets, events, series))
    assert built.height == markets.height
    as_ticker = built.filter(pl.col("display_name") == pl.col("ticker")).height
    other = built.filter(pl.col("category") == "Other").height

    subset = markets.head(BASELINE_N)
    base_times, _ = _time(lambda: row_by_row(subset, events, series), repeats=1)
    base_full = base_times[0] * n / subset.height
    vec = median(vec_times)
    figures = {
        "n": n,
        "vectorised_s_median": round(vec, 2),
        "vectorised_s_runs": [round(t, 2) for t in vec_times],
        "vectorised_markets_per_s": round(n / vec),
        "baseline_s_100k": round(base_times[0], 2),
        "baseline_s_extrapolated": round(base_full, 1),
        "speedup": round(base_full / vec, 1),
        "aim_s": 5.0,
        "aim_met": vec <= 5.0,
        "display_name_is_ticker": as_ticker,
        "category_other": other,
        "machine": machine,
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
    }
    print(f"vectorised: {vec:.2f} s for {n:,} ({n / vec:,.0f}/s); runs {figures['vectorised_s_runs']}")
    print(f"row-by-row: {base_times[0]:.2f} s for {subset.height:,} -> {base_full:.1f} s for {n:,} "
          f"(vectorised is {figures['speedup']}x faster)")
    print(f"display_name equal to ticker: {as_ticker}; category Other: {other}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
