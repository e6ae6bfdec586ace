-- Statements for the bookkeeping of dbt's work: which load of each month the marts were built
-- from and tested on. Placeholders in braces are identifiers composed with psycopg.sql; %s are
-- bound parameters.

-- name: create_transform_log
-- Kept beside the marts it describes: dropping the dbt schema forgets both together. After
-- schemas.sql's create_schema.
create table if not exists {schema}.month_transforms (
    service text not null,
    source_month date not null,
    built_load_id bigint not null,
    -- A digest of the dbt project's files: a month built or tested by other models or tests is
    -- not built or tested by these.
    built_project text not null,
    built_at timestamptz not null,
    built_with date[] not null,
    tested_load_id bigint,
    tested_project text,
    tested_at timestamptz,
    tested_with date[],
    test_statuses jsonb,
    failed_tests jsonb,
    warned_tests jsonb,
    primary key (service, source_month)
);

-- name: transform_lock
-- One dbt invocation per dbt schema at a time, whoever starts it (Airflow's pool serialises the
-- DAG's tasks; this also covers the CLI and a task started outside the pool).
select pg_advisory_lock(hashtext('taxi_pipeline.dbt:' || %s));

-- name: transform_try_lock
select pg_try_advisory_lock(hashtext('taxi_pipeline.dbt:' || %s));

-- name: running_dbt_statements
-- A dbt invocation whose process was killed leaves its running statement behind: the server only
-- notices the lost client when the statement ends. No new invocation starts before that.
select count(*)
from pg_stat_activity
where datname = current_database() and application_name = %s and state <> 'idle'
    and pid <> pg_backend_pid();

-- name: month_states
-- Every loaded month's current load (the greatest load_id) beside what the marts hold of it.
with current_loads as (
    select source_month, max(load_id) as load_id
    from {raw}.load_log
    where service = %s
    group by source_month
)
select c.source_month, c.load_id,
       t.built_load_id, t.built_project,
       t.tested_load_id, t.tested_project, t.tested_with,
       t.test_statuses, t.failed_tests, t.warned_tests
from current_loads c
left join {schema}.month_transforms t
    on t.service = %s and t.source_month = c.source_month
order by c.source_month;

-- name: record_built
insert into {schema}.month_transforms
    (service, source_month, built_load_id, built_project, built_at, built_with)
values (%s, %s, %s, %s, now(), %s)
on conflict (service, source_month) do update set
    built_load_id = excluded.built_load_id,
    built_project = excluded.built_project,
    built_at = excluded.built_at,
    built_with = excluded.built_with,
    tested_load_id = null,
    tested_project = null,
    tested_at = null,
    tested_with = null,
    test_statuses = null,
    failed_tests = null,
    warned_tests = null;

-- name: record_tested
-- Only if the marts still hold the load that was tested.
update {schema}.month_transforms set
    tested_load_id = built_load_id,
    tested_project = built_project,
    tested_at = now(),
    tested_with = %s,
    test_statuses = %s,
    failed_tests = %s,
    warned_tests = %s
where service = %s and source_month = %s and built_load_id = %s and built_project = %s;

-- name: forget_tested
-- A failure is reported once: the next attempt at the month (a cleared task) tests it again.
update {schema}.month_transforms set
    tested_load_id = null, tested_project = null, tested_at = null, tested_with = null,
    test_statuses = null, failed_tests = null, warned_tests = null
where service = %s and source_month = %s;
