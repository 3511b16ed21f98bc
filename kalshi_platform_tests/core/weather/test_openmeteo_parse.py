"""The real Open-Meteo ensemble payload parses losslessly; bad shapes are refused with a reason."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from kalshi_platform.core.weather.openmeteo import (
    OpenMeteoFormatError,
    deterministic_counterpart,
    member_slice,
    parse_daily,
)

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "weather" / \
    "openmeteo_ensemble_daily_temperature_2m_max_members_python-open-meteo.json"


@pytest.fixture
def payload() -> dict:
    return json.loads(REAL.read_text())


def test_real_ensemble_payload_parses_every_member(payload):
    parsed = parse_daily(payload, "temperature_2m_max", unit="celsius")
    assert parsed.unit == "°C" and parsed.nulls == 0
    assert len(parsed.values) == 21  # the control run + members 01..20
    by_member = {v.member: v.value for v in parsed.values}
    assert by_member[0] == 20.1 and by_member[1] == 20.2 and by_member[20] == 20.2
    assert {v.day for v in parsed.values} == {date(2026, 10, 3)} and {v.model for v in parsed.values} == {None}
    assert parsed.envelope["timezone"] == "GMT" and parsed.envelope["latitude"] == 52.5
    # The other variables of the payload (hourly temperature_2m, 850 hPa) are not taken for it.
    assert all(k.startswith("temperature_2m_max") for k in parsed.keys.values())


def test_member_slices_together_hold_every_value_sent(payload):
    parsed = parse_daily(payload, "temperature_2m_max", unit=None)
    rebuilt: dict = {}
    for v in parsed.values:
        piece = member_slice(payload, parsed, v.model, v.member, v.day)
        assert piece["timezone"] == payload["timezone"] and piece["elevation"] == payload["elevation"]
        assert piece["daily"]["time"] == ["2026-10-03"]
        rebuilt.update({k: vals for k, vals in piece["daily"].items() if k != "time"})
    assert rebuilt == {k: vals for k, vals in payload["daily"].items() if k != "time"}


def test_multi_model_keys_carry_the_model_suffix():
    body = {
        "daily_units": {"time": "iso8601", "temperature_2m_max_ncep_gefs025": "°F",
                        "temperature_2m_max_member01_ncep_gefs025": "°F", "temperature_2m_max_ecmwf_ifs025_ensemble": "°F"},
        "daily": {"time": ["2026-08-20", "2026-08-21"], "temperature_2m_max_ncep_gefs025": [90.0, None],
                  "temperature_2m_max_member01_ncep_gefs025": [91.0, 92.5],
                  "temperature_2m_max_ecmwf_ifs025_ensemble": [89.0, 88.0]},
    }
    parsed = parse_daily(body)
    got = {(v.model, v.member, v.day.day): v.value for v in parsed.values}
    assert got == {("ncep_gefs025", 0, 20): 90.0, ("ncep_gefs025", 1, 20): 91.0, ("ncep_gefs025", 1, 21): 92.5,
                   ("ecmwf_ifs025_ensemble", 0, 20): 89.0, ("ecmwf_ifs025_ensemble", 0, 21): 88.0}
    assert parsed.nulls == 1


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p.pop("daily"), "missing 'daily'"),
    (lambda p: p["daily"].__setitem__("time", []), "missing or empty"),
    (lambda p: p["daily"].__setitem__("time", ["03/10/2026"]), "not an ISO date"),
    (lambda p: p["daily"].__setitem__("temperature_2m_max_member03", [20.1, 20.2]), "not a list of 1 values"),
    (lambda p: p["daily"].__setitem__("temperature_2m_max_member03", ["warm"]), "not a number"),
    (lambda p: p["daily_units"].pop("temperature_2m_max_member04"), "no unit for"),
    (lambda p: p["daily_units"].__setitem__("temperature_2m_max_member04", "°F"), "mixed units"),
    (lambda p: [p["daily"].pop(k) for k in list(p["daily"]) if k != "time"], "no 'temperature_2m_max' values"),
])
def test_bad_shapes_are_refused_with_a_reason(payload, mutate, message):
    broken = copy.deepcopy(payload)
    mutate(broken)
    with pytest.raises(OpenMeteoFormatError, match=message):
        parse_daily(broken, unit="celsius")


def test_units_must_be_the_ones_asked_for(payload):
    with pytest.raises(OpenMeteoFormatError, match="asked for fahrenheit"):
        parse_daily(payload, unit="fahrenheit")
    with pytest.raises(OpenMeteoFormatError, match="Open-Meteo error: Invalid timezone"):
        parse_daily({"error": True, "reason": "Invalid timezone"})
    with pytest.raises(OpenMeteoFormatError, match="JSON object"):
        parse_daily([1, 2])


def test_fallback_models():
    assert deterministic_counterpart("ncep_gefs025") == "gfs_seamless"
    assert deterministic_counterpart("ecmwf_ifs025_ensemble") == "ecmwf_ifs025"
    assert deterministic_counterpart("something_new") == "best_match"
