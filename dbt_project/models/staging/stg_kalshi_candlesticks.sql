{{ config(enabled=kalshi_has('raw.kalshi_candlesticks')) }}
select
    ticker, period_interval, end_period_ts, period_date, source_tier,
    yes_bid_close, yes_ask_close, price_open, price_high, price_low, price_close, price_mean,
    volume, open_interest
from {{ source('raw', 'kalshi_candlesticks') }}
