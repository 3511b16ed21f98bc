-- How markets relate (kalshi_platform.core.relationships, core.parlays). Rebuilt whole each run.

-- Membership of markets in groups: one event, or one game across its series (moneyline, spread,
-- total, props). Natural key: (group_kind, group_key, ticker).
CREATE TABLE IF NOT EXISTS core.market_relationships (
    group_kind    VARCHAR,
    group_key     VARCHAR,
    group_label   VARCHAR,
    ticker        VARCHAR,
    event_ticker  VARCHAR,
    series_ticker VARCHAR,
    league        VARCHAR,
    event_date    DATE,
    group_family  VARCHAR,
    label         VARCHAR
);

-- Mutually exclusive, exhaustive sets (winner lists, bracket ladders, moneylines) with exact sums of
-- their open markets' quotes. Natural key: (set_key).
CREATE TABLE IF NOT EXISTS core.exclusive_sets (
    set_key                VARCHAR,
    set_kind               VARCHAR,
    series_ticker          VARCHAR,
    title                  VARCHAR,
    api_mutually_exclusive BOOLEAN,
    basis                  VARCHAR,
    exhaustive             BOOLEAN,
    ladder_issue           VARCHAR,
    n_markets              UINTEGER,
    n_not_open             UINTEGER,
    n_quoted               UINTEGER,
    complete_quotes        BOOLEAN,
    sum_yes_bid            DECIMAL(18,6),
    sum_yes_ask            DECIMAL(18,6),
    sum_mid                DECIMAL(18,6),
    overround              DECIMAL(18,6),
    underround             DECIMAL(18,6),
    spread_width           DECIMAL(18,6),
    mid_deviation          DECIMAL(18,6),
    mids_stray             BOOLEAN,
    tickers                VARCHAR[]
);

-- Legs of multivariate (KXMVE...) parlays. Natural key: (parlay_ticker, leg_index); a parlay whose
-- legs could not be read keeps one row with leg_index NULL and the reason in legs_error.
CREATE TABLE IF NOT EXISTS core.parlay_legs (
    parlay_ticker         VARCHAR,
    parlay_event_ticker   VARCHAR,
    mve_collection_ticker VARCHAR,
    leg_index             INTEGER,
    leg_event_ticker      VARCHAR,
    leg_market_ticker     VARCHAR,
    side                  VARCHAR,
    leg_label             VARCHAR,
    leg_known             BOOLEAN,
    legs_source           VARCHAR,
    legs_error            VARCHAR,
    legs_conflict         VARCHAR
);
