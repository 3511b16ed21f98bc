"""Markets parsed and stored per second (parse_markets + upsert into raw.kalshi_markets), 2026 wire format.

Run: ``.venv/bin/python benchmarks/bench_ingest_markets.py [N ...]`` (default 10000 100000).

Payloads are the sandbox world's own GET /markets records (``KalshiWorld.market_dicts`` of the first N
markets of a scale-20 world, ~100k markets), passed through the sandbox's JSON encoder and
``json.loads`` so they are exactly what the client hands to the parser. Building them is timed on its
own and excluded. Then, per repeat (median of 3):

- parse:    ``kalshi_parse.parse_markets`` (the asset's call);
- store:    ``writes.upsert`` into ``raw.kalshi_markets`` of a fresh temporary warehouse, on the
            natural key ``NATURAL_KEYS["raw.kalshi_markets"]`` (first load: nothing to replace);
- re-store: the same upsert again (idempotent re-materialization of the same frame: every row is
            logically replaced and the row count must not change -- asserted; rows equal to the
            stored ones are left in place, ``unchanged``, so nothing is rewritten);
- re-store, new batch: the same markets under another ``batch_id`` (what a real re-run sends:
            every row differs in ``batch_id`` and is deleted and written again);
- parse+store end to end = parse + first store of the same repeat.

File sizes are taken after a CHECKPOINT following the first store, after the same-rows re-store,
and after the new-batch re-store once the connection is closed (deleted rows' blocks are only reused
by later writes, so that last file holds two copies).

At the largest N a diagnostic also stores the rows without ``raw_json`` (the asset never does this) to
show how much of the store time the raw JSON text costs. The issue's aim: >= 100,000 markets/s
parse+store.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, median, summary  # noqa: E402
from kalshi_platform.core import kalshi_parse as kp  # noqa: E402
from kalshi_platform.sandbox.wire import dumps as wire_dumps  # noqa: E402
from kalshi_platform.sandbox.world import KalshiWorld  # noqa: E402
from kalshi_platform.warehouse import Warehouse  # noqa: E402
from kalshi_platform.warehouse.writes import upsert  # noqa: E402

TABLE = "raw.kalshi_markets"
KEY = kp.NATURAL_KEYS[TABLE]
SIZES = (10_000, 100_000)
REPEATS = 3
SCALE = 20  # ~100k markets
AIM_PER_S = 100_000


def payloads(n: int) -> tuple[list[dict], dict]:
    """The first ``n`` markets of a sandbox world, as decoded wire JSON; plus how long that took."""
    t0 = time.perf_counter()
    world = KalshiWorld(seed=7, anchor=datetime.now(UTC), scale=SCALE)
    t1 = time.perf_counter()
    if world.n_markets < n:
        raise RuntimeError(f"scale {SCALE} world has {world.n_markets:,} markets, fewer than {n:,}")
    now_us = int(time.time() * 1_000_000)
    dicts = world.market_dicts(np.arange(n, dtype=np.int64), now_us)
    t2 = time.perf_counter()
    body = wire_dumps({"cursor": "", "markets": dicts})
    items = json.loads(body)["markets"]
    t3 = time.perf_counter()
    statuses: dict[str, int] = {}
    for item in items:
        statuses[item["status"]] = statuses.get(item["status"], 0) + 1
    info = {
        "world_markets": world.n_markets,
        "world_build_s": round(t1 - t0, 2),
        "market_dicts_s": round(t2 - t1, 2),
        "wire_roundtrip_s": round(t3 - t2, 2),
        "payload_bytes_per_market": round(len(body) / n),
        "statuses": statuses,
    }
    return items, info


def _fresh_warehouse(directory: str) -> Warehouse:
    return Warehouse(os.path.join(directory, "warehouse.duckdb"), os.path.join(directory, "snapshot.duckdb"))


def bench_size(items: list[dict], n: int, *, diagnostic: bool) -> dict:
    items = items[:n]
    fetched_at = datetime.now(UTC)
    kp.parse_markets(items[:1000], source="bench warm-up", fetched_at=fetched_at, batch_id="warm-up")
    parse_s, store_s, restore_s, rebatch_s, e2e_s, bare_s = [], [], [], [], [], []
    file_mb = first_mb = same_mb = raw_json_mb = unchanged = None
    for rep in range(REPEATS):
        gc.collect()
        start = time.perf_counter()
        parsed = kp.parse_markets(items, source="bench GET /markets", fetched_at=fetched_at, batch_id=f"bench-{rep}")
        parse_s.append(time.perf_counter() - start)
        rows = parsed.rows
        assert rows.height == n and parsed.rejects.height == 0, parsed.rejects.head()
        raw_json_mb = round(rows.get_column("raw_json").str.len_bytes().sum() / 1e6, 1)
        rebatched = rows.with_columns(pl.lit(f"bench-{rep}-again").alias("batch_id"))
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as d:
            wh = _fresh_warehouse(d)
            with wh.connect() as con:  # migrations run here, outside the timings
                gc.collect()
                start = time.perf_counter()
                first = upsert(con, TABLE, rows, KEY)
                store_s.append(time.perf_counter() - start)
                assert first.inserted == n and first.deleted == 0 and first.rows_after == n, first
                con.execute("CHECKPOINT")  # untimed: file size after the first load
                first_mb = round(os.path.getsize(wh.path) / 1e6, 1)
                start = time.perf_counter()
                second = upsert(con, TABLE, rows, KEY)
                restore_s.append(time.perf_counter() - start)
                count = con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
                assert second.rows_after == n and second.deleted == n and count == n, (second, count)
                unchanged = second.unchanged
                con.execute("CHECKPOINT")
                same_mb = round(os.path.getsize(wh.path) / 1e6, 1)
                start = time.perf_counter()
                third = upsert(con, TABLE, rebatched, KEY)
                rebatch_s.append(time.perf_counter() - start)
                again = f"bench-{rep}-again"
                count = con.execute(f"SELECT count(*) FROM {TABLE} WHERE batch_id = ?", [again]).fetchone()[0]
                assert (third.rows_after, third.deleted, third.unchanged, count) == (n, n, 0, n), (third, count)
            file_mb = round(os.path.getsize(wh.path) / 1e6, 1)
        e2e_s.append(parse_s[-1] + store_s[-1])
        if diagnostic:
            bare = rows.drop("raw_json")
            with tempfile.TemporaryDirectory(prefix="bench-ingest-") as d:
                wh = _fresh_warehouse(d)
                with wh.connect() as con:
                    start = time.perf_counter()
                    upsert(con, TABLE, bare, KEY)
                    bare_s.append(time.perf_counter() - start)
        del parsed, rows, rebatched
    out = {
        "n": n,
        "parse": summary(parse_s, n),
        "store": summary(store_s, n),
        "restore_same_rows": summary(restore_s, n),
        "restore_same_rows_unchanged": unchanged,
        "restore_new_batch": summary(rebatch_s, n),
        "parse_store": summary(e2e_s, n),
        "file_mb_after_store": first_mb,
        "file_mb_after_restore": same_mb,
        "file_mb_after_restore_new_batch": file_mb,
        "raw_json_mb": raw_json_mb,
        "aim_met": n / median(e2e_s) >= AIM_PER_S,
    }
    if bare_s:
        out["diag_store_without_raw_json"] = summary(bare_s, n)
    return out


def main(argv: list[str] | None = None) -> dict:
    # Under ``python -m benchmarks ingest_markets`` sys.argv holds benchmark names, not sizes.
    args = argv if argv is not None else sys.argv[1:]
    sizes = [int(a.replace("_", "")) for a in args if a.replace("_", "").isdigit()] or list(SIZES)
    figures: dict = {**header(), "repeats": REPEATS, "aim_markets_per_s": AIM_PER_S}
    items, info = payloads(max(sizes))
    figures["payload"] = info
    print(
        f"payloads: {len(items):,} markets from a scale-{SCALE} world of {info['world_markets']:,} "
        f"(build {info['world_build_s']}s, market_dicts {info['market_dicts_s']}s, wire round trip "
        f"{info['wire_roundtrip_s']}s; excluded), {info['payload_bytes_per_market']} bytes/market"
    )
    print(
        f"{'N':>9} {'parse/s':>10} {'store/s':>10} {'re-store/s':>10} {'new-batch/s':>11} {'parse+store/s':>14}"
        f"   (medians of {REPEATS})"
    )
    for n in sizes:
        r = bench_size(items, n, diagnostic=(n == max(sizes)))
        figures[f"n{n}"] = r
        print(
            f"{n:>9,} {r['parse']['per_s']:>10,} {r['store']['per_s']:>10,} {r['restore_same_rows']['per_s']:>10,} "
            f"{r['restore_new_batch']['per_s']:>11,} {r['parse_store']['per_s']:>14,}   parse "
            f"{r['parse']['median_ms']:.0f} ms, store {r['store']['median_ms']:.0f} ms, re-store "
            f"{r['restore_same_rows']['median_ms']:.0f} ms ({r['restore_same_rows_unchanged']:,} unchanged), new batch "
            f"{r['restore_new_batch']['median_ms']:.0f} ms; file {r['file_mb_after_store']} MB -> "
            f"{r['file_mb_after_restore']} MB after re-store -> {r['file_mb_after_restore_new_batch']} MB after new "
            "batch"
        )
        if "diag_store_without_raw_json" in r:
            d = r["diag_store_without_raw_json"]
            print(f"{'':>9} diagnostic: store without raw_json {d['median_ms']:.0f} ms ({d['per_s']:,}/s)")
    top = figures[f"n{max(sizes)}"]["parse_store"]["per_s"]
    print(f"aim {AIM_PER_S:,}/s parse+store at {max(sizes):,}: {'met' if top >= AIM_PER_S else 'NOT met'} ({top:,}/s)")
    figures["loadavg_end"] = loadavg()
    print(f"load average start {figures['loadavg_start']} end {figures['loadavg_end']}")
    return figures


if __name__ == "__main__":
    main()
