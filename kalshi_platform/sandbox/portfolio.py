"""Signed portfolio routes: a per-API-key account trading against the world's quotes.

An order that is marketable against the current book fills at once (taker, walking the book's levels);
the rest rests and fills later, at its limit price (maker), once the world's quote crosses it. Resting
orders hold their cost out of the available balance and are cancelled when the market closes.
Positions settle from the world's truth once the market is determined.

Money is integer micro-dollars, prices integer $0.0001, counts integer hundredths; the payloads carry
both Kalshi's legacy integer-cent fields (as in the recorded fixtures) and the 2026 *_dollars/*_fp ones.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

import numpy as np

from kalshi_platform.sandbox import rng
from kalshi_platform.sandbox.kalshi_api import PREFIX, decode_cursor, encode_cursor, not_found
from kalshi_platform.sandbox.routes import ApiError, Context, Reply, Route
from kalshi_platform.sandbox.wire import (
    PRICE_ONE,
    cents_of_micro,
    fmt_count,
    fmt_micro,
    fmt_u4,
    parse_count_h,
    parse_price_u4,
    rfc3339_us,
)
from kalshi_platform.sandbox.world import ACTIVE, DETERMINED, US, KalshiWorld

STARTING_BALANCE_MICRO = 10_000 * 1_000_000  # $10,000
CENT_MICRO = 10_000
TAKER_RATE = Decimal("0.07")
MAKER_RATE = Decimal("0.0175")


@dataclass
class Order:
    order_id: str
    client_order_id: str
    user_id: str
    ticker: str
    event_ticker: str
    side: str  # yes | no
    action: str  # buy | sell
    type: str
    direction: int  # +1 adds YES exposure (buy yes / sell no), -1 adds NO exposure
    limit_yes: int  # limit expressed as a YES price, u4
    side_price: int  # limit in the order's own side, u4
    initial: int  # hundredths
    created_us: int
    filled: int = 0
    status: str = "resting"
    last_update_us: int = 0
    taker_fees: int = 0  # micro
    maker_fees: int = 0
    taker_cost: int = 0
    maker_cost: int = 0

    @property
    def remaining(self) -> int:
        return 0 if self.status != "resting" else self.initial - self.filled


@dataclass
class Position:
    ticker: str
    event_ticker: str
    position: int = 0  # hundredths; + YES, - NO
    cost: int = 0  # micro, cost basis of the open position
    realized: int = 0
    fees: int = 0
    traded: int = 0
    updated_us: int = 0
    settled: bool = False


@dataclass
class Account:
    key_id: str
    user_id: str
    cash: int = STARTING_BALANCE_MICRO
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[dict] = field(default_factory=list)
    positions: dict[str, Position] = field(default_factory=dict)
    settlements: list[dict] = field(default_factory=list)
    updated_us: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def reserved(self) -> int:
        return sum(o.remaining * o.side_price for o in self.orders.values() if o.status == "resting")


def fee_micro(count_h: int, yes_price: int, rate: Decimal, multiplier: float | int) -> int:
    """Kalshi's quadratic fee rate x multiplier x C x P x (1-P), rounded up to the cent."""
    if rate == 0 or count_h == 0:
        return 0
    c = Decimal(count_h) / 100
    p = Decimal(yes_price) / PRICE_ONE
    fee = rate * Decimal(str(multiplier)) * c * p * (1 - p)
    cents = (fee * 100).to_integral_value(rounding=ROUND_CEILING)
    return int(cents) * CENT_MICRO


