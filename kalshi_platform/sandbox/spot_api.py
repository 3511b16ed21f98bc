"""The spot exchanges' public REST routes, in their real wire formats (../shared/data/real/spot):

- Coinbase Exchange: ``GET /products/{product_id}/ticker`` and ``/products/{product_id}/candles``
  (``[time, low, high, open, close, volume]`` arrays, newest first, at most 300);
- Kraken: ``GET /0/public/Ticker?pair=XBTUSD`` (``{"error": [], "result": {"XXBTZUSD": {...}}}``);
- Bitstamp: ``GET /api/v2/ticker/{pair}/`` and ``/api/v2/ohlc/{pair}/`` (every value a string).

Each venue's prices come from ``worlds.btc.SpotFeed`` (the shared BTC path seen with the venue's lag,
basis and tick). An outage answers the way the venue does: Coinbase and Bitstamp with a 503, Kraken
with ``EService:Unavailable`` in its ``error`` list. These routes do not spend the Kalshi rate-limit
tokens (they are other companies' APIs) but do take the exchange's injected faults.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_platform.sandbox.routes import ApiError, Context, Reply, Route
from kalshi_platform.sandbox.worlds.btc import VENUES, SpotFeed, VenueQuote

COINBASE_PRODUCTS = {"BTC-USD"}
COINBASE_GRANULARITIES = {60, 300, 900, 3600, 21600, 86400}
COINBASE_MAX_CANDLES = 300
KRAKEN_PAIRS = {"XBTUSD": "XXBTZUSD", "XXBTZUSD": "XXBTZUSD", "BTCUSD": "XXBTZUSD", "XBT/USD": "XXBTZUSD"}
BITSTAMP_PAIRS = {"btcusd": "BTC/USD"}
BITSTAMP_STEPS = {60, 180, 300, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400, 259200}
BITSTAMP_MAX_LIMIT = 1000
BITSTAMP_503 = (b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
                b"<h1>503 Service Temporarily Unavailable</h1></center></body></html>")


def fixed(value: float, decimals: int) -> str:
    """A number with exactly ``decimals`` places (Kraken writes "84036.10000")."""
    return str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))


def trimmed(value: float, decimals: int) -> str:
    """A number with at most ``decimals`` places and no trailing zeros (Coinbase writes "73367.8")."""
    text = fixed(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def iso_us(t_us: int) -> str:
    return datetime.fromtimestamp(t_us // 1_000_000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{t_us % 1_000_000:06d}Z"


def _parse_time(ctx: Context, name: str) -> int | None:
    raw = ctx.arg(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    try:
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return int(float(text))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # Coinbase reads a time without an offset as UTC; .timestamp() would read it as the host's zone.
        return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())
    except ValueError:
        raise ApiError(400, "invalid_parameters", f"{name} is not a time", body=_cb_error(f"Invalid {name}")) from None


def _cb_error(message: str) -> bytes:
    import json

    return json.dumps({"message": message}).encode()


class SpotApi:
    def __init__(self, feed: SpotFeed) -> None:
        self.feed = feed

    # -- Coinbase Exchange -------------------------------------------------------------------------
    def _coinbase_product(self, ctx: Context) -> str:
        product = ctx.params["product_id"].upper()
        if product not in COINBASE_PRODUCTS:
            raise ApiError(404, "not_found", "NotFound", body=_cb_error("NotFound"))
        if self.feed.is_down("coinbase", ctx.now_us // 1_000_000):
            raise ApiError(503, "unavailable", "service unavailable", body=_cb_error("service unavailable"))
        return product

    def coinbase_ticker(self, ctx: Context) -> Reply:
        self._coinbase_product(ctx)
        q = self.feed.quote("coinbase", ctx.now_us // 1_000_000)
        return Reply({
            "ask": trimmed(q.ask, 2),
            "bid": trimmed(q.bid, 2),
            "volume": fixed(q.volume_24h, 8),
            "trade_id": str(q.trade_id),
            "price": trimmed(q.last, 2),
            "size": fixed(q.last_size, 8),
            "time": iso_us(q.trade_us),
            "rfq_volume": fixed(q.volume_24h * 0.0021, 6),
        })

    def coinbase_candles(self, ctx: Context) -> Reply:
        self._coinbase_product(ctx)
        granularity = ctx.int_arg("granularity", 60)
        if granularity not in COINBASE_GRANULARITIES:
            raise ApiError(400, "invalid_parameters", "granularity", body=_cb_error("Unsupported granularity"))
        now_s = ctx.now_us // 1_000_000
        end = min(_parse_time(ctx, "end") or now_s, now_s)
        start = _parse_time(ctx, "start")
        if start is None:
            start = end - COINBASE_MAX_CANDLES * granularity
        if start > end:
            raise ApiError(400, "invalid_parameters", "start after end", body=_cb_error("start must be before end"))
        if (end - start) // granularity > COINBASE_MAX_CANDLES:
            raise ApiError(400, "invalid_parameters", "too many candles", body=_cb_error(
                "granularity too small for the requested time range. Count of aggregations requested exceeds 300"))
        rows = self.feed.candles("coinbase", start, end + 1, granularity)
        # Coinbase sends plain JSON numbers, newest candle first.
        out = [[t, float(trimmed(lo, 2)), float(trimmed(hi, 2)), float(trimmed(op, 2)), float(trimmed(cl, 2)), vol]
               for t, op, hi, lo, cl, vol in reversed(rows)]
        return Reply(out)

    # -- Kraken --------------------------------------------------------------------------------------
    def kraken_ticker(self, ctx: Context) -> Reply:
        pair = (ctx.arg("pair") or "").upper()
        key = KRAKEN_PAIRS.get(pair)
        if key is None:
            return Reply({"error": ["EQuery:Unknown asset pair"]})
        now_s = ctx.now_us // 1_000_000
        if self.feed.is_down("kraken", now_s):
            return Reply({"error": ["EService:Unavailable"]})
        q = self.feed.quote("kraken", now_s)
        lot_a = max(1, round(q.ask_size))
        lot_b = max(1, round(q.bid_size))
        return Reply({"error": [], "result": {key: {
            "a": [fixed(q.ask, 5), str(lot_a), f"{lot_a}.000"],
            "b": [fixed(q.bid, 5), str(lot_b), f"{lot_b}.000"],
            "c": [fixed(q.last, 5), fixed(q.last_size, 8)],
            "v": [fixed(q.volume_today, 8), fixed(q.volume_24h, 8)],
            "p": [fixed(q.vwap_today, 5), fixed(q.vwap_24h, 5)],
            "t": [q.trades_today, q.trades_24h],
            "l": [fixed(q.low_today, 5), fixed(q.low_24h, 5)],
            "h": [fixed(q.high_today, 5), fixed(q.high_24h, 5)],
            "o": fixed(q.open_today, 5),
        }}})

    # -- Bitstamp ------------------------------------------------------------------------------------
    def _bitstamp_pair(self, ctx: Context) -> str:
        pair = ctx.params["pair"].lower()
        if pair not in BITSTAMP_PAIRS:
            raise ApiError(404, "not_found", "Invalid currency pair",
                           body=b'{"status": "error", "reason": "Invalid currency pair", "code": "API0001"}')
        if self.feed.is_down("bitstamp", ctx.now_us // 1_000_000):
            raise ApiError(503, "unavailable", "service unavailable", body=BITSTAMP_503)
        return pair

    def bitstamp_ticker(self, ctx: Context) -> Reply:
        self._bitstamp_pair(ctx)
        q: VenueQuote = self.feed.quote("bitstamp", ctx.now_us // 1_000_000)
        d = VENUES["bitstamp"].price_decimals
        change = (q.last / q.open_24h - 1) * 100 if q.open_24h else 0.0
        return Reply({
            "timestamp": str(q.trade_us // 1_000_000),
            "open": trimmed(q.open_today, d),
            "high": trimmed(q.high_24h, d),
            "low": trimmed(q.low_24h, d),
            "last": trimmed(q.last, d),
            "volume": fixed(q.volume_24h, 8),
            "vwap": trimmed(q.vwap_24h, d),
            "bid": trimmed(q.bid, d),
            "ask": trimmed(q.ask, d),
            "side": "0" if q.side_buy else "1",
            "open_24": trimmed(q.open_24h, d),
            "percent_change_24": fixed(change, 2),
        })

    def bitstamp_ohlc(self, ctx: Context) -> Reply:
        pair = self._bitstamp_pair(ctx)
        step = ctx.int_arg("step", 60)
        if step not in BITSTAMP_STEPS:
            raise ApiError(400, "invalid_parameters", "step",
                           body=b'{"errors": [{"field": "step", "message": "Must be one of the allowed steps.", "code": "invalid"}]}')
        limit = ctx.int_arg("limit", 100, lo=1, hi=BITSTAMP_MAX_LIMIT)
        now_s = ctx.now_us // 1_000_000
        end = min(_parse_time(ctx, "end") or now_s, now_s)
        start = _parse_time(ctx, "start")
        if start is None:
            start = end - end % step - (limit - 1) * step
        rows = self.feed.candles("bitstamp", start, end + 1, step)[-limit:]
        d = VENUES["bitstamp"].price_decimals
        return Reply({"data": {"pair": BITSTAMP_PAIRS[pair], "ohlc": [
            {"timestamp": str(t), "open": trimmed(op, d), "high": trimmed(hi, d), "low": trimmed(lo, d),
             "close": trimmed(cl, d), "volume": fixed(vol, 8)}
            for t, op, hi, lo, cl, vol in rows
        ]}})

    def routes(self) -> list[Route]:
        common = dict(rate_limited=False)
        return [
            Route("GET", "/products/{product_id}/ticker", self.coinbase_ticker, name="coinbase GET ticker", api="coinbase", **common),
            Route("GET", "/products/{product_id}/candles", self.coinbase_candles, name="coinbase GET candles", api="coinbase", **common),
            Route("GET", "/0/public/Ticker", self.kraken_ticker, name="kraken GET Ticker", api="kraken", **common),
            Route("GET", "/api/v2/ticker/{pair}", self.bitstamp_ticker, name="bitstamp GET ticker", api="bitstamp", **common),
            Route("GET", "/api/v2/ohlc/{pair}", self.bitstamp_ohlc, name="bitstamp GET ohlc", api="bitstamp", **common),
        ]


def spot_routes(feed: SpotFeed) -> list[Route]:
    return SpotApi(feed).routes()
