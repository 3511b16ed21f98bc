-- BTC edge engine (issue 4): spot ticks, composite spot, sigma history, contracts, edges and
-- 15-minute signals. Prices and fees exact (DECIMAL); model quantities DOUBLE.

-- Every spot observation: REST tickers, 1-minute candle closes, WebSocket tickers, and one row per
-- failed poll (status outage | unreadable, price null) so an exchange's absence is on record.
-- ts_from: exchange (the venue's own time) | received (no venue time, e.g. Kraken's ticker: tick_ts = fetched_at).
-- Natural key: (source, channel, tick_ts).
CREATE TABLE IF NOT EXISTS raw.spot_ticks (
    source      VARCHAR,
    channel     VARCHAR,
    symbol      VARCHAR,
    tick_ts     TIMESTAMPTZ,
    ts_from     VARCHAR,
    price       DECIMAL(18,6),
    bid         DECIMAL(18,6),
    ask         DECIMAL(18,6),
    fetched_at  TIMESTAMPTZ,
    latency_ms  DOUBLE,
    status      VARCHAR,
    error       VARCHAR,
    raw_json    VARCHAR,
    batch_id    VARCHAR
);

-- Composite spot per second: the median of the core sources' fresh ticks, with the quorum and the
-- sources used (price null without quorum). Natural key: (ts).
CREATE TABLE IF NOT EXISTS core.spot_prices (
    ts            TIMESTAMPTZ,
    price         DECIMAL(18,6),
    n_sources     BIGINT,
    quorum        BOOLEAN,
    sources       VARCHAR,
    source_prices VARCHAR,
    excluded      VARCHAR,
    max_age_ms    BIGINT,
    computed_at   TIMESTAMPTZ,
    batch_id      VARCHAR
);

-- The sigma each run used: the EWMA when it passed the guardrails, else the last good value, else the
-- default (sigma_source), and why (sigma_reason). Natural key: (as_of).
CREATE TABLE IF NOT EXISTS core.sigma_history (
    as_of        TIMESTAMPTZ,
    sigma        DOUBLE,
    sigma_source VARCHAR,
    sigma_reason VARCHAR,
    ewma_raw     DOUBLE,
    n_returns    BIGINT,
    decay        DOUBLE,
    interval_s   BIGINT,
    window_start TIMESTAMPTZ,
    window_end   TIMESTAMPTZ,
    batch_id     VARCHAR
);

-- Every strike market (greater, greater_or_equal, less, less_or_equal, between) as an explicit
-- contract: bounds, inclusiveness, horizon and its source; contract_status says why one cannot be
-- priced. Rebuilt whole each run. Natural key: (ticker).
CREATE TABLE IF NOT EXISTS core.contracts (
    ticker              VARCHAR,
    event_ticker        VARCHAR,
    series_ticker       VARCHAR,
    status              VARCHAR,
    strike_type         VARCHAR,
    floor_strike        DECIMAL(18,6),
    cap_strike          DECIMAL(18,6),
    lower_bound         DECIMAL(18,6),
    lower_inclusive     BOOLEAN,
    upper_bound         DECIMAL(18,6),
    upper_inclusive     BOOLEAN,
    open_time           TIMESTAMPTZ,
    expiry              TIMESTAMPTZ,
    horizon_source      VARCHAR,
    settlement_window_s BIGINT,
    contract_status     VARCHAR,
    problem             VARCHAR,
    batch_id            VARCHAR
);

-- Model probability, exact fees and EV of each side, per open BTC market per run (signals contract).
-- Natural key: (as_of, ticker).
CREATE TABLE IF NOT EXISTS signals.btc_edges (
    as_of               TIMESTAMPTZ,
    ticker              VARCHAR,
    event_ticker        VARCHAR,
    series_ticker       VARCHAR,
    strike_type         VARCHAR,
    floor_strike        DECIMAL(18,6),
    cap_strike          DECIMAL(18,6),
    expiry              TIMESTAMPTZ,
    horizon_source      VARCHAR,
    tau_s               DOUBLE,
    tau_eff_s           DOUBLE,
    settlement_window_s BIGINT,
    spot                DECIMAL(18,6),
    spot_ts             TIMESTAMPTZ,
    spot_sources        VARCHAR,
    spot_n_sources      BIGINT,
    sigma               DOUBLE,
    sigma_source        VARCHAR,
    sigma_reason        VARCHAR,
    sigma_as_of         TIMESTAMPTZ,
    model_prob          DOUBLE,
    yes_ask             DECIMAL(18,6),
    no_ask              DECIMAL(18,6),
    quoted_at           TIMESTAMPTZ,
    fee_type            VARCHAR,
    fee_multiplier      DECIMAL(18,6),
    fee_contracts       DECIMAL(18,6),
    yes_fee             DECIMAL(18,6),
    no_fee              DECIMAL(18,6),
    ev_yes              DOUBLE,
    ev_no               DOUBLE,
    direction           VARCHAR,
    edge_bps            DOUBLE,
    confidence          DOUBLE,
    skip_reason         VARCHAR,
    batch_id            VARCHAR
);

-- KXBTC15M: fair probability against the window's opening price plus momentum (signals contract).
-- Natural key: (as_of, ticker).
CREATE TABLE IF NOT EXISTS signals.btc15m_signals (
    as_of            TIMESTAMPTZ,
    ticker           VARCHAR,
    event_ticker     VARCHAR,
    window_open      TIMESTAMPTZ,
    expiry           TIMESTAMPTZ,
    opening_price    DECIMAL(18,6),
    spot             DECIMAL(18,6),
    spot_ts          TIMESTAMPTZ,
    spot_sources     VARCHAR,
    spot_n_sources   BIGINT,
    spot_vs_open_bps DOUBLE,
    momentum_return  DOUBLE,
    momentum_s       BIGINT,
    momentum_shift   DOUBLE,
    sigma            DOUBLE,
    sigma_source     VARCHAR,
    sigma_reason     VARCHAR,
    tau_s            DOUBLE,
    tau_eff_s        DOUBLE,
    model_prob       DOUBLE,
    yes_ask          DECIMAL(18,6),
    no_ask           DECIMAL(18,6),
    quoted_at        TIMESTAMPTZ,
    fee_type         VARCHAR,
    fee_multiplier   DECIMAL(18,6),
    fee_contracts    DECIMAL(18,6),
    yes_fee          DECIMAL(18,6),
    no_fee           DECIMAL(18,6),
    ev_yes           DOUBLE,
    ev_no            DOUBLE,
    direction        VARCHAR,
    edge_bps         DOUBLE,
    confidence       DOUBLE,
    skip_reason      VARCHAR,
    batch_id         VARCHAR
);
