"""Kalshi's ladder: the line where it crosses 50%, and the rung closest to the sportsbooks' line."""

import polars as pl
import pytest

from kalshi_platform.core.props.ladder import closest_rung, implied_line, implied_lines, rung_probability

# The seed example: Kawhi Leonard points, Kalshi 19.5 / 24.5 / 29.5 / 34.5 at 74c / 51c / 28c / 15c.
KAWHI_LINES = [19.5, 24.5, 29.5, 34.5]
KAWHI_PRICES = [0.74, 0.51, 0.28, 0.15]


def test_kawhi_leonard_ladder_crosses_50_percent_at_24_72():
    line, extrapolated = implied_line(KAWHI_LINES, KAWHI_PRICES)
    # Between 24.5 (0.51) and 29.5 (0.28): 24.5 + (0.51 - 0.5) / (0.51 - 0.28) x 5 = 24.5 + 5/23
    assert line == pytest.approx(24.5 + 5 / 23, abs=1e-12)
    assert line == pytest.approx(24.717, abs=1e-3)
    assert extrapolated is False
    # The sportsbook line is 24.5: Kalshi's implied line is 0.22 points higher.
    assert line - 24.5 == pytest.approx(0.2174, abs=1e-4)


def test_a_rung_exactly_at_50_percent_is_the_line():
    assert implied_line([19.5, 24.5, 29.5], [0.7, 0.5, 0.3]) == (24.5, False)


def test_order_of_rungs_does_not_matter():
    assert implied_line(KAWHI_LINES[::-1], KAWHI_PRICES[::-1]) == implied_line(KAWHI_LINES, KAWHI_PRICES)


def test_a_rung_quoted_above_the_one_below_is_flattened_before_interpolating():
    # 24.5 at 0.76 cannot be likelier than 19.5 at 0.74: it counts as 0.74.
    line, _ = implied_line(KAWHI_LINES, [0.74, 0.76, 0.28, 0.15])
    assert line == pytest.approx(24.5 + (0.74 - 0.5) / (0.74 - 0.28) * 5)


def test_every_rung_above_50_extrapolates_at_most_one_step_beyond_the_ladder():
    line, extrapolated = implied_line(KAWHI_LINES, [0.94, 0.81, 0.68, 0.55])
    assert extrapolated is True
    # slope of the top two rungs: 0.13 per 5 points; 0.05 more to lose -> 34.5 + 0.05/0.026
    assert line == pytest.approx(34.5 + 0.05 / (0.13 / 5))
    capped, _ = implied_line(KAWHI_LINES, [0.99, 0.98, 0.97, 0.96])
    assert capped == pytest.approx(39.5)  # capped one ladder step (5 points) out


def test_every_rung_below_50_extrapolates_downwards():
    line, extrapolated = implied_line(KAWHI_LINES, [0.44, 0.31, 0.18, 0.05])
    assert extrapolated is True
    assert line == pytest.approx(19.5 - 0.06 / (0.13 / 5))


def test_too_few_priced_rungs_give_no_line():
    assert implied_line([24.5], [0.5]) == (None, False)
    assert implied_line([], []) == (None, False)
    assert implied_line([19.5, 24.5], [0.6, None]) == (None, False)


def test_rung_probability_uses_the_mid_or_the_one_side_quoted():
    frame = pl.DataFrame({"bid": [0.50, 0.0, 0.97, 0.0], "ask": [0.52, 0.05, 1.0, 1.0]})
    got = frame.select(rung_probability(pl.col("bid"), pl.col("ask"))).to_series().to_list()
    assert got[:3] == pytest.approx([0.51, 0.05, 0.97])
    assert got[3] is None


def test_implied_lines_per_group_vectorised():
    rungs = pl.DataFrame({
        "game_id": ["G"] * 7, "player_lookup": ["a"] * 4 + ["b"] * 3, "stat": ["points"] * 7,
        "line": KAWHI_LINES + [3.5, 5.5, 7.5], "mid": KAWHI_PRICES + [0.8, 0.45, 0.2],
    })
    out = implied_lines(rungs).sort("player_lookup")
    assert out["kalshi_implied_line"].to_list() == pytest.approx([24.5 + 5 / 23, 3.5 + 0.3 / 0.35 * 2])


def test_closest_rung_to_the_consensus_line_with_ties_to_the_most_informative():
    rungs = pl.DataFrame({
        "game_id": ["G"] * 4, "player_lookup": ["a"] * 4, "stat": ["rebounds"] * 4,
        "line": [3.5, 5.5, 7.5, 9.5], "mid": [0.9, 0.62, 0.45, 0.2], "ticker": ["t4", "t6", "t8", "t10"],
    })
    target = pl.DataFrame({"game_id": ["G"], "player_lookup": ["a"], "stat": ["rebounds"], "target_line": [6.5]})
    # 5.5 and 7.5 are both one away; 7.5 (0.45) is nearer a coin flip than 5.5 (0.62)
    assert closest_rung(rungs, target).item(0, "ticker") == "t8"
    target = target.with_columns(pl.lit(9.0).alias("target_line"))
    assert closest_rung(rungs, target).item(0, "ticker") == "t10"
    no_target = target.with_columns(pl.lit(None, dtype=pl.Float64).alias("target_line"))
    assert closest_rung(rungs, no_target).item(0, "ticker") == "t8"  # no sportsbook line: nearest 50%
