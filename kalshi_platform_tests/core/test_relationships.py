"""core.relationships: event and game groups, mutually exclusive sets and their exact price sums.

Hand-made frames (exact Decimal sums), the real NCAA payloads (moneylines, the KXMARMAD winner list) and
the sandbox world (game groups across series, weather and BTC ladders)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.instruments import build_instruments
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.relationships import (
    GROUP_SCHEMA,
    SET_SCHEMA,
    exclusive_sets,
    market_groups,
)

REST = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "rest"
NOW = datetime(2026, 3, 17, 12, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------
# Helpers


def instruments(rows: list[dict]) -> pl.DataFrame:
    """A small instrument frame: ticker, event_ticker, family, strike_type, floor, cap, status."""
    schema = {"ticker": pl.String, "event_ticker": pl.String, "family": pl.String, "strike_type": pl.String,
              "floor": DECIMAL_DTYPE, "cap": DECIMAL_DTYPE, "status": pl.String}
    full = [{k: r.get(k) for k in schema} for r in rows]
    for r in full:
        for k in ("floor", "cap"):
            if r[k] is not None:
                r[k] = D(str(r[k]))
        r["status"] = r["status"] or "active"
    return pl.DataFrame(full, schema=schema)


def quotes(pairs: dict[str, tuple[str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"ticker": t, "yes_bid": None if b is None else D(b), "yes_ask": None if a is None else D(a)}
         for t, (b, a) in pairs.items()],
        schema={"ticker": pl.String, "yes_bid": DECIMAL_DTYPE, "yes_ask": DECIMAL_DTYPE},
    )


def events(flags: dict[str, bool | None]) -> pl.DataFrame:
    return pl.DataFrame([{"event_ticker": e, "mutually_exclusive": f, "title": f"Title of {e}"}
                         for e, f in flags.items()],
                        schema={"event_ticker": pl.String, "mutually_exclusive": pl.Boolean, "title": pl.String})


def one(frame: pl.DataFrame, key: str) -> dict:
    rows = frame.filter(pl.col("set_key") == key)
    assert rows.height == 1, f"{key}: {rows.height} rows"
    return rows.row(0, named=True)


def parse_payload(name: str) -> object:
    return json.loads((REST / name).read_text())


# A KXHIGHNY day as the API sends it: "48° or below" = less, cap 49; "49° to 50°" = between 49..50
# (whole degrees, both ends in); "57° or above" = greater, floor 56.
HIGHNY = [
    dict(ticker="KXHIGHNY-25NOV29-T49", strike_type="less", cap=49),
    dict(ticker="KXHIGHNY-25NOV29-B49.5", strike_type="between", floor=49, cap=50),
    dict(ticker="KXHIGHNY-25NOV29-B51.5", strike_type="between", floor=51, cap=52),
    dict(ticker="KXHIGHNY-25NOV29-B53.5", strike_type="between", floor=53, cap=54),
    dict(ticker="KXHIGHNY-25NOV29-B55.5", strike_type="between", floor=55, cap=56),
    dict(ticker="KXHIGHNY-25NOV29-T56", strike_type="greater", floor=56),
]
HIGHNY_QUOTES = {
    "KXHIGHNY-25NOV29-T49": ("0.0100", "0.0300"),
    "KXHIGHNY-25NOV29-B49.5": ("0.0800", "0.1000"),
    "KXHIGHNY-25NOV29-B51.5": ("0.3100", "0.3400"),
    "KXHIGHNY-25NOV29-B53.5": ("0.3600", "0.3900"),
    "KXHIGHNY-25NOV29-B55.5": ("0.1500", "0.1700"),
    "KXHIGHNY-25NOV29-T56": ("0.0200", "0.0400"),
}


def highny(rows=HIGHNY, event="KXHIGHNY-25NOV29") -> pl.DataFrame:
    return instruments([{**r, "event_ticker": event, "family": "weather_high"} for r in rows])


# ---------------------------------------------------------------------------------------------------
# Exclusive sets: hand-made


def test_moneyline_sums_are_exact_decimals():
    inst = instruments([
        dict(ticker="KXNBAGAME-26JAN09MILLAL-MIL", event_ticker="KXNBAGAME-26JAN09MILLAL", family="sports_game"),
        dict(ticker="KXNBAGAME-26JAN09MILLAL-LAL", event_ticker="KXNBAGAME-26JAN09MILLAL", family="sports_game"),
    ])
    q = quotes({"KXNBAGAME-26JAN09MILLAL-MIL": ("0.4100", "0.4300"),
                "KXNBAGAME-26JAN09MILLAL-LAL": ("0.5600", "0.5800")})
    out = exclusive_sets(inst, None, q)
    assert out.schema == pl.Schema(SET_SCHEMA)
    r = one(out, "KXNBAGAME-26JAN09MILLAL")
    assert (r["set_kind"], r["basis"], r["exhaustive"]) == ("moneyline", "moneyline", True)
    assert (r["n_markets"], r["n_quoted"], r["complete_quotes"]) == (2, 2, True)
    assert r["sum_yes_bid"] == D("0.97") and r["sum_yes_ask"] == D("1.01")
    assert r["sum_mid"] == D("0.99")
    assert r["overround"] == D("0.01") and r["underround"] == D("0.03")
    assert r["spread_width"] == D("0.04") and r["mid_deviation"] == D("-0.01")
    assert r["mids_stray"] is False
    assert r["tickers"] == ["KXNBAGAME-26JAN09MILLAL-LAL", "KXNBAGAME-26JAN09MILLAL-MIL"]
    for col in ("sum_yes_bid", "sum_yes_ask", "sum_mid", "overround", "underround", "spread_width", "mid_deviation"):
        assert out.schema[col] == DECIMAL_DTYPE


def test_soccer_moneyline_with_tie_is_a_set_of_three():
    ev = "KXEPLGAME-25DEC26MUNNEW"
    inst = instruments([dict(ticker=f"{ev}-{c}", event_ticker=ev, family="sports_game") for c in ("MUN", "NEW", "TIE")])
    q = quotes({f"{ev}-MUN": ("0.4500", "0.4700"), f"{ev}-NEW": ("0.2800", "0.3000"), f"{ev}-TIE": ("0.2400", "0.2600")})
    r = one(exclusive_sets(inst, None, q), ev)
    assert (r["set_kind"], r["n_markets"]) == ("moneyline", 3)
    assert r["sum_yes_bid"] == D("0.97") and r["sum_yes_ask"] == D("1.03") and r["sum_mid"] == D("1")
    assert r["mids_stray"] is False


def test_mids_stray_exactly_when_bids_sum_over_one_or_asks_under_one():
    ev = "KXNBAGAME-26JAN09MILLAL"
    inst = instruments([dict(ticker=f"{ev}-{c}", event_ticker=ev, family="sports_game") for c in ("MIL", "LAL")])
    cases = {
        ("0.5000", "0.5200", "0.5100", "0.5300"): True,  # bids sum 1.01 > 1: sell both YES
        ("0.4500", "0.4700", "0.5100", "0.5200"): True,  # asks sum 0.99 < 1: buy both YES
        ("0.4500", "0.4700", "0.5100", "0.5300"): False,  # asks sum exactly 1: not stray
        ("0.4700", "0.5000", "0.5000", "0.5200"): False,  # bids sum 0.97, asks 1.02
        ("0.4900", "0.5100", "0.5100", "0.5300"): False,  # bids sum exactly 1: not stray
    }
    for (b1, a1, b2, a2), stray in cases.items():
        r = one(exclusive_sets(inst, None, quotes({f"{ev}-MIL": (b1, a1), f"{ev}-LAL": (b2, a2)})), ev)
        assert r["mids_stray"] is stray, (b1, a1, b2, a2)
        dev, width = abs(r["sum_mid"] - 1), r["spread_width"]
        assert (dev > width / 2) is stray


def test_incomplete_quotes_leave_mids_stray_null():
    ev = "KXNBAGAME-26JAN09MILLAL"
    inst = instruments([dict(ticker=f"{ev}-{c}", event_ticker=ev, family="sports_game") for c in ("MIL", "LAL")])
    # One side has no quote, the other an ask of 0 (Kalshi's "no ask"): neither counts as quoted.
    for q in (quotes({f"{ev}-MIL": ("0.6000", "0.6200")}),
              quotes({f"{ev}-MIL": ("0.6000", "0.6200"), f"{ev}-LAL": ("0.0000", "0.0000")})):
        r = one(exclusive_sets(inst, None, q), ev)
        assert (r["n_markets"], r["n_quoted"], r["complete_quotes"]) == (2, 1, False)
        assert r["sum_yes_bid"] == D("0.6") and r["sum_yes_ask"] == D("0.62")
        assert r["mids_stray"] is None
    r = one(exclusive_sets(inst), ev)  # no quotes at all
    assert (r["n_quoted"], r["sum_yes_bid"], r["mids_stray"]) == (0, D(0), None)


def test_only_open_markets_count_and_status_passes_through_from_quotes():
    ev = "KXPRES-28"
    inst = instruments([
        dict(ticker=f"{ev}-A", event_ticker=ev, family="election"),
        dict(ticker=f"{ev}-B", event_ticker=ev, family="election"),
        dict(ticker=f"{ev}-C", event_ticker=ev, family="election", status="finalized"),
    ])
    q = quotes({f"{ev}-A": ("0.6000", "0.6100"), f"{ev}-B": ("0.3800", "0.4000"), f"{ev}-C": ("0.0000", "0.0100")})
    r = one(exclusive_sets(inst, events({ev: True}), q), ev)
    assert (r["set_kind"], r["basis"], r["n_markets"], r["n_not_open"]) == ("winner_list", "api_mutually_exclusive", 2, 1)
    assert r["sum_yes_bid"] == D("0.98") and r["sum_yes_ask"] == D("1.01")
    assert r["title"] == f"Title of {ev}" and r["api_mutually_exclusive"] is True
    # The quote snapshot is newer than the instrument: its status wins.
    q2 = q.with_columns(pl.Series("status", ["active", "closed", "finalized"]))
    r = one(exclusive_sets(inst, events({ev: True}), q2), ev)
    assert (r["n_markets"], r["n_not_open"], r["tickers"]) == (1, 2, [f"{ev}-A"])
    # Nothing open: no set at all.
    closed = inst.with_columns(pl.lit("finalized").alias("status"))
    assert exclusive_sets(closed, events({ev: True}), q).is_empty()


def test_latest_quote_per_ticker_is_used():
    ev = "KXNBAGAME-26JAN09MILLAL"
    inst = instruments([dict(ticker=f"{ev}-{c}", event_ticker=ev, family="sports_game") for c in ("MIL", "LAL")])
    q = pl.concat([
        quotes({f"{ev}-MIL": ("0.4000", "0.4200"), f"{ev}-LAL": ("0.5600", "0.5800")}).with_columns(
            pl.lit(datetime(2026, 1, 9, 20, tzinfo=UTC)).alias("updated_time")),
        quotes({f"{ev}-MIL": ("0.3000", "0.3100")}).with_columns(
            pl.lit(datetime(2026, 1, 9, 21, tzinfo=UTC)).alias("updated_time")),
    ]).reverse()
    r = one(exclusive_sets(inst, None, q), ev)
    assert r["sum_yes_bid"] == D("0.86") and r["sum_yes_ask"] == D("0.89")


def test_prices_as_text_are_read_exactly_and_floats_refused():
    ev = "KXNBAGAME-26JAN09MILLAL"
    inst = instruments([dict(ticker=f"{ev}-{c}", event_ticker=ev, family="sports_game") for c in ("MIL", "LAL")])
    text = pl.DataFrame({"ticker": [f"{ev}-MIL", f"{ev}-LAL"], "yes_bid": ["0.1001", "0.8899"],
                         "yes_ask": ["0.1101", "0.8999"]})
    r = one(exclusive_sets(inst, None, text), ev)
    assert r["sum_yes_bid"] == D("0.99") and r["sum_yes_ask"] == D("1.01") and r["sum_mid"] == D("1")
    with pytest.raises(TypeError, match="float"):
        exclusive_sets(inst, None, text.with_columns(pl.col("yes_bid").cast(pl.Float64)))


# --- bracket ladders --------------------------------------------------------------------------------


def test_highny_bracket_ladder_tiles_with_whole_degree_brackets():
    out = exclusive_sets(highny(), events({"KXHIGHNY-25NOV29": True}), quotes(HIGHNY_QUOTES))
    r = one(out, "KXHIGHNY-25NOV29")
    assert (r["set_kind"], r["basis"], r["exhaustive"], r["ladder_issue"]) == (
        "bracket_ladder", "ladder_tiles", True, None)
    assert r["n_markets"] == 6 and r["complete_quotes"]
    assert r["sum_yes_bid"] == D("0.93") and r["sum_yes_ask"] == D("1.07") and r["sum_mid"] == D("1.00")
    assert r["mids_stray"] is False
    # Tiling is the ladder's own evidence: without an events frame it is still a set.
    assert one(exclusive_sets(highny(), None, quotes(HIGHNY_QUOTES)), "KXHIGHNY-25NOV29")["exhaustive"]


def test_ladder_with_a_gap_or_overlap_is_not_exhaustive():
    # "T57" = greater, floor 57 (58° or above): 57° itself is in no market.
    gap = [*HIGHNY[:-1], dict(ticker="KXHIGHNY-25NOV29-T57", strike_type="greater", floor=57)]
    r = one(exclusive_sets(highny(gap), events({"KXHIGHNY-25NOV29": True}), quotes(HIGHNY_QUOTES)),
            "KXHIGHNY-25NOV29")
    assert (r["set_kind"], r["basis"], r["exhaustive"]) == ("bracket_ladder", "api_mutually_exclusive", False)
    assert r["ladder_issue"] == "gap between 56 and 58"
    assert r["mids_stray"] is None
    overlap = [*HIGHNY[:2], dict(ticker="KXHIGHNY-25NOV29-B50.5", strike_type="between", floor=50, cap=52),
               *HIGHNY[3:]]
    r = one(exclusive_sets(highny(overlap), events({"KXHIGHNY-25NOV29": True})), "KXHIGHNY-25NOV29")
    assert r["exhaustive"] is False and r["ladder_issue"].startswith("overlap: 50 starts before 50 ends")
    no_top = HIGHNY[:-1]
    r = one(exclusive_sets(highny(no_top), events({"KXHIGHNY-25NOV29": True})), "KXHIGHNY-25NOV29")
    assert r["ladder_issue"] == "no upper tail"
    # Without the API's word a broken ladder is no set at all.
    assert exclusive_sets(highny(gap), events({"KXHIGHNY-25NOV29": False})).is_empty()
    assert exclusive_sets(highny(gap)).is_empty()


def test_a_closed_bracket_breaks_the_ladder():
    rows = [dict(r, status="closed") if r["ticker"].endswith("B53.5") else r for r in HIGHNY]
    r = one(exclusive_sets(highny(rows), events({"KXHIGHNY-25NOV29": True}), quotes(HIGHNY_QUOTES)),
            "KXHIGHNY-25NOV29")
    assert (r["n_markets"], r["n_not_open"], r["exhaustive"]) == (5, 1, False)
    assert r["ladder_issue"] == "gap between 52 and 55"


def test_btc_range_ladder_tiles_on_the_cent_grid():
    ev = "KXBTC-25SEP2117"
    rows = [
        dict(ticker=f"{ev}-T89999.99", strike_type="less", cap="90000"),
        dict(ticker=f"{ev}-B90250", strike_type="between", floor="90000", cap="90499.99"),
        dict(ticker=f"{ev}-B90750", strike_type="between", floor="90500", cap="90999.99"),
        dict(ticker=f"{ev}-T90999.99", strike_type="greater", floor="90999.99"),
    ]
    inst = instruments([{**r, "event_ticker": ev, "family": "crypto_range"} for r in rows])
    q = quotes({f"{ev}-T89999.99": ("0.1010", "0.1050"), f"{ev}-B90250": ("0.3990", "0.4050"),
                f"{ev}-B90750": ("0.3000", "0.3100"), f"{ev}-T90999.99": ("0.1900", "0.1950")})
    r = one(exclusive_sets(inst, None, q), ev)
    assert (r["set_kind"], r["exhaustive"]) == ("bracket_ladder", True)
    assert r["sum_yes_bid"] == D("0.99") and r["sum_yes_ask"] == D("1.015") and r["sum_mid"] == D("1.0025")
    # A bracket ending a cent short of the next one is a gap.
    broken = inst.with_columns(pl.when(pl.col("ticker") == f"{ev}-B90250").then(pl.lit(D("90499.98"), DECIMAL_DTYPE))
                               .otherwise(pl.col("cap")).alias("cap"))
    assert exclusive_sets(broken, None, q).is_empty()


def test_threshold_ladders_and_spreads_are_not_sets():
    ev = "KXBTCD-25SEP2117"
    inst = instruments([dict(ticker=f"{ev}-T{k}", event_ticker=ev, family="crypto_threshold", strike_type="greater",
                             floor=k) for k in ("114999.99", "115249.99", "115499.99")])
    assert exclusive_sets(inst, events({ev: False})).is_empty()
    spread = "KXNBASPREAD-26JAN09MILLAL"
    inst = instruments([dict(ticker=f"{spread}-MIL{k}", event_ticker=spread, family="sports_spread",
                             strike_type="greater", floor=k - D("0.5")) for k in (D(3), D(6), D(9))])
    assert exclusive_sets(inst, events({spread: False})).is_empty()


def test_winner_lists_from_the_api_flag_or_the_champion_family():
    inst = instruments([
        *[dict(ticker=f"KXNBA-26-{t}", event_ticker="KXNBA-26", family="sports_champion") for t in ("BOS", "OKC", "DEN")],
        *[dict(ticker=f"KXOSCARPIC-26-{t}", event_ticker="KXOSCARPIC-26", family="entertainment_award") for t in "AB"],
        *[dict(ticker=f"KXTRUMPSAY-26-{t}", event_ticker="KXTRUMPSAY-26", family="politics_event") for t in "AB"],
    ])
    out = exclusive_sets(inst, events({"KXOSCARPIC-26": True, "KXTRUMPSAY-26": False}))
    assert out.get_column("set_key").to_list() == ["KXNBA-26", "KXOSCARPIC-26"]
    assert one(out, "KXNBA-26")["basis"] == "family" and one(out, "KXNBA-26")["api_mutually_exclusive"] is None
    assert one(out, "KXOSCARPIC-26")["basis"] == "api_mutually_exclusive"
    # An explicit "not mutually exclusive" is never overridden by the family.
    assert exclusive_sets(inst, events({"KXNBA-26": False})).filter(pl.col("set_key") == "KXNBA-26").is_empty()


def test_parlays_are_never_sets_and_empty_input_is_fine():
    inst = instruments([dict(ticker="KXMVECROSSCATEGORY-S2026ABC-DEF", event_ticker="KXMVECROSSCATEGORY-S2026ABC",
                             family="parlay")])
    assert exclusive_sets(inst, events({"KXMVECROSSCATEGORY-S2026ABC": True})).is_empty()
    empty = exclusive_sets(instruments([]), None, None)
    assert empty.is_empty() and empty.schema == pl.Schema(SET_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# Exclusive sets: real payloads


@pytest.fixture(scope="module")
def ncaa_game_payload() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    payload = parse_payload("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")
    ev, nested = kp.parse_events(payload["events"], source="fixture", fetched_at=NOW, batch_id="t")
    mk = kp.parse_markets(payload["markets"], source="fixture", fetched_at=NOW, batch_id="t")
    assert ev.rejects.is_empty() and mk.rejects.is_empty() and nested.rows.is_empty()
    return build_instruments(mk.rows, ev.rows), ev.rows, mk.rows


def test_every_open_ncaa_game_is_a_two_way_moneyline_near_one(ncaa_game_payload):
    inst, ev, mk = ncaa_game_payload
    out = exclusive_sets(inst, ev, mk)
    open_events = set(mk.filter(pl.col("status") == "active").get_column("event_ticker"))
    assert set(out.get_column("set_key")) == open_events and len(open_events) == 48
    assert out.get_column("set_kind").unique().to_list() == ["moneyline"]
    assert out.get_column("n_markets").unique().to_list() == [2]
    assert out.get_column("exhaustive").all() and out.get_column("complete_quotes").all()
    assert out.get_column("api_mutually_exclusive").all()
    # Exact sums equal the Decimal sums of the payload's own strings.
    raw = parse_payload("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")["markets"]
    for row in out.iter_rows(named=True):
        legs = [m for m in raw if m["event_ticker"] == row["set_key"]]
        assert row["sum_yes_bid"] == sum(D(m["yes_bid_dollars"]) for m in legs)
        assert row["sum_yes_ask"] == sum(D(m["yes_ask_dollars"]) for m in legs)
    dev = out.get_column("mid_deviation").cast(pl.Float64).abs()
    assert dev.median() <= 0.01 and dev.max() <= 0.35
    # Stray exactly where both YES can be bought under $1 (3 games in this snapshot, before fees).
    stray = out.filter(pl.col("mids_stray"))
    assert stray.get_column("set_key").to_list() == [
        "KXNCAAMBGAME-26MAR17DAVOKST", "KXNCAAMBGAME-26MAR17SFATLSA", "KXNCAAMBGAME-26MAR17UNCWYALE"]
    assert (stray.get_column("sum_yes_ask") < D(1)).all()
    calm = out.filter(~pl.col("mids_stray"))
    assert ((calm.get_column("sum_yes_bid") <= D(1)) & (calm.get_column("sum_yes_ask") >= D(1))).all()


def test_kxmarmad_champion_list_is_a_winner_list():
    payload = parse_payload("kalshi_rest_markets_by_series_ncaab_2026_bracket-kal.json")
    mk = kp.parse_markets([m for ms in payload.values() for m in ms], source="fixture", fetched_at=NOW, batch_id="t")
    assert mk.rejects.is_empty()
    inst = build_instruments(mk.rows)
    out = exclusive_sets(inst, None, mk.rows)
    r = one(out, "KXMARMAD-26")
    raw = [m for m in payload["KXMARMAD"] if m["event_ticker"] == "KXMARMAD-26"]
    live = [m for m in raw if m["status"] == "active"]
    assert (r["set_kind"], r["basis"], r["exhaustive"]) == ("winner_list", "family", True)
    assert (r["n_markets"], r["n_not_open"], r["n_quoted"]) == (len(live), len(raw) - len(live), len(live)) == (68, 44, 68)
    assert r["sum_yes_bid"] == sum(D(m["yes_bid_dollars"]) for m in live) == D("0.90")
    assert r["sum_yes_ask"] == sum(D(m["yes_ask_dollars"]) for m in live) == D("1.58")
    assert r["sum_mid"] == D("1.24") and r["mids_stray"] is False
    # With the events the API would send, the flag is the basis.
    r = one(exclusive_sets(inst, events({"KXMARMAD-26": True}), mk.rows), "KXMARMAD-26")
    assert (r["basis"], r["api_mutually_exclusive"]) == ("api_mutually_exclusive", True)
    # Seed, upset and points series are no winner lists without the API's flag; settled events give no row.
    kinds = dict(out.select("set_key", "set_kind").iter_rows())
    assert all(k.startswith("KXNCAAMBGAME-") for k in kinds if k != "KXMARMAD-26")
    assert "KXMARMAD-25" not in kinds and "KXMARMAD1SEED-26" not in kinds


# ---------------------------------------------------------------------------------------------------
# Groups


GAME = "26JAN09MILLAL"


def test_game_group_joins_moneyline_spread_total_and_props():
    tickers = [
        f"KXNBAGAME-{GAME}-MIL", f"KXNBAGAME-{GAME}-LAL",
        f"KXNBASPREAD-{GAME}-LAL7", f"KXNBATOTAL-{GAME}-221",
        f"KXNBAPTS-{GAME}-LALLJAMES23-25", f"KXNBA1HWINNER-{GAME}-LAL",
        "KXNBAGAME-26JAN10BOSNYK-BOS", "KXHIGHNY-26JAN09-B49.5",
    ]
    inst = build_instruments(pl.DataFrame({"ticker": tickers}))
    out = market_groups(inst)
    assert out.schema == pl.Schema(GROUP_SCHEMA)
    game = out.filter((pl.col("group_kind") == "game") & (pl.col("group_key") == "NBA:2026-01-09:MIL@LAL"))
    assert dict(game.select("ticker", "group_family").iter_rows()) == {
        f"KXNBAGAME-{GAME}-LAL": "moneyline", f"KXNBAGAME-{GAME}-MIL": "moneyline",
        f"KXNBASPREAD-{GAME}-LAL7": "spread", f"KXNBATOTAL-{GAME}-221": "total",
        f"KXNBAPTS-{GAME}-LALLJAMES23-25": "props", f"KXNBA1HWINNER-{GAME}-LAL": "other",
    }
    assert game.get_column("group_family").to_list()[:2] == ["moneyline", "moneyline"]  # ordered by role
    assert set(game.get_column("league")) == {"NBA"} and set(game.get_column("event_date")) == {date(2026, 1, 9)}
    assert game.get_column("label").null_count() == 0
    assert set(out.filter(pl.col("group_kind") == "game").get_column("group_key")) == {
        "NBA:2026-01-09:MIL@LAL", "NBA:2026-01-10:BOS@NYK"}
    # A non-line sports series alone forms no game group.
    alone = market_groups(build_instruments(pl.DataFrame({"ticker": [f"KXNBA1HWINNER-{GAME}-LAL"]})))
    assert alone.get_column("group_kind").to_list() == ["event"]
    # Every market is in its event group exactly once.
    ev = out.filter(pl.col("group_kind") == "event")
    assert sorted(ev.get_column("ticker")) == sorted(tickers)
    assert (ev.get_column("group_key") == ev.get_column("event_ticker")).all()
    assert out.select(pl.struct("group_kind", "group_key", "ticker").is_unique().all()).item()


def test_game_split_is_learned_from_the_moneyline_for_lines_without_team_evidence():
    ev_rows = pl.DataFrame({"event_ticker": ["KXNCAAMBGAME-26MAR20WRSTUVA"], "title": ["Wright St. at Virginia"],
                            "series_ticker": ["KXNCAAMBGAME"]})
    mk = pl.DataFrame({
        "ticker": ["KXNCAAMBGAME-26MAR20WRSTUVA-UVA", "KXNCAAMBGAME-26MAR20WRSTUVA-WRST",
                   "KXNCAAMBTOTAL-26MAR20WRSTUVA-140", "KXNCAAMBTOTAL-26MAR20WRSTUVA-145"],
        "event_ticker": ["KXNCAAMBGAME-26MAR20WRSTUVA"] * 2 + ["KXNCAAMBTOTAL-26MAR20WRSTUVA"] * 2,
        "yes_sub_title": ["Virginia", "Wright St.", None, None],
    })
    out = market_groups(build_instruments(mk, ev_rows)).filter(pl.col("group_kind") == "game")
    assert out.get_column("group_key").unique().to_list() == ["NCAAMB:2026-03-20:WRST@UVA"]
    assert out.height == 4 and out.get_column("group_label").unique().to_list() == ["Wright St. at Virginia"]
    # Alone, the totals still form one game group under the joined codes.
    alone = market_groups(build_instruments(mk.tail(2))).filter(pl.col("group_kind") == "game")
    assert alone.get_column("group_key").unique().to_list() == ["NCAAMB:2026-03-20:WRSTUVA"]


def test_groups_of_empty_and_partial_frames():
    assert market_groups(pl.DataFrame({"ticker": []}, schema={"ticker": pl.String})).is_empty()
    out = market_groups(pl.DataFrame({"ticker": ["X-1"], "event_ticker": ["X"]}))
    assert out.select("group_kind", "group_key", "group_family", "label").row(0) == ("event", "X", "other", "X-1")


def test_ncaa_payload_games_each_form_one_group(ncaa_game_payload):
    inst, _, _ = ncaa_game_payload
    games = market_groups(inst).filter(pl.col("group_kind") == "game")
    per_event = games.group_by("event_ticker").agg(pl.col("group_key").n_unique().alias("k"), pl.len().alias("n"))
    assert per_event.height == inst.get_column("event_ticker").n_unique()
    assert (per_event.get_column("k") == 1).all() and (per_event.get_column("n") == 2).all()
    assert games.get_column("group_key").str.contains(r"^NCAAMB:2026-03-\d{2}:[A-Z0-9]+@[A-Z0-9]+$").all()


# ---------------------------------------------------------------------------------------------------
# Sandbox world


@pytest.fixture(scope="module")
def sandbox_universe() -> dict[str, pl.DataFrame]:
    from kalshi_platform.sandbox import ManualClock, SandboxConfig, SandboxExchange

    start = datetime(2026, 5, 14, 15, 30, 12, tzinfo=UTC)
    exchange = SandboxExchange(SandboxConfig(now=ManualClock(start), enforce_rate_limit=False))
    world, now_us = exchange.world, exchange.now_us()
    mk = kp.parse_markets(world.market_dicts(range(world.n_markets), now_us), source="sandbox", fetched_at=start,
                          batch_id="t")
    ev, _ = kp.parse_events(world.event_dicts(range(len(world.events)), now_us), source="sandbox",
                            fetched_at=start, batch_id="t")
    assert mk.rejects.is_empty() and ev.rejects.is_empty()
    return {"markets": mk.rows, "events": ev.rows, "instruments": build_instruments(mk.rows, ev.rows)}


def test_sandbox_game_groups_join_moneyline_spread_and_total(sandbox_universe):
    inst = sandbox_universe["instruments"]
    games = market_groups(inst).filter(pl.col("group_kind") == "game")
    roles = games.group_by("group_key").agg(pl.col("group_family").unique().alias("roles"),
                                            pl.col("event_ticker").unique().alias("events"))
    # Every spread and total market is in a game group that also holds the game's moneyline.
    lines = inst.filter(pl.col("family").is_in(["sports_spread", "sports_total"]))
    assert lines.height > 0
    line_groups = games.filter(pl.col("ticker").is_in(lines.get_column("ticker").implode()))
    assert line_groups.height == lines.height
    joined = roles.filter(pl.col("group_key").is_in(line_groups.get_column("group_key").implode()))
    assert joined.get_column("roles").list.contains("moneyline").all()
    full = joined.filter(pl.col("roles").list.contains("spread") & pl.col("roles").list.contains("total"))
    assert full.height > 0
    # One game, one date and one matchup: the event codes after the series agree within a group.
    codes = games.with_columns(pl.col("event_ticker").str.replace(r"^[^-]+-", "").alias("code"))
    assert codes.group_by("group_key").agg(pl.col("code").n_unique()).get_column("code").max() == 1
    # Every game market of the universe is in exactly one game group.
    game_markets = inst.filter(pl.col("family") == "sports_game").get_column("ticker")
    per_market = games.filter(pl.col("ticker").is_in(game_markets.implode())).group_by("ticker").len()
    assert per_market.height == game_markets.len() and (per_market.get_column("len") == 1).all()


def test_sandbox_exclusive_sets(sandbox_universe):
    inst, ev, mk = sandbox_universe["instruments"], sandbox_universe["events"], sandbox_universe["markets"]
    out = exclusive_sets(inst, ev, mk)
    assert set(out.get_column("set_kind")) == {"winner_list", "bracket_ladder", "moneyline"}
    ladders = out.filter(pl.col("set_kind") == "bracket_ladder")
    # Weather and BTC-range ladders whose markets are all open tile the line.
    whole = ladders.filter(pl.col("n_not_open") == 0)
    assert whole.height > 0 and whole.get_column("exhaustive").all()
    assert whole.get_column("set_key").str.contains(r"^KX(HIGH|BTC-)").any()
    # KXBTCD thresholds are not exclusive; parlays are no sets.
    assert not out.get_column("set_key").str.starts_with("KXBTCD-").any()
    assert not out.get_column("set_key").str.starts_with("KXMVE").any()
    # The stray flag is the arbitrage condition wherever it is defined.
    defined = out.filter(pl.col("mids_stray").is_not_null())
    arb = (defined.get_column("sum_yes_bid") > D(1)) | (defined.get_column("sum_yes_ask") < D(1))
    assert (defined.get_column("mids_stray") == arb).all()
    assert out.filter(pl.col("mids_stray").is_null()).select(
        (~pl.col("complete_quotes") | ~pl.col("exhaustive")).all()).item()
