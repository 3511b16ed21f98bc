"""The settlement stations of Kalshi's daily high-temperature series: a city is one line.

Each series settles on one station's NWS Climatological Report (Daily), named in every market's
``rules_primary``; ``rules_name`` is that name exactly as the rules print it, so a market whose rules
name another station is caught (``core.weather.brackets.read_market``) instead of being priced from
the wrong place. Coordinates are the station's (the ASOS site), not the city centre: Central Park is
several degrees warmer than JFK on a summer afternoon.

``wording`` says which of Kalshi's rules sentences the series uses (see ``rules.RULES_WORDINGS``):
``reported``  "...recorded in Central Park, New York for May 16, 2026 as reported by the National
              Weather Service's Climatological Report (Daily), is between 78-79°, then..."
``according`` "...recorded at Chicago Midway, IL for July 09, 2026, is greater than 91° according to
              the National Weather Service's Climatological Report (Daily), then..."
``maximum``   "If the maximum temperature recorded at Atlanta for May 22, 2026, is less than 81°
              fahrenheit according to the National Weather Service's Climatological Report (Daily)..."

``source`` says where the station and wording were read: the real payloads shipped with the project
(../shared/data/real/kalshi: the KXHIGHNY and KXHIGHLAX series, a KXHIGHCHI trade) or Kalshi rules
text quoted verbatim in public repositories.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

REAL = "real payloads (../shared/data/real/kalshi) + verbatim rules text"
PUBLIC = "verbatim Kalshi rules text quoted in public repositories"


@dataclass(frozen=True)
class Station:
    city: str  # the city code of the series ticker (KXHIGH<city>)
    series_ticker: str
    city_name: str  # as the series title says it ("Highest temperature in NYC")
    rules_name: str  # the station as the rules name it
    rules_preposition: str  # "in" / "at", as the rules print it before the name
    wording: str  # reported | according | maximum
    icao: str
    latitude: float
    longitude: float
    timezone: str  # IANA; the climate day is this zone's STANDARD time all year
    wfo: str  # NWS forecast office issuing the climate report
    cli_site: str  # the report's "issuedby" code (CLI<site>)
    source: str

    @property
    def cli_url(self) -> str:
        return f"https://forecast.weather.gov/product.php?site={self.wfo}&product=CLI&issuedby={self.cli_site}"


S = Station
STATIONS: tuple[Station, ...] = (
    S("NY", "KXHIGHNY", "NYC", "Central Park, New York", "in", "reported", "KNYC", 40.7794, -73.9692, "America/New_York", "OKX", "NYC", REAL),
    S("CHI", "KXHIGHCHI", "Chicago", "Chicago Midway, IL", "at", "according", "KMDW", 41.7868, -87.7522, "America/Chicago", "LOT", "MDW", REAL),
    S("LAX", "KXHIGHLAX", "Los Angeles", "Los Angeles Airport, CA", "in", "reported", "KLAX", 33.9381, -118.3889, "America/Los_Angeles", "LOX", "LAX", REAL),
    S("MIA", "KXHIGHMIA", "Miami", "Miami International Airport", "at", "reported", "KMIA", 25.7881, -80.3169, "America/New_York", "MFL", "MIA", PUBLIC),
    S("AUS", "KXHIGHAUS", "Austin", "Austin Bergstrom", "in", "reported", "KAUS", 30.1831, -97.6799, "America/Chicago", "EWX", "AUS", PUBLIC),
    S("DEN", "KXHIGHDEN", "Denver", "Denver, CO", "in", "reported", "KDEN", 39.8466, -104.6562, "America/Denver", "BOU", "DEN", PUBLIC),
    S("PHIL", "KXHIGHPHIL", "Philadelphia", "Philadelphia International Airport", "at", "reported", "KPHL", 39.8733, -75.2268, "America/New_York", "PHI", "PHL", PUBLIC),
    S("TATL", "KXHIGHTATL", "Atlanta", "Atlanta", "at", "maximum", "KATL", 33.6301, -84.4418, "America/New_York", "FFC", "ATL", PUBLIC),
    S("TBOS", "KXHIGHTBOS", "Boston", "Boston", "at", "maximum", "KBOS", 42.3606, -71.0097, "America/New_York", "BOX", "BOS", PUBLIC),
    S("TDAL", "KXHIGHTDAL", "Dallas", "Dallas", "at", "maximum", "KDFW", 32.8974, -97.0220, "America/Chicago", "FWD", "DFW", PUBLIC),
    S("THOU", "KXHIGHTHOU", "Houston", "Houston", "at", "maximum", "KHOU", 29.6381, -95.2819, "America/Chicago", "HGX", "HOU", PUBLIC),
    S("TMIN", "KXHIGHTMIN", "Minneapolis", "Minneapolis", "at", "maximum", "KMSP", 44.8831, -93.2289, "America/Chicago", "MPX", "MSP", PUBLIC),
    S("TNOLA", "KXHIGHTNOLA", "New Orleans", "New Orleans", "at", "maximum", "KMSY", 29.9933, -90.2511, "America/Chicago", "LIX", "MSY", PUBLIC),
    S("TOKC", "KXHIGHTOKC", "Oklahoma City", "Oklahoma City", "at", "maximum", "KOKC", 35.3889, -97.6006, "America/Chicago", "OUN", "OKC", PUBLIC),
    S("TPHX", "KXHIGHTPHX", "Phoenix", "Phoenix", "at", "maximum", "KPHX", 33.4278, -112.0036, "America/Phoenix", "PSR", "PHX", PUBLIC),
    S("TSATX", "KXHIGHTSATX", "San Antonio", "San Antonio", "at", "maximum", "KSAT", 29.5443, -98.4839, "America/Chicago", "EWX", "SAT", PUBLIC),
    S("TSEA", "KXHIGHTSEA", "Seattle", "Seattle", "at", "maximum", "KSEA", 47.4447, -122.3144, "America/Los_Angeles", "SEW", "SEA", PUBLIC),
    S("TSFO", "KXHIGHTSFO", "San Francisco", "San Francisco", "at", "maximum", "KSFO", 37.6197, -122.3656, "America/Los_Angeles", "MTR", "SFO", PUBLIC),
    S("TDC", "KXHIGHTDC", "Washington DC", "Washington DC", "at", "maximum", "KDCA", 38.8483, -77.0342, "America/New_York", "LWX", "DCA", PUBLIC),
)
del S

BY_CITY: dict[str, Station] = {s.city: s for s in STATIONS}
BY_SERIES: dict[str, Station] = {s.series_ticker: s for s in STATIONS}


class UnknownCityError(KeyError):
    """A city code that has no line in the station table."""

    def __str__(self) -> str:
        return str(self.args[0])


def station(city: str) -> Station:
    try:
        return BY_CITY[city.upper()]
    except KeyError:
        raise UnknownCityError(
            f"no station for city {city!r}; known cities: {', '.join(BY_CITY)}"
        ) from None


def stations(cities: tuple[str, ...] | list[str] = ()) -> tuple[Station, ...]:
    """The stations of ``cities`` (codes), in table order; every station when empty."""
    if not cities:
        return STATIONS
    wanted = {station(c).city for c in cities}
    return tuple(s for s in STATIONS if s.city in wanted)


STATION_SCHEMA: dict[str, pl.DataType] = {
    "city": pl.String,
    "series_ticker": pl.String,
    "city_name": pl.String,
    "rules_name": pl.String,
    "rules_preposition": pl.String,
    "wording": pl.String,
    "icao": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "timezone": pl.String,
    "wfo": pl.String,
    "cli_site": pl.String,
    "source": pl.String,
    "cli_url": pl.String,
}


def stations_frame(selected: tuple[Station, ...] = STATIONS) -> pl.DataFrame:
    rows = [{**asdict(s), "cli_url": s.cli_url} for s in selected]
    return pl.DataFrame(rows, schema=STATION_SCHEMA)

