"""Trading stages: the paper engine over 100k signals, the signals union, and calibration over 1M forecasts.

Run: ``.venv/bin/python benchmarks/bench_trading.py [N_SIGNALS] [N_FORECASTS]`` or ``python -m benchmarks trading``.

- engine: ``core.trading.engine.plan_orders`` on N signals (random tickers, directions, edges, asks, fees)
  with 10% of the tickers ordered within the cooldown: every gate, the dedup per market, the cap, the
  clamp, Kelly sizing and the exact fee expression;
- union: ``core.trading.signals.to_signals`` on N rows of one signal table (ids, implied probability,
  horizon, actionable);
- calibration: ``core.calibration.calibration_summary`` + ``reliability_bins`` on M forecasts of 4 models
  (including the one-per-market-and-horizon selection).

Timings are the median of ``REPEATS`` runs (2 shared cores; load is recorded).
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

from benchmarks._util import header, loadavg, summary  # noqa: E402
from kalshi_platform.core.calibration import calibration_summary, reliability_bins  # noqa: E402
from kalshi_platform.core.calibration import forecasts as select_forecasts  # noqa: E402
from kalshi_platform.core.money import DECIMAL_DTYPE  # noqa: E402
from kalshi_platform.core.trading.config import EngineConfig  # noqa: E402
from kalshi_platform.core.trading.engine import plan_orders  # noqa: E402
from kalshi_platform.core.trading.signals import SOURCES, to_signals  # noqa: E402

N_SIGNALS = 100_000
N_FORECASTS = 1_000_000
REPEATS = 3
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def _cents(rng: np.random.Generator, n: int, lo: int, hi: int) -> pl.Series:
    return pl.Series(rng.integers(lo, hi, n)).cast(pl.Decimal(38, 0)).cast(DECIMAL_DTYPE) / 100


def signals_frame(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    tickers = [f"KXBTCD-26NOV20-T{90000 + i}" for i in rng.integers(0, n // 2, n)]
    yes_ask = _cents(rng, n, 2, 99)
    return pl.DataFrame({
        "signal_id": [f"btc_edge|{i}" for i in range(n)],
        "signal_type": rng.choice(["btc_edge", "btc15m", "weather", "nba_prop"], n),
        "ticker": tickers,
        "direction": rng.choice(["buy_yes", "buy_no", None], n, p=[0.45, 0.45, 0.10]),
        "model_prob": rng.uniform(0, 1, n),
        "edge_bps": rng.normal(200, 400, n),
        "confidence": rng.uniform(0, 1, n),
        "as_of": [NOW] * n,
        "expiry": [NOW + timedelta(hours=3)] * n,
        "skip_reason": rng.choice([None, "stale_spot"], n, p=[0.95, 0.05]),
        "yes_ask": yes_ask,
        "no_ask": (1 - yes_ask + Decimal("0.02")).clip(upper_bound=Decimal("0.99")),
        "market_status": rng.choice(["active", "closed"], n, p=[0.97, 0.03]),
        "fee_type": rng.choice(["quadratic", "quadratic_with_maker_fees"], n),
        "fee_multiplier": pl.Series([Decimal(1)] * n, dtype=DECIMAL_DTYPE),
    })


def recent_frame(signals: pl.DataFrame, share: float = 0.1) -> pl.DataFrame:
    sample = signals.sample(fraction=share, seed=1)
    return sample.select("ticker", "direction", pl.lit(NOW - timedelta(minutes=10)).alias("created_at"))


def forecasts_frame(n: int, seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    return pl.DataFrame({
        "model": rng.choice(["btc_gbm", "btc_15m", "weather_ensemble", "nba_props"], n),
        "ticker": [f"T{i}" for i in rng.integers(0, n // 3, n)],
        "as_of": pl.Series([NOW] * n).dt.offset_by("0s") - pl.Series(rng.integers(0, 10**6, n)).cast(pl.Duration("ms")),
        "horizon_hours": rng.exponential(8, n),
        "model_prob": p,
        "market_prob": np.where(rng.uniform(0, 1, n) < 0.8, np.clip(p + rng.normal(0, 0.1, n), 0, 1), np.nan),
        "outcome": (rng.uniform(0, 1, n) < p).astype(np.int8),
    }).with_columns(pl.col("market_prob").fill_nan(None))


def _time(fn, repeats: int = REPEATS) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main(argv: list[str]) -> dict:
    n = int(argv[0]) if argv else N_SIGNALS
    m = int(argv[1]) if len(argv) > 1 else N_FORECASTS
    figures: dict = header()
    signals = signals_frame(n)
    recent = recent_frame(signals)
    config = EngineConfig(max_orders_per_cycle=50)
    plan = plan_orders(signals, recent, config, NOW)
    figures["engine"] = {"signals": n, "orders": int((plan["decision"] == "order").sum()),
                         **summary(_time(lambda: plan_orders(signals, recent, config, NOW)), n)}
    print(f"engine: {n:,} signals -> {figures['engine']['orders']} orders, median {figures['engine']['median_ms']} ms "
          f"({figures['engine']['per_s']:,} signals/s)")
    table = signals.select("as_of", "ticker", "model_prob", "yes_ask", "no_ask", "direction", "edge_bps", "confidence",
                           "expiry", "skip_reason").with_columns(pl.Series("ticker", [f"T{i}" for i in range(n)]))
    figures["union"] = {"rows": n, **summary(_time(lambda: to_signals(table, SOURCES[0])), n)}
    print(f"signals union: {n:,} rows, median {figures['union']['median_ms']} ms ({figures['union']['per_s']:,} rows/s)")
    forecasts = forecasts_frame(m)

    def calibrate() -> None:
        # As the asset does: select the forecasts once (one per market and horizon), then both views.
        rows = select_forecasts(forecasts)
        calibration_summary(rows)
        reliability_bins(rows)

    figures["calibration"] = {"forecasts": m, **summary(_time(calibrate), m)}
    print(f"calibration: {m:,} forecasts, median {figures['calibration']['median_ms']} ms "
          f"({figures['calibration']['per_s']:,} forecasts/s)")
    figures["loadavg_end"] = loadavg()
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
