"""The cadence jobs. Each selects assets by key or group in Dagster's selection syntax, which simply
matches nothing for a domain that is not there yet: a domain joins its job by shipping its assets."""

import dagster as dg

QUOTES_POLL_JOB = "quotes_poll_job"
INSTRUMENTS_DAILY_JOB = "instruments_daily_job"
NEW_INSTRUMENTS_JOB = "new_instruments_job"
WEATHER_HOURLY_JOB = "weather_hourly_job"
CALIBRATION_JOB = "calibration_job"
CANDLESTICKS_DAILY_JOB = "candlesticks_daily_job"


def _keys(*keys: str) -> str:
    return " or ".join(f'key:"{k}"' for k in keys)


# Quote poll cycle: the market universe (incremental, so new and settled markets show up within a
# cycle), quotes, order books and trades (incremental), then BTC spot and volatility, edges, the
# signal union, paper orders and alerts.
QUOTES_POLL_SELECTION = _keys(
    "raw/kalshi_markets",
    "raw/kalshi_market_snapshots",
    "raw/kalshi_orderbooks",
    "raw/kalshi_trades",
    "core/quotes_latest",
    "raw/spot_ticks",
    "core/spot_prices",
    "core/sigma_history",
    "signals/btc_edges",
    "signals/btc15m_signals",
    "signals/signals",
    "trading/paper_orders",
    "trading/alert_events",
)

# What turns markets into instruments (and BTC contracts), without fetching anything.
NEW_INSTRUMENTS_SELECTION = 'group:"instruments" or ' + _keys("core/contracts")

# The full universe refresh, daily: series, events, markets and everything built from them.
INSTRUMENTS_DAILY_SELECTION = (
    _keys("raw/kalshi_series", "raw/kalshi_events", "raw/kalshi_markets")
    + " or "
    + NEW_INSTRUMENTS_SELECTION
)

WEATHER_SELECTION = 'group:"weather"'

# Calibration of the models and the paper P&L: both change when markets settle.
CALIBRATION_SELECTION = _keys("signals/calibration", "marts/calibration_report", "marts/paper_pnl")

CANDLESTICKS_SELECTION = _keys("raw/kalshi_candlesticks")


def build_jobs() -> list[dg.JobDefinition]:
    def job(name: str, selection: str, description: str) -> dg.JobDefinition:
        return dg.define_asset_job(
            name, selection=dg.AssetSelection.from_string(selection).materializable(), description=description,
            tags={"kalshi/cadence": name.removesuffix("_job")},
        )

    return [
        job(QUOTES_POLL_JOB, QUOTES_POLL_SELECTION,
            "Quote poll cycle: markets (incremental), quotes, order books, trades, spot, sigma, edges, signals, paper orders, alerts."),
        job(INSTRUMENTS_DAILY_JOB, INSTRUMENTS_DAILY_SELECTION,
            "Daily universe refresh: series, events, markets, instruments, relationships, parlays, contracts."),
        job(NEW_INSTRUMENTS_JOB, NEW_INSTRUMENTS_SELECTION,
            "Instruments (and BTC contracts) for markets the warehouse holds but the instrument master lacks."),
        job(WEATHER_HOURLY_JOB, WEATHER_SELECTION, "Weather ensembles and temperature signals, hourly."),
        job(CALIBRATION_JOB, CALIBRATION_SELECTION, "Model calibration and paper P&L, after settlements and daily."),
        job(CANDLESTICKS_DAILY_JOB, CANDLESTICKS_SELECTION, "Candlesticks of the previous UTC day."),
    ]
