{#-
    The months a run processes come only from the environment variable TAXI_DBT_MONTHS: a
    comma-separated list of first days (2024-01-01,2024-02-01), unset or empty for every month.
    It is read at execution time only (`execute`), never while dbt parses: a value seen during
    parsing is recorded in the manifest, and a new month would force dbt to re-parse the whole
    project, seconds per invocation. Each value is validated before it reaches any SQL: a typo
    must fail the run rather than silently select nothing.
-#}
{% macro run_months() %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = env_var('TAXI_DBT_MONTHS', '') | trim -%}
    {%- if not text -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set months = [] -%}
    {%- for value in text.split(',') -%}
        {%- set month = value | trim -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])-01', month) -%}
            {{ exceptions.raise_compiler_error(
                "TAXI_DBT_MONTHS must list first days of months as YYYY-MM-01 (e.g. "
                ~ "2024-01-01,2024-02-01), got '" ~ month ~ "'"
            ) }}
        {%- endif -%}
        {%- do months.append(month) -%}
    {%- endfor -%}
    {{ return(months | unique | sort) }}
{% endmacro %}


{% macro run_month_predicate(column='source_month') %}
    {%- set months = run_months() -%}
    {%- if months is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for month in months -%}
        {%- do literals.append("date '" ~ month ~ "'") -%}
    {%- endfor -%}
    {{ return(column ~ " in (" ~ literals | join(", ") ~ ")") }}
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
