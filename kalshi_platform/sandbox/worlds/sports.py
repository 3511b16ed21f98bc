"""Sports: NBA/NFL/college basketball games with spreads and totals, and season champions."""

from __future__ import annotations

from kalshi_platform.sandbox.worlds.base import DAY, HOUR, BaseFamily, EventDef, MarketDef, SeriesDef, WorldBuilder
from kalshi_platform.sandbox.worlds.nba_league import TEAMS as NBA_TEAMS
from kalshi_platform.sandbox.worlds.nba_league import nba_schedule

# The NBA's games come from the one schedule every NBA family shares (``worlds.nba_league``).
NBA = [(code, short) for code, short, _full in NBA_TEAMS]
NFL = [
    ("ARI", "Arizona"), ("ATL", "Atlanta"), ("BAL", "Baltimore"), ("BUF", "Buffalo"), ("CAR", "Carolina"),
    ("CHI", "Chicago"), ("CIN", "Cincinnati"), ("CLE", "Cleveland"), ("DAL", "Dallas"), ("DEN", "Denver"),
    ("DET", "Detroit"), ("GB", "Green Bay"), ("HOU", "Houston"), ("IND", "Indianapolis"), ("JAC", "Jacksonville"),
    ("KC", "Kansas City"), ("LV", "Las Vegas"), ("LAC", "Los Angeles C"), ("LA", "Los Angeles R"), ("MIA", "Miami"),
    ("MIN", "Minnesota"), ("NE", "New England"), ("NO", "New Orleans"), ("NYG", "New York G"), ("NYJ", "New York J"),
    ("PHI", "Philadelphia"), ("PIT", "Pittsburgh"), ("SF", "San Francisco"), ("SEA", "Seattle"), ("TB", "Tampa Bay"),
    ("TEN", "Tennessee"), ("WAS", "Washington"),
]
NCAA = [
    ("DUKE", "Duke"), ("UNC", "North Carolina"), ("UK", "Kentucky"), ("KU", "Kansas"), ("GONZ", "Gonzaga"),
    ("UCLA", "UCLA"), ("ARIZ", "Arizona"), ("BAY", "Baylor"), ("HOU", "Houston"), ("PUR", "Purdue"),
    ("CONN", "UConn"), ("TENN", "Tennessee"), ("ALA", "Alabama"), ("AUB", "Auburn"), ("FLA", "Florida"),
    ("MICH", "Michigan"), ("MSU", "Michigan St."), ("ILL", "Illinois"), ("IU", "Indiana"), ("WIS", "Wisconsin"),
    ("ORE", "Oregon"), ("TTU", "Texas Tech"), ("TEX", "Texas"), ("ARK", "Arkansas"), ("MARQ", "Marquette"),
    ("CREI", "Creighton"), ("VILL", "Villanova"), ("XAV", "Xavier"), ("SDSU", "San Diego St."), ("SMC", "Saint Mary's"),
    ("UVA", "Virginia"), ("WRST", "Wright St."), ("GW", "George Washington"), ("UVU", "Utah Valley"),
    ("JOES", "Saint Joseph's"), ("CSU", "Colorado St."), ("UIC", "UIC"), ("CAL", "California"), ("DRKE", "Drake"),
    ("YALE", "Yale"), ("VAN", "Vanderbilt"), ("CLEM", "Clemson"), ("LOU", "Louisville"), ("MISS", "Ole Miss"),
    ("MSST", "Mississippi St."), ("BYU", "BYU"), ("ISU", "Iowa St."), ("SJU", "St. John's"),
]

NCAA_DISCLAIMER = (
    "Kalshi is not affiliated,  associated,  authorized, endorsed by, or in any way officially connected with the "
    "NCAA. All trademarks, logos, and brand names are the property of their respective owners."
)


def _game_rules_secondary(matchup: str, date: str, sport: str, tie_rule: bool) -> str:
    text = (
        f"The following market refers to the team who wins the {matchup} {sport} game originally scheduled for "
        f"{date}. If this game is postponed or delayed, the market will remain open and close after the rescheduled "
        "game has finished (within two weeks). If the cancelled game is not played or is rescheduled further than "
        "two weeks out, the market will resolve to a fair price for each team in accordance with the rules."
    )
    if tie_rule:
        text += " If the game is declared a tie, the market will resolve to 50/50 for both teams."
    return text


