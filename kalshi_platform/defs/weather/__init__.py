"""Weather: ensemble forecasts to high-temperature bracket edges (issue 5)."""

import re

import dagster as dg

from kalshi_platform.defs.weather.assets import ASSETS, CHECKS
from kalshi_platform.defs.weather.resources import OpenMeteoResource, WeatherConfig
from kalshi_platform.settings import Settings, SettingsError

_MODEL = re.compile(r"^[a-z][a-z0-9_]*$")


def build_defs(settings: Settings) -> dg.Definitions:
    if not settings.weather_models:
        raise SettingsError("WEATHER_MODELS is empty; accepted: comma-separated Open-Meteo ensemble models "
                            "like ncep_gefs025,ecmwf_ifs025_ensemble")
    for model in settings.weather_models:
        if not _MODEL.match(model):
            raise SettingsError(f"WEATHER_MODELS: {model!r} is not an Open-Meteo model name; accepted: names like "
                                "ncep_gefs025,ecmwf_ifs025_ensemble")
    for name, url in (("OPEN_METEO_ENSEMBLE_URL", settings.open_meteo_ensemble_url),
                      ("OPEN_METEO_FORECAST_URL", settings.open_meteo_forecast_url)):
        if url and not url.startswith(("http://", "https://")):
            raise SettingsError(f"{name}={url!r} must start with http:// or https://")
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        resources={
            "open_meteo": OpenMeteoResource.from_settings(settings),
            "weather_config": WeatherConfig.from_settings(settings),
        },
    )
