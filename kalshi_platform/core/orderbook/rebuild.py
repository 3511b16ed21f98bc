"""Order books rebuilt from a captured stream, in batch: gaps found, epochs cut, books sampled per second.

Input: the order-book messages of a capture (``core.kalshi.ws.BOOK_MESSAGE_SCHEMA``, one row per
snapshot or delta, ``order`` = receipt order) and their levels (``BOOK_LEVEL_SCHEMA``: snapshot
levels with absolute sizes, deltas with signed changes), all in fixed point.

Rules (the same as :func:`replay`, the message-by-message version used to check this one):

- a sequence gap on a subscription (``connection_id``, ``sid``) is a ``seq`` other than the previous
  one + 1;
- each snapshot starts a new *epoch* of its market's book; a message is applied only to the epoch
  opened by a snapshot of the same subscription, and only while no gap has been seen on that
  subscription since the snapshot;
- an epoch turns *stale* at the first gap on its subscription after its snapshot, or when its
  connection is replaced by a reconnect (the first frame received on the next attempt of the same
  connection slot), and stays stale until the market's next snapshot: a stale book is reported with
  ``gap`` set and no prices, never as if it were still right.

Samples: one row per market and second (of receive time) from the market's first snapshot to the end
of the capture: the book after every message received up to the end of that second.

The batched path keeps every epoch's book as a dense integer array over the market's distinct price
levels and applies each second's levels with one scatter-add, so the cost is a few numpy calls per
second of stream rather than Python work per delta.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from kalshi_platform.core.orderbook.book import NO, PRICE_ONE, YES, OrderBook

US = 1_000_000

# core.orderbook_top in integer units (prices u4, sizes hundredths); ``to_table`` makes it exact Decimal.
TOP_INT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "ts": pl.Datetime("us", "UTC"),
    "exchange_ts": pl.Datetime("us", "UTC"),
    "connection_id": pl.String(),
    "sid": pl.Int64(),
    "seq": pl.Int64(),
    "yes_bid": pl.Int64(),
    "yes_bid_size": pl.Int64(),
    "no_bid": pl.Int64(),
    "no_bid_size": pl.Int64(),
    "yes_depth": pl.Int64(),
    "no_depth": pl.Int64(),
    "yes_levels": pl.Int32(),
    "no_levels": pl.Int32(),
    "deltas_applied": pl.Int32(),
    "gap": pl.Boolean(),
    "resnapshot": pl.Boolean(),
    "crossed": pl.Boolean(),
    "negative": pl.Boolean(),
}


def connections_of(book_messages: pl.DataFrame) -> pl.DataFrame:
    """Per connection: slot, attempt and the time its next attempt began (null if none).

    Pass every frame of the capture when available (a reconnect may show before any book message
    on the new connection); from order-book messages alone the estimate is a little later.
    """
    first = book_messages.group_by(["connection_id", "connection_slot", "connection_attempt"]).agg(
        pl.col("received_at").min().alias("first_received")
    )
    nxt = first.sort(["connection_slot", "connection_attempt"]).with_columns(
        pl.col("first_received").shift(-1).over("connection_slot").alias("replaced_at")
    )
    return nxt.select("connection_id", "connection_slot", "connection_attempt", "replaced_at")


@dataclass
class Epochs:
    messages: pl.DataFrame  # book messages + sec, gap, gap_cum, epoch_no, epoch_id (-1: none), applied
    epochs: pl.DataFrame  # epoch_id, ticker, epoch_no, connection_id, sid, opened_at, stale_from


def _codes(series: pl.Series) -> np.ndarray:
    """Dense integer codes of a column's values (the same value, the same code)."""
    return series.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """Stable argsort; small non-negative keys go through numpy's radix sort (linear time)."""
    if len(keys) and keys.min() >= 0 and keys.max() < 32_767:
        return np.argsort(keys.astype(np.int16), kind="stable")
    return np.argsort(keys, kind="stable")


def _is_sorted(values: np.ndarray) -> bool:
    return bool(len(values) < 2 or (values[1:] >= values[:-1]).all())


