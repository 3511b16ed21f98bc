"""Reading Open-Meteo daily responses (``/v1/ensemble`` and ``/v1/forecast``) into member values.

Open-Meteo sends one array per variable and member under ``daily``, aligned with ``daily.time``:

  temperature_2m_max            member 0 (the control run)
  temperature_2m_max_member01   member 1 ... memberNN

With several models in one request every key also ends in ``_<model>`` (Open-Meteo's resolved
model name, e.g. ``temperature_2m_max_member01_ncep_gefs025``). Units are in ``daily_units``
("°F" / "°C"); a missing value is ``null`` (a date past the model's horizon).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

UNITS = {"fahrenheit": "°F", "celsius": "°C"}


class OpenMeteoFormatError(ValueError):
    """A response that cannot be read as the daily values asked for."""


@dataclass(frozen=True)
class MemberValue:
    day: date
    model: str | None  # the key's model suffix, None when the request named one model
    member: int
    value: float


@dataclass
class DailyMembers:
    envelope: dict[str, Any]  # the response's top-level scalars (coordinates, zone, elevation, ...)
    unit: str
    values: list[MemberValue]
    nulls: int  # member-days Open-Meteo returned as null
    keys: dict[tuple[str | None, int], str] = field(default_factory=dict)  # (model, member) -> its key


def _member_key(variable: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(variable)}(?:_member(?P<member>\d{{1,3}}))?(?:_(?P<model>[a-z][a-z0-9_]*))?$")


def parse_daily(payload: Any, variable: str = "temperature_2m_max", *, unit: str | None = "fahrenheit") -> DailyMembers:
    """Every member value of ``variable`` in ``payload``; raises OpenMeteoFormatError on a bad shape."""
    if not isinstance(payload, dict):
        raise OpenMeteoFormatError(f"expected a JSON object, got {type(payload).__name__}")
    if payload.get("error") is True:
        raise OpenMeteoFormatError(f"Open-Meteo error: {payload.get('reason')}")
    daily = payload.get("daily")
    units = payload.get("daily_units")
    if not isinstance(daily, dict) or not isinstance(units, dict):
        raise OpenMeteoFormatError("missing 'daily' or 'daily_units' object")
    times = daily.get("time")
    if not isinstance(times, list) or not times:
        raise OpenMeteoFormatError("'daily.time' is missing or empty")
    try:
        days = [date.fromisoformat(t) for t in times]
    except (TypeError, ValueError):
        raise OpenMeteoFormatError(f"'daily.time' holds a value that is not an ISO date: {times[:3]}") from None
    pattern = _member_key(variable)
    values: list[MemberValue] = []
    keys: dict[tuple[str | None, int], str] = {}
    nulls = 0
    seen_unit: str | None = None
    for key, series in daily.items():
        if key == "time":
            continue
        m = pattern.match(key)
        if m is None:
            continue  # another variable
        model, member = m["model"], int(m["member"] or 0)
        if not isinstance(series, list) or len(series) != len(days):
            raise OpenMeteoFormatError(f"'daily.{key}' is not a list of {len(days)} values")
        key_unit = units.get(key)
        if not isinstance(key_unit, str):
            raise OpenMeteoFormatError(f"'daily_units' has no unit for {key!r}")
        if seen_unit is not None and key_unit != seen_unit:
            raise OpenMeteoFormatError(f"mixed units: {seen_unit!r} and {key_unit!r}")
        seen_unit = key_unit
        keys[(model, member)] = key
        for day, v in zip(days, series):
            if v is None:
                nulls += 1
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise OpenMeteoFormatError(f"'daily.{key}' holds {v!r}, not a number")
            values.append(MemberValue(day, model, member, float(v)))
    if not keys:
        raise OpenMeteoFormatError(f"no {variable!r} values in 'daily' (keys: {sorted(daily)[:8]})")
    if unit is not None and seen_unit != UNITS[unit]:
        raise OpenMeteoFormatError(f"asked for {unit} ({UNITS[unit]}), got {seen_unit!r}")
    envelope = {k: payload.get(k) for k in payload if k not in ("daily", "daily_units", "hourly", "hourly_units")}
    return DailyMembers(envelope, seen_unit or "", values, nulls, keys)


def member_slice(payload: dict, parsed: DailyMembers, model: str | None, member: int, day: date) -> dict:
    """The part of the response that carries one member's value for one day: the envelope plus that
    key's unit, time and value. Together the slices of a response hold every value it sent, without
    storing the whole body once per member."""
    key = parsed.keys[(model, member)]
    times = payload["daily"]["time"]
    i = times.index(day.isoformat())
    return {
        **parsed.envelope,
        "daily_units": {"time": payload["daily_units"].get("time"), key: payload["daily_units"][key]},
        "daily": {"time": [times[i]], key: [payload["daily"][key][i]]},
    }


# The deterministic model that stands in for an ensemble when the ensemble endpoint is down: the
# same centre's single high-resolution run. Open-Meteo's own blend otherwise.
_DETERMINISTIC = {
    "ncep_gefs025": "gfs_seamless", "ncep_gefs05": "gfs_seamless", "ncep_gefs_seamless": "gfs_seamless",
    "gfs025": "gfs_seamless", "gfs05": "gfs_seamless", "gfs_seamless": "gfs_seamless",
    "ecmwf_ifs025_ensemble": "ecmwf_ifs025", "ecmwf_ifs025": "ecmwf_ifs025",
    "ecmwf_aifs025_ensemble": "ecmwf_aifs025", "ecmwf_aifs025": "ecmwf_aifs025",
    "icon_seamless_eps": "icon_seamless", "dwd_icon_seamless_eps": "icon_seamless", "icon_seamless": "icon_seamless",
    "gem_global_ensemble": "gem_seamless", "gem_global": "gem_seamless",
}


def deterministic_counterpart(ensemble_model: str) -> str:
    return _DETERMINISTIC.get(ensemble_model, "best_match")
