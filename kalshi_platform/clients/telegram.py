"""Telegram Bot API: ``sendMessage`` through the shared HttpClient.

The bot token is part of the URL path (``/bot<token>/sendMessage``), so it is registered as a secret
of the HttpClient: every error, log line and reject this layer writes shows ``***`` in its place.
A send is a POST and is not retried inside the call (a retry after a timeout could post the message
twice); the caller records a failed send and tries again on its next cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from kalshi_platform.clients.http import HttpApiClient, HttpClient, HttpError, RejectLog, RetryPolicy, require_object
from kalshi_platform.core.credentials import Secret

TELEGRAM_BASE_URL = "https://api.telegram.org"
CLIENT_NAME = "telegram"


class TelegramError(Exception):
    """A send that failed; the message is secret-free (the token shows as ***)."""


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    chat_id: str
    date: int


def _ok_message(body: Any) -> str | None:
    problem = require_object("ok", "result")(body)
    if problem:
        return problem
    if body.get("ok") is not True:
        return "'ok' is not true"
    if not isinstance(body["result"], dict) or "message_id" not in body["result"]:
        return "'result' is not a message"
    return None


class TelegramClient(HttpApiClient):
    def __init__(
        self,
        token: str,
        *,
        base_url: str = TELEGRAM_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 15.0,
        reject_log: RejectLog | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not token or ":" not in token:
            raise TelegramError("TELEGRAM_BOT_TOKEN does not look like a bot token (<bot id>:<secret>)")
        self._token = Secret(token)  # prints as *** wherever the client is inspected
        kwargs = {"sleep": sleep} if sleep is not None else {}
        self._http = HttpClient(
            CLIENT_NAME,
            base_url.rstrip("/"),
            transport=transport,
            retry=RetryPolicy(max_attempts=1),
            timeout_s=timeout_s,
            reject_log=reject_log,
            secrets=[token],
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"TelegramClient(base_url={self._http.base_url!r}, token=***)"

    def scrub(self, text: str) -> str:
        return self._http.scrub(text)

    def send_message(
        self,
        chat_id: str | int,
        text: str,
        *,
        parse_mode: str | None = "HTML",
        disable_web_page_preview: bool = True,
        disable_notification: bool = False,
    ) -> SentMessage:
        """Post one message; ``TelegramError`` (secret-free) when Telegram or the network refuses it."""
        body: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "disable_web_page_preview": disable_web_page_preview,
            "disable_notification": disable_notification,
        }
        if parse_mode:
            body["parse_mode"] = parse_mode
        try:
            reply = self._http.request_json(
                "POST", f"/bot{self._token.reveal()}/sendMessage", json_body=body, validate=_ok_message,
                reject_kind="telegram_message",
            )
        except HttpError as exc:
            raise TelegramError(self.scrub(str(exc))) from None
        result = reply["result"]
        chat = result.get("chat") or {}
        return SentMessage(int(result["message_id"]), str(chat.get("id", chat_id)), int(result.get("date") or 0))
