"""Kalshi orders, pure: deterministic order ids, the POST /portfolio/orders body, and an order's fill
state read exactly from Kalshi's order object (2026 ``*_dollars`` / ``*_fp`` strings or legacy cents)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_platform.core.money import MoneyError, parse_fixed

KALSHI_STATUSES = ("resting", "executed", "canceled", "pending")
FINAL_STATUSES = ("executed", "canceled", "failed", "rejected", "blocked")
_SIX = Decimal("0.000001")
_FOUR = Decimal("0.0001")


def order_id(signal_id: str, mode: str) -> str:
    """The client_order_id of the order a signal makes in a mode: the same inputs, the same id, so a
    re-run never orders twice (Kalshi refuses a second order with an id it has seen)."""
    digest = hashlib.sha256(f"{mode}\x00{signal_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def order_body(*, ticker: str, side: str, count: Decimal, limit_price: Decimal, client_order_id: str) -> dict:
    """A limit buy of ``count`` whole contracts of ``side`` at ``limit_price`` dollars (on a $0.0001 grid)."""
    if side not in ("yes", "no"):
        raise ValueError(f"side must be yes or no, got {side!r}")
    if count != count.to_integral_value() or count < 1:
        raise ValueError(f"count must be a whole number of contracts >= 1, got {count}")
    price = limit_price.quantize(_FOUR)
    if price != limit_price or not Decimal(0) < price < Decimal(1):
        raise ValueError(f"limit price {limit_price} is not a price on Kalshi's $0.0001 grid inside (0, 1)")
    return {
        "ticker": ticker,
        "client_order_id": client_order_id,
        "side": side,
        "action": "buy",
        "type": "limit",
        "count": int(count),
        f"{side}_price_dollars": f"{price:f}",
        "time_in_force": "good_till_canceled",
    }


@dataclass(frozen=True)
class OrderState:
    status: str
    external_order_id: str | None
    filled_count: Decimal
    avg_price: Decimal | None  # of the side bought
    fees_paid: Decimal


def _money(order: dict, name: str) -> Decimal:
    """``<name>_dollars`` when it holds a value, else the legacy integer cents ``<name>``; 0 when neither."""
    text = order.get(f"{name}_dollars")
    if isinstance(text, str) and text.strip():
        return parse_fixed(text, field=f"{name}_dollars")
    cents = order.get(name)
    if isinstance(cents, int) and not isinstance(cents, bool):
        return Decimal(cents) / 100
    if cents is not None:
        # A value we cannot read exactly must not count as $0 (the order's cost or fees would vanish).
        raise MoneyError(f"{name} is {cents!r}, not integer cents (and {name}_dollars is empty)")
    return Decimal(0)


def _count(order: dict, name: str) -> Decimal:
    text = order.get(f"{name}_fp")
    if isinstance(text, str) and text.strip():
        return parse_fixed(text, field=f"{name}_fp")
    value = order.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if value is not None:
        raise MoneyError(f"{name} is {value!r}, not a whole count (and {name}_fp is empty)")
    return Decimal(0)


def order_state(order: dict) -> OrderState:
    """Status, id, filled count, average fill price and fees of a Kalshi order object."""
    status = order.get("status")
    if status not in KALSHI_STATUSES:
        raise MoneyError(f"order status {status!r} is not one of {', '.join(KALSHI_STATUSES)}")
    filled = _count(order, "fill_count")
    cost = _money(order, "taker_fill_cost") + _money(order, "maker_fill_cost")
    fees = _money(order, "taker_fees") + _money(order, "maker_fees")
    avg = (cost / filled).quantize(_SIX, rounding=ROUND_HALF_EVEN) if filled > 0 else None
    return OrderState(
        status="resting" if status == "pending" else status,
        external_order_id=order.get("order_id"),
        filled_count=filled,
        avg_price=avg,
        fees_paid=fees,
    )
