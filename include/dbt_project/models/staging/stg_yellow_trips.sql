{#-
    Yellow trips renamed and typed into the columns every service's staging model shares, in the
    same order as stg_green_trips (fct_trips stacks them with UNION ALL): a column yellow taxis do
    not have is a typed null. Unfiltered for the reason given in stg_green_trips.
-#}

with source as (

    select * from {{ source('raw', 'yellow_trips') }}

),

renamed as (

    select
        'yellow'::text as service,
        'yellow/' || to_char(source_month, 'YYYY-MM') || '/' || source_row::text as trip_id,
        source_month,
        source_row,

        vendorid as vendor_id,
        tpep_pickup_datetime as pickup_at,
        tpep_dropoff_datetime as dropoff_at,
        store_and_fwd_flag,
        ratecodeid as rate_code_id,
        pulocationid as pickup_location_id,
        dolocationid as dropoff_location_id,
        passenger_count,
        payment_type,
        -- Street hail or dispatch is recorded for green taxis only.
        null::integer as trip_type,

        trip_distance::numeric as trip_distance_miles,
        fare_amount::numeric as fare_amount,
        extra::numeric as extra,
        mta_tax::numeric as mta_tax,
        tip_amount::numeric as tip_amount,
        tolls_amount::numeric as tolls_amount,
        null::numeric as ehail_fee,
        improvement_surcharge::numeric as improvement_surcharge,
        congestion_surcharge::numeric as congestion_surcharge,
        airport_fee::numeric as airport_fee,
        cbd_congestion_fee::numeric as cbd_congestion_fee,
        total_amount::numeric as total_amount

    from source

)

select * from renamed
