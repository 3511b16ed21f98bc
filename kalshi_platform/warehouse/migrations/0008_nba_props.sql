-- NBA player props (issue 6): sportsbook lines from The Odds API, and Kalshi ladders against them.

-- The Odds API v4 player props: one row per event, book, market (stat), player, side and line, as the
-- books list them now. Partitioned by game: each fetch replaces the rows of the events it read (so a
-- line that moved leaves no stale row) and leaves the others as last seen, which keeps every game's
-- closing lines after the books pull them at tip-off. game_date is the US Eastern date of tip-off.
-- Columns match core.props.sportsbook.SPORTSBOOK_PROPS_SCHEMA.
-- Natural key: (event_id, bookmaker, market, player_name, side, point).
CREATE TABLE IF NOT EXISTS raw.sportsbook_props (
    game_date             DATE,
    game_id               VARCHAR,        -- Kalshi's game code, e.g. 26NOV20BOSLAL (null: unknown team)
    event_id              VARCHAR,
    sport_key             VARCHAR,
    commence_time         TIMESTAMPTZ,
    home_team             VARCHAR,
    away_team             VARCHAR,
    home_code             VARCHAR,
    away_code             VARCHAR,
    bookmaker             VARCHAR,
    bookmaker_title       VARCHAR,
    bookmaker_last_update TIMESTAMPTZ,
    market                VARCHAR,        -- player_points, player_rebounds, ...
    stat                  VARCHAR,        -- points, rebounds, ...
    player_name           VARCHAR,        -- as the book prints it (outcome description)
    player_lookup         VARCHAR,        -- core.props.names key, shared with Kalshi
    side                  VARCHAR,        -- Over | Under
    point                 DECIMAL(18,6),  -- the line, exactly as sent
    price_american        INTEGER,        -- American odds, exactly as sent
    implied_prob          DOUBLE,         -- with the vig
    last_update           TIMESTAMPTZ,    -- the book's update time of this market
    raw_json              VARCHAR USING COMPRESSION zstd,
    fetched_at            TIMESTAMPTZ,
    batch_id              VARCHAR
);

-- The Odds API's event list (free): live and upcoming NBA games with their tip-off, latest state per
-- event. It dates the games whose props the books have already pulled (under way), so they are left
-- out of the comparison. Columns match core.props.sportsbook.EVENTS_SCHEMA. Natural key: (event_id).
CREATE TABLE IF NOT EXISTS raw.sportsbook_events (
    event_id      VARCHAR,
    sport_key     VARCHAR,
    commence_time TIMESTAMPTZ,
    home_team     VARCHAR,
    away_team     VARCHAR,
    home_code     VARCHAR,
    away_code     VARCHAR,
    game_date     DATE,
    game_id       VARCHAR,
    raw_json      VARCHAR,
    fetched_at    TIMESTAMPTZ,
    batch_id      VARCHAR
);

-- Every HTTP attempt to The Odds API (retries included) with the quota it reported.
-- Natural key: (batch_id, seq).
CREATE TABLE IF NOT EXISTS raw.sportsbook_requests (
    batch_id           VARCHAR,
    seq                INTEGER,
    requested_at       TIMESTAMPTZ,
    method             VARCHAR,
    path               VARCHAR,
    params             VARCHAR,           -- the query without the API key
    status             INTEGER,
    requests_remaining BIGINT,            -- x-requests-remaining
    requests_used      BIGINT,            -- x-requests-used
    requests_last      BIGINT             -- x-requests-last: the cost of this request
);

