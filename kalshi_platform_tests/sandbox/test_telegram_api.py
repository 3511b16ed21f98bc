"""The sandbox Telegram Bot API: sendMessage in the real response format, Telegram's errors, injected failures."""

from __future__ import annotations

import httpx
import pytest

from kalshi_platform.sandbox import ManualClock, SandboxConfig, SandboxExchange
from kalshi_platform.sandbox.telegram_api import SANDBOX_CHAT_ID, SANDBOX_TELEGRAM_TOKEN, mount_telegram
from kalshi_platform.sandbox.transport import SandboxTransport
from kalshi_platform_tests.sandbox.conftest import START


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="module")
def exchange(clock) -> SandboxExchange:
    # One world for the module: these tests only use the Telegram routes.
    return SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))


@pytest.fixture
def telegram(exchange):
    api = mount_telegram(exchange)
    api.messages.clear()
    api._failures.clear()
    api._next_id.clear()
    return api


@pytest.fixture
def bot(exchange, telegram) -> httpx.Client:
    with httpx.Client(transport=SandboxTransport(exchange), base_url="https://api.telegram.org") as c:
        yield c


def send(bot: httpx.Client, token: str = SANDBOX_TELEGRAM_TOKEN, **body) -> httpx.Response:
    return bot.post(f"/bot{token}/sendMessage", json=body)


def test_send_message_answers_like_the_bot_api(bot, telegram, clock):
    r = send(bot, chat_id=SANDBOX_CHAT_ID, text="<b>Kalshi</b> signals 📡 é", parse_mode="HTML")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True
    message = body["result"]
    assert message["message_id"] == 1 and message["text"] == "Kalshi signals 📡 é"
    assert message["chat"] == {"id": int(SANDBOX_CHAT_ID), "first_name": "Sandbox", "type": "private"}
    assert message["from"]["is_bot"] is True and message["from"]["username"] == "kalshi_platform_sandbox_bot"
    assert message["date"] == int(clock().timestamp())
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bold"}]
    assert send(bot, chat_id=SANDBOX_CHAT_ID, text="second").json()["result"]["message_id"] == 2
    assert [m.text for m in telegram.delivered_to(SANDBOX_CHAT_ID)] == ["Kalshi signals 📡 é", "second"]


def test_entity_offsets_count_utf16_units_like_telegram(bot):
    message = send(bot, chat_id="@alerts", text="📡 <i>edge</i>", parse_mode="HTML").json()["result"]
    assert message["entities"] == [{"offset": 3, "length": 4, "type": "italic"}]  # the emoji is 2 UTF-16 units
    assert message["chat"]["type"] == "channel"


def test_form_encoded_and_query_parameters_work_too(bot):
    r = bot.post(f"/bot{SANDBOX_TELEGRAM_TOKEN}/sendMessage", data={"chat_id": "42", "text": "hi"})
    assert r.json()["result"]["chat"]["id"] == 42


@pytest.mark.parametrize(
    "token, body, status, description",
    [
        ("123:wrong", {"chat_id": "1", "text": "x"}, 401, "Unauthorized"),
        (SANDBOX_TELEGRAM_TOKEN, {"text": "x"}, 400, "Bad Request: chat_id is empty"),
        (SANDBOX_TELEGRAM_TOKEN, {"chat_id": "1", "text": " "}, 400, "Bad Request: message text is empty"),
        (SANDBOX_TELEGRAM_TOKEN, {"chat_id": "1", "text": "x" * 4097}, 400, "Bad Request: message is too long"),
        (SANDBOX_TELEGRAM_TOKEN, {"chat_id": "1", "text": "<blink>x</blink>", "parse_mode": "HTML"}, 400,
         'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0'),
        (SANDBOX_TELEGRAM_TOKEN, {"chat_id": "1", "text": "<b>x", "parse_mode": "HTML"}, 400,
         "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        (SANDBOX_TELEGRAM_TOKEN, {"chat_id": "1", "text": "x", "parse_mode": "BBCode"}, 400,
         "Bad Request: unsupported parse_mode"),
    ],
)
def test_errors_use_telegrams_words(bot, telegram, token, body, status, description):
    r = send(bot, token, **body)
    assert r.status_code == status
    assert r.json() == {"ok": False, "error_code": status, "description": description}
    assert telegram.messages == []


def test_injected_failures_then_recovery(bot, telegram):
    telegram.fail_next(1, status=429, retry_after=7)
    telegram.fail_next(1, status=502)
    telegram.fail_next(1, status=500)
    r = send(bot, chat_id="1", text="x")
    assert r.status_code == 429 and r.json()["parameters"] == {"retry_after": 7}
    assert r.json()["description"] == "Too Many Requests: retry after 7"
    r = send(bot, chat_id="1", text="x")
    assert r.status_code == 502 and r.headers["content-type"] == "text/html" and b"Bad Gateway" in r.content
    assert send(bot, chat_id="1", text="x").json()["description"] == "Internal Server Error"
    assert send(bot, chat_id="1", text="x").json()["ok"] is True
    assert len(telegram.messages) == 1


def test_get_me_and_mounting_is_idempotent(exchange, bot, telegram):
    assert mount_telegram(exchange) is telegram
    me = bot.get(f"/bot{SANDBOX_TELEGRAM_TOKEN}/getMe").json()["result"]
    assert me["is_bot"] and me["id"] == 7000000001
    telegram.register_bot("555:ANOTHERbotTOKENabcdefghijklmnopqrstu", "other_bot")
    assert send(bot, "555:ANOTHERbotTOKENabcdefghijklmnopqrstu", chat_id="1", text="x").json()["result"]["from"][
        "username"] == "other_bot"
    assert exchange.router.match("POST", f"/bot{SANDBOX_TELEGRAM_TOKEN}/sendMessage").route.name == "telegram_send_message"
