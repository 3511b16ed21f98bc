{{ config(enabled=kalshi_has('trading.alert_events')) }}
select * from {{ source('trading', 'alert_events') }}
