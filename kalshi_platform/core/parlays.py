"""Multivariate (KXMVE...) parlays broken into their legs, and a readable description of each.

Pure and vectorised (polars), no I/O.

    parlay_legs(markets, instruments=None) -> LEG_SCHEMA            one row per (parlay_ticker, leg_index)
    parlay_descriptions(legs) -> DESCRIPTION_SCHEMA                 one row per parlay

Where the legs come from
------------------------
Kalshi describes a combo's legs twice: ``mve_selected_legs``, a typed list of
``{event_ticker, market_ticker, side}`` objects in the market schema, and ``custom_strike``, a free-form
map whose ``"Associated Markets"`` / ``"Associated Market Sides"`` / ``"Associated Events"`` entries are
comma-joined lists. **``mve_selected_legs`` wins whenever it holds at least one leg**: it is the
documented, structured field (each leg's market, event and side travel together, so a comma inside a
name or a list of another length cannot shift them), while ``custom_strike`` is display text whose keys
are not part of the schema. ``custom_strike`` is the fallback when ``mve_selected_legs`` is missing,
null or empty. When both are present and name different markets the parlay's rows carry
``legs_conflict`` (e.g. the calchas fixture: one leg in ``mve_selected_legs``, two in ``custom_strike``),
so the disagreement is visible, not resolved silently.

A market is a parlay when it has an ``mve_collection_ticker`` or ``mve_selected_legs``, when its ticker
or event ticker is in a ``KXMVE`` series, or when its ``custom_strike`` names ``Associated Markets``.

Never raises on content. Legs JSON that cannot be read (truncated, not a list, not objects) gives the
parlay one row with a null ``leg_index`` and the reason in ``legs_error``; a leg without a market ticker
or with a side other than yes/no keeps its row with ``legs_error`` saying so. No parlay is dropped.

``leg_index`` is 0-based, in the order the source lists the legs. ``leg_label`` is the leg market's
instrument ``outcome_label`` (else ``display_name``, ``short_name``) when the market is in
``instruments`` (``leg_known``), else a label built from its ticker alone (the instrument master's
ticker-only parse, with the player for props), else the ticker. A line alone does not say what it
measures, so totals get their game ("Over 220.5 points scored (Miami at Atlanta)") and weather, crypto
and economic lines their subject ("Miami high 88° to 89°", "Bitcoin $90,000 or above").
"""

from __future__ import annotations

import json

import polars as pl

from kalshi_platform.core.instruments import build_instruments
from kalshi_platform.core.tickers import parse_tickers

SIDES = ("yes", "no")
LEG_SOURCES = ("mve_selected_legs", "custom_strike")

LEG_SCHEMA: dict[str, pl.DataType] = {
    "parlay_ticker": pl.String(),
    "parlay_event_ticker": pl.String(),
    "mve_collection_ticker": pl.String(),
    "leg_index": pl.Int32(),  # 0-based; null when the parlay's legs could not be read at all
    "leg_event_ticker": pl.String(),
    "leg_market_ticker": pl.String(),
    "side": pl.String(),  # yes | no (null when the source gave something else: see legs_error)
    "leg_label": pl.String(),
    "leg_known": pl.Boolean(),  # the leg market is in the instruments passed
    "legs_source": pl.String(),  # mve_selected_legs | custom_strike | null
    "legs_error": pl.String(),  # why the parlay or this leg could not be read; null when fine
    "legs_conflict": pl.String(),  # mve_selected_legs and custom_strike disagree (the former is used)
}

DESCRIPTION_SCHEMA: dict[str, pl.DataType] = {
    "parlay_ticker": pl.String(),
    "n_legs": pl.UInt32(),
    "n_known": pl.UInt32(),
    "description": pl.String(),  # "yes Toronto wins + no Over 220.5 points scored (...)"; null: no legs
    "legs_error": pl.String(),  # "; "-joined distinct errors of the parlay's rows
    "legs_conflict": pl.String(),
}

