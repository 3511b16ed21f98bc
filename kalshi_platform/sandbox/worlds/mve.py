"""Multivariate (combo/parlay) markets whose legs are real markets of this universe.

Each parlay is its own event (KXMVE...-S<year><hex>) with one market; its truth follows from its legs:
YES only if every leg settles on the chosen side, with probability the product of the legs'.
Build it after the families whose markets it references.
"""

from __future__ import annotations

from kalshi_platform.sandbox.worlds.base import DAY, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder

SPORTS_PREFIXES = ("KXNBAGAME-", "KXNBASPREAD-", "KXNBATOTAL-", "KXNFLGAME-", "KXNFLSPREAD-", "KXNFLTOTAL-",
                   "KXNCAAMBGAME-")
CROSS_PREFIXES = SPORTS_PREFIXES + ("KXHIGH", "KXBTCD-", "KXETHD-", "KXAAAGASD-")


class Parlays(BaseFamily):
    def __init__(self, name: str, series: str, title: str, prefixes: tuple[str, ...], per_scale: int,
                 max_legs: int) -> None:
        self.name, self.series, self.title, self.prefixes = name, series, title, prefixes
        self.per_scale, self.max_legs = per_scale, max_legs

    def build(self, b: WorldBuilder) -> None:
        b.add_series(SeriesDef(
            ticker=self.series, title=self.title, category="Sports", tags=["Parlays", "Multivariate"],
            frequency="custom", settlement_sources=[{"name": "Kalshi", "url": "https://kalshi.com"}],
            contract_url="https://assets.kalshi.com/regulatory/product-certifications/MVE.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/MVE.pdf",
        ))
        lo, hi = b.day(-20), b.day(7)
        pool = [m for m in b.markets if m.ticker.startswith(self.prefixes) and lo <= m.close_ts <= hi]
        if len(pool) < 10:
            return
        by_event: dict[int, list[MarketDef]] = {}
        for m in pool:
            by_event.setdefault(m.event_index, []).append(m)
        events = sorted(by_event)
        collection = f"{self.series}-R"
        for _ in range(self.per_scale * b.scale):
            n_legs = int(b.rng.integers(2, self.max_legs + 1))
            # Legs within about a day of each other, from distinct events, as combos are built.
            anchor_ev = events[int(b.rng.integers(0, len(events)))]
            anchor_close = by_event[anchor_ev][0].close_ts
            near = [e for e in events if abs(by_event[e][0].close_ts - anchor_close) <= DAY]
            picks = b.rng.choice(len(near), size=min(n_legs, len(near)), replace=False)
            legs = []
            for k in sorted(int(x) for x in picks):
                ev_markets = by_event[near[k]]
                m = ev_markets[int(b.rng.integers(0, len(ev_markets)))]
                side = "yes" if b.rng.random() < 0.85 else "no"
                legs.append((m, side))
            if len(legs) < 2:
                continue
            year = b.dt(max(m.close_ts for m, _ in legs)).year
            event_ticker = f"{self.series}-S{year}{b.uuid().replace('-', '')[:11].upper()}"
            ticker = f"{event_ticker}-{b.uuid().replace('-', '')[:11].upper()}"
            title = ",".join(f"{side} {m.yes_sub_title}" for m, side in legs)
            leg_events = [b.events[m.event_index].event_ticker for m, _ in legs]
            p, outcome = 1.0, True
            for m, side in legs:
                p *= m.p if side == "yes" else 1 - m.p
                outcome &= m.outcome if side == "yes" else not m.outcome
            open_ts = max(m.open_ts for m, _ in legs)
            close_ts = max(m.close_ts for m, _ in legs)
            market = MarketDef(
                ticker=ticker, title=title, yes_sub_title=title, no_sub_title=title, rules_primary="",
                open_ts=open_ts, close_ts=close_ts, expected_expiration_ts=close_ts + 3 * 3600,
                latest_expiration_ts=close_ts + 14 * DAY, strike_type="custom", deci_cent=True,
                custom_strike={
                    "Associated Events": ",".join(leg_events),
                    "Associated Market Sides": ",".join(side for _, side in legs),
                    "Associated Markets": ",".join(m.ticker for m, _ in legs),
                    "Multivariate Event Ticker": collection,
                },
                settlement_timer_seconds=600, early_close_condition="", p=max(0.001, min(0.999, p)), outcome=outcome,
                activity=float(b.rng.lognormal(-1.5, 0.7)) if b.rng.random() < 0.3 else 0.0,
                mve_legs=[(b.events[m.event_index].event_ticker, m.ticker, side) for m, side in legs],
                mve_collection_ticker=collection,
            )
            b.add_event(EventDef(event_ticker=event_ticker, series_ticker=self.series, title=title,
                                 sub_title="", mutually_exclusive=False, is_mve=True,
                                 mve_collection_ticker=collection), [market])


def families() -> list[BaseFamily]:
    return [
        Parlays("mve_sports", "KXMVESPORTSMULTIGAMEEXTENDED", "Multi-game extended", SPORTS_PREFIXES, 150, 6),
        Parlays("mve_cross", "KXMVECROSSCATEGORY", "Cross category", CROSS_PREFIXES, 150, 8),
    ]
