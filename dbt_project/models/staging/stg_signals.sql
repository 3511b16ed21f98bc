{{ config(enabled=kalshi_has('signals.signals')) }}
-- Every signal in one table (signals.signals, built by the trading domain from the signal tables).
select * from {{ source('signals', 'signals') }}
