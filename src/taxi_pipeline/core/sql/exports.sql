-- Statements that read the marts for exports. Placeholders in braces are identifiers composed
-- with psycopg.sql; %s are bound parameters.

-- name: monthly_summary
-- Every column, so that the export follows the mart when it gains one; ordered by the whole row
-- so that two exports of the same month are byte for byte the same.
select *
from {schema}.mart_monthly_summary as summary
where source_month = %s
order by summary
