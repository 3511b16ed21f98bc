"""The Open-Meteo client: climate-day requests, member rows, and the labelled deterministic fallback."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest
import respx

from kalshi_platform.clients.http import RejectLog, RetryPolicy
from kalshi_platform.clients.openmeteo import (
    ENSEMBLE_BASE_URL,
    FORECAST_BASE_URL,
    ROW_SCHEMA,
    SANDBOX_ENSEMBLE_BASE_URL,
    SANDBOX_FORECAST_BASE_URL,
    SOURCE_FALLBACK,
    OpenMeteoClient,
    OpenMeteoUnavailable,
)
from kalshi_platform.core.weather.stations import station
from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform.sandbox.openmeteo import ENSEMBLE_MODELS
from kalshi_platform.sandbox.worlds import default_families, replace_family
from kalshi_platform.sandbox.worlds.climate import DailyHighs

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 10, 15, 30, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, max_delay_s=0.0)
REAL = Path(__file__).resolve().parents[1] / "fixtures" / "weather" / \
    "openmeteo_ensemble_daily_temperature_2m_max_members_python-open-meteo.json"


def exchange_at(now: datetime, **family) -> SandboxExchange:
    families = replace_family(default_families(), DailyHighs(**family)) if family else None
    return SandboxExchange(SandboxConfig(now=lambda: now, enforce_rate_limit=False), families=families)


def client_for(exchange: SandboxExchange, reject_log: RejectLog | None = None) -> OpenMeteoClient:
    return OpenMeteoClient(SANDBOX_ENSEMBLE_BASE_URL, SANDBOX_FORECAST_BASE_URL, transport=SandboxTransport(exchange),
                           retry=FAST, reject_log=reject_log, requests_per_second=None)


def climate_api(exchange: SandboxExchange):
    return next(f for f in exchange.world.families if f.name == "climate").api


def test_ensemble_rows_for_a_station_and_its_climate_days():
    exchange = exchange_at(NOW)
    ny = station("NY")
    with client_for(exchange) as client:
        forecast = client.daily_highs(ny, "ncep_gefs025", date(2026, 11, 19), date(2026, 11, 23))
    assert forecast.source == "ensemble" and forecast.fallback_reason is None
    query = parse_qs(urlparse(forecast.request).query)
    assert query == {"latitude": ["40.7794"], "longitude": ["-73.9692"], "daily": ["temperature_2m_max"],
                     "temperature_unit": ["fahrenheit"], "timezone": ["Etc/GMT+5"], "start_date": ["2026-11-19"],
                     "end_date": ["2026-11-23"], "models": ["ncep_gefs025"]}
    as_of = NOW
    rows = forecast.rows(as_of=as_of, batch_id="b1")
    assert dict(rows.schema) == ROW_SCHEMA
    assert rows.height == 31 * 5  # GFS-like: control + 30 members, five days
    assert rows["member"].n_unique() == 31 and rows["target_date"].n_unique() == 5
    assert set(rows["unit"]) == {"°F"} and set(rows["timezone"]) == {"Etc/GMT+5"}
    assert set(rows["station_timezone"]) == {"America/New_York"} and set(rows["station"]) == {"KNYC"}
    one = rows.filter((rows["member"] == 7) & (rows["target_date"] == date(2026, 11, 21))).row(0, named=True)
    raw = json.loads(one["raw_json"])
    assert raw["daily"] == {"time": ["2026-11-21"], "temperature_2m_max_member07": [one["temperature_2m_max"]]}
    assert one["partition_key"] == "2026-11-20T15:30:00+00:00|NY|ncep_gefs025|2026-11-21"


def test_summer_requests_use_standard_time_so_days_are_climate_days():
    exchange = exchange_at(SUMMER)
    atmosphere = climate_api(exchange).atmosphere
    ny = station("NY")
    site = atmosphere.site("NY")
    # Find a July day whose clock-day maximum (00:00-24:00 EDT) differs from its climate-day maximum
    # (01:00-01:00 EDT): a warm evening before a cold front puts the high in the hour past midnight.
    ordinals = np.arange(date(2026, 6, 1).toordinal(), date(2026, 9, 1).toordinal(), dtype=np.int64)
    high, low = atmosphere.truth(site, ordinals)
    days = [date.fromordinal(int(o)) for o in ordinals[2:-2]]
    climate = atmosphere.window_max(site, ordinals, high[None], low[None], days, "Etc/GMT+5")[0]
    clock = atmosphere.window_max(site, ordinals, high[None], low[None], days, "America/New_York")[0]
    assert (np.abs(climate - clock) > 0.5).any(), "no front in the summer: the DST check would prove nothing"
    with client_for(exchange) as client:
        forecast = client.daily_highs(ny, "ecmwf_ifs025_ensemble", date(2026, 7, 10), date(2026, 7, 12))
    assert parse_qs(urlparse(forecast.request).query)["timezone"] == ["Etc/GMT+5"]
    # The values are the members' maxima over the climate days, not over the clock days.
    spec = ENSEMBLE_MODELS["ecmwf_ifs025_ensemble"]
    run = atmosphere.run_start(spec, int(SUMMER.timestamp()))
    o = np.arange(date(2026, 7, 8).toordinal(), date(2026, 7, 15).toordinal(), dtype=np.int64)
    highs, lows, _ = atmosphere.members(site, spec, run, o)
    wanted = [date(2026, 7, 10), date(2026, 7, 11), date(2026, 7, 12)]
    expected = np.round(atmosphere.window_max(site, o, highs, lows, wanted, "Etc/GMT+5"), 1)
    got = forecast.rows(as_of=SUMMER, batch_id="b").sort("member", "target_date")
    assert got["temperature_2m_max"].to_list() == pytest.approx(expected.reshape(-1).tolist())


def test_ensemble_outage_falls_back_to_the_labelled_deterministic_run():
    exchange = exchange_at(NOW, outages={"ensemble": None})
    with client_for(exchange) as client:
        forecast = client.daily_highs(station("CHI"), "ncep_gefs025", date(2026, 11, 20), date(2026, 11, 22))
    assert forecast.source == SOURCE_FALLBACK and forecast.model == "gfs_seamless"
    assert forecast.endpoint == "/v1/forecast" and "models=gfs_seamless" in forecast.request
    assert "ensemble ncep_gefs025 failed" in forecast.fallback_reason and "503" in forecast.fallback_reason
    rows = forecast.rows(as_of=NOW, batch_id="b")
    assert rows.height == 3 and set(rows["source"]) == {SOURCE_FALLBACK}
    assert set(rows["requested_model"]) == {"ncep_gefs025"} and set(rows["model"]) == {"gfs_seamless"}
    assert rows["fallback_reason"].null_count() == 0 and set(rows["member"]) == {0}
    # The deterministic run is the ensemble's control run once the outage is over.
    climate_api(exchange).set_outage("ensemble", down=False)
    with client_for(exchange) as client:
        ens = client.daily_highs(station("CHI"), "ncep_gefs025", date(2026, 11, 20), date(2026, 11, 22))
    ens_rows = ens.rows(as_of=NOW, batch_id="b")
    control = ens_rows.filter(ens_rows["member"] == 0)
    assert control.sort("target_date")["temperature_2m_max"].to_list() == rows.sort("target_date")["temperature_2m_max"].to_list()


def test_outage_of_one_model_only_touches_that_model():
    exchange = exchange_at(NOW, outages={"ensemble": {"ecmwf_ifs025_ensemble"}})
    with client_for(exchange) as client:
        gfs = client.daily_highs(station("NY"), "ncep_gefs025", date(2026, 11, 20), date(2026, 11, 20))
        ecmwf = client.daily_highs(station("NY"), "ecmwf_ifs025_ensemble", date(2026, 11, 20), date(2026, 11, 20))
    assert (gfs.source, ecmwf.source, ecmwf.model) == ("ensemble", SOURCE_FALLBACK, "ecmwf_ifs025")


def test_both_endpoints_down_is_a_clear_error():
    exchange = exchange_at(NOW, outages={"ensemble": None, "forecast": None})
    with client_for(exchange) as client, pytest.raises(OpenMeteoUnavailable, match="fallback gfs_seamless failed"):
        client.daily_highs(station("NY"), "ncep_gefs025", date(2026, 11, 20), date(2026, 11, 21))


@respx.mock
def test_unreadable_ensemble_body_is_a_reject_and_then_the_fallback():
    real = json.loads(REAL.read_text())  # a real body, but in °C while the client asked for °F
    respx.get(f"{ENSEMBLE_BASE_URL}/ensemble").mock(return_value=httpx.Response(200, json=real))
    deterministic = {"latitude": 40.78, "longitude": -73.97, "generationtime_ms": 0.1, "utc_offset_seconds": -18000,
                     "timezone": "Etc/GMT+5", "timezone_abbreviation": "GMT-5", "elevation": 40.0,
                     "daily_units": {"time": "iso8601", "temperature_2m_max": "°F"},
                     "daily": {"time": ["2026-10-03"], "temperature_2m_max": [68.2]}}
    route = respx.get(f"{FORECAST_BASE_URL}/forecast").mock(return_value=httpx.Response(200, json=deterministic))
    log = RejectLog("batch-1")
    with OpenMeteoClient(retry=FAST, reject_log=log, requests_per_second=None) as client:
        forecast = client.daily_highs(station("NY"), "ecmwf_ifs025_ensemble", date(2026, 10, 3), date(2026, 10, 3))
    assert forecast.source == SOURCE_FALLBACK and forecast.model == "ecmwf_ifs025"
    assert "asked for fahrenheit" in forecast.fallback_reason
    assert len(log) == 2  # each unreadable attempt is kept, with its body
    assert all(r["kind"] == "openmeteo_ensemble" and "°C" in r["body"] for r in log)
    assert route.calls.last.request.url.params["models"] == "ecmwf_ifs025"
    assert forecast.rows(as_of=NOW, batch_id="b")["temperature_2m_max"].to_list() == [68.2]


@respx.mock
def test_real_hosts_and_params_on_the_wire():
    body = json.loads(REAL.read_text())
    body["daily_units"] = {k: ("°F" if k != "time" else v) for k, v in body["daily_units"].items()}
    route = respx.get(f"{ENSEMBLE_BASE_URL}/ensemble").mock(return_value=httpx.Response(200, json=body))
    with OpenMeteoClient(retry=FAST, requests_per_second=None) as client:
        forecast = client.daily_highs(station("LAX"), "ncep_gefs025", date(2026, 10, 3), date(2026, 10, 3))
    sent = route.calls.last.request.url
    assert sent.host == "ensemble-api.open-meteo.com" and sent.path == "/v1/ensemble"
    assert sent.params["timezone"] == "Etc/GMT+8" and sent.params["temperature_unit"] == "fahrenheit"
    assert "Etc%2FGMT%2B8" in str(sent)  # the "+" is escaped, not read back as a space
    assert forecast.rows(as_of=NOW, batch_id="b").height == 21


def test_a_backwards_range_is_refused():
    with OpenMeteoClient(requests_per_second=None) as client, pytest.raises(ValueError, match="before"):
        client.daily_highs(station("NY"), "ncep_gefs025", date(2026, 11, 22), date(2026, 11, 20))


def test_heavy_faults_are_retried_and_unreadable_bodies_kept_as_rejects():
    from kalshi_platform.sandbox.faults import parse_fault_spec

    exchange = SandboxExchange(SandboxConfig(now=lambda: NOW, enforce_rate_limit=False,
                                             faults=parse_fault_spec("heavy,malformed=0.2")))
    log = RejectLog("b")
    retry = RetryPolicy(max_attempts=8, base_delay_s=0.0, max_delay_s=0.0)
    with OpenMeteoClient(SANDBOX_ENSEMBLE_BASE_URL, SANDBOX_FORECAST_BASE_URL, transport=SandboxTransport(exchange),
                         retry=retry, reject_log=log, requests_per_second=None) as client:
        results = [client.daily_highs(st, model, date(2026, 11, 20), date(2026, 11, 21))
                   for st in (station("NY"), station("CHI"), station("LAX"))
                   for model in ("ncep_gefs025", "ecmwf_ifs025_ensemble")] * 3
        stats = client.ensemble_http.stats.as_dict()
    assert all(r.rows(as_of=NOW, batch_id="b").height > 0 for r in results)
    assert stats["retries"] > 0 and len(log) > 0
    assert {r["kind"] for r in log} <= {"openmeteo_ensemble", "openmeteo_forecast"}
    assert all(r["reason"] for r in log)
