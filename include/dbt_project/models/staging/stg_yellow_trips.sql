{#-
    Yellow trips in the shared staging columns (macros/staging_trips.sql). Street hail or dispatch
    (trip_type) and the e-hail fee are recorded for green taxis only.
-#}
{{ staging_trips('yellow', datetime_prefix='tpep', absent=['trip_type', 'ehail_fee']) }}
