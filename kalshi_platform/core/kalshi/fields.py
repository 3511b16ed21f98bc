"""Exact text columns -> typed columns plus one reject reason per row, all as polars expressions.

A :class:`Field` says where a value comes from and what it must be. :func:`apply_fields` turns a frame
of text columns (see ``records.records_frame``) into the typed values (``__v_<name>`` columns) and splits
the rows into good ones and bad ones; a bad row's ``__reason`` names every problem it has, joined by
``"; "`` (e.g. ``"yes_bid_dollars '1.2500' outside [0, 1]; unknown status 'weird'"``). Nothing is
rounded and nothing is dropped: a value that cannot be stored exactly makes its record a reject.
Text (as sent) is stripped and ``""`` means "no value" for every typed (non-text) field. Timestamps
take the fast RFC3339-with-``Z`` reading (``timeutil.ts_fast_expr``) and the full ``ts_expr`` only in a
column where some value needs it.

Money: prices, counts and dollar amounts become ``Decimal(18,6)`` through the regex-guarded cast of
``money.fixed_expr`` (regex first, because polars' string->decimal cast would round extra decimals).
When the ``*_dollars`` / ``*_fp`` key has a value it wins; only when it is absent (or ``""``, Kalshi's
"no value") is the legacy key read: integer cents / 100 for prices and amounts, an integer (or
fixed-point) count for counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE, FIXED_POINT_PATTERN, cents_expr
from kalshi_platform.core.timeutil import ts_expr, ts_fast_expr

REASON = "__reason"
_VALUE = "__v_"
_INTEGER = r"^-?[0-9]+$"
# Integer cents that fit DECIMAL(18,6) once divided by 100 (12 integer digits of dollars).
_CENTS = r"^-?[0-9]{1,14}$"
TS_DTYPE = pl.Datetime("us", "UTC")

# kind -> polars dtype of the typed column
KIND_DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "enum": pl.String(),
    "json": pl.String(),
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "ts": TS_DTYPE,
    "price": DECIMAL_DTYPE,
    "count": DECIMAL_DTYPE,
    "amount": DECIMAL_DTYPE,
    "decimal": DECIMAL_DTYPE,
}
_MONEY = {"price", "count", "amount", "decimal"}


@dataclass(frozen=True)
class Field:
    """One typed column of a raw table.

    ``key`` is the record key read first (the ``*_dollars`` / ``*_fp`` one for money); ``legacy`` the key
    read when ``key`` has no value: integer cents for prices and amounts (``legacy_unit="cents"``), dollar
    strings when ``legacy_unit="dollars"`` (the historical candle tier's bare names), a count for counts.
    """

    name: str
    kind: str
    key: str | None = None
    legacy: str | None = None
    legacy_unit: str = "cents"
    required: bool = False
    values: frozenset[str] | None = None  # enum: the accepted values (after ``aliases``)
    aliases: Mapping[str, str] = field(default_factory=dict)  # enum: older values -> current ones
    minimum: Decimal | None = None  # decimal: lower bound, if any

    def __post_init__(self) -> None:
        if self.kind not in KIND_DTYPES:
            raise ValueError(f"unknown field kind {self.kind!r}")

    @property
    def source(self) -> str:
        return self.key or self.name

    @property
    def dtype(self) -> pl.DataType:
        return KIND_DTYPES[self.kind]

    def keys(self) -> list[str]:
        return [self.source] + ([self.legacy] if self.legacy else [])


def text_keys(fields: Iterable[Field]) -> list[str]:
    return list(dict.fromkeys(k for f in fields if f.kind != "json" for k in f.keys()))


def json_keys(fields: Iterable[Field]) -> list[str]:
    return list(dict.fromkeys(f.source for f in fields if f.kind == "json"))


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars()
    return pl.when(text != "").then(text)


def _n(key: str) -> str:  # the key's text, stripped, "" -> null
    return f"__n_{key}"


def _m(name: str) -> str:  # money: the value read from the main (dollars / fp) key
    return f"__m_{name}"


def _o(name: str) -> str:  # money: the value read from the legacy key
    return f"__o_{name}"


def _quoted(label: str, text: pl.Expr, message: str) -> pl.Expr:
    """``<label> '<text>' <message>``; braces in the label are escaped for pl.format."""
    safe = label.replace("{", "{{").replace("}", "}}")
    return pl.format(f"{safe} '{{}}' {message}", text)


@dataclass(frozen=True)
class Check:
    """A problem a row may have: ``flag`` (cheap, evaluated on every row; true = problem) and the
    ``message`` (formatted only for the rows that have some problem)."""

    flag: pl.Expr
    message: pl.Expr


@dataclass(frozen=True)
class Checked:
    good: pl.DataFrame  # rows without a problem; typed values in ``__v_<name>`` columns
    bad: pl.DataFrame  # rows with at least one problem; ``__reason`` says which


def _bounds(kind: str, minimum: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    if kind == "price":
        return Decimal(0), Decimal(1)
    if kind in ("count", "amount"):
        return Decimal(0), None
    return minimum, None


def _range_checks(
    label: str,
    text: pl.Expr,
    value: pl.Expr,
    lo: Decimal | None,
    hi: Decimal | None,
    when: pl.Expr | None = None,
    cents: bool = False,
) -> list[Check]:
    if lo is None and hi is None:
        return []
    if hi is not None:
        lo = lo if lo is not None else Decimal(0)
        flag = (value < lo) | (value > hi)
        message = f"outside [{lo * 100:f}, {hi * 100:f}] cents" if cents else f"outside [{lo:f}, {hi:f}]"
    else:
        flag = value < lo
        message = "is negative" if lo == 0 else f"is below {lo:f}"
    if when is not None:
        flag = when & flag
    return [Check(flag, _quoted(label, text, message))]


def _fixed(text: pl.Expr) -> pl.Expr:
    """``money.fixed_expr`` of text that is already stripped (the ``__n_`` columns): the same regex
    guard before the same decimal cast, without stripping every value a second time."""
    exact = text.str.contains(FIXED_POINT_PATTERN)
    return pl.when(exact).then(text.cast(DECIMAL_DTYPE, strict=False)).otherwise(None)


def _cents(text: pl.Expr) -> pl.Expr:
    return cents_expr(pl.when(text.str.contains(_CENTS)).then(text))


def _normalized_keys(fields: Sequence[Field]) -> list[str]:
    return list(dict.fromkeys(k for f in fields if f.kind not in ("text", "json", "enum") for k in f.keys()))


def _parse_exprs(f: Field) -> list[pl.Expr]:
    """Stage 1: parse each text once."""
    n = pl.col(_n(f.source))
    if f.kind in ("text", "json"):
        return [pl.col(f.source).alias(_VALUE + f.name)]
    if f.kind == "enum":
        raw = pl.col(f.source)
        return [(raw.replace(dict(f.aliases)) if f.aliases else raw).alias(_VALUE + f.name)]
    if f.kind == "bool":
        value = (
            pl.when(n == "true").then(pl.lit(True)).when(n == "false").then(pl.lit(False)).otherwise(pl.lit(None, pl.Boolean))
        )
        return [value.alias(_VALUE + f.name)]
    if f.kind == "int":
        return [pl.when(n.str.contains(_INTEGER)).then(n).cast(pl.Int64, strict=False).alias(_VALUE + f.name)]
    if f.kind == "ts":
        return []  # typed beforehand, see _typed_timestamps
    out = [_fixed(n).alias(_m(f.name))]
    if f.legacy:
        old = pl.col(_n(f.legacy))
        cents = f.kind in ("price", "amount") and f.legacy_unit == "cents"
        out.append((_cents(old) if cents else _fixed(old)).alias(_o(f.name)))
    return out


def _combine_exprs(f: Field) -> list[pl.Expr]:
    """Stage 2: money takes the main key's value when it has one, else the legacy key's."""
    if f.kind not in _MONEY:
        return []
    if not f.legacy:
        return [pl.col(_m(f.name)).cast(DECIMAL_DTYPE).alias(_VALUE + f.name)]
    value = pl.when(pl.col(_n(f.source)).is_not_null()).then(pl.col(_m(f.name))).otherwise(pl.col(_o(f.name)))
    return [value.cast(DECIMAL_DTYPE).alias(_VALUE + f.name)]


def field_checks(f: Field) -> list[Check]:
    """The problems one field can have, over the stage-1/2 columns."""
    raw = pl.col(f.source)
    value = pl.col(_VALUE + f.name)
    checks: list[Check] = []
    if f.kind in ("text", "json", "enum"):
        if f.kind == "enum" and f.values is not None:
            label = f"unknown {f.source}".replace("{", "{{").replace("}", "}}")
            checks.append(Check(value.is_not_null() & ~value.is_in(sorted(f.values)), pl.format(label + " '{}'", raw)))
        if f.required:
            checks.append(Check(raw.is_null() | (raw.str.strip_chars() == ""), pl.lit(f"missing {f.source}")))
        return checks
    n = pl.col(_n(f.source))
    if f.kind in ("bool", "int", "ts"):
        what = {"bool": "is not a boolean", "int": "is not an integer", "ts": "is not a timestamp"}[f.kind]
        checks.append(Check(n.is_not_null() & value.is_null(), _quoted(f.source, raw, what)))
        if f.required:
            checks.append(Check(n.is_null(), pl.lit(f"missing {f.source}")))
        return checks
    lo, hi = _bounds(f.kind, f.minimum)
    main = pl.col(_m(f.name))
    not_fixed = "is not fixed point with at most 6 decimals"
    checks.append(Check(n.is_not_null() & main.is_null(), _quoted(f.source, raw, not_fixed)))
    checks += _range_checks(f.source, raw, main, lo, hi)
    present = n.is_not_null()
    if f.legacy:
        old_raw = pl.col(f.legacy)
        old_n = pl.col(_n(f.legacy))
        old = pl.col(_o(f.name))
        use_old = n.is_null() & old_n.is_not_null()
        cents = f.kind in ("price", "amount") and f.legacy_unit == "cents"
        what = "is not integer cents" if cents else "is not fixed point with at most 6 decimals"
        checks.append(Check(use_old & old.is_null(), _quoted(f.legacy, old_raw, what)))
        checks += _range_checks(f.legacy, old_raw, old, lo, hi, when=use_old, cents=cents)
        present = present | old_n.is_not_null()
    if f.required:
        checks.append(Check(~present, pl.lit(f"missing {f.source}")))
    return checks


def apply_fields(frame: pl.DataFrame, fields: Sequence[Field], extra_checks: Sequence[Check] = ()) -> Checked:
    """Type every field and split the rows into good and bad (with ``__reason``).

    Each text is parsed once; the checks are cheap boolean columns; messages are formatted only for
    the bad rows, so a clean batch of 100k records pays nothing for them.
    """
    missing = [k for f in fields for k in f.keys() if k not in frame.columns]
    if missing:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(k) for k in dict.fromkeys(missing))
    # A key no row has (e.g. the legacy cent fields in a 2026 batch) needs no parsing and no checks.
    empty = {c for c in frame.columns if frame.get_column(c).null_count() == frame.height}
    absent: list[Field] = []
    active: list[Field] = []
    for f in fields:
        if f.source in empty and (f.legacy is None or f.legacy in empty) and not f.required:
            absent.append(f)
        elif f.legacy is not None and f.legacy in empty:
            active.append(replace(f, legacy=None))
        else:
            active.append(f)
    checks: list[Check] = list(extra_checks)
    for f in active:
        checks += field_checks(f)
    flags = [f"__f{i}" for i in range(len(checks))]
    frame = frame.with_columns(_blank_to_null(pl.col(k)).alias(_n(k)) for k in _normalized_keys(active))
    frame = _typed_timestamps(frame, [f for f in active if f.kind == "ts"])
    lazy = (
        frame.lazy()
        .with_columns(
            [e for f in active for e in _parse_exprs(f)]
            + [pl.lit(None, f.dtype).alias(_VALUE + f.name) for f in absent]
        )
        .with_columns(e for f in active for e in _combine_exprs(f))
        .with_columns(c.flag.fill_null(False).alias(name) for c, name in zip(checks, flags, strict=True))
    )
    if flags:
        lazy = lazy.with_columns(pl.any_horizontal(flags).alias("__bad"))
    else:
        lazy = lazy.with_columns(pl.lit(False).alias("__bad"))
    typed = lazy.collect()
    if not typed.get_column("__bad").any():  # the usual case: no copy of the (wide) frame
        return Checked(typed, typed.clear().with_columns(pl.lit(None, pl.String).alias(REASON)))
    good = typed.filter(~pl.col("__bad"))
    bad = typed.filter(pl.col("__bad"))
    if bad.height:
        reason = pl.concat_str(
            [pl.when(pl.col(name)).then(c.message.cast(pl.String)) for c, name in zip(checks, flags, strict=True)],
            separator="; ",
            ignore_nulls=True,
        )
        bad = bad.with_columns(reason.alias(REASON))
    else:
        bad = bad.with_columns(pl.lit(None, pl.String).alias(REASON))
    return Checked(good, bad)


def _typed_timestamps(frame: pl.DataFrame, fields: Sequence[Field]) -> pl.DataFrame:
    """``__v_<name>`` of each timestamp field: the fast RFC3339-with-Z reading first, and the full
    ``ts_expr`` (offsets, unix s / ms) only for a column where some value was not read by it."""
    if not fields:
        return frame
    frame = frame.with_columns(ts_fast_expr(pl.col(_n(f.source))).alias(_VALUE + f.name) for f in fields)
    missed = frame.select(
        (pl.col(_n(f.source)).is_not_null() & pl.col(_VALUE + f.name).is_null()).any().alias(f"__miss{i}")
        for i, f in enumerate(fields)
    ).row(0)
    slow = [f for f, miss in zip(fields, missed, strict=True) if miss]
    if slow:
        frame = frame.with_columns(ts_expr(pl.col(_n(f.source))).alias(_VALUE + f.name) for f in slow)
    return frame


def value_column(name: str) -> pl.Expr:
    """The typed value of field ``name`` after :func:`apply_fields`."""
    return pl.col(_VALUE + name)
