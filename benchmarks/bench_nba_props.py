"""NBA props: parsing The Odds API player props and building the Kalshi/sportsbook comparison at scale.

Run: ``.venv/bin/python benchmarks/bench_nba_props.py [GAMES]`` or ``python -m benchmarks nba_props``.

Input: tonight's five sandbox games (2026-11-20, every book of regions us and us2, six prop markets)
as The Odds API serves them, and the open Kalshi ladders of the same games; both are copied under new
game ids until there are GAMES games (a season's night has at most 15; 300 games is about a month of
snapshots compared at once, as a backtest would). Timed: the sandbox serving one event's odds, parsing
the payloads into rows (``core.props.sportsbook``), and the whole comparison (``core.props.signals``:
pairing, power de-vig, consensus, ladder interpolation, exact fees, arbitrage flags).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, median, summary  # noqa: E402
from kalshi_platform.core.kalshi_parse import parse_markets  # noqa: E402
from kalshi_platform.core.props.kalshi import prop_rungs  # noqa: E402
from kalshi_platform.core.props.signals import KALSHI_RUNG_SCHEMA, build_prop_lines  # noqa: E402
from kalshi_platform.core.props.sportsbook import parse_event_odds  # noqa: E402
from kalshi_platform.sandbox import SANDBOX_KALSHI_BASE_URL, SandboxConfig, SandboxExchange, SandboxTransport  # noqa: E402

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
GAMES = 300
REPEATS = 3
MARKETS = "player_points,player_rebounds,player_assists,player_threes,player_blocks,player_steals"


def _timed(fn, repeats: int = REPEATS):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def sources() -> tuple[list[dict], pl.DataFrame, list[float]]:
    exchange = SandboxExchange(SandboxConfig(now=lambda: NOW, enforce_rate_limit=False))
    odds = httpx.Client(transport=SandboxTransport(exchange), base_url="http://odds.sandbox")
    events = odds.get("/v4/sports/basketball_nba/events", params={
        "apiKey": "bench", "commenceTimeFrom": "2026-11-20T15:30:00Z", "commenceTimeTo": "2026-11-21T15:30:00Z"}).json()
    payloads, serve = [], []
    for e in events:
        start = time.perf_counter()
        payloads.append(odds.get(f"/v4/sports/basketball_nba/events/{e['id']}/odds", params={
            "apiKey": "bench", "regions": "us,us2", "markets": MARKETS, "oddsFormat": "american"}).json())
        serve.append(time.perf_counter() - start)
    kalshi = httpx.Client(transport=SandboxTransport(exchange), base_url=SANDBOX_KALSHI_BASE_URL)
    items = []
    for series in ("KXNBAPTS", "KXNBAREB", "KXNBAAST", "KXNBA3PT", "KXNBABLK", "KXNBASTL"):
        items += kalshi.get("/markets", params={"series_ticker": series, "status": "open", "limit": 1000}).json()["markets"]
    markets = parse_markets(items, source="bench", fetched_at=NOW, batch_id="bench").rows
    return payloads, markets, serve


def replicate(payloads: list[dict], markets: pl.DataFrame, games: int) -> tuple[list[dict], pl.DataFrame]:
    """Copies of the slate under new game codes (the date part of the code changes, teams stay)."""
    copies = -(-games // len(payloads))
    if copies > 70:
        raise ValueError("at most 350 games: copies are dated 2026..2095")
    out_payloads, frames = [], []
    for k in range(copies):
        for p in payloads:  # the same night k years later: game id 26NOV20CLESAC -> {26+k}NOV20CLESAC
            out_payloads.append({**p, "id": f"{p['id'][:28]}{k:04d}",
                                 "commence_time": p["commence_time"].replace("2026", str(2026 + k), 1)})
        frames.append(markets.with_columns(pl.col("ticker", "event_ticker").str.replace("-26NOV", f"-{26 + k}NOV")))
    kept = out_payloads[:games]
    codes = {f"{26 + k}" for k in range(copies)}
    return kept, pl.concat(frames, how="vertical_relaxed").filter(
        pl.col("event_ticker").str.split("-").list.get(1).str.slice(0, 2).is_in(list(codes)))


def kalshi_rungs(markets: pl.DataFrame) -> pl.DataFrame:
    rungs, _ = prop_rungs(markets.select("ticker", "event_ticker", "title", "rules_primary", "floor_strike", "status",
                                         "yes_bid", "yes_ask", "no_bid", "no_ask", "yes_bid_size", "yes_ask_size",
                                         "liquidity", "close_time", "expected_expiration_time"))
    return rungs.with_columns(pl.lit("quadratic").alias("fee_type"), pl.lit(1).cast(pl.Decimal(18, 6)).alias(
        "fee_multiplier"), pl.lit(NOW).alias("quoted_at")).select(list(KALSHI_RUNG_SCHEMA))


def main(argv: list[str] | None = None) -> dict:
    argv = argv or []
    games = int(argv[0]) if argv else GAMES
    machine = header()
    payloads, markets, serve = sources()
    big_payloads, big_markets = replicate(payloads, markets, games)
    outcomes = sum(len(m["outcomes"]) for p in big_payloads for b in p["bookmakers"] for m in b["markets"])
    print(f"{len(big_payloads)} games: {outcomes:,} sportsbook outcomes, {big_markets.height:,} Kalshi markets")

    parse_times, parsed = _timed(lambda: parse_event_odds(big_payloads, fetched_at=NOW, batch_id="bench"))
    rows = parsed.rows
    rungs = kalshi_rungs(big_markets)
    build_times, built = _timed(lambda: build_prop_lines(rows, rungs, as_of=NOW))
    joined = built.rows.filter(pl.col("match_status") == "matched").height
    figures = {
        "games": len(big_payloads),
        "outcomes": outcomes,
        "kalshi_markets": big_markets.height,
        "sandbox_event_odds_ms_median": round(median(serve) * 1000, 1),
        "parse": summary(parse_times, outcomes),
        "signals": summary(build_times, built.rows.height),
        "signal_rows": built.rows.height,
        "signal_rows_joined": joined,
        "sportsbook_rows_per_s_through_signals": round(rows.height / median(build_times)),
        "machine": machine,
        "loadavg_end": loadavg(),
    }
    print(f"sandbox event odds: {figures['sandbox_event_odds_ms_median']} ms per event")
    print(f"parse: {figures['parse']['median_ms']} ms for {outcomes:,} outcomes ({figures['parse']['per_s']:,}/s)")
    print(f"signals: {figures['signals']['median_ms']} ms for {built.rows.height:,} rows ({joined:,} joined) from "
          f"{rows.height:,} sportsbook rows and {rungs.height:,} rungs")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
