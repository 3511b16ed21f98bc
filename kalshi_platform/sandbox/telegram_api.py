"""The Telegram Bot API's ``sendMessage`` (and ``getMe``), served by the embedded exchange.

Mounted with ``mount_telegram(exchange)`` next to the Kalshi routes, so alerts are delivered with no
network and no bot: a client points its base URL at any host through ``SandboxTransport`` and posts
to ``/bot<token>/sendMessage`` exactly as to api.telegram.org. Replies follow the Bot API: ``{"ok": true,
"result": Message}`` with the text stripped of its HTML and the formatting as ``entities`` (UTF-16
offsets), or ``{"ok": false, "error_code", "description"}`` with Telegram's wording (401 Unauthorized for
an unknown token; 400 for an empty chat id or text, a message over 4096 characters, HTML it cannot
parse; 429 with ``parameters.retry_after``).

Tests and demos inject failures with ``fail_next`` and read what was delivered from ``messages``.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl

from kalshi_platform.sandbox.routes import Context, Reply, Route

# A token of the real shape (<bot id>:<35 characters>) that the sandbox bot answers to.
SANDBOX_TELEGRAM_TOKEN = "7000000001:AAHsandboxKalshiPlatformBotToken0001"
SANDBOX_CHAT_ID = "100000001"
MAX_MESSAGE_CHARS = 4096
# Tags Telegram's HTML parse mode accepts, and the entity type each one makes.
_ENTITY_OF_TAG = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
    "a": "text_link", "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
}


@dataclass
class Bot:
    bot_id: int
    username: str
    first_name: str


@dataclass
class InjectedFailure:
    status: int
    description: str
    retry_after: int | None = None
    html_body: bool = False


@dataclass
class Delivered:
    """One message the sandbox accepted: who it went to and what it said."""

    token_bot_id: int
    chat_id: str
    message_id: int
    date: int
    text: str  # as rendered (HTML stripped)
    raw_text: str  # as posted
    parse_mode: str | None
    entities: list[dict] = field(default_factory=list)


class _HtmlEntities(HTMLParser):
    """Telegram-HTML -> plain text + entities, refusing tags Telegram refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.units = 0  # UTF-16 code units so far: Telegram's offsets count those
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error:
            return
        if tag not in _ENTITY_OF_TAG:
            self.error = f'Unsupported start tag "{tag}" at byte offset {self._offset()}'
            return
        self.stack.append((tag, self.units, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.error = f'Unexpected end tag at byte offset {self._offset()}'
            return
        _, start, attrs = self.stack.pop()
        if self.units > start:
            entity = {"offset": start, "length": self.units - start, "type": _ENTITY_OF_TAG[tag]}
            if tag == "a" and attrs.get("href"):
                entity["url"] = attrs["href"]
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.units += len(data.encode("utf-16-le")) // 2

    def _offset(self) -> int:
        return len("".join(self.parts).encode())

    def finish(self) -> str | None:
        self.close()
        if self.error is None and self.stack:
            self.error = f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"'
        return self.error


class TelegramBotApi:
    def __init__(self) -> None:
        self.bots: dict[str, Bot] = {}
        self.messages: list[Delivered] = []
        self._failures: deque[InjectedFailure] = deque()
        self._next_id: dict[str, int] = {}
        self._lock = threading.Lock()
        self.register_bot(SANDBOX_TELEGRAM_TOKEN, "kalshi_platform_sandbox_bot")

    # -- controls for tests and demos --------------------------------------------------------
    def register_bot(self, token: str, username: str = "sandbox_bot") -> None:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 7_000_000_000
        with self._lock:
            self.bots[token] = Bot(bot_id, username, "Kalshi Platform (sandbox)")

    def fail_next(self, count: int = 1, *, status: int = 500, description: str | None = None,
                  retry_after: int | None = None) -> None:
        """The next ``count`` sends fail with ``status`` (500/502 server errors, 429 flood control, ...)."""
        default = {400: "Bad Request: chat not found", 403: "Forbidden: bot was blocked by the user",
                   429: f"Too Many Requests: retry after {retry_after or 5}", 500: "Internal Server Error"}
        failure = InjectedFailure(
            status=status,
            description=description or default.get(status, "Bad Gateway"),
            retry_after=(retry_after or 5) if status == 429 else retry_after,
            html_body=status in (502, 503, 504),
        )
        with self._lock:
            self._failures.extend([failure] * count)

    def delivered_to(self, chat_id: str | int) -> list[Delivered]:
        with self._lock:
            return [m for m in self.messages if m.chat_id == str(chat_id)]

    # -- routes ------------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        common = dict(api="telegram", rate_limited=False, faults=False)
        return [
            Route("POST", "/bot{token}/sendMessage", self.send_message, "telegram_send_message", **common),
            Route("GET", "/bot{token}/getMe", self.get_me, "telegram_get_me", **common),
            Route("POST", "/bot{token}/getMe", self.get_me, "telegram_get_me_post", **common),
        ]

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> Reply:
        body: dict = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return Reply(body, status=status)

    def _bot(self, ctx: Context) -> Bot | None:
        with self._lock:
            return self.bots.get(ctx.params.get("token", ""))

    def get_me(self, ctx: Context) -> Reply:
        bot = self._bot(ctx)
        if bot is None:
            return self._error(401, "Unauthorized")
        return Reply({"ok": True, "result": {"id": bot.bot_id, "is_bot": True, "first_name": bot.first_name,
                                             "username": bot.username, "can_join_groups": True,
                                             "can_read_all_group_messages": False, "supports_inline_queries": False}})

    @staticmethod
    def _params(ctx: Context) -> dict:
        params: dict = dict(ctx.query)
        body = ctx.body or b""
        content_type = ctx.headers.get("content-type", "")
        if body:
            if "json" in content_type or body.lstrip()[:1] == b"{":
                try:
                    decoded = json.loads(body)
                except json.JSONDecodeError:
                    decoded = None
                if isinstance(decoded, dict):
                    params.update(decoded)
            else:
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return params

    def send_message(self, ctx: Context) -> Reply:
        bot = self._bot(ctx)
        if bot is None:
            return self._error(401, "Unauthorized")
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            if failure.html_body:
                page = f"<html><head><title>{failure.status} Bad Gateway</title></head><body>nginx</body></html>"
                return Reply(page.encode(), status=failure.status, headers={"content-type": "text/html"})
            return self._error(failure.status, failure.description, failure.retry_after)
        params = self._params(ctx)
        chat_id = params.get("chat_id")
        if chat_id is None or str(chat_id).strip() == "":
            return self._error(400, "Bad Request: chat_id is empty")
        raw_text = params.get("text")
        if not isinstance(raw_text, str) or not raw_text.strip():
            return self._error(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode") or None
        if parse_mode not in (None, "HTML", "MarkdownV2", "Markdown"):
            return self._error(400, "Bad Request: unsupported parse_mode")
        text, entities = raw_text, []
        if parse_mode == "HTML":
            parser = _HtmlEntities()
            parser.feed(raw_text)
            problem = parser.finish()
            if problem:
                return self._error(400, f"Bad Request: can't parse entities: {problem}")
            text, entities = "".join(parser.parts), parser.entities
        if len(text.encode("utf-16-le")) // 2 > MAX_MESSAGE_CHARS:
            return self._error(400, "Bad Request: message is too long")
        chat = str(chat_id)
        with self._lock:
            message_id = self._next_id.get(chat, 0) + 1
            self._next_id[chat] = message_id
            delivered = Delivered(bot.bot_id, chat, message_id, ctx.now_us // 1_000_000, text, raw_text,
                                  parse_mode, entities)
            self.messages.append(delivered)
        chat_obj: dict = (
            {"id": chat, "title": chat.lstrip("@"), "username": chat.lstrip("@"), "type": "channel"}
            if chat.startswith("@") else
            {"id": int(chat) if chat.lstrip("-").isdigit() else chat, "first_name": "Sandbox", "type": "private"}
        )
        result: dict = {
            "message_id": message_id,
            "from": {"id": bot.bot_id, "is_bot": True, "first_name": bot.first_name, "username": bot.username},
            "chat": chat_obj,
            "date": delivered.date,
            "text": text,
        }
        if entities:
            result["entities"] = entities
        return Reply({"ok": True, "result": result})


_MOUNTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MOUNT_LOCK = threading.Lock()


def mount_telegram(exchange) -> TelegramBotApi:
    """The Telegram API of this exchange, mounting its routes the first time (idempotent)."""
    with _MOUNT_LOCK:
        api = _MOUNTED.get(exchange)
        if api is None:
            api = TelegramBotApi()
            exchange.add_routes(api.routes())
            _MOUNTED[exchange] = api
        return api
