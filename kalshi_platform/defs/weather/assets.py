"""Weather assets: the station table, Open-Meteo ensembles per target date, and bracket signals."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.clients.openmeteo import ROW_SCHEMA, SOURCE_ENSEMBLE, OpenMeteoUnavailable, partition_key
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.weather import model as wx
from kalshi_platform.core.weather.brackets import market_brackets
from kalshi_platform.core.weather.climate_day import climate_day_window
from kalshi_platform.core.weather.rules import RulesError, parse_rules, ticker_date
from kalshi_platform.core.weather.stations import BY_CITY, Station, stations_frame
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, markdown_preview, open_batch, table_result
from kalshi_platform.defs.markets.assets import CANDLE_PARTITIONS
from kalshi_platform.defs.weather.resources import OpenMeteoResource, WeatherConfig
from kalshi_platform.warehouse import weather_queries as wq
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "weather"
KINDS = {"duckdb", "polars"}
STATIONS_TABLE = "core.weather_stations"
ENSEMBLES_TABLE = "raw.weather_ensembles"
SIGNALS_TABLE = "signals.weather_signals"
SIGNALS_KEY = ["as_of", "ticker"]
QUOTES = dg.AssetKey(["core", "quotes_latest"])
MARKET_TABLES = [dg.AssetKey(["raw", t]) for t in ("kalshi_markets", "kalshi_events", "kalshi_series")]

# The whole-graph job gives every partitioned asset the same key, so weather partitions are the
# platform's daily partitions (the candlesticks'): key D fetches target dates D .. D + forecast_days.
# `make run` materializes yesterday's key: yesterday (whose event may still be open in US evenings)
# through the days whose events are already listed.
WEATHER_PARTITIONS = CANDLE_PARTITIONS


def target_dates(partition_keys, forecast_days: int) -> list[date]:
    starts = [date.fromisoformat(k) for k in partition_keys]
    return sorted({s + timedelta(days=i) for s in starts for i in range(forecast_days + 1)})


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    """Contiguous runs of dates: one request each."""
    out: list[tuple[date, date]] = []
    for d in days:
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


@dg.asset(
    key=["core", "weather_stations"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    description=(
        "The settlement station of every daily high-temperature series (KXHIGHNY: Central Park; KXHIGHCHI: "
        "Chicago Midway; KXHIGHLAX: Los Angeles Airport; ...): the name its rules print, ICAO code, "
        "coordinates, IANA time zone (the climate day is its standard time) and climate report. One line "
        "per city in kalshi_platform/core/weather/stations.py; rebuilt whole each run."
    ),
)
def weather_stations(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The station table, from code, queryable."""
    with open_batch(warehouse, STATIONS_TABLE) as batch:
        rows = stations_frame()
        writes.replace_all(batch.con, STATIONS_TABLE, rows)
        batch.rows_written = rows.height
        return table_result(batch, STATIONS_TABLE, rows)


