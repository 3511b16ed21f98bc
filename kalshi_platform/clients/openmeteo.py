"""Open-Meteo client: daily highs per ensemble member, with the deterministic forecast as a labelled fallback.

Two upstreams, each an :class:`HttpClient` (the project's one retry / rate-limit loop):

- ``GET {ensemble}/ensemble`` (https://ensemble-api.open-meteo.com/v1): every member of one model;
- ``GET {forecast}/forecast`` (https://api.open-meteo.com/v1): one deterministic run per model.

A request asks for ``daily=temperature_2m_max`` in Fahrenheit at the settlement station's
coordinates, in the station's standard-time zone (``Etc/GMT+5`` for New York) so Open-Meteo's daily
maxima are climate days (``core.weather.climate_day``), for an explicit ``start_date``..``end_date``.
One model per request keeps the keys unsuffixed (``temperature_2m_max_member01``), as Open-Meteo
renames models in multi-model responses.

When the ensemble request fails (after the retries) or its body cannot be read, the model's
deterministic counterpart (GEFS -> gfs_seamless, ECMWF ENS -> ecmwf_ifs025) is fetched from the
forecast endpoint and its rows say ``source = 'deterministic_fallback'`` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import polars as pl

from kalshi_platform.clients.http import HttpClient, HttpError, RateLimiter, RejectLog, RetryPolicy
from kalshi_platform.core.weather.climate_day import standard_time_zone
from kalshi_platform.core.weather.openmeteo import (
    OpenMeteoFormatError,
    deterministic_counterpart,
    member_slice,
    parse_daily,
)
from kalshi_platform.core.weather.stations import Station

ENSEMBLE_BASE_URL = "https://ensemble-api.open-meteo.com/v1"
FORECAST_BASE_URL = "https://api.open-meteo.com/v1"
SANDBOX_ENSEMBLE_BASE_URL = "http://ensemble-api.open-meteo.sandbox/v1"
SANDBOX_FORECAST_BASE_URL = "http://api.open-meteo.sandbox/v1"

VARIABLE = "temperature_2m_max"
UNIT = "fahrenheit"
SOURCE_ENSEMBLE = "ensemble"
SOURCE_FALLBACK = "deterministic_fallback"
# Open-Meteo's free tier allows 600 calls a minute; stay well inside it.
REQUESTS_PER_SECOND = 5.0

ROW_SCHEMA: dict[str, pl.DataType] = {
    "partition_key": pl.String,
    "target_date": pl.Date,
    "city": pl.String,
    "series_ticker": pl.String,
    "station": pl.String,
    "station_name": pl.String,
    "model": pl.String,
    "requested_model": pl.String,
    "source": pl.String,
    "member": pl.Int32,
    "temperature_2m_max": pl.Float64,
    "unit": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "grid_latitude": pl.Float64,
    "grid_longitude": pl.Float64,
    "elevation": pl.Float64,
    "timezone": pl.String,
    "station_timezone": pl.String,
    "utc_offset_seconds": pl.Int32,
    "endpoint": pl.String,
    "request": pl.String,
    "fallback_reason": pl.String,
    "as_of": pl.Datetime("us", "UTC"),
    "fetched_at": pl.Datetime("us", "UTC"),
    "raw_json": pl.String,
    "batch_id": pl.String,
}


def partition_key(as_of: datetime, city: str, requested_model: str, target_date: date) -> str:
    """The unit a run replaces: one city's one model's forecast for one day, as of one run clock."""
    return f"{as_of.astimezone(UTC).isoformat()}|{city}|{requested_model}|{target_date.isoformat()}"


class OpenMeteoUnavailable(Exception):
    """Neither the ensemble nor the deterministic fallback could be read."""


@dataclass
class ModelForecast:
    """One station's daily highs from one model (or its fallback), with the request that produced them."""

    station: Station
    requested_model: str
    model: str
    source: str  # ensemble | deterministic_fallback
    endpoint: str
    request: str  # path and query, as sent
    timezone: str
    start: date
    end: date
    payload: dict[str, Any]
    fallback_reason: str | None
    fetched_at: datetime

    def rows(self, *, as_of: datetime, batch_id: str) -> pl.DataFrame:
        """One row per member per day with a value (nulls are counted by ``null_values``)."""
        parsed = parse_daily(self.payload, VARIABLE, unit=UNIT)
        env = parsed.envelope
        out = []
        for v in parsed.values:
            out.append({
                "partition_key": partition_key(as_of, self.station.city, self.requested_model, v.day),
                "target_date": v.day,
                "city": self.station.city,
                "series_ticker": self.station.series_ticker,
                "station": self.station.icao,
                "station_name": self.station.rules_name,
                "model": v.model or self.model,
                "requested_model": self.requested_model,
                "source": self.source,
                "member": v.member,
                "temperature_2m_max": v.value,
                "unit": parsed.unit,
                "latitude": self.station.latitude,
                "longitude": self.station.longitude,
                "grid_latitude": _float(env.get("latitude")),
                "grid_longitude": _float(env.get("longitude")),
                "elevation": _float(env.get("elevation")),
                "timezone": self.timezone,
                "station_timezone": self.station.timezone,
                "utc_offset_seconds": env.get("utc_offset_seconds"),
                "endpoint": self.endpoint,
                "request": self.request,
                "fallback_reason": self.fallback_reason,
                "as_of": as_of.astimezone(UTC),
                "fetched_at": self.fetched_at,
                "raw_json": json.dumps(member_slice(self.payload, parsed, v.model, v.member, v.day),
                                       separators=(",", ":"), ensure_ascii=False),
                "batch_id": batch_id,
            })
        return pl.DataFrame(out, schema=ROW_SCHEMA)

    @property
    def null_values(self) -> int:
        return parse_daily(self.payload, VARIABLE, unit=UNIT).nulls


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _validator(payload: Any) -> str | None:
    try:
        parse_daily(payload, VARIABLE, unit=UNIT)
    except OpenMeteoFormatError as exc:
        return str(exc)
    return None


