{% set available = kalshi_available_signals() %}
{% set recorded = available | length > 0 and kalshi_has('raw.kalshi_markets') %}
{% set modelled = kalshi_has('signals.calibration') %}
{{ config(enabled=recorded or modelled) }}
-- How well probabilities matched outcomes on settled markets, in ten probability bins: the mean
-- predicted probability next to the share that settled YES, and per model the Brier score and log loss
-- next to the market's Brier score. Two sources:
--   signal_history: every signal table's own forecasts, one per market and signal type (the newest
--     made before the market closed), scored here against raw.kalshi_markets results; the market's
--     probability is the mid of the YES ask and 1 - NO ask the signal was priced at;
--   signals.calibration: the trading domain's calibration per model and method (recorded forecasts,
--     backtests and hindcasts of the models on stored inputs), its reliability bins unpacked.
{% if recorded %}
with predictions as (
    select
        s.signal_type,
        s.ticker,
        s.as_of,
        s.model_prob,
        case when s.yes_ask is not null and s.no_ask is not null
             then ((s.yes_ask + (1 - s.no_ask)) / 2)::double end as market_prob,
        m.outcome_yes::double as outcome
    from {{ ref('stg_signal_rows') }} s
    join {{ ref('stg_kalshi_markets') }} m using (ticker)
    where m.is_settled
      and s.model_prob is not null
      and s.as_of <= coalesce(m.close_time, m.settlement_ts, s.as_of)
    qualify row_number() over (partition by s.signal_type, s.ticker order by s.as_of desc) = 1
),

scored as (
    select
        *,
        least(floor(model_prob * 10), 9)::integer as prob_bin,
        greatest(least(model_prob, 1 - 1e-6), 1e-6) as p
    from predictions
),

by_type as (
    select
        signal_type,
        count(*) as predictions,
        avg(power(model_prob - outcome, 2)) as brier_model,
        avg(power(market_prob - outcome, 2)) as brier_market,
        -avg(outcome * ln(p) + (1 - outcome) * ln(1 - p)) as log_loss_model,
        avg(outcome) as base_rate
    from scored
    group by signal_type
),

signal_history as (
    select
        'signal_history' as source,
        b.signal_type as model,
        'recorded' as method,
        b.prob_bin,
        b.prob_bin / 10.0 as bin_low,
        (b.prob_bin + 1) / 10.0 as bin_high,
        count(*) as predictions_in_bin,
        avg(b.model_prob) as mean_model_prob,
        avg(b.outcome) as observed_yes_rate,
        avg(b.market_prob) as mean_market_prob,
        t.predictions,
        t.brier_model,
        t.brier_market,
        t.log_loss_model,
        t.base_rate
    from scored b
    join by_type t using (signal_type)
    group by all
)
{% endif %}

{% if modelled %}
{{ "," if recorded else "with" }} model_calibration as (
    select
        'signals.calibration' as source,
        c.model,
        c.method,
        least(floor(r.bin.bin_low * 10 + 1e-9), 9)::integer as prob_bin,
        r.bin.bin_low as bin_low,
        r.bin.bin_high as bin_high,
        r.bin.n as predictions_in_bin,
        r.bin.mean_prob as mean_model_prob,
        r.bin.observed_rate as observed_yes_rate,
        null::double as mean_market_prob,
        c.n as predictions,
        c.brier_model,
        c.brier_market,
        c.log_loss_model,
        c.base_rate
    from {{ ref('stg_calibration') }} c,
        unnest(from_json(c.reliability,
            '[{"bin_low": "DOUBLE", "bin_high": "DOUBLE", "n": "BIGINT", "mean_prob": "DOUBLE", "observed_rate": "DOUBLE"}]'
        )) as r(bin)
    where c.horizon = 'all' and c.reliability is not null
)
{% endif %}

{% if recorded %}select * from signal_history{% endif %}
{% if recorded and modelled %}union all{% endif %}
{% if modelled %}select * from model_calibration{% endif %}
order by source, model, method, prob_bin
