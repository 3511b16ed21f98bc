"""What the paper-trading bot may do: profiles, BOT_MODE presets, key profiles and the real-money gate.

``BOT_MODE`` picks a preset of the risk settings; any setting given explicitly (TRADING_PROFILE,
TRADING_MIN_EDGE_BPS, ...) overrides its preset value, and ``custom`` starts from the safe defaults
with every setting taken from its own variable.

Where an order may go depends on the execution mode, the key profile and the data source:

| mode        | key profile       | goes to                                                         |
|-------------|-------------------|-----------------------------------------------------------------|
| simulate    | any               | nowhere: recorded only                                          |
| kalshi_demo | paper / direct    | the embedded exchange (KALSHI_ENV=sandbox) or Kalshi's demo host |
| kalshi_live | real / direct     | Kalshi production, only with both real-money opt-ins            |

Real money is off unless TRADING_REAL_MONEY_ENABLED=true AND TRADING_REAL_MONEY_CONFIRM holds the exact
phrase below; signals computed from the simulated exchange never trade real money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

SIGNAL_TYPES = ("btc_edge", "btc15m", "weather", "nba_prop")
EXECUTION_MODES = ("simulate", "kalshi_demo", "kalshi_live")
KEY_PROFILES = ("paper", "real", "direct")
BOT_MODES = ("demo_safe", "live_safe", "live_auto", "custom")
TRADING_PROFILES = ("conservative", "balanced", "aggressive")
REAL_MONEY_CONFIRMATION = "I_ACCEPT_REAL_MONEY_RISK"


class TradingConfigError(ValueError):
    """A trading setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class TradingProfile:
    """Sizing: a fraction of full Kelly, capped as a share of the bankroll and in contracts per order."""

    name: str
    kelly_multiplier: float
    max_bankroll_fraction: float
    max_contracts: int


PROFILES: dict[str, TradingProfile] = {
    "conservative": TradingProfile("conservative", 0.10, 0.01, 10),
    "balanced": TradingProfile("balanced", 0.25, 0.025, 50),
    "aggressive": TradingProfile("aggressive", 0.50, 0.05, 200),
}


@dataclass(frozen=True)
class EngineConfig:
    """The engine's gates, caps and clamps (prices in dollars, exact)."""

    signal_types: tuple[str, ...] = SIGNAL_TYPES
    min_edge_bps: float = 300.0
    min_confidence: float = 0.5
    cooldown: timedelta = timedelta(minutes=60)
    max_orders_per_cycle: int = 5
    min_price: Decimal = Decimal("0.05")
    max_price: Decimal = Decimal("0.95")
    profile: TradingProfile = PROFILES["conservative"]
    bankroll: Decimal = Decimal("1000")
    max_signal_age: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        unknown = [t for t in self.signal_types if t not in SIGNAL_TYPES]
        if unknown:
            raise TradingConfigError(
                f"TRADING_SIGNAL_TYPES: unknown type(s) {unknown}; accepted: {', '.join(SIGNAL_TYPES)}"
            )
        if not Decimal(0) < self.min_price <= self.max_price < Decimal(1):
            raise TradingConfigError(
                "TRADING_MIN_PRICE_CENTS and TRADING_MAX_PRICE_CENTS must satisfy 0 < min <= max < 100 "
                f"(got {self.min_price * 100:f} and {self.max_price * 100:f})"
            )
        if self.bankroll <= 0:
            raise TradingConfigError(f"TRADING_BANKROLL_DOLLARS must be positive, got {self.bankroll}")
        if self.max_orders_per_cycle < 0:
            raise TradingConfigError("TRADING_MAX_ORDERS_PER_CYCLE must be >= 0")


@dataclass(frozen=True)
class BotPreset:
    modes: tuple[str, ...]
    key_profile: str
    profile: str
    min_edge_bps: float
    min_confidence: float
    max_orders_per_cycle: int
    cooldown_minutes: int


PRESETS: dict[str, BotPreset] = {
    # Paper money only: every order is recorded and also placed on the embedded / demo exchange.
    "demo_safe": BotPreset(("simulate", "kalshi_demo"), "paper", "conservative", 300.0, 0.5, 5, 60),
    # Real money, small and rare: high bars, one or two orders a cycle, long cooldown.
    "live_safe": BotPreset(("simulate", "kalshi_live"), "real", "conservative", 500.0, 0.7, 2, 240),
    # Real money at the balanced profile.
    "live_auto": BotPreset(("kalshi_live",), "real", "balanced", 300.0, 0.6, 5, 60),
    # Everything from its own variable; unset ones take these safe defaults.
    "custom": BotPreset(("simulate",), "paper", "conservative", 300.0, 0.5, 5, 60),
}


@dataclass(frozen=True)
class BotConfig:
    bot_mode: str
    modes: tuple[str, ...]
    key_profile: str
    engine: EngineConfig


