{{ config(enabled=kalshi_has('core.instruments')) }}
select
    ticker, event_ticker, series_ticker, category, subcategory, family, market_type, league,
    event_date, event_time, strike_type, floor, cap, unit, outcome_label, display_name, short_name,
    status, close_time, expected_expiration_time, parsed_from, first_seen, last_updated
from {{ source('core', 'instruments') }}
