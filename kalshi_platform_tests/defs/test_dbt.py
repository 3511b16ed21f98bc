"""dbt loaded by dagster-dbt: the manifest from the install step, sources keyed like the assets that
write them, models as assets in the pool, dbt tests as asset checks, and dbt build on a materialized
sandbox warehouse."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from kalshi_platform.defs.common import DUCKDB_WRITE_POOL
from kalshi_platform.defs.dbt import build_defs as dbt_defs
from kalshi_platform.defs.dbt.project import (
    MANIFEST_PATH,
    STAMP_PATH,
    manifest_is_current,
    prepare,
    run_dbt,
    warehouse_tables,
)
from kalshi_platform.settings import load_settings
from kalshi_platform_tests.platform_run import PlatformRun, platform_run  # noqa: F401


@pytest.fixture(scope="module")
def dbt_assets_def() -> dg.AssetsDefinition:
    [assets] = dbt_defs(load_settings({})).assets
    return assets


def test_manifest_is_prepared_for_the_current_project_and_tables():
    assert prepare() == MANIFEST_PATH
    assert manifest_is_current()
    assert json.loads(STAMP_PATH.read_text())["tables"] == list(warehouse_tables())


def test_tables_from_the_migrations_gate_the_models():
    tables = warehouse_tables()
    assert {"raw.kalshi_markets", "raw.kalshi_market_snapshots", "core.instruments", "raw.rejects"} <= set(tables)
    nodes = json.loads(MANIFEST_PATH.read_text())["nodes"]
    models = {n["name"] for n in nodes.values() if n["resource_type"] == "model"}
    assert {"market_overview", "line_movement", "stg_kalshi_markets"} <= models
    gated = {"signals.btc_edges": "stg_btc_edges", "signals.weather_signals": "stg_weather_signals",
             "signals.nba_prop_lines": "props_arbitrage", "trading.paper_orders": "paper_pnl"}
    for table, model in gated.items():
        assert (model in models) == (table in tables), (table, model)


def test_models_are_assets_keyed_by_schema_in_the_pool(dbt_assets_def):
    keys = {tuple(k.path) for k in dbt_assets_def.keys}
    assert {("marts", "market_overview"), ("marts", "line_movement"), ("staging", "stg_kalshi_markets")} <= keys
    assert {k[0] for k in keys} == {"staging", "marts"}
    assert dbt_assets_def.op.pool == DUCKDB_WRITE_POOL
    for key in dbt_assets_def.keys:
        spec = dbt_assets_def.specs_by_key[key]
        assert spec.group_name == "dbt" and spec.description
        assert {"dbt", "duckdb"} <= set(spec.kinds)
        assert spec.automation_condition is not None  # follows its inputs


def test_sources_are_the_raw_and_core_assets(dbt_assets_def):
    overview = dbt_assets_def.specs_by_key[dg.AssetKey(["marts", "market_overview"])]
    assert {tuple(d.asset_key.path) for d in overview.deps} >= {("staging", "stg_kalshi_market_snapshots"), ("staging", "stg_instruments")}
    staging = dbt_assets_def.specs_by_key[dg.AssetKey(["staging", "stg_kalshi_market_snapshots"])]
    assert {tuple(d.asset_key.path) for d in staging.deps} == {("raw", "kalshi_market_snapshots")}
    sources = {tuple(d.asset_key.path) for s in dbt_assets_def.specs for d in s.deps} - {tuple(k.path) for k in dbt_assets_def.keys}
    assert all(len(k) == 2 and k[0] in ("raw", "core", "signals", "trading") for k in sources), sources


def test_dbt_tests_are_asset_checks(dbt_assets_def):
    checks = {(k.asset_key.to_user_string(), k.name) for k in dbt_assets_def.check_keys}
    assert ("marts/market_overview", "unique_market_overview_ticker") in checks
    assert ("marts/market_overview", "bid_not_above_ask_market_overview_yes_ask__yes_bid") in checks
    assert any(a == "staging/stg_kalshi_markets" and n.startswith("accepted_values") for a, n in checks)


def test_dbt_build_passes_on_the_materialized_sandbox_warehouse(platform_run: PlatformRun, tmp_path):  # noqa: F811
    platform_run.assert_succeeded()
    done = run_dbt(["build"], platform_run.warehouse, target_path=tmp_path / "target")
    assert done.returncode == 0, done.stdout[-5000:]
    assert "ERROR=0" in done.stdout
    with duckdb.connect(str(platform_run.warehouse), read_only=True) as con:
        for mart in ("market_overview", "line_movement"):
            assert con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()[0] > 0, mart


def test_the_snapshot_reads_the_staging_views(platform_run: PlatformRun):  # noqa: F811
    """Views reference schema.table only, so they resolve in the snapshot (another database name)."""
    platform_run.assert_succeeded()
    with duckdb.connect(str(platform_run.snapshot), read_only=True) as con:
        views = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = 'staging'").fetchall()
        assert views and not any("warehouse" in v[0] for v in views)
        assert con.execute("SELECT count(*) FROM staging.stg_kalshi_markets").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM marts.market_overview").fetchone()[0] > 0
