{#-
    One row per raw trip. Each run replaces exactly the months it processes: var('source_month')
    when given, every month otherwise, so reloading a month or running months in any order
    leaves no duplicates and no stale rows behind.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='source_month',
        on_schema_change='fail',
        indexes=[{'columns': ['source_month']}],
        pre_hook="{{ delete_run_months() }}",
        post_hook=[vacuum_after_replacement()]
    )
}}

with trips as (

    select * from {{ ref('stg_trips') }}
    where {{ run_month_predicate() }}

),

zones as (

    select * from {{ ref('stg_zones') }}

),

joined as (

    select
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
        trips.cbd_congestion_fee,
        trips.total_amount,
        trips.payment_type,
        trips.trip_type,
        trips.is_out_of_month_pickup,
        trips.has_negative_amount,
        trips.is_zero_distance

    from trips
    left join zones as pickup_zones
        on trips.pickup_location_id = pickup_zones.location_id
    left join zones as dropoff_zones
        on trips.dropoff_location_id = dropoff_zones.location_id

)

select * from joined
