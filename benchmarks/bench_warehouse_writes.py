"""Warehouse write helpers and snapshot: append / upsert / replace_partition of 100k x 41 rows, publish_snapshot.

Run: ``.venv/bin/python benchmarks/bench_warehouse_writes.py [N]`` (default 100000).

A table of the width of the raw Kalshi tables: ticker, fetched_at (TIMESTAMPTZ), day (DATE, the
partition), 12 DECIMAL(18,6) prices (exact: built from strings, never floats), 10 VARCHAR, 8 DOUBLE,
8 BIGINT. Frames go through the platform's helpers (``warehouse.writes``), as the assets do.

Per repeat (fresh temporary warehouse, median of 3), the sequence of the original timing script:
append N into an empty table; upsert N whose keys all match (N rows); upsert N of which half are new;
upsert N on a 2-column key (half match); append N into the resulting 2N rows. Then ``replace_partition`` of one
day (N rows) in a table of 3 days x N rows (3 times on the same table; each replace leaves it as it
was), and ``publish_snapshot`` of a ~100 MB warehouse: with no connection open (the file copy path),
and while this process holds the warehouse open read-write (the ``COPY FROM DATABASE`` path).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, summary  # noqa: E402
from kalshi_platform.core.money import DECIMAL_DTYPE  # noqa: E402
from kalshi_platform.warehouse import Warehouse, append, publish_snapshot, replace_partition, upsert  # noqa: E402

N = 100_000
REPEATS = 3
SNAPSHOT_TARGET_MB = 100
TABLE = "raw.bench"
PART_TABLE = "raw.bench_part"
BASE_DAY = np.datetime64("2026-03-12")

DDL_COLUMNS = (
    ["ticker VARCHAR", "fetched_at TIMESTAMPTZ", "day DATE"]
    + [f"price_{j} DECIMAL(18,6)" for j in range(12)]
    + [f"s_{j} VARCHAR" for j in range(10)]
    + [f"f_{j} DOUBLE" for j in range(8)]
    + [f"i_{j} BIGINT" for j in range(8)]
)


def frame(n: int, offset: int = 0, *, day: int = 0, seed: int = 0) -> pl.DataFrame:
    """``n`` rows with tickers ``offset .. offset+n-1``, all on ``BASE_DAY + day``."""
    rng = np.random.default_rng(seed + offset)
    start = (BASE_DAY + day).astype("datetime64[s]")
    seconds = (np.arange(n) * 86_400 // max(n, 1)).astype("timedelta64[s]")
    cols: dict[str, object] = {
        "ticker": [f"KXBTC-{i:08d}" for i in range(offset, offset + n)],
        "fetched_at": pl.Series((start + seconds).astype("datetime64[us]")).dt.replace_time_zone("UTC"),
        "day": pl.Series(np.full(n, BASE_DAY + day, dtype="datetime64[D]")),
    }
    for j in range(12):
        # "0.123456"-style strings cast to decimal: exact, no float on the way.
        cols[f"price_{j}"] = pl.Series(rng.integers(0, 1_000_000, n).astype(str)).str.zfill(6)
    for j in range(10):
        cols[f"s_{j}"] = [f"text-{j}-{i}" for i in range(offset, offset + n)]
    for j in range(8):
        cols[f"f_{j}"] = rng.random(n)
    for j in range(8):
        cols[f"i_{j}"] = rng.integers(0, 10**9, n)
    df = pl.DataFrame(cols)
    return df.with_columns(
        [(pl.lit("0.") + pl.col(f"price_{j}")).cast(DECIMAL_DTYPE).alias(f"price_{j}") for j in range(12)]
    )


def _warehouse(d: str) -> Warehouse:
    return Warehouse(os.path.join(d, "wh.duckdb"), os.path.join(d, "snap.duckdb"))


def _timed(times: dict[str, list[float]], label: str, fn, check=None):
    gc.collect()
    start = time.perf_counter()
    result = fn()
    times.setdefault(label, []).append(time.perf_counter() - start)
    if check is not None:
        assert check(result), (label, result)
    return result


def writes_sequence(n: int) -> dict[str, list[float]]:
    base, half_new, more = frame(n), frame(n, offset=n // 2), frame(n, offset=3 * n)
    times: dict[str, list[float]] = {}
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory(prefix="bench-wh-") as d, _warehouse(d).connect() as con:
            con.execute(f"CREATE TABLE {TABLE} ({', '.join(DDL_COLUMNS)})")
            _timed(times, "append_into_empty", lambda: append(con, TABLE, base), lambda r: r.rows_after == n)
            _timed(times, "upsert_all_keys_match", lambda: upsert(con, TABLE, base, ["ticker"]),
                   lambda r: r.deleted == n and r.rows_after == n)
            _timed(times, "upsert_half_new", lambda: upsert(con, TABLE, half_new, ["ticker"]),
                   lambda r: r.deleted == n - n // 2 and r.rows_after == n + n // 2)
            # (ticker, fetched_at): the first half of ``base`` matches, the second half's tickers now
            # hold ``half_new`` rows with other fetched_at values, so they come in as new rows.
            _timed(times, "upsert_2col_key", lambda: upsert(con, TABLE, base, ["ticker", "fetched_at"]),
                   lambda r: r.deleted == n // 2 and r.rows_after == 2 * n)
            _timed(times, "append_into_2n", lambda: append(con, TABLE, more), lambda r: r.rows_after == 3 * n)
    return times


def partition_replace(n: int) -> tuple[dict[str, list[float]], int]:
    times: dict[str, list[float]] = {}
    days = 3
    replacement = frame(n, offset=n, day=1, seed=99)  # same tickers as day 1, new values
    with tempfile.TemporaryDirectory(prefix="bench-wh-") as d, _warehouse(d).connect() as con:
        con.execute(f"CREATE TABLE {PART_TABLE} ({', '.join(DDL_COLUMNS)})")
        for day in range(days):
            append(con, PART_TABLE, frame(n, offset=day * n, day=day))
        con.execute("CHECKPOINT")
        day1 = BASE_DAY + 1
        values = [day1.astype(object)]
        for _ in range(REPEATS):
            _timed(times, "replace_partition_one_day", lambda: replace_partition(con, PART_TABLE, replacement, "day", values),
                   lambda r: r.deleted == n and r.inserted == n and r.rows_after == days * n)
    return times, days * n


def snapshots(n: int) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-wh-") as d:
        wh = _warehouse(d)
        rows = 0
        with wh.connect() as con:
            con.execute(f"CREATE TABLE {TABLE} ({', '.join(DDL_COLUMNS)})")
            k = 0
            while True:
                append(con, TABLE, frame(n, offset=10 * n + k * n, day=k % 7))
                rows += n
                k += 1
                con.execute("CHECKPOINT")
                if os.path.getsize(wh.path) / 1e6 >= SNAPSHOT_TARGET_MB:
                    break
        size_mb = os.path.getsize(wh.path) / 1e6
        times: dict[str, list[float]] = {}
        info = None
        for _ in range(REPEATS):
            info = _timed(times, "publish_snapshot_file_copy", lambda: publish_snapshot(wh.path, wh.snapshot_path))
            assert info.method == "file_copy" and info.tables.get("raw.bench") == rows, info
        with wh.connect() as con:  # held open read-write: publish must go through COPY FROM DATABASE
            con.execute("SELECT 1").fetchall()
            for _ in range(REPEATS):
                info2 = _timed(times, "publish_snapshot_copy_database", lambda: publish_snapshot(wh.path, wh.snapshot_path))
                assert info2.method == "copy_database" and info2.tables.get("raw.bench") == rows, info2
        out = {
            "warehouse_mb": round(size_mb, 1),
            "rows": rows,
            "file_copy_snapshot_mb": round(info.bytes / 1e6, 1),
            "copy_database_snapshot_mb": round(info2.bytes / 1e6, 1),
            **{label: summary(ts) for label, ts in times.items()},
        }
        for label in ("publish_snapshot_file_copy", "publish_snapshot_copy_database"):
            out[label]["mb_per_s"] = round(size_mb / (out[label]["median_ms"] / 1000), 1)
    return out


def main(argv: list[str] | None = None) -> dict:
    args = argv if argv is not None else sys.argv[1:]
    n = int(args[0]) if args else N
    probe = frame(1000)
    figures: dict = {**header(), "n": n, "columns": probe.width, "repeats": REPEATS}
    print(f"frames: {n:,} rows x {probe.width} columns (12 DECIMAL(18,6)); medians of {REPEATS}")
    for label, ts in writes_sequence(n).items():
        figures[label] = summary(ts, n)
    part_times, part_rows = partition_replace(n)
    figures["replace_partition_one_day"] = {**summary(part_times["replace_partition_one_day"], n), "table_rows": part_rows}
    for label in ("append_into_empty", "upsert_all_keys_match", "upsert_half_new", "upsert_2col_key",
                  "append_into_2n", "replace_partition_one_day"):
        f = figures[label]
        print(f"  {label:<28} {f['median_ms']:8.0f} ms  ({f['min_ms']:.0f}-{f['max_ms']:.0f})  {f['per_s']:>9,} rows/s")
    snap = snapshots(n)
    figures["snapshot"] = snap
    for label in ("publish_snapshot_file_copy", "publish_snapshot_copy_database"):
        f = snap[label]
        print(f"  {label:<28} {f['median_ms']:8.0f} ms  ({f['min_ms']:.0f}-{f['max_ms']:.0f})  {f['mb_per_s']:>9,} MB/s"
              f"  of a {snap['warehouse_mb']} MB warehouse ({snap['rows']:,} rows)")
    figures["loadavg_end"] = loadavg()
    print(f"load average start {figures['loadavg_start']} end {figures['loadavg_end']}")
    return figures


if __name__ == "__main__":
    main()
