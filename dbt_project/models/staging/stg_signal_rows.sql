{% set available = kalshi_available_signals() %}
{{ config(enabled=available | length > 0) }}
-- Every signal row of every signal table that exists, in the contract's columns, tagged by type.
{% for table, model, signal_type in available %}
select * from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