# A JSON string, scalar value, flat object and a list of flat objects (the well-formed fast path).
_STR = r'"(?:[^"\\]|\\.)*"'
_VAL = rf"(?:{_STR}|null|true|false|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
_OBJ = rf"\{{\s*(?:{_STR}\s*:\s*{_VAL}\s*(?:,\s*{_STR}\s*:\s*{_VAL}\s*)*)?\}}"
_LIST_OF_OBJECTS = rf"^\s*\[\s*(?:{_OBJ}\s*(?:,\s*{_OBJ}\s*)*)?\]\s*$"
_EMPTY_LEGS = ("", "null", "[]")
_MVE_SERIES = r"^KXMVE"
_SUBJECT_FAMILIES = r"^(?:weather_|crypto_|economic_threshold|financial_threshold|poll_threshold)"


def _field_pattern(key: str) -> str:
    return rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"'


def _json_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``column`` as JSON text whatever it holds: text as is, structs/lists encoded, Python objects dumped."""
    if column not in frame.columns:
        return pl.lit(None, pl.String).alias(column)
    dtype = frame.schema[column]
    col = pl.col(column)
    if dtype == pl.String:
        return col
    if dtype == pl.Null:
        return pl.lit(None, pl.String).alias(column)
    if isinstance(dtype, pl.Struct):
        return col.struct.json_encode().alias(column)
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        inner = col.list.eval(pl.element().struct.json_encode()).list.join(",")
        return pl.when(col.is_not_null()).then(pl.lit("[") + inner + pl.lit("]")).alias(column)
    # Object (decoded JSON straight from Python) or anything else: one dump per value.
    return col.map_elements(_dump, return_dtype=pl.String, skip_nulls=True).alias(column)


def _dump(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, pl.Series):
        value = value.to_list()
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def _split(expr: pl.Expr) -> pl.Expr:
    """A comma-joined list -> list of trimmed non-empty items (null stays null)."""
    return expr.str.split(",").list.eval(_blank_to_null(pl.element())).list.drop_nulls()


def _parlays(markets: pl.DataFrame) -> pl.DataFrame:
    if "ticker" not in markets.columns:
        raise ValueError("markets needs a ticker column")

    def text(name: str) -> pl.Expr:
        if name in markets.columns and markets.schema[name] != pl.Null:
            return _blank_to_null(pl.col(name)).alias(name)
        return pl.lit(None, pl.String).alias(name)

    m = markets.select(
        pl.col("ticker").cast(pl.String).alias("parlay_ticker"),
        text("event_ticker").alias("parlay_event_ticker"),
        text("mve_collection_ticker"),
        _json_text(markets, "mve_selected_legs").alias("_legs"),
        _json_text(markets, "custom_strike").alias("_cs"),
    ).with_columns(pl.col("_legs").str.strip_chars(), pl.col("_cs").str.strip_chars())
    has_legs = pl.col("_legs").is_not_null() & ~pl.col("_legs").is_in(_EMPTY_LEGS)
    cs_markets = pl.col("_cs").str.extract(_field_pattern("Associated Markets"), 1)
    is_parlay = (
        pl.col("mve_collection_ticker").is_not_null()
        | has_legs
        | pl.col("parlay_ticker").str.contains(_MVE_SERIES).fill_null(False)
        | pl.col("parlay_event_ticker").str.contains(_MVE_SERIES).fill_null(False)
        | cs_markets.is_not_null()
    )
    m = m.filter(is_parlay & pl.col("parlay_ticker").is_not_null()).unique(
        "parlay_ticker", keep="last", maintain_order=True)
    return m.with_columns(
        has_legs.alias("_has_legs"),
        _split(cs_markets).alias("_cs_markets"),
        _split(pl.col("_cs").str.extract(_field_pattern("Associated Market Sides"), 1)).alias("_cs_sides"),
        _split(pl.col("_cs").str.extract(_field_pattern("Associated Events"), 1)).alias("_cs_events"),
    )


_RAW_LEG_SCHEMA: dict[str, pl.DataType] = {
    "parlay_ticker": pl.String(),
    "leg_index": pl.Int32(),
    "_ev": pl.String(),
    "_mk": pl.String(),
    "_side": pl.String(),
    "legs_source": pl.String(),
    "legs_error": pl.String(),
}


def _selected_fast(rows: pl.DataFrame) -> pl.DataFrame:
    """Well-formed ``mve_selected_legs`` text: objects extracted and read by regex (vectorised)."""
    if rows.is_empty():
        return pl.DataFrame(schema=_RAW_LEG_SCHEMA)
    objs = rows.select(
        "parlay_ticker", pl.col("_legs").str.extract_all(_OBJ).alias("_obj")
    ).explode("_obj").filter(pl.col("_obj").is_not_null())
    objs = objs.with_columns(pl.int_range(pl.len()).over("parlay_ticker").cast(pl.Int32).alias("leg_index"))

    def field(key: str) -> pl.Expr:
        return pl.col("_obj").str.extract(_field_pattern(key), 1)

    return objs.select(
        "parlay_ticker",
        "leg_index",
        field("event_ticker").alias("_ev"),
        field("market_ticker").alias("_mk"),
        field("side").alias("_side"),
        pl.lit("mve_selected_legs").alias("legs_source"),
        pl.lit(None, pl.String).alias("legs_error"),
    )


def _selected_slow(rows: pl.DataFrame) -> pl.DataFrame:
    """``mve_selected_legs`` text the fast path does not recognise: decoded one by one; what is not a
    list of objects becomes one error row for the parlay. Only these (rare) rows take this path."""
    out: list[dict] = []
    for parlay, text in rows.select("parlay_ticker", "_legs").iter_rows():
        snippet = text if len(text) <= 80 else text[:77] + "..."
        try:
            legs = json.loads(text)
        except ValueError as exc:
            out.append(_error_row(parlay, f"mve_selected_legs is not valid JSON ({exc.msg}): {snippet}"))
            continue
        if not isinstance(legs, list):
            out.append(_error_row(parlay, f"mve_selected_legs is not a list of legs: {snippet}"))
            continue
        if not legs:
            out.append(_error_row(parlay, "mve_selected_legs is empty"))
            continue
        for i, leg in enumerate(legs):
            if not isinstance(leg, dict):
                out.append({"parlay_ticker": parlay, "leg_index": i, "_ev": None, "_mk": None, "_side": None,
                            "legs_source": "mve_selected_legs",
                            "legs_error": f"leg {i}: not an object: {str(leg)[:60]}"})
                continue

            def text_of(key: str, leg: dict = leg) -> str | None:
                value = leg.get(key)
                return value if isinstance(value, str) else None

            out.append({"parlay_ticker": parlay, "leg_index": i, "_ev": text_of("event_ticker"),
                        "_mk": text_of("market_ticker"), "_side": text_of("side"),
                        "legs_source": "mve_selected_legs", "legs_error": None})
    return pl.DataFrame(out, schema=_RAW_LEG_SCHEMA)


def _error_row(parlay: str, reason: str) -> dict:
    return {"parlay_ticker": parlay, "leg_index": None, "_ev": None, "_mk": None, "_side": None,
            "legs_source": None, "legs_error": reason}


def _from_custom_strike(rows: pl.DataFrame) -> pl.DataFrame:
    """Legs from ``custom_strike``'s comma lists (markets, sides, events zipped by position)."""
    if rows.is_empty():
        return pl.DataFrame(schema=_RAW_LEG_SCHEMA)
    ok = rows.filter(pl.col("_cs_markets").list.len() > 0)
    missing = rows.filter(pl.col("_cs_markets").list.len().fill_null(0) == 0).select(
        "parlay_ticker",
        pl.lit(None, pl.Int32).alias("leg_index"),
        pl.lit(None, pl.String).alias("_ev"),
        pl.lit(None, pl.String).alias("_mk"),
        pl.lit(None, pl.String).alias("_side"),
        pl.lit(None, pl.String).alias("legs_source"),
        pl.lit("no legs: mve_selected_legs is missing or empty and custom_strike has no Associated Markets")
        .alias("legs_error"),
    )
    n = pl.col("_cs_markets").list.len()
    ok = ok.with_columns(
        pl.int_ranges(0, n, dtype=pl.Int32).alias("leg_index"),
        # Events are positional only when the list is as long as the markets'; else the ticker says.
        pl.when(pl.col("_cs_events").list.len() == n).then(pl.col("_cs_events")).alias("_cs_events"),
        (pl.col("_cs_sides").list.len().fill_null(0) != n).alias("_sides_mismatch"),
        pl.col("_cs_sides").list.len().fill_null(0).alias("_n_sides"),
        n.alias("_n_markets"),
    )
    legs = ok.explode(["_cs_markets", "leg_index"]).with_columns(
        pl.col("_cs_sides").list.get(pl.col("leg_index"), null_on_oob=True).alias("_side"),
        pl.col("_cs_events").list.get(pl.col("leg_index"), null_on_oob=True).alias("_ev"),
    )
    mismatch = pl.when(pl.col("_sides_mismatch")).then(
        pl.format("custom_strike lists {} markets but {} sides", pl.col("_n_markets"), pl.col("_n_sides")))
    legs = legs.select(
        "parlay_ticker",
        "leg_index",
        "_ev",
        pl.col("_cs_markets").alias("_mk"),
        "_side",
        pl.lit("custom_strike").alias("legs_source"),
        mismatch.alias("legs_error"),
    )
    return pl.concat([legs, missing], how="vertical_relaxed")


