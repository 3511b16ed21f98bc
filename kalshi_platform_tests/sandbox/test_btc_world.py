"""The sandbox's bitcoin: a deterministic 1-second GBM path, the BTC series it drives (KXBTCD thresholds,
KXBTC ranges, KXBTC15M windows) settled on the 60-second average, quotes following the path's truth, and
every other market quoting exactly as without the BTC hook."""

from __future__ import annotations

import collections
import math
from datetime import UTC, datetime

import numpy as np
import pytest

from kalshi_platform.sandbox import KalshiWorld
from kalshi_platform.sandbox.world import ACTIVE, DETERMINED, FINALIZED, US
from kalshi_platform.sandbox.worlds import crypto
from kalshi_platform.sandbox.worlds.btc import YEAR_S, BtcPath, settle_value, truth_probability

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
T = int(NOW.timestamp())


@pytest.fixture(scope="module")
def world() -> KalshiWorld:
    return KalshiWorld(seed=7, anchor=NOW)


def btc_markets(world, series):
    return [i for i, m in enumerate(world.markets) if world.series[world.ser_of[i]].ticker == series]


def listed(world, idx):
    idx = np.asarray(idx)
    return idx[world.created_mask(T * US, idx)]


def test_path_is_deterministic_per_second_and_per_seed():
    a, b = BtcPath(7), BtcPath(7)
    seconds = np.arange(T - 5000, T + 5000, 7)
    assert np.array_equal(a.price(seconds), b.price(seconds[::-1])[::-1])
    # Any second is computed directly: alone or among others, the same value.
    assert a.price(np.array([T]))[0] == a.price(np.array([T - 86_400 * 30, T, T + 1]))[1]
    assert not np.allclose(BtcPath(8).price(seconds), a.price(seconds))


def test_path_volatility_is_realistic_and_matches_its_regime():
    path = BtcPath(7)
    for day in range(-3, 3):
        start = T - T % 86_400 + day * 86_400
        prices = path.price(np.arange(start, start + 86_400))
        realized = np.diff(np.log(prices)).std() * math.sqrt(YEAR_S)
        sigma = float(path.sigma_at(start)[0])
        assert 0.40 <= sigma <= 0.62
        assert realized == pytest.approx(sigma, rel=0.05)
    assert 20_000 < path.price(np.array([T]))[0] < 400_000


def test_truth_agrees_with_a_monte_carlo_of_the_path():
    path = BtcPath(7)
    expiry = T + 900
    strikes = path.price(np.array([T]))[0] * np.array([0.997, 1.0, 1.003])
    p = truth_probability(path, np.zeros(3, int), strikes, np.full(3, np.nan), np.full(3, expiry), np.full(3, T))
    rng = np.random.default_rng(0)
    sigma = float(path.sigma_at(T)[0])
    n, s0, dt = 20_000, float(path.price(np.array([T]))[0]), 1 / YEAR_S
    first = np.log(s0) + rng.standard_normal(n) * sigma * math.sqrt(840 * dt) - 0.5 * sigma**2 * 840 * dt
    steps = rng.standard_normal((n, 59)) * sigma * math.sqrt(dt) - 0.5 * sigma**2 * dt
    avg = np.exp(first[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(steps, axis=1)], axis=1)).mean(axis=1)
    mc = (np.round(avg, 2)[:, None] > strikes).mean(axis=0)
    assert np.all(np.abs(p - mc) < 4.5 * np.sqrt(mc * (1 - mc) / n) + 1e-3)


def test_kxbtcd_thresholds_end_in_99_and_kxbtc_buckets_tile_the_line(world):
    for i in btc_markets(world, "KXBTCD"):
        m = world.markets[i]
        assert m.strike_type == "greater" and f"{m.floor_strike:.2f}".endswith("99") and m.ticker.endswith(f"T{m.floor_strike:.2f}")
    events = collections.defaultdict(list)
    for i in btc_markets(world, "KXBTC"):
        events[world.markets[i].event_index].append(world.markets[i])
    for ms in events.values():
        assert world.events[ms[0].event_index].mutually_exclusive
        assert [m.strike_type for m in ms] == ["less"] + ["between"] * (len(ms) - 2) + ["greater"]
        assert ms[1].floor_strike == ms[0].cap_strike
        for a, b in zip(ms[1:-1], ms[2:-1], strict=False):
            assert b.floor_strike == pytest.approx(a.cap_strike + 0.01)
        assert ms[-1].floor_strike == pytest.approx(ms[-2].cap_strike)
        assert sum(m.outcome for m in ms) == 1  # exactly one bucket settles YES


