{#-
    Green trips renamed and typed into the columns every service's staging model shares, in the
    same order (fct_trips stacks them with UNION ALL): a column green taxis do not have is a typed
    null. Not filtered on the run's months: a view's definition outlives the run, so a filter here
    would leave the view showing whichever month ran last. PostgreSQL pushes the marts' predicate
    through this view down to the source_month partitions of the raw table, so one month costs the
    same either way.
-#}

with source as (

    select * from {{ source('raw', 'green_trips') }}

),

renamed as (

    select
        'green'::text as service,
        -- source_row is the row's position in its monthly file, so the id is stable across
        -- reloads of an unchanged file.
        'green/' || to_char(source_month, 'YYYY-MM') || '/' || source_row::text as trip_id,
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
        null::numeric as airport_fee,
        cbd_congestion_fee::numeric as cbd_congestion_fee,
        total_amount::numeric as total_amount

    from source

)

select * from renamed
