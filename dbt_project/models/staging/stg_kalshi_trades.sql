{{ config(enabled=kalshi_has('raw.kalshi_trades')) }}
select trade_id, ticker, count, yes_price, no_price, taker_side, is_block_trade, created_time, fetched_at
from {{ source('raw', 'kalshi_trades') }}
