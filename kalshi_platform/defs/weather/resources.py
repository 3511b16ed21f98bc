"""The weather domain's resources: Open-Meteo (embedded or real) and the model's configuration."""

from __future__ import annotations


import dagster as dg

from kalshi_platform.clients.http import RejectLog, RetryPolicy
from kalshi_platform.clients.openmeteo import (
    ENSEMBLE_BASE_URL,
    FORECAST_BASE_URL,
    SANDBOX_ENSEMBLE_BASE_URL,
    SANDBOX_FORECAST_BASE_URL,
    OpenMeteoClient,
)
from kalshi_platform.core.weather.stations import Station, stations
from kalshi_platform.defs.resources import SourceResource
from kalshi_platform.settings import Settings


class OpenMeteoResource(SourceResource):
    """Open-Meteo's ensemble and forecast APIs: on ``env=sandbox`` the embedded exchange's (the same
    exchange object as the Kalshi resource, so one world serves both), else the public hosts."""

    ensemble_url: str | None = None
    forecast_url: str | None = None
    timeout_s: float = 15.0
    retry_max_attempts: int = 8
    retry_max_total_s: float = 60.0

    def client(self, reject_log: RejectLog | None = None) -> OpenMeteoClient:
        retry = RetryPolicy(max_attempts=self.retry_max_attempts, max_total_s=self.retry_max_total_s)
        if self.env == "sandbox" and not (self.ensemble_url or self.forecast_url):
            from kalshi_platform.sandbox.transport import SandboxTransport

            return OpenMeteoClient(SANDBOX_ENSEMBLE_BASE_URL, SANDBOX_FORECAST_BASE_URL,
                                   transport=SandboxTransport(self.exchange()), retry=retry, timeout_s=self.timeout_s,
                                   reject_log=reject_log, requests_per_second=None)
        return OpenMeteoClient(self.ensemble_url or ENSEMBLE_BASE_URL, self.forecast_url or FORECAST_BASE_URL,
                               retry=retry, timeout_s=self.timeout_s, reject_log=reject_log)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenMeteoResource:
        return cls(
            **cls.source_settings(settings),
            ensemble_url=settings.open_meteo_ensemble_url,
            forecast_url=settings.open_meteo_forecast_url,
            timeout_s=settings.http_timeout_s,
            retry_max_attempts=settings.retry_max_attempts,
            retry_max_total_s=settings.retry_max_total_s,
        )


class WeatherConfig(dg.ConfigurableResource):
    """Which cities and models the weather model follows, and when a bracket gets a direction."""

    cities: list[str] = []  # empty: every station
    models: list[str] = ["ncep_gefs025", "ecmwf_ifs025_ensemble"]
    forecast_days: int = 4
    min_edge_bps: float = 100.0
    min_confidence: float = 0.5
    order_contracts: int = 1
    bias_correction: bool = True
    bias_min_days: int = 5
    bias_lookback_days: int = 30

    def stations(self) -> tuple[Station, ...]:
        return stations(tuple(self.cities))

    @classmethod
    def from_settings(cls, settings: Settings) -> WeatherConfig:
        return cls(
            cities=list(settings.weather_cities),
            models=list(settings.weather_models),
            forecast_days=settings.weather_forecast_days,
            min_edge_bps=settings.weather_min_edge_bps,
            min_confidence=settings.weather_min_confidence,
            order_contracts=settings.weather_order_contracts,
            bias_correction=settings.weather_bias_correction,
            bias_min_days=settings.weather_bias_min_days,
            bias_lookback_days=settings.weather_bias_lookback_days,
        )
