{{ config(enabled=kalshi_has('signals.weather_signals')) }}
-- The signals contract's columns of signals.weather_signals (history: one row per market per run).
select {{ kalshi_signal_columns('weather') }}
from {{ source('signals', 'weather_signals') }}
