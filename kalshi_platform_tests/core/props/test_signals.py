"""Sportsbook lines against Kalshi's ladder: consensus, gaps after fees, discrepancy and arbitrage flags."""

from datetime import UTC, datetime
from decimal import Decimal as D

import polars as pl
import pytest

from kalshi_platform.core.fees import fee_per_contract
from kalshi_platform.core.props.names import player_lookup
from kalshi_platform.core.props.odds import implied_probability
from kalshi_platform.core.props.signals import (
    KALSHI_RUNG_SCHEMA,
    SIGNAL_SCHEMA,
    SKIP_NO_BOOKS,
    SKIP_NO_LADDER,
    SKIP_ONE_SIDED,
    PropParams,
    build_prop_lines,
    fee_adjusted_gaps,
    model_probability,
)
from kalshi_platform.core.props.sportsbook import SPORTSBOOK_PROPS_SCHEMA

AS_OF = datetime(2026, 2, 2, 18, 0, tzinfo=UTC)
TIP = datetime(2026, 2, 3, 3, 0, tzinfo=UTC)  # 10 PM ET on Feb 2
GAME = "26FEB02PHILAC"
SIGNAL_CONTRACT = ["as_of", "ticker", "model_prob", "yes_ask", "no_ask", "direction", "edge_bps", "confidence",
                   "expiry", "skip_reason"]


def book_rows(book: str, name: str, line: float, over: int | None, under: int | None, stat: str = "points"):
    base = dict(
        game_date=TIP.date(), game_id=GAME, event_id="ev1", sport_key="basketball_nba", commence_time=TIP,
        home_team="Los Angeles Clippers", away_team="Philadelphia 76ers", home_code="LAC", away_code="PHI",
        bookmaker=book, bookmaker_title=book.title(), bookmaker_last_update=None, market=f"player_{stat}",
        stat=stat, player_name=name, player_lookup=player_lookup(name), point=D(str(line)), last_update=AS_OF,
        raw_json="{}", fetched_at=AS_OF, batch_id="b",
    )
    rows = []
    for side, price in (("Over", over), ("Under", under)):
        if price is not None:
            rows.append(dict(base, side=side, price_american=price, implied_prob=float(implied_probability(price))))
    return rows


def books_frame(*groups) -> pl.DataFrame:
    return pl.DataFrame([r for g in groups for r in g], schema=SPORTSBOOK_PROPS_SCHEMA)


def rung(name: str, code: str, threshold: int, bid: str, ask: str, stat: str = "points", series: str = "KXNBAPTS"):
    return dict(
        ticker=f"{series}-{GAME}-{code}-{threshold}", event_ticker=f"{series}-{GAME}", series_ticker=series,
        game_id=GAME, stat=stat, team=code[:3], player_name=name, player_lookup=player_lookup(name),
        threshold=threshold, line=threshold - 0.5, status="active", yes_bid=D(bid), yes_ask=D(ask),
        no_bid=1 - D(ask), no_ask=1 - D(bid), yes_bid_size=D(100), yes_ask_size=D(40), liquidity=D(0),
        close_time=TIP, expected_expiration_time=None, fee_type="quadratic", fee_multiplier=D(1), quoted_at=AS_OF,
    )


def kawhi_ladder(yes_ask_25: str = "0.52", bid_25: str = "0.50"):
    # The seed example: 19.5 / 24.5 / 29.5 / 34.5 at 74c / 51c / 28c / 15c (mid prices).
    return [rung("Kawhi Leonard", "LACKLEONARD2", 20, "0.73", "0.75"),
            rung("Kawhi Leonard", "LACKLEONARD2", 25, bid_25, yes_ask_25),
            rung("Kawhi Leonard", "LACKLEONARD2", 30, "0.27", "0.29"),
            rung("Kawhi Leonard", "LACKLEONARD2", 35, "0.14", "0.16")]