-- Sportsbook lines against Kalshi's ladder, per snapshot (as_of), game, player and stat. Keeps every
-- snapshot, so line movement can be queried. Follows the signals contract (as_of, ticker, model_prob,
-- yes_ask, no_ask, direction, edge_bps, confidence, expiry, skip_reason); ticker is the Kalshi
-- threshold closest to the consensus line. Columns match core.props.signals.SIGNAL_SCHEMA.
-- Natural key: (as_of, game_id, player_lookup, stat).
CREATE TABLE IF NOT EXISTS signals.nba_prop_lines (
    as_of                     TIMESTAMPTZ,
    ticker                    VARCHAR,
    model_prob                DOUBLE,
    yes_ask                   DECIMAL(18,6),
    no_ask                    DECIMAL(18,6),
    direction                 VARCHAR,
    edge_bps                  DOUBLE,
    confidence                DOUBLE,
    expiry                    TIMESTAMPTZ,
    skip_reason               VARCHAR,
    game_id                   VARCHAR,
    game_date                 DATE,
    commence_time             TIMESTAMPTZ,
    away_team                 VARCHAR,
    home_team                 VARCHAR,
    player_lookup             VARCHAR,
    player_name               VARCHAR,
    team                      VARCHAR,
    stat                      VARCHAR,
    series_ticker             VARCHAR,
    kalshi_event_ticker       VARCHAR,
    kalshi_game_event         VARCHAR,
    odds_event_id             VARCHAR,
    match_status              VARCHAR,        -- matched | kalshi_only | sportsbook_only
    player_matched            BOOLEAN,        -- the player is on both sides for this game (any stat)
    kalshi_player_name        VARCHAR,
    sportsbook_player_names   VARCHAR[],
    books                     STRUCT(bookmaker VARCHAR, title VARCHAR, line DOUBLE, over_price INTEGER,
                                     under_price INTEGER, over_fair DOUBLE, is_main BOOLEAN,
                                     last_update TIMESTAMPTZ)[],
    n_books                   INTEGER,
    consensus_line            DOUBLE,
    consensus_books           INTEGER,
    consensus_over_prob       DOUBLE,         -- power-method de-vigged
    consensus_over_price      INTEGER,
    consensus_under_price     INTEGER,
    best_over_line            DOUBLE,
    best_over_price           INTEGER,
    best_over_book            VARCHAR,
    best_under_line           DOUBLE,
    best_under_price          INTEGER,
    best_under_book           VARCHAR,
    ladder                    STRUCT(line DOUBLE, threshold INTEGER, ticker VARCHAR, yes_bid DECIMAL(18,6),
                                     yes_ask DECIMAL(18,6), no_bid DECIMAL(18,6), no_ask DECIMAL(18,6),
                                     yes_bid_size DECIMAL(18,6), yes_ask_size DECIMAL(18,6),
                                     liquidity DECIMAL(18,6), mid DOUBLE, status VARCHAR)[],
    ladder_size               INTEGER,
    kalshi_implied_line       DOUBLE,         -- where the ladder crosses 50%
    implied_line_extrapolated BOOLEAN,
    kalshi_available          BOOLEAN,
    kalshi_line               DOUBLE,         -- the threshold closest to the consensus line (N+ -> N - 0.5)
    kalshi_market_ticker      VARCHAR,
    kalshi_yes_bid            DECIMAL(18,6),
    kalshi_yes_price          DECIMAL(18,6),  -- yes ask
    kalshi_no_bid             DECIMAL(18,6),
    kalshi_no_price           DECIMAL(18,6),  -- no ask
    kalshi_liquidity          DECIMAL(18,6),
    kalshi_over_prob          DOUBLE,         -- the chosen rung's mid
    line_discrepancy          DOUBLE,         -- kalshi_implied_line - consensus_line
    fee_yes                   DECIMAL(18,6),
    fee_no                    DECIMAL(18,6),
    gap_yes                   DOUBLE,
    gap_no                    DOUBLE,
    fee_adjusted_gap          DOUBLE,
    locked_arb_margin         DOUBLE,
    arbitrage                 BOOLEAN,
    arbitrage_reason          VARCHAR,        -- line | gap | line+gap
    sportsbook_last_update    TIMESTAMPTZ,
    kalshi_quoted_at          TIMESTAMPTZ,
    batch_id                  VARCHAR
);
