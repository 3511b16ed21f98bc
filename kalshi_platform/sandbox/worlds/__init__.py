"""World families. ``default_families()`` is the universe the exchange serves unless told otherwise.

To plug in a family (BTC, weather, NBA props...): implement ``Family`` from ``worlds.base`` (a
``name``, ``build(builder)`` and ``routes(world)``), then pass ``families=[*default_families(), Mine()]``
to ``KalshiWorld`` / ``SandboxExchange`` or replace a default one by name with ``replace_family``.
Parlay families go last: they pick their legs from the markets already built.
"""

from __future__ import annotations

from collections.abc import Sequence

from kalshi_platform.sandbox.worlds.base import (
    BaseFamily,
    EventDef,
    Family,
    MarketDef,
    SeriesDef,
    WorldBuilder,
)


def default_families() -> list[Family]:
    from kalshi_platform.sandbox.worlds import climate, crypto, culture, economics, mve, nba_props, politics, sports

    return [
        *sports.families(),
        *nba_props.families(),
        *politics.families(),
        *economics.families(),
        *climate.families(),
        *crypto.families(),
        *culture.families(),
        *mve.families(),
    ]


def replace_family(families: Sequence[Family], new: Family) -> list[Family]:
    """The list with the family of the same name swapped for ``new`` (appended, before parlays, if absent)."""
    out = [new if f.name == new.name else f for f in families]
    if all(f.name != new.name for f in families):
        first_mve = next((k for k, f in enumerate(out) if f.name.startswith("mve")), len(out))
        out.insert(first_mve, new)
    return out


__all__ = ["BaseFamily", "EventDef", "Family", "MarketDef", "SeriesDef", "WorldBuilder", "default_families",
           "replace_family"]
