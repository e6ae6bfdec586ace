{#-
    Every trip the loader reports for a service's month is in fct_trips, and nothing else: per
    (service, source_month), the trip count equals rows_loaded of that month's current load (the
    greatest load_id), and no service's month is in one but not the other. A month loaded with
    zero rows reconciles with zero trips. Any row returned is a month that does not reconcile.
-#}
{#- error: a mismatch means trips were lost or duplicated between the loader and the marts. -#}
{{ config(severity='error') }}

with loads as (

    select
        service,
        source_month,
        rows_loaded,
        row_number() over (partition by service, source_month order by load_id desc) as load_rank
    from {{ source('raw', 'load_log') }}
    where {{ run_scope_predicate() }}

),

current_loads as (

    select service, source_month, rows_loaded
    from loads
    where load_rank = 1

),

trips as (

    select service, source_month, count(*) as trips
    from {{ ref('fct_trips') }}
    where {{ run_scope_predicate() }}
    group by service, source_month

)

select
    coalesce(current_loads.service, trips.service) as service,
    coalesce(current_loads.source_month, trips.source_month) as source_month,
    current_loads.rows_loaded,
    coalesce(trips.trips, 0) as trips
from current_loads
full outer join trips
    on current_loads.service = trips.service
    and current_loads.source_month = trips.source_month
where current_loads.source_month is null
    or current_loads.rows_loaded is distinct from coalesce(trips.trips, 0)
