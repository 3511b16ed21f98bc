-- Signals, paper orders, alerts and calibration (trading group); users' Kalshi accounts and their
-- portfolios (accounts group). Money is DECIMAL(18,6), times TIMESTAMPTZ (UTC); model quantities DOUBLE.

-- Every signal table unioned (kalshi_platform.core.trading.signals). History is kept: the id holds the
-- source row's natural key, which includes as_of. Natural key: (signal_id).
CREATE TABLE IF NOT EXISTS signals.signals (
    signal_id     VARCHAR,       -- '<signal_type>|<source natural key>'
    signal_type   VARCHAR,       -- btc_edge | btc15m | weather | nba_prop
    model         VARCHAR,       -- btc_gbm | btc_15m | weather_ensemble | nba_props
    source_table  VARCHAR,       -- the signal table the row came from
    source_key    VARCHAR,       -- the source row's natural key, '|'-joined
    as_of         TIMESTAMPTZ,   -- the source run's clock
    ticker        VARCHAR,
    direction     VARCHAR,       -- buy_yes | buy_no | null
    model_prob    DOUBLE,        -- the model's probability of YES
    market_prob   DOUBLE,        -- the market-implied probability of YES (mid of the quotes used)
    market_price  DECIMAL(18,6), -- the ask of the direction's side
    yes_ask       DECIMAL(18,6),
    no_ask        DECIMAL(18,6),
    edge_bps      DOUBLE,        -- edge of direction after fees, bps of $1
    confidence    DOUBLE,
    expiry        TIMESTAMPTZ,
    horizon_hours DOUBLE,        -- expiry - as_of
    actionable    BOOLEAN,       -- a market, a direction, no skip reason, positive edge
    skip_reason   VARCHAR,
    recorded_at   TIMESTAMPTZ,
    batch_id      VARCHAR
);

-- Every order attempt of the paper-trading engine, per execution mode. The order id is the
-- client_order_id sent to Kalshi (derived from signal and mode, so a re-run never orders twice).
-- Natural key: (order_id).
CREATE TABLE IF NOT EXISTS trading.paper_orders (
    order_id           VARCHAR,
    cycle_at           TIMESTAMPTZ,   -- the trading cycle (run clock) that planned it
    mode               VARCHAR,       -- simulate | kalshi_demo | kalshi_live
    target             VARCHAR,       -- none | sandbox | demo | prod
    account            VARCHAR,       -- key profile / account that signed it (null for simulate)
    bot_mode           VARCHAR,
    trading_profile    VARCHAR,
    signal_id          VARCHAR,
    signal_type        VARCHAR,
    ticker             VARCHAR,
    direction          VARCHAR,
    side               VARCHAR,       -- yes | no (always a buy)
    model_prob         DOUBLE,
    edge_bps           DOUBLE,
    confidence         DOUBLE,
    ask                DECIMAL(18,6), -- the ask the order was priced from
    limit_price        DECIMAL(18,6), -- the ask clamped to [TRADING_MIN_PRICE_CENTS, TRADING_MAX_PRICE_CENTS]
    clamped            BOOLEAN,
    count              DECIMAL(18,6),
    notional           DECIMAL(18,6), -- count x limit_price
    fee_estimate       DECIMAL(18,6), -- taker fee at the limit, exact
    kelly_fraction     DOUBLE,        -- full Kelly at the limit
    stake_fraction     DOUBLE,        -- share of bankroll after the profile's multiplier and cap
    status             VARCHAR,       -- executed | resting | canceled (as Kalshi; simulate too) | failed | rejected | blocked
    external_order_id  VARCHAR,       -- Kalshi's order id
    failure_reason     VARCHAR,
    filled_count       DECIMAL(18,6),
    avg_price          DECIMAL(18,6), -- average fill price of the side bought
    fees_paid          DECIMAL(18,6),
    market_result      VARCHAR,       -- yes | no | void once settled
    realized_pnl       DECIMAL(18,6),
    unrealized_pnl     DECIMAL(18,6),
    created_at         TIMESTAMPTZ,
    updated_at         TIMESTAMPTZ,
    batch_id           VARCHAR
);

-- Every Telegram alert: sent, failed (retried next cycle) or skipped, with the reason.
-- Natural key: (alert_id) = the dedup key of its content.
CREATE TABLE IF NOT EXISTS trading.alert_events (
    alert_id            VARCHAR,
    alert_type          VARCHAR,     -- signals | executions | props_arbitrage | run_failure
    status              VARCHAR,     -- sent | failed | skipped
    reason              VARCHAR,     -- why failed or skipped
    destination         VARCHAR,     -- sandbox | telegram
    chat_id             VARCHAR,
    message_text        VARCHAR,
    item_count          INTEGER,
    identities          VARCHAR,     -- JSON list: what the alert covered (never sent twice)
    subjects            VARCHAR,     -- JSON list: what it was about (per-alert cooldown)
    attempts            INTEGER,
    telegram_message_id BIGINT,
    created_at          TIMESTAMPTZ,
    last_attempt_at     TIMESTAMPTZ,
    sent_at             TIMESTAMPTZ,
    batch_id            VARCHAR
);

