{{ config(enabled=kalshi_has('trading.paper_orders')) }}
select * from {{ source('trading', 'paper_orders') }}
