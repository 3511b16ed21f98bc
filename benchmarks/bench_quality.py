"""Quality checks: a Great Expectations validation of a whole table rule over N rows; the drift census.

Run: ``.venv/bin/python benchmarks/bench_quality.py [N]`` (default N = 100,000), or ``python -m benchmarks quality``.

- ``gx_import_s``: importing Great Expectations (paid once per process, on the first check);
- per table rule (raw.kalshi_markets: 26 expectations, raw.kalshi_market_snapshots: 18): the wall time of
  ``core.quality.validate`` on N rows (context, suite, validation, results), median of ``REPEATS``;
- drift: ``core.quality.drift_report`` over N market records of ~60 keys (the check samples at most
  20,000 of the newest batch and 20,000 older ones, so a check never costs more than that).

The rows are valid (every expectation passes), so the time is the full scan, not an early failure.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from benchmarks._util import header, median  # noqa: E402
from kalshi_platform.core.kalshi_parse import KNOWN_MARKET_KEYS  # noqa: E402
from kalshi_platform.core.money import DECIMAL_DTYPE  # noqa: E402
from kalshi_platform.core.quality import drift_report, rule_for, validate  # noqa: E402

N = 100_000
REPEATS = 3
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
TABLES = ("raw.kalshi_markets", "raw.kalshi_market_snapshots")


def frame_for(table: str, n: int) -> pl.DataFrame:
    """N rows every expectation of the table's rule accepts."""
    rule = rule_for(table)
    ids = pl.Series(range(n)).cast(pl.String)
    columns: dict[str, pl.Series] = {}
    for c in rule.columns():
        if c == rule.batch_column:  # one batch: the newest, which the time-series checks read
            columns[c] = pl.Series(c, ["batch-1"] * n)
        elif c in rule.keys:
            columns[c] = "T-" + ids
        elif c in rule.enums:
            columns[c] = pl.Series(c, [sorted(rule.enums[c])[0]] * n)
        elif c in {t.column for t in rule.timestamps}:
            columns[c] = pl.Series(c, [NOW - timedelta(hours=1)] * n, dtype=pl.Datetime("us", "UTC"))
        elif any(c == bid for bid, _ in rule.bid_ask):
            columns[c] = pl.Series(c, ["0.4"] * n).cast(DECIMAL_DTYPE)
        elif any(c == ask for _, ask in rule.bid_ask):
            columns[c] = pl.Series(c, ["0.6"] * n).cast(DECIMAL_DTYPE)
        else:  # prices, counts
            columns[c] = pl.Series(c, ["0.5"] * n).cast(DECIMAL_DTYPE)
    return pl.DataFrame([s.alias(name) for name, s in columns.items()])


def market_json(n: int) -> list[str]:
    keys = sorted(KNOWN_MARKET_KEYS)[:60]
    record = {k: "0.5000" for k in keys}
    return [json.dumps({**record, "ticker": f"T-{j}"}) for j in range(n)]


def main(argv: list[str] | None = None) -> dict:
    n = int(argv[0]) if argv else N
    figures: dict = {**header(), "n": n}

    started = time.perf_counter()
    import great_expectations  # noqa: F401

    figures["gx_import_s"] = round(time.perf_counter() - started, 2)
    print(f"import great_expectations: {figures['gx_import_s']:.2f} s (once per process)")

    for table in TABLES:
        rule = rule_for(table)
        frame = frame_for(table, n)
        seconds = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            outcomes = validate(frame, rule, NOW)
            seconds.append(time.perf_counter() - started)
            assert all(o.passed for o in outcomes.values()), [o.summary() for o in outcomes.values() if not o.passed]
        expectations = sum(len(o.expectations) for o in outcomes.values())
        figures[f"{table}_expectations"] = expectations
        figures[f"{table}_validate_s"] = round(median(seconds), 3)
        print(f"{table}: {expectations} expectations on {n:,} rows: {median(seconds):.2f} s "
              f"({n / median(seconds):,.0f} rows/s)")

    records = market_json(n)
    started = time.perf_counter()
    report = drift_report("raw.kalshi_markets", records, records[: n // 2], KNOWN_MARKET_KEYS)
    figures["drift_s"] = round(time.perf_counter() - started, 3)
    assert not report.drifted
    print(f"drift census, {n:,} + {n // 2:,} records: {figures['drift_s']:.2f} s")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
