-- raw.kalshi_markets.raw_json is stored with DuckDB's ZSTD compression (DESIGN.md §4; same
-- columns, same types, still a plain VARCHAR to every query: only the on-disk encoding changes).
--
-- raw_json is each market's whole record as Kalshi sent it, ~1.7 KB of JSON, by far the bulk of the
-- table. DuckDB's default for it (dictionary + FSST) costs ~1 s of CPU per 100k markets on insert
-- and stores ~68 MB; ZSTD stores the same text in ~8 MB and inserts several times faster
-- (benchmarks/bench_ingest_markets.py). json_extract / ->> / LIKE read it unchanged.
--
-- DuckDB cannot ALTER a column's compression, so the table is rebuilt with its rows (a copy, a
-- drop, a rename; one transaction). Views over raw.kalshi_markets bind by name and keep working.
-- The columns must stay equal to kalshi_parse.RAW_TABLE_COLUMNS["raw.kalshi_markets"]
-- (kalshi_platform_tests/core/test_raw_kalshi_ddl.py runs 0002 then this file and compares).
-- Natural key: (ticker), unchanged.

CREATE TABLE raw.kalshi_markets__0003 (
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
    raw_json                   VARCHAR USING COMPRESSION zstd,
    fetched_at                 TIMESTAMPTZ,
    batch_id                   VARCHAR
);

INSERT INTO raw.kalshi_markets__0003 SELECT * FROM raw.kalshi_markets;

DROP TABLE raw.kalshi_markets;

ALTER TABLE raw.kalshi_markets__0003 RENAME TO kalshi_markets;
