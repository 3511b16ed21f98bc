"""Sandbox world build time and GET /markets?limit=1000 page latency (first and warm), at scale 1 and 20.

Run: ``.venv/bin/python benchmarks/bench_world_build.py [SCALE ...]`` (default 1 20).

Per scale:
- build: ``SandboxExchange(SandboxConfig(scale=...))`` (the world plus routes), median of 3;
- first page: the first GET /markets?limit=1000 the new exchange answers (cold world caches);
- warm page: the same request again, median of 5;
- full walk: every page of GET /markets?limit=1000 by cursor (the universe a first full load reads),
  median and p90 page latency and markets/s;
- loopback warm page: the same first page over real HTTP (``LoopbackServer``), median of 5.

Requests go through a plain httpx client on the in-process transport (exchange rate limit off, no
client limiter), and the latency includes decoding the JSON body, as the client must.
"""

from __future__ import annotations

import gc
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from benchmarks._util import header, loadavg, median  # noqa: E402
from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange  # noqa: E402
from kalshi_platform.sandbox.server import LoopbackServer  # noqa: E402
from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport  # noqa: E402

SCALES = (1, 20)
BUILD_REPEATS = 3
WARM_REPEATS = 5
LIMIT = 1000


def _get_page(client: httpx.Client, cursor: str | None = None) -> tuple[float, dict, int]:
    params = {"limit": LIMIT}
    if cursor:
        params["cursor"] = cursor
    start = time.perf_counter()
    response = client.get("/markets", params=params)
    response.raise_for_status()
    body = response.json()
    return time.perf_counter() - start, body, len(response.content)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_scale(scale: int) -> dict:
    builds = []
    exchange = None
    for _ in range(BUILD_REPEATS):
        exchange = None
        gc.collect()
        start = time.perf_counter()
        exchange = SandboxExchange(SandboxConfig(seed=7, scale=scale, enforce_rate_limit=False))
        builds.append(time.perf_counter() - start)
    world = exchange.world
    out: dict = {
        "scale": scale,
        "markets": world.n_markets,
        "events": len(world.events),
        "series": len(world.series),
        "build_s_median": round(median(builds), 3),
        "build_s_min": round(min(builds), 3),
        "build_s_max": round(max(builds), 3),
    }
    with httpx.Client(base_url=SANDBOX_KALSHI_BASE_URL, transport=SandboxTransport(exchange)) as client:
        first_s, body, nbytes = _get_page(client)
        out["first_page_ms"] = round(first_s * 1000, 1)
        out["page_markets"] = len(body["markets"])
        out["page_bytes"] = nbytes
        warm = [_get_page(client)[0] for _ in range(WARM_REPEATS)]
        out["warm_page_ms_median"] = round(median(warm) * 1000, 1)
        # The whole universe by cursor.
        pages, markets, cursor = [], 0, None
        walk_start = time.perf_counter()
        while True:
            s, body, _ = _get_page(client, cursor)
            pages.append(s)
            markets += len(body["markets"])
            cursor = body.get("cursor") or None
            if not cursor:
                break
        walk_s = time.perf_counter() - walk_start
        out["walk_pages"] = len(pages)
        out["walk_markets"] = markets
        out["walk_s"] = round(walk_s, 2)
        out["walk_page_ms_median"] = round(median(pages) * 1000, 1)
        out["walk_page_ms_p90"] = round(_p(pages, 0.9) * 1000, 1)
        out["walk_markets_per_s"] = round(markets / walk_s)
    with LoopbackServer(exchange) as server, httpx.Client(base_url=server.base_url) as client:
        _get_page(client)  # connection set-up
        loop = [_get_page(client)[0] for _ in range(WARM_REPEATS)]
        out["loopback_warm_page_ms_median"] = round(median(loop) * 1000, 1)
    return out


def main(argv: list[str] | None = None) -> dict:
    args = argv if argv is not None else sys.argv[1:]
    scales = [int(a) for a in args] or list(SCALES)
    figures: dict = {**header(), "limit": LIMIT}
    for scale in scales:
        r = bench_scale(scale)
        figures[f"scale{scale}"] = r
        print(
            f"scale {scale:>3}: {r['markets']:>7,} markets {r['events']:>6,} events {r['series']:>4} series  "
            f"build {r['build_s_median']:.2f} s (median of {BUILD_REPEATS})"
        )
        print(
            f"           GET /markets?limit={LIMIT}: first {r['first_page_ms']:.0f} ms, warm {r['warm_page_ms_median']:.0f} ms "
            f"({r['page_bytes'] / 1e6:.2f} MB), loopback warm {r['loopback_warm_page_ms_median']:.0f} ms; full walk "
            f"{r['walk_pages']} pages {r['walk_markets']:,} markets in {r['walk_s']:.1f} s "
            f"(page median {r['walk_page_ms_median']:.0f} ms, p90 {r['walk_page_ms_p90']:.0f} ms, "
            f"{r['walk_markets_per_s']:,} markets/s)"
        )
    figures["loadavg_end"] = loadavg()
    print(f"load average start {figures['loadavg_start']} end {figures['loadavg_end']}")
    return figures


if __name__ == "__main__":
    main()