@dg.asset(
    key=["raw", "weather_ensembles"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[weather_stations],
    partitions_def=WEATHER_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Open-Meteo ensemble forecasts of the daily high (temperature_2m_max, °F) at each settlement station, "
        "one row per member per model per city per target date (the climate day, local standard time), with "
        "the request's model, unit, coordinates and time zone and the response's slice as raw_json. When the "
        "ensemble endpoint fails, the model's deterministic run from /v1/forecast, labelled "
        "source='deterministic_fallback' with the reason. Partition D fetches target dates D .. D+forecast_days; "
        "each run's forecast is kept (as_of), so every signal can be traced to its members."
    ),
)
def weather_ensembles(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    open_meteo: OpenMeteoResource,
    weather_config: WeatherConfig,
) -> dg.MaterializeResult:
    """Ensemble members per target date, with the labelled deterministic fallback."""
    days = target_dates(context.partition_keys, weather_config.forecast_days)
    as_of = open_meteo.now()
    stations = weather_config.stations()
    models = list(weather_config.models)
    with open_batch(warehouse, ENSEMBLES_TABLE) as batch, open_meteo.client(batch.reject_log) as client:
        frames: list[pl.DataFrame] = []
        fallbacks: list[str] = []
        failed: list[str] = []
        nulls = 0
        for st in stations:
            for model in models:
                for start, end in _ranges(days):
                    try:
                        forecast = client.daily_highs(st, model, start, end)
                    except OpenMeteoUnavailable as exc:
                        failed.append(f"{st.city} {model}")
                        batch.reject_log.add(source=f"open-meteo {st.city} {model}", kind="forecast", reason=str(exc),
                                             body="", natural_key=f"{st.city}|{model}|{start}..{end}")
                        continue
                    if forecast.source != SOURCE_ENSEMBLE:
                        fallbacks.append(f"{st.city} {model} -> {forecast.model}")
                        context.log.warning(f"{st.city} {model}: {forecast.fallback_reason}; used {forecast.model}")
                    frames.append(forecast.rows(as_of=as_of, batch_id=batch.batch_id))
                    nulls += forecast.null_values
        rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=ROW_SCHEMA)
        # Everything this run asked for is replaced, answered or not, so a re-run leaves no stale members.
        keys = [partition_key(as_of, st.city, m, d) for st in stations for m in models for d in days]
        writes.replace_partition(batch.con, ENSEMBLES_TABLE, rows, "partition_key", keys)
        batch.rows_written = rows.height
        if failed:
            batch.incomplete(f"no forecast for {', '.join(failed)}")
        if fallbacks:
            batch.notes.append(f"deterministic fallback for {', '.join(fallbacks)}")
        summary = (
            rows.group_by("city", "requested_model", "source").agg(pl.col("member").n_unique().alias("members"))
            .sort("city", "requested_model") if rows.height else rows
        )
        return table_result(batch, ENSEMBLES_TABLE, rows, extra={
            "as_of": as_of.isoformat(),
            "target_dates": ", ".join(d.isoformat() for d in days),
            "cities": dg.MetadataValue.int(len(stations)),
            "models": ", ".join(models),
            "fallbacks": dg.MetadataValue.int(len(fallbacks)),
            "failed": dg.MetadataValue.int(len(failed)),
            "null_values": dg.MetadataValue.int(nulls),
            "members_per_city_model": markdown_preview(summary, rows=40) if summary.height else "_none_",
        })


# -- signals ---------------------------------------------------------------------------------------
def settled_highs(con, stations: tuple[Station, ...]) -> pl.DataFrame:
    """city, target_date, settled_high_f of every settled event (the reported whole-degree high)."""
    by_series = {s.series_ticker: s for s in stations}
    rows = []
    for m in wq.settled_high_markets(con, list(by_series)).iter_rows(named=True):
        try:
            day = parse_rules(m["rules_primary"]).day
        except RulesError:
            day = ticker_date(m["event_ticker"])
        try:
            value = float(m["expiration_value"])
        except (TypeError, ValueError):
            continue  # not a temperature: nothing to learn a bias from
        if day is not None and m["series_ticker"] in by_series:
            rows.append({"city": by_series[m["series_ticker"]].city, "target_date": day, "settled_high_f": value})
    return pl.DataFrame(rows, schema={"city": pl.String, "target_date": pl.Date, "settled_high_f": pl.Float64})


def forecast_biases(con, stations: tuple[Station, ...], as_of: datetime, config: WeatherConfig) -> pl.DataFrame:
    """Per (city, model) mean error of the last forecast issued before each settled climate day began."""
    settled = settled_highs(con, stations)
    since = as_of.date() - timedelta(days=config.bias_lookback_days + 1)
    means = wq.ensemble_means(con, [s.city for s in stations], since)
    if settled.is_empty() or means.is_empty():
        return wx.forecast_bias(means, settled, before=as_of.date())
    starts = {
        (c, d): climate_day_window(BY_CITY[c].timezone, d)[0]
        for c, d in means.select("city", "target_date").unique().iter_rows()
    }
    day_start = pl.Series("day_start", [starts[(c, d)] for c, d in means.select("city", "target_date").iter_rows()],
                          dtype=pl.Datetime("us", "UTC"))
    issued_before = (
        means.with_columns(day_start)
        .filter(pl.col("as_of") < pl.col("day_start"))
        .sort("as_of")
        .group_by("city", "model", "target_date")
        .last()
    )
    return wx.forecast_bias(issued_before, settled, before=as_of.date(), lookback_days=config.bias_lookback_days,
                            min_days=config.bias_min_days)


