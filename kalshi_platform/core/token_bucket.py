"""Token bucket, the shape of Kalshi's rate limits (DESIGN.md §6).

Pure: time comes from the caller, so the client (which waits) and the embedded exchange (which
refuses with 429) share one definition and tests can drive it with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from threading import Lock

# Kalshi charges tokens per request; by default one request costs 10 tokens.
DEFAULT_REQUEST_COST = 10


@dataclass(frozen=True)
class Tier:
    name: str
    read_per_s: int  # requests per second, as GET /account/limits reports them
    write_per_s: int

    @property
    def read_tokens_per_s(self) -> int:
        return self.read_per_s * DEFAULT_REQUEST_COST

    @property
    def write_tokens_per_s(self) -> int:
        return self.write_per_s * DEFAULT_REQUEST_COST


TIERS: dict[str, Tier] = {
    "basic": Tier("basic", read_per_s=20, write_per_s=10),
    "advanced": Tier("advanced", read_per_s=30, write_per_s=30),
    "premier": Tier("premier", read_per_s=100, write_per_s=100),
    "prime": Tier("prime", read_per_s=400, write_per_s=400),
}


@dataclass
class TokenBucket:
    """``rate`` tokens refill per second up to ``capacity``; a request takes ``cost`` tokens."""

    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    updated_at: float | None = None
    _lock: Lock = field(default_factory=Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        if self.updated_at is None:
            self.updated_at = now
        elapsed = max(0.0, now - self.updated_at)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated_at = now

    def try_take(self, cost: float, now: float) -> bool:
        """Take ``cost`` tokens if they are there (the exchange's view: else 429)."""
        with self._lock:
            self._refill(now)
            if self.tokens + 1e-9 >= cost:
                self.tokens -= cost
                return True
            return False

    def reserve(self, cost: float, now: float) -> float:
        """Take ``cost`` tokens, going into debt if needed; returns seconds to wait before sending.

        Callers that sleep the returned time never exceed the rate, and concurrent callers queue
        fairly because each one's debt pushes the next one's wait further out.
        """
        with self._lock:
            self._refill(now)
            self.tokens -= cost
            if self.tokens >= 0:
                return 0.0
            return -self.tokens / self.rate

    def set_rate(self, rate: float, capacity: float) -> None:
        with self._lock:
            self.rate = rate
            self.capacity = capacity
            self.tokens = min(self.tokens, capacity)
