"""Wire formatting: exact fixed-point strings from integers, RFC3339 times, Kalshi-style errors.

Internally prices are integers in units of $0.0001 ("u4"), counts in hundredths of a contract and
money totals in micro-dollars, so every string on the wire is formatted from an exact integer.
"""

from __future__ import annotations

import functools
import json
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PRICE_ONE = 10_000  # $1.0000 in u4
MICRO_PER_U4 = 100


def fmt_u4(value: int) -> str:
    """Price in $0.0001 units -> "0.5600"."""
    value = int(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 10_000}.{value % 10_000:04d}"


def fmt_count(hundredths: int) -> str:
    """Contract count in hundredths -> "444.32" (Kalshi's *_fp: always 2 decimals)."""
    value = int(hundredths)
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def fmt_micro(micro: int) -> str:
    """Money in micro-dollars -> 4 decimals when exact, else 6 (Kalshi allows up to 6)."""
    value = int(micro)
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, frac = divmod(value, 1_000_000)
    if frac % 100 == 0:
        return f"{sign}{whole}.{frac // 100:04d}"
    return f"{sign}{whole}.{frac:06d}"


def parse_price_u4(text: str) -> int:
    """A dollar string from a request -> u4, refusing anything finer than $0.0001."""
    value = Decimal(text.strip())
    scaled = value * PRICE_ONE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"price {text!r} is finer than $0.0001")
    return int(scaled)


def parse_count_h(text: str) -> int:
    value = Decimal(str(text).strip())
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"count {text!r} has more than 2 decimals")
    return int(scaled)


def cents_of_micro(micro: int) -> int:
    """Legacy integer-cent fields: micro-dollars rounded half up to the cent."""
    return int((Decimal(int(micro)) / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=65536)
def rfc3339(seconds: int) -> str:
    t = time.gmtime(int(seconds))
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"


def rfc3339_us(micros: int) -> str:
    """Microsecond timestamp in Go's RFC3339Nano style (trailing zeros of the fraction dropped)."""
    seconds, frac = divmod(int(micros), 1_000_000)
    t = time.gmtime(seconds)
    base = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    if frac == 0:
        return base + "Z"
    return f"{base}.{frac:06d}".rstrip("0") + "Z"


def dumps(obj: Any) -> bytes:
    # Compact like Kalshi's bodies; payload builders already insert keys in Kalshi's alphabetical order.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def error_body(code: str, message: str, details: str | None = None, service: str = "exchange") -> dict:
    """Kalshi's error envelope: {"error": {"code", "message", "details"?, "service"}}."""
    err: dict[str, str] = {"code": code, "message": message}
    if details:
        err["details"] = details
    err["service"] = service
    return {"error": err}


TOO_MANY_REQUESTS = b'{"error":"too many requests"}'
