"""Environment -> typed settings, validated once at load.

Every variable is listed in ``.env.example``. A bad value fails here, with a message naming the
variable and what it accepts, instead of deep inside a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from kalshi_platform.core.token_bucket import TIERS

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
    # --- weather (issue 5) ---
    # --- nba props (issue 6) ---
    # --- streaming (issue 9) ---
    # --- trading, alerts, accounts (issue 7) ---
    # --- quality, dbt, automation (issue 8) ---
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
    # --- weather (issue 5) ---
    # --- nba props (issue 6) ---
    # --- streaming (issue 9) ---
    # --- trading, alerts, accounts (issue 7) ---
    # --- quality, dbt, automation (issue 8) ---
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
