"""How fast ``core.kalshi_parse.parse_markets`` reads markets in the 2026 wire format.

Run: ``.venv/bin/python benchmarks/bench_parse_markets.py [N ...]`` (default 10000 100000). Prints the
best of a few runs per size, in markets parsed per second, plus the share of time in ``market_snapshot_rows``.
Synthetic markets carry every field a 2026 GET /markets record has (dollar strings, fp counts, RFC3339
times, nested price_ranges / custom_strike), with varied values.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from kalshi_platform.core.kalshi_parse import market_snapshot_rows, parse_markets  # noqa: E402

BASE_TIME = datetime(2026, 6, 1, tzinfo=UTC)


def _rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def synthetic_markets(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        bid = rnd.randint(1, 9_800)  # in 1/10000 dollars: deci-cent prices too
        ask = min(10_000, bid + rnd.randint(1, 300))
        created = BASE_TIME + timedelta(seconds=rnd.randint(0, 86_400 * 30))
        close = created + timedelta(days=rnd.randint(1, 60))
        event = f"KXSYN{i // 50_000}-26JUN{i // 20:05d}"
        out.append(
            {
                "can_close_early": rnd.random() < 0.5,
                "close_time": _rfc3339(close).replace(".000000", ""),
                "created_time": _rfc3339(created),
                "custom_strike": {"team": f"{rnd.getrandbits(64):016x}"},
                "early_close_condition": "This market will close and expire early if the event occurs.",
                "event_ticker": event,
                "expected_expiration_time": _rfc3339(close + timedelta(hours=2)).replace(".000000", ""),
                "expiration_time": _rfc3339(close + timedelta(days=7)).replace(".000000", ""),
                "expiration_value": "",
                "fractional_trading_enabled": rnd.random() < 0.3,
                "last_price_dollars": f"{rnd.randint(bid, ask) / 10_000:.4f}",
                "latest_expiration_time": _rfc3339(close + timedelta(days=7)).replace(".000000", ""),
                "liquidity_dollars": "0.0000",
                "market_type": "binary",
                "no_ask_dollars": f"{(10_000 - bid) / 10_000:.4f}",
                "no_bid_dollars": f"{(10_000 - ask) / 10_000:.4f}",
                "no_sub_title": f"Outcome {i}",
                "notional_value_dollars": "1.0000",
                "open_interest_fp": f"{rnd.randint(0, 10**8) / 100:.2f}",
                "open_time": _rfc3339(created + timedelta(minutes=5)).replace(".000000", ""),
                "previous_price_dollars": f"{rnd.randint(0, 10_000) / 10_000:.4f}",
                "previous_yes_ask_dollars": f"{ask / 10_000:.4f}",
                "previous_yes_bid_dollars": f"{bid / 10_000:.4f}",
                "price_level_structure": "deci_cent" if i % 3 == 0 else "linear_cent",
                "price_ranges": [{"end": "1.0000", "start": "0.0000", "step": "0.0010" if i % 3 == 0 else "0.0100"}],
                "response_price_units": "usd_cent",
                "result": "",
                "rules_primary": f"If outcome {i} happens before {close:%b %d, %Y}, then the market resolves to Yes.",
                "rules_secondary": "",
                "settlement_timer_seconds": 1800,
                "status": "active",
                "strike_type": "greater",
                "floor_strike": rnd.randint(0, 200_000) / 4,
                "ticker": f"{event}-T{i}",
                "title": f"Synthetic market {i}?",
                "updated_time": _rfc3339(created + timedelta(hours=rnd.randint(0, 500))),
                "volume_24h_fp": f"{rnd.randint(0, 10**6) / 100:.2f}",
                "volume_fp": f"{rnd.randint(0, 10**9) / 100:.2f}",
                "yes_ask_dollars": f"{ask / 10_000:.4f}",
                "yes_ask_size_fp": f"{rnd.randint(0, 10**6) / 100:.2f}",
                "yes_bid_dollars": f"{bid / 10_000:.4f}",
                "yes_bid_size_fp": f"{rnd.randint(0, 10**6) / 100:.2f}",
                "yes_sub_title": f"Outcome {i}",
            }
        )
    return out


def bench(n: int, repeats: int = 5) -> tuple[float, float]:
    items = synthetic_markets(n)
    fetched_at = datetime.now(UTC)
    parse_markets(items[:1000], source="bench warm-up", fetched_at=fetched_at, batch_id="warm-up")
    best = best_snap = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        parsed = parse_markets(items, source="bench GET /markets", fetched_at=fetched_at, batch_id="bench")
        mid = time.perf_counter()
        market_snapshot_rows(parsed.rows)
        end = time.perf_counter()
        assert parsed.rows.height == n and parsed.rejects.height == 0, parsed.rejects.head()
        best = min(best, mid - start)
        best_snap = min(best_snap, end - mid)
    return n / best, best_snap


def main(argv: list[str] | None = None) -> dict:
    sizes = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [10_000, 100_000]
    figures: dict = {}
    for n in sizes:
        rate, snap = bench(n)
        print(f"parse_markets {n:>9,} markets: {rate:>10,.0f} markets/s   (snapshot rows {snap * 1000:.1f} ms)")
        figures[f"n{n}"] = {"markets_per_s": round(rate), "snapshot_rows_ms": round(snap * 1000, 2)}
    return figures


if __name__ == "__main__":
    main()
