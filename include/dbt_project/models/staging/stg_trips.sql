{#-
    Not filtered on var('source_month'), although the marts read one month at a time: a view's
    definition outlives the run, so a filter here would leave stg_trips showing whichever month
    ran last. PostgreSQL pushes the marts' month predicate through this view down to the
    source_month partitions of raw.green_trips, so one month costs the same either way.
-#}

with source as (

    select * from {{ source('raw', 'green_trips') }}

),

renamed as (

    select
        -- source_row is the row's position in its monthly file, so the id is stable across
        -- reloads of an unchanged file.
        to_char(source_month, 'YYYY-MM') || '/' || source_row::text as trip_id,
        source_month,
        source_row,

        vendorid as vendor_id,
        lpep_pickup_datetime as pickup_at,
        lpep_dropoff_datetime as dropoff_at,
        store_and_fwd_flag,
        ratecodeid as rate_code_id,
        pulocationid as pickup_location_id,
        dolocationid as dropoff_location_id,
        passenger_count,
        payment_type,
        trip_type,

        -- Distances and amounts arrive as double precision; as numeric their sums and averages
        -- are exact and independent of row order, so re-running a month reproduces the marts
        -- exactly.
        trip_distance::numeric as trip_distance_miles,
        fare_amount::numeric as fare_amount,
        extra::numeric as extra,
        mta_tax::numeric as mta_tax,
        tip_amount::numeric as tip_amount,
        tolls_amount::numeric as tolls_amount,
        ehail_fee::numeric as ehail_fee,
        improvement_surcharge::numeric as improvement_surcharge,
        congestion_surcharge::numeric as congestion_surcharge,
        cbd_congestion_fee::numeric as cbd_congestion_fee,
        total_amount::numeric as total_amount

    from source

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
                improvement_surcharge, congestion_surcharge, cbd_congestion_fee, total_amount
            ) < 0,
            false
        ) as has_negative_amount,
        coalesce(trip_distance_miles = 0, false) as is_zero_distance

    from renamed

)

select * from flagged
