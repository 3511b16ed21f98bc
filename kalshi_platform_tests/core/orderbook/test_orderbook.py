"""Order books in fixed point: one book, sequence checks, and the batched rebuild of a whole capture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_platform.core.kalshi.ws import BOOK_LEVEL_SCHEMA, BOOK_MESSAGE_SCHEMA
from kalshi_platform.core.orderbook import (
    NO,
    YES,
    Gap,
    OrderBook,
    ReferenceBook,
    SequenceTracker,
    agreement,
    rebuild_top,
    replay,
    to_hundredths,
    to_table,
    to_u4,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------------
# one book


def test_fixed_point_is_exact():
    assert to_u4("0.5600") == 5600 and to_u4("0.96") == 9600 and to_u4("1") == 10_000 and to_u4("0.0001") == 1
    assert to_u4("0.12340") == 1234  # trailing zeros past the tick are harmless
    assert to_hundredths("444.32") == 44432 and to_hundredths("-54.00") == -5400 and to_hundredths("3") == 300
    for bad in ("0.12345", "abc", "1e3", "", "0.5.1", "١٢"):
        with pytest.raises(ValueError):
            to_u4(bad)
    with pytest.raises(ValueError):
        to_hundredths("1.001")


def test_book_top_depth_and_yes_ask():
    book = OrderBook("X")
    book.apply_snapshot([(4000, 1000), (4500, 500)], [(5000, 300), (5300, 700)])
    top = book.top()
    assert (top.yes_bid, top.yes_bid_size, top.no_bid, top.no_bid_size) == (4500, 500, 5300, 700)
    assert top.yes_ask == 10_000 - 5300 and top.no_ask == 10_000 - 4500
    assert (top.yes_depth, top.no_depth, top.yes_levels, top.no_levels) == (1500, 1000, 2, 2)
    assert not top.crossed
    assert book.apply_delta(YES, 4500, -500) == 0  # level removed
    assert book.top().yes_bid == 4000
    book.apply_delta(YES, 4800, 100)  # 0.48 + 0.53 > 1: a crossed book
    assert book.top().crossed


def test_a_level_driven_below_zero_is_flagged_and_kept_as_the_running_sum():
    book = OrderBook("X")
    book.apply_snapshot([(4000, 100)], [])
    book.apply_delta(YES, 4000, -150)
    assert book.negative and book.has_negative()
    assert book.levels(YES) == [] and book.top().yes_bid is None
    book.apply_delta(YES, 4000, 100)  # the stream's own arithmetic: -50 + 100
    assert book.levels(YES) == [(4000, 50)] and not book.has_negative()


def test_sequence_tracker_reports_lost_repeated_and_reordered_messages():
    tracker = SequenceTracker()
    assert tracker.check(1, 1) is None and tracker.check(1, 2) is None
    assert tracker.check(1, 4) == Gap(1, 3, 4)
    assert tracker.check(1, 4) == Gap(1, 5, 4)  # repeated
    assert tracker.check(2, 7) is None  # a new subscription starts anywhere
    tracker.forget(1)
    assert tracker.check(1, 1) is None


# ------------------------------------------------------------------------------------------------
# building streams


class Stream:
    """Order-book messages of a capture, written the way parse_frames would produce them."""

    def __init__(self) -> None:
        self.msgs: list[dict] = []
        self.levels: list[tuple] = []

    def add(self, t: float, ticker: str, kind: str, seq: int, *, sid: int = 1, conn: str = "c:0:0",
            attempt: int = 0, yes=(), no=(), side: int = YES, price: int = 0, delta: int = 0) -> None:
        order = len(self.msgs)
        self.msgs.append({
            "order": order, "received_at": T0 + timedelta(seconds=t), "connection_id": conn, "connection_slot": 0,
            "connection_attempt": attempt, "sid": sid, "seq": seq, "ticker": ticker, "kind": kind,
            "exchange_ts": None,
        })
        if kind == "snapshot":
            self.levels += [(order, YES, p, s) for p, s in yes] + [(order, NO, p, s) for p, s in no]
        else:
            self.levels.append((order, side, price, delta))

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        return (pl.DataFrame(self.msgs, schema=BOOK_MESSAGE_SCHEMA),
                pl.DataFrame(self.levels, schema=BOOK_LEVEL_SCHEMA, orient="row"))


def rows_by_second(top: pl.DataFrame, ticker: str) -> dict[int, dict]:
    return {int((r["ts"] - T0).total_seconds()): r for r in top.filter(pl.col("ticker") == ticker).iter_rows(named=True)}


def test_rebuild_samples_every_second_and_forward_fills():
    s = Stream()
    s.add(0.2, "A", "snapshot", 1, yes=[(4000, 1000)], no=[(5500, 200)])
    s.add(0.7, "A", "delta", 2, side=YES, price=4200, delta=300)
    s.add(3.1, "A", "delta", 3, side=NO, price=5500, delta=-200)
    top = rebuild_top(*s.frames(), end=T0 + timedelta(seconds=4.5))
    got = rows_by_second(top, "A")
    assert sorted(got) == [0, 1, 2, 3, 4]
    assert (got[0]["yes_bid"], got[0]["yes_bid_size"], got[0]["no_bid"], got[0]["deltas_applied"]) == (4200, 300, 5500, 1)
    assert got[2]["yes_bid"] == 4200 and got[2]["deltas_applied"] == 0  # carried
    assert got[3]["no_bid"] is None and got[3]["no_levels"] == 0 and got[3]["seq"] == 3
    assert not any(r["gap"] or r["resnapshot"] or r["crossed"] or r["negative"] for r in got.values())


def test_a_gap_marks_the_book_untrusted_until_a_fresh_snapshot():
    s = Stream()
    s.add(0.1, "A", "snapshot", 1, yes=[(4000, 1000)])
    s.add(0.2, "B", "snapshot", 2, yes=[(3000, 100)])
    s.add(1.5, "A", "delta", 4, side=YES, price=4100, delta=100)  # seq 3 was lost
    s.add(2.5, "B", "delta", 5, side=YES, price=3100, delta=100)  # after the gap: not applied
    s.add(3.5, "A", "snapshot", 1, sid=2, yes=[(4300, 50)])  # the resubscription
    s.add(3.6, "B", "snapshot", 2, sid=2, yes=[(3200, 70)])
    s.add(3.8, "B", "delta", 6, side=YES, price=3300, delta=10)  # a late frame of the old sid: ignored
    top = rebuild_top(*s.frames())
    a, b = rows_by_second(top, "A"), rows_by_second(top, "B")
    assert not a[0]["gap"] and [a[k]["gap"] for k in (1, 2)] == [True, True]
    assert a[1]["yes_bid"] is None  # no price from a book that cannot be trusted
    assert not a[3]["gap"] and a[3]["resnapshot"] and a[3]["yes_bid"] == 4300 and a[3]["sid"] == 2
    assert b[1]["gap"] and b[2]["gap"]  # the gap broke every book of the subscription
    assert b[3]["resnapshot"] and b[3]["yes_bid"] == 3200 and b[3]["yes_levels"] == 1


def test_a_replaced_connection_leaves_its_books_untrusted():
    s = Stream()
    s.add(0.1, "A", "snapshot", 1, yes=[(4000, 1000)])
    s.add(2.3, "A", "snapshot", 1, conn="c:0:1", attempt=1, yes=[(4400, 10)])
    msgs, levels = s.frames()
    connections = pl.DataFrame({
        "connection_id": ["c:0:0", "c:0:1"], "connection_slot": [0, 0], "connection_attempt": [0, 1],
        "replaced_at": [T0 + timedelta(seconds=1.2), None],
    }, schema={"connection_id": pl.String, "connection_slot": pl.Int32, "connection_attempt": pl.Int32,
               "replaced_at": pl.Datetime("us", "UTC")})
    a = rows_by_second(rebuild_top(msgs, levels, connections=connections), "A")
    assert [a[k]["gap"] for k in (0, 1, 2)] == [False, True, False]
    assert a[2]["resnapshot"] and a[2]["yes_bid"] == 4400 and a[2]["connection_id"] == "c:0:1"


def test_negative_and_crossed_books_are_flagged():
    s = Stream()
    s.add(0.1, "A", "snapshot", 1, yes=[(4000, 100)], no=[(5500, 100)])
    s.add(1.1, "A", "delta", 2, side=YES, price=4000, delta=-150)
    s.add(1.2, "A", "delta", 3, side=YES, price=4000, delta=100)
    s.add(2.1, "A", "delta", 4, side=YES, price=4600, delta=100)
    a = rows_by_second(rebuild_top(*s.frames()), "A")
    assert a[1]["negative"] and not a[0]["negative"] and a[1]["yes_bid_size"] == 50
    assert a[2]["crossed"] and not a[1]["crossed"]


def test_to_table_is_exact_decimal_with_asks_from_the_other_side():
    s = Stream()
    s.add(0.1, "A", "snapshot", 1, yes=[(4123, 1234)], no=[(5601, 5)])
    table = to_table(rebuild_top(*s.frames()))
    row = table.row(0, named=True)
    assert row["yes_bid"] == Decimal("0.4123") and row["yes_bid_size"] == Decimal("12.34")
    assert row["yes_ask"] == Decimal("0.4399") and row["no_ask"] == Decimal("0.5877")
    assert row["no_bid_size"] == Decimal("0.05")
    assert table.schema["yes_bid"] == pl.Decimal(18, 6)


# ------------------------------------------------------------------------------------------------
# the batched rebuild against an independent message-by-message oracle


def oracle(msgs: list[dict], levels: list[tuple], replaced: dict[str, datetime | None], end: datetime) -> dict:
    """(ticker, second) -> None (untrusted) or (yes levels, no levels) at the end of that second."""
    by_order: dict[int, list] = {}
    for order, side, price, size in levels:
        by_order.setdefault(order, []).append((side, price, size))
    last_seq: dict = {}
    gaps: dict = {}
    books: dict = {}
    first: dict[str, int] = {}
    out: dict = {}

    def close_second(sec: int) -> None:
        boundary = T0 + timedelta(seconds=sec + 1)
        for ticker, (book, key, g) in books.items():
            bad = gaps.get(key, 0) != g or (replaced.get(key[0]) is not None and replaced[key[0]] < boundary)
            out[(ticker, sec)] = None if bad else book.state()

    msgs = sorted(msgs, key=lambda m: m["order"])
    current = int((msgs[0]["received_at"] - T0).total_seconds())
    for m in msgs:
        sec = int((m["received_at"] - T0).total_seconds())
        while current < sec:
            close_second(current)
            current += 1
        key = (m["connection_id"], m["sid"])
        if key in last_seq and m["seq"] != last_seq[key] + 1:
            gaps[key] = gaps.get(key, 0) + 1
        last_seq[key] = m["seq"]
        lv = by_order.get(m["order"], [])
        if m["kind"] == "snapshot":
            book = OrderBook(m["ticker"])
            book.apply_snapshot([(p, z) for sd, p, z in lv if sd == YES], [(p, z) for sd, p, z in lv if sd == NO])
            books[m["ticker"]] = (book, key, gaps.get(key, 0))
            first.setdefault(m["ticker"], sec)
        elif m["ticker"] in books and books[m["ticker"]][1] == key and books[m["ticker"]][2] == gaps.get(key, 0):
            for side, price, size in lv:
                books[m["ticker"]][0].apply_delta(side, price, size)
    last = int((end - T0).total_seconds())
    while current <= last:
        close_second(current)
        current += 1
    return out


@st.composite
def streams(draw):
    s = Stream()
    t = 0.0
    seq = {("c:0:0", 1): 0, ("c:0:0", 2): 0, ("c:0:1", 3): 0}
    tickers = ["A", "B", "C"]
    prices = [1000, 2500, 4000, 4100, 5000, 6000, 9900]
    conn_of = {"c:0:0": 0, "c:0:1": 1}
    for _ in range(draw(st.integers(1, 60))):
        t += draw(st.sampled_from([0.0, 0.05, 0.3, 0.9, 1.7]))
        conn = draw(st.sampled_from(["c:0:0", "c:0:0", "c:0:1"] if t > 3 else ["c:0:0"]))
        sid = draw(st.sampled_from([1, 2])) if conn == "c:0:0" else 3
        key = (conn, sid)
        seq[key] += 1 + (1 if draw(st.integers(0, 12)) == 0 else 0)  # now and then a lost message
        ticker = draw(st.sampled_from(tickers))
        if draw(st.integers(0, 5)) == 0:
            side_levels = st.lists(st.tuples(st.sampled_from(prices), st.integers(1, 500)), max_size=4,
                                   unique_by=lambda x: x[0])
            s.add(t, ticker, "snapshot", seq[key], sid=sid, conn=conn, attempt=conn_of[conn],
                  yes=draw(side_levels), no=draw(side_levels))
        else:
            s.add(t, ticker, "delta", seq[key], sid=sid, conn=conn, attempt=conn_of[conn],
                  side=draw(st.sampled_from([YES, NO])), price=draw(st.sampled_from(prices)),
                  delta=draw(st.integers(-300, 300).filter(lambda d: d != 0)))
    replaced_at = None
    if any(m["connection_id"] == "c:0:1" for m in s.msgs):
        replaced_at = min(m["received_at"] for m in s.msgs if m["connection_id"] == "c:0:1")
    return s, {"c:0:0": replaced_at, "c:0:1": None}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_batched_rebuild_agrees_with_a_message_by_message_oracle(case):
    s, replaced = case
    msgs, levels = s.frames()
    connections = pl.DataFrame(
        {"connection_id": list(replaced), "connection_slot": [0, 0], "connection_attempt": [0, 1],
         "replaced_at": list(replaced.values())},
        schema={"connection_id": pl.String, "connection_slot": pl.Int32, "connection_attempt": pl.Int32,
                "replaced_at": pl.Datetime("us", "UTC")},
    )
    end = max(m["received_at"] for m in s.msgs)
    top = rebuild_top(msgs, levels, connections=connections, end=end)
    expected = oracle(s.msgs, s.levels, replaced, end)
    got = {(r["ticker"], int((r["ts"] - T0).total_seconds())): r for r in top.iter_rows(named=True)}
    assert set(got) == set(expected)
    for key, state in expected.items():
        row = got[key]
        assert row["gap"] == (state is None), key
        if state is None:
            assert row["yes_bid"] is None and row["no_bid"] is None
            continue
        yes, no = state
        assert row["yes_bid"] == (yes[-1][0] if yes else None), key
        assert row["yes_bid_size"] == (yes[-1][1] if yes else None), key
        assert row["no_bid"] == (no[-1][0] if no else None), key
        assert row["no_bid_size"] == (no[-1][1] if no else None), key
        assert (row["yes_depth"], row["no_depth"]) == (sum(z for _, z in yes), sum(z for _, z in no)), key
        assert (row["yes_levels"], row["no_levels"]) == (len(yes), len(no)), key
        assert row["crossed"] == bool(yes and no and yes[-1][0] + no[-1][0] >= 10_000)


# ------------------------------------------------------------------------------------------------
# agreement with a REST book


def test_agreement_accepts_any_state_the_stream_held_during_the_fetch():
    s = Stream()
    s.add(0.1, "A", "snapshot", 1, yes=[(4000, 100)])
    s.add(1.0, "A", "delta", 2, side=YES, price=4100, delta=10)
    s.add(1.05, "A", "delta", 3, side=YES, price=4000, delta=-100)
    s.add(0.2, "B", "snapshot", 4, yes=[(3000, 100)])
    s.add(0.3, "C", "snapshot", 5, yes=[(2000, 100)])
    s.add(0.8, "C", "delta", 7, side=YES, price=2000, delta=5)  # gap: C untrusted from here
    msgs, levels = s.frames()
    at = T0 + timedelta(seconds=0.9)
    refs = [
        # REST answered between 0.9 s and 1.02 s: the book after the first delta is in that window.
        ReferenceBook("A", at, at + timedelta(seconds=0.12), ((4000, 100), (4100, 10)), ()),
        ReferenceBook("B", at, at + timedelta(seconds=0.1), ((3000, 99),), ()),
        ReferenceBook("C", at, at + timedelta(seconds=0.1), ((2000, 105),), ()),
        ReferenceBook("D", at, at + timedelta(seconds=0.1), (), ()),
    ]
    result = {r["ticker"]: r for r in agreement(msgs, levels, refs, grace_s=0.0).iter_rows(named=True)}
    assert result["A"]["status"] == "match"
    assert result["B"]["status"] == "mismatch" and "0.3000: rest 0.99 stream 1.00" in result["B"]["detail"]
    assert result["C"]["status"] == "stale"
    assert result["D"]["status"] == "no_stream"
    # A fetch that ended before the first delta cannot be matched by the later state alone.
    late = [ReferenceBook("A", at, at, ((4100, 10),), ())]
    assert agreement(msgs, levels, late, grace_s=0.0).row(0, named=True)["status"] == "mismatch"


def test_replay_yields_each_markets_book_after_each_message():
    s = Stream()
    s.add(0.1, "A", "snapshot", 1, yes=[(4000, 100)])
    s.add(0.2, "A", "delta", 2, side=NO, price=5000, delta=30)
    states = [(b.ticker, b.book) for b in replay(*s.frames())]
    assert states == [("A", (((4000, 100),), ())), ("A", (((4000, 100),), ((5000, 30),)))]
