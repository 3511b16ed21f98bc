{{ config(enabled=kalshi_has('raw.kalshi_market_snapshots')) }}
-- One row per market per quote poll; mid and spread only when both sides are quoted. The mid stays an
-- exact DECIMAL: times 0.5, not divided by 2 (DuckDB divides decimals into DOUBLE).
select
    batch_id,
    ticker,
    event_ticker,
    status,
    yes_bid,
    yes_ask,
    no_bid,
    no_ask,
    case when yes_bid is not null and yes_ask is not null then (yes_bid + yes_ask) * 0.5 end as yes_mid,
    yes_ask - yes_bid as yes_spread,
    last_price,
    volume,
    volume_24h,
    open_interest,
    liquidity,
    updated_time,
    fetched_at as polled_at
from {{ source('raw', 'kalshi_market_snapshots') }}
