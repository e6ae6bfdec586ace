{#-
    One service's trips renamed and typed into the columns every service's staging model shares,
    in the same order (fct_trips stacks them with UNION ALL). The services differ only in the
    prefix of their pickup and dropoff columns (`datetime_prefix`: lpep for green, tpep for yellow)
    and in the columns their files lack (`absent`), which are typed nulls here.

    Not filtered on the run's months: a view's definition outlives the run, so a filter here would
    leave the view showing whichever month ran last. PostgreSQL pushes the marts' predicate through
    the view down to the source_month partitions of the raw table, so one month costs the same
    either way.
-#}
{% macro staging_trips(service, datetime_prefix, absent=()) %}
{%- set optional = ('trip_type', 'ehail_fee', 'airport_fee') -%}
{%- for column in absent if column not in optional -%}
    {{ exceptions.raise_compiler_error(
        "staging_trips: '" ~ column ~ "' is not a column a service may lack ("
        ~ optional | join(', ') ~ ")"
    ) }}
{%- endfor %}

with source as (

    select * from {{ source('raw', service ~ '_trips') }}

),

renamed as (

    select
        '{{ service }}'::text as service,
        -- source_row is the row's position in its monthly file, so the id is stable across
        -- reloads of an unchanged file.
        '{{ service }}/' || to_char(source_month, 'YYYY-MM') || '/' || source_row::text as trip_id,
        source_month,
        source_row,

        vendorid as vendor_id,
        {{ datetime_prefix }}_pickup_datetime as pickup_at,
        {{ datetime_prefix }}_dropoff_datetime as dropoff_at,
        store_and_fwd_flag,
        ratecodeid as rate_code_id,
        pulocationid as pickup_location_id,
        dolocationid as dropoff_location_id,
        passenger_count,
        payment_type,
        {{ 'null::integer' if 'trip_type' in absent else 'trip_type' }} as trip_type,

        -- Distances and amounts arrive as double precision; as numeric their sums and averages
        -- are exact and independent of row order, so re-running a month reproduces the marts
        -- exactly.
        trip_distance::numeric as trip_distance_miles,
        fare_amount::numeric as fare_amount,
        extra::numeric as extra,
        mta_tax::numeric as mta_tax,
        tip_amount::numeric as tip_amount,
        tolls_amount::numeric as tolls_amount,
        {{ 'null' if 'ehail_fee' in absent else 'ehail_fee' }}::numeric as ehail_fee,
        improvement_surcharge::numeric as improvement_surcharge,
        congestion_surcharge::numeric as congestion_surcharge,
        {{ 'null' if 'airport_fee' in absent else 'airport_fee' }}::numeric as airport_fee,
        cbd_congestion_fee::numeric as cbd_congestion_fee,
        total_amount::numeric as total_amount

    from source

)

select * from renamed
{% endmacro %}
