{#-
    Overrides dbt's macro so that a test's `where` config can contain the placeholder
    __run_scope__: it becomes the run's scope (its service and months), or `true` when the run has
    none. A test then checks only the service and months just processed, and its cost stays
    proportional to them. YAML configs are rendered at parse time without macros, hence a
    placeholder resolved here instead of Jinja in the YAML.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__run_scope__', run_scope_predicate()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
