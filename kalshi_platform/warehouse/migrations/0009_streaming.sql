-- Streaming capture (issue 9): Kalshi WebSocket v2 frames and the order books rebuilt from them.
-- Prices and sizes: DECIMAL(18,6), exact. Times: TIMESTAMPTZ (UTC).

-- Every frame of a bounded capture window, as received (readable or not; unreadable ones also get a
-- raw.rejects row). capture_id = the capture's batch id; connection_id = capture:slot:attempt (one
-- slot per API key; a reconnect is a new attempt). msg_type .. exchange_ts are read from the frame.
-- Natural key: (connection_id, frame_no).
CREATE TABLE IF NOT EXISTS raw.kalshi_ws_messages (
    capture_id         VARCHAR,
    connection_id      VARCHAR,
    connection_slot    INTEGER,
    connection_attempt INTEGER,
    frame_no           BIGINT,
    received_at        TIMESTAMPTZ,
    msg_type           VARCHAR,
    channel            VARCHAR,
    sid                BIGINT,
    seq                BIGINT,
    cmd_id             BIGINT,
    market_ticker      VARCHAR,
    exchange_ts        TIMESTAMPTZ,
    readable           BOOLEAN,
    frame_text         VARCHAR USING COMPRESSION zstd,
    batch_id           VARCHAR
);

-- The REST order book of every captured market, fetched at the end of the window while the stream
-- was still open (the reference the rebuilt books are checked against). Levels as JSON text
-- [["price", "size"], ...] ascending, best bid last, exactly as REST sent them; error when the fetch
-- failed. Natural key: (capture_id, ticker).
CREATE TABLE IF NOT EXISTS raw.kalshi_ws_rest_books (
    capture_id   VARCHAR,
    ticker       VARCHAR,
    requested_at TIMESTAMPTZ,
    received_at  TIMESTAMPTZ,
    yes_levels   VARCHAR,
    no_levels    VARCHAR,
    error        VARCHAR,
    batch_id     VARCHAR
);

-- Books rebuilt from orderbook_snapshot + orderbook_delta, sampled per second of receive time: the
-- book after every frame received up to the end of second ts. yes_ask = 1 - best NO bid, no_ask =
-- 1 - best YES bid; depth = resting contracts per side. gap: the book could not be trusted in that
-- second (a sequence gap or a dropped connection since its snapshot; prices are then null);
-- resnapshot: a fresh snapshot replaced the book in that second; crossed: YES bid >= YES ask;
-- negative: a delta took a level below zero. Natural key: (ticker, ts).
CREATE TABLE IF NOT EXISTS core.orderbook_top (
    capture_id     VARCHAR,
    ticker         VARCHAR,
    ts             TIMESTAMPTZ,
    exchange_ts    TIMESTAMPTZ,
    connection_id  VARCHAR,
    sid            BIGINT,
    seq            BIGINT,
    yes_bid        DECIMAL(18,6),
    yes_bid_size   DECIMAL(18,6),
    yes_ask        DECIMAL(18,6),
    no_bid         DECIMAL(18,6),
    no_bid_size    DECIMAL(18,6),
    no_ask         DECIMAL(18,6),
    yes_depth      DECIMAL(18,6),
    no_depth       DECIMAL(18,6),
    yes_levels     INTEGER,
    no_levels      INTEGER,
    deltas_applied INTEGER,
    gap            BOOLEAN,
    resnapshot     BOOLEAN,
    crossed        BOOLEAN,
    negative       BOOLEAN,
    batch_id       VARCHAR
);
