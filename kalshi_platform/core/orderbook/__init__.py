"""Kalshi order books from the WebSocket stream: one book at a time, or a whole capture in batch."""

from kalshi_platform.core.orderbook.book import (
    NO,
    PRICE_ONE,
    YES,
    Gap,
    OrderBook,
    SequenceTracker,
    TopOfBook,
    to_hundredths,
    to_u4,
)
from kalshi_platform.core.orderbook.rebuild import (
    AGREEMENT_SCHEMA,
    TOP_INT_SCHEMA,
    ReferenceBook,
    agreement,
    BookState,
    connections_of,
    cut_epochs,
    rebuild_top,
    replay,
    to_table,
)

__all__ = [
    "AGREEMENT_SCHEMA",
    "NO",
    "PRICE_ONE",
    "TOP_INT_SCHEMA",
    "YES",
    "BookState",
    "Gap",
    "OrderBook",
    "ReferenceBook",
    "SequenceTracker",
    "TopOfBook",
    "agreement",
    "connections_of",
    "cut_epochs",
    "rebuild_top",
    "replay",
    "to_hundredths",
    "to_table",
    "to_u4",
]
