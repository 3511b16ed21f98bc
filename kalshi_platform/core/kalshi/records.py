"""Decoded JSON records -> one polars frame of exact text columns plus each record's compact JSON.

The parsers need, for 100k+ records at a time, two things per record: its JSON text (``raw_json``, so
every field Kalshi sent survives) and the text of each known field (typed afterwards, in polars). A
per-record, per-field Python loop is the slow way; here:

1. the whole list is encoded by one ``orjson.dumps`` call, with a sentinel string between records, so
   each record's compact JSON is a slice of one buffer (Arrow offsets over that buffer, no copies
   per record);
2. in a copy of that buffer the separators become newlines (numpy, one vectorised write per byte
   of the separator), and polars' NDJSON reader reads every known key as text, in Rust (a key no
   record carries comes back as a null column). Reading a JSON number as ``String`` yields its
   decimal text (``56`` -> ``"56"``), so integer cents, fixed-point strings and ccxt-style
   stringified ints all arrive as exact text; a JSON float arrives as its shortest decimal text
   (``0.5`` -> ``"0.5"``), the same text Python's json module read.
3. keys whose value is nested JSON (price_ranges, custom_strike, ...) are re-encoded per value.

Anything odd (non-dict items, keys that are not strings, integers beyond 64 bits, text that is not
valid UTF-8) falls back to a per-record path: records that still cannot be encoded come back as
``bad`` with a reason, never as an exception.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl
import pyarrow as pa

try:  # orjson ships with the pinned stack (a dependency of dagster-dbt); json is the fallback.
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is absent
    orjson = None

ROW = "__row"  # position of the record in the caller's item list
RAW = "raw_json"

# Between records in the one-shot encoding. A JSON string is quoted, so ``,"<sentinel>",`` with bare
# quotes can only appear between two elements of a list; a record holding this very string as a list
# element would throw the count off, which is detected and sends the batch down the per-record path.
_SENTINEL = "\x00\x1fkp\x1f\x00"
_SEP = b',"\\u0000\\u001fkp\\u001f\\u0000",'  # the sentinel as orjson writes it, between its commas


class _Fallback(Exception):
    """The one-shot path cannot be used for this batch."""


@dataclass(frozen=True)
class RecordFrame:
    frame: pl.DataFrame  # ROW (Int64), RAW, one String column per text key and per JSON key
    records: list[dict]  # the readable records, frame row i <-> records[i]
    bad: list[tuple[int, object, str]]  # (position, item, reason) of items that are not readable records


def dumps(value: object) -> str:
    """Compact JSON text of a decoded JSON value (orjson when it can, else the json module)."""
    if orjson is not None:
        try:
            return orjson.dumps(value).decode("utf-8")
        except (TypeError, ValueError):
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def safe_dumps(value: object) -> str:
    """JSON text for a reject body: never raises (falls back to repr for what JSON cannot hold)."""
    try:
        text = dumps(value)
        text.encode("utf-8")
        return text
    except (TypeError, ValueError, UnicodeError, RecursionError):
        return repr(value).encode("utf-8", "backslashreplace").decode("utf-8")


def as_text(value: object) -> str | None:
    """The exact text of one JSON value, as polars' NDJSON reader gives it for a ``String`` column."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None  # JSON has no NaN / infinity (orjson writes null)
        return format(Decimal(repr(value)), "f")  # positional, as polars prints it: 1e-05 -> 0.00001
    return dumps(value)


def json_text(value: object) -> str | None:
    """Nested JSON value -> compact JSON text; absent/null stays null."""
    return None if value is None else dumps(value)


def records_frame(items: object, text_keys: Sequence[str], json_keys: Sequence[str] = ()) -> RecordFrame:
    """Items (decoded JSON, ideally a list of dicts) -> RecordFrame; never raises on content."""
    if items is None:
        items = []
    if not isinstance(items, (list, tuple)):
        reason = f"expected a list of records, got {type(items).__name__}"
        return RecordFrame(_empty(text_keys, json_keys), [], [(0, items, reason)])
    text_keys = list(dict.fromkeys(text_keys))
    json_keys = [k for k in dict.fromkeys(json_keys) if k not in text_keys]
    positions: list[int] = []
    records: list[dict] = []
    bad: list[tuple[int, object, str]] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            positions.append(i)
            records.append(item)
        else:
            bad.append((i, item, f"record is not a JSON object but {type(item).__name__}"))
    if not records:
        return RecordFrame(_empty(text_keys, json_keys), [], bad)
    try:
        raw, text = _fast(records, text_keys)
    except Exception:  # noqa: BLE001 - any trouble in the one-shot path: take the careful one
        raw, text, keep, more_bad = _careful(records, text_keys)
        if more_bad:
            bad.extend((positions[j], records[j], reason) for j, reason in more_bad)
            bad.sort(key=lambda b: b[0])
            positions = [positions[j] for j in keep]
            records = [records[j] for j in keep]
    columns: dict[str, pl.Series] = {
        ROW: pl.Series(ROW, positions, dtype=pl.Int64),
        RAW: raw,
    }
    for key in text_keys:
        if key in text.columns:
            columns[key] = text.get_column(key)
        else:
            columns[key] = pl.Series(key, [None] * len(records), dtype=pl.String)
    for key in json_keys:
        columns[key] = _json_column(key, [r.get(key) for r in records])
    frame = pl.DataFrame([s.alias(name) for name, s in columns.items()])
    return RecordFrame(frame, records, bad)


