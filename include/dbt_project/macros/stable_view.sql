{#-
    A view that is created once and then left alone for as long as its definition stays the same.
    dbt's own view materialization renames a new view into place on every run, which needs an
    ACCESS EXCLUSIVE lock on the view: a reader with an open transaction on it would stall the
    build, and every later reader would queue behind the build. This one keeps a digest of the
    compiled SQL in the view's comment and touches the view only when the digest differs (or on
    --full-refresh), replacing it in one transaction, so a reader sees the old view or the new one.
    The lock that replacement takes waits at most the pipeline's lock_timeout. The view is dropped
    without cascade: a view someone built on top of it makes the change fail, loudly, rather than
    vanish.
-#}
{% materialization stable_view, adapter='postgres' %}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set digest = 'taxi_pipeline stable_view ' ~ local_md5(sql) -%}
    {%- set current_digest = none -%}
    {%- if existing_relation is not none and existing_relation.is_view and not should_full_refresh() -%}
        {%- set found = run_query(
            "select obj_description(" ~ dbt.string_literal(target_relation.render())
            ~ "::regclass, 'pg_class')"
        ) -%}
        {%- set current_digest = found.columns[0].values()[0] -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if current_digest == digest %}
        {% call statement('main') -%}
            select 'unchanged' as stable_view
        {%- endcall %}
    {%- else %}
        {% call statement('main') -%}
            {%- if existing_relation is not none %}
            drop {{ existing_relation.type }} if exists {{ existing_relation }};
            {%- endif %}
            create view {{ target_relation }} as (
                {{ sql }}
            );
            comment on view {{ target_relation }} is {{ dbt.string_literal(digest) }}
        {%- endcall %}
    {%- endif %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
