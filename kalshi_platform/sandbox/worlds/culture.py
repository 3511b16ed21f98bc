"""Entertainment (awards, charts, review scores), Companies (one-off corporate events, deliveries,
market caps) and Science and Technology (space, AI leaderboards, long-dated questions)."""

from __future__ import annotations

from kalshi_platform.sandbox.worlds.base import DAY, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder

FILMS = ["The Long Harbor", "Midnight Cartography", "Paper Lanterns", "Glass Orchard", "The Last Conductor",
         "Saltwater Hymn", "Northern Static", "A Quiet Republic", "Copper Sky", "Fieldwork"]
ACTORS = [("TCHA", "Timothée Chalamet"), ("CMUR", "Cillian Murphy"), ("AADE", "Adrien Brody"), ("CDOM", "Colman Domingo"),
          ("RFIE", "Ralph Fiennes"), ("JESS", "Jesse Plemons"), ("PMES", "Paul Mescal")]
ACTRESSES = [("EST", "Emma Stone"), ("MMAD", "Mikey Madison"), ("DMOO", "Demi Moore"), ("CERI", "Cynthia Erivo"),
             ("SRON", "Saoirse Ronan"), ("ZSAL", "Zendaya"), ("FTOR", "Fernanda Torres")]
SERIES_TV = [("SEV", "Severance"), ("TPITT", "The Pitt"), ("SLOW", "Slow Horses"), ("ANDOR", "Andor"),
             ("TWL", "The White Lotus"), ("SHOG", "Shogun"), ("TBEAR", "The Bear"), ("HACKS", "Hacks")]
ALBUMS = [("GNX", "GNX"), ("SHORT", "Short n' Sweet"), ("BRAT", "brat"), ("COW", "Cowboy Carter"),
          ("HIT", "Hit Me Hard and Soft"), ("TTPD", "The Tortured Poets Department"), ("CHROM", "Chromakopia")]
SONGS = [("APT", "APT."), ("DWS", "Die With A Smile"), ("NLU", "Not Like Us"), ("BIRDS", "Birds of a Feather"),
         ("ESP", "Espresso"), ("LUTH", "Luther")]
AI_MODELS = [("GEMINI", "Gemini"), ("GPT", "GPT"), ("CLAUDE", "Claude"), ("GROK", "Grok"), ("DEEPSEEK", "DeepSeek"),
             ("QWEN", "Qwen"), ("LLAMA", "Llama"), ("MISTRAL", "Mistral")]

ONE_OFFS_COMPANIES = [
    ("APPLEFOLD", "Apple releases a foldable iPhone", 0.35),
    ("TESLAROBOTAXI", "Tesla launches a driverless robotaxi service in a new state", 0.45),
    ("OPENAIIPO", "OpenAI announces an IPO", 0.12),
    ("SPACEXIPO", "SpaceX announces an IPO", 0.15),
    ("NVDA5T", "Nvidia closes above a $5T market cap", 0.55),
    ("AMAZONFTC", "A court rules Amazon an illegal monopoly", 0.25),
    ("GOOGLEBREAKUP", "Google is ordered to divest Chrome", 0.2),
    ("TIKTOKSALE", "TikTok's US business is sold", 0.5),
    ("MSFTACQ", "Microsoft announces a $10B+ acquisition", 0.3),
    ("METAGLASSES", "Meta ships display smart glasses to consumers", 0.6),
    ("STARBUCKSCEO", "Starbucks replaces its CEO", 0.08),
    ("INTELSPLIT", "Intel announces a split of its foundry business", 0.22),
]
ONE_OFFS_SCIENCE = [
    ("AITURING", "AI passes a long-form Turing test", 0.3),
    ("IMOAI", "An AI wins an IMO gold medal", 0.7),
    ("STARSHIPORBIT", "Starship completes a full orbit", 0.75),
    ("ARTEMIS2", "Artemis II launches", 0.55),
    ("FUSIONNET", "A fusion experiment reports net energy gain again", 0.4),
    ("QUANTUMRSA", "A quantum computer factors a 2048-bit RSA key", 0.01),
]


