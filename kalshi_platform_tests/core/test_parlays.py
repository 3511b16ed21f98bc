"""core.parlays: multivariate markets broken into legs, the source precedence, malformed legs, descriptions,
and every parlay of the sandbox world."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.instruments import build_instruments
from kalshi_platform.core.parlays import DESCRIPTION_SCHEMA, LEG_SCHEMA, parlay_descriptions, parlay_legs

REST = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "rest"
MVE_FIXTURE = REST / "kalshi_rest_markets_list_MVE_KXMVESPORTSMULTIGAMEEXTENDED_calchas.json"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

AST_LEG = "KXNBAAST-25DEC26DETUTA-UTALMARKKANEN23-4"
PTS_LEG = "KXNBAPTS-25DEC26DETUTA-DETCCUNNINGHAM2-25"


def mve_payload() -> list[dict]:
    return json.loads(MVE_FIXTURE.read_text())["markets"]


def parsed(records: list[dict]) -> pl.DataFrame:
    out = kp.parse_markets(records, source="fixture", fetched_at=NOW, batch_id="t")
    assert out.rejects.is_empty(), out.rejects
    return out.rows


def leg(event: str | None, market: str | None, side: str | None) -> dict:
    return {"event_ticker": event, "market_ticker": market, "side": side}


def parlay(ticker: str, legs_text: str | None, custom: dict | None = None) -> dict:
    return {"ticker": ticker, "event_ticker": ticker.rsplit("-", 1)[0], "mve_collection_ticker": "KXMVECROSSCATEGORY-R",
            "mve_selected_legs": legs_text, "custom_strike": None if custom is None else json.dumps(custom)}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"ticker": pl.String, "event_ticker": pl.String, "mve_collection_ticker": pl.String,
                                      "mve_selected_legs": pl.String, "custom_strike": pl.String})


# ---------------------------------------------------------------------------------------------------
# The real MVE payload


def test_real_mve_payload_uses_mve_selected_legs_and_reports_the_conflict():
    legs = parlay_legs(parsed(mve_payload()), None)
    assert legs.schema == pl.Schema(LEG_SCHEMA)
    assert legs.height == 1
    r = legs.row(0, named=True)
    assert (r["parlay_ticker"], r["leg_index"], r["leg_event_ticker"], r["leg_market_ticker"], r["side"]) == (
        "TEST-TICKER", 0, "KXNBAAST-25DEC26DETUTA", AST_LEG, "yes")
    assert r["parlay_event_ticker"] == "KXMVESPORTSMULTIGAMEEXTENDED-S2025B00AF9F365C"
    assert r["mve_collection_ticker"] == "KXMVESPORTSMULTIGAMEEXTENDED-R"
    assert (r["legs_source"], r["legs_error"], r["leg_known"]) == ("mve_selected_legs", None, False)
    # custom_strike names two legs: the disagreement is kept on the row, not resolved silently.
    assert "mve_selected_legs names 1" in r["legs_conflict"] and "custom_strike 2" in r["legs_conflict"]
    assert PTS_LEG in r["legs_conflict"]
    # Unknown to the instruments: labelled from the ticker, with the player.
    assert r["leg_label"].startswith("L. Markkanen") and "assist" in r["leg_label"]
    d = parlay_descriptions(legs)
    assert d.schema == pl.Schema(DESCRIPTION_SCHEMA)
    assert d.row(0, named=True) | {"description": None} == {
        "parlay_ticker": "TEST-TICKER", "n_legs": 1, "n_known": 0, "description": None, "legs_error": None,
        "legs_conflict": r["legs_conflict"]}
    assert d.item(0, "description") == f"yes {r['leg_label']}"


def test_real_mve_payload_falls_back_to_custom_strike_without_mve_selected_legs():
    for missing in (None, []):
        record = {**mve_payload()[0], "mve_selected_legs": missing}
        legs = parlay_legs(parsed([record]), None)
        assert legs.select("leg_index", "leg_event_ticker", "leg_market_ticker", "side", "legs_source").rows() == [
            (0, "KXNBAAST-25DEC26DETUTA", AST_LEG, "yes", "custom_strike"),
            (1, "KXNBAPTS-25DEC26DETUTA", PTS_LEG, "yes", "custom_strike"),
        ]
        assert legs.get_column("legs_error").null_count() == 2
        assert legs.get_column("legs_conflict").null_count() == 2
        desc = parlay_descriptions(legs).item(0, "description")
        assert desc.count(" + ") == 1 and "Markkanen" in desc and "Cunningham" in desc


def test_known_legs_take_the_instrument_labels():
    inst = pl.DataFrame({
        "ticker": ["KXNBAGAME-25NOV29TORCHA-TOR", PTS_LEG],
        "outcome_label": ["Toronto wins", "LeBron James 25+ points"],
        "family": ["sports_game", "player_prop"],
    })
    rows = [parlay("KXMVECROSSCATEGORY-S2025AAA-BBB", json.dumps([
        leg("KXNBAGAME-25NOV29TORCHA", "KXNBAGAME-25NOV29TORCHA-TOR", "yes"),
        leg("KXNBAPTS-25DEC26DETUTA", PTS_LEG, "YES"),
        leg("KXNBAAST-25DEC26DETUTA", AST_LEG, "no"),
    ]))]
    legs = parlay_legs(frame(rows), inst)
    assert legs.get_column("leg_known").to_list() == [True, True, False]
    assert legs.get_column("side").to_list() == ["yes", "yes", "no"]
    d = parlay_descriptions(legs).row(0, named=True)
    assert d["n_legs"] == 3 and d["n_known"] == 2
    assert d["description"].startswith("yes Toronto wins + yes LeBron James 25+ points + no L. Markkanen")


def test_leg_labels_fall_back_to_display_name_and_ticker():
    inst = pl.DataFrame({"ticker": ["ODD-1"], "outcome_label": [None], "display_name": ["Odd market"]},
                        schema={"ticker": pl.String, "outcome_label": pl.String, "display_name": pl.String})
    rows = [parlay("KXMVECROSSCATEGORY-S2025AAA-CCC", json.dumps([leg("ODD", "ODD-1", "yes"),
                                                                  leg(None, "FOO-BAR-BAZ", "no")]))]
    legs = parlay_legs(frame(rows), inst)
    assert legs.get_column("leg_label").to_list()[0] == "Odd market"
    assert legs.get_column("leg_label")[1] is not None
    # The event of a leg given without one comes from its ticker.
    assert legs.get_column("leg_event_ticker").to_list() == ["ODD", "FOO-BAR"]


# ---------------------------------------------------------------------------------------------------
# Malformed legs


MALFORMED = {
    "KXMVE-S2026A-TRUNC": '[{"event_ticker":"KXNBAGAME-25NOV29TORCHA","market_ticker":"KXNBAGAME-25NOV29TORCHA-TOR","si',
    "KXMVE-S2026A-NOTJSON": "legs: TOR, CHA",
    "KXMVE-S2026A-OBJECT": '{"market_ticker":"KXNBAGAME-25NOV29TORCHA-TOR"}',
    "KXMVE-S2026A-NUMBERS": "[1, 2]",
}


def test_malformed_legs_never_raise_and_every_parlay_keeps_a_row():
    rows = [parlay(t, text) for t, text in MALFORMED.items()]
    rows.append(parlay("KXMVE-S2026A-GOOD", json.dumps([leg("E1", "KXNBAGAME-25NOV29TORCHA-TOR", "yes"),
                                                        leg("E2", "KXNBAGAME-25NOV29TORCHA-CHA", "no")])))
    legs = parlay_legs(frame(rows), None)
    assert set(legs.get_column("parlay_ticker")) == {*MALFORMED, "KXMVE-S2026A-GOOD"}
    err = dict(legs.filter(pl.col("leg_index").is_null()).select("parlay_ticker", "legs_error").iter_rows())
    assert set(err) == {"KXMVE-S2026A-TRUNC", "KXMVE-S2026A-NOTJSON", "KXMVE-S2026A-OBJECT"}
    assert err["KXMVE-S2026A-TRUNC"].startswith("mve_selected_legs is not valid JSON")
    assert err["KXMVE-S2026A-OBJECT"].startswith("mve_selected_legs is not a list of legs")
    numbers = legs.filter(pl.col("parlay_ticker") == "KXMVE-S2026A-NUMBERS")
    assert numbers.height == 2 and numbers.get_column("legs_error").str.contains("not an object").all()
    good = legs.filter(pl.col("parlay_ticker") == "KXMVE-S2026A-GOOD")
    assert good.get_column("legs_error").null_count() == 2
    d = {r["parlay_ticker"]: r for r in parlay_descriptions(legs).iter_rows(named=True)}
    assert set(d) == set(legs.get_column("parlay_ticker"))
    assert d["KXMVE-S2026A-TRUNC"]["n_legs"] == 0 and d["KXMVE-S2026A-TRUNC"]["description"] is None
    assert d["KXMVE-S2026A-TRUNC"]["legs_error"].startswith("mve_selected_legs is not valid JSON")
    assert d["KXMVE-S2026A-GOOD"]["n_legs"] == 2 and d["KXMVE-S2026A-GOOD"]["legs_error"] is None


def test_bad_fields_in_a_leg_flag_that_leg():
    rows = [parlay("KXMVE-S2026B-X", json.dumps([
        leg("E1", "KXNBAGAME-25NOV29TORCHA-TOR", "maybe"),
        leg("E2", None, "yes"),
        {"event_ticker": "E3", "market_ticker": "KXNBAGAME-25NOV29TORCHA-CHA"},
    ]))]
    legs = parlay_legs(frame(rows), None)
    assert legs.get_column("leg_index").to_list() == [0, 1, 2]
    assert legs.get_column("side").to_list() == [None, "yes", None]
    assert legs.get_column("legs_error").to_list() == [
        "leg 0: side 'maybe' is not yes or no", "leg 1: no market_ticker", "leg 2: side missing is not yes or no"]
    d = parlay_descriptions(legs).row(0, named=True)
    assert d["n_legs"] == 3 and d["description"].startswith("? ")
    assert d["legs_error"].count("leg ") == 3


def test_a_parlay_without_any_legs_is_flagged_not_dropped():
    legs = parlay_legs(frame([parlay("KXMVE-S2026C-EMPTY", "[]", {"Multivariate Event Ticker": "KXMVE-R"}),
                              parlay("KXMVE-S2026C-NONE", None)]), None)
    assert legs.height == 2 and legs.get_column("leg_index").null_count() == 2
    assert legs.get_column("legs_error").str.starts_with("no legs").all()


def test_custom_strike_lists_of_different_lengths():
    custom = {"Associated Markets": "KXNBAGAME-25NOV29TORCHA-TOR, KXNBAGAME-25NOV30BOSNYK-NYK",
              "Associated Market Sides": "yes", "Associated Events": "KXNBAGAME-25NOV29TORCHA"}
    legs = parlay_legs(frame([parlay("KXMVE-S2026D-X", None, custom)]), None)
    assert legs.get_column("leg_market_ticker").to_list() == ["KXNBAGAME-25NOV29TORCHA-TOR",
                                                              "KXNBAGAME-25NOV30BOSNYK-NYK"]
    # Events are not zipped when the list is shorter: each comes from its ticker.
    assert legs.get_column("leg_event_ticker").to_list() == ["KXNBAGAME-25NOV29TORCHA", "KXNBAGAME-25NOV30BOSNYK"]
    assert legs.get_column("side").to_list() == ["yes", None]
    assert legs.get_column("legs_error").str.contains("custom_strike lists 2 markets but 1 sides").all()


def test_decoded_and_drifted_inputs():
    legs_list = [leg("E1", "KXNBAGAME-25NOV29TORCHA-TOR", "yes"), leg("E2", "KXNBAGAME-25NOV29TORCHA-CHA", "no")]
    # Decoded JSON (list of dicts) straight from Python, as a polars List(Struct) column.
    decoded = pl.DataFrame({"ticker": ["KXMVE-S2026E-A"], "mve_selected_legs": [legs_list]})
    assert decoded.schema["mve_selected_legs"] == pl.List(pl.Struct)
    out = parlay_legs(decoded, None)
    assert out.select("leg_market_ticker", "side").rows() == [("KXNBAGAME-25NOV29TORCHA-TOR", "yes"),
                                                              ("KXNBAGAME-25NOV29TORCHA-CHA", "no")]
    # Objects as Python values (Object dtype).
    objs = pl.DataFrame({"ticker": ["KXMVE-S2026E-B"],
                         "mve_selected_legs": pl.Series([legs_list], dtype=pl.Object)})
    assert parlay_legs(objs, None).height == 2
    # A new nested field in each leg (schema drift) still reads.
    drift = json.dumps([{**item, "meta": {"line": [1, 2]}} for item in legs_list])
    out = parlay_legs(frame([parlay("KXMVE-S2026E-C", drift)]), None)
    assert out.get_column("leg_market_ticker").to_list() == ["KXNBAGAME-25NOV29TORCHA-TOR",
                                                             "KXNBAGAME-25NOV29TORCHA-CHA"]
    assert out.get_column("legs_error").null_count() == 2


def test_non_parlays_are_ignored_and_empty_input_is_fine():
    plain = pl.DataFrame({"ticker": ["KXNBAGAME-25NOV29TORCHA-TOR"], "event_ticker": ["KXNBAGAME-25NOV29TORCHA"]})
    assert parlay_legs(plain, None).is_empty()
    assert parlay_legs(pl.DataFrame({"ticker": []}, schema={"ticker": pl.String})).schema == pl.Schema(LEG_SCHEMA)
    assert parlay_descriptions(pl.DataFrame(schema=LEG_SCHEMA)).schema == pl.Schema(DESCRIPTION_SCHEMA)
    with pytest.raises(ValueError, match="ticker"):
        parlay_legs(pl.DataFrame({"x": [1]}))


# ---------------------------------------------------------------------------------------------------
# Sandbox world


@pytest.fixture(scope="module")
def sandbox_markets() -> tuple[pl.DataFrame, pl.DataFrame]:
    from kalshi_platform.sandbox import ManualClock, SandboxConfig, SandboxExchange

    start = datetime(2026, 5, 14, 15, 30, 12, tzinfo=UTC)
    exchange = SandboxExchange(SandboxConfig(now=ManualClock(start), enforce_rate_limit=False))
    world = exchange.world
    mk = kp.parse_markets(world.market_dicts(range(world.n_markets), exchange.now_us()), source="sandbox",
                          fetched_at=start, batch_id="t")
    assert mk.rejects.is_empty()
    return mk.rows, build_instruments(mk.rows)


def test_every_sandbox_parlay_has_legs_whose_markets_exist(sandbox_markets):
    markets, inst = sandbox_markets
    parlays = markets.filter(pl.col("mve_collection_ticker").is_not_null())
    assert parlays.height > 0
    legs = parlay_legs(markets, inst)
    assert set(legs.get_column("parlay_ticker")) == set(parlays.get_column("ticker"))
    assert legs.get_column("legs_error").null_count() == legs.height
    assert legs.get_column("legs_conflict").null_count() == legs.height  # both sources agree in the sandbox
    assert (legs.get_column("legs_source") == "mve_selected_legs").all()
    known = set(markets.get_column("ticker"))
    assert set(legs.get_column("leg_market_ticker")) <= known
    assert legs.get_column("leg_known").all()
    leg_events = markets.filter(pl.col("ticker").is_in(legs.get_column("leg_market_ticker").implode())).select(
        pl.col("ticker").alias("leg_market_ticker"), pl.col("event_ticker").alias("expected"))
    checked = legs.join(leg_events, on="leg_market_ticker")
    assert (checked.get_column("leg_event_ticker") == checked.get_column("expected")).all()
    d = parlay_descriptions(legs)
    assert d.height == parlays.height and (d.get_column("n_legs") >= 2).all()
    assert (d.get_column("n_known") == d.get_column("n_legs")).all()
    assert d.get_column("description").null_count() == 0
    # The description has one "side label" part per leg.
    parts = d.get_column("description").str.split(" + ").list.len()
    assert (parts == d.get_column("n_legs")).all()
    assert d.get_column("description").str.contains(r"^(yes|no) ").all()
