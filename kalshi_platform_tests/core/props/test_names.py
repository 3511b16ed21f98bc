"""player_lookup: one key for a player however each source spells the name."""

import polars as pl
import pytest

from kalshi_platform.core.props.names import lookup_column, match_players, player_lookup, player_lookup_expr


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nikola Jokić", "Nikola Jokic"),  # accents
        ("Kristaps Porziņģis", "Kristaps Porzingis"),
        ("Alperen Şengün", "ALPEREN SENGUN"),  # accents and case
        ("Jaren Jackson Jr.", "Jaren Jackson"),  # suffixes
        ("Gary Trent Jr", "Gary Trent"),
        ("Lonnie Walker IV", "Lonnie Walker"),
        ("Jimmy Butler III", "Jimmy Butler"),
        ("Dereck Lively II", "Dereck Lively"),
        ("Michael Porter Jr.", "michael porter, jr."),
        ("P.J. Washington", "PJ Washington"),  # punctuation
        ("De'Aaron Fox", "DeAaron Fox"),
        ("Shai Gilgeous-Alexander", "Shai Gilgeous Alexander"),
        ("Dorian Finney-Smith", "Dorian Finney Smith"),
        ("Day'Ron Sharpe", "DayRon Sharpe"),
        ("  Karl-Anthony   Towns ", "Karl Anthony Towns"),  # spacing
        ("Cam Thomas", "Cameron Thomas"),  # known nickname variants
        ("Nic Claxton", "Nicolas Claxton"),
        ("Herb Jones", "Herbert Jones"),
        ("Moe Wagner", "Moritz Wagner"),
        ("Bub Carrington", "Carlton Carrington"),
        ("Lu Dort", "Luguentz Dort"),
        ("Jakob Poeltl", "Jakob Pöltl"),  # German umlaut written out
        ("Dennis Schroder", "Dennis Schröder"),
    ],
)
def test_spellings_of_one_player_share_a_key(a, b):
    assert player_lookup(a) == player_lookup(b)
    assert player_lookup(a) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jalen Williams", "Jaylin Williams"),  # different players stay different
        ("Anthony Davis", "Anthony Edwards"),
        ("Cam Johnson", "Cam Thomas"),
    ],
)
def test_different_players_keep_different_keys(a, b):
    assert player_lookup(a) != player_lookup(b)


def test_a_suffix_is_dropped_on_every_side():
    # Books print "Jaren Jackson" for Jaren Jackson Jr.; father and son in one game would collide, a
    # price paid for matching the names books actually print.
    assert player_lookup("Jaren Jackson Jr.") == player_lookup("Jaren Jackson Sr.") == "jarenjackson"


def test_suffix_needs_two_name_words_before_it():
    assert player_lookup("Luke V") == "lukev"  # one word before "v": a name, not a suffix
    assert player_lookup("Walker Kessler V") == "walkerkessler"
    assert player_lookup("Jr.") == "jr"


def test_empty_and_missing_names_have_no_key():
    assert player_lookup(None) is None
    assert player_lookup("   ") is None
    assert player_lookup("'.-") is None


def test_scalar_and_vectorised_forms_agree():
    names = ["Nikola Jokić", "P.J. Washington", "Cam Thomas", None, "Lonnie Walker IV"]
    frame = pl.DataFrame({"name": names})
    got = frame.select(player_lookup_expr(pl.col("name"))).to_series().to_list()
    assert got == [player_lookup(n) for n in names]
    with_keys = lookup_column(frame, "name")
    assert with_keys.get_column("player_lookup").to_list() == got
    assert with_keys.height == len(names)


def test_a_player_on_only_one_side_is_listed_as_unmatched():
    kalshi = pl.DataFrame({
        "game_id": ["26NOV20BOSLAL"] * 3,
        "player_name": ["Nikola Jokić", "Cam Thomas", "Zion Williamson"],
    })
    books = pl.DataFrame({
        "game_id": ["26NOV20BOSLAL"] * 3,
        "player_name": ["Nikola Jokic", "Cameron Thomas", "Max Strus"],
    })
    kalshi, books = lookup_column(kalshi, "player_name"), lookup_column(books, "player_name")
    out = match_players(kalshi, books)
    status = dict(zip(out["player_lookup"], out["match_status"], strict=True))
    assert status == {"nikolajokic": "matched", "cameronthomas": "matched", "zionwilliamson": "kalshi_only",
                      "maxstrus": "sportsbook_only"}
    row = out.filter(pl.col("player_lookup") == "cameronthomas").row(0, named=True)
    assert row["kalshi_names"] == ["Cam Thomas"] and row["sportsbook_names"] == ["Cameron Thomas"]


def test_the_same_name_in_two_games_is_two_players():
    kalshi = lookup_column(pl.DataFrame({"game_id": ["A", "B"], "player_name": ["Max Strus", "Max Strus"]}),
                           "player_name")
    books = lookup_column(pl.DataFrame({"game_id": ["A"], "player_name": ["Max Strus"]}), "player_name")
    out = match_players(kalshi, books).sort("game_id")
    assert out["match_status"].to_list() == ["matched", "kalshi_only"]
