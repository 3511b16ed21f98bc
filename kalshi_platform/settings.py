"""Environment -> typed settings, validated once at load.

Every variable is listed in ``.env.example``. A bad value fails here, with a message naming the
variable and what it accepts, instead of deep inside a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from kalshi_platform.core.credentials import Secret
from kalshi_platform.core.token_bucket import TIERS
from kalshi_platform.core.weather.stations import STATIONS

ENVIRONMENTS = ("sandbox", "demo", "prod")
MARKET_STATUS_FILTERS = ("unopened", "open", "closed", "settled")
CANDLE_PERIODS = (1, 60, 1440)


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: str = "sandbox"
    duckdb_path: str = "data/warehouse.duckdb"
    snapshot_path: str = "data/warehouse_snapshot.duckdb"
    base_url: str | None = None  # overrides the host chosen by env (e.g. a loopback sandbox)
    api_key_id: str | None = None
    private_key_path: str | None = None
    series: tuple[str, ...] = ()  # empty: every series
    # Empty means the environment's default: every status on the sandbox (its whole world), open
    # markets on demo/prod (settled markets there number in the millions).
    market_statuses: tuple[str, ...] = ()
    rate_tier: str = "basic"
    orderbook_markets: int = 50
    candle_markets: int = 25
    candle_period: int = 60
    trades_lookback_hours: int = 24
    http_timeout_s: float = 15.0
    retry_max_attempts: int = 8
    retry_max_total_s: float = 60.0
    sandbox_seed: int = 7
    sandbox_faults: str = "light"
    sandbox_scale: int = 1
    sandbox_now: str | None = None  # freeze the embedded exchange's clock (ISO 8601), for reproducible runs
    # --- btc (issue 4) ---
    btc_series: tuple[str, ...] = ("KXBTC", "KXBTCD", "KXBTC15M")  # series the edge engine prices
    btc_15m_series: str = "KXBTC15M"  # the up/down series of the 15-minute signals
    btc_core_sources: tuple[str, ...] = ("coinbase", "kraken", "bitstamp")  # exchanges in the composite
    btc_min_core_sources: int = 2  # quorum: fewer fresh core sources -> no composite price that second
    btc_source_stale_s: float = 30.0  # a source's tick counts toward a second only if this fresh
    btc_spot_max_age_s: float = 120.0  # composite older than this at the run's clock -> stale_spot
    btc_tick_polls: int = 3  # ticker polls per exchange per run (1 when the sandbox clock is frozen)
    btc_tick_interval_s: float = 1.0
    btc_history_minutes: int = 120  # 1-minute candles fetched per run, for sigma
    btc_ewma_decay: float = 0.97  # per 1-minute return
    btc_sigma_interval_s: int = 60
    btc_sigma_min_returns: int = 20
    btc_sigma_max: float = 3.0  # annualized; above -> rejected
    btc_sigma_default: float | None = 0.5  # annualized fallback; None: no default (sigma_unavailable)
    btc_sigma_last_good_max_age_s: float = 86_400.0
    btc_edge_threshold_bps: float = 200.0  # EV after fees (bps of $1) a side needs for a direction
    btc_order_contracts: int = 1  # order size the fee (rounded up per fill) is computed for
    btc_sigma_rel_error: float = 0.25  # sigma error the confidence must survive
    btc_15m_momentum_s: int = 300
    btc_15m_momentum_weight: float = 0.25
    btc_15m_threshold_bps: float = 300.0
    btc_coinbase_ws_url: str | None = None  # Coinbase Advanced Trade WS; None: REST only
    btc_coinbase_ws_seconds: float = 0.0  # seconds of WS ticker per run (0: off)
    btc_spot_timeout_s: float = 10.0
    btc_spot_retry_attempts: int = 3
    # --- weather (issue 5) ---
    weather_cities: tuple[str, ...] = ()  # city codes of core.weather.stations; empty: every station
    weather_models: tuple[str, ...] = ("ncep_gefs025", "ecmwf_ifs025_ensemble")  # Open-Meteo ensemble models
    weather_forecast_days: int = 4  # a run fetches its partition's day and this many days after it
    weather_min_edge_bps: float = 100.0  # smallest edge after fees that gets a direction
    weather_min_confidence: float = 0.5
    weather_order_contracts: int = 1  # fill size the fee (rounded up per fill) is computed for
    weather_bias_correction: bool = True
    weather_bias_min_days: int = 5  # settled days a (city, model) needs before its bias is removed
    weather_bias_lookback_days: int = 30
    open_meteo_ensemble_url: str | None = None  # overrides https://ensemble-api.open-meteo.com/v1
    open_meteo_forecast_url: str | None = None  # overrides https://api.open-meteo.com/v1
    # --- nba props (issue 6) ---
    odds_api_key: Secret | None = None  # The Odds API (core.credentials.Secret: prints as ***); sandbox: any key
    odds_api_base_url: str | None = None  # overrides https://api.the-odds-api.com (or the sandbox)
    odds_api_regions: tuple[str, ...] = ("us",)
    odds_api_bookmakers: tuple[str, ...] = ()  # empty: every book of the regions
    nba_props_lookahead_hours: int = 24  # odds are fetched for games tipping off within this many hours
    nba_props_arb_line_points: float = 2.0  # |Kalshi implied line - consensus line| that flags arbitrage
    nba_props_arb_min_gap: float = 0.05  # after-fee probability gap that flags arbitrage
    nba_props_fee_lot: int = 100  # fill size the per-contract fee is computed for
    # --- streaming (issue 9) ---
    ws_url: str | None = None  # overrides the WebSocket host chosen by env
    ws_capture_seconds: float = 5.0
    ws_markets: int = 20
    ws_connections: int = 2
    ws_channels: str = "orderbook_delta,ticker,trade,fill,market_lifecycle_v2"
    ws_api_keys: str | None = None  # extra "key_id=pem_path" pairs, one more connection each
    sandbox_ws_speed: float = 60.0
    sandbox_ws_faults: str = "gap=0.01"
    # --- trading, alerts, accounts (issue 7) ---
    # Unset (None / empty) trading settings take the value of the BOT_MODE preset.
    bot_mode: str = "demo_safe"
    trading_profile: str | None = None
    trading_modes: tuple[str, ...] = ()
    kalshi_key_profile: str | None = None
    kalshi_paper_api_key_id: str | None = None
    kalshi_paper_private_key_path: str | None = None
    kalshi_real_api_key_id: str | None = None
    kalshi_real_private_key_path: str | None = None
    trading_account: str = "demo"
    trading_demo_base_url: str | None = None
    trading_signal_types: tuple[str, ...] = ()
    trading_min_edge_bps: float | None = None
    trading_min_confidence: float | None = None
    trading_cooldown_minutes: int | None = None
    trading_max_orders_per_cycle: int | None = None
    trading_min_price_cents: int = 5
    trading_max_price_cents: int = 95
    trading_bankroll_dollars: float = 1000.0
    trading_max_signal_age_minutes: int = 30
    trading_real_money_enabled: bool = False
    trading_real_money_confirm: str | None = field(default=None, repr=False)
    telegram_bot_token: Secret | None = None  # core.credentials.Secret: prints as ***
    telegram_chat_id: str | None = None
    telegram_base_url: str | None = None
    alerts_actionable_only: bool = True
    alerts_cooldown_minutes: int = 60
    alerts_max_items: int = 10
    alerts_props_min_gap: float = 2.0
    credentials_encryption_key: Secret | None = None  # core.credentials.Secret: prints as ***
    # --- quality, dbt, automation (issue 8) ---
    quality_reject_rate_warn: float = 0.02  # reject rate of a batch above which the reject_rate check warns
    quality_reject_rate_error: float = 0.25  # ... and above which it fails
    automation_quotes_cron: str = "*/5 * * * *"  # quote poll cycle (snapshots, books, spot, edges, signals, orders)
    automation_instruments_cron: str = "0 6 * * *"  # series, events, markets and the instrument master
    automation_weather_cron: str = "0 * * * *"
    automation_calibration_cron: str = "30 6 * * *"
    automation_status: str = "stopped"  # whether schedules and sensors run as soon as the daemon starts
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.env == "sandbox"

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key_id and self.private_key_path)


# variable name -> (field, parser)
def _text(name: str, raw: str) -> str:
    return raw.strip()


def _optional_text(name: str, raw: str) -> str | None:
    return raw.strip() or None


def _choice(options: tuple[str, ...]):
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise SettingsError(f"{name}={raw!r} is not valid; accepted values: {', '.join(options)}")
        return value

    return parse


def _int_range(low: int, high: int):
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not an integer; accepted: {low}..{high}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}={value} is out of range; accepted: {low}..{high}")
        return value

    return parse


def _float_range(low: float, high: float):
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not a number; accepted: {low}..{high}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}={value} is out of range; accepted: {low}..{high}")
        return value

    return parse


def _series(name: str, raw: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(s.strip().upper() for s in raw.split(",") if s.strip()))
    for item in items:
        if not item.replace("-", "").replace("_", "").isalnum():
            raise SettingsError(f"{name}: {item!r} is not a series ticker; accepted: comma-separated tickers like KXHIGHNY,KXFED")
    return items


def _statuses(name: str, raw: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(s.strip().lower() for s in raw.split(",") if s.strip()))
    bad = [s for s in items if s not in MARKET_STATUS_FILTERS]
    if bad or not items:
        raise SettingsError(
            f"{name}={raw!r} is not valid; accepted: a comma-separated subset of {', '.join(MARKET_STATUS_FILTERS)}"
        )
    return items


def _candle_period(name: str, raw: str) -> int:
    value = _int_range(1, 1440)(name, raw)
    if value not in CANDLE_PERIODS:
        raise SettingsError(f"{name}={value} is not valid; accepted: {', '.join(map(str, CANDLE_PERIODS))} (minutes)")
    return value


def _instant(name: str, raw: str) -> str | None:
    from kalshi_platform.core.timeutil import TimeParseError, parse_ts

    if not raw.strip():
        return None
    try:
        return parse_ts(raw.strip(), field=name).isoformat()
    except TimeParseError:
        raise SettingsError(f"{name}={raw!r} is not a timestamp; accepted: ISO 8601 like 2026-11-21T12:00:00Z") from None


def _faults(name: str, raw: str) -> str:
    # The sandbox owns the grammar; parse here only to fail early with its message.
    from kalshi_platform.sandbox.faults import parse_fault_spec

    try:
        parse_fault_spec(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r}: {exc}") from None
    return raw.strip()


def _bool(name: str, raw: str) -> bool:
    return _choice(("true", "false"))(name, raw) == "true"


def _secret(name: str, raw: str) -> Secret | None:
    """A secret value: prints as *** in a repr, describe() or an f-string."""
    return Secret(raw.strip()) if raw.strip() else None


def _weather_cities(name: str, raw: str) -> tuple[str, ...]:
    known = tuple(s.city.lower() for s in STATIONS)
    return tuple(dict.fromkeys(_choice(known)(name, part).upper() for part in raw.split(",") if part.strip()))


VARIABLES: dict[str, tuple[str, object]] = {
    "KALSHI_ENV": ("env", _choice(ENVIRONMENTS)),
    "KALSHI_DUCKDB_PATH": ("duckdb_path", _text),
    "KALSHI_SNAPSHOT_PATH": ("snapshot_path", _text),
    "KALSHI_BASE_URL": ("base_url", _optional_text),
    "KALSHI_API_KEY_ID": ("api_key_id", _optional_text),
    "KALSHI_PRIVATE_KEY_PATH": ("private_key_path", _optional_text),
    "KALSHI_SERIES": ("series", _series),
    "KALSHI_MARKET_STATUSES": ("market_statuses", _statuses),
    "KALSHI_RATE_TIER": ("rate_tier", _choice(tuple(TIERS))),
    "KALSHI_ORDERBOOK_MARKETS": ("orderbook_markets", _int_range(0, 100_000)),
    "KALSHI_CANDLE_MARKETS": ("candle_markets", _int_range(0, 100_000)),
    "KALSHI_CANDLE_PERIOD": ("candle_period", _candle_period),
    "KALSHI_TRADES_LOOKBACK_HOURS": ("trades_lookback_hours", _int_range(1, 24 * 365)),
    "KALSHI_HTTP_TIMEOUT_S": ("http_timeout_s", _float_range(0.1, 600)),
    "KALSHI_RETRY_MAX_ATTEMPTS": ("retry_max_attempts", _int_range(1, 50)),
    "KALSHI_RETRY_MAX_TOTAL_S": ("retry_max_total_s", _float_range(0.1, 3600)),
    "SANDBOX_SEED": ("sandbox_seed", _int_range(0, 2**31 - 1)),
    "SANDBOX_FAULTS": ("sandbox_faults", _faults),
    "SANDBOX_SCALE": ("sandbox_scale", _int_range(1, 1000)),
    "SANDBOX_NOW": ("sandbox_now", _instant),
    # --- btc (issue 4) ---
    "BTC_SERIES": ("btc_series", _series),
    "BTC_15M_SERIES": ("btc_15m_series", lambda name, raw: _series(name, raw)[0]),
    "BTC_CORE_SOURCES": ("btc_core_sources", lambda name, raw: tuple(dict.fromkeys(
        _choice(("coinbase", "kraken", "bitstamp"))(name, part) for part in raw.split(",") if part.strip()))),
    "BTC_MIN_CORE_SOURCES": ("btc_min_core_sources", _int_range(1, 3)),
    "BTC_SOURCE_STALE_S": ("btc_source_stale_s", _float_range(0.5, 3600)),
    "BTC_SPOT_MAX_AGE_S": ("btc_spot_max_age_s", _float_range(1, 86_400)),
    "BTC_TICK_POLLS": ("btc_tick_polls", _int_range(1, 60)),
    "BTC_TICK_INTERVAL_S": ("btc_tick_interval_s", _float_range(0, 60)),
    "BTC_HISTORY_MINUTES": ("btc_history_minutes", _int_range(0, 1440)),
    "BTC_EWMA_DECAY": ("btc_ewma_decay", _float_range(0.5, 0.9999)),
    "BTC_SIGMA_INTERVAL_S": ("btc_sigma_interval_s", _int_range(1, 3600)),
    "BTC_SIGMA_MIN_RETURNS": ("btc_sigma_min_returns", _int_range(2, 100_000)),
    "BTC_SIGMA_MAX": ("btc_sigma_max", _float_range(0.01, 100)),
    "BTC_SIGMA_DEFAULT": ("btc_sigma_default", lambda name, raw: None if raw.strip().lower() in ("none", "off")
                          else _float_range(0.01, 100)(name, raw)),
    "BTC_SIGMA_LAST_GOOD_MAX_AGE_S": ("btc_sigma_last_good_max_age_s", _float_range(0, 365 * 86_400)),
    "BTC_EDGE_THRESHOLD_BPS": ("btc_edge_threshold_bps", _float_range(0, 10_000)),
    "BTC_ORDER_CONTRACTS": ("btc_order_contracts", _int_range(1, 1_000_000)),
    "BTC_SIGMA_REL_ERROR": ("btc_sigma_rel_error", _float_range(0, 0.99)),
    "BTC_15M_MOMENTUM_S": ("btc_15m_momentum_s", _int_range(0, 3600)),
    "BTC_15M_MOMENTUM_WEIGHT": ("btc_15m_momentum_weight", _float_range(-10, 10)),
    "BTC_15M_THRESHOLD_BPS": ("btc_15m_threshold_bps", _float_range(0, 10_000)),
    "BTC_COINBASE_WS_URL": ("btc_coinbase_ws_url", _optional_text),
    "BTC_COINBASE_WS_SECONDS": ("btc_coinbase_ws_seconds", _float_range(0, 600)),
    "BTC_SPOT_TIMEOUT_S": ("btc_spot_timeout_s", _float_range(0.1, 120)),
    "BTC_SPOT_RETRY_ATTEMPTS": ("btc_spot_retry_attempts", _int_range(1, 20)),
    # --- weather (issue 5) ---
    # Model names are checked by defs.weather.build_defs at start.
    "WEATHER_CITIES": ("weather_cities", _weather_cities),
    "WEATHER_MODELS": ("weather_models", lambda name, raw: tuple(dict.fromkeys(
        part.strip().lower() for part in raw.split(",") if part.strip()))),
    "WEATHER_FORECAST_DAYS": ("weather_forecast_days", _int_range(0, 15)),
    "WEATHER_MIN_EDGE_BPS": ("weather_min_edge_bps", _float_range(-10_000, 10_000)),
    "WEATHER_MIN_CONFIDENCE": ("weather_min_confidence", _float_range(0, 1)),
    "WEATHER_ORDER_CONTRACTS": ("weather_order_contracts", _int_range(1, 1_000_000)),
    "WEATHER_BIAS_CORRECTION": ("weather_bias_correction", _bool),
    "WEATHER_BIAS_MIN_DAYS": ("weather_bias_min_days", _int_range(1, 365)),
    "WEATHER_BIAS_LOOKBACK_DAYS": ("weather_bias_lookback_days", _int_range(1, 3650)),
    "OPEN_METEO_ENSEMBLE_URL": ("open_meteo_ensemble_url", _optional_text),
    "OPEN_METEO_FORECAST_URL": ("open_meteo_forecast_url", _optional_text),
    # --- nba props (issue 6) ---
    "ODDS_API_KEY": ("odds_api_key", _secret),
    "ODDS_API_BASE_URL": ("odds_api_base_url", lambda name, raw: None if not raw.strip() else (
        raw.strip().rstrip("/") if raw.strip().startswith(("http://", "https://"))
        else _choice(("a URL starting with http:// or https://",))(name, raw))),
    "ODDS_API_REGIONS": ("odds_api_regions", lambda name, raw: tuple(dict.fromkeys(
        _choice(("us", "us2", "uk", "eu", "au"))(name, part) for part in raw.split(",") if part.strip()))
        or _choice(("us", "us2", "uk", "eu", "au"))(name, raw)),
    "ODDS_API_BOOKMAKERS": ("odds_api_bookmakers", lambda name, raw: tuple(dict.fromkeys(
        part.strip().lower() for part in raw.split(",") if part.strip()))),
    "NBA_PROPS_LOOKAHEAD_HOURS": ("nba_props_lookahead_hours", _int_range(1, 24 * 14)),
    "NBA_PROPS_ARB_LINE_POINTS": ("nba_props_arb_line_points", _float_range(0, 100)),
    "NBA_PROPS_ARB_MIN_GAP": ("nba_props_arb_min_gap", _float_range(0, 1)),
    "NBA_PROPS_FEE_LOT": ("nba_props_fee_lot", _int_range(1, 1_000_000)),
    # --- streaming (issue 9) ---
    # Formats of URL, channels, keys and faults are checked by defs.streaming.build_defs at start.
    "KALSHI_WS_URL": ("ws_url", _optional_text),
    "KALSHI_WS_CAPTURE_SECONDS": ("ws_capture_seconds", _float_range(0.5, 3600)),
    "KALSHI_WS_MARKETS": ("ws_markets", _int_range(0, 10_000)),
    "KALSHI_WS_CONNECTIONS": ("ws_connections", _int_range(1, 32)),
    "KALSHI_WS_CHANNELS": ("ws_channels", _text),
    "KALSHI_WS_API_KEYS": ("ws_api_keys", _optional_text),
    "SANDBOX_WS_SPEED": ("sandbox_ws_speed", _float_range(0.01, 100_000)),
    "SANDBOX_WS_FAULTS": ("sandbox_ws_faults", _text),
    # --- trading, alerts, accounts (issue 7) ---
    "BOT_MODE": ("bot_mode", _choice(("demo_safe", "live_safe", "live_auto", "custom"))),
    "TRADING_PROFILE": ("trading_profile", _choice(("conservative", "balanced", "aggressive"))),
    "TRADING_MODES": ("trading_modes", lambda name, raw: tuple(
        _choice(("simulate", "kalshi_demo", "kalshi_live"))(name, part) for part in raw.split(",") if part.strip())),
    "KALSHI_KEY_PROFILE": ("kalshi_key_profile", _choice(("paper", "real", "direct"))),
    "KALSHI_PAPER_API_KEY_ID": ("kalshi_paper_api_key_id", _optional_text),
    "KALSHI_PAPER_PRIVATE_KEY_PATH": ("kalshi_paper_private_key_path", _optional_text),
    "KALSHI_REAL_API_KEY_ID": ("kalshi_real_api_key_id", _optional_text),
    "KALSHI_REAL_PRIVATE_KEY_PATH": ("kalshi_real_private_key_path", _optional_text),
    "TRADING_ACCOUNT": ("trading_account", _text),
    "TRADING_DEMO_BASE_URL": ("trading_demo_base_url", _optional_text),
    "TRADING_SIGNAL_TYPES": ("trading_signal_types", lambda name, raw: tuple(
        _choice(("btc_edge", "btc15m", "weather", "nba_prop"))(name, part) for part in raw.split(",") if part.strip())),
    "TRADING_MIN_EDGE_BPS": ("trading_min_edge_bps", _float_range(0, 10_000)),
    "TRADING_MIN_CONFIDENCE": ("trading_min_confidence", _float_range(0, 1)),
    "TRADING_COOLDOWN_MINUTES": ("trading_cooldown_minutes", _int_range(0, 7 * 24 * 60)),
    "TRADING_MAX_ORDERS_PER_CYCLE": ("trading_max_orders_per_cycle", _int_range(0, 1000)),
    "TRADING_MIN_PRICE_CENTS": ("trading_min_price_cents", _int_range(1, 99)),
    "TRADING_MAX_PRICE_CENTS": ("trading_max_price_cents", _int_range(1, 99)),
    "TRADING_BANKROLL_DOLLARS": ("trading_bankroll_dollars", _float_range(1, 1e9)),
    "TRADING_MAX_SIGNAL_AGE_MINUTES": ("trading_max_signal_age_minutes", _int_range(1, 7 * 24 * 60)),
    "TRADING_REAL_MONEY_ENABLED": ("trading_real_money_enabled", _bool),
    "TRADING_REAL_MONEY_CONFIRM": ("trading_real_money_confirm", _optional_text),
    # Secrets are wrapped so repr(settings) and describe() show ***.
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token", _secret),
    "TELEGRAM_CHAT_ID": ("telegram_chat_id", _optional_text),
    "TELEGRAM_BASE_URL": ("telegram_base_url", _optional_text),
    "ALERTS_ACTIONABLE_ONLY": ("alerts_actionable_only", _bool),
    "ALERTS_COOLDOWN_MINUTES": ("alerts_cooldown_minutes", _int_range(0, 7 * 24 * 60)),
    "ALERTS_MAX_ITEMS": ("alerts_max_items", _int_range(1, 50)),
    "ALERTS_PROPS_MIN_GAP": ("alerts_props_min_gap", _float_range(0, 100)),
    "KALSHI_CREDENTIALS_ENCRYPTION_KEY": ("credentials_encryption_key", _secret),
    # --- quality, dbt, automation (issue 8) ---
    "QUALITY_REJECT_RATE_WARN": ("quality_reject_rate_warn", _float_range(0, 1)),
    "QUALITY_REJECT_RATE_ERROR": ("quality_reject_rate_error", _float_range(0, 1)),
    "AUTOMATION_QUOTES_CRON": ("automation_quotes_cron", _text),
    "AUTOMATION_INSTRUMENTS_CRON": ("automation_instruments_cron", _text),
    "AUTOMATION_WEATHER_CRON": ("automation_weather_cron", _text),
    "AUTOMATION_CALIBRATION_CRON": ("automation_calibration_cron", _text),
    "AUTOMATION_STATUS": ("automation_status", _choice(("stopped", "running"))),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for variable, (attr, parser) in VARIABLES.items():
        raw = environ.get(variable)
        if raw is None or raw.strip() == "" and attr not in ("base_url", "api_key_id", "private_key_path", "sandbox_now"):
            continue
        values[attr] = parser(variable, raw)  # type: ignore[operator]
    if "market_statuses" not in values:
        values["market_statuses"] = (
            MARKET_STATUS_FILTERS if values.get("env", "sandbox") == "sandbox" else ("open",)
        )
    settings = Settings(**values)
    _check_consistency(settings)
    return settings


def _check_consistency(settings: Settings) -> None:
    if bool(settings.api_key_id) != bool(settings.private_key_path):
        raise SettingsError(
            "KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH go together: set both (signed requests) or neither"
        )
    if settings.private_key_path and not Path(settings.private_key_path).is_file():
        raise SettingsError(f"KALSHI_PRIVATE_KEY_PATH={settings.private_key_path!r}: no such file")
    if settings.base_url and not settings.base_url.startswith(("http://", "https://")):
        raise SettingsError(f"KALSHI_BASE_URL={settings.base_url!r} must start with http:// or https://")


def describe(settings: Settings) -> dict[str, object]:
    """Settings as a dict safe to print: no key material, only whether a key is configured."""
    out = {f.name: getattr(settings, f.name) for f in fields(settings) if f.name != "extra"}
    out["private_key_path"] = "(set)" if settings.private_key_path else None
    return out
