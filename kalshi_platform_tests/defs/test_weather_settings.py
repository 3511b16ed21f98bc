"""Weather settings: typed, validated at start with the variable named, and wired into the resources."""

from __future__ import annotations

import pytest

from kalshi_platform.defs.weather import build_defs
from kalshi_platform.settings import SettingsError, load_settings


def test_defaults_follow_every_station_with_gfs_and_ecmwf():
    s = load_settings({})
    assert s.weather_cities == () and s.weather_models == ("ncep_gefs025", "ecmwf_ifs025_ensemble")
    defs = build_defs(s)
    config = defs.resources["weather_config"]
    assert len(config.stations()) == 19 and config.forecast_days == 4 and config.bias_correction is True
    assert defs.resources["open_meteo"].env == "sandbox"
    keys = {a.key.to_user_string() for a in defs.assets}
    assert keys == {"core/weather_stations", "raw/weather_ensembles", "signals/weather_signals"}


def test_values_are_typed_and_cities_are_case_insensitive():
    s = load_settings({"WEATHER_CITIES": "ny, lax,NY", "WEATHER_MODELS": "ECMWF_IFS025_ensemble",
                       "WEATHER_FORECAST_DAYS": "2", "WEATHER_MIN_EDGE_BPS": "250", "WEATHER_BIAS_CORRECTION": "false",
                       "OPEN_METEO_ENSEMBLE_URL": "https://customer-ensemble-api.open-meteo.com/v1"})
    assert s.weather_cities == ("NY", "LAX") and s.weather_models == ("ecmwf_ifs025_ensemble",)
    assert (s.weather_forecast_days, s.weather_min_edge_bps, s.weather_bias_correction) == (2, 250.0, False)
    resource = build_defs(s).resources["open_meteo"]
    assert resource.ensemble_url == "https://customer-ensemble-api.open-meteo.com/v1"
    assert [st.city for st in build_defs(s).resources["weather_config"].stations()] == ["NY", "LAX"]


@pytest.mark.parametrize("variable, value, accepted", [
    ("WEATHER_CITIES", "NY,Atlantis", "ny, chi, lax"),
    ("WEATHER_FORECAST_DAYS", "40", "0..15"),
    ("WEATHER_MIN_CONFIDENCE", "2", "0..1"),
    ("WEATHER_BIAS_CORRECTION", "maybe", "true, false"),
    ("WEATHER_ORDER_CONTRACTS", "0", "1..1000000"),
])
def test_bad_values_name_the_variable(variable, value, accepted):
    with pytest.raises(SettingsError) as info:
        load_settings({variable: value})
    assert variable in str(info.value) and accepted in str(info.value)


@pytest.mark.parametrize("env, message", [
    ({"WEATHER_MODELS": "gfs025;ecmwf"}, "WEATHER_MODELS"),
    ({"WEATHER_MODELS": ","}, "WEATHER_MODELS is empty"),
    ({"OPEN_METEO_FORECAST_URL": "api.open-meteo.com"}, "OPEN_METEO_FORECAST_URL"),
])
def test_build_defs_refuses_bad_models_and_urls(env, message):
    with pytest.raises(SettingsError, match=message):
        build_defs(load_settings(env))
