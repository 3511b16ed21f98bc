"""signals.calibration: every model against settled markets, next to the market-implied baseline.

For each model the forecasts it recorded (its signal table's history by as_of) are joined with the
settled results of raw.kalshi_markets. A model with no settled forecast yet (a fresh warehouse: its
signals so far are all about open markets) is backtested instead: its pure core function is re-run on
the stored inputs for markets that have settled, as of points before their close (NBA props: The Odds
API's historical snapshot a fixed lead before tip-off, see ``CalibrationConfig``). Which of the two
each row is says ``method`` (and the asset's metadata).
"""

import base64
import contextlib
import functools
import io
import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.core.calibration import calibration_summary, forecasts, reliability_bins
from kalshi_platform.core.trading.signals import SOURCES
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, open_batch, table_result
from kalshi_platform.defs.nba_props.resources import OddsApiResource
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.defs.trading import backtests as bt
from kalshi_platform.defs.trading.backtests import BACKTESTS, BacktestUnavailable
from kalshi_platform.warehouse import trading_queries as tq
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "trading"
TABLE = "signals.calibration"
CALIBRATION_KEY = dg.AssetKey(["signals", "calibration"])
TS = pl.Datetime("us", "UTC")


class CalibrationConfig(dg.Config):
    """How the NBA props backtest replays the sportsbooks (one historical odds request per game)."""

    nba_lead_hours: float = bt.NBA_LEAD_HOURS  # the lines as the books showed them this long before tip-off
    nba_nights: int = bt.NBA_NIGHTS  # the last N game nights with settled ladders
    nba_max_games: int = bt.NBA_MAX_GAMES  # at most this many games (bounds the quota and the run time)


