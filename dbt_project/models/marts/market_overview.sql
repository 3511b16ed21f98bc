{{ config(enabled=kalshi_has('core.instruments') and kalshi_has('raw.kalshi_market_snapshots')) }}
-- Every quoted market with its readable name, newest quote, 24-hour mid change and trading activity.
with snapshots as (
    select * from {{ ref('stg_kalshi_market_snapshots') }}
),

quotes as (
{% if kalshi_has('core.quotes_latest') %}
    select ticker, event_ticker, status, yes_bid, yes_ask, no_bid, no_ask, last_price, volume_24h, open_interest,
           liquidity, quoted_at
    from {{ ref('stg_quotes_latest') }}
{% else %}
    select ticker, event_ticker, status, yes_bid, yes_ask, no_bid, no_ask, last_price, volume_24h, open_interest,
           liquidity, polled_at as quoted_at
    from snapshots
    qualify row_number() over (partition by ticker order by polled_at desc, batch_id desc) = 1
{% endif %}
),

-- The mid of each market's oldest poll within the 24 hours before its newest poll.
day_ago as (
    select s.ticker, arg_min(s.yes_mid, s.polled_at) as mid_24h_ago, count(*) as polls_24h
    from snapshots s
    join (select ticker, max(polled_at) as newest from snapshots group by ticker) n using (ticker)
    where s.polled_at >= n.newest - interval 24 hour and s.yes_mid is not null
    group by s.ticker
)

{% if kalshi_has('raw.kalshi_trades') %}
, trades as (
    select ticker, count(*) as trades_24h, sum(count) as contracts_traded_24h
    from {{ ref('stg_kalshi_trades') }}
    where created_time >= (select max(created_time) from {{ ref('stg_kalshi_trades') }}) - interval 24 hour
    group by ticker
)
{% endif %}

select
    q.ticker,
    -- A market quoted before the instrument master has seen it keeps its row, named by its ticker.
    coalesce(i.display_name, q.ticker) as display_name,
    i.category,
    i.subcategory,
    coalesce(i.series_ticker, split_part(q.event_ticker, '-', 1)) as series_ticker,
    q.event_ticker,
    coalesce(i.status, q.status) as status,
    i.close_time,
    q.yes_bid,
    q.yes_ask,
    q.no_bid,
    q.no_ask,
    case when q.yes_bid is not null and q.yes_ask is not null then (q.yes_bid + q.yes_ask) * 0.5 end as yes_mid,
    q.yes_ask - q.yes_bid as yes_spread,
    q.last_price,
    q.volume_24h,
    q.open_interest,
    q.liquidity,
    q.quoted_at,
    case when q.yes_bid is not null and q.yes_ask is not null then (q.yes_bid + q.yes_ask) * 0.5 end - d.mid_24h_ago as mid_change_24h,
    coalesce(d.polls_24h, 0) as polls_24h,
{% if kalshi_has('raw.kalshi_trades') %}
    coalesce(t.trades_24h, 0) as trades_24h,
    coalesce(t.contracts_traded_24h, 0) as contracts_traded_24h,
{% endif %}
    round(date_diff('second', q.quoted_at, i.close_time) / 3600.0, 2) as hours_to_close
from quotes q
left join {{ ref('stg_instruments') }} i using (ticker)
left join day_ago d using (ticker)
{% if kalshi_has('raw.kalshi_trades') %}
left join trades t using (ticker)
{% endif %}
