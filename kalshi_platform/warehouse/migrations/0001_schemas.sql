-- Schemas of the asset graph (DESIGN.md §2) and the platform's own bookkeeping tables.
-- No primary keys: natural keys are kept by the write helpers (delete-matching + insert), which is
-- much faster in DuckDB than index maintenance and keeps bulk Arrow inserts cheap.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS signals;
CREATE SCHEMA IF NOT EXISTS trading;
CREATE SCHEMA IF NOT EXISTS meta;

-- Payloads that could not be read (kalshi_platform.core.rejects.REJECT_SCHEMA).
-- Natural key: (batch_id, reject_id).
CREATE TABLE raw.rejects (
    batch_id    VARCHAR,
    reject_id   VARCHAR,
    source      VARCHAR,
    kind        VARCHAR,
    natural_key VARCHAR,
    reason      VARCHAR,
    body        VARCHAR,
    fetched_at  TIMESTAMPTZ
);

-- One row per write batch of an asset; complete = false marks a partial fetch, which must never be
-- taken for the whole universe. Natural key: batch_id.
CREATE TABLE meta.batches (
    batch_id     VARCHAR,
    asset_key    VARCHAR,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ,
    rows_written BIGINT,
    complete     BOOLEAN,
    note         VARCHAR
);

-- High-water marks of incremental fetches (e.g. markets min_updated_ts). Natural key: name.
CREATE TABLE meta.watermarks (
    name       VARCHAR,
    value      VARCHAR,
    updated_at TIMESTAMPTZ
);