def kalshi_frame(*rungs) -> pl.DataFrame:
    return pl.DataFrame(list(rungs), schema=KALSHI_RUNG_SCHEMA)


def one(out, name="kawhileonard", stat="points") -> dict:
    return out.rows.filter((pl.col("player_lookup") == name) & (pl.col("stat") == stat)).row(0, named=True)


KAWHI_BOOKS = [book_rows(b, "Kawhi Leonard", 24.5, -110, -110) for b in ("draftkings", "fanduel", "betmgm", "bovada")]


def test_kawhi_leonard_seed_example():
    out = build_prop_lines(books_frame(*KAWHI_BOOKS), kalshi_frame(*kawhi_ladder()), as_of=AS_OF)
    assert out.rows.schema == pl.Schema(SIGNAL_SCHEMA)
    r = one(out)
    assert r["match_status"] == "matched" and r["player_matched"] and r["kalshi_available"]
    assert r["consensus_line"] == 24.5 and r["consensus_books"] == 4 and r["n_books"] == 4
    assert r["consensus_over_prob"] == pytest.approx(0.5, abs=1e-12)  # -110 both ways de-vigs to 50/50
    assert (r["consensus_over_price"], r["consensus_under_price"]) == (-110, -110)
    assert r["kalshi_line"] == 24.5 and r["ticker"] == r["kalshi_market_ticker"] == f"KXNBAPTS-{GAME}-LACKLEONARD2-25"
    assert r["kalshi_over_prob"] == pytest.approx(0.51)
    assert r["kalshi_implied_line"] == pytest.approx(24.5 + 5 / 23)
    assert r["line_discrepancy"] == pytest.approx(5 / 23)  # Kalshi expects 0.22 points more
    assert r["model_prob"] == pytest.approx(0.5)
    # Exact fees: 100 contracts at 0.52 -> ceil(0.07 x 100 x 0.52 x 0.48) cents = $1.75 -> 0.0175 each.
    assert r["fee_yes"] == fee_per_contract(D("0.52"), contracts=100) == D("0.0175")
    assert r["gap_yes"] == pytest.approx(0.5 - 0.52 - 0.0175)
    assert r["gap_no"] == pytest.approx(0.5 - 0.50 - 0.0175)
    assert r["fee_adjusted_gap"] == pytest.approx(-0.0175)
    assert r["direction"] is None and r["edge_bps"] is None
    assert r["arbitrage"] is False and r["arbitrage_reason"] is None
    assert r["skip_reason"] is None
    assert [x["line"] for x in r["ladder"]] == [19.5, 24.5, 29.5, 34.5]
    assert [round(x["mid"], 3) for x in r["ladder"]] == [0.74, 0.51, 0.28, 0.15]
    assert r["kalshi_liquidity"] == D("0.50") * 100 + D("0.48") * 40  # resting dollars at the top of book
    assert r["expiry"] == TIP and r["as_of"] == AS_OF
    assert r["kalshi_game_event"] == f"KXNBAGAME-{GAME}" and r["odds_event_id"] == "ev1"
    # The seed's prediction fields are all there, joinable on player and game.
    for c in ("kalshi_available", "kalshi_line", "kalshi_yes_price", "kalshi_no_price", "kalshi_liquidity",
              "kalshi_market_ticker", "line_discrepancy", "player_lookup", "game_id", *SIGNAL_CONTRACT):
        assert c in out.rows.columns


def test_books_moved_three_points_flags_a_line_discrepancy():
    moved = [book_rows(b, "Kawhi Leonard", 27.5, -110, -110) for b in ("draftkings", "fanduel", "betmgm")]
    out = build_prop_lines(books_frame(*moved), kalshi_frame(*kawhi_ladder()), as_of=AS_OF)
    r = one(out)
    assert r["kalshi_line"] == 29.5  # the threshold closest to 27.5
    assert r["line_discrepancy"] == pytest.approx(24.5 + 5 / 23 - 27.5)  # -2.78
    assert r["arbitrage"] is True and "line" in r["arbitrage_reason"]
    # 50% at 27.5 means less than 50% at 29.5: the model probability moved along the distribution.
    assert 0.3 < r["model_prob"] < 0.5
    assert r["confidence"] == pytest.approx(0.75 * 0.75)  # 3 of 4 books' weight, line moved


