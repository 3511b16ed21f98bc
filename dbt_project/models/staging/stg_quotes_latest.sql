{{ config(enabled=kalshi_has('core.quotes_latest')) }}
-- Each market's newest quote (core.quotes_latest, see common quotes contract).
select
    ticker, event_ticker, status, yes_bid, yes_ask, no_bid, no_ask, yes_bid_size, yes_ask_size,
    last_price, volume_24h, open_interest, liquidity, updated_time, quoted_at, batch_id
from {{ source('core', 'quotes_latest') }}
