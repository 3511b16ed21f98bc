{% set available = kalshi_available_signals() %}
{{ config(enabled=available | length > 0 and kalshi_has('core.instruments')) }}
-- The actionable signals of each signal type's newest run, best edge first.
with latest as (
    select *
    from {{ ref('stg_signal_rows') }}
    qualify as_of = max(as_of) over (partition by signal_type)
)

select
    row_number() over (order by l.edge_bps desc, l.confidence desc, l.ticker) as rank,
    l.signal_type,
    l.as_of,
    l.ticker,
    i.display_name,
    i.category,
    l.direction,
    l.model_prob,
    l.yes_ask,
    l.no_ask,
    case l.direction when 'buy_yes' then l.yes_ask when 'buy_no' then l.no_ask end as entry_price,
    l.edge_bps,
    l.confidence,
    l.expiry,
    round(date_diff('second', l.as_of, l.expiry) / 3600.0, 2) as hours_to_expiry
from latest l
left join {{ ref('stg_instruments') }} i using (ticker)
where l.direction is not null and l.skip_reason is null and l.edge_bps is not null
