{#- Replaced by (service, month) like fct_trips, from the same service and month of fct_trips. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['service', 'source_month'],
        on_schema_change='fail',
        pre_hook="{{ delete_run_scope() }}",
        post_hook=[vacuum_after_replacement()]
    )
}}

with trips as (

    select * from {{ ref('fct_trips') }}
    where {{ run_scope_predicate() }}

),

summary as (

    select
        service,
        source_month,
        pickup_month,
        pickup_borough,
        count(*) as trips,
        round(sum(total_amount), 2) as revenue,
        round(avg(trip_distance_miles), 2) as avg_trip_distance_miles,
        round(avg(fare_amount), 2) as avg_fare_amount,
        count(*) filter (where is_out_of_month_pickup) as out_of_month_trips

    from trips
    group by service, source_month, pickup_month, pickup_borough

)

select * from summary
