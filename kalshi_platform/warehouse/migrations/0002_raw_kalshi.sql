-- Raw Kalshi REST tables (DESIGN.md §2). Written from polars frames made by
-- kalshi_platform.core.kalshi_parse, whose RAW_TABLE_COLUMNS must equal these columns and types
-- (kalshi_platform_tests/core/test_raw_kalshi_ddl.py executes this file and compares).
--
-- Prices, counts and dollar amounts: DECIMAL(18,6), exact (never float). Times: TIMESTAMPTZ (UTC).
-- Nested structures are JSON text in VARCHAR columns; raw_json is the whole record as Kalshi sent it
-- (re-encoded compactly), so fields not typed here are never lost.
-- No primary keys: the write helpers upsert by delete + insert on the natural key named above each
-- table, in one transaction.

-- Series (GET /series): fee_type / fee_multiplier drive the fee model.
-- Natural key: (ticker).
CREATE TABLE IF NOT EXISTS raw.kalshi_series (
    ticker                  VARCHAR,
    title                   VARCHAR,
    category                VARCHAR,
    frequency               VARCHAR,
    fee_type                VARCHAR,
    fee_multiplier          DECIMAL(18,6),
    contract_url            VARCHAR,
    contract_terms_url      VARCHAR,
    volume                  DECIMAL(18,6),
    last_updated_ts         TIMESTAMPTZ,
    exchange_index          BIGINT,
    tags                    VARCHAR,  -- JSON text
    categories              VARCHAR,  -- JSON text
    settlement_sources      VARCHAR,  -- JSON text
    additional_prohibitions VARCHAR,  -- JSON text
    product_metadata        VARCHAR,  -- JSON text
    raw_json                VARCHAR,
    fetched_at              TIMESTAMPTZ,
    batch_id                VARCHAR
);

-- Events (GET /events); nested markets go to raw.kalshi_markets.
-- Natural key: (event_ticker).
CREATE TABLE IF NOT EXISTS raw.kalshi_events (
    event_ticker           VARCHAR,
    series_ticker          VARCHAR,
    title                  VARCHAR,
    sub_title              VARCHAR,
    category               VARCHAR,
    collateral_return_type VARCHAR,
    mutually_exclusive     BOOLEAN,
    available_on_brokers   BOOLEAN,
    strike_date            TIMESTAMPTZ,
    strike_period          VARCHAR,
    last_updated_ts        TIMESTAMPTZ,
    product_metadata       VARCHAR,  -- JSON text
    raw_json               VARCHAR,
    fetched_at             TIMESTAMPTZ,
    batch_id               VARCHAR
);

-- Markets (GET /markets), latest state per ticker.
-- Natural key: (ticker).
CREATE TABLE IF NOT EXISTS raw.kalshi_markets (
    ticker                     VARCHAR,
    event_ticker               VARCHAR,
    market_type                VARCHAR,
    status                     VARCHAR,
    title                      VARCHAR,
    subtitle                   VARCHAR,
    yes_sub_title              VARCHAR,
    no_sub_title               VARCHAR,
    category                   VARCHAR,
    created_time               TIMESTAMPTZ,
    updated_time               TIMESTAMPTZ,
    open_time                  TIMESTAMPTZ,
    close_time                 TIMESTAMPTZ,
    expected_expiration_time   TIMESTAMPTZ,
    expiration_time            TIMESTAMPTZ,
    latest_expiration_time     TIMESTAMPTZ,
    settlement_ts              TIMESTAMPTZ,
    occurrence_datetime        TIMESTAMPTZ,
    fee_waiver_expiration_time TIMESTAMPTZ,
    settlement_timer_seconds   BIGINT,
    yes_bid                    DECIMAL(18,6),
    yes_ask                    DECIMAL(18,6),
    no_bid                     DECIMAL(18,6),
    no_ask                     DECIMAL(18,6),
    last_price                 DECIMAL(18,6),
    previous_yes_bid           DECIMAL(18,6),
    previous_yes_ask           DECIMAL(18,6),
    previous_price             DECIMAL(18,6),
    settlement_value           DECIMAL(18,6),
    yes_bid_size               DECIMAL(18,6),
    yes_ask_size               DECIMAL(18,6),
    volume                     DECIMAL(18,6),
    volume_24h                 DECIMAL(18,6),
    open_interest              DECIMAL(18,6),
    liquidity                  DECIMAL(18,6),
    notional_value             DECIMAL(18,6),
    risk_limit                 DECIMAL(18,6),
    result                     VARCHAR,
    expiration_value           VARCHAR,
    can_close_early            BOOLEAN,
    fractional_trading_enabled BOOLEAN,
    is_provisional             BOOLEAN,
    strike_type                VARCHAR,
    floor_strike               DECIMAL(18,6),
    cap_strike                 DECIMAL(18,6),
    functional_strike          VARCHAR,
    custom_strike              VARCHAR,  -- JSON text
    rules_primary              VARCHAR,
    rules_secondary            VARCHAR,
    early_close_condition      VARCHAR,
    response_price_units       VARCHAR,
    tick_size                  BIGINT,
    price_level_structure      VARCHAR,
    price_ranges               VARCHAR,  -- JSON text
    mve_collection_ticker      VARCHAR,
    mve_selected_legs          VARCHAR,  -- JSON text
    primary_participant_key    VARCHAR,
    raw_json                   VARCHAR,
    fetched_at                 TIMESTAMPTZ,
    batch_id                   VARCHAR
);