def _empty(text_keys: Sequence[str], json_keys: Sequence[str]) -> pl.DataFrame:
    schema = {ROW: pl.Int64, RAW: pl.String} | {k: pl.String for k in [*text_keys, *json_keys]}
    return pl.DataFrame(schema=schema)


def _fast(records: list[dict], text_keys: list[str]) -> tuple[pl.Series, pl.DataFrame]:
    if orjson is None:
        raise _Fallback("orjson is not installed")
    n = len(records)
    buf, cuts = _encode_separated(records)
    sep = len(_SEP)
    # raw_json: Arrow string array over the one buffer; values alternate record, separator.
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0] = 1
    offsets[-1] = len(buf) - 1
    offsets[1 : 2 * n - 1 : 2] = cuts
    offsets[2 : 2 * n - 1 : 2] = cuts + sep
    arrow = pa.LargeStringArray.from_buffers(2 * n - 1, pa.py_buffer(offsets), pa.py_buffer(buf))
    raw = pl.Series(RAW, pl.from_arrow(arrow)).gather_every(2)
    # NDJSON: a copy of the same bytes with '[', ']' and each separator blanked and a newline in its
    # place (one vectorised write per byte of the separator).
    nd = np.frombuffer(buf, dtype=np.uint8).copy()
    nd[0] = nd[-1] = 0x20
    for j in range(1, sep):
        nd[cuts + j] = 0x20
    nd[cuts] = 0x0A
    # Keys no record has come back as null columns.
    text = pl.read_ndjson(nd.tobytes(), schema={k: pl.String for k in text_keys}) if text_keys else pl.DataFrame()
    if text_keys and text.height != n:
        raise _Fallback("row count mismatch")
    if raw.len() != n:
        raise _Fallback("row count mismatch")
    return raw, text


def _encode_separated(values: list[object]) -> tuple[bytes, np.ndarray]:
    """One ``orjson.dumps`` of ``[v0, SENTINEL, v1, SENTINEL, ...]``: the buffer and the offset of
    each separator (``,"<sentinel>",``); value i is ``buf[cut[i-1] + len(sep) : cut[i]]``."""
    n = len(values)
    interleaved: list[object] = [_SENTINEL] * (2 * n - 1)
    interleaved[::2] = values
    buf = orjson.dumps(interleaved)  # raises on non-str keys, >64-bit ints, surrogates: fall back
    found: list[int] = []
    find, append, step = buf.find, found.append, len(_SEP)
    at = find(_SEP)
    while at >= 0:
        append(at)
        at = find(_SEP, at + step)
    if len(found) != n - 1:
        raise _Fallback("sentinel count mismatch")
    return buf, np.array(found, dtype=np.int64)


def _json_column(name: str, values: list[object]) -> pl.Series:
    """``json_text`` of each value as a String column (orjson called directly: this runs per value)."""
    if orjson is not None:
        encode = orjson.dumps
        try:
            texts = [None if v is None else encode(v).decode() for v in values]
        except (TypeError, ValueError):
            pass
        else:
            return pl.Series(name, texts, dtype=pl.String)
    return pl.Series(name, [json_text(v) for v in values], dtype=pl.String)


def _careful(
    records: list[dict], text_keys: list[str]
) -> tuple[pl.Series, pl.DataFrame, list[int], list[tuple[int, str]]]:
    raws: list[str] = []
    keep: list[int] = []
    bad: list[tuple[int, str]] = []
    for j, record in enumerate(records):
        try:
            if any(type(k) is not str for k in record):
                raise TypeError("keys must be strings")
            text = dumps(record)
            text.encode("utf-8")  # lone surrogates cannot be stored as text
        except (TypeError, ValueError, UnicodeError, RecursionError) as exc:
            bad.append((j, f"record cannot be encoded as JSON: {exc}"))
            continue
        raws.append(text)
        keep.append(j)
    kept = [records[j] for j in keep]
    columns = {}
    for key in text_keys:
        values = []
        for r in kept:
            try:
                values.append(as_text(r.get(key)))
            except (TypeError, ValueError, RecursionError):
                values.append(None)
        columns[key] = pl.Series(key, values, dtype=pl.String)
    text = pl.DataFrame(columns)
    return pl.Series(RAW, raws, dtype=pl.String), text, keep, bad