def _series(b: WorldBuilder, ticker: str, title: str, category: str, tags: list[str], frequency: str,
            source: tuple[str, str]) -> None:
    b.add_series(SeriesDef(
        ticker=ticker, title=title, category=category, tags=tags, frequency=frequency,
        settlement_sources=[{"name": source[0], "url": source[1]}],
        contract_url=f"https://assets.kalshi.com/regulatory/product-certifications/{ticker.removeprefix('KX')}.pdf",
        contract_terms_url=f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{ticker.removeprefix('KX')}.pdf",
    ))


def _field_event(b: WorldBuilder, series: str, event: str, title: str, field, question: str, open_ts: int,
                 close_ts: int, sub_title: str) -> None:
    markets = [MarketDef(ticker=f"{event}-{code}", title=question.format(name=name), yes_sub_title=name,
                         no_sub_title=name, rules_primary=f"If {name} wins, then the market resolves to Yes.",
                         open_ts=open_ts, close_ts=close_ts, strike_type="structured")
               for code, name in field]
    b.categorical(markets, b.skewed_weights(len(markets)))
    b.add_event(EventDef(event_ticker=event, series_ticker=series, title=title, sub_title=sub_title,
                         mutually_exclusive=True, collateral_return_type="MECNET"), markets)


def _one_off(b: WorldBuilder, series: str, category: str, title: str, p: float, deadline: int, source) -> None:
    _series(b, series, title, category, ["One-off"], "one_off", source)
    ticker = f"{series}-{b.yymmmdd(deadline)}"
    m = MarketDef(ticker=ticker, title=f"Will {title[0].lower() + title[1:]} before {b.nice_date(deadline)}?",
                  yes_sub_title=f"Before {b.nice_date(deadline)}", no_sub_title=f"Before {b.nice_date(deadline)}",
                  rules_primary=f"If {title[0].lower() + title[1:]} before {b.nice_date(deadline)}, then the market "
                                "resolves to Yes.", open_ts=b.day(-250), close_ts=deadline)
    b.binary(m, p)
    # A one-off market shares its ticker with its event, as KXELONMARS-99 does.
    b.add_event(EventDef(event_ticker=ticker, series_ticker=series, title=f"{title}?",
                         sub_title=f"Before {b.nice_date(deadline)}", mutually_exclusive=False), [m])


class Entertainment(BaseFamily):
    name = "entertainment"

    def build(self, b: WorldBuilder) -> None:
        src = ("The Academy", "https://www.oscars.org/")
        for year_k in range(b.scale):
            ceremony = b.day(110 + 365 * year_k, 4)
            yy = b.dt(ceremony).year % 100
            films = [(f"{''.join(w[0] for w in f.split())}{k}", f) for k, f in enumerate(FILMS)]
            for code, label, field in (("PIC", "Best Picture", films), ("ACTO", "Best Actor", ACTORS),
                                       ("ACTR", "Best Actress", ACTRESSES), ("DIR", "Best Director", films[:6])):
                series = f"KXOSCAR{code}"
                _series(b, series, f"Oscar for {label}", "Entertainment", ["Oscars", "Awards"], "annual", src)
                _field_event(b, series, f"{series}-{yy:02d}", f"Oscar for {label} {2000 + yy}?", field,
                             "Will {name} win the Oscar for " + label + "?", b.day(-60), ceremony, f"{2000 + yy} Oscars")
            emmy = b.day(200 + 365 * year_k, 2)
            yy = b.dt(emmy).year % 100
            for code, label in (("DSERIES", "Outstanding Drama Series"), ("CSERIES", "Outstanding Comedy Series")):
                series = f"KXEMMY{code}"
                _series(b, series, f"Emmy for {label}", "Entertainment", ["Emmys", "Awards"], "annual",
                        ("Television Academy", "https://www.emmys.com/"))
                _field_event(b, series, f"{series}-{yy:02d}", f"Emmy for {label} {2000 + yy}?", SERIES_TV,
                             "Will {name} win the Emmy for " + label + "?", b.day(-30), emmy, f"{2000 + yy} Emmys")
            grammy = b.day(60 + 365 * year_k, 4)
            yy = b.dt(grammy).year % 100
            _series(b, "KXGRAMMYAOTY", "Grammy for Album of the Year", "Entertainment", ["Grammys", "Awards"],
                    "annual", ("Recording Academy", "https://www.grammy.com/"))
            _field_event(b, "KXGRAMMYAOTY", f"KXGRAMMYAOTY-{yy:02d}", f"Album of the Year {2000 + yy}?", ALBUMS,
                         "Will {name} win Album of the Year?", b.day(-80), grammy, f"{2000 + yy} Grammys")
        _series(b, "KXTOPSONG", "Top song on the Billboard Hot 100", "Entertainment", ["Music", "Charts"], "weekly",
                ("Billboard", "https://www.billboard.com/charts/hot-100/"))
        for week in range(-6, 3 * b.scale + 1):
            tuesday = b.day(7 * week + (1 - b.dt(b.anchor_ts).weekday()) % 7, 16)
            _field_event(b, "KXTOPSONG", f"KXTOPSONG-{b.yymmmdd(tuesday)}", "Top song on the Hot 100?", SONGS,
                         "Will {name} be the #1 song on the Billboard Hot 100?", tuesday - 7 * DAY, tuesday,
                         f"Week of {b.nice_date(tuesday)}")
        _series(b, "KXRTSCORE", "Rotten Tomatoes score", "Entertainment", ["Movies", "Reviews"], "custom",
                ("Rotten Tomatoes", "https://www.rottentomatoes.com/"))
        for k, film in enumerate(FILMS[: 6 + 2 * b.scale] if b.scale < 3 else FILMS):
            release = b.day(-20 + 9 * k, 16)
            code = "".join(w[0] for w in film.split()).upper() + str(k)
            event = f"KXRTSCORE-{code}"
            markets = [MarketDef(ticker=f"{event}-{s}", title=f"Rotten Tomatoes score for {film}?",
                                 yes_sub_title=f"Above {s}", no_sub_title=f"Above {s}",
                                 rules_primary=f"If the Tomatometer score of {film} is above {s} one week after its "
                                               "release, then the market resolves to Yes.", open_ts=release - 14 * DAY,
                                 close_ts=release + 7 * DAY, strike_type="greater", floor_strike=s)
                       for s in range(50, 100, 8)]
            b.scalar(markets, float(b.rng.uniform(55, 95)), 7.0, integer=True)
            b.add_event(EventDef(event_ticker=event, series_ticker="KXRTSCORE", title=f"{film} Rotten Tomatoes score?",
                                 sub_title="One week after release", mutually_exclusive=False), markets)