-- Calibration of every model on settled markets, next to the market-implied baseline.
-- method: recorded (forecasts stored by the signal tables) or backtest (the model re-run on stored inputs).
-- Rebuilt whole each run. Natural key: (model, method, horizon).
CREATE TABLE IF NOT EXISTS signals.calibration (
    model              VARCHAR,
    method             VARCHAR,
    horizon            VARCHAR,      -- <15m | 15m-1h | 1-6h | 6-24h | 1-3d | 3-7d | >7d | all
    horizon_order      INTEGER,
    n                  BIGINT,
    markets            BIGINT,
    base_rate          DOUBLE,
    mean_model_prob    DOUBLE,
    brier_model        DOUBLE,
    log_loss_model     DOUBLE,
    n_market           BIGINT,
    brier_market       DOUBLE,
    log_loss_market    DOUBLE,
    brier_model_paired DOUBLE,
    brier_skill        DOUBLE,       -- 1 - Brier(model) / Brier(market) on the same forecasts
    reliability        VARCHAR,      -- JSON: [{bin_low, bin_high, n, mean_prob, observed_rate}] (horizon 'all' only)
    computed_at        TIMESTAMPTZ,
    batch_id           VARCHAR
);

-- Users' Kalshi API keys. The private key is stored only Fernet-encrypted (KALSHI_CREDENTIALS_ENCRYPTION_KEY);
-- the fingerprint (SHA-256 of the public key) tells keys apart without revealing them. A rotation
-- revokes the old row and adds a new one; a removal revokes and erases the ciphertext.
-- Natural key: (user_name, key_id).
CREATE TABLE IF NOT EXISTS meta.kalshi_accounts (
    user_name             VARCHAR,
    key_id                VARCHAR,
    environment           VARCHAR,   -- sandbox | demo | prod: the exchange that issued the key
    origin                VARCHAR,   -- sandbox (issued by the embedded exchange) | user (imported)
    encrypted_private_key VARCHAR,   -- Fernet token; null once removed
    key_fingerprint       VARCHAR,
    created_at            TIMESTAMPTZ,
    rotated_at            TIMESTAMPTZ,   -- when this key replaced the previous one
    revoked_at            TIMESTAMPTZ,
    revoked_reason        VARCHAR,
    note                  VARCHAR
);

-- Portfolios, per user (dynamic partitions of the accounts group), read with signed requests.
-- Balance history: one row per read. Natural key: (user_name, fetched_at).
CREATE TABLE IF NOT EXISTS raw.portfolio_balances (
    user_name       VARCHAR,
    balance         DECIMAL(18,6),
    portfolio_value DECIMAL(18,6),
    updated_ts      TIMESTAMPTZ,
    raw_json        VARCHAR,
    fetched_at      TIMESTAMPTZ,
    batch_id        VARCHAR
);

-- Current market positions, replaced per user on each read. Natural key: (user_name, ticker).
CREATE TABLE IF NOT EXISTS raw.portfolio_positions (
    user_name            VARCHAR,
    ticker               VARCHAR,
    position             DECIMAL(18,6),  -- + YES contracts, - NO contracts
    market_exposure      DECIMAL(18,6),
    realized_pnl         DECIMAL(18,6),
    fees_paid            DECIMAL(18,6),
    total_traded         DECIMAL(18,6),
    resting_orders_count BIGINT,
    last_updated_ts      TIMESTAMPTZ,
    raw_json             VARCHAR,
    fetched_at           TIMESTAMPTZ,
    batch_id             VARCHAR
);

-- Fills. Natural key: (user_name, fill_id).
CREATE TABLE IF NOT EXISTS raw.portfolio_fills (
    user_name    VARCHAR,
    fill_id      VARCHAR,
    order_id     VARCHAR,
    trade_id     VARCHAR,
    ticker       VARCHAR,
    side         VARCHAR,
    action       VARCHAR,
    count        DECIMAL(18,6),
    yes_price    DECIMAL(18,6),
    no_price     DECIMAL(18,6),
    fee_cost     DECIMAL(18,6),
    is_taker     BOOLEAN,
    created_time TIMESTAMPTZ,
    raw_json     VARCHAR,
    fetched_at   TIMESTAMPTZ,
    batch_id     VARCHAR
);

-- Settlements. Natural key: (user_name, ticker, settled_time).
CREATE TABLE IF NOT EXISTS raw.portfolio_settlements (
    user_name      VARCHAR,
    ticker         VARCHAR,
    event_ticker   VARCHAR,
    market_result  VARCHAR,
    yes_count      DECIMAL(18,6),
    no_count       DECIMAL(18,6),
    yes_total_cost DECIMAL(18,6),
    no_total_cost  DECIMAL(18,6),
    revenue        DECIMAL(18,6),
    fee_cost       DECIMAL(18,6),
    value          BIGINT,
    settled_time   TIMESTAMPTZ,
    raw_json       VARCHAR,
    fetched_at     TIMESTAMPTZ,
    batch_id       VARCHAR
);
