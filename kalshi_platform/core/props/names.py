"""One ``player_lookup`` key for a player however a source spells the name.

Kalshi titles, sportsbooks and stat feeds write the same player differently: "Nikola Jokić" /
"Nikola Jokic", "Jaren Jackson Jr." / "Jaren Jackson", "P.J. Washington" / "PJ Washington",
"Cam Thomas" / "Cameron Thomas". The key is built in steps, all vectorised (polars string kernels):

1. letters outside Unicode decomposition (ø, ł, đ, ß, æ, œ, ı) are spelled out, then NFKD splits
   accents from their letters and the marks are dropped;
2. lower case; hyphens become spaces; every other character that is not a letter, digit or space
   (apostrophes, periods, commas) is removed;
3. a trailing generational suffix (jr, sr, ii, iii, iv, v) is dropped when at least two name words
   precede it, so "Lonnie Walker IV" and "Lonnie Walker" meet but a one-word name keeps its last word;
4. spaces are removed;
5. known variants (nicknames, transliterations) are mapped to one canonical key.

Whatever does not meet its counterpart after that is reported as unmatched by ``match_players``;
nothing is dropped silently.
"""

from __future__ import annotations

import polars as pl

# Letters NFKD leaves whole: spell them out before decomposing.
_SPELLED = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE",
            "œ": "oe", "Œ": "OE", "ı": "i", "ð": "d", "þ": "th"}

SUFFIXES = ("jr", "sr", "ii", "iii", "iv", "v")

# Variant key -> canonical key, for names no spelling rule can join: nicknames and transliterations.
# Both sides pass through this map, so it only needs one entry per variant.
KNOWN_ALIASES: dict[str, str] = {
    # nicknames
    "camthomas": "cameronthomas",
    "camjohnson": "cameronjohnson",
    "camreddish": "cameronreddish",
    "nicclaxton": "nicolasclaxton",
    "nickclaxton": "nicolasclaxton",
    "herbjones": "herbertjones",
    "moewagner": "moritzwagner",
    "bubcarrington": "carltoncarrington",
    "ludort": "luguentzdort",
    "stephcurry": "stephencurry",
    "boneshyland": "nahshonhyland",
    "mobamba": "mohamedbamba",
    "kjmartin": "kenyonmartin",
    "ggjackson": "gregoryjackson",
    "scottypippen": "scottiepippen",
    "michaelconley": "mikeconley",
    # transliterations (German umlaut as e, Cyrillic spellings)
    "jakobpoeltl": "jakobpoltl",
    "dennisschroeder": "dennisschroder",
    "alperensenguen": "alperensengun",
    "egordyomin": "egordemin",
}


def player_lookup_expr(name: pl.Expr) -> pl.Expr:
    """The lookup key of a name column (null stays null; a name with no letters gives null)."""
    text = name.cast(pl.String)
    for letter, spelled in _SPELLED.items():
        text = text.str.replace_all(letter, spelled, literal=True)
    text = (
        text.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[-‐‑–—_/]", " ")
        .str.replace_all(r"[^a-z0-9 ]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    suffix = "|".join(SUFFIXES)
    # Two or more words before the suffix: "lonnie walker iv" -> "lonnie walker"; "v" alone stays.
    text = text.str.replace(rf"^(\S+(?: \S+)+) (?:{suffix})$", "${1}")
    key = text.str.replace_all(" ", "", literal=True)
    key = pl.when(key.str.len_chars() > 0).then(key)
    return key.replace(KNOWN_ALIASES)


def player_lookup(name: str | None) -> str | None:
    """Scalar form of :func:`player_lookup_expr` (the same kernels, so both always agree)."""
    if name is None:
        return None
    return pl.select(player_lookup_expr(pl.lit(name, dtype=pl.String))).item()


def lookup_column(frame: pl.DataFrame, name_column: str, out: str = "player_lookup") -> pl.DataFrame:
    """Add the key of ``name_column`` as ``out``, computing it once per distinct name."""
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias(out))
    names = frame.select(pl.col(name_column).unique().alias("__name"))
    keys = names.with_columns(player_lookup_expr(pl.col("__name")).alias(out))
    return frame.join(keys, left_on=name_column, right_on="__name", how="left", nulls_equal=True)


MATCH_SCHEMA = {
    "game_id": pl.String(),
    "player_lookup": pl.String(),
    "kalshi_names": pl.List(pl.String()),
    "sportsbook_names": pl.List(pl.String()),
    "match_status": pl.String(),  # matched | kalshi_only | sportsbook_only
}


def match_players(kalshi: pl.DataFrame, sportsbook: pl.DataFrame) -> pl.DataFrame:
    """Players per game on either side, joined on ``player_lookup``.

    Both inputs carry ``game_id``, ``player_name`` and ``player_lookup``. One row per (game, key) in
    the union, with every raw spelling seen on each side and ``match_status``; rows that are not
    ``matched`` are the unmatched players a user must see.
    """

    def names(frame: pl.DataFrame, out: str) -> pl.DataFrame:
        if frame.is_empty():
            return pl.DataFrame(schema={"game_id": pl.String, "player_lookup": pl.String, out: pl.List(pl.String)})
        return (
            frame.filter(pl.col("player_lookup").is_not_null())
            .group_by("game_id", "player_lookup")
            .agg(pl.col("player_name").unique().sort().alias(out))
        )

    k = names(kalshi, "kalshi_names")
    s = names(sportsbook, "sportsbook_names")
    joined = k.join(s, on=["game_id", "player_lookup"], how="full", coalesce=True)
    status = (
        pl.when(pl.col("kalshi_names").is_not_null() & pl.col("sportsbook_names").is_not_null())
        .then(pl.lit("matched"))
        .when(pl.col("kalshi_names").is_not_null())
        .then(pl.lit("kalshi_only"))
        .otherwise(pl.lit("sportsbook_only"))
    )
    return (
        joined.with_columns(status.alias("match_status"))
        .select(list(MATCH_SCHEMA))
        .sort("game_id", "player_lookup")
    )