class Companies(BaseFamily):
    name = "companies"

    def build(self, b: WorldBuilder) -> None:
        src = ("Company filings", "https://www.sec.gov/edgar")
        for series, title, p in ONE_OFFS_COMPANIES:
            for k, months in enumerate((3, 9, 15)[: 2 + min(b.scale, 1)]):
                deadline = b.month_start(b.anchor_ts, months) - DAY + 4 * 3600
                _one_off(b, series, "Companies", title, min(0.95, p * (0.6 + 0.3 * k)), deadline, src)
        _series(b, "KXTSLADEL", "Tesla quarterly deliveries", "Companies", ["Tesla", "Deliveries"], "quarterly", src)
        for q in range(-1, 3 * b.scale):
            release = b.month_start(b.anchor_ts, 3 * q + 1) + DAY + 13 * 3600
            event = f"KXTSLADEL-{b.yymmm(release)}"
            markets = [MarketDef(ticker=f"{event}-T{s}", title="Tesla deliveries this quarter?",
                                 yes_sub_title=f"Above {s},000", no_sub_title=f"Above {s},000",
                                 rules_primary=f"If Tesla reports more than {s},000 vehicle deliveries for the quarter, "
                                               "then the market resolves to Yes.", open_ts=release - 90 * DAY,
                                 close_ts=release, strike_type="greater", floor_strike=s * 1000)
                       for s in range(340, 500, 20)]
            b.scalar(markets, float(b.rng.normal(420_000, 25_000)), 30_000.0, grid=1.0)
            b.add_event(EventDef(event_ticker=event, series_ticker="KXTSLADEL", title="Tesla deliveries?",
                                 sub_title=b.dt(release).strftime("Reported %b %Y"), mutually_exclusive=False), markets)
        _series(b, "KXNVDAMC", "Nvidia market cap", "Companies", ["Nvidia", "Market cap"], "monthly", src)
        for k in range(-2, 4 * b.scale):
            close = b.month_start(b.anchor_ts, k + 1) - DAY + 21 * 3600
            event = f"KXNVDAMC-{b.yymmmdd(close)}"
            markets = [MarketDef(ticker=f"{event}-T{s:.1f}", title="Nvidia market cap at month end?",
                                 yes_sub_title=f"Above ${s:.1f}T", no_sub_title=f"Above ${s:.1f}T",
                                 rules_primary=f"If Nvidia's market capitalization at the close on {b.nice_date(close)} "
                                               f"is above ${s:.1f} trillion, then the market resolves to Yes.",
                                 open_ts=close - 30 * DAY, close_ts=close, strike_type="greater", floor_strike=s)
                       for s in (3.5, 4.0, 4.5, 5.0, 5.5, 6.0)]
            b.scalar(markets, float(b.rng.normal(4.6, 0.3)), 0.45, grid=0.01)
            b.add_event(EventDef(event_ticker=event, series_ticker="KXNVDAMC", title="Nvidia market cap?",
                                 sub_title=f"On {b.nice_date(close)}", mutually_exclusive=False), markets)


