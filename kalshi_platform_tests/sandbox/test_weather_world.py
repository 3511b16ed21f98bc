"""The sandbox's weather world: KXHIGH brackets in Kalshi's format, a calibrated atmosphere, Open-Meteo's API."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from kalshi_platform.core.weather.brackets import ladder_problem, read_market
from kalshi_platform.core.weather.climate_day import climate_day_window, standard_time_zone
from kalshi_platform.core.weather.openmeteo import parse_daily
from kalshi_platform.core.weather.stations import BY_SERIES, STATIONS
from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform.sandbox.openmeteo import ENSEMBLE_MODELS, Atmosphere, forecast_scale_f
from kalshi_platform_tests.sandbox.test_contract import compare

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
REAL = Path(__file__).resolve().parents[1] / "fixtures" / "weather" / \
    "openmeteo_ensemble_daily_temperature_2m_max_members_python-open-meteo.json"


@pytest.fixture(scope="module")
def exchange() -> SandboxExchange:
    return SandboxExchange(SandboxConfig(now=lambda: NOW, enforce_rate_limit=False))


@pytest.fixture
def http(exchange):
    with httpx.Client(transport=SandboxTransport(exchange), base_url="http://open-meteo.sandbox") as c:
        yield c


def kalshi_markets(http, **params) -> list[dict]:
    out, cursor = [], None
    while True:
        page = http.get("/trade-api/v2/markets", params={**params, "limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
        out += page["markets"]
        cursor = page["cursor"]
        if not cursor:
            return out


# -- Open-Meteo's formats --------------------------------------------------------------------------
def test_ensemble_payload_has_the_real_keys_and_types(http):
    real = json.loads(REAL.read_text())
    ours = http.get("/v1/ensemble", params={
        "latitude": 52.52, "longitude": 7.0, "hourly": "temperature_2m,temperature_850hPa", "daily": "temperature_2m_max",
        "models": "icon_seamless", "start_date": "2026-11-19", "end_date": "2026-11-19", "timezone": "GMT"}).json()
    assert compare(real, ours) == []
    assert set(ours) == set(real) and set(ours["daily"]) == set(real["daily"]) and set(ours["hourly"]) == set(real["hourly"])
    assert list(ours) == list(real)  # same key order as Open-Meteo writes it
    assert ours["daily_units"]["temperature_2m_max"] == "°C" and ours["hourly"]["time"][0] == "2026-11-19T00:00"


def test_fahrenheit_daily_members_per_model_and_multi_model_suffixes(http):
    ny = BY_SERIES["KXHIGHNY"]
    base = {"latitude": ny.latitude, "longitude": ny.longitude, "daily": "temperature_2m_max",
            "temperature_unit": "fahrenheit", "timezone": "Etc/GMT+5", "start_date": "2026-11-20",
            "end_date": "2026-11-22"}
    gefs = http.get("/v1/ensemble", params={**base, "models": "ncep_gefs025"}).json()
    ecmwf = http.get("/v1/ensemble", params={**base, "models": "ecmwf_ifs025_ensemble"}).json()
    assert len(parse_daily(gefs).values) == 31 * 3 and len(parse_daily(ecmwf).values) == 51 * 3
    assert gefs["daily_units"]["temperature_2m_max_member30"] == "°F" and gefs["utc_offset_seconds"] == -18000
    both = http.get("/v1/ensemble", params={**base, "models": "ncep_gefs025,ecmwf_ifs025_ensemble"}).json()
    assert "temperature_2m_max_member50_ecmwf_ifs025_ensemble" in both["daily"]
    assert "temperature_2m_max_ncep_gefs025" in both["daily"]
    assert both["daily"]["temperature_2m_max_member05_ncep_gefs025"] == gefs["daily"]["temperature_2m_max_member05"]
    det = http.get("/v1/forecast", params={**base, "models": "gfs_seamless"}).json()
    assert set(det["daily"]) == {"time", "temperature_2m_max"}
    assert det["daily"]["temperature_2m_max"] == gefs["daily"]["temperature_2m_max"]  # the control run
    assert set(det) == set(gefs)


@pytest.mark.parametrize("params, reason", [
    ({"models": "nope"}, "invalid String value nope for key models"),
    ({"timezone": "Mars/Base"}, "Invalid timezone"),
    ({"daily": "rain_sum"}, "invalid String value rain_sum for key daily"),
    ({"start_date": "2026-11-20"}, "must be set together"),
    ({"forecast_days": "99"}, "Allowed range 0 to 35"),
    ({"temperature_unit": "kelvin"}, "kelvin"),
])
def test_errors_look_like_open_meteo(http, params, reason):
    base = {"latitude": 40.78, "longitude": -73.97, "daily": "temperature_2m_max"}
    r = http.get("/v1/ensemble", params={**base, **params})
    assert r.status_code == 400 and r.json()["error"] is True and reason in r.json()["reason"]


def test_days_past_the_model_horizon_are_null(http):
    r = http.get("/v1/ensemble", params={"latitude": 40.78, "longitude": -73.97, "daily": "temperature_2m_max",
                                          "models": "ecmwf_ifs025_ensemble", "forecast_days": 20}).json()
    values = r["daily"]["temperature_2m_max"]
    assert values[0] is not None and values[-1] is None


def test_outages_can_be_switched_on_and_off(exchange, http):
    api = next(f for f in exchange.world.families if f.name == "climate").api
    params = {"latitude": 40.78, "longitude": -73.97, "daily": "temperature_2m_max", "models": "ncep_gefs025"}
    api.set_outage("ensemble")
    try:
        down = http.get("/v1/ensemble", params=params)
        assert down.status_code == 503 and b"503 Service Temporarily Unavailable" in down.content
        assert http.get("/v1/forecast", params={**params, "models": "gfs_seamless"}).status_code == 200
    finally:
        api.set_outage("ensemble", down=False)
    assert http.get("/v1/ensemble", params=params).status_code == 200
    with pytest.raises(ValueError):
        api.set_outage("archive")


# -- KXHIGH markets --------------------------------------------------------------------------------
def test_every_day_has_six_brackets_in_kalshis_format(http):
    markets = kalshi_markets(http, series_ticker="KXHIGHNY")
    by_event: dict[str, list[dict]] = {}
    for m in markets:
        by_event.setdefault(m["event_ticker"], []).append(m)
    assert len(by_event) >= 18
    for event, ms in by_event.items():
        assert len(ms) == 6, event
        kinds = Counter(m["strike_type"] for m in ms)
        assert kinds == {"between": 4, "less": 1, "greater": 1}
        reads = [read_market(ticker=m["ticker"], strike_type=m["strike_type"], floor_strike=m.get("floor_strike"),
                             cap_strike=m.get("cap_strike"), rules_primary=m["rules_primary"], event_ticker=event,
                             station_rules_name="Central Park, New York") for m in ms]
        assert all(r.problem is None and r.rules_check == "agrees" for r in reads), event
        assert ladder_problem([r.bracket for r in reads]) is None
        for m, r in zip(ms, reads):
            assert m["yes_sub_title"] == r.bracket.label  # "49° to 50°", "48° or below", "57° or above"
        less = next(m for m in ms if m["strike_type"] == "less")
        assert less["ticker"] == f"{event}-T{less['cap_strike']}" and "floor_strike" not in less
        between = next(m for m in ms if m["strike_type"] == "between")
        assert between["ticker"] == f"{event}-B{between['floor_strike'] + 0.5}"
        assert between["title"].startswith("Will the high temp in NYC be ")


def test_trading_closes_at_2359_local_standard_time_all_year():
    for when, day in ((datetime(2026, 1, 10, 15, tzinfo=UTC), date(2026, 1, 10)),
                      (datetime(2026, 7, 10, 15, tzinfo=UTC), date(2026, 7, 10))):
        ex = SandboxExchange(SandboxConfig(now=lambda when=when: when, enforce_rate_limit=False))
        with httpx.Client(transport=SandboxTransport(ex), base_url="http://x") as c:
            m = c.get("/trade-api/v2/markets", params={"event_ticker": f"KXHIGHNY-{day:%y}{day:%b}{day:%d}".upper()}).json()["markets"][0]
            lax = c.get("/trade-api/v2/markets", params={"series_ticker": "KXHIGHLAX", "status": "open"}).json()["markets"]
        # 04:59Z = 23:59 EST; in July that is 00:59 EDT, the end of the climate day.
        assert m["close_time"] == f"{day + timedelta(days=1)}T04:59:00Z"
        assert all(x["close_time"].endswith("T07:59:00Z") for x in lax)  # 23:59 PST


def test_settled_days_report_the_climate_day_high_and_one_bracket_wins(exchange, http):
    atmosphere = Atmosphere(exchange.world.seed)
    settled = [m for m in kalshi_markets(http, series_ticker="KXHIGHCHI") if m["status"] in ("determined", "finalized")]
    events: dict[str, list[dict]] = {}
    for m in settled:
        events.setdefault(m["event_ticker"], []).append(m)
    assert len(events) >= 10
    for event, ms in events.items():
        values = {m["expiration_value"] for m in ms}
        assert len(values) == 1
        value = int(values.pop())
        day = read_market(ticker=ms[0]["ticker"], strike_type=ms[0]["strike_type"], rules_primary=ms[0]["rules_primary"],
                          floor_strike=ms[0].get("floor_strike"), cap_strike=ms[0].get("cap_strike")).target_date
        assert value == atmosphere.settled_high(atmosphere.site("CHI"), day)
        winners = [m for m in ms if m["result"] == "yes"]
        assert len(winners) == 1 or len(ms) < 6
        for m in ms:
            bracket = read_market(ticker=m["ticker"], strike_type=m["strike_type"], floor_strike=m.get("floor_strike"),
                                  cap_strike=m.get("cap_strike")).bracket
            assert (m["result"] == "yes") == bracket.contains(value)


def test_every_station_city_at_scale_one_is_listed(http):
    series = {s["ticker"] for s in http.get("/trade-api/v2/series", params={"category": "Climate and Weather"}).json()["series"]}
    assert {s.series_ticker for s in STATIONS[:7]} <= series


# -- the atmosphere --------------------------------------------------------------------------------
def test_summer_settlement_counts_the_climate_day_not_the_clock_day():
    atmosphere = Atmosphere(7)
    found = 0
    for st in STATIONS[:7]:
        site = atmosphere.site(st.city)
        o = np.arange(date(2026, 6, 1).toordinal(), date(2026, 9, 1).toordinal(), dtype=np.int64)
        high, low = atmosphere.truth(site, o)
        days = [date.fromordinal(int(x)) for x in o[2:-2]]
        climate = atmosphere.window_max(site, o, high[None], low[None], days, standard_time_zone(st.timezone, days[0]))[0]
        clock = atmosphere.window_max(site, o, high[None], low[None], days, st.timezone)[0]
        for day, c, k in zip(days, climate, clock):
            if int(np.floor(c + 0.5)) != int(np.floor(k + 0.5)):
                found += 1
                assert atmosphere.settled_high(site, day) == int(np.floor(c + 0.5))
    assert found >= 3  # summer fronts where the hour past midnight EDT decides the day's high



def _forecasts(atmosphere: Atmosphere, models: tuple[str, ...], lead_days: float, n_days: int = 100):
    """{model: members [n, k]} and settled [n] of forecasts issued ``lead_days`` before each day's afternoon."""
    members: dict[str, list] = {m: [] for m in models}
    settled = []
    for st in STATIONS[:7]:
        site = atmosphere.site(st.city)
        for i in range(n_days):
            day = date(2026, 1, 1) + timedelta(days=7 * i % 364 + i // 52)
            start, _ = climate_day_window(st.timezone, day)
            zone = standard_time_zone(st.timezone, day)
            o = np.arange(day.toordinal() - 2, day.toordinal() + 3, dtype=np.int64)
            for name in models:
                spec = ENSEMBLE_MODELS[name]
                run = atmosphere.run_start(spec, int(start.timestamp()) + 15 * 3600 - int(lead_days * 86_400))
                highs, lows, _ = atmosphere.members(site, spec, run, o)
                members[name].append(atmosphere.window_max(site, o, highs, lows, [day], zone)[:, 0])
            settled.append(atmosphere.settled_high(site, day))
    return {m: np.array(v) for m, v in members.items()}, np.array(settled, dtype=float)


def test_spread_shrinks_as_the_day_nears():
    atmosphere = Atmosphere(7)
    far = _forecasts(atmosphere, ("ecmwf_ifs025_ensemble",), 4.0, n_days=30)[0]["ecmwf_ifs025_ensemble"]
    near = _forecasts(atmosphere, ("ecmwf_ifs025_ensemble",), 0.5, n_days=30)[0]["ecmwf_ifs025_ensemble"]
    assert near.std(axis=1).mean() < 0.6 * far.std(axis=1).mean()
    assert forecast_scale_f(0.5) < forecast_scale_f(2) < forecast_scale_f(5)


def test_truth_is_drawn_from_the_ensembles_distribution_once_the_bias_is_removed():
    atmosphere = Atmosphere(7)
    by_model, settled = _forecasts(atmosphere, ("ecmwf_ifs025_ensemble", "ncep_gefs025"), 2.0)
    for name, members in by_model.items():
        bias = ENSEMBLE_MODELS[name].bias_f
        assert (members.mean(axis=1) - settled).mean() == pytest.approx(bias, abs=0.5)
        # Rank of the settled high among the bias-corrected members: roughly uniform.
        ranks = ((members - bias) < settled[:, None]).mean(axis=1)
        assert 0.03 < (ranks < 0.1).mean() < 0.22 and 0.03 < (ranks > 0.9).mean() < 0.22
        assert 0.4 < ranks.mean() < 0.6
