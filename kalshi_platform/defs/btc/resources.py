"""Resources of the BTC domain: the spot exchanges (``spot``) and the engine's settings (``btc``)."""

from decimal import Decimal

import dagster as dg

from kalshi_platform.clients.http import RejectLog, RetryPolicy
from kalshi_platform.clients.spot import CLIENTS, CoinbaseAdvancedWsClient, SpotClient
from kalshi_platform.core.btc.edges import EdgeParams
from kalshi_platform.defs.resources import SourceResource
from kalshi_platform.settings import Settings, SettingsError


class SpotApiResource(SourceResource):
    """Coinbase, Kraken and Bitstamp public market data. ``env=sandbox`` reads the embedded exchange
    (the same exchange object the Kalshi resource uses, so one world serves both); demo/prod the real hosts."""

    timeout_s: float = 10.0
    retry_max_attempts: int = 3
    coinbase_url: str | None = None  # None: the exchange's public host
    kraken_url: str | None = None
    bitstamp_url: str | None = None
    ws_url: str | None = None
    ws_seconds: float = 0.0

    def clients(self, reject_log: RejectLog | None = None) -> dict[str, SpotClient]:
        transport = None
        if self.env == "sandbox":
            from kalshi_platform.sandbox.transport import SandboxTransport

            transport = SandboxTransport(self.exchange())
        urls = {"coinbase": self.coinbase_url, "kraken": self.kraken_url, "bitstamp": self.bitstamp_url}
        retry = RetryPolicy(max_attempts=self.retry_max_attempts, max_total_s=max(self.timeout_s * 2, 5.0))
        return {
            name: cls(urls[name], transport=transport, retry=retry, timeout_s=self.timeout_s, reject_log=reject_log,
                      clock=self.now)
            for name, cls in CLIENTS.items()
        }

    def ws_client(self, reject_log: RejectLog | None = None) -> CoinbaseAdvancedWsClient | None:
        if not self.ws_url or self.ws_seconds <= 0:
            return None
        return CoinbaseAdvancedWsClient(self.ws_url, reject_log=reject_log, clock=self.now)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SpotApiResource":
        return cls(
            **cls.source_settings(settings),
            timeout_s=settings.btc_spot_timeout_s,
            retry_max_attempts=settings.btc_spot_retry_attempts,
            ws_url=settings.btc_coinbase_ws_url,
            ws_seconds=settings.btc_coinbase_ws_seconds,
        )


class BtcConfig(dg.ConfigurableResource):
    """The edge engine's settings (the BTC_* variables)."""

    series: list[str] = ["KXBTC", "KXBTCD", "KXBTC15M"]
    series_15m: str = "KXBTC15M"
    core_sources: list[str] = ["coinbase", "kraken", "bitstamp"]
    min_core_sources: int = 2
    source_stale_s: float = 30.0
    spot_max_age_s: float = 120.0
    tick_polls: int = 3
    tick_interval_s: float = 1.0
    history_minutes: int = 120
    ewma_decay: float = 0.97
    sigma_interval_s: int = 60
    sigma_min_returns: int = 20
    sigma_max: float = 3.0
    sigma_default: float | None = 0.5
    sigma_last_good_max_age_s: float = 86_400.0
    edge_threshold_bps: float = 200.0
    order_contracts: int = 1
    sigma_rel_error: float = 0.25
    momentum_s: int = 300
    momentum_weight: float = 0.25
    threshold_15m_bps: float = 300.0

    def edge_params(self, threshold_bps: float | None = None) -> EdgeParams:
        return EdgeParams(
            threshold_bps=self.edge_threshold_bps if threshold_bps is None else threshold_bps,
            spot_max_age_s=self.spot_max_age_s,
            order_contracts=Decimal(self.order_contracts),
            sigma_rel_error=self.sigma_rel_error,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "BtcConfig":
        if settings.btc_min_core_sources > len(settings.btc_core_sources):
            raise SettingsError(
                f"BTC_MIN_CORE_SOURCES={settings.btc_min_core_sources} exceeds the {len(settings.btc_core_sources)} "
                f"exchange(s) in BTC_CORE_SOURCES={','.join(settings.btc_core_sources)}"
            )
        return cls(
            series=list(settings.btc_series),
            series_15m=settings.btc_15m_series,
            core_sources=list(settings.btc_core_sources),
            min_core_sources=settings.btc_min_core_sources,
            source_stale_s=settings.btc_source_stale_s,
            spot_max_age_s=settings.btc_spot_max_age_s,
            tick_polls=settings.btc_tick_polls,
            tick_interval_s=settings.btc_tick_interval_s,
            history_minutes=settings.btc_history_minutes,
            ewma_decay=settings.btc_ewma_decay,
            sigma_interval_s=settings.btc_sigma_interval_s,
            sigma_min_returns=settings.btc_sigma_min_returns,
            sigma_max=settings.btc_sigma_max,
            sigma_default=settings.btc_sigma_default,
            sigma_last_good_max_age_s=settings.btc_sigma_last_good_max_age_s,
            edge_threshold_bps=settings.btc_edge_threshold_bps,
            order_contracts=settings.btc_order_contracts,
            sigma_rel_error=settings.btc_sigma_rel_error,
            momentum_s=settings.btc_15m_momentum_s,
            momentum_weight=settings.btc_15m_momentum_weight,
            threshold_15m_bps=settings.btc_15m_threshold_bps,
        )
