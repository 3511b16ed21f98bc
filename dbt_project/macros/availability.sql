{# True when the warehouse migrations create this "schema.table" (var kalshi_tables, computed from
   kalshi_platform/warehouse/migrations by kalshi_platform/defs/dbt/project.py). #}
{% macro kalshi_has(table) %}
    {% do return(table in var('kalshi_tables', [])) %}
{% endmacro %}

{# Signal tables that follow the signals contract (common columns as_of, ticker, model_prob, yes_ask,
   no_ask, direction, edge_bps, confidence, expiry, skip_reason), with their staging model and the
   signal_type signals.signals gives them. #}
{% macro kalshi_signal_tables() %}
    {% do return([
        ('signals.btc_edges', 'stg_btc_edges', 'btc_edge'),
        ('signals.btc15m_signals', 'stg_btc15m_signals', 'btc15m'),
        ('signals.weather_signals', 'stg_weather_signals', 'weather'),
        ('signals.nba_prop_lines', 'stg_nba_prop_lines', 'nba_prop'),
    ]) %}
{% endmacro %}

{% macro kalshi_available_signals() %}
    {% set out = [] %}
    {% for table, model, signal_type in kalshi_signal_tables() %}
        {% if kalshi_has(table) %}{% do out.append((table, model, signal_type)) %}{% endif %}
    {% endfor %}
    {% do return(out) %}
{% endmacro %}

{# The contract's columns, selected from one signal table, tagged with its signal type. #}
{% macro kalshi_signal_columns(signal_type) %}
    '{{ signal_type }}' AS signal_type,
    as_of,
    ticker,
    model_prob,
    yes_ask,
    no_ask,
    direction,
    edge_bps,
    confidence,
    expiry,
    skip_reason
{% endmacro %}

{# Fail with a clear message when a source lacks columns a mart relies on (a domain renamed one),
   instead of a bare binder error deep in the SQL. #}
{% macro kalshi_require_columns(relation, columns) %}
    {% if execute %}
        {% set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
        {% set missing = [] %}
        {% for c in columns %}{% if c | lower not in present %}{% do missing.append(c) %}{% endif %}{% endfor %}
        {% if missing %}
            {{ exceptions.raise_compiler_error(relation ~ " lacks columns " ~ missing | join(", ") ~ " that " ~ model.name ~ " needs") }}
        {% endif %}
    {% endif %}
{% endmacro %}