def resolve_bot(bot_mode: str, overrides: Mapping[str, object] | None = None) -> BotConfig:
    """The preset of ``bot_mode`` with every non-None override applied.

    Override names: modes, key_profile, profile, min_edge_bps, min_confidence, max_orders_per_cycle,
    cooldown_minutes, signal_types, min_price_cents, max_price_cents, bankroll, max_signal_age_minutes.
    """
    if bot_mode not in PRESETS:
        raise TradingConfigError(f"BOT_MODE={bot_mode!r} is not valid; accepted: {', '.join(BOT_MODES)}")
    given = {k: v for k, v in (overrides or {}).items() if v is not None and v != ()}
    preset = PRESETS[bot_mode]
    modes = tuple(given.get("modes", preset.modes))
    bad_modes = [m for m in modes if m not in EXECUTION_MODES]
    if bad_modes or not modes:
        raise TradingConfigError(f"TRADING_MODES: {list(modes)} is not valid; accepted: {', '.join(EXECUTION_MODES)}")
    key_profile = str(given.get("key_profile", preset.key_profile))
    if key_profile not in KEY_PROFILES:
        raise TradingConfigError(f"KALSHI_KEY_PROFILE={key_profile!r}; accepted: {', '.join(KEY_PROFILES)}")
    profile_name = str(given.get("profile", preset.profile))
    if profile_name not in PROFILES:
        raise TradingConfigError(f"TRADING_PROFILE={profile_name!r}; accepted: {', '.join(TRADING_PROFILES)}")
    engine = EngineConfig(
        min_edge_bps=float(given.get("min_edge_bps", preset.min_edge_bps)),
        min_confidence=float(given.get("min_confidence", preset.min_confidence)),
        max_orders_per_cycle=int(given.get("max_orders_per_cycle", preset.max_orders_per_cycle)),
        cooldown=timedelta(minutes=float(given.get("cooldown_minutes", preset.cooldown_minutes))),
        profile=PROFILES[profile_name],
    )
    extra: dict[str, object] = {}
    if "signal_types" in given:
        extra["signal_types"] = tuple(given["signal_types"])
    if "min_price_cents" in given:
        extra["min_price"] = Decimal(int(given["min_price_cents"])) / 100
    if "max_price_cents" in given:
        extra["max_price"] = Decimal(int(given["max_price_cents"])) / 100
    if "bankroll" in given:
        extra["bankroll"] = Decimal(str(given["bankroll"]))
    if "max_signal_age_minutes" in given:
        extra["max_signal_age"] = timedelta(minutes=float(given["max_signal_age_minutes"]))
    if extra:
        engine = replace(engine, **extra)
    return BotConfig(bot_mode, modes, key_profile, engine)


# --------------------------------------------------------------------------------------------------
# Where an order may go


def real_money_block(enabled: bool, confirmation: str | None) -> str | None:
    """Why real-money orders are refused (None when both opt-ins are given)."""
    if enabled and (confirmation or "").strip() == REAL_MONEY_CONFIRMATION:
        return None
    missing = []
    if not enabled:
        missing.append("TRADING_REAL_MONEY_ENABLED=true")
    if (confirmation or "").strip() != REAL_MONEY_CONFIRMATION:
        missing.append(f"TRADING_REAL_MONEY_CONFIRM={REAL_MONEY_CONFIRMATION}")
    return "real-money orders are off: set " + " and ".join(missing)


@dataclass(frozen=True)
class OrderRoute:
    """``target``: none (record only), sandbox, demo or prod; ``blocked``: why the order may not be sent."""

    mode: str
    target: str
    blocked: str | None = None


def route_order(mode: str, key_profile: str, env: str, real_money_blocked: str | None) -> OrderRoute:
    """Where an order of ``mode`` signed with ``key_profile`` goes when market data comes from ``env``."""
    if mode == "simulate":
        return OrderRoute(mode, "none")
    paper_target = "sandbox" if env == "sandbox" else "demo"
    if mode == "kalshi_demo":
        if key_profile == "real":
            return OrderRoute(mode, paper_target, "a real (production) key cannot sign demo orders; "
                                                  "use KALSHI_KEY_PROFILE=paper")
        if key_profile == "direct" and env == "prod":
            return OrderRoute(mode, paper_target, "KALSHI_KEY_PROFILE=direct with KALSHI_ENV=prod is a production "
                                                  "key; demo orders need KALSHI_KEY_PROFILE=paper")
        return OrderRoute(mode, paper_target)
    if mode == "kalshi_live":
        if env != "prod":
            return OrderRoute(mode, "prod", f"live orders need KALSHI_ENV=prod: these signals come from "
                                            f"{'the simulated exchange' if env == 'sandbox' else 'the demo exchange'}")
        if key_profile == "paper":
            return OrderRoute(mode, "prod", "a paper (demo) key cannot sign live orders; use KALSHI_KEY_PROFILE=real")
        if real_money_blocked:
            return OrderRoute(mode, "prod", real_money_blocked)
        return OrderRoute(mode, "prod")
    raise TradingConfigError(f"unknown execution mode {mode!r}; accepted: {', '.join(EXECUTION_MODES)}")
