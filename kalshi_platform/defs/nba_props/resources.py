"""The NBA props domain's resources: The Odds API (embedded or real) and the comparison's thresholds."""

from __future__ import annotations

import os

import dagster as dg

from kalshi_platform.clients.http import RejectLog, RetryPolicy
from kalshi_platform.clients.odds_api import ODDS_API_BASE_URL, OddsApiClient
from kalshi_platform.core.props.signals import PropParams
from kalshi_platform.defs.resources import SourceResource
from kalshi_platform.settings import Settings

SANDBOX_ODDS_API_BASE_URL = "http://odds-api.sandbox"
# The embedded Odds API takes any well-formed key; this one is used when ODDS_API_KEY is unset.
SANDBOX_ODDS_API_KEY = "sandbox-odds-api-key"


class OddsApiResource(SourceResource):
    """The Odds API v4. ``env=sandbox`` reaches the embedded exchange in-process (the same exchange
    object as the Kalshi resource, so the sportsbooks price the same games Kalshi lists); demo/prod
    reach https://api.the-odds-api.com, which needs ``ODDS_API_KEY``."""

    api_key: str | None = None
    base_url: str | None = None
    regions: list[str] = ["us"]
    bookmakers: list[str] = []
    lookahead_hours: int = 24
    timeout_s: float = 15.0
    retry_max_attempts: int = 8
    retry_max_total_s: float = 60.0

    def key(self) -> str | None:
        """The API key to send; on the sandbox a built-in one when none is configured."""
        if self.api_key and self.api_key.strip():
            return self.api_key.strip()
        return SANDBOX_ODDS_API_KEY if self.env == "sandbox" else None

    def client(self, reject_log: RejectLog | None = None) -> OddsApiClient:
        key = self.key()
        if key is None:
            raise ValueError("ODDS_API_KEY is not set: The Odds API needs a key outside the sandbox")
        retry = RetryPolicy(max_attempts=self.retry_max_attempts, max_total_s=self.retry_max_total_s)
        if self.env == "sandbox" and not self.base_url:
            from kalshi_platform.sandbox.transport import SandboxTransport

            exchange = self.exchange()
            return OddsApiClient(key, SANDBOX_ODDS_API_BASE_URL, transport=SandboxTransport(exchange), retry=retry,
                                 timeout_s=self.timeout_s, reject_log=reject_log, clock=exchange.now)
        return OddsApiClient(key, self.base_url or ODDS_API_BASE_URL, retry=retry, timeout_s=self.timeout_s,
                             reject_log=reject_log)

    @classmethod
    def from_settings(cls, settings: Settings) -> OddsApiResource:
        secret = settings.odds_api_key
        key = secret.reveal() if secret is not None and hasattr(secret, "reveal") else secret
        if key and os.environ.get("ODDS_API_KEY", "").strip() == key:
            # Read at run time from the environment, so the UI shows the variable's name, not the key.
            key = dg.EnvVar("ODDS_API_KEY")
        return cls(
            **cls.source_settings(settings),
            api_key=key,
            base_url=settings.odds_api_base_url,
            regions=list(settings.odds_api_regions),
            bookmakers=list(settings.odds_api_bookmakers),
            lookahead_hours=settings.nba_props_lookahead_hours,
            timeout_s=settings.http_timeout_s,
            retry_max_attempts=settings.retry_max_attempts,
            retry_max_total_s=settings.retry_max_total_s,
        )


class NbaPropsConfig(dg.ConfigurableResource):
    """When a sportsbook/Kalshi difference is flagged, and the fill size fees are computed for."""

    arb_line_points: float = 2.0
    arb_min_gap: float = 0.05
    fee_lot: int = 100

    def params(self) -> PropParams:
        return PropParams(arb_line_points=self.arb_line_points, arb_min_gap=self.arb_min_gap, fee_lot=self.fee_lot)

    @classmethod
    def from_settings(cls, settings: Settings) -> NbaPropsConfig:
        return cls(arb_line_points=settings.nba_props_arb_line_points, arb_min_gap=settings.nba_props_arb_min_gap,
                   fee_lot=settings.nba_props_fee_lot)
