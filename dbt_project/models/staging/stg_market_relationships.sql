{{ config(enabled=kalshi_has('core.market_relationships')) }}
select group_kind, group_key, group_label, ticker, event_ticker, series_ticker, league, event_date, group_family, label
from {{ source('core', 'market_relationships') }}
