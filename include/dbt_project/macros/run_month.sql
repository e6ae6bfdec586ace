{#-
    The month a run processes comes only from var('source_month'). It is validated before it
    reaches any SQL: a typo must fail the run rather than silently select nothing.
-#}
{% macro run_month() %}
    {%- set value = var('source_month', none) -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {#- A YAML date (unquoted 2024-01-01 in --vars) and a string both end up as text here. -#}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])-01', text) -%}
        {{ exceptions.raise_compiler_error(
            "var source_month must be the first day of a month as YYYY-MM-01 (e.g. 2024-01-01), got '"
            ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{% macro run_month_predicate(column='source_month') %}
    {%- set month = run_month() -%}
    {%- if month is none -%}
        {{ return('true') }}
    {%- endif -%}
    {{ return(column ~ " = date '" ~ month ~ "'") }}
{% endmacro %}


{#-
    Incremental marts replace everything in the run's scope, not only the months that still have
    rows: delete+insert alone deletes just the keys present in the new rows, so a month whose raw
    rows disappeared would keep its old facts. Runs inside the model's transaction.
-#}
{% macro delete_run_months() %}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ run_month_predicate() }}
    {%- endif -%}
{% endmacro %}


{#-
    Replacing a month leaves its old rows as dead tuples; reprocessing months again and again
    would grow the table without bound if autovacuum lagged. VACUUM cannot run in a transaction,
    hence the hook's transaction flag; it skips all-visible pages, so it costs about one month.
-#}
{% macro vacuum_after_replacement() %}
    {{ return({"sql": "vacuum (analyze) " ~ this, "transaction": false}) }}
{% endmacro %}
