"""Weather: Open-Meteo responses to member rows, the bracket model over many days, the sandbox's ensemble API.

Run: ``.venv/bin/python benchmarks/bench_weather.py [DAYS]`` (default 5,000 city-days), or ``python -m benchmarks weather``.

- sandbox: ``GET /v1/ensemble`` for one station, one model, six days (GEFS 31 / ECMWF 51 members), in-process;
- rows: ``ModelForecast.rows`` (parse + one row per member per day, with the response slice as raw_json);
- model: ``core.weather.model.weather_signals`` on DAYS city-days x 82 members x 6 brackets with quotes and
  exact fees (what a backtest over history feeds it); a row-by-row Python loop on 1/10 of it for scale.

Timings are the median of ``REPEATS`` runs (2 cores shared with other work; load recorded).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, summary  # noqa: E402
from kalshi_platform.clients.openmeteo import (  # noqa: E402
    SANDBOX_ENSEMBLE_BASE_URL,
    SANDBOX_FORECAST_BASE_URL,
    OpenMeteoClient,
)
from kalshi_platform.core.fees import order_fee  # noqa: E402
from kalshi_platform.core.money import DECIMAL_DTYPE  # noqa: E402
from kalshi_platform.core.weather import model as wx  # noqa: E402
from kalshi_platform.core.weather.stations import STATIONS  # noqa: E402
from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxTransport  # noqa: E402

DAYS = 5_000
MEMBERS = 82
REPEATS = 3
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def _timed(fn, repeats: int = REPEATS) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def synthetic(days: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    cities = [s.city for s in STATIONS]
    keys = [(cities[i % len(cities)], date(2020, 1, 1) + timedelta(days=i // len(cities))) for i in range(days)]
    centre = rng.normal(60, 15, size=days)
    values = (centre[:, None] + rng.normal(0, 3, size=(days, MEMBERS))).reshape(-1)
    members = pl.DataFrame({
        "city": np.repeat([k[0] for k in keys], MEMBERS),
        "target_date": pl.Series([k[1] for k in keys for _ in range(MEMBERS)], dtype=pl.Date),
        "model": np.tile(["ncep_gefs025"] * 31 + ["ecmwf_ifs025_ensemble"] * 51, days),
        "source": "ensemble", "member": np.tile(np.arange(MEMBERS), days), "value_f": values,
    })
    rows = []
    for (city, day), c in zip(keys, np.round(centre).astype(int)):
        event = f"KXHIGH{city}-{day:%y%b%d}".upper()
        ladder = [(None, c - 4)] + [(lo, lo + 1) for lo in range(c - 3, c + 5, 2)] + [(c + 5, None)]
        for j, (lo, hi) in enumerate(ladder):
            ask = Decimal(int(rng.integers(2, 60))) / 100
            rows.append((city, day, f"{event}-{j}", event, lo, hi, None, ask - Decimal("0.01"), ask,
                         Decimal(1) - ask + Decimal("0.02"), "quadratic", Decimal(1)))
    markets = pl.DataFrame(rows, schema={
        "city": pl.String, "target_date": pl.Date, "ticker": pl.String, "event_ticker": pl.String, "lo": pl.Int64,
        "hi": pl.Int64, "bracket_problem": pl.String, "yes_bid": DECIMAL_DTYPE, "yes_ask": DECIMAL_DTYPE,
        "no_ask": DECIMAL_DTYPE, "fee_type": pl.String, "fee_multiplier": DECIMAL_DTYPE}, orient="row")
    return members, markets


def python_baseline(members: pl.DataFrame, markets: pl.DataFrame) -> int:
    """Row by row: rounded members per day, share per bracket, edge after the exact fee."""
    by_day: dict = {}
    for city, day, v in members.select("city", "target_date", "value_f").iter_rows():
        by_day.setdefault((city, day), []).append(int(np.floor(v + 0.5)))
    n = 0
    for m in markets.iter_rows(named=True):
        vals = by_day.get((m["city"], m["target_date"]), [])
        inside = sum(1 for d in vals if (m["lo"] is None or d >= m["lo"]) and (m["hi"] is None or d <= m["hi"]))
        p = inside / len(vals)
        _ = p - float(m["yes_ask"]) - float(order_fee(1, m["yes_ask"]))
        n += 1
    return n


def main(argv: list[str]) -> dict:
    days = int(argv[0]) if argv else DAYS
    out: dict = {**header(), "days": days, "members_per_day": MEMBERS}

    exchange = SandboxExchange(SandboxConfig(now=lambda: NOW, enforce_rate_limit=False))
    client = OpenMeteoClient(SANDBOX_ENSEMBLE_BASE_URL, SANDBOX_FORECAST_BASE_URL,
                             transport=SandboxTransport(exchange), requests_per_second=None)
    ny = STATIONS[0]
    start, end = date(2026, 11, 19), date(2026, 11, 24)
    for model, n in (("ncep_gefs025", 31), ("ecmwf_ifs025_ensemble", 51)):
        times, forecast = _timed(lambda model=model: client.daily_highs(ny, model, start, end), repeats=5)
        out[f"sandbox_request_{model}"] = summary(times)
        times, rows = _timed(lambda forecast=forecast: forecast.rows(as_of=NOW, batch_id="bench"), repeats=5)
        out[f"rows_{model}"] = {**summary(times, n * 6), "rows": rows.height}
    client.close()

    members, markets = synthetic(days)
    times, signals = _timed(lambda: wx.weather_signals(members, markets, min_confidence=0.0))
    # per_s: brackets priced per second (each against its day's 82 members, with quotes and fees).
    out["model"] = {**summary(times, markets.height), "member_rows": members.height, "brackets": markets.height}
    assert signals.group_by("event_ticker").agg(pl.col("model_prob").sum())["model_prob"].is_between(0.999, 1.001).all()
    sub = days // 10
    sub_members = members.head(sub * MEMBERS)
    sub_markets = markets.head(sub * 6)
    t = time.perf_counter()
    python_baseline(sub_members, sub_markets)
    baseline_s = (time.perf_counter() - t) * 10
    out["python_row_by_row_extrapolated_s"] = round(baseline_s, 2)
    out["speedup_vs_python"] = round(baseline_s / sorted(times)[len(times) // 2], 1)
    out["loadavg_end"] = loadavg()
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(main(sys.argv[1:]), indent=2, default=str))
