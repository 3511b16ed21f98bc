"""Telegram client: sendMessage through HttpClient; the bot token never shows in errors or logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from kalshi_platform.clients.telegram import TelegramClient, TelegramError
from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
from kalshi_platform.sandbox.telegram_api import mount_telegram
from kalshi_platform.sandbox.transport import SandboxTransport

TOKEN = "6123456789:AAF-secretBOTtokenValue_abcdefghijkl"


@pytest.fixture(scope="module")
def exchange() -> SandboxExchange:
    return SandboxExchange(SandboxConfig(enforce_rate_limit=False))


@pytest.fixture
def telegram(exchange):
    api = mount_telegram(exchange)
    api.register_bot(TOKEN, "platform_test_bot")
    api.messages.clear()
    api._failures.clear()
    return api


def client(exchange, token: str = TOKEN) -> TelegramClient:
    return TelegramClient(token, base_url="https://api.telegram.org", transport=SandboxTransport(exchange))


def test_send_message_posts_html_and_returns_the_message(exchange, telegram):
    with client(exchange) as tg:
        sent = tg.send_message("987654", "<b>hello</b> & welcome")
    assert sent.message_id == 1 and sent.chat_id == "987654"
    delivered = telegram.messages[-1]
    assert delivered.parse_mode == "HTML" and delivered.text == "hello & welcome"


def test_refusals_are_telegram_errors_without_the_token(exchange, telegram, caplog):
    caplog.set_level(logging.DEBUG)
    telegram.fail_next(1, status=400, description="Bad Request: chat not found")
    with client(exchange) as tg:
        with pytest.raises(TelegramError) as info:
            tg.send_message("1", "x")
        message = str(info.value)
        assert "HTTP 400" in message and "chat not found" in message and "/bot***/sendMessage" in message
        telegram.fail_next(1, status=502)
        with pytest.raises(TelegramError) as server:
            tg.send_message("1", "x")
        assert "502" in str(server.value)
        assert TOKEN not in repr(tg) and TOKEN not in str(vars(tg))
    with client(exchange, "1:unknown-token-but-also-secret") as stranger:
        with pytest.raises(TelegramError, match="401.*Unauthorized") as unknown:
            stranger.send_message("1", "x")
        assert "unknown-token-but-also-secret" not in str(unknown.value)
    assert TOKEN not in caplog.text and "unknown-token-but-also-secret" not in caplog.text
    assert TOKEN not in message and info.value.__cause__ is None


def test_a_send_is_not_retried_inside_the_call(exchange, telegram):
    telegram.fail_next(1, status=500)
    with client(exchange) as tg, pytest.raises(TelegramError):
        tg.send_message("1", "x")
    assert telegram.messages == [] and tg.stats.requests == 1


def test_httpx_log_lines_are_scrubbed(exchange, telegram, caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    with client(exchange) as tg:
        tg.send_message("1", "x")
    assert "sendMessage" in caplog.text and TOKEN not in caplog.text


def test_a_token_without_a_colon_is_refused_without_echoing_it():
    with pytest.raises(TelegramError, match="does not look like a bot token") as info:
        TelegramClient("justsomesecret", transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert "justsomesecret" not in str(info.value)