def parlay_legs(markets: pl.DataFrame, instruments: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per (parlay_ticker, leg_index) of every parlay in ``markets`` (:data:`LEG_SCHEMA`).

    ``markets``: raw.kalshi_markets rows (ticker, event_ticker, mve_collection_ticker,
    mve_selected_legs, custom_strike; the last two as JSON text, or decoded lists/dicts); non-parlay
    markets are ignored. ``instruments``: the instrument master, to label known legs. Which source wins,
    what counts as a parlay and how errors show: see the module docstring. Sorted by parlay, leg.
    """
    p = _parlays(markets)
    if p.is_empty():
        return pl.DataFrame(schema=LEG_SCHEMA)
    selected = p.filter(pl.col("_has_legs"))
    well_formed = pl.col("_legs").str.contains(_LIST_OF_OBJECTS)
    fast = _selected_fast(selected.filter(well_formed))
    slow = _selected_slow(selected.filter(~well_formed))
    # A well-formed but empty list ("[ ]") yields nothing on the fast path: use custom_strike then.
    read = pl.concat([fast, slow], how="vertical_relaxed")
    fallback = p.filter(~pl.col("parlay_ticker").is_in(read.get_column("parlay_ticker").implode()))
    legs = pl.concat([read, _from_custom_strike(fallback)], how="vertical_relaxed")

    legs = legs.with_columns(
        _blank_to_null(pl.col("_mk")).alias("_mk"),
        _blank_to_null(pl.col("_ev")).alias("_ev"),
        _blank_to_null(pl.col("_side")).str.to_lowercase().alias("_side_raw"),
    )
    side_ok = pl.col("_side_raw").is_in(SIDES).fill_null(False)
    leg_no = pl.format("leg {}", pl.col("leg_index"))
    leg_issue = pl.concat_list(
        pl.when(pl.col("leg_index").is_not_null() & pl.col("_mk").is_null()).then(
            leg_no + pl.lit(": no market_ticker")),
        pl.when(pl.col("leg_index").is_not_null() & ~side_ok).then(
            leg_no + pl.lit(": side ") + pl.coalesce(pl.lit("'") + pl.col("_side_raw") + pl.lit("'"), pl.lit("missing"))
            + pl.lit(" is not yes or no")),
        pl.col("legs_error"),
    ).list.drop_nulls()
    legs = legs.with_columns(
        pl.when(side_ok).then(pl.col("_side_raw")).alias("side"),
        pl.when(leg_issue.list.len() > 0).then(leg_issue.list.join("; ")).alias("legs_error"),
    )
    legs = _with_events_and_labels(legs, instruments)
    legs = legs.join(_conflicts(p), on="parlay_ticker", how="left")
    legs = legs.join(p.select("parlay_ticker", "parlay_event_ticker", "mve_collection_ticker"), on="parlay_ticker",
                     how="left")
    return legs.sort(["parlay_ticker", "leg_index"], nulls_last=True).select(
        [pl.col(c).cast(dt) for c, dt in LEG_SCHEMA.items()])


def _conflicts(p: pl.DataFrame) -> pl.DataFrame:
    """Parlays whose mve_selected_legs and custom_strike name different markets."""
    both = p.filter(pl.col("_has_legs") & (pl.col("_cs_markets").list.len() > 0))
    if both.is_empty():
        return pl.DataFrame(schema={"parlay_ticker": pl.String, "legs_conflict": pl.String})
    sel = both.select(
        "parlay_ticker",
        pl.col("_legs").str.extract_all(_field_pattern("market_ticker")).list.eval(
            pl.element().str.extract(_field_pattern("market_ticker"), 1)).alias("_sel"),
        "_cs_markets",
    )
    differ = pl.col("_sel").list.sort() != pl.col("_cs_markets").list.sort()
    return sel.filter(differ).select(
        "parlay_ticker",
        pl.format(
            "mve_selected_legs names {} leg(s) ({}), custom_strike {} ({}); mve_selected_legs used",
            pl.col("_sel").list.len(), pl.col("_sel").list.join(","),
            pl.col("_cs_markets").list.len(), pl.col("_cs_markets").list.join(","),
        ).alias("legs_conflict"),
    )


def _with_events_and_labels(legs: pl.DataFrame, instruments: pl.DataFrame | None) -> pl.DataFrame:
    """leg_event_ticker (given, else from the ticker), leg_label and leg_known."""
    tickers = legs.get_column("_mk").drop_nulls().unique()
    parsed = parse_tickers(tickers, kind="market", resolve=False).select(
        pl.col("ticker").alias("_mk"),
        pl.col("event_ticker").alias("_p_event"),
        pl.col("family").alias("_p_family"),
        pl.col("player_code").alias("_p_player"),
        pl.col("away_code").alias("_p_away"),
        pl.col("home_code").alias("_p_home"),
    ).unique("_mk")
    legs = legs.join(parsed, on="_mk", how="left")
    legs = legs.with_columns(pl.coalesce(pl.col("_ev"), pl.col("_p_event")).alias("leg_event_ticker"),
                             pl.col("_mk").alias("leg_market_ticker"))

    label_cols = ("outcome_label", "display_name", "short_name", "family", "subcategory", "away_name", "home_name")
    known = _label_frame(instruments, label_cols) if instruments is not None else None
    if known is None or known.is_empty():
        known = pl.DataFrame(schema={"_mk": pl.String, **{f"_i_{c}": pl.String for c in label_cols}})
    known = known.filter(pl.col("_mk").is_in(tickers))
    unknown = tickers.filter(~tickers.is_in(known.get_column("_mk")))
    guessed = (
        _label_frame(build_instruments(pl.DataFrame({"ticker": unknown}, schema={"ticker": pl.String})),
                     label_cols, prefix="_g_")
        if len(unknown) else
        pl.DataFrame(schema={"_mk": pl.String, **{f"_g_{c}": pl.String for c in label_cols}})
    )
    legs = legs.join(known.with_columns(pl.lit(True).alias("_known")), on="_mk", how="left").join(
        guessed, on="_mk", how="left")

    def pick(name: str) -> pl.Expr:
        return pl.when(pl.col("_known")).then(pl.col(f"_i_{name}")).otherwise(pl.col(f"_g_{name}"))

    base = pl.coalesce(
        _blank_to_null(pick("outcome_label")), _blank_to_null(pick("display_name")),
        _blank_to_null(pick("short_name")), pl.col("_mk"),
    )
    family = pl.coalesce(pick("family"), pl.col("_p_family"))
    # Props known only by ticker: the parse knows the player (LMARKKANEN23 -> L. Markkanen).
    player = pl.col("_p_player").str.replace(r"\d+$", "")
    player_name = pl.when(player.str.len_chars() >= 2).then(
        player.str.slice(0, 1) + pl.lit(". ") + player.str.slice(1, 1) + player.str.slice(2).str.to_lowercase())
    with_player = pl.when(~pl.col("_known").fill_null(False) & (family == "player_prop")
                          & player_name.is_not_null()).then(player_name + pl.lit(" ") + base)
    game = pl.coalesce(
        pl.when(pick("away_name").is_not_null() & pick("home_name").is_not_null()).then(
            pick("away_name") + pl.lit(" at ") + pick("home_name")),
        pl.when(pl.col("_p_away").is_not_null()).then(pl.col("_p_away") + pl.lit("@") + pl.col("_p_home")),
    )
    with_game = pl.when((family == "sports_total") & game.is_not_null()).then(
        base + pl.lit(" (") + game + pl.lit(")"))
    # Lines and brackets read better with what they measure: "Miami high 88° to 89°", "Bitcoin $90,000 or above".
    subject = _blank_to_null(pick("subcategory")) + pl.when(family == "weather_high").then(pl.lit(" high")).when(
        family == "weather_low").then(pl.lit(" low")).otherwise(pl.lit(""))
    with_subject = pl.when(family.str.contains(_SUBJECT_FAMILIES) & subject.is_not_null()
                           & ~base.str.contains(pick("subcategory"), literal=True)).then(subject + pl.lit(" ") + base)
    label = pl.when(pl.col("_mk").is_not_null()).then(pl.coalesce(with_player, with_game, with_subject, base))
    return legs.with_columns(label.alias("leg_label"), pl.col("_known").fill_null(False).alias("leg_known"))


def _label_frame(frame: pl.DataFrame, columns: tuple[str, ...], prefix: str = "_i_") -> pl.DataFrame | None:
    if frame is None or "ticker" not in frame.columns:
        return None
    return frame.select(
        pl.col("ticker").cast(pl.String).alias("_mk"),
        *[
            (pl.col(c).cast(pl.String) if c in frame.columns and frame.schema[c] != pl.Null
             else pl.lit(None, pl.String)).alias(f"{prefix}{c}")
            for c in columns
        ],
    ).filter(pl.col("_mk").is_not_null()).unique("_mk", keep="last")


def parlay_descriptions(legs: pl.DataFrame) -> pl.DataFrame:
    """One row per parlay of ``legs`` (:func:`parlay_legs` output): ``n_legs``, ``n_known`` and a
    description, each leg as ``side + " " + leg_label`` in leg order joined by " + " ("yes Toronto wins +
    no Over 220.5 points scored (Miami at Atlanta)"); a leg without a valid side reads "?". Parlays
    whose legs could not be read keep their row with a null description and the reason in
    ``legs_error``."""
    if legs.is_empty():
        return pl.DataFrame(schema=DESCRIPTION_SCHEMA)
    ordered = legs.sort(["parlay_ticker", "leg_index"], nulls_last=True)
    is_leg = pl.col("leg_index").is_not_null()
    text = pl.coalesce(pl.col("side"), pl.lit("?")) + pl.lit(" ") + pl.coalesce(
        pl.col("leg_label"), pl.col("leg_market_ticker"), pl.lit("(unknown leg)"))
    out = ordered.group_by("parlay_ticker", maintain_order=True).agg(
        is_leg.sum().cast(pl.UInt32).alias("n_legs"),
        (is_leg & pl.col("leg_known").fill_null(False)).sum().cast(pl.UInt32).alias("n_known"),
        text.filter(is_leg).alias("_parts"),
        pl.col("legs_error").drop_nulls().unique(maintain_order=True).alias("_errors"),
        pl.col("legs_conflict").drop_nulls().first().alias("legs_conflict"),
    )
    return out.with_columns(
        pl.when(pl.col("_parts").list.len() > 0).then(pl.col("_parts").list.join(" + ")).alias("description"),
        pl.when(pl.col("_errors").list.len() > 0).then(pl.col("_errors").list.join("; ")).alias("legs_error"),
    ).select([pl.col(c).cast(dt) for c, dt in DESCRIPTION_SCHEMA.items()])
