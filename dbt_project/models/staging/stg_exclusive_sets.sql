{{ config(enabled=kalshi_has('core.exclusive_sets')) }}
select
    set_key, set_kind, series_ticker, title, exhaustive, n_markets, n_quoted, complete_quotes,
    sum_yes_bid, sum_yes_ask, sum_mid, overround, underround, spread_width, mid_deviation, mids_stray
from {{ source('core', 'exclusive_sets') }}
