"""The climate day is local STANDARD time: during DST it runs 01:00 to 01:00 on the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kalshi_platform.core.weather.climate_day import (
    ClimateDayError,
    climate_date,
    climate_day_window,
    clock_day_window,
    standard_offset,
    standard_time_zone,
)

NY = "America/New_York"


def test_winter_climate_day_is_the_clock_day():
    start, end = climate_day_window(NY, date(2026, 1, 15))
    assert (start, end) == (datetime(2026, 1, 15, 5, tzinfo=UTC), datetime(2026, 1, 16, 5, tzinfo=UTC))
    assert clock_day_window(NY, date(2026, 1, 15)) == (start, end)


def test_dst_climate_day_runs_one_to_one_on_the_clock():
    # July 4, 2026: EDT (UTC-4) on the clock, but the report counts EST (UTC-5).
    start, end = climate_day_window(NY, date(2026, 7, 4))
    assert start == datetime(2026, 7, 4, 5, tzinfo=UTC)  # 01:00 EDT
    assert end == datetime(2026, 7, 5, 5, tzinfo=UTC)  # 01:00 EDT the next morning
    clock_start, clock_end = clock_day_window(NY, date(2026, 7, 4))
    assert clock_start == datetime(2026, 7, 4, 4, tzinfo=UTC) and clock_end - clock_start == timedelta(days=1)
    assert standard_time_zone(NY, date(2026, 7, 4)) == "Etc/GMT+5"  # tz-database sign: 5 h behind UTC


def test_the_half_hour_after_midnight_edt_belongs_to_the_previous_climate_day():
    assert climate_date(datetime(2026, 7, 5, 4, 30, tzinfo=UTC), NY) == date(2026, 7, 4)  # 00:30 EDT Jul 5
    assert climate_date(datetime(2026, 7, 5, 5, 0, tzinfo=UTC), NY) == date(2026, 7, 5)  # 01:00 EDT
    assert climate_date(datetime(2026, 1, 5, 4, 59, tzinfo=UTC), NY) == date(2026, 1, 4)


def test_dst_switch_days_keep_24_hour_climate_days():
    for day in (date(2026, 3, 8), date(2026, 11, 1)):  # US spring forward, fall back
        start, end = climate_day_window(NY, day)
        assert end - start == timedelta(days=1)
        assert standard_offset(NY, day) == timedelta(hours=-5)
        clock_start, clock_end = clock_day_window(NY, day)
        assert clock_end - clock_start != timedelta(days=1)  # 23 h and 25 h on the clock


@pytest.mark.parametrize("tz, zone", [("America/Chicago", "Etc/GMT+6"), ("America/Denver", "Etc/GMT+7"),
                                      ("America/Phoenix", "Etc/GMT+7"), ("America/Los_Angeles", "Etc/GMT+8"),
                                      ("Europe/Berlin", "Etc/GMT-1"), ("UTC", "Etc/GMT")])
def test_standard_zone_names(tz, zone):
    assert standard_time_zone(tz, date(2026, 7, 1)) == zone
    assert standard_time_zone(tz, date(2026, 1, 1)) == zone


def test_bad_zones_are_refused_clearly():
    with pytest.raises(ClimateDayError, match="unknown IANA time zone"):
        climate_day_window("Mars/Olympus", date(2026, 1, 1))
    with pytest.raises(ClimateDayError, match="whole number of hours"):
        standard_time_zone("Asia/Kolkata", date(2026, 1, 1))
    with pytest.raises(ClimateDayError, match="timezone-aware"):
        climate_date(datetime(2026, 1, 1), NY)
