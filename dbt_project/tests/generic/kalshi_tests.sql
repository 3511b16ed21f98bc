{# Rows whose value lies outside [min_value, max_value] (nulls pass). #}
{% test within_range(model, column_name, min_value=0, max_value=1) %}
select {{ column_name }} as value
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{# Rows whose bid is above their ask (nulls pass). #}
{% test bid_not_above_ask(model, bid, ask) %}
select {{ bid }} as bid, {{ ask }} as ask
from {{ model }}
where {{ bid }} > {{ ask }}
{% endtest %}

{# Combinations of the columns that occur more than once. #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
