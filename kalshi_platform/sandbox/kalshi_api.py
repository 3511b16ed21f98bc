"""Kalshi Trade API v2 market-data routes (series, events, markets, order books, trades, candlesticks,
historical data, exchange status, account limits), in the wire format of the real payloads."""

from __future__ import annotations

import base64
import binascii

import numpy as np

from kalshi_platform.core.token_bucket import TIERS
from kalshi_platform.sandbox.routes import ApiError, Context, Reply, Route
from kalshi_platform.sandbox.wire import fmt_count, fmt_u4
from kalshi_platform.sandbox.world import STATUS_FILTER, US, KalshiWorld

PREFIX = "/trade-api/v2"
EVENT_STATUS = {"unopened": 0, "open": 1, "closed": 2, "settled": 3}


# -- cursors ---------------------------------------------------------------------------------------
def encode_cursor(kind: str, *parts: int) -> str:
    text = "|".join([kind, *(str(p) for p in parts)])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, kind: str, n: int) -> tuple[int, ...] | None:
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        head, *parts = text.split("|")
        if head != kind or len(parts) != n:
            raise ValueError
        return tuple(int(p) for p in parts)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_parameters", "invalid cursor", f"cursor {raw!r} was not issued by this endpoint") from None


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _page(mask: np.ndarray, after: tuple[int, ...] | None, limit: int) -> tuple[np.ndarray, bool]:
    """Keyset page over a boolean mask in index order: indices > cursor, at most ``limit``."""
    candidates = np.flatnonzero(mask)
    if after is not None:
        candidates = candidates[candidates > after[0]]
    return candidates[:limit], len(candidates) > limit


