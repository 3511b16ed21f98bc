"""Climate and weather: daily high temperature brackets per city (the KXHIGHNY shape)."""

from __future__ import annotations

import math

from kalshi_platform.sandbox.worlds.base import DAY, HOUR, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder

# (series suffix, city name, NWS climate report site, mean annual high F, seasonal amplitude F)
CITIES = [
    ("NY", "NYC", "Central Park, New York", "OKX", "NYC", 62, 22),
    ("CHI", "Chicago", "Chicago Midway", "LOT", "MDW", 59, 26),
    ("MIA", "Miami", "Miami International Airport", "MFL", "MIA", 84, 7),
    ("LAX", "Los Angeles", "Los Angeles Airport", "LOX", "LAX", 71, 6),
    ("AUS", "Austin", "Austin Bergstrom", "EWX", "AUS", 81, 17),
    ("DEN", "Denver", "Denver International Airport", "BOU", "DEN", 65, 23),
    ("PHIL", "Philadelphia", "Philadelphia International Airport", "PHI", "PHL", 65, 22),
]
EXTRA_CITIES = [
    ("ATL", "Atlanta", "Atlanta Hartsfield", "FFC", "ATL", 73, 17), ("BOS", "Boston", "Boston Logan", "BOX", "BOS", 59, 23),
    ("DAL", "Dallas", "Dallas/Fort Worth", "FWD", "DFW", 77, 20), ("HOU", "Houston", "Houston Hobby", "HGX", "HOU", 80, 15),
    ("LV", "Las Vegas", "Las Vegas Harry Reid", "VEF", "LAS", 80, 24), ("MIN", "Minneapolis", "Minneapolis-St. Paul", "MPX", "MSP", 55, 31),
    ("NOLA", "New Orleans", "New Orleans Armstrong", "LIX", "MSY", 78, 14), ("PHX", "Phoenix", "Phoenix Sky Harbor", "PSR", "PHX", 87, 20),
    ("SEA", "Seattle", "Seattle-Tacoma", "SEW", "SEA", 60, 15), ("SFO", "San Francisco", "San Francisco Airport", "MTR", "SFO", 66, 8),
    ("DC", "Washington DC", "Reagan National", "LWX", "DCA", 67, 21), ("SATX", "San Antonio", "San Antonio Airport", "EWX", "SAT", 81, 16),
]


class DailyHighs(BaseFamily):
    name = "climate"

    def build(self, b: WorldBuilder) -> None:
        cities = list(CITIES)
        extra = min(len(EXTRA_CITIES), max(0, b.scale - 1) * 3)
        cities += EXTRA_CITIES[:extra]
        past_days = 16 + max(0, b.scale - 1 - len(EXTRA_CITIES) // 3) * 16
        for code, short, site, office, stn, mean, amp in cities:
            series = f"KXHIGH{code}"
            b.add_series(SeriesDef(
                ticker=series, title=f"Highest temperature in {short}", category="Climate and Weather",
                tags=["Daily temperature"], frequency="daily",
                settlement_sources=[{"name": "NWS Climatological Report",
                                     "url": f"https://forecast.weather.gov/product.php?site={office}&product=CLI&issuedby={stn}"}],
                contract_url="https://assets.kalshi.com/regulatory/product-certifications/NHIGH.pdf",
                contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NHIGH.pdf",
                additional_prohibitions=[
                    "Persons who are employed by any of the Source Agencies are not permitted to trade on the Contract.",
                    "Persons who hold any material, non-public information on the Underlying are not permitted to "
                    "trade on the Contract."],
                product_metadata={"important_info": {"id": f"{series}-info", "markdown": "", "message": "", "title": ""}},
            ))
            for d in range(-past_days, 5):
                self._day(b, series, short, site, d, mean, amp)

    def _day(self, b: WorldBuilder, series: str, city: str, site: str, d: int, mean: float, amp: float) -> None:
        day = b.day(d)
        doy = b.dt(day).timetuple().tm_yday
        climo = mean - amp * math.cos(2 * math.pi * (doy - 20) / 365.25)
        mu = climo + float(b.rng.normal(0, 4))  # the forecast
        centre = int(round(mu))
        date = b.nice_date(day)
        event = f"{series}-{b.yymmmdd(day)}"
        open_ts = day - 4 * DAY + 14 * HOUR
        close_ts = day + DAY + 5 * HOUR  # midnight local (ET-ish) after the day
        common = dict(open_ts=open_ts, close_ts=close_ts, expected_expiration_ts=day + DAY + 14 * HOUR,
                      can_close_early=False)
        rule = "If the highest temperature recorded at {site} for {date} as reported by the National Weather Service's " \
               "Climatological Report (Daily), is {cond}, then the market resolves to Yes."
        low = centre - 3
        markets = [MarketDef(ticker=f"{event}-T{low}", title=f"Will the high temp in {city} be <{low}° on {date}?",
                             yes_sub_title=f"{low - 1}° or below", no_sub_title=f"{low - 1}° or below",
                             rules_primary=rule.format(site=site, date=date, cond=f"less than {low}°"),
                             strike_type="less", cap_strike=low, **common)]
        for lo in range(centre - 3, centre + 5, 2):
            markets.append(MarketDef(
                ticker=f"{event}-B{lo + 0.5}", title=f"Will the high temp in {city} be {lo}-{lo + 1}° on {date}?",
                yes_sub_title=f"{lo}° to {lo + 1}°", no_sub_title=f"{lo}° to {lo + 1}°",
                rules_primary=rule.format(site=site, date=date, cond=f"between {lo}-{lo + 1}°"),
                strike_type="between", floor_strike=lo, cap_strike=lo + 1, **common))
        high = centre + 4
        markets.append(MarketDef(ticker=f"{event}-T{high}", title=f"Will the high temp in {city} be >{high}° on {date}?",
                                 yes_sub_title=f"{high + 1}° or above", no_sub_title=f"{high + 1}° or above",
                                 rules_primary=rule.format(site=site, date=date, cond=f"greater than {high}°"),
                                 strike_type="greater", floor_strike=high, **common))
        value = b.scalar(markets, mu, 3.0, integer=True, value=mu + float(b.rng.normal(0, 3.0)))
        for m in markets:
            m.expiration_value = f"{int(value)}"
        b.add_event(EventDef(event_ticker=event, series_ticker=series, title=f"Highest temperature in {city} on {date}?",
                             sub_title=f"On {date}", mutually_exclusive=True, collateral_return_type="MECNET",
                             strike_period="day"), markets)


def families() -> list[BaseFamily]:
    return [DailyHighs()]
