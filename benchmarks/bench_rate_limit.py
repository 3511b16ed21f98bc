"""Rate-limit efficiency against the sandbox at the Basic tier (300 sequential GET /markets/{ticker}).

Run: ``.venv/bin/python benchmarks/bench_rate_limit.py [N]`` (default 300).

A fresh ``KalshiClient(tier="basic")`` (its own token bucket, paid before every send) talks to a fresh
``SandboxExchange(tier="basic")`` (no faults, rate limit enforced: 429 when its bucket is short). Basic
is 20 read requests/s with a one-second burst (capacity 200 tokens, 10 per request; see
``core/token_bucket.py``). So in ``elapsed`` seconds the exchange allows at most ``burst + rate * elapsed``
requests, and

    efficiency = N / (burst + rate * elapsed)

1.0 means the client used every token the exchange would give. Aim: >= 0.9 with zero failed requests
and ideally zero 429s. The world is warmed before each run (a live exchange is warm; a client is fresh
each Dagster run), the exchange and client are new for each run, so the exchange's bucket starts full.

Modes (3 runs each, medians): the in-process httpx transport, and real HTTP over loopback
(``LoopbackServer``). Also per mode: the unthrottled round trip of one request (exchange limit off,
client at tier "prime"), which bounds what the loopback path can do. Per run also the exchange
bucket's smallest margin after the first burst (tokens left after a take, as ms of arrival time): near
0 means the client leaves no headroom, so a request whose send-to-arrival delay is shorter than the
first request's was (which also set up the connection) is refused with 429. Two diagnostic modes (3 runs of
N=100 each) change one thing each to test an explanation (they are not the platform's defaults):

- ``loopback_tcp_nodelay``: the loopback server's handler with ``disable_nagle_algorithm = True``;
- ``inprocess_client_headroom``: the client's read bucket capacity one request (10 tokens) below the
  exchange's, so a request arriving a little earlier than the client's own clock predicted still
  finds its tokens.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from benchmarks._util import header, loadavg, median  # noqa: E402
from kalshi_platform.clients.http import HttpError  # noqa: E402
from kalshi_platform.clients.kalshi.client import KalshiClient  # noqa: E402
from kalshi_platform.core.token_bucket import DEFAULT_REQUEST_COST, TIERS  # noqa: E402
from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange  # noqa: E402
from kalshi_platform.sandbox.faults import FaultSpec  # noqa: E402
from kalshi_platform.sandbox.server import LoopbackServer  # noqa: E402
from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport  # noqa: E402

TIER = "basic"
N = 300
REPEATS = 3
DIAG_N = 100  # the diagnostic runs: the 429 race happens at the end of the first burst (~call 22)
LATENCY_PROBE = 40
RATE = TIERS[TIER].read_per_s  # requests per second
BURST = TIERS[TIER].read_tokens_per_s / DEFAULT_REQUEST_COST  # capacity, in requests


def _exchange(*, enforce: bool = True, tier: str = TIER) -> SandboxExchange:
    return SandboxExchange(SandboxConfig(seed=7, tier=tier, faults=FaultSpec(), enforce_rate_limit=enforce))


def _tickers(exchange: SandboxExchange, n: int) -> list[str]:
    """``n`` tickers GET /markets/{ticker} answers 200 for (created, not yet only on /historical)."""
    world, now_us = exchange.world, exchange.now_us()
    ok = np.flatnonzero(~world.historical_mask(now_us // 1_000_000) & world.created_mask(now_us))
    if len(ok) < n:
        raise RuntimeError(f"only {len(ok)} live markets in the world, need {n}")
    idx = ok[:n]
    world.market_dicts(idx, now_us)  # warm the world's caches outside the measurement
    return [world.markets[i].ticker for i in idx]


def _client(exchange: SandboxExchange, stack: ExitStack, mode: str, tier: str = TIER) -> KalshiClient:
    if mode.startswith("inprocess"):
        client = KalshiClient(SANDBOX_KALSHI_BASE_URL, transport=SandboxTransport(exchange), tier=tier)
    else:
        server = LoopbackServer(exchange)
        if mode == "loopback_tcp_nodelay":
            # Diagnostic only: StreamRequestHandler sets TCP_NODELAY per accepted connection when this is set.
            server._server.RequestHandlerClass.disable_nagle_algorithm = True
        stack.enter_context(server)
        client = KalshiClient(server.base_url, tier=tier)
    stack.callback(client.close)
    if mode == "inprocess_client_headroom":
        bucket = client.limiter.read
        bucket.set_rate(bucket.rate, bucket.capacity - DEFAULT_REQUEST_COST)
    return client


def one_run(mode: str, n: int) -> dict:
    exchange = _exchange()
    tickers = _tickers(exchange, n)
    failures = 0
    first_429_at: list[int] = []
    call_s: list[float] = []
    slack_tokens: list[float] = []
    with ExitStack() as stack:
        client = _client(exchange, stack, mode)
        start = time.perf_counter()
        for k, ticker in enumerate(tickers, 1):
            seen = client.stats.statuses.get(429, 0)
            t = time.perf_counter()
            try:
                client.get_market(ticker)
            except HttpError:
                failures += 1
            call_s.append(time.perf_counter() - t)
            if client.stats.statuses.get(429, 0) > seen:
                first_429_at.append(k)
            if k > BURST:
                # Tokens the exchange's bucket kept after this request's take (read, not changed): the
                # headroom the client left. Below 0 would have been a 429; ~0 means none to spare.
                buckets = exchange._buckets.get("")
                if buckets is not None:
                    slack_tokens.append(buckets.read.tokens)
        elapsed = time.perf_counter() - start
        stats = client.stats.as_dict()
    allowed = BURST + RATE * elapsed
    ex_429 = sum(v for (label, status), v in exchange.stats.items() if status == 429)
    ex_200 = sum(v for (label, status), v in exchange.stats.items() if status == 200)
    return {
        "elapsed_s": round(elapsed, 3),
        "efficiency": round(n / allowed, 4),
        "achieved_req_per_s": round(n / elapsed, 2),
        "allowed_req_per_s": round(allowed / elapsed, 2),
        "exchange_429": ex_429,
        "exchange_200": ex_200,
        "client_failures": failures + sum(v for k, v in stats.items() if k.startswith("failures.")),
        "client_retries": stats["retries"],
        "client_rate_limit_wait_s": stats["rate_limit_wait_s"],
        "client_backoff_sleep_s": stats["backoff_sleep_s"],
        "median_call_ms": round(median(call_s) * 1000, 2),
        "calls_that_saw_429": first_429_at,
        # Smallest headroom after the first burst, in tokens and in ms of arrival-time margin.
        "server_tokens_left_min": round(min(slack_tokens), 4) if slack_tokens else None,
        "server_margin_ms_min": round(min(slack_tokens) / (RATE * DEFAULT_REQUEST_COST) * 1000, 3) if slack_tokens else None,
    }


def round_trip_ms(mode: str, n: int = LATENCY_PROBE) -> float:
    """Median time of one GET /markets/{ticker} with no rate limit anywhere (exchange off, client 'prime')."""
    exchange = _exchange(enforce=False, tier="prime")
    tickers = _tickers(exchange, n)
    with ExitStack() as stack:
        client = _client(exchange, stack, mode, tier="prime")
        client.get_market(tickers[0])  # connection set-up out of the figure
        times = []
        for ticker in tickers[1:]:
            t = time.perf_counter()
            client.get_market(ticker)
            times.append(time.perf_counter() - t)
    return round(median(times) * 1000, 2)


def _fmt(mode: str, r: dict) -> str:
    return (
        f"{mode:<26} eff {r['efficiency']:.3f}  {r['achieved_req_per_s']:6.2f} req/s of {r['allowed_req_per_s']:5.2f} "
        f"allowed  {r['elapsed_s']:6.2f} s  429s {r['exchange_429']}  failures {r['client_failures']}  "
        f"limiter wait {r['client_rate_limit_wait_s']:.2f} s  backoff {r['client_backoff_sleep_s']:.2f} s  "
        f"median call {r['median_call_ms']:.1f} ms  min margin {r['server_margin_ms_min']} ms" + (f"  429 at call {r['calls_that_saw_429']}" if r["calls_that_saw_429"] else "")
    )


def main(argv: list[str] | None = None) -> dict:
    args = argv if argv is not None else sys.argv[1:]
    n = int(args[0]) if args else N
    figures: dict = {**header(), "tier": TIER, "n": n, "rate_req_per_s": RATE, "burst_req": BURST,
                     "repeats": REPEATS}
    print(f"tier {TIER}: {RATE} req/s, burst {BURST:g}; {n} sequential GET /markets/{{ticker}} per run")
    plan = [("inprocess", REPEATS, n), ("loopback", REPEATS, n),
            ("loopback_tcp_nodelay", REPEATS, min(n, DIAG_N)), ("inprocess_client_headroom", REPEATS, min(n, DIAG_N))]
    for mode in ("inprocess", "loopback", "loopback_tcp_nodelay"):
        figures.setdefault(mode, {})["unthrottled_round_trip_ms"] = round_trip_ms(mode)
        print(f"{mode:<26} unthrottled round trip: median {figures[mode]['unthrottled_round_trip_ms']:.2f} ms")
    for mode, repeats, mode_n in plan:
        runs = []
        for _ in range(repeats):
            r = one_run(mode, mode_n)
            runs.append(r)
            print(_fmt(mode, r), flush=True)
        fig = figures.setdefault(mode, {})
        fig["n"] = mode_n
        fig["runs"] = runs
        fig["efficiency_median"] = median([r["efficiency"] for r in runs])
        fig["achieved_req_per_s_median"] = median([r["achieved_req_per_s"] for r in runs])
        fig["allowed_req_per_s_median"] = median([r["allowed_req_per_s"] for r in runs])
        fig["exchange_429_total"] = sum(r["exchange_429"] for r in runs)
        fig["client_failures_total"] = sum(r["client_failures"] for r in runs)
        margins = [r["server_margin_ms_min"] for r in runs if r["server_margin_ms_min"] is not None]
        fig["server_margin_ms_min"] = min(margins) if margins else None
        fig["aim_met"] = fig["efficiency_median"] >= 0.9 and fig["client_failures_total"] == 0
    print("\nsummary (medians):")
    for mode, _, mode_n in plan:
        f = figures[mode]
        print(
            f"  {mode:<26} N={mode_n:<4} efficiency {f['efficiency_median']:.3f}  achieved {f['achieved_req_per_s_median']:.2f} "
            f"req/s  allowed {f['allowed_req_per_s_median']:.2f} req/s  429s {f['exchange_429_total']} in "
            f"{len(f['runs'])} run(s)  failures {f['client_failures_total']}  min margin "
            f"{min(r['server_margin_ms_min'] for r in f['runs'])} ms"
            + (f"  round trip {f['unthrottled_round_trip_ms']:.2f} ms" if "unthrottled_round_trip_ms" in f else "")
        )
    figures["loadavg_end"] = loadavg()
    print(f"load average start {figures['loadavg_start']} end {figures['loadavg_end']}")
    return figures


if __name__ == "__main__":
    main()
