with source as (

    select * from {{ ref('taxi_zones') }}

),

renamed as (

    select
        locationid as location_id,
        -- dbt seeds load an empty CSV field as NULL whatever the column type, and no seed config
        -- changes that. The TLC lookup has no nulls (`N/A` is a value and loads as text), so a
        -- NULL here can only have been an empty field: give it back its empty text.
        coalesce(borough, '') as borough,
        coalesce(zone, '') as zone,
        coalesce(service_zone, '') as service_zone

    from source

)

select * from renamed
