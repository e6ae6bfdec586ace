{#-
    A run's scope is one TLC service and some of its months, from two environment variables:
    TAXI_DBT_SERVICE (green, yellow, ...) and TAXI_DBT_MONTHS, a comma-separated list of first
    days (2024-01-01,2024-02-01); either unset or empty means every service or every month. They
    are read at execution time only (`execute`), never while dbt parses: a value seen during
    parsing is recorded in the manifest, and a new month would force dbt to re-parse the whole
    project, seconds per invocation. Each value is validated before it reaches any SQL: a typo
    must fail the run rather than silently select nothing.
-#}
{% macro run_service() %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set service = env_var('TAXI_DBT_SERVICE', '') | trim -%}
    {%- if not service -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,30}', service) -%}
        {{ exceptions.raise_compiler_error(
            "TAXI_DBT_SERVICE must name one TLC service in lowercase (e.g. green, yellow), got '"
            ~ service ~ "'"
        ) }}
    {%- endif -%}
    {{ return(service) }}
{% endmacro %}


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


{#-
    The run's scope as a predicate on a relation with `service` and `source_month` columns (the
    load log, and every staging and mart model of trips): `true` for every service and month. The
    marts' delete+insert is keyed by (service, source_month), so a run of one service never
    touches another service's rows, even for the same calendar month.
-#}
{% macro run_scope_predicate() %}
    {%- set service = run_service() -%}
    {%- set months = run_months() -%}
    {%- set terms = [] -%}
    {%- if service is not none -%}
        {%- do terms.append("service = '" ~ service ~ "'") -%}
    {%- endif -%}
    {%- if months is not none -%}
        {%- set literals = [] -%}
        {%- for month in months -%}
            {%- do literals.append("date '" ~ month ~ "'") -%}
        {%- endfor -%}
        {%- do terms.append("source_month in (" ~ literals | join(", ") ~ ")") -%}
    {%- endif -%}
    {{ return(terms | join(" and ") if terms else 'true') }}
{% endmacro %}


{#-
    Incremental marts replace everything in the run's scope, not only the months that still have
    rows: delete+insert alone deletes just the keys present in the new rows, so a month whose raw
    rows disappeared would keep its old facts. Runs inside the model's transaction.
-#}
{% macro delete_run_scope() %}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ run_scope_predicate() }}
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
