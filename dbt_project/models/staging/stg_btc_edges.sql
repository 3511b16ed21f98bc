{{ config(enabled=kalshi_has('signals.btc_edges')) }}
-- The signals contract's columns of signals.btc_edges (history: one row per market per run).
select {{ kalshi_signal_columns('btc_edge') }}
from {{ source('signals', 'btc_edges') }}
