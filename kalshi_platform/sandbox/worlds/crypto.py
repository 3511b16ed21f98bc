"""Crypto: daily BTC/ETH price thresholds (KXBTCD, KXETHD) and BTC ranges (KXBTC) at 5pm ET.

The underlying follows a deterministic daily GBM path; a later BTC world replaces it with a 1 s path
shared with the spot exchanges by building a family with the same series and its own path.
"""

from __future__ import annotations

import math

from kalshi_platform.sandbox.worlds.base import DAY, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder

CF_SOURCE = {"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}


class DailyCrypto(BaseFamily):
    name = "crypto"

    def build(self, b: WorldBuilder) -> None:
        for ticker, title in (("KXBTCD", "Bitcoin price today at 5pm EDT"), ("KXBTC", "Bitcoin price range today"),
                              ("KXETHD", "Ethereum price today at 5pm EDT")):
            b.add_series(SeriesDef(
                ticker=ticker, title=title, category="Crypto", tags=["BTC" if "BTC" in ticker else "ETH", "Daily"],
                frequency="daily", settlement_sources=[CF_SOURCE], fee_type="quadratic", fee_multiplier=1,
                contract_url="https://assets.kalshi.com/regulatory/product-certifications/CRYPTO.pdf",
                contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/CRYPTO.pdf",
            ))
        days = range(-16, 6 * b.scale + 1)
        btc = self._path(b, 95_000.0, 0.028, len(days))
        eth = self._path(b, 3_400.0, 0.035, len(days))
        for k, d in enumerate(days):
            expiry = b.day(d, 21)  # 17:00 ET
            code = f"{b.yymmmdd(expiry)}17"
            prev_btc = btc[k - 1] if k else btc[0]
            prev_eth = eth[k - 1] if k else eth[0]
            self._thresholds(b, "KXBTCD", f"KXBTCD-{code}", "Bitcoin", btc[k], prev_btc, 0.028, 500.0, 15, expiry)
            self._ranges(b, f"KXBTC-{code}", btc[k], prev_btc, 0.028, expiry)
            self._thresholds(b, "KXETHD", f"KXETHD-{code}", "Ethereum", eth[k], prev_eth, 0.035, 40.0, 11, expiry)

    @staticmethod
    def _path(b: WorldBuilder, s0: float, sigma: float, n: int) -> list[float]:
        z = b.rng.normal(0, 1, size=n)
        out, s = [], s0
        for x in z:
            s *= math.exp(-0.5 * sigma**2 + sigma * x)
            out.append(s)
        return out

    def _thresholds(self, b, series, event, asset, value, prev, sigma, step, n, expiry) -> None:
        centre = round(prev / step) * step
        strikes = [centre + step * (k - n // 2) - 0.01 for k in range(n)]
        when = b.nice_date(expiry)
        markets = [
            MarketDef(ticker=f"{event}-T{s:.2f}", title=f"{asset} price on {when} at 5pm EDT?",
                      yes_sub_title=f"${s + 0.01:,.0f} or above", no_sub_title=f"${s + 0.01:,.0f} or above",
                      rules_primary=f"If the simple average of the sixty seconds of CF Benchmarks' Real-Time Index "
                                    f"before 5 PM EDT is above {s:,.2f} on {when}, then the market resolves to Yes.",
                      open_ts=expiry - 7 * DAY, close_ts=expiry, expected_expiration_ts=expiry + 300,
                      strike_type="greater", floor_strike=round(s, 2), deci_cent=True, fractional=True,
                      can_close_early=False)
            for s in strikes
        ]
        # Truth: lognormal around yesterday's close, realized at the path's value.
        self._lognormal_truth(b, markets, prev, sigma, value)
        b.add_event(EventDef(event_ticker=event, series_ticker=series, title=f"{asset} price on {when}?",
                             sub_title=f"{when} at 5pm EDT", mutually_exclusive=False, strike_period="day"), markets)

    def _ranges(self, b, event, value, prev, sigma, expiry) -> None:
        step = 500.0
        centre = math.floor(prev / step) * step
        when = b.nice_date(expiry)
        markets = []
        for k in range(-6, 6):
            lo = centre + step * k
            markets.append(MarketDef(
                ticker=f"{event}-B{lo + step / 2:.0f}", title=f"Bitcoin price range on {when}?",
                yes_sub_title=f"${lo:,.0f} to {lo + step - 0.01:,.2f}", no_sub_title=f"${lo:,.0f} to {lo + step - 0.01:,.2f}",
                rules_primary=f"If the simple average of the sixty seconds of CF Benchmarks' Real-Time Index before 5 PM "
                              f"EDT is between {lo:,.2f} and {lo + step - 0.01:,.2f} on {when}, then the market resolves "
                              "to Yes.", open_ts=expiry - 7 * DAY, close_ts=expiry, expected_expiration_ts=expiry + 300,
                strike_type="between", floor_strike=lo, cap_strike=round(lo + step - 0.01, 2), deci_cent=True,
                fractional=True, can_close_early=False))
        low, high = centre - 6 * step, centre + 6 * step
        markets.insert(0, MarketDef(
            ticker=f"{event}-T{low - 0.01:.2f}", title=f"Bitcoin price range on {when}?",
            yes_sub_title=f"${low - 0.01:,.2f} or below", no_sub_title=f"${low - 0.01:,.2f} or below",
            rules_primary=f"If the simple average of the sixty seconds of CF Benchmarks' Real-Time Index before 5 PM EDT "
                          f"is below {low:,.2f} on {when}, then the market resolves to Yes.", open_ts=expiry - 7 * DAY,
            close_ts=expiry, expected_expiration_ts=expiry + 300, strike_type="less", cap_strike=low, deci_cent=True,
            fractional=True, can_close_early=False))
        markets.append(MarketDef(
            ticker=f"{event}-T{high - 0.01:.2f}", title=f"Bitcoin price range on {when}?",
            yes_sub_title=f"${high:,.0f} or above", no_sub_title=f"${high:,.0f} or above",
            rules_primary=f"If the simple average of the sixty seconds of CF Benchmarks' Real-Time Index before 5 PM EDT "
                          f"is above {high - 0.01:,.2f} on {when}, then the market resolves to Yes.",
            open_ts=expiry - 7 * DAY, close_ts=expiry, expected_expiration_ts=expiry + 300, strike_type="greater",
            floor_strike=round(high - 0.01, 2), deci_cent=True, fractional=True, can_close_early=False,
            ))
        self._lognormal_truth(b, markets, prev, sigma, value)
        b.add_event(EventDef(event_ticker=event, series_ticker="KXBTC", title=f"Bitcoin price range on {when}?",
                             sub_title=f"{when} at 5pm EDT", mutually_exclusive=True, collateral_return_type="MECNET",
                             strike_period="day"), markets)

    @staticmethod
    def _lognormal_truth(b: WorldBuilder, markets, s0: float, sigma: float, value: float) -> None:
        # Work in log space: X = ln S ~ N(ln s0 - sigma^2/2, sigma), strikes mapped through ln.
        from kalshi_platform.sandbox.worlds.base import norm_cdf

        mu = math.log(s0) - 0.5 * sigma**2
        for m in markets:
            if m.strike_type == "greater":
                m.p = 1 - norm_cdf((math.log(m.floor_strike) - mu) / sigma)
                m.outcome = value > m.floor_strike
            elif m.strike_type == "less":
                m.p = norm_cdf((math.log(m.cap_strike) - mu) / sigma)
                m.outcome = value < m.cap_strike
            else:
                m.p = norm_cdf((math.log(m.cap_strike) - mu) / sigma) - norm_cdf((math.log(m.floor_strike) - mu) / sigma)
                m.outcome = m.floor_strike <= value <= m.cap_strike
            m.p = min(0.998, max(0.002, m.p))
            m.expiration_value = f"{value:.2f}"


def families() -> list[BaseFamily]:
    return [DailyCrypto()]

