"""Climate and weather: daily high-temperature brackets per city (the KXHIGHNY shape) and Open-Meteo.

One series per settlement station (``core.weather.stations``), one event per climate day, six markets
per event as Kalshi lists them: an open-ended bottom bracket (``less``, "56° or below"), four two-degree
``between`` brackets ("57° to 58°") and an open-ended top (``greater``, "65° or above"), centred on
the traders' day-ahead view. Each day settles on the simulated atmosphere's climate-day high
(``sandbox.openmeteo.Atmosphere``) in whole degrees, the same truth the sandbox's Open-Meteo ensemble
forecasts scatter around, so a model fed by those forecasts can be checked against the outcomes.

Timing per city, in its local standard time: listed two days ahead at 10:00, trading closes at 23:59
of the day (the climate day ends at midnight standard time, 01:00 on a summer clock), settled the
next morning once the climate report is out. Past days stay listed with their outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from kalshi_platform.core.weather.climate_day import standard_offset
from kalshi_platform.core.weather.rules import rules_date_text
from kalshi_platform.core.weather.stations import STATIONS, Station
from kalshi_platform.sandbox.openmeteo import Atmosphere, OpenMeteoApi
from kalshi_platform.sandbox.worlds.base import DAY, HOUR, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder

if TYPE_CHECKING:  # pragma: no cover
    from kalshi_platform.sandbox.routes import Route
    from kalshi_platform.sandbox.world import KalshiWorld

BASE_CITIES = 7  # stations listed at scale 1; each extra scale step adds three more
DAYS_AHEAD = 2  # events are listed this many days before their day
RULES_SECONDARY = (
    "Not all weather data is the same. While checking a source like AccuWeather or Google Weather may help guide "
    "your decision, the official and final value used to determine this market is the highest temperature as "
    "reported by the corresponding NWS Climatological Report (Daily) linked in the rules above."
)
_NWS = "the National Weather Service's Climatological Report (Daily)"


def rules_text(station: Station, day: date, condition: str) -> str:
    """A market's rules_primary in the wording its series uses (see core.weather.stations)."""
    where = f"{station.rules_preposition} {station.rules_name} for {rules_date_text(day)}"
    if station.wording == "according":
        return (f"If the highest temperature recorded {where}, is {condition} according to {_NWS}, "
                "then the market resolves to Yes.")
    if station.wording == "maximum":
        return (f"If the maximum temperature recorded {where}, is {condition} fahrenheit according to {_NWS}, "
                "then the market resolves to Yes.")
    return (f"If the highest temperature recorded {where} as reported by {_NWS}, is {condition}, "
            "then the market resolves to Yes.")


class DailyHighs(BaseFamily):
    name = "climate"

    def __init__(self, stations: tuple[Station, ...] = STATIONS,
                 outages: Mapping[str, set[str] | None] | None = None) -> None:
        self.stations = stations
        self.outages = dict(outages or {})  # endpoint -> models (None: all) down from the start
        self.atmosphere: Atmosphere | None = None
        self.api: OpenMeteoApi | None = None

    def build(self, b: WorldBuilder) -> None:
        self.atmosphere = Atmosphere(b.seed, self.stations)
        count = min(len(self.stations), BASE_CITIES + max(0, b.scale - 1) * 3)
        past_days = 16 + max(0, b.scale - 5) * 16
        for st in self.stations[:count]:
            b.add_series(SeriesDef(
                ticker=st.series_ticker, title=f"Highest temperature in {st.city_name}",
                category="Climate and Weather", tags=["Daily temperature"], frequency="daily",
                settlement_sources=[{"name": "NWS Climatological Report", "url": st.cli_url}],
                contract_url="https://assets.kalshi.com/regulatory/product-certifications/NHIGH.pdf",
                contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NHIGH.pdf",
                additional_prohibitions=[
                    "Persons who are employed by any of the Source Agencies are not permitted to trade on the "
                    "Contract.",
                    "Persons who hold any material, non-public information on the Underlying are not permitted to "
                    "trade on the Contract."],
                product_metadata={"important_info": {"id": f"{st.series_ticker}-info", "markdown": "",
                                                     "message": "", "title": ""}},
            ))
            offsets = list(range(-past_days, DAYS_AHEAD + 1))
            days = [b.dt(b.day(d)).date() for d in offsets]
            site = self.atmosphere.site(st.city)
            settled = self.atmosphere.settled_highs(site, days)
            centres, scale = self.atmosphere.market_views(site, days)
            for d, s, c in zip(offsets, settled.tolist(), centres.tolist()):
                self._day(b, st, d, int(s), float(c), scale)

    def routes(self, world: KalshiWorld) -> Iterable[Route]:
        api = OpenMeteoApi(Atmosphere(world.seed, self.stations))
        for endpoint, models in self.outages.items():
            api.set_outage(endpoint, True, models)
        self.api = api
        return api.routes()

    def _day(self, b: WorldBuilder, st: Station, d: int, settled: int, centre_f: float, scale: float) -> None:
        day_ts = b.day(d)
        day = b.dt(day_ts).date()
        midnight = day_ts - int(standard_offset(st.timezone, day).total_seconds())  # 00:00 local standard time
        c = int(round(centre_f))
        nice = b.nice_date(day_ts)
        event = f"{st.series_ticker}-{b.yymmmdd(day_ts)}"
        common = dict(
            open_ts=midnight - DAYS_AHEAD * DAY + 10 * HOUR,
            close_ts=midnight + DAY - 60,  # 23:59 local standard time
            expected_expiration_ts=midnight + DAY + 9 * HOUR,
            settlement_timer_seconds=8 * 3600,  # the climate report comes out in the morning
            can_close_early=False,
            rules_secondary=RULES_SECONDARY,
        )
        city = st.city_name
        low = c - 3
        markets = [MarketDef(
            ticker=f"{event}-T{low}", title=f"Will the high temp in {city} be <{low}° on {nice}?",
            yes_sub_title=f"{low - 1}° or below", no_sub_title=f"{low - 1}° or below",
            rules_primary=rules_text(st, day, f"less than {low}°"), strike_type="less", cap_strike=low, **common)]
        for lo in range(c - 3, c + 5, 2):
            markets.append(MarketDef(
                ticker=f"{event}-B{lo + 0.5}", title=f"Will the high temp in {city} be {lo}-{lo + 1}° on {nice}?",
                yes_sub_title=f"{lo}° to {lo + 1}°", no_sub_title=f"{lo}° to {lo + 1}°",
                rules_primary=rules_text(st, day, f"between {lo}-{lo + 1}°"),
                strike_type="between", floor_strike=lo, cap_strike=lo + 1, **common))
        high = c + 4
        markets.append(MarketDef(
            ticker=f"{event}-T{high}", title=f"Will the high temp in {city} be >{high}° on {nice}?",
            yes_sub_title=f"{high + 1}° or above", no_sub_title=f"{high + 1}° or above",
            rules_primary=rules_text(st, day, f"greater than {high}°"), strike_type="greater", floor_strike=high,
            **common))
        # Prices come from the traders' view (half a day ahead); outcomes from the settled high.
        b.scalar(markets, centre_f, scale, integer=True, value=float(settled))
        for m in markets:
            m.expiration_value = str(settled)
        b.add_event(EventDef(event_ticker=event, series_ticker=st.series_ticker,
                             title=f"Highest temperature in {city} on {nice}?", sub_title=f"On {nice}",
                             mutually_exclusive=True, collateral_return_type="MECNET", strike_period="day"), markets)


def families() -> list[BaseFamily]:
    return [DailyHighs()]