def test_fifteen_minute_windows_current_open_past_settled_on_the_average(world):
    path = BtcPath(7)
    idx = btc_markets(world, "KXBTC15M")
    closes = sorted(world.markets[i].close_ts for i in idx)
    assert set(np.diff(closes)) == {900}
    status = world.status_codes(T, np.array(idx))
    live = [i for i, s in zip(idx, status, strict=True) if s == ACTIVE and world.created_mask(T * US, np.array([i]))[0]]
    assert len(live) == 1
    current = world.markets[live[0]]
    assert current.open_ts <= T < current.close_ts
    assert current.ticker == "KXBTC15M-26NOV201045-45"  # 10:45 New York time
    assert current.floor_strike == pytest.approx(settle_value(path.settlement_average(current.open_ts))[0])
    settled = [i for i, s in zip(idx, status, strict=True) if s >= DETERMINED]
    assert len(settled) >= 40
    for i in settled:
        m = world.markets[i]
        value = float(settle_value(path.settlement_average(m.close_ts))[0])
        assert m.expiration_value == f"{value:.2f}"
        assert m.outcome == (value >= m.floor_strike)
    # Nothing is listed before its target is known: no window is listed before it opens.
    assert all(world.markets[i].created_us >= world.markets[i].open_ts * US for i in idx)


def test_ladders_are_centred_on_the_price_when_listed_and_some_are_upcoming(world):
    path = BtcPath(7)
    for series in ("KXBTCD", "KXBTC"):
        idx = listed(world, btc_markets(world, series))
        status = world.status_codes(T, idx)
        assert (status == ACTIVE).any() and (status == 0).any()  # trading now, and an upcoming hour
        for i in idx:
            m = world.markets[i]
            created_price = float(path.price(np.array([m.created_us // US]))[0])
            ev = [world.markets[j] for j in range(world.ev_first[m.event_index],
                                                    world.ev_first[m.event_index] + world.ev_count[m.event_index])]
            lo = min(x.floor_strike if x.floor_strike is not None else x.cap_strike for x in ev)
            hi = max(x.floor_strike if x.floor_strike is not None else x.cap_strike for x in ev)
            assert lo < created_price < hi, m.ticker


def test_settled_btc_history_for_calibration(world):
    idx = np.array(btc_markets(world, "KXBTCD") + btc_markets(world, "KXBTC"))
    settled = idx[world.status_codes(T, idx) >= DETERMINED]
    days = {world.markets[i].close_ts // 86_400 for i in settled}
    assert len(days) >= 7


def test_quotes_follow_the_paths_truth(world):
    fam = next(f for f in world.families if f.name == "crypto_btc")
    idx, truth = fam.dynamic_truth(world)
    live = idx[(world.status_codes(T, idx) == ACTIVE) & world.created_mask(T * US, idx)]
    bid, ask, _, _, minute = world.book_quote(live, T * US)
    mid = (bid + ask) / 2 / 10_000
    p = truth(live, minute * 60)
    assert np.corrcoef(mid, p)[0, 1] > 0.9
    assert np.mean(np.abs(mid - p)) < 0.1


def test_other_markets_quote_exactly_as_without_the_hook(monkeypatch):
    with_hook = KalshiWorld(seed=7, anchor=NOW)
    monkeypatch.setattr(crypto.BitcoinMarkets, "dynamic_truth", lambda self, world: None)
    without = KalshiWorld(seed=7, anchor=NOW)
    assert without._truth_slot is None
    btc = {i for s in ("KXBTC", "KXBTCD", "KXBTC15M") for i in btc_markets(with_hook, s)}
    others = np.array([i for i in range(with_hook.n_markets) if i not in btc])
    for t in (T, T - 3 * 86_400 + 777, T + 3600):
        assert with_hook.market_dicts(others, t * US) == without.market_dicts(others, t * US)
    btc_idx = np.array(sorted(btc))
    live = btc_idx[with_hook.status_codes(T, btc_idx) == ACTIVE]
    assert with_hook.market_dicts(live, T * US) != without.market_dicts(live, T * US)


def test_settled_markets_move_to_finalized_with_their_result(world):
    idx = np.array(btc_markets(world, "KXBTC15M"))
    fin = idx[world.status_codes(T, idx) == FINALIZED]
    assert len(fin)
    d = world.market_dicts(fin[:3], T * US)
    for m in d:
        assert m["result"] in ("yes", "no") and m["expiration_value"]
        assert m["settlement_value_dollars"] == ("1.0000" if m["result"] == "yes" else "0.0000")
