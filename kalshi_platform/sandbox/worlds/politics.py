"""Politics: 2028 nominations, party of the next president, 2026 governor and Senate races, approval
brackets and foreign leadership races."""

from __future__ import annotations

from kalshi_platform.sandbox.worlds.base import DAY, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder

DEM_2028 = [
    ("AOC", "Alexandria Ocasio-Cortez"), ("GNEW", "Gavin Newsom"), ("JSHA", "Josh Shapiro"), ("PBUT", "Pete Buttigieg"),
    ("GWHI", "Gretchen Whitmer"), ("WMOO", "Wes Moore"), ("JPRI", "JB Pritzker"), ("KHAR", "Kamala Harris"),
    ("ABES", "Andy Beshear"), ("RKHA", "Ro Khanna"), ("CBOO", "Cory Booker"), ("MKEL", "Mark Kelly"),
    ("JOSS", "Jon Ossoff"), ("RWAR", "Raphael Warnock"), ("TWAL", "Tim Walz"), ("AKLO", "Amy Klobuchar"),
    ("CMUR", "Chris Murphy"), ("JSTE", "Jon Stewart"), ("MCUB", "Mark Cuban"), ("RGAL", "Ruben Gallego"),
]
REP_2028 = [
    ("JDV", "JD Vance"), ("MRUB", "Marco Rubio"), ("DJTJ", "Donald Trump Jr."), ("RDES", "Ron DeSantis"),
    ("NHAL", "Nikki Haley"), ("VRAM", "Vivek Ramaswamy"), ("TCRU", "Ted Cruz"), ("GYOU", "Glenn Youngkin"),
    ("BKEM", "Brian Kemp"), ("TCOT", "Tom Cotton"), ("SHUC", "Sarah Huckabee Sanders"), ("RPAU", "Rand Paul"),
    ("BDON", "Byron Donalds"), ("TSCO", "Tim Scott"), ("TCAR", "Tucker Carlson"),
]
STATES_GOV = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "FL", "GA", "HI", "ID", "IL", "IA", "KS", "ME", "MD", "MA",
              "MI", "MN", "NE", "NV", "NH", "NM", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "VT",
              "WI", "WY"]
STATES_SEN = ["AL", "AK", "AR", "CO", "DE", "GA", "ID", "IL", "IA", "KS", "KY", "LA", "ME", "MA", "MI", "MN", "MS",
              "MT", "NE", "NH", "NJ", "NM", "NC", "OK", "OR", "RI", "SC", "SD", "TN", "TX", "VA", "WV", "WY", "OH", "FL"]
# Partisan lean per state (positive = Republican), a rough fixed table so races look plausible.
STATE_LEAN = {s: (score - 50) / 12.0 for s, score in zip(
    sorted(set(STATES_GOV) | set(STATES_SEN)),
    [62, 70, 48, 72, 20, 38, 30, 60, 52, 18, 75, 30, 56, 62, 45, 25, 22, 49, 42, 64, 50, 47, 40, 32, 55, 73, 35, 50,
     68, 24, 66, 70, 58, 58, 12, 40, 56, 28, 78, 49, 80, 44, 61],
    strict=False,
)}
ISRAEL_PM = [("BSMO", "Bezalel Smotrich"), ("IKAT", "Israel Katz"), ("YGAL", "Yoav Gallant"), ("YLEV", "Yariv Levin"),
             ("NBEN", "Naftali Bennett"), ("YLAP", "Yair Lapid"), ("GEIS", "Gadi Eisenkot"), ("ALIE", "Avigdor Liberman")]
HOUSE_SEATS = {"CA": 52, "TX": 38, "FL": 28, "NY": 26, "PA": 17, "IL": 17, "OH": 15, "GA": 14, "NC": 14, "MI": 13,
               "NJ": 12, "VA": 11, "WA": 10, "AZ": 9, "IN": 9, "MA": 9, "TN": 9, "CO": 8, "MD": 8, "MN": 8, "MO": 8,
               "WI": 8, "AL": 7, "SC": 7, "KY": 6, "LA": 6, "OR": 6, "CT": 5, "OK": 5, "AR": 4, "IA": 4, "KS": 4,
               "MS": 4, "NV": 4, "UT": 4, "NE": 3, "NM": 3, "WV": 2, "ID": 2, "HI": 2, "ME": 2, "NH": 2, "RI": 2,
               "MT": 2}
TURKEY = [("EIMA", "Ekrem İmamoğlu"), ("RERD", "Recep Tayyip Erdoğan"), ("MYAV", "Mansur Yavaş"),
          ("OOZE", "Özgür Özel"), ("HFID", "Hakan Fidan")]

PROHIBITIONS = ["Candidates and their campaign staff are not permitted to trade on the Contract."]


def _series(b: WorldBuilder, ticker: str, title: str, tags: list[str], frequency: str = "one_off") -> None:
    b.add_series(SeriesDef(
        ticker=ticker, title=title, category="Politics", tags=tags, frequency=frequency,
        settlement_sources=[{"name": "The Associated Press", "url": "https://apnews.com/"}],
        contract_url=f"https://assets.kalshi.com/regulatory/product-certifications/{ticker.removeprefix('KX')}.pdf",
        contract_terms_url=f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{ticker.removeprefix('KX')}.pdf",
        additional_prohibitions=PROHIBITIONS,
    ))


