{#-
    One row per raw trip of every service. Each run replaces exactly its scope, one service and
    some of its months (every service and month without one), keyed by (service, source_month):
    reloading a month, running months in any order, or running another service's same calendar
    month leaves no duplicates, no stale rows, and no other service's row touched.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['service', 'source_month'],
        on_schema_change='fail',
        indexes=[{'columns': ['service', 'source_month']}],
        pre_hook="{{ delete_run_scope() }}",
        post_hook=[vacuum_after_replacement()]
    )
}}

-- One branch per service; the staging models share their columns and order.
with trips as (

    select * from {{ ref('stg_green_trips') }}
    where {{ run_scope_predicate() }}

    union all

    select * from {{ ref('stg_yellow_trips') }}
    where {{ run_scope_predicate() }}

),

flagged as (

    select
        *,
        date_trunc('month', pickup_at)::date as pickup_month,
        -- TLC files contain trips from earlier months (even years earlier); they stay in the month
        -- of the file they came from and are flagged rather than moved.
        date_trunc('month', pickup_at)::date is distinct from source_month
            as is_out_of_month_pickup,
        -- least() skips nulls, so one absent fee does not hide another negative one.
        coalesce(
            least(
                fare_amount, extra, mta_tax, tip_amount, tolls_amount, ehail_fee,
                improvement_surcharge, congestion_surcharge, airport_fee, cbd_congestion_fee,
                total_amount
            ) < 0,
            false
        ) as has_negative_amount,
        coalesce(trip_distance_miles = 0, false) as is_zero_distance

    from trips

),
zones as (

    select * from {{ ref('stg_zones') }}

),

joined as (

    select
        trips.service,
        trips.trip_id,
        trips.source_month,
        trips.source_row,
        trips.vendor_id,
        trips.pickup_at,
        trips.dropoff_at,
        trips.pickup_month,
        trips.pickup_location_id,
        pickup_zones.borough as pickup_borough,
        pickup_zones.zone as pickup_zone,
        trips.dropoff_location_id,
        dropoff_zones.borough as dropoff_borough,
        dropoff_zones.zone as dropoff_zone,
        trips.store_and_fwd_flag,
        trips.rate_code_id,
        trips.passenger_count,
        trips.trip_distance_miles,
        trips.fare_amount,
        trips.extra,
        trips.mta_tax,
        trips.tip_amount,
        trips.tolls_amount,
        trips.ehail_fee,
        trips.improvement_surcharge,
        trips.congestion_surcharge,
        trips.airport_fee,
        trips.cbd_congestion_fee,
        trips.total_amount,
        trips.payment_type,
        trips.trip_type,
        trips.is_out_of_month_pickup,
        trips.has_negative_amount,
        trips.is_zero_distance

    from flagged as trips
    left join zones as pickup_zones
        on trips.pickup_location_id = pickup_zones.location_id
    left join zones as dropoff_zones
        on trips.dropoff_location_id = dropoff_zones.location_id

)

select * from joined
