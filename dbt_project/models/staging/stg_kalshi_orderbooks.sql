{{ config(enabled=kalshi_has('raw.kalshi_orderbooks')) }}
select batch_id, ticker, side, level_rank, price, count, format, fetched_at as polled_at
from {{ source('raw', 'kalshi_orderbooks') }}
