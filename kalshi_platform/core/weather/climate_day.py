"""The climate day: midnight to midnight local STANDARD time, all year.

The NWS daily climate report (and so every KXHIGH market) counts a day in local standard time even
while daylight saving time is in force: in New York in July the day runs 01:00 EDT to 01:00 EDT the
next morning, not midnight to midnight on the clock. A forecast aggregated over the clock day would
take the hour from midnight to 01:00 EDT from the wrong day and miss the last hour of the right one.

So the platform asks for daily values in a fixed-offset zone equal to the station's standard time
(``Etc/GMT+5`` for New York: the tz database's Etc names invert the sign), whose local days are
exactly the climate days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ClimateDayError(ValueError):
    """A time zone the climate-day rules cannot be applied to."""


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClimateDayError(f"unknown IANA time zone {tz!r}") from None


def standard_offset(tz: str, day: date) -> timedelta:
    """The zone's standard-time UTC offset on ``day`` (its clock offset less any DST in force)."""
    zone = _zone(tz)
    noon = datetime.combine(day, time(12), tzinfo=zone)
    offset, dst = noon.utcoffset(), noon.dst()
    if offset is None:
        raise ClimateDayError(f"time zone {tz!r} has no UTC offset on {day}")
    return offset - (dst or timedelta(0))


def standard_time_zone(tz: str, day: date) -> str:
    """A tz-database name for the fixed offset of the zone's standard time on ``day`` (Etc/GMT+5)."""
    offset = standard_offset(tz, day)
    seconds = int(offset.total_seconds())
    if seconds % 3600:
        raise ClimateDayError(f"{tz}: standard offset {offset} is not a whole number of hours")
    hours = seconds // 3600
    if hours == 0:
        return "Etc/GMT"
    # POSIX-style sign: Etc/GMT+5 is five hours BEHIND UTC.
    return f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


def climate_day_window(tz: str, day: date) -> tuple[datetime, datetime]:
    """[start, end) of the climate day ``day`` in UTC."""
    offset = standard_offset(tz, day)
    start = datetime.combine(day, time(0), tzinfo=UTC) - offset
    return start, start + timedelta(days=1)


def climate_date(instant: datetime, tz: str) -> date:
    """The climate day an instant falls in (its date in local standard time)."""
    if instant.tzinfo is None:
        raise ClimateDayError("climate_date needs a timezone-aware instant")
    utc = instant.astimezone(UTC)
    # The offset of the local date the instant is on; standard offsets change far from midnight.
    guess = (utc + standard_offset(tz, utc.date())).date()
    return (utc + standard_offset(tz, guess)).date()


def clock_day_window(tz: str, day: date) -> tuple[datetime, datetime]:
    """[start, end) of ``day`` midnight to midnight on the local clock (what a naive daily
    aggregate over the IANA zone covers), in UTC; differs from the climate day during DST."""
    zone = _zone(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
