"""Economics: Fed rate thresholds and decisions, CPI, payrolls, unemployment, GDP, gas prices."""

from __future__ import annotations

from kalshi_platform.sandbox.worlds.base import DAY, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder, norm_cdf


def _signed(text: str) -> str:
    """Kalshi writes a negative strike with N, not a minus (CPI-22DEC-TN0.1): "-" separates segments."""
    return "N" + text[1:] if text.startswith("-") else text


def _series(b: WorldBuilder, ticker: str, title: str, tags: list[str], frequency: str, source: tuple[str, str]) -> None:
    b.add_series(SeriesDef(
        ticker=ticker, title=title, category="Economics", tags=tags, frequency=frequency,
        settlement_sources=[{"name": source[0], "url": source[1]}],
        contract_url=f"https://assets.kalshi.com/regulatory/product-certifications/{ticker.removeprefix('KX')}.pdf",
        contract_terms_url=f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{ticker.removeprefix('KX')}.pdf",
    ))


FED_SOURCE = ("Federal Reserve", "https://www.federalreserve.gov/monetarypolicy/openmarket.htm")
BLS_SOURCE = ("Bureau of Labor Statistics", "https://www.bls.gov/")


class Economics(BaseFamily):
    name = "economics"

    def build(self, b: WorldBuilder) -> None:
        self._fed(b)
        self._monthly(b, "KXCPI", "CPI month-over-month", "CPI", 0.25, 0.15, [x / 10 for x in range(-1, 7)], "%",
                      "If CPI (seasonally adjusted) rises by more than {s}% month-over-month in {month}, then the "
                      "market resolves to Yes.", 1)
        self._monthly(b, "KXCPIYOY", "CPI year-over-year", "CPI", 2.9, 0.2, [x / 10 for x in range(25, 34)], "%",
                      "If CPI rises by more than {s}% year-over-year in {month}, then the market resolves to Yes.", 1)
        self._monthly(b, "KXPAYROLLS", "Jobs numbers", "Jobs", 120.0, 60.0, list(range(0, 251, 25)), "k",
                      "If nonfarm payrolls for {month} come in above {s}k, then the market resolves to Yes.", 0)
        self._monthly(b, "KXU3", "Unemployment rate", "Jobs", 4.3, 0.12, [x / 10 for x in range(40, 47)], "%",
                      "If the unemployment rate for {month} is above {s}%, then the market resolves to Yes.", 1)
        self._gdp(b)
        self._gas(b)

    def _fed(self, b: WorldBuilder) -> None:
        _series(b, "KXFED", "Fed funds rate", ["Fed", "Interest rates"], "custom", FED_SOURCE)
        _series(b, "KXFEDDECISION", "Fed decision", ["Fed", "Interest rates"], "custom", FED_SOURCE)
        rate = 4.00
        offsets = [-126, -84, -42, 7] + [7 + 45 * k for k in range(1, 6 * b.scale + 1)]
        for off in offsets:
            day = b.day(off, 18)
            code = b.yymmm(day)
            horizon = max(1.0, (off + 130) / 45.0)
            sigma = 0.18 + 0.05 * horizon
            mu = rate - 0.08
            strikes = [round(3.0 + 0.25 * k, 2) for k in range(10)]
            event = f"KXFED-{code}"
            meeting = b.nice_date(day)
            markets = [
                MarketDef(ticker=f"{event}-T{_signed(f'{s:.2f}')}", title=f"Fed funds rate after the {meeting} meeting?",
                          yes_sub_title=f"Above {s:.2f}%", no_sub_title=f"Above {s:.2f}%",
                          rules_primary="If the upper bound of the target federal funds rate published on the Federal "
                                        f"Reserve's official website is greater than {s:.2f}% following the Federal "
                                        f"Reserve's {meeting} meeting, then the market resolves to Yes.",
                          open_ts=day - 120 * DAY, close_ts=day, strike_type="greater", floor_strike=s)
                for s in strikes
            ]
            new_rate = b.scalar(markets, mu, sigma, grid=0.25)
            b.add_event(EventDef(event_ticker=event, series_ticker="KXFED", title=f"Fed rate after {meeting}?",
                                 sub_title=f"After the {meeting} meeting", mutually_exclusive=False), markets)
            # The decision market reads the same realized move, so the two series never disagree.
            move = round(new_rate - rate, 2)
            options = [("H0", "Hold", move == 0, norm_cdf((rate + 0.125 - mu) / sigma) - norm_cdf((rate - 0.125 - mu) / sigma)),
                       ("C25", "Cut 25bps", move == -0.25,
                        norm_cdf((rate - 0.125 - mu) / sigma) - norm_cdf((rate - 0.375 - mu) / sigma)),
                       ("C26", "Cut >25bps", move < -0.25, norm_cdf((rate - 0.375 - mu) / sigma)),
                       ("H25", "Hike", move > 0, 1 - norm_cdf((rate + 0.125 - mu) / sigma))]
            dec_event = f"KXFEDDECISION-{code}"
            dec = []
            for c, label, won, p in options:
                m = MarketDef(ticker=f"{dec_event}-{c}", title=f"Fed decision in {meeting}?", yes_sub_title=label,
                              no_sub_title=label, open_ts=day - 120 * DAY, close_ts=day, strike_type="structured",
                              rules_primary=f"If the Federal Reserve's decision at its {meeting} meeting is: {label}, "
                                            "then the market resolves to Yes.")
                m.p, m.outcome = max(0.002, min(0.998, p)), won
                dec.append(m)
            b.add_event(EventDef(event_ticker=dec_event, series_ticker="KXFEDDECISION",
                                 title=f"Fed decision in {meeting}?", sub_title=meeting, mutually_exclusive=True,
                                 collateral_return_type="MECNET"), dec)
            rate = new_rate

    def _monthly(self, b: WorldBuilder, series: str, title: str, tag: str, mu0: float, sigma: float,
                 strikes: list[float], unit: str, rule: str, decimals: int) -> None:
        _series(b, series, title, [tag], "monthly", BLS_SOURCE)
        for k in range(-3, 6 * b.scale + 1):
            month_start = b.month_start(b.anchor_ts, k - 1)
            release = b.month_start(b.anchor_ts, k) + 11 * DAY + 12 * 3600 + 30 * 60
            month = b.dt(month_start).strftime("%B %Y")
            event = f"{series}-{b.yymmm(month_start)}"
            mu = mu0 + float(b.rng.normal(0, sigma / 2))
            fmt = f"{{:.{decimals}f}}"
            markets = [
                MarketDef(ticker=f"{event}-T{_signed(fmt.format(s))}", title=f"{title} in {month}?",
                          yes_sub_title=f"Above {fmt.format(s)}{unit}", no_sub_title=f"Above {fmt.format(s)}{unit}",
                          rules_primary=rule.format(s=fmt.format(s), month=month), open_ts=release - 150 * DAY,
                          close_ts=release, strike_type="greater", floor_strike=s)
                for s in strikes
            ]
            b.scalar(markets, mu, sigma, grid=10 ** -decimals if decimals else 1.0)
            b.add_event(EventDef(event_ticker=event, series_ticker=series, title=f"{title} in {month}?",
                                 sub_title=f"In {month}", mutually_exclusive=False, strike_period="month"), markets)

    def _gdp(self, b: WorldBuilder) -> None:
        _series(b, "KXGDP", "GDP growth", ["GDP"], "quarterly", ("Bureau of Economic Analysis", "https://www.bea.gov/"))
        year = b.dt(b.anchor_ts).year
        quarter = (b.dt(b.anchor_ts).month - 1) // 3
        for k in range(-1, 4 * b.scale):
            q = quarter + k
            y, qq = year + q // 4, q % 4 + 1
            release = b.month_start(b.anchor_ts, 3 * k + 1) + 27 * DAY + 12 * 3600
            event = f"KXGDP-{y % 100:02d}Q{qq}"
            strikes = [x / 2 for x in range(-2, 10)]
            markets = [MarketDef(ticker=f"{event}-T{_signed(f'{s:.1f}')}", title=f"GDP growth in Q{qq} {y}?",
                                 yes_sub_title=f"Above {s:.1f}%", no_sub_title=f"Above {s:.1f}%",
                                 rules_primary=f"If the advance estimate of real GDP growth for Q{qq} {y} is above "
                                               f"{s:.1f}%, then the market resolves to Yes.",
                                 open_ts=release - 90 * DAY, close_ts=release, strike_type="greater", floor_strike=s)
                       for s in strikes]
            b.scalar(markets, 2.0 + float(b.rng.normal(0, 0.5)), 1.1, grid=0.1)
            b.add_event(EventDef(event_ticker=event, series_ticker="KXGDP", title=f"GDP growth in Q{qq} {y}?",
                                 sub_title=f"Q{qq} {y}", mutually_exclusive=False, strike_period="quarter"), markets)

    def _gas(self, b: WorldBuilder) -> None:
        series = "KXAAAGASD"
        _series(b, series, "US gas prices", ["Gas prices"], "daily", ("AAA", "https://gasprices.aaa.com/"))
        price = 3.10
        for d in range(-16, 5 * b.scale + 1):
            day = b.day(d, 14)
            event = f"{series}-{b.yymmmdd(day)}"
            mu = price + float(b.rng.normal(0, 0.01))
            centre = round(mu / 0.05) * 0.05
            strikes = [round(centre + 0.05 * k, 2) for k in range(-3, 4)]
            markets = [MarketDef(ticker=f"{event}-{s:.2f}", title=f"US average gas price on {b.nice_date(day)}?",
                                 yes_sub_title=f"Above ${s:.2f}", no_sub_title=f"Above ${s:.2f}",
                                 rules_primary=f"If the AAA national average price for regular gas is above ${s:.2f} on "
                                               f"{b.nice_date(day)}, then the market resolves to Yes.",
                                 open_ts=day - 6 * DAY, close_ts=day, strike_type="greater", floor_strike=s)
                       for s in strikes]
            price = b.scalar(markets, mu, 0.03, grid=0.001)
            b.add_event(EventDef(event_ticker=event, series_ticker=series,
                                 title=f"US gas price on {b.nice_date(day)}?", sub_title=f"On {b.nice_date(day)}",
                                 mutually_exclusive=False, strike_period="day"), markets)


def families() -> list[BaseFamily]:
    return [Economics()]
