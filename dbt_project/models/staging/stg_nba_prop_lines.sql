{{ config(enabled=kalshi_has('signals.nba_prop_lines')) }}
-- The signals contract's columns of signals.nba_prop_lines (history: one row per market per run).
select {{ kalshi_signal_columns('nba_prop') }}
from {{ source('signals', 'nba_prop_lines') }}
