-- The newest quote of every market, rebuilt from the snapshot time series each poll.
CREATE TABLE IF NOT EXISTS core.quotes_latest (
    ticker        VARCHAR PRIMARY KEY,
    event_ticker  VARCHAR,
    series_ticker VARCHAR,
    status        VARCHAR,      -- the market's current status (raw.kalshi_markets), not the status at quote time
    yes_bid       DECIMAL(18,6),
    yes_ask       DECIMAL(18,6),
    no_bid        DECIMAL(18,6),
    no_ask        DECIMAL(18,6),
    yes_bid_size  DECIMAL(18,6),
    yes_ask_size  DECIMAL(18,6),
    last_price    DECIMAL(18,6),
    volume_24h    DECIMAL(18,6),
    open_interest DECIMAL(18,6),
    liquidity     DECIMAL(18,6),
    updated_time  TIMESTAMPTZ,  -- when the exchange last changed the market
    quoted_at     TIMESTAMPTZ,  -- when we read this quote
    batch_id      VARCHAR
);
