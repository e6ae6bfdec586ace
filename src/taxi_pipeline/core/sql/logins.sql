-- Statements for a namespace's own login. Placeholders in braces are identifiers or literals
-- composed with psycopg.sql (never spliced text).

-- name: create_login
-- The password arrives as a SCRAM verifier, so that the server's statement log never shows it.
do $$ begin
    if to_regrole({role_name}) is null then
        create role {role} login;
    end if;
end $$;
alter role {role} with login nosuperuser nocreatedb nocreaterole password {verifier};

-- name: own_schema
do $$ begin
    if to_regnamespace({schema_name}) is null then
        create schema {schema} authorization {role};
    else
        alter schema {schema} owner to {role};
    end if;
end $$;
-- What was built in the schema under another login (partitions, views, the logs) is handed over
-- too: dbt must be able to replace its views, and the loader to swap its partitions.
do $$ declare relation regclass; begin
    for relation in
        select c.oid::regclass from pg_class c
        where c.relnamespace = to_regnamespace({schema_name}) and c.relkind in ('r', 'p', 'v', 'm')
    loop
        execute format('alter table %s owner to %I', relation, {role_name});
    end loop;
end $$;
revoke all on schema {schema} from public;
