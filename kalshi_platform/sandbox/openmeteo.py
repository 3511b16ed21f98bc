"""Open-Meteo in the sandbox: a simulated atmosphere and the ``/v1/ensemble`` and ``/v1/forecast`` APIs.

The atmosphere, per site (a settlement station, or any other grid cell), is a pure function of the seed
and the date, like the rest of the world:

- the truth: a daily high and low per local-standard-time day (seasonal climatology plus anomalies);
  the hourly temperature runs linearly from each day's low (06:00 LST) to its high (15:00 LST) and on
  to the next low, so a cold front can make the climate day's maximum the first hour after midnight;
  the settlement value is the maximum over the climate day's hours, rounded as the report rounds;
- forecasts: each model run (GFS-like every 6 h, ECMWF-like every 12 h, available hours after their
  start) has a centre = truth + the model's bias + an error of scale tau(lead), and members scattered
  around the centre with the same scale, so the truth is one more draw from the distribution the
  members come from (calibrated once the bias is removed); tau shrinks as the day nears.

Daily values are maxima over the local days of the ``timezone`` asked for, exactly as Open-Meteo
aggregates: ask in the IANA zone and summer days are clock days (00:00-24:00 EDT); ask in the
standard-time offset (Etc/GMT+5) and they are climate days.

Outages: ``OpenMeteoApi.set_outage("ensemble")`` (or ``"forecast"``, optionally for some models only)
makes the endpoint answer 503 until cleared, so a client's fallback can be exercised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from kalshi_platform.core.weather.climate_day import standard_offset
from kalshi_platform.core.weather.stations import STATIONS, Station
from kalshi_platform.sandbox import rng
from kalshi_platform.sandbox.faults import HTML_503
from kalshi_platform.sandbox.routes import ApiError, Context, Reply, Route
from kalshi_platform.sandbox.wire import dumps

DAY_S = 86_400
LOW_HOUR, HIGH_HOUR = 6, 15  # local standard time of the day's minimum and maximum

# Climatology of the stations' daily high: (annual mean °F, seasonal amplitude °F).
CLIMATE: dict[str, tuple[float, float]] = {
    "NY": (62, 22), "CHI": (59, 26), "LAX": (71, 6), "MIA": (84, 7), "AUS": (81, 17), "DEN": (65, 23),
    "PHIL": (65, 22), "TATL": (73, 17), "TBOS": (59, 23), "TDAL": (77, 20), "THOU": (80, 15), "TMIN": (55, 31),
    "TNOLA": (78, 14), "TOKC": (72, 21), "TPHX": (87, 20), "TSATX": (81, 16), "TSEA": (60, 15), "TSFO": (66, 8),
    "TDC": (67, 21),
}
_T = {n: rng.tag(n) for n in ("wx-anom", "wx-range", "wx-phase", "wx-center", "wx-member", "wx-low", "wx-mkt",
                              "wx-elev", "wx-gen", "wx-850")}


@dataclass(frozen=True)
class EnsembleModel:
    name: str  # Open-Meteo's resolved name: the suffix of its keys in a multi-model response
    members: int  # including the control run (member 0, the key without _memberNN)
    member_spread: float  # member scatter relative to the centre's error scale
    bias_f: float  # systematic error of the centre, °F (warm > 0)
    horizon_days: int
    cycle_hours: int
    delay_hours: int  # a run is served this long after its start
    tag: int


ENSEMBLE_MODELS: dict[str, EnsembleModel] = {
    m.name: m
    for m in (
        EnsembleModel("ncep_gefs025", 31, 0.85, 0.9, 16, 6, 5, 1),
        EnsembleModel("ecmwf_ifs025_ensemble", 51, 1.0, -0.2, 15, 12, 7, 2),
        EnsembleModel("icon_seamless_eps", 21, 0.9, 0.3, 7, 6, 4, 3),
    )
}
ENSEMBLE_ALIASES = {
    "ncep_gefs025": "ncep_gefs025", "gfs025": "ncep_gefs025", "gfs_seamless": "ncep_gefs025",
    "ncep_gefs_seamless": "ncep_gefs025", "ecmwf_ifs025_ensemble": "ecmwf_ifs025_ensemble",
    "ecmwf_ifs025": "ecmwf_ifs025_ensemble", "icon_seamless_eps": "icon_seamless_eps",
    "icon_seamless": "icon_seamless_eps", "dwd_icon_seamless_eps": "icon_seamless_eps",
}
# Deterministic models: the control run of their ensemble counterpart (None: an unbiased blend).
DETERMINISTIC_MODELS: dict[str, str | None] = {
    "best_match": None, "gfs_seamless": "ncep_gefs025", "gfs_global": "ncep_gefs025", "ncep_gfs025": "ncep_gefs025",
    "ecmwf_ifs025": "ecmwf_ifs025_ensemble", "ecmwf_ifs": "ecmwf_ifs025_ensemble", "icon_seamless": "icon_seamless_eps",
}
_BLEND = EnsembleModel("best_match", 1, 0.0, 0.0, 16, 6, 4, 9)

DAILY_VARIABLES = ("temperature_2m_max", "temperature_2m_min")
HOURLY_VARIABLES = ("temperature_2m", "temperature_850hPa")
UNITS = {"celsius": "°C", "fahrenheit": "°F"}


def forecast_scale_f(lead_days: np.ndarray | float) -> np.ndarray:
    """The error scale (°F) of a forecast of a day ``lead_days`` ahead of the run."""
    return np.clip(1.0 + 0.75 * np.asarray(lead_days, dtype=np.float64), 0.5, 8.0)


@dataclass(frozen=True)
class Site:
    key: int
    mean_f: float
    amp_f: float
    tz: str  # IANA zone whose standard time defines the site's days
    station: Station | None
    latitude: float
    longitude: float


class Atmosphere:
    """Truth and forecasts for every site, as pure functions of the seed."""

    def __init__(self, seed: int, stations: tuple[Station, ...] = STATIONS) -> None:
        self.seed = int(seed)
        self.stations = stations
        self.sites = {
            s.city: Site(i, *CLIMATE.get(s.city, (65.0, 20.0)), s.timezone, s, s.latitude, s.longitude)
            for i, s in enumerate(stations)
        }

    # -- sites -------------------------------------------------------------------------------------
    def site(self, city: str) -> Site:
        return self.sites[city]

    def site_at(self, latitude: float, longitude: float) -> Site:
        """The station within ~15 km of the point, else a generic site for its 0.25° grid cell."""
        best, best_d = None, 0.15
        for s in self.sites.values():
            d = math.hypot(s.latitude - latitude, (s.longitude - longitude) * math.cos(math.radians(latitude)))
            if d < best_d:
                best, best_d = s, d
        if best is not None:
            return best
        cell = int(round(latitude * 4)) * 10_000 + int(round(longitude * 4))
        hours = int(round(longitude / 15.0))
        tz = "Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
        mean = 75.0 - 0.6 * max(abs(latitude) - 20.0, 0.0)
        return Site(1_000_000 + cell, mean, 8.0 + 0.4 * max(abs(latitude) - 20.0, 0.0), tz, None, latitude, longitude)

    def std_offset_s(self, site: Site, ordinals: np.ndarray) -> np.ndarray:
        cache: dict[int, int] = {}
        out = np.empty(len(ordinals), dtype=np.int64)
        for j, o in enumerate(ordinals.tolist()):
            if o not in cache:
                cache[o] = int(standard_offset(site.tz, date.fromordinal(o)).total_seconds())
            out[j] = cache[o]
        return out

    def node_times(self, site: Site, ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """UTC seconds of each day's low and high (06:00 and 15:00 local standard time)."""
        epoch_days = ordinals.astype(np.int64) - date(1970, 1, 1).toordinal()
        midnight = epoch_days * DAY_S - self.std_offset_s(site, ordinals)
        return midnight + LOW_HOUR * 3600, midnight + HIGH_HOUR * 3600

    # -- truth -------------------------------------------------------------------------------------
    def truth(self, site: Site, ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(high, low) °F of each day (the hourly path's nodes, not yet the climate-day maximum)."""
        o = ordinals.astype(np.int64)
        doy = np.array([date.fromordinal(int(x)).timetuple().tm_yday for x in o], dtype=np.float64)
        climo = site.mean_f - site.amp_f * np.cos(2 * np.pi * (doy - 20) / 365.25)
        phase = float(rng.uniform(self.seed, _T["wx-phase"], site.key)[0]) * 2 * np.pi
        anomaly = 5.0 * np.sin(2 * np.pi * o / 8.7 + phase) + 3.5 * rng.normal(self.seed, _T["wx-anom"], site.key, o)
        high = climo + anomaly
        spread = np.clip(15.0 + 3.0 * rng.normal(self.seed, _T["wx-range"], site.key, o), 6.0, 28.0)
        return high, high - spread

    def settled_high(self, site: Site, day: date) -> int:
        """The climate report's whole-degree high: the truth's maximum over the climate day's hours."""
        return int(self.settled_highs(site, [day])[0])

    def settled_highs(self, site: Site, days: list[date]) -> np.ndarray:
        """``settled_high`` of many days at once (whole degrees, halves up)."""
        wanted = np.array([d.toordinal() for d in days], dtype=np.int64)
        o = np.arange(wanted.min() - 2, wanted.max() + 3, dtype=np.int64)
        high, low = self.truth(site, o)
        times, values = self._path(site, o, high[None, :], low[None, :])
        # The climate day's 24 hours: from local standard midnight, whatever the clock says.
        midnight = (wanted - date(1970, 1, 1).toordinal()) * DAY_S - self.std_offset_s(site, wanted)
        hours = midnight[:, None] + np.arange(24, dtype=np.int64)[None, :] * 3600
        hourly = self._interp(times, values, hours.reshape(-1))[0].reshape(len(days), 24)
        return np.floor(hourly.max(axis=1) + 0.5).astype(np.int64)

    def market_view(self, site: Site, day: date) -> tuple[float, float]:
        """(centre, scale) of the traders' belief about the day's high: a forecast half a day ahead."""
        centres, scale = self.market_views(site, [day])
        return float(centres[0]), scale

    def market_views(self, site: Site, days: list[date]) -> tuple[np.ndarray, float]:
        o = np.array([d.toordinal() for d in days], dtype=np.int64)
        high, _ = self.truth(site, o)
        scale = float(forecast_scale_f(0.5))
        return high + scale * rng.normal(self.seed, _T["wx-mkt"], site.key, o), scale

    # -- forecasts ---------------------------------------------------------------------------------
    @staticmethod
    def run_start(model: EnsembleModel, now_s: int) -> int:
        cycle = model.cycle_hours * 3600
        return (now_s - model.delay_hours * 3600) // cycle * cycle

    def members(self, site: Site, model: EnsembleModel, run_s: int, ordinals: np.ndarray,
                *, control_only: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(highs, lows) [member, day] of one run and the lead (days) of each day."""
        high, low = self.truth(site, ordinals)
        _, high_t = self.node_times(site, ordinals)
        lead = (high_t - run_s) / DAY_S
        tau = forecast_scale_f(lead)
        o = ordinals.astype(np.int64)
        run = run_s // 3600
        centre = high + model.bias_f + tau * rng.normal(self.seed, _T["wx-center"], site.key, model.tag, run, o)
        n = 1 if control_only else model.members
        k = np.arange(n, dtype=np.int64)[:, None]
        scatter = rng.normal(self.seed, _T["wx-member"], site.key, model.tag, run, o[None, :], k)
        scatter[0, :] = 0.0  # the control run is the centre
        highs = centre[None, :] + model.member_spread * tau[None, :] * scatter
        lows = highs - (high - low)[None, :] + 1.5 * rng.normal(self.seed, _T["wx-low"], site.key, model.tag, run,
                                                                o[None, :], k)
        return highs, np.minimum(lows, highs - 1.0), lead

    # -- aggregation -------------------------------------------------------------------------------
    def _path(self, site: Site, ordinals: np.ndarray, highs: np.ndarray, lows: np.ndarray):
        low_t, high_t = self.node_times(site, ordinals)
        times = np.empty(2 * len(ordinals), dtype=np.int64)
        times[0::2], times[1::2] = low_t, high_t
        values = np.empty((highs.shape[0], 2 * len(ordinals)), dtype=np.float64)
        values[:, 0::2], values[:, 1::2] = lows, highs
        return times, values

    @staticmethod
    def _interp(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
        """values[T, nodes] linearly interpolated at the instants ``at`` (same weights for every row)."""
        j = np.clip(np.searchsorted(times, at, side="right") - 1, 0, len(times) - 2)
        w = np.clip((at - times[j]) / (times[j + 1] - times[j]), 0.0, 1.0)
        return values[:, j] * (1.0 - w) + values[:, j + 1] * w

    def hourly(self, site: Site, ordinals: np.ndarray, highs: np.ndarray, lows: np.ndarray,
               instants: np.ndarray) -> np.ndarray:
        times, values = self._path(site, ordinals, highs, lows)
        return self._interp(times, values, instants)

    def window_max(self, site: Site, ordinals: np.ndarray, highs: np.ndarray, lows: np.ndarray,
                   days: list[date], tz: str) -> np.ndarray:
        """Maximum of each row's hourly path over each local day of ``tz`` -> [T, len(days)]."""
        return self._window(site, ordinals, highs, lows, days, tz, np.max)

    def window_min(self, site: Site, ordinals: np.ndarray, highs: np.ndarray, lows: np.ndarray,
                   days: list[date], tz: str) -> np.ndarray:
        return self._window(site, ordinals, highs, lows, days, tz, np.min)

    def _window(self, site, ordinals, highs, lows, days, tz, reduce) -> np.ndarray:
        # Open-Meteo aggregates hourly values over the local days of the zone asked for.
        times, values = self._path(site, ordinals, highs, lows)
        out = np.empty((values.shape[0], len(days)), dtype=np.float64)
        for j, day in enumerate(days):
            start, end = local_day_bounds(tz, day)
            out[:, j] = reduce(self._interp(times, values, np.arange(start, end, 3600, dtype=np.int64)), axis=1)
        return out


def _zone(name: str) -> ZoneInfo:
    if name.upper() in ("GMT", "UTC"):
        return ZoneInfo("UTC")
    return ZoneInfo(name)


def local_day_bounds(tz: str, day: date) -> tuple[int, int]:
    """UTC seconds of local midnight of ``day`` and of the next day in zone ``tz``."""
    zone = _zone(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return int(start.timestamp()), int(end.timestamp())


# ---------------------------------------------------------------------------------------------------
# The API


def _bad(reason: str) -> ApiError:
    return ApiError(400, "bad_request", reason, body=dumps({"error": True, "reason": reason}))


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _float_arg(ctx: Context, name: str) -> float:
    raw = ctx.arg(name)
    if raw is None or raw == "":
        raise _bad(f"Parameter '{name}' is required")
    try:
        value = float(raw.split(",")[0])
    except ValueError:
        raise _bad(f"Cannot initialize Float from invalid String value {raw} for key {name}") from None
    if name == "latitude" and not -90 <= value <= 90 or name == "longitude" and not -180 <= value <= 180:
        raise _bad(f"Parameter '{name}' is out of range")
    return value


def _round1(values: np.ndarray, unit: str) -> list[float | None]:
    converted = values if unit == "fahrenheit" else (values - 32.0) * 5.0 / 9.0
    return [None if not np.isfinite(v) else round(float(v), 1) for v in converted]


class OpenMeteoApi:
    """Handlers for ``GET /v1/ensemble`` and ``GET /v1/forecast`` (any host), bound to an atmosphere."""

    def __init__(self, atmosphere: Atmosphere) -> None:
        self.atmosphere = atmosphere
        self._down: dict[str, set[str] | None] = {}

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/v1/ensemble", self.ensemble, "openmeteo_ensemble", api="open-meteo", rate_limited=False),
            Route("GET", "/v1/forecast", self.forecast, "openmeteo_forecast", api="open-meteo", rate_limited=False),
        ]

    # -- outages -----------------------------------------------------------------------------------
    def set_outage(self, endpoint: str, down: bool = True, models: set[str] | None = None) -> None:
        """Take ``endpoint`` ("ensemble" or "forecast") down (for ``models`` only, or all) or back up."""
        if endpoint not in ("ensemble", "forecast"):
            raise ValueError(f"unknown Open-Meteo endpoint {endpoint!r}; expected ensemble or forecast")
        if down:
            self._down[endpoint] = set(models) if models else None
        else:
            self._down.pop(endpoint, None)

    def _check_outage(self, endpoint: str, models: list[str]) -> None:
        if endpoint not in self._down:
            return
        which = self._down[endpoint]
        if which is None or which.intersection(models):
            raise ApiError(503, "service_unavailable", "service unavailable", body=HTML_503)

    # -- handlers ----------------------------------------------------------------------------------
    def ensemble(self, ctx: Context) -> Reply:
        models = _csv(ctx.arg("models")) or ["ncep_gefs025"]
        self._check_outage("ensemble", models)
        resolved = []
        for name in models:
            canonical = ENSEMBLE_ALIASES.get(name)
            if canonical is None:
                raise _bad(f"Cannot initialize MultiDomains from invalid String value {name} for key models")
            resolved.append(ENSEMBLE_MODELS[canonical])
        return self._respond(ctx, resolved, ensemble=True, max_forecast=35)

    def forecast(self, ctx: Context) -> Reply:
        models = _csv(ctx.arg("models")) or ["best_match"]
        self._check_outage("forecast", models)
        resolved = []
        for name in models:
            if name not in DETERMINISTIC_MODELS:
                raise _bad(f"Cannot initialize MultiDomains from invalid String value {name} for key models")
            base = DETERMINISTIC_MODELS[name]
            spec = ENSEMBLE_MODELS[base] if base else _BLEND
            resolved.append(EnsembleModel(name, 1, 0.0, spec.bias_f, min(spec.horizon_days, 16), spec.cycle_hours,
                                          spec.delay_hours, spec.tag))
        return self._respond(ctx, resolved, ensemble=False, max_forecast=16)

    def _respond(self, ctx: Context, models: list[EnsembleModel], *, ensemble: bool, max_forecast: int) -> Reply:
        atm = self.atmosphere
        lat, lon = _float_arg(ctx, "latitude"), _float_arg(ctx, "longitude")
        unit = (ctx.arg("temperature_unit") or "celsius").lower()
        if unit not in UNITS:
            raise _bad(f"Cannot initialize TemperatureUnit from invalid String value {unit} for key temperature_unit")
        daily = _csv(ctx.arg("daily"))
        hourly = _csv(ctx.arg("hourly"))
        for name in daily:
            if name not in DAILY_VARIABLES:
                raise _bad(f"Cannot initialize {'Ensemble' if ensemble else 'Forecast'}VariableDaily from invalid "
                           f"String value {name} for key daily")
        for name in hourly:
            if name not in HOURLY_VARIABLES:
                raise _bad(f"Cannot initialize {'Ensemble' if ensemble else 'Forecast'}Variable from invalid "
                           f"String value {name} for key hourly")
        tz_name = ctx.arg("timezone") or "GMT"
        site = atm.site_at(lat, lon)
        if tz_name == "auto":
            tz_name = site.tz
        try:
            zone = _zone(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise _bad("Invalid timezone") from None
        now_s = ctx.now_us // 1_000_000
        today = datetime.fromtimestamp(now_s, tz=zone).date()
        days = self._days(ctx, today, max_forecast)
        body: dict = {
            "latitude": round(round(lat * 4) / 4, 4),
            "longitude": round(round(lon * 4) / 4, 4),
            "generationtime_ms": round(0.2 + float(rng.uniform(atm.seed, _T["wx-gen"], ctx.seq)[0]) * 3, 6),
            "utc_offset_seconds": int(datetime.fromtimestamp(now_s, tz=zone).utcoffset().total_seconds()),
            "timezone": "GMT" if tz_name.upper() in ("GMT", "UTC") else tz_name,
            "timezone_abbreviation": _abbreviation(zone, now_s),
            "elevation": float(5 + int(rng.hash64(atm.seed, _T["wx-elev"], site.key)[0] % 300)),
        }
        o_lo, o_hi = days[0].toordinal() - 2, days[-1].toordinal() + 3
        ordinals = np.arange(o_lo, o_hi, dtype=np.int64)
        runs = []
        for model in models:
            run_s = atm.run_start(model, now_s)
            highs, lows, lead = atm.members(site, model, run_s, ordinals, control_only=not ensemble)
            day_lead = {int(o): float(lead_) for o, lead_ in zip(ordinals, lead)}
            # Days past the model's horizon are null, as Open-Meteo sends them.
            beyond = np.array([day_lead[d.toordinal()] > model.horizon_days for d in days])
            runs.append((model, highs, lows, beyond))
        suffix = len(models) > 1
        symbol = UNITS[unit]
        if hourly:
            units, data = {"time": "iso8601"}, {}
            instants = [s for d in days for s in range(*local_day_bounds(tz_name, d), 3600)]
            at = np.array(instants, dtype=np.int64)
            data["time"] = [datetime.fromtimestamp(s, tz=zone).strftime("%Y-%m-%dT%H:%M") for s in instants]
            for name in hourly:
                for model, highs, lows, _ in runs:
                    values = atm.hourly(site, ordinals, highs, lows, at)
                    if name == "temperature_850hPa":
                        values = values - 16.0 + 2.0 * rng.normal(atm.seed, _T["wx-850"], site.key, at[None, :] // 3600,
                                                                  np.arange(values.shape[0])[:, None])
                    for k in range(values.shape[0]):
                        key = _key(name, k, model.name if suffix else None)
                        units[key] = symbol
                        data[key] = _round1(values[k], unit)
            body["hourly_units"], body["hourly"] = units, data
        if daily:
            units, data = {"time": "iso8601"}, {"time": [d.isoformat() for d in days]}
            for name in daily:
                for model, highs, lows, beyond in runs:
                    agg = atm.window_max if name == "temperature_2m_max" else atm.window_min
                    values = agg(site, ordinals, highs, lows, days, tz_name)
                    values[:, beyond] = np.nan
                    for k in range(values.shape[0]):
                        key = _key(name, k, model.name if suffix else None)
                        units[key] = symbol
                        data[key] = _round1(values[k], unit)
            body["daily_units"], body["daily"] = units, data
        return Reply(body)

    @staticmethod
    def _days(ctx: Context, today: date, max_forecast: int) -> list[date]:
        start, end = ctx.arg("start_date"), ctx.arg("end_date")
        if start or end:
            if not (start and end):
                raise _bad("Parameter 'start_date' and 'end_date' must be set together")
            try:
                first, last = date.fromisoformat(start), date.fromisoformat(end)
            except ValueError:
                raise _bad("Invalid date format. Make sure to use 'YYYY-MM-DD'") from None
            if last < first:
                raise _bad("End-date must be larger or equals than start-date")
            if first < today - timedelta(days=92) or last > today + timedelta(days=max_forecast):
                raise _bad(f"Parameter 'start_date' is out of allowed range from {today - timedelta(days=92)} "
                           f"to {today + timedelta(days=max_forecast)}")
            return [first + timedelta(days=i) for i in range((last - first).days + 1)]
        forecast_days = ctx.int_arg("forecast_days", 7)
        past_days = ctx.int_arg("past_days", 0)
        if not 0 <= forecast_days <= max_forecast:
            raise _bad(f"Forecast days is invalid. Allowed range 0 to {max_forecast}.")
        if not 0 <= past_days <= 92:
            raise _bad("Past days is invalid. Allowed range 0 to 92.")
        first = today - timedelta(days=past_days)
        n = past_days + forecast_days
        if n == 0:
            raise _bad("Forecast days is invalid. Allowed range 0 to 35.")
        return [first + timedelta(days=i) for i in range(n)]


def _key(variable: str, member: int, model: str | None) -> str:
    key = variable if member == 0 else f"{variable}_member{member:02d}"
    return f"{key}_{model}" if model else key


def _abbreviation(zone: ZoneInfo, now_s: int) -> str:
    name = datetime.fromtimestamp(now_s, tz=zone).tzname() or "GMT"
    if name == "UTC":
        return "GMT"
    if name[:1] in "+-":  # Etc/GMT+5 -> "-05": Open-Meteo prints GMT-5
        hours = int(name[:3])
        return f"GMT{hours:+d}"
    return name
