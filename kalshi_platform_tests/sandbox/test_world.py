from __future__ import annotations

import collections
from datetime import UTC, datetime

import numpy as np

from kalshi_platform.sandbox import KalshiWorld
from kalshi_platform.sandbox.world import ACTIVE, DETERMINED, INITIALIZED, US
from kalshi_platform.sandbox.worlds import BaseFamily, EventDef, MarketDef, SeriesDef, default_families

ANCHOR = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)
CATEGORIES = {"Sports", "Politics", "Economics", "Climate and Weather", "Crypto", "Entertainment", "Companies",
              "Science and Technology"}


def test_universe_size_series_and_categories():
    w = KalshiWorld(seed=7, anchor=ANCHOR)
    assert w.n_markets >= 5000
    series_used = {w.series[s].ticker for s in set(w.ser_of.tolist())}
    assert len(series_used) >= 20
    cats = collections.Counter(w.category_of_market(i) for i in range(w.n_markets))
    assert set(cats) == CATEGORIES
    for required in ("KXNBAGAME", "KXNFLGAME", "KXNCAAMBGAME", "KXNBASPREAD", "KXNBATOTAL", "KXMARMAD", "KX2028DRUN",
                     "KXFED", "KXCPI", "KXHIGHNY", "KXBTCD", "KXBTC", "KXOSCARPIC", "KXEMMYDSERIES", "APPLEFOLD",
                     "KXMVECROSSCATEGORY", "KXMVESPORTSMULTIGAMEEXTENDED", "KXELONMARS"):
        assert required in series_used, required
    tickers = set(w.market_index)
    assert "KX2028DRUN-28-AOC" in tickers
    assert any(t.startswith("KXFED-") and "-T3.75" in t for t in tickers)
    assert any(t.startswith("KXHIGHNY-26MAY14-B") for t in tickers)
    assert any(t.startswith("KXHIGHNY-26MAY14-T") for t in tickers)


def test_lifecycle_mix_relative_to_the_clock():
    w = KalshiWorld(seed=7, anchor=ANCHOR)
    t_s = int(ANCHOR.timestamp())
    st = w.status_codes(t_s)
    counts = np.bincount(st, minlength=6)
    assert counts[ACTIVE] > 0.45 * w.n_markets  # most of the universe is trading
    assert counts[INITIALIZED] > 0 and counts[DETERMINED:].sum() > 0
    hist = w.historical_mask(t_s)
    assert 0 < hist.sum() < (st >= DETERMINED).sum()  # some settled before the cutoff, some after


def test_same_seed_and_clock_same_world_other_seed_differs():
    a, b, c = KalshiWorld(7, ANCHOR), KalshiWorld(7, ANCHOR), KalshiWorld(8, ANCHOR)
    now = int(ANCHOR.timestamp()) * US
    idx = np.arange(0, a.n_markets, 7)
    assert a.market_dicts(idx, now) == b.market_dicts(idx, now)
    assert [m.ticker for m in a.markets] == [m.ticker for m in b.markets]
    assert a.market_dicts(idx[:200], now) != c.market_dicts(idx[:200], now)


def test_scale_multiplies_the_universe():
    one, three = KalshiWorld(7, ANCHOR, scale=1), KalshiWorld(7, ANCHOR, scale=3)
    assert three.n_markets > 2 * one.n_markets
    assert len(set(three.market_index)) == three.n_markets


def test_event_truth_is_coherent():
    w = KalshiWorld(seed=7, anchor=ANCHOR)
    for e, ev in enumerate(w.events):
        sl = slice(int(w.ev_first[e]), int(w.ev_first[e] + w.ev_count[e]))
        outcomes = w.outcome[sl]
        if ev.mutually_exclusive:
            assert outcomes.sum() == 1, ev.event_ticker
            assert abs(w.p[sl].sum() - 1) < 0.05, ev.event_ticker
    # Thresholds: a higher "greater than" strike can only be YES if every lower one is.
    fed = [m for m in w.markets if m.ticker.startswith("KXFED-") and m.strike_type == "greater"]
    by_event = collections.defaultdict(list)
    for m in fed:
        by_event[m.event_index].append(m)
    for ms in by_event.values():
        ms.sort(key=lambda m: m.floor_strike)
        outs = [m.outcome for m in ms]
        assert outs == sorted(outs, reverse=True)


def test_mve_legs_reference_real_markets_and_decide_the_parlay():
    w = KalshiWorld(seed=7, anchor=ANCHOR)
    parlays = [m for m in w.markets if m.mve_legs]
    assert len(parlays) >= 100
    for m in parlays:
        outcome = True
        for event_ticker, leg, side in m.mve_legs:
            assert leg in w.market_index and w.events[w.market(leg).event_index].event_ticker == event_ticker
            assert m.close_ts >= w.market(leg).close_ts
            outcome &= w.market(leg).outcome == (side == "yes")
        assert m.outcome == outcome
        assert m.custom_strike["Associated Markets"].split(",") == [leg for _, leg, _ in m.mve_legs]


def test_requotes_touch_a_subset_of_markets_each_minute():
    w = KalshiWorld(seed=7, anchor=ANCHOR)
    t = int(ANCHOR.timestamp()) * US
    live = np.flatnonzero(w.status_codes(t // US) == ACTIVE)
    before = w.updated_us(t, live)
    after = w.updated_us(t + 60 * US, live)
    changed = (after > before).mean()
    assert 0.02 < changed < 0.9


class TinyFamily(BaseFamily):
    name = "tiny"

    def build(self, b):
        b.add_series(SeriesDef("KXTINY", "Tiny", "Science and Technology", ["Test"], "one_off", []))
        m = MarketDef(ticker="KXTINY-1", title="Tiny?", yes_sub_title="Yes", no_sub_title="Yes",
                      rules_primary="If tiny, Yes.", open_ts=b.day(-1), close_ts=b.day(2))
        b.binary(m, 0.3)
        b.add_event(EventDef("KXTINY-1", "KXTINY", "Tiny?", "", False), [m])

    def routes(self, world):
        from kalshi_platform.sandbox.routes import Reply, Route

        return [Route("GET", "/v1/tiny", lambda ctx: Reply({"ok": True}), "tiny", api="tiny", rate_limited=False)]


def test_a_family_plugs_in_with_its_own_routes(clock):
    import httpx

    from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxTransport

    ex = SandboxExchange(SandboxConfig(now=clock), families=[*default_families()[:2], TinyFamily()])
    c = httpx.Client(transport=SandboxTransport(ex), base_url="http://kalshi.sandbox")
    assert c.get("/v1/tiny").json() == {"ok": True}
    m = c.get("/trade-api/v2/markets/KXTINY-1").json()["market"]
    assert m["status"] == "active" and m["event_ticker"] == "KXTINY-1"
    assert c.get("/trade-api/v2/markets/KXTINY-1/orderbook").status_code == 200