def reliability_png(bins: pl.DataFrame, summary: pl.DataFrame) -> bytes:
    """Reliability diagram: observed YES rate against mean forecast per bin, one line per model."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 6.0), dpi=100)
    try:
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfectly calibrated")
        overall = {
            (r["model"], r["method"]): r for r in summary.filter(pl.col("horizon") == "all").iter_rows(named=True)
        }
        for (model, method), group in bins.group_by(["model", "method"], maintain_order=True):
            stats = overall.get((model, method), {})
            brier = stats.get("brier_model")
            label = f"{model} ({method}, n={stats.get('n', group['n'].sum())}" + (
                f", Brier {brier:.3f})" if brier is not None else ")")
            sizes = [20 + 4 * min(int(n), 100) for n in group["n"].to_list()]
            ax.plot(group["mean_prob"].to_list(), group["observed_rate"].to_list(), marker="o", linewidth=1.5,
                    label=label)
            ax.scatter(group["mean_prob"].to_list(), group["observed_rate"].to_list(), s=sizes, alpha=0.25)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("forecast probability of YES (bin mean)")
        ax.set_ylabel("observed YES rate")
        ax.set_title("Reliability on settled markets")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _summary_markdown(summary: pl.DataFrame) -> str:
    if summary.is_empty():
        return "_no settled forecasts for any model_"
    lines = ["| model | method | horizon | n | Brier | Brier market | log loss | log loss market | skill |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def f(v):
        return "–" if v is None else f"{v:.4f}"

    for r in summary.iter_rows(named=True):
        lines.append(f"| {r['model']} | {r['method']} | {r['horizon']} | {r['n']} | {f(r['brier_model'])} | "
                     f"{f(r['brier_market'])} | {f(r['log_loss_model'])} | {f(r['log_loss_market'])} | "
                     f"{f(r['brier_skill'])} |")
    return "\n".join(lines)


@dg.asset(
    key=CALIBRATION_KEY,
    group_name=GROUP,
    kinds={"duckdb", "polars", "matplotlib"},
    pool=DUCKDB_WRITE_POOL,
    deps=[dg.AssetKey(s.asset_key) for s in SOURCES] + [dg.AssetKey(["raw", "kalshi_markets"])],
    description=(
        "Calibration of every model (BTC GBM, BTC 15-minute, weather ensemble, NBA props) on settled markets: "
        "Brier score and log loss next to the market-implied baseline (the quotes' mid), by model and horizon, "
        "with reliability bins and a reliability diagram in the metadata. Uses each model's recorded forecasts; "
        "a model without settled forecasts yet is backtested on the stored inputs (NBA props: The Odds API's "
        "historical lines a fixed lead before tip-off; column method). On the "
        "embedded exchange, whose truth is known, this is also the check that each model is right."
    ),
)
def calibration(
    context: dg.AssetExecutionContext, config: CalibrationConfig, warehouse: WarehouseResource,
    kalshi: KalshiApiResource, odds_api: OddsApiResource,
) -> dg.MaterializeResult:
    """Rebuilt whole each run from the forecasts and results stored so far."""
    now = kalshi.now()
    with open_batch(warehouse, TABLE) as batch, contextlib.ExitStack() as stack:
        con = batch.con
        # The Odds API replays the sportsbooks for the NBA backtest (none without a key: stored lines then).
        odds = stack.enter_context(odds_api.client(batch.reject_log)) if odds_api.key() else None
        nba_log = bt.NbaBacktestLog(batch_id=batch.batch_id)
        nba = functools.partial(bt.nba_props, odds=odds, lead=timedelta(hours=config.nba_lead_hours),
                                nights=config.nba_nights, max_games=config.nba_max_games, log=nba_log)
        used: dict[str, str] = {}
        frames: list[pl.DataFrame] = []
        for source in SOURCES:
            recorded = forecasts(tq.settled_forecasts(con, source.table, source.model))
            if recorded.height:
                frames.append(recorded.with_columns(pl.lit("recorded").alias("method")))
                used[source.model] = f"recorded: {recorded.height} forecasts of {recorded['ticker'].n_unique()} markets"
                continue
            backtest = nba if source.model == "nba_props" else BACKTESTS.get(source.model)
            try:
                if backtest is None:
                    raise BacktestUnavailable("no backtest for this model")
                rows = forecasts(backtest(con, now))
            except BacktestUnavailable as exc:
                used[source.model] = f"none: no settled forecasts recorded, and no backtest ({exc})"
                continue
            if rows.is_empty():
                used[source.model] = "none: no settled forecasts recorded, and the backtest found no settled markets"
                continue
            if "method" not in rows.columns:
                rows = rows.with_columns(pl.lit("backtest").alias("method"))
            frames.append(rows)
            methods = "/".join(sorted(set(rows.get_column("method").to_list())))
            used[source.model] = f"{methods}: {rows.height} forecasts of {rows['ticker'].n_unique()} settled markets"
        batch.write_rejects([r for r in nba_log.rejects if r.height])
        rows = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        summaries, all_bins = [], []
        for (model, method), group in (rows.group_by(["model", "method"], maintain_order=True) if rows.height else []):
            summary = calibration_summary(group).with_columns(pl.lit(method).alias("method"))
            bins = reliability_bins(group).with_columns(pl.lit(method).alias("method"))
            reliability = json.dumps(
                [{k: r[k] for k in ("bin_low", "bin_high", "n", "mean_prob", "observed_rate")}
                 for r in bins.iter_rows(named=True)]
            )
            summary = summary.with_columns(
                pl.when(pl.col("horizon") == "all").then(pl.lit(reliability)).otherwise(None).alias("reliability")
            )
            summaries.append(summary)
            all_bins.append(bins)
        summary = pl.concat(summaries) if summaries else pl.DataFrame()
        computed_at = datetime.now(UTC)
        if summary.height:
            table = summary.with_columns(
                pl.col("horizon_order").cast(pl.Int32),
                pl.lit(computed_at).cast(TS).alias("computed_at"),
                pl.lit(batch.batch_id).alias("batch_id"),
            )
        else:
            table = pl.DataFrame(schema={"model": pl.String, "method": pl.String, "horizon": pl.String})
        writes.replace_all(con, TABLE, table)
        batch.rows_written = table.height
        extra: dict[str, object] = {
            "method_by_model": dg.MetadataValue.json(used),
            "as_of": dg.MetadataValue.text(now.isoformat()),
            "summary": dg.MetadataValue.md(_summary_markdown(summary.drop("reliability") if summary.height else summary)),
        }
        if nba_log.games:
            cost = sum(r.requests_last or 0 for r in odds.requests) if odds is not None else 0
            extra["nba_backtest"] = dg.MetadataValue.json({
                "lead_hours": config.nba_lead_hours, "games": nba_log.games, "snapshots": nba_log.snapshots,
                "skipped": nba_log.skipped, "odds_api_quota_cost": cost,
            })
        if all_bins:
            png = reliability_png(pl.concat(all_bins), summary)
            extra["reliability_diagram"] = dg.MetadataValue.md(
                f"![reliability diagram](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
            )
            extra["reliability_png_bytes"] = dg.MetadataValue.int(len(png))
        context.log.info(f"calibration: {used}")
        return table_result(batch, TABLE, table.drop("reliability") if "reliability" in table.columns else table,
                            extra=extra)
