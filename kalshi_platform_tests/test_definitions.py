"""The whole Definitions object loads, as `make ui` and the CLI load it."""

from __future__ import annotations

import dagster as dg

from kalshi_platform.definitions import ALL_ASSETS_JOB, build_definitions
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL
from kalshi_platform.settings import load_settings

EXPECTED_RAW = {
    "kalshi_series",
    "kalshi_events",
    "kalshi_markets",
    "kalshi_market_snapshots",
    "kalshi_orderbooks",
    "kalshi_trades",
    "kalshi_candlesticks",
    "rejects",
}


def test_definitions_load_with_every_raw_asset():
    defs = build_definitions(load_settings({}))
    dg.Definitions.validate_loadable(defs)
    keys = {tuple(k.path) for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {("raw", name) for name in EXPECTED_RAW} <= keys
    assert defs.resolve_job_def(ALL_ASSETS_JOB) is not None


def test_module_level_defs_is_what_the_workspace_loads():
    from kalshi_platform import definitions

    assert isinstance(definitions.defs, dg.Definitions)


def test_every_writing_asset_is_in_the_duckdb_write_pool_and_described():
    defs = build_definitions(load_settings({}))
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.kinds, key
        if key.path != ["raw", "rejects"]:  # the reject summary only reads
            assert node.pools == {DUCKDB_WRITE_POOL}, key