class LeagueGames(BaseFamily):
    """Head-to-head games of one league, optionally with spread and total ladders per game."""

    def __init__(self, name: str, series: str, league: str, sport: str, teams: list[tuple[str, str]],
                 team_key: str, *, games_per_slot: int, slot_days: int, past_slots: int, future_slots: int,
                 start_hour: int, duration_h: float, margin_sd: float, total_mu: float, total_sd: float,
                 spread_series: str | None = None, total_series: str | None = None, ladder_past_slots: int = 0,
                 competition: str = "", category: str = "Sports", open_days: int = 7) -> None:
        self.name = name
        self.series, self.league, self.sport, self.teams, self.team_key = series, league, sport, teams, team_key
        self.games_per_slot, self.slot_days = games_per_slot, slot_days
        self.past_slots, self.future_slots = past_slots, future_slots
        self.start_hour, self.duration_h = start_hour, duration_h
        self.margin_sd, self.total_mu, self.total_sd = margin_sd, total_mu, total_sd
        self.spread_series, self.total_series = spread_series, total_series
        self.ladder_past_slots = ladder_past_slots
        self.competition = competition or league
        self.category = category
        self.open_days = open_days

    def _series(self, b: WorldBuilder, ticker: str, title: str, tags: list[str]) -> None:
        b.add_series(SeriesDef(
            ticker=ticker, title=title, category=self.category, tags=tags, frequency="custom",
            settlement_sources=[{"name": "ESPN", "url": "https://www.espn.com"}],
            contract_url=f"https://assets.kalshi.com/regulatory/product-certifications/{self.league}GAME.pdf",
            contract_terms_url=f"https://kalshi-public-docs.s3.amazonaws.com/contract_terms/{self.league}GAME.pdf",
            fee_type="quadratic", fee_multiplier=1,
        ))

    def _all_series(self, b: WorldBuilder) -> None:
        self._series(b, self.series, f"{self.league} Game", [self.league, "Games"])
        if self.spread_series:
            self._series(b, self.spread_series, f"{self.league} Spread", [self.league, "Spreads"])
        if self.total_series:
            self._series(b, self.total_series, f"{self.league} Total Points", [self.league, "Totals"])

    def build(self, b: WorldBuilder) -> None:
        self._all_series(b)
        rating = {code: float(b.rng.normal(0, 4.5)) for code, _ in self.teams}
        uuids = {code: b.uuid() for code, _ in self.teams}
        future = self.future_slots * b.scale
        for slot in range(-self.past_slots, future + 1):
            day = slot * self.slot_days
            order = b.rng.permutation(len(self.teams))
            for g in range(min(self.games_per_slot, len(self.teams) // 2)):
                away, home = self.teams[order[2 * g]], self.teams[order[2 * g + 1]]
                start = b.day(day, self.start_hour, 30 * (g % 4))
                self._game(b, away, home, start, b.day(day), rating, uuids, ladders=slot >= -self.ladder_past_slots)

    def _game(self, b: WorldBuilder, away, home, start: int, local_day: int, rating, uuids, *, ladders: bool,
              margin: int | None = None, total: int | None = None, total_mu: float | None = None) -> None:
        """One game's markets; ``margin``/``total`` given by a shared schedule, else drawn here."""
        (ac, an), (hc, hn) = away, home
        # The ticker carries the local (US) game date, which late tip-offs push past UTC midnight.
        date = b.nice_date(local_day)
        code = f"{b.yymmmdd(local_day)}{ac}{hc}"
        event_ticker = f"{self.series}-{code}"
        matchup = f"{an} at {hn}"
        end = start + int(self.duration_h * HOUR)
        open_ts = start - self.open_days * DAY
        mu = rating[hc] - rating[ac] + 2.5  # home margin
        if margin is None:
            margin = round(float(b.rng.normal(mu, self.margin_sd)))
            if margin == 0:
                margin = 1 if b.rng.random() < 0.5 else -1
        winner_home = margin > 0
        early = "This market will close and expire after a winner is declared."
        sec = _game_rules_secondary(matchup, date, self.sport, self.league == "NFL")
        if self.league == "NCAAB":
            sec += " " + NCAA_DISCLAIMER
        markets = []
        for tc, tn, is_home in ((hc, hn, True), (ac, an, False)):
            m = MarketDef(
                ticker=f"{event_ticker}-{tc}", title=f"{matchup} Winner?", yes_sub_title=tn, no_sub_title=tn,
                rules_primary=f"If {tn} wins the {matchup} {self.sport} game originally scheduled for {date}, "
                              "then the market resolves to Yes.",
                rules_secondary=sec, open_ts=open_ts, close_ts=end, expected_expiration_ts=end + HOUR,
                latest_expiration_ts=start + 14 * DAY, strike_type="structured",
                custom_strike={self.team_key: uuids[tc]}, early_close_condition=early,
            )
            markets.append(m)
        from kalshi_platform.sandbox.worlds.base import norm_cdf

        p_home = norm_cdf(mu / self.margin_sd)
        markets[0].p, markets[0].outcome = p_home, winner_home
        markets[1].p, markets[1].outcome = 1 - p_home, not winner_home
        b.add_event(EventDef(
            event_ticker=event_ticker, series_ticker=self.series, title=matchup,
            sub_title=f"{ac} at {hc} ({date[:-6]})", mutually_exclusive=True, collateral_return_type="MECNET",
            product_metadata={"competition": self.competition, "competition_scope": "Game"},
        ), markets)
        if not ladders:
            return
        if self.spread_series:
            fav_home = mu >= 0
            fc, fn = (hc, hn) if fav_home else (ac, an)
            fav_margin = margin if fav_home else -margin
            fav_mu = abs(mu)
            base = max(1, int(round(fav_mu)))
            spread_markets = []
            for line in (base - 3, base, base + 3, base + 6):
                if line < 1:
                    continue
                strike = line - 0.5  # as on Kalshi: -SEA7 is "wins by over 6.5"
                spread_markets.append(MarketDef(
                    ticker=f"{self.spread_series}-{code}-{fc}{line}", title=f"{matchup}: Spread",
                    yes_sub_title=f"{fn} wins by over {strike} Points", no_sub_title=f"{fn} wins by over {strike} Points",
                    rules_primary=f"If {fn} wins the {matchup} {self.sport} game originally scheduled for {date} by "
                                  f"over {strike} points, then the market resolves to Yes.",
                    open_ts=open_ts, close_ts=end, expected_expiration_ts=end + HOUR,
                    latest_expiration_ts=start + 14 * DAY, strike_type="greater", floor_strike=strike,
                    early_close_condition=early,
                ))
            b.scalar(spread_markets, fav_mu, self.margin_sd, integer=True, value=float(fav_margin))
            b.add_event(EventDef(
                event_ticker=f"{self.spread_series}-{code}", series_ticker=self.spread_series,
                title=f"{matchup}: Spread", sub_title=f"{ac} at {hc} ({date[:-6]})", mutually_exclusive=False,
                product_metadata={"competition": self.competition, "competition_scope": "Spread"},
            ), spread_markets)
        if self.total_series:
            if total_mu is None or total is None:
                total_mu = self.total_mu + float(b.rng.normal(0, self.total_sd / 3))
                total = round(float(b.rng.normal(total_mu, self.total_sd)))
            mu_t = total_mu
            centre = int(round(mu_t / 5.0) * 5)
            total_markets = []
            for line in (centre - 10, centre - 5, centre, centre + 5, centre + 10):
                strike = line - 0.5  # as on Kalshi: -215 is "over 214.5 points"
                total_markets.append(MarketDef(
                    ticker=f"{self.total_series}-{code}-{line}", title=f"{matchup}: Total Points",
                    yes_sub_title=f"Over {strike} points scored", no_sub_title=f"Over {strike} points scored",
                    rules_primary=f"If {an} and {hn} combine to score over {strike} points in the {matchup} "
                                  f"{self.sport} game originally scheduled for {date}, then the market resolves to Yes.",
                    open_ts=open_ts, close_ts=end, expected_expiration_ts=end + HOUR,
                    latest_expiration_ts=start + 14 * DAY, strike_type="greater", floor_strike=strike,
                    early_close_condition=early,
                ))
            b.scalar(total_markets, mu_t, self.total_sd, integer=True, value=float(total))
            b.add_event(EventDef(
                event_ticker=f"{self.total_series}-{code}", series_ticker=self.total_series,
                title=f"{matchup}: Total Points", sub_title=f"{ac} at {hc} ({date[:-6]})", mutually_exclusive=False,
                product_metadata={"competition": self.competition, "competition_scope": "Total"},
            ), total_markets)


class NbaGames(LeagueGames):
    """The NBA's games from the shared schedule (``nba_league.nba_schedule``): the same games, tip-offs
    and results as the player prop ladders and The Odds API events, dated by the US night they are
    played (a 7:30 pm ET tip-off is 00:30 UTC the next day; the ticker keeps the US date)."""

    def build(self, b: WorldBuilder) -> None:
        self._all_series(b)
        schedule = nba_schedule(b.seed, b.anchor_ts, b.scale)
        for game in schedule.games:
            away, home = (game.away, dict(self.teams)[game.away]), (game.home, dict(self.teams)[game.home])
            self._game(b, away, home, game.start_ts, game.local_day_ts, schedule.ratings, schedule.team_uuids,
                       ladders=game.night >= -self.ladder_past_slots, margin=game.margin, total=game.total,
                       total_mu=game.total_mu)


class Champions(BaseFamily):
    """Season-long 'who wins the title' events: one market per team, exactly one settles YES."""

    def __init__(self, name: str, series: str, title: str, teams: list[tuple[str, str]], season_end_days: int,
                 question: str, tags: list[str], disclaimer: str = "") -> None:
        self.name, self.series_ticker, self.title, self.teams = name, series, title, teams
        self.season_end_days, self.question, self.tags, self.disclaimer = season_end_days, question, tags, disclaimer

    def build(self, b: WorldBuilder) -> None:
        b.add_series(SeriesDef(
            ticker=self.series_ticker, title=self.title, category="Sports", tags=self.tags, frequency="annual",
            settlement_sources=[{"name": "ESPN", "url": "https://www.espn.com"}],
            contract_url="https://assets.kalshi.com/regulatory/product-certifications/CHAMPIONSHIP.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/CHAMPIONSHIP.pdf",
        ))
        for season in range(b.scale):
            end = b.day(self.season_end_days + 365 * season, 3)
            yy = (b.dt(end).year) % 100
            event_ticker = f"{self.series_ticker}-{yy:02d}"
            open_ts = b.day(-200 + 365 * season)
            markets = [
                MarketDef(
                    ticker=f"{event_ticker}-{code}", title=self.question.format(team=name), yes_sub_title=name,
                    no_sub_title=name,
                    rules_primary=f"If {name} is the {self.title} for the {2000 + yy} season, then the market "
                                  "resolves to Yes.",
                    rules_secondary=self.disclaimer, open_ts=open_ts, close_ts=end, strike_type="structured",
                    custom_strike={"team": b.uuid()},
                    early_close_condition="This market will close and expire early after a result is declared.",
                )
                for code, name in self.teams
            ]
            b.categorical(markets, b.skewed_weights(len(markets)))
            b.add_event(EventDef(
                event_ticker=event_ticker, series_ticker=self.series_ticker, title=self.title,
                sub_title=f"{2000 + yy} season", mutually_exclusive=True, collateral_return_type="MECNET",
                product_metadata={"competition": self.tags[0], "competition_scope": "Season"},
            ), markets)


def families() -> list[BaseFamily]:
    return [
        NbaGames("nba", "KXNBAGAME", "NBA", "professional basketball", NBA, "basketball_team",
                    games_per_slot=5, slot_days=1, past_slots=16, future_slots=12, start_hour=0, duration_h=2.5,
                    margin_sd=12.0, total_mu=226.0, total_sd=18.0, spread_series="KXNBASPREAD",
                    total_series="KXNBATOTAL", ladder_past_slots=3, competition="NBA", open_days=10),
        LeagueGames("nfl", "KXNFLGAME", "NFL", "professional football", NFL, "football_team",
                    games_per_slot=14, slot_days=7, past_slots=3, future_slots=3, start_hour=18, duration_h=3.5,
                    margin_sd=13.5, total_mu=44.0, total_sd=10.0, spread_series="KXNFLSPREAD",
                    total_series="KXNFLTOTAL", ladder_past_slots=1, competition="NFL", open_days=16),
        LeagueGames("ncaamb", "KXNCAAMBGAME", "NCAAB", "men's college basketball", NCAA, "basketball_team",
                    games_per_slot=8, slot_days=1, past_slots=10, future_slots=12, start_hour=23, duration_h=2.5,
                    margin_sd=11.0, total_mu=142.0, total_sd=15.0, competition="CBB Tournament", open_days=7),
        Champions("nba_champion", "KXNBA", "Pro Basketball Champion", NBA, 240,
                  "Will {team} win the Pro Basketball Championship?", ["NBA", "Championship"]),
        Champions("nfl_champion", "KXSB", "Pro Football Champion", NFL, 150,
                  "Will {team} win the Pro Football Championship?", ["NFL", "Championship"]),
        Champions("ncaamb_champion", "KXMARMAD", "College Basketball National Champion", NCAA, 110,
                  "Will {team} win the College Basketball National Championship?", ["NCAAB", "Championship"],
                  disclaimer=NCAA_DISCLAIMER),
    ]
