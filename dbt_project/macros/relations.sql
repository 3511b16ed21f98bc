{# Views and tables reference each other as schema.table, without the database name: the notebook
   opens a copy of the warehouse (the read-only snapshot) whose database has another name, and a view
   naming "warehouse"."raw"."..." would not resolve there. #}
{% macro source(source_name, table_name) %}
    {% do return(builtins.source(source_name, table_name).include(database=false)) %}
{% endmacro %}

{% macro ref() %}
    {% do return(builtins.ref(*varargs, **kwargs).include(database=false)) %}
{% endmacro %}