def test_cheap_kalshi_yes_flags_a_gap_and_a_locked_arbitrage():
    out = build_prop_lines(books_frame(*KAWHI_BOOKS), kalshi_frame(*kawhi_ladder("0.40", "0.38")),
                           as_of=AS_OF, params=PropParams(arb_line_points=10, arb_min_gap=0.05))
    r = one(out)
    fee = fee_per_contract(D("0.40"), contracts=100)  # ceil(0.07 x 100 x 0.4 x 0.6 = 1.68) -> 0.0168
    assert r["fee_yes"] == fee == D("0.0168")
    assert r["gap_yes"] == pytest.approx(0.5 - 0.40 - 0.0168)
    assert r["direction"] == "buy_yes" and r["edge_bps"] == pytest.approx((0.5 - 0.40 - 0.0168) * 10_000)
    assert r["arbitrage"] is True and r["arbitrage_reason"] == "gap"
    # Buy YES at 0.40 (+fee) and the book's Under 24.5 at -110 (11/21 of a dollar): a sure 5.9 cents.
    assert r["locked_arb_margin"] == pytest.approx(1 - 0.4168 - 11 / 21)


def test_a_player_on_only_one_side_is_kept_and_marked_unmatched():
    books = books_frame(*KAWHI_BOOKS, book_rows("draftkings", "Kelly Oubre Jr.", 11.5, -115, -105))
    kalshi = kalshi_frame(*kawhi_ladder(), rung("James Harden", "LACJHARDEN1", 20, "0.55", "0.57"))
    out = build_prop_lines(books, kalshi, as_of=AS_OF)
    harden, oubre = one(out, "jamesharden"), one(out, "kellyoubre")
    assert harden["match_status"] == "kalshi_only" and harden["skip_reason"] == SKIP_NO_BOOKS
    assert harden["kalshi_available"] and harden["consensus_line"] is None and harden["arbitrage"] is False
    assert harden["ticker"] == f"KXNBAPTS-{GAME}-LACJHARDEN1-20"  # the rung nearest 50%
    assert oubre["match_status"] == "sportsbook_only" and oubre["skip_reason"] == SKIP_NO_LADDER
    assert oubre["kalshi_available"] is False and oubre["ticker"] is None and oubre["player_name"] == "Kelly Oubre Jr."
    assert oubre["home_team"] == "LAC" and oubre["game_date"] == TIP.date()
    unmatched = {r["player_lookup"]: r["match_status"] for r in out.unmatched.iter_rows(named=True)}
    assert unmatched == {"jamesharden": "kalshi_only", "kellyoubre": "sportsbook_only"}


def test_a_stat_one_side_lacks_does_not_make_the_player_unmatched():
    books = books_frame(*KAWHI_BOOKS, book_rows("draftkings", "Kawhi Leonard", 6.5, -120, 100, stat="rebounds"))
    out = build_prop_lines(books, kalshi_frame(*kawhi_ladder()), as_of=AS_OF)
    reb = one(out, stat="rebounds")
    assert reb["match_status"] == "sportsbook_only" and reb["player_matched"] is True
    assert out.unmatched.is_empty()


def test_one_sided_lines_cannot_be_devigged():
    books = books_frame(book_rows("draftkings", "Kawhi Leonard", 24.5, -110, None))
    r = one(build_prop_lines(books, kalshi_frame(*kawhi_ladder()), as_of=AS_OF))
    assert r["consensus_line"] is None and r["skip_reason"] == SKIP_ONE_SIDED
    assert r["books"][0]["over_fair"] is None and r["books"][0]["is_main"] is False


