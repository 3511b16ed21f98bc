"""Kalshi WebSocket frames: every real frame parses; every timestamp and number form is read exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core.kalshi.ws import (
    MESSAGE_SCHEMA,
    FrameError,
    lifecycle_markets,
    parse_frame,
    parse_frames,
)
from kalshi_platform.core.orderbook import NO, YES

REAL_WS = Path(__file__).resolve().parents[2] / "fixtures" / "kalshi" / "ws"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def real_frames() -> list[tuple[str, str]]:
    """(file name, frame text) of every server-to-client frame in the real data."""
    out = []
    for path in sorted(REAL_WS.iterdir()):
        if path.suffix == ".jsonl":
            out += [(path.name, line) for line in path.read_text().splitlines() if line.strip()]
        elif path.name == "kalshi_ws_asyncapi_all_examples_docs.json":
            examples = json.loads(path.read_text())
            for name, items in examples.items():
                for item in items:
                    payload = item["payload"]
                    if isinstance(payload, dict) and "type" in payload:  # server messages (not commands, pings)
                        out.append((f"{path.name}:{name}", json.dumps(payload)))
        else:
            payload = json.loads(path.read_text())
            for p in payload if isinstance(payload, list) else [payload]:
                out.append((path.name, json.dumps(p)))
    return out


REAL = real_frames()


def test_the_real_data_is_all_here():
    assert len(REAL) >= 40
    types = {json.loads(text)["type"] for _, text in REAL}
    assert {"orderbook_snapshot", "orderbook_delta", "ticker", "trade", "fill", "market_lifecycle_v2",
            "event_lifecycle", "subscribed", "error", "ok", "unsubscribed"} <= types


@pytest.mark.parametrize("name,text", REAL, ids=[f"{i}-{n}" for i, (n, _) in enumerate(REAL)])
def test_every_real_frame_parses(name, text):
    body = json.loads(text)
    m = parse_frame(text)
    assert m.msg_type == body["type"]
    assert m.sid == body.get("sid") and m.seq == body.get("seq") and m.cmd_id == body.get("id")
    msg = body.get("msg") or {}
    if isinstance(msg, dict):
        assert m.market_ticker == msg.get("market_ticker")
        if isinstance(msg.get("ts"), int):
            assert m.exchange_ts == datetime.fromtimestamp(msg["ts"], UTC)
    if body["type"] in ("orderbook_snapshot", "orderbook_delta"):
        assert m.book is not None


def test_documented_snapshot_reads_the_fixed_point_form_exactly():
    text = (REAL_WS / "kalshi_ws_orderbook_snapshot_docs.json").read_text()
    m = parse_frame(text)
    assert m.channel == "orderbook_delta"
    assert m.book.yes == [(800, 30000), (2200, 33300)]  # u4 prices, hundredths of contracts
    assert m.book.no == [(5400, 2000), (5600, 14600)]


def test_snapshot_formats_give_the_same_book():
    legacy = {"type": "orderbook_snapshot", "sid": 1, "seq": 1,
              "msg": {"market_ticker": "X", "yes": [[8, 300]], "no": [[54, 20]]}}
    dollars = {"type": "orderbook_snapshot", "sid": 1, "seq": 1,
               "msg": {"market_ticker": "X", "yes_dollars": [["0.080", 300]], "no_dollars": [["0.540", 20]]}}
    fixed = {"type": "orderbook_snapshot", "sid": 1, "seq": 1,
             "msg": {"market_ticker": "X", "yes_dollars_fp": [["0.0800", "300.00"]],
                     "no_dollars_fp": [["0.5400", "20.00"]]}}
    books = [parse_frame(json.dumps(f)).book for f in (legacy, dollars, fixed)]
    assert {(tuple(b.yes), tuple(b.no)) for b in books} == {(((800, 30000),), ((5400, 2000),))}


def test_empty_snapshot_of_the_demo_capture_is_an_empty_book():
    line = (REAL_WS / "kalshi_ws_subscribed_and_empty_orderbook_snapshot_demo_kalshi-edge-lab.jsonl").read_text()
    m = parse_frame(line.splitlines()[2])
    assert m.book.yes == [] and m.book.no == [] and m.market_ticker == "KXBTCD-26AUG2017-T73749.99"


def test_delta_forms():
    doc = parse_frame((REAL_WS / "kalshi_ws_orderbook_delta_docs.json").read_text()).book
    assert (doc.side, doc.price, doc.delta) == (YES, 9600, -5400)
    legacy = parse_frame(json.dumps({"type": "orderbook_delta", "sid": 2, "seq": 3, "msg": {
        "market_ticker": "X", "price": 96, "delta": -54, "side": "no"}})).book
    assert (legacy.side, legacy.price, legacy.delta) == (NO, 9600, -5400)
    fractional = parse_frame(json.dumps({"type": "orderbook_delta", "sid": 2, "seq": 3, "msg": {
        "market_ticker": "X", "price_dollars": "0.1234", "delta_fp": "12.34", "side": "yes"}})).book
    assert (fractional.price, fractional.delta) == (1234, 1234)


@pytest.mark.parametrize("msg,expected", [
    ({"ts": 1669149841}, datetime(2022, 11, 22, 20, 44, 1, tzinfo=UTC)),  # unix seconds
    ({"ts_ms": 1669149841123}, datetime(2022, 11, 22, 20, 44, 1, 123000, tzinfo=UTC)),  # milliseconds
    ({"ts": "2022-11-22T20:44:01Z"}, datetime(2022, 11, 22, 20, 44, 1, tzinfo=UTC)),  # RFC3339
    ({"ts": "2022-11-22T20:44:01.5+00:00"}, datetime(2022, 11, 22, 20, 44, 1, 500000, tzinfo=UTC)),
    ({"ts": "1669149841"}, datetime(2022, 11, 22, 20, 44, 1, tzinfo=UTC)),
    ({"ts": 1669149841123}, datetime(2022, 11, 22, 20, 44, 1, 123000, tzinfo=UTC)),  # ms sent as ts
    ({"ts_ms": 1669149841123, "ts": 1}, datetime(2022, 11, 22, 20, 44, 1, 123000, tzinfo=UTC)),  # ms wins
    ({}, None),
])
def test_every_timestamp_form(msg, expected):
    frame = {"type": "ticker", "sid": 1, "msg": {"market_ticker": "X", **msg}}
    assert parse_frame(json.dumps(frame)).exchange_ts == expected


@pytest.mark.parametrize("text,reason", [
    ("", "empty"),
    ("{not json", "not JSON"),
    ("[1, 2]", "not an object"),
    ('{"sid": 1}', "no message type"),
    ('{"type": "ticker", "msg": {"market_ticker": "X", "ts": 1.5}}', "not integer seconds"),
    ('{"type": "ticker", "msg": {"market_ticker": "X", "ts": "yesterday"}}', "RFC3339"),
    ('{"type": "orderbook_delta", "msg": {"market_ticker": "X", "price_dollars": "0.5", "delta_fp": "1", "side": "yes"}}',
     "no sid/seq"),
    ('{"type": "orderbook_delta", "sid": 1, "seq": 2, "msg": {"market_ticker": "X", "price_dollars": "0.12345",'
     ' "delta_fp": "1.00", "side": "yes"}}', "more than 4 decimals"),
    ('{"type": "orderbook_delta", "sid": 1, "seq": 2, "msg": {"market_ticker": "X", "price_dollars": "0.5",'
     ' "delta_fp": "1.001", "side": "yes"}}', "more than 2 decimals"),
    ('{"type": "orderbook_delta", "sid": 1, "seq": 2, "msg": {"market_ticker": "X", "price_dollars": "0.5",'
     ' "delta_fp": "1", "side": "maybe"}}', "side"),
    ('{"type": "orderbook_delta", "sid": 1, "seq": 2, "msg": {"market_ticker": "X", "price_dollars": "1.2",'
     ' "delta_fp": "1", "side": "yes"}}', "outside"),
    ('{"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": {"market_ticker": "X",'
     ' "yes_dollars_fp": [["0.5", "1"], ["0.5", "2"]]}}', "twice"),
    ('{"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": {"market_ticker": "X", "yes": [[50.5, 1]]}}',
     "not integer cents"),
    ('{"type": "orderbook_snapshot", "sid": "one", "seq": 1, "msg": {"market_ticker": "X"}}', "not an integer"),
])
def test_unreadable_frames_say_why(text, reason):
    with pytest.raises(FrameError, match=reason):
        parse_frame(text)


def test_parse_frames_keeps_every_frame_and_rejects_the_unreadable():
    texts = [
        '{"type":"subscribed","id":1,"msg":{"channel":"orderbook_delta","sid":1}}',
        '{"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"A","yes_dollars_fp":[["0.4000","10.00"]]}}',
        '{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":"A","price_dollars":"0.4100",'
        '"delta_fp":"oops","side":"yes"}}',
        '{"type":"orderbook_delta","sid":1,"seq":3,"msg":{"market_ticker":"A","price_dollars":"0.4100",'
        '"delta_fp":"2.00","side":"yes","ts":"2026-01-02T03:04:06Z"}}',
        "\x00garbage",
    ]
    frames = pl.DataFrame({
        "connection_id": ["c:0:0"] * len(texts), "connection_slot": [0] * len(texts),
        "connection_attempt": [0] * len(texts), "frame_no": list(range(len(texts))),
        "received_at": [T0] * len(texts), "frame_text": texts,
    })
    parsed = parse_frames(frames, source="test", batch_id="b1", fetched_at=T0)
    assert parsed.messages.schema == pl.Schema(MESSAGE_SCHEMA)
    assert parsed.messages.height == 5
    assert parsed.messages.get_column("readable").to_list() == [True, True, False, True, False]
    assert parsed.messages.get_column("channel").to_list() == ["orderbook_delta"] * 2 + [None, "orderbook_delta", None]
    assert parsed.rejects.height == 2
    assert parsed.rejects.get_column("natural_key").to_list() == ["A", None]
    assert parsed.rejects.get_column("kind").unique().to_list() == ["ws_frame"]
    assert parsed.book_messages.get_column("kind").to_list() == ["snapshot", "delta"]
    assert parsed.book_levels.rows() == [(1, YES, 4000, 1000), (3, YES, 4100, 200)]


def test_lifecycle_created_describes_a_market_for_the_fast_path():
    lines = (REAL_WS / "kalshi_ws_lifecycle_trade_ticker_prod_2025-10_rust-test.jsonl").read_text().splitlines()
    msgs = [json.loads(line)["msg"] for line in lines if '"market_lifecycle_v2"' in line]
    markets = lifecycle_markets(msgs)
    lighter = markets.filter(pl.col("ticker") == "KXFDVLIGHTER-25DEC31-8").row(0, named=True)
    assert lighter["event_ticker"] == "KXFDVLIGHTER-25DEC31"
    assert lighter["strike_type"] == "greater" and lighter["floor_strike"] == "7999999999.99"
    assert lighter["close_time"] == datetime.fromtimestamp(1767200340, UTC)
    assert markets.height == len({m["market_ticker"] for m in msgs})
