"""Order books from a captured stream: deltas applied per second (batched and one by one), frames parsed
per second, and frames per second captured end to end from the loopback WebSocket server.

Run: ``.venv/bin/python benchmarks/bench_orderbook.py [N_DELTAS]`` or ``python -m benchmarks orderbook``.

Rebuild input: a synthetic capture of 200 markets over 10 minutes of receive time: a snapshot of each
(20 levels a side), then N order-book deltas (default 1M) at cent prices around each book's top, on two
connections, with a sequence gap and a fresh snapshot now and then. The batched path is
``core.orderbook.rebuild_top`` (gaps, epochs, per-second samples of every market); the baseline is
``core.orderbook.replay`` (``OrderBook.apply_delta`` one message at a time), on a 200k-delta prefix.

End to end: the embedded exchange's WebSocket server on loopback with the stream clock at 3600x (so
the world's books change fast), 200 markets shared by two signed connections, for 8 s; frames
received per second by the capture client, and the same frames parsed and rebuilt.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import orjson  # noqa: E402
import polars as pl  # noqa: E402

from benchmarks._util import header, loadavg, median  # noqa: E402
from kalshi_platform.core.kalshi.ws import BOOK_LEVEL_SCHEMA, BOOK_MESSAGE_SCHEMA, FRAME_COLUMNS, parse_frames  # noqa: E402
from kalshi_platform.core.orderbook import rebuild_top, replay  # noqa: E402

N = 1_000_000
MARKETS = 200
SECONDS = 600
LEVELS = 20
REPEATS = 3
BASELINE_N = 200_000
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def synthetic_capture(n: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    # Snapshots first (one message per market), then deltas in time order.
    mid = rng.integers(25, 75, MARKETS)
    snap_t = np.sort(rng.uniform(0, 1, MARKETS))
    delta_t = np.sort(rng.uniform(1, SECONDS, n))
    delta_m = rng.integers(0, MARKETS, n)
    n_msgs = MARKETS + n
    kind = np.array(["snapshot"] * MARKETS + ["delta"] * n, dtype=object)
    ticker_of = np.array([f"KXBENCH-26NOV20-M{m:03d}" for m in range(MARKETS)], dtype=object)
    market = np.concatenate([np.arange(MARKETS), delta_m])
    conn = np.where(market % 2 == 0, "bench:0:0", "bench:1:0")
    sid = np.ones(n_msgs, dtype=np.int64)
    # seq per connection (one order-book subscription each), with ~1 lost message per 200k.
    seq = np.zeros(n_msgs, dtype=np.int64)
    for c in ("bench:0:0", "bench:1:0"):
        pos = np.flatnonzero(conn == c)
        steps = np.ones(len(pos), dtype=np.int64)
        steps[rng.random(len(pos)) < 5e-6] = 2
        seq[pos] = np.cumsum(steps)
    t = np.concatenate([snap_t, delta_t])
    messages = pl.DataFrame({
        "order": np.arange(n_msgs, dtype=np.int64),
        "received_at": pl.Series(((T0.timestamp() + t) * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
        "connection_id": conn,
        "connection_slot": (market % 2).astype(np.int32),
        "connection_attempt": np.zeros(n_msgs, dtype=np.int32),
        "sid": sid,
        "seq": seq,
        "ticker": ticker_of[market],
        "kind": kind,
        "exchange_ts": pl.Series([None] * n_msgs, dtype=pl.Datetime("us", "UTC")),
    }, schema=BOOK_MESSAGE_SCHEMA)
    # Snapshot levels: YES bids below the mid, NO bids below 100 - mid.
    snap_order = np.repeat(np.arange(MARKETS), 2 * LEVELS)
    side = np.tile(np.repeat([0, 1], LEVELS), MARKETS)
    depth = np.tile(np.arange(1, LEVELS + 1), 2 * MARKETS)
    best = np.where(side == 0, mid[snap_order] - 1, 99 - mid[snap_order])
    snap_price = np.clip(best - depth + 1, 1, 99) * 100
    snap_size = rng.integers(1, 500, len(snap_order)) * 100
    # Deltas: within 10 cents of the top, adds and removals.
    d_side = rng.integers(0, 2, n)
    d_best = np.where(d_side == 0, mid[delta_m] - 1, 99 - mid[delta_m])
    d_price = np.clip(d_best - rng.integers(-2, 10, n), 1, 99) * 100
    d_size = rng.integers(-300, 400, n) * 100
    levels = pl.DataFrame({
        "order": np.concatenate([snap_order, MARKETS + np.arange(n)]).astype(np.int64),
        "side": np.concatenate([side, d_side]).astype(np.int8),
        "price": np.concatenate([snap_price, d_price]).astype(np.int64),
        "size": np.concatenate([snap_size, d_size]).astype(np.int64),
    }, schema=BOOK_LEVEL_SCHEMA)
    return messages, levels


def frames_of(messages: pl.DataFrame, levels: pl.DataFrame, limit: int) -> pl.DataFrame:
    """The first ``limit`` messages as WebSocket frame texts (for the parse benchmark)."""
    msgs = messages.head(limit)
    lv = levels.filter(pl.col("order") < limit)
    by_order: dict[int, list] = {}
    for order, side, price, size in lv.iter_rows():
        by_order.setdefault(order, []).append((side, price, size))
    texts = []
    for order, sid, seq, ticker, kind, at in msgs.select("order", "sid", "seq", "ticker", "kind", "received_at").iter_rows():
        rows = by_order.get(order, [])
        if kind == "snapshot":
            msg = {"market_ticker": ticker,
                   "yes_dollars_fp": [[f"{p / 10000:.4f}", f"{s / 100:.2f}"] for sd, p, s in rows if sd == 0],
                   "no_dollars_fp": [[f"{p / 10000:.4f}", f"{s / 100:.2f}"] for sd, p, s in rows if sd == 1]}
        else:
            sd, p, s = rows[0]
            msg = {"market_ticker": ticker, "price_dollars": f"{p / 10000:.4f}", "delta_fp": f"{s / 100:.2f}",
                   "side": "yes" if sd == 0 else "no", "ts": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        texts.append(orjson.dumps({"type": f"orderbook_{kind}", "sid": sid, "seq": seq, "msg": msg}).decode())
    return msgs.select("connection_id", "connection_slot", "connection_attempt", pl.col("order").alias("frame_no"),
                       "received_at").with_columns(pl.Series("frame_text", texts))


def end_to_end(seconds: float = 8.0) -> dict:
    from kalshi_platform.clients.kalshi.auth import KalshiSigner, generate_key_pair
    from kalshi_platform.clients.kalshi_ws import KalshiWsCapture
    from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
    from kalshi_platform.sandbox.kalshi_ws import KalshiWsServer, WsServerConfig
    from kalshi_platform.sandbox.world import ACTIVE, US

    frozen = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    exchange = SandboxExchange(SandboxConfig(now=lambda: frozen, enforce_rate_limit=False))
    w = exchange.world
    live = np.flatnonzero(w.status_codes(exchange.now_us() // US) == ACTIVE)
    tickers = [w.markets[i].ticker for i in live[np.argsort(w.period[live], kind="stable")][:MARKETS]]
    signers = []
    for n in range(2):
        private, public = generate_key_pair()
        exchange.register_key(f"bench-{n}", public)
        signers.append(KalshiSigner(f"bench-{n}", private))
    speed = 3600.0
    config = WsServerConfig(speed=speed, lead_s=seconds * speed)
    with KalshiWsServer(exchange, config) as server:
        capture = KalshiWsCapture(server.url, markets=tickers, capture_id="bench", signers=signers,
                                  channels=["orderbook_delta", "ticker", "trade"])
        started = time.perf_counter()
        capture.start()
        time.sleep(seconds)
        result = capture.stop()
        elapsed = time.perf_counter() - started
        stats = server.stats.as_dict()
    frames = pl.DataFrame([{k: getattr(f, k) for k in FRAME_COLUMNS} for f in result.frames], schema=FRAME_COLUMNS)
    t = time.perf_counter()
    parsed = parse_frames(frames, source="bench", batch_id="bench", fetched_at=datetime.now(UTC))
    parse_s = time.perf_counter() - t
    t = time.perf_counter()
    top = rebuild_top(parsed.book_messages, parsed.book_levels)
    rebuild_s = time.perf_counter() - t
    return {
        "window_s": round(elapsed, 2),
        "markets": len(tickers),
        "frames": frames.height,
        "frames_per_s": round(frames.height / elapsed),
        "deltas": stats["deltas_sent"],
        "server": stats,
        "parse_s": round(parse_s, 3),
        "rebuild_s": round(rebuild_s, 3),
        "top_rows": top.height,
    }


def main(argv: list[str] | None = None) -> dict:
    argv = argv or []
    n = int(argv[0]) if argv else N
    machine = header()
    print(f"order books from a capture: {n:,} deltas over {MARKETS} markets, {SECONDS} s")
    messages, levels = synthetic_capture(n)

    batched, cpu = [], []
    for _ in range(REPEATS):
        t, c = time.perf_counter(), time.process_time()
        top = rebuild_top(messages, levels)
        batched.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    assert top.height >= MARKETS * (SECONDS - 1)
    b = median(batched)
    print(f"batched rebuild: {b:.2f} s -> {n / b:,.0f} deltas/s ({top.height:,} per-second rows); runs "
          f"{[round(x, 2) for x in batched]}; CPU {median(cpu):.2f} s -> {n / median(cpu):,.0f} deltas per CPU-second")

    head_msgs = messages.filter(pl.col("order") < MARKETS + BASELINE_N)
    head_levels = levels.filter(pl.col("order") < MARKETS + BASELINE_N)
    t = time.perf_counter()
    for _ in replay(head_msgs, head_levels):
        pass
    one_by_one = time.perf_counter() - t
    print(f"one by one (replay): {one_by_one:.2f} s for {BASELINE_N:,} -> {BASELINE_N / one_by_one:,.0f} deltas/s")

    frames = frames_of(messages, levels, 200_000)
    t = time.perf_counter()
    parsed = parse_frames(frames, source="bench", batch_id="bench", fetched_at=datetime.now(UTC))
    parse_s = time.perf_counter() - t
    assert parsed.rejects.is_empty()
    print(f"parse: {frames.height:,} frames in {parse_s:.2f} s -> {frames.height / parse_s:,.0f} frames/s")

    e2e = end_to_end()
    print(f"end to end: {e2e['frames']:,} frames in {e2e['window_s']} s -> {e2e['frames_per_s']:,} frames/s "
          f"({e2e['deltas']:,} deltas); parse {e2e['parse_s']} s, rebuild {e2e['rebuild_s']} s")
    return {
        "deltas": n,
        "markets": MARKETS,
        "stream_seconds": SECONDS,
        "batched_rebuild_s_median": round(b, 3),
        "batched_rebuild_s_runs": [round(x, 3) for x in batched],
        "batched_deltas_per_s": round(n / b),
        "batched_cpu_s_median": round(median(cpu), 3),
        "batched_deltas_per_cpu_s": round(n / median(cpu)),
        "aim_deltas_per_s": 1_000_000,
        "aim_met": n / b >= 1_000_000,
        "one_by_one_deltas_per_s": round(BASELINE_N / one_by_one),
        "speedup": round((n / b) / (BASELINE_N / one_by_one), 1),
        "parse_frames_per_s": round(frames.height / parse_s),
        "end_to_end": e2e,
        "machine": machine,
        "loadavg_end": loadavg(),
    }


if __name__ == "__main__":
    main(sys.argv[1:])
