"""Members -> bracket probabilities -> edges: a hand-checked ensemble, sums to 1, bias, exact fees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_platform.core.fees import order_fee
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.weather import model as wx

DAY = date(2026, 11, 20)
EVENT = "KXHIGHNY-26NOV20"
# A real-shaped six-bracket day: 44° or below, 45-46, 47-48, 49-50, 51-52, 53° or above.
LADDER = [("T45", None, 44), ("B45.5", 45, 46), ("B47.5", 47, 48), ("B49.5", 49, 50), ("B51.5", 51, 52),
          ("T52", 53, None)]


def members(values, model="ncep_gefs025", source="ensemble", city="NY", day=DAY) -> pl.DataFrame:
    return pl.DataFrame({
        "city": [city] * len(values), "target_date": [day] * len(values), "model": [model] * len(values),
        "source": [source] * len(values), "member": list(range(len(values))), "value_f": [float(v) for v in values],
    })


def markets(quotes=None, ladder=LADDER, city="NY", day=DAY, event=EVENT) -> pl.DataFrame:
    quotes = quotes or {}
    rows = []
    for suffix, lo, hi in ladder:
        ticker = f"{event}-{suffix}"
        bid, ask, no_ask = quotes.get(suffix, (None, None, None))
        rows.append({"city": city, "target_date": day, "ticker": ticker, "event_ticker": event, "lo": lo, "hi": hi,
                     "bracket_problem": None, "yes_bid": bid, "yes_ask": ask, "no_ask": no_ask,
                     "fee_type": "quadratic", "fee_multiplier": Decimal(1)})
    return pl.DataFrame(rows, schema_overrides={"yes_bid": DECIMAL_DTYPE, "yes_ask": DECIMAL_DTYPE,
                                                "no_ask": DECIMAL_DTYPE, "fee_multiplier": DECIMAL_DTYPE,
                                                "lo": pl.Int64, "hi": pl.Int64})


def test_climate_rounding_rounds_halves_up():
    values = [72.5, 72.49, 71.5, 44.5, -0.5, -0.51, 0.49]
    rounded = pl.DataFrame({"v": values}).select(wx.climate_round(pl.col("v")))["v"].to_list()
    assert rounded == [73, 72, 72, 45, 0, -1, 0]
    assert [wx.climate_round_value(v) for v in values] == rounded


def test_hand_checked_small_ensemble():
    # Ten members; rounded highs: 44, 45, 46, 46, 47, 48, 48, 48, 50, 53.
    values = [44.4, 44.5, 45.6, 46.49, 47.0, 47.5, 48.2, 48.49, 50.4, 52.5]
    out = wx.bracket_probabilities(members(values), markets()).sort("ticker")
    probs = dict(zip(out["ticker"], out["model_prob"]))
    assert probs == {
        f"{EVENT}-T45": pytest.approx(1 / 10),  # 44
        f"{EVENT}-B45.5": pytest.approx(3 / 10),  # 45, 46, 46
        f"{EVENT}-B47.5": pytest.approx(4 / 10),  # 47, 48, 48, 48
        f"{EVENT}-B49.5": pytest.approx(1 / 10),  # 50
        f"{EVENT}-B51.5": pytest.approx(0.0),
        f"{EVENT}-T52": pytest.approx(1 / 10),  # 53 (52.5 rounds up)
    }
    assert out["n_members"].unique().to_list() == [10]
    assert out["n_in_bracket"].sum() == 10
    assert out["mean_high_f"][0] == pytest.approx(sum(values) / 10)


@given(st.lists(st.floats(min_value=-30, max_value=120, allow_nan=False), min_size=1, max_size=120),
       st.integers(min_value=-20, max_value=100))
def test_probabilities_of_a_complete_ladder_sum_to_one(values, centre):
    ladder = [("T", None, centre - 4)] + [(f"B{lo}", lo, lo + 1) for lo in range(centre - 3, centre + 5, 2)] + \
             [("TT", centre + 5, None)]
    out = wx.bracket_probabilities(members(values), markets(ladder=ladder))
    assert out["model_prob"].sum() == pytest.approx(1.0, abs=1e-12)
    assert out["n_in_bracket"].sum() == len(values)


def test_days_and_cities_do_not_mix_and_a_day_without_members_gets_no_probability():
    both = pl.concat([members([40, 41]), members([60] * 5, city="CHI"), members([50], day=date(2026, 11, 21))])
    frames = pl.concat([markets(), markets(city="CHI", event="KXHIGHCHI-26NOV20"),
                        markets(day=date(2026, 11, 22), event="KXHIGHNY-26NOV22")])
    out = wx.bracket_probabilities(both, frames)
    ny = out.filter(pl.col("event_ticker") == EVENT)
    assert ny["n_members"].unique().to_list() == [2] and ny["model_prob"].sum() == pytest.approx(1)
    assert out.filter(pl.col("event_ticker") == "KXHIGHCHI-26NOV20")["n_members"].unique().to_list() == [5]
    later = out.filter(pl.col("event_ticker") == "KXHIGHNY-26NOV22")
    assert later["model_prob"].null_count() == 6 and later["n_in_bracket"].null_count() == 6


def test_confidence_grows_with_members_and_falls_with_spread():
    conf = pl.DataFrame({"n": [1, 2, 31, 82, 82, 82], "sd": [0.0, 0.0, 2.0, 2.0, 6.0, None]}).select(
        wx.confidence_expr(pl.col("n"), pl.col("sd")).alias("c"))["c"].to_list()
    assert conf[0] == 0.0
    assert conf[1] < conf[2] < conf[3]
    assert conf[4] < conf[3] and conf[4] == pytest.approx((1 - 82 ** -0.5) / 2)
    assert all(0 <= c <= 1 for c in conf)


def test_bias_is_learned_from_settled_days_and_removed_per_model():
    days = [date(2026, 11, d) for d in range(1, 11)]
    forecasts = pl.DataFrame({
        "city": ["NY"] * 20, "model": ["ncep_gefs025"] * 10 + ["ecmwf_ifs025_ensemble"] * 10,
        "target_date": days * 2,
        "forecast_mean_f": [50.0 + i + 1.5 for i in range(10)] + [50.0 + i - 0.5 for i in range(10)],
    })
    settled = pl.DataFrame({"city": ["NY"] * 10, "target_date": days, "settled_high_f": [50.0 + i for i in range(10)]})
    bias = wx.forecast_bias(forecasts, settled, before=date(2026, 11, 20), lookback_days=30, min_days=5)
    got = {r["model"]: (r["bias_f"], r["bias_days"]) for r in bias.iter_rows(named=True)}
    assert got == {"ncep_gefs025": (pytest.approx(1.5), 10), "ecmwf_ifs025_ensemble": (pytest.approx(-0.5), 10)}
    # Only settled days inside the lookback count (Nov 6-10 of a 14-day window); too few: no correction.
    assert wx.forecast_bias(forecasts, settled, before=date(2026, 11, 20), lookback_days=14)["bias_days"].to_list() == [5, 5]
    assert wx.forecast_bias(forecasts, settled, before=date(2026, 11, 20), lookback_days=12, min_days=5).is_empty()
    corrected = wx.apply_bias(pl.concat([members([49.4]), members([47.6], model="ecmwf_ifs025_ensemble")]), bias)
    assert corrected["value_f"].to_list() == pytest.approx([47.9, 48.1])
    assert corrected["raw_value_f"].to_list() == [49.4, 47.6]


def test_edges_are_after_the_exact_taker_fee():
    # 82 members, 41 in 47-48: p = 0.5.
    ens = members([47.2] * 41 + [50.0] * 41)
    quotes = {"B47.5": (Decimal("0.40"), Decimal("0.42"), Decimal("0.60")),
              "B49.5": (Decimal("0.45"), Decimal("0.47"), Decimal("0.55")),
              "T52": (Decimal("0.02"), Decimal("0.03"), Decimal("0.98"))}
    out = wx.weather_signals(ens, markets(quotes), min_edge_bps=100, min_confidence=0.0).sort("ticker")
    row = out.filter(pl.col("ticker") == f"{EVENT}-B47.5").row(0, named=True)
    fee = order_fee(1, Decimal("0.42"))  # 0.07 x 0.42 x 0.58 = 0.017052 -> $0.02
    assert row["yes_fee"] == fee == Decimal("0.02")
    assert row["yes_edge_bps"] == pytest.approx((0.5 - 0.42 - 0.02) * 10_000)
    assert row["no_edge_bps"] == pytest.approx((0.5 - 0.60 - float(order_fee(1, Decimal("0.60")))) * 10_000)
    assert (row["direction"], row["edge_bps"]) == ("buy_yes", pytest.approx(600.0))
    assert row["market_prob"] == pytest.approx(0.41)
    t52 = out.filter(pl.col("ticker") == f"{EVENT}-T52").row(0, named=True)
    assert t52["model_prob"] == 0.0 and t52["direction"] == "buy_no"  # NO at 0.98 + 0.01 fee -> 100 bps
    assert t52["edge_bps"] == pytest.approx((1 - 0.98 - 0.01) * 10_000)
    unquoted = out.filter(pl.col("ticker") == f"{EVENT}-T45").row(0, named=True)
    assert unquoted["skip_reason"] == wx.SKIP_NO_QUOTE and unquoted["direction"] is None
    # fair_mid needs every bracket of the day quoted.
    assert out["fair_mid"].null_count() == out.height


def test_fee_rounds_per_fill_so_order_size_changes_the_edge():
    ens = members([47.2] * 41 + [50.0] * 41)
    quotes = {"B47.5": (Decimal("0.40"), Decimal("0.42"), Decimal("0.60"))}
    one = wx.weather_signals(ens, markets(quotes), contracts=1, min_confidence=0.0)
    hundred = wx.weather_signals(ens, markets(quotes), contracts=100, min_confidence=0.0)
    fee1 = one.filter(pl.col("ticker") == f"{EVENT}-B47.5")["yes_fee"].item()
    fee100 = hundred.filter(pl.col("ticker") == f"{EVENT}-B47.5")["yes_fee"].item()
    assert fee1 == Decimal("0.02") and fee100 == order_fee(100, Decimal("0.42")) / 100 == Decimal("0.0171")


def test_low_confidence_or_small_edges_get_no_direction_and_say_why():
    quotes = {s: (Decimal("0.10"), Decimal("0.12"), Decimal("0.90")) for s, _, _ in LADDER}
    single = wx.weather_signals(members([47.0], source="deterministic_fallback", model="gfs_seamless"),
                                markets(quotes), min_edge_bps=100, min_confidence=0.5)
    assert single["direction"].null_count() == 6
    assert single["note"].str.starts_with("confidence 0.0 below 0.5").all()
    ens = members([47.0 + (i % 10) * 0.01 for i in range(80)])
    wide = wx.weather_signals(ens, markets(quotes), min_edge_bps=9_000, min_confidence=0.0)
    assert wide["direction"].null_count() == 6 and wide["note"].str.contains("below 9000").all()


def test_full_day_quotes_give_a_fair_mid_summing_to_one():
    quotes = {s: (Decimal("0.15"), Decimal("0.19"), Decimal("0.83")) for s, _, _ in LADDER}
    out = wx.weather_signals(members([47.0] * 50), markets(quotes), min_confidence=0.0)
    assert out["market_prob"].sum() == pytest.approx(6 * 0.17)
    assert out["fair_mid"].sum() == pytest.approx(1.0)


def test_unpriceable_brackets_show_no_probability():
    frame = markets().with_columns(
        pl.when(pl.col("ticker").str.ends_with("T52")).then(pl.lit("rules text disagrees")).alias("bracket_problem"))
    out = wx.weather_signals(members([47.0] * 10), frame, min_confidence=0.0)
    bad = out.filter(pl.col("ticker").str.ends_with("T52")).row(0, named=True)
    assert bad["model_prob"] is None and bad["skip_reason"] == "rules text disagrees" and bad["direction"] is None
    no_members = wx.weather_signals(members([47.0]).head(0), markets(), min_confidence=0.0)
    assert no_members["skip_reason"].to_list() == [wx.SKIP_NO_FORECAST] * 6
