{{ config(enabled=kalshi_has('core.parlay_legs')) }}
select parlay_ticker, leg_index, leg_event_ticker, leg_market_ticker, side, leg_label, leg_known, legs_error
from {{ source('core', 'parlay_legs') }}
