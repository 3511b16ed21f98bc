"""Resources of the trading domain: the bot's configuration and the Telegram destination."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import dagster as dg

from kalshi_platform.clients.http import RejectLog
from kalshi_platform.clients.telegram import TELEGRAM_BASE_URL, TelegramClient
from kalshi_platform.core.trading.config import BotConfig, real_money_block, resolve_bot, route_order
from kalshi_platform.defs.accounts.resources import secret_config
from kalshi_platform.settings import Settings


class TradingConfigResource(dg.ConfigurableResource):
    """BOT_MODE, the trading profile, execution modes, key profile and the engine's gates and caps."""

    bot_mode: str = "demo_safe"
    trading_profile: str | None = None
    trading_modes: list[str] = []
    key_profile: str | None = None
    paper_api_key_id: str | None = None
    paper_private_key_path: str | None = None
    real_api_key_id: str | None = None
    real_private_key_path: str | None = None
    trading_account: str = "demo"
    demo_base_url: str | None = None
    signal_types: list[str] = []
    min_edge_bps: float | None = None
    min_confidence: float | None = None
    cooldown_minutes: int | None = None
    max_orders_per_cycle: int | None = None
    min_price_cents: int = 5
    max_price_cents: int = 95
    bankroll_dollars: float = 1000.0
    max_signal_age_minutes: int = 30
    real_money_enabled: bool = False
    real_money_confirm: str | None = None

    def bot(self) -> BotConfig:
        return resolve_bot(
            self.bot_mode,
            {
                "modes": tuple(self.trading_modes),
                "key_profile": self.key_profile,
                "profile": self.trading_profile,
                "min_edge_bps": self.min_edge_bps,
                "min_confidence": self.min_confidence,
                "cooldown_minutes": self.cooldown_minutes,
                "max_orders_per_cycle": self.max_orders_per_cycle,
                "signal_types": tuple(self.signal_types),
                "min_price_cents": self.min_price_cents,
                "max_price_cents": self.max_price_cents,
                "bankroll": Decimal(str(self.bankroll_dollars)),
                "max_signal_age_minutes": self.max_signal_age_minutes,
            },
        )

    def routes(self, env: str):
        bot = self.bot()
        blocked = real_money_block(self.real_money_enabled, self.real_money_confirm)
        return [route_order(mode, bot.key_profile, env, blocked) for mode in bot.modes]

    @classmethod
    def from_settings(cls, settings: Settings) -> TradingConfigResource:
        return cls(
            bot_mode=settings.bot_mode,
            trading_profile=settings.trading_profile,
            trading_modes=list(settings.trading_modes),
            key_profile=settings.kalshi_key_profile,
            paper_api_key_id=settings.kalshi_paper_api_key_id,
            paper_private_key_path=settings.kalshi_paper_private_key_path,
            real_api_key_id=settings.kalshi_real_api_key_id,
            real_private_key_path=settings.kalshi_real_private_key_path,
            trading_account=settings.trading_account,
            demo_base_url=settings.trading_demo_base_url,
            signal_types=list(settings.trading_signal_types),
            min_edge_bps=settings.trading_min_edge_bps,
            min_confidence=settings.trading_min_confidence,
            cooldown_minutes=settings.trading_cooldown_minutes,
            max_orders_per_cycle=settings.trading_max_orders_per_cycle,
            min_price_cents=settings.trading_min_price_cents,
            max_price_cents=settings.trading_max_price_cents,
            bankroll_dollars=settings.trading_bankroll_dollars,
            max_signal_age_minutes=settings.trading_max_signal_age_minutes,
            real_money_enabled=settings.trading_real_money_enabled,
            real_money_confirm=settings.trading_real_money_confirm,
        )


class TelegramResource(dg.ConfigurableResource):
    """Where alerts go: Telegram with TELEGRAM_BOT_TOKEN, else the embedded exchange's Bot API."""

    bot_token: str | None = None
    chat_id: str | None = None
    base_url: str | None = None
    actionable_only: bool = True
    cooldown_minutes: int = 60
    max_items: int = 10
    props_min_gap: float = 2.0

    @property
    def destination(self) -> str:
        return "telegram" if self.bot_token else "sandbox"

    @property
    def cooldown(self) -> timedelta:
        return timedelta(minutes=self.cooldown_minutes)

    def chat(self) -> str | None:
        if self.chat_id:
            return self.chat_id
        if self.destination == "sandbox":
            from kalshi_platform.sandbox.telegram_api import SANDBOX_CHAT_ID

            return SANDBOX_CHAT_ID
        return None

    def client(self, exchange=None, reject_log: RejectLog | None = None) -> TelegramClient:
        """The Bot API client; on the sandbox ``exchange`` is the embedded exchange (its Telegram is mounted)."""
        if self.bot_token:
            return TelegramClient(self.bot_token, base_url=self.base_url or TELEGRAM_BASE_URL, reject_log=reject_log)
        from kalshi_platform.sandbox.telegram_api import SANDBOX_TELEGRAM_TOKEN, mount_telegram
        from kalshi_platform.sandbox.transport import SandboxTransport

        if self.base_url:  # a loopback sandbox (`kalshi-platform sandbox serve`)
            return TelegramClient(SANDBOX_TELEGRAM_TOKEN, base_url=self.base_url, reject_log=reject_log)
        if exchange is None:
            raise ValueError("the sandbox Telegram needs the embedded exchange")
        mount_telegram(exchange)
        return TelegramClient(SANDBOX_TELEGRAM_TOKEN, base_url="http://telegram.sandbox",
                              transport=SandboxTransport(exchange), reject_log=reject_log)

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramResource:
        return cls(
            bot_token=secret_config(settings.telegram_bot_token, "TELEGRAM_BOT_TOKEN"),
            chat_id=settings.telegram_chat_id,
            base_url=settings.telegram_base_url,
            actionable_only=settings.alerts_actionable_only,
            cooldown_minutes=settings.alerts_cooldown_minutes,
            max_items=settings.alerts_max_items,
            props_min_gap=settings.alerts_props_min_gap,
        )