SIGNAL_COLUMNS = {
    "as_of": pl.Datetime("us", "UTC"), "ticker": pl.String, "event_ticker": pl.String, "series_ticker": pl.String,
    "city": pl.String, "station": pl.String, "target_date": pl.Date, "bracket": pl.String, "strike_type": pl.String,
    "floor_strike": DECIMAL_DTYPE, "cap_strike": DECIMAL_DTYPE, "lower_degree": pl.Int32, "upper_degree": pl.Int32,
    "lower_inclusive": pl.Boolean, "upper_inclusive": pl.Boolean, "rules_check": pl.String, "event_brackets": pl.Int32,
    "ladder_problem": pl.String,
    "n_members": pl.Int32, "n_ensemble_members": pl.Int32, "n_fallback_members": pl.Int32, "n_in_bracket": pl.Int32,
    "models": pl.String, "forecast_source": pl.String, "mean_high_f": pl.Float64, "spread_f": pl.Float64,
    "bias_corrected": pl.Boolean, "max_abs_bias_f": pl.Float64, "model_prob": pl.Float64,
    "yes_bid": DECIMAL_DTYPE, "yes_ask": DECIMAL_DTYPE, "no_ask": DECIMAL_DTYPE, "market_prob": pl.Float64,
    "fair_mid": pl.Float64, "yes_fee": DECIMAL_DTYPE, "no_fee": DECIMAL_DTYPE, "yes_edge_bps": pl.Float64,
    "no_edge_bps": pl.Float64, "direction": pl.String, "edge_bps": pl.Float64, "confidence": pl.Float64,
    "expiry": pl.Datetime("us", "UTC"), "skip_reason": pl.String, "note": pl.String,
    "quoted_at": pl.Datetime("us", "UTC"), "forecast_as_of": pl.Datetime("us", "UTC"), "forecast_batch_id": pl.String,
    "batch_id": pl.String,
}


def build_signals(con, stations: tuple[Station, ...], as_of: datetime, config: WeatherConfig,
                  batch_id: str) -> pl.DataFrame:
    """signals.weather_signals rows for every open market of the stations' series at ``as_of``."""
    by_series = {s.series_ticker: s for s in stations}
    markets = wq.high_temperature_event_markets(con, list(by_series))
    brackets = market_brackets(markets, {s: st.rules_name for s, st in by_series.items()}).with_columns(
        pl.col("series_ticker").replace_strict({s: st.city for s, st in by_series.items()}, default=None).alias("city"),
        pl.col("series_ticker").replace_strict({s: st.icao for s, st in by_series.items()}, default=None)
        .alias("station"),
    )
    days = brackets.get_column("target_date").drop_nulls().unique().to_list()
    cities = brackets.get_column("city").drop_nulls().unique().to_list()
    members = wq.latest_members(con, cities, days, as_of)
    provenance = members.group_by("city", "target_date").agg(
        pl.col("forecast_as_of").first(), pl.col("forecast_batch_id").first()
    )
    biases = forecast_biases(con, stations, as_of, config) if config.bias_correction else None
    priced = wx.weather_signals(
        members.select("city", "target_date", pl.col("requested_model").alias("model"), "source", "member", "value_f"),
        brackets,
        biases=biases,
        min_edge_bps=config.min_edge_bps,
        min_confidence=config.min_confidence,
        contracts=config.order_contracts,
    ).join(provenance, on=["city", "target_date"], how="left")
    out = priced.with_columns(
        pl.lit(as_of.astimezone(UTC)).alias("as_of"),
        pl.col("bracket_label").alias("bracket"),
        pl.col("lo").alias("lower_degree"),
        pl.col("hi").alias("upper_degree"),
        pl.when(pl.col("n_members").is_null()).then(None)
        .when(pl.col("n_fallback_members") == 0).then(pl.lit("ensemble"))
        .when(pl.col("n_ensemble_members") == 0).then(pl.lit("deterministic_fallback"))
        .otherwise(pl.lit("mixed")).alias("forecast_source"),
        (pl.col("max_abs_bias_f") > 0).alias("bias_corrected"),
        pl.len().over("event_ticker").alias("event_brackets"),
        pl.lit(batch_id).alias("batch_id"),
    )
    # Closed or paused markets of a listed day complete its ladder; rows are for the open ones.
    return out.filter(pl.col("is_open")).select([pl.col(c).cast(t) for c, t in SIGNAL_COLUMNS.items()])