-- Quote time series: one row per market per poll (batch).
-- Natural key: (batch_id, ticker).
CREATE TABLE IF NOT EXISTS raw.kalshi_market_snapshots (
    batch_id       VARCHAR,
    ticker         VARCHAR,
    event_ticker   VARCHAR,
    status         VARCHAR,
    yes_bid        DECIMAL(18,6),
    yes_ask        DECIMAL(18,6),
    no_bid         DECIMAL(18,6),
    no_ask         DECIMAL(18,6),
    yes_bid_size   DECIMAL(18,6),
    yes_ask_size   DECIMAL(18,6),
    last_price     DECIMAL(18,6),
    previous_price DECIMAL(18,6),
    volume         DECIMAL(18,6),
    volume_24h     DECIMAL(18,6),
    open_interest  DECIMAL(18,6),
    liquidity      DECIMAL(18,6),
    updated_time   TIMESTAMPTZ,
    fetched_at     TIMESTAMPTZ
);

-- Order book levels, bids only (YES bids and NO bids); level_rank 1 = best bid.
-- format: orderbook_fp (2026 wire), orderbook_dollars / orderbook_cents (older payloads).
-- Natural key: (batch_id, ticker, side, price).
CREATE TABLE IF NOT EXISTS raw.kalshi_orderbooks (
    ticker     VARCHAR,
    side       VARCHAR,
    level_rank INTEGER,
    price      DECIMAL(18,6),
    count      DECIMAL(18,6),
    format     VARCHAR,
    raw_json   VARCHAR,
    fetched_at TIMESTAMPTZ,
    batch_id   VARCHAR
);

-- Public trades (GET /markets/trades).
-- Natural key: (trade_id).
CREATE TABLE IF NOT EXISTS raw.kalshi_trades (
    trade_id           VARCHAR,
    ticker             VARCHAR,
    count              DECIMAL(18,6),
    yes_price          DECIMAL(18,6),
    no_price           DECIMAL(18,6),
    taker_side         VARCHAR,
    taker_outcome_side VARCHAR,
    taker_book_side    VARCHAR,
    is_block_trade     BOOLEAN,
    created_time       TIMESTAMPTZ,
    raw_json           VARCHAR,
    fetched_at         TIMESTAMPTZ,
    batch_id           VARCHAR
);

-- Candlesticks; period_date = UTC date of end_period_ts (daily partitions).
-- source_tier: live (/series/.../candlesticks) or historical (/historical/markets/.../candlesticks).
-- Natural key: (ticker, period_interval, end_period_ts).
CREATE TABLE IF NOT EXISTS raw.kalshi_candlesticks (
    ticker          VARCHAR,
    period_interval INTEGER,
    end_period_ts   TIMESTAMPTZ,
    period_date     DATE,
    source_tier     VARCHAR,
    yes_bid_open    DECIMAL(18,6),
    yes_bid_high    DECIMAL(18,6),
    yes_bid_low     DECIMAL(18,6),
    yes_bid_close   DECIMAL(18,6),
    yes_ask_open    DECIMAL(18,6),
    yes_ask_high    DECIMAL(18,6),
    yes_ask_low     DECIMAL(18,6),
    yes_ask_close   DECIMAL(18,6),
    price_open      DECIMAL(18,6),
    price_high      DECIMAL(18,6),
    price_low       DECIMAL(18,6),
    price_close     DECIMAL(18,6),
    price_mean      DECIMAL(18,6),
    price_previous  DECIMAL(18,6),
    price_min       DECIMAL(18,6),
    price_max       DECIMAL(18,6),
    volume          DECIMAL(18,6),
    open_interest   DECIMAL(18,6),
    raw_json        VARCHAR,
    fetched_at      TIMESTAMPTZ,
    batch_id        VARCHAR
);
