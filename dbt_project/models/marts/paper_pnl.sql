{{ config(enabled=kalshi_has('trading.paper_orders')) }}
{{ kalshi_require_columns(source('trading', 'paper_orders'), [
    'order_id', 'cycle_at', 'mode', 'signal_type', 'ticker', 'status', 'count', 'notional',
    'filled_count', 'avg_price', 'fees_paid', 'market_result', 'realized_pnl', 'unrealized_pnl']) }}
-- Paper trading by mode, signal type and UTC day: orders and their outcomes, contracts filled, money
-- put in, fees, realized P&L on settled markets and unrealized P&L on open ones (exact decimals).
select
    mode,
    signal_type,
    cycle_at::date as trade_date,
    count(*) as orders,
    count(*) filter (where coalesce(filled_count, 0) > 0) as filled_orders,
    count(*) filter (where status in ('failed', 'rejected', 'blocked')) as failed_orders,
    count(distinct ticker) as markets,
    coalesce(sum(filled_count), 0) as contracts_filled,
    coalesce(sum(filled_count * avg_price), 0) as cost,
    coalesce(sum(fees_paid), 0) as fees_paid,
    count(*) filter (where market_result is not null and coalesce(filled_count, 0) > 0) as settled_orders,
    count(*) filter (where market_result is not null and realized_pnl > 0) as winning_orders,
    coalesce(sum(realized_pnl), 0) as realized_pnl,
    coalesce(sum(unrealized_pnl), 0) as unrealized_pnl,
    coalesce(sum(realized_pnl), 0) + coalesce(sum(unrealized_pnl), 0) as total_pnl
from {{ ref('stg_paper_orders') }}
group by all
order by trade_date, mode, signal_type
