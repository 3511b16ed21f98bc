"""The whole platform at a glance: every domain's definitions merged, with resources and the executor."""

from __future__ import annotations

import dagster as dg

from kalshi_platform.defs import (
    accounts,
    automation,
    btc,
    dbt,
    instruments,
    markets,
    nba_props,
    quality,
    streaming,
    trading,
    weather,
)
from kalshi_platform.defs.resources import build_resources
from kalshi_platform.settings import Settings, load_settings

ALL_ASSETS_JOB = "kalshi_platform_job"


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    domain_defs = [
        markets.defs,
        instruments.defs,
        btc.build_defs(settings),
        weather.build_defs(settings),
        nba_props.build_defs(settings),
        streaming.build_defs(settings),
        accounts.build_defs(settings),
        trading.build_defs(settings),
        quality.build_defs(settings),
        dbt.build_defs(settings),
        automation.build_defs(settings),
    ]
    whole_graph = dg.define_asset_job(
        ALL_ASSETS_JOB,
        # The per-user portfolio assets have their own (dynamic) partitions: they run per user in
        # accounts_portfolio_job, which `kalshi-platform run` launches right after this job.
        selection=dg.AssetSelection.all() - accounts.PER_USER_SELECTION,
        description="Materialize the whole asset graph except the per-user portfolios (what `make run` executes).",
    )
    platform = dg.Definitions(
        jobs=[whole_graph],
        resources=build_resources(settings),
        # Steps run one after another in one process: DuckDB allows one writer per file (DESIGN.md §4).
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(*domain_defs, platform)


defs = build_definitions()
