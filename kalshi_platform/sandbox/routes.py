"""A small route registry: the exchange dispatches on (method, path) only, so every API the sandbox
serves (Kalshi today; Coinbase ``/products/...``, Kraken ``/0/public/...``, Open-Meteo ``/v1/ensemble``,
The Odds API ``/v4/...``, Telegram ``/bot<token>/sendMessage`` later) shares one exchange and port.

A pattern is a path whose ``{name}`` parts match one segment (or part of one: ``/bot{token}/sendMessage``).
When several patterns match, the one with the most literal characters wins, so ``/markets/trades``
beats ``/markets/{ticker}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


class ApiError(Exception):
    """Raised by a handler; rendered as Kalshi's error envelope (or ``body`` verbatim when given)."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None, *, body: bytes | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.body = body


@dataclass
class Reply:
    """What a handler returns: a JSON-able body (or raw bytes) and a status."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """Everything a handler may look at for one request."""

    method: str
    path: str
    params: dict[str, str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    now_us: int  # world clock, microseconds since the epoch
    key_id: str | None  # authenticated API key, if the request was signed
    seq: int
    exchange: Any

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default

    def int_arg(self, name: str, default: int | None = None, *, lo: int | None = None, hi: int | None = None) -> int | None:
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "invalid_parameters", f"{name} must be an integer", f"got {raw!r}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
            raise ApiError(400, "invalid_parameters", f"{name} must be in {bounds}", f"got {value}")
        return value

    def bool_arg(self, name: str, default: bool = False) -> bool:
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ApiError(400, "invalid_parameters", f"{name} must be true or false", f"got {raw!r}")


Handler = Callable[[Context], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    name: str = ""
    api: str = "kalshi"
    auth: bool = False  # signed request required
    rate_limited: bool = True  # counts against the tier's token buckets
    faults: bool = True  # request/body faults may be injected
    records: tuple[str, ...] = ()  # top-level list keys whose elements get record faults
    record_kind: str = "market"  # which bad values make sense for those records

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.pattern}"


_PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class _Compiled:
    route: Route
    regex: re.Pattern[str]
    literal: int


@dataclass
class Match:
    route: Route
    params: dict[str, str]


class Router:
    def __init__(self) -> None:
        self._routes: list[_Compiled] = []

    def add(self, route: Route) -> None:
        parts, pos = [], 0
        for m in _PARAM.finditer(route.pattern):
            parts.append(re.escape(route.pattern[pos : m.start()]))
            parts.append(f"(?P<{m.group(1)}>[^/]+)")
            pos = m.end()
        parts.append(re.escape(route.pattern[pos:]))
        literal = len(_PARAM.sub("", route.pattern))
        for existing in self._routes:
            if existing.route.method == route.method and existing.route.pattern == route.pattern:
                raise ValueError(f"route {route.method} {route.pattern} registered twice")
        self._routes.append(_Compiled(route, re.compile("^" + "".join(parts) + "/?$"), literal))
        self._routes.sort(key=lambda c: -c.literal)

    def include(self, routes: Iterable[Route]) -> None:
        for route in routes:
            self.add(route)

    def match(self, method: str, path: str) -> Match | None | list[str]:
        """The matching route; else the methods allowed on this path (possibly empty)."""
        allowed: list[str] = []
        for compiled in self._routes:
            m = compiled.regex.match(path)
            if not m:
                continue
            if compiled.route.method != method:
                allowed.append(compiled.route.method)
                continue
            return Match(compiled.route, {k: unquote(v) for k, v in m.groupdict().items()})
        return allowed

    @property
    def routes(self) -> list[Route]:
        return [c.route for c in self._routes]
