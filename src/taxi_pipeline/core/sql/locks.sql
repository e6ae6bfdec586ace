-- Statements for bounded lock waits. %s and %(name)s are bound parameters.

-- name: bound_lock_waits
-- For the current transaction only: no statement in it waits longer than this for a lock.
select set_config('lock_timeout', %s, true);

-- name: lock_holders
-- The other sessions holding a lock on a relation in one of the schemas, or on the relation
-- schema.relation or any partition below it, with what pg_stat_activity says about them (never
-- their query text: it may hold a password). A filter given null matches nothing.
select l.pid, a.application_name, a.usename, a.state, a.state_change, a.xact_start,
       n.nspname || '.' || c.relname as relation, l.mode
from pg_locks l
join pg_class c on c.oid = l.relation
join pg_namespace n on n.oid = c.relnamespace
left join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'relation' and l.granted and l.pid <> pg_backend_pid()
    and l.database = (select oid from pg_database where datname = current_database())
    and (
        n.nspname = any(%(schemas)s::text[])
        or c.oid in (
            select relid from pg_partition_tree(
                to_regclass(quote_ident(%(schema)s::text) || '.' || quote_ident(%(relation)s::text))
            )
        )
    )
order by a.xact_start nulls last, l.pid, c.relkind <> 'p', c.relname;
