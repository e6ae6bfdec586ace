-- Statements for the raw layer. Placeholders in braces are identifiers or literals composed with
-- psycopg.sql (never spliced text); %s are bound parameters.

-- name: create_raw
-- After schemas.sql's create_schema.
create table if not exists {schema}.load_log (
    load_id bigint generated always as identity primary key,
    service text not null,
    source_month date not null,
    source_url text not null,
    file_sha256 text not null,
    file_bytes bigint not null,
    rows_in_file bigint not null,
    rows_loaded bigint not null,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists {schema}.{table} (
    {columns},
    source_month date not null,
    source_row integer not null
) partition by list (source_month);

-- name: create_slice
-- One slice of the month's rows, created in the transaction that copies into it (so a server with
-- wal_level=minimal writes no WAL for it). source_month is filled in by the server. The CHECKs let
-- ATTACH PARTITION skip its validation scan of the new rows.
drop table if exists {schema}.{slice};
create table {schema}.{slice} (
    {columns},
    source_month date not null default {month} check (source_month = {month}),
    source_row integer not null check (source_row >= {first_row} and source_row < {end_row})
);

-- name: analyze_slice
-- A month keeps the statistics sample of one table (300 x default_statistics_target rows) however
-- many slices it is loaded in: each slice samples its share, so slicing adds no ANALYZE time.
select set_config(
    'default_statistics_target',
    greatest(10, current_setting('default_statistics_target')::int / {slices})::text,
    true
);
analyze {schema}.{slice};

-- name: staging_slices
select tablename from pg_tables where schemaname = %s and tablename ~ %s;

-- name: drop_slice
drop table if exists {schema}.{slice};

-- name: lock_month
-- The month's partition only, never the raw table: readers of other months do not wait for it.
lock table {schema}.{partition} in access exclusive mode;

-- name: current_partition
select c.relname
from pg_inherits i
join pg_class c on c.oid = i.inhrelid
join pg_class p on p.oid = i.inhparent
join pg_namespace n on n.oid = p.relnamespace
where n.nspname = %s and p.relname = %s and c.relname = %s;

-- name: month_leaves
select c.relname
from pg_inherits i
join pg_class c on c.oid = i.inhrelid
join pg_class p on p.oid = i.inhparent
join pg_namespace n on n.oid = p.relnamespace
where n.nspname = %s and p.relname = %s
order by c.relname;

-- name: retire_leaf
alter table {schema}.{partition} detach partition {schema}.{leaf};
drop table {schema}.{leaf};

-- name: create_month
-- The month's partition is itself partitioned by row position, one leaf per slice.
create table {schema}.{partition} (
    {columns},
    source_month date not null,
    source_row integer not null
) partition by range (source_row);

-- name: attach_slice
alter table {schema}.{slice} rename to {leaf};
alter table {schema}.{partition} attach partition {schema}.{leaf}
    for values from ({first_row}) to ({end_row});

-- name: attach_month
alter table {schema}.{table} attach partition {schema}.{partition} for values in ({month});

-- name: record_load
insert into {schema}.load_log
    (service, source_month, source_url, file_sha256, file_bytes, rows_in_file, rows_loaded,
     started_at, finished_at)
values (%s, %s, %s, %s, %s, %s, %s, %s, clock_timestamp())
returning load_id;

-- name: loaded_months
select l.source_month, l.rows_in_file, l.rows_loaded, l.file_sha256, l.source_url,
       l.started_at, l.finished_at
from {schema}.load_log l
where l.service = %s
  and l.load_id = (
      select max(load_id) from {schema}.load_log
      where service = l.service and source_month = l.source_month
  )
order by l.source_month;

-- name: partition_pickup_months
select to_char(date_trunc('month', {pickup}), 'YYYY-MM') as pickup_month, count(*)
from {schema}.{partition}
group by 1
order by 1;

-- name: partition_checksum
-- Order by the row's position in its file so the digest is stable across reloads.
select count(*), coalesce(md5(string_agg(md5(t::text), '' order by t.source_row)), md5(''))
from {schema}.{partition} t;
