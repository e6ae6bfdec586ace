{#-
    Overrides dbt's macro so that a test's `where` config can contain the placeholder
    __run_month__: it becomes the run's month predicate, or `true` when no month is given.
    A test then checks only the months just processed and its cost stays proportional to them. YAML configs are rendered at parse time without macros,
    hence a placeholder resolved here instead of Jinja in the YAML.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__run_month__', run_month_predicate()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
