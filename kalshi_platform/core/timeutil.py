"""Timestamps in every form Kalshi has used: RFC3339 strings, unix seconds and milliseconds (DESIGN.md §3)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

# Unix values above this are milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 100_000_000_000
# The form Kalshi sends nearly every time: 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'.
_RFC3339_UTC = "%Y-%m-%dT%H:%M:%S%.fZ"


class TimeParseError(ValueError):
    """A value that is not a timestamp in any form Kalshi sends."""


def parse_ts(value: object, *, field: str = "timestamp") -> datetime:
    """RFC3339 string, unix seconds or unix milliseconds -> aware UTC datetime."""
    if isinstance(value, bool) or value is None:
        raise TimeParseError(f"{field}: expected a timestamp, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return parse_ts(int(text), field=field)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise TimeParseError(f"{field}: {value!r} is not an RFC3339 timestamp") from exc
        if parsed.tzinfo is None:
            raise TimeParseError(f"{field}: {value!r} has no time zone")
        return parsed.astimezone(UTC)
    raise TimeParseError(f"{field}: expected a timestamp, got {type(value).__name__}")


def to_unix(value: datetime) -> int:
    return int(value.timestamp())


def ts_expr(column: str | pl.Expr) -> pl.Expr:
    """Vectorised timestamp column (RFC3339 text, unix s or ms, as text or ints) -> Datetime(us, UTC).

    Unreadable values become null, so the caller can turn them into rejects.
    """
    col = pl.col(column) if isinstance(column, str) else column
    text = col.cast(pl.String).str.strip_chars()
    as_int = text.cast(pl.Int64, strict=False)
    from_unix = (
        pl.when(as_int.abs() >= _MS_THRESHOLD)
        .then(pl.from_epoch(as_int, time_unit="ms"))
        .otherwise(pl.from_epoch(as_int, time_unit="s"))
        .dt.replace_time_zone("UTC")
    )
    from_text = text.str.replace(r"Z$", "+00:00").str.to_datetime(
        format="%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_zone="UTC", time_unit="us"
    )
    return pl.when(as_int.is_not_null()).then(from_unix.dt.cast_time_unit("us")).otherwise(from_text)


def ts_fast_expr(column: str | pl.Expr) -> pl.Expr:
    """The common case of :func:`ts_expr` alone: RFC3339 text ending in ``Z`` -> Datetime(us, UTC).

    Null for every other form (offsets, unix values, anything unreadable). Where it is not null it
    equals ``ts_expr`` of the same value, so a caller may compute this first and fall back to
    ``ts_expr`` only for a column where some value was present but did not parse here; it costs about a
    third of ``ts_expr``, which reads every value as a unix number and as RFC3339 text.
    """
    col = pl.col(column) if isinstance(column, str) else column
    return col.cast(pl.String).str.to_datetime(format=_RFC3339_UTC, strict=False, time_zone="UTC", time_unit="us")
