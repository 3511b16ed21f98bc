"""The small hand tables behind the ticker parser: series rules, leagues, stats, cities, companies, teams.

Kept deliberately small. Names (teams, candidates, films) should be *learned* from the API's own fields
(:func:`kalshi_platform.core.tickers.learn_names`); the tables here only name what a ticker cannot carry:
which series belong to which family, and the two biggest US leagues' team codes (so an NBA or NFL event
ticker without an outcome suffix still splits into away and home).
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------
# Vocabulary

SPORTS = "Sports"
POLITICS = "Politics"
ECONOMICS = "Economics"
FINANCIALS = "Financials"
CRYPTO = "Crypto"
CLIMATE = "Climate"
ENTERTAINMENT = "Entertainment"
COMPANIES = "Companies"
SCIENCE = "Science & Tech"
WORLD = "World"
PARLAYS = "Parlays"
OTHER = "Other"

CATEGORIES: tuple[str, ...] = (
    SPORTS, POLITICS, ECONOMICS, FINANCIALS, CRYPTO, CLIMATE, ENTERTAINMENT, COMPANIES, SCIENCE, WORLD,
    PARLAYS, OTHER,
)

FAMILIES: dict[str, str] = {
    "sports_game": "head-to-head game or match winner; event code = date (+ time) + away + home codes",
    "sports_spread": "game spread ladder: market = team code + N, YES = team wins by over N - 0.5",
    "sports_total": "game total ladder: market = N, YES = combined score over N - 0.5",
    "sports_champion": "season or tournament winner (and bracket advancement): one market per team",
    "sports_other": "other sports markets: awards, season wins, seeds, upsets, placings, coaches",
    "player_prop": "player stat ladder: market = team + player code, then N, YES = N or more",
    "election": "who wins an election, primary or party race (president, governor, senate, house, abroad)",
    "poll_threshold": "approval-rating brackets and thresholds",
    "politics_event": "one-off political and legal questions",
    "economic_threshold": "economic indicator thresholds and brackets (Fed rate, CPI, payrolls, GDP, gas...)",
    "economic_outcome": "economic decisions and events without a numeric strike (Fed decision, recession)",
    "financial_threshold": "index, stock, commodity, rate and FX levels",
    "weather_high": "daily high temperature brackets (B = 1 degree bracket) and tails (T) per city",
    "weather_low": "daily low temperature brackets and tails per city",
    "weather_precip": "rain and snow totals",
    "climate_event": "climate and natural-event questions",
    "crypto_threshold": "crypto price above (or, for MIN series, below) a strike at a time",
    "crypto_range": "crypto price range brackets (B) with tails (T)",
    "crypto_updown": "crypto up/down over a 15-minute window closing at the ticker's HHMM (New York); the "
                     "strike is set when the window opens, so none comes from the ticker",
    "crypto_other": "other crypto questions (all-time highs, FDV...)",
    "entertainment_award": "award winners and counts (Oscars, Emmys, Grammys...)",
    "entertainment_score": "review-score thresholds (Rotten Tomatoes)",
    "entertainment_chart": "chart toppers and box office",
    "entertainment_other": "other culture questions",
    "corporate": "company events, deliveries, market caps and one-offs",
    "science_tech": "science, space, AI and technology questions",
    "world_event": "geopolitics and world events",
    "parlay": "multivariate (KXMVE...) combos: event S<year><hex>, one market per combo",
    "other": "not recognised: category Other, parse_status unknown_family",
}

# ---------------------------------------------------------------------------------------------------
# Leagues and stats

# Every league prefix a spread/total/prop/champion series may carry. Longest alternatives first.
LEAGUES: tuple[str, ...] = (
    "BUNDESLIGA", "EREDIVISIE", "EUROLEAGUE", "ALEAGUE", "LALIGA", "SERIEA", "LIGUE1", "LIGAMX", "NASCAR",
    "NCAAMB", "NCAAWB", "NCAAFB", "NCAAF", "NCAAB", "WOCURL", "WOHOCKEY", "WNBA", "NWSL", "LPGA", "IPL",
    "NBA", "NFL", "MLB", "NHL", "MLS", "EPL", "UCL", "UEL", "CFB", "CBB", "ATP", "WTA", "UFC", "PGA", "NRL",
    "AFL", "KBO", "NPB", "WBC", "F1",
)
LEAGUE_ALT = "|".join(LEAGUES)
# Prefixes safe enough to claim any series that starts with them (KXNBAMVP, KXMLBWINS, KXPGATOP20...).
SAFE_LEAGUE_PREFIX_ALT = "|".join(
    x for x in LEAGUES if x not in {"F1", "AFL", "IPL", "NRL", "KBO", "NPB", "WBC", "CFB", "CBB"}
)

SOCCER = {"MLS", "NWSL", "EPL", "UCL", "UEL", "LALIGA", "SERIEA", "BUNDESLIGA", "LIGUE1", "ALEAGUE",
          "EREDIVISIE", "LIGAMX"}
LEAGUE_UNIT: dict[str, str] = {"MLB": "runs", "KBO": "runs", "NPB": "runs", "WBC": "runs", "NHL": "goals",
                               "WOHOCKEY": "goals", **{x: "goals" for x in SOCCER}}
DEFAULT_SPORTS_UNIT = "points"

# Player-prop stat suffixes -> stat name (also the unit of the ladder).
STATS: dict[str, str] = {
    "PTS": "points", "REB": "rebounds", "AST": "assists", "3PT": "threes", "BLK": "blocks", "STL": "steals",
    "PRA": "points+rebounds+assists", "PR": "points+rebounds", "PA": "points+assists", "RA": "rebounds+assists",
    "DD": "double-double", "TRIPDUB": "triple-double", "TOV": "turnovers",
    "PASSYDS": "passing yards", "RUSHYDS": "rushing yards", "RECYDS": "receiving yards", "REC": "receptions",
    "PASSTD": "passing touchdowns", "RUSHTD": "rushing touchdowns", "ANYTD": "touchdowns", "TDS": "touchdowns",
    "INTS": "interceptions", "SACKS": "sacks",
    "HR": "home runs", "HRR": "hits+runs+RBIs", "HITS": "hits", "KS": "strikeouts", "TB": "total bases",
    "RBI": "RBIs", "RUNS": "runs",
    "GOAL": "goals", "GOALS": "goals", "SOG": "shots on goal", "SAVES": "saves", "SHOTS": "shots",
}
STAT_ALT = "|".join(sorted(STATS, key=len, reverse=True))

# ---------------------------------------------------------------------------------------------------
# Small name tables

WEATHER_CITIES: dict[str, str] = {
    "NY": "New York", "NYC": "New York", "CHI": "Chicago", "MIA": "Miami", "LAX": "Los Angeles",
    "LA": "Los Angeles", "AUS": "Austin", "DEN": "Denver", "PHIL": "Philadelphia", "PHI": "Philadelphia",
    "ATL": "Atlanta", "BOS": "Boston", "DAL": "Dallas", "HOU": "Houston", "LV": "Las Vegas",
    "MIN": "Minneapolis", "NOLA": "New Orleans", "PHX": "Phoenix", "SEA": "Seattle", "SFO": "San Francisco",
    "SF": "San Francisco", "DC": "Washington DC", "SATX": "San Antonio", "OKC": "Oklahoma City",
    # Newer high-temperature series put a T before the city (KXHIGHTATL).
    "TATL": "Atlanta", "TBOS": "Boston", "TDAL": "Dallas", "THOU": "Houston", "TMIN": "Minneapolis",
    "TNOLA": "New Orleans", "TOKC": "Oklahoma City", "TPHX": "Phoenix", "TSATX": "San Antonio",
    "TSEA": "Seattle", "TSFO": "San Francisco", "TDC": "Washington DC",
}

CRYPTO_ASSETS: dict[str, str] = {
    "BTC": "Bitcoin", "ETH": "Ethereum", "SOL": "Solana", "XRP": "XRP", "DOGE": "Dogecoin", "ADA": "Cardano",
    "BNB": "BNB", "LTC": "Litecoin", "AVAX": "Avalanche", "SHIBA": "Shiba Inu", "LINK": "Chainlink",
    "HYPE": "Hyperliquid", "SUI": "Sui",
}
CRYPTO_ALT = "|".join(sorted(CRYPTO_ASSETS, key=len, reverse=True))

COMPANIES_MAP: dict[str, str] = {
    "APPLE": "Apple", "AAPL": "Apple", "TESLA": "Tesla", "TSLA": "Tesla", "ROBOTAXI": "Tesla",
    "AMAZON": "Amazon", "AMZN": "Amazon", "GOOGLE": "Google", "GOOGL": "Google", "ALPHABET": "Google",
    "OPENAI": "OpenAI", "NYTOAI": "OpenAI", "SPACEX": "SpaceX", "NVDA": "Nvidia", "NVIDIA": "Nvidia",
    "TIKTOK": "TikTok", "MSFT": "Microsoft", "MICROSOFT": "Microsoft", "META": "Meta",
    "STARBUCKS": "Starbucks", "INTEL": "Intel", "FREDDIE": "Freddie Mac", "FANNIE": "Fannie Mae",
    "NETFLIX": "Netflix", "DISNEY": "Disney", "BOEING": "Boeing", "UBER": "Uber", "TWITTER": "Twitter",
    "XAI": "xAI", "ANTHROPIC": "Anthropic", "WAYMO": "Waymo", "COINBASE": "Coinbase", "WALMART": "Walmart",
    "STRIPE": "Stripe", "DATABRICKS": "Databricks", "REDDIT": "Reddit", "RIVIAN": "Rivian", "FORD": "Ford",
}
COMPANY_ALT = "|".join(sorted(COMPANIES_MAP, key=len, reverse=True))

PARLAY_KINDS: dict[str, str] = {
    "SPORTSMULTIGAMEEXTENDED": "Multi-game extended", "CROSSCATEGORY": "Cross category",
    "NBASINGLEGAME": "NBA single game", "SPORTSMULTIGAME": "Multi-game", "": "Multivariate",
}

# Team codes Kalshi uses in game tickers (KXNBAGAME-25NOV29TORCHA), by league. Only the two biggest US
# leagues; everything else comes from the outcome suffix of the ticker or from learned names.
NBA_TEAMS: dict[str, str] = {
    "ATL": "Atlanta", "BOS": "Boston", "BKN": "Brooklyn", "CHA": "Charlotte", "CHI": "Chicago",
    "CLE": "Cleveland", "DAL": "Dallas", "DEN": "Denver", "DET": "Detroit", "GSW": "Golden State",
    "HOU": "Houston", "IND": "Indiana", "LAC": "Los Angeles C", "LAL": "Los Angeles L", "MEM": "Memphis",
    "MIA": "Miami", "MIL": "Milwaukee", "MIN": "Minnesota", "NOP": "New Orleans", "NYK": "New York",
    "OKC": "Oklahoma City", "ORL": "Orlando", "PHI": "Philadelphia", "PHX": "Phoenix", "POR": "Portland",
    "SAC": "Sacramento", "SAS": "San Antonio", "TOR": "Toronto", "UTA": "Utah", "WAS": "Washington",
}
NFL_TEAMS: dict[str, str] = {
    "ARI": "Arizona", "ATL": "Atlanta", "BAL": "Baltimore", "BUF": "Buffalo", "CAR": "Carolina",
    "CHI": "Chicago", "CIN": "Cincinnati", "CLE": "Cleveland", "DAL": "Dallas", "DEN": "Denver",
    "DET": "Detroit", "GB": "Green Bay", "HOU": "Houston", "IND": "Indianapolis", "JAC": "Jacksonville",
    "KC": "Kansas City", "LV": "Las Vegas", "LAC": "Los Angeles C", "LA": "Los Angeles R", "MIA": "Miami",
    "MIN": "Minnesota", "NE": "New England", "NO": "New Orleans", "NYG": "New York G", "NYJ": "New York J",
    "PHI": "Philadelphia", "PIT": "Pittsburgh", "SF": "San Francisco", "SEA": "Seattle", "TB": "Tampa Bay",
    "TEN": "Tennessee", "WAS": "Washington",
}
BUILTIN_TEAMS: dict[str, dict[str, str]] = {"NBA": NBA_TEAMS, "NFL": NFL_TEAMS}

# Champion series without the league in their name: series -> league.
CHAMPION_SERIES: dict[str, str] = {"SB": "NFL", "SUPERBOWL": "NFL", "MARMAD": "NCAAMB", "MARMADW": "NCAAWB",
                                   "WS": "MLB", "WORLDSERIES": "MLB", "STANLEYCUP": "NHL", "NBAFINALS": "NBA"}

# ---------------------------------------------------------------------------------------------------
# Series rules


@dataclass(frozen=True)
class SeriesRule:
    """One family rule, matched against the series name without its ``KX`` prefix (first match wins).

    ``pattern`` is a full-match regex (anchored here). Named groups fill fields: ``sub`` the subcategory
    (mapped through ``sub_map`` when given), ``lg`` the league, ``reg`` the region. ``direction`` is what
    a plain ``T``/bare-number strike means in this series (``greater`` unless ``less``); ``bracket``
    marks series whose ``T`` markets are the two tails of a bracket ladder (low or high: which one is
    only known next to the ``B`` siblings); ``scale`` multiplies ticker numbers into ``unit``.
    """

    pattern: str
    family: str
    category: str
    subcategory: str | None = None
    sub_map: str | None = None
    unit: str | None = None
    league: str | None = None
    direction: str | None = None
    bracket: bool = False
    scale: float = 1.0


R = SeriesRule
_A = CRYPTO_ALT
_L = LEAGUE_ALT

SERIES_RULES: tuple[SeriesRule, ...] = (
    # Parlays
    R(r"MVE(?P<sub>[A-Z0-9]*)", "parlay", PARLAYS, sub_map="parlay"),
    # Sports: games, lines, props, champions, the rest
    R(rf"(?P<lg>{_L})(?:SPREAD|SPRD)", "sports_spread", SPORTS, unit="league"),
    R(rf"(?P<lg>{_L})(?:TEAMTOTAL|TOTAL)", "sports_total", SPORTS, unit="league"),
    R(rf"(?P<lg>{_L})(?P<sub>{STAT_ALT})", "player_prop", SPORTS, sub_map="stat", unit="stat"),
    R(r"(?P<lg>[A-Z0-9]{2,14}?)(?:GAME|MATCH|FIGHT|BOUT)", "sports_game", SPORTS, unit="league"),
    R(rf"(?P<lg>{_L})", "sports_champion", SPORTS),
    R(r"(?P<lg>SB|SUPERBOWL|MARMAD|MARMADW|WS|WORLDSERIES|STANLEYCUP|NBAFINALS)", "sports_champion", SPORTS),
    R(r"MARMAD[A-Z0-9]+", "sports_other", SPORTS, subcategory="March Madness", league="NCAAMB"),
    R(rf"(?P<lg>{SAFE_LEAGUE_PREFIX_ALT})[A-Z0-9]+", "sports_other", SPORTS),
    R(r"[A-Z]{2,6}(?:COACH|HC)", "sports_other", SPORTS, subcategory="Coach"),
    # Weather and climate
    R(r"HIGH(?P<sub>[A-Z]{2,5})", "weather_high", CLIMATE, sub_map="city", unit="°F", bracket=True),
    R(r"LOWT?(?P<sub>[A-Z]{2,5})", "weather_low", CLIMATE, sub_map="city", unit="°F", bracket=True),
    R(r"(?:RAIN|SNOW|PRECIP)(?P<sub>[A-Z]{0,5})M?", "weather_precip", CLIMATE, sub_map="city", unit="in"),
    R(r"(?:GTEMP|WARMING|HOTTEST|HURRICANE|HURCAT|TORNADO|TSUNAMI|EARTHQUAKE|QUAKE|SEAICE|ARCTICICE|CO2|EVSHARE)"
      r"[A-Z0-9]*|[A-Z]*CLIMATE", "climate_event", CLIMATE, subcategory="Climate"),
    # Crypto
    R(rf"(?P<sub>{_A})D", "crypto_threshold", CRYPTO, sub_map="asset", unit="USD"),
    R(rf"(?P<sub>{_A})15M", "crypto_updown", CRYPTO, sub_map="asset", unit="USD"),
    R(rf"(?P<sub>{_A})", "crypto_range", CRYPTO, sub_map="asset", unit="USD", bracket=True),
    R(rf"(?P<sub>{_A})MIN(?:MON|Y|W|D|Q)?", "crypto_threshold", CRYPTO, sub_map="asset", unit="USD",
      direction="less", scale=0.01),
    R(rf"(?P<sub>{_A})MAX(?:MON|Y|W|D|Q)?", "crypto_threshold", CRYPTO, sub_map="asset", unit="USD",
      scale=0.01),
    R(r"(?P<sub>BTC|ETH)[A-Z0-9]*", "crypto_other", CRYPTO, sub_map="asset"),
    R(r"FDV[A-Z0-9]*", "crypto_threshold", CRYPTO, subcategory="FDV", unit="USD bn"),
    # Politics
    R(r"\d{4}[DR]RUN|[DR]NOM\d*|\d{4}[DR]NOM", "election", POLITICS, subcategory="President (primary)"),
    R(r"PRES(?:PARTY|IDENT|WIN|ELECT)?|POTUS\d*|ELECTION\d*", "election", POLITICS, subcategory="President"),
    R(r"GOVPARTY(?P<reg>[A-Z]{2})|GOV(?P<reg2>[A-Z]{2})\d*", "election", POLITICS, subcategory="Governor"),
    R(r"SENATE(?:CONTROL|MAJ|PARTY)|CONTROLS", "election", POLITICS, subcategory="Senate control"),
    R(r"HOUSE(?:CONTROL|MAJ|PARTY)|CONTROLH", "election", POLITICS, subcategory="House control"),
    R(r"SENATE(?P<reg>[A-Z]{2})|SENATERACE", "election", POLITICS, subcategory="Senate"),
    R(r"HOUSERACE|HOUSE(?P<reg>[A-Z]{2}\d{2})", "election", POLITICS, subcategory="House"),
    R(r"MAYOR(?P<reg>[A-Z]+)", "election", POLITICS, subcategory="Mayor"),
    R(r"NEXT(?P<reg>[A-Z]+?)PM|(?P<reg2>[A-Z]+)PM", "election", POLITICS, subcategory="Prime Minister"),
    R(r"PRES(?P<reg>[A-Z]+)", "election", POLITICS, subcategory="President (abroad)"),
    R(r"APR(?:POTUS|OVAL)[A-Z]*|APPROVAL[A-Z]*", "poll_threshold", POLITICS, subcategory="Approval rating",
      unit="%", bracket=True),
    R(r"(?:FBUSTER|FILIBUSTER|CFPB|SCOTUS|NPR|IVY|CAPGAIN|TIKTOKBAN|COLUMB|IMPEACH|SHUTDOWN|DEBTCEIL|TARIFF|"
      r"PARDON|CABINET|TEXASDHS|NONCOMPETE|VETO|EO)[A-Z0-9]*", "politics_event", POLITICS,
      subcategory="Policy"),
    # Economics
    R(r"FED", "economic_threshold", ECONOMICS, subcategory="Fed funds rate", unit="%"),
    R(r"FEDDECISION|FEDMEET[A-Z]*|RATECUT[A-Z]*|RATEHIKE[A-Z]*|FEDCUTS?|FEDHIKES?", "economic_outcome",
      ECONOMICS, subcategory="Fed decision"),
    R(r"LEAVEPOWELL|POWELL[A-Z]*|FEDCHAIR[A-Z]*", "economic_outcome", ECONOMICS, subcategory="Fed chair"),
    R(r"A?CPI(?:CORE)?(?:YOY)?|[A-Z]{2,8}CPI", "economic_threshold", ECONOMICS, subcategory="CPI", unit="%"),
    R(r"PCE(?:CORE)?(?:YOY)?|PPI(?:YOY)?", "economic_threshold", ECONOMICS, subcategory="PCE/PPI", unit="%"),
    R(r"PAYROLLS?|NFP|JOBS", "economic_threshold", ECONOMICS, subcategory="Payrolls", unit="k"),
    R(r"U3|UNRATE|UNEMPLOYMENT", "economic_threshold", ECONOMICS, subcategory="Unemployment", unit="%"),
    R(r"GDP[A-Z]*", "economic_threshold", ECONOMICS, subcategory="GDP", unit="%"),
    R(r"JOBLESS[A-Z]*|CLAIMS|INITCLAIMS", "economic_threshold", ECONOMICS, subcategory="Jobless claims"),
    R(r"AAAGASMIN[A-Z]*|GASMIN[A-Z]*", "economic_threshold", ECONOMICS, subcategory="Gas prices", unit="USD",
      direction="less"),
    R(r"AAAGAS[A-Z]*|GASPRICE[A-Z]*|GAS", "economic_threshold", ECONOMICS, subcategory="Gas prices",
      unit="USD"),
    R(r"RECSSN[A-Z]*|RECESSION[A-Z]*", "economic_outcome", ECONOMICS, subcategory="Recession"),
    R(r"(?:TECH)?LAYOFFS?[A-Z]*", "economic_threshold", ECONOMICS, subcategory="Layoffs"),
    R(r"CREDEF[A-Z]*", "economic_threshold", ECONOMICS, subcategory="CRE defaults", unit="%"),
    R(r"MORTGAGE[A-Z]*|HOUSING[A-Z]*|HOMEPRICE[A-Z]*", "economic_threshold", ECONOMICS,
      subcategory="Housing"),
    # Financials
    R(r"(?P<sub>INX|NASDAQ100|NDX|SPX|DOW|DJI|RUT|VIX)[DUWMY]?", "financial_threshold", FINANCIALS,
      unit="points", bracket=True),
    R(r"(?P<sub>WTI|OIL|NGAS|GOLD|SILVER|COPPER)[A-Z]*", "financial_threshold", FINANCIALS, unit="USD"),
    R(r"(?P<sub>EURUSD|USDJPY|GBPUSD|USDCAD|TNOTE|TBILL|TYIELD|US10Y|US2Y)[DUWMY]?", "financial_threshold",
      FINANCIALS),
    R(r"(?P<sub>TSLA|AAPL|NVDA|AMZN|GOOGL|MSFT|META|NFLX)", "financial_threshold", FINANCIALS, unit="USD",
      sub_map="company"),
    # Entertainment
    R(r"OSCAR[A-Z0-9]*", "entertainment_award", ENTERTAINMENT, subcategory="Oscars"),
    R(r"EMMY[A-Z0-9]*", "entertainment_award", ENTERTAINMENT, subcategory="Emmys"),
    R(r"GRAMMY[A-Z0-9]*", "entertainment_award", ENTERTAINMENT, subcategory="Grammys"),
    R(r"(?:GOLDENGLOBE|GLOBES)[A-Z0-9]*", "entertainment_award", ENTERTAINMENT, subcategory="Golden Globes"),
    R(r"(?:BAFTA|TONY|TONYS|SAGAWARD|VMA|CANNES)[A-Z0-9]*", "entertainment_award", ENTERTAINMENT,
      subcategory="Awards"),
    R(r"(?:RT|ROTTEN)[A-Z0-9]*", "entertainment_score", ENTERTAINMENT, subcategory="Rotten Tomatoes",
      unit="score"),
    R(r"(?:TOPSONG|TOPALBUM|HOT100|BILLBOARD|SPOTIFY|TOPARTIST|BOXOFFICE|NETFLIXTOP)[A-Z0-9]*",
      "entertainment_chart", ENTERTAINMENT, subcategory="Charts"),
    R(r"(?:BEYONCE|TAYLOR|SWIFT|DRAKE|KANYE|ALBUM|SONG|MOVIE|FILM|HALFTIME|TIMEPOY|MRBEAST|YOUTUBE)[A-Z0-9]*",
      "entertainment_other", ENTERTAINMENT, subcategory="Culture"),
    # Science and technology (before companies: SPACEXLAUNCHES is space, not SpaceX the company)
    R(r"(?:SPACEXLAUNCH|STARSHIP|ARTEMIS|NASA|MOON|[A-Z]*MARS)[A-Z0-9]*", "science_tech", SCIENCE,
      subcategory="Space"),
    R(r"(?:AI|LLM|AGI|GPT|IMOAI|TURING)[A-Z0-9]*", "science_tech", SCIENCE, subcategory="AI"),
    R(r"(?:FUSION|QUANTUM|ALIENS?|UFO|SUPERCONDUCT|CRISPR)[A-Z0-9]*", "science_tech", SCIENCE,
      subcategory="Science"),
    R(r"(?:PS\d|XBOX|SWITCH\d?|GTA\d?|IPHONE|CHIP)[A-Z0-9]*", "science_tech", SCIENCE, subcategory="Tech"),
    # Companies (delivery ladders count in thousands: KXTSLADEL-26SEP-T340 = above 340,000)
    R(r"(?P<sub>TSLA|TESLA)DEL[A-Z]*", "corporate", COMPANIES, sub_map="company", unit="vehicles", scale=1000.0),
    R(rf"(?P<sub>{COMPANY_ALT})[A-Z0-9]*", "corporate", COMPANIES, sub_map="company"),
    # World
    R(r"(?:ABRAHAMS|EUEXIT|NATO|CEASEFIRE|UKRAINE|RUSSIA|ISRAEL|IRAN|CHINA|TAIWAN|GAZA|HAMAS|NKOREA|PUTIN|"
      r"ZELENSKY|POPE|WAR)[A-Z0-9]*", "world_event", WORLD, subcategory="Geopolitics"),
)

# Families whose markets need these parts for parse_status "parsed" (else "partial").
NEEDS_DATE = frozenset({"sports_game", "sports_spread", "sports_total", "player_prop", "weather_high",
                        "weather_low", "crypto_threshold", "crypto_range", "crypto_updown", "poll_threshold"})
NEEDS_TEAMS = frozenset({"sports_game", "sports_spread", "sports_total", "player_prop"})
NEEDS_STRIKE = frozenset({"sports_spread", "sports_total", "player_prop", "weather_high", "weather_low",
                          "crypto_threshold", "crypto_range", "economic_threshold", "poll_threshold"})
NEEDS_PERIOD = frozenset({"economic_threshold", "parlay"})
# Families where a bare number means "above N" (AAAGASD-...-2.95, RTSCORE-...-50, FDV...-8).
BARE_GREATER = frozenset({"economic_threshold", "entertainment_score", "crypto_threshold", "financial_threshold",
                          "poll_threshold"})
STRIKE_FAMILIES = NEEDS_STRIKE | BARE_GREATER | {"sports_other", "financial_threshold"}
# Families whose ticker numbers count whole units: "N" means "N or more" = over N - 0.5.
HALF_POINT = frozenset({"sports_total", "player_prop"})
# Families whose market codes are outcomes, never T/B/C/P strikes (a bare number still reads as one).
OUTCOME_FAMILIES = frozenset({"sports_game", "sports_champion", "election", "entertainment_award",
                              "entertainment_chart", "entertainment_other", "economic_outcome", "parlay",
                              "politics_event", "world_event"})
# Families whose market codes are never strikes (KXBTC15M-26FEB081915-15: the window, not a price).
NO_STRIKE_FAMILIES = frozenset({"crypto_updown", "parlay"})
# Families whose markets name a participant (team, candidate, nominee, party): names are learnable.
PARTICIPANT_FAMILIES = frozenset({"sports_game", "sports_champion", "election", "entertainment_award",
                                  "entertainment_chart", "economic_outcome", "world_event", "science_tech"})

SUB_MAPS: dict[str, dict[str, str]] = {
    "city": WEATHER_CITIES, "asset": CRYPTO_ASSETS, "company": COMPANIES_MAP, "stat": STATS,
    "parlay": PARLAY_KINDS,
}
