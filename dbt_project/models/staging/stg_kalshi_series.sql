{{ config(enabled=kalshi_has('raw.kalshi_series')) }}
select
    ticker as series_ticker,
    title,
    category,
    frequency,
    fee_type,
    fee_multiplier,
    volume,
    last_updated_ts,
    fetched_at
from {{ source('raw', 'kalshi_series') }}
