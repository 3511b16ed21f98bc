{# Models land in the schema they name (staging, marts), not "<target>_<schema>": the asset keys and
   the notebook use those names. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
