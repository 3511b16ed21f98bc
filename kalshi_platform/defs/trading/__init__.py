"""Signals, paper orders, alerts and calibration (issue 7)."""

import dagster as dg

from kalshi_platform.core.trading.config import TradingConfigError
from kalshi_platform.defs.trading.alerts import alert_events, run_failure_alert
from kalshi_platform.defs.trading.calibration import calibration
from kalshi_platform.defs.trading.orders import paper_orders
from kalshi_platform.defs.trading.resources import TelegramResource, TradingConfigResource
from kalshi_platform.defs.trading.signals import signals
from kalshi_platform.settings import Settings, SettingsError

ASSETS = [signals, paper_orders, alert_events, calibration]


def build_defs(settings: Settings) -> dg.Definitions:
    trading = TradingConfigResource.from_settings(settings)
    try:
        trading.bot()  # a bad combination of trading settings stops the program at start, naming the variable
    except TradingConfigError as exc:
        raise SettingsError(str(exc)) from None
    return dg.Definitions(
        assets=ASSETS,
        sensors=[run_failure_alert],
        resources={"trading": trading, "telegram": TelegramResource.from_settings(settings)},
    )
