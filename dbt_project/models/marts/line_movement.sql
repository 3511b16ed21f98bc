{{ config(enabled=kalshi_has('raw.kalshi_market_snapshots')) }}
-- How each market's price moved, poll by poll, over the last 7 days of polls: mid, change since the
-- previous poll and since the first poll of the window. Bounded so it stays cheap as polls pile up.
with snapshots as (
    select *
    from {{ ref('stg_kalshi_market_snapshots') }}
    where polled_at >= (select max(polled_at) from {{ ref('stg_kalshi_market_snapshots') }}) - interval 7 day
)

select
    ticker,
    batch_id,
    polled_at,
    row_number() over w as poll_number,
    yes_bid,
    yes_ask,
    yes_mid,
    last_price,
    volume_24h,
    yes_mid - lag(yes_mid) over w as mid_change,
    yes_mid - first_value(yes_mid ignore nulls) over (w rows between unbounded preceding and current row) as mid_change_since_first,
    last_price - lag(last_price) over w as last_price_change
from snapshots
window w as (partition by ticker order by polled_at, batch_id)
