"""BTC edges: ``core.btc.edges.compute_edges`` on 100k markets with their latest quotes, next to a
per-market Python loop (``edge_one``: the same model with ``math`` and the Decimal fee per market).

Run: ``.venv/bin/python benchmarks/bench_btc_edges.py [N]`` (default N = 100,000), or
``python -m benchmarks btc_edges``.

The input is a synthetic ladder universe around a spot of $90,000: thresholds (greater / greater_or_equal),
ranges (between) and tails (less / less_or_equal), horizons from 1 minute to 7 days, asks on the
cent or deci-cent grid with some sides missing, fee types and multipliers of real series, and a few
markets without a contract or horizon: every branch of the engine is exercised. The vectorised result
is checked against the loop on the subset the loop runs (probabilities to 1e-9, fees exact, the same
skip reasons and directions). Timings are the median of ``REPEATS`` runs; load is recorded.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, median  # noqa: E402
from kalshi_platform.core.btc.edges import INPUT_SCHEMA, EdgeParams, SigmaInput, SpotInput, compute_edges, edge_one  # noqa: E402

N = 100_000
LOOP_N = 20_000
REPEATS = 3
AS_OF = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SPOT = SpotInput(Decimal("90000.5"), AS_OF - timedelta(seconds=2), "bitstamp,coinbase,kraken", 3, 3)
SIGMA = SigmaInput(0.52, "ewma", None, AS_OF)


def synthetic_markets(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["greater", "greater_or_equal", "less", "less_or_equal", "between"], size=n,
                       p=[0.35, 0.15, 0.1, 0.05, 0.35])
    centre = np.round(90_000 + rng.normal(0, 4000, n), -2)
    floor = np.where(np.isin(kinds, ["greater", "greater_or_equal", "between"]), centre - 0.01, np.nan)
    cap = np.where(kinds == "between", centre + 249.99, np.where(np.isin(kinds, ["less", "less_or_equal"]), centre, np.nan))
    horizon_s = np.exp(rng.uniform(np.log(60), np.log(7 * 86_400), n))
    expiry = [AS_OF + timedelta(seconds=float(s)) for s in horizon_s]
    deci = rng.random(n) < 0.5
    ask_yes = np.where(deci, rng.integers(1, 1000, n) / 1000, rng.integers(1, 100, n) / 100)
    spread = np.where(deci, rng.integers(1, 40, n) / 1000, rng.integers(1, 5, n) / 100)
    ask_no = np.clip(np.round(1 - ask_yes + spread, 3), 0.001, 1.0)
    yes_missing = rng.random(n) < 0.05
    no_missing = rng.random(n) < 0.05
    status = rng.choice(["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "missing_contract", "missing_close_time"], size=n)
    fee_type = rng.choice(["quadratic", "quadratic_with_maker_fees", "flat"], size=n, p=[0.8, 0.15, 0.05])
    mult = rng.choice(["1", "0.5", "2"], size=n, p=[0.8, 0.1, 0.1])

    def dec(values: np.ndarray, missing: np.ndarray | None = None) -> list:
        out = [None if (isinstance(v, float) and np.isnan(v)) else Decimal(f"{v:.6f}") for v in values.tolist()]
        if missing is not None:
            out = [None if m else v for v, m in zip(out, missing.tolist(), strict=True)]
        return out

    return pl.DataFrame({
        "ticker": [f"KXBTCD-BENCH-{k}" for k in range(n)],
        "event_ticker": [f"KXBTCD-BENCH-{k // 20}" for k in range(n)],
        "series_ticker": ["KXBTCD"] * n,
        "contract_status": status.tolist(),
        "strike_type": kinds.tolist(),
        "floor_strike": dec(floor),
        "cap_strike": dec(cap),
        "expiry": expiry,
        "horizon_source": ["close_time"] * n,
        "settlement_window_s": [60] * n,
        "has_quote": (rng.random(n) > 0.02).tolist(),
        "yes_ask": dec(ask_yes, yes_missing),
        "no_ask": dec(ask_no, no_missing),
        "quoted_at": [AS_OF] * n,
        "fee_type": fee_type.tolist(),
        "fee_multiplier": dec(mult.astype(float)),
    }, schema=INPUT_SCHEMA)


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
    markets = synthetic_markets(n)
    params = EdgeParams(threshold_bps=200, order_contracts=Decimal(1))
    seconds, edges = _time(lambda: compute_edges(markets, as_of=AS_OF, spot=SPOT, sigma=SIGMA, params=params))
    assert isinstance(edges, pl.DataFrame) and edges.height == n
    figures["vectorised_s"] = round(seconds, 3)
    figures["vectorised_markets_per_s"] = round(n / seconds)
    print(f"vectorised: {n:,} markets in {seconds:.3f} s ({n / seconds:,.0f} markets/s)")

    loop_n = min(LOOP_N, n)
    rows = markets.head(loop_n).to_dicts()
    seconds_loop, looped = _time(lambda: [edge_one(r, as_of=AS_OF, spot=SPOT, sigma=SIGMA, params=params) for r in rows],
                                 repeats=1)
    per_n = seconds_loop * n / loop_n
    figures["loop_subset_n"] = loop_n
    figures["loop_subset_s"] = round(seconds_loop, 3)
    figures["loop_extrapolated_s"] = round(per_n, 2)
    figures["speedup"] = round(per_n / seconds, 1)
    print(f"per-market Python loop: {loop_n:,} markets in {seconds_loop:.2f} s -> {per_n:.1f} s per {n:,}")
    print(f"speed-up: {figures['speedup']}x")

    # The two must agree where both ran.
    head = edges.head(loop_n)
    mismatches = 0
    for got, want in zip(head.iter_rows(named=True), looped, strict=True):
        same_prob = (got["model_prob"] is None) == (want["model_prob"] is None) and (
            got["model_prob"] is None or abs(got["model_prob"] - want["model_prob"]) < 1e-9)
        if not (same_prob and got["skip_reason"] == want["skip_reason"] and got["direction"] == want["direction"]
                and got["yes_fee"] == want["yes_fee"] and got["no_fee"] == want["no_fee"]):
            mismatches += 1
    figures["mismatches_vs_loop"] = mismatches
    figures["skip_reasons"] = dict(edges.group_by("skip_reason").len().sort("skip_reason").iter_rows())
    figures["loadavg_end"] = loadavg()
    assert mismatches == 0, f"{mismatches} rows differ between the vectorised engine and the loop"
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
