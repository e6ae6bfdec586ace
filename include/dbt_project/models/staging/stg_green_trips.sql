{#- Green trips in the shared staging columns (macros/staging_trips.sql). -#}
{{ staging_trips('green', datetime_prefix='lpep', absent=['airport_fee']) }}