class Science(BaseFamily):
    name = "science"

    def build(self, b: WorldBuilder) -> None:
        src = ("Official announcements", "https://www.nasa.gov/")
        for series, title, p in ONE_OFFS_SCIENCE:
            for months in (6, 18)[: 1 + min(b.scale, 1)]:
                deadline = b.month_start(b.anchor_ts, months) - DAY + 4 * 3600
                _one_off(b, series, "Science and Technology", title, p, deadline, src)
        for series, title, year, p in (("KXELONMARS", "Will Elon Musk visit Mars", 2099, 0.09),
                                       ("KXCOLONIZEMARS", "Will humans colonize Mars", 2050, 0.18)):
            _series(b, series, title, "Science and Technology", ["Space"], "one_off", src)
            ticker = f"{series}-{year % 100:02d}"
            close = int(b.dt(b.anchor_ts).replace(year=year, month=8 if year == 2099 else 1, day=1, hour=4,
                                                  minute=59).timestamp())
            m = MarketDef(ticker=ticker, title=f"{title} before {b.nice_date(close)}?", yes_sub_title="Mars",
                          no_sub_title="Mars", rules_primary=f"If it happens before {b.nice_date(close)}, then the "
                                                             "market resolves to Yes.", open_ts=b.day(-300),
                          close_ts=close, fractional=True, deci_cent=year == 2050,
                          settlement_timer_seconds=1800)
            b.binary(m, p)
            b.add_event(EventDef(event_ticker=ticker, series_ticker=series, title=f"{title}?",
                                 sub_title=f"Before {year}", mutually_exclusive=False), [m])
        _series(b, "KXSPACEXLAUNCHES", "SpaceX launches this year", "Science and Technology", ["Space"], "annual", src)
        for yk in range(b.scale):
            close = b.month_start(b.anchor_ts, 12 * (yk + 1)) - DAY
            event = f"KXSPACEXLAUNCHES-{b.dt(close).year % 100:02d}"
            markets = [MarketDef(ticker=f"{event}-T{s}", title="SpaceX launches this year?",
                                 yes_sub_title=f"Above {s}", no_sub_title=f"Above {s}",
                                 rules_primary=f"If SpaceX completes more than {s} orbital launches this year, then the "
                                               "market resolves to Yes.", open_ts=b.day(-120), close_ts=close,
                                 strike_type="greater", floor_strike=s)
                       for s in range(100, 210, 10)]
            b.scalar(markets, float(b.rng.normal(165, 15)), 18.0, integer=True)
            b.add_event(EventDef(event_ticker=event, series_ticker="KXSPACEXLAUNCHES", title="SpaceX launches?",
                                 sub_title="This year", mutually_exclusive=False), markets)
        _series(b, "KXLLMTOP", "Top AI model", "Science and Technology", ["AI"], "weekly",
                ("LMArena", "https://lmarena.ai/leaderboard"))
        for week in range(-5, 3 * b.scale + 1):
            friday = b.day(7 * week + (4 - b.dt(b.anchor_ts).weekday()) % 7, 15)
            _field_event(b, "KXLLMTOP", f"KXLLMTOP-{b.yymmmdd(friday)}", "Top AI model this week?", AI_MODELS,
                         "Will {name} be the top model on LMArena?", friday - 7 * DAY, friday,
                         f"On {b.nice_date(friday)}")


def families() -> list[BaseFamily]:
    return [Entertainment(), Companies(), Science()]