class Portfolio:
    def __init__(self, world: KalshiWorld) -> None:
        self.world = world
        self.accounts: dict[str, Account] = {}
        self._lock = threading.Lock()
        self._seq = 0

    def routes(self) -> list[Route]:
        p = PREFIX + "/portfolio"
        return [
            Route("GET", p + "/balance", self.balance, "portfolio_balance", auth=True),
            Route("GET", p + "/positions", self.positions, "portfolio_positions", auth=True),
            Route("GET", p + "/fills", self.fills, "portfolio_fills", auth=True),
            Route("GET", p + "/settlements", self.settlements, "portfolio_settlements", auth=True),
            Route("GET", p + "/orders", self.list_orders, "portfolio_orders", auth=True),
            Route("POST", p + "/orders", self.create_order, "portfolio_create_order", auth=True),
            Route("GET", p + "/orders/{order_id}", self.get_order, "portfolio_order", auth=True),
            Route("DELETE", p + "/orders/{order_id}", self.cancel_order, "portfolio_cancel_order", auth=True),
        ]

    # -- accounts -----------------------------------------------------------------------------
    def account(self, ctx: Context) -> Account:
        key = ctx.key_id
        if key is None:  # the router only sends signed requests here
            raise ApiError(401, "authentication_error", "authentication required")
        with self._lock:
            acct = self.accounts.get(key)
            if acct is None:
                user = rng.uuid_from(rng.str_hash("user:" + key), rng.str_hash("id:" + key))
                acct = self.accounts[key] = Account(key_id=key, user_id=user, updated_us=ctx.now_us)
        self.sync(acct, ctx.now_us)
        return acct

    def _next_id(self, acct: Account, what: str) -> str:
        with self._lock:
            self._seq += 1
            seq = self._seq
        return str(uuid.UUID(int=(rng.str_hash(f"{what}:{acct.key_id}:{seq}") << 64 | rng.str_hash(f"{seq}:{what}"))
                             & ((1 << 128) - 1)))

    def sync(self, acct: Account, now_us: int) -> None:
        """Let time act on the account: resting orders fill or expire, determined markets settle."""
        w = self.world
        t_s = now_us // US
        with acct.lock:
            for order in list(acct.orders.values()):
                if order.status != "resting":
                    continue
                i = w.market_index[order.ticker]
                status = int(w.status_codes(t_s, np.array([i]))[0])
                if status != ACTIVE:
                    if t_s >= int(w.close_s[i]):
                        order.status = "canceled"
                        order.last_update_us = int(w.close_s[i]) * US
                    continue
                bid, ask, _, _, _ = w.book_quote(np.array([i]), now_us)
                crossed = (order.direction > 0 and ask[0] <= order.limit_yes) or (
                    order.direction < 0 and 0 < bid[0] and bid[0] >= order.limit_yes)
                if crossed:
                    self._fill(acct, order, order.remaining, order.limit_yes, now_us, taker=False)
            for pos in acct.positions.values():
                if pos.settled:
                    continue
                i = w.market_index[pos.ticker]
                if int(w.status_codes(t_s, np.array([i]))[0]) < DETERMINED:
                    continue
                self._settle(acct, pos, i)

    def _settle(self, acct: Account, pos: Position, i: int) -> None:
        w = self.world
        outcome = bool(w.outcome[i])
        yes_count = max(pos.position, 0)
        no_count = max(-pos.position, 0)
        revenue = (yes_count if outcome else no_count) * 10_000  # $1 (10^6 micro) per winning contract (100 hundredths)
        acct.cash += revenue
        pos.realized += revenue - pos.cost
        settled_us = int(w.det_s[i]) * US
        acct.settlements.append({
            "event_ticker": pos.event_ticker,
            "fee_cost": fmt_micro(pos.fees),
            "market_result": "yes" if outcome else "no",
            "no_count": no_count // 100,
            "no_count_fp": fmt_count(no_count),
            "no_total_cost": cents_of_micro(pos.cost if no_count else 0),
            "no_total_cost_dollars": fmt_micro(pos.cost if no_count else 0),
            "revenue": cents_of_micro(revenue),
            "settled_time": rfc3339_us(settled_us),
            "ticker": pos.ticker,
            "value": 100 if outcome else 0,
            "yes_count": yes_count // 100,
            "yes_count_fp": fmt_count(yes_count),
            "yes_total_cost": cents_of_micro(pos.cost if yes_count else 0),
            "yes_total_cost_dollars": fmt_micro(pos.cost if yes_count else 0),
        })
        pos.position = 0
        pos.cost = 0
        pos.settled = True
        pos.updated_us = settled_us

    # -- trading ------------------------------------------------------------------------------
    def _fill(self, acct: Account, order: Order, qty: int, yes_price: int, now_us: int, *, taker: bool) -> None:
        w = self.world
        i = w.market_index[order.ticker]
        series = w.series[int(w.ser_of[i])]
        pos = acct.positions.setdefault(order.ticker, Position(order.ticker, order.event_ticker))
        d = order.direction
        # Netting against the opposite position closes contracts; the rest opens new exposure.
        closing = min(qty, max(0, -pos.position)) if d > 0 else min(qty, max(0, pos.position))
        opening = qty - closing
        if closing:
            avg = pos.cost * closing // abs(pos.position)
            proceeds = closing * ((PRICE_ONE - yes_price) if d > 0 else yes_price)
            acct.cash += proceeds
            pos.realized += proceeds - avg
            pos.cost -= avg
        if opening:
            paid = opening * (yes_price if d > 0 else PRICE_ONE - yes_price)
            acct.cash -= paid
            pos.cost += paid
        pos.position += d * qty
        if taker:
            fee = fee_micro(qty, yes_price, TAKER_RATE, series.fee_multiplier)
        else:
            rate = MAKER_RATE if series.fee_type == "quadratic_with_maker_fees" else Decimal(0)
            fee = fee_micro(qty, yes_price, rate, series.fee_multiplier)
        acct.cash -= fee
        pos.fees += fee
        side_price = yes_price if order.side == "yes" else PRICE_ONE - yes_price
        notional = qty * side_price
        pos.traded += notional
        pos.updated_us = now_us
        order.filled += qty
        if taker:
            order.taker_fees += fee
            order.taker_cost += notional
        else:
            order.maker_fees += fee
            order.maker_cost += notional
        if order.filled >= order.initial:
            order.status = "executed"
        order.last_update_us = now_us
        fill_id = self._next_id(acct, "fill")
        acct.fills.append({
            "action": order.action,
            "count": qty // 100,
            "count_fp": fmt_count(qty),
            "created_time": rfc3339_us(now_us),
            "fee_cost": fmt_micro(fee),
            "fill_id": fill_id,
            "is_taker": taker,
            "market_ticker": order.ticker,
            "no_price": (PRICE_ONE - yes_price) // 100,
            "no_price_dollars": fmt_u4(PRICE_ONE - yes_price),
            "no_price_fixed": fmt_u4(PRICE_ONE - yes_price),
            "order_id": order.order_id,
            # Legacy float field: a <=4-decimal value whose float repr is exactly that decimal.
            "price": float(fmt_u4(yes_price)),
            "side": order.side,
            "ticker": order.ticker,
            "trade_id": fill_id,
            "ts": now_us // US,
            "yes_price": yes_price // 100,
            "yes_price_dollars": fmt_u4(yes_price),
            "yes_price_fixed": fmt_u4(yes_price),
        })
        acct.updated_us = now_us

    def _parse_order(self, ctx: Context) -> dict:
        try:
            body = json.loads(ctx.body or b"{}")
        except json.JSONDecodeError:
            raise ApiError(400, "invalid_parameters", "request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_parameters", "request body must be a JSON object")
        return body

    def create_order(self, ctx: Context) -> Reply:
        w = self.world
        acct = self.account(ctx)
        body = self._parse_order(ctx)
        ticker = body.get("ticker")
        side, action = body.get("side"), body.get("action")
        kind = body.get("type", "limit")
        if not isinstance(ticker, str) or not ticker:
            raise ApiError(400, "invalid_parameters", "ticker is required")
        if side not in ("yes", "no") or action not in ("buy", "sell") or kind not in ("limit", "market"):
            raise ApiError(400, "invalid_parameters", "side must be yes|no, action buy|sell, type limit|market")
        i = w.market_index.get(ticker)
        if i is None:
            raise not_found("market")
        try:
            if body.get("count_fp") is not None:
                count = parse_count_h(body["count_fp"])
                if body.get("count") is not None and int(body["count"]) * 100 != count:
                    raise ValueError("count and count_fp disagree")
            elif body.get("count") is not None:
                if not isinstance(body["count"], int) or isinstance(body["count"], bool):
                    raise ValueError("count must be an integer")
                count = int(body["count"]) * 100
            else:
                raise ValueError("count or count_fp is required")
        except (ValueError, ArithmeticError) as exc:
            raise ApiError(400, "invalid_parameters", "invalid count", str(exc)) from None
        if count <= 0:
            raise ApiError(400, "invalid_parameters", "count must be positive")
        if count % 100 and not bool(w.fractional[i]):
            raise ApiError(400, "invalid_parameters", "fractional contracts are not enabled for this market")
        try:
            side_price = self._side_price(body, side, kind, action)
        except (ValueError, ArithmeticError) as exc:
            raise ApiError(400, "invalid_parameters", "invalid price", str(exc)) from None
        tick = int(w.tick[i])
        if not 0 < side_price < PRICE_ONE or side_price % tick:
            raise ApiError(400, "invalid_parameters", "invalid price",
                           f"price must be strictly between 0 and 1 on a {fmt_u4(tick)} tick")
        t_s = ctx.now_us // US
        if int(w.status_codes(t_s, np.array([i]))[0]) != ACTIVE:
            raise ApiError(400, "market_closed", "market is not open for trading")
        client_id = str(body.get("client_order_id") or "")
        with acct.lock:
            if client_id and any(o.client_order_id == client_id for o in acct.orders.values()):
                raise ApiError(409, "order_already_exists", "order already exists")
            direction = (1 if side == "yes" else -1) * (1 if action == "buy" else -1)
            limit_yes = side_price if side == "yes" else PRICE_ONE - side_price
            cost = count * side_price
            if action == "buy" and cost + acct.reserved() > acct.cash:
                raise ApiError(400, "insufficient_balance", "insufficient balance")
            order = Order(
                order_id=self._next_id(acct, "order"), client_order_id=client_id, user_id=acct.user_id,
                ticker=ticker, event_ticker=w.events[w.markets[i].event_index].event_ticker, side=side,
                action=action, type=kind, direction=direction, limit_yes=limit_yes, side_price=side_price,
                initial=count, created_us=ctx.now_us, last_update_us=ctx.now_us,
            )
            # Walk the opposite side of the book while it is at or better than the limit.
            yes_levels, no_levels = w.orderbook(i, ctx.now_us)
            if direction > 0:
                levels = [(PRICE_ONE - p, s) for p, s in reversed(no_levels) if PRICE_ONE - p <= limit_yes]
            else:
                levels = [(p, s) for p, s in reversed(yes_levels) if p >= limit_yes]
            available = sum(s for _, s in levels)
            tif = body.get("time_in_force", "good_till_canceled")
            if body.get("post_only") and levels:
                raise ApiError(400, "post_only_cross", "post-only order would cross the book")
            if tif == "fill_or_kill" and available < count:
                order.status = "canceled"
            else:
                for price, size in levels:
                    if order.filled >= count:
                        break
                    take = min(size, count - order.filled)
                    self._fill(acct, order, take, price, ctx.now_us, taker=True)
                if order.status == "resting" and (tif == "immediate_or_cancel" or kind == "market"):
                    order.status = "canceled"
            acct.orders[order.order_id] = order
            acct.positions.setdefault(ticker, Position(ticker, order.event_ticker)).updated_us = ctx.now_us
        return Reply({"order": self._order_dict(order)}, status=201)

    @staticmethod
    def _side_price(body: dict, side: str, kind: str, action: str) -> int:
        own, other = (("yes_price", "no_price") if side == "yes" else ("no_price", "yes_price"))
        if body.get(f"{own}_dollars") is not None:
            return parse_price_u4(str(body[f"{own}_dollars"]))
        if body.get(own) is not None:
            return int(body[own]) * 100
        if body.get(f"{other}_dollars") is not None:
            return PRICE_ONE - parse_price_u4(str(body[f"{other}_dollars"]))
        if body.get(other) is not None:
            return PRICE_ONE - int(body[other]) * 100
        if kind == "market":
            # A market order takes whatever the book offers: the widest limit the tick allows.
            return PRICE_ONE - 10 if action == "buy" else 10
        raise ValueError("a limit order needs yes_price, no_price, yes_price_dollars or no_price_dollars")

    def _order_dict(self, o: Order) -> dict:
        no_price = PRICE_ONE - o.limit_yes
        return {
            "action": o.action,
            "client_order_id": o.client_order_id,
            "created_time": rfc3339_us(o.created_us),
            "expiration_time": None,
            "fill_count": o.filled // 100,
            "fill_count_fp": fmt_count(o.filled),
            "initial_count": o.initial // 100,
            "initial_count_fp": fmt_count(o.initial),
            "last_update_time": rfc3339_us(o.last_update_us),
            "maker_fees": cents_of_micro(o.maker_fees),
            "maker_fees_dollars": fmt_micro(o.maker_fees),
            "maker_fill_cost": cents_of_micro(o.maker_cost),
            "maker_fill_cost_dollars": fmt_micro(o.maker_cost),
            "no_price": no_price // 100,
            "no_price_dollars": fmt_u4(no_price),
            "order_group_id": None,
            "order_id": o.order_id,
            "queue_position": 0,
            "remaining_count": o.remaining // 100,
            "remaining_count_fp": fmt_count(o.remaining),
            "self_trade_prevention_type": None,
            "side": o.side,
            "status": o.status,
            "taker_fees": cents_of_micro(o.taker_fees),
            "taker_fees_dollars": fmt_micro(o.taker_fees),
            "taker_fill_cost": cents_of_micro(o.taker_cost),
            "taker_fill_cost_dollars": fmt_micro(o.taker_cost),
            "ticker": o.ticker,
            "type": o.type,
            "user_id": o.user_id,
            "yes_price": o.limit_yes // 100,
            "yes_price_dollars": fmt_u4(o.limit_yes),
        }

    def get_order(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        order = acct.orders.get(ctx.params["order_id"])
        if order is None:
            raise not_found("order")
        return Reply({"order": self._order_dict(order)})

    def cancel_order(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        with acct.lock:
            order = acct.orders.get(ctx.params["order_id"])
            if order is None:
                raise not_found("order")
            if order.status != "resting":
                raise not_found("order")  # Kalshi answers 404 for an order that can no longer be cancelled
            reduced = order.remaining
            order.status = "canceled"
            order.last_update_us = ctx.now_us
        return Reply({"order": self._order_dict(order), "reduced_by": reduced // 100, "reduced_by_fp": fmt_count(reduced)})

    def list_orders(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        status = ctx.arg("status")
        ticker = ctx.arg("ticker")
        events = set((ctx.arg("event_ticker") or "").split(",")) - {""}
        lo, hi = ctx.int_arg("min_ts"), ctx.int_arg("max_ts")
        orders = sorted(acct.orders.values(), key=lambda o: (-o.created_us, o.order_id))
        orders = [o for o in orders if (not status or o.status == status) and (not ticker or o.ticker == ticker)
                  and (not events or o.event_ticker in events)
                  and (lo is None or o.created_us >= lo * US) and (hi is None or o.created_us <= hi * US)]
        page, cursor = self._offset_page(ctx, orders, "or")
        return Reply({"cursor": cursor, "orders": [self._order_dict(o) for o in page]})

    def _offset_page(self, ctx: Context, items: list, kind: str) -> tuple[list, str]:
        limit = ctx.int_arg("limit", 100, lo=1, hi=1000)
        start = (decode_cursor(ctx.arg("cursor"), kind, 1) or (0,))[0]
        page = items[start : start + limit]
        more = start + limit < len(items)
        return page, encode_cursor(kind, start + limit) if more else ""

    def fills(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        ticker, order_id = ctx.arg("ticker"), ctx.arg("order_id")
        lo, hi = ctx.int_arg("min_ts"), ctx.int_arg("max_ts")
        fills = [f for f in reversed(acct.fills) if (not ticker or f["ticker"] == ticker)
                 and (not order_id or f["order_id"] == order_id)
                 and (lo is None or f["ts"] >= lo) and (hi is None or f["ts"] <= hi)]
        page, cursor = self._offset_page(ctx, fills, "fl")
        return Reply({"cursor": cursor, "fills": page})

    def settlements(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        ticker = ctx.arg("ticker")
        items = [s for s in reversed(acct.settlements) if not ticker or s["ticker"] == ticker]
        page, cursor = self._offset_page(ctx, items, "st")
        return Reply({"cursor": cursor, "settlements": page})

    def balance(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        w = self.world
        value = 0
        live = [p for p in acct.positions.values() if p.position]
        if live:
            idx = np.array([w.market_index[p.ticker] for p in live])
            bid, ask, _, _, _ = w.book_quote(idx, ctx.now_us)
            for p, b, a in zip(live, bid.tolist(), ask.tolist(), strict=True):
                mark = b if p.position > 0 else PRICE_ONE - a
                value += abs(p.position) * mark
        available = acct.cash - acct.reserved()
        return Reply({"balance": available // CENT_MICRO, "portfolio_value": value // CENT_MICRO,
                      "updated_ts": acct.updated_us // US})

    def positions(self, ctx: Context) -> Reply:
        acct = self.account(ctx)
        ticker, event = ctx.arg("ticker"), ctx.arg("event_ticker")
        resting: dict[str, int] = {}
        for o in acct.orders.values():
            if o.status == "resting":
                resting[o.ticker] = resting.get(o.ticker, 0) + 1
        market_positions, by_event = [], {}
        for p in sorted(acct.positions.values(), key=lambda p: p.ticker):
            if (ticker and p.ticker != ticker) or (event and p.event_ticker != event):
                continue
            if not (p.position or p.traded or resting.get(p.ticker)):
                continue
            market_positions.append({
                "fees_paid": cents_of_micro(p.fees),
                "fees_paid_dollars": fmt_micro(p.fees),
                "last_updated_ts": rfc3339_us(p.updated_us),
                "market_exposure": cents_of_micro(p.cost),
                "market_exposure_dollars": fmt_micro(p.cost),
                "position": p.position // 100 if p.position >= 0 else -((-p.position) // 100),
                "position_fp": fmt_count(p.position),
                "realized_pnl": cents_of_micro(p.realized),
                "realized_pnl_dollars": fmt_micro(p.realized),
                "resting_orders_count": resting.get(p.ticker, 0),
                "ticker": p.ticker,
                "total_traded": cents_of_micro(p.traded),
                "total_traded_dollars": fmt_micro(p.traded),
            })
            agg = by_event.setdefault(p.event_ticker, [0, 0, 0, 0, 0])
            agg[0] += p.cost
            agg[1] += p.fees
            agg[2] += p.realized
            agg[3] += p.traded
            agg[4] += abs(p.position)
        event_positions = [{
            "event_exposure": cents_of_micro(a[0]),
            "event_exposure_dollars": fmt_micro(a[0]),
            "event_ticker": e,
            "fees_paid": cents_of_micro(a[1]),
            "fees_paid_dollars": fmt_micro(a[1]),
            "realized_pnl": cents_of_micro(a[2]),
            "realized_pnl_dollars": fmt_micro(a[2]),
            "total_cost": cents_of_micro(a[3]),
            "total_cost_dollars": fmt_micro(a[3]),
            "total_cost_shares": a[4] // 100,
            "total_cost_shares_fp": fmt_count(a[4]),
        } for e, a in sorted(by_event.items())]
        return Reply({"cursor": "", "event_positions": event_positions, "market_positions": market_positions})
