"""One Kalshi order book, kept exactly in fixed point, and the sequence check of its stream.

Kalshi's book is bids only: YES bids and NO bids. A NO bid at p is a YES offer at 1 - p, so the best
YES ask is 1 minus the best NO bid (DESIGN.md §6). Prices are integers in $0.0001 ("u4", Kalshi's
finest tick) and sizes integers in hundredths of a contract (Kalshi's counts carry 2 decimals), so
applying a delta is integer addition: nothing is ever rounded.

The stream: ``orderbook_snapshot`` sets the whole book, then ``orderbook_delta`` messages change one
level each. Every message of a subscription (``sid``) carries the next ``seq``; a missing or repeated
seq means a message was lost and the book can no longer be trusted until a fresh snapshot.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

PRICE_ONE = 10_000  # $1 in u4
PRICE_DECIMALS = 4
SIZE_DECIMALS = 2
YES, NO = 0, 1
SIDES = ("yes", "no")

Levels = list[tuple[int, int]]  # [(price u4, size hundredths)] ascending by price, best bid last


@dataclass(frozen=True)
class TopOfBook:
    """Best levels and depth of both sides; prices u4, sizes hundredths (None where a side is empty)."""

    yes_bid: int | None
    yes_bid_size: int | None
    no_bid: int | None
    no_bid_size: int | None
    yes_depth: int
    no_depth: int
    yes_levels: int
    no_levels: int

    @property
    def yes_ask(self) -> int | None:
        return None if self.no_bid is None else PRICE_ONE - self.no_bid

    @property
    def no_ask(self) -> int | None:
        return None if self.yes_bid is None else PRICE_ONE - self.yes_bid

    @property
    def crossed(self) -> bool:
        """A YES bid at or above the YES ask: impossible on a book the matching engine keeps."""
        return self.yes_bid is not None and self.no_bid is not None and self.yes_bid + self.no_bid >= PRICE_ONE


class OrderBook:
    """The book of one market. ``negative`` records a delta that took a level below zero (an
    inconsistent stream); such a level is not part of the book but the fact is kept."""

    __slots__ = ("ticker", "sides", "negative", "deltas_applied")

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self.sides: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.negative = False
        self.deltas_applied = 0

    def apply_snapshot(self, yes: Iterable[tuple[int, int]], no: Iterable[tuple[int, int]]) -> None:
        self.sides = ({p: s for p, s in yes if s > 0}, {p: s for p, s in no if s > 0})
        self.negative = False
        self.deltas_applied = 0

    def apply_delta(self, side: int, price: int, delta: int) -> int:
        """Add ``delta`` at ``price`` on ``side`` (YES or NO); returns the level's new size.

        A level below zero is kept as the running sum (so later deltas add up exactly as the stream
        says) but is not a level of the book: ``levels``, ``top`` and ``depth`` see sizes above zero.
        """
        levels = self.sides[side]
        size = levels.get(price, 0) + delta
        if size:
            levels[price] = size
        else:
            levels.pop(price, None)
        if size < 0:
            self.negative = True
        self.deltas_applied += 1
        return size

    def has_negative(self) -> bool:
        """A level currently below zero."""
        return any(s < 0 for side in self.sides for s in side.values())

    def levels(self, side: int) -> Levels:
        return sorted((p, s) for p, s in self.sides[side].items() if s > 0)

    def state(self) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
        """A hashable picture of the whole book (for comparing with a REST book)."""
        return tuple(self.levels(YES)), tuple(self.levels(NO))

    def top(self) -> TopOfBook:
        yes = {p: s for p, s in self.sides[YES].items() if s > 0}
        no = {p: s for p, s in self.sides[NO].items() if s > 0}
        yes_best = max(yes) if yes else None
        no_best = max(no) if no else None
        return TopOfBook(
            yes_bid=yes_best,
            yes_bid_size=yes[yes_best] if yes_best is not None else None,
            no_bid=no_best,
            no_bid_size=no[no_best] if no_best is not None else None,
            yes_depth=sum(yes.values()),
            no_depth=sum(no.values()),
            yes_levels=len(yes),
            no_levels=len(no),
        )

    def __repr__(self) -> str:
        return f"OrderBook({self.ticker!r}, yes={self.levels(YES)}, no={self.levels(NO)})"


@dataclass(frozen=True)
class Gap:
    """A break in a subscription's sequence: ``expected`` was due, ``got`` arrived."""

    sid: int
    expected: int
    got: int


class SequenceTracker:
    """Checks that each subscription's messages arrive with consecutive ``seq`` numbers.

    The first message seen on a sid sets its starting point; after that any other number than
    last + 1 is a gap (lost, repeated or reordered messages all break the book alike).
    """

    def __init__(self) -> None:
        self._last: dict[int, int] = {}

    def check(self, sid: int, seq: int) -> Gap | None:
        last = self._last.get(sid)
        self._last[sid] = seq
        if last is None or seq == last + 1:
            return None
        return Gap(sid, last + 1, seq)

    def forget(self, sid: int) -> None:
        """The subscription ended (unsubscribed, or replaced after a gap)."""
        self._last.pop(sid, None)

    def last(self, sid: int) -> int | None:
        return self._last.get(sid)


def to_u4(text: str) -> int:
    """Exact dollar string ("0.5600", "0.96", "1") -> u4; ValueError past $0.0001 or not a number."""
    if not isinstance(text, str):
        raise ValueError(f"expected a fixed-point string, got {type(text).__name__} {text!r}")
    return _scaled(text, PRICE_DECIMALS)


def to_hundredths(text: str) -> int:
    """Exact fixed-point count ("444.32", "-54.00", "3") -> hundredths of a contract."""
    if not isinstance(text, str):
        raise ValueError(f"expected a fixed-point string, got {type(text).__name__} {text!r}")
    return _scaled(text, SIZE_DECIMALS)


# A stream repeats the same few thousand price and size strings: remember their values.
@functools.lru_cache(maxsize=1 << 16)
def _scaled(text: str, decimals: int) -> int:
    body = text.strip()
    negative = body.startswith("-")
    if negative or body.startswith("+"):
        body = body[1:]
    whole, dot, frac = body.partition(".")
    if not whole.isdigit() or (dot and not frac.isdigit()) or not whole.isascii() or not frac.isascii():
        raise ValueError(f"{text!r} is not a fixed-point number")
    if len(frac) > decimals:
        if frac[decimals:].strip("0"):
            raise ValueError(f"{text!r} has more than {decimals} decimals")
        frac = frac[:decimals]
    value = int(whole) * 10**decimals + (int(frac.ljust(decimals, "0")) if frac else 0)
    return -value if negative else value
