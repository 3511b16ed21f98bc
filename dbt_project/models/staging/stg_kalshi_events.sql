{{ config(enabled=kalshi_has('raw.kalshi_events')) }}
select
    event_ticker,
    coalesce(series_ticker, split_part(event_ticker, '-', 1)) as series_ticker,
    title,
    sub_title,
    category,
    mutually_exclusive,
    strike_date,
    last_updated_ts,
    fetched_at
from {{ source('raw', 'kalshi_events') }}
