"""Resources built from settings: the warehouse and the Kalshi API (embedded exchange or real host)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import dagster as dg

from kalshi_platform.clients.http import RejectLog, RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiSigner
from kalshi_platform.clients.kalshi.client import KALSHI_BASE_URLS, KalshiClient
from kalshi_platform.core.timeutil import parse_ts
from kalshi_platform.settings import Settings
from kalshi_platform.warehouse.resource import WarehouseResource

_exchanges: dict[tuple, object] = {}
_exchanges_lock = threading.Lock()


def sandbox_exchange(seed: int, faults: str, scale: int, tier: str, now: str | None = None):
    """One embedded exchange per configuration and process, so state (orders, keys) persists across steps."""
    from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
    from kalshi_platform.sandbox.faults import parse_fault_spec

    key = (seed, faults, scale, tier, now)
    with _exchanges_lock:
        if key not in _exchanges:
            frozen = parse_ts(now) if now else None
            config = SandboxConfig(
                seed=seed,
                tier=tier,
                faults=parse_fault_spec(faults),
                scale=scale,
                now=(lambda: frozen) if frozen else None,
            )
            _exchanges[key] = SandboxExchange(config)
        return _exchanges[key]


class SourceResource(dg.ConfigurableResource):
    """What every source resource shares: where the source is (``env=sandbox``: the embedded exchange,
    one object per configuration and process, so one world serves Kalshi, the spot exchanges, Open-Meteo
    and the sportsbooks alike; demo/prod: the real hosts) and the source's clock."""

    env: str = "sandbox"
    rate_tier: str = "basic"
    sandbox_seed: int = 7
    sandbox_faults: str = "light"
    sandbox_scale: int = 1
    sandbox_now: str | None = None

    @property
    def clock_frozen(self) -> bool:
        return self.env == "sandbox" and bool(self.sandbox_now)

    def now(self) -> datetime:
        """The source's clock, for fetch windows: the exchange's frozen clock if set, else real time."""
        if self.clock_frozen:
            return parse_ts(self.sandbox_now)
        return datetime.now(UTC)

    def exchange(self):
        """The embedded exchange (None outside the sandbox)."""
        if self.env != "sandbox":
            return None
        return sandbox_exchange(
            self.sandbox_seed, self.sandbox_faults, self.sandbox_scale, self.rate_tier, self.sandbox_now
        )

    @staticmethod
    def source_settings(settings: Settings) -> dict:
        """The shared fields' values from settings, for ``from_settings`` of each source resource."""
        return dict(
            env=settings.env,
            rate_tier=settings.rate_tier,
            sandbox_seed=settings.sandbox_seed,
            sandbox_faults=settings.sandbox_faults,
            sandbox_scale=settings.sandbox_scale,
            sandbox_now=settings.sandbox_now,
        )


class KalshiApiResource(SourceResource):
    """Kalshi REST v2. ``env=sandbox`` talks to the embedded exchange in-process; demo/prod to the real hosts."""

    base_url: str | None = None
    api_key_id: str | None = None
    private_key_path: str | None = None
    timeout_s: float = 15.0
    retry_max_attempts: int = 8
    retry_max_total_s: float = 60.0

    def signer(self) -> KalshiSigner | None:
        if not (self.api_key_id and self.private_key_path):
            return None
        return KalshiSigner.from_pem_file(self.api_key_id, self.private_key_path)

    def client(self, reject_log: RejectLog | None = None) -> KalshiClient:
        signer = self.signer()
        transport = None
        if self.env == "sandbox" and not self.base_url:
            from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport

            exchange = self.exchange()
            if signer is not None:
                # In the sandbox the user's own key is the exchange's registered key.
                exchange.register_key(signer.key_id, signer.public_key_pem())
            base_url = SANDBOX_KALSHI_BASE_URL
            transport = SandboxTransport(exchange)
        else:
            base_url = self.base_url or KALSHI_BASE_URLS[self.env]
        return KalshiClient(
            base_url,
            transport=transport,
            signer=signer,
            tier=self.rate_tier,
            retry=RetryPolicy(max_attempts=self.retry_max_attempts, max_total_s=self.retry_max_total_s),
            timeout_s=self.timeout_s,
            reject_log=reject_log,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> KalshiApiResource:
        return cls(
            **cls.source_settings(settings),
            base_url=settings.base_url,
            api_key_id=settings.api_key_id,
            private_key_path=settings.private_key_path,
            timeout_s=settings.http_timeout_s,
            retry_max_attempts=settings.retry_max_attempts,
            retry_max_total_s=settings.retry_max_total_s,
        )


class UniverseConfig(dg.ConfigurableResource):
    """Which markets the platform follows and how much per-market detail it fetches each run."""

    series: list[str] = []
    market_statuses: list[str] = ["open"]
    orderbook_markets: int = 50
    candle_markets: int = 25
    candle_period: int = 60
    trades_lookback_hours: int = 24

    @classmethod
    def from_settings(cls, settings: Settings) -> UniverseConfig:
        return cls(
            series=list(settings.series),
            market_statuses=list(settings.market_statuses),
            orderbook_markets=settings.orderbook_markets,
            candle_markets=settings.candle_markets,
            candle_period=settings.candle_period,
            trades_lookback_hours=settings.trades_lookback_hours,
        )


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(path=settings.duckdb_path, snapshot_path=settings.snapshot_path),
        "kalshi": KalshiApiResource.from_settings(settings),
        "universe": UniverseConfig.from_settings(settings),
    }
