"""The instrument master: every market of the universe as a readable, classified instrument."""

import dagster as dg
import polars as pl

from kalshi_platform.core.instruments import build_instruments
from kalshi_platform.core.parlays import parlay_descriptions, parlay_legs
from kalshi_platform.core.relationships import exclusive_sets, market_groups
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, markdown_preview, open_batch, table_result
from kalshi_platform.defs.markets.assets import (
    kalshi_events,
    kalshi_market_snapshots,
    kalshi_markets,
    kalshi_series,
)
from kalshi_platform.warehouse import queries, writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "instruments"


def with_parlay_names(instruments: pl.DataFrame, markets: pl.DataFrame) -> pl.DataFrame:
    """Parlays read as their legs ("Parlay · 3 legs · yes Toronto wins + ...") in the same run."""
    described = parlay_descriptions(parlay_legs(markets, instruments)).filter(pl.col("description").is_not_null())
    if described.is_empty():
        return instruments
    names = described.select(
        "parlay_ticker",
        (pl.lit("Parlay · ") + pl.col("n_legs").cast(pl.String) + pl.lit(" legs · ") + pl.col("description"))
        .alias("_parlay_name"),
    )
    return (
        instruments.join(names, left_on="ticker", right_on="parlay_ticker", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_parlay_name", "display_name").alias("display_name"))
        .drop("_parlay_name")
    )


@dg.asset(
    key=["core", "instruments"],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_markets, kalshi_events, kalshi_series],
    description=(
        "One row per market: what it is about, when, which threshold, which side, in plain words "
        "(display_name), with category, subcategory, family, strike bounds and provenance. API metadata "
        "first, the ticker parse fills gaps and cross-checks; disagreements are recorded."
    ),
)
def instruments(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Builds the instrument master from the raw market, event and series tables."""
    table = "core.instruments"
    with open_batch(warehouse, table) as batch:
        con = batch.con
        markets = queries.read_table(con, "raw.kalshi_markets", exclude=["raw_json"])
        events = queries.read_table(con, "raw.kalshi_events", exclude=["raw_json"])
        series = queries.read_table(con, "raw.kalshi_series", exclude=["raw_json"])
        first_seen = queries.read_table(con, "core.instruments", columns=["ticker", "first_seen"])
        rows = with_parlay_names(build_instruments(markets, events, series, first_seen=first_seen), markets)
        writes.upsert(con, table, rows, key=["ticker"])
        batch.rows_written = rows.height

        unknown = rows.filter(pl.col("parse_status") == "unknown_family")
        disagreeing = rows.filter(pl.col("disagreements").is_not_null())
        as_ticker = rows.filter(pl.col("display_name") == pl.col("ticker"))
        by_category = rows.group_by("category").len().sort("len", descending=True)
        context.log.info(
            f"{rows.height} instruments; {unknown.height} with an unknown ticker family; "
            f"{disagreeing.height} where API and ticker disagree"
        )
        return table_result(
            batch,
            table,
            rows,
            extra={
                "by_category": dg.MetadataValue.json(dict(by_category.iter_rows())),
                "by_parsed_from": dg.MetadataValue.json(dict(rows.group_by("parsed_from").len().iter_rows())),
                "unknown_ticker_family": dg.MetadataValue.int(unknown.height),
                "unknown_ticker_family_sample": dg.MetadataValue.json(unknown.get_column("ticker").head(20).to_list()),
                "api_ticker_disagreements": dg.MetadataValue.int(disagreeing.height),
                "disagreement_sample": dg.MetadataValue.json(
                    dict(disagreeing.select("ticker", "disagreements").head(10).iter_rows())
                ),
                "display_name_is_ticker": dg.MetadataValue.int(as_ticker.height),
            },
        )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["core", "market_relationships"],
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            deps=[["core", "instruments"]],
            description=(
                "Markets grouped by event and by game across series (moneyline, spread, total, props): "
                "one row per group and market."
            ),
        ),
        dg.AssetSpec(
            key=["core", "exclusive_sets"],
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            deps=[["core", "instruments"], kalshi_market_snapshots],
            description=(
                "Mutually exclusive, exhaustive sets (winner lists, bracket ladders, moneylines) with the "
                "exact sums of their open markets' bids, asks and mids, overround and spread."
            ),
        ),
    ],
    pool=DUCKDB_WRITE_POOL,
)
def market_relationships(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Event and game groups, and the exclusive sets priced from the latest quotes."""
    with open_batch(warehouse, "core.market_relationships") as batch:
        con = batch.con
        instruments_frame = queries.read_table(con, "core.instruments")
        events = queries.read_table(con, "raw.kalshi_events", exclude=["raw_json"])
        quotes = queries.latest_quotes(con)
        groups = market_groups(instruments_frame)
        sets = exclusive_sets(instruments_frame, events, quotes)
        writes.replace_all(con, "core.market_relationships", groups)
        writes.replace_all(con, "core.exclusive_sets", sets)
        batch.rows_written = groups.height + sets.height
        yield dg.MaterializeResult(
            asset_key=["core", "market_relationships"],
            metadata={
                **table_result(batch, "core.market_relationships", groups).metadata,
                "by_kind": dg.MetadataValue.json(dict(groups.group_by("group_kind").len().iter_rows())),
                "games": dg.MetadataValue.int(
                    groups.filter(pl.col("group_kind") == "game").get_column("group_key").n_unique()
                ),
            },
        )
        stray = sets.filter(pl.col("mids_stray").fill_null(False))
        yield dg.MaterializeResult(
            asset_key=["core", "exclusive_sets"],
            metadata={
                **table_result(batch, "core.exclusive_sets", sets).metadata,
                "by_kind": dg.MetadataValue.json(dict(sets.group_by("set_kind").len().iter_rows())),
                "exhaustive_and_quoted": dg.MetadataValue.int(
                    sets.filter(pl.col("exhaustive") & pl.col("complete_quotes")).height
                ),
                "mids_stray": dg.MetadataValue.int(stray.height),
            },
        )


@dg.asset_check(
    asset=["core", "exclusive_sets"],
    description=(
        "Warns about exhaustive, fully quoted sets whose mid prices sum away from 1 by more than half "
        "the summed spread: the bids alone exceed 1 or the asks fall short of it (an arbitrage before fees)."
    ),
)
def exclusive_set_mids_within_spread(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        sets = queries.read_table(con, "core.exclusive_sets")
    checked = sets.filter(pl.col("mids_stray").is_not_null())
    stray = checked.filter(pl.col("mids_stray")).sort(pl.col("mid_deviation").abs(), descending=True)
    return dg.AssetCheckResult(
        passed=stray.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "sets_checked": dg.MetadataValue.int(checked.height),
            "sets_stray": dg.MetadataValue.int(stray.height),
            "worst": markdown_preview(
                stray.select("set_key", "set_kind", "n_markets", "sum_yes_bid", "sum_mid", "sum_yes_ask"), rows=15
            ),
        },
    )


@dg.asset(
    key=["core", "parlay_legs"],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    deps=[["core", "instruments"]],
    description=(
        "Multivariate (KXMVE...) parlays broken into legs: event, market, side and the leg in words. "
        "A parlay whose legs cannot be read keeps a row with the reason."
    ),
)
def parlay_legs_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One row per parlay leg."""
    table = "core.parlay_legs"
    with open_batch(warehouse, table) as batch:
        con = batch.con
        markets = queries.read_table(
            con, "raw.kalshi_markets", columns=["ticker", "event_ticker", "mve_collection_ticker",
                                                "mve_selected_legs", "custom_strike"]
        ).filter(pl.col("mve_collection_ticker").is_not_null())
        legs = parlay_legs(markets, queries.read_table(con, "core.instruments"))
        writes.replace_all(con, table, legs)
        batch.rows_written = legs.height
        described = parlay_descriptions(legs)
        return table_result(
            batch,
            table,
            legs,
            extra={
                "parlays": dg.MetadataValue.int(described.height),
                "legs_unreadable": dg.MetadataValue.int(described.filter(pl.col("legs_error").is_not_null()).height),
                "legs_unknown_market": dg.MetadataValue.int(legs.filter(~pl.col("leg_known").fill_null(False)).height),
                "examples": markdown_preview(described.select("parlay_ticker", "n_legs", "description"), rows=5),
            },
        )


ASSETS = [instruments, market_relationships, parlay_legs_asset]
CHECKS = [exclusive_set_mids_within_spread]
