"""NBA player prop ladders (KXNBAPTS, KXNBAREB, KXNBAAST, KXNBA3PT, KXNBABLK, KXNBASTL) and The Odds API.

Real format (2026): event ``KXNBAPTS-26APR26CLETOR`` "Cleveland at Toronto: Points" ("CLE vs TOR (Apr
26)"); one market per player and threshold, ``KXNBAPTS-26APR26CLETOR-TORSBARNES4-10`` "Scottie Barnes:
10+ points", yes/no sub-title "Scottie Barnes: 10+", ``strike_type`` structured with ``floor_strike``
9.5 and ``custom_strike`` {basketball_player, basketball_team}, rules "If Scottie Barnes records 10+
Points in the Cleveland vs Toronto professional basketball game originally scheduled for Apr 26, 2026,
then the market resolves to Yes.".

Games, players and box scores come from ``nba_league`` (the same games as KXNBAGAME). A ladder's truth
is the player's stat distribution; it settles on the box score, whose number is the market's
``expiration_value``. Ladders exist for tonight and the night before (every stat) and the night before
that (points), settled ones serving calibration; they open 22 hours before tip-off and close when the
game ends. The family also mounts The Odds API
v4 (``sandbox.odds_api``) on the exchange, quoting the same players.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kalshi_platform.sandbox.worlds.base import DAY, HOUR, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder
from kalshi_platform.sandbox.worlds.nba_league import SHORT, game_players, nba_schedule, thresholds

if TYPE_CHECKING:  # pragma: no cover
    from kalshi_platform.sandbox.routes import Route
    from kalshi_platform.sandbox.world import KalshiWorld

# series, stat, word in titles, word in rules, series title
PROP_SERIES = (
    ("KXNBAPTS", "points", "points", "Points", "Pro Basketball Player Points"),
    ("KXNBAREB", "rebounds", "rebounds", "Rebounds", "Pro Basketball Player Rebounds"),
    ("KXNBAAST", "assists", "assists", "Assists", "Pro Basketball Player Assists"),
    ("KXNBA3PT", "threes", "threes", "3-pointers made", "Pro Basketball Player 3-Pointers"),
    ("KXNBABLK", "blocks", "blocks", "Blocks", "Pro Basketball Player Blocks"),
    ("KXNBASTL", "steals", "steals", "Steals", "Pro Basketball Player Steals"),
)
# Ladders open 22 hours before tip-off (so a night's are trading all day) and close at the final
# buzzer. The world knows its day, not its hour: from 7 PM to midnight ET (00:00-05:00 UTC) the night
# being played is the previous UTC day's, so that night keeps every stat too. Older nights keep their
# points ladders, settled, for calibration. Past ladders keep the 3 rungs nearest 50% (tonight's 3-5),
# so the universe stays mostly trading markets, as Kalshi's is.
FULL_NIGHTS = (-1, 0)
POINTS_NIGHTS = (-2,)
PAST_RUNGS = 3
OPEN_BEFORE_TIP_S = 22 * HOUR


class NbaPlayerProps(BaseFamily):
    name = "nba_props"

    def __init__(self, full_nights: tuple[int, ...] = FULL_NIGHTS, points_nights: tuple[int, ...] = POINTS_NIGHTS,
                 past_rungs: int = PAST_RUNGS) -> None:
        self.full_nights = full_nights
        self.points_nights = points_nights
        self.past_rungs = past_rungs

    def build(self, b: WorldBuilder) -> None:
        for series, _stat, _word, _rules_word, title in PROP_SERIES:
            b.add_series(SeriesDef(
                ticker=series, title=title, category="Sports", tags=["Basketball", "Player Props"],
                frequency="custom", settlement_sources=[{"name": "NBA", "url": "https://www.nba.com"}],
                contract_url="https://assets.kalshi.com/regulatory/product-certifications/NBAPLAYERPROPS.pdf",
                contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NBAPLAYERPROPS.pdf",
                fee_type="quadratic", fee_multiplier=1,
            ))
        schedule = nba_schedule(b.seed, b.anchor_ts, b.scale)
        for game in schedule.games:
            if game.night in self.full_nights or game.night in self.points_nights:
                self._game(b, game, schedule.team_uuids)

    def _game(self, b: WorldBuilder, game, team_uuids: dict[str, str]) -> None:
        lines = game_players(b.seed, game)
        away, home = SHORT[game.away], SHORT[game.home]
        date = game.nice_date
        short_date = date.rsplit(",", 1)[0]
        open_ts = game.start_ts - OPEN_BEFORE_TIP_S
        for series, stat, word, rules_word, _title in PROP_SERIES:
            if game.night not in self.full_nights and series != "KXNBAPTS":
                continue
            markets: list[MarketDef] = []
            listed = [pl for pl in lines if pl.stat == stat and pl.kalshi]
            most = 5 if game.night >= 0 else self.past_rungs
            for line, ladder in zip(listed, thresholds(listed, most=most), strict=True):
                player = line.player
                for t, p_yes in ladder:
                    m = MarketDef(
                        ticker=f"{series}-{game.code}-{player.code}-{t}",
                        title=f"{player.name}: {t}+ {word}",
                        yes_sub_title=f"{player.name}: {t}+",
                        no_sub_title=f"{player.name}: {t}+",
                        rules_primary=(
                            f"If {player.name} records {t}+ {rules_word} in the {away} vs {home} professional "
                            f"basketball game originally scheduled for {date}, then the market resolves to Yes."
                        ),
                        rules_secondary=(
                            f"The market refers to {player.name}'s official {rules_word.lower()} total in the game, "
                            "overtime included, per the league's official box score. If the game is postponed, "
                            "the market stays open and closes after the rescheduled game (within two weeks)."
                        ),
                        open_ts=open_ts,
                        close_ts=game.end_ts,
                        expected_expiration_ts=game.end_ts + HOUR,
                        latest_expiration_ts=game.start_ts + 14 * DAY,
                        strike_type="structured",
                        floor_strike=t - 0.5,
                        custom_strike={"basketball_player": line.uuid, "basketball_team": team_uuids[player.team]},
                        early_close_condition="This market will close and expire early after the game ends.",
                        p=min(0.998, max(0.002, p_yes)),
                        outcome=line.value >= t,
                        expiration_value=str(line.value),
                    )
                    markets.append(m)
            if not markets:
                continue
            b.add_event(EventDef(
                event_ticker=f"{series}-{game.code}", series_ticker=series,
                title=f"{away} at {home}: {rules_word if stat != 'threes' else 'Threes'}",
                sub_title=f"{game.away} vs {game.home} ({short_date})", mutually_exclusive=False,
                product_metadata={"competition": "Pro Basketball (M)", "competition_scope": "Player Props"},
            ), markets)

    def routes(self, world: KalshiWorld) -> Iterable[Route]:
        from kalshi_platform.sandbox.odds_api import OddsApi

        return OddsApi(world).routes()


def families() -> list[BaseFamily]:
    return [NbaPlayerProps()]
