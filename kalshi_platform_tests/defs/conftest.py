"""Helpers to materialize the market assets against the embedded exchange on a temporary warehouse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from kalshi_platform.clients.kalshi.client import KalshiClient
from kalshi_platform.defs.markets.assets import ASSETS
from kalshi_platform.defs.resources import KalshiApiResource, UniverseConfig
from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport
from kalshi_platform.warehouse import Warehouse
from kalshi_platform.warehouse.resource import WarehouseResource

# A frozen exchange clock makes two runs see the same world.
FROZEN_NOW = "2026-11-20T15:30:00+00:00"
PARTITION = "2026-11-20"
ALL_STATUSES = ["unopened", "open", "closed", "settled"]


def resources(db_dir: Path, *, faults: str = "none", attempts: int = 8, tier: str = "prime", **universe) -> dict:
    return {
        "warehouse": WarehouseResource(
            path=str(db_dir / "warehouse.duckdb"), snapshot_path=str(db_dir / "snapshot.duckdb")
        ),
        "kalshi": KalshiApiResource(
            sandbox_faults=faults, sandbox_now=FROZEN_NOW, rate_tier=tier, retry_max_attempts=attempts
        ),
        "universe": UniverseConfig(
            market_statuses=universe.pop("market_statuses", ALL_STATUSES),
            orderbook_markets=universe.pop("orderbook_markets", 8),
            candle_markets=universe.pop("candle_markets", 4),
            **universe,
        ),
    }


def materialize(db_dir: Path, assets=ASSETS, **kwargs) -> dg.ExecuteInProcessResult:
    partitioned = any(a.partitions_def is not None for a in assets)
    return dg.materialize(
        assets,
        resources=resources(db_dir, **kwargs),
        partition_key=PARTITION if partitioned else None,
        raise_on_error=False,
    )


def query(db_dir: Path, sql: str) -> list[tuple]:
    with Warehouse(str(db_dir / "warehouse.duckdb"), str(db_dir / "snapshot.duckdb")).connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def clean_universe() -> set[str]:
    """Every market ticker the exchange lists at FROZEN_NOW, read with no faults."""
    frozen = datetime.fromisoformat(FROZEN_NOW).astimezone(UTC)
    exchange = SandboxExchange(SandboxConfig(now=lambda: frozen, enforce_rate_limit=False))
    with KalshiClient(SANDBOX_KALSHI_BASE_URL, transport=SandboxTransport(exchange), tier="prime") as client:
        tickers: set[str] = set()
        for status in ALL_STATUSES:
            result = client.get_markets(status=status)
            assert result.complete
            tickers.update(m["ticker"] for m in result.items)
    return tickers


@pytest.fixture(scope="session")
def universe_tickers() -> set[str]:
    return clean_universe()