class Politics(BaseFamily):
    name = "politics"

    def build(self, b: WorldBuilder) -> None:
        self._field(b, "KX2028DRUN", "2028 Democratic presidential nominee", DEM_2028, "the 2028 Democratic nominee")
        self._field(b, "KX2028RRUN", "2028 Republican presidential nominee", REP_2028, "the 2028 Republican nominee")
        self._president_party(b)
        self._races(b, "GOVPARTY", "governorship", STATES_GOV)
        self._races(b, "SENATE", "Senate race", STATES_SEN)
        self._house(b)
        self._approval(b)
        self._leader(b, "KXNEXTISRAELPM", "Who will be the next new Prime Minister of Israel?", ISRAEL_PM,
                     "the next Prime Minister of Israel", 45)
        self._leader(b, "KXPRESTURKEY", "Who will win the next Turkish presidential election?", TURKEY,
                     "the next President of Turkey", 28)

    def _field(self, b: WorldBuilder, series: str, title: str, field: list, what: str) -> None:
        _series(b, series, title, ["Elections", "2028"])
        for cycle in range(b.scale):
            close = b.day(600 + 4 * 365 * cycle)
            yy = b.dt(close).year % 100
            event = f"{series}-{yy:02d}"
            markets = [
                MarketDef(ticker=f"{event}-{code}", title=f"Will {name} be {what}?", yes_sub_title=name,
                          no_sub_title=name, rules_primary=f"If {name} is {what}, then the market resolves to Yes.",
                          open_ts=b.day(-400), close_ts=close, strike_type="structured",
                          custom_strike={"person": b.uuid()})
                for code, name in field
            ]
            b.categorical(markets, b.skewed_weights(len(markets), 0.9))
            b.add_event(EventDef(event_ticker=event, series_ticker=series, title=title + "?",
                                 sub_title=f"{2000 + yy} nomination", mutually_exclusive=True,
                                 collateral_return_type="MECNET"), markets)

    def _president_party(self, b: WorldBuilder) -> None:
        _series(b, "KXPRESPARTY", "Which party will win the presidency?", ["Elections", "President"])
        for cycle in range(b.scale):
            close = b.day(700 + 4 * 365 * cycle)
            yy = b.dt(close).year % 100
            event = f"KXPRESPARTY-{yy:02d}"
            parties = [("D", "Democratic party"), ("R", "Republican party"), ("O", "Another party")]
            markets = [MarketDef(ticker=f"{event}-{c}", title=f"Will the {n} win the {2000 + yy} presidential election?",
                                 yes_sub_title=n, no_sub_title=n, open_ts=b.day(-500), close_ts=close,
                                 rules_primary=f"If the {n} wins the {2000 + yy} presidential election, then the market "
                                               "resolves to Yes.", strike_type="structured")
                       for c, n in parties]
            b.categorical(markets, [0.49, 0.49, 0.02])
            b.add_event(EventDef(event_ticker=event, series_ticker="KXPRESPARTY",
                                 title=f"Which party will win the {2000 + yy} presidential election?",
                                 sub_title=f"{2000 + yy}", mutually_exclusive=True,
                                 collateral_return_type="MECNET"), markets)

    def _races(self, b: WorldBuilder, prefix: str, what: str, states: list[str]) -> None:
        election = b.day(150)
        for cycle in range(b.scale):
            close = election + cycle * 2 * 365 * DAY
            yy = b.dt(close).year % 100
            for st in states:
                series = f"{prefix}{st}"
                _series(b, series, f"{st} {what}", ["Elections", "States"], "custom")
                event = f"{series}-{yy:02d}"
                lean = STATE_LEAN.get(st, 0.0)
                mu = -lean * 8 + float(b.rng.normal(0, 3))  # Democratic margin
                markets = []
                for code, party, sign in (("D", "Democratic", 1), ("R", "Republican", -1)):
                    markets.append(MarketDef(
                        ticker=f"{event}-{code}", title=f"Will the {party} party win the {what} in {st}?",
                        yes_sub_title=party, no_sub_title=party, open_ts=b.day(-300), close_ts=close,
                        rules_primary=f"If the {party} party wins the {2000 + yy} {what} in {st}, then the market "
                                      "resolves to Yes.", strike_type="structured"))
                from kalshi_platform.sandbox.worlds.base import norm_cdf

                p_d = norm_cdf(mu / 6.0)
                b.categorical(markets, [p_d, 1 - p_d])
                b.add_event(EventDef(event_ticker=event, series_ticker=series,
                                     title=f"Which party will win the {what} in {st}?", sub_title=f"{2000 + yy}",
                                     mutually_exclusive=True, collateral_return_type="MECNET"), markets)

    def _house(self, b: WorldBuilder) -> None:
        series = "KXHOUSERACE"
        _series(b, series, "House race winner", ["Elections", "House"], "custom")
        election = b.day(150)
        for cycle in range(b.scale):
            close = election + cycle * 2 * 365 * DAY
            yy = b.dt(close).year % 100
            for st, seats in HOUSE_SEATS.items():
                lean = STATE_LEAN.get(st, 0.0)
                for k in range(1, seats + 1):
                    district = f"{st}{k:02d}"
                    event = f"{series}-{yy:02d}{district}"
                    mu = -lean * 6 + float(b.rng.normal(0, 14))  # Democratic margin in the district
                    markets = [MarketDef(
                        ticker=f"{event}-{code}", title=f"Will the {party} party win {st}-{k}?", yes_sub_title=party,
                        no_sub_title=party, open_ts=b.day(-200), close_ts=close,
                        rules_primary=f"If the {party} candidate wins the {2000 + yy} election for {st}-{k}, then the "
                                      "market resolves to Yes.", strike_type="structured")
                        for code, party in (("D", "Democratic"), ("R", "Republican"))]
                    from kalshi_platform.sandbox.worlds.base import norm_cdf

                    p_d = norm_cdf(mu / 5.0)
                    b.categorical(markets, [p_d, 1 - p_d])
                    b.add_event(EventDef(event_ticker=event, series_ticker=series,
                                         title=f"Who will win {st}-{k}?", sub_title=f"{2000 + yy} House",
                                         mutually_exclusive=True, collateral_return_type="MECNET"), markets)

    def _approval(self, b: WorldBuilder) -> None:
        series = "KXAPRPOTUS"
        _series(b, series, "Presidential approval rating", ["Approval"], "weekly")
        level = 43.0
        for week in range(-8, 4 * b.scale + 1):
            friday = b.day(week * 7 + (4 - b.dt(b.anchor_ts).weekday()) % 7, 20)
            date = b.yymmmdd(friday)
            event = f"{series}-{date}"
            mu = level + float(b.rng.normal(0, 0.4))
            centre = round(mu * 2) / 2
            markets = []
            lo = centre - 2.0
            markets.append(MarketDef(ticker=f"{event}-T{lo:.1f}", title="Presidential approval rating",
                                     yes_sub_title=f"Below {lo:.1f}%", no_sub_title=f"Below {lo:.1f}%",
                                     rules_primary=f"If the RealClearPolitics approval average for the President is "
                                                   f"below {lo:.1f}% on {b.nice_date(friday)}, then the market resolves "
                                                   "to Yes.", open_ts=friday - 7 * DAY, close_ts=friday,
                                     strike_type="less", cap_strike=lo))
            for k in range(8):
                a = lo + 0.5 * k
                markets.append(MarketDef(ticker=f"{event}-B{a + 0.25:.2f}", title="Presidential approval rating",
                                         yes_sub_title=f"{a:.1f}% to {a + 0.4:.1f}%", no_sub_title=f"{a:.1f}% to {a + 0.4:.1f}%",
                                         rules_primary=f"If the RealClearPolitics approval average for the President is "
                                                       f"between {a:.1f}% and {a + 0.4:.1f}% on {b.nice_date(friday)}, "
                                                       "then the market resolves to Yes.",
                                         open_ts=friday - 7 * DAY, close_ts=friday, strike_type="between",
                                         floor_strike=round(a, 1), cap_strike=round(a + 0.4, 1)))
            hi = lo + 4.0
            markets.append(MarketDef(ticker=f"{event}-T{hi:.1f}", title="Presidential approval rating",
                                     yes_sub_title=f"Above {hi - 0.1:.1f}%", no_sub_title=f"Above {hi - 0.1:.1f}%",
                                     rules_primary=f"If the RealClearPolitics approval average for the President is "
                                                   f"above {hi - 0.1:.1f}% on {b.nice_date(friday)}, then the market "
                                                   "resolves to Yes.", open_ts=friday - 7 * DAY, close_ts=friday,
                                     strike_type="greater", floor_strike=round(hi - 0.1, 1)))
            value = b.scalar(markets, mu, 0.8, grid=0.1)
            level = value
            b.add_event(EventDef(event_ticker=event, series_ticker=series, title="Presidential approval rating?",
                                 sub_title=f"On {b.nice_date(friday)}", mutually_exclusive=True,
                                 collateral_return_type="MECNET", strike_period="week"), markets)

    def _leader(self, b: WorldBuilder, series: str, title: str, field: list, what: str, yy: int) -> None:
        _series(b, series, title, ["World"])
        event = f"{series}-{yy:02d}JAN01" if "ISRAEL" in series else f"{series}-{yy:02d}"
        markets = [MarketDef(ticker=f"{event}-{code}", title=f"Will {name} be {what}?", yes_sub_title=name,
                             no_sub_title=name, rules_primary=f"If {name} becomes {what}, then the market resolves to Yes.",
                             open_ts=b.day(-300), close_ts=b.day(365 * 3), strike_type="structured")
                   for code, name in field]
        b.categorical(markets, b.skewed_weights(len(markets)))
        b.add_event(EventDef(event_ticker=event, series_ticker=series, title=title, sub_title="Before the deadline",
                             mutually_exclusive=True, collateral_return_type="MECNET"), markets)


def families() -> list[BaseFamily]:
    return [Politics()]