class KalshiApi:
    """Route handlers bound to a world. The exchange supplies time, auth and the account book."""

    def __init__(self, world: KalshiWorld, tier_name: str) -> None:
        self.world = world
        self.tier_name = tier_name

    def routes(self) -> list[Route]:
        p = PREFIX
        r = Route
        return [
            r("GET", p + "/exchange/status", self.exchange_status, "exchange_status"),
            r("GET", p + "/account/limits", self.account_limits, "account_limits", auth=True, faults=False),
            r("GET", p + "/series", self.series_list, "series_list", records=("series",), record_kind="series"),
            r("GET", p + "/series/fee_changes", self.fee_changes, "series_fee_changes"),
            r("GET", p + "/series/{series_ticker}", self.series_one, "series"),
            r("GET", p + "/events", self.events_list, "events_list", records=("events",), record_kind="event"),
            r("GET", p + "/events/multivariate", self.events_mve, "events_multivariate", records=("events",),
              record_kind="event"),
            r("GET", p + "/events/{event_ticker}", self.event_one, "event"),
            r("GET", p + "/markets", self.markets_list, "markets_list", records=("markets",)),
            r("GET", p + "/markets/trades", self.trades, "trades", records=("trades",), record_kind="trade"),
            r("GET", p + "/markets/{ticker}", self.market_one, "market"),
            r("GET", p + "/markets/{ticker}/orderbook", self.orderbook, "orderbook"),
            r("GET", p + "/series/{series_ticker}/markets/{ticker}/candlesticks", self.candlesticks, "candlesticks",
              records=("candlesticks",), record_kind="candle"),
            r("GET", p + "/historical/cutoff", self.cutoff, "historical_cutoff"),
            r("GET", p + "/historical/markets", self.historical_markets, "historical_markets", records=("markets",)),
            r("GET", p + "/historical/markets/{ticker}", self.historical_market, "historical_market"),
            r("GET", p + "/historical/markets/{ticker}/candlesticks", self.historical_candlesticks,
              "historical_candlesticks", records=("candlesticks",), record_kind="candle"),
            r("GET", p + "/historical/trades", self.historical_trades, "historical_trades", records=("trades",),
              record_kind="trade"),
        ]

    # -- exchange / account -----------------------------------------------------------------------
    def exchange_status(self, ctx: Context) -> Reply:
        return Reply({"exchange_active": True, "trading_active": True})

    def account_limits(self, ctx: Context) -> Reply:
        tier = TIERS[self.tier_name]
        return Reply({"read_limit": tier.read_per_s, "usage_tier": tier.name, "write_limit": tier.write_per_s})

    # -- series -----------------------------------------------------------------------------------
    def series_list(self, ctx: Context) -> Reply:
        w = self.world
        category = ctx.arg("category")
        tags = set(_csv(ctx.arg("tags")))
        with_volume = ctx.bool_arg("include_volume")
        out = []
        for s, ser in enumerate(w.series):
            if category and ser.category != category:
                continue
            if tags and not tags.intersection(ser.tags):
                continue
            out.append(w.series_dict(s, ctx.now_us, include_volume=with_volume))
        return Reply({"series": out})

    def series_one(self, ctx: Context) -> Reply:
        s = self.world.series_index.get(ctx.params["series_ticker"])
        if s is None:
            raise not_found("series")
        return Reply({"series": self.world.series_dict(s, ctx.now_us, include_volume=ctx.bool_arg("include_volume"))})

    def fee_changes(self, ctx: Context) -> Reply:
        # Fees never change in the sandbox; the route exists so fee-history fetches see Kalshi's shape.
        return Reply({"series_fee_change_arr": []})

    # -- events -----------------------------------------------------------------------------------
    def _events(self, ctx: Context, *, mve: bool) -> Reply:
        w = self.world
        limit = ctx.int_arg("limit", 200, lo=1, hi=200)
        after = decode_cursor(ctx.arg("cursor"), "ev", 1)
        t_s = ctx.now_us // US
        mask = (w.is_mve_event if mve else ~w.is_mve_event) & w.event_created_mask(ctx.now_us)
        series = ctx.arg("series_ticker")
        if series:
            s = w.series_index.get(series)
            mask &= (w.series_of_event == s) if s is not None else False
        if mve and ctx.arg("collection_ticker"):
            coll = ctx.arg("collection_ticker")
            mask &= np.array([e.mve_collection_ticker == coll for e in w.events], dtype=bool)
        status = ctx.arg("status")
        if status:
            codes = []
            for value in _csv(status):
                if value not in EVENT_STATUS:
                    raise ApiError(400, "invalid_parameters", "invalid status",
                                   f"status must be one of {', '.join(EVENT_STATUS)}; got {value!r}")
                codes.append(EVENT_STATUS[value])
            mask &= np.isin(w.event_status(t_s), codes)
        min_close = ctx.int_arg("min_close_ts")
        if min_close is not None:
            closes = np.maximum.reduceat(w.close_s, w.ev_first) if len(w.events) else np.zeros(0, np.int64)
            mask &= closes > min_close
        min_updated = ctx.int_arg("min_updated_ts")
        if min_updated is not None:
            cand = np.flatnonzero(mask)
            upd = w.event_updated_us(cand, ctx.now_us)
            keep = np.zeros_like(mask)
            keep[cand[upd > min_updated * US]] = True
            mask &= keep
        page, more = _page(mask, after, limit)
        events = w.event_dicts(page, ctx.now_us, nested=ctx.bool_arg("with_nested_markets"))
        cursor = encode_cursor("ev", int(page[-1])) if more and len(page) else ""
        return Reply({"cursor": cursor, "events": events, "milestones": []} if not mve else {"cursor": cursor, "events": events})

    def events_list(self, ctx: Context) -> Reply:
        return self._events(ctx, mve=False)

    def events_mve(self, ctx: Context) -> Reply:
        return self._events(ctx, mve=True)

    def event_one(self, ctx: Context) -> Reply:
        w = self.world
        e = w.event_index.get(ctx.params["event_ticker"])
        if e is None or not w.event_created_mask(ctx.now_us)[e]:
            raise not_found("event")
        nested = ctx.bool_arg("with_nested_markets")
        event = w.event_dicts([e], ctx.now_us, nested=nested)[0]
        markets = event["markets"] if nested else w.market_dicts(w.live_markets_of_event(e, ctx.now_us // US), ctx.now_us)
        return Reply({"event": event, "markets": markets})

    # -- markets ----------------------------------------------------------------------------------
    def _market_filter(self, ctx: Context, *, historical: bool) -> np.ndarray:
        w = self.world
        t_s = ctx.now_us // US
        hist = w.historical_mask(t_s)
        mask = (hist if historical else ~hist) & w.created_mask(ctx.now_us)
        filters = {k for k, v in ctx.query if v != "" and k not in ("limit", "cursor")}
        if "min_updated_ts" in filters and not historical:
            if filters - {"min_updated_ts", "mve_filter"} or ctx.arg("mve_filter", "exclude") != "exclude":
                raise ApiError(400, "invalid_parameters", "min_updated_ts is incompatible with other filters",
                               "min_updated_ts may only be combined with mve_filter=exclude")
        tickers = _csv(ctx.arg("tickers"))
        if tickers:
            sel = np.zeros_like(mask)
            known = [w.market_index[t] for t in tickers if t in w.market_index]
            sel[known] = True
            mask &= sel
        event = ctx.arg("event_ticker")
        if event:
            sel = np.zeros_like(mask)
            for ev in _csv(event):
                e = w.event_index.get(ev)
                if e is not None:
                    sel[int(w.ev_first[e]) : int(w.ev_first[e] + w.ev_count[e])] = True
            mask &= sel
        series = ctx.arg("series_ticker")
        if series:
            s = w.series_index.get(series)
            mask &= (w.ser_of == s) if s is not None else False
        mve = ctx.arg("mve_filter")
        if mve:
            if mve not in ("only", "exclude") or (historical and mve != "exclude"):
                raise ApiError(400, "invalid_parameters", "invalid mve_filter", f"got {mve!r}")
            mask &= w.is_mve if mve == "only" else ~w.is_mve
        if historical:
            return mask
        status = ctx.arg("status")
        if status:
            codes: list[int] = []
            for value in _csv(status):
                if value not in STATUS_FILTER:
                    raise ApiError(400, "invalid_parameters", "invalid status",
                                   f"status must be one of {', '.join(STATUS_FILTER)}; got {value!r}")
                codes.extend(STATUS_FILTER[value])
            mask &= np.isin(w.status_codes(t_s), codes)
        lo, hi = ctx.int_arg("min_close_ts"), ctx.int_arg("max_close_ts")
        if lo is not None:
            mask &= w.close_s > lo
        if hi is not None:
            mask &= w.close_s < hi
        min_updated = ctx.int_arg("min_updated_ts")
        if min_updated is not None:
            cand = np.flatnonzero(mask)
            upd = w.updated_us(ctx.now_us, cand)
            keep = np.zeros_like(mask)
            keep[cand[upd > min_updated * US]] = True
            mask &= keep
        return mask

    def _markets(self, ctx: Context, *, historical: bool) -> Reply:
        limit = ctx.int_arg("limit", 100, lo=0, hi=1000) or 100
        kind = "hm" if historical else "mk"
        after = decode_cursor(ctx.arg("cursor"), kind, 1)
        mask = self._market_filter(ctx, historical=historical)
        page, more = _page(mask, after, limit)
        markets = self.world.market_dicts(page, ctx.now_us)
        return Reply({"cursor": encode_cursor(kind, int(page[-1])) if more and len(page) else "", "markets": markets})

    def markets_list(self, ctx: Context) -> Reply:
        return self._markets(ctx, historical=False)

    def historical_markets(self, ctx: Context) -> Reply:
        return self._markets(ctx, historical=True)

    def _lookup(self, ticker: str, ctx: Context, *, historical: bool) -> int:
        i = self.world.market_index.get(ticker)
        if i is None or not self.world.created_us[i] <= ctx.now_us:
            raise not_found("market")
        is_hist = bool(self.world.historical_mask(ctx.now_us // US, np.array([i]))[0])
        if is_hist != historical:
            raise not_found("market")
        return i

    def market_one(self, ctx: Context) -> Reply:
        i = self._lookup(ctx.params["ticker"], ctx, historical=False)
        return Reply({"market": self.world.market_dicts([i], ctx.now_us)[0]})

    def historical_market(self, ctx: Context) -> Reply:
        i = self._lookup(ctx.params["ticker"], ctx, historical=True)
        return Reply({"market": self.world.market_dicts([i], ctx.now_us)[0]})

    def orderbook(self, ctx: Context) -> Reply:
        i = self.world.market_index.get(ctx.params["ticker"])
        if i is None or not self.world.created_us[i] <= ctx.now_us:
            raise not_found("market")
        depth = ctx.int_arg("depth", 0, lo=0, hi=100)
        yes, no = self.world.orderbook(i, ctx.now_us, depth or 0)
        return Reply({"orderbook_fp": {
            "no_dollars": [[fmt_u4(p), fmt_count(c)] for p, c in no],
            "yes_dollars": [[fmt_u4(p), fmt_count(c)] for p, c in yes],
        }})

    # -- trades -----------------------------------------------------------------------------------
    def _trades(self, ctx: Context, *, historical: bool) -> Reply:
        w = self.world
        limit = ctx.int_arg("limit", 100, lo=0, hi=1000) or 100
        kind = "ht" if historical else "tr"
        after = decode_cursor(ctx.arg("cursor"), kind, 2)
        ticker = ctx.arg("ticker")
        ti = None
        if ticker:
            ti = w.market_index.get(ticker)
            if ti is None:
                return Reply({"cursor": "", "trades": []})
        min_ts, max_ts = ctx.int_arg("min_ts"), ctx.int_arg("max_ts")
        min_us = None if min_ts is None else min_ts * US
        max_us = None if max_ts is None else max_ts * US + (US - 1)
        cutoff_us = w.cutoff_s(ctx.now_us // US) * US
        if historical:
            max_us = cutoff_us - 1 if max_us is None else min(max_us, cutoff_us - 1)
        else:
            min_us = cutoff_us if min_us is None else max(min_us, cutoff_us)
        page, more = w.trades_page(now_us=ctx.now_us, limit=limit, ticker_index=ti, min_us=min_us, max_us=max_us,
                                   after=after)
        cursor = ""
        if more and len(page["ts"]):
            cursor = encode_cursor(kind, int(page["ts"][-1]), int(page["key"][-1]))
        return Reply({"cursor": cursor, "trades": w.trade_dicts(page)})

    def trades(self, ctx: Context) -> Reply:
        return self._trades(ctx, historical=False)

    def historical_trades(self, ctx: Context) -> Reply:
        return self._trades(ctx, historical=True)

    # -- candlesticks -----------------------------------------------------------------------------
    def _candle_args(self, ctx: Context) -> tuple[int, int, int]:
        start = ctx.int_arg("start_ts")
        end = ctx.int_arg("end_ts")
        period = ctx.int_arg("period_interval")
        if start is None or end is None or period is None:
            raise ApiError(400, "invalid_parameters", "start_ts, end_ts and period_interval are required")
        if period not in (1, 60, 1440):
            raise ApiError(400, "invalid_parameters", "period_interval must be 1, 60 or 1440", f"got {period}")
        if end < start:
            raise ApiError(400, "invalid_parameters", "end_ts must not be before start_ts")
        return start, end, period

    def _candles(self, ctx: Context, i: int) -> list[dict]:
        start, end, period = self._candle_args(ctx)
        try:
            return self.world.candlesticks(i, start, end, period, ctx.now_us)
        except ValueError as exc:
            raise ApiError(400, "invalid_parameters", str(exc)) from None

    def candlesticks(self, ctx: Context) -> Reply:
        ticker = ctx.params["ticker"]
        i = self._lookup(ticker, ctx, historical=False)
        if self.world.series[int(self.world.ser_of[i])].ticker != ctx.params["series_ticker"]:
            raise not_found("market")
        out = []
        for c in self._candles(ctx, i):
            price = {f"{k}_dollars": (fmt_u4(v) if v is not None else None) for k, v in c["price"].items()}
            # Live candles omit the price fields that have no value (no trades / no earlier trade).
            price = {k: v for k, v in sorted(price.items()) if v is not None}
            out.append({
                "end_period_ts": c["end_period_ts"],
                "open_interest_fp": fmt_count(c["open_interest"]),
                "price": price,
                "volume_fp": fmt_count(c["volume"]),
                "yes_ask": {f"{k}_dollars": fmt_u4(v) for k, v in sorted(c["yes_ask"].items())},
                "yes_bid": {f"{k}_dollars": fmt_u4(v) for k, v in sorted(c["yes_bid"].items())},
            })
        return Reply({"candlesticks": out, "ticker": ticker})

    def historical_candlesticks(self, ctx: Context) -> Reply:
        ticker = ctx.params["ticker"]
        i = self._lookup(ticker, ctx, historical=True)
        out = []
        for c in self._candles(ctx, i):
            pr = c["price"]
            price = {k: (fmt_u4(pr[k]) if pr.get(k) is not None else None)
                     for k in ("close", "high", "low", "mean", "open", "previous")}
            out.append({
                "end_period_ts": c["end_period_ts"],
                "open_interest": fmt_count(c["open_interest"]),
                "price": price,
                "volume": fmt_count(c["volume"]),
                "yes_ask": {k: fmt_u4(v) for k, v in sorted(c["yes_ask"].items())},
                "yes_bid": {k: fmt_u4(v) for k, v in sorted(c["yes_bid"].items())},
            })
        return Reply({"candlesticks": out, "ticker": ticker})

    def cutoff(self, ctx: Context) -> Reply:
        return Reply(self.world.cutoff_dict(ctx.now_us))