def _segment_cumsum(keys_sorted: np.ndarray, values_sorted: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` restarting wherever ``keys`` changes (both already in key order)."""
    if not len(keys_sorted):
        return np.zeros(0, dtype=np.int64)
    total = np.cumsum(values_sorted)
    starts = np.flatnonzero(np.r_[True, keys_sorted[1:] != keys_sorted[:-1]])
    lengths = np.diff(np.r_[starts, len(keys_sorted)])
    return total - np.repeat(total[starts] - values_sorted[starts], lengths)


def cut_epochs(book_messages: pl.DataFrame, connections: pl.DataFrame | None = None) -> Epochs:
    """Gaps, epochs, which messages apply, and when each epoch turns stale (see the module rules)."""
    if connections is None:
        connections = connections_of(book_messages)
    m = book_messages if book_messages.get_column("order").is_sorted() else book_messages.sort("order")
    n = m.height
    order = m.get_column("order").to_numpy()
    received_us = m.get_column("received_at").dt.epoch("us").to_numpy()
    tk = _codes(m.get_column("ticker"))
    ck = _codes(m.get_column("connection_id"))
    _, sub = np.unique(ck * (1 << 32) + m.get_column("sid").to_numpy(), return_inverse=True)
    seq = m.get_column("seq").to_numpy()
    snap = (m.get_column("kind") == "snapshot").to_numpy()

    # A gap: a seq other than the previous one of the same subscription + 1.
    by_sub = _stable_order(sub)
    s_sub, s_seq = sub[by_sub], seq[by_sub]
    same = np.r_[False, s_sub[1:] == s_sub[:-1]]
    s_gap = same & (s_seq != np.r_[0, s_seq[:-1]] + 1)
    gap = np.empty(n, dtype=bool)
    gap[by_sub] = s_gap
    gap_cum = np.empty(n, dtype=np.int64)
    gap_cum[by_sub] = _segment_cumsum(s_sub, s_gap.astype(np.int64))

    # Epochs: the k-th snapshot of a market opens its epoch k.
    by_tk = _stable_order(tk)
    epoch_no = np.empty(n, dtype=np.int64)
    epoch_no[by_tk] = _segment_cumsum(tk[by_tk], snap[by_tk].astype(np.int64))
    snaps = np.flatnonzero(snap)
    snaps = snaps[np.lexsort((epoch_no[snaps], tk[snaps]))]  # epoch ids: by market, then epoch number
    n_epochs = len(snaps)
    first_epoch = np.full(int(tk.max()) + 1 if n else 1, -1, dtype=np.int64)
    if n_epochs:
        tk_snaps = tk[snaps]
        starts = np.flatnonzero(np.r_[True, tk_snaps[1:] != tk_snaps[:-1]])
        first_epoch[tk_snaps[starts]] = starts
    epoch_id = np.where(epoch_no >= 1, first_epoch[tk] + epoch_no - 1, -1)
    safe = np.maximum(epoch_id, 0)
    e_sub, e_gap_cum = sub[snaps], gap_cum[snaps]
    applied = (epoch_id >= 0) & (sub == e_sub[safe] if n_epochs else False) & (
        gap_cum == e_gap_cum[safe] if n_epochs else False)

    # The first gap on each epoch's subscription after its snapshot.
    gap_pos = np.flatnonzero(gap)
    span = np.int64(n + 1)
    gap_keys = np.sort(sub[gap_pos] * span + order[gap_pos])
    gap_time = dict(zip((sub[gap_pos] * span + order[gap_pos]).tolist(), received_us[gap_pos].tolist(), strict=True))
    probe = e_sub * span + order[snaps]
    at = np.searchsorted(gap_keys, probe, side="right")
    found = at < len(gap_keys)
    found[found] = gap_keys[at[found]] // span == e_sub[found]
    gap_at = [gap_time[int(gap_keys[a])] if ok else None for a, ok in zip(at.tolist(), found.tolist(), strict=True)]

    messages = m.with_columns(
        pl.Series("sec", received_us // US),
        pl.Series("gap", gap),
        pl.Series("gap_cum", gap_cum),
        pl.Series("epoch_no", epoch_no),
        pl.Series("epoch_id", epoch_id),
        pl.Series("applied", applied),
    )
    epochs = (
        pl.DataFrame({
            "epoch_id": np.arange(n_epochs, dtype=np.int64),
            "ticker": m.get_column("ticker").gather(snaps),
            "epoch_no": epoch_no[snaps],
            "connection_id": m.get_column("connection_id").gather(snaps),
            "sid": m.get_column("sid").gather(snaps),
            "opened_at": m.get_column("received_at").gather(snaps),
            "gap_at": pl.Series(gap_at, dtype=pl.Int64).cast(pl.Datetime("us", "UTC")),
        })
        .join(connections.select("connection_id", "replaced_at"), on="connection_id", how="left",
              maintain_order="left")
        .with_columns(pl.min_horizontal("gap_at", "replaced_at").alias("stale_from"))
        .drop("gap_at", "replaced_at")
    )
    return Epochs(messages, epochs)


def rebuild_top(
    book_messages: pl.DataFrame,
    book_levels: pl.DataFrame,
    *,
    connections: pl.DataFrame | None = None,
    end: datetime | None = None,
) -> pl.DataFrame:
    """Per-second top of book of every market in the stream (TOP_INT_SCHEMA), sorted by ticker, ts.

    ``end``: the last instant of the capture (default: the last message); every market is sampled up
    to the second holding it.
    """
    if book_messages.is_empty():
        return pl.DataFrame(schema=TOP_INT_SCHEMA)
    cut = cut_epochs(book_messages, connections)
    m, epochs = cut.messages, cut.epochs
    if epochs.is_empty():
        return pl.DataFrame(schema=TOP_INT_SCHEMA)
    records = _dense_records(m, book_levels, epochs.height)
    records = records.join(epochs, on="epoch_id", how="left")
    # Per market, the latest epoch with a record at or before each second.
    records = records.sort(["ticker", "sec", "epoch_no"]).unique(["ticker", "sec"], keep="last", maintain_order=True)

    last = end if end is not None else book_messages.get_column("received_at").max()
    end_sec = int(last.timestamp()) if last is not None else 0
    grid = (
        epochs.group_by("ticker").agg((pl.col("opened_at").min().dt.epoch("us") // US).alias("start"))
        .with_columns(pl.int_ranges("start", pl.max_horizontal("start", pl.lit(end_sec)) + 1).alias("sec"))
        .explode("sec")
        .select("ticker", "sec")
        .sort(["ticker", "sec"])
    )
    sampled = grid.join_asof(
        records.rename({"sec": "rec_sec"}), left_on="sec", right_on="rec_sec", by="ticker", strategy="backward",
        check_sortedness=False,
    )
    fresh = pl.col("rec_sec") == pl.col("sec")
    stale = (pl.col("stale_from").dt.epoch("us") // US <= pl.col("sec")).fill_null(False)
    price_cols = ["yes_bid", "yes_bid_size", "no_bid", "no_bid_size", "yes_depth", "no_depth", "yes_levels",
                  "no_levels"]
    out = sampled.with_columns(
        stale.alias("gap"),
        (fresh & (pl.col("epoch_no") >= 2) & (pl.col("opened_at").dt.epoch("us") // US == pl.col("sec")))
        .fill_null(False).alias("resnapshot"),
        pl.when(fresh).then(pl.col("deltas_in_sec")).otherwise(0).alias("deltas_applied"),
        (pl.when(fresh).then(pl.col("negative_in_sec")).otherwise(False) | pl.col("negative_now")).fill_null(False)
        .alias("negative"),
    ).with_columns(
        [pl.when(pl.col("gap")).then(None).otherwise(pl.col(c)).alias(c) for c in price_cols]
    ).with_columns(
        ((pl.col("yes_bid") + pl.col("no_bid")) >= PRICE_ONE).fill_null(False).alias("crossed"),
        (pl.col("sec") * US).cast(pl.Datetime("us", "UTC")).alias("ts"),
    )
    return out.select([pl.col(c).cast(t) for c, t in TOP_INT_SCHEMA.items()]).sort(["ticker", "ts"])


def _dense_records(m: pl.DataFrame, book_levels: pl.DataFrame, n_epochs: int) -> pl.DataFrame:
    """One row per (epoch, second with applied messages): the book's top after that second."""
    schema = {
        "epoch_id": pl.Int64(), "sec": pl.Int64(), "seq": pl.Int64(), "exchange_ts": pl.Datetime("us", "UTC"),
        "deltas_in_sec": pl.Int32(), "negative_in_sec": pl.Boolean(), "negative_now": pl.Boolean(),
        "yes_bid": pl.Int64(), "yes_bid_size": pl.Int64(), "no_bid": pl.Int64(), "no_bid_size": pl.Int64(),
        "yes_depth": pl.Int64(), "no_depth": pl.Int64(), "yes_levels": pl.Int32(), "no_levels": pl.Int32(),
    }
    applied_mask = m.get_column("applied").to_numpy()
    if not applied_mask.any():
        return pl.DataFrame(schema=schema)
    # Message arrays (receipt order), only the applied ones.
    a_order = m.get_column("order").to_numpy()[applied_mask]
    a_ep = m.get_column("epoch_id").to_numpy()[applied_mask]
    a_sec = m.get_column("sec").to_numpy()[applied_mask]
    a_seq = m.get_column("seq").to_numpy()[applied_mask]
    a_delta = (m.get_column("kind") == "delta").to_numpy()[applied_mask]
    a_ts = m.get_column("exchange_ts").dt.epoch("us").fill_null(-1).to_numpy()[applied_mask]
    a_tk = _codes(m.get_column("ticker"))[applied_mask]

    # Level arrays joined to their message by order (order -> row of the applied messages).
    n_orders = int(m.get_column("order").max()) + 1
    row_of = np.full(n_orders, -1, dtype=np.int64)
    row_of[a_order] = np.arange(len(a_order))
    l_order = book_levels.get_column("order").to_numpy()
    inside = l_order < n_orders
    l_row = np.full(len(l_order), -1, dtype=np.int64)
    l_row[inside] = row_of[l_order[inside]]
    keep = l_row >= 0
    l_row = l_row[keep]
    l_ep, l_sec, l_tk = a_ep[l_row], a_sec[l_row], a_tk[l_row]
    l_side = book_levels.get_column("side").to_numpy()[keep].astype(np.int64)
    l_price = book_levels.get_column("price").to_numpy()[keep]
    l_size = book_levels.get_column("size").to_numpy()[keep]
    l_order = l_order[keep]

    # Each market's distinct prices -> a compact column index of the dense books.
    pkey = l_tk * (PRICE_ONE + 1) + l_price
    key_range = (int(a_tk.max()) + 1) * (PRICE_ONE + 1)
    if key_range <= 50_000_000:
        # Dense presence table over (market, price): linear time instead of a sort.
        present = np.zeros(key_range, dtype=bool)
        present[pkey] = True
        uniq = np.flatnonzero(present)
        l_px = (np.cumsum(present) - 1)[pkey]
    else:
        uniq, l_px = np.unique(pkey, return_inverse=True)
    u_tk = uniq // (PRICE_ONE + 1)
    first = np.searchsorted(u_tk, u_tk, side="left")
    l_px = l_px - first[l_px]
    width = int((np.arange(len(uniq)) - first).max()) + 1 if len(uniq) else 1
    price_of = np.zeros((int(a_tk.max()) + 1, width), dtype=np.int64)
    price_of[u_tk, np.arange(len(uniq)) - first] = uniq % (PRICE_ONE + 1)
    ep_tk = np.zeros(n_epochs, dtype=np.int64)
    ep_tk[a_ep] = a_tk

    # A level driven below zero at any message (not only at the end of its second).
    lkey = (l_ep * 2 + l_side) * width + l_px
    # Levels are in message order already, so a stable sort by level keeps each level's history in order.
    by_level = np.argsort(lkey, kind="stable")
    running = _segment_cumsum(lkey[by_level], l_size[by_level])
    neg_keys = set(((l_ep[by_level] * (1 << 40)) + l_sec[by_level])[running < 0].tolist())

    # Records: one per (second, epoch) with applied messages, in that order.
    if _is_sorted(a_sec):
        rec_order = np.argsort((a_sec - a_sec[0]) * n_epochs + a_ep, kind="stable")
    else:
        rec_order = np.lexsort((a_order, a_ep, a_sec))
    r_sec, r_ep = a_sec[rec_order], a_ep[rec_order]
    new = np.r_[True, (r_sec[1:] != r_sec[:-1]) | (r_ep[1:] != r_ep[:-1])]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(rec_order)] - 1
    rec_sec, rec_ep = r_sec[starts], r_ep[starts]
    rec_seq = a_seq[rec_order][ends]
    rec_deltas = np.add.reduceat(a_delta[rec_order].astype(np.int64), starts)
    ts_sorted = a_ts[rec_order]
    last_ts_at = np.where(ts_sorted >= 0, np.arange(len(ts_sorted)), -1)
    last_ts_at = np.maximum.reduceat(last_ts_at, starts)
    rec_ts = np.where(last_ts_at >= 0, ts_sorted[np.maximum(last_ts_at, 0)], -1)
    rec_neg = np.array([(e * (1 << 40) + s) in neg_keys for e, s in zip(rec_ep.tolist(), rec_sec.tolist(), strict=True)],
                       dtype=bool) if neg_keys else np.zeros(len(starts), dtype=bool)

    # Dense books: every epoch a row of (2 sides x the market's distinct prices); one scatter-add a second.
    by_sec = np.arange(len(l_sec)) if _is_sorted(l_sec) else np.argsort(l_sec, kind="stable")
    ls_sec = l_sec[by_sec]
    ls_ep, ls_side, ls_px, ls_size = l_ep[by_sec], l_side[by_sec], l_px[by_sec], l_size[by_sec]
    seconds, rec_start = np.unique(rec_sec, return_index=True)
    rec_end = np.r_[rec_start[1:], len(rec_sec)]
    lv_start = np.searchsorted(ls_sec, seconds, side="left")
    lv_end = np.searchsorted(ls_sec, seconds, side="right")
    state = np.zeros((n_epochs, 2, width), dtype=np.int64)
    n = len(rec_ep)
    out = {k: np.zeros(n, dtype=np.int64) for k in ("yb", "ybs", "nb", "nbs", "yd", "nd", "yl", "nl")}
    has_yes = np.zeros(n, dtype=bool)
    has_no = np.zeros(n, dtype=bool)
    neg_now = np.zeros(n, dtype=bool)
    cols = np.arange(width)
    for j in range(len(seconds)):
        a, b = lv_start[j], lv_end[j]
        if b > a:
            np.add.at(state, (ls_ep[a:b], ls_side[a:b], ls_px[a:b]), ls_size[a:b])
        r0, r1 = rec_start[j], rec_end[j]
        touched = rec_ep[r0:r1]
        sub = state[touched]
        pos = sub > 0
        # Best bid: the highest price index with a positive size (-1 when the side is empty).
        best = np.where(pos, cols, -1).max(axis=2)
        present = best >= 0
        safe_best = np.maximum(best, 0)
        best_size = np.take_along_axis(sub, safe_best[:, :, None], axis=2)[:, :, 0]
        tick = ep_tk[touched]
        out["yb"][r0:r1] = price_of[tick, safe_best[:, YES]]
        out["nb"][r0:r1] = price_of[tick, safe_best[:, NO]]
        out["ybs"][r0:r1] = best_size[:, YES]
        out["nbs"][r0:r1] = best_size[:, NO]
        depth = np.where(pos, sub, 0).sum(axis=2)
        count = pos.sum(axis=2)
        out["yd"][r0:r1] = depth[:, YES]
        out["nd"][r0:r1] = depth[:, NO]
        out["yl"][r0:r1] = count[:, YES]
        out["nl"][r0:r1] = count[:, NO]
        has_yes[r0:r1] = present[:, YES]
        has_no[r0:r1] = present[:, NO]
        neg_now[r0:r1] = (sub < 0).any(axis=(1, 2))

    def masked(values: np.ndarray, present: np.ndarray) -> pl.Series:
        return pl.Series(values).set(pl.Series(~present), None) if (~present).any() else pl.Series(values)

    records = pl.DataFrame({
        "epoch_id": rec_ep, "sec": rec_sec, "seq": rec_seq,
        "exchange_ts": pl.Series(rec_ts).set(pl.Series(rec_ts < 0), None).cast(pl.Datetime("us", "UTC")),
        "deltas_in_sec": rec_deltas.astype(np.int32), "negative_in_sec": rec_neg, "negative_now": neg_now,
        "yes_bid": masked(out["yb"], has_yes), "yes_bid_size": masked(out["ybs"], has_yes),
        "no_bid": masked(out["nb"], has_no), "no_bid_size": masked(out["nbs"], has_no),
        "yes_depth": out["yd"], "no_depth": out["nd"],
        "yes_levels": out["yl"].astype(np.int32), "no_levels": out["nl"].astype(np.int32),
    })
    # The exchange's time of the book: the last one any applied message of its epoch carried so far.
    records = records.sort(["epoch_id", "sec"]).with_columns(pl.col("exchange_ts").forward_fill().over("epoch_id"))
    return records.select([pl.col(c).cast(t) for c, t in schema.items()])


# --------------------------------------------------------------------------------------------------
# message by message


@dataclass
class BookState:
    """The book of one market after one message; ``book`` is None while stale (or before a snapshot)."""

    order: int
    received_at: datetime
    ticker: str
    book: tuple | None  # OrderBook.state() when trustworthy


def replay(
    book_messages: pl.DataFrame,
    book_levels: pl.DataFrame,
    *,
    connections: pl.DataFrame | None = None,
) -> Iterator[BookState]:
    """Apply the stream one message at a time with :class:`OrderBook`, by the module's rules, and
    yield each market's book after every message of that market (None while untrusted)."""
    if connections is None:
        connections = connections_of(book_messages)
    replaced = {
        c: (r.timestamp() if r is not None else None)
        for c, r in connections.select("connection_id", "replaced_at").iter_rows()
    }
    levels_by_order: dict[int, list[tuple[int, int, int]]] = {}
    for order, side, price, size in book_levels.select("order", "side", "price", "size").iter_rows():
        levels_by_order.setdefault(order, []).append((side, price, size))
    last_seq: dict[tuple[str, int], int] = {}
    gap_cum: dict[tuple[str, int], int] = {}
    books: dict[str, tuple[OrderBook, tuple[str, int], int]] = {}  # ticker -> (book, subscription, gap_cum)
    rows = book_messages.sort("order").select("order", "received_at", "connection_id", "sid", "seq", "ticker", "kind")
    for order, received_at, conn, sid, seq, ticker, kind in rows.iter_rows():
        key = (conn, sid)
        previous = last_seq.get(key)
        last_seq[key] = seq
        if previous is not None and seq != previous + 1:
            gap_cum[key] = gap_cum.get(key, 0) + 1
        if kind == "snapshot":
            book = OrderBook(ticker)
            lv = levels_by_order.get(order, [])
            book.apply_snapshot([(p, s) for sd, p, s in lv if sd == YES], [(p, s) for sd, p, s in lv if sd == NO])
            books[ticker] = (book, key, gap_cum.get(key, 0))
        else:
            held = books.get(ticker)
            if held is not None and held[1] == key and held[2] == gap_cum.get(key, 0):
                for side, price, size in levels_by_order.get(order, []):
                    held[0].apply_delta(side, price, size)
        yield BookState(order, received_at, ticker, _trusted_state(books.get(ticker), gap_cum, replaced, received_at))


def _trusted_state(held, gap_cum: dict, replaced: dict, at: datetime) -> tuple | None:
    if held is None:
        return None
    book, key, gaps_at_snapshot = held
    if gap_cum.get(key, 0) != gaps_at_snapshot:
        return None
    replaced_at = replaced.get(key[0])
    if replaced_at is not None and replaced_at <= at.timestamp():
        return None
    return book.state()


@dataclass(frozen=True)
class ReferenceBook:
    """A REST order book of one market, fetched between ``requested_at`` and ``received_at``."""

    ticker: str
    requested_at: datetime
    received_at: datetime
    yes: tuple[tuple[int, int], ...]
    no: tuple[tuple[int, int], ...]


AGREEMENT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "status": pl.String(),  # match | mismatch | stale | no_stream
    "states_considered": pl.Int32(),
    "detail": pl.String(),
}


def agreement(
    book_messages: pl.DataFrame,
    book_levels: pl.DataFrame,
    references: list[ReferenceBook],
    *,
    connections: pl.DataFrame | None = None,
    grace_s: float = 0.5,
) -> pl.DataFrame:
    """Does the rebuilt book of each market pass through the state REST showed?

    REST answers with the book at some instant between sending the request and reading the reply,
    and a frame describing that instant may arrive a little later; so the book rebuilt from the
    stream is accepted when any trusted state it held in [requested_at, received_at + grace]
    (counting the state already in force at requested_at) equals the REST book exactly, level by level.
    """
    wanted = {r.ticker: r for r in references}
    in_force: dict[str, tuple | None] = {}
    candidates: dict[str, list[tuple | None]] = {t: [] for t in wanted}
    if not book_messages.is_empty():
        for state in replay(book_messages, book_levels, connections=connections):
            ref = wanted.get(state.ticker)
            if ref is None:
                continue
            if state.received_at <= ref.requested_at:
                in_force[state.ticker] = state.book
            elif state.received_at.timestamp() <= ref.received_at.timestamp() + grace_s:
                candidates[state.ticker].append(state.book)
    rows = []
    for ticker, ref in wanted.items():
        states = ([in_force[ticker]] if ticker in in_force else []) + candidates[ticker]
        expected = (tuple(ref.yes), tuple(ref.no))
        trusted = [s for s in states if s is not None]
        if not states:
            rows.append((ticker, "no_stream", 0, "no book message for this market before or during the fetch"))
        elif expected in trusted:
            rows.append((ticker, "match", len(states), None))
        elif not trusted:
            rows.append((ticker, "stale", len(states), "the rebuilt book was untrusted (gap) throughout the fetch"))
        else:
            last = trusted[-1]
            rows.append((ticker, "mismatch", len(states), _describe_difference(expected, last)))
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA, orient="row")


def _describe_difference(rest: tuple, stream: tuple) -> str:
    parts = []
    for side, name in ((YES, "yes"), (NO, "no")):
        a, b = dict(rest[side]), dict(stream[side])
        diff = sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p))
        if diff:
            shown = ", ".join(f"{p / 10_000:.4f}: rest {a.get(p, 0) / 100:.2f} stream {b.get(p, 0) / 100:.2f}"
                              for p in diff[:5])
            parts.append(f"{name} levels differ at {len(diff)} price(s) ({shown})")
    return "; ".join(parts)


def to_table(top: pl.DataFrame) -> pl.DataFrame:
    """TOP_INT_SCHEMA -> the stored form: prices and sizes as exact DECIMAL(18,6) dollars and contracts,
    with YES ask = 1 - best NO bid and NO ask = 1 - best YES bid."""
    from kalshi_platform.core.money import DECIMAL_DTYPE

    def dollars(expr: pl.Expr) -> pl.Expr:
        return (expr.cast(DECIMAL_DTYPE) / 10_000).cast(DECIMAL_DTYPE)

    def contracts(expr: pl.Expr) -> pl.Expr:
        return (expr.cast(DECIMAL_DTYPE) / 100).cast(DECIMAL_DTYPE)

    return top.with_columns(
        dollars(pl.col("yes_bid")).alias("yes_bid"),
        contracts(pl.col("yes_bid_size")).alias("yes_bid_size"),
        dollars(pl.col("no_bid")).alias("no_bid"),
        contracts(pl.col("no_bid_size")).alias("no_bid_size"),
        dollars(PRICE_ONE - pl.col("no_bid")).alias("yes_ask"),
        dollars(PRICE_ONE - pl.col("yes_bid")).alias("no_ask"),
        contracts(pl.col("yes_depth")).alias("yes_depth"),
        contracts(pl.col("no_depth")).alias("no_depth"),
    ).select(
        "ticker", "ts", "exchange_ts", "connection_id", "sid", "seq", "yes_bid", "yes_bid_size", "yes_ask",
        "no_bid", "no_bid_size", "no_ask", "yes_depth", "no_depth", "yes_levels", "no_levels", "deltas_applied",
        "gap", "resnapshot", "crossed", "negative",
    )
