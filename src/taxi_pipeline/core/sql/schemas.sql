-- Statements about schemas themselves. Placeholders in braces are identifiers or literals composed
-- with psycopg.sql (never spliced text).

-- name: create_schema
-- A namespace's own login owns its schemas but may not create schemas (CREATE on the
-- database), which "create schema if not exists" demands even when the schema exists.
do $$ begin
    if to_regnamespace({schema_name}) is null then
        create schema {schema};
    end if;
end $$;