class OpenMeteoClient:
    def __init__(
        self,
        ensemble_base_url: str = ENSEMBLE_BASE_URL,
        forecast_base_url: str = FORECAST_BASE_URL,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 15.0,
        reject_log: RejectLog | None = None,
        requests_per_second: float | None = REQUESTS_PER_SECOND,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.reject_log = reject_log if reject_log is not None else RejectLog()
        extra = {"sleep": sleep} if sleep is not None else {}

        def http(name: str, base_url: str) -> HttpClient:
            limiter = RateLimiter.per_second(requests_per_second, requests_per_second) if requests_per_second else None
            return HttpClient(name, base_url, transport=transport, retry=retry, timeout_s=timeout_s,
                              limiter=limiter, reject_log=self.reject_log, **extra)

        self.ensemble_http = http("open-meteo-ensemble", ensemble_base_url)
        self.forecast_http = http("open-meteo-forecast", forecast_base_url)
        self._clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        self.ensemble_http.close()
        self.forecast_http.close()

    def __enter__(self) -> OpenMeteoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the two endpoints -------------------------------------------------------------------------
    @staticmethod
    def params(station: Station, model: str, start: date, end: date) -> dict[str, str]:
        return {
            "latitude": f"{station.latitude:.4f}",
            "longitude": f"{station.longitude:.4f}",
            "daily": VARIABLE,
            "temperature_unit": UNIT,
            "timezone": standard_time_zone(station.timezone, start),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "models": model,
        }

    def ensemble(self, station: Station, model: str, start: date, end: date) -> dict:
        return self.ensemble_http.request_json("GET", "/ensemble", params=self.params(station, model, start, end),
                                               validate=_validator, reject_kind="openmeteo_ensemble")

    def forecast(self, station: Station, model: str, start: date, end: date) -> dict:
        return self.forecast_http.request_json("GET", "/forecast", params=self.params(station, model, start, end),
                                               validate=_validator, reject_kind="openmeteo_forecast")

    # -- ensemble, else the labelled fallback ------------------------------------------------------
    def daily_highs(self, station: Station, model: str, start: date, end: date) -> ModelForecast:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        if standard_time_zone(station.timezone, end) != standard_time_zone(station.timezone, start):
            raise ValueError(f"{station.city}: standard time changes between {start} and {end}; split the range")
        params = self.params(station, model, start, end)
        try:
            payload = self.ensemble(station, model, start, end)
            return ModelForecast(station, model, model, SOURCE_ENSEMBLE, "/v1/ensemble",
                                 "/v1/ensemble?" + urlencode(params), params["timezone"], start, end, payload, None,
                                 self._clock())
        except HttpError as exc:
            reason = f"ensemble {model} failed: {exc}"
        fallback = deterministic_counterpart(model)
        fb_params = self.params(station, fallback, start, end)
        try:
            payload = self.forecast(station, fallback, start, end)
        except HttpError as exc:
            raise OpenMeteoUnavailable(f"{station.city} {model}: {reason}; fallback {fallback} failed: {exc}") from exc
        return ModelForecast(station, model, fallback, SOURCE_FALLBACK, "/v1/forecast",
                             "/v1/forecast?" + urlencode(fb_params), fb_params["timezone"], start, end, payload, reason,
                             self._clock())
