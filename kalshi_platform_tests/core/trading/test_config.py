"""BOT_MODE presets, overrides, key profiles and the real-money double opt-in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kalshi_platform.core.trading.config import (
    PRESETS,
    REAL_MONEY_CONFIRMATION,
    TradingConfigError,
    real_money_block,
    resolve_bot,
    route_order,
)


def test_default_preset_is_paper_money_only():
    bot = resolve_bot("demo_safe")
    assert bot.modes == ("simulate", "kalshi_demo")
    assert bot.key_profile == "paper"
    assert bot.engine.profile.name == "conservative"
    assert all("live" not in m for m in bot.modes)


@pytest.mark.parametrize("mode", sorted(PRESETS))
def test_every_preset_resolves(mode):
    bot = resolve_bot(mode)
    assert bot.engine.max_orders_per_cycle == PRESETS[mode].max_orders_per_cycle
    assert bot.engine.cooldown == timedelta(minutes=PRESETS[mode].cooldown_minutes)


def test_explicit_settings_override_the_preset():
    bot = resolve_bot("live_safe", {"profile": "aggressive", "min_edge_bps": 50.0, "max_orders_per_cycle": 9,
                                    "modes": ("simulate",), "min_price_cents": 10, "max_price_cents": 80,
                                    "bankroll": Decimal("250"), "signal_types": ("weather",)})
    assert bot.engine.profile.name == "aggressive"
    assert bot.engine.min_edge_bps == 50.0 and bot.engine.max_orders_per_cycle == 9
    assert bot.modes == ("simulate",)
    assert (bot.engine.min_price, bot.engine.max_price) == (Decimal("0.10"), Decimal("0.80"))
    assert bot.engine.bankroll == Decimal("250") and bot.engine.signal_types == ("weather",)
    # None / empty means "not set": the preset stands.
    assert resolve_bot("live_safe", {"profile": None, "modes": ()}).modes == PRESETS["live_safe"].modes


@pytest.mark.parametrize(
    "mode, overrides, variable",
    [
        ("turbo", {}, "BOT_MODE"),
        ("custom", {"profile": "yolo"}, "TRADING_PROFILE"),
        ("custom", {"modes": ("simulate", "paper")}, "TRADING_MODES"),
        ("custom", {"key_profile": "mine"}, "KALSHI_KEY_PROFILE"),
        ("custom", {"min_price_cents": 60, "max_price_cents": 40}, "TRADING_MIN_PRICE_CENTS"),
        ("custom", {"signal_types": ("crypto",)}, "TRADING_SIGNAL_TYPES"),
    ],
)
def test_bad_settings_name_their_variable(mode, overrides, variable):
    with pytest.raises(TradingConfigError, match=variable):
        resolve_bot(mode, overrides)


def test_real_money_needs_both_opt_ins():
    assert "TRADING_REAL_MONEY_ENABLED=true" in real_money_block(False, REAL_MONEY_CONFIRMATION)
    assert "TRADING_REAL_MONEY_CONFIRM" in real_money_block(True, None)
    assert "TRADING_REAL_MONEY_CONFIRM" in real_money_block(True, "yes")
    assert real_money_block(True, f"  {REAL_MONEY_CONFIRMATION} ") is None


def test_routes_by_mode_key_profile_and_source():
    assert route_order("simulate", "real", "prod", "off").target == "none"
    assert route_order("kalshi_demo", "paper", "sandbox", None) == route_order("kalshi_demo", "paper", "sandbox", None)
    assert route_order("kalshi_demo", "paper", "sandbox", None).target == "sandbox"
    assert route_order("kalshi_demo", "paper", "prod", None).target == "demo"
    assert route_order("kalshi_demo", "direct", "demo", None).blocked is None
    assert "production" in route_order("kalshi_demo", "direct", "prod", None).blocked
    assert "real (production) key" in route_order("kalshi_demo", "real", "sandbox", None).blocked
    # Live: never from simulated or demo data, never with a paper key, never without both opt-ins.
    blocked = real_money_block(False, None)
    assert "simulated exchange" in route_order("kalshi_live", "real", "sandbox", None).blocked
    assert "demo exchange" in route_order("kalshi_live", "real", "demo", None).blocked
    assert "paper" in route_order("kalshi_live", "paper", "prod", None).blocked
    assert route_order("kalshi_live", "real", "prod", blocked).blocked == blocked
    assert route_order("kalshi_live", "real", "prod", None) .blocked is None
    assert route_order("kalshi_live", "real", "prod", None).target == "prod"
    with pytest.raises(TradingConfigError):
        route_order("kalshi_moon", "paper", "prod", None)


def test_trading_settings_are_typed_and_secrets_never_print():
    from kalshi_platform.settings import SettingsError, describe, load_settings

    token, key = "123456:AAsecret-telegram-token-value", "c2VjcmV0LWVuY3J5cHRpb24ta2V5LXZhbHVlLTMyYnl0ZXM="
    settings = load_settings({
        "BOT_MODE": "custom", "TRADING_MODES": "simulate, kalshi_demo", "TRADING_PROFILE": "Balanced",
        "TRADING_SIGNAL_TYPES": "weather,btc_edge", "TRADING_REAL_MONEY_ENABLED": "false",
        "TELEGRAM_BOT_TOKEN": token, "KALSHI_CREDENTIALS_ENCRYPTION_KEY": key, "ALERTS_ACTIONABLE_ONLY": "false",
    })
    assert settings.trading_modes == ("simulate", "kalshi_demo") and settings.trading_profile == "balanced"
    assert settings.trading_signal_types == ("weather", "btc_edge") and settings.alerts_actionable_only is False
    assert settings.telegram_bot_token.reveal() == token and settings.credentials_encryption_key.reveal() == key
    shown = repr(settings) + str(describe(settings))
    assert token not in shown and key not in shown
    for variable, value in (("BOT_MODE", "yolo"), ("TRADING_MODES", "simulate,moon"), ("TRADING_MIN_CONFIDENCE", "2"),
                            ("TRADING_REAL_MONEY_ENABLED", "maybe")):
        with pytest.raises(SettingsError, match=variable):
            load_settings({variable: value})