def test_main_line_consensus_and_best_lines_across_books():
    books = books_frame(
        book_rows("draftkings", "Kawhi Leonard", 24.5, -115, -105),
        book_rows("fanduel", "Kawhi Leonard", 24.5, -110, -110),
        book_rows("betmgm", "Kawhi Leonard", 25.5, 100, -130),
        # BetRivers lists alternates; its main line is the one nearest even money (23.5).
        book_rows("betrivers", "Kawhi Leonard", 21.5, -190, 150),
        book_rows("betrivers", "Kawhi Leonard", 23.5, -112, -108),
        book_rows("betrivers", "Kawhi Leonard", 25.5, 140, -180),
    )
    r = one(build_prop_lines(books, kalshi_frame(*kawhi_ladder()), as_of=AS_OF))
    main = {(b["bookmaker"], b["line"]) for b in r["books"] if b["is_main"]}
    assert main == {("draftkings", 24.5), ("fanduel", 24.5), ("betmgm", 25.5), ("betrivers", 23.5)}
    assert len(r["books"]) == 6 and r["n_books"] == 4
    assert r["consensus_line"] == 24.5 and r["consensus_books"] == 2
    at_consensus = [b["over_fair"] for b in r["books"] if b["line"] == 24.5]
    assert r["consensus_over_prob"] == pytest.approx(sum(at_consensus) / 2)  # the two books at 24.5, averaged
    assert (r["best_over_line"], r["best_over_book"]) == (23.5, "betrivers")
    assert (r["best_under_line"], r["best_under_price"], r["best_under_book"]) == (25.5, -130, "betmgm")


def test_consensus_tie_goes_to_the_line_nearest_the_median_then_the_lower():
    books = books_frame(
        book_rows("a", "Kawhi Leonard", 23.5, -110, -110), book_rows("b", "Kawhi Leonard", 23.5, -110, -110),
        book_rows("c", "Kawhi Leonard", 25.5, -110, -110), book_rows("d", "Kawhi Leonard", 25.5, -110, -110),
    )
    r = one(build_prop_lines(books, kalshi_frame(*kawhi_ladder()), as_of=AS_OF))
    assert r["consensus_line"] == 23.5


def test_plain_input_model_for_backtests():
    assert model_probability(24.5, 0.5, 24.5, "points")[0] == 0.5
    yes, no = fee_adjusted_gaps([0.6], [0.5], [0.02], [0.52], [0.02])
    assert yes[0] == pytest.approx(0.08) and no[0] == pytest.approx(-0.14)


def test_empty_inputs_give_an_empty_frame_with_the_schema():
    out = build_prop_lines(pl.DataFrame(schema=SPORTSBOOK_PROPS_SCHEMA), pl.DataFrame(schema=KALSHI_RUNG_SCHEMA),
                           as_of=AS_OF)
    assert out.rows.height == 0 and out.rows.schema == pl.Schema(SIGNAL_SCHEMA)
    only_books = build_prop_lines(books_frame(*KAWHI_BOOKS), pl.DataFrame(schema=KALSHI_RUNG_SCHEMA), as_of=AS_OF)
    assert only_books.rows.height == 1 and one(only_books)["skip_reason"] == SKIP_NO_LADDER


def test_rows_of_a_game_no_book_prices_take_its_tip_off_from_the_event_list():
    games = pl.DataFrame({"game_id": [GAME], "odds_event_id": ["ev9"], "commence_time": [TIP],
                          "game_date": [TIP.date()]})
    out = build_prop_lines(pl.DataFrame(schema=SPORTSBOOK_PROPS_SCHEMA), kalshi_frame(*kawhi_ladder()), as_of=AS_OF,
                           games=games)
    r = one(out)
    assert r["match_status"] == "kalshi_only" and r["commence_time"] == TIP and r["odds_event_id"] == "ev9"
    assert (r["away_team"], r["home_team"]) == ("PHI", "LAC")
