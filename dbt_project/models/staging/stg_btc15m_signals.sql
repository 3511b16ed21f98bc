{{ config(enabled=kalshi_has('signals.btc15m_signals')) }}
-- The signals contract's columns of signals.btc15m_signals (history: one row per market per run).
select {{ kalshi_signal_columns('btc15m') }}
from {{ source('signals', 'btc15m_signals') }}