@dg.asset(
    key=["signals", "weather_signals"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[weather_ensembles, weather_stations, QUOTES, *MARKET_TABLES],
    description=(
        "One row per open high-temperature market per run: the bracket (whole degrees, from strike_type, "
        "floor_strike, cap_strike and checked against the rules text), model_prob = share of ensemble members "
        "whose high rounded as the climate report rounds falls in it (optionally bias-corrected), the market's "
        "mid and fair mid, the edge of buying YES / NO after the exact taker fee, a direction when the edge and "
        "confidence are high enough, or why the market was skipped. forecast_as_of joins back to the members "
        "in raw.weather_ensembles."
    ),
)
def weather_signals(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    open_meteo: OpenMeteoResource,
    weather_config: WeatherConfig,
) -> dg.MaterializeResult:
    """Bracket probabilities and edges; history kept per run clock (as_of)."""
    as_of = open_meteo.now()
    with open_batch(warehouse, SIGNALS_TABLE) as batch:
        rows = build_signals(batch.con, weather_config.stations(), as_of, weather_config, batch.batch_id)
        writes.upsert(batch.con, SIGNALS_TABLE, rows, SIGNALS_KEY)
        batch.rows_written = rows.height
        skipped = rows.filter(pl.col("skip_reason").is_not_null())
        reasons = (skipped.group_by("skip_reason").len().sort("len", descending=True)
                   if skipped.height else skipped.select("skip_reason"))
        trades = rows.filter(pl.col("direction").is_not_null()).sort("edge_bps", descending=True)
        return table_result(batch, SIGNALS_TABLE, rows, extra={
            "as_of": as_of.isoformat(),
            "events": dg.MetadataValue.int(rows.get_column("event_ticker").n_unique() if rows.height else 0),
            "with_direction": dg.MetadataValue.int(trades.height),
            "skipped": dg.MetadataValue.int(skipped.height),
            "skip_reasons": markdown_preview(reasons, rows=20) if reasons.height else "_none_",
            "top_edges": markdown_preview(
                trades.select("ticker", "bracket", "model_prob", "market_prob", "direction", "edge_bps", "confidence"),
                rows=10) if trades.height else "_none_",
        })


# -- checks ----------------------------------------------------------------------------------------
@dg.asset_check(
    asset=weather_signals,
    blocking=True,
    pool=DUCKDB_WRITE_POOL,
    description="The model probabilities of each priced day (event) of the newest run sum to 1.",
)
def weather_brackets_sum_to_one(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        bad = con.sql(
            """
            WITH latest AS (SELECT max(as_of) AS as_of FROM signals.weather_signals)
            SELECT event_ticker, sum(model_prob) AS total, count(*) AS brackets
            FROM signals.weather_signals
            WHERE as_of = (SELECT as_of FROM latest)
            GROUP BY event_ticker
            HAVING count(model_prob) = count(*) AND count(*) = max(event_brackets) AND count(ladder_problem) = 0
                   AND abs(sum(model_prob) - 1) > 1e-9
            """
        ).pl()
        priced = con.execute(
            """
            SELECT count(DISTINCT event_ticker) FROM signals.weather_signals
            WHERE as_of = (SELECT max(as_of) FROM signals.weather_signals) AND model_prob IS NOT NULL
            """
        ).fetchone()[0]
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={"priced_events": dg.MetadataValue.int(int(priced)),
                  "events_not_summing_to_1": dg.MetadataValue.int(bad.height),
                  "sample": markdown_preview(bad) if bad.height else "_none_"},
    )


@dg.asset_check(
    asset=weather_ensembles,
    pool=DUCKDB_WRITE_POOL,
    description="Every fallback row says why, and no member of a run appears twice.",
)
def weather_ensembles_labelled(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        unlabelled = con.execute(
            "SELECT count(*) FROM raw.weather_ensembles WHERE source NOT IN ('ensemble', 'deterministic_fallback') "
            "OR (source = 'deterministic_fallback' AND fallback_reason IS NULL)"
        ).fetchone()[0]
        duplicates = con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM raw.weather_ensembles "
            "GROUP BY as_of, city, requested_model, target_date, member HAVING count(*) > 1)"
        ).fetchone()[0]
    return dg.AssetCheckResult(
        passed=unlabelled == 0 and duplicates == 0,
        metadata={"unlabelled_rows": dg.MetadataValue.int(int(unlabelled)),
                  "duplicate_members": dg.MetadataValue.int(int(duplicates))},
    )


ASSETS = [weather_stations, weather_ensembles, weather_signals]
CHECKS = [weather_brackets_sum_to_one, weather_ensembles_labelled]
